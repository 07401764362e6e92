//! Web chat: the customer's socket (`/chat/ws`, opened by the widget), the agent's socket
//! (`/api/v1/agent/ws`, the desktop's one socket), and the hub between them.
//!
//! The hub only knows which sockets are open; the conversation itself is in the store.
//! Every message is committed with its number before any socket hears of it, so a socket
//! that drops loses nothing: on reconnect the client sends the last number it saw and is
//! sent the rest (customers), or the whole transcript of each open chat (agents).
//! Routing is the live desk's ([`crate::live`]): a new chat is a work request, and each
//! assignment it announces is pushed to the agent's socket as a screen pop, with the chat
//! attached.

pub(crate) mod agent;
mod assets;
pub mod codes;
pub(crate) mod customer;

use crate::AppState;
use crate::live::{Assignment, WorkRequest};
use axum::Router;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use axum::routing::get;
use bankdesk_domain::chat::{
    ChatMessage, ChatState, ClientId, MessageText, Sender, ServerEvent, Suggestion,
};
use bankdesk_domain::contact::ContactChannel;
use bankdesk_domain::routing::Urgency;
use bankdesk_store::StoreError;
use bankdesk_store::chat::{Appended, Author, ChatSessionRow};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::sync::mpsc;

/// Frames queued for one socket before it counts as stuck and is dropped (it resumes).
const SOCKET_QUEUE: usize = 256;

/// Each socket's read buffer. Chat frames are small and capped at `MAX_FRAME_BYTES`
/// (the buffer grows up to that when needed); the library's 128 KiB default would cost
/// more than everything else a held chat socket needs.
const READ_BUFFER: usize = 4 * 1024;

/// The skill a chat asks the router for.
pub const CHAT_SKILL: &str = "chat";

/// The customer-side routes; the agent socket is under `/api/v1` (see `api::router`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/chat/ws", get(customer::socket))
        .route("/chat/widget.js", get(assets::widget))
        .route("/chat/demo", get(assets::demo))
        .route("/chat/widget.css", get(assets::widget_css))
        .route("/chat/demo.css", get(assets::demo_css))
}

/// What a socket's task writes out.
#[derive(Clone, Debug)]
pub(crate) enum Outbound {
    Frame(Utf8Bytes),
    /// A message written by the other side: once written to this socket it counts as
    /// delivered, and its writer is told.
    Deliver {
        frame: Utf8Bytes,
        contact_id: String,
        seq: i64,
    },
}

#[derive(Clone)]
struct Conn {
    id: u64,
    tx: mpsc::Sender<Outbound>,
}

#[derive(Default)]
struct Conns {
    /// The customer's sockets by chat (contact id): a page reload may overlap its old one.
    customers: HashMap<String, Vec<Conn>>,
    /// The agent's sockets by user id (one desktop, perhaps more tabs).
    agents: HashMap<String, Vec<Conn>>,
    /// Who handles each chat the hub has seen (`None`: waiting for an agent).
    handlers: HashMap<String, Option<String>>,
}

/// Who is connected; see the module documentation.
pub struct Hub {
    conns: Mutex<Conns>,
    next_id: AtomicU64,
    listening: AtomicBool,
    /// How one-time codes reach the customer.
    codes: codes::CodeDelivery,
}

/// A registered socket: frames for it arrive on `rx`; dropping it unregisters.
pub(crate) struct Registration {
    pub rx: mpsc::Receiver<Outbound>,
    id: u64,
    side: Side,
    key: String,
    hub: std::sync::Arc<Hub>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.hub.unregister(self.side, &self.key, self.id);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Customer,
    Agent,
}

impl Hub {
    pub fn new(codes: codes::CodeDelivery) -> Hub {
        Hub {
            conns: Mutex::new(Conns::default()),
            next_id: AtomicU64::new(1),
            listening: AtomicBool::new(false),
            codes,
        }
    }

