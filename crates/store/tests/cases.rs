//! Cases, complaints and escalation in the store, on every configured database.

use bankdesk_domain::Actor;
use bankdesk_domain::ErrorCode;
use bankdesk_domain::calendar::{BusinessCalendar, DayBasis, Pause, Sla, bank_date, end_of_day_ms};
use bankdesk_domain::case::CaseStatus;
use bankdesk_domain::complaint::{Complexity, RootCause};
use bankdesk_domain::contact::{ContactChannel, Direction};
use bankdesk_domain::role::Role;
use bankdesk_store::cases::{CaseFilter, NewCase, Reply};
use bankdesk_store::complaints::{ComplaintUpdate, Decision};
use bankdesk_store::testing::{self, TestStore, backends, fixture, fresh, staff};
use bankdesk_store::users::User;
use bankdesk_store::{Store, StoreError, args, now_ms};
use chrono::NaiveDate;

struct Bank {
    t: TestStore,
    agent: User,
    bo1: User,
    bo2: User,
    sup: User,
    comp1: User,
    comp2: User,
}

impl Bank {
    fn s(&self) -> &Store {
        &self.t.store
    }
}

async fn bank(b: &'static str) -> Bank {
    let t = fresh(b).await;
    let mut tx = t.store.db().begin().await.unwrap();
    tx.insert_bank_batch(&fixture()).await.unwrap();
    tx.commit().await.unwrap();
    let s = &t.store;
    Bank {
        agent: staff(s, "agent01", Role::Agent, Some("hotline")).await,
        bo1: staff(s, "backoffice01", Role::Backoffice, Some("card_center")).await,
        bo2: staff(s, "backoffice02", Role::Backoffice, Some("card_center")).await,
        sup: staff(s, "supervisor01", Role::Supervisor, Some("hotline")).await,
        comp1: staff(s, "compliance01", Role::Compliance, Some("compliance")).await,
        comp2: staff(s, "compliance02", Role::Compliance, Some("compliance")).await,
        t,
    }
}

