//! Insider-access alerts for compliance.

use crate::auth::{Api, Compliance};
use crate::envelope::List;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use bankdesk_desk::privacy::AlertView;
use bankdesk_domain::ErrorCode;
use bankdesk_domain::alert::AlertStatus;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AlertQuery {
    #[param(inline)]
    status: Option<AlertStatus>,
    /// At most this many (default 200).
    limit: Option<u32>,
}

/// Insider-access alerts, newest first.
#[utoipa::path(get, path = "/compliance/alerts", tag = "privacy")]
pub async fn alerts(
    State(state): State<AppState>,
    _who: Api<Compliance>,
    ApiQuery(q): ApiQuery<AlertQuery>,
) -> ApiResult<ApiJson<List<AlertView>>> {
    let rows = state.store.alerts(q.status, q.limit.unwrap_or(200)).await?;
    Ok(ApiJson(List {
        items: rows.into_iter().map(Into::into).collect(),
        next: None,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertUpdate {
    /// `acknowledged` or `closed`.
    status: AlertStatus,
}

/// Acknowledges or closes an alert.
#[utoipa::path(put, path = "/compliance/alerts/{id}", tag = "privacy")]
pub async fn update_alert(
    State(state): State<AppState>,
    who: Api<Compliance>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<AlertUpdate>,
) -> ApiResult<StatusCode> {
    if req.status == AlertStatus::Open {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            "status: acknowledged or closed",
        ));
    }
    state
        .store
        .set_alert_status(&who.actor(), &id, req.status)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
