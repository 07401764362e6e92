//! The rules of staff accounts that the API's admin endpoints and the admin page share.

use crate::error::{DeskError, DeskResult};
use bankdesk_domain::role::Role;

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
