//! The supervisor's live view: queues (waiting, longest wait) and agents (state, the
//! contacts they hold). The page renders the current picture, so it reads without
//! script; `live.js` then keeps it current over a WebSocket that pushes a fresh
//! snapshot after every routing change (and every few seconds, so waits count up).

use crate::auth::{Desk, Supervision};
use crate::pages::i18n::Messages;
use crate::pages::{Chrome, LangPrefs, OrPage, Page, PageError};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bankdesk_desk::live::LiveView;
use bankdesk_domain::routing::AgentState;
use std::time::Duration;

/// Refresh at least this often, so that waiting times move without routing changes.
const REFRESH: Duration = Duration::from_secs(5);
/// Bursts of changes (a CTI batch) are pushed as one snapshot after this pause.
const COALESCE: Duration = Duration::from_millis(200);

struct AgentRow {
    username: String,
    display_name: String,
    state: String,
    state_label: String,
    skills: String,
    contacts: String,
}

#[derive(Template)]
#[template(path = "live.html")]
struct LiveTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    view: LiveView,
    agents: Vec<AgentRow>,
    /// (state code, label) for the script.
    states: Vec<(&'static str, &'static str)>,
}

pub async fn page(
    State(state): State<AppState>,
    desk: Desk<Supervision>,
    prefs: LangPrefs,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let view = state.live.view().await.or_page(&page, None)?;
    let agents = view
        .agents
        .iter()
        .map(|a| AgentRow {
            username: a.username.clone(),
            display_name: a.display_name.clone(),
            state: a.state.clone(),
            state_label: page.lang.agent_state(&a.state).to_string(),
            skills: a.skills.join(", "),
            contacts: a
                .contacts
                .iter()
                .map(|c| format!("{} ({})", c.contact_id, c.channel))
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    let states = AgentState::ALL
        .iter()
        .map(|s| (s.as_str(), page.lang.agent_state_label(*s)))
        .collect();
    Ok(page.html(
        StatusCode::OK,
        &LiveTpl {
            t: page.t,
            chrome: &page.chrome,
            view,
            agents,
            states,
        },
    ))
}

/// The page's socket: a JSON [`LiveView`] per change. Logged-in supervisors only (the
/// session cookie, as for the page).
pub async fn socket(
    State(state): State<AppState>,
    _desk: Desk<Supervision>,
    ws: WebSocketUpgrade,
) -> Response {
    ws.on_upgrade(move |sock| push(state, sock))
}

async fn push(state: AppState, mut sock: WebSocket) {
    let mut changes = state.live.changes();
    loop {
        let text = match state.live.view().await.map(|v| serde_json::to_string(&v)) {
            Ok(Ok(t)) => t,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "live view did not serialise");
                break;
            }
            Err(e) => {
                tracing::warn!(error = %e, "live view unavailable");
                break;
            }
        };
        if sock.send(Message::Text(text.into())).await.is_err() {
            break;
        }
        tokio::select! {
            r = changes.changed() => if r.is_err() { break },
            () = tokio::time::sleep(REFRESH) => {},
            m = sock.recv() => match m {
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {},
            },
        }
        tokio::time::sleep(COALESCE).await;
    }
}

pub async fn script() -> impl IntoResponse {
    crate::pages::asset(
        "text/javascript; charset=utf-8",
        include_str!("../../../static/live.js"),
    )
}
