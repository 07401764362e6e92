//! Email and WeChat: the inbound webhooks, the API around replies and the outbox, and the
//! customer timeline across channels. The worker that sends replies, with its SMTP and
//! WeChat adapters, is `bankdesk_desk::outbox`.

pub mod api;
pub mod hooks;
pub(crate) mod pages;
#[cfg(test)]
mod pages_tests;

use crate::openapi::{Documented, documented};
use axum::extract::DefaultBodyLimit;

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
