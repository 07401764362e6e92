//! Issue acceptance for privacy by construction, through the HTTP API on every database.

mod common;

use bankdesk_store::testing::backends;
use chrono::{Duration, Utc};
use common::{TestApp, code};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn open_contact(app: &TestApp, token: &str, customer: &str) -> String {
    let (s, c) = app
        .post(
            token,
            "/api/v1/contacts",
            json!({"channel": "phone", "customer_id": customer}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    c["id"].as_str().unwrap().to_string()
}

async fn audit_actions(app: &TestApp, query: &str) -> Vec<String> {
    let comp = app.login("compliance01").await;
    let (s, log) = app
        .get(&comp, &format!("/api/v1/audit?{query}&limit=200"))
        .await;
    assert_eq!(s, StatusCode::OK, "{log}");
    log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_branch_employee_identifies_but_cannot_read_without_a_purpose() {
    for b in backends() {
        let app = TestApp::start(b).await;
        let branch = app.login("branch01").await;
        let (s, hits) = app
            .get(&branch, "/api/v1/customers?phone=13800000001")
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(hits["items"][0]["name_masked"], "池*");
        assert_eq!(hits["items"][0]["phone_masked"], "138****0001");
        let id = hits["items"][0]["id"].as_str().unwrap().to_string();

        for path in [
            format!("/api/v1/customers/{id}/overview"),
            format!("/api/v1/customers/{id}/transactions"),
        ] {
            let (s, body) = app.get(&branch, &path).await;
            assert_eq!(
                (s, code(&body)),
                (StatusCode::FORBIDDEN, "purpose_required"),
                "{b}: {path}"
            );
        }
        let actions = audit_actions(&app, "actor=branch01").await;
        assert_eq!(
            actions.iter().filter(|a| *a == "access.refused").count(),
            2,
            "{b}: {actions:?}"
        );
        assert!(actions.contains(&"customer.search".to_string()));

        let comp = app.login("compliance01").await;
        let (s, alerts) = app
            .get(&comp, "/api/v1/compliance/alerts?status=open")
            .await;
        assert_eq!(s, StatusCode::OK);
        let mine: Vec<&Value> = alerts["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["actor"] == "branch01")
            .collect();
        assert!(
            mine.iter()
                .any(|a| a["kind"] == "no_purpose" && a["customer_id"] == id.as_str()),
            "{b}: {alerts}"
        );
        assert!(
            mine.iter().any(|a| a["kind"] == "sensitive_customer"),
            "{b}: 池先生 is flagged sensitive"
        );
        assert!(mine[0]["evidence"]["audit_seqs"][0].as_i64().unwrap() > 0);
        let (s, body) = app.get(&branch, "/api/v1/compliance/alerts").await;
        assert_eq!((s, code(&body)), (StatusCode::FORBIDDEN, "forbidden"));
    }
}

#[tokio::test]
async fn a_contact_for_one_customer_is_no_purpose_for_another() {
    for b in backends() {
        let app = TestApp::start(b).await;
        let agent = app.login("agent01").await;
        let contact = open_contact(&app, &agent, "C1").await;
        let (s, body) = app
            .get(
                &agent,
                &format!("/api/v1/customers/C2/overview?purpose=contact:{contact}"),
            )
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::FORBIDDEN, "purpose_invalid"),
            "{b}"
        );
        let (s, _) = app
            .get(
                &agent,
                &format!("/api/v1/customers/C1/overview?purpose=contact:{contact}"),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_customer_requested_export_is_verified_dual_controlled_watermarked_and_audited() {
    for b in backends() {
        let app = TestApp::start(b).await;
        let agent = app.login("agent01").await;
        let contact = open_contact(&app, &agent, "C1").await;
        let purpose = format!("contact:{contact}");
        let request = json!({"customer_id": "C1", "from": "2026-01-01", "to": "2026-12-31", "basis": "customer_request", "purpose": purpose});

        let (s, body) = app
            .post(&agent, "/api/v1/statement-exports", request.clone())
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::FORBIDDEN, "identity_not_verified"),
            "{b}"
        );

        let (s, c) = app
            .post(
                &agent,
                &format!("/api/v1/contacts/{contact}/identity-verification"),
                json!({"method": "one_time_code", "result": "passed"}),
            )
            .await;
        assert_eq!(
            (s, c["identity"].as_str()),
            (StatusCode::OK, Some("passed")),
            "{b}: {c}"
        );

        let (s, export) = app.post(&agent, "/api/v1/statement-exports", request).await;
        assert_eq!(
            (s, export["status"].as_str()),
            (StatusCode::CREATED, Some("pending_approval")),
            "{b}: {export}"
        );
        let id = export["id"].as_str().unwrap();

        let (s, body) = app
            .get(&agent, &format!("/api/v1/statement-exports/{id}/file"))
            .await;
        assert_eq!((s, code(&body)), (StatusCode::CONFLICT, "not_approved"));
        let (s, body) = app
            .post(
                &agent,
                &format!("/api/v1/statement-exports/{id}/approve"),
                json!({}),
            )
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::FORBIDDEN, "same_person"),
            "{b}"
        );
        let other_agent = app.login("agent02").await;
        let (s, _) = app
            .post(
                &other_agent,
                &format!("/api/v1/statement-exports/{id}/approve"),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "an agent has no approval right");

        let sup = app.login("supervisor01").await;
        let (s, pending) = app.get(&sup, "/api/v1/statement-exports").await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            pending["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["id"] == id)
        );
        let (s, approved) = app
            .post(
                &sup,
                &format!("/api/v1/statement-exports/{id}/approve"),
                json!({}),
            )
            .await;
        assert_eq!(
            (s, approved["status"].as_str()),
            (StatusCode::OK, Some("approved")),
            "{b}: {approved}"
        );

        let res = app
            .http
            .get(format!("{}/api/v1/statement-exports/{id}/file", app.base))
            .bearer_auth(&agent)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let file = res.text().await.unwrap();
        let watermark = file.lines().next().unwrap();
        for part in [id, "agent01", "supervisor01", "customer_request", &purpose] {
            assert!(watermark.contains(part), "{b}: {watermark}");
        }
        assert_eq!(
            file.lines().filter(|l| l.contains(",pos,")).count(),
            3,
            "{b}: the three card payments"
        );

        let actions = audit_actions(&app, "customer_id=C1").await;
        for want in [
            "statement_export.refused",
            "contact.identity_verification",
            "statement_export.request",
            "statement_export.created",
            "statement_export.approval_refused",
            "statement_export.approve",
            "statement_export.download",
        ] {
            assert!(
                actions.iter().any(|a| a == want),
                "{b}: {want} not in {actions:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_legal_order_gives_statements_only_after_verification_and_before_expiry() {
    for b in backends() {
        let app = TestApp::start(b).await;
        let c1 = app.login("compliance01").await;
        let c2 = app.login("compliance02").await;
        let order = |from: chrono::DateTime<Utc>, until: chrono::DateTime<Utc>| {
            json!({
                "kind": "court_order", "issuer": "上海市徐汇区人民法院", "document_no": "(2026)沪0104执1234号",
                "customer_id": "C1", "scope": ["statements"],
                "valid_from": from.to_rfc3339(), "valid_until": until.to_rfc3339(),
            })
        };
        let now = Utc::now();
        let (s, o) = app
            .post(
                &c1,
                "/api/v1/legal-orders",
                order(now - Duration::hours(1), now + Duration::days(30)),
            )
            .await;
        assert_eq!(
            (s, o["status"].as_str()),
            (StatusCode::CREATED, Some("pending_verification")),
            "{b}: {o}"
        );
        let purpose = format!("order:{}", o["id"].as_str().unwrap());
        let statements = format!("/api/v1/customers/C1/transactions?purpose={purpose}");

        let (s, body) = app.get(&c1, &statements).await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::FORBIDDEN, "purpose_invalid"),
            "{b}: not yet verified"
        );
        let (s, body) = app
            .post(
                &c1,
                &format!("/api/v1/legal-orders/{}/verify", o["id"].as_str().unwrap()),
                json!({}),
            )
            .await;
        assert_eq!((s, code(&body)), (StatusCode::FORBIDDEN, "same_person"));
        let agent = app.login("agent01").await;
        let (s, _) = app
            .post(
                &agent,
                &format!("/api/v1/legal-orders/{}/verify", o["id"].as_str().unwrap()),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "only compliance verifies");
        let (s, v) = app
            .post(
                &c2,
                &format!("/api/v1/legal-orders/{}/verify", o["id"].as_str().unwrap()),
                json!({}),
            )
            .await;
        assert_eq!(
            (s, v["status"].as_str()),
            (StatusCode::OK, Some("active")),
            "{b}: {v}"
        );

        let (s, st) = app.get(&c1, &statements).await;
        assert_eq!(s, StatusCode::OK, "{b}: {st}");
        assert_eq!(st["items"].as_array().unwrap().len(), 3);
        for other in [
            "/api/v1/customers/C1/overview",
            "/api/v1/customers/C2/transactions",
        ] {
            let (s, body) = app.get(&c1, &format!("{other}?purpose={purpose}")).await;
            assert_eq!(
                (s, code(&body)),
                (StatusCode::FORBIDDEN, "purpose_invalid"),
                "{b}: {other}"
            );
        }
        let (s, export) = app
            .post(&c1, "/api/v1/statement-exports", json!({"customer_id": "C1", "from": "2026-01-01", "to": "2026-12-31", "basis": "legal_order", "purpose": purpose}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}: {export}");
        let (s, approved) = app
            .post(
                &c2,
                &format!(
                    "/api/v1/statement-exports/{}/approve",
                    export["id"].as_str().unwrap()
                ),
                json!({}),
            )
            .await;
        assert_eq!(
            (s, approved["status"].as_str()),
            (StatusCode::OK, Some("approved")),
            "{b}: compliance approves legal-order exports"
        );

        let (_, expired) = app
            .post(
                &c1,
                "/api/v1/legal-orders",
                order(now - Duration::days(60), now - Duration::days(30)),
            )
            .await;
        let eid = expired["id"].as_str().unwrap();
        app.post(
            &c2,
            &format!("/api/v1/legal-orders/{eid}/verify"),
            json!({}),
        )
        .await;
        let (s, body) = app
            .get(
                &c1,
                &format!("/api/v1/customers/C1/transactions?purpose=order:{eid}"),
            )
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::FORBIDDEN, "purpose_invalid"),
            "{b}: expired"
        );
        let (s, list) = app.get(&c1, "/api/v1/legal-orders?customer_id=C1").await;
        assert_eq!(s, StatusCode::OK);
        let statuses: Vec<&str> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["effective_status"].as_str().unwrap())
            .collect();
        assert!(
            statuses.contains(&"expired") && statuses.contains(&"active"),
            "{b}: {statuses:?}"
        );
    }
}

