//! The second-line desktop: case lists by department with overdue cases marked, and the
//! case page (history, answers, the next moves, a complaint's extension and appraisal).
//! Every change goes through the same store calls as the API, after the CSRF check.

use crate::auth::{CaseStaff, Desk, Oversight, RoleSet};
use crate::pages::format::{bank_day, bank_time};
use crate::pages::i18n::{Lang, Messages};
use crate::pages::{Chrome, CsrfForm, LangPrefs, Page, PageError, id_shaped, url_encode};
use crate::state::AppState;
use crate::view::rfc3339;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bankdesk_domain::Actor;
use bankdesk_domain::ErrorCode;
use bankdesk_domain::case::{CaseAccess, CaseStatus};
use bankdesk_domain::contact::ContactChannel;
use bankdesk_domain::role::Role;
use bankdesk_store::cases::{Case, CaseFilter, Reply};
use bankdesk_store::complaints::Decision;
use bankdesk_store::{Store, StoreError};
use serde::Deserialize;
use std::collections::HashMap;

/// How many cases a list shows.
const LIST: u32 = 200;

/// An option of a `<select>`.
pub(crate) struct Opt {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) selected: bool,
}

fn oversees(roles: &[Role]) -> bool {
    roles
        .iter()
        .any(|r| matches!(r, Role::Supervisor | Role::Compliance))
}

/// A refused change as a page: the rule's reason in the user's words where we have them.
pub(crate) fn refused(page: &Page, e: StoreError, back: String) -> PageError {
    let t = page.t;
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    match e {
        StoreError::Refused {
            code: ErrorCode::IllegalTransition,
            ..
        } => PageError::message(
            page,
            status,
            t.err_conflict_title,
            t.err_illegal_transition,
            Some(back),
        ),
        StoreError::Refused {
            code: ErrorCode::Recused,
            ..
        } => PageError::message(
            page,
            status,
            t.err_forbidden_title,
            t.err_recused,
            Some(back),
        ),
        StoreError::Refused {
            code: ErrorCode::RuleRefused,
            message,
        } => PageError::message(page, status, t.err_invalid_title, message, Some(back)),
        other => PageError::new(page, other, Some(back)),
    }
}

pub(crate) fn case_url(id: &str) -> String {
    format!("/cases/{}", url_encode(id))
}

/// Type names by code, for lists that show many cases.
async fn type_names(state: &AppState) -> Result<HashMap<String, String>, StoreError> {
    Ok(state
        .store
        .case_types()
        .await?
        .into_iter()
        .map(|t| (t.definition.code, t.definition.name))
        .collect())
}

struct CaseLine {
    id: String,
    url: String,
    type_name: String,
    status: String,
    department: String,
    assignee: String,
    customer_id: String,
    summary: String,
    due: String,
    overdue: bool,
    paused: bool,
}

impl CaseLine {
    fn new(c: &Case, lang: Lang, names: &HashMap<String, String>, now: i64) -> CaseLine {
        CaseLine {
            url: case_url(&c.id),
            id: c.id.clone(),
            type_name: names
                .get(&c.case_type)
                .cloned()
                .unwrap_or_else(|| c.case_type.clone()),
            status: lang.case_status(c.status.as_str()),
            department: c.department.clone().unwrap_or_default(),
            assignee: c.assignee.clone().unwrap_or_default(),
            customer_id: c.customer_id.clone(),
            summary: c.summary.clone(),
            due: c
                .due_at_ms
                .map(|d| bank_day(&rfc3339(d, None)))
                .unwrap_or_default(),
            overdue: c.overdue(now),
            paused: c.status.is_open() && c.due_at_ms.is_none(),
        }
    }
}

#[derive(Template)]
#[template(path = "cases.html")]
struct ListTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    departments: Vec<Opt>,
    statuses: Vec<Opt>,
    overdue: bool,
    lines: Vec<CaseLine>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    department: Option<String>,
    status: Option<String>,
    overdue: Option<String>,
}

