//! The customer's socket, `GET /chat/ws`: open to anyone (the widget is embedded in the
//! bank's public pages); a chat is reached only through the token its start handed out.

use super::socket::Side;
use crate::auth::{random_token, token_hash};
use crate::state::AppState;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use bankdesk_desk::chat::codes::CodeDelivery;
use bankdesk_domain::chat::{
    ClientId, Csat, CustomerCommand, MAX_FRAME_BYTES, MessageText, Sender, ServerEvent, code_hash,
    parse_code, parse_frame, resume_after,
};
use bankdesk_domain::ident::Phone;
use bankdesk_store::StoreError;
use bankdesk_store::bank::Lookup;
use bankdesk_store::chat::{Author, ChatSessionRow, CodeOutcome};
use rand::Rng;
use std::time::Duration;

/// How long a new socket may take to say `start` or `resume`.
const HELLO_WITHIN: Duration = Duration::from_secs(15);

pub async fn socket(State(state): State<AppState>, ws: WebSocketUpgrade) -> Response {
    ws.max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .read_buffer_size(super::socket::READ_BUFFER)
        .on_upgrade(move |socket| run(state, socket))
}

fn error(code: &str, message: impl Into<String>) -> Message {
    Message::Text(
        ServerEvent::Error {
            code: code.to_string(),
            message: message.into(),
        }
        .to_json()
        .into(),
    )
}

fn event(e: &ServerEvent) -> Message {
    Message::Text(e.to_json().into())
}

async fn run(state: AppState, mut socket: WebSocket) {
    let Some(chat) = hello(&state, &mut socket).await else {
        return;
    };
    let contact_id = chat.session.contact_id.clone();
    let mut reg = chat.registration;
    if chat.started {
        // Aside, so the socket is served while the router works (it takes one request
        // at a time).
        let (state, contact_id) = (state.clone(), contact_id.clone());
        tokio::spawn(async move { super::socket::request_agent(&state, &contact_id).await });
    }
    // The frame's future holds copies of these references, not a borrow of the closure.
    let (st, contact_id) = (&state, contact_id.as_str());
    super::socket::pump(
        &state,
        &mut socket,
        &mut reg.rx,
        Sender::Customer,
        |text| async move { command(st, contact_id, text.as_str()).await },
    )
    .await;
}

struct Opened {
    session: ChatSessionRow,
    registration: super::socket::Registration,
    started: bool,
}

/// The first frame: `start` opens a chat, `resume` continues one and resends what the
/// client has not seen. Registering before reading the backlog means a message stored
/// in between arrives twice at worst (the widget shows each number once), never not at all.
async fn hello(state: &AppState, socket: &mut WebSocket) -> Option<Opened> {
    let first = match tokio::time::timeout(HELLO_WITHIN, socket.recv()).await {
        Ok(Some(Ok(Message::Text(t)))) => t,
        _ => return None,
    };
    let cmd = match parse_frame::<CustomerCommand>(first.as_str()) {
        Ok(c) => c,
        Err(e) => {
            let _ = socket.send(error("invalid_field", e.to_string())).await;
            return None;
        }
    };
    let (session, token, last_seq) = match cmd {
        CustomerCommand::Start => {
            let token = random_token();
            match state.store.start_chat(&token_hash(&token)).await {
                Ok(s) => (s, Some(token), 0),
                Err(e) => {
                    tracing::error!(error = %e, "chat not started");
                    let _ = socket
                        .send(error("internal", "the chat could not start"))
                        .await;
                    return None;
                }
            }
        }
        CustomerCommand::Resume { token, last_seq } => {
            let found = if token.len() <= 128 {
                state.store.chat_by_token(&token_hash(&token)).await
            } else {
                Ok(None)
            };
            match found {
                Ok(Some(s)) => {
                    // A bad resume point resends everything: more is harmless, less is loss.
                    let from = resume_after(last_seq, s.head_seq).unwrap_or(0);
                    (s, None, from)
                }
                Ok(None) => {
                    let _ = socket
                        .send(error("not_found", "no chat with this token"))
                        .await;
                    return None;
                }
                Err(e) => {
                    tracing::error!(error = %e, "chat not resumed");
                    let _ = socket
                        .send(error("internal", "the chat could not resume"))
                        .await;
                    return None;
                }
            }
        }
        _ => {
            let _ = socket
                .send(error("invalid_field", "start or resume first"))
                .await;
            return None;
        }
    };
    let started = token.is_some();
    let registration = state.chat.register(Side::Customer, &session.contact_id);
    let welcome = ServerEvent::Welcome {
        contact_id: session.contact_id.clone(),
        token,
        state: session.state().ok()?,
        head: session.head_seq,
        csat_pending: session.csat_pending(),
    };
    socket.send(event(&welcome)).await.ok()?;
    let backlog = state
        .store
        .chat_messages_after(&session.contact_id, last_seq)
        .await
        .ok()?;
    for m in backlog {
        let from_agent = m.sender == Sender::Agent && !m.delivered;
        let seq = m.seq;
        socket.send(event(&ServerEvent::Message(m))).await.ok()?;
        if from_agent {
            super::socket::delivered(state, Sender::Customer, &session.contact_id, seq).await;
        }
    }
    if session.csat_pending() {
        socket
            .send(event(&ServerEvent::AskCsat {
                contact_id: session.contact_id.clone(),
            }))
            .await
            .ok()?;
    }
    Some(Opened {
        session,
        registration,
        started,
    })
}

