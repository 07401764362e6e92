//! Why a member of staff may see a customer's data. Every read of customer data names a
//! purpose; the store looks up the facts of that purpose and [`check`] decides, so the
//! rule lives in one pure function that tests can reach without a database.

use crate::Actor;
use crate::error::ErrorCode;
use crate::legal_order::{OrderFacts, OrderScope};

/// The declared reason for a read: `contact:<id>`, `case:<id>` or `order:<id>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Purpose {
    Contact(String),
    Case(String),
    Order(String),
}

impl Purpose {
    /// Parses the `purpose` parameter; absent or blank is [`AccessDenied::PurposeRequired`].
    pub fn parse(raw: Option<&str>) -> Result<Purpose, AccessDenied> {
        let raw = raw
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(AccessDenied::PurposeRequired)?;
        let (kind, id) = raw.split_once(':').ok_or(AccessDenied::Malformed)?;
        if id.is_empty() || id.len() > 64 {
            return Err(AccessDenied::Malformed);
        }
        match kind {
            "contact" => Ok(Purpose::Contact(id.to_string())),
            "case" => Ok(Purpose::Case(id.to_string())),
            "order" => Ok(Purpose::Order(id.to_string())),
            _ => Err(AccessDenied::Malformed),
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Purpose::Contact(id) | Purpose::Case(id) | Purpose::Order(id) => id,
        }
    }
}

impl std::fmt::Display for Purpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Purpose::Contact(id) => write!(f, "contact:{id}"),
            Purpose::Case(id) => write!(f, "case:{id}"),
            Purpose::Order(id) => write!(f, "order:{id}"),
        }
    }
}

/// What the store found for the purpose's id. `None` fields mean "not set on the record".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PurposeFacts {
    /// No record with that id.
    Unknown,
    Contact {
        customer_id: Option<String>,
        handler_id: Option<String>,
        open: bool,
    },
    Case {
        customer_id: String,
        assignee_id: Option<String>,
        department: Option<String>,
        closed: bool,
    },
    /// A legal order grants only what its scope names, while active and valid.
    Order(OrderFacts),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccessDenied {
    #[error("a purpose is required to read customer data")]
    PurposeRequired,
    #[error("purpose must be contact:<id>, case:<id> or order:<id>")]
    Malformed,
    #[error("no such purpose record")]
    UnknownPurpose,
    #[error("the purpose concerns another customer")]
    OtherCustomer,
    #[error("the contact is closed")]
    ContactClosed,
    #[error("the contact is handled by someone else")]
    NotHandler,
    #[error("the case is neither assigned to you nor to your department")]
    NotAssigned,
    #[error("the case is closed")]
    CaseClosed,
    #[error("the legal order is not active")]
    OrderInactive,
    #[error("the legal order's scope does not cover this")]
    OutOfScope,
    #[error("verify the customer's identity on this contact before revealing")]
    IdentityNotVerified,
    /// The caller's reveals of this clock hour are used up.
    #[error("too many reveals in this hour")]
    RevealLimit,
}

impl AccessDenied {
    pub fn code(self) -> ErrorCode {
        match self {
            AccessDenied::PurposeRequired => ErrorCode::PurposeRequired,
            AccessDenied::IdentityNotVerified => ErrorCode::IdentityNotVerified,
            AccessDenied::RevealLimit => ErrorCode::RateLimited,
            _ => ErrorCode::PurposeInvalid,
        }
    }

    /// Short machine-readable reason, kept in the audit record of the refusal.
    /// Refusals that suggest looking where one should not, as opposed to the ordinary
    /// end of a purpose (a contact just wrapped up, a case just closed).
    pub fn suspicious(self) -> bool {
        !matches!(
            self,
            AccessDenied::ContactClosed
                | AccessDenied::CaseClosed
                | AccessDenied::IdentityNotVerified
                | AccessDenied::RevealLimit
        )
    }