/// A department's cases (the caller's own by default; any for supervisors and
/// compliance), overdue ones marked, or only the overdue ones, oldest deadline first.
pub async fn list(
    State(state): State<AppState>,
    desk: Desk,
    prefs: LangPrefs,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let user = desk.user();
    let department = q.department.filter(|d| !d.is_empty());
    let status = q.status.as_deref().and_then(CaseStatus::parse);
    let overdue = q.overdue.is_some_and(|v| !v.is_empty());
    let now = bankdesk_store::now_ms();
    let loaded = async {
        let names = type_names(&state).await?;
        let departments = state.store.departments().await?;
        let cases = state
            .store
            .list_cases(
                &Actor::from(user),
                &CaseFilter {
                    status,
                    department: department.clone(),
                    overdue,
                    now_ms: now,
                    limit: LIST,
                    after: None,
                },
            )
            .await?;
        Ok::<_, StoreError>((names, departments, cases))
    };
    let (names, departments, cases) = match loaded.await {
        Ok(l) => l,
        Err(e) => return Err(refused(&page, e, "/cases".into())),
    };
    let t = page.t;
    let everyone = oversees(&user.roles);
    let mut options = vec![Opt {
        value: String::new(),
        label: if everyone {
            t.all_departments
        } else {
            t.cases_mine
        }
        .to_string(),
        selected: department.is_none(),
    }];
    options.extend(
        departments
            .into_iter()
            .filter(|d| everyone || user.department.as_deref() == Some(d.code.as_str()))
            .map(|d| Opt {
                selected: department.as_deref() == Some(d.code.as_str()),
                label: d.name,
                value: d.code,
            }),
    );
    let mut statuses = vec![Opt {
        value: String::new(),
        label: t.any_status.to_string(),
        selected: status.is_none(),
    }];
    statuses.extend(CaseStatus::ALL.iter().map(|s| Opt {
        value: s.as_str().to_string(),
        label: page.lang.case_status(s.as_str()),
        selected: status == Some(*s),
    }));
    Ok(page.html(
        StatusCode::OK,
        &ListTpl {
            t,
            chrome: &page.chrome,
            departments: options,
            statuses,
            overdue,
            lines: cases
                .iter()
                .map(|c| CaseLine::new(c, page.lang, &names, now))
                .collect(),
        },
    ))
}

struct HistoryLine {
    at: String,
    actor: String,
    action: String,
    change: String,
    note: String,
}

struct ContactLine {
    role: String,
    channel: String,
    at: String,
    text: String,
}

struct ExtensionLine {
    action: String,
    level: i64,
    reason: String,
    status: String,
    requested_by: String,
    new_due: String,
    pending: bool,
}

