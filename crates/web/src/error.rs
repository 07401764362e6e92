//! API errors: every failure leaves as `{"error": {"code", "message"}}` with a code from
//! the one table in `bankdesk_domain::error`, and internal details only reach the log.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bankdesk_desk::{DeskError, KnowledgeError};
use bankdesk_domain::ErrorCode;
use bankdesk_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::Forbidden, message)
    }

    pub fn not_found() -> ApiError {
        ApiError::new(ErrorCode::NotFound, "no such resource")
    }

    pub fn field(field: &str, reason: impl std::fmt::Display) -> ApiError {
        ApiError::new(ErrorCode::InvalidField, format!("{field}: {reason}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ErrorBody::new(self.code, self.message);
        (status, Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Conflict(m) => ApiError::new(ErrorCode::Conflict, m),
            StoreError::Denied(d) => ApiError::new(d.code(), d.to_string()),
            StoreError::Invalid(f) => ApiError::new(ErrorCode::InvalidField, f.to_string()),
            StoreError::Refused { code, message } => ApiError::new(code, message),
            StoreError::Db(sqlx_err) if is_unavailable(&sqlx_err) => {
                tracing::error!(error = %sqlx_err, "database unavailable");
                ApiError::new(
                    ErrorCode::Unavailable,
                    "the database is unavailable; try again shortly",
                )
            }
            other => {
                tracing::error!(error = %other, "internal error");
                ApiError::new(ErrorCode::Internal, "internal error; it has been logged")
            }
        }
    }
}

/// The services' refusals keep their code; their store failures are shown as the store's.
impl From<DeskError> for ApiError {
    fn from(e: DeskError) -> ApiError {
        match e {
            DeskError::Refused { code, message } => ApiError::new(code, message),
            DeskError::Store(s) => s.into(),
            DeskError::Knowledge(k) => k.into(),
        }
    }
}

/// A failing index is an internal error (logged); a failing store, the store's.
impl From<KnowledgeError> for ApiError {
    fn from(e: KnowledgeError) -> ApiError {
        match e {
            KnowledgeError::Store(s) => s.into(),
            other => {
                tracing::error!(error = %other, "knowledge index");
                ApiError::new(ErrorCode::Internal, "internal error; it has been logged")
            }
        }
    }
}

fn is_unavailable(e: &bankdesk_store::db::SqlxError) -> bool {
    matches!(
        e,
        bankdesk_store::db::SqlxError::PoolTimedOut
            | bankdesk_store::db::SqlxError::PoolClosed
            | bankdesk_store::db::SqlxError::Io(_)
    )
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> ApiError {
        match r {
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "send Content-Type: application/json",
            ),
            JsonRejection::BytesRejection(b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::new(ErrorCode::PayloadTooLarge, "request body too large")
            }
            other => ApiError::new(ErrorCode::InvalidJson, other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> ApiError {
        ApiError::new(ErrorCode::InvalidField, r.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> ApiError {
        ApiError::new(ErrorCode::InvalidField, r.body_text())
    }
}

/// JSON body extractor whose rejections use the error table.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// Query extractor whose rejections use the error table.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// Path extractor whose rejections use the error table.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Every failure's body: `{"error": {"code", "message"}}`.
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// One of the error table's codes (`crates/domain/src/error.rs`).
    #[schema(schema_with = error_codes)]
    code: &'static str,
    /// For a person; names the field when one is wrong.
    message: String,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: String) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: code.code(),
                message,
            },
        }
    }
}

fn error_codes() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(ErrorCode::ALL.map(ErrorCode::code)))
        .into()
}
