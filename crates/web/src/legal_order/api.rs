//! The legal-order register: orders registered by one compliance officer and verified
//! by another before they grant anything.

use crate::auth::{Api, Compliance};
use crate::envelope::List;
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use bankdesk_desk::privacy::OrderView;
use bankdesk_desk::time_param;
use bankdesk_domain::legal_order::{OrderKind, OrderScope};
use bankdesk_store::privacy::NewOrder;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderRequest {
    kind: OrderKind,
    issuer: String,
    document_no: String,
    customer_id: String,
    scope: Vec<OrderScope>,
    /// RFC 3339, or `YYYY-MM-DD` in the bank's time zone.
    valid_from: String,
    /// RFC 3339, or `YYYY-MM-DD` in the bank's time zone.
    valid_until: String,
}

/// Registers a legal order; it grants nothing until a second compliance officer verifies
/// it.
#[utoipa::path(
    post,
    path = "/legal-orders",
    tag = "privacy",
    responses((status = 201, description = "The order, `pending_verification`"))
)]
pub async fn register_order(
    State(state): State<AppState>,
    who: Api<Compliance>,
    ApiJson(req): ApiJson<OrderRequest>,
) -> ApiResult<(StatusCode, ApiJson<OrderView>)> {
    let valid_from = time_param("valid_from", Some(&req.valid_from))?.unwrap_or(0);
    let valid_until = time_param("valid_until", Some(&req.valid_until))?.unwrap_or(0);
    let row = state
        .store
        .register_order(
            &who.actor(),
            &NewOrder {
                kind: req.kind,
                issuer: &req.issuer,
                document_no: &req.document_no,
                customer_id: &req.customer_id,
                scope: &req.scope,
                valid_from_ms: valid_from,
                valid_until_ms: valid_until,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, ApiJson(row.into())))
}

/// Verifies a legal order (not by its registrant), which makes it active.
#[utoipa::path(
    post,
    path = "/legal-orders/{id}/verify",
    tag = "privacy",
    responses(
        (status = 200, description = "The order, `active`"),
        (status = 403, description = "`same_person`: the registrant"),
        (status = 409, description = "`conflict`: not pending verification"),
    )
)]
pub async fn verify_order(
    State(state): State<AppState>,
    who: Api<Compliance>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<OrderView>> {
    Ok(ApiJson(
        state.store.verify_order(&who.actor(), &id).await?.into(),
    ))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    customer_id: Option<String>,
    /// At most this many (default 200).
    limit: Option<u32>,
}

/// The legal-order register, newest first.
#[utoipa::path(get, path = "/legal-orders", tag = "privacy")]
pub async fn list_orders(
    State(state): State<AppState>,
    _who: Api<Compliance>,
    ApiQuery(q): ApiQuery<OrderQuery>,
) -> ApiResult<ApiJson<List<OrderView>>> {
    let rows = state
        .store
        .legal_orders(q.customer_id.as_deref(), q.limit.unwrap_or(200))
        .await?;
    Ok(ApiJson(List {
        items: rows.into_iter().map(Into::into).collect(),
        next: None,
    }))
}
