//! Email and WeChat: the inbound webhooks, the API around replies and the outbox, and the
//! customer timeline across channels. The worker that sends replies, with its SMTP and
//! WeChat adapters, is `bankdesk_desk::outbox`.

pub mod api;
pub mod hooks;

use crate::api::openapi::{Documented, documented};
use axum::extract::DefaultBodyLimit;

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
pub fn hook_routes() -> Documented {
    use utoipa_axum::router::UtoipaMethodRouterExt;
    Documented::default()
        .routes(documented!(hooks::wechat_verify))
        .routes(documented!(hooks::wechat_message).layer(DefaultBodyLimit::max(WECHAT_MAX_BODY)))
        .routes(documented!(hooks::email))
}

/// The API endpoints of this module, nested under `/api/v1`.
pub fn api_routes() -> Documented {
    Documented::default()
        .routes(documented!(api::wrap_up_categories))
        .routes(documented!(api::timeline))
        .routes(documented!(api::reply))
        .routes(documented!(api::messages))
        .routes(documented!(api::take))
        .routes(documented!(api::attach_customer))
        .routes(documented!(api::bind_sender))
        .routes(documented!(api::inbox))
        .routes(documented!(api::outbox))
        .routes(documented!(api::retry))
}

/// Compares secrets in time independent of where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