#[tokio::test]
async fn reveal_needs_a_reason_a_verified_caller_and_is_rate_limited() {
    let app = TestApp::start_with(
        "sqlite",
        bankdesk_web::WebConfig {
            reveals_per_hour: 2,
            ..bankdesk_web::WebConfig::default()
        },
    )
    .await;
    let agent = app.login("agent01").await;
    let contact = open_contact(&app, &agent, "C1").await;
    let body = |reason: &str| json!({"field": "card_number", "target_id": "K1", "purpose": format!("contact:{contact}"), "reason": reason});
    let (s, b) = app
        .post(&agent, "/api/v1/customers/C1/reveal", body(""))
        .await;
    assert_eq!((s, code(&b)), (StatusCode::BAD_REQUEST, "invalid_field"));
    let (s, b) = app
        .post(&agent, "/api/v1/customers/C1/reveal", body("客户核对卡号"))
        .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::FORBIDDEN, "identity_not_verified")
    );
    app.post(
        &agent,
        &format!("/api/v1/contacts/{contact}/identity-verification"),
        json!({"method": "security_questions", "result": "passed"}),
    )
    .await;
    // The refused attempt above is on record but is no reveal: both allowed ones remain.
    for _ in 0..2 {
        let (s, b) = app
            .post(&agent, "/api/v1/customers/C1/reveal", body("客户核对卡号"))
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["value"].as_str().unwrap().len(), 16);
    }
    let (s, b) = app
        .post(&agent, "/api/v1/customers/C1/reveal", body("客户核对卡号"))
        .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        "two reveals an hour in this configuration"
    );
}

