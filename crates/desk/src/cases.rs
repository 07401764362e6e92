//! The complaint register, which compliance and supervisors read through the API and on
//! the desktop, as rows and as CSV.

use crate::error::DeskResult;
use crate::text::rfc3339;
use crate::time_param;
use bankdesk_domain::case::CaseStatus;
use bankdesk_domain::complaint::{ComplaintChannel, Complexity, RootCause};
use bankdesk_domain::{csv, mask};
use bankdesk_store::Store;
use bankdesk_store::complaints::RegisterRow;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
#[schema(as = ComplaintRegisterEntry)]
pub struct RegisterJson {
    pub case_id: String,
    pub customer_id: String,
    pub customer_name_masked: String,
    pub received_at: String,
    #[schema(value_type = ComplaintChannel)]
    pub channel: String,
    #[schema(value_type = Complexity)]
    pub complexity: String,
    pub department: Option<String>,
    pub assignee: Option<String>,
    #[schema(value_type = CaseStatus)]
    pub status: String,
    pub due_at: Option<String>,
    pub extension_level: i64,
    pub overdue: bool,
    #[schema(value_type = Vec<RootCause>)]
    pub root_causes: Vec<String>,
    pub answered_at: Option<String>,
    pub merged_into: Option<String>,
    pub summary: String,
}

fn register_json(r: RegisterRow, now_ms: i64) -> RegisterJson {
    let open = CaseStatus::parse(&r.status).is_some_and(CaseStatus::is_open);
    RegisterJson {
        customer_name_masked: mask::name(&r.customer_name),
        received_at: rfc3339(r.received_at_ms, None),
        due_at: r.due_at_ms.map(|t| rfc3339(t, None)),
        overdue: open && r.due_at_ms.is_some_and(|d| d < now_ms),
        root_causes: r
            .root_causes
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        answered_at: r.answered_at_ms.map(|t| rfc3339(t, None)),
        case_id: r.case_id,
        customer_id: r.customer_id,
        channel: r.channel,
        complexity: r.complexity,
        department: r.department,
        assignee: r.assignee,
        status: r.status,
        extension_level: r.extension_level,
        merged_into: r.merged_into,
        summary: r.summary,
    }
}

/// The complaints `who` may see that were received from `from` until `to` (RFC 3339 or
/// `YYYY-MM-DD`, `to` excluded; either open), names masked.
pub async fn register_rows(
    store: &Store,
    who: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> DeskResult<Vec<RegisterJson>> {
    let from = time_param("from", from)?.unwrap_or(i64::MIN);
    let to = time_param("to", to)?.unwrap_or(i64::MAX);
    let now = bankdesk_store::now_ms();
    Ok(store
        .complaint_register(who, from, to, 100_000)
        .await?
        .into_iter()
        .map(|r| register_json(r, now))
        .collect())
}

/// The register as CSV: one line per complaint, names masked.
pub fn register_csv_text(rows: Vec<RegisterJson>) -> String {
    let mut out = csv::line(&[
        "case_id",
        "received_at",
        "customer",
        "channel",
        "complexity",
        "department",
        "assignee",
        "status",
        "due_at",
        "extensions",
        "overdue",
        "answered_at",
        "root_causes",
        "merged_into",
        "summary",
    ]);
    out.push('\n');
    for r in rows {
        out.push_str(&csv::line(&[
            r.case_id,
            r.received_at,
            r.customer_name_masked,
            r.channel,
            r.complexity,
            r.department.unwrap_or_default(),
            r.assignee.unwrap_or_default(),
            r.status,
            r.due_at.unwrap_or_default(),
            r.extension_level.to_string(),
            r.overdue.to_string(),
            r.answered_at.unwrap_or_default(),
            r.root_causes.join(" "),
            r.merged_into.unwrap_or_default(),
            r.summary,
        ]));
        out.push('\n');
    }
    out
}
