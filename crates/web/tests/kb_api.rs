//! Knowledge and exams through the v1 API on a real socket, on every configured database.

mod common;

use bankdesk_desk::kb::demo::{demo_id, load_demo_knowledge};
use bankdesk_store::testing::backends;
use common::{TestApp, code};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn enc(s: &str) -> String {
    bankdesk_web::view::url_encode(s)
}

async fn search(app: &TestApp, token: &str, q: &str) -> Vec<Value> {
    let (s, body) = app
        .get(token, &format!("/api/v1/kb/search?q={}&limit=5", enc(q)))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body["items"].as_array().cloned().unwrap_or_default()
}

fn titles(items: &[Value]) -> Vec<&str> {
    items.iter().filter_map(|i| i["title"].as_str()).collect()
}

#[tokio::test]
async fn a_point_is_written_approved_by_someone_else_searched_edited_and_retired() {
    for b in backends() {
        let app = TestApp::start(b).await;
        let senior = app.login("senior01").await;
        let supervisor = app.login("supervisor01").await;
        let agent = app.login("agent01").await;
        let article = json!({
            "title": "夜间吞卡加急领卡",
            "body": "# 适用情形\n客户**急需**用卡。\n\n- 核实身份\n- 联系值守网点\n\n<script>alert(1)</script>",
            "category": "银行卡/自助设备",
            "tags": ["吞卡", "加急"],
            "audience": "public",
            "script": "您别着急，我马上联系网点。",
            "reason": "新增夜间流程"
        });
        let (s, body) = app
            .post(&agent, "/api/v1/kb/articles", article.clone())
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::FORBIDDEN, "forbidden"),
            "{b}: agents do not write"
        );
        let (s, body) = app
            .post(&senior, "/api/v1/kb/articles", article.clone())
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}: {body}");
        assert_eq!(
            (body["version"].as_i64(), body["status"].as_str()),
            (Some(1), Some("pending_approval"))
        );
        let id = body["id"].as_str().unwrap().to_string();

        assert!(
            search(&app, &agent, "夜间吞卡加急")
                .await
                .iter()
                .all(|i| i["id"] != id.as_str()),
            "{b}: unpublished"
        );
        let (s, _) = app.get(&agent, &format!("/api/v1/kb/articles/{id}")).await;
        assert_eq!(
            s,
            StatusCode::NOT_FOUND,
            "{b}: agents see published points only"
        );

        let approve = |v: i64| json!({"version": v, "note": "核对无误"});
        let (s, body) = app
            .post(
                &senior,
                &format!("/api/v1/kb/articles/{id}/approve"),
                approve(1),
            )
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::FORBIDDEN, "forbidden"),
            "{b}: seniors do not approve"
        );
        let (s, body) = app
            .post(
                &supervisor,
                &format!("/api/v1/kb/articles/{id}/approve"),
                approve(1),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}: {body}");
        assert_eq!(body["status"], "published");
        assert!(
            body["body_html"]
                .as_str()
                .unwrap()
                .contains("<strong>急需</strong>")
        );
        assert!(!body["body_html"].as_str().unwrap().contains("<script>"));

        let hits = search(&app, &agent, "卡被吞了急需加急").await;
        assert_eq!(
            hits[0]["id"],
            id.as_str(),
            "{b}: searchable as soon as approved"
        );
        assert!(hits[0]["snippet"].as_str().unwrap().contains("<mark>"));
        assert!(
            hits[0].get("script").is_none(),
            "search leaves scripts to the assist"
        );
        let (s, read) = app.get(&agent, &format!("/api/v1/kb/articles/{id}")).await;
        assert_eq!((s, read["version"].as_i64()), (StatusCode::OK, Some(1)));

        let mut edit = article.clone();
        edit["title"] = json!("夜间吞卡应急领卡");
        edit["reason"] = json!("统一称谓");
        edit["base_version"] = json!(1);
        let (s, body) = app
            .put(&senior, &format!("/api/v1/kb/articles/{id}"), edit.clone())
            .await;
        assert_eq!(
            (s, body["version"].as_i64()),
            (StatusCode::OK, Some(2)),
            "{b}: {body}"
        );
        let (s, body) = app
            .put(&senior, &format!("/api/v1/kb/articles/{id}"), edit.clone())
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::CONFLICT, "conflict"),
            "{b}: stale base version"
        );
        assert_eq!(
            titles(&search(&app, &agent, "夜间吞卡").await)[0],
            "夜间吞卡加急领卡",
            "{b}: v1 until approved"
        );
        let (s, body) = app
            .post(
                &supervisor,
                &format!("/api/v1/kb/articles/{id}/reject"),
                json!({"version": 2}),
            )
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::BAD_REQUEST, "invalid_field"),
            "{b}: a rejection says why"
        );
        let (s, _) = app
            .post(
                &supervisor,
                &format!("/api/v1/kb/articles/{id}/approve"),
                approve(2),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            titles(&search(&app, &agent, "夜间吞卡").await)[0],
            "夜间吞卡应急领卡",
            "{b}: the edit at once"
        );

        let (s, history) = app
            .get(&senior, &format!("/api/v1/kb/articles/{id}/versions"))
            .await;
        assert_eq!(s, StatusCode::OK);
        let h = history["items"].as_array().unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(
            (
                h[0]["version"].as_i64(),
                h[0]["author"].as_str(),
                h[0]["reason"].as_str()
            ),
            (Some(2), Some("senior01"), Some("统一称谓"))
        );
        assert_eq!(
            (h[1]["reviewed_by"].as_str(), h[1]["status"].as_str()),
            (Some("supervisor01"), Some("approved"))
        );
        assert!(h[1]["at"].as_str().unwrap().ends_with("+08:00"));
        let (s, v1) = app
            .get(&senior, &format!("/api/v1/kb/articles/{id}?version=1"))
            .await;
        assert_eq!(
            (s, v1["title"].as_str()),
            (StatusCode::OK, Some("夜间吞卡加急领卡")),
            "{b}: old versions readable"
        );
        let (s, _) = app
            .get(&agent, &format!("/api/v1/kb/articles/{id}/versions"))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // The author of a version cannot approve it, even with the approver role.
        let (s, body) = app
            .post(&supervisor, "/api/v1/kb/articles", json!({"title": "主管自拟知识", "body": "内容", "category": "客服规范", "audience": "internal"}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let own = body["id"].as_str().unwrap().to_string();
        let (s, body) = app
            .post(
                &supervisor,
                &format!("/api/v1/kb/articles/{own}/approve"),
                approve(1),
            )
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::FORBIDDEN, "same_person"),
            "{b}"
        );
        let (s, queue) = app
            .get(&supervisor, "/api/v1/kb/articles?pending=true")
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(queue["items"][0]["id"], own.as_str());

        let (s, _) = app
            .post(
                &supervisor,
                &format!("/api/v1/kb/articles/{id}/retire"),
                json!({"reason": "流程合并"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            search(&app, &agent, "夜间吞卡")
                .await
                .iter()
                .all(|i| i["id"] != id.as_str()),
            "{b}: retired at once"
        );

        // An expired point never comes back, whoever asks.
        let (s, body) = app
            .post(&senior, "/api/v1/kb/articles", json!({"title": "旧版吞卡领取期限", "body": "旧规定。", "category": "银行卡/自助设备",
                "audience": "public", "valid_from": "2020-01-01", "valid_until": "2021-01-01T00:00:00+08:00"}))
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let old = body["id"].as_str().unwrap().to_string();
        app.post(
            &supervisor,
            &format!("/api/v1/kb/articles/{old}/approve"),
            approve(1),
        )
        .await;
        assert!(
            search(&app, &agent, "旧版吞卡领取期限")
                .await
                .iter()
                .all(|i| i["id"] != old.as_str()),
            "{b}"
        );
        let (s, _) = app.get(&agent, &format!("/api/v1/kb/articles/{old}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        for bad in [
            json!({"title": "", "body": "x", "category": "a", "audience": "public"}),
            json!({"title": "x", "body": "x", "category": "a//b", "audience": "public"}),
            json!({"title": "x", "body": "x", "category": "a", "audience": "everyone"}),
            json!({"title": "x", "body": "x", "category": "a", "audience": "public", "valid_from": "tomorrow"}),
            json!({"title": "x", "body": "x", "category": "a", "audience": "public", "valid_from": "2026-02-01", "valid_until": "2026-01-01"}),
        ] {
            let (s, body) = app.post(&senior, "/api/v1/kb/articles", bad.clone()).await;
            assert!(s == StatusCode::BAD_REQUEST, "{b}: {bad} -> {s} {body}");
        }
        assert!(app.store.store.audit_verify().await.unwrap().ok);
    }
}

#[tokio::test]
async fn the_agent_assist_suggests_three_points_with_scripts() {
    for b in backends() {
        let app = TestApp::start(b).await;
        load_demo_knowledge(&app.store.store).await.unwrap();
        let agent = app.login("agent01").await;
        let message = "你好，我半夜在医院取钱，卡被取款机吞了，老婆等着交手术费，怎么办啊";
        let (s, body) = app
            .get(&agent, &format!("/api/v1/kb/suggest?text={}", enc(message)))
            .await;
        assert_eq!(s, StatusCode::OK, "{b}: {body}");
        let items = body["items"].as_array().unwrap();
        assert_eq!(items.len(), 3);
        let ids: Vec<&str> = items.iter().filter_map(|i| i["id"].as_str()).collect();
        assert!(
            ids.contains(&demo_id("atm-retained-night-emergency").as_str()),
            "{b}: {ids:?}"
        );
        assert!(
            items
                .iter()
                .any(|i| i["script"].as_str().is_some_and(|s| !s.is_empty()))
        );
        let (s, body) = app.get(&agent, "/api/v1/kb/suggest?text=").await;
        assert_eq!(
            (s, body["items"].as_array().map(Vec::len)),
            (StatusCode::OK, Some(0))
        );
        let qa = app.login("qa01").await;
        let (s, _) = app
            .get(&qa, &format!("/api/v1/kb/suggest?text={}", enc("吞卡")))
            .await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "{b}: the assist is for service staff"
        );

        let (s, cats) = app.get(&agent, "/api/v1/kb/categories").await;
        assert_eq!(s, StatusCode::OK);
        let card = cats["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "信用卡")
            .unwrap();
        assert!(card["count"].as_u64().unwrap() > 40);
        assert!(
            card["children"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["path"] == "信用卡/溢缴款")
        );

        let (s, body) = app
            .get(
                &agent,
                &format!(
                    "/api/v1/kb/search?q={}&category={}&audience=public",
                    enc("挂失"),
                    enc("信用卡")
                ),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        for i in body["items"].as_array().unwrap() {
            assert!(i["category"].as_str().unwrap().starts_with("信用卡"), "{i}");
            assert_eq!(i["audience"], "public");
        }
    }
}

#[tokio::test]
async fn a_monthly_exam_is_set_taken_scored_and_gates_routing() {
    for b in backends() {
        let app = TestApp::start(b).await;
        load_demo_knowledge(&app.store.store).await.unwrap();
        let qa = app.login("qa01").await;
        let agent = app.login("agent01").await;

        let (s, bank) = app
            .get(
                &qa,
                &format!("/api/v1/exam-questions?category={}", enc("信用卡")),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(bank["items"].as_array().unwrap().len() >= 15, "{b}");
        let (s, _) = app.get(&agent, "/api/v1/exam-questions").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, q) = app
            .post(&qa, "/api/v1/exam-questions", json!({"article_id": demo_id("cc-overpayment-refund"), "kind": "multiple",
                "stem": "取回溢缴款可以通过哪些渠道？", "options": ["手机银行", "客服热线", "网点", "向他人账户转出"], "answer": [0, 1, 2]}))
            .await;
        assert_eq!(
            (s, q["category"].as_str()),
            (StatusCode::CREATED, Some("信用卡/溢缴款")),
            "{b}: {q}"
        );
        let (s, body) = app
            .post(
                &qa,
                "/api/v1/exam-questions",
                json!({"article_id": demo_id("cc-overpayment-refund"), "kind": "single",
                "stem": "x", "options": ["a", "b"], "answer": [0, 1]}),
            )
            .await;
        assert_eq!((s, code(&body)), (StatusCode::BAD_REQUEST, "invalid_field"));

        let (s, body) = app
            .post(
                &qa,
                "/api/v1/exams",
                json!({"skill": "credit_card", "categories": ["信用卡"], "question_count": 90}),
            )
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "rule_refused"),
            "{b}: not enough questions"
        );
        let (s, exam) = app
            .post(&qa, "/api/v1/exams", json!({"skill": "credit_card", "categories": ["信用卡"], "question_count": 10, "time_limit_minutes": 20}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}: {exam}");
        assert_eq!(
            (exam["pass_mark"].as_u64(), exam["question_count"].as_u64()),
            (Some(85), Some(10))
        );
        let exam_id = exam["id"].as_str().unwrap().to_string();
        let (s, _) = app
            .post(&agent, "/api/v1/exams", json!({"categories": ["信用卡"]}))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}: agents do not set exams");

        let gate = |who: &str| format!("/api/v1/exam-gate?skill=credit_card&username={who}");
        let (_, g) = app.get(&agent, &gate("agent01")).await;
        assert_eq!(g["allowed"], false, "{b}: an open exam not yet passed");

        let (s, sitting) = app
            .post(
                &agent,
                &format!("/api/v1/exams/{exam_id}/attempts"),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}: {sitting}");
        let questions = sitting["questions"].as_array().unwrap();
        assert_eq!(questions.len(), 10);
        assert!(
            questions.iter().all(|q| q.get("answer").is_none()),
            "examinees never see answers"
        );
        let attempt = sitting["attempt"]["id"].as_str().unwrap().to_string();
        let (s, again) = app
            .post(
                &agent,
                &format!("/api/v1/exams/{exam_id}/attempts"),
                json!({}),
            )
            .await;
        assert_eq!(
            (s, again["attempt"]["id"].as_str()),
            (StatusCode::OK, Some(attempt.as_str())),
            "resumed"
        );

        // The training team's view has the answers; answer all but one right: 90 passes.
        let (_, full) = app.get(&qa, &format!("/api/v1/exams/{exam_id}")).await;
        let mut answers = serde_json::Map::new();
        for (i, q) in full["questions"].as_array().unwrap().iter().enumerate() {
            let right = q["answer"].clone();
            let given = if i == 0 { json!([9]) } else { right };
            answers.insert(q["id"].as_str().unwrap().to_string(), given);
        }
        let (_, agent_view) = app.get(&agent, &format!("/api/v1/exams/{exam_id}")).await;
        assert!(agent_view.get("questions").is_none());
        let (s, result) = app
            .post(
                &agent,
                &format!("/api/v1/exam-attempts/{attempt}/submit"),
                json!({"answers": answers}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}: {result}");
        assert_eq!(
            (
                result["attempt"]["score"].as_u64(),
                result["attempt"]["passed"].as_bool()
            ),
            (Some(90), Some(true))
        );
        assert_eq!(
            result["results"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["correct"] == false)
                .count(),
            1
        );
        let (s, body) = app
            .post(
                &agent,
                &format!("/api/v1/exam-attempts/{attempt}/submit"),
                json!({"answers": {}}),
            )
            .await;
        assert_eq!((s, code(&body)), (StatusCode::CONFLICT, "conflict"));

        let (_, g) = app.get(&agent, &gate("agent01")).await;
        assert_eq!(g["allowed"], true, "{b}");
        let (s, _) = app.get(&agent, &gate("agent02")).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}: only training reads others");
        let (_, g) = app.get(&qa, &gate("agent02")).await;
        assert_eq!(g["allowed"], false);

        let (_, history) = app.get(&agent, "/api/v1/exam-attempts").await;
        assert_eq!(history["items"][0]["score"].as_u64(), Some(90));
        let (_, theirs) = app.get(&qa, "/api/v1/exam-attempts?username=agent01").await;
        assert_eq!(theirs["items"].as_array().unwrap().len(), 1);
        let other = app.login("agent02").await;
        let (s, _) = app
            .get(&other, &format!("/api/v1/exam-attempts/{attempt}"))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{b}: someone else's attempt");
        let (s, body) = app
            .post(
                &agent,
                &format!("/api/v1/exams/{exam_id}/attempts"),
                json!({}),
            )
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "rule_refused"),
            "{b}: one attempt"
        );
        let (_, open) = app.get(&agent, "/api/v1/exams?open=true").await;
        assert!(
            open["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["id"] == exam_id.as_str())
        );
    }
}
