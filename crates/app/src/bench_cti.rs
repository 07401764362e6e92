//! `bankdesk bench cti`: CTI call events ingested durably through the store (target:
//! 20,000 events/s). Every call is offered, queued, answered by a demo agent, recorded
//! and ended (5 events); calls overlap, so a call's events arrive over several
//! deliveries, and each delivery is validated as the API does and committed before the
//! next is sent (the API's 202 waits for the same commit). `--live` adds what the API
//! does after the commit: the routing board re-reads the calls' entries and agents, and
//! routes to the agents the ended calls freed.

use bankdesk_domain::cti::parse_batch;
use bankdesk_store::Store;
use serde_json::{Value, json};
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct CtiArgs {
    /// Events to deliver (rounded down to whole calls).
    #[arg(long, default_value_t = 200_000)]
    pub events: u64,
    /// Events per delivery (at most 2,000, the API's limit).
    #[arg(long, default_value_t = 1_000)]
    pub batch: usize,
    /// Calls in progress at once: a call's events are spread over this many others'.
    #[arg(long, default_value_t = 500)]
    pub overlap: u64,
    /// Deliver through the live desk, as `POST /api/v1/cti/events` does (the store's
    /// intake, then the routing board brought up to date and a routing pass), instead
    /// of through the store alone.
    #[arg(long)]
    pub live: bool,
}

const EVENTS_PER_CALL: u64 = 5;

/// Event `k` of call `i`, as the PBX would post it.
fn event(run: u64, i: u64, k: u64) -> Value {
    // Calls start 100 ms apart; answered after 20 s, ended after 3 minutes.
    let start = 1_795_000_000_000_i64 + i64::try_from(i).unwrap_or(0) * 100;
    let (kind, offset) = match k {
        0 => ("offered", 0),
        1 => ("queued", 5_000),
        2 => ("answered", 20_000),
        3 => ("recording", 20_500),
        _ => ("ended", 180_000),
    };
    let at = chrono::DateTime::from_timestamp_millis(start + offset)
        .unwrap_or_default()
        .fixed_offset()
        .to_rfc3339();
    let mut e = json!({
        "call_id": format!("bench-{run}-{i}"), "seq": k + 1, "type": kind, "at": at,
        "ani": format!("139{:08}", i % 100_000_000), "dnis": "95555", "queue": "card",
        "ivr_path": "1>2>0",
    });
    if k >= 2 {
        e["agent"] = json!(format!("agent{:02}", i % 10 + 1));
    }
    if k == 3 {
        e["recording_ref"] = json!(format!("rec/bench-{run}-{i}.wav"));
    }
    e
}

pub async fn cti(store: &Store, a: &CtiArgs) -> anyhow::Result<Value> {
    anyhow::ensure!(
        (1..=2_000).contains(&a.batch),
        "--batch is 1 to 2,000 events"
    );
    bankdesk_desk::demo::create_demo_users(store).await?;
    let calls = a.events / EVENTS_PER_CALL;
    let overlap = a.overlap.max(1);
    // Slot of event k of call i: i + k * overlap, so a call's events are spread out.
    let mut order: Vec<(u64, u64)> = (0..calls)
        .flat_map(|i| (0..EVENTS_PER_CALL).map(move |k| (i, k)))
        .collect();
    order.sort_by_key(|&(i, k)| (i + k * overlap, k));
    let run = u64::try_from(bankdesk_store::now_ms()).unwrap_or(0);
    let live = a
        .live
        .then(|| bankdesk_desk::live::Live::new(store.clone(), false));
    let before = store.count_calls().await?;
    let mut latencies = Vec::new();
    let (mut accepted, mut duplicates) = (0, 0);
    let started = Instant::now();
    for chunk in order.chunks(a.batch) {
        let t = Instant::now();
        let body =
            json!({"events": chunk.iter().map(|&(i, k)| event(run, i, k)).collect::<Vec<_>>()});
        let events =
            parse_batch(&body).map_err(|(field, reason)| anyhow::anyhow!("{field}: {reason}"))?;
        let out = match &live {
            Some(live) => live.ingest_cti(&events).await?,
            None => store.ingest_cti(&events, bankdesk_store::now_ms()).await?,
        };
        accepted += out.accepted;
        duplicates += out.duplicates;
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let seconds = started.elapsed().as_secs_f64();
    let after = store.count_calls().await?;
    anyhow::ensure!(
        u64::try_from(after - before).unwrap_or(0) == calls,
        "expected {calls} new calls, found {}",
        after - before
    );
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies.get(i).copied().unwrap_or(0.0)
    };
    let events = order.len();
    Ok(json!({
        "bench": "cti",
        "database": store.dialect_name(),
        "events": events,
        "calls": calls,
        "batch": a.batch,
        "through": if a.live { "live" } else { "store" },
        "overlap": overlap,
        "accepted": accepted,
        "duplicates": duplicates,
        "seconds": (seconds * 1000.0).round() / 1000.0,
        "events_per_s": (events as f64 / seconds).round(),
        "delivery_ms_p50": (pct(0.5) * 100.0).round() / 100.0,
        "delivery_ms_p99": (pct(0.99) * 100.0).round() / 100.0,
        "delivery_ms_max": (pct(1.0) * 100.0).round() / 100.0,
    }))
}
