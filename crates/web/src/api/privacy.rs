//! Statement exports, the legal-order register and insider-access alerts.

use super::List;
use crate::AppState;
use crate::auth::{AnyStaff, Api, Compliance};
use crate::download::statement_file;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use bankdesk_desk::privacy::{AlertView, ExportView, OrderView, check_export_range};
use bankdesk_desk::time_param;
use bankdesk_domain::ErrorCode;
use bankdesk_domain::alert::AlertStatus;
use bankdesk_domain::export::ExportBasis;
use bankdesk_domain::legal_order::{OrderKind, OrderScope};
use bankdesk_store::access::Read;
use bankdesk_store::privacy::NewOrder;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    customer_id: String,
    /// RFC 3339, or `YYYY-MM-DD` in the bank's time zone; inclusive.
    from: String,
    /// Exclusive; at most five years after `from`.
    to: String,
    basis: ExportBasis,
    /// `contact:<id>` with a passed identity verification for `customer_request`,
    /// `order:<id>` for `legal_order`.
    purpose: Option<String>,
}

/// A statement export request; it needs the customer's verified request or an active
/// legal order, and waits for a second person's approval.
#[utoipa::path(
    post,
    path = "/statement-exports",
    tag = "privacy",
    responses(
        (status = 201, description = "The request, `pending_approval`"),
        (status = 403, description = "`purpose_required`, `purpose_invalid`, `identity_not_verified`"),
    )
)]
pub async fn request_export(
    State(state): State<AppState>,
    who: Api<AnyStaff>,
    ApiJson(req): ApiJson<ExportRequest>,
) -> ApiResult<(StatusCode, ApiJson<ExportView>)> {
    let from = time_param("from", Some(&req.from))?.unwrap_or(0);
    let to = time_param("to", Some(&req.to))?.unwrap_or(0);
    check_export_range(from, to)?;
    let actor = who.actor();
    let grant = state
        .store
        .customer_access(
            &actor,
            &req.customer_id,
            req.purpose.as_deref(),
            Read::Export,
            serde_json::json!({"basis": req.basis, "from": req.from, "to": req.to}),
        )
        .await?;
    let row = grant.request_export(&actor, req.basis, from, to).await?;
    Ok((StatusCode::CREATED, ApiJson(row.into())))
}

/// One export request, for its requester and the approvers.
#[utoipa::path(
    get,
    path = "/statement-exports/{id}",
    tag = "privacy",
    responses(
        (status = 200, description = "The export"),
        (status = 403, description = "`forbidden`: neither the requester nor an approver (supervisor, compliance)"),
    )
)]
pub async fn get_export(
    State(state): State<AppState>,
    who: Api<AnyStaff>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<ExportView>> {
    let e = state.store.statement_export(&id).await?;
    let approver_role = who.user.roles.iter().any(|r| {
        matches!(
            r,
            bankdesk_domain::role::Role::Supervisor | bankdesk_domain::role::Role::Compliance
        )
    });
    if e.requested_by != who.user.username && !approver_role {
        return Err(ApiError::forbidden(
            "only the requester and approvers see an export",
        ));
    }
    Ok(ApiJson(e.into()))
}

/// Exports waiting for approval, for the approvers (supervisor, compliance).
#[utoipa::path(
    get,
    path = "/statement-exports",
    tag = "privacy",
    responses(
        (status = 200, description = "Pending exports"),
        (status = 403, description = "`forbidden`: not an approver (supervisor, compliance)"),
    )
)]
pub async fn pending_exports(
    State(state): State<AppState>,
    who: Api<AnyStaff>,
) -> ApiResult<ApiJson<List<ExportView>>> {
    if !who.user.roles.iter().any(|r| {
        matches!(
            r,
            bankdesk_domain::role::Role::Supervisor | bankdesk_domain::role::Role::Compliance
        )
    }) {
        return Err(ApiError::forbidden("only approvers list pending exports"));
    }
    let items = state
        .store
        .pending_exports(200)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(ApiJson(List { items, next: None }))
}

/// Approves an export (dual control): supervisors any export, compliance legal-order
/// ones, never the requester.
#[utoipa::path(
    post,
    path = "/statement-exports/{id}/approve",
    tag = "privacy",
    responses(
        (status = 200, description = "The export, `approved`"),
        (status = 403, description = "`same_person` for the requester, `forbidden` for roles without approval right"),
        (status = 409, description = "`conflict`: not pending"),
    )
)]
pub async fn approve_export(
    State(state): State<AppState>,
    who: Api<AnyStaff>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<ExportView>> {
    let row = state.store.approve_export(&who.actor(), &id).await?;
    Ok(ApiJson(row.into()))
}

/// The approved statement file, for its requester or approver; its first line is the
/// watermark.
#[utoipa::path(
    get,
    path = "/statement-exports/{id}/file",
    tag = "privacy",
    responses(
        (status = 200, description = "The statement", content_type = "text/csv", body = String),
        (status = 403, description = "`forbidden`: neither the requester nor the approver"),
        (status = 409, description = "`not_approved`"),
    )
)]
pub async fn export_file(
    State(state): State<AppState>,
    who: Api<AnyStaff>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    let csv = state.store.download_export(&who.actor(), &id).await?;
    Ok(statement_file(&id, csv))
}

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
