use crate::AppState;
use crate::auth::{Api, login as do_login};
use crate::error::{ApiJson, ApiResult};
use axum::extract::State;
use axum::http::StatusCode;
use bankdesk_store::users::{SessionKind, User};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    username: String,
    password: String,
}

#[derive(Serialize)]
pub struct LoginResponse {
    token: String,
    user: User,
}

pub async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<ApiJson<LoginResponse>> {
    let (token, session) = do_login(&state, &req.username, &req.password, SessionKind::Api).await?;
    Ok(ApiJson(LoginResponse {
        token,
        user: session.user,
    }))
}

pub async fn logout(State(state): State<AppState>, who: Api) -> ApiResult<StatusCode> {
    state
        .store
        .delete_session(&who.token_hash, &who.user.username)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(who: Api) -> ApiJson<User> {
    ApiJson(who.user)
}
