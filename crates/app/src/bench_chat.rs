//! `bankdesk bench chat`: many concurrent customer chat sockets against an in-process
//! server on a fresh SQLite database, with the customers in a second process.
//!
//! The parent (`bench chat`) starts the server on loopback, then runs its own executable
//! as `bench chat-clients` (hidden from `--help`), which opens `--sessions` customer
//! sockets (each starts a chat: a contact, a chat session and a routing request, all
//! committed) and holds them all open. Two processes because each socket end is a file
//! descriptor: with both ends in one process, 10,000 sessions need 20,000 descriptors,
//! which a container's hard limit can refuse; each process raises its own soft limit to
//! one descriptor per session plus headroom.
//!
//! The two talk over the child's stdin and stdout, one JSON line each way at each step:
//! the child reports `{"opened": N}` and waits for `go`, so the server's memory and
//! socket count are read with every session open and no message sent yet; it then sends
//! `--messages` customer messages spread over the sessions at `--rate` per second,
//! reports its figures in one line and keeps its sockets open until its stdin closes, so
//! the server's count at the end is read with them still held. A message's delivery time
//! is from sending its frame until the same socket receives it back numbered: the server
//! has committed it and pushed it to every socket of the chat.
//!
//! The router takes each chat's request aside from its socket, one at a time; with
//! thousands of chats waiting it is still working through them while messages are
//! measured (`routed_at_end`: how many it had queued by the end). Memory per session is
//! given for each end: the server's RSS growth while the sessions were opened, divided by
//! the sessions (what a production server pays), and the same for the client process.

use crate::bench::Latency;
use anyhow::{Context, bail};
use bankdesk_store::{Db, SqliteSync, Store};
use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::io::Write;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
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

/// Options of `bench chat-clients`, the customer end that `bench chat` runs.
#[derive(Debug, clap::Args)]
pub struct ClientArgs {
    /// The server's customer chat socket, `ws://HOST:PORT/chat/ws`.
    #[arg(long)]
    pub url: String,
    #[command(flatten)]
    pub load: ChatArgs,
}

/// The client process's line once all its sessions are open.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Opened {
    opened: usize,
}

/// The client process's figures, its last line.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct ClientReport {
    open_s: f64,
    messages_sent: usize,
    messages_delivered: usize,
    send_s: f64,
    delivery: Latency,
    rss_before: u64,
    rss_open: u64,
    rss_end: u64,
    fd_limit: u64,
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

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// One descriptor per session (this process's end of each socket) plus headroom for the
/// database, the runtime and the pipes between the two processes.
fn raise_fd_limit(sessions: usize) -> anyhow::Result<u64> {
    let want = sessions as u64 + 1_024;
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
            "{sessions} sessions need {want} open files in each of the two processes; \
             the limit is {got} (hard {hard}). Raise the hard limit first, e.g. `ulimit -Hn {want}`"
        );
    }
    Ok(got)
}

fn check(a: &ChatArgs) -> anyhow::Result<()> {
    if a.sessions == 0 || a.rate == 0 {
        bail!("--sessions and --rate must be positive");
    }
    Ok(())
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

/// One JSON line to the parent; flushed, as the parent acts on each line.
fn emit(line: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, line)?;
    out.write_all(b"\n")?;
    out.flush().context("writing to the parent")
}

