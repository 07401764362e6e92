//! The envelope of every desktop POST: who submits, whether their form carries the
//! session's CSRF token, and what the form says. A handler that takes [`CsrfForm`] runs only
//! for a logged-in user whose token matched, so no handler can forget the check.

use super::{LangPrefs, Page, PageError};
use crate::auth::{AnyStaff, Desk, RoleSet};
use crate::state::AppState;
use axum::Form;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// A submitted desktop form: the user, proven to hold one of `R`'s roles, and the parsed
/// body `T`, whose `csrf` field matched the session's token.
///
/// The steps run in the order handlers used to write them out: the session (a login
/// redirect or refusal without one), the body (axum's form rejection when it does not
/// parse), then the token, compared in constant time. A missing or wrong token answers
/// the "form expired" page in the user's language, and nothing else runs.
pub(crate) struct CsrfForm<R: RoleSet = AnyStaff, T = NoFields> {
    pub desk: Desk<R>,
    pub form: T,
}

/// The body of a form that carries nothing but its CSRF token (a button).
#[derive(Deserialize)]
pub(crate) struct NoFields {}

impl<R: RoleSet, T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<R, T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let desk = Desk::<R>::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let prefs = LangPrefs::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        // The body is read once and parsed twice: as the handler's form, and for the token.
        let headers = parts.headers.clone();
        let method = parts.method.clone();
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let again = |bytes: Bytes| {
            let mut req = Request::new(Body::from(bytes));
            *req.method_mut() = method.clone();
            *req.headers_mut() = headers.clone();
            req
        };
        let Form(form) = Form::<T>::from_request(again(bytes.clone()), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Form(fields) = Form::<Vec<(String, String)>>::from_request(again(bytes), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let token = fields
            .iter()
            .find(|(k, _)| k == "csrf")
            .map_or("", |(_, v)| v.as_str());
        if !desk.csrf_ok(token) {
            let page = Page::user(state, &prefs, &desk).await;
            return Err(PageError::csrf(&page).into_response());
        }
        Ok(CsrfForm { desk, form })
    }
}
