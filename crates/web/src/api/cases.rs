//! Cases, complaints and notifications (contract: docs/api.md, "Cases, complaints,
//! crises"). Handlers translate JSON to store calls; the rules live in the domain and
//! the store.

use super::List;
use super::customers::time_param;
use crate::AppState;
use crate::auth::{Admin, AnyStaff, Api, CaseStaff, Oversight};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::view::rfc3339;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bankdesk_domain::calendar::Sla;
use bankdesk_domain::case::{CaseStatus, CaseType, FormField};
use bankdesk_domain::complaint::{ComplaintChannel, Complexity, RootCause};
use bankdesk_domain::contact::ContactChannel;
use bankdesk_domain::{csv, mask};
use bankdesk_store::cases::{
    Case, CaseDetail, CaseFilter, CaseTypeEntry, DepartmentRow, ExtensionRow, HistoryRow,
    LinkedContact, NewCase, NewComplaint, PauseRow, Reply, Staff,
};
use bankdesk_store::complaints::{ComplaintUpdate, Decision, RegisterRow};
use bankdesk_store::escalation::NotificationRow;
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
pub struct ComplaintView {
    received_at: String,
    channel: ComplaintChannel,
    complexity: Complexity,
    extension_level: u8,
    subject_staff: Option<String>,
    subject_branch: Option<String>,
    root_causes: Vec<RootCause>,
    merged_into: Option<String>,
    answered_at: Option<String>,
}

/// A case as the API shows it.
#[derive(Serialize)]
pub struct CaseJson {
    id: String,
    customer_id: String,
    #[serde(rename = "type")]
    case_type: String,
    status: CaseStatus,
    department: Option<String>,
    assignee: Option<String>,
    summary: String,
    fields: serde_json::Value,
    created_by: Option<String>,
    opened_at: String,
    /// When the SLA clock started (the opening, the complaint's receipt, a reopening).
    clock_started_at: String,
    /// End of the due day in the bank's time zone; null while the clock is paused.
    due_at: Option<String>,
    /// `running`, `paused` (waiting on the customer, external appraisal) or `stopped`.
    clock: &'static str,
    overdue: bool,
    sla: Sla,
    version: i64,
    resolved_at: Option<String>,
    closed_at: Option<String>,
    updated_at: String,
    /// The states the case may move to next.
    next: Vec<CaseStatus>,
    complaint: Option<ComplaintView>,
}

pub fn case_json(c: &Case, now_ms: i64) -> CaseJson {
    let t = |ms: i64| rfc3339(ms, None);
    CaseJson {
        id: c.id.clone(),
        customer_id: c.customer_id.clone(),
        case_type: c.case_type.clone(),
        status: c.status,
        department: c.department.clone(),
        assignee: c.assignee.clone(),
        summary: c.summary.clone(),
        fields: c.fields.clone(),
        created_by: c.created_by.clone(),
        opened_at: t(c.opened_at_ms),
        clock_started_at: t(c.clock_start_ms),
        due_at: c.due_at_ms.map(t),
        clock: match (c.status.is_open(), c.due_at_ms) {
            (false, _) => "stopped",
            (true, Some(_)) => "running",
            (true, None) => "paused",
        },
        overdue: c.overdue(now_ms),
        sla: c.sla,
        version: c.version,
        resolved_at: c.resolved_at_ms.map(t),
        closed_at: c.closed_at_ms.map(t),
        updated_at: t(c.updated_at_ms),
        next: c.status.next(),
        complaint: c.complaint.as_ref().map(|p| ComplaintView {
            received_at: t(p.received_at_ms),
            channel: p.channel,
            complexity: p.complexity,
            extension_level: p.extension_level.0,
            subject_staff: p.subject_staff.clone(),
            subject_branch: p.subject_branch.clone(),
            root_causes: p.root_causes.clone(),
            merged_into: p.merged_into.clone(),
            answered_at: p.answered_at_ms.map(t),
        }),
    }
}

#[derive(Serialize)]
pub struct HistoryJson {
    at: String,
    actor: Option<String>,
    action: String,
    from: Option<String>,
    to: Option<String>,
    note: Option<String>,
}

fn history_json(h: &HistoryRow) -> HistoryJson {
    HistoryJson {
        at: rfc3339(h.at_ms, None),
        actor: h.actor.clone(),
        action: h.action.clone(),
        from: h.from_value.clone(),
        to: h.to_value.clone(),
        note: h.note.clone(),
    }
}