    pub fn reason(self) -> &'static str {
        match self {
            AccessDenied::PurposeRequired => "purpose_required",
            AccessDenied::Malformed => "malformed",
            AccessDenied::UnknownPurpose => "unknown_purpose",
            AccessDenied::OtherCustomer => "other_customer",
            AccessDenied::ContactClosed => "contact_closed",
            AccessDenied::NotHandler => "not_handler",
            AccessDenied::NotAssigned => "not_assigned",
            AccessDenied::CaseClosed => "case_closed",
            AccessDenied::OrderInactive => "order_inactive",
            AccessDenied::OutOfScope => "out_of_scope",
            AccessDenied::IdentityNotVerified => "identity_not_verified",
            AccessDenied::RevealLimit => "reveal_limit",
        }
    }
}

/// Unmasking a number under a contact is done for the person on the line, so the caller
/// must have passed identity verification on that contact; cases and orders are not
/// conversations with the customer and carry no such step.
pub fn check_reveal(purpose: &Purpose, identity_verified: bool) -> Result<(), AccessDenied> {
    match purpose {
        Purpose::Contact(_) if !identity_verified => Err(AccessDenied::IdentityNotVerified),
        _ => Ok(()),
    }
}

/// Decides whether `facts` of a purpose let `who` read `customer_id`'s data. `order_scope`
/// is what a legal order must cover for this read (`None`: no order covers it, as orders
/// grant statements, not the full 360 view); `now_ms` decides an order's validity.
pub fn check(
    who: &Actor<'_>,
    customer_id: &str,
    facts: &PurposeFacts,
    order_scope: Option<OrderScope>,
    now_ms: i64,
) -> Result<(), AccessDenied> {
    match facts {
        PurposeFacts::Unknown => Err(AccessDenied::UnknownPurpose),
        PurposeFacts::Contact {
            customer_id: c,
            handler_id,
            open,
        } => {
            if c.as_deref() != Some(customer_id) {
                Err(AccessDenied::OtherCustomer)
            } else if !open {
                Err(AccessDenied::ContactClosed)
            } else if handler_id.as_deref() != Some(who.user_id) {
                Err(AccessDenied::NotHandler)
            } else {
                Ok(())
            }
        }
        PurposeFacts::Case {
            customer_id: c,
            assignee_id,
            department,
            closed,
        } => {
            let mine = assignee_id.as_deref() == Some(who.user_id)
                || (department.is_some() && department.as_deref() == who.department);
            if c != customer_id {
                Err(AccessDenied::OtherCustomer)
            } else if *closed {
                Err(AccessDenied::CaseClosed)
            } else if !mine {
                Err(AccessDenied::NotAssigned)
            } else {
                Ok(())
            }
        }
        PurposeFacts::Order(order) => match order_scope {
            Some(needed) => order.covers(customer_id, needed, now_ms),
            None if order.customer_id != customer_id => Err(AccessDenied::OtherCustomer),
            None => Err(AccessDenied::OutOfScope),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: Actor<'static> = Actor {
        user_id: "u1",
        username: "agent01",
        roles: &[],
        department: Some("card_center"),
    };

    #[test]
    fn a_reveal_on_a_contact_needs_a_verified_caller_but_not_on_a_case_or_order() {
        let contact = Purpose::Contact("ct1".into());
        assert_eq!(
            check_reveal(&contact, false),
            Err(AccessDenied::IdentityNotVerified)
        );
        assert_eq!(check_reveal(&contact, true), Ok(()));
        assert_eq!(check_reveal(&Purpose::Case("cs1".into()), false), Ok(()));
        assert_eq!(check_reveal(&Purpose::Order("lo1".into()), false), Ok(()));
        assert!(!AccessDenied::IdentityNotVerified.suspicious());
        assert_eq!(
            AccessDenied::IdentityNotVerified.code(),
            ErrorCode::IdentityNotVerified
        );
    }

    fn contact(customer: &str, handler: &str, open: bool) -> PurposeFacts {
        PurposeFacts::Contact {
            customer_id: Some(customer.into()),
            handler_id: Some(handler.into()),
            open,
        }
    }

    fn check_now(
        who: &Actor<'_>,
        customer: &str,
        facts: &PurposeFacts,
    ) -> Result<(), AccessDenied> {
        check(who, customer, facts, None, 0)
    }

    #[test]
    fn orders_grant_statements_only() {
        use crate::legal_order::OrderStatus;
        let order = PurposeFacts::Order(OrderFacts {
            customer_id: "c1".into(),
            status: OrderStatus::Active,
            scope: vec![OrderScope::Statements],
            valid_from_ms: 0,
            valid_until_ms: 100,
        });
        assert_eq!(
            check(&ME, "c1", &order, Some(OrderScope::Statements), 50),
            Ok(())
        );
        assert_eq!(
            check(&ME, "c1", &order, None, 50),
            Err(AccessDenied::OutOfScope)
        );
        assert_eq!(
            check(&ME, "c2", &order, None, 50),
            Err(AccessDenied::OtherCustomer)
        );
        assert_eq!(
            check(&ME, "c1", &order, Some(OrderScope::Statements), 100),
            Err(AccessDenied::OrderInactive)
        );
        assert!(AccessDenied::OutOfScope.suspicious() && !AccessDenied::ContactClosed.suspicious());
    }

    #[test]
    fn parsing() {
        assert_eq!(Purpose::parse(None), Err(AccessDenied::PurposeRequired));
        assert_eq!(
            Purpose::parse(Some("  ")),
            Err(AccessDenied::PurposeRequired)
        );
        assert_eq!(
            Purpose::parse(Some("contact:ct1")),
            Ok(Purpose::Contact("ct1".into()))
        );
        assert_eq!(
            Purpose::parse(Some("curiosity:1")),
            Err(AccessDenied::Malformed)
        );
        assert_eq!(
            Purpose::parse(Some("contact:")),
            Err(AccessDenied::Malformed)
        );
        assert_eq!(Purpose::Case("9".into()).to_string(), "case:9");
    }

    #[test]
    fn open_contact_of_this_customer_handled_by_me_is_the_only_valid_contact() {
        assert_eq!(check_now(&ME, "c1", &contact("c1", "u1", true)), Ok(()));
        assert_eq!(
            check_now(&ME, "c2", &contact("c1", "u1", true)),
            Err(AccessDenied::OtherCustomer)
        );
        assert_eq!(
            check_now(&ME, "c1", &contact("c1", "u2", true)),
            Err(AccessDenied::NotHandler)
        );
        assert_eq!(
            check_now(&ME, "c1", &contact("c1", "u1", false)),
            Err(AccessDenied::ContactClosed)
        );
        let anonymous = PurposeFacts::Contact {
            customer_id: None,
            handler_id: Some("u1".into()),
            open: true,
        };
        assert_eq!(
            check_now(&ME, "c1", &anonymous),
            Err(AccessDenied::OtherCustomer)
        );
        assert_eq!(
            check_now(&ME, "c1", &PurposeFacts::Unknown),
            Err(AccessDenied::UnknownPurpose)
        );
    }

    #[test]
    fn cases_by_assignee_or_department() {
        let case = |assignee: Option<&str>, dept: Option<&str>, closed| PurposeFacts::Case {
            customer_id: "c1".into(),
            assignee_id: assignee.map(Into::into),
            department: dept.map(Into::into),
            closed,
        };
        assert_eq!(check_now(&ME, "c1", &case(Some("u1"), None, false)), Ok(()));
        assert_eq!(
            check_now(&ME, "c1", &case(None, Some("card_center"), false)),
            Ok(())
        );
        assert_eq!(
            check_now(&ME, "c1", &case(Some("u9"), Some("loans"), false)),
            Err(AccessDenied::NotAssigned)
        );
        assert_eq!(
            check_now(&ME, "c1", &case(Some("u1"), None, true)),
            Err(AccessDenied::CaseClosed)
        );
        let nodept = Actor {
            department: None,
            ..ME
        };
        assert_eq!(
            check_now(&nodept, "c1", &case(None, None, false)),
            Err(AccessDenied::NotAssigned)
        );
    }

    #[test]
    fn codes() {
        assert_eq!(
            AccessDenied::PurposeRequired.code(),
            ErrorCode::PurposeRequired
        );
        assert_eq!(
            AccessDenied::OtherCustomer.code(),
            ErrorCode::PurposeInvalid
        );
        assert_eq!(AccessDenied::RevealLimit.code(), ErrorCode::RateLimited);
        assert!(!AccessDenied::RevealLimit.suspicious());
    }
}