/// `bench chat-clients`: the customer end, run by `bench chat` in its own process.
pub async fn clients(c: &ClientArgs) -> anyhow::Result<()> {
    let a = &c.load;
    check(a)?;
    let fd_limit = raise_fd_limit(a.sessions)?;
    let mut parent = BufReader::new(tokio::io::stdin()).lines();
    let config = WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0);
    let (lat_tx, mut lat_rx) = mpsc::unbounded_channel();
    let rss_before = rss_bytes()?;
    let opening = Instant::now();
    let gate = Arc::new(Semaphore::new(a.connect_concurrency.max(1)));
    let (ready_tx, mut ready_rx) = mpsc::channel(a.connect_concurrency.max(1));
    let opener = {
        let (gate, url, lat_tx) = (gate.clone(), c.url.clone(), lat_tx.clone());
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
    emit(&Opened {
        opened: senders.len(),
    })?;
    match parent.next_line().await? {
        Some(l) if l == "go" => {}
        other => bail!("expected `go` from the parent, got {other:?}"),
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
    emit(&ClientReport {
        open_s,
        messages_sent: a.messages,
        messages_delivered: samples.len(),
        send_s,
        delivery: Latency::of(&mut samples),
        rss_before,
        rss_open,
        rss_end: rss_bytes()?,
        fd_limit,
    })?;
    while parent.next_line().await?.is_some() {}
    drop(senders);
    Ok(())
}

/// The client process seen from the parent: its pipes, and its stderr gathered aside so
/// it can neither block the child nor be lost when the child fails.
struct Clients {
    child: tokio::process::Child,
    stdin: Option<tokio::process::ChildStdin>,
    stdout: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    stderr: tokio::task::JoinHandle<Vec<u8>>,
}

impl Clients {
    fn spawn(url: &str, a: &ChatArgs) -> anyhow::Result<Clients> {
        let exe = std::env::current_exe().context("finding this executable")?;
        let mut child = tokio::process::Command::new(&exe)
            .args(["bench", "chat-clients", "--url", url])
            .args(["--sessions", &a.sessions.to_string()])
            .args(["--messages", &a.messages.to_string()])
            .args(["--rate", &a.rate.to_string()])
            .args(["--connect-concurrency", &a.connect_concurrency.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {} bench chat-clients", exe.display()))?;
        let (Some(stdin), Some(stdout), Some(mut stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            bail!("the client process has no pipes");
        };
        let stderr = tokio::spawn(async move {
            let mut buf = Vec::new();
            let _ = stderr.read_to_end(&mut buf).await;
            buf
        });
        Ok(Clients {
            child,
            stdin: Some(stdin),
            stdout: BufReader::new(stdout).lines(),
            stderr,
        })
    }

    /// The child's next line, parsed; `what` names it in errors.
    async fn line<T: serde::de::DeserializeOwned>(&mut self, what: &str) -> anyhow::Result<T> {
        let line = self
            .stdout
            .next_line()
            .await
            .with_context(|| format!("reading the client process's {what}"))?
            .with_context(|| format!("the client process ended before its {what}"))?;
        serde_json::from_str(&line)
            .with_context(|| format!("parsing the client process's {what} {line:?}"))
    }

    async fn go(&mut self) -> anyhow::Result<()> {
        let stdin = self.stdin.as_mut().context("the client process's stdin")?;
        stdin.write_all(b"go\n").await?;
        stdin
            .flush()
            .await
            .context("telling the client process to go")
    }

    /// Closes its stdin (its signal to let go of its sockets and exit) and reaps it; a
    /// child that does not exit within 10 s is killed. Returns its status and stderr.
    async fn reap(mut self) -> (std::io::Result<std::process::ExitStatus>, String) {
        drop(self.stdin.take());
        let status = match tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await {
            Ok(s) => s,
            Err(_) => {
                let _ = self.child.start_kill();
                self.child.wait().await
            }
        };
        let stderr = self.stderr.await.unwrap_or_default();
        let stderr = String::from_utf8_lossy(&stderr).trim().to_string();
        if stderr.is_empty() {
            return (status, "(nothing)".to_string());
        }
        (status, stderr)
    }

    /// Reaps the child after a success; its failure to exit cleanly is still a failure.
    async fn finish(self) -> anyhow::Result<()> {
        match self.reap().await {
            (Ok(status), _) if status.success() => Ok(()),
            (status, stderr) => bail!(
                "the client process failed ({}); its stderr:\n{stderr}",
                describe(&status)
            ),
        }
    }

    /// Reaps the child after `e` and adds what it said.
    async fn fail(self, e: anyhow::Error) -> anyhow::Error {
        let (status, stderr) = self.reap().await;
        anyhow::anyhow!(
            "{e:#}\nthe client process ({}) said on stderr:\n{stderr}",
            describe(&status)
        )
    }
}

fn describe(status: &std::io::Result<std::process::ExitStatus>) -> String {
    match status {
        Ok(s) => s.to_string(),
        Err(e) => format!("status unknown: {e}"),
    }
}

/// Server-side figures taken while the client process holds its sessions.
struct ServerSide {
    rss_open: u64,
    report: ClientReport,
    held: usize,
    rss_end: u64,
    stored: i64,
    routed: i64,
}

async fn drive(
    clients: &mut Clients,
    a: &ChatArgs,
    hub: &bankdesk_desk::chat::Hub,
    store: &Store,
) -> anyhow::Result<ServerSide> {
    let opened: Opened = clients.line("`opened` line").await?;
    let rss_open = rss_bytes()?;
    let server_sockets = hub.customer_sockets();
    if opened.opened != a.sessions || server_sockets != a.sessions {
        bail!(
            "{} sessions asked for, the client process opened {}, the server holds {server_sockets}",
            a.sessions,
            opened.opened
        );
    }
    clients.go().await?;
    let report: ClientReport = clients.line("report line").await?;
    let held = hub.customer_sockets();
    let rss_end = rss_bytes()?;
    let stored = store.chat_messages_from_customers().await?;
    let routed = store.row_counts(&["routing_entries"]).await?[0].1;
    Ok(ServerSide {
        rss_open,
        report,
        held,
        rss_end,
        stored,
        routed,
    })
}

/// `bench chat`: the server here, the customers in a child process.
pub async fn chat(a: &ChatArgs) -> anyhow::Result<serde_json::Value> {
    check(a)?;
    let fd_limit = raise_fd_limit(a.sessions)?;
    let dir = tempfile::tempdir()?;
    let db = Db::open_sqlite(&dir.path().join("bench.db"), SqliteSync::Normal).await?;
    db.migrate().await?;
    let store = Store::new(db);
    bankdesk_desk::demo::create_demo_users(&store).await?;
    let state = bankdesk_web::AppState::new(store.clone(), bankdesk_web::WebConfig::default())
        .map_err(|e| anyhow::anyhow!(e.message))?;
    let hub = state.chat.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("ws://{}/chat/ws", listener.local_addr()?);
    let server = tokio::spawn(async move { axum::serve(listener, bankdesk_web::app(state)).await });

    let rss_before = rss_bytes()?;
    // The listener is bound, so the child's connections queue until the server accepts.
    let mut clients = Clients::spawn(&url, a)?;
    let s = match drive(&mut clients, a, &hub, &store).await {
        Ok(s) => s,
        Err(e) => return Err(clients.fail(e).await),
    };
    clients.finish().await?;
    server.abort();
    let c = &s.report;
    let per_session = |growth: u64| growth / a.sessions as u64;
    Ok(serde_json::json!({
        "bench": "chat",
        "database": "sqlite",
        "sessions": a.sessions,
        "sessions_held_at_end": s.held,
        "open_s": c.open_s,
        "routed_at_end": s.routed,
        "messages": c.messages_sent,
        "messages_delivered": c.messages_delivered,
        "messages_stored": s.stored,
        "rate_per_s": a.rate,
        "send_s": c.send_s,
        "delivery_p50_ms": c.delivery.p50_ms,
        "delivery_p99_ms": c.delivery.p99_ms,
        "delivery_max_ms": c.delivery.max_ms,
        "server_rss_before_mb": mb(rss_before),
        "server_rss_open_mb": mb(s.rss_open),
        "server_rss_end_mb": mb(s.rss_end),
        "server_bytes_per_session": per_session(s.rss_open.saturating_sub(rss_before)),
        "client_rss_before_mb": mb(c.rss_before),
        "client_rss_open_mb": mb(c.rss_open),
        "client_rss_end_mb": mb(c.rss_end),
        "client_bytes_per_session": per_session(c.rss_open.saturating_sub(c.rss_before)),
        "server_fd_limit": fd_limit,
        "client_fd_limit": c.fd_limit,
    }))
}
