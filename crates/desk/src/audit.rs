//! Searching the audit log and taking it out as CSV, for the API and the compliance page
//! alike, so the two never disagree about what a filter selects; and sealing the chain
//! against cuts ([`seal`]).

pub mod seal;

use crate::error::DeskResult;
use crate::text::rfc3339;
use crate::time_param;
use bankdesk_domain::audit::NewAuditEntry;
use bankdesk_domain::csv;
use bankdesk_store::Store;
use bankdesk_store::audit::AuditQuery;

/// The filters of an audit search as they were typed. The API's query and the compliance
/// page's form both come down to these, so both search and export the same way.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    pub customer_id: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    /// RFC 3339 time or YYYY-MM-DD (bank time), inclusive.
    pub from: Option<String>,
    /// RFC 3339 time or YYYY-MM-DD (bank time), exclusive.
    pub to: Option<String>,
}

impl Filters {
    pub fn query(&self, before: Option<i64>, limit: u32) -> DeskResult<AuditQuery> {
        Ok(AuditQuery {
            customer_id: self.customer_id.clone(),
            actor: self.actor.clone(),
            action: self.action.clone(),
            from_ms: time_param("from", self.from.as_deref())?,
            to_ms: time_param("to", self.to.as_deref())?,
            before_seq: before,
            limit,
        })
    }
}

/// Most records one CSV export holds.
const CSV_MAX_RECORDS: usize = 100_000;

/// The records `filters` select, newest first, as CSV (at most [`CSV_MAX_RECORDS`]),
/// with the export recorded in the log as `audit.export` by `username`: whoever takes the
/// log out of the system is in it.
pub async fn export_csv(store: &Store, username: &str, filters: &Filters) -> DeskResult<String> {
    let mut query = filters.query(None, 1000)?;
    let mut out = csv::line(&[
        "seq",
        "at",
        "actor",
        "action",
        "customer_id",
        "purpose",
        "detail",
        "hash",
    ]);
    out.push('\n');
    let mut total = 0usize;
    while total < CSV_MAX_RECORDS {
        let rows = store.audit_search(&query).await?;
        let Some(last) = rows.last() else { break };
        query.before_seq = Some(last.seq);
        total += rows.len();
        for e in rows {
            out.push_str(&csv::line(&[
                e.seq.to_string(),
                rfc3339(e.at_ms, None),
                e.actor,
                e.action,
                e.customer_id.unwrap_or_default(),
                e.purpose.unwrap_or_default(),
                e.detail,
                e.hash,
            ]));
            out.push('\n');
        }
    }
    store
        .audit(NewAuditEntry {
            at_ms: bankdesk_store::now_ms(),
            actor: username.to_string(),
            action: "audit.export".into(),
            customer_id: filters.customer_id.clone(),
            purpose: None,
            detail: serde_json::json!({"records": total, "actor": filters.actor, "action": filters.action, "from": filters.from, "to": filters.to}).to_string(),
        })
        .await?;
    Ok(out)
}