#[tokio::test]
async fn compliance_filters_and_exports_the_audit_log() {
    for b in backends() {
        let app = TestApp::start(b).await;
        let agent = app.login("agent01").await;
        open_contact(&app, &agent, "C1").await;
        let comp = app.login("compliance01").await;
        let today = Utc::now().format("%Y-%m-%d").to_string();
        let (s, log) = app
            .get(
                &comp,
                &format!("/api/v1/audit?actor=agent01&action=contact.open&from={today}"),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}: {log}");
        assert_eq!(log["items"].as_array().unwrap().len(), 1);
        let (s, none) = app
            .get(&comp, "/api/v1/audit?actor=agent01&to=2020-01-01")
            .await;
        assert_eq!(
            (s, none["items"].as_array().unwrap().len()),
            (StatusCode::OK, 0)
        );
        let res = app
            .http
            .get(format!("{}/api/v1/audit.csv?actor=agent01", app.base))
            .bearer_auth(&comp)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let csv = res.text().await.unwrap();
        assert!(csv.starts_with("seq,at,actor,action"), "{csv}");
        assert!(
            csv.lines().any(|l| l.contains(",agent01,contact.open,C1,")),
            "{b}: {csv}"
        );
        let actions = audit_actions(&app, "actor=compliance01").await;
        assert!(
            actions.contains(&"audit.export".to_string()),
            "{b}: exporting the log is itself recorded"
        );
    }
}