#[derive(Serialize)]
pub struct LinkedContactJson {
    contact_id: String,
    role: String,
    channel: String,
    direction: String,
    at: String,
    /// Answers and notices: the text sent to the customer.
    text: Option<String>,
}

#[derive(Serialize)]
pub struct ExtensionJson {
    id: String,
    level: i64,
    reason: String,
    status: String,
    requested_by: String,
    requested_at: String,
    decided_by: Option<String>,
    decided_at: Option<String>,
    approval_ref: Option<String>,
    new_due_at: Option<String>,
    notice_contact_id: Option<String>,
}

fn extension_json(e: ExtensionRow) -> ExtensionJson {
    ExtensionJson {
        requested_at: rfc3339(e.requested_at_ms, None),
        decided_at: e.decided_at_ms.map(|t| rfc3339(t, None)),
        new_due_at: e.new_due_at_ms.map(|t| rfc3339(t, None)),
        id: e.id,
        level: e.level,
        reason: e.reason,
        status: e.status,
        requested_by: e.requested_by,
        decided_by: e.decided_by,
        approval_ref: e.approval_ref,
        notice_contact_id: e.notice_contact_id,
    }
}

#[derive(Serialize)]
pub struct PauseJson {
    kind: String,
    from: String,
    to: Option<String>,
}

#[derive(Serialize)]
pub struct CaseDetailJson {
    #[serde(flatten)]
    case: CaseJson,
    type_name: String,
    history: Vec<HistoryJson>,
    contacts: Vec<LinkedContactJson>,
    extensions: Vec<ExtensionJson>,
    pauses: Vec<PauseJson>,
    /// `read` or `work`: what the caller may do with the case.
    access: bankdesk_domain::case::CaseAccess,
}

fn detail_json(d: CaseDetail, now_ms: i64) -> CaseDetailJson {
    CaseDetailJson {
        case: case_json(&d.case, now_ms),
        type_name: d.type_name,
        history: d.history.iter().map(history_json).collect(),
        contacts: d
            .contacts
            .into_iter()
            .map(|c: LinkedContact| LinkedContactJson {
                at: rfc3339(c.linked_at_ms, None),
                contact_id: c.contact_id,
                role: c.role,
                channel: c.channel,
                direction: c.direction,
                text: c.summary,
            })
            .collect(),
        extensions: d.extensions.into_iter().map(extension_json).collect(),
        pauses: d
            .pauses
            .into_iter()
            .map(|p: PauseRow| PauseJson {
                from: rfc3339(p.from_ms, None),
                to: p.to_ms.map(|t| rfc3339(t, None)),
                kind: p.kind,
            })
            .collect(),
        access: d.access,
    }
}

fn now() -> i64 {
    bankdesk_store::now_ms()
}