struct ComplaintLines {
    received: String,
    channel: String,
    complexity: String,
    extensions: String,
    subject_staff: String,
    subject_branch: String,
    root_causes: String,
    merged_into: Option<String>,
    answered: String,
    appraisal_running: bool,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CaseTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    csrf: &'a str,
    id: String,
    base: String,
    type_name: String,
    status: String,
    department: String,
    assignee: String,
    customer_id: String,
    customer_url: String,
    summary: String,
    opened: String,
    opened_by: String,
    sla: String,
    due: String,
    overdue: bool,
    paused: bool,
    fields: Vec<(String, String)>,
    complaint: Option<ComplaintLines>,
    can_work: bool,
    can_approve: bool,
    version: i64,
    next: Vec<Opt>,
    departments: Vec<Opt>,
    history: Vec<HistoryLine>,
    contacts: Vec<ContactLine>,
    extensions: Vec<ExtensionLine>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct CaseQuery {
    saved: Option<String>,
}

/// The case page: what it is, where it stands, what happened, and the next moves for
/// those who work it.
pub async fn page(
    State(state): State<AppState>,
    desk: Desk,
    prefs: LangPrefs,
    Path(id): Path<String>,
    Query(q): Query<CaseQuery>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let user = desk.user();
    let loaded = async {
        let d = state.store.case_detail(&Actor::from(user), &id).await?;
        let departments = state.store.departments().await?;
        Ok::<_, StoreError>((d, departments))
    };
    let (d, departments) = match loaded.await {
        Ok(l) => l,
        Err(e) => return Err(refused(&page, e, "/cases".into())),
    };
    let lang = page.lang;
    let t = page.t;
    let c = &d.case;
    let now = bankdesk_store::now_ms();
    let time = |ms: i64| bank_time(&rfc3339(ms, None));
    let complaint = c.complaint.as_ref().map(|p| ComplaintLines {
        received: time(p.received_at_ms),
        channel: lang.complaint_channel(p.channel.as_str()),
        complexity: lang.complexity(p.complexity.as_str()),
        extensions: lang.extensions(i64::from(p.extension_level.0)),
        subject_staff: p.subject_staff.clone().unwrap_or_default(),
        subject_branch: p.subject_branch.clone().unwrap_or_default(),
        root_causes: p
            .root_causes
            .iter()
            .map(|r| lang.root_cause(r.as_str()))
            .collect::<Vec<_>>()
            .join("、"),
        merged_into: p.merged_into.clone(),
        answered: p.answered_at_ms.map(time).unwrap_or_default(),
        appraisal_running: d
            .pauses
            .iter()
            .any(|x| x.kind == "external_appraisal" && x.to_ms.is_none()),
    });
    let fields = c
        .fields
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                    (k.clone(), v)
                })
                .collect()
        })
        .unwrap_or_default();
    let base = case_url(&c.id);
    let tpl = CaseTpl {
        t,
        chrome: &page.chrome,
        csrf: &desk.session.csrf_token,
        id: c.id.clone(),
        type_name: d.type_name.clone(),
        status: lang.case_status(c.status.as_str()),
        department: c.department.clone().unwrap_or_default(),
        assignee: c
            .assignee
            .clone()
            .unwrap_or_else(|| t.case_unassigned.to_string()),
        customer_url: format!(
            "/customers/{}?purpose={}",
            url_encode(&c.customer_id),
            url_encode(&format!("case:{}", c.id))
        ),
        customer_id: c.customer_id.clone(),
        summary: c.summary.clone(),
        opened: time(c.opened_at_ms),
        opened_by: c.created_by.clone().unwrap_or_default(),
        sla: lang.sla(c.sla.days, c.sla.basis.as_str()),
        due: c
            .due_at_ms
            .map(|d| bank_day(&rfc3339(d, None)))
            .unwrap_or_default(),
        overdue: c.overdue(now),
        paused: c.status.is_open() && c.due_at_ms.is_none(),
        fields,
        complaint,
        can_work: d.access == CaseAccess::Work,
        can_approve: oversees(&user.roles),
        version: c.version,
        next: c
            .status
            .next()
            .into_iter()
            .map(|s| Opt {
                value: s.as_str().to_string(),
                label: lang.case_status(s.as_str()),
                selected: false,
            })
            .collect(),
        departments: departments
            .into_iter()
            .map(|x| Opt {
                selected: c.department.as_deref() == Some(x.code.as_str()),
                label: x.name,
                value: x.code,
            })
            .collect(),
        history: d
            .history
            .iter()
            .map(|h| HistoryLine {
                at: time(h.at_ms),
                actor: h.actor.clone().unwrap_or_else(|| "system".into()),
                action: lang.case_action(&h.action),
                change: match (&h.from_value, &h.to_value, h.action.as_str()) {
                    (Some(f), Some(to), "transition") => {
                        format!("{} → {}", lang.case_status(f), lang.case_status(to))
                    }
                    (Some(f), Some(to), _) => format!("{f} → {to}"),
                    (None, Some(to), "transition" | "created") => lang.case_status(to),
                    (None, Some(to), _) => to.clone(),
                    _ => String::new(),
                },
                note: h.note.clone().unwrap_or_default(),
            })
            .collect(),
        contacts: d
            .contacts
            .iter()
            .map(|x| ContactLine {
                role: lang.link_role(&x.role),
                channel: format!(
                    "{} · {}",
                    lang.contact_channel(&x.channel),
                    lang.direction(&x.direction)
                ),
                at: time(x.linked_at_ms),
                text: x.summary.clone().unwrap_or_default(),
            })
            .collect(),
        extensions: d
            .extensions
            .iter()
            .map(|e| ExtensionLine {
                action: format!("{base}/extensions/{}/approve", url_encode(&e.id)),
                level: e.level,
                reason: e.reason.clone(),
                status: e.status.clone(),
                requested_by: e.requested_by.clone(),
                new_due: e
                    .new_due_at_ms
                    .map(|d| bank_day(&rfc3339(d, None)))
                    .unwrap_or_default(),
                pending: e.status == "pending_approval",
            })
            .collect(),
        notice: id_shaped(q.saved).map(|_| t.case_saved.to_string()),
        base,
    };
    Ok(page.html(StatusCode::OK, &tpl))
}

