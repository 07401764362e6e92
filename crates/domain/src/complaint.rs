//! Complaints under the 2020 banking and insurance consumer complaint measures (CBIRC
//! Order 2020 No. 3): an answer within 15 days of receipt, 30 for complex complaints and
//! a further 30 with a superior's sign-off, the complainant told of each extension;
//! recusal of anyone with a stake; root causes; and a closing answer that names the
//! routes of redress.

use crate::approval::{Request, RoleRule, State, Wording};
use crate::calendar::{DayBasis, Sla};
use crate::role::Role;
use crate::wire::wire_enum;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

wire_enum!(Complexity { Simple = "simple", Complex = "complex", VeryComplex = "very_complex" });

wire_enum!(
    /// How the complaint reached the bank.
    ComplaintChannel {
        Phone = "phone",
        Counter = "counter",
        Letter = "letter",
        Email = "email",
        Wechat = "wechat",
        Online = "online",
        /// Passed on by the regulator (监管转送).
        Regulator = "regulator",
        Media = "media",
    }
);

wire_enum!(
    /// Why it went wrong, so the cause is fixed and not only the case.
    RootCause {
        ProductDesign = "product_design",
        Process = "process",
        StaffConduct = "staff_conduct",
        SystemFault = "system_fault",
        FeesPricing = "fees_pricing",
        DisclosureSuitability = "disclosure_suitability",
        ThirdParty = "third_party",
        Communication = "communication",
        Misunderstanding = "misunderstanding",
    }
);

/// How far the answer period has been extended: 0 is the ordinary 15 days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ExtensionLevel(pub u8);

impl ExtensionLevel {
    pub const NONE: ExtensionLevel = ExtensionLevel(0);

    /// Calendar days from receipt at this level: 15, 30, then a further 30.
    pub fn period(self) -> Sla {
        let days = match self.0 {
            0 => 15,
            1 => 30,
            _ => 60,
        };
        Sla {
            days,
            basis: DayBasis::Calendar,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExtensionRefused {
    #[error("a simple complaint is answered within 15 days; mark it complex to extend")]
    Simple,
    #[error("a further extension is only for very complex complaints")]
    NotVeryComplex,
    #[error("the answer period is already at its longest (60 days)")]
    AtMost60Days,
}

/// The level an extension would bring a complaint of this complexity to.
pub fn next_extension(
    complexity: Complexity,
    current: ExtensionLevel,
) -> Result<ExtensionLevel, ExtensionRefused> {
    match (complexity, current.0) {
        (Complexity::Simple, _) => Err(ExtensionRefused::Simple),
        (_, 0) => Ok(ExtensionLevel(1)),
        (Complexity::Complex, _) => Err(ExtensionRefused::NotVeryComplex),
        (Complexity::VeryComplex, 1) => Ok(ExtensionLevel(2)),
        (Complexity::VeryComplex, _) => Err(ExtensionRefused::AtMost60Days),
    }
}

wire_enum!(
    /// Where an extension request stands.
    ExtensionStatus { PendingApproval = "pending_approval", Approved = "approved", Rejected = "rejected" }
);

/// An extension request under dual control. Who signs it off: to 30 days a supervisor or
/// the consumer-protection (compliance) officer; the further 30 days only a supervisor,
/// who records the superior institution's approval. Never the person who asked.
pub fn extension_approval(
    level: ExtensionLevel,
    status: ExtensionStatus,
    requester_id: &str,
) -> Request<'_> {
    Request {
        requester: requester_id,
        state: match status {
            ExtensionStatus::PendingApproval => State::Pending,
            ExtensionStatus::Approved => State::Approved,
            ExtensionStatus::Rejected => State::Rejected,
        },
        approvers: if level.0 <= 1 {
            RoleRule::AnyOf(&[Role::Supervisor, Role::Compliance])
        } else {
            RoleRule::AnyOf(&[Role::Supervisor])
        },
    }
}

/// The refusals as the cases API has always worded them (the requester's is the exports'
/// sentence, which extensions have always shared).
pub const EXTENSION_WORDING: Wording = Wording {
    same_person: "the requester cannot approve their own export",
    not_permitted: "only a superior signs an extension off",
    not_pending: "the extension is {status}",
};

/// The member of staff about to handle a complaint.
#[derive(Clone, Copy, Debug)]
pub struct Handler<'a> {
    pub username: &'a str,
    pub department: Option<&'a str>,
}

/// Who or what the complaint is about.
#[derive(Clone, Copy, Debug, Default)]
pub struct Subject<'a> {
    pub staff: Option<&'a str>,
    pub branch: Option<&'a str>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Recused {
    #[error("the complaint is about this person; someone else must handle it")]
    Person,
    #[error("the complaint is about this person's branch or department")]
    Branch,
}

