//! `bankdesk bench routing`: a burst of chats through the live desk's router while every
//! chat agent is full, the case that made routing quadratic when each request re-read the
//! whole waiting queue from the store.
//!
//! Two chat agents (capacity 3) become available, then `--chats` chats arrive one after
//! the other (each contact opened first, untimed); each request is timed through
//! `Live::request`: the entry written to the store, a routing pass, the queue position.
//! The first six are assigned, the rest wait, and every placement is checked (the k-th
//! waiting chat is told position k). The figures compare the first and the last tenth of
//! the burst: a request should cost the same with 10 or 10,000 waiting. The same-run
//! comparison is `snapshot_ms`: one read of the whole routing state from the store at the
//! end, which the earlier design paid twice or more per request.

use crate::bench::Latency;
use bankdesk_desk::live::{Live, Placement, WorkRequest};
use bankdesk_domain::contact::{ContactChannel, Direction};
use bankdesk_domain::routing::{AgentState, Urgency};
use bankdesk_store::Store;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct RoutingArgs {
    /// Chats in the burst.
    #[arg(long, default_value_t = 10_000)]
    pub chats: usize,
}

/// Agents with the chat skill in the demo center, three chats each.
const CHAT_AGENTS: [&str; 2] = ["agent01", "agent02"];

pub async fn routing(store: &Store, a: &RoutingArgs) -> anyhow::Result<Value> {
    anyhow::ensure!(a.chats >= 10, "--chats is at least 10");
    bankdesk_desk::demo::create_demo_users(store).await?;
    let live = Live::new(store.clone(), false);
    for username in CHAT_AGENTS {
        let user = store
            .user_by_username(username)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no demo user {username}"))?;
        live.set_state(&user.id, AgentState::Available).await?;
    }
    let already = live
        .view()
        .await?
        .queues
        .iter()
        .find(|q| q.name == "chat")
        .map_or(0, |q| q.waiting);
    let mut samples = Vec::with_capacity(a.chats);
    let (mut assigned, mut queued) = (0usize, 0usize);
    let started = Instant::now();
    let mut requesting = Duration::ZERO;
    for _ in 0..a.chats {
        let c = store
            .open_unassigned_contact(
                "chat",
                ContactChannel::Chat,
                Direction::Inbound,
                None,
                bankdesk_store::now_ms(),
            )
            .await?;
        let t = Instant::now();
        let p = live
            .request(WorkRequest {
                contact_id: c.id,
                channel: ContactChannel::Chat,
                skill: "chat".to_string(),
                customer_id: None,
                vip_tier: None,
                urgency: Urgency::Normal,
            })
            .await?;
        let took = t.elapsed();
        requesting += took;
        samples.push(took);
        match p {
            Placement::Assigned { .. } => assigned += 1,
            Placement::Queued { position, .. } => {
                queued += 1;
                anyhow::ensure!(
                    position == already + queued,
                    "chat {} was told position {position}, expected {}",
                    assigned + queued,
                    already + queued
                );
            }
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let tenth = a.chats / 10;
    let first = Latency::of(&mut samples[..tenth].to_vec());
    let last = Latency::of(&mut samples[a.chats - tenth..].to_vec());
    let all = Latency::of(&mut samples);
    let t = Instant::now();
    let snapshot = store.routing_snapshot().await?;
    let snapshot_ms = t.elapsed().as_secs_f64() * 1000.0;
    let round = |x: f64| (x * 100.0).round() / 100.0;
    Ok(json!({
        "bench": "routing",
        "database": store.dialect_name(),
        "chats": a.chats,
        "assigned": assigned,
        "queued": queued,
        "waiting_at_end": snapshot.entries.iter().filter(|e| e.status == "waiting").count(),
        "requests_per_s": (a.chats as f64 / requesting.as_secs_f64()).round(),
        "wall_s": round(wall),
        "request_ms": all,
        "first_tenth_ms": first,
        "last_tenth_ms": last,
        "snapshot_ms": round(snapshot_ms),
    }))
}
