//! The agent desktop: server-rendered pages (askama templates, HTML-escaped by default)
//! over the same store calls and masked views as the JSON API.
//!
//! Every page is in the language [`LangPrefs::pick`] chooses (zh-CN unless someone asked
//! for English); every POST form carries a CSRF token that [`CsrfForm`] checks before its
//! handler runs; a handler's failure is a [`PageError`]; cookies are HttpOnly and
//! SameSite=Strict.

pub(crate) mod error;
pub(crate) mod form;
pub(crate) mod format;
pub(crate) mod i18n;
#[cfg(test)]
mod privacy_tests;
pub mod routes;
#[cfg(test)]
pub(crate) mod tests;

use crate::auth::{Desk, DeskRejection, RoleSet};
use crate::state::AppState;
pub(crate) use crate::view::url_encode;
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use bankdesk_domain::role::Role;
use bankdesk_store::StoreError;
pub(crate) use error::{OrPage, PageError};
pub(crate) use form::{CsrfForm, NoFields};
use i18n::{Lang, Messages};
use std::collections::HashMap;
use std::convert::Infallible;

/// Two-language refusal for a role check. The role extractor rejects before any handler
/// runs, so the page cannot know the user's language and says it in both.
#[derive(Template)]
#[template(path = "forbidden.html")]
struct ForbiddenTpl;

impl IntoResponse for DeskRejection {
    fn into_response(self) -> Response {
        match self {
            DeskRejection::Login(next) => {
                Redirect::to(&format!("/login?next={}", url_encode(&next))).into_response()
            }
            DeskRejection::Forbidden => html(StatusCode::FORBIDDEN, &ForbiddenTpl),
            DeskRejection::Error(e) => e.into_response(),
        }
    }
}

/// Remembers an explicit `?lang=` choice for pages before login.
const LANG_COOKIE: &str = "bankdesk_lang";

/// How long the language choice is remembered (a year).
const LANG_COOKIE_SECONDS: i64 = 365 * 24 * 3600;

/// The language wishes a request carries, in the order [`LangPrefs::pick`] honours them.
pub(crate) struct LangPrefs {
    /// `?lang=en|zh`: an explicit choice, remembered in a cookie and on the user.
    chosen: Option<Lang>,
    cookie: Option<Lang>,
    accept: Option<Lang>,
    /// This page's address without `lang`, when it can be reloaded with GET.
    here: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for LangPrefs {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let query = parts.uri.query().unwrap_or("");
        let get = parts.method == Method::GET;
        // Only a page view chooses a language: a POST changes nothing but what its form
        // is for, and only after its CSRF check.
        let chosen = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("lang="))
            .and_then(Lang::parse)
            .filter(|_| get);
        let accept = parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(Lang::from_accept_language);
        let here = get.then(|| {
            let rest: Vec<&str> = query
                .split('&')
                .filter(|kv| !kv.is_empty() && !kv.starts_with("lang="))
                .collect();
            if rest.is_empty() {
                parts.uri.path().to_string()
            } else {
                format!("{}?{}", parts.uri.path(), rest.join("&"))
            }
        });
        Ok(LangPrefs {
            chosen,
            cookie: crate::auth::cookie(&parts.headers, LANG_COOKIE).and_then(Lang::parse),
            accept,
            here,
        })
    }
}

impl LangPrefs {
    /// An explicit `?lang=` first, then the user's stored language, then the cookie of an
    /// earlier choice, then the browser's `Accept-Language`, then zh-CN.
    fn pick(&self, stored: Option<&str>) -> Lang {
        self.chosen
            .or(stored.and_then(Lang::parse))
            .or(self.cookie)
            .or(self.accept)
            .unwrap_or(Lang::Zh)
    }

