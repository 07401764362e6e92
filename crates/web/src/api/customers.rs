use super::List;
use crate::AppState;
use crate::auth::{AnyStaff, Api};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::view::{self, OverviewView, TransactionView};
use bankdesk_domain::ErrorCode;
use bankdesk_domain::audit::NewAuditEntry;
use bankdesk_domain::ident::{CardNumber, IdNumber, Phone};
use bankdesk_domain::mask;
use bankdesk_store::access::Read;
use bankdesk_store::bank::Lookup;
use bankdesk_store::privacy::RevealField;
use chrono::DateTime;
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

#[derive(Serialize, ToSchema)]
#[schema(as = CustomerHit)]
pub struct Hit {
    pub id: String,
    pub name_masked: String,
    pub phone_masked: String,
    pub vip_tier: String,
}

/// Exactly one search key, validated, so a typo is a clear 400 rather than no hits.
pub fn lookup_of(
    phone: Option<&str>,
    id_number: Option<&str>,
    card: Option<&str>,
    name: Option<&str>,
) -> ApiResult<Lookup> {
    let given = [phone, id_number, card, name]
        .iter()
        .filter(|v| v.is_some_and(|s| !s.trim().is_empty()))
        .count();
    if given != 1 {
        return Err(ApiError::new(
            ErrorCode::MissingField,
            "give exactly one of phone, id_number, card_number, name",
        ));
    }
    let err = |e: bankdesk_domain::error::FieldError| {
        ApiError::new(ErrorCode::InvalidField, e.to_string())
    };
    Ok(match (phone, id_number, card, name) {
        (Some(p), ..) if !p.trim().is_empty() => {
            Lookup::Phone(Phone::parse(p).map_err(err)?.as_str().to_string())
        }
        (_, Some(i), ..) if !i.trim().is_empty() => {
            Lookup::IdNumber(IdNumber::parse(i).map_err(err)?.as_str().to_string())
        }
        (_, _, Some(c), _) if !c.trim().is_empty() => {
            Lookup::CardNumber(CardNumber::parse(c).map_err(err)?.as_str().to_string())
        }
        (.., Some(n)) => {
            let n = n.trim();
            if n.chars().count() > 50 {
                return Err(ApiError::field("name", "longer than 50 characters"));
            }
            Lookup::Name(n.to_string())
        }
        _ => return Err(ApiError::new(ErrorCode::MissingField, "no search key")),
    })
}

/// How a lookup is described in the audit log: the kind of key and its masked value.
pub fn lookup_detail(by: &Lookup, hits: usize) -> serde_json::Value {
    let (kind, masked) = match by {
        Lookup::Phone(v) => ("phone", mask::phone(v)),
        Lookup::IdNumber(v) => ("id_number", mask::id_number(v)),
        Lookup::CardNumber(v) => ("card_number", mask::card(v)),
        Lookup::Name(v) => ("name", mask::name(v)),
    };
    serde_json::json!({"by": kind, "value": masked, "hits": hits})
}

/// Identification only: masked name and phone, and the search itself is audited.
pub async fn find(
    state: &AppState,
    who: &bankdesk_store::contacts::Actor<'_>,
    by: Lookup,
) -> ApiResult<Vec<Hit>> {
    let hits = state.store.find_customers(&by, 20).await?;
    state
        .store
        .audit(NewAuditEntry {
            at_ms: bankdesk_store::now_ms(),
            actor: who.username.to_string(),
            action: "customer.search".into(),
            customer_id: (hits.len() == 1).then(|| hits[0].id.clone()),
            purpose: None,
            detail: lookup_detail(&by, hits.len()).to_string(),
        })
        .await?;
    Ok(hits
        .into_iter()
        .map(|h| Hit {
            name_masked: mask::name(&h.name),
            phone_masked: mask::phone(&h.phone),
            id: h.id,
            vip_tier: h.vip_tier,
        })
        .collect())
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
    let items = find(&state, &who.actor(), by).await?;
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

pub fn time_param(name: &str, v: Option<&str>) -> ApiResult<Option<i64>> {
    v.map(|s| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.timestamp_millis())
            .or_else(|_| {
                chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map(|d| {
                    d.and_hms_opt(0, 0, 0).map_or(0, |t| {
                        t.and_local_timezone(view::bank_tz())
                            .single()
                            .map_or(0, |x| x.timestamp_millis())
                    })
                })
            })
            .map_err(|_| ApiError::field(name, "an RFC 3339 time or a YYYY-MM-DD date"))
    })
    .transpose()
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

/// The stated reason of a reveal, trimmed: 4 to 200 characters, so that the audit record
/// says why. The API and the desktop's reveal form hold to the same rule.
pub(crate) fn reveal_reason(reason: &str) -> ApiResult<&str> {
    let reason = reason.trim();
    if (4..=200).contains(&reason.chars().count()) {
        Ok(reason)
    } else {
        Err(ApiError::field("reason", "say why, in 4 to 200 characters"))
    }
}

/// Refuses with `rate_limited` once `username` has revealed `reveals_per_hour` numbers in
/// the last hour: looking up number after number is what a leak looks like.
pub(crate) async fn reveal_allowed(state: &AppState, username: &str) -> ApiResult<()> {
    let since = bankdesk_store::now_ms() - 3_600_000;
    if state.store.reveals_since(username, since).await? >= i64::from(state.config.reveals_per_hour)
    {
        return Err(ApiError::new(
            ErrorCode::RateLimited,
            "too many reveals in the last hour",
        ));
    }
    Ok(())
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
        (status = 429, description = "`rate_limited`: `reveals_per_hour` reached"),
    )
)]
pub async fn reveal(
    axum::extract::State(state): axum::extract::State<AppState>,
    who: Api<AnyStaff>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<RevealRequest>,
) -> ApiResult<ApiJson<Revealed>> {
    let reason = reveal_reason(&req.reason)?;
    reveal_allowed(&state, &who.user.username).await?;
    let actor = who.actor();
    let grant = state
        .store
        .customer_access(
            &actor,
            &id,
            req.purpose.as_deref(),
            Read::Reveal,
            serde_json::json!({"field": req.field, "target_id": req.target_id, "reason": reason}),
        )
        .await?;
    let value = grant
        .reveal(req.field.into(), req.target_id.as_deref())
        .await?;
    Ok(ApiJson(Revealed { value }))
}
