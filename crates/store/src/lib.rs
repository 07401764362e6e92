//! Persistence for bankdesk: one data layer over SQLite (the zero-setup default) and
//! PostgreSQL (production). Repositories return plain row types; the domain decides.
#![forbid(unsafe_code)]

pub mod access;
pub mod audit;
pub mod bank;
pub mod bulk;
pub mod cases;
pub mod chat;
pub mod complaints;
pub mod contacts;
pub mod crises;
pub mod cti;
pub mod db;
pub mod escalation;
pub mod exams;
pub mod feed;
pub mod fts_baseline;
pub mod knowledge;
pub mod messaging;
pub mod plans;
pub mod privacy;
pub mod role_requests;
pub mod routing;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod users;

use bankdesk_domain::access::AccessDenied;
use bankdesk_domain::approval;
use bankdesk_domain::error::FieldError;
pub use db::{Db, Dialect, SqliteSync, Tx};

/// Every failure of the data layer, in terms the web layer can map to an error code.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("access denied: {0}")]
    Denied(AccessDenied),
    #[error("{0}")]
    Invalid(FieldError),
    /// A business rule refused the request; the code says which.
    #[error("{message}")]
    Refused {
        code: bankdesk_domain::ErrorCode,
        message: String,
    },
    #[error("database error: {0}")]
    Db(sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    /// An audited write reached its commit without an audit record, and was rolled back.
    #[error("an audited write appended no audit record; it was rolled back")]
    Unaudited,
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                StoreError::Conflict(d.message().to_string())
            }
            _ => StoreError::Db(e),
        }
    }
}

/// The handle every part of bankdesk holds; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    /// Private: every query runs inside this crate, so the rules the store keeps (the
    /// access gate, the audit chain) cannot be bypassed from outside it.
    db: Db,
    /// Thresholds of the insider-access alerts raised by the access gate.
    pub alert_rules: bankdesk_domain::alert::AlertRules,
    /// Working days and holidays for SLA deadlines (the shipped schedule by default).
    pub calendar: std::sync::Arc<bankdesk_domain::calendar::BusinessCalendar>,
    /// Wrap-up categories a contact may be closed with (the shipped tree by default).
    pub wrap_up: std::sync::Arc<bankdesk_domain::wrapup::WrapUpTree>,
}

impl Store {
    pub fn new(db: Db) -> Store {
        Store {
            db,
            alert_rules: Default::default(),
            calendar: std::sync::Arc::new(bankdesk_domain::calendar::BusinessCalendar::china()),
            wrap_up: std::sync::Arc::new(bankdesk_domain::wrapup::WrapUpTree::shipped()),
        }
    }

    /// Which database this is, for reports and for statements built away from it.
    pub fn dialect(&self) -> Dialect {
        self.db.dialect()
    }

    /// `"sqlite"` or `"postgres"`, for reports.
    pub fn dialect_name(&self) -> &'static str {
        self.db.dialect_name()
    }

    /// Closes the pool at shutdown, once the server stopped taking requests.
    pub async fn close(&self) {
        self.db.close().await;
    }

    /// The database handle, for tests that inspect or tamper with rows directly.
    #[cfg(feature = "test-support")]
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Liveness of the database, for `/healthz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db
            .fetch_one_row::<(i32,)>("SELECT 1")
            .await
            .map(|_| ())
    }
}

impl StoreError {
    pub fn refused(code: bankdesk_domain::ErrorCode, message: impl Into<String>) -> StoreError {
        StoreError::Refused {
            code,
            message: message.into(),
        }
    }

    /// A refusal of the maker-checker rule (`bankdesk_domain::approval`) as the error its
    /// site has always returned: a failed re-check as it failed, the rest with the code
    /// of the rule and the site's words; `status` is the request's stored status.
    pub(crate) fn approval(
        refused: approval::Refused<StoreError>,
        wording: &approval::Wording,
        status: &str,
    ) -> StoreError {
        match refused {
            approval::Refused::Subject(e) => e,
            r => StoreError::refused(r.code(), wording.explain(&r, status)),
        }
    }
}

/// Milliseconds since the epoch, the unit every stored time uses.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A new identifier with a readable prefix: `cs_` then the millisecond (12 hex digits)
/// and 64 random bits (16 hex digits).
///
/// Time first, because a key index takes new rows at its right-hand edge, in the few
/// pages every recent insert already touched; a wholly random key lands each insert on
/// another page of a million-row index and writes that page out with the commit (issue
/// 10). The random half keeps ids from two processes apart within the same millisecond.
pub fn new_id(prefix: &str) -> String {
    use rand::Rng;
    let ms = u64::try_from(now_ms()).unwrap_or(0) & 0xffff_ffff_ffff;
    let n: u64 = rand::rng().random();
    format!("{prefix}_{ms:012x}{n:016x}")
}
