//! User administration for administrators: who may log in, with which roles, in which
//! department. Validation is shared with the API ([`validate_new_user`]), so both doors agree.
//! Granting a privileged role waits for a second person (the store decides which), who
//! decides on `/role-requests`: a second administrator or a compliance officer.

use crate::auth::{Admin, Desk, RoleDecider};
use crate::error::ApiError;
use crate::pages::format::bank_time;
use crate::pages::i18n::{Lang, Messages};
use crate::pages::{Chrome, CsrfForm, LangPrefs, OrPage, Page, PageError, id_shaped, url_encode};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bankdesk_desk::users::{RoleRequestView, hash_password, validate_new_user};
use bankdesk_domain::ErrorCode;
use bankdesk_domain::duty::RoleRequestStatus;
use bankdesk_domain::role::Role;
use bankdesk_store::StoreError;
use bankdesk_store::users::{NewUser, UserChange};
use serde::Deserialize;

/// Longest department name accepted from the form.
const MAX_DEPARTMENT: usize = 50;

struct RoleBox {
    code: &'static str,
    label: &'static str,
    checked: bool,
}

fn role_boxes(lang: Lang, checked: &[Role]) -> Vec<RoleBox> {
    Role::ALL
        .into_iter()
        .map(|r| RoleBox {
            code: r.as_str(),
            label: lang.role(r),
            checked: checked.contains(&r),
        })
        .collect()
}

struct UserLine {
    username: String,
    display_name: String,
    department: String,
    active: bool,
    roles: Vec<RoleBox>,
    form_id: String,
    action: String,
    is_self: bool,
    /// A role request for the account waits for a decision.
    pending: bool,
}

/// A role request as the pages list it.
struct RequestLine {
    id: String,
    username: String,
    kind: String,
    roles_from: String,
    roles_to: String,
    status: String,
    requested_by: String,
    requested_at: String,
    decided_by: String,
    approve_action: String,
    reject_action: String,
}

impl RequestLine {
    fn new(r: RoleRequestView, lang: Lang) -> RequestLine {
        RequestLine {
            kind: lang.role_request_kind(r.kind.as_str()),
            roles_from: lang.roles(&r.roles_from),
            roles_to: lang.roles(&r.roles_to),
            status: lang.role_request_status(r.status.as_str()),
            requested_at: bank_time(&r.requested_at),
            decided_by: r.decided_by.unwrap_or_default(),
            approve_action: format!("/role-requests/{}/approve", url_encode(&r.id)),
            reject_action: format!("/role-requests/{}/reject", url_encode(&r.id)),
            id: r.id,
            username: r.username,
            requested_by: r.requested_by,
        }
    }
}

