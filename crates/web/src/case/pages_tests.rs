//! The second-line desktop through the real router, on every configured database: case
//! lists with overdue cases marked, the case page and its forms, the complaint register
//! and the crisis board.

use crate::pages::tests::Desk;
use axum::http::StatusCode;
use bankdesk_domain::Actor;
use bankdesk_domain::calendar::end_of_day_ms;
use bankdesk_domain::complaint::{ComplaintChannel, Complexity};
use bankdesk_domain::crisis::parse_jsonl;
use bankdesk_store::cases::{Case, NewCase, NewComplaint};
use bankdesk_store::testing::backends;

impl Desk {
    async fn staff_case(&self, username: &str, n: NewCase) -> Case {
        let user = self
            .store
            .store
            .user_by_username(username)
            .await
            .unwrap()
            .unwrap();
        self.store
            .store
            .create_case(&Actor::from(&user), &n)
            .await
            .unwrap()
    }
}

fn overpayment() -> NewCase {
    NewCase {
        customer_id: "C1".into(),
        case_type: "overpayment_refund".into(),
        summary: "溢缴款1,280元要求退回".into(),
        contact_id: None,
        department: None,
        fields: serde_json::json!({"card_id": "K1"})
            .as_object()
            .cloned()
            .unwrap(),
        complaint: None,
    }
}

/// A simple complaint received on 2026-09-28, long overdue.
fn late_complaint() -> NewCase {
    let received = end_of_day_ms(chrono::NaiveDate::from_ymd_opt(2026, 9, 28).unwrap());
    NewCase {
        customer_id: "C1".into(),
        case_type: "complaint".into(),
        summary: "多次往返网点".into(),
        contact_id: None,
        department: Some("card_center".into()),
        fields: Default::default(),
        complaint: Some(NewComplaint {
            received_at_ms: received - 12 * 3_600_000,
            channel: ComplaintChannel::Counter,
            complexity: Complexity::Simple,
            subject_staff: None,
            subject_branch: None,
        }),
    }
}

