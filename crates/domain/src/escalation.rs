//! Escalation of case deadlines: when the owner is reminded, when the department head is
//! told of a breach, and who receives each. The store keeps the resulting jobs, so a
//! restart neither drops nor repeats one.

use crate::wire::wire_enum;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

wire_enum!(JobKind {
    /// 75% of the time to the deadline has passed: the owner is reminded.
    Reminder = "reminder",
    /// The deadline has passed: the department head is told.
    Breach = "breach",
});

/// Share of the time from the clock's start to the deadline after which the owner is
/// reminded, in percent.
pub const REMINDER_PERCENT: i64 = 75;

/// When each job of a deadline falls due: the reminder at 75% of the time from `start_ms`
/// to `due_ms`, the breach at the first instant after `due_ms`.
pub fn schedule(start_ms: i64, due_ms: i64) -> [(JobKind, i64); 2] {
    let span = (due_ms - start_ms).max(0);
    [
        (JobKind::Reminder, start_ms + span * REMINDER_PERCENT / 100),
        (JobKind::Breach, due_ms + 1),
    ]
}

/// Whether a deadline has passed at `now_ms`.
pub fn overdue(due_ms: i64, now_ms: i64) -> bool {
    now_ms > due_ms
}

/// The people a case's owner and department come down to when a job fires.
#[derive(Clone, Debug, Default)]
pub struct Owners<'a> {
    pub assignee: Option<&'a str>,
    pub department_members: &'a [String],
    pub department_head: Option<&'a str>,
    /// The duty supervisors: whoever is left when nobody else is.
    pub supervisors: &'a [String],
}

/// Who a job notifies: a reminder goes to the owner (the assignee, else the department's
/// members), a breach to the department head; either falls back to the supervisors, so
/// no deadline passes unseen.
pub fn recipients(kind: JobKind, o: &Owners<'_>) -> Vec<String> {
    let first: Vec<String> = match kind {
        JobKind::Reminder => match o.assignee {
            Some(a) => vec![a.to_string()],
            None => o.department_members.to_vec(),
        },
        JobKind::Breach => o.department_head.map(str::to_string).into_iter().collect(),
    };
    if first.is_empty() {
        o.supervisors.to_vec()
    } else {
        first
    }
}

/// The text of a job's notification.
pub fn notice_text(kind: JobKind, case_id: &str, case_type: &str, due: NaiveDate) -> String {
    let due = due.format("%Y-%m-%d");
    match kind {
        JobKind::Reminder => {
            format!(
                "案件 {case_id}（{case_type}）将于 {due} 到期，已用去75%的处理时限，请及时处理。"
            )
        }
        JobKind::Breach => {
            format!("案件 {case_id}（{case_type}）已超过处理期限 {due}，请部门负责人督办。")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reminders_go_to_the_owner_and_breaches_to_the_head() {
        let members = vec!["m1".to_string(), "m2".to_string()];
        let sups = vec!["s1".to_string()];
        let mut o = Owners {
            assignee: Some("a1"),
            department_members: &members,
            department_head: Some("h1"),
            supervisors: &sups,
        };
        assert_eq!(recipients(JobKind::Reminder, &o), vec!["a1"]);
        assert_eq!(recipients(JobKind::Breach, &o), vec!["h1"]);
        o.assignee = None;
        assert_eq!(recipients(JobKind::Reminder, &o), vec!["m1", "m2"]);
        o.department_head = None;
        assert_eq!(recipients(JobKind::Breach, &o), vec!["s1"]);
        o.department_members = &[];
        assert_eq!(recipients(JobKind::Reminder, &o), vec!["s1"]);
    }

    #[test]
    fn a_ten_day_deadline_reminds_after_seven_and_a_half() {
        let day = 86_400_000;
        assert_eq!(
            schedule(0, 10 * day),
            [
                (JobKind::Reminder, 15 * day / 2),
                (JobKind::Breach, 10 * day + 1)
            ]
        );
        assert!(overdue(10, 11) && !overdue(10, 10));
        let due = NaiveDate::from_ymd_opt(2026, 10, 13).unwrap();
        assert!(notice_text(JobKind::Breach, "cs_1", "客户投诉", due).contains("2026-10-13"));
    }

    proptest! {
        #[test]
        fn the_reminder_comes_before_the_breach(start in 0i64..1 << 45, span in 0i64..1 << 40) {
            let [(_, remind), (_, breach)] = schedule(start, start + span);
            prop_assert!(start <= remind && remind < breach);
            prop_assert!(!overdue(start + span, breach - 1) && overdue(start + span, breach));
        }
    }
}
