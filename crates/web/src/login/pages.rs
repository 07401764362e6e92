//! Logging in and out of the desktop. The login form has no session yet, so its CSRF
//! token is a double-submit cookie: a random value in an HttpOnly, SameSite=Strict cookie
//! that the form must echo.

use crate::auth::{SESSION_COOKIE, cookie, login as check_login, random_token, token_hash};
use crate::pages::{Chrome, CsrfForm, LangPrefs, OrPage, Page, PageError, add_cookie};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use bankdesk_domain::ErrorCode;
use bankdesk_store::users::SessionKind;
use serde::Deserialize;

use crate::pages::i18n::Messages;

/// The pre-session CSRF cookie of the login form.
const LOGIN_CSRF_COOKIE: &str = "bankdesk_login_csrf";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    csrf: &'a str,
    next: &'a str,
    username: &'a str,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

/// Only a path on this site may follow login; anything else (`//evil`, `https://...`,
/// `/\evil`) would make the login page an open redirect.
fn safe_next(next: &str) -> &str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
        && !next.starts_with("/login")
        && next.len() <= 1000;
    if ok { next } else { "/" }
}

/// The token already in the browser's cookie, or a new one that must be set.
fn login_token(headers: &HeaderMap) -> (String, bool) {
    match cookie(headers, LOGIN_CSRF_COOKIE) {
        Some(t) if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) => {
            (t.to_string(), false)
        }
        _ => (random_token(), true),
    }
}

/// The login form, with `status` and an error when a try failed.
fn login_page(
    page: &Page,
    status: StatusCode,
    headers: &HeaderMap,
    next: &str,
    username: &str,
    error: Option<&'static str>,
) -> Response {
    let (csrf, fresh) = login_token(headers);
    let mut res = page.html(
        status,
        &LoginTpl {
            t: page.t,
            chrome: &page.chrome,
            csrf: &csrf,
            next,
            username,
            error,
        },
    );
    if fresh {
        add_cookie(&mut res, page.secure, LOGIN_CSRF_COOKIE, &csrf, None);
    }
    res
}

pub async fn form(
    State(state): State<AppState>,
    prefs: LangPrefs,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    let next = safe_next(q.next.as_deref().unwrap_or("/"));
    if let Some(token) = cookie(&headers, SESSION_COOKIE)
        && let Ok(Some(_)) = state
            .store
            .session(&token_hash(token), bankdesk_store::now_ms())
            .await
    {
        return Redirect::to(next).into_response();
    }
    let page = Page::anonymous(&state, &prefs);
    login_page(&page, StatusCode::OK, &headers, next, "", None)
}

pub async fn submit(
    State(state): State<AppState>,
    prefs: LangPrefs,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let page = Page::anonymous(&state, &prefs);
    let next = safe_next(&f.next);
    let username = f.username.trim();
    // Comparing digests keeps the comparison's timing independent of the secret.
    let token_matches = cookie(&headers, LOGIN_CSRF_COOKIE)
        .is_some_and(|c| !f.csrf.is_empty() && token_hash(c) == token_hash(&f.csrf));
    if !token_matches {
        let err = Some(page.t.err_login_expired);
        return Ok(login_page(
            &page,
            StatusCode::FORBIDDEN,
            &headers,
            next,
            username,
            err,
        ));
    }
    match check_login(&state, username, &f.password, SessionKind::Desktop).await {
        Ok((token, _)) => {
            let mut res = Redirect::to(next).into_response();
            let max_age = state.config.session_minutes * 60;
            add_cookie(&mut res, page.secure, SESSION_COOKIE, &token, Some(max_age));
            add_cookie(&mut res, page.secure, LOGIN_CSRF_COOKIE, "", Some(0));
            Ok(res)
        }
        Err(e) => {
            let error = match e.code {
                ErrorCode::BadCredentials => page.t.err_bad_credentials,
                ErrorCode::AccountLocked => page.t.err_locked,
                _ => return Err(PageError::new(&page, e, None)),
            };
            let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::FORBIDDEN);
            Ok(login_page(
                &page,
                status,
                &headers,
                next,
                username,
                Some(error),
            ))
        }
    }
}

pub async fn logout(
    State(state): State<AppState>,
    prefs: LangPrefs,
    CsrfForm { desk, .. }: CsrfForm,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    state
        .store
        .delete_session(&desk.token_hash, &desk.user().username)
        .await
        .or_page(&page, None)?;
    let mut res = Redirect::to("/login").into_response();
    add_cookie(
        &mut res,
        state.config.secure_cookies,
        SESSION_COOKIE,
        "",
        Some(0),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_follow_login() {
        assert_eq!(
            safe_next("/customers/c1?purpose=contact:ct_1"),
            "/customers/c1?purpose=contact:ct_1"
        );
        assert_eq!(safe_next("//evil.example/"), "/");
        assert_eq!(safe_next("https://evil.example/"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next("/login?next=/x"), "/");
        assert_eq!(safe_next(""), "/");
    }
}
