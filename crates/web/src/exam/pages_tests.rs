//! Exams in the desktop through the real router, on every configured database: listed,
//! started, answered, scored against the pass mark, late papers refused by the server.

use crate::pages::tests::Desk;
use axum::http::StatusCode;
use bankdesk_desk::kb::demo::load_demo_knowledge;
use bankdesk_domain::kb::Category;
use bankdesk_store::exams::NewExam;
use bankdesk_store::testing::backends;
use bankdesk_store::{args, now_ms};

#[tokio::test]
async fn an_agent_sits_the_monthly_exam_in_the_desktop() {
    for b in backends() {
        let desk = Desk::start(b).await;
        let store = &desk.store.store;
        load_demo_knowledge(store).await.unwrap();
        let card = Category::parse("信用卡").unwrap();
        let now = now_ms();
        let exam = store
            .exam_create(
                "qa01",
                &NewExam {
                    title: "信用卡月考（桌面）",
                    skill: Some("credit_card"),
                    categories: std::slice::from_ref(&card),
                    month: "2026-11",
                    opens_at_ms: now - 1000,
                    closes_at_ms: now + 3_600_000,
                    time_limit_s: 600,
                    pass_mark: 85,
                    max_attempts: 1,
                    question_count: 10,
                    seed: 3,
                },
            )
            .await
            .unwrap();
        let agent = desk.login("agent01").await;
        let list = desk.get("/exams", &agent.cookie).await;
        assert_eq!(list.status, StatusCode::OK, "{b}");
        assert!(list.body.contains("信用卡月考（桌面）") && list.body.contains("业务考试"));

        let start = format!("/exams/{}/start", exam.id);
        let refused = desk.post(&start, &agent.cookie, &[("csrf", "wrong")]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{b}: CSRF");
        let started = desk
            .post(&start, &agent.cookie, &[("csrf", &agent.csrf)])
            .await;
        assert_eq!(
            started.status,
            StatusCode::SEE_OTHER,
            "{b}: {}",
            started.body
        );
        let url = started.location().to_string();
        assert!(url.starts_with("/exam-attempts/"));

        let paper = store.exam_paper(&exam.id).await.unwrap();
        let sitting = desk.get(&url, &agent.cookie).await;
        assert_eq!(sitting.status, StatusCode::OK);
        assert!(
            sitting.body.contains("data-deadline="),
            "{b}: the countdown"
        );
        for q in &paper {
            assert!(
                sitting.body.contains(&format!("name=\"q_{}\"", q.id)),
                "{b}"
            );
            if !q.content.explanation.is_empty() {
                assert!(
                    !sitting.body.contains(&q.content.explanation),
                    "{b}: no answers shown"
                );
            }
        }
        let other = desk.login("agent02").await;
        assert_eq!(
            desk.get(&url, &other.cookie).await.status,
            StatusCode::NOT_FOUND,
            "{b}: someone else's paper"
        );

        // All right but the first question: 90, over the pass mark of 85.
        let keys: Vec<String> = paper.iter().map(|q| format!("q_{}", q.id)).collect();
        let mut form: Vec<(&str, String)> = vec![("csrf", agent.csrf.clone())];
        for (i, q) in paper.iter().enumerate() {
            let wrong = (0u32..)
                .take(q.content.options.len())
                .find(|o| !q.content.answer.contains(o))
                .unwrap();
            let given = if i == 0 {
                vec![wrong]
            } else {
                q.content.answer.clone()
            };
            for o in given {
                form.push((keys[i].as_str(), o.to_string()));
            }
        }
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let done = desk.post(&url, &agent.cookie, &form).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{b}: {}", done.body);
        let result = desk.get(&url, &agent.cookie).await;
        assert!(result.body.contains("<strong>90</strong>"), "{b}");
        assert!(result.body.contains("合格") && !result.body.contains("data-deadline"));
        assert!(
            store
                .has_passed_current_exam(
                    &desk
                        .store
                        .store
                        .user_by_username("agent01")
                        .await
                        .unwrap()
                        .unwrap()
                        .id,
                    "credit_card",
                    now_ms()
                )
                .await
                .unwrap()
        );
        let history = desk.get("/exams", &agent.cookie).await;
        assert!(history.body.contains(&url), "{b}: in the history");

        // The server holds the time limit: agent02's paper handed in after its deadline
        // (and the allowance) is refused and counts as failed.
        let started = desk
            .post(&start, &other.cookie, &[("csrf", &other.csrf)])
            .await;
        let late_url = started.location().to_string();
        let attempt_id = late_url.trim_start_matches("/exam-attempts/");
        store
            .db()
            .execute(
                "UPDATE exam_attempts SET deadline_ms = $1 WHERE id = $2",
                &args![now_ms() - 120_000, attempt_id],
            )
            .await
            .unwrap();
        let late = desk
            .post(&late_url, &other.cookie, &[("csrf", &other.csrf)])
            .await;
        assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let shown = desk.get(&late_url, &other.cookie).await;
        assert!(
            shown.body.contains("超时") && shown.body.contains("不合格"),
            "{b}"
        );
    }
}
