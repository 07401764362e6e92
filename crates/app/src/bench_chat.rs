//! `bankdesk bench chat`: many concurrent customer chat sockets against an in-process
//! server on a fresh SQLite database.
//!
//! Opens `--sessions` customer sockets (each starts a chat: a contact, a chat session and
//! a routing request, all committed), holds them all open, then sends `--messages`
//! customer messages spread over the sessions at `--rate` per second. A message's
//! delivery time is from sending its frame until the same socket receives it back
//! numbered: the server has committed it and pushed it to every socket of the chat.
//! The router takes each chat's request aside from its socket, one at a time; with
//! thousands of chats waiting it is still working through them while messages are
//! measured (`routed_at_end`: how many it had queued by the end). Memory per session is the process's RSS growth while the sessions were opened,
//! divided by the sessions; the clients live in the same process, so it counts both ends
//! of each socket.
//!
//! Each session holds two file descriptors (client and server end): the bench raises
//! its own open-file limit, which needs the hard limit high enough (`ulimit -n 65536`)
//! or the right to raise it (root).

use anyhow::{Context, bail};
use bankdesk_store::{Db, SqliteSync, Store};
use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, mpsc};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// Options of `bench chat`.
#[derive(Debug, clap::Args)]
pub struct ChatArgs {
    /// Concurrent customer chat sockets to hold.
    #[arg(long, default_value_t = 10_000)]
    pub sessions: usize,
    /// Customer messages in the measured phase.
    #[arg(long, default_value_t = 20_000)]
    pub messages: usize,
    /// Messages per second in the measured phase.
    #[arg(long, default_value_t = 1_000)]
    pub rate: u32,
    /// Sockets being opened at once.
    #[arg(long, default_value_t = 64)]
    pub connect_concurrency: usize,
}

/// Resident memory of this process, from /proc (Linux).
fn rss_bytes() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status").context("reading /proc")?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS in /proc/self/status")?;
    Ok(kb * 1024)
}

/// Two descriptors per session plus headroom for the database and the runtime.
fn raise_fd_limit(sessions: usize) -> anyhow::Result<u64> {
    let want = (sessions as u64) * 2 + 1_024;
    let (soft, hard) = rlimit::Resource::NOFILE.get()?;
    if soft >= want {
        return Ok(soft);
    }
    if hard < want && rlimit::Resource::NOFILE.set(want, want).is_ok() {
        return Ok(want);
    }
    let got = rlimit::increase_nofile_limit(want)?;
    if got < want {
        bail!(
            "{sessions} sessions need {want} open files; the limit is {got} (hard {hard}). \
             Raise it first, e.g. `ulimit -n 65536`"
        );
    }
    Ok(got)
}

/// One customer: a socket, its pending messages (client id -> sent at), the latencies.
async fn customer(
    url: String,
    config: WebSocketConfig,
    permit: tokio::sync::OwnedSemaphorePermit,
    ready: mpsc::Sender<anyhow::Result<mpsc::Sender<String>>>,
    latencies: mpsc::UnboundedSender<Duration>,
) {
    let connected = async {
        let (mut ws, _) =
            tokio_tungstenite::connect_async_with_config(url, Some(config), false).await?;
        ws.send(Message::text(r#"{"type":"start"}"#)).await?;
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) if t.as_str().contains(r#""type":"welcome""#) => {
                    break;
                }
                Some(Ok(_)) => {}
                other => bail!("no welcome: {other:?}"),
            }
        }
        anyhow::Ok(ws)
    }
    .await;
    let mut ws = match connected {
        Ok(ws) => ws,
        Err(e) => {
            let _ = ready.send(Err(e)).await;
            return;
        }
    };
    let (tx, mut rx) = mpsc::channel::<String>(16);
    if ready.send(Ok(tx)).await.is_err() {
        return;
    }
    drop(ready);
    // Open: the next session may start connecting.
    drop(permit);
    let mut pending: HashMap<String, Instant> = HashMap::new();
    loop {
        tokio::select! {
            id = rx.recv() => {
                let Some(id) = id else { break };
                let frame = serde_json::json!({"type": "message", "client_id": id, "text": "您好，我想查询信用卡账单"});
                pending.insert(id, Instant::now());
                if ws.send(Message::text(frame.to_string())).await.is_err() {
                    break;
                }
            }
            msg = ws.next() => {
                let Some(Ok(Message::Text(t))) = msg else {
                    if msg.is_none() { break } else { continue }
                };
                if !t.as_str().contains(r#""type":"message""#) {
                    continue;
                }
                let Ok(v) = serde_json::from_str::<serde_json::Value>(t.as_str()) else { continue };
                if let Some(sent) = v["client_id"].as_str().and_then(|id| pending.remove(id)) {
                    let _ = latencies.send(sent.elapsed());
                }
            }
        }
    }
}

