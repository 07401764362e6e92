//! Why a page could not do what was asked, as one type with one rendering. Handlers return
//! `Result<_, PageError>` and use `?`; the error keeps the page it happened on, so the
//! answer is in the user's language, with their nav bar and a way back.

use super::Page;
use crate::error::ApiError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bankdesk_domain::ErrorCode;
use bankdesk_domain::access::AccessDenied;
use bankdesk_store::StoreError;
use std::borrow::Cow;

/// A failed page request, rendered by its [`IntoResponse`] as the message page.
pub(crate) struct PageError {
    page: Box<Page>,
    failure: Failure,
    back: Option<String>,
}

/// What went wrong, before it is put into words.
pub(crate) enum Failure {
    Store(StoreError),
    Api(ApiError),
    /// The form's CSRF token was missing or wrong: nothing was done.
    Csrf,
    /// An outcome the handler words itself (a field it refuses, a rule it checks).
    Message {
        status: StatusCode,
        title: &'static str,
        text: Cow<'static, str>,
    },
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        Failure::Store(e)
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Failure {
        Failure::Api(e)
    }
}

impl From<bankdesk_desk::DeskError> for Failure {
    fn from(e: bankdesk_desk::DeskError) -> Failure {
        Failure::Api(e.into())
    }
}

impl PageError {
    /// `failure` on `page`, with a link to `back` when there is somewhere to go back to.
    pub(crate) fn new(page: &Page, failure: impl Into<Failure>, back: Option<String>) -> Self {
        PageError {
            page: Box::new(page.clone()),
            failure: failure.into(),
            back,
        }
    }

    /// The answer to a POST whose CSRF token is missing or wrong.
    pub(crate) fn csrf(page: &Page) -> Self {
        PageError::new(page, Failure::Csrf, None)
    }

    /// A short explanation the handler words itself.
    pub(crate) fn message(
        page: &Page,
        status: StatusCode,
        title: &'static str,
        text: impl Into<Cow<'static, str>>,
        back: Option<String>,
    ) -> Self {
        let text = text.into();
        PageError::new(
            page,
            Failure::Message {
                status,
                title,
                text,
            },
            back,
        )
    }
}

/// `?` for store and API results in a page handler: the error becomes a [`PageError`] on
/// `page`, linking back to `back`.
pub(crate) trait OrPage<T> {
    fn or_page(self, page: &Page, back: Option<&str>) -> Result<T, PageError>;
}

impl<T, E: Into<Failure>> OrPage<T> for Result<T, E> {
    fn or_page(self, page: &Page, back: Option<&str>) -> Result<T, PageError> {
        self.map_err(|e| PageError::new(page, e, back.map(str::to_string)))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let PageError {
            page,
            failure,
            back,
        } = self;
        let t = page.t;
        let (status, title, text): (StatusCode, &str, Cow<'_, str>) = match failure {
            Failure::Csrf => (StatusCode::FORBIDDEN, t.err_csrf_title, t.err_csrf.into()),
            Failure::Message {
                status,
                title,
                text,
            } => (status, title, text),
            Failure::Store(StoreError::NotFound) => (
                StatusCode::NOT_FOUND,
                t.err_not_found_title,
                t.err_not_found.into(),
            ),
            Failure::Store(StoreError::Denied(AccessDenied::IdentityNotVerified)) => (
                StatusCode::FORBIDDEN,
                t.err_identity_title,
                t.err_identity.into(),
            ),
            Failure::Store(StoreError::Denied(AccessDenied::RevealLimit)) => (
                StatusCode::TOO_MANY_REQUESTS,
                t.err_rate_limited_title,
                t.err_rate_limited.into(),
            ),
            Failure::Store(StoreError::Denied(d)) => (
                StatusCode::FORBIDDEN,
                t.err_forbidden_title,
                page.lang.denied(d).into(),
            ),
            Failure::Store(StoreError::Conflict(_)) => (
                StatusCode::CONFLICT,
                t.err_conflict_title,
                t.err_conflict.into(),
            ),
            Failure::Store(StoreError::Invalid(f)) => {
                let text = match f.field {
                    "text" => t.err_note.into(),
                    "summary" => t.err_summary.into(),
                    "category" => t.err_category.into(),
                    _ => f.to_string().into(),
                };
                (StatusCode::BAD_REQUEST, t.err_invalid_title, text)
            }
            // Database trouble goes through [`ApiError`]'s conversion, which logs it; the
            // person sees only that something failed.
            Failure::Store(other) => api_words(&page, ApiError::from(other)),
            Failure::Api(e) => api_words(&page, e),
        };
        page.message(status, title, &text, back)
    }
}

/// An API-layer failure (search, validation, login) in the page's words.
fn api_words(page: &Page, e: ApiError) -> (StatusCode, &'static str, Cow<'static, str>) {
    let t = page.t;
    let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let (title, text): (&str, Cow<'static, str>) = match e.code {
        ErrorCode::NotFound => (t.err_not_found_title, t.err_not_found.into()),
        ErrorCode::Internal => (t.err_internal_title, t.err_internal.into()),
        ErrorCode::Unavailable => (t.err_internal_title, t.err_unavailable.into()),
        ErrorCode::Conflict => (t.err_conflict_title, t.err_conflict.into()),
        ErrorCode::InvalidField | ErrorCode::MissingField => {
            (t.err_invalid_title, e.message.into())
        }
        ErrorCode::IdentityNotVerified => (t.err_identity_title, t.err_identity.into()),
        ErrorCode::RateLimited => (t.err_rate_limited_title, t.err_rate_limited.into()),
        ErrorCode::NotApproved => (t.err_not_approved_title, t.err_not_approved.into()),
        ErrorCode::SamePerson => (t.err_same_person_title, t.err_same_person.into()),
        ErrorCode::ConflictOfInterest => (
            t.err_conflict_of_interest_title,
            t.err_conflict_of_interest.into(),
        ),
        ErrorCode::SeparationOfDuties => (t.err_separation_title, t.err_separation.into()),
        _ => (t.err_forbidden_title, t.err_forbidden.into()),
    };
    (status, title, text)
}
