//! Complaints on top of their cases: extensions signed off by a second person, the
//! clock stopped for appraisal, the complaint's fields, merging repeats, and the
//! register (contract: docs/api.md, "Cases, complaints, crises").

use crate::auth::{Api, CaseStaff, Oversight};
use crate::case::api::{CaseJson, ExtensionJson, case_json, extension_json, now};
use crate::envelope::List;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bankdesk_desk::cases::{RegisterJson, register_csv_text, register_rows};
use bankdesk_domain::Actor;
use bankdesk_domain::complaint::{Complexity, RootCause};
use bankdesk_store::complaints::{ComplaintUpdate, Decision};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionRequest {
    reason: String,
}

/// A complaint's handler asks for more time; a superior signs it off through
/// `.../extensions/{eid}/approve`.
#[utoipa::path(
    post,
    path = "/cases/{id}/extensions",
    tag = "cases",
    responses(
        (status = 201, description = "The request, `pending_approval`"),
        (status = 422, description = "`rule_refused`: not a complaint, or no further extension"),
    )
)]
pub async fn request_extension(
    State(state): State<AppState>,
    who: Api<CaseStaff>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ExtensionRequest>,
) -> ApiResult<(StatusCode, ApiJson<ExtensionJson>)> {
    let e = state
        .store
        .request_extension(&Actor::from(&who.user), &id, &req.reason)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(extension_json(e))))
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRequest {
    /// The superior institution's approval reference (needed for the further 30 days).
    approval_ref: Option<String>,
}

/// Approves a complaint's extension (not by its requester), which moves `due_at` and
/// tells the complainant.
#[utoipa::path(
    post,
    path = "/cases/{id}/extensions/{eid}/approve",
    tag = "cases",
    request_body(content = ApprovalRequest, description = "Optional: an empty body approves without a reference"),
    responses(
        (status = 200, description = "The extension, approved"),
        (status = 400, description = "`invalid_json`"),
        (status = 403, description = "`same_person`; `forbidden` (the further 30 days: a supervisor, with `approval_ref`)"),
        (status = 409, description = "`conflict`: not pending"),
    )
)]
pub async fn approve_extension(
    State(state): State<AppState>,
    who: Api<Oversight>,
    ApiPath((id, eid)): ApiPath<(String, String)>,
    body: axum::body::Bytes,
) -> ApiResult<ApiJson<ExtensionJson>> {
    let req: ApprovalRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ApprovalRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::new(bankdesk_domain::ErrorCode::InvalidJson, e.to_string()))?
    };
    let e = state
        .store
        .decide_extension(
            &Actor::from(&who.user),
            &id,
            &eid,
            Decision::Approve,
            req.approval_ref.as_deref(),
        )
        .await?;
    Ok(ApiJson(extension_json(e)))
}

/// Rejects a complaint's extension request.
#[utoipa::path(
    post,
    path = "/cases/{id}/extensions/{eid}/reject",
    tag = "cases",
    responses(
        (status = 200, description = "The extension, rejected"),
        (status = 403, description = "`same_person`"),
        (status = 409, description = "`conflict`: not pending"),
    )
)]
pub async fn reject_extension(
    State(state): State<AppState>,
    who: Api<Oversight>,
    ApiPath((id, eid)): ApiPath<(String, String)>,
) -> ApiResult<ApiJson<ExtensionJson>> {
    let e = state
        .store
        .decide_extension(&Actor::from(&who.user), &id, &eid, Decision::Reject, None)
        .await?;
    Ok(ApiJson(extension_json(e)))
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppraisalAction {
    Start,
    End,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppraisalRequest {
    action: AppraisalAction,
    note: String,
    version: Option<i64>,
}

/// Stops a complaint's clock for external appraisal (the complainant is told), or
/// restarts it.
#[utoipa::path(
    post,
    path = "/cases/{id}/appraisal",
    tag = "cases",
    responses(
        (status = 200, description = "The case"),
        (status = 409, description = "`conflict`: `version` is stale"),
        (status = 422, description = "`rule_refused`: not a complaint, or the clock is not in that state"),
    )
)]
pub async fn appraisal(
    State(state): State<AppState>,
    who: Api<CaseStaff>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<AppraisalRequest>,
) -> ApiResult<ApiJson<CaseJson>> {
    let case = state
        .store
        .complaint_appraisal(
            &Actor::from(&who.user),
            &id,
            req.action == AppraisalAction::Start,
            &req.note,
            req.version,
        )
        .await?;
    Ok(ApiJson(case_json(&case, now())))
}