fn saved(id: &str) -> Response {
    Redirect::to(&format!("{}?saved=1", case_url(id))).into_response()
}

/// What every form that changes a case does around its store call (the CSRF check is
/// done by [`CsrfForm`]): run `change` as the desk's user, then show the case again, or
/// why the change was refused.
async fn change_case<R: RoleSet, T>(
    state: &AppState,
    desk: &Desk<R>,
    prefs: &LangPrefs,
    id: &str,
    change: impl AsyncFnOnce(&Store, &Actor<'_>) -> Result<T, StoreError>,
) -> Result<Response, PageError> {
    let page = Page::user(state, prefs, desk).await;
    match change(&state.store, &Actor::from(desk.user())).await {
        Ok(_) => Ok(saved(id)),
        Err(e) => Err(refused(&page, e, case_url(id))),
    }
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    reply: String,
    version: Option<i64>,
}

/// Moves the case; resolving sends the answer in `reply` to the customer.
pub async fn move_case(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
    CsrfForm { desk, form: f }: CsrfForm<CaseStaff, MoveForm>,
) -> Result<Response, PageError> {
    let reply = Some(f.reply.trim())
        .filter(|r| !r.is_empty())
        .map(|text| Reply {
            text: text.to_string(),
            channel: ContactChannel::Outbound,
        });
    change_case(&state, &desk, &prefs, &id, async |store, who| {
        let to = CaseStatus::parse(&f.to).ok_or_else(|| StoreError::Refused {
            code: ErrorCode::IllegalTransition,
            message: format!("no status {}", f.to),
        })?;
        store
            .transition_case(who, &id, to, &f.note, f.version, reply.as_ref())
            .await
    })
    .await
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    department: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    note: String,
    version: Option<i64>,
}

pub async fn assign(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
    CsrfForm { desk, form: f }: CsrfForm<CaseStaff, AssignForm>,
) -> Result<Response, PageError> {
    let given = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let (department, assignee) = (given(&f.department), given(&f.assignee));
    change_case(&state, &desk, &prefs, &id, async |store, who| {
        store
            .assign_case(
                who,
                &id,
                department.as_deref(),
                assignee.as_deref(),
                &f.note,
                f.version,
            )
            .await
    })
    .await
}

#[derive(Deserialize)]
pub struct TextForm {
    #[serde(default)]
    text: String,
}

pub async fn add_note(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
    CsrfForm { desk, form: f }: CsrfForm<CaseStaff, TextForm>,
) -> Result<Response, PageError> {
    change_case(&state, &desk, &prefs, &id, async |store, who| {
        store.add_case_note(who, &id, &f.text).await
    })
    .await
}

pub async fn request_extension(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
    CsrfForm { desk, form: f }: CsrfForm<CaseStaff, TextForm>,
) -> Result<Response, PageError> {
    change_case(&state, &desk, &prefs, &id, async |store, who| {
        store.request_extension(who, &id, &f.text).await
    })
    .await
}

#[derive(Deserialize)]
pub struct ApproveForm {
    #[serde(default)]
    approval_ref: String,
}

/// A superior signs an extension off: the deadline moves and the complainant is told.
pub async fn approve_extension(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path((id, eid)): Path<(String, String)>,
    CsrfForm { desk, form: f }: CsrfForm<Oversight, ApproveForm>,
) -> Result<Response, PageError> {
    let reference = Some(f.approval_ref.trim()).filter(|r| !r.is_empty());
    change_case(&state, &desk, &prefs, &id, async |store, who| {
        store
            .decide_extension(who, &id, &eid, Decision::Approve, reference)
            .await
    })
    .await
}

#[derive(Deserialize)]
pub struct AppraisalForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
}

pub async fn appraisal(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
    CsrfForm { desk, form: f }: CsrfForm<CaseStaff, AppraisalForm>,
) -> Result<Response, PageError> {
    change_case(&state, &desk, &prefs, &id, async |store, who| {
        store
            .complaint_appraisal(who, &id, f.action == "start", &f.note, None)
            .await
    })
    .await
}