    /// Where the language link points: this page again, or the start page when this
    /// response answered a POST (a form cannot be replayed by a link).
    fn switch_url(&self, to: Lang, logged_in: bool) -> String {
        let base = match &self.here {
            Some(h) => h.clone(),
            None if logged_in => "/".to_string(),
            None => "/login".to_string(),
        };
        let sep = if base.contains('?') { '&' } else { '?' };
        format!("{base}{sep}lang={}", to.code())
    }
}

/// The nav bar of a logged-in page: links only to the pages the user's roles open.
#[derive(Clone)]
pub(crate) struct Nav {
    pub(crate) display_name: String,
    pub(crate) is_admin: bool,
    pub(crate) is_compliance: bool,
    /// Approvers, and the staff who may request an export on a customer's behalf.
    pub(crate) shows_exports: bool,
    /// Supervisors and compliance: the complaint register and the crisis board.
    pub(crate) oversees: bool,
    /// Staff who serve customers: the workspace (chats, screen pops).
    pub(crate) serves: bool,
    /// Staff who answer email and WeChat: the inbox.
    pub(crate) answers_messages: bool,
    /// Supervisors: the live view of queues and agents.
    pub(crate) supervises: bool,
    pub(crate) csrf: String,
}

/// What the layout (`base.html`) needs on every page.
#[derive(Clone)]
pub(crate) struct Chrome {
    pub(crate) lang_tag: &'static str,
    pub(crate) nav: Option<Nav>,
    pub(crate) switch_url: String,
}

/// A page being answered: its language, its layout, and whether to remember a language
/// the request chose.
#[derive(Clone)]
pub(crate) struct Page {
    pub(crate) lang: Lang,
    pub(crate) t: &'static Messages,
    pub(crate) chrome: Chrome,
    pub(crate) remember: Option<Lang>,
    pub(crate) secure: bool,
}

impl Page {
    /// A page for a logged-in user. A `?lang=` choice is also stored on the user, so it
    /// follows them to other workstations; failing to store it only costs the preference.
    pub(crate) async fn user<R: RoleSet>(
        state: &AppState,
        prefs: &LangPrefs,
        desk: &Desk<R>,
    ) -> Page {
        let user = desk.user();
        if let Some(chosen) = prefs.chosen
            && user.language.as_deref().and_then(Lang::parse) != Some(chosen)
            && let Err(e) = state.store.set_language(&user.id, chosen.code()).await
        {
            tracing::warn!(error = %e, "could not store the language choice");
        }
        let lang = prefs.pick(user.language.as_deref());
        Page {
            lang,
            t: lang.messages(),
            chrome: Chrome {
                lang_tag: lang.tag(),
                nav: Some(Nav {
                    display_name: user.display_name.clone(),
                    is_admin: user.roles.contains(&Role::Admin),
                    is_compliance: user.roles.contains(&Role::Compliance),
                    shows_exports: approves_exports(&user.roles) || handles_contacts(&user.roles),
                    serves: handles_contacts(&user.roles),
                    answers_messages: user.roles.iter().any(|r| r.handles_messages()),
                    oversees: user
                        .roles
                        .iter()
                        .any(|r| crate::auth::Oversight::ALLOWED.contains(r)),
                    supervises: user
                        .roles
                        .iter()
                        .any(|r| crate::auth::Supervision::ALLOWED.contains(r)),
                    csrf: desk.session.csrf_token.clone(),
                }),
                switch_url: prefs.switch_url(lang.other(), true),
            },
            remember: prefs.chosen,
            secure: state.config.secure_cookies,
        }
    }

    /// A page before login.
    pub(crate) fn anonymous(state: &AppState, prefs: &LangPrefs) -> Page {
        let lang = prefs.pick(None);
        Page {
            lang,
            t: lang.messages(),
            chrome: Chrome {
                lang_tag: lang.tag(),
                nav: None,
                switch_url: prefs.switch_url(lang.other(), false),
            },
            remember: prefs.chosen,
            secure: state.config.secure_cookies,
        }
    }

