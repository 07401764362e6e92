//! Cases and their deadline notifications (contract: docs/api.md, "Cases, complaints,
//! crises"; a complaint's own endpoints are in `complaint/api.rs`). Handlers translate
//! JSON to store calls; the rules live in the domain and the store.

use crate::auth::{Admin, AnyStaff, Api, CaseStaff};
use crate::envelope::List;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;
use crate::view::rfc3339;
use axum::extract::State;
use axum::http::StatusCode;
use bankdesk_desk::time_param;
use bankdesk_domain::Actor;
use bankdesk_domain::calendar::Sla;
use bankdesk_domain::case::{CaseStatus, CaseType, FormField};
use bankdesk_domain::complaint::{ComplaintChannel, Complexity, RootCause};
use bankdesk_domain::contact::{ContactChannel, Direction};
use bankdesk_store::cases::{
    Case, CaseDetail, CaseFilter, CaseTypeEntry, DepartmentRow, ExtensionRow, HistoryRow,
    LinkedContact, NewCase, NewComplaint, PauseRow, Reply,
};
use bankdesk_store::escalation::NotificationRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
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
#[derive(Serialize, ToSchema)]
#[schema(as = Case)]
pub struct CaseJson {
    id: String,
    customer_id: String,
    #[serde(rename = "type")]
    case_type: String,
    status: CaseStatus,
    department: Option<String>,
    assignee: Option<String>,
    summary: String,
    /// The values of the case type's form fields.
    #[schema(value_type = Object)]
    fields: serde_json::Value,
    created_by: Option<String>,
    opened_at: String,
    /// When the SLA clock started (the opening, the complaint's receipt, a reopening).
    clock_started_at: String,
    /// End of the due day in the bank's time zone; null while the clock is paused.
    due_at: Option<String>,
    /// `running`, `paused` (waiting on the customer, external appraisal) or `stopped`.
    #[schema(pattern = "^(running|paused|stopped)$")]
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

#[derive(Serialize, ToSchema)]
#[schema(as = CaseHistoryEntry)]
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

#[derive(Serialize, ToSchema)]
#[schema(as = CaseContact)]
pub struct LinkedContactJson {
    contact_id: String,
    /// How the contact belongs to the case: it opened it, was linked to it, carried an
    /// answer to the customer, or a notice (of an extension, of an appraisal).
    #[schema(pattern = "^(origin|linked|reply|notice)$")]
    role: String,
    #[schema(value_type = ContactChannel)]
    channel: String,
    #[schema(value_type = Direction)]
    direction: String,
    at: String,
    /// Answers and notices: the text sent to the customer.
    text: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = Extension)]
pub struct ExtensionJson {
    id: String,
    /// 1: to 30 days (complex), 2: to 60 days (very complex).
    level: i64,
    reason: String,
    #[schema(pattern = "^(pending_approval|approved|rejected)$")]
    status: String,
    requested_by: String,
    requested_at: String,
    decided_by: Option<String>,
    decided_at: Option<String>,
    approval_ref: Option<String>,
    new_due_at: Option<String>,
    notice_contact_id: Option<String>,
}

pub(crate) fn extension_json(e: ExtensionRow) -> ExtensionJson {
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

#[derive(Serialize, ToSchema)]
#[schema(as = Pause)]
pub struct PauseJson {
    /// Why the clock stands still.
    #[schema(pattern = "^(waiting_customer|external_appraisal)$")]
    kind: String,
    from: String,
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = CaseDetail)]
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

pub(crate) fn now() -> i64 {
    bankdesk_store::now_ms()
}

/// A case type as the API shows it: its definition, whether it is in use, and whether
/// the bank changed it from the built-in one.
#[derive(Serialize, ToSchema)]
#[schema(as = CaseTypeEntry)]
pub struct CaseTypeView {
    code: String,
    name: String,
    department: String,
    sla: Sla,
    /// Complaints follow the complaint rules (receipt date, complexity, extensions).
    complaint: bool,
    fields: Vec<FormField>,
    active: bool,
    /// False for a built-in type nobody has changed.
    customised: bool,
}

/// The definition's fields one by one: a flattened `CaseType`, which refuses unknown
/// fields as a request, would describe the answer as having no others.
impl From<CaseTypeEntry> for CaseTypeView {
    fn from(e: CaseTypeEntry) -> CaseTypeView {
        let t = e.definition;
        CaseTypeView {
            code: t.code,
            name: t.name,
            department: t.department,
            sla: t.sla,
            complaint: t.complaint,
            fields: t.fields,
            active: e.active,
            customised: e.customised,
        }
    }
}

