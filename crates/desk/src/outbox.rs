//! The outbox worker: claims due replies from the store, hands each to the adapter of
//! its channel, and records the outcome. All its state is in the database, so a restarted
//! process (or a second one) carries on where the last left off.

use bankdesk_domain::outbox::{OutboxStatus, RetryPolicy};
use bankdesk_store::messaging::OutboxRow;
use bankdesk_store::{Store, StoreError, now_ms};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// What a send returns: `Err` holds the reason, which is stored as the row's last error.
pub type SendResult = Result<(), String>;
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = SendResult> + Send + 'a>>;

/// One way out: SMTP for email, the customer-service API for WeChat.
pub trait Outbound: Send + Sync {
    fn send<'a>(&'a self, message: &'a OutboxRow) -> SendFuture<'a>;
}

/// A channel without settings: every send fails with the reason, so the reply shows up
/// as failed instead of waiting forever.
pub struct NotConfigured(pub &'static str);

impl Outbound for NotConfigured {
    fn send<'a>(&'a self, _: &'a OutboxRow) -> SendFuture<'a> {
        Box::pin(async move { Err(self.0.to_string()) })
    }
}

/// Sends email through an SMTP relay (the bank's own mail server).
pub struct SmtpSender {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
    /// The right-hand side of our Message-IDs, taken from the sender address.
    domain: String,
}

impl SmtpSender {
    /// A relay at `host:port` without TLS or login: the bank's internal relay, reached over
    /// its own network (see docs/operations.md).
    pub fn new(host: &str, port: u16, from: &str, timeout: Duration) -> Result<SmtpSender, String> {
        let from: lettre::message::Mailbox = from
            .parse()
            .map_err(|e| format!("mail_from {from:?}: {e}"))?;
        let domain = from.email.domain().to_string();
        let transport =
            lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(host)
                .port(port)
                .timeout(Some(timeout))
                .build();
        Ok(SmtpSender {
            transport,
            from,
            domain,
        })
    }

    fn message(&self, m: &OutboxRow) -> Result<lettre::Message, String> {
        use lettre::message::header::ContentType;
        let to: lettre::message::Mailbox =
            m.recipient.parse().map_err(|e| format!("recipient: {e}"))?;
        let mut b = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            // The outbox id makes the Message-ID, so a resend after a lost answer is the
            // same message to the receiver, and a customer's reply finds the contact.
            .message_id(Some(format!("<{}@{}>", m.id, self.domain)))
            .header(ContentType::TEXT_PLAIN);
        if let Some(irt) = &m.in_reply_to {
            b = b
                .in_reply_to(format!("<{irt}>"))
                .references(format!("<{irt}>"));
        }
        b.body(m.body.clone()).map_err(|e| e.to_string())
    }
}

impl Outbound for SmtpSender {
    fn send<'a>(&'a self, m: &'a OutboxRow) -> SendFuture<'a> {
        Box::pin(async move {
            use lettre::AsyncTransport;
            let message = self.message(m)?;
            self.transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| format!("smtp: {e}"))
        })
    }
}

/// Sends text through WeChat's customer-service message API (客服消息), with an access
/// token fetched from the app id and secret and kept until shortly before it expires.
pub struct WechatSender {
    http: reqwest::Client,
    base: String,
    appid: String,
    secret: String,
    token: tokio::sync::Mutex<Option<(String, std::time::Instant)>>,
}

#[derive(serde::Deserialize)]
struct WechatAnswer {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    access_token: Option<String>,
    expires_in: Option<u64>,
}

/// WeChat's codes for an access token that is wrong or expired.
const TOKEN_CODES: [i64; 3] = [40001, 40014, 42001];

