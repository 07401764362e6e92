//! Issue acceptance for cases, complaints and escalation, through the HTTP API on every
//! database.

mod common;

use bankdesk_domain::calendar::{BusinessCalendar, bank_date, end_of_day_ms};
use bankdesk_domain::calendar::{DayBasis, Sla};
use bankdesk_store::testing::backends;
use common::{TestApp, code};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn complaint(received_at: &str, complexity: &str) -> Value {
    json!({
        "customer_id": "C1",
        "type": "complaint",
        "summary": "溢缴款多次往返网点未能取回",
        "complaint": {"received_at": received_at, "complexity": complexity, "channel": "phone"}
    })
}

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let (s, c) = app.post(token, "/api/v1/cases", body).await;
    assert_eq!(s, StatusCode::CREATED, "{}: {c}", app.backend);
    c
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn wang_gets_her_overpayment_back_through_one_case_on_her_timeline() {
    for b in backends() {
        let app = TestApp::start(b).await;
        let agent = app.login("agent01").await;
        let (_, hits) = app.get(&agent, "/api/v1/customers?phone=13800000002").await;
        let wang = hits["items"][0]["id"].as_str().unwrap().to_string();
        let (s, contact) = app
            .post(
                &agent,
                "/api/v1/contacts",
                json!({"channel": "phone", "customer_id": wang}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let contact = id(&contact);
        app.post(
            &agent,
            &format!("/api/v1/contacts/{contact}/notes"),
            json!({"text": "信用卡丢失，之前还款多转了1,280元，已跑过两个网点，要求退回溢缴款"}),
        )
        .await;

        let case = create(
            &app,
            &agent,
            json!({
                "customer_id": wang,
                "type": "overpayment_refund",
                "summary": "信用卡挂失，溢缴款1,280元要求退回，客户已往返多个网点",
                "contact_id": contact,
                "fields": {"card_id": "K1", "amount_fen": 128000}
            }),
        )
        .await;
        assert_eq!(case["status"], "new", "{b}");
        assert_eq!(case["department"], "card_center");
        let expected_due = end_of_day_ms(BusinessCalendar::china().due_date(
            bank_date(bankdesk_store::now_ms()),
            Sla {
                days: 5,
                basis: DayBasis::Working,
            },
            &[],
        ));
        assert_eq!(
            case["due_at"],
            bankdesk_web::view::rfc3339(expected_due, None),
            "{b}: five working days, end of day Beijing time"
        );
        assert!(
            case["due_at"]
                .as_str()
                .unwrap()
                .ends_with("T23:59:59+08:00")
        );
        let case_id = id(&case);
        app.post(
            &agent,
            &format!("/api/v1/contacts/{contact}/wrap-up"),
            json!({"category": "credit_card.overpayment_refund", "resolved": false, "summary": "转卡中心处理"}),
        )
        .await;

        let bo = app.login("backoffice01").await;
        let (s, queue) = app
            .get(&bo, "/api/v1/cases?department=card_center&status=new")
            .await;
        assert_eq!(s, StatusCode::OK, "{b}: {queue}");
        assert_eq!(queue["items"][0]["id"], case_id.as_str());
        let purpose = format!("case:{case_id}");
        let (s, view) = app
            .get(
                &bo,
                &format!("/api/v1/customers/{wang}/overview?purpose={purpose}"),
            )
            .await;
        assert_eq!(
            s,
            StatusCode::OK,
            "{b}: the case is the card center's purpose: {view}"
        );
        assert_eq!(view["open_cases"][0]["id"], case_id.as_str());

        let (s, c) = app
            .post(
                &bo,
                &format!("/api/v1/cases/{case_id}/assignment"),
                json!({"assignee": "backoffice01", "version": case["version"]}),
            )
            .await;
        assert_eq!(
            (s, c["status"].as_str()),
            (StatusCode::OK, Some("assigned")),
            "{b}: {c}"
        );
        let (s, c) = app
            .post(
                &bo,
                &format!("/api/v1/cases/{case_id}/transitions"),
                json!({"to": "in_progress", "note": "核对还款流水", "version": c["version"]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}: {c}");
        let answer = "王女士您好，您信用卡溢缴的1,280.00元已退至您本人名下借记卡，请查收。";
        let (s, c) = app
            .post(
                &bo,
                &format!("/api/v1/cases/{case_id}/transitions"),
                json!({"to": "resolved", "note": "已退款", "version": c["version"],
                       "reply": {"text": answer, "channel": "phone"}}),
            )
            .await;
        assert_eq!(
            (s, c["status"].as_str()),
            (StatusCode::OK, Some("resolved")),
            "{b}: {c}"
        );

        let (s, detail) = app.get(&agent, &format!("/api/v1/cases/{case_id}")).await;
        assert_eq!(s, StatusCode::OK, "{b}: the opener follows the case");
        let steps: Vec<(Value, Value, Value)> = detail["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["action"] == "transition")
            .map(|h| (h["actor"].clone(), h["from"].clone(), h["to"].clone()))
            .collect();
        assert_eq!(
            steps,
            vec![
                (json!("backoffice01"), json!("new"), json!("assigned")),
                (
                    json!("backoffice01"),
                    json!("assigned"),
                    json!("in_progress")
                ),
                (
                    json!("backoffice01"),
                    json!("in_progress"),
                    json!("resolved")
                ),
            ],
            "{b}"
        );
        assert!(
            detail["history"]
                .as_array()
                .unwrap()
                .iter()
                .all(|h| h["at"].is_string())
        );

        let (s, view) = app
            .get(
                &bo,
                &format!("/api/v1/customers/{wang}/overview?purpose={purpose}"),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(view["open_cases"], json!([]), "{b}: resolved is not open");
        let timeline = view["recent_contacts"].as_array().unwrap();
        assert_eq!(
            timeline.len(),
            2,
            "{b}: the call and the answer: {timeline:?}"
        );
        assert_eq!(timeline[0]["direction"], "outbound");
        assert_eq!(timeline[0]["summary"], answer);
        assert_eq!(timeline[1]["id"], contact.as_str());
        assert!(
            timeline[1]["notes"][0]["text"]
                .as_str()
                .unwrap()
                .contains("1,280")
        );
    }
}

#[tokio::test]
async fn complaint_deadlines_follow_the_civil_code_and_the_holiday_schedule() {
    for b in backends() {
        let app = TestApp::start(b).await;
        let agent = app.login("agent01").await;
        let c = create(
            &app,
            &agent,
            complaint("2026-09-28T10:15:00+08:00", "simple"),
        )
        .await;
        assert_eq!(c["due_at"], "2026-10-13T23:59:59+08:00", "{b}");
        assert_eq!(c["department"], "compliance");
        assert_eq!(c["overdue"], true);
        let c = create(&app, &agent, complaint("2026-09-20", "simple")).await;
        assert_eq!(
            c["due_at"], "2026-10-08T23:59:59+08:00",
            "{b}: 10-05 falls in the National Day holiday"
        );
        let (s, e) = app
            .post(&agent, "/api/v1/cases", complaint("2099-01-01", "simple"))
            .await;
        assert_eq!(
            (s, code(&e)),
            (StatusCode::BAD_REQUEST, "invalid_field"),
            "{b}"
        );
    }
}

#[tokio::test]
async fn an_extension_needs_a_superiors_sign_off_and_tells_the_complainant() {
    for b in backends() {
        let app = TestApp::start(b).await;
        let comp1 = app.login("compliance01").await;
        let comp2 = app.login("compliance02").await;
        let agent = app.login("agent01").await;
        let c = create(&app, &comp1, complaint("2026-09-28", "complex")).await;
        let case_id = id(&c);
        let (s, ext) = app
            .post(
                &comp1,
                &format!("/api/v1/cases/{case_id}/extensions"),
                json!({"reason": "需调取两个网点的监控与柜面记录"}),
            )
            .await;
        assert_eq!(
            (s, ext["status"].as_str()),
            (StatusCode::CREATED, Some("pending_approval")),
            "{b}: {ext}"
        );
        let approve = format!("/api/v1/cases/{case_id}/extensions/{}/approve", id(&ext));
        for (token, status, expected) in [
            (&comp1, StatusCode::FORBIDDEN, "same_person"),
            (&agent, StatusCode::FORBIDDEN, "forbidden"),
        ] {
            let (s, e) = app.post(token, &approve, json!({})).await;
            assert_eq!((s, code(&e)), (status, expected), "{b}");
        }
        let (_, unchanged) = app.get(&comp1, &format!("/api/v1/cases/{case_id}")).await;
        assert_eq!(
            unchanged["due_at"], "2026-10-13T23:59:59+08:00",
            "{b}: refused, not moved"
        );
        assert_eq!(unchanged["contacts"], json!([]));

        let (s, ext) = app.post(&comp2, &approve, json!({})).await;
        assert_eq!(
            (s, ext["status"].as_str()),
            (StatusCode::OK, Some("approved")),
            "{b}: {ext}"
        );
        let (_, moved) = app.get(&comp1, &format!("/api/v1/cases/{case_id}")).await;
        assert_eq!(moved["due_at"], "2026-10-28T23:59:59+08:00", "{b}");
        let notice = moved["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["role"] == "notice")
            .unwrap_or_else(|| panic!("{b}: no notice in {moved}"));
        assert_eq!(notice["direction"], "outbound");
        assert_eq!(notice["contact_id"], ext["notice_contact_id"]);
        assert!(
            notice["text"].as_str().unwrap().contains("2026年10月28日"),
            "{b}"
        );
        let (s, e) = app.post(&comp2, &approve, json!({})).await;
        assert_eq!(
            (s, code(&e)),
            (StatusCode::CONFLICT, "conflict"),
            "{b}: decided already"
        );
    }
}

#[tokio::test]
async fn illegal_moves_stale_writes_and_strangers_are_refused() {
    for b in backends() {
        let app = TestApp::start(b).await;
        let agent = app.login("agent01").await;
        let bo = app.login("backoffice01").await;
        let c = create(
            &app,
            &agent,
            json!({"customer_id": "C1", "type": "fee_refund", "summary": "年费争议",
                   "fields": {"fee_kind": "annual_fee", "amount_fen": 30000}}),
        )
        .await;
        let case_id = id(&c);
        let path = format!("/api/v1/cases/{case_id}/transitions");
        let (s, e) = app.post(&bo, &path, json!({"to": "closed"})).await;
        assert_eq!(
            (s, code(&e)),
            (StatusCode::BAD_REQUEST, "invalid_field"),
            "{b}: closing says why"
        );
        let (s, e) = app.post(&bo, &path, json!({"to": "reopened"})).await;
        assert_eq!(
            (s, code(&e)),
            (StatusCode::UNPROCESSABLE_ENTITY, "illegal_transition"),
            "{b}"
        );
        let (s, e) = app.post(&bo, &path, json!({"to": "archived"})).await;
        assert_eq!(
            (s, code(&e)),
            (StatusCode::BAD_REQUEST, "invalid_json"),
            "{b}"
        );

        // Two people open the case at version 1; the second write is stale.
        let (s, _) = app
            .post(&bo, &path, json!({"to": "in_progress", "version": 1}))
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let (s, e) = app
            .post(
                &bo,
                &path,
                json!({"to": "waiting_other_dept", "version": 1}),
            )
            .await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "conflict"), "{b}");

        let (s, e) = app.post(&agent, &path, json!({"to": "resolved"})).await;
        assert_eq!(
            (s, code(&e)),
            (StatusCode::FORBIDDEN, "forbidden"),
            "{b}: the hotline only follows"
        );
        let qa = app.login("qa01").await;
        let (s, _) = app.get(&qa, &format!("/api/v1/cases/{case_id}")).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let (s, _) = app
            .get(&agent, "/api/v1/cases?department=card_center")
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    }
}

#[tokio::test]
async fn reminders_that_came_due_while_stopped_are_sent_once_and_shown() {
    for b in backends() {
        let app = TestApp::start(b).await;
        let comp1 = app.login("compliance01").await;
        let admin = app.login("admin").await;
        let (s, _) = app
            .put(
                &admin,
                "/api/v1/admin/departments/compliance",
                json!({"name": "消保合规部", "head": "compliance02"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let c = create(&app, &comp1, complaint("2026-09-28", "simple")).await;
        let case_id = id(&c);
        app.post(
            &comp1,
            &format!("/api/v1/cases/{case_id}/assignment"),
            json!({"assignee": "compliance01"}),
        )
        .await;

        // The server was down while both jobs came due; after the restart two workers
        // start on the same database, and the next tick runs again.
        let store = &app.store.store;
        let now = bankdesk_store::now_ms();
        let (r1, r2) = tokio::join!(store.run_due_jobs("a", now), store.run_due_jobs("b", now));
        assert_eq!(r1.unwrap().sent + r2.unwrap().sent, 2, "{b}");
        assert_eq!(store.run_due_jobs("a", now).await.unwrap().sent, 0, "{b}");

        let inbox = |token: String| {
            let app = &app;
            async move {
                let (s, n) = app.get(&token, "/api/v1/notifications").await;
                assert_eq!(s, StatusCode::OK);
                n["items"].as_array().unwrap().clone()
            }
        };
        let mine = inbox(comp1.clone()).await;
        assert_eq!(mine.len(), 1, "{b}: {mine:?}");
        assert_eq!(mine[0]["kind"], "reminder");
        assert_eq!(mine[0]["case_id"], case_id.as_str());
        let head = inbox(app.login("compliance02").await).await;
        assert_eq!(head.len(), 1, "{b}");
        assert_eq!(head[0]["kind"], "breach");
        assert!(head[0]["text"].as_str().unwrap().contains("2026-10-13"));

        let (s, overdue) = app.get(&comp1, "/api/v1/cases?overdue=true").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(overdue["items"][0]["id"], case_id.as_str(), "{b}");
        let (s, _) = app
            .post(
                &comp1,
                &format!(
                    "/api/v1/notifications/{}/read",
                    mine[0]["id"].as_str().unwrap()
                ),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (_, unread) = app.get(&comp1, "/api/v1/notifications?unread=true").await;
        assert_eq!(unread["items"], json!([]), "{b}");
    }
}

#[tokio::test]
async fn the_complaint_register_and_its_csv_are_for_oversight() {
    for b in backends() {
        let app = TestApp::start(b).await;
        let comp = app.login("compliance01").await;
        let c = create(&app, &comp, complaint("2026-09-28", "simple")).await;
        let case_id = id(&c);
        let (s, _) = app
            .put(
                &comp,
                &format!("/api/v1/cases/{case_id}/complaint"),
                json!({"root_causes": ["process", "communication"], "subject_branch": "branch"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let (s, reg) = app
            .get(&comp, "/api/v1/complaints?from=2026-09-01&to=2026-10-01")
            .await;
        assert_eq!(s, StatusCode::OK, "{b}: {reg}");
        assert_eq!(reg["items"][0]["customer_name_masked"], "王*华");
        assert_eq!(
            reg["items"][0]["root_causes"],
            json!(["process", "communication"])
        );
        assert_eq!(reg["items"][0]["overdue"], true);
        let res = app
            .http
            .get(format!("{}/api/v1/complaints.csv", app.base))
            .bearer_auth(&comp)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let csv = res.text().await.unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2, "{b}: {csv}");
        assert!(lines[0].starts_with("case_id,received_at,customer,"));
        assert!(
            lines[1].contains(&case_id) && lines[1].contains("王*华") && !csv.contains("王丽华")
        );
        let agent = app.login("agent01").await;
        let (s, _) = app.get(&agent, "/api/v1/complaints").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    }
}

#[tokio::test]
async fn a_bank_configures_a_case_type_with_its_department_sla_and_form() {
    for b in backends() {
        let app = TestApp::start(b).await;
        let admin = app.login("admin").await;
        let agent = app.login("agent01").await;
        let kind = json!({
            "name": "保险理赔咨询",
            "department": "card_center",
            "sla": {"days": 3, "basis": "working"},
            "fields": [
                {"name": "policy_no", "label": "保单号", "kind": "text", "required": true},
                {"name": "claim_fen", "label": "理赔金额", "kind": "money_fen"},
                {"name": "insurer", "label": "保险公司", "kind": "choice", "options": ["甲保险", "乙保险"]}
            ]
        });
        let (s, _) = app
            .put(
                &agent,
                "/api/v1/admin/case-types/insurance_claim",
                kind.clone(),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}: only administrators");
        let (s, body) = app
            .put(
                &admin,
                "/api/v1/admin/case-types/insurance_claim",
                kind.clone(),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}: {body}");
        let (_, types) = app.get(&agent, "/api/v1/case-types").await;
        assert!(
            types["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t.to_string().contains("insurance_claim")),
            "{b}: {types}"
        );

        let new = |fields: Value| json!({"customer_id": "C1", "type": "insurance_claim", "summary": "咨询理赔进度", "fields": fields});
        for bad in [
            json!({}),
            json!({"policy_no": "P1", "insurer": "丙保险"}),
            json!({"policy_no": "P1", "claim_fen": "十元"}),
            json!({"policy_no": "P1", "unknown": 1}),
        ] {
            let (s, e) = app.post(&agent, "/api/v1/cases", new(bad.clone())).await;
            assert_eq!(
                (s, code(&e)),
                (StatusCode::BAD_REQUEST, "invalid_field"),
                "{b}: {bad}"
            );
        }
        let c = create(
            &app,
            &agent,
            new(json!({"policy_no": "P1", "claim_fen": 500_000, "insurer": "甲保险"})),
        )
        .await;
        assert_eq!(c["department"], "card_center", "{b}: the type's department");
        let due = end_of_day_ms(BusinessCalendar::china().due_date(
            bank_date(bankdesk_store::now_ms()),
            Sla {
                days: 3,
                basis: DayBasis::Working,
            },
            &[],
        ));
        assert_eq!(c["due_at"], bankdesk_web::view::rfc3339(due, None), "{b}");

        // Retired: no new cases of that type.
        let mut off = kind.clone();
        off["active"] = json!(false);
        let (s, _) = app
            .put(&admin, "/api/v1/admin/case-types/insurance_claim", off)
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = app
            .post(&agent, "/api/v1/cases", new(json!({"policy_no": "P2"})))
            .await;
        assert!(s.is_client_error(), "{b}: {s}");
    }
}
