//! The guard of issue 10: no request's cost may grow with the bank's history. A day of
//! work runs through the API (every list and create endpoint, the desk's reads and the
//! escalation worker), every statement the store ran is recorded, and each one's plan is
//! read with `EXPLAIN QUERY PLAN` (SQLite) or `EXPLAIN` (PostgreSQL). A full scan of a
//! growing table, or a page sorted after reading every match, fails the test with the
//! statement, so a new query cannot bring the cliff back.
//!
//! Recording is process-wide: this file holds one test.

mod common;

use bankdesk_store::plans;
use bankdesk_store::testing::backends;
use common::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Calls `path` and insists on success, so the statements behind it really ran.
async fn ok(app: &TestApp, s: StatusCode, body: &Value, what: &str) {
    assert!(s.is_success(), "{}: {what}: {s} {body}", app.backend);
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let (s, v) = app.get(token, path).await;
    ok(app, s, &v, path).await;
    v
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let (s, v) = app.post(token, path, body).await;
    ok(app, s, &v, path).await;
    v
}

async fn day_of_work(app: &TestApp) {
    let agent = app.login("agent01").await;
    let back = app.login("backoffice01").await;
    let sup = app.login("supervisor01").await;
    let comp = app.login("compliance01").await;
    let admin = app.login("admin").await;
    let qa = app.login("qa01").await;

    // The desk: a call, the customer found, the 360, the timeline, notes and a wrap-up.
    get(app, &agent, "/api/v1/customers?phone=13800000002").await;
    get(app, &agent, "/api/v1/customers?name=王丽华").await;
    let contact = post(
        app,
        &agent,
        "/api/v1/contacts",
        json!({"channel": "phone", "customer_id": "C1", "direction": "inbound"}),
    )
    .await;
    let contact = contact["id"].as_str().unwrap().to_string();
    let purpose = format!("contact:{contact}");
    post(
        app,
        &agent,
        &format!("/api/v1/contacts/{contact}/identity-verification"),
        json!({"method": "security_questions", "result": "passed"}),
    )
    .await;
    post(
        app,
        &agent,
        &format!("/api/v1/contacts/{contact}/notes"),
        json!({"text": "溢缴款退回"}),
    )
    .await;
    get(
        app,
        &agent,
        &format!("/api/v1/customers/C1/overview?purpose={purpose}"),
    )
    .await;
    get(
        app,
        &agent,
        &format!("/api/v1/customers/C1/timeline?purpose={purpose}"),
    )
    .await;
    get(
        app,
        &agent,
        &format!("/api/v1/customers/C1/transactions?purpose={purpose}"),
    )
    .await;
    get(app, &agent, &format!("/api/v1/contacts/{contact}")).await;

    // Cases: made by the agent, worked by the back office, watched by the supervisor.
    let mut cases = Vec::new();
    for i in 0..3 {
        let c = post(
            app,
            &agent,
            "/api/v1/cases",
            json!({"customer_id": "C1", "type": "fee_refund", "summary": format!("年费 {i}"),
                   "contact_id": contact, "fields": {"fee_kind": "annual_fee", "amount_fen": 30000}}),
        )
        .await;
        cases.push(c["id"].as_str().unwrap().to_string());
    }
    let complaint = post(
        app,
        &agent,
        "/api/v1/cases",
        json!({"customer_id": "C1", "type": "complaint", "summary": "多次往返网点",
               "complaint": {"received_at": "2026-11-02", "complexity": "simple", "channel": "phone"}}),
    )
    .await;
    post(
        app,
        &sup,
        &format!("/api/v1/cases/{}/assignment", cases[0]),
        json!({"assignee": "backoffice01", "department": "card_center"}),
    )
    .await;
    post(
        app,
        &back,
        &format!("/api/v1/cases/{}/notes", cases[0]),
        json!({"text": "已联系卡中心"}),
    )
    .await;
    post(
        app,
        &back,
        &format!("/api/v1/cases/{}/transitions", cases[0]),
        json!({"to": "in_progress", "note": "处理中"}),
    )
    .await;
    get(app, &back, &format!("/api/v1/cases/{}", cases[0])).await;
    for (token, query) in [
        (&agent, ""),
        (&agent, "?status=new"),
        (&back, ""),
        (&back, "?status=new"),
        (&back, "?department=card_center"),
        (&back, "?department=card_center&status=in_progress"),
        (&sup, ""),
        (&sup, "?status=new"),
        (&sup, "?department=card_center"),
        (&sup, "?department=card_center&status=new"),
        (&sup, "?overdue=true"),
        (&sup, "?overdue=true&department=compliance"),
    ] {
        let sep = if query.is_empty() { "?" } else { "&" };
        let page = get(app, token, &format!("/api/v1/cases{query}{sep}limit=1")).await;
        if let Some(next) = page["next"].as_str() {
            get(
                app,
                token,
                &format!("/api/v1/cases{query}{sep}limit=1&after={next}"),
            )
            .await;
        }
    }
    get(
        app,
        &sup,
        "/api/v1/complaints?from=2026-11-01&to=2026-12-31",
    )
    .await;
    get(
        app,
        &sup,
        &format!("/api/v1/cases/{}", complaint["id"].as_str().unwrap()),
    )
    .await;
    get(app, &agent, "/api/v1/notifications").await;
    get(app, &agent, "/api/v1/notifications?unread=true").await;

    // Messaging, compliance, knowledge and exams.
    get(app, &agent, "/api/v1/inbox").await;
    get(app, &sup, "/api/v1/outbox").await;
    get(app, &sup, "/api/v1/outbox?status=failed").await;
    get(app, &comp, "/api/v1/audit?actor=agent01").await;
    get(app, &comp, "/api/v1/audit?customer_id=C1").await;
    get(app, &comp, "/api/v1/audit?action=case.create").await;
    get(
        app,
        &comp,
        "/api/v1/audit?actor=agent01&from=2026-01-01&to=2099-01-01",
    )
    .await;
    get(app, &comp, "/api/v1/compliance/alerts").await;
    get(app, &comp, "/api/v1/legal-orders").await;
    get(app, &comp, "/api/v1/legal-orders?customer_id=C1").await;
    get(app, &sup, "/api/v1/statement-exports").await;
    get(app, &sup, "/api/v1/crises").await;
    get(app, &sup, "/api/v1/crises?status=open").await;
    get(app, &sup, "/api/v1/crisis-board").await;
    get(app, &sup, "/api/v1/signals").await;
    get(app, &sup, "/api/v1/signals?status=on_board").await;
    get(app, &sup, "/api/v1/live").await;
    get(app, &qa, "/api/v1/kb/articles").await;
    get(app, &qa, "/api/v1/kb/articles?pending=true").await;
    get(app, &agent, "/api/v1/kb/search?q=溢缴款").await;
    get(app, &agent, "/api/v1/exam-attempts").await;
    get(app, &admin, "/api/v1/admin/users").await;
}

#[tokio::test]
async fn no_statement_scans_a_growing_table() {
    for b in backends() {
        let app = TestApp::start(b).await;
        plans::record();
        day_of_work(&app).await;
        let statements = plans::recorded();
        assert!(
            statements.len() > 50,
            "{b}: only {} statements recorded",
            statements.len()
        );
        let mut failures = Vec::new();
        for (sql, args) in &statements {
            let findings = plans::check(app.store.store.db(), sql, args)
                .await
                .unwrap_or_else(|e| panic!("{b}: explain {sql}: {e}"));
            if !findings.is_empty() {
                failures.push(format!("{}\n    {}", sql.trim(), findings.join("\n    ")));
            }
        }
        assert!(
            failures.is_empty(),
            "{b}: {} of {} statements read more than their answer:\n{}",
            failures.len(),
            statements.len(),
            failures.join("\n")
        );
    }
}
