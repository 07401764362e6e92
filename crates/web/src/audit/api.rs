use crate::auth::{Api, Compliance};
use crate::download::csv_file;
use crate::envelope::List;
use crate::error::{ApiJson, ApiQuery, ApiResult};
use crate::state::AppState;
use crate::view::rfc3339;
use axum::extract::State;
use axum::response::Response;
use bankdesk_desk::DeskError;
use bankdesk_desk::audit::seal::{self, CheckpointSeen, SealedVerification};
use bankdesk_desk::audit::{Filters, export_csv};
use bankdesk_domain::audit::ChainBreak;
use bankdesk_domain::audit::checkpoint::SealBreak;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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

/// The audit chain walked from its base and, when the server has the audit checkpoint key,
/// checked against the latest checkpoint that key signed: whether it holds, and where it
/// breaks or was cut.
#[derive(Serialize, ToSchema)]
#[schema(as = ChainVerification)]
pub struct VerificationView {
    ok: bool,
    entries: u64,
    first_bad_seq: Option<i64>,
    problem: Option<ChainBreak>,
    /// The chain's last record, and the record it starts after (the last purged one).
    head_seq: i64,
    base_seq: i64,
    /// Whether a checkpoint signed with the configured key was checked against.
    sealed: bool,
    /// The latest checkpoint the key verifies.
    checkpoint: Option<CheckpointSeen>,
    /// Checkpoints in the file that the key verifies.
    checkpoints: u64,
    /// Cuts at either end, a rewritten history, and checkpoint lines that do not verify.
    seal_problems: Vec<SealBreak>,
}

impl From<SealedVerification> for VerificationView {
    fn from(v: SealedVerification) -> VerificationView {
        VerificationView {
            ok: v.ok,
            entries: v.entries,
            first_bad_seq: v.first_bad_seq,
            problem: v.problem,
            head_seq: v.head_seq,
            base_seq: v.base_seq,
            sealed: v.sealed,
            checkpoint: v.checkpoint,
            checkpoints: v.checkpoints,
            seal_problems: v.seal_problems,
        }
    }
}

/// Walks the audit hash chain, names the first altered or missing record, and reports the
/// ranges cut from either end or rewritten since the latest signed checkpoint.
#[utoipa::path(get, path = "/audit/verify", tag = "audit")]
pub async fn verify(
    State(state): State<AppState>,
    _who: Api<Compliance>,
) -> ApiResult<ApiJson<VerificationView>> {
    let v = seal::verify(&state.store, state.config.audit_seal.as_ref())
        .await
        .map_err(DeskError::from)?;
    Ok(ApiJson(v.into()))
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
    let csv = export_csv(&state.store, &who.user.username, &q.filters()).await?;
    Ok(csv_file("audit.csv", csv))
}
