//! One configuration struct, filled from a TOML file, then `BANKDESK_*` environment
//! variables, then command-line flags (each overriding the one before).

use bankdesk_store::SqliteSync;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where to listen.
    pub addr: SocketAddr,
    /// Data directory: the SQLite file and, later, the search index.
    pub data: PathBuf,
    /// `postgres://...` for PostgreSQL; empty means SQLite under `data`.
    pub database: Option<String>,
    pub sqlite_sync: SqliteSync,
    pub postgres_max_connections: u32,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Request timeout in seconds.
    pub request_timeout_s: u64,
    /// Idle lifetime of a desktop session and of an API token, in minutes.
    pub session_minutes: i64,
    /// Failed logins before the account is locked, and for how long.
    pub lockout_failures: i64,
    pub lockout_minutes: i64,
    /// Mark the session cookie Secure (set when served behind TLS).
    pub secure_cookies: bool,
    /// Reveals of masked numbers allowed per user per hour.
    pub reveals_per_hour: u32,
    /// Insider-access alert: more distinct customers than this in an hour.
    pub alert_max_customers_per_hour: u32,
    /// Audit records older than this are removed by `bankdesk audit purge` (the
    /// Anti-Money-Laundering Law keeps identity and transaction records 10 years).
    pub audit_retention_days: i64,
    /// The ed25519 key (PKCS#8 PEM, `openssl genpkey -algorithm ed25519`) that seals the
    /// audit chain's head into signed checkpoints. It lives outside the database, so
    /// whoever can write the database cannot cut the chain at either end or rewrite it
    /// unseen. Unset, the chain is not sealed (`serve` says so in its log); `demo` makes
    /// one in the data directory. A file with only the public half verifies but cannot seal.
    pub audit_checkpoint_key: Option<PathBuf>,
    /// Where checkpoints are appended, one JSON line each; unset means
    /// `audit-checkpoints.jsonl` beside the key.
    pub audit_checkpoint_file: Option<PathBuf>,
    /// How often `serve` seals the head when it moved, in seconds (and once on shutdown).
    pub audit_checkpoint_interval_s: u64,
    /// Log as JSON lines (for log shippers) rather than human-readable text.
    pub log_json: bool,
    /// The bank's holiday schedule (the format of crates/domain/data/cn-holidays.toml);
    /// empty means the schedule shipped with bankdesk.
    pub holiday_calendar: Option<PathBuf>,
    /// How often the escalation worker looks for due reminders, in seconds.
    pub escalation_interval_s: u64,
    /// Pass mark of staff exams set without one (percent).
    pub exam_pass_mark: u32,
    /// The bank's wrap-up category tree (the format of
    /// crates/domain/data/wrap-up-categories.toml); empty means the shipped tree.
    pub wrap_up_categories: Option<PathBuf>,
    /// Token of the WeChat official account's server configuration; unset refuses
    /// `/hooks/wechat`. Also `BANKDESK_WECHAT_TOKEN`.
    pub wechat_token: Option<String>,
    /// Secret the mail gateway sends in `X-Gateway-Secret`; unset refuses `/hooks/email`.
    /// Also `BANKDESK_MAIL_GATEWAY_SECRET`.
    pub mail_gateway_secret: Option<String>,
    /// WeChat API for replies: base URL, app id and secret (`BANKDESK_WECHAT_SECRET`).
    pub wechat_api_base: String,
    pub wechat_appid: Option<String>,
    pub wechat_secret: Option<String>,
    /// SMTP relay for email replies, and the sender address they carry.
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    pub mail_from: String,
    /// Attempts per reply before it is marked failed, and the wait after the first
    /// failure (doubling after each later one, at most an hour).
    pub outbox_max_attempts: u32,
    pub outbox_retry_base_s: u64,
    /// How often the outbox worker looks for due replies, in milliseconds.
    pub outbox_interval_ms: u64,
    /// The bank's SMS gateway for the chat's one-time codes, and the secret it expects in
    /// `X-Gateway-Secret` (`BANKDESK_SMS_GATEWAY_SECRET`); unset, identity cannot be
    /// checked in the chat (outside a demo).
    pub sms_gateway_url: Option<String>,
    pub sms_gateway_secret: Option<String>,
    /// Route a skill's contacts only to agents who passed that skill's current exam.
    pub routing_exam_gate: bool,
    /// Waiting this long raises a contact one priority level, so nobody starves behind
    /// later VIP and urgent arrivals (1 to 3,600 seconds).
    pub routing_aging_step_s: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data: PathBuf::from("bankdesk-data"),
            database: None,
            sqlite_sync: SqliteSync::Normal,
            postgres_max_connections: 16,
            max_body_bytes: 1 << 20,
            request_timeout_s: 30,
            session_minutes: 8 * 60,
            lockout_failures: 5,
            lockout_minutes: 15,
            secure_cookies: false,
            reveals_per_hour: 20,
            alert_max_customers_per_hour: 30,
            audit_retention_days: 3653,
            audit_checkpoint_key: None,
            audit_checkpoint_file: None,
            audit_checkpoint_interval_s: 300,
            log_json: false,
            holiday_calendar: None,
            escalation_interval_s: 30,
            exam_pass_mark: 85,
            wrap_up_categories: None,
            wechat_token: None,
            mail_gateway_secret: None,
            wechat_api_base: "https://api.weixin.qq.com".into(),
            wechat_appid: None,
            wechat_secret: None,
            smtp_host: None,
            smtp_port: 25,
            mail_from: "service@bank.example".into(),
            outbox_max_attempts: 8,
            outbox_retry_base_s: 30,
            outbox_interval_ms: 1000,
            sms_gateway_url: None,
            sms_gateway_secret: None,
            routing_exam_gate: false,
            routing_aging_step_s: 30,
        }
    }
}

