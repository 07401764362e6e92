//! Finding a customer and showing a masked number in full: the rules the API's customer
//! endpoints and the desktop's search and reveal forms hold to alike.

use crate::error::{DeskError, DeskResult};
use bankdesk_domain::ErrorCode;
use bankdesk_domain::audit::NewAuditEntry;
use bankdesk_domain::ident::{CardNumber, IdNumber, Phone};
use bankdesk_domain::mask;
use bankdesk_store::Store;
use bankdesk_store::bank::Lookup;
use serde::Serialize;
use utoipa::ToSchema;

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
) -> DeskResult<Lookup> {
    let given = [phone, id_number, card, name]
        .iter()
        .filter(|v| v.is_some_and(|s| !s.trim().is_empty()))
        .count();
    if given != 1 {
        return Err(DeskError::new(
            ErrorCode::MissingField,
            "give exactly one of phone, id_number, card_number, name",
        ));
    }
    let err = |e: bankdesk_domain::error::FieldError| {
        DeskError::new(ErrorCode::InvalidField, e.to_string())
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
                return Err(DeskError::field("name", "longer than 50 characters"));
            }
            Lookup::Name(n.to_string())
        }
        _ => return Err(DeskError::new(ErrorCode::MissingField, "no search key")),
    })
}

/// How a lookup is described in the audit log: the kind of key and its masked value.
fn lookup_detail(by: &Lookup, hits: usize) -> serde_json::Value {
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
    store: &Store,
    who: &bankdesk_domain::Actor<'_>,
    by: Lookup,
) -> DeskResult<Vec<Hit>> {
    let hits = store.find_customers(&by, 20).await?;
    store
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

/// The stated reason of a reveal, trimmed: 4 to 200 characters, so that the audit record
/// says why. The API and the desktop's reveal form hold to the same rule.
pub fn reveal_reason(reason: &str) -> DeskResult<&str> {
    let reason = reason.trim();
    if (4..=200).contains(&reason.chars().count()) {
        Ok(reason)
    } else {
        Err(DeskError::field(
            "reason",
            "say why, in 4 to 200 characters",
        ))
    }
}
