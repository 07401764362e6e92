//! The rules of staff accounts that the API's admin endpoints and the admin page share.

use crate::error::{DeskError, DeskResult};
use crate::text::rfc3339;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use bankdesk_domain::ErrorCode;
use bankdesk_domain::duty::{RoleRequestKind, RoleRequestStatus};
use bankdesk_domain::role::Role;
use bankdesk_store::role_requests::RoleRequest;
use rand::{Rng, RngCore};
use serde::Serialize;
use utoipa::ToSchema;

/// A request to grant a privileged role (or to create an account holding one), waiting
/// for a second administrator or a compliance officer, or decided.
#[derive(Serialize, ToSchema)]
#[schema(as = RoleRequest)]
pub struct RoleRequestView {
    pub id: String,
    /// The account whose roles change.
    pub user_id: String,
    pub username: String,
    pub kind: RoleRequestKind,
    /// The roles the account held when asked (none for a new account).
    pub roles_from: Vec<Role>,
    /// The roles it holds once approved.
    pub roles_to: Vec<Role>,
    pub status: RoleRequestStatus,
    pub requested_by: String,
    pub requested_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
}

impl From<RoleRequest> for RoleRequestView {
    fn from(r: RoleRequest) -> RoleRequestView {
        RoleRequestView {
            requested_at: rfc3339(r.requested_at_ms, None),
            decided_at: r.decided_at_ms.map(|t| rfc3339(t, None)),
            id: r.id,
            user_id: r.user_id,
            username: r.username,
            kind: r.kind,
            roles_from: r.roles_from,
            roles_to: r.roles_to,
            status: r.status,
            requested_by: r.requested_by,
            decided_by: r.decided_by,
        }
    }
}

/// Usernames are short ASCII handles; passwords at least 12 characters.
pub fn validate_new_user(
    username: &str,
    display_name: &str,
    password: &str,
    roles: &[Role],
) -> DeskResult<()> {
    if username.is_empty()
        || username.len() > 32
        || !username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
    {
        return Err(DeskError::field(
            "username",
            "1-32 characters of a-z, 0-9, _ and .",
        ));
    }
    if display_name.trim().is_empty() || display_name.chars().count() > 50 {
        return Err(DeskError::field("display_name", "1-50 characters"));
    }
    if password.chars().count() < 12 || password.len() > 256 {
        return Err(DeskError::field("password", "12 to 256 characters"));
    }
    if roles.is_empty() {
        return Err(DeskError::field("roles", "at least one role"));
    }
    Ok(())
}

/// An argon2id hash of a new password, with a fresh salt.
pub fn hash_password(password: &str) -> DeskResult<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| DeskError::new(ErrorCode::Internal, e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| DeskError::new(ErrorCode::Internal, e.to_string()))
}

/// A real hash of a random password, to verify against when a login names no known
/// user, so that an unknown name takes as long as a wrong password.
pub fn unknown_user_hash() -> DeskResult<String> {
    let password: String = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(32)
        .map(char::from)
        .collect();
    hash_password(&password)
}

/// Whether `password` is the one `hash` was made of; a malformed hash matches nothing.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hash_round_trip() {
        let h = hash_password("demo-password").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("demo-password", &h));
        assert!(!verify_password("demo-passwort", &h));
        assert!(!verify_password("demo-password", "not a hash"));
    }
}
