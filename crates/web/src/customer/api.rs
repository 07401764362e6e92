use crate::auth::{AnyStaff, Api};
use crate::envelope::List;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;
use crate::view::{self, OverviewView, TransactionView};
use bankdesk_desk::customers::{Hit, find, lookup_of, reveal_reason};
use bankdesk_desk::time_param;
use bankdesk_store::access::Read;
use bankdesk_store::privacy::RevealField;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Exactly one key.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// A mobile number (11 digits).
    phone: Option<String>,
    /// A resident ID number (18 characters, GB 11643 check digit).
    id_number: Option<String>,
    /// A card number (Luhn check digit).
    card_number: Option<String>,
    /// The full name, at most 50 characters.
    #[param(max_length = 50)]
    name: Option<String>,
}

/// Identify a customer by phone, ID number, card number or name: masked, and audited as
/// `customer.search`.
#[utoipa::path(
    get,
    path = "/customers",
    tag = "customers",
    responses((status = 200, description = "At most 20 customers, masked"))
)]
pub async fn search(
    axum::extract::State(state): axum::extract::State<AppState>,
    who: Api<AnyStaff>,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<ApiJson<List<Hit>>> {
    let by = lookup_of(
        q.phone.as_deref(),
        q.id_number.as_deref(),
        q.card_number.as_deref(),
        q.name.as_deref(),
    )?;
    let items = find(&state.store, &who.actor(), by).await?;
    Ok(ApiJson(List { items, next: None }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PurposeQuery {
    /// Why the caller reads the data: `contact:<id>`, `case:<id>` or `order:<id>`.
    purpose: Option<String>,
}

/// The masked 360 view of a customer, for a purpose (audited).
#[utoipa::path(
    get,
    path = "/customers/{id}/overview",
    tag = "customers",
    responses(
        (status = 200, description = "The customer's picture, numbers masked"),
        (status = 403, description = "`purpose_required`, `purpose_invalid`"),
    )
)]
pub async fn overview(
    axum::extract::State(state): axum::extract::State<AppState>,
    who: Api<AnyStaff>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<PurposeQuery>,
) -> ApiResult<ApiJson<OverviewView>> {
    let grant = state
        .store
        .customer_access(
            &who.actor(),
            &id,
            q.purpose.as_deref(),
            Read::Overview,
            serde_json::json!({}),
        )
        .await?;
    let o = grant.overview(20).await?;
    Ok(ApiJson(OverviewView::build(&o, view::today())))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatementQuery {
    /// Why the caller reads the data: `contact:<id>`, `case:<id>` or `order:<id>`.
    purpose: Option<String>,
    /// From (RFC 3339, or `YYYY-MM-DD` in the bank's time zone), inclusive.
    from: Option<String>,
    /// Until (RFC 3339, or `YYYY-MM-DD`), exclusive.
    to: Option<String>,
    /// At most this many lines (default 500).
    #[param(minimum = 1, maximum = 5000)]
    limit: Option<u32>,
}

/// Statement lines of a customer, for a purpose (audited); a legal order's `statements`
/// scope covers them.
#[utoipa::path(
    get,
    path = "/customers/{id}/transactions",
    tag = "customers",
    responses(
        (status = 200, description = "Statement lines, newest first"),
        (status = 403, description = "`purpose_required`, `purpose_invalid`"),
    )
)]
pub async fn transactions(
    axum::extract::State(state): axum::extract::State<AppState>,
    who: Api<AnyStaff>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<StatementQuery>,
) -> ApiResult<ApiJson<List<TransactionView>>> {
    let from = time_param("from", q.from.as_deref())?.unwrap_or(i64::MIN);
    let to = time_param("to", q.to.as_deref())?.unwrap_or(i64::MAX);
    if from > to {
        return Err(ApiError::field("from", "after to"));
    }
    let limit = q.limit.unwrap_or(500);
    if !(1..=5000).contains(&limit) {
        return Err(ApiError::field("limit", "between 1 and 5000"));
    }
    let grant = state
        .store
        .customer_access(
            &who.actor(),
            &id,
            q.purpose.as_deref(),
            Read::Transactions,
            serde_json::json!({"from": q.from, "to": q.to}),
        )
        .await?;
    let rows = grant.transactions(from, to, limit).await?;
    Ok(ApiJson(List {
        items: rows
            .iter()
            .map(|t| view::transaction_view(t, &[]))
            .collect(),
        next: None,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealRequest {
    field: Unmasked,
    /// The card (by id) when the field is a card number.
    target_id: Option<String>,
    /// Why the caller reads the data: `contact:<id>`, `case:<id>` or `order:<id>`.
    purpose: Option<String>,
    /// Why, for the audit record: 4 to 200 characters after trimming.
    #[schema(min_length = 4, max_length = 200)]
    reason: String,
}

/// Which masked number to show in full (the store's [`RevealField`], in the API's words).
#[derive(Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unmasked {
    CardNumber,
    IdNumber,
    Phone,
}

impl From<Unmasked> for RevealField {
    fn from(u: Unmasked) -> RevealField {
        match u {
            Unmasked::CardNumber => RevealField::CardNumber,
            Unmasked::IdNumber => RevealField::IdNumber,
            Unmasked::Phone => RevealField::Phone,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Revealed {
    value: String,
}

/// Shows one masked number in full: needs a purpose and a stated reason, is audited with
/// both, and is limited per user per hour.
#[utoipa::path(
    post,
    path = "/customers/{id}/reveal",
    tag = "customers",
    responses(
        (status = 200, description = "The number in full"),
        (status = 403, description = "`purpose_required`, `purpose_invalid`, `identity_not_verified`"),
        (status = 429, description = "`rate_limited`: `reveals_per_hour` reached in this clock hour"),
    )
)]
pub async fn reveal(
    axum::extract::State(state): axum::extract::State<AppState>,
    who: Api<AnyStaff>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<RevealRequest>,
) -> ApiResult<ApiJson<Revealed>> {
    let reason = reveal_reason(&req.reason)?;
    let actor = who.actor();
    let grant = state
        .store
        .customer_access(
            &actor,
            &id,
            req.purpose.as_deref(),
            Read::Reveal {
                per_hour: state.config.reveals_per_hour,
            },
            serde_json::json!({"field": req.field, "target_id": req.target_id, "reason": reason}),
        )
        .await?;
    let value = grant
        .reveal(req.field.into(), req.target_id.as_deref())
        .await?;
    Ok(ApiJson(Revealed { value }))
}