pub async fn chat(a: &ChatArgs) -> anyhow::Result<serde_json::Value> {
    if a.sessions == 0 || a.rate == 0 {
        bail!("--sessions and --rate must be positive");
    }
    let fd_limit = raise_fd_limit(a.sessions)?;
    let dir = tempfile::tempdir()?;
    let db = Db::open_sqlite(&dir.path().join("bench.db"), SqliteSync::Normal).await?;
    db.migrate().await?;
    let store = Store::new(db);
    bankdesk_web::create_demo_users(&store)
        .await
        .map_err(|e| anyhow::anyhow!(e.message))?;
    let state = bankdesk_web::AppState::new(store.clone(), bankdesk_web::WebConfig::default())
        .map_err(|e| anyhow::anyhow!(e.message))?;
    let hub = state.chat.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("ws://{}/chat/ws", listener.local_addr()?);
    let server = tokio::spawn(async move { axum::serve(listener, bankdesk_web::app(state)).await });

    let config = WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0);
    let (lat_tx, mut lat_rx) = mpsc::unbounded_channel();
    let rss_before = rss_bytes()?;
    let opening = Instant::now();
    let gate = Arc::new(Semaphore::new(a.connect_concurrency.max(1)));
    let (ready_tx, mut ready_rx) = mpsc::channel(a.connect_concurrency.max(1));
    let opener = {
        let (gate, url, lat_tx) = (gate.clone(), url.clone(), lat_tx.clone());
        let sessions = a.sessions;
        tokio::spawn(async move {
            for _ in 0..sessions {
                let Ok(permit) = gate.clone().acquire_owned().await else {
                    break;
                };
                let (url, ready, lat) = (url.clone(), ready_tx.clone(), lat_tx.clone());
                tokio::spawn(customer(url, config, permit, ready, lat));
            }
        })
    };
    let mut senders = Vec::with_capacity(a.sessions);
    while senders.len() < a.sessions {
        match tokio::time::timeout(Duration::from_secs(60), ready_rx.recv()).await {
            Ok(Some(Ok(tx))) => senders.push(tx),
            Ok(Some(Err(e))) => bail!("session {} failed to open: {e}", senders.len() + 1),
            Ok(None) => bail!("the opener stopped"),
            Err(_) => bail!("no session opened for 60 s after {}", senders.len()),
        }
    }
    opener.await?;
    let open_s = opening.elapsed().as_secs_f64();
    let rss_open = rss_bytes()?;
    let server_sockets = hub.customer_sockets();
    if server_sockets != a.sessions {
        bail!(
            "the server holds {server_sockets} customer sockets, not {}",
            a.sessions
        );
    }

    let gap = Duration::from_secs_f64(1.0 / f64::from(a.rate));
    let sending = Instant::now();
    let mut tick = tokio::time::interval(gap);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    for i in 0..a.messages {
        tick.tick().await;
        let s = &senders[i % senders.len()];
        s.send(format!("b{i}")).await.context("a session closed")?;
    }
    let mut samples = Vec::with_capacity(a.messages);
    while samples.len() < a.messages {
        match tokio::time::timeout(Duration::from_secs(30), lat_rx.recv()).await {
            Ok(Some(d)) => samples.push(d),
            _ => bail!(
                "{} of {} messages never came back",
                a.messages - samples.len(),
                a.messages
            ),
        }
    }
    let send_s = sending.elapsed().as_secs_f64();
    let held = hub.customer_sockets();
    let rss_end = rss_bytes()?;
    let stored: (i64,) = store
        .db
        .fetch_one_row("SELECT COUNT(*) FROM chat_messages WHERE sender = 'customer'")
        .await?;
    let routed: (i64,) = store
        .db
        .fetch_one_row("SELECT COUNT(*) FROM routing_entries")
        .await?;
    let lat = crate::bench::Latency::of(&mut samples);
    drop(senders);
    server.abort();
    Ok(serde_json::json!({
        "bench": "chat",
        "database": "sqlite",
        "sessions": a.sessions,
        "sessions_held_at_end": held,
        "open_s": open_s,
        "routed_at_end": routed.0,
        "messages": a.messages,
        "messages_stored": stored.0,
        "rate_per_s": a.rate,
        "send_s": send_s,
        "delivery_p50_ms": lat.p50_ms,
        "delivery_p99_ms": lat.p99_ms,
        "delivery_max_ms": lat.max_ms,
        "rss_before_mb": rss_before as f64 / 1_048_576.0,
        "rss_open_mb": rss_open as f64 / 1_048_576.0,
        "rss_end_mb": rss_end as f64 / 1_048_576.0,
        "bytes_per_session": (rss_open.saturating_sub(rss_before)) / a.sessions as u64,
        "fd_limit": fd_limit,
    }))
}
