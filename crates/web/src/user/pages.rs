//! User administration for administrators: who may log in, with which roles, in which
//! department. Validation is shared with the API ([`validate_new_user`]), so both doors agree.

use crate::auth::{Admin, Desk};
use crate::error::ApiError;
use crate::pages::i18n::{Lang, Messages};
use crate::pages::{Chrome, CsrfForm, LangPrefs, OrPage, Page, PageError, url_encode};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bankdesk_desk::users::hash_password;
use bankdesk_desk::users::validate_new_user;
use bankdesk_domain::role::Role;
use bankdesk_store::StoreError;
use bankdesk_store::users::NewUser;
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
    draft: Draft,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct AdminQuery {
    created: Option<String>,
    saved: Option<String>,
}

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
    let users = users
        .into_iter()
        .map(|u| UserLine {
            form_id: format!("user-{}", u.id),
            action: format!("/admin/users/{}", url_encode(&u.id)),
            is_self: u.id == desk.user().id,
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
    let notice = match (q.created, q.saved) {
        (Some(u), _) if username_shaped(&u) => Some(format!("{}{u}", page.t.user_created)),
        (_, Some(u)) if username_shaped(&u) => Some(format!("{}{u}", page.t.user_saved)),
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
        .create_user(
            &desk.user().username,
            &NewUser {
                username,
                display_name,
                password_hash: &hash,
                roles: &roles,
                department: dept.as_deref(),
            },
        )
        .await;
    match created {
        Ok(u) => Ok(
            Redirect::to(&format!("/admin/users?created={}", url_encode(&u.username)))
                .into_response(),
        ),
        Err(StoreError::Conflict(_)) => {
            let error = Some(page.t.err_username_taken.to_string());
            render(
                &state,
                &page,
                &desk,
                StatusCode::CONFLICT,
                draft,
                error,
                None,
            )
            .await
        }
        Err(e) => Err(PageError::new(&page, e, Some("/admin/users".into()))),
    }
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
            // An administrator who locks themselves out leaves nobody to undo it.
            if id == desk.user().id && (!active || !roles.contains(&Role::Admin)) {
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
    match state
        .store
        .update_user(&desk.user().username, &id, &roles, dept.as_deref(), active)
        .await
    {
        Ok(u) => Ok(
            Redirect::to(&format!("/admin/users?saved={}", url_encode(&u.username)))
                .into_response(),
        ),
        Err(e) => Err(PageError::new(&page, e, Some("/admin/users".into()))),
    }
}
