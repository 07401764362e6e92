use super::List;
use super::customers::time_param;
use crate::AppState;
use crate::auth::{Api, Compliance};
use crate::error::{ApiJson, ApiQuery, ApiResult};
use crate::view::rfc3339;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bankdesk_domain::audit::ChainBreak;
use bankdesk_domain::audit::NewAuditEntry;
use bankdesk_domain::csv;
use bankdesk_store::audit::{AuditQuery, Verification};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The filters of an audit search as they were typed. The API's query and the compliance
/// page's form both come down to these, so both search and export the same way.
#[derive(Clone, Debug, Default)]
pub(crate) struct Filters {
    pub(crate) customer_id: Option<String>,
    pub(crate) actor: Option<String>,
    pub(crate) action: Option<String>,
    /// RFC 3339 time or YYYY-MM-DD (bank time), inclusive.
    pub(crate) from: Option<String>,
    /// RFC 3339 time or YYYY-MM-DD (bank time), exclusive.
    pub(crate) to: Option<String>,
}

impl Filters {
    pub(crate) fn query(&self, before: Option<i64>, limit: u32) -> ApiResult<AuditQuery> {
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

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    customer_id: Option<String>,
    /// A username.
    actor: Option<String>,
    /// Such as `customer.overview`, `access.refused`, `audit.export`.
    action: Option<String>,
    /// RFC 3339, or `YYYY-MM-DD` in the bank's time zone; inclusive.
    from: Option<String>,
    /// RFC 3339, or `YYYY-MM-DD`; exclusive.
    to: Option<String>,
    /// Records per page (default 100; at most 1,000).
    #[param(minimum = 1)]
    limit: Option<u32>,
    /// Cursor: the `next` of the previous page.
    before: Option<i64>,
}

impl SearchQuery {
    fn filters(self) -> Filters {
        Filters {
            customer_id: self.customer_id,
            actor: self.actor,
            action: self.action,
            from: self.from,
            to: self.to,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(as = AuditRecord)]
pub struct Item {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    customer_id: Option<String>,
    purpose: Option<String>,
    /// JSON, or the stored text when it is not JSON.
    #[schema(value_type = Object)]
    detail: serde_json::Value,
    hash: String,
}

/// Searches the audit log, newest first; `next` is the `before` of the next page.
#[utoipa::path(get, path = "/audit", tag = "audit")]
pub async fn search(
    State(state): State<AppState>,
    _who: Api<Compliance>,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<ApiJson<List<Item>>> {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let before = q.before;
    let rows = state
        .store
        .audit_search(&q.filters().query(before, limit)?)
        .await?;
    let next = (rows.len() == limit as usize)
        .then(|| rows.last().map(|r| r.seq.to_string()))
        .flatten();
    Ok(ApiJson(List {
        items: rows
            .into_iter()
            .map(|e| Item {
                seq: e.seq,
                at: rfc3339(e.at_ms, None),
                actor: e.actor,
                action: e.action,
                customer_id: e.customer_id,
                purpose: e.purpose,
                detail: serde_json::from_str(&e.detail)
                    .unwrap_or(serde_json::Value::String(e.detail)),
                hash: e.hash,
            })
            .collect(),
        next,
    }))
}

/// The audit chain walked from the first record: whether it holds, and where it breaks.
#[derive(Serialize, ToSchema)]
#[schema(as = ChainVerification)]
pub struct VerificationView {
    ok: bool,
    entries: u64,
    first_bad_seq: Option<i64>,
    problem: Option<ChainBreak>,
}

impl From<Verification> for VerificationView {
    fn from(v: Verification) -> VerificationView {
        VerificationView {
            ok: v.ok,
            entries: v.entries,
            first_bad_seq: v.first_bad_seq,
            problem: v.problem,
        }
    }
}

/// Walks the audit hash chain and names the first altered or missing record.
#[utoipa::path(get, path = "/audit/verify", tag = "audit")]
pub async fn verify(
    State(state): State<AppState>,
    _who: Api<Compliance>,
) -> ApiResult<ApiJson<VerificationView>> {
    Ok(ApiJson(state.store.audit_verify().await?.into()))
}

/// The filtered audit log as CSV (at most 100,000 records, newest first); the export is
/// itself audited as `audit.export`. `limit` and `before` are ignored.
#[utoipa::path(
    get,
    path = "/audit.csv",
    tag = "audit",
    responses((status = 200, description = "The records", content_type = "text/csv", body = String))
)]
pub async fn csv_export(
    State(state): State<AppState>,
    who: Api<Compliance>,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Response> {
    let csv = export_csv(&state, &who.user.username, &q.filters()).await?;
    Ok(csv_response(csv))
}

/// Most records one CSV export holds.
const CSV_MAX_RECORDS: usize = 100_000;

/// The records `filters` select, newest first, as CSV (at most [`CSV_MAX_RECORDS`]),
/// with the export recorded in the log as `audit.export` by `username`: whoever takes the
/// log out of the system is in it.
pub(crate) async fn export_csv(
    state: &AppState,
    username: &str,
    filters: &Filters,
) -> ApiResult<String> {
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
        let rows = state.store.audit_search(&query).await?;
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
    state
        .store
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

/// The CSV as a download that no cache keeps.
pub(crate) fn csv_response(csv: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        csv,
    )
        .into_response()
}