    /// Renders a template, setting the language cookie when the request chose one.
    pub(crate) fn html(&self, status: StatusCode, tpl: &impl Template) -> Response {
        let mut res = html(status, tpl);
        if let Some(l) = self.remember {
            add_cookie(
                &mut res,
                self.secure,
                LANG_COOKIE,
                l.code(),
                Some(LANG_COOKIE_SECONDS),
            );
        }
        res
    }

    /// A short page that explains an outcome, with an optional way back.
    pub(crate) fn message(
        &self,
        status: StatusCode,
        title: &str,
        text: &str,
        back: Option<String>,
    ) -> Response {
        self.html(
            status,
            &MessageTpl {
                t: self.t,
                chrome: &self.chrome,
                title,
                text,
                back,
            },
        )
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessageTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    title: &'a str,
    text: &'a str,
    back: Option<String>,
}

/// Renders a template; a template that fails to render is our bug, logged, never shown.
pub(crate) fn html(status: StatusCode, tpl: &impl Template) -> Response {
    match tpl.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// Adds a `Set-Cookie` with the desktop's cookie policy: HttpOnly, SameSite=Strict, Path=/,
/// Secure behind TLS. `max_age` `None` lasts for the browser session; `Some(0)` deletes.
pub(crate) fn add_cookie(
    res: &mut Response,
    secure: bool,
    name: &str,
    value: &str,
    max_age: Option<i64>,
) {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(s) = max_age {
        c.push_str(&format!("; Max-Age={s}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    match HeaderValue::from_str(&c) {
        Ok(v) => {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
        Err(e) => tracing::error!(error = %e, cookie = name, "cookie value not sendable"),
    }
}

/// Whether the user may open contacts with customers (the roles of [`crate::auth::Service`]).
pub(crate) fn handles_contacts(roles: &[Role]) -> bool {
    roles.iter().any(|r| r.handles_contacts())
}

/// Whether the user may approve statement exports (the roles of [`crate::auth::Approver`]).
pub(crate) fn approves_exports(roles: &[Role]) -> bool {
    roles
        .iter()
        .any(|r| crate::auth::Approver::ALLOWED.contains(r))
}

/// A member of staff as pages show them: display name, with the username the audit log
/// and the store's records use.
pub(crate) struct Person {
    pub(crate) name: String,
    pub(crate) username: String,
}

/// Display names by username, for pages that list who asked, approved or looked. Staff
/// are few, so one read per page is cheaper than one per line.
pub(crate) struct Staff(HashMap<String, String>);

impl Staff {
    pub(crate) async fn load(state: &AppState) -> Result<Staff, StoreError> {
        Ok(Staff(
            state
                .store
                .users()
                .await?
                .into_iter()
                .map(|u| (u.username, u.display_name))
                .collect(),
        ))
    }

    /// A username the store no longer knows (a removed account) is shown as it is.
    pub(crate) fn person(&self, username: &str) -> Person {
        Person {
            name: self
                .0
                .get(username)
                .cloned()
                .unwrap_or_else(|| username.to_string()),
            username: username.to_string(),
        }
    }
}

/// Keeps a response out of every cache, for bodies that must exist once only (a revealed
/// number, a statement file, an audit export).
pub(crate) fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// An id echoed from a query string into a notice: only id-shaped values are shown, so a
/// crafted link cannot put words on the page.
pub(crate) fn id_shaped(s: Option<String>) -> Option<String> {
    s.filter(|c| {
        !c.is_empty()
            && c.len() <= 64
            && c.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    })
}

async fn stylesheet() -> impl IntoResponse {
    asset(
        "text/css; charset=utf-8",
        include_str!("../../static/desk.css"),
    )
}

async fn script() -> impl IntoResponse {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../../static/desk.js"),
    )
}

/// Assets are compiled into the binary (a bank's network has no CDN); a short cache keeps
/// page loads quick while an upgrade still shows within minutes.
pub(crate) fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        body,
    )
}