#[tokio::test]
async fn the_card_center_works_a_case_from_its_list_to_the_answer() {
    for b in backends() {
        let d = Desk::start(b).await;
        let case = d.staff_case("agent01", overpayment()).await;
        let late = d.staff_case("agent01", late_complaint()).await;
        let bo = d.login("backoffice01").await;

        let list = d.get("/cases", &bo.cookie).await;
        assert_eq!(list.status, StatusCode::OK, "{b}");
        assert!(
            list.body.contains(&case.id) && list.body.contains(&late.id),
            "{b}"
        );
        assert_eq!(
            list.body.matches("class=\"overdue\"").count(),
            1,
            "{b}: {}",
            list.body
        );
        let overdue = d.get("/cases?overdue=1", &bo.cookie).await;
        assert!(
            overdue.body.contains(&late.id) && !overdue.body.contains(&case.id),
            "{b}"
        );
        let other = d.get("/cases?department=loans", &bo.cookie).await;
        assert_eq!(
            other.status,
            StatusCode::FORBIDDEN,
            "{b}: another department"
        );

        let url = format!("/cases/{}", case.id);
        let page = d.get(&url, &bo.cookie).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(page.body.contains("溢缴款退还") && page.body.contains("purpose=case%3A"));
        let no_token = d
            .post(&format!("{url}/move"), &bo.cookie, &[("to", "in_progress")])
            .await;
        assert_eq!(no_token.status, StatusCode::FORBIDDEN, "{b}: CSRF");
        let moved = d
            .post(
                &format!("{url}/move"),
                &bo.cookie,
                &[("csrf", &bo.csrf), ("to", "in_progress"), ("version", "1")],
            )
            .await;
        assert_eq!(moved.status, StatusCode::SEE_OTHER, "{b}: {}", moved.body);
        let stale = d
            .post(
                &format!("{url}/move"),
                &bo.cookie,
                &[
                    ("csrf", &bo.csrf),
                    ("to", "waiting_customer"),
                    ("version", "1"),
                ],
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{b}: stale version");
        let illegal = d
            .post(
                &format!("{url}/move"),
                &bo.cookie,
                &[("csrf", &bo.csrf), ("to", "reopened")],
            )
            .await;
        assert_eq!(illegal.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let answer = "您的溢缴款已退回本人借记卡。";
        let resolved = d
            .post(
                &format!("{url}/move"),
                &bo.cookie,
                &[("csrf", &bo.csrf), ("to", "resolved"), ("reply", answer)],
            )
            .await;
        assert_eq!(
            resolved.status,
            StatusCode::SEE_OTHER,
            "{b}: {}",
            resolved.body
        );
        let page = d.get(resolved.location(), &bo.cookie).await;
        assert!(page.body.contains(answer), "{b}: the answer is on the case");
        assert!(page.body.contains("已解决"), "{b}");

        let agent = d.login("agent01").await;
        let followed = d.get(&url, &agent.cookie).await;
        assert_eq!(
            followed.status,
            StatusCode::OK,
            "{b}: the opener follows it"
        );
        assert!(
            !followed.body.contains("/move\""),
            "{b}: but does not work it"
        );
        let qa = d.login("qa01").await;
        assert_eq!(d.get(&url, &qa.cookie).await.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn the_register_and_the_crisis_board_are_for_oversight() {
    for b in backends() {
        let d = Desk::start(b).await;
        let late = d.staff_case("agent01", late_complaint()).await;
        let comp = d.login("compliance01").await;
        let reg = d
            .get("/complaints?from=2026-09-01&to=2026-09-30", &comp.cookie)
            .await;
        assert_eq!(reg.status, StatusCode::OK, "{b}");
        assert!(
            reg.body.contains(&late.id) && reg.body.contains("王*华"),
            "{b}"
        );
        assert!(!reg.body.contains("王丽华"), "{b}: names are masked");
        let csv = d
            .get(
                "/complaints.csv?from=2026-09-01&to=2026-09-30",
                &comp.cookie,
            )
            .await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(
            csv.body.starts_with("case_id,received_at,customer,") && csv.body.contains(&late.id)
        );
        let agent = d.login("agent01").await;
        assert_eq!(
            d.get("/complaints", &agent.cookie).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            d.get("/crises", &agent.cookie).await.status,
            StatusCode::FORBIDDEN
        );

        let s = &d.store.store;
        let comp_user = s.user_by_username("compliance01").await.unwrap().unwrap();
        let actor = Actor::from(&comp_user);
        s.set_watch_words(&actor, &["示范银行".to_string()])
            .await
            .unwrap();
        let feed = r#"{"source":"weibo","author":"@小王","text":"示范银行推诿，投诉无门","time":"2026-11-20T10:00:00+08:00","reach":5200}"#;
        let r = s.ingest_signals(&actor, parse_jsonl(feed)).await.unwrap();
        assert_eq!(r.on_board, 1, "{b}");
        let sup = d.login("supervisor01").await;
        let board = d.get("/crises", &sup.cookie).await;
        assert_eq!(board.status, StatusCode::OK, "{b}");
        assert!(board.body.contains("示范银行推诿"), "{b}");
        let signal = s.crisis_board().await.unwrap().signals[0].id.clone();
        let raised = d
            .post(
                "/crises",
                &sup.cookie,
                &[
                    ("csrf", &sup.csrf),
                    ("signal_id", &signal),
                    ("title", "微博负面"),
                ],
            )
            .await;
        assert_eq!(raised.status, StatusCode::SEE_OTHER, "{b}: {}", raised.body);
        let crisis_url = raised.location().to_string();
        let reported = d
            .post(
                &format!("{crisis_url}/entries"),
                &sup.cookie,
                &[
                    ("csrf", &sup.csrf),
                    ("to", "head_office"),
                    ("text", "已报总行"),
                ],
            )
            .await;
        assert_eq!(reported.status, StatusCode::SEE_OTHER, "{b}");
        let page = d.get(&crisis_url, &sup.cookie).await;
        assert!(
            page.body.contains("已报总行") && page.body.contains("总行"),
            "{b}"
        );
        assert!(
            page.body.contains("示范银行推诿"),
            "{b}: the post is on the crisis"
        );
    }
}