/// The database URL may hold a password: never print it.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("data", &self.data)
            .field("database", &self.database.as_ref().map(|u| redact_url(u)))
            .field("sqlite_sync", &self.sqlite_sync)
            .field("postgres_max_connections", &self.postgres_max_connections)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("request_timeout_s", &self.request_timeout_s)
            .field("session_minutes", &self.session_minutes)
            .field("lockout_failures", &self.lockout_failures)
            .field("lockout_minutes", &self.lockout_minutes)
            .field("secure_cookies", &self.secure_cookies)
            .field("reveals_per_hour", &self.reveals_per_hour)
            .field(
                "alert_max_customers_per_hour",
                &self.alert_max_customers_per_hour,
            )
            .field("audit_retention_days", &self.audit_retention_days)
            .field("audit_checkpoint_key", &self.audit_checkpoint_key)
            .field("audit_checkpoint_file", &self.audit_checkpoint_file)
            .field(
                "audit_checkpoint_interval_s",
                &self.audit_checkpoint_interval_s,
            )
            .field("log_json", &self.log_json)
            .field("holiday_calendar", &self.holiday_calendar)
            .field("escalation_interval_s", &self.escalation_interval_s)
            .field("exam_pass_mark", &self.exam_pass_mark)
            .field("wrap_up_categories", &self.wrap_up_categories)
            .field("wechat_token", &secret(&self.wechat_token))
            .field("mail_gateway_secret", &secret(&self.mail_gateway_secret))
            .field("wechat_api_base", &self.wechat_api_base)
            .field("wechat_appid", &self.wechat_appid)
            .field("wechat_secret", &secret(&self.wechat_secret))
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("mail_from", &self.mail_from)
            .field("outbox_max_attempts", &self.outbox_max_attempts)
            .field("outbox_retry_base_s", &self.outbox_retry_base_s)
            .field("outbox_interval_ms", &self.outbox_interval_ms)
            .field("sms_gateway_url", &self.sms_gateway_url)
            .field("sms_gateway_secret", &secret(&self.sms_gateway_secret))
            .field("routing_exam_gate", &self.routing_exam_gate)
            .field("routing_aging_step_s", &self.routing_aging_step_s)
            .finish()
    }
}

/// A secret is shown only as set or unset.
fn secret(s: &Option<String>) -> &'static str {
    if s.is_some() { "***" } else { "unset" }
}

