//! What both chat sockets share: the loop that pumps frames both ways, and the hub's
//! calls they make.

use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use bankdesk_desk::Desk;
use bankdesk_desk::chat::Outbound;
use bankdesk_domain::chat::Sender;
use tokio::sync::mpsc;

pub(crate) use bankdesk_desk::chat::{
    Registration, Side, agent_snapshot, close, delivered, post, read, request_agent, typing,
    verified,
};

/// Each socket's read buffer. Chat frames are small and capped at `MAX_FRAME_BYTES`
/// (the buffer grows up to that when needed); the library's 128 KiB default would cost
/// more than everything else a held chat socket needs.
pub(crate) const READ_BUFFER: usize = 4 * 1024;

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