    pub fn codes(&self) -> &codes::CodeDelivery {
        &self.codes
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Conns> {
        // A panic while holding this lock leaves plain maps behind; keep serving.
        self.conns
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Open customer sockets, for the benchmark and the operations page.
    pub fn customer_sockets(&self) -> usize {
        self.lock().customers.values().map(Vec::len).sum()
    }

    fn register(self: &std::sync::Arc<Self>, side: Side, key: &str) -> Registration {
        let (tx, rx) = mpsc::channel(SOCKET_QUEUE);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut c = self.lock();
        let map = match side {
            Side::Customer => &mut c.customers,
            Side::Agent => &mut c.agents,
        };
        map.entry(key.to_string())
            .or_default()
            .push(Conn { id, tx });
        Registration {
            rx,
            id,
            side,
            key: key.to_string(),
            hub: self.clone(),
        }
    }

    fn unregister(&self, side: Side, key: &str, id: u64) {
        let mut c = self.lock();
        let map = match side {
            Side::Customer => &mut c.customers,
            Side::Agent => &mut c.agents,
        };
        if let Some(v) = map.get_mut(key) {
            v.retain(|conn| conn.id != id);
            if v.is_empty() {
                map.remove(key);
            }
        }
    }

    /// Queues a frame on every socket of `key`; true when at least one took it. A socket
    /// whose queue is full is dropped from the hub: its task ends and the client resumes.
    fn push(&self, side: Side, key: &str, out: &Outbound) -> bool {
        let mut c = self.lock();
        let map = match side {
            Side::Customer => &mut c.customers,
            Side::Agent => &mut c.agents,
        };
        let Some(v) = map.get_mut(key) else {
            return false;
        };
        let mut any = false;
        v.retain(|conn| match conn.tx.try_send(out.clone()) {
            Ok(()) => {
                any = true;
                true
            }
            Err(_) => false,
        });
        if v.is_empty() {
            map.remove(key);
        }
        any
    }

    fn handler_cached(&self, contact_id: &str) -> Option<Option<String>> {
        self.lock().handlers.get(contact_id).cloned()
    }

    fn set_handler(&self, contact_id: &str, handler: Option<String>) {
        self.lock().handlers.insert(contact_id.to_string(), handler);
    }

    fn forget(&self, contact_id: &str) {
        self.lock().handlers.remove(contact_id);
    }
}

fn frame(e: &ServerEvent) -> Utf8Bytes {
    Utf8Bytes::from(e.to_json())
}

/// Sends an event to the customer's sockets of a chat.
pub(crate) fn to_customer(state: &AppState, contact_id: &str, e: &ServerEvent) {
    state
        .chat
        .push(Side::Customer, contact_id, &Outbound::Frame(frame(e)));
}

/// Sends an event to every socket of an agent.
pub(crate) fn to_agent(state: &AppState, user_id: &str, e: &ServerEvent) {
    state
        .chat
        .push(Side::Agent, user_id, &Outbound::Frame(frame(e)));
}

/// Who handles the chat: the hub's memory, else the store.
async fn handler_of(state: &AppState, contact_id: &str) -> Result<Option<String>, StoreError> {
    if let Some(h) = state.chat.handler_cached(contact_id) {
        return Ok(h);
    }
    let s = state.store.chat_session(contact_id).await?;
    state.chat.set_handler(contact_id, s.handler_id.clone());
    Ok(s.handler_id)
}

/// Stores a message and tells both sides. The writer's own sockets get it as a plain
/// frame (its echo, matched by `client_id`); the other side's as a delivery.
pub(crate) async fn post(
    state: &AppState,
    contact_id: &str,
    author: Author<'_>,
    client_id: Option<&ClientId>,
    text: &MessageText,
) -> Result<Appended, StoreError> {
    let appended = state
        .store
        .append_chat_message(contact_id, author, client_id, text)
        .await?;
    let m = &appended.message;
    let f = frame(&ServerEvent::Message(m.clone()));
    let deliver = Outbound::Deliver {
        frame: f.clone(),
        contact_id: contact_id.to_string(),
        seq: m.seq,
    };
    let plain = Outbound::Frame(f);
    let hub = &state.chat;
    let handler = handler_of(state, contact_id).await?;
    match m.sender {
        Sender::Customer => {
            hub.push(Side::Customer, contact_id, &plain);
            if let Some(agent) = &handler {
                hub.push(Side::Agent, agent, &deliver);
            }
        }
        Sender::Agent => {
            if let Some(agent) = &handler {
                hub.push(Side::Agent, agent, &plain);
            }
            hub.push(Side::Customer, contact_id, &deliver);
        }
        Sender::System => {
            hub.push(Side::Customer, contact_id, &plain);
            if let Some(agent) = &handler {
                hub.push(Side::Agent, agent, &plain);
            }
        }
    }
    if m.sender == Sender::Customer
        && !appended.duplicate
        && let Some(agent) = handler
    {
        assist(state, &agent, m);
    }
    Ok(appended)
}

/// A system notice in the transcript (both sides see it, numbered like any message).
pub(crate) async fn notice(state: &AppState, contact_id: &str, text: &str) {
    let Ok(text) = MessageText::parse(text) else {
        return;
    };
    if let Err(e) = post(state, contact_id, Author::System, None, &text).await {
        tracing::warn!(error = %e, contact_id, "chat notice not stored");
    }
}

/// Serves one socket, customer's or agent's, until either end goes: frames from the socket
/// go to `command` (its answer back to the sender), frames queued for this side go out, and
/// a delivered message is marked delivered for `side`.
pub(crate) async fn pump<F: Future<Output = Option<Message>>>(
    state: &AppState,
    socket: &mut WebSocket,
    rx: &mut mpsc::Receiver<Outbound>,
    side: Sender,
    mut command: impl FnMut(Utf8Bytes) -> F,
) {
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(msg)) = incoming else { break };
                let text = match msg {
                    Message::Text(t) => t,
                    Message::Close(_) => break,
                    _ => continue,
                };
                if let Some(reply) = command(text).await
                    && socket.send(reply).await.is_err()
                {
                    break;
                }
            }
            out = rx.recv() => {
                let Some(out) = out else { break };
                let (frame, delivered) = match out {
                    Outbound::Frame(f) => (f, None),
                    Outbound::Deliver { frame, contact_id, seq } => (frame, Some((contact_id, seq))),
                };
                if socket.send(Message::Text(frame)).await.is_err() {
                    break;
                }
                if let Some((c, seq)) = delivered {
                    self::delivered(state, side, &c, seq).await;
                }
            }
        }
    }
}

