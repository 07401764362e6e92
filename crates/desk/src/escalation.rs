//! The escalation worker: reminders and breach notices of case deadlines, sent on a timer.
//! What is due, and sending each job exactly once, is the store's
//! (`bankdesk_store::escalation`); this is only the loop that asks it.

use bankdesk_store::{Store, new_id, now_ms};
use std::time::Duration;

/// Runs the escalation worker every `every` until the task is aborted. Errors are logged
/// and retried on the next tick; an interrupted job stays pending.
pub fn spawn(store: Store, every: Duration) -> tokio::task::JoinHandle<()> {
    let worker = format!("{}-{}", std::process::id(), new_id("w"));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            match store.run_due_jobs(&worker, now_ms()).await {
                Ok(r) if r.sent + r.dropped > 0 => {
                    tracing::info!(sent = r.sent, dropped = r.dropped, "escalation jobs run");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "escalation run failed; retrying next tick"),
            }
        }
    })
}