impl WechatSender {
    /// `base` is `https://api.weixin.qq.com` in production.
    pub fn new(
        base: &str,
        appid: &str,
        secret: &str,
        timeout: Duration,
    ) -> Result<WechatSender, String> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(WechatSender {
            http,
            base: base.trim_end_matches('/').to_string(),
            appid: appid.to_string(),
            secret: secret.to_string(),
            token: tokio::sync::Mutex::new(None),
        })
    }

    async fn access_token(&self) -> Result<String, String> {
        let mut cached = self.token.lock().await;
        if let Some((t, until)) = cached.as_ref()
            && std::time::Instant::now() < *until
        {
            return Ok(t.clone());
        }
        let a: WechatAnswer = self
            .http
            .get(format!("{}/cgi-bin/token", self.base))
            .query(&[
                ("grant_type", "client_credential"),
                ("appid", self.appid.as_str()),
                ("secret", self.secret.as_str()),
            ])
            .send()
            .await
            .map_err(|e| format!("wechat token: {e}"))?
            .json()
            .await
            .map_err(|e| format!("wechat token: {e}"))?;
        let Some(token) = a.access_token.filter(|_| a.errcode == 0) else {
            return Err(format!("wechat token: {} {}", a.errcode, a.errmsg));
        };
        // Renew five minutes early (WeChat's tokens last two hours).
        let life = a.expires_in.unwrap_or(7200).saturating_sub(300).max(60);
        *cached = Some((
            token.clone(),
            std::time::Instant::now() + Duration::from_secs(life),
        ));
        Ok(token)
    }
}

impl Outbound for WechatSender {
    fn send<'a>(&'a self, m: &'a OutboxRow) -> SendFuture<'a> {
        Box::pin(async move {
            let token = self.access_token().await?;
            let body = serde_json::json!({
                "touser": m.recipient,
                "msgtype": "text",
                "text": {"content": m.body},
            });
            let a: WechatAnswer = self
                .http
                .post(format!("{}/cgi-bin/message/custom/send", self.base))
                .query(&[("access_token", token.as_str())])
                .json(&body)
                .send()
                .await
                .map_err(|e| format!("wechat send: {e}"))?
                .json()
                .await
                .map_err(|e| format!("wechat send: {e}"))?;
            if a.errcode == 0 {
                return Ok(());
            }
            if TOKEN_CODES.contains(&a.errcode) {
                *self.token.lock().await = None;
            }
            Err(format!("wechat send: {} {}", a.errcode, a.errmsg))
        })
    }
}

/// What one pass of the worker did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutboxRun {
    pub sent: u32,
    /// Failed attempts that will be tried again.
    pub retrying: u32,
    /// Failed attempts that were the last.
    pub failed: u32,
}

/// Sends due replies.
#[derive(Clone)]
pub struct OutboxWorker {
    pub store: Store,
    pub email: Arc<dyn Outbound>,
    pub wechat: Arc<dyn Outbound>,
    pub policy: RetryPolicy,
    /// How long a claimed row stays reserved for the worker sending it; must exceed the
    /// adapters' timeouts.
    pub lease: Duration,
    /// Rows claimed per pass.
    pub batch: u32,
}

impl OutboxWorker {
    /// One pass: every due row is tried once.
    pub async fn run_once(&self) -> Result<OutboxRun, StoreError> {
        let mut run = OutboxRun::default();
        let lease = i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX);
        loop {
            let claimed = self
                .store
                .claim_due_outbox(now_ms(), lease, self.batch)
                .await?;
            if claimed.is_empty() {
                return Ok(run);
            }
            for m in &claimed {
                let adapter = if m.channel == "wechat" {
                    &self.wechat
                } else {
                    &self.email
                };
                match adapter.send(m).await {
                    Ok(()) => {
                        self.store.outbox_sent(&m.id, now_ms()).await?;
                        run.sent += 1;
                    }
                    Err(reason) => {
                        tracing::warn!(outbox_id = %m.id, attempts = m.attempts, %reason, "reply not sent");
                        match self
                            .store
                            .outbox_attempt_failed(&m.id, &reason, &self.policy, now_ms())
                            .await?
                        {
                            OutboxStatus::Failed => run.failed += 1,
                            _ => run.retrying += 1,
                        }
                    }
                }
            }
        }
    }

    /// Runs a pass every `interval` until the task is aborted. A store error is logged
    /// and the next pass tries again.
    pub fn spawn(self, interval: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match self.run_once().await {
                    Ok(run) if run != OutboxRun::default() => {
                        tracing::info!(
                            sent = run.sent,
                            retrying = run.retrying,
                            failed = run.failed,
                            "outbox pass"
                        );
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "outbox pass failed"),
                }
            }
        })
    }
}
