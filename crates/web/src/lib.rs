//! The HTTP faces of bankdesk: the JSON API, the agent desktop pages, the chat sockets,
//! the webhooks and operations endpoints, over one shared [`AppState`]. The rules and the
//! long-running services they call are `bankdesk_desk`'s; this crate only speaks HTTP.
#![forbid(unsafe_code)]

pub mod api;
pub mod auth;
pub mod chat;
pub mod config;
pub mod download;
mod envelope;
pub mod error;
pub mod messaging;
pub mod metrics;
pub mod openapi;
pub mod ops;
pub mod pages;
pub mod state;
pub mod view;

// One folder per bank concept, each with its JSON API (`api.rs`) and its desktop pages.
mod alert;
mod audit;
mod case;
mod complaint;
mod contact;
mod crisis;
mod customer;
mod exam;
mod export;
mod knowledge;
mod legal_order;
mod login;
mod routing;
mod user;

pub use config::WebConfig;
pub use state::AppState;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

#[derive(Clone, Default)]
struct RequestIds;

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&auth::random_token()[..16])
            .ok()
            .map(RequestId::new)
    }
}

/// The whole application: API, desktop, operations, with the common middleware.
pub fn app(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let limit = state.config.max_body_bytes;
    let timeout = state.config.request_timeout;
    bankdesk_desk::chat::listen(&state);
    Router::new()
        .merge(api::routes().into_parts().0)
        .merge(chat::router())
        .merge(pages::routes::router())
        .merge(ops::router())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::track,
        ))
        .layer(DefaultBodyLimit::max(limit))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
            ),
        ))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::new(request_id, RequestIds))
        .with_state(state)
}