/// A socket wrote a message of the other side: mark it delivered and tell its writer.
pub(crate) async fn delivered(state: &AppState, to: Sender, contact_id: &str, seq: i64) {
    let from = to.other();
    match state.store.mark_chat_delivered(contact_id, from, seq).await {
        Ok(true) => {
            let e = ServerEvent::Delivered {
                contact_id: contact_id.to_string(),
                up_to_seq: seq,
            };
            match from {
                Sender::Customer => to_customer(state, contact_id, &e),
                _ => {
                    if let Ok(Some(agent)) = handler_of(state, contact_id).await {
                        to_agent(state, &agent, &e);
                    }
                }
            }
        }
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e, contact_id, "delivery mark not stored"),
    }
}

/// `reader` read up to `up_to`: store the mark and tell the other side.
pub(crate) async fn read(
    state: &AppState,
    contact_id: &str,
    reader: Sender,
    up_to: i64,
) -> Result<(), StoreError> {
    if let Some(mark) = state
        .store
        .mark_chat_read(contact_id, reader, up_to)
        .await?
    {
        let e = ServerEvent::Read {
            contact_id: contact_id.to_string(),
            by: reader,
            up_to_seq: mark,
        };
        match reader {
            Sender::Agent => to_customer(state, contact_id, &e),
            _ => {
                if let Some(agent) = handler_of(state, contact_id).await? {
                    to_agent(state, &agent, &e);
                }
            }
        }
    }
    Ok(())
}