/// The handler must have no stake: not the person complained about, not of the branch.
pub fn check_recusal(h: Handler<'_>, s: Subject<'_>) -> Result<(), Recused> {
    if s.staff.is_some_and(|p| p == h.username) {
        Err(Recused::Person)
    } else if s.branch.is_some() && s.branch == h.department {
        Err(Recused::Branch)
    } else {
        Ok(())
    }
}

/// The routes of redress every closing answer names.
pub const REDRESS_ROUTES: [&str; 4] = [
    "自收到本答复之日起30日内向本行申请核查",
    "向银行业保险业纠纷调解组织申请调解",
    "依据仲裁协议向仲裁机构申请仲裁",
    "向人民法院提起诉讼",
];

/// The closing answer to the complainant: the decision, then the routes of redress.
pub fn closure_letter(case_id: &str, received_on: NaiveDate, decision: &str) -> String {
    let mut letter = format!(
        "尊敬的客户：\n您于{}提出的投诉（编号 {case_id}）已处理完毕，处理意见如下：\n{}\n如您对处理意见有异议，可以：\n",
        received_on.format("%Y年%m月%d日"),
        decision.trim()
    );
    for (i, r) in REDRESS_ROUTES.iter().enumerate() {
        letter.push_str(&format!("{}. {r}；\n", i + 1));
    }
    letter.push_str("您也可拨打银行业保险业消费者投诉服务热线12378反映。");
    letter
}

/// The notice that tells the complainant of an extension, as the measures require.
pub fn extension_notice(
    case_id: &str,
    level: ExtensionLevel,
    new_due: NaiveDate,
    reason: &str,
) -> String {
    let by = if level.0 >= 2 {
        "经上级机构批准"
    } else {
        "经本行批准"
    };
    format!(
        "尊敬的客户：\n您的投诉（编号 {case_id}）情况复杂，{by}，处理期限延长至{}。原因：{}。我们将尽快给您答复。",
        new_due.format("%Y年%m月%d日"),
        reason.trim()
    )
}