/// A department, and the head who hears of breached deadlines.
#[derive(Serialize, ToSchema)]
#[schema(as = Department)]
pub struct DepartmentView {
    code: String,
    name: String,
    /// Username of the head.
    head: Option<String>,
}

impl From<DepartmentRow> for DepartmentView {
    fn from(d: DepartmentRow) -> DepartmentView {
        DepartmentView {
            code: d.code,
            name: d.name,
            head: d.head,
        }
    }
}

/// The kinds of case the bank handles, with their department and SLA.
#[utoipa::path(get, path = "/case-types", tag = "cases")]
pub async fn case_types(
    State(state): State<AppState>,
    _who: Api<AnyStaff>,
) -> ApiResult<ApiJson<List<CaseTypeView>>> {
    Ok(ApiJson(List {
        items: state
            .store
            .case_types()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
        next: None,
    }))
}

#[derive(Deserialize, ToSchema)]
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

/// Creates or changes a case type.
#[utoipa::path(put, path = "/admin/case-types/{code}", tag = "cases")]
pub async fn put_case_type(
    State(state): State<AppState>,
    who: Api<Admin>,
    ApiPath(code): ApiPath<String>,
    ApiJson(req): ApiJson<CaseTypeRequest>,
) -> ApiResult<ApiJson<CaseTypeView>> {
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
            .await?
            .into(),
    ))
}

/// The departments cases go to.
#[utoipa::path(get, path = "/departments", tag = "cases")]
pub async fn departments(
    State(state): State<AppState>,
    _who: Api<AnyStaff>,
) -> ApiResult<ApiJson<List<DepartmentView>>> {
    Ok(ApiJson(List {
        items: state
            .store
            .departments()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
        next: None,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentRequest {
    name: String,
    /// Username of the head, who is told when a deadline is breached.
    head: Option<String>,
}

/// Creates or changes a department.
#[utoipa::path(put, path = "/admin/departments/{code}", tag = "cases")]
pub async fn put_department(
    State(state): State<AppState>,
    who: Api<Admin>,
    ApiPath(code): ApiPath<String>,
    ApiJson(req): ApiJson<DepartmentRequest>,
) -> ApiResult<ApiJson<DepartmentView>> {
    Ok(ApiJson(
        state
            .store
            .put_department(&who.actor(), &code, &req.name, req.head.as_deref())
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintRequest {
    /// RFC 3339, or `YYYY-MM-DD` in the bank's time zone.
    received_at: String,
    complexity: Complexity,
    channel: ComplaintChannel,
    /// Username of the member of staff complained about, if any.
    subject_staff: Option<String>,
    /// Department or branch complained about, if any.
    subject_branch: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCase {
    customer_id: String,
    #[serde(rename = "type")]
    case_type: String,
    summary: String,
    contact_id: Option<String>,
    department: Option<String>,
    /// Values of the case type's form fields, by name.
    #[serde(default)]
    #[schema(value_type = Object)]
    fields: serde_json::Map<String, serde_json::Value>,
    complaint: Option<ComplaintRequest>,
}

/// Opens a case; `due_at` is the end of the due day in the bank's time zone.
#[utoipa::path(
    post,
    path = "/cases",
    tag = "cases",
    responses(
        (status = 201, description = "The new case"),
        (status = 403, description = "`forbidden`: the contact is not the caller's"),
    )
)]
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
            &Actor::from(&who.user),
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

/// A case with its history, contacts, extensions and pauses, for those who may see it.
#[utoipa::path(
    get,
    path = "/cases/{id}",
    tag = "cases",
    responses(
        (status = 200, description = "The case; `access` says what the caller may do"),
        (status = 403, description = "`forbidden`: the case is not the caller's to see"),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    who: Api<AnyStaff>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<CaseDetailJson>> {
    let d = state
        .store
        .case_detail(&Actor::from(&who.user), &id)
        .await?;
    Ok(ApiJson(detail_json(d, now())))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[param(inline)]
    status: Option<CaseStatus>,
    department: Option<String>,
    /// Only open cases past their due time, most overdue first.
    #[serde(default)]
    overdue: bool,
    /// Cases per page (default 50; at most 500).
    #[param(minimum = 1)]
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

/// The cases the caller may see, newest first.
#[utoipa::path(get, path = "/cases", tag = "cases")]
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
            &Actor::from(&who.user),
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

#[derive(Deserialize, ToSchema)]
#[schema(as = CaseReply)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    text: String,
    /// `outbound` (a call) by default.
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

#[derive(Deserialize, ToSchema)]
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

/// Moves a case to another state (`next` lists the allowed ones).
#[utoipa::path(
    post,
    path = "/cases/{id}/transitions",
    tag = "cases",
    responses(
        (status = 200, description = "The case"),
        (status = 403, description = "`forbidden`: the case is not the caller's to work"),
        (status = 409, description = "`conflict`: `version` is stale"),
        (status = 422, description = "`illegal_transition`; `rule_refused` (resolving needs `reply`, closing an open case a `note`)"),
    )
)]
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
            &Actor::from(&who.user),
            &id,
            req.to,
            &req.note,
            req.version,
            reply.as_ref(),
        )
        .await?;
    Ok(ApiJson(case_json(&case, now())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentRequest {
    department: Option<String>,
    /// Username of the new assignee.
    assignee: Option<String>,
    #[serde(default)]
    note: String,
    version: Option<i64>,
}

/// Assigns a case to a department or a person; assigning a new case moves it to
/// `assigned`.
#[utoipa::path(
    post,
    path = "/cases/{id}/assignment",
    tag = "cases",
    responses(
        (status = 200, description = "The case"),
        (status = 403, description = "`forbidden`: the case is not the caller's to work"),
        (status = 409, description = "`conflict`: `version` is stale"),
        (status = 422, description = "`recused`: the person or branch complained about"),
    )
)]
pub async fn assign(
    State(state): State<AppState>,
    who: Api<CaseStaff>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<AssignmentRequest>,
) -> ApiResult<ApiJson<CaseJson>> {
    let case = state
        .store
        .assign_case(
            &Actor::from(&who.user),
            &id,
            req.department.as_deref(),
            req.assignee.as_deref(),
            &req.note,
            req.version,
        )
        .await?;
    Ok(ApiJson(case_json(&case, now())))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = CaseNoteRequest)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    text: String,
}

/// Adds a note to a case's history.
#[utoipa::path(
    post,
    path = "/cases/{id}/notes",
    tag = "cases",
    responses(
        (status = 201, description = "The history entry"),
        (status = 403, description = "`forbidden`: the case is not the caller's to see"),
    )
)]
pub async fn add_note(
    State(state): State<AppState>,
    who: Api<CaseStaff>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<NoteRequest>,
) -> ApiResult<(StatusCode, ApiJson<HistoryJson>)> {
    let h = state
        .store
        .add_case_note(&Actor::from(&who.user), &id, &req.text)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(history_json(&h))))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = CaseLinkRequest)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    contact_id: String,
}

