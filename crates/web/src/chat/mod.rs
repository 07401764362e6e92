//! Web chat over HTTP: the customer's socket (`/chat/ws`, opened by the widget), the
//! agent's socket (`/api/v1/agent/ws`, the desktop's one socket), and the widget's files.
//!
//! The hub between the sockets, and every rule of the conversation, is
//! `bankdesk_desk::chat`; a socket here registers with it and writes out the frames it is
//! queued ([`pump`]).

pub(crate) mod agent;
mod assets;
pub(crate) mod customer;

use crate::AppState;
use axum::Router;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use axum::routing::get;
use bankdesk_desk::Desk;
use bankdesk_desk::chat::Outbound;
use bankdesk_domain::chat::Sender;
use tokio::sync::mpsc;

pub(crate) use bankdesk_desk::chat::{
    Registration, Side, agent_snapshot, close, delivered, listen, post, read, request_agent,
    typing, verified,
};

/// Each socket's read buffer. Chat frames are small and capped at `MAX_FRAME_BYTES`
/// (the buffer grows up to that when needed); the library's 128 KiB default would cost
/// more than everything else a held chat socket needs.
const READ_BUFFER: usize = 4 * 1024;

/// The customer-side routes; the agent socket is under `/api/v1` (see `api::router`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/chat/ws", get(customer::socket))
        .route("/chat/widget.js", get(assets::widget))
        .route("/chat/demo", get(assets::demo))
        .route("/chat/widget.css", get(assets::widget_css))
        .route("/chat/demo.css", get(assets::demo_css))
}

/// Serves one socket, customer's or agent's, until either end goes: frames from the socket
/// go to `command` (its answer back to the sender), frames queued for this side go out, and
/// a delivered message is marked delivered for `side`.
pub(crate) async fn pump<F: Future<Output = Option<Message>>>(
    desk: &Desk,
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
                if socket.send(Message::Text(frame.into())).await.is_err() {
                    break;
                }
                if let Some((c, seq)) = delivered {
                    bankdesk_desk::chat::delivered(desk, side, &c, seq).await;
                }
            }
        }
    }
}
