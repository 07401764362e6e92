//! Second-line cases: the state machine (a table of allowed moves, so the rule is data
//! that can be printed and tested), and configurable case types with their default
//! department, SLA and form fields.

use crate::calendar::{DayBasis, Sla};
use crate::error::FieldError;
use crate::role::Role;
use crate::wire::wire_enum;
use serde::{Deserialize, Serialize};

wire_enum!(CaseStatus {
    New = "new",
    Assigned = "assigned",
    InProgress = "in_progress",
    /// The clock stops until the customer answers.
    WaitingCustomer = "waiting_customer",
    WaitingOtherDept = "waiting_other_dept",
    Resolved = "resolved",
    Closed = "closed",
    Reopened = "reopened",
});

use CaseStatus::*;

/// Every allowed move. Closing an open case without resolving it is for withdrawals and
/// duplicates; a closed case is final (a new case links to it instead).
pub const TRANSITIONS: &[(CaseStatus, CaseStatus)] = &[
    (New, Assigned),
    (New, InProgress),
    (New, Closed),
    (Assigned, InProgress),
    (Assigned, WaitingCustomer),
    (Assigned, WaitingOtherDept),
    (Assigned, Resolved),
    (Assigned, Closed),
    (InProgress, Assigned),
    (InProgress, WaitingCustomer),
    (InProgress, WaitingOtherDept),
    (InProgress, Resolved),
    (InProgress, Closed),
    (WaitingCustomer, InProgress),
    (WaitingCustomer, Resolved),
    (WaitingCustomer, Closed),
    (WaitingOtherDept, InProgress),
    (WaitingOtherDept, Resolved),
    (WaitingOtherDept, Closed),
    (Resolved, Closed),
    (Resolved, Reopened),
    (Reopened, Assigned),
    (Reopened, InProgress),
    (Reopened, WaitingCustomer),
    (Reopened, WaitingOtherDept),
    (Reopened, Resolved),
    (Reopened, Closed),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a case cannot go from {from} to {to}")]
pub struct IllegalMove {
    pub from: CaseStatus,
    pub to: CaseStatus,
}

impl CaseStatus {
    /// Checks a move against [`TRANSITIONS`].
    pub fn move_to(self, to: CaseStatus) -> Result<CaseStatus, IllegalMove> {
        if TRANSITIONS.contains(&(self, to)) {
            Ok(to)
        } else {
            Err(IllegalMove { from: self, to })
        }
    }

    /// Work is still owed to the customer (the 360 view's "open cases").
    pub fn is_open(self) -> bool {
        !matches!(self, Resolved | Closed)
    }

    /// The SLA clock does not run while the bank waits on the customer.
    pub fn pauses_clock(self) -> bool {
        self == WaitingCustomer
    }

    /// Where a case may go next, for the desktop's buttons.
    pub fn next(self) -> Vec<CaseStatus> {
        TRANSITIONS
            .iter()
            .filter(|(f, _)| *f == self)
            .map(|(_, t)| *t)
            .collect()
    }
}

/// How far a member of staff may go with a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseAccess {
    /// See it, add notes and link contacts: whoever opened it, and compliance.
    Read,
    /// Move it, assign it, answer the customer: its owners and the supervisors.
    Work,
}

/// Who a case belongs to, for [`case_access`].
#[derive(Clone, Copy, Debug, Default)]
pub struct CaseParties<'a> {
    pub created_by: Option<&'a str>,
    pub assignee: Option<&'a str>,
    pub department: Option<&'a str>,
    pub complaint: bool,
}

/// The assignee and the owning department work a case, as do supervisors, and compliance
/// for complaints (it owns the complaint register); whoever opened it may still follow it.
pub fn case_access(
    user_id: &str,
    department: Option<&str>,
    roles: &[Role],
    p: &CaseParties<'_>,
) -> Option<CaseAccess> {
    let compliance = roles.contains(&Role::Compliance);
    let work = p.assignee == Some(user_id)
        || (p.department.is_some() && p.department == department)
        || roles.contains(&Role::Supervisor)
        || (compliance && p.complaint);
    if work {
        Some(CaseAccess::Work)
    } else if p.created_by == Some(user_id) || compliance {
        Some(CaseAccess::Read)
    } else {
        None
    }
}