/// Forwards a typing mark to the other side; nothing is stored.
pub(crate) async fn typing(state: &AppState, contact_id: &str, from: Sender) {
    let e = ServerEvent::Typing {
        contact_id: contact_id.to_string(),
        from,
    };
    match from {
        Sender::Agent => to_customer(state, contact_id, &e),
        _ => {
            if let Ok(Some(agent)) = handler_of(state, contact_id).await {
                to_agent(state, &agent, &e);
            }
        }
    }
}

/// Closes the chat (either side): a closing notice, the customer is asked for a score,
/// and the router frees the agent.
pub(crate) async fn close(
    state: &AppState,
    contact_id: &str,
    by: Sender,
) -> Result<(), StoreError> {
    let s = state.store.chat_session(contact_id).await?;
    if s.state == ChatState::Closed.as_str() {
        return Ok(());
    }
    notice(
        state,
        contact_id,
        match by {
            Sender::Customer => "客户已结束对话。",
            _ => "客服已结束对话，感谢您的咨询。",
        },
    )
    .await;
    if state.store.close_chat(contact_id, by).await?.is_none() {
        return Ok(());
    }
    let closed = ServerEvent::Closed {
        contact_id: contact_id.to_string(),
    };
    to_customer(state, contact_id, &closed);
    to_customer(
        state,
        contact_id,
        &ServerEvent::AskCsat {
            contact_id: contact_id.to_string(),
        },
    );
    if let Some(agent) = handler_of(state, contact_id).await? {
        to_agent(state, &agent, &closed);
    }
    state.chat.forget(contact_id);
    if let Err(e) = state.live.finish(contact_id).await {
        tracing::warn!(error = %e.message, contact_id, "router not told the chat ended");
    }
    Ok(())
}

/// The customer proved who they are: both sides see a notice, and the agent's desktop
/// learns the customer and pops their 360 page.
pub(crate) async fn verified(
    state: &AppState,
    contact_id: &str,
    customer_id: &str,
) -> Result<(), StoreError> {
    notice(state, contact_id, "客户已通过短信验证码核验身份。").await;
    if let Some(agent) = handler_of(state, contact_id).await? {
        to_agent(
            state,
            &agent,
            &ServerEvent::Verified {
                contact_id: contact_id.to_string(),
                customer_id: Some(customer_id.to_string()),
            },
        );
        to_agent(
            state,
            &agent,
            &screen_pop(contact_id, Some(customer_id), ContactChannel::Chat),
        );
    }
    Ok(())
}

/// A new chat asks the router for an agent with the chat skill. A failure leaves the
/// chat waiting (the customer can still write; the transcript is kept).
pub(crate) async fn request_agent(state: &AppState, contact_id: &str) {
    let req = WorkRequest {
        contact_id: contact_id.to_string(),
        channel: ContactChannel::Chat,
        skill: CHAT_SKILL.to_string(),
        customer_id: None,
        vip_tier: None,
        urgency: Urgency::Normal,
    };
    if let Err(e) = state.live.request(req).await {
        tracing::warn!(error = %e.message, contact_id, "chat not routed");
    }
}

/// The 360 page of the customer, read for this contact.
pub fn customer_url(customer_id: &str, contact_id: &str) -> String {
    format!(
        "/customers/{}?purpose={}",
        crate::view::url_encode(customer_id),
        crate::view::url_encode(&format!("contact:{contact_id}"))
    )
}

fn screen_pop(contact_id: &str, customer_id: Option<&str>, channel: ContactChannel) -> ServerEvent {
    ServerEvent::ScreenPop {
        contact_id: contact_id.to_string(),
        customer_id: customer_id.map(str::to_string),
        channel: channel.as_str().to_string(),
        url: customer_id.map(|c| customer_url(c, contact_id)),
    }
}

/// The chat with its whole transcript, for an agent's socket.
async fn attach_event(state: &AppState, s: &ChatSessionRow) -> Result<ServerEvent, StoreError> {
    Ok(ServerEvent::Attach {
        contact_id: s.contact_id.clone(),
        customer_id: s.customer_id.clone(),
        state: s.state()?,
        messages: state.store.chat_messages_after(&s.contact_id, 0).await?,
    })
}