pub async fn case_types(
    State(state): State<AppState>,
    _who: Api<AnyStaff>,
) -> ApiResult<ApiJson<List<CaseTypeEntry>>> {
    Ok(ApiJson(List {
        items: state.store.case_types().await?,
        next: None,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseTypeRequest {
    name: String,
    department: String,
    sla: Sla,
    #[serde(default)]
    complaint: bool,
    #[serde(default)]
    fields: Vec<FormField>,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

pub async fn put_case_type(
    State(state): State<AppState>,
    who: Api<Admin>,
    ApiPath(code): ApiPath<String>,
    ApiJson(req): ApiJson<CaseTypeRequest>,
) -> ApiResult<ApiJson<CaseTypeEntry>> {
    let t = CaseType {
        code,
        name: req.name,
        department: req.department,
        sla: req.sla,
        complaint: req.complaint,
        fields: req.fields,
    };
    Ok(ApiJson(
        state
            .store
            .put_case_type(&who.actor(), &t, req.active)
            .await?,
    ))
}

pub async fn departments(
    State(state): State<AppState>,
    _who: Api<AnyStaff>,
) -> ApiResult<ApiJson<List<DepartmentRow>>> {
    Ok(ApiJson(List {
        items: state.store.departments().await?,
        next: None,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepartmentRequest {
    name: String,
    /// Username of the head, who is told when a deadline is breached.
    head: Option<String>,
}

pub async fn put_department(
    State(state): State<AppState>,
    who: Api<Admin>,
    ApiPath(code): ApiPath<String>,
    ApiJson(req): ApiJson<DepartmentRequest>,
) -> ApiResult<ApiJson<DepartmentRow>> {
    Ok(ApiJson(
        state
            .store
            .put_department(&who.actor(), &code, &req.name, req.head.as_deref())
            .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintRequest {
    received_at: String,
    complexity: Complexity,
    channel: ComplaintChannel,
    /// Username of the member of staff complained about, if any.
    subject_staff: Option<String>,
    /// Department or branch complained about, if any.
    subject_branch: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateCase {
    customer_id: String,
    #[serde(rename = "type")]
    case_type: String,
    summary: String,
    contact_id: Option<String>,
    department: Option<String>,
    #[serde(default)]
    fields: serde_json::Map<String, serde_json::Value>,
    complaint: Option<ComplaintRequest>,
}

pub async fn create(
    State(state): State<AppState>,
    who: Api<CaseStaff>,
    ApiJson(req): ApiJson<CreateCase>,
) -> ApiResult<(StatusCode, ApiJson<CaseJson>)> {
    let complaint = match req.complaint {
        Some(c) => Some(NewComplaint {
            received_at_ms: time_param("complaint.received_at", Some(&c.received_at))?
                .unwrap_or_default(),
            channel: c.channel,
            complexity: c.complexity,
            subject_staff: c.subject_staff,
            subject_branch: c.subject_branch,
        }),
        None => None,
    };
    let case = state
        .store
        .create_case(
            &Staff::from(&who.user),
            &NewCase {
                customer_id: req.customer_id,
                case_type: req.case_type,
                summary: req.summary,
                contact_id: req.contact_id,
                department: req.department,
                fields: req.fields,
                complaint,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, ApiJson(case_json(&case, now()))))
}

pub async fn get(
    State(state): State<AppState>,
    who: Api<AnyStaff>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<CaseDetailJson>> {
    let d = state
        .store
        .case_detail(&Staff::from(&who.user), &id)
        .await?;
    Ok(ApiJson(detail_json(d, now())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    status: Option<CaseStatus>,
    department: Option<String>,
    #[serde(default)]
    overdue: bool,
    limit: Option<u32>,
    /// The `next` of the previous page.
    after: Option<String>,
}

fn cursor(c: &Case, overdue: bool) -> String {
    let t = if overdue {
        c.due_at_ms.unwrap_or_default()
    } else {
        c.opened_at_ms
    };
    format!("{t}.{}", c.id)
}

fn parse_cursor(s: &str) -> ApiResult<(i64, String)> {
    s.split_once('.')
        .and_then(|(t, id)| Some((t.parse().ok()?, id.to_string())))
        .filter(|(_, id)| !id.is_empty() && id.len() <= 64)
        .ok_or_else(|| ApiError::field("after", "a cursor from the previous page"))
}

pub async fn list(
    State(state): State<AppState>,
    who: Api<AnyStaff>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<ApiJson<List<CaseJson>>> {
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let now = now();
    let rows = state
        .store
        .list_cases(
            &Staff::from(&who.user),
            &CaseFilter {
                status: q.status,
                department: q.department,
                overdue: q.overdue,
                now_ms: now,
                limit,
                after: q.after.as_deref().map(parse_cursor).transpose()?,
            },
        )
        .await?;
    let next = (rows.len() == limit as usize)
        .then(|| rows.last().map(|c| cursor(c, q.overdue)))
        .flatten();
    Ok(ApiJson(List {
        items: rows.iter().map(|c| case_json(c, now)).collect(),
        next,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    text: String,
    #[serde(default = "outbound")]
    channel: ContactChannel,
}

fn outbound() -> ContactChannel {
    ContactChannel::Outbound
}

impl From<ReplyRequest> for Reply {
    fn from(r: ReplyRequest) -> Reply {
        Reply {
            text: r.text,
            channel: r.channel,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    to: CaseStatus,
    #[serde(default)]
    note: String,
    /// The version the change is based on; a stale one is refused with 409.
    version: Option<i64>,
    /// Required to resolve: the outcome sent to the customer.
    reply: Option<ReplyRequest>,
}

pub async fn transition(
    State(state): State<AppState>,
    who: Api<CaseStaff>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<TransitionRequest>,
) -> ApiResult<ApiJson<CaseJson>> {
    let reply = req.reply.map(Reply::from);
    let case = state
        .store
        .transition_case(
            &Staff::from(&who.user),
            &id,
            req.to,
            &req.note,
            req.version,
            reply.as_ref(),
        )
        .await?;
    Ok(ApiJson(case_json(&case, now())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentRequest {
    department: Option<String>,
    /// Username of the new assignee.
    assignee: Option<String>,
    #[serde(default)]
    note: String,
    version: Option<i64>,
}

pub async fn assign(
    State(state): State<AppState>,
    who: Api<CaseStaff>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<AssignmentRequest>,
) -> ApiResult<ApiJson<CaseJson>> {
    let case = state
        .store
        .assign_case(
            &Staff::from(&who.user),
            &id,
            req.department.as_deref(),
            req.assignee.as_deref(),
            &req.note,
            req.version,
        )
        .await?;
    Ok(ApiJson(case_json(&case, now())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    text: String,
}

pub async fn add_note(
    State(state): State<AppState>,
    who: Api<CaseStaff>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<NoteRequest>,
) -> ApiResult<(StatusCode, ApiJson<HistoryJson>)> {
    let h = state
        .store
        .add_case_note(&Staff::from(&who.user), &id, &req.text)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(history_json(&h))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    contact_id: String,
}

pub async fn link_contact(
    State(state): State<AppState>,
    who: Api<CaseStaff>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<LinkRequest>,
) -> ApiResult<StatusCode> {
    state
        .store
        .link_case_contact(&Staff::from(&who.user), &id, &req.contact_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
pub struct ReplyCreated {
    contact_id: String,
}

pub async fn reply(
    State(state): State<AppState>,
    who: Api<CaseStaff>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ReplyRequest>,
) -> ApiResult<(StatusCode, ApiJson<ReplyCreated>)> {
    let contact_id = state
        .store
        .reply_to_customer(&Staff::from(&who.user), &id, &req.into())
        .await?;
    Ok((StatusCode::CREATED, ApiJson(ReplyCreated { contact_id })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionRequest {
    reason: String,
}

/// A complaint's handler asks for more time; a superior signs it off through
/// `.../extensions/{eid}/approve`.
pub async fn request_extension(
    State(state): State<AppState>,
    who: Api<CaseStaff>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ExtensionRequest>,
) -> ApiResult<(StatusCode, ApiJson<ExtensionJson>)> {
    let e = state
        .store
        .request_extension(&Staff::from(&who.user), &id, &req.reason)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(extension_json(e))))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRequest {
    /// The superior institution's approval reference (needed for the further 30 days).
    approval_ref: Option<String>,
}

pub async fn approve_extension(
    State(state): State<AppState>,
    who: Api<Oversight>,
    ApiPath((id, eid)): ApiPath<(String, String)>,
    body: axum::body::Bytes,
) -> ApiResult<ApiJson<ExtensionJson>> {
    let req: ApprovalRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ApprovalRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::new(bankdesk_domain::ErrorCode::InvalidJson, e.to_string()))?
    };
    let e = state
        .store
        .decide_extension(
            &Staff::from(&who.user),
            &id,
            &eid,
            Decision::Approve,
            req.approval_ref.as_deref(),
        )
        .await?;
    Ok(ApiJson(extension_json(e)))
}

pub async fn reject_extension(
    State(state): State<AppState>,
    who: Api<Oversight>,
    ApiPath((id, eid)): ApiPath<(String, String)>,
) -> ApiResult<ApiJson<ExtensionJson>> {
    let e = state
        .store
        .decide_extension(&Staff::from(&who.user), &id, &eid, Decision::Reject, None)
        .await?;
    Ok(ApiJson(extension_json(e)))
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AppraisalAction {
    Start,
    End,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppraisalRequest {
    action: AppraisalAction,
    note: String,
    version: Option<i64>,
}

/// Stops a complaint's clock for external appraisal (the complainant is told), or
/// restarts it.
pub async fn appraisal(
    State(state): State<AppState>,
    who: Api<CaseStaff>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<AppraisalRequest>,
) -> ApiResult<ApiJson<CaseJson>> {
    let case = state
        .store
        .complaint_appraisal(
            &Staff::from(&who.user),
            &id,
            req.action == AppraisalAction::Start,
            &req.note,
            req.version,
        )
        .await?;
    Ok(ApiJson(case_json(&case, now())))
}

/// `null` clears a subject; a missing field leaves it.
fn double_option<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintPatch {
    complexity: Option<Complexity>,
    root_causes: Option<Vec<RootCause>>,
    #[serde(default, deserialize_with = "double_option")]
    subject_staff: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    subject_branch: Option<Option<String>>,
    version: Option<i64>,
}

pub async fn update_complaint(
    State(state): State<AppState>,
    who: Api<CaseStaff>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ComplaintPatch>,
) -> ApiResult<ApiJson<CaseJson>> {
    let case = state
        .store
        .update_complaint(
            &Staff::from(&who.user),
            &id,
            &ComplaintUpdate {
                complexity: req.complexity,
                root_causes: req.root_causes,
                subject_staff: req.subject_staff,
                subject_branch: req.subject_branch,
            },
            req.version,
        )
        .await?;
    Ok(ApiJson(case_json(&case, now())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The complaint being handled that this one repeats.
    into: String,
    /// The repeat brings new facts: the original restarts from its receipt.
    #[serde(default)]
    new_facts: bool,
    #[serde(default)]
    note: String,
}

pub async fn merge(
    State(state): State<AppState>,
    who: Api<CaseStaff>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<MergeRequest>,
) -> ApiResult<ApiJson<CaseJson>> {
    let case = state
        .store
        .merge_complaint(
            &Staff::from(&who.user),
            &id,
            &req.into,
            req.new_facts,
            &req.note,
        )
        .await?;
    Ok(ApiJson(case_json(&case, now())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterQuery {
    /// Received from (RFC 3339 or YYYY-MM-DD, inclusive).
    from: Option<String>,
    /// Received before (exclusive).
    to: Option<String>,
}

impl RegisterQuery {
    pub(crate) fn new(from: Option<String>, to: Option<String>) -> RegisterQuery {
        RegisterQuery { from, to }
    }
}

#[derive(Serialize)]
pub struct RegisterJson {
    pub(crate) case_id: String,
    pub(crate) customer_id: String,
    pub(crate) customer_name_masked: String,
    pub(crate) received_at: String,
    pub(crate) channel: String,
    pub(crate) complexity: String,
    pub(crate) department: Option<String>,
    pub(crate) assignee: Option<String>,
    pub(crate) status: String,
    pub(crate) due_at: Option<String>,
    pub(crate) extension_level: i64,
    pub(crate) overdue: bool,
    pub(crate) root_causes: Vec<String>,
    pub(crate) answered_at: Option<String>,
    pub(crate) merged_into: Option<String>,
    pub(crate) summary: String,
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

pub(crate) async fn register_rows(
    state: &AppState,
    who: &str,
    q: &RegisterQuery,
) -> ApiResult<Vec<RegisterJson>> {
    let from = time_param("from", q.from.as_deref())?.unwrap_or(i64::MIN);
    let to = time_param("to", q.to.as_deref())?.unwrap_or(i64::MAX);
    let now = now();
    Ok(state
        .store
        .complaint_register(who, from, to, 100_000)
        .await?
        .into_iter()
        .map(|r| register_json(r, now))
        .collect())
}

/// The complaint register (compliance and supervisors).
pub async fn register(
    State(state): State<AppState>,
    who: Api<Oversight>,
    ApiQuery(q): ApiQuery<RegisterQuery>,
) -> ApiResult<ApiJson<List<RegisterJson>>> {
    Ok(ApiJson(List {
        items: register_rows(&state, &who.user.username, &q).await?,
        next: None,
    }))
}

/// The complaint register as CSV, names masked.
pub async fn register_csv(
    State(state): State<AppState>,
    who: Api<Oversight>,
    ApiQuery(q): ApiQuery<RegisterQuery>,
) -> ApiResult<Response> {
    let rows = register_rows(&state, &who.user.username, &q).await?;
    let out = register_csv_text(rows);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"complaints.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

/// The register as CSV: one line per complaint, names masked.
pub(crate) fn register_csv_text(rows: Vec<RegisterJson>) -> String {
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationQuery {
    #[serde(default)]
    unread: bool,
    limit: Option<u32>,
}

#[derive(Serialize)]
pub struct NotificationJson {
    id: String,
    kind: String,
    case_id: Option<String>,
    text: String,
    at: String,
    read: bool,
}

/// The caller's notifications: deadline reminders and breaches.
pub async fn notifications(
    State(state): State<AppState>,
    who: Api<AnyStaff>,
    ApiQuery(q): ApiQuery<NotificationQuery>,
) -> ApiResult<ApiJson<List<NotificationJson>>> {
    let rows = state
        .store
        .notifications(&who.user.id, q.unread, q.limit.unwrap_or(100))
        .await?;
    Ok(ApiJson(List {
        items: rows
            .into_iter()
            .map(|n: NotificationRow| NotificationJson {
                at: rfc3339(n.created_at_ms, None),
                read: n.read_at_ms.is_some(),
                id: n.id,
                kind: n.kind,
                case_id: n.case_id,
                text: n.text,
            })
            .collect(),
        next: None,
    }))
}

pub async fn read_notification(
    State(state): State<AppState>,
    who: Api<AnyStaff>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    state
        .store
        .mark_notification_read(&who.user.id, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