fn code(e: StoreError) -> ErrorCode {
    match e {
        StoreError::Refused { code, .. } => code,
        StoreError::Conflict(_) => ErrorCode::Conflict,
        StoreError::Invalid(_) => ErrorCode::InvalidField,
        StoreError::NotFound => ErrorCode::NotFound,
        other => panic!("unexpected {other:?}"),
    }
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// 08:00 Beijing time on a day, as epoch ms.
fn morning(day: &str) -> i64 {
    end_of_day_ms(d(day)) + 1_000 - 86_400_000 + 8 * 3_600_000
}

fn overpayment() -> NewCase {
    NewCase {
        customer_id: "C1".into(),
        case_type: "overpayment_refund".into(),
        summary: "信用卡挂失，溢缴款1,280元要求退回".into(),
        contact_id: None,
        department: None,
        fields: serde_json::json!({"card_id": "K1", "amount_fen": 128000})
            .as_object()
            .cloned()
            .unwrap(),
        complaint: None,
    }
}

fn complaint(received: &str, complexity: Complexity) -> NewCase {
    testing::complaint(morning(received), complexity)
}

fn reply(text: &str) -> Reply {
    Reply {
        text: text.into(),
        channel: ContactChannel::Phone,
    }
}

#[tokio::test]
async fn a_case_runs_from_a_contact_to_an_answer_with_its_history() {
    for b in backends() {
        let k = bank(b).await;
        let s = k.s();
        let agent = Actor::from(&k.agent);
        let bo = Actor::from(&k.bo1);
        let contact = s
            .open_contact(
                &agent,
                ContactChannel::Phone,
                Direction::Inbound,
                Some("C1"),
            )
            .await
            .unwrap();
        let case = s
            .create_case(
                &agent,
                &NewCase {
                    contact_id: Some(contact.id.clone()),
                    ..overpayment()
                },
            )
            .await
            .unwrap();
        assert_eq!(case.status, CaseStatus::New, "{b}");
        assert_eq!(case.department.as_deref(), Some("card_center"));
        let cal = BusinessCalendar::china();
        assert_eq!(
            case.due_at_ms,
            Some(end_of_day_ms(cal.due_date(
                bank_date(case.opened_at_ms),
                case.sla,
                &[]
            ))),
            "5 working days"
        );

        let e = s
            .transition_case(
                &bo,
                &case.id,
                CaseStatus::Resolved,
                "",
                None,
                Some(&reply("x")),
            )
            .await
            .unwrap_err();
        assert_eq!(
            code(e),
            ErrorCode::IllegalTransition,
            "{b}: new cannot be resolved"
        );
        let e = s
            .transition_case(&agent, &case.id, CaseStatus::InProgress, "", None, None)
            .await
            .unwrap_err();
        assert_eq!(
            code(e),
            ErrorCode::Forbidden,
            "{b}: the hotline only follows it"
        );

        let case = s
            .assign_case(
                &bo,
                &case.id,
                None,
                Some("backoffice01"),
                "",
                Some(case.version),
            )
            .await
            .unwrap();
        assert_eq!(case.status, CaseStatus::Assigned);
        assert_eq!(case.assignee.as_deref(), Some("backoffice01"));
        let stale = case.version - 1;
        let e = s
            .transition_case(&bo, &case.id, CaseStatus::InProgress, "", Some(stale), None)
            .await
            .unwrap_err();
        assert_eq!(code(e), ErrorCode::Conflict, "{b}: stale version");
        let case = s
            .transition_case(
                &bo,
                &case.id,
                CaseStatus::InProgress,
                "核对还款记录",
                Some(case.version),
                None,
            )
            .await
            .unwrap();
        let e = s
            .transition_case(&bo, &case.id, CaseStatus::Resolved, "", None, None)
            .await
            .unwrap_err();
        assert_eq!(
            code(e),
            ErrorCode::InvalidField,
            "{b}: an answer is required"
        );
        s.add_case_note(&agent, &case.id, "客户再次来电询问进度")
            .await
            .unwrap();
        let case = s
            .transition_case(
                &bo,
                &case.id,
                CaseStatus::Resolved,
                "已退回",
                None,
                Some(&reply("您的溢缴款1,280.00元已退回您尾号1234的借记卡。")),
            )
            .await
            .unwrap();
        assert_eq!(case.status, CaseStatus::Resolved);
        assert!(case.resolved_at_ms.is_some());

        let detail = s.case_detail(&agent, &case.id).await.unwrap();
        let actions: Vec<(&str, Option<&str>, Option<&str>)> = detail
            .history
            .iter()
            .map(|h| {
                (
                    h.action.as_str(),
                    h.from_value.as_deref(),
                    h.to_value.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            actions,
            vec![
                ("created", None, Some("new")),
                (
                    "assignment",
                    Some("card_center/-"),
                    Some("card_center/backoffice01")
                ),
                ("transition", Some("new"), Some("assigned")),
                ("transition", Some("assigned"), Some("in_progress")),
                ("note", None, None),
                ("transition", Some("in_progress"), Some("resolved")),
            ],
            "{b}"
        );
        assert!(detail.history.iter().all(|h| h.actor.is_some()));
        let roles: Vec<&str> = detail.contacts.iter().map(|c| c.role.as_str()).collect();
        assert_eq!(roles, vec!["origin", "reply"], "{b}");
        let answer = &detail.contacts[1];
        assert_eq!(answer.direction, "outbound");
        assert!(answer.summary.as_deref().unwrap().contains("1,280.00"));

        let e = s
            .transition_case(&bo, &case.id, CaseStatus::New, "", None, None)
            .await
            .unwrap_err();
        assert_eq!(code(e), ErrorCode::IllegalTransition);
    }
}

#[tokio::test]
async fn complaint_deadlines_extensions_and_notices() {
    for b in backends() {
        let k = bank(b).await;
        let s = k.s();
        let comp1 = Actor::from(&k.comp1);
        let comp2 = Actor::from(&k.comp2);
        let agent = Actor::from(&k.agent);
        let sup = Actor::from(&k.sup);

        let simple = s
            .create_case(&agent, &complaint("2026-09-28", Complexity::Simple))
            .await
            .unwrap();
        assert_eq!(
            simple.due_at_ms.map(bank_date),
            Some(d("2026-10-13")),
            "{b}"
        );
        assert_eq!(simple.department.as_deref(), Some("compliance"));
        let e = s
            .request_extension(&comp1, &simple.id, "需调查")
            .await
            .unwrap_err();
        assert_eq!(
            code(e),
            ErrorCode::RuleRefused,
            "{b}: simple complaints are not extended"
        );

        let complex = s
            .create_case(&agent, &complaint("2026-09-28", Complexity::Complex))
            .await
            .unwrap();
        let ext = s
            .request_extension(&comp1, &complex.id, "需调取网点监控")
            .await
            .unwrap();
        assert_eq!(ext.status, "pending_approval");
        for (who, expected) in [
            (&comp1, ErrorCode::SamePerson),
            (&agent, ErrorCode::Forbidden),
        ] {
            let e = s
                .decide_extension(who, &complex.id, &ext.id, Decision::Approve, None)
                .await
                .unwrap_err();
            assert_eq!(code(e), expected, "{b}");
        }
        let unchanged = s.case_detail(&comp1, &complex.id).await.unwrap();
        assert_eq!(
            unchanged.case.due_at_ms, complex.due_at_ms,
            "{b}: no sign-off, no move"
        );
        assert!(unchanged.contacts.is_empty());

        let approved = s
            .decide_extension(&comp2, &complex.id, &ext.id, Decision::Approve, None)
            .await
            .unwrap();
        assert_eq!(approved.status, "approved");
        assert_eq!(
            approved.new_due_at_ms.map(bank_date),
            Some(d("2026-10-28")),
            "{b}"
        );
        let detail = s.case_detail(&comp1, &complex.id).await.unwrap();
        assert_eq!(detail.case.due_at_ms, approved.new_due_at_ms);
        let notice = detail.contacts.iter().find(|c| c.role == "notice").unwrap();
        assert_eq!(Some(notice.contact_id.clone()), approved.notice_contact_id);
        assert!(
            notice
                .summary
                .as_deref()
                .unwrap()
                .contains("2026年10月28日"),
            "{b}"
        );

        let e = s
            .request_extension(&comp1, &complex.id, "再延")
            .await
            .unwrap_err();
        assert_eq!(
            code(e),
            ErrorCode::RuleRefused,
            "{b}: a further 30 days is for very complex"
        );
        let c = s
            .update_complaint(
                &comp1,
                &complex.id,
                &ComplaintUpdate {
                    complexity: Some(Complexity::VeryComplex),
                    ..Default::default()
                },
                None,
            )
            .await
            .unwrap();
        let ext2 = s
            .request_extension(&comp1, &c.id, "需司法鉴定")
            .await
            .unwrap();
        let e = s
            .decide_extension(&comp2, &c.id, &ext2.id, Decision::Approve, None)
            .await
            .unwrap_err();
        assert_eq!(
            code(e),
            ErrorCode::Forbidden,
            "{b}: compliance cannot sign the further 30 days"
        );
        let e = s
            .decide_extension(&sup, &c.id, &ext2.id, Decision::Approve, None)
            .await
            .unwrap_err();
        assert_eq!(
            code(e),
            ErrorCode::InvalidField,
            "{b}: the superior's approval is referenced"
        );
        let ext2 = s
            .decide_extension(
                &sup,
                &c.id,
                &ext2.id,
                Decision::Approve,
                Some("总行消保〔2026〕31号"),
            )
            .await
            .unwrap();
        assert_eq!(
            ext2.new_due_at_ms.map(bank_date),
            Some(d("2026-11-27")),
            "{b}"
        );

        s.transition_case(&comp1, &c.id, CaseStatus::InProgress, "", None, None)
            .await
            .unwrap();
        let e = s
            .transition_case(
                &comp1,
                &c.id,
                CaseStatus::Resolved,
                "",
                None,
                Some(&reply("同意退还")),
            )
            .await
            .unwrap_err();
        assert_eq!(code(e), ErrorCode::RuleRefused, "{b}: root causes first");
        s.update_complaint(
            &comp1,
            &c.id,
            &ComplaintUpdate {
                root_causes: Some(vec![RootCause::Process, RootCause::Communication]),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
        s.transition_case(
            &comp1,
            &c.id,
            CaseStatus::Resolved,
            "",
            None,
            Some(&reply("同意退还溢缴款。")),
        )
        .await
        .unwrap();
        let detail = s.case_detail(&comp1, &c.id).await.unwrap();
        let letter = detail.contacts.iter().find(|c| c.role == "reply").unwrap();
        let letter = letter.summary.as_deref().unwrap();
        for route in bankdesk_domain::complaint::REDRESS_ROUTES {
            assert!(letter.contains(route), "{b}: {letter}");
        }
        let register = s
            .complaint_register("compliance01", 0, i64::MAX, 100)
            .await
            .unwrap();
        assert_eq!(register.len(), 2, "{b}");
        let row = register.iter().find(|r| r.case_id == c.id).unwrap();
        assert_eq!(row.root_causes, "process,communication");
        assert_eq!(row.extension_level, 2);
        assert!(row.answered_at_ms.is_some());
    }
}

#[tokio::test]
async fn waiting_on_the_customer_stops_the_clock() {
    for b in backends() {
        let k = bank(b).await;
        let s = k.s();
        let bo = Actor::from(&k.bo1);
        let case = s.create_case(&bo, &overpayment()).await.unwrap();
        let case = s
            .assign_case(&bo, &case.id, None, Some("backoffice01"), "", None)
            .await
            .unwrap();
        let waiting = s
            .transition_case(
                &bo,
                &case.id,
                CaseStatus::WaitingCustomer,
                "请客户提供收款账户",
                None,
                None,
            )
            .await
            .unwrap();
        assert_eq!(waiting.due_at_ms, None, "{b}: no deadline while paused");
        let overdue = CaseFilter {
            overdue: true,
            now_ms: i64::MAX,
            limit: 50,
            ..Default::default()
        };
        assert!(s.list_cases(&bo, &overdue).await.unwrap().is_empty(), "{b}");
        let (jobs,): (i64,) = s
            .db()
            .fetch_optional(
                "SELECT COUNT(*) FROM case_jobs WHERE case_id = $1 AND state = 'pending'",
                &args![case.id.as_str()],
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(jobs, 0, "{b}: no reminders while paused");

        // The case was opened six days ago and has waited on the customer for four.
        let day = 86_400_000;
        s.db()
            .execute(
                "UPDATE cases SET clock_start_ms = clock_start_ms - $1 WHERE id = $2",
                &args![6 * day, case.id.as_str()],
            )
            .await
            .unwrap();
        s.db()
            .execute(
                "UPDATE case_pauses SET from_ms = from_ms - $1 WHERE case_id = $2",
                &args![4 * day, case.id.as_str()],
            )
            .await
            .unwrap();
        let (from_ms,): (i64,) = s
            .db()
            .fetch_optional(
                "SELECT from_ms FROM case_pauses WHERE case_id = $1",
                &args![case.id.as_str()],
            )
            .await
            .unwrap()
            .unwrap();
        let resumed = s
            .transition_case(
                &bo,
                &case.id,
                CaseStatus::InProgress,
                "客户已回复",
                None,
                None,
            )
            .await
            .unwrap();
        let cal = BusinessCalendar::china();
        let pause = Pause {
            from: bank_date(from_ms),
            to: bank_date(now_ms()),
        };
        let start = bank_date(case.clock_start_ms - 6 * day);
        let expected = cal.due_date(start, case.sla, &[pause]);
        assert_eq!(resumed.due_at_ms.map(bank_date), Some(expected), "{b}");
        assert!(expected >= cal.due_date(start, case.sla, &[]));
    }
}

#[tokio::test]
async fn a_working_day_sla_skips_the_holiday_and_counts_the_swapped_saturday() {
    for b in backends() {
        let k = bank(b).await;
        let s = k.s();
        let bo = Actor::from(&k.bo1);
        // An overpayment refund (5 working days) whose clock started on 2026-09-30: the
        // National Day holiday (10-01..10-07) does not count, Saturday 10-10 does.
        let case = s.create_case(&bo, &overpayment()).await.unwrap();
        assert_eq!(
            case.sla,
            Sla {
                days: 5,
                basis: DayBasis::Working
            }
        );
        s.db()
            .execute(
                "UPDATE cases SET clock_start_ms = $1 WHERE id = $2",
                &args![morning("2026-09-30"), case.id.as_str()],
            )
            .await
            .unwrap();
        // Any move recomputes the deadline from the stored clock.
        s.assign_case(&bo, &case.id, None, Some("backoffice01"), "", None)
            .await
            .unwrap();
        for to in [CaseStatus::WaitingCustomer, CaseStatus::InProgress] {
            s.transition_case(&bo, &case.id, to, "核对", None, None)
                .await
                .unwrap();
        }
        let moved = s.case_detail(&bo, &case.id).await.unwrap().case;
        assert_eq!(
            moved.due_at_ms.map(bank_date),
            Some(d("2026-10-13")),
            "{b}: 10-08, 10-09, Sat 10-10, 10-12, 10-13"
        );
    }
}

#[tokio::test]
async fn external_appraisal_stops_a_complaints_clock_and_tells_the_complainant() {
    for b in backends() {
        let k = bank(b).await;
        let s = k.s();
        let comp1 = Actor::from(&k.comp1);
        let received = bank_date(now_ms()) - chrono::Days::new(5);
        let c = s
            .create_case(
                &comp1,
                &complaint(&received.to_string(), Complexity::Simple),
            )
            .await
            .unwrap();
        let unpaused = c.due_at_ms.unwrap();
        s.assign_case(&comp1, &c.id, None, Some("compliance01"), "", None)
            .await
            .unwrap();
        let stopped = s
            .complaint_appraisal(&comp1, &c.id, true, "送司法鉴定笔迹", None)
            .await
            .unwrap();
        assert_eq!(stopped.due_at_ms, None, "{b}: no deadline while appraised");
        let e = s
            .complaint_appraisal(&comp1, &c.id, true, "再次送鉴定", None)
            .await
            .unwrap_err();
        assert_eq!(code(e), ErrorCode::Conflict, "{b}: already stopped");
        let detail = s.case_detail(&comp1, &c.id).await.unwrap();
        let notice = detail
            .contacts
            .iter()
            .find(|x| x.role == "notice")
            .expect("the complainant is told");
        assert!(
            notice
                .summary
                .as_deref()
                .unwrap_or("")
                .contains("送司法鉴定笔迹"),
            "{b}"
        );

        // The appraisal took three days.
        let day = 86_400_000;
        s.db()
            .execute(
                "UPDATE case_pauses SET from_ms = from_ms - $1 WHERE case_id = $2",
                &args![3 * day, c.id.as_str()],
            )
            .await
            .unwrap();
        let (from_ms,): (i64,) = s
            .db()
            .fetch_optional(
                "SELECT from_ms FROM case_pauses WHERE case_id = $1",
                &args![c.id.as_str()],
            )
            .await
            .unwrap()
            .unwrap();
        let resumed = s
            .complaint_appraisal(&comp1, &c.id, false, "鉴定结论已出", None)
            .await
            .unwrap();
        let cal = BusinessCalendar::china();
        let expected = cal.due_date(
            received,
            c.sla,
            &[Pause {
                from: bank_date(from_ms),
                to: bank_date(now_ms()),
            }],
        );
        assert_eq!(resumed.due_at_ms.map(bank_date), Some(expected), "{b}");
        assert!(
            resumed.due_at_ms.unwrap() > unpaused,
            "{b}: the deadline moved out"
        );
        let e = s
            .complaint_appraisal(&comp1, &c.id, false, "再次结束", None)
            .await
            .unwrap_err();
        assert_eq!(code(e), ErrorCode::Conflict, "{b}: not stopped");
        let kinds: Vec<String> = s
            .case_detail(&comp1, &c.id)
            .await
            .unwrap()
            .history
            .into_iter()
            .map(|h| h.action)
            .collect();
        assert!(
            kinds.iter().any(|k| k == "appraisal_started")
                && kinds.iter().any(|k| k == "appraisal_ended"),
            "{b}: {kinds:?}"
        );
        assert!(s.audit_verify().await.unwrap().ok);
    }
}

#[tokio::test]
async fn the_handler_of_a_complaint_has_no_stake_in_it() {
    for b in backends() {
        let k = bank(b).await;
        let s = k.s();
        let sup = Actor::from(&k.sup);
        let mut n = complaint("2026-11-02", Complexity::Simple);
        if let Some(c) = n.complaint.as_mut() {
            c.subject_staff = Some("backoffice01".into());
        }
        n.department = Some("card_center".into());
        let c = s.create_case(&sup, &n).await.unwrap();
        let e = s
            .assign_case(&sup, &c.id, None, Some("backoffice01"), "", None)
            .await
            .unwrap_err();
        assert_eq!(
            code(e),
            ErrorCode::Recused,
            "{b}: the person complained about"
        );
        let e = s
            .transition_case(
                &Actor::from(&k.bo1),
                &c.id,
                CaseStatus::InProgress,
                "",
                None,
                None,
            )
            .await
            .unwrap_err();
        assert_eq!(code(e), ErrorCode::Recused, "{b}");
        let c = s
            .assign_case(&sup, &c.id, None, Some("backoffice02"), "", None)
            .await
            .unwrap();
        let e = s
            .update_complaint(
                &sup,
                &c.id,
                &ComplaintUpdate {
                    subject_branch: Some(Some("card_center".into())),
                    ..Default::default()
                },
                None,
            )
            .await
            .unwrap_err();
        assert_eq!(
            code(e),
            ErrorCode::Recused,
            "{b}: the branch complained about"
        );
        let c = s
            .assign_case(
                &sup,
                &c.id,
                Some("compliance"),
                Some("compliance01"),
                "回避",
                None,
            )
            .await
            .unwrap();
        s.update_complaint(
            &sup,
            &c.id,
            &ComplaintUpdate {
                subject_branch: Some(Some("card_center".into())),
                ..Default::default()
            },
            Some(c.version),
        )
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn a_repeat_complaint_is_merged_and_new_facts_restart_the_clock() {
    for b in backends() {
        let k = bank(b).await;
        let s = k.s();
        let comp = Actor::from(&k.comp1);
        let first = s
            .create_case(&comp, &complaint("2026-11-02", Complexity::Simple))
            .await
            .unwrap();
        let repeat = s
            .create_case(&comp, &complaint("2026-11-09", Complexity::Simple))
            .await
            .unwrap();
        let merged = s
            .merge_complaint(&comp, &repeat.id, &first.id, false, "同一事项")
            .await
            .unwrap();
        assert_eq!(merged.due_at_ms, first.due_at_ms, "{b}");
        let r = s.case_detail(&comp, &repeat.id).await.unwrap();
        assert_eq!(r.case.status, CaseStatus::Closed);
        assert_eq!(
            r.case.complaint.as_ref().unwrap().merged_into.as_deref(),
            Some(first.id.as_str())
        );
        let e = s
            .merge_complaint(&comp, &repeat.id, &first.id, false, "")
            .await
            .unwrap_err();
        assert_eq!(code(e), ErrorCode::RuleRefused, "{b}: closed already");

        let third = s
            .create_case(&comp, &complaint("2026-11-16", Complexity::Simple))
            .await
            .unwrap();
        let restarted = s
            .merge_complaint(&comp, &third.id, &first.id, true, "客户补充了新的事实")
            .await
            .unwrap();
        assert_eq!(
            restarted.due_at_ms, third.due_at_ms,
            "{b}: counts from the new receipt"
        );
    }
}

#[tokio::test]
async fn jobs_that_came_due_while_stopped_are_sent_exactly_once_after_restart() {
    for b in backends() {
        let k = bank(b).await;
        let s = k.s();
        let comp = Actor::from(&k.comp1);
        let bo = Actor::from(&k.bo1);
        s.put_department(&comp, "compliance", "消保合规部", Some("compliance02"))
            .await
            .unwrap();
        // Both complaints passed 75% and their deadline while nothing ran.
        let mut cases = Vec::new();
        for day in ["2026-09-28", "2026-10-09"] {
            let c = s
                .create_case(&comp, &complaint(day, Complexity::Simple))
                .await
                .unwrap();
            cases.push(c);
        }
        s.assign_case(&comp, &cases[0].id, None, Some("compliance01"), "", None)
            .await
            .unwrap();
        let fresh_case = s.create_case(&bo, &overpayment()).await.unwrap();

        // The "restarted" process: two workers on the same database at once, then again.
        let now = now_ms();
        let s2 = s.clone();
        let (r1, r2) = tokio::join!(s.run_due_jobs("w1", now), s2.run_due_jobs("w2", now));
        let (r1, r2) = (r1.unwrap(), r2.unwrap());
        assert_eq!(r1.sent + r2.sent, 4, "{b}: {r1:?} {r2:?}");
        let again = s.run_due_jobs("w1", now).await.unwrap();
        assert_eq!(again.sent + again.dropped, 0, "{b}: nothing twice");

        let inbox = |u: &User| {
            let id = u.id.clone();
            async move { s.notifications(&id, false, 100).await.unwrap() }
        };
        let assignee = inbox(&k.comp1).await;
        let head = inbox(&k.comp2).await;
        let kinds = |n: &[bankdesk_store::escalation::NotificationRow], case: &str| {
            let mut k: Vec<String> = n
                .iter()
                .filter(|x| x.case_id.as_deref() == Some(case))
                .map(|x| x.kind.clone())
                .collect();
            k.sort();
            k
        };
        assert_eq!(kinds(&assignee, &cases[0].id), vec!["reminder"], "{b}");
        assert_eq!(kinds(&head, &cases[0].id), vec!["breach"], "{b}");
        assert_eq!(
            kinds(&head, &cases[1].id),
            vec!["breach", "reminder"],
            "{b}: unassigned: the department's members are reminded"
        );
        assert_eq!(kinds(&assignee, &cases[1].id), vec!["reminder"]);
        assert!(
            kinds(&inbox(&k.bo1).await, &fresh_case.id).is_empty(),
            "{b}: not due yet"
        );

        let later = fresh_case.due_at_ms.unwrap() + 1;
        let run = s.run_due_jobs("w3", later).await.unwrap();
        assert_eq!(run.sent, 2, "{b}");
        let bo_inbox = inbox(&k.bo1).await;
        assert_eq!(kinds(&bo_inbox, &fresh_case.id), vec!["reminder"]);
        assert_eq!(
            kinds(&inbox(&k.sup).await, &fresh_case.id),
            vec!["breach"],
            "{b}: card_center has no head: the supervisors hear of it"
        );
        s.mark_notification_read(&k.bo1.id, &bo_inbox[0].id)
            .await
            .unwrap();
        assert!(
            s.notifications(&k.bo1.id, true, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            s.mark_notification_read(&k.bo2.id, &bo_inbox[0].id).await,
            Err(StoreError::NotFound)
        ));
    }
}

#[tokio::test]
async fn lists_by_department_and_overdue() {
    for b in backends() {
        let k = bank(b).await;
        let s = k.s();
        let agent = Actor::from(&k.agent);
        let bo = Actor::from(&k.bo1);
        let sup = Actor::from(&k.sup);
        let a = s.create_case(&agent, &overpayment()).await.unwrap();
        let late = s
            .create_case(&agent, &complaint("2026-09-28", Complexity::Simple))
            .await
            .unwrap();
        let all = CaseFilter {
            now_ms: now_ms(),
            limit: 50,
            ..Default::default()
        };
        let ids =
            |v: Vec<bankdesk_store::cases::Case>| v.into_iter().map(|c| c.id).collect::<Vec<_>>();
        assert_eq!(
            ids(s.list_cases(&bo, &all).await.unwrap()),
            vec![a.id.clone()],
            "{b}"
        );
        assert_eq!(
            ids(s.list_cases(&agent, &all).await.unwrap()).len(),
            2,
            "{b}: the opener follows both"
        );
        let other = CaseFilter {
            department: Some("card_center".into()),
            ..all.clone()
        };
        assert_eq!(
            code(s.list_cases(&agent, &other).await.unwrap_err()),
            ErrorCode::Forbidden
        );
        assert_eq!(
            ids(s.list_cases(&sup, &other).await.unwrap()),
            vec![a.id.clone()]
        );
        let overdue = CaseFilter {
            overdue: true,
            ..all.clone()
        };
        assert_eq!(
            ids(s.list_cases(&sup, &overdue).await.unwrap()),
            vec![late.id.clone()],
            "{b}"
        );
        let page = CaseFilter {
            limit: 1,
            ..all.clone()
        };
        let first = s.list_cases(&sup, &page).await.unwrap();
        let second = s
            .list_cases(
                &sup,
                &CaseFilter {
                    after: Some((first[0].opened_at_ms, first[0].id.clone())),
                    ..page.clone()
                },
            )
            .await
            .unwrap();
        assert_eq!(first.len() + second.len(), 2, "{b}");
        assert_ne!(first[0].id, second[0].id);
    }
}

#[tokio::test]
async fn bulk_cases_land_in_the_overdue_list_only_when_open_and_late() {
    use bankdesk_store::cases::BulkCase;
    for b in backends() {
        let k = bank(b).await;
        let s = k.s();
        let now = now_ms();
        let day = 86_400_000;
        let bulk = |id: &str, status, due: i64| BulkCase {
            id: id.into(),
            customer_id: "C1".into(),
            case_type: "fee_refund".into(),
            status,
            department: "card_center".into(),
            summary: "bulk".into(),
            opened_at_ms: now - 10 * day,
            due_at_ms: Some(due),
            sla: Sla {
                days: 5,
                basis: DayBasis::Working,
            },
            resolved_at_ms: None,
            closed_at_ms: None,
        };
        let mut tx = s.db().begin().await.unwrap();
        tx.insert_cases(&[
            bulk("late", CaseStatus::InProgress, now - day),
            bulk("closed", CaseStatus::Closed, now - day),
            bulk("early", CaseStatus::New, now + day),
        ])
        .await
        .unwrap();
        tx.commit().await.unwrap();
        s.analyze().await.unwrap();
        let counts = s.case_counts(now).await.unwrap();
        assert_eq!(
            (counts.total, counts.open, counts.overdue),
            (3, 2, 1),
            "{b}"
        );
        let list = s
            .list_cases(
                &Actor::from(&k.sup),
                &CaseFilter {
                    overdue: true,
                    department: Some("card_center".into()),
                    now_ms: now,
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let ids: Vec<&str> = list.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, vec!["late"], "{b}");
    }
}

/// A case page asked for by more people at once than the pool has connections: each
/// request must finish on the one connection it holds. One that asked for a second
/// connection while holding the first would wait for the pool's timeout once every
/// connection was held by such a request, and fail as "database unavailable".
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn case_pages_read_in_parallel_never_wait_on_each_other_for_connections() {
    for b in backends() {
        let k = bank(b).await;
        let s = k.s();
        let agent = Actor::from(&k.agent);
        let case = s.create_case(&agent, &overpayment()).await.unwrap();
        let readers: Vec<_> = (0..64)
            .map(|_| {
                let (s, user, id) = (s.clone(), k.agent.clone(), case.id.clone());
                tokio::spawn(async move {
                    let who = Actor::from(&user);
                    s.case_detail(&who, &id).await.map(|d| d.case.id)
                })
            })
            .collect();
        for r in readers {
            let read = r.await.unwrap();
            assert_eq!(read.ok().as_deref(), Some(case.id.as_str()), "{b}");
        }
    }
}
