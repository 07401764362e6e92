//! The agent's workspace: their chats with whole transcripts, the reply box, typing and
//! read marks, screen pops and the agent assist, all over the agent socket
//! (`/api/v1/agent/ws`, see `crate::chat`). The page itself is a shell; the script fills
//! it from the socket, so a reload shows everything again.

use crate::auth::{Desk, Service};
use crate::pages::i18n::Messages;
use crate::pages::{Chrome, LangPrefs, Page, PageError, asset};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bankdesk_domain::routing::AgentState;

struct StateOption {
    code: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "workspace.html")]
struct WorkspaceTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    states: Vec<StateOption>,
}

pub async fn page(
    State(state): State<AppState>,
    desk: Desk<Service>,
    prefs: LangPrefs,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let current = match state.store.agent_presence(&desk.user().id).await {
        Ok(p) => p
            .and_then(|p| AgentState::parse(&p.state))
            .unwrap_or(AgentState::Offline),
        Err(e) => return Err(PageError::new(&page, e, None)),
    };
    Ok(page.html(
        StatusCode::OK,
        &WorkspaceTpl {
            t: page.t,
            chrome: &page.chrome,
            states: AgentState::ALL
                .iter()
                .map(|&s| StateOption {
                    code: s.as_str(),
                    label: page.lang.agent_state_label(s),
                    selected: s == current,
                })
                .collect(),
        },
    ))
}

pub async fn script() -> impl IntoResponse {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../../../static/workspace.js"),
    )
}
