//! The HTTP faces of bankdesk: the JSON API, the agent desktop pages, the chat sockets,
//! the webhooks and operations endpoints, over one shared [`AppState`]. The rules and the
//! long-running services they call are `bankdesk_desk`'s; this crate only speaks HTTP.
#![forbid(unsafe_code)]

pub mod api;
pub mod auth;
pub mod chat;
pub mod download;
pub mod error;
pub mod messaging;
pub mod ops;
pub mod pages;
pub mod view;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use bankdesk_desk::{Desk, DeskConfig};
use bankdesk_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Settings of the web layer (a slice of the binary's configuration).
#[derive(Clone, Debug)]
pub struct WebConfig {
    pub session_minutes: i64,
    pub lockout_failures: i64,
    pub lockout_minutes: i64,
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    /// Mark the session cookie `Secure` (behind TLS).
    pub secure_cookies: bool,
    /// Unmasking of numbers allowed per user per hour.
    pub reveals_per_hour: u32,
    /// Pass mark of exams set without one (percent).
    pub exam_pass_mark: u32,
    /// Demo only: with no SMS gateway, the chat's one-time codes are shown to the
    /// customer in the chat (and logged) instead of being texted.
    pub chat_demo_codes: bool,
    /// The bank's SMS gateway for the chat's one-time codes; unset (outside a demo) means
    /// identity cannot be checked in the chat.
    pub sms: Option<bankdesk_desk::chat::codes::SmsConfig>,
    /// Secrets of the email and WeChat webhooks.
    pub messaging: messaging::MessagingConfig,
    /// Route a skill's contacts only to agents who passed its current exam (issue 6).
    pub routing_exam_gate: bool,
    /// The router's tunables (the aging step).
    pub routing_policy: bankdesk_domain::routing::Policy,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            session_minutes: 8 * 60,
            lockout_failures: 5,
            lockout_minutes: 15,
            max_body_bytes: 1 << 20,
            request_timeout: Duration::from_secs(30),
            secure_cookies: false,
            reveals_per_hour: 20,
            exam_pass_mark: bankdesk_domain::exam::DEFAULT_PASS_MARK,
            chat_demo_codes: false,
            sms: None,
            messaging: messaging::MessagingConfig::default(),
            routing_exam_gate: false,
            routing_policy: bankdesk_domain::routing::Policy::default(),
        }
    }
}

impl WebConfig {
    /// The services' part of the settings.
    pub fn desk(&self) -> DeskConfig {
        DeskConfig {
            chat_demo_codes: self.chat_demo_codes,
            sms: self.sms.clone(),
            routing_exam_gate: self.routing_exam_gate,
            routing_policy: self.routing_policy,
        }
    }
}

/// What every handler is given: the services, and what only HTTP needs.
///
/// It dereferences to its [`Desk`], so a handler reads `state.store` or `state.live` and
/// passes `&state` wherever a service function takes `&Desk`.
#[derive(Clone)]
pub struct AppState {
    pub desk: Desk,
    pub config: Arc<WebConfig>,
    pub metrics: Arc<ops::Metrics>,
    /// A real argon2 hash to verify against when the username is unknown.
    pub dummy_hash: Arc<str>,
}

impl std::ops::Deref for AppState {
    type Target = Desk;

    fn deref(&self) -> &Desk {
        &self.desk
    }
}

impl std::ops::DerefMut for AppState {
    fn deref_mut(&mut self) -> &mut Desk {
        &mut self.desk
    }
}

impl AppState {
    /// State with an in-memory knowledge index (filled from the database on first use);
    /// [`AppState::with_knowledge`] puts in the one kept in the data directory.
    pub fn new(store: Store, config: WebConfig) -> Result<AppState, error::ApiError> {
        Ok(AppState {
            desk: Desk::new(store, &config.desk())?,
            config: Arc::new(config),
            metrics: Arc::new(ops::Metrics::default()),
            dummy_hash: auth::hash_password(&auth::random_token())?.into(),
        })
    }

    pub fn with_knowledge(mut self, kb: bankdesk_desk::kb::Knowledge) -> AppState {
        self.desk = self.desk.with_knowledge(kb);
        self
    }
}

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
    chat::listen(&state);
    Router::new()
        .merge(api::routes().into_parts().0)
        .merge(chat::router())
        .merge(pages::router())
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

