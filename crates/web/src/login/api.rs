use crate::auth::{Api, login as do_login};
use crate::error::{ApiJson, ApiResult};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use bankdesk_domain::role::Role;
use bankdesk_store::users::{SessionKind, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    username: String,
    password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    token: String,
    user: UserView,
}

/// A member of staff as the API shows them (never their password hash).
#[derive(Serialize, ToSchema)]
#[schema(as = User)]
pub struct UserView {
    id: String,
    username: String,
    display_name: String,
    roles: Vec<Role>,
    department: Option<String>,
    active: bool,
    /// The desktop's language (`zh-CN`, `en`); the bank's default when null.
    language: Option<String>,
}

impl From<User> for UserView {
    fn from(u: User) -> UserView {
        UserView {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            roles: u.roles,
            department: u.department,
            active: u.active,
            language: u.language,
        }
    }
}

/// Log in; returns a bearer token for the other calls.
#[utoipa::path(
    post,
    path = "/auth/login",
    tag = "auth",
    responses(
        (status = 200, description = "The token and the user"),
        (status = 401, description = "`bad_credentials`: wrong username or password"),
        (status = 403, description = "`account_locked`: too many failed logins"),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<ApiJson<LoginResponse>> {
    let (token, session) = do_login(&state, &req.username, &req.password, SessionKind::Api).await?;
    Ok(ApiJson(LoginResponse {
        token,
        user: session.user.into(),
    }))
}

/// End this token's session.
#[utoipa::path(post, path = "/auth/logout", tag = "auth")]
pub async fn logout(State(state): State<AppState>, who: Api) -> ApiResult<StatusCode> {
    state
        .store
        .delete_session(&who.token_hash, &who.user.username)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The logged-in user.
#[utoipa::path(get, path = "/me", tag = "auth")]
pub async fn me(who: Api) -> ApiJson<UserView> {
    ApiJson(who.user.into())
}
