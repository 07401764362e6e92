//! Web chat over HTTP: the customer's socket (`/chat/ws`, opened by the widget), the
//! agent's socket (`/api/v1/agent/ws`, the desktop's one socket), and the widget's files.
//!
//! The hub between the sockets, and every rule of the conversation, is
//! `bankdesk_desk::chat`; a socket here registers with it and writes out the frames it is
//! queued ([`pump`]).

pub(crate) mod agent;
mod assets;
pub(crate) mod customer;
mod socket;

use crate::state::AppState;
use axum::Router;
use axum::routing::get;

/// The customer-side routes; the agent socket is under `/api/v1` (see `api::routes`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/chat/ws", get(customer::socket))
        .route("/chat/widget.js", get(assets::widget))
        .route("/chat/demo", get(assets::demo))
        .route("/chat/widget.css", get(assets::widget_css))
        .route("/chat/demo.css", get(assets::demo_css))
}
