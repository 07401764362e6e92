//! The agent's socket, `GET /api/v1/agent/ws`: the desktop's one socket for screen pops,
//! the agent's chats, typing/delivered/read marks and the agent assist. Authenticated by
//! the desktop's session cookie (same origin only) or a bearer token, for the roles that
//! serve customers.

use super::socket::Side;
use crate::auth::{SESSION_COOKIE, Service, allowed, cookie, token_hash};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use bankdesk_domain::ErrorCode;
use bankdesk_domain::chat::{
    AgentCommand, ClientId, MAX_FRAME_BYTES, MessageText, Sender, ServerEvent, parse_frame,
};
use bankdesk_domain::routing::AgentState;
use bankdesk_store::StoreError;
use bankdesk_store::chat::Author;
use bankdesk_store::users::User;

/// The agent's socket (WebSocket, JSON text frames of `AgentCommand` and `ServerEvent`,
/// see docs/api.md): screen pops, chats and the agent assist. A browser authenticates with
/// the desktop's session cookie from a page of this host (`Origin`), an integration with a
/// bearer token.
#[utoipa::path(
    get,
    path = "/agent/ws",
    tag = "chat",
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 101, description = "Switching to the WebSocket protocol"),
        (status = 401, description = "`not_logged_in`"),
        (status = 403, description = "`forbidden`: roles that do not serve customers, or a foreign `Origin`"),
    )
)]
pub async fn socket(
    State(state): State<AppState>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let user = match authenticate(&state, &headers).await {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    ws.max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .read_buffer_size(super::socket::READ_BUFFER)
        .on_upgrade(move |socket| run(state, user, socket))
}

/// A bearer token (integrations), else the session cookie. A browser sends the cookie
/// with any page's socket to us, so with the cookie the page must be one of ours: its
/// `Origin` must name this host.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<User, ApiError> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let token = match bearer {
        Some(t) => t,
        None => {
            let t = cookie(headers, SESSION_COOKIE).ok_or_else(|| {
                ApiError::new(ErrorCode::NotLoggedIn, "log in to the desktop first")
            })?;
            if !same_origin(headers) {
                return Err(ApiError::forbidden(
                    "the socket is for the desktop's own pages",
                ));
            }
            t
        }
    };
    if token.is_empty() || token.len() > 128 {
        return Err(ApiError::new(
            ErrorCode::NotLoggedIn,
            "the token is unknown or expired",
        ));
    }
    let session = state
        .store
        .session(&token_hash(token), bankdesk_store::now_ms())
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotLoggedIn, "the token is unknown or expired"))?;
    if !allowed::<Service>(&session.user) {
        return Err(ApiError::forbidden("your roles do not serve customers"));
    }
    Ok(session.user)
}

/// `Origin: http://host:port` matches `Host: host:port`.
fn same_origin(headers: &HeaderMap) -> bool {
    let get = |h| headers.get(h).and_then(|v| v.to_str().ok());
    match (get(header::ORIGIN), get(header::HOST)) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(host)),
        _ => false,
    }
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

async fn run(state: AppState, user: User, mut socket: WebSocket) {
    let mut reg = state.chat.register(Side::Agent, &user.id);
    match super::socket::agent_snapshot(&state, &user.id).await {
        Ok(events) => {
            for e in events {
                if socket
                    .send(Message::Text(e.to_json().into()))
                    .await
                    .is_err()
                {
                    return;
                }
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "agent socket snapshot failed");
            return;
        }
    }
    // The frame's future holds copies of these references, not a borrow of the closure.
    let (st, user) = (&state, &user);
    super::socket::pump(
        &state,
        &mut socket,
        &mut reg.rx,
        Sender::Agent,
        |text| async move { command(st, user, text.as_str()).await },
    )
    .await;
}

/// The chat must be this agent's: handled by them.
async fn own_chat(state: &AppState, user: &User, contact_id: &str) -> Result<(), StoreError> {
    if contact_id.len() > 64 {
        return Err(StoreError::NotFound);
    }
    let s = state.store.chat_session(contact_id).await?;
    if s.handler_id.as_deref() == Some(user.id.as_str()) {
        Ok(())
    } else {
        Err(StoreError::Denied(
            bankdesk_domain::access::AccessDenied::NotHandler,
        ))
    }
}

async fn command(state: &AppState, user: &User, frame: &str) -> Option<Message> {
    let cmd = match parse_frame::<AgentCommand>(frame) {
        Ok(c) => c,
        Err(e) => return Some(error("invalid_field", e.to_string())),
    };
    let outcome = match cmd {
        AgentCommand::Message {
            contact_id,
            client_id,
            text,
        } => {
            let (client_id, text) = match (ClientId::parse(&client_id), MessageText::parse(&text)) {
                (Ok(c), Ok(t)) => (c, t),
                (Err(e), _) | (_, Err(e)) => return Some(error("invalid_field", e.to_string())),
            };
            super::socket::post(
                state,
                &contact_id,
                Author::Agent(&user.id),
                Some(&client_id),
                &text,
            )
            .await
            .map(|_| ())
        }
        AgentCommand::Typing { contact_id } => match own_chat(state, user, &contact_id).await {
            Ok(()) => {
                super::socket::typing(state, &contact_id, Sender::Agent).await;
                Ok(())
            }
            Err(e) => Err(e),
        },
        AgentCommand::Read {
            contact_id,
            up_to_seq,
        } => match own_chat(state, user, &contact_id).await {
            Ok(()) => super::socket::read(state, &contact_id, Sender::Agent, up_to_seq).await,
            Err(e) => Err(e),
        },
        AgentCommand::Close { contact_id } => match own_chat(state, user, &contact_id).await {
            Ok(()) => super::socket::close(state, &contact_id, Sender::Agent).await,
            Err(e) => Err(e),
        },
        AgentCommand::SetState { state: wanted } => {
            let Some(wanted) = AgentState::parse(&wanted) else {
                return Some(error("invalid_field", "state: not an agent state"));
            };
            return Some(
                match state
                    .live
                    .set_state(&user.id, wanted)
                    .await
                    .map_err(ApiError::from)
                {
                    Ok(()) => Message::Text(
                        ServerEvent::AgentState {
                            state: wanted.as_str().to_string(),
                        }
                        .to_json()
                        .into(),
                    ),
                    Err(e) => error(e.code.code(), e.message),
                },
            );
        }
    };
    match outcome {
        Ok(()) => None,
        Err(StoreError::Denied(_)) => Some(error("forbidden", "this chat is not yours")),
        Err(StoreError::NotFound) => Some(error("not_found", "no such chat")),
        Err(StoreError::Conflict(m)) => Some(error("conflict", m)),
        Err(StoreError::Invalid(f)) => Some(error("invalid_field", f.to_string())),
        Err(other) => {
            tracing::error!(error = %other, "agent command failed");
            Some(error("internal", "internal error; it has been logged"))
        }
    }
}
