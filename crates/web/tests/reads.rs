//! Issue 12, reads outside the 360 view and the reveal limit, tried as insiders would,
//! through the HTTP API on every database.

mod common;

use bankdesk_store::testing::backends;
use common::{TestApp, code};
use reqwest::StatusCode;
use serde_json::{Value, json};

const NOTE: &str = "客户称信用卡被盗刷三笔，已冻结";

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

/// Audit records of `actor` with `action`, newest first, as compliance reads them.
async fn audit(app: &TestApp, actor: &str, action: &str) -> Vec<Value> {
    let comp = app.login("compliance01").await;
    let (s, log) = app
        .get(
            &comp,
            &format!("/api/v1/audit?actor={actor}&action={action}&limit=200"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{log}");
    log["items"].as_array().unwrap().clone()
}

/// The status and the raw body of a request, for comparing answers byte for byte.
async fn raw(req: reqwest::RequestBuilder, token: &str) -> (StatusCode, String) {
    let res = req.bearer_auth(token).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// Reveals the card of C1 on `contact` `n` times at once; the statuses, in no order.
async fn parallel_reveals(app: &TestApp, token: &str, contact: &str, n: usize) -> Vec<Value> {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (http, url, token) = (
            app.http.clone(),
            format!("{}/api/v1/customers/C1/reveal", app.base),
            token.to_string(),
        );
        let body = json!({"field": "card_number", "target_id": "K1",
            "purpose": format!("contact:{contact}"), "reason": "客户核对卡号"});
        set.spawn(async move {
            let res = http
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap();
            json!({"status": status, "code": code(&body)})
        });
    }
    set.join_all().await
}

fn hour() -> i64 {
    bankdesk_store::now_ms().div_euclid(3_600_000)
}

#[tokio::test]
async fn sixty_parallel_reveals_give_exactly_twenty_successes() {
    for b in backends() {
        let app = TestApp::start(b).await;
        // The allowance is per clock hour: should the hour turn during a round, the round
        // proves nothing, and the next agent (with a fresh allowance) tries again.
        for agent_name in ["agent01", "agent02"] {
            let agent = app.login(agent_name).await;
            let contact = open_contact(&app, &agent, "C1").await;
            let (s, v) = app
                .post(
                    &agent,
                    &format!("/api/v1/contacts/{contact}/identity-verification"),
                    json!({"method": "id_document", "result": "passed"}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{b}: {v}");
            let started = hour();
            let answers = parallel_reveals(&app, &agent, &contact, 60).await;
            if hour() != started {
                continue;
            }
            let ok = answers.iter().filter(|a| a["status"] == 200).count();
            let limited = answers
                .iter()
                .filter(|a| a["status"] == 429 && a["code"] == "rate_limited")
                .count();
            assert_eq!((ok, limited), (20, 40), "{b}: {answers:?}");
            assert_eq!(
                audit(&app, agent_name, "customer.reveal").await.len(),
                20,
                "{b}: one record per reveal made"
            );
            let refused = audit(&app, agent_name, "access.refused").await;
            assert_eq!(
                refused
                    .iter()
                    .filter(|r| r["detail"]["reason"] == "reveal_limit")
                    .count(),
                40,
                "{b}: every refusal is on record: {refused:?}"
            );
            let (s, body) = app
                .post(
                    &agent,
                    "/api/v1/customers/C1/reveal",
                    json!({"field": "phone", "purpose": format!("contact:{contact}"), "reason": "客户核对手机号"}),
                )
                .await;
            assert_eq!(
                (s, code(&body)),
                (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
                "{b}: the hour's allowance is spent for every field"
            );
            break;
        }
    }
}

#[tokio::test]
async fn unknown_and_forbidden_customers_answer_alike_and_both_are_audited() {
    for b in backends() {
        let app = TestApp::start(b).await;
        for insider in ["branch01", "risk01", "admin"] {
            let token = app.login(insider).await;
            // A purpose of the insider's own making, for another customer (the admin
            // cannot open contacts, so it tries one of branch01's).
            let own = open_contact(&app, &app.login("branch01").await, "C2").await;
            for purpose in [String::new(), format!("?purpose=contact:{own}")] {
                let reveal = |id: &str| {
                    app.http
                        .post(format!("{}/api/v1/customers/{id}/reveal", app.base))
                        .json(&json!({"field": "phone", "reason": "核对客户身份",
                            "purpose": purpose.strip_prefix("?purpose=")}))
                };
                let export = |id: &str| {
                    app.http
                        .post(format!("{}/api/v1/statement-exports", app.base))
                        .json(&json!({"customer_id": id, "from": "2026-01-01", "to": "2026-02-01",
                            "basis": "customer_request", "purpose": purpose.strip_prefix("?purpose=")}))
                };
                for (path, post) in [
                    ("overview", None),
                    ("transactions", None),
                    ("timeline", None),
                    (
                        "reveal",
                        Some(&reveal as &dyn Fn(&str) -> reqwest::RequestBuilder),
                    ),
                    (
                        "statement-exports",
                        Some(&export as &dyn Fn(&str) -> reqwest::RequestBuilder),
                    ),
                ] {
                    let req = |id: &str| match post {
                        Some(f) => f(id),
                        None => app.http.get(format!(
                            "{}/api/v1/customers/{id}/{path}{purpose}",
                            app.base
                        )),
                    };
                    let known = raw(req("C1"), &token).await;
                    let unknown = raw(req("C404"), &token).await;
                    assert_eq!(
                        known.0,
                        StatusCode::FORBIDDEN,
                        "{b}: {insider} {path}: {}",
                        known.1
                    );
                    assert_eq!(
                        known,
                        (unknown.0, unknown.1.replace("C404", "C1")),
                        "{b}: {insider} {path}{purpose}: the same answer"
                    );
                }
            }
            let refused = audit(&app, insider, "access.refused").await;
            let of = |id: &str| refused.iter().filter(|r| r["customer_id"] == id).count();
            assert_eq!(
                (of("C1"), of("C404")),
                (10, 10),
                "{b}: {insider}: {refused:?}"
            );
            assert!(
                audit(&app, insider, "customer.overview").await.is_empty(),
                "{b}: {insider} read nothing"
            );
        }
    }
}

#[tokio::test]
async fn insiders_read_no_contact_no_messages_and_no_inbox_the_handler_reads_their_own() {
    for b in backends() {
        let app = TestApp::start(b).await;
        let agent = app.login("agent01").await;
        let contact = open_contact(&app, &agent, "C1").await;
        let (s, _) = app
            .post(
                &agent,
                &format!("/api/v1/contacts/{contact}/notes"),
                json!({"text": NOTE}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");

        for insider in ["branch01", "risk01", "admin", "supervisor01", "agent02"] {
            let token = app.login(insider).await;
            for path in [
                format!("/api/v1/contacts/{contact}"),
                format!("/api/v1/contacts/{contact}/messages"),
            ] {
                let (s, body) = app.get(&token, &path).await;
                assert_eq!(
                    (s, code(&body)),
                    (StatusCode::FORBIDDEN, "purpose_required"),
                    "{b}: {insider} {path}"
                );
                assert!(!body.to_string().contains(NOTE), "{b}: {insider}");
            }
        }
        // A contact of their own with another customer is no purpose for this one.
        let branch = app.login("branch01").await;
        let own = open_contact(&app, &branch, "C2").await;
        let (s, body) = app
            .get(
                &branch,
                &format!("/api/v1/contacts/{contact}?purpose=contact:{own}"),
            )
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::FORBIDDEN, "purpose_invalid"),
            "{b}: {body}"
        );
        assert_eq!(
            audit(&app, "branch01", "access.refused").await.len(),
            3,
            "{b}: each refused read of the contact is on record"
        );
        for insider in ["branch01", "risk01", "admin", "backoffice01"] {
            let token = app.login(insider).await;
            let (s, body) = app.get(&token, "/api/v1/inbox").await;
            assert_eq!(
                (s, code(&body)),
                (StatusCode::FORBIDDEN, "forbidden"),
                "{b}: {insider}"
            );
        }
        let (s, _) = app.get(&agent, "/api/v1/inbox").await;
        assert_eq!(s, StatusCode::OK, "{b}: agents answer messages");

        // The handler reads their own contact as before, unaudited, while it is open.
        let (s, body) = app
            .get(&agent, &format!("/api/v1/contacts/{contact}"))
            .await;
        assert_eq!(s, StatusCode::OK, "{b}: {body}");
        assert_eq!(body["notes"][0]["text"], NOTE, "{b}");
        assert!(
            audit(&app, "agent01", "customer.contact").await.is_empty(),
            "{b}"
        );
        // Wrapped up, it is the customer's history: the handler needs a purpose too.
        let (s, body) = app
            .post(
                &agent,
                &format!("/api/v1/contacts/{contact}/wrap-up"),
                json!({"category": "credit_card", "resolved": true, "summary": "盗刷已冻结"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}: {body}");
        let (s, body) = app
            .get(&agent, &format!("/api/v1/contacts/{contact}"))
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::FORBIDDEN, "purpose_required"),
            "{b}"
        );
        let next = open_contact(&app, &agent, "C1").await;
        let (s, body) = app
            .get(
                &agent,
                &format!("/api/v1/contacts/{contact}?purpose=contact:{next}"),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}: {body}");
        assert_eq!(body["notes"][0]["text"], NOTE, "{b}");
        let read = audit(&app, "agent01", "customer.contact").await;
        assert_eq!(read.len(), 1, "{b}: {read:?}");
        assert_eq!(
            (
                read[0]["customer_id"].as_str(),
                read[0]["detail"]["contact_id"].as_str()
            ),
            (Some("C1"), Some(contact.as_str())),
            "{b}"
        );
    }
}

#[tokio::test]
async fn case_detail_is_audited_and_refused_to_insiders_on_record() {
    for b in backends() {
        let app = TestApp::start(b).await;
        let agent = app.login("agent01").await;
        let (s, case) = app
            .post(
                &agent,
                "/api/v1/cases",
                json!({"customer_id": "C1", "type": "overpayment_refund",
                    "summary": "信用卡挂失，溢缴款1,280元要求退回",
                    "fields": {"card_id": "K1", "amount_fen": 128000}}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}: {case}");
        let id = case["id"].as_str().unwrap();
        let (s, body) = app.get(&agent, &format!("/api/v1/cases/{id}")).await;
        assert_eq!(s, StatusCode::OK, "{b}: {body}");
        let read = audit(&app, "agent01", "case.read").await;
        assert_eq!(read.len(), 1, "{b}");
        assert_eq!(
            (
                read[0]["customer_id"].as_str(),
                read[0]["detail"]["case_id"].as_str()
            ),
            (Some("C1"), Some(id)),
            "{b}"
        );
        for insider in ["branch01", "risk01", "admin"] {
            let token = app.login(insider).await;
            let (s, body) = app.get(&token, &format!("/api/v1/cases/{id}")).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{b}: {insider}");
            assert!(!body.to_string().contains("溢缴款"), "{b}: {insider}");
            let refused = audit(&app, insider, "access.refused").await;
            assert_eq!(
                (
                    refused.len(),
                    refused[0]["detail"]["attempted"].as_str(),
                    refused[0]["customer_id"].as_str()
                ),
                (1, Some("case.read"), Some("C1")),
                "{b}: {insider}"
            );
        }
    }
}
