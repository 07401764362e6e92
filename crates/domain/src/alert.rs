//! Insider-access alerts: the rules that tell compliance when staff look where they should
//! not. Each rule is a pure function of what just happened and a little context the store
//! counts, so every rule is unit-tested here.

use crate::wire::wire_enum;
use serde::{Deserialize, Serialize};

wire_enum!(AlertKind {
    /// A read of customer data without a valid purpose.
    NoPurpose = "no_purpose",
    /// One member of staff touched more distinct customers in an hour than the threshold.
    ManyCustomers = "many_customers",
    /// Any access to a customer flagged sensitive (public figures, staff).
    SensitiveCustomer = "sensitive_customer",
    /// A staff account's roles were asked for, approved, rejected or changed.
    RoleChange = "role_change",
});
wire_enum!(AlertStatus { Open = "open", Acknowledged = "acknowledged", Closed = "closed" });

/// Tunable thresholds (configuration).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlertRules {
    /// More distinct customers than this within one hour raises `many_customers`.
    pub max_customers_per_hour: u32,
}

impl Default for AlertRules {
    fn default() -> Self {
        AlertRules {
            max_customers_per_hour: 30,
        }
    }
}

/// One access to customer data, as the gate saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessEvent {
    pub granted: bool,
    /// The refusal was for a missing or invalid purpose (rather than e.g. a closed contact
    /// the agent just wrapped up — those are refused too, but are not suspicious).
    pub suspicious_refusal: bool,
    pub customer_sensitive: bool,
    /// Distinct customers this user read in the last hour, this one included.
    pub distinct_customers_last_hour: u32,
    /// Whether a `many_customers` alert for this user is already open from the last hour.
    pub many_customers_alert_open: bool,
}

/// The alerts an access raises.
pub fn evaluate(e: &AccessEvent, rules: &AlertRules) -> Vec<AlertKind> {
    let mut out = Vec::new();
    if !e.granted && e.suspicious_refusal {
        out.push(AlertKind::NoPurpose);
    }
    if e.customer_sensitive {
        out.push(AlertKind::SensitiveCustomer);
    }
    if e.granted
        && e.distinct_customers_last_hour > rules.max_customers_per_hour
        && !e.many_customers_alert_open
    {
        out.push(AlertKind::ManyCustomers);
    }
    out
}

/// The staff an alert is about: its actor and, for a role change, also the account and
/// whoever asked and decided (the alert's `detail` names them).
pub fn concerned<'a>(kind: &str, actor: &'a str, detail: &'a serde_json::Value) -> Vec<&'a str> {
    let mut people = vec![actor];
    if AlertKind::parse(kind) == Some(AlertKind::RoleChange) {
        people.extend(
            ["user", "requested_by", "decided_by"]
                .iter()
                .filter_map(|k| detail[*k].as_str()),
        );
    }
    people
}

/// Whether `closer` may acknowledge or close an alert about `concerned`: an alert about
/// oneself goes to another compliance officer, or it protects nobody.
pub fn may_handle(closer: &str, concerned: &[&str]) -> bool {
    !concerned.contains(&closer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nobody_handles_an_alert_about_themselves() {
        assert!(!may_handle("compliance01", &["compliance01"]));
        assert!(!may_handle(
            "compliance02",
            &["admin", "compliance02", "agent11"]
        ));
        assert!(may_handle("compliance02", &["compliance01"]));
    }

    #[test]
    fn a_role_change_concerns_the_account_the_maker_and_the_checker() {
        let detail = serde_json::json!({"user": "agent11", "requested_by": "admin", "decided_by": "compliance01"});
        assert_eq!(
            concerned("role_change", "compliance01", &detail),
            ["compliance01", "agent11", "admin", "compliance01"]
        );
        assert_eq!(
            concerned("no_purpose", "agent01", &detail),
            ["agent01"],
            "only a role change names others"
        );
        let requested =
            serde_json::json!({"user": "agent11", "requested_by": "admin", "decided_by": null});
        assert_eq!(
            concerned("role_change", "admin", &requested),
            ["admin", "agent11", "admin"]
        );
    }

    const QUIET: AccessEvent = AccessEvent {
        granted: true,
        suspicious_refusal: false,
        customer_sensitive: false,
        distinct_customers_last_hour: 1,
        many_customers_alert_open: false,
    };

    #[test]
    fn an_ordinary_read_raises_nothing() {
        assert!(evaluate(&QUIET, &AlertRules::default()).is_empty());
    }

    #[test]
    fn refusal_for_lack_of_purpose_alerts() {
        let e = AccessEvent {
            granted: false,
            suspicious_refusal: true,
            ..QUIET
        };
        assert_eq!(
            evaluate(&e, &AlertRules::default()),
            vec![AlertKind::NoPurpose]
        );
        let benign = AccessEvent {
            granted: false,
            suspicious_refusal: false,
            ..QUIET
        };
        assert!(evaluate(&benign, &AlertRules::default()).is_empty());
    }

    #[test]
    fn any_access_to_a_sensitive_customer_alerts_granted_or_not() {
        let e = AccessEvent {
            customer_sensitive: true,
            ..QUIET
        };
        assert_eq!(
            evaluate(&e, &AlertRules::default()),
            vec![AlertKind::SensitiveCustomer]
        );
        let refused = AccessEvent {
            granted: false,
            suspicious_refusal: true,
            customer_sensitive: true,
            ..QUIET
        };
        assert_eq!(
            evaluate(&refused, &AlertRules::default()),
            vec![AlertKind::NoPurpose, AlertKind::SensitiveCustomer]
        );
    }

    #[test]
    fn many_customers_alerts_once_above_the_threshold() {
        let rules = AlertRules {
            max_customers_per_hour: 30,
        };
        let at = |n, open| AccessEvent {
            distinct_customers_last_hour: n,
            many_customers_alert_open: open,
            ..QUIET
        };
        assert!(evaluate(&at(30, false), &rules).is_empty(), "30 is allowed");
        assert_eq!(
            evaluate(&at(31, false), &rules),
            vec![AlertKind::ManyCustomers]
        );
        assert!(
            evaluate(&at(45, true), &rules).is_empty(),
            "no repeat while one is open"
        );
    }
}
