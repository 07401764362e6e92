//! The chat hub: which chat sockets are open (the customers' and the agents'), the
//! fan-out of each event to them, and the conversation's rules (post, read, close, verify,
//! hand over to an agent). The sockets themselves are the web crate's; here a socket is a
//! queue of frames ([`Registration`]).
//!
//! The hub only knows which sockets are open; the conversation itself is in the store.
//! Every message is committed with its number before any socket hears of it, so a socket
//! that drops loses nothing: on reconnect the client sends the last number it saw and is
//! sent the rest (customers), or the whole transcript of each open chat (agents).
//! Routing is the live desk's ([`crate::live`]): a new chat is a work request, and each
//! assignment it announces is pushed to the agent's socket as a screen pop, with the chat
//! attached.

pub mod codes;

use crate::Desk;
use crate::live::{Assignment, WorkRequest};
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

/// The skill a chat asks the router for.
pub const CHAT_SKILL: &str = "chat";

/// What a socket's task writes out: frames of JSON text.
#[derive(Clone, Debug)]
pub enum Outbound {
    Frame(String),
    /// A message written by the other side: once written to this socket it counts as
    /// delivered, and its writer is told.
    Deliver {
        frame: String,
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
pub struct Registration {
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

/// Which end of a chat a socket is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
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

    /// Registers a socket of `side` under `key` (the chat's contact id for a customer,
    /// the user id for an agent).
    pub fn register(self: &std::sync::Arc<Self>, side: Side, key: &str) -> Registration {
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

fn frame(e: &ServerEvent) -> String {
    e.to_json()
}

/// Sends an event to the customer's sockets of a chat.
pub fn to_customer(desk: &Desk, contact_id: &str, e: &ServerEvent) {
    desk.chat
        .push(Side::Customer, contact_id, &Outbound::Frame(frame(e)));
}

/// Sends an event to every socket of an agent.
pub fn to_agent(desk: &Desk, user_id: &str, e: &ServerEvent) {
    desk.chat
        .push(Side::Agent, user_id, &Outbound::Frame(frame(e)));
}

/// Who handles the chat: the hub's memory, else the store.
async fn handler_of(desk: &Desk, contact_id: &str) -> Result<Option<String>, StoreError> {
    if let Some(h) = desk.chat.handler_cached(contact_id) {
        return Ok(h);
    }
    let s = desk.store.chat_session(contact_id).await?;
    desk.chat.set_handler(contact_id, s.handler_id.clone());
    Ok(s.handler_id)
}

/// Stores a message and tells both sides. The writer's own sockets get it as a plain
/// frame (its echo, matched by `client_id`); the other side's as a delivery.
pub async fn post(
    desk: &Desk,
    contact_id: &str,
    author: Author<'_>,
    client_id: Option<&ClientId>,
    text: &MessageText,
) -> Result<Appended, StoreError> {
    let appended = desk
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
    let hub = &desk.chat;
    let handler = handler_of(desk, contact_id).await?;
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
        assist(desk, &agent, m);
    }
    Ok(appended)
}

/// A system notice in the transcript (both sides see it, numbered like any message).
pub async fn notice(desk: &Desk, contact_id: &str, text: &str) {
    let Ok(text) = MessageText::parse(text) else {
        return;
    };
    if let Err(e) = post(desk, contact_id, Author::System, None, &text).await {
        tracing::warn!(error = %e, contact_id, "chat notice not stored");
    }
}

/// A socket wrote a message of the other side: mark it delivered and tell its writer.
pub async fn delivered(desk: &Desk, to: Sender, contact_id: &str, seq: i64) {
    let from = to.other();
    match desk.store.mark_chat_delivered(contact_id, from, seq).await {
        Ok(true) => {
            let e = ServerEvent::Delivered {
                contact_id: contact_id.to_string(),
                up_to_seq: seq,
            };
            match from {
                Sender::Customer => to_customer(desk, contact_id, &e),
                _ => {
                    if let Ok(Some(agent)) = handler_of(desk, contact_id).await {
                        to_agent(desk, &agent, &e);
                    }
                }
            }
        }
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e, contact_id, "delivery mark not stored"),
    }
}

/// `reader` read up to `up_to`: store the mark and tell the other side.
pub async fn read(
    desk: &Desk,
    contact_id: &str,
    reader: Sender,
    up_to: i64,
) -> Result<(), StoreError> {
    if let Some(mark) = desk.store.mark_chat_read(contact_id, reader, up_to).await? {
        let e = ServerEvent::Read {
            contact_id: contact_id.to_string(),
            by: reader,
            up_to_seq: mark,
        };
        match reader {
            Sender::Agent => to_customer(desk, contact_id, &e),
            _ => {
                if let Some(agent) = handler_of(desk, contact_id).await? {
                    to_agent(desk, &agent, &e);
                }
            }
        }
    }
    Ok(())
}

/// Forwards a typing mark to the other side; nothing is stored.
pub async fn typing(desk: &Desk, contact_id: &str, from: Sender) {
    let e = ServerEvent::Typing {
        contact_id: contact_id.to_string(),
        from,
    };
    match from {
        Sender::Agent => to_customer(desk, contact_id, &e),
        _ => {
            if let Ok(Some(agent)) = handler_of(desk, contact_id).await {
                to_agent(desk, &agent, &e);
            }
        }
    }
}

/// Closes the chat (either side): a closing notice, the customer is asked for a score,
/// and the router frees the agent.
pub async fn close(desk: &Desk, contact_id: &str, by: Sender) -> Result<(), StoreError> {
    let s = desk.store.chat_session(contact_id).await?;
    if s.state == ChatState::Closed.as_str() {
        return Ok(());
    }
    notice(
        desk,
        contact_id,
        match by {
            Sender::Customer => "客户已结束对话。",
            _ => "客服已结束对话，感谢您的咨询。",
        },
    )
    .await;
    if desk.store.close_chat(contact_id, by).await?.is_none() {
        return Ok(());
    }
    let closed = ServerEvent::Closed {
        contact_id: contact_id.to_string(),
    };
    to_customer(desk, contact_id, &closed);
    to_customer(
        desk,
        contact_id,
        &ServerEvent::AskCsat {
            contact_id: contact_id.to_string(),
        },
    );
    if let Some(agent) = handler_of(desk, contact_id).await? {
        to_agent(desk, &agent, &closed);
    }
    desk.chat.forget(contact_id);
    if let Err(e) = desk.live.finish(contact_id).await {
        tracing::warn!(error = %e, contact_id, "router not told the chat ended");
    }
    Ok(())
}

/// The customer proved who they are: both sides see a notice, and the agent's desktop
/// learns the customer and pops their 360 page.
pub async fn verified(desk: &Desk, contact_id: &str, customer_id: &str) -> Result<(), StoreError> {
    notice(desk, contact_id, "客户已通过短信验证码核验身份。").await;
    if let Some(agent) = handler_of(desk, contact_id).await? {
        to_agent(
            desk,
            &agent,
            &ServerEvent::Verified {
                contact_id: contact_id.to_string(),
                customer_id: Some(customer_id.to_string()),
            },
        );
        to_agent(
            desk,
            &agent,
            &screen_pop(contact_id, Some(customer_id), ContactChannel::Chat),
        );
    }
    Ok(())
}

/// A new chat asks the router for an agent with the chat skill. A failure leaves the
/// chat waiting (the customer can still write; the transcript is kept).
pub async fn request_agent(desk: &Desk, contact_id: &str) {
    let req = WorkRequest {
        contact_id: contact_id.to_string(),
        channel: ContactChannel::Chat,
        skill: CHAT_SKILL.to_string(),
        customer_id: None,
        vip_tier: None,
        urgency: Urgency::Normal,
    };
    if let Err(e) = desk.live.request(req).await {
        tracing::warn!(error = %e, contact_id, "chat not routed");
    }
}

/// The 360 page of the customer, read for this contact.
pub fn customer_url(customer_id: &str, contact_id: &str) -> String {
    format!(
        "/customers/{}?purpose={}",
        crate::text::url_encode(customer_id),
        crate::text::url_encode(&format!("contact:{contact_id}"))
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
async fn attach_event(desk: &Desk, s: &ChatSessionRow) -> Result<ServerEvent, StoreError> {
    Ok(ServerEvent::Attach {
        contact_id: s.contact_id.clone(),
        customer_id: s.customer_id.clone(),
        state: s.state()?,
        messages: desk.store.chat_messages_after(&s.contact_id, 0).await?,
    })
}

/// Everything an agent's socket needs on (re)connect: each open chat with its whole
/// transcript, its screen pop and the suggestions for the customer's last message.
pub async fn agent_snapshot(desk: &Desk, user_id: &str) -> Result<Vec<ServerEvent>, StoreError> {
    let mut out = Vec::new();
    for s in desk.store.open_chats_of(user_id).await? {
        desk.chat
            .set_handler(&s.contact_id, Some(user_id.to_string()));
        let attach = attach_event(desk, &s).await?;
        out.push(screen_pop(
            &s.contact_id,
            s.customer_id.as_deref(),
            ContactChannel::Chat,
        ));
        if let ServerEvent::Attach { messages, .. } = &attach
            && let Some(last) = messages.iter().rev().find(|m| m.sender == Sender::Customer)
        {
            assist(desk, user_id, last);
        }
        out.push(attach);
    }
    Ok(out)
}

/// The agent assist: three knowledge points for the customer's message, pushed when found
/// (the search runs aside, so the message itself is never held up).
fn assist(desk: &Desk, agent: &str, m: &ChatMessage) {
    let (desk, agent, m) = (desk.clone(), agent.to_string(), m.clone());
    tokio::spawn(async move {
        match desk
            .kb
            .suggest(&desk.store, &m.text, bankdesk_store::now_ms())
            .await
        {
            Ok(hits) => to_agent(
                &desk,
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
async fn on_assignment(desk: &Desk, a: &Assignment) -> Result<(), StoreError> {
    to_agent(
        desk,
        &a.agent_id,
        &screen_pop(&a.contact_id, a.customer_id.as_deref(), a.channel),
    );
    if a.channel != ContactChannel::Chat {
        return Ok(());
    }
    desk.chat
        .set_handler(&a.contact_id, Some(a.agent_id.clone()));
    let s = desk.store.activate_chat(&a.contact_id).await?;
    if s.state == ChatState::Closed.as_str() {
        return Ok(());
    }
    let name = desk
        .store
        .user_by_username(&a.agent_username)
        .await?
        .map_or_else(|| a.agent_username.clone(), |u| u.display_name);
    notice(desk, &a.contact_id, &format!("{name} 为您服务。")).await;
    let s = desk.store.chat_session(&a.contact_id).await?;
    to_agent(desk, &a.agent_id, &attach_event(desk, &s).await?);
    let last = desk
        .store
        .chat_messages_after(&a.contact_id, 0)
        .await?
        .into_iter()
        .rev()
        .find(|m| m.sender == Sender::Customer);
    if let Some(last) = last {
        assist(desk, &a.agent_id, &last);
    }
    Ok(())
}

/// Listens to the router's assignments for as long as the process runs (once per hub).
pub fn listen(desk: &Desk) {
    if desk.chat.listening.swap(true, Ordering::SeqCst) {
        return;
    }
    let Ok(rt) = tokio::runtime::Handle::try_current() else {
        desk.chat.listening.store(false, Ordering::SeqCst);
        tracing::warn!("no runtime: chat screen pops are off");
        return;
    };
    let mut rx = desk.live.assignments();
    let desk = desk.clone();
    rt.spawn(async move {
        loop {
            match rx.recv().await {
                Ok(a) => {
                    if let Err(e) = on_assignment(&desk, &a).await {
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