/// `postgres://user:secret@host/db` -> `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Overrides from the command line; `None` leaves the file/environment value.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct Overrides {
    /// Configuration file (TOML).
    #[arg(long, env = "BANKDESK_CONFIG")]
    pub config: Option<PathBuf>,
    /// Database URL: postgres://... (default: SQLite under --data).
    #[arg(long, env = "BANKDESK_DATABASE")]
    pub database: Option<String>,
    /// Data directory.
    #[arg(long, env = "BANKDESK_DATA")]
    pub data: Option<PathBuf>,
}

impl Config {
    /// File first, then environment and flags (clap has already merged those two).
    pub fn load(o: &Overrides, addr: Option<SocketAddr>) -> anyhow::Result<Config> {
        let mut c = match &o.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("reading config {}: {e}", path.display()))?;
                toml::from_str(&text)
                    .map_err(|e| anyhow::anyhow!("config {}: {e}", path.display()))?
            }
            None => Config::default(),
        };
        if let Some(d) = &o.database {
            c.database = Some(d.clone()).filter(|s| !s.is_empty());
        }
        if let Some(d) = &o.data {
            c.data = d.clone();
        }
        if let Some(a) = addr {
            c.addr = a;
        }
        for (var, slot) in [
            ("BANKDESK_WECHAT_TOKEN", &mut c.wechat_token),
            ("BANKDESK_MAIL_GATEWAY_SECRET", &mut c.mail_gateway_secret),
            ("BANKDESK_WECHAT_SECRET", &mut c.wechat_secret),
            ("BANKDESK_SMS_GATEWAY_SECRET", &mut c.sms_gateway_secret),
        ] {
            if let Ok(v) = std::env::var(var) {
                *slot = Some(v).filter(|s| !s.is_empty());
            }
        }
        if let Ok(v) = std::env::var("BANKDESK_LOG_JSON") {
            c.log_json = v == "1" || v.eq_ignore_ascii_case("true");
        }
        anyhow::ensure!(
            c.sms_gateway_url.is_none() || c.sms_gateway_secret.is_some(),
            "sms_gateway_url is set without sms_gateway_secret (or BANKDESK_SMS_GATEWAY_SECRET)"
        );
        anyhow::ensure!(
            (1..=3_600).contains(&c.routing_aging_step_s),
            "routing_aging_step_s is 1 to 3600 seconds, not {}",
            c.routing_aging_step_s
        );
        anyhow::ensure!(
            c.audit_checkpoint_interval_s >= 1,
            "audit_checkpoint_interval_s is at least 1 second"
        );
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_database_password() {
        let c = Config {
            database: Some("postgres://bank:s3cret@db.internal:5432/bankdesk".into()),
            ..Config::default()
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("postgres://bank:***@db.internal:5432/bankdesk"));
        let c = Config {
            wechat_token: Some("tok-123".into()),
            mail_gateway_secret: Some("gw-456".into()),
            wechat_secret: Some("app-789".into()),
            ..Config::default()
        };
        let shown = format!("{c:?}");
        for s in ["tok-123", "gw-456", "app-789"] {
            assert!(!shown.contains(s), "{shown}");
        }
    }

    #[test]
    fn file_values_and_overrides() {
        let dir = std::env::temp_dir().join(format!("bankdesk-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bankdesk.toml");
        std::fs::write(&path, "addr = \"0.0.0.0:9000\"\nsession_minutes = 30\n").unwrap();
        let o = Overrides {
            config: Some(path.clone()),
            data: Some(PathBuf::from("/var/lib/bankdesk")),
            ..Overrides::default()
        };
        let c = Config::load(&o, None).unwrap();
        assert_eq!(c.addr.port(), 9000);
        assert_eq!(c.session_minutes, 30);
        assert_eq!(c.data, PathBuf::from("/var/lib/bankdesk"));
        std::fs::write(&path, "adr = \"x\"\n").unwrap();
        assert!(Config::load(&o, None).is_err(), "unknown keys are refused");
        std::fs::write(&path, "routing_aging_step_s = 0\n").unwrap();
        let e = Config::load(&o, None).unwrap_err().to_string();
        assert!(e.contains("routing_aging_step_s"), "{e}");
        std::fs::write(&path, "routing_aging_step_s = 45\n").unwrap();
        assert_eq!(Config::load(&o, None).unwrap().routing_aging_step_s, 45);
    }
}