/// The notice that external appraisal or verification has stopped the clock.
pub fn appraisal_notice(case_id: &str, note: &str) -> String {
    format!(
        "尊敬的客户：\n您的投诉（编号 {case_id}）需要外部鉴定或核实（{}），所需时间不计入处理期限，完成后我们将继续处理并告知您。",
        note.trim()
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MergeRefused {
    #[error("a complaint cannot be merged into itself")]
    Itself,
    #[error("only complaints of the same customer are merged")]
    OtherCustomer,
    #[error("only complaints still being handled are merged")]
    NotOpen,
}

/// The facts of one complaint that decide whether a repeat may be merged into it.
#[derive(Clone, Copy, Debug)]
pub struct MergeSide<'a> {
    pub case_id: &'a str,
    pub customer_id: &'a str,
    pub open: bool,
}

/// A repeat of the same complaint while it is being handled may be merged into it.
pub fn check_merge(repeat: MergeSide<'_>, into: MergeSide<'_>) -> Result<(), MergeRefused> {
    if repeat.case_id == into.case_id {
        Err(MergeRefused::Itself)
    } else if repeat.customer_id != into.customer_id {
        Err(MergeRefused::OtherCustomer)
    } else if !repeat.open || !into.open {
        Err(MergeRefused::NotOpen)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::BusinessCalendar;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn extensions_go_15_30_60_by_complexity() {
        use Complexity::*;
        assert_eq!(
            next_extension(Simple, ExtensionLevel::NONE),
            Err(ExtensionRefused::Simple)
        );
        assert_eq!(
            next_extension(Complex, ExtensionLevel::NONE),
            Ok(ExtensionLevel(1))
        );
        assert_eq!(
            next_extension(Complex, ExtensionLevel(1)),
            Err(ExtensionRefused::NotVeryComplex)
        );
        assert_eq!(
            next_extension(VeryComplex, ExtensionLevel(1)),
            Ok(ExtensionLevel(2))
        );
        assert_eq!(
            next_extension(VeryComplex, ExtensionLevel(2)),
            Err(ExtensionRefused::AtMost60Days)
        );
        let cal = BusinessCalendar::china();
        let received = d("2026-09-28");
        let due = |l| cal.due_date(received, ExtensionLevel(l).period(), &[]);
        assert_eq!(due(0), d("2026-10-13"));
        assert_eq!(due(1), d("2026-10-28"));
        assert_eq!(due(2), d("2026-11-27"));
    }

    #[test]
    fn a_superior_other_than_the_requester_signs_off() {
        use crate::approval::{Checker, Refused};
        let may_approve_extension = |level, requester, user_id, roles: &[Role]| {
            extension_approval(level, ExtensionStatus::PendingApproval, requester)
                .decide(&Checker { user_id, roles }, || Ok::<(), ()>(()))
        };
        let l1 = ExtensionLevel(1);
        let l2 = ExtensionLevel(2);
        assert_eq!(
            may_approve_extension(l1, "u1", "u2", &[Role::Supervisor]),
            Ok(())
        );
        assert_eq!(
            may_approve_extension(l1, "u1", "u2", &[Role::Compliance]),
            Ok(())
        );
        assert_eq!(
            may_approve_extension(l2, "u1", "u2", &[Role::Compliance]),
            Err(Refused::NotPermitted)
        );
        assert_eq!(
            may_approve_extension(l1, "u1", "u2", &[Role::Backoffice, Role::Agent]),
            Err(Refused::NotPermitted)
        );
        assert_eq!(
            may_approve_extension(l1, "u1", "u1", &[Role::Supervisor]),
            Err(Refused::SamePerson)
        );
    }

    #[test]
    fn recusal_of_the_person_and_branch_complained_about() {
        let h = Handler {
            username: "backoffice01",
            department: Some("card_center"),
        };
        assert_eq!(check_recusal(h, Subject::default()), Ok(()));
        assert_eq!(
            check_recusal(
                h,
                Subject {
                    staff: Some("backoffice01"),
                    branch: None
                }
            ),
            Err(Recused::Person)
        );
        assert_eq!(
            check_recusal(
                h,
                Subject {
                    staff: Some("agent03"),
                    branch: Some("card_center")
                }
            ),
            Err(Recused::Branch)
        );
        let nodept = Handler {
            username: "x",
            department: None,
        };
        assert_eq!(
            check_recusal(
                nodept,
                Subject {
                    staff: None,
                    branch: Some("branch_a")
                }
            ),
            Ok(())
        );
    }

    #[test]
    fn letters_name_the_routes_of_redress_and_the_new_deadline() {
        let l = closure_letter("cs_1", d("2026-09-28"), "退还溢缴款1,280.00元。");
        for r in REDRESS_ROUTES {
            assert!(l.contains(r), "{l}");
        }
        assert!(l.contains("2026年09月28日") && l.contains("cs_1"));
        let n = extension_notice("cs_1", ExtensionLevel(2), d("2026-11-27"), "需调取监控");
        assert!(n.contains("2026年11月27日") && n.contains("上级机构"));
        assert!(appraisal_notice("cs_1", "司法鉴定").contains("不计入处理期限"));
    }

    #[test]
    fn only_open_complaints_of_one_customer_merge() {
        let side = |id, customer, open| MergeSide {
            case_id: id,
            customer_id: customer,
            open,
        };
        assert_eq!(
            check_merge(side("a", "c1", true), side("b", "c1", true)),
            Ok(())
        );
        assert_eq!(
            check_merge(side("a", "c1", true), side("a", "c1", true)),
            Err(MergeRefused::Itself)
        );
        assert_eq!(
            check_merge(side("a", "c1", true), side("b", "c2", true)),
            Err(MergeRefused::OtherCustomer)
        );
        assert_eq!(
            check_merge(side("a", "c1", true), side("b", "c1", false)),
            Err(MergeRefused::NotOpen)
        );
    }
}