/// The create form's values, kept when it must be shown again (never the password).
struct Draft {
    username: String,
    display_name: String,
    department: String,
    roles: Vec<RoleBox>,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct AdminTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    csrf: &'a str,
    users: Vec<UserLine>,
    pending: Vec<RequestLine>,
    draft: Draft,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct AdminQuery {
    created: Option<String>,
    saved: Option<String>,
    requested: Option<String>,
}

/// How many role requests a page lists.
const REQUESTS: u32 = 200;

/// The form fields, as pairs: role checkboxes repeat one name, which a struct cannot take.
type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// The checked roles; an unknown role name is a tampered form and refused as a whole.
fn checked_roles(fields: &Fields) -> Option<Vec<Role>> {
    let mut roles = Vec::new();
    for (_, v) in fields.iter().filter(|(k, _)| k == "role") {
        let r = Role::parse(v)?;
        if !roles.contains(&r) {
            roles.push(r);
        }
    }
    Some(roles)
}

/// `None` for an empty department; `Err` when longer than the limit.
fn department(fields: &Fields) -> Result<Option<String>, ()> {
    let d = field(fields, "department").trim();
    if d.chars().count() > MAX_DEPARTMENT {
        Err(())
    } else {
        Ok((!d.is_empty()).then(|| d.to_string()))
    }
}

/// Names shown in notices are usernames; anything else in the query is ignored.
fn username_shaped(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
}

/// The validation error of [`validate_new_user`] in the page's language, by its field.
fn validation_text(t: &Messages, e: &ApiError) -> String {
    match e.message.split_once(':').map(|(f, _)| f) {
        Some("username") => t.err_username.to_string(),
        Some("display_name") => t.err_display_name.to_string(),
        Some("password") => t.err_password.to_string(),
        Some("roles") => t.err_roles.to_string(),
        _ => e.message.clone(),
    }
}

async fn render(
    state: &AppState,
    page: &Page,
    desk: &Desk<Admin>,
    status: StatusCode,
    draft: Draft,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let users = state.store.users().await.or_page(page, None)?;
    let pending = state
        .store
        .role_requests(Some(RoleRequestStatus::Pending), REQUESTS)
        .await
        .or_page(page, None)?;
    let users = users
        .into_iter()
        .map(|u| UserLine {
            form_id: format!("user-{}", u.id),
            action: format!("/admin/users/{}", url_encode(&u.id)),
            is_self: u.id == desk.user().id,
            pending: pending.iter().any(|r| r.user_id == u.id),
            roles: role_boxes(page.lang, &u.roles),
            username: u.username,
            display_name: u.display_name,
            department: u.department.unwrap_or_default(),
            active: u.active,
        })
        .collect();
    Ok(page.html(
        status,
        &AdminTpl {
            t: page.t,
            chrome: &page.chrome,
            csrf: &desk.session.csrf_token,
            users,
            pending: pending
                .into_iter()
                .map(|r| RequestLine::new(r.into(), page.lang))
                .collect(),
            draft,
            error,
            notice,
        },
    ))
}

fn empty_draft(lang: Lang) -> Draft {
    Draft {
        username: String::new(),
        display_name: String::new(),
        department: String::new(),
        roles: role_boxes(lang, &[Role::Agent]),
    }
}

pub async fn list(
    State(state): State<AppState>,
    desk: Desk<Admin>,
    prefs: LangPrefs,
    Query(q): Query<AdminQuery>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let notice = match (q.created, q.saved, q.requested) {
        (Some(u), _, _) if username_shaped(&u) => Some(format!("{}{u}", page.t.user_created)),
        (_, Some(u), _) if username_shaped(&u) => Some(format!("{}{u}", page.t.user_saved)),
        (_, _, Some(u)) if username_shaped(&u) => {
            Some(format!("{}{u}", page.t.user_role_requested))
        }
        _ => None,
    };
    let draft = empty_draft(page.lang);
    render(&state, &page, &desk, StatusCode::OK, draft, None, notice).await
}

pub async fn create(
    State(state): State<AppState>,
    prefs: LangPrefs,
    CsrfForm { desk, form: fields }: CsrfForm<Admin, Fields>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let username = field(&fields, "username").trim();
    let display_name = field(&fields, "display_name").trim();
    let password = field(&fields, "password");
    let roles = checked_roles(&fields);
    let dept = department(&fields);
    let draft = Draft {
        username: username.to_string(),
        display_name: display_name.to_string(),
        department: field(&fields, "department").trim().to_string(),
        roles: role_boxes(page.lang, roles.as_deref().unwrap_or(&[])),
    };
    let checked = match (roles, dept) {
        (Some(roles), Ok(dept)) => validate_new_user(username, display_name, password, &roles)
            .map(|()| (roles, dept))
            .map_err(|e| validation_text(page.t, &e.into())),
        (None, _) => Err(page.t.err_roles.to_string()),
        (_, Err(())) => Err(page.t.err_department.to_string()),
    };
    let (roles, dept) = match checked {
        Ok(ok) => ok,
        Err(error) => {
            let status = StatusCode::BAD_REQUEST;
            return render(&state, &page, &desk, status, draft, Some(error), None).await;
        }
    };
    let hash = hash_password(password).or_page(&page, Some("/admin/users"))?;
    let created = state
        .store
        .create_account(
            &desk.actor(),
            &NewUser {
                username,
                display_name,
                password_hash: &hash,
                roles: &roles,
                department: dept.as_deref(),
            },
        )
        .await;
    let refused = match created {
        Ok(change) => return Ok(saved(change, "created")),
        Err(StoreError::Conflict(_)) => (StatusCode::CONFLICT, page.t.err_username_taken),
        Err(e) => match refusal_text(page.t, &e) {
            Some(refused) => refused,
            None => return Err(PageError::new(&page, e, Some("/admin/users".into()))),
        },
    };
    let (status, error) = (refused.0, Some(refused.1.to_string()));
    render(&state, &page, &desk, status, draft, error, None).await
}

/// Back to the list, saying what happened: done (`created` or `saved`) or waiting for a
/// second person.
fn saved(change: UserChange, done: &str) -> Response {
    let url = match change {
        UserChange::Applied(u) => format!("/admin/users?{done}={}", url_encode(&u.username)),
        UserChange::Pending { user, .. } => {
            format!("/admin/users?requested={}", url_encode(&user.username))
        }
    };
    Redirect::to(&url).into_response()
}

/// The separation-of-duties refusals in the page's words, with their status.
fn refusal_text(t: &'static Messages, e: &StoreError) -> Option<(StatusCode, &'static str)> {
    let StoreError::Refused { code, .. } = e else {
        return None;
    };
    let text = match code {
        ErrorCode::ConflictOfInterest => t.err_own_roles,
        ErrorCode::SeparationOfDuties => t.err_separation,
        _ => return None,
    };
    Some((StatusCode::from_u16(code.status()).ok()?, text))
}

pub async fn update(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
    CsrfForm { desk, form: fields }: CsrfForm<Admin, Fields>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let active = field(&fields, "active") == "on";
    let checked = match (checked_roles(&fields), department(&fields)) {
        (Some(roles), Ok(dept)) if !roles.is_empty() => {
            // An administrator who locks themselves out leaves nobody to undo it; their
            // own roles the store refuses to change.
            if id == desk.user().id && !active {
                Err(page.t.err_self_admin)
            } else {
                Ok((roles, dept))
            }
        }
        (_, Err(())) => Err(page.t.err_department),
        _ => Err(page.t.err_roles),
    };
    let (roles, dept) = match checked {
        Ok(ok) => ok,
        Err(error) => {
            let (status, draft) = (StatusCode::BAD_REQUEST, empty_draft(page.lang));
            let error = Some(error.to_string());
            return render(&state, &page, &desk, status, draft, error, None).await;
        }
    };
    let refused = match state
        .store
        .update_user(&desk.actor(), &id, &roles, dept.as_deref(), active)
        .await
    {
        Ok(change) => return Ok(saved(change, "saved")),
        Err(StoreError::Conflict(_)) => (StatusCode::CONFLICT, page.t.err_role_pending),
        Err(e) => match refusal_text(page.t, &e) {
            Some(refused) => refused,
            None => return Err(PageError::new(&page, e, Some("/admin/users".into()))),
        },
    };
    let (status, draft) = (refused.0, empty_draft(page.lang));
    let error = Some(refused.1.to_string());
    render(&state, &page, &desk, status, draft, error, None).await
}

#[derive(Template)]
#[template(path = "role_requests.html")]
struct RequestsTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    csrf: &'a str,
    pending: Vec<RequestLine>,
    recent: Vec<RequestLine>,
    error: Option<&'static str>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct RequestsQuery {
    approved: Option<String>,
    rejected: Option<String>,
}