wire_enum!(FieldKind {
    Text = "text",
    /// Whole fen, like every amount in bankdesk.
    MoneyFen = "money_fen",
    Date = "date",
    Choice = "choice",
    Flag = "flag",
});

/// One field of a case type's form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FormField {
    pub name: String,
    pub label: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// The allowed values of a `choice`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

/// A kind of case the bank handles, with where it goes and how long it may take.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CaseType {
    pub code: String,
    pub name: String,
    pub department: String,
    pub sla: Sla,
    /// Complaints follow the complaint rules (receipt date, complexity, extensions).
    #[serde(default)]
    pub complaint: bool,
    #[serde(default)]
    pub fields: Vec<FormField>,
}

const MAX_FIELD_TEXT: usize = 500;

fn code_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl CaseType {
    /// A type must have a code, a department, an SLA of 1 to 365 days, and a sane form.
    pub fn validate(&self) -> Result<(), FieldError> {
        if !code_ok(&self.code) {
            return Err(FieldError::new("code", "1-40 of a-z, 0-9 and _"));
        }
        if self.name.trim().is_empty() || self.name.chars().count() > 100 {
            return Err(FieldError::new("name", "1-100 characters"));
        }
        if !code_ok(&self.department) {
            return Err(FieldError::new("department", "1-40 of a-z, 0-9 and _"));
        }
        if !(1..=365).contains(&self.sla.days) {
            return Err(FieldError::new("sla.days", "1 to 365"));
        }
        if self.fields.len() > 30 {
            return Err(FieldError::new("fields", "at most 30"));
        }
        for (i, f) in self.fields.iter().enumerate() {
            if !code_ok(&f.name) || self.fields[..i].iter().any(|g| g.name == f.name) {
                return Err(FieldError::new(
                    "fields",
                    format!("field {}: a unique name of a-z, 0-9 and _", f.name),
                ));
            }
            if (f.kind == FieldKind::Choice) == f.options.is_empty() {
                return Err(FieldError::new(
                    "fields",
                    format!("field {}: options are for choices, and only there", f.name),
                ));
            }
        }
        Ok(())
    }

    /// Checks the values filled in on a case against the form: required fields present,
    /// each value of its kind, nothing the form does not have.
    pub fn check_values(
        &self,
        values: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), FieldError> {
        use serde_json::Value;
        for name in values.keys() {
            if !self.fields.iter().any(|f| &f.name == name) {
                return Err(FieldError::new(
                    "fields",
                    format!("{name} is not on the {} form", self.code),
                ));
            }
        }
        for f in &self.fields {
            let bad = |why: &str| Err(FieldError::new("fields", format!("{}: {why}", f.name)));
            match values.get(&f.name) {
                None | Some(Value::Null) if f.required => return bad("required"),
                None | Some(Value::Null) => {}
                Some(v) => match (f.kind, v) {
                    (FieldKind::Text, Value::String(s)) if s.chars().count() <= MAX_FIELD_TEXT => {}
                    (FieldKind::Text, _) => return bad("text up to 500 characters"),
                    (FieldKind::MoneyFen, Value::Number(n)) if n.as_i64().is_some() => {}
                    (FieldKind::MoneyFen, _) => return bad("a whole number of fen"),
                    (FieldKind::Date, Value::String(s))
                        if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => {}
                    (FieldKind::Date, _) => return bad("a date YYYY-MM-DD"),
                    (FieldKind::Choice, Value::String(s)) if f.options.contains(s) => {}
                    (FieldKind::Choice, _) => {
                        return bad(&format!("one of {}", f.options.join(", ")));
                    }
                    (FieldKind::Flag, Value::Bool(_)) => {}
                    (FieldKind::Flag, _) => return bad("true or false"),
                },
            }
        }
        Ok(())
    }
}

