//! Statement exports: requested for a verified purpose, approved by a second person.

use crate::auth::{AnyStaff, Api};
use crate::download::statement_file;
use crate::envelope::List;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use bankdesk_desk::privacy::{ExportView, check_export_range};
use bankdesk_desk::time_param;
use bankdesk_domain::export::ExportBasis;
use bankdesk_store::access::Read;
use serde::Deserialize;
use utoipa::ToSchema;

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