/// Links a contact of the same customer to a case.
#[utoipa::path(
    post,
    path = "/cases/{id}/contacts",
    tag = "cases",
    responses(
        (status = 204, description = "Linked"),
        (status = 403, description = "`forbidden`: the case is not the caller's to see"),
        (status = 422, description = "`rule_refused`: a contact of another customer"),
    )
)]
pub async fn link_contact(
    State(state): State<AppState>,
    who: Api<CaseStaff>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<LinkRequest>,
) -> ApiResult<StatusCode> {
    state
        .store
        .link_case_contact(&Actor::from(&who.user), &id, &req.contact_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct ReplyCreated {
    /// The outbound contact that carries the reply, on the customer's timeline.
    contact_id: String,
}

/// Sends the customer an answer, stored as an outbound contact on their timeline.
#[utoipa::path(
    post,
    path = "/cases/{id}/replies",
    tag = "cases",
    responses(
        (status = 201, description = "The reply's contact"),
        (status = 403, description = "`forbidden`: the case is not the caller's to work"),
    )
)]
pub async fn reply(
    State(state): State<AppState>,
    who: Api<CaseStaff>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ReplyRequest>,
) -> ApiResult<(StatusCode, ApiJson<ReplyCreated>)> {
    let contact_id = state
        .store
        .reply_to_customer(&Actor::from(&who.user), &id, &req.into())
        .await?;
    Ok((StatusCode::CREATED, ApiJson(ReplyCreated { contact_id })))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NotificationQuery {
    /// Only those not read yet.
    #[serde(default)]
    unread: bool,
    /// At most this many (default 100).
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = Notification)]
pub struct NotificationJson {
    id: String,
    #[schema(pattern = "^(reminder|breach|crisis)$")]
    kind: String,
    case_id: Option<String>,
    text: String,
    at: String,
    read: bool,
}

/// The caller's notifications: deadline reminders and breaches.
#[utoipa::path(get, path = "/notifications", tag = "cases")]
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

/// Marks one of the caller's notifications read.
#[utoipa::path(post, path = "/notifications/{id}/read", tag = "cases")]
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
