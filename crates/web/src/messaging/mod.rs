//! Email and WeChat: the inbound webhooks, the API around replies and the outbox, the
//! customer timeline across channels, and the worker that sends replies.

pub mod api;
pub mod hooks;
pub mod worker;

use crate::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

/// Secrets of the inbound webhooks; a webhook whose secret is unset refuses everything.
#[derive(Clone, Default)]
pub struct MessagingConfig {
    /// The token set in the WeChat official-account console (服务器配置 / Token).
    pub wechat_token: Option<String>,
    /// The secret the mail gateway sends in the `X-Gateway-Secret` header.
    pub mail_gateway_secret: Option<String>,
}

/// Secrets never reach a log line.
impl std::fmt::Debug for MessagingConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |s: &Option<String>| if s.is_some() { "***" } else { "unset" };
        f.debug_struct("MessagingConfig")
            .field("wechat_token", &shown(&self.wechat_token))
            .field("mail_gateway_secret", &shown(&self.mail_gateway_secret))
            .finish()
    }
}

/// WeChat posts small XML documents; anything bigger is not WeChat.
pub const WECHAT_MAX_BODY: usize = 64 * 1024;

/// The webhooks, outside `/api/v1`: they authenticate by signature or shared secret, not
/// by a staff token.
pub fn hook_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/hooks/wechat",
            get(hooks::wechat_verify)
                .post(hooks::wechat_message)
                .layer(DefaultBodyLimit::max(WECHAT_MAX_BODY)),
        )
        .route("/hooks/email", post(hooks::email))
}

/// The API endpoints of this module, nested under `/api/v1`.
pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/wrap-up-categories", get(api::wrap_up_categories))
        .route("/customers/{id}/timeline", get(api::timeline))
        .route("/contacts/{id}/replies", post(api::reply))
        .route("/contacts/{id}/messages", get(api::messages))
        .route("/contacts/{id}/take", post(api::take))
        .route("/contacts/{id}/customer", post(api::attach_customer))
        .route("/contacts/{id}/sender-binding", post(api::bind_sender))
        .route("/inbox", get(api::inbox))
        .route("/outbox", get(api::outbox))
        .route("/outbox/{id}/retry", post(api::retry))
}

/// Compares secrets in time independent of where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
