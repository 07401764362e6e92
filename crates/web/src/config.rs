//! The web layer's settings.

use bankdesk_desk::DeskConfig;
use std::time::Duration;

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
    pub messaging: MessagingConfig,
    /// Route a skill's contacts only to agents who passed its current exam (issue 6).
    pub routing_exam_gate: bool,
    /// The router's tunables (the aging step).
    pub routing_policy: bankdesk_domain::routing::Policy,
    /// The audit chain's key and checkpoint file, so `GET /api/v1/audit/verify` checks the
    /// chain against its checkpoints as `bankdesk audit verify` does; unset, the chain is
    /// walked on its own.
    pub audit_seal: Option<bankdesk_desk::audit::seal::Seal>,
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
            messaging: MessagingConfig::default(),
            routing_exam_gate: false,
            routing_policy: bankdesk_domain::routing::Policy::default(),
            audit_seal: None,
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