/// The demo users of docs/api.md: (username, display name, roles, department).
pub const DEMO_USERS: &[(&str, &str, &[bankdesk_domain::role::Role], Option<&str>)] = {
    use bankdesk_domain::role::Role::*;
    &[
        ("admin", "系统管理员", &[Admin], None),
        ("agent01", "客服一号 张敏", &[Agent], Some("hotline")),
        ("agent02", "客服二号 李娜", &[Agent], Some("hotline")),
        ("agent03", "客服三号 王强", &[Agent], Some("hotline")),
        ("agent04", "客服四号 赵丽", &[Agent], Some("hotline")),
        ("agent05", "客服五号 陈杰", &[Agent], Some("hotline")),
        ("agent06", "客服六号 刘洋", &[Agent], Some("hotline")),
        ("agent07", "客服七号 杨帆", &[Agent], Some("hotline")),
        ("agent08", "客服八号 黄静", &[Agent], Some("hotline")),
        ("agent09", "客服九号 周磊", &[Agent], Some("hotline")),
        ("agent10", "客服十号 吴婷", &[Agent], Some("hotline")),
        ("senior01", "高级客服 孙悦", &[SeniorAgent], Some("hotline")),
        (
            "backoffice01",
            "卡中心后台 郑浩",
            &[Backoffice],
            Some("card_center"),
        ),
        (
            "supervisor01",
            "值班主管 冯蕾",
            &[Supervisor],
            Some("hotline"),
        ),
        ("qa01", "质检 何平", &[Qa], Some("quality")),
        (
            "compliance01",
            "合规 林峰",
            &[Compliance],
            Some("compliance"),
        ),
        (
            "compliance02",
            "合规 许琳",
            &[Compliance],
            Some("compliance"),
        ),
        ("risk01", "风控值守 高远", &[Risk], Some("risk_desk")),
        ("branch01", "网点柜员 马骏", &[Branch], Some("branch")),
    ]
};

/// Password of every demo user (demo mode only).
pub const DEMO_PASSWORD: &str = "demo-password";

/// Creates the demo users that do not exist yet; returns how many were created.
pub async fn create_demo_users(store: &Store) -> Result<usize, error::ApiError> {
    let hash = auth::hash_password(DEMO_PASSWORD)?;
    let mut created = 0;
    for (username, display, roles, dept) in DEMO_USERS {
        if store.user_by_username(username).await?.is_none() {
            store
                .create_user(
                    "system",
                    &bankdesk_store::users::NewUser {
                        username,
                        display_name: display,
                        password_hash: &hash,
                        roles,
                        department: *dept,
                    },
                )
                .await?;
            created += 1;
        }
    }
    create_demo_routing(store).await?;
    Ok(created)
}

/// The demo center's queues, and skills for the demo agents: everyone takes general and
/// card calls, agent01 and agent02 also chats, agent03 and agent04 email and WeChat,
/// senior01 the VIP line. Agents start offline.
async fn create_demo_routing(store: &Store) -> Result<(), error::ApiError> {
    const QUEUES: [(&str, &str, &str); 6] = [
        ("general", "general", "综合业务"),
        ("card", "card", "银行卡"),
        ("vip", "vip", "贵宾专线"),
        ("chat", "chat", "在线客服"),
        ("email", "email", "邮件"),
        ("wechat", "wechat", "微信公众号"),
    ];
    for (name, skill, label) in QUEUES {
        store.put_queue(name, skill, label).await?;
    }
    let now = bankdesk_store::now_ms();
    for (username, ..) in DEMO_USERS {
        let skills: &[&str] = match *username {
            "agent01" | "agent02" => &["general", "card", "chat"],
            "agent03" | "agent04" => &["general", "card", "email", "wechat"],
            "senior01" => &["general", "card", "vip"],
            u if u.starts_with("agent") => &["general", "card"],
            _ => continue,
        };
        if let Some(user) = store.user_by_username(username).await?
            && store.agent_presence(&user.id).await?.is_none()
        {
            store
                .set_agent_profile(
                    &user.id,
                    skills,
                    bankdesk_domain::routing::DEFAULT_CHAT_CAPACITY,
                    now,
                )
                .await?;
        }
    }
    Ok(())
}