/// One frame after the hello; the answer, if any, goes to this socket only.
async fn command(state: &AppState, contact_id: &str, frame: &str) -> Option<Message> {
    let cmd = match parse_frame::<CustomerCommand>(frame) {
        Ok(c) => c,
        Err(e) => return Some(error("invalid_field", e.to_string())),
    };
    let outcome = match cmd {
        CustomerCommand::Start | CustomerCommand::Resume { .. } => {
            return Some(error("conflict", "this socket already has its chat"));
        }
        CustomerCommand::Message { client_id, text } => {
            let (client_id, text) = match (ClientId::parse(&client_id), MessageText::parse(&text)) {
                (Ok(c), Ok(t)) => (c, t),
                (Err(e), _) | (_, Err(e)) => return Some(error("invalid_field", e.to_string())),
            };
            super::socket::post(state, contact_id, Author::Customer, Some(&client_id), &text)
                .await
                .map(|_| None)
        }
        CustomerCommand::Typing => {
            super::socket::typing(state, contact_id, Sender::Customer).await;
            Ok(None)
        }
        CustomerCommand::Read { up_to_seq } => {
            super::socket::read(state, contact_id, Sender::Customer, up_to_seq)
                .await
                .map(|_| None)
        }
        CustomerCommand::VerifyPhone { phone } => send_code(state, contact_id, &phone).await,
        CustomerCommand::VerifyCode { code } => check_code(state, contact_id, &code).await,
        CustomerCommand::Close => super::socket::close(state, contact_id, Sender::Customer)
            .await
            .map(|_| None),
        CustomerCommand::Csat { score } => match Csat::new(score) {
            Ok(score) => state.store.rate_chat(contact_id, score).await.map(|_| {
                Some(event(&ServerEvent::CsatThanks {
                    contact_id: contact_id.to_string(),
                }))
            }),
            Err(e) => return Some(error("invalid_field", e.to_string())),
        },
    };
    match outcome {
        Ok(reply) => reply,
        Err(e) => Some(store_error(e)),
    }
}

fn store_error(e: StoreError) -> Message {
    match e {
        StoreError::Conflict(m) => error("conflict", m),
        StoreError::Invalid(f) => error("invalid_field", f.to_string()),
        StoreError::NotFound => error("not_found", "no such chat"),
        StoreError::Refused { code, message } => error(code.code(), message),
        other => {
            tracing::error!(error = %other, "chat command failed");
            error("internal", "internal error; it has been logged")
        }
    }
}

/// A one-time code for the phone number the customer gives. The code is generated and
/// stored hashed whether or not the number is a customer's, and the answer is the same
/// either way; but only a customer's registered number is texted, so the chat cannot be
/// used to send messages to anyone else. In a demo the code is shown and logged instead.
async fn send_code(
    state: &AppState,
    contact_id: &str,
    phone: &str,
) -> Result<Option<Message>, StoreError> {
    let phone = match Phone::parse(phone) {
        Ok(p) => p,
        Err(e) => return Ok(Some(error("invalid_field", e.to_string()))),
    };
    let delivery = state.chat.codes();
    if matches!(delivery, CodeDelivery::Unavailable) {
        return Ok(Some(error(
            "unavailable",
            "no SMS gateway is configured for one-time codes",
        )));
    }
    let hits = state
        .store
        .find_customers(&Lookup::Phone(phone.as_str().to_string()), 2)
        .await?;
    // A number shared by two customers proves neither.
    let customer = (hits.len() == 1).then(|| hits[0].id.clone());
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    let salt = random_token();
    state
        .store
        .set_chat_code(
            contact_id,
            customer.as_deref(),
            &code_hash(contact_id, &salt, &code),
            &salt,
            bankdesk_store::now_ms(),
        )
        .await?;
    let demo_code = match delivery {
        CodeDelivery::Demo => {
            tracing::info!(
                contact_id,
                code,
                "demo mode: chat one-time code (no SMS gateway)"
            );
            Some(code)
        }
        CodeDelivery::Sms(gateway) => {
            if customer.is_some()
                && let Err(e) = gateway.send(phone.as_str(), &code, contact_id).await
            {
                tracing::warn!(contact_id, error = %e, "one-time code not sent");
                return Ok(Some(error(
                    "unavailable",
                    "the code could not be sent just now; try again, or the agent can verify you",
                )));
            }
            None
        }
        CodeDelivery::Unavailable => None,
    };
    Ok(Some(event(&ServerEvent::CodeSent {
        contact_id: contact_id.to_string(),
        demo_code,
    })))
}

async fn check_code(
    state: &AppState,
    contact_id: &str,
    code: &str,
) -> Result<Option<Message>, StoreError> {
    let code = match parse_code(code) {
        Ok(c) => c,
        Err(e) => return Ok(Some(error("invalid_field", e.to_string()))),
    };
    let outcome = state.store.check_chat_code(contact_id, code).await?;
    match outcome {
        CodeOutcome::Verified { customer_id } => {
            super::socket::verified(state, contact_id, &customer_id).await?;
            Ok(Some(event(&ServerEvent::Verified {
                contact_id: contact_id.to_string(),
                customer_id: None,
            })))
        }
        CodeOutcome::Wrong => Ok(Some(error("identity_not_verified", "the code is wrong"))),
        CodeOutcome::Void => Ok(Some(error(
            "identity_not_verified",
            "the code has expired or was tried too often; ask for a new one",
        ))),
    }
}