fn field(name: &str, label: &str, kind: FieldKind, required: bool) -> FormField {
    FormField {
        name: name.into(),
        label: label.into(),
        kind,
        required,
        options: Vec::new(),
    }
}

fn choice(name: &str, label: &str, options: &[&str]) -> FormField {
    FormField {
        options: options.iter().map(|o| o.to_string()).collect(),
        ..field(name, label, FieldKind::Choice, true)
    }
}

fn case_type(
    code: &str,
    name: &str,
    department: &str,
    days: u32,
    basis: DayBasis,
    fields: Vec<FormField>,
) -> CaseType {
    CaseType {
        code: code.into(),
        name: name.into(),
        department: department.into(),
        sla: Sla { days, basis },
        complaint: false,
        fields,
    }
}

/// The types a new installation starts with; administrators edit them.
pub fn default_case_types() -> Vec<CaseType> {
    use DayBasis::{Calendar, Working};
    use FieldKind::*;
    vec![
        case_type(
            "card_dispute",
            "信用卡交易争议",
            "card_center",
            10,
            Working,
            vec![
                field("card_id", "卡片", Text, true),
                field("transaction_id", "争议交易", Text, true),
                field("amount_fen", "争议金额(分)", MoneyFen, true),
                choice(
                    "reason",
                    "争议原因",
                    &[
                        "not_recognised",
                        "not_received",
                        "duplicate",
                        "amount_wrong",
                    ],
                ),
            ],
        ),
        case_type(
            "fee_refund",
            "费用退还",
            "card_center",
            5,
            Working,
            vec![
                field("fee_kind", "费用类型", Text, true),
                field("amount_fen", "金额(分)", MoneyFen, true),
            ],
        ),
        case_type(
            "overpayment_refund",
            "溢缴款退还",
            "card_center",
            5,
            Working,
            vec![
                field("card_id", "卡片", Text, true),
                field("amount_fen", "溢缴金额(分)", MoneyFen, false),
                field("payee_account", "收款账户", Text, false),
            ],
        ),
        case_type(
            "loan_repricing",
            "贷款利率重定价咨询",
            "loans",
            3,
            Working,
            vec![field("loan_id", "贷款", Text, true)],
        ),
        case_type(
            "wealth_loss",
            "理财产品亏损",
            "wealth",
            10,
            Working,
            vec![
                field("holding_id", "持仓", Text, true),
                field("suitability_checked", "已核对适当性", Flag, false),
            ],
        ),
        case_type(
            "retained_card",
            "ATM吞卡",
            "risk_desk",
            1,
            Working,
            vec![
                field("terminal", "设备号", Text, true),
                field("retained_on", "吞卡日期", Date, true),
            ],
        ),
        case_type(
            "data_correction",
            "客户信息更正",
            "operations",
            3,
            Working,
            vec![field("item", "更正项目", Text, true)],
        ),
        CaseType {
            complaint: true,
            ..case_type("complaint", "客户投诉", "compliance", 15, Calendar, vec![])
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_table_allows_the_documented_moves_and_nothing_else() {
        assert_eq!(New.move_to(Assigned), Ok(Assigned));
        assert_eq!(Resolved.move_to(Reopened), Ok(Reopened));
        assert_eq!(
            New.move_to(Resolved),
            Err(IllegalMove {
                from: New,
                to: Resolved
            })
        );
        for to in CaseStatus::ALL {
            assert!(Closed.move_to(*to).is_err(), "closed is final: {to}");
            assert!(to.move_to(New).is_err(), "nothing goes back to new: {to}");
            assert!(to.move_to(*to).is_err(), "no move to the same state: {to}");
        }
        assert_eq!(Resolved.next(), vec![Closed, Reopened]);
    }

    #[test]
    fn every_state_can_reach_closed_and_only_waiting_for_the_customer_stops_the_clock() {
        for s in CaseStatus::ALL {
            let mut seen = vec![*s];
            let mut i = 0;
            while i < seen.len() {
                for n in seen[i].next() {
                    if !seen.contains(&n) {
                        seen.push(n);
                    }
                }
                i += 1;
            }
            assert!(seen.contains(&Closed), "{s}");
        }
        let paused: Vec<_> = CaseStatus::ALL
            .iter()
            .filter(|s| s.pauses_clock())
            .collect();
        assert_eq!(paused, vec![&WaitingCustomer]);
        assert!(!Resolved.is_open() && Reopened.is_open());
    }

    #[test]
    fn owners_work_a_case_its_opener_follows_it_others_do_not_see_it() {
        let p = CaseParties {
            created_by: Some("agent"),
            assignee: Some("bo"),
            department: Some("card_center"),
            complaint: false,
        };
        let access = |id, dept, roles: &[Role]| case_access(id, dept, roles, &p);
        assert_eq!(
            access("bo", None, &[Role::Backoffice]),
            Some(CaseAccess::Work)
        );
        assert_eq!(
            access("bo2", Some("card_center"), &[Role::Backoffice]),
            Some(CaseAccess::Work)
        );
        assert_eq!(
            access("sup", Some("hotline"), &[Role::Supervisor]),
            Some(CaseAccess::Work)
        );
        assert_eq!(
            access("agent", Some("hotline"), &[Role::Agent]),
            Some(CaseAccess::Read)
        );
        assert_eq!(
            access("comp", Some("compliance"), &[Role::Compliance]),
            Some(CaseAccess::Read)
        );
        assert_eq!(access("agent2", Some("hotline"), &[Role::Agent]), None);
        let complaint = CaseParties {
            complaint: true,
            ..p
        };
        assert_eq!(
            case_access("comp", Some("compliance"), &[Role::Compliance], &complaint),
            Some(CaseAccess::Work)
        );
        let nobody = CaseParties {
            department: None,
            ..p
        };
        assert_eq!(case_access("x", None, &[Role::Agent], &nobody), None);
    }

    #[test]
    fn the_default_types_are_valid_and_cover_the_stories() {
        let types = default_case_types();
        for t in &types {
            t.validate().unwrap();
        }
        let overpaid = types
            .iter()
            .find(|t| t.code == "overpayment_refund")
            .unwrap();
        assert_eq!(overpaid.department, "card_center");
        assert!(
            types
                .iter()
                .any(|t| t.complaint && t.sla.days == 15 && t.sla.basis == DayBasis::Calendar)
        );
    }

    #[test]
    fn form_values_are_checked_against_the_form() {
        let t = default_case_types().remove(0);
        let ok = json!({"card_id": "K1", "transaction_id": "T1", "amount_fen": 12800, "reason": "duplicate"});
        t.check_values(ok.as_object().unwrap()).unwrap();
        for bad in [
            json!({"card_id": "K1", "transaction_id": "T1", "amount_fen": 12800}),
            json!({"card_id": "K1", "transaction_id": "T1", "amount_fen": 1.5, "reason": "duplicate"}),
            json!({"card_id": "K1", "transaction_id": "T1", "amount_fen": 1, "reason": "bored"}),
            json!({"card_id": "K1", "transaction_id": "T1", "amount_fen": 1, "reason": "duplicate", "x": 1}),
        ] {
            assert!(t.check_values(bad.as_object().unwrap()).is_err(), "{bad}");
        }
    }

    #[test]
    fn invalid_types_are_refused() {
        let mut t = default_case_types().remove(0);
        t.sla.days = 0;
        assert_eq!(t.validate().unwrap_err().field, "sla.days");
        let mut t = default_case_types().remove(0);
        t.fields[0].options = vec!["a".into()];
        assert_eq!(t.validate().unwrap_err().field, "fields");
        let mut t = default_case_types().remove(0);
        t.code = "Card Dispute".into();
        assert_eq!(t.validate().unwrap_err().field, "code");
    }
}
