//! Legal orders (court orders, police notices, regulator queries) are the only way staff
//! may read a customer's data without the customer. An order is registered by one
//! compliance officer, verified by a second, and grants only what its scope names, only
//! while it is valid.

use crate::access::AccessDenied;
use crate::approval::{Request, RoleRule, State, Wording};
use crate::wire::wire_enum;
use serde::{Deserialize, Serialize};

wire_enum!(OrderKind { CourtOrder = "court_order", PoliceQuery = "police_query", PoliceStopPayment = "police_stop_payment", RegulatorQuery = "regulator_query" });
wire_enum!(
    /// What an order allows: reading statements, freezing, or stopping payment.
    OrderScope { Statements = "statements", Freeze = "freeze", StopPayment = "stop_payment" }
);
wire_enum!(OrderStatus { PendingVerification = "pending_verification", Active = "active", Revoked = "revoked" });

/// Parses the stored comma-separated scope list.
pub fn parse_scope(s: &str) -> Vec<OrderScope> {
    s.split(',')
        .filter_map(|x| OrderScope::parse(x.trim()))
        .collect()
}

pub fn format_scope(scope: &[OrderScope]) -> String {
    scope
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The state of an order at the moment of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderFacts {
    pub customer_id: String,
    pub status: OrderStatus,
    pub scope: Vec<OrderScope>,
    pub valid_from_ms: i64,
    pub valid_until_ms: i64,
}

impl OrderFacts {
    /// Active, verified, within validity, naming the customer, and covering `needed`.
    pub fn covers(
        &self,
        customer_id: &str,
        needed: OrderScope,
        now_ms: i64,
    ) -> Result<(), AccessDenied> {
        if self.customer_id != customer_id {
            Err(AccessDenied::OtherCustomer)
        } else if self.status != OrderStatus::Active
            || now_ms < self.valid_from_ms
            || now_ms >= self.valid_until_ms
        {
            Err(AccessDenied::OrderInactive)
        } else if !self.scope.contains(&needed) {
            Err(AccessDenied::OutOfScope)
        } else {
            Ok(())
        }
    }
}

/// A registered order awaiting its verification by a second compliance officer (the API's
/// guard admits only compliance).
pub fn verification(status: OrderStatus, registrant_id: &str) -> Request<'_> {
    Request {
        requester: registrant_id,
        state: match status {
            OrderStatus::PendingVerification => State::Pending,
            OrderStatus::Active => State::Approved,
            OrderStatus::Revoked => State::Withdrawn,
        },
        approvers: RoleRule::Guarded,
    }
}

/// The refusals as the legal-order API has always worded them.
pub const VERIFICATION_WORDING: Wording = Wording {
    same_person: "a second compliance officer must verify the order",
    not_permitted: "only compliance verifies a legal order",
    not_pending: "the order is {status}, not pending verification",
};

#[cfg(test)]
mod tests {
    use super::*;

    fn order(status: OrderStatus) -> OrderFacts {
        OrderFacts {
            customer_id: "c1".into(),
            status,
            scope: vec![OrderScope::Statements],
            valid_from_ms: 1_000,
            valid_until_ms: 2_000,
        }
    }

    #[test]
    fn an_order_covers_only_its_customer_scope_and_validity() {
        let o = order(OrderStatus::Active);
        assert_eq!(o.covers("c1", OrderScope::Statements, 1_500), Ok(()));
        assert_eq!(
            o.covers("c2", OrderScope::Statements, 1_500),
            Err(AccessDenied::OtherCustomer)
        );
        assert_eq!(
            o.covers("c1", OrderScope::Freeze, 1_500),
            Err(AccessDenied::OutOfScope)
        );
        assert_eq!(
            o.covers("c1", OrderScope::Statements, 999),
            Err(AccessDenied::OrderInactive)
        );
        assert_eq!(
            o.covers("c1", OrderScope::Statements, 2_000),
            Err(AccessDenied::OrderInactive),
            "expired"
        );
        let pending = order(OrderStatus::PendingVerification);
        assert_eq!(
            pending.covers("c1", OrderScope::Statements, 1_500),
            Err(AccessDenied::OrderInactive)
        );
    }

    #[test]
    fn a_second_officer_verifies_a_pending_order() {
        use crate::approval::{Checker, Refused};
        let verify = |status, user_id| {
            verification(status, "c1").decide(
                &Checker {
                    user_id,
                    roles: &[],
                },
                || Ok::<(), ()>(()),
            )
        };
        assert_eq!(verify(OrderStatus::PendingVerification, "c2"), Ok(()));
        assert_eq!(
            verify(OrderStatus::PendingVerification, "c1"),
            Err(Refused::SamePerson)
        );
        assert_eq!(verify(OrderStatus::Active, "c2"), Err(Refused::NotPending));
        assert_eq!(
            VERIFICATION_WORDING.explain(&Refused::<String>::NotPending, "active"),
            "the order is active, not pending verification"
        );
    }

    #[test]
    fn scope_lists_round_trip_and_ignore_unknown_words() {
        let s = vec![OrderScope::Statements, OrderScope::StopPayment];
        assert_eq!(parse_scope(&format_scope(&s)), s);
        assert_eq!(
            parse_scope("statements, wiretap"),
            vec![OrderScope::Statements]
        );
    }
}
