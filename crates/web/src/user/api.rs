use crate::auth::{Admin, Api, RoleDecider};
use crate::envelope::List;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::login::api::UserView;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use bankdesk_desk::users::{RoleRequestView, hash_password, validate_new_user};
use bankdesk_domain::duty::RoleRequestStatus;
use bankdesk_domain::role::Role;
use bankdesk_store::users::{NewUser, UserChange};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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

/// The account as it now is (201, 200), or the role request that waits for a second
/// person (202) when a privileged role is involved.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum AccountChange {
    User(UserView),
    Pending(RoleRequestView),
}

impl AccountChange {
    /// The status of `change`: `done` when it applied, 202 when it waits.
    fn answer(change: UserChange, done: StatusCode) -> (StatusCode, ApiJson<AccountChange>) {
        match change {
            UserChange::Applied(u) => (done, ApiJson(AccountChange::User(u.into()))),
            UserChange::Pending { request, .. } => (
                StatusCode::ACCEPTED,
                ApiJson(AccountChange::Pending((*request).into())),
            ),
        }
    }
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

/// Creates a user. An account holding a privileged role (supervisor, compliance, risk,
/// admin) is created inactive with its other roles, and a role request waits for a
/// second administrator or a compliance officer.
#[utoipa::path(
    post,
    path = "/admin/users",
    tag = "admin",
    responses(
        (status = 201, description = "The new user"),
        (status = 202, description = "The pending role request; the account waits inactive"),
        (status = 409, description = "`conflict`: the username is taken"),
        (status = 422, description = "`separation_of_duties`: admin with compliance or supervisor"),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    who: Api<Admin>,
    ApiJson(req): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, ApiJson<AccountChange>)> {
    validate_new_user(&req.username, &req.display_name, &req.password, &req.roles)?;
    let hash = hash_password(&req.password)?;
    let change = state
        .store
        .create_account(
            &who.actor(),
            &NewUser {
                username: &req.username,
                display_name: req.display_name.trim(),
                password_hash: &hash,
                roles: &req.roles,
                department: req.department.as_deref(),
            },
        )
        .await?;
    Ok(AccountChange::answer(change, StatusCode::CREATED))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    #[schema(min_items = 1)]
    roles: Vec<Role>,
    department: Option<String>,
    active: bool,
}

/// Changes a user's roles, department and whether they may log in. Nobody changes their
/// own roles, and an administrator cannot deactivate themselves. A privileged role the
/// account lacks waits for a second person (202) while department and `active` apply now.
#[utoipa::path(
    put,
    path = "/admin/users/{id}",
    tag = "admin",
    responses(
        (status = 200, description = "The user"),
        (status = 202, description = "The pending role request"),
        (status = 403, description = "`conflict_of_interest`: your own roles"),
        (status = 409, description = "`conflict`: a role request for the account is waiting"),
        (status = 422, description = "`separation_of_duties`: admin with compliance or supervisor"),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    who: Api<Admin>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<UpdateUser>,
) -> ApiResult<(StatusCode, ApiJson<AccountChange>)> {
    if req.roles.is_empty() {
        return Err(ApiError::field("roles", "at least one role"));
    }
    if id == who.user.id && !req.active {
        return Err(ApiError::field("active", "you cannot deactivate yourself"));
    }
    let change = state
        .store
        .update_user(
            &who.actor(),
            &id,
            &req.roles,
            req.department.as_deref(),
            req.active,
        )
        .await?;
    Ok(AccountChange::answer(change, StatusCode::OK))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RoleRequestQuery {
    /// Only these (default: every request, newest first; `pending` oldest first).
    #[param(inline)]
    status: Option<RoleRequestStatus>,
    /// At most this many (default 200).
    limit: Option<u32>,
}

/// Role requests, for the administrators who ask and the people who decide.
#[utoipa::path(get, path = "/role-requests", tag = "admin")]
pub async fn role_requests(
    State(state): State<AppState>,
    _who: Api<RoleDecider>,
    ApiQuery(q): ApiQuery<RoleRequestQuery>,
) -> ApiResult<ApiJson<List<RoleRequestView>>> {
    let rows = state
        .store
        .role_requests(q.status, q.limit.unwrap_or(200))
        .await?;
    Ok(ApiJson(List {
        items: rows.into_iter().map(Into::into).collect(),
        next: None,
    }))
}

/// Approves a role request: the account gets the roles (a new one becomes active). The
/// separation-of-duties rules are judged again now.
#[utoipa::path(
    post,
    path = "/role-requests/{id}/approve",
    tag = "admin",
    responses(
        (status = 200, description = "The request, `approved`"),
        (status = 403, description = "`same_person`: the administrator who asked; `conflict_of_interest`: the account is yours"),
        (status = 409, description = "`conflict`: already decided, or the account's roles changed since"),
        (status = 422, description = "`separation_of_duties`: the roles may not be held together"),
    )
)]
pub async fn approve_role_request(
    State(state): State<AppState>,
    who: Api<RoleDecider>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<RoleRequestView>> {
    Ok(ApiJson(
        state
            .store
            .approve_role_request(&who.actor(), &id)
            .await?
            .into(),
    ))
}

/// Rejects a role request; the account keeps the roles it has.
#[utoipa::path(
    post,
    path = "/role-requests/{id}/reject",
    tag = "admin",
    responses(
        (status = 200, description = "The request, `rejected`"),
        (status = 403, description = "`same_person`: the administrator who asked"),
        (status = 409, description = "`conflict`: already decided"),
    )
)]
pub async fn reject_role_request(
    State(state): State<AppState>,
    who: Api<RoleDecider>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<RoleRequestView>> {
    Ok(ApiJson(
        state
            .store
            .reject_role_request(&who.actor(), &id)
            .await?
            .into(),
    ))
}
