use super::List;
use crate::AppState;
use crate::auth::{Admin, Api, hash_password};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult};
use axum::extract::State;
use axum::http::StatusCode;
use bankdesk_domain::role::Role;
use bankdesk_store::users::{NewUser, User};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    username: String,
    display_name: String,
    password: String,
    roles: Vec<Role>,
    department: Option<String>,
}

/// Usernames are short ASCII handles; passwords at least 12 characters.
pub fn validate_new_user(
    username: &str,
    display_name: &str,
    password: &str,
    roles: &[Role],
) -> ApiResult<()> {
    if username.is_empty()
        || username.len() > 32
        || !username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
    {
        return Err(ApiError::field(
            "username",
            "1-32 characters of a-z, 0-9, _ and .",
        ));
    }
    if display_name.trim().is_empty() || display_name.chars().count() > 50 {
        return Err(ApiError::field("display_name", "1-50 characters"));
    }
    if password.chars().count() < 12 || password.len() > 256 {
        return Err(ApiError::field("password", "12 to 256 characters"));
    }
    if roles.is_empty() {
        return Err(ApiError::field("roles", "at least one role"));
    }
    Ok(())
}

pub async fn list(
    State(state): State<AppState>,
    _who: Api<Admin>,
) -> ApiResult<ApiJson<List<User>>> {
    Ok(ApiJson(List {
        items: state.store.users().await?,
        next: None,
    }))
}

pub async fn create(
    State(state): State<AppState>,
    who: Api<Admin>,
    ApiJson(req): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, ApiJson<User>)> {
    validate_new_user(&req.username, &req.display_name, &req.password, &req.roles)?;
    let hash = hash_password(&req.password)?;
    let user = state
        .store
        .create_user(
            &who.user.username,
            &NewUser {
                username: &req.username,
                display_name: req.display_name.trim(),
                password_hash: &hash,
                roles: &req.roles,
                department: req.department.as_deref(),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, ApiJson(user)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    roles: Vec<Role>,
    department: Option<String>,
    active: bool,
}

pub async fn update(
    State(state): State<AppState>,
    who: Api<Admin>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<UpdateUser>,
) -> ApiResult<ApiJson<User>> {
    if req.roles.is_empty() {
        return Err(ApiError::field("roles", "at least one role"));
    }
    if id == who.user.id && (!req.active || !req.roles.contains(&Role::Admin)) {
        return Err(ApiError::field(
            "roles",
            "you cannot remove your own admin role or deactivate yourself",
        ));
    }
    let user = state
        .store
        .update_user(
            &who.user.username,
            &id,
            &req.roles,
            req.department.as_deref(),
            req.active,
        )
        .await?;
    Ok(ApiJson(user))
}