/// The role requests waiting for a decision (oldest first) and the latest ones, for a
/// second administrator or a compliance officer.
pub async fn role_requests(
    State(state): State<AppState>,
    desk: Desk<RoleDecider>,
    prefs: LangPrefs,
    Query(q): Query<RequestsQuery>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let t = page.t;
    let notice = match (id_shaped(q.approved), id_shaped(q.rejected)) {
        (Some(id), _) => Some(format!("{}{id}", t.role_request_approved)),
        (_, Some(id)) => Some(format!("{}{id}", t.role_request_rejected)),
        _ => None,
    };
    render_requests(&state, &page, &desk, StatusCode::OK, None, notice).await
}

async fn render_requests(
    state: &AppState,
    page: &Page,
    desk: &Desk<RoleDecider>,
    status: StatusCode,
    error: Option<&'static str>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let loaded = async {
        let pending = state
            .store
            .role_requests(Some(RoleRequestStatus::Pending), REQUESTS)
            .await?;
        let recent = state.store.role_requests(None, 50).await?;
        Ok::<_, StoreError>((pending, recent))
    };
    let (pending, recent) = loaded.await.or_page(page, None)?;
    let line =
        |r: bankdesk_store::role_requests::RoleRequest| RequestLine::new(r.into(), page.lang);
    Ok(page.html(
        status,
        &RequestsTpl {
            t: page.t,
            chrome: &page.chrome,
            csrf: &desk.session.csrf_token,
            pending: pending.into_iter().map(line).collect(),
            recent: recent
                .into_iter()
                .filter(|r| r.status != RoleRequestStatus::Pending)
                .map(line)
                .collect(),
            error,
            notice,
        },
    ))
}

/// Whether the decision approves or rejects.
#[derive(Clone, Copy)]
enum Decision {
    Approve,
    Reject,
}

pub async fn approve_role_request(
    state: State<AppState>,
    prefs: LangPrefs,
    id: Path<String>,
    form: CsrfForm<RoleDecider>,
) -> Result<Response, PageError> {
    decide(state, prefs, id, form, Decision::Approve).await
}

pub async fn reject_role_request(
    state: State<AppState>,
    prefs: LangPrefs,
    id: Path<String>,
    form: CsrfForm<RoleDecider>,
) -> Result<Response, PageError> {
    decide(state, prefs, id, form, Decision::Reject).await
}

/// The second person's decision; a refusal (their own request, their own account,
/// already decided, roles that may not go together) is shown on the list in words.
async fn decide(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
    CsrfForm { desk, .. }: CsrfForm<RoleDecider>,
    decision: Decision,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let t = page.t;
    let actor = desk.actor();
    let decided = match decision {
        Decision::Approve => state.store.approve_role_request(&actor, &id).await,
        Decision::Reject => state.store.reject_role_request(&actor, &id).await,
    };
    let done = match decision {
        Decision::Approve => "approved",
        Decision::Reject => "rejected",
    };
    match decided {
        Ok(r) => Ok(
            Redirect::to(&format!("/role-requests?{done}={}", url_encode(&r.id))).into_response(),
        ),
        Err(StoreError::Refused { code, .. }) => {
            let text = match code {
                ErrorCode::SamePerson => t.err_same_person_role,
                ErrorCode::ConflictOfInterest => t.err_own_account_role,
                ErrorCode::SeparationOfDuties => t.err_separation,
                ErrorCode::Conflict => t.err_role_request_stale,
                _ => t.err_role_request_forbidden,
            };
            let status = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::FORBIDDEN);
            render_requests(&state, &page, &desk, status, Some(text), None).await
        }
        Err(e) => Err(PageError::new(&page, e, Some("/role-requests".into()))),
    }
}
