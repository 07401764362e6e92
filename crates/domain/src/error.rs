//! The one table of error codes. Every error the API or CLI reports carries one of
//! these codes, so integrators can match on a stable string.

/// A stable, documented error code with its HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Body is not valid JSON or a field has the wrong type.
    InvalidJson,
    /// A field failed validation (the message names it).
    InvalidField,
    /// A required query parameter or field is missing.
    MissingField,
    /// Body larger than the configured limit.
    PayloadTooLarge,
    /// Content type other than the one the endpoint accepts.
    UnsupportedMediaType,
    /// No or expired session / token.
    NotLoggedIn,
    /// Username or password wrong.
    BadCredentials,
    /// Too many failed logins; the account is locked for a while.
    AccountLocked,
    /// The caller's roles do not allow this.
    Forbidden,
    /// Form submitted without the session's CSRF token.
    CsrfInvalid,
    /// Customer data read without any purpose.
    PurposeRequired,
    /// The purpose given does not cover this user and customer.
    PurposeInvalid,
    /// Acting on the customer's behalf needs a passed identity verification on the contact.
    IdentityNotVerified,
    /// Dual control: the approver must be someone other than the requester.
    SamePerson,
    /// Too many requests of this kind in the period (reveals per hour).
    RateLimited,
    /// Unknown id or path.
    NotFound,
    /// Unique value already taken, or a stale write.
    Conflict,
    /// The request is well-formed but a business rule refuses it.
    RuleRefused,
    /// The export (or other result) is not approved yet.
    NotApproved,
    /// A state machine refuses the requested transition.
    IllegalTransition,
    /// The handler has a stake in the complaint (the person or branch complained about).
    Recused,
    /// Acting on a record about oneself: one's own roles, an alert about oneself, a
    /// decision on a role change of one's own account.
    ConflictOfInterest,
    /// A set of roles one person may not hold together (separation of duties).
    SeparationOfDuties,
    /// Something failed on our side; details are in the log, never in the response.
    Internal,
    /// The database is unreachable.
    Unavailable,
}

impl ErrorCode {
    /// Every code, for the documentation table and its test.
    pub const ALL: [ErrorCode; 25] = [
        ErrorCode::InvalidJson,
        ErrorCode::InvalidField,
        ErrorCode::MissingField,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::NotLoggedIn,
        ErrorCode::BadCredentials,
        ErrorCode::AccountLocked,
        ErrorCode::Forbidden,
        ErrorCode::CsrfInvalid,
        ErrorCode::PurposeRequired,
        ErrorCode::PurposeInvalid,
        ErrorCode::IdentityNotVerified,
        ErrorCode::SamePerson,
        ErrorCode::RateLimited,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::RuleRefused,
        ErrorCode::NotApproved,
        ErrorCode::IllegalTransition,
        ErrorCode::Recused,
        ErrorCode::ConflictOfInterest,
        ErrorCode::SeparationOfDuties,
        ErrorCode::Internal,
        ErrorCode::Unavailable,
    ];

    /// The snake_case code of the API contract.
    pub const fn code(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidField => "invalid_field",
            ErrorCode::MissingField => "missing_field",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::NotLoggedIn => "not_logged_in",
            ErrorCode::BadCredentials => "bad_credentials",
            ErrorCode::AccountLocked => "account_locked",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::CsrfInvalid => "csrf_invalid",
            ErrorCode::PurposeRequired => "purpose_required",
            ErrorCode::PurposeInvalid => "purpose_invalid",
            ErrorCode::IdentityNotVerified => "identity_not_verified",
            ErrorCode::SamePerson => "same_person",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::NotApproved => "not_approved",
            ErrorCode::IllegalTransition => "illegal_transition",
            ErrorCode::Recused => "recused",
            ErrorCode::ConflictOfInterest => "conflict_of_interest",
            ErrorCode::SeparationOfDuties => "separation_of_duties",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::RuleRefused => "rule_refused",
            ErrorCode::Internal => "internal",
            ErrorCode::Unavailable => "unavailable",
        }
    }

    /// HTTP status the API answers with.
    pub const fn status(self) -> u16 {
        match self {
            ErrorCode::InvalidJson | ErrorCode::InvalidField | ErrorCode::MissingField => 400,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::NotLoggedIn | ErrorCode::BadCredentials => 401,
            ErrorCode::AccountLocked
            | ErrorCode::Forbidden
            | ErrorCode::CsrfInvalid
            | ErrorCode::PurposeRequired
            | ErrorCode::PurposeInvalid
            | ErrorCode::IdentityNotVerified
            | ErrorCode::SamePerson
            | ErrorCode::ConflictOfInterest => 403,
            ErrorCode::RateLimited => 429,
            ErrorCode::NotApproved => 409,
            ErrorCode::IllegalTransition | ErrorCode::Recused | ErrorCode::SeparationOfDuties => {
                422
            }
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::RuleRefused => 422,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A field that failed validation, with a reason a person can act on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    pub field: &'static str,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        FieldError {
            field,
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_snake_case_and_client_errors_are_4xx() {
        let mut seen = HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.code()), "duplicate code {}", c.code());
            assert!(
                c.code()
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '_')
            );
            let internal = matches!(c, ErrorCode::Internal | ErrorCode::Unavailable);
            assert_eq!(internal, c.status() >= 500, "{c}");
        }
        assert_eq!(ErrorCode::PurposeRequired.status(), 403);
        assert_eq!(ErrorCode::BadCredentials.status(), 401);
    }
}
