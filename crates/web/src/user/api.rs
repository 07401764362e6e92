use crate::auth::{Admin, Api};
use crate::envelope::List;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::login::api::UserView;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use bankdesk_desk::users::hash_password;
use bankdesk_desk::users::validate_new_user;
use bankdesk_domain::role::Role;
use bankdesk_store::users::NewUser;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// 1-32 characters of a-z, 0-9, `_` and `.`.
    #[schema(min_length = 1, max_length = 32, pattern = "^[a-z0-9_.]+$")]
    username: String,
    #[schema(min_length = 1, max_length = 50)]
    display_name: String,
    #[schema(min_length = 12, max_length = 256)]
    password: String,
    #[schema(min_items = 1)]
    roles: Vec<Role>,
    department: Option<String>,
}

/// Every user.
#[utoipa::path(get, path = "/admin/users", tag = "admin")]
pub async fn list(
    State(state): State<AppState>,
    _who: Api<Admin>,
) -> ApiResult<ApiJson<List<UserView>>> {
    Ok(ApiJson(List {
        items: state
            .store
            .users()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
        next: None,
    }))
}

/// Creates a user.
#[utoipa::path(
    post,
    path = "/admin/users",
    tag = "admin",
    responses(
        (status = 201, description = "The new user"),
        (status = 409, description = "`conflict`: the username is taken"),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    who: Api<Admin>,
    ApiJson(req): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, ApiJson<UserView>)> {
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
    Ok((StatusCode::CREATED, ApiJson(user.into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    #[schema(min_items = 1)]
    roles: Vec<Role>,
    department: Option<String>,
    active: bool,
}

/// Changes a user's roles, department and whether they may log in; an administrator
/// cannot lock themselves out.
#[utoipa::path(put, path = "/admin/users/{id}", tag = "admin")]
pub async fn update(
    State(state): State<AppState>,
    who: Api<Admin>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<UpdateUser>,
) -> ApiResult<ApiJson<UserView>> {
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
    Ok(ApiJson(user.into()))
}
