//! The widget (plain JS and CSS written for bankdesk, no third-party code) and the demo
//! page of a bank's website that embeds it.

use axum::http::header;
use axum::response::IntoResponse;

const WIDGET_JS: &str = include_str!("../../static/chat-widget.js");
const WIDGET_CSS: &str = include_str!("../../static/chat-widget.css");
const DEMO_HTML: &str = include_str!("../../static/chat-demo.html");
const DEMO_CSS: &str = include_str!("../../static/chat-demo.css");

/// The widget is loaded by other sites' pages: short cache, and readable cross-origin.
fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body,
    )
}

pub async fn widget() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", WIDGET_JS)
}

pub async fn widget_css() -> impl IntoResponse {
    asset("text/css; charset=utf-8", WIDGET_CSS)
}

pub async fn demo() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        DEMO_HTML,
    )
}

pub async fn demo_css() -> impl IntoResponse {
    asset("text/css; charset=utf-8", DEMO_CSS)
}
