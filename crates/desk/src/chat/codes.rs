//! How a chat's one-time code reaches the customer: a text message through the bank's SMS
//! gateway, shown in the chat in a demo (there is no gateway there), or not at all, in
//! which case the chat says identity cannot be checked here and the agent verifies.
//!
//! The gateway is the bank's own SMS platform, reached over HTTP: bankdesk posts
//! `{"phone", "text", "contact_id"}` as JSON with the shared secret in `X-Gateway-Secret`
//! and counts any 2xx answer as taken. The customer is waiting in the chat, so the post has
//! a short timeout and a failure is said at once, never left silent.

use std::time::Duration;

/// Settings of the bank's SMS gateway.
#[derive(Clone, Debug)]
pub struct SmsConfig {
    pub url: String,
    pub secret: String,
    pub timeout: Duration,
}

pub enum CodeDelivery {
    /// Shown to the customer in the chat, and logged (demo only).
    Demo,
    Sms(SmsGateway),
    /// No gateway configured: codes are refused as unavailable.
    Unavailable,
}

impl CodeDelivery {
    pub fn new(demo: bool, sms: Option<&SmsConfig>) -> Result<CodeDelivery, String> {
        Ok(match (demo, sms) {
            (true, _) => CodeDelivery::Demo,
            (false, Some(c)) => CodeDelivery::Sms(SmsGateway::new(c)?),
            (false, None) => CodeDelivery::Unavailable,
        })
    }
}

pub struct SmsGateway {
    http: reqwest::Client,
    url: String,
    secret: String,
}

/// The text of the message: the code, what it is for, how long it lasts, and the warning
/// the regulator asks banks to give (never tell it to anyone, bank staff included).
pub fn code_text(code: &str) -> String {
    format!(
        "您的验证码为{code}，用于在线客服核验身份，{}分钟内有效。请勿告诉任何人，包括自称银行工作人员的人。",
        bankdesk_domain::chat::CODE_TTL_MS / 60_000
    )
}

impl SmsGateway {
    fn new(c: &SmsConfig) -> Result<SmsGateway, String> {
        let http = reqwest::Client::builder()
            .timeout(c.timeout)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(SmsGateway {
            http,
            url: c.url.clone(),
            secret: c.secret.clone(),
        })
    }

    /// Hands the code to the gateway; `Err` says why it did not take it.
    pub async fn send(&self, phone: &str, code: &str, contact_id: &str) -> Result<(), String> {
        let res = self
            .http
            .post(&self.url)
            .header("x-gateway-secret", &self.secret)
            .json(&serde_json::json!({
                "phone": phone,
                "text": code_text(code),
                "contact_id": contact_id,
            }))
            .send()
            .await
            .map_err(|e| format!("sms gateway: {e}"))?;
        if res.status().is_success() {
            Ok(())
        } else {
            Err(format!("sms gateway answered {}", res.status()))
        }
    }
}