/// `null` clears a subject; a missing field leaves it.
fn double_option<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintPatch {
    complexity: Option<Complexity>,
    root_causes: Option<Vec<RootCause>>,
    /// `null` clears it; absent leaves it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    subject_staff: Option<Option<String>>,
    /// `null` clears it; absent leaves it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    subject_branch: Option<Option<String>>,
    version: Option<i64>,
}

/// Changes a complaint's complexity, root causes and subjects.
#[utoipa::path(
    put,
    path = "/cases/{id}/complaint",
    tag = "cases",
    responses(
        (status = 200, description = "The case"),
        (status = 409, description = "`conflict`: `version` is stale"),
        (status = 422, description = "`recused`; `rule_refused`: not a complaint"),
    )
)]
pub async fn update_complaint(
    State(state): State<AppState>,
    who: Api<CaseStaff>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ComplaintPatch>,
) -> ApiResult<ApiJson<CaseJson>> {
    let case = state
        .store
        .update_complaint(
            &Actor::from(&who.user),
            &id,
            &ComplaintUpdate {
                complexity: req.complexity,
                root_causes: req.root_causes,
                subject_staff: req.subject_staff,
                subject_branch: req.subject_branch,
            },
            req.version,
        )
        .await?;
    Ok(ApiJson(case_json(&case, now())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The complaint being handled that this one repeats.
    into: String,
    /// The repeat brings new facts: the original restarts from its receipt.
    #[serde(default)]
    new_facts: bool,
    #[serde(default)]
    note: String,
}

/// Merges a repeated complaint into the one being handled.
#[utoipa::path(
    post,
    path = "/cases/{id}/merge",
    tag = "cases",
    responses(
        (status = 200, description = "The merged complaint"),
        (status = 422, description = "`rule_refused`: not two complaints of the same customer"),
    )
)]
pub async fn merge(
    State(state): State<AppState>,
    who: Api<CaseStaff>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<MergeRequest>,
) -> ApiResult<ApiJson<CaseJson>> {
    let case = state
        .store
        .merge_complaint(
            &Actor::from(&who.user),
            &id,
            &req.into,
            req.new_facts,
            &req.note,
        )
        .await?;
    Ok(ApiJson(case_json(&case, now())))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RegisterQuery {
    /// Received from (RFC 3339 or YYYY-MM-DD, inclusive).
    from: Option<String>,
    /// Received before (exclusive).
    to: Option<String>,
}

/// The complaint register (compliance and supervisors), names masked.
#[utoipa::path(get, path = "/complaints", tag = "cases")]
pub async fn register(
    State(state): State<AppState>,
    who: Api<Oversight>,
    ApiQuery(q): ApiQuery<RegisterQuery>,
) -> ApiResult<ApiJson<List<RegisterJson>>> {
    Ok(ApiJson(List {
        items: register_rows(
            &state.store,
            &who.user.username,
            q.from.as_deref(),
            q.to.as_deref(),
        )
        .await?,
        next: None,
    }))
}

/// The complaint register as CSV, names masked.
#[utoipa::path(
    get,
    path = "/complaints.csv",
    tag = "cases",
    responses((status = 200, description = "The register", content_type = "text/csv", body = String))
)]
pub async fn register_csv(
    State(state): State<AppState>,
    who: Api<Oversight>,
    ApiQuery(q): ApiQuery<RegisterQuery>,
) -> ApiResult<Response> {
    let rows = register_rows(
        &state.store,
        &who.user.username,
        q.from.as_deref(),
        q.to.as_deref(),
    )
    .await?;
    let out = register_csv_text(rows);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"complaints.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}