/// Everything an agent's socket needs on (re)connect: each open chat with its whole
/// transcript, its screen pop and the suggestions for the customer's last message.
pub(crate) async fn agent_snapshot(
    state: &AppState,
    user_id: &str,
) -> Result<Vec<ServerEvent>, StoreError> {
    let mut out = Vec::new();
    for s in state.store.open_chats_of(user_id).await? {
        state
            .chat
            .set_handler(&s.contact_id, Some(user_id.to_string()));
        let attach = attach_event(state, &s).await?;
        out.push(screen_pop(
            &s.contact_id,
            s.customer_id.as_deref(),
            ContactChannel::Chat,
        ));
        if let ServerEvent::Attach { messages, .. } = &attach
            && let Some(last) = messages.iter().rev().find(|m| m.sender == Sender::Customer)
        {
            assist(state, user_id, last);
        }
        out.push(attach);
    }
    Ok(out)
}

/// The agent assist: three knowledge points for the customer's message, pushed when found
/// (the search runs aside, so the message itself is never held up).
fn assist(state: &AppState, agent: &str, m: &ChatMessage) {
    let (state, agent, m) = (state.clone(), agent.to_string(), m.clone());
    tokio::spawn(async move {
        match state
            .kb
            .suggest(&state.store, &m.text, bankdesk_store::now_ms())
            .await
        {
            Ok(hits) => to_agent(
                &state,
                &agent,
                &ServerEvent::Assist {
                    contact_id: m.contact_id,
                    seq: m.seq,
                    items: hits
                        .into_iter()
                        .map(|h| Suggestion {
                            id: h.id,
                            title: h.title,
                            snippet: h.snippet,
                            script: h.script,
                        })
                        .collect(),
                },
            ),
            Err(e) => tracing::warn!(error = %e, "agent assist search failed"),
        }
    });
}

/// A contact was routed to an agent: screen pop for any channel; a chat is attached and
/// its customer told who serves them.
async fn on_assignment(state: &AppState, a: &Assignment) -> Result<(), StoreError> {
    to_agent(
        state,
        &a.agent_id,
        &screen_pop(&a.contact_id, a.customer_id.as_deref(), a.channel),
    );
    if a.channel != ContactChannel::Chat {
        return Ok(());
    }
    state
        .chat
        .set_handler(&a.contact_id, Some(a.agent_id.clone()));
    let s = state.store.activate_chat(&a.contact_id).await?;
    if s.state == ChatState::Closed.as_str() {
        return Ok(());
    }
    let name = state
        .store
        .user_by_username(&a.agent_username)
        .await?
        .map_or_else(|| a.agent_username.clone(), |u| u.display_name);
    notice(state, &a.contact_id, &format!("{name} 为您服务。")).await;
    let s = state.store.chat_session(&a.contact_id).await?;
    to_agent(state, &a.agent_id, &attach_event(state, &s).await?);
    let last = state
        .store
        .chat_messages_after(&a.contact_id, 0)
        .await?
        .into_iter()
        .rev()
        .find(|m| m.sender == Sender::Customer);
    if let Some(last) = last {
        assist(state, &a.agent_id, &last);
    }
    Ok(())
}

/// Listens to the router's assignments for as long as the process runs (once per hub).
pub(crate) fn listen(state: &AppState) {
    if state.chat.listening.swap(true, Ordering::SeqCst) {
        return;
    }
    let Ok(rt) = tokio::runtime::Handle::try_current() else {
        state.chat.listening.store(false, Ordering::SeqCst);
        tracing::warn!("no runtime: chat screen pops are off");
        return;
    };
    let mut rx = state.live.assignments();
    let state = state.clone();
    rt.spawn(async move {
        loop {
            match rx.recv().await {
                Ok(a) => {
                    if let Err(e) = on_assignment(&state, &a).await {
                        tracing::warn!(error = %e, contact_id = a.contact_id, "screen pop failed");
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    // The agents' sockets resync on reconnect; say so in the log.
                    tracing::warn!(missed = n, "chat listener fell behind the router");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}
