//! Why a use case or a service refused or failed. The HTTP faces show every one of these
//! with a code from the one table in `bankdesk_domain::error` (the web crate's `error.rs` maps
//! them); nothing here knows of status lines or pages.

use bankdesk_domain::ErrorCode;
use bankdesk_search::SearchError;
use bankdesk_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// A rule said no, with its row in the error table and a message for the caller.
    #[error("{message}")]
    Refused { code: ErrorCode, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Knowledge(#[from] KnowledgeError),
}

/// What can go wrong keeping the knowledge index in step with the store.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error("search dictionary: {0}")]
    Lexicon(String),
    #[error("index task failed: {0}")]
    Task(String),
}

impl DeskError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> DeskError {
        DeskError::Refused {
            code,
            message: message.into(),
        }
    }

    pub fn not_found() -> DeskError {
        DeskError::new(ErrorCode::NotFound, "no such resource")
    }

    /// `field` is wrong, and `reason` says how.
    pub fn field(field: &str, reason: impl std::fmt::Display) -> DeskError {
        DeskError::new(ErrorCode::InvalidField, format!("{field}: {reason}"))
    }
}

pub type DeskResult<T> = Result<T, DeskError>;
