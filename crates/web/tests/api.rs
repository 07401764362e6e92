//! The v1 API through a real server on a real socket, on every configured database.

mod common;

use bankdesk_store::testing::{backends, card_number};
use common::{TestApp, code};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn login_logout_and_lockout() {
    for b in backends() {
        let app = TestApp::start(b).await;
        let token = app.login("agent01").await;
        let (s, me) = app.get(&token, "/api/v1/me").await;
        assert_eq!(
            (s, me["username"].as_str()),
            (StatusCode::OK, Some("agent01")),
            "{b}"
        );
        assert_eq!(me["roles"], json!(["agent"]));

        let (s, body) = app.get("", "/api/v1/me").await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::UNAUTHORIZED, "not_logged_in")
        );
        let (s, body) = app.get("not-a-token", "/api/v1/me").await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::UNAUTHORIZED, "not_logged_in")
        );

        let (s, _) = app.post(&token, "/api/v1/auth/logout", json!({})).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, _) = app.get(&token, "/api/v1/me").await;
        assert_eq!(
            s,
            StatusCode::UNAUTHORIZED,
            "{b}: a logged-out token is dead"
        );

        let wrong = json!({"username": "agent02", "password": "guess"});
        for _ in 0..2 {
            let (s, body) = app.post("", "/api/v1/auth/login", wrong.clone()).await;
            assert_eq!(
                (s, code(&body)),
                (StatusCode::UNAUTHORIZED, "bad_credentials")
            );
        }
        let (s, body) = app.post("", "/api/v1/auth/login", wrong).await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::FORBIDDEN, "account_locked"),
            "{b}"
        );
        let (s, body) = app
            .post(
                "",
                "/api/v1/auth/login",
                json!({"username": "agent02", "password": "demo-password"}),
            )
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::FORBIDDEN, "account_locked"),
            "{b}: even the right password"
        );
        let (s, body) = app
            .post(
                "",
                "/api/v1/auth/login",
                json!({"username": "nobody", "password": "demo-password"}),
            )
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::UNAUTHORIZED, "bad_credentials")
        );
    }
}

#[tokio::test]
async fn bad_input_gets_a_coded_4xx() {
    for b in backends() {
        let app = TestApp::start(b).await;
        let token = app.login("agent01").await;
        let url = format!("{}/api/v1/contacts", app.base);
        let raw = |body: &'static str| {
            app.http
                .post(&url)
                .header("content-type", "application/json")
                .body(body)
        };

        let (s, body) = app.send(raw("{\"channel\": "), &token).await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::BAD_REQUEST, "invalid_json"),
            "{b}"
        );
        let (s, body) = app.send(raw("{\"channel\": 7}"), &token).await;
        assert_eq!((s, code(&body)), (StatusCode::BAD_REQUEST, "invalid_json"));
        let (s, body) = app.send(raw("{\"channel\": \"pigeon\"}"), &token).await;
        assert_eq!((s, code(&body)), (StatusCode::BAD_REQUEST, "invalid_json"));
        let (s, body) = app
            .send(app.http.post(&url).body("{\"channel\": \"phone\"}"), &token)
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
        );
        let huge = format!(
            "{{\"channel\": \"phone\", \"pad\": \"{}\"}}",
            "x".repeat(100 * 1024)
        );
        let (s, body) = app
            .send(
                app.http
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(huge),
                &token,
            )
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            "{b}"
        );
        let (s, body) = app
            .post(
                &token,
                "/api/v1/contacts",
                json!({"channel": "phone", "customer_id": "nobody"}),
            )
            .await;
        assert_eq!((s, code(&body)), (StatusCode::BAD_REQUEST, "invalid_field"));

        let (s, body) = app.get(&token, "/api/v1/customers?phone=138&name=x").await;
        assert_eq!((s, code(&body)), (StatusCode::BAD_REQUEST, "missing_field"));
        let (s, body) = app.get(&token, "/api/v1/customers?phone=12345").await;
        assert_eq!((s, code(&body)), (StatusCode::BAD_REQUEST, "invalid_field"));
        let (s, body) = app
            .get(&token, "/api/v1/customers?card_number=6225000000000001")
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::BAD_REQUEST, "invalid_field"),
            "Luhn"
        );
        let (s, body) = app.get(&token, "/api/v1/customers?colour=red").await;
        assert_eq!((s, code(&body)), (StatusCode::BAD_REQUEST, "invalid_field"));
        let (s, body) = app
            .get(
                &token,
                "/api/v1/customers/nobody/overview?purpose=contact:x",
            )
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::FORBIDDEN, "purpose_invalid"),
            "an unknown customer answers as a forbidden one"
        );
        let (s, body) = app.get(&token, "/api/v1/contacts/nope").await;
        assert_eq!((s, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
        let (s, body) = app.get(&token, "/api/v1/no/such/path").await;
        assert_eq!((s, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
        let (s, body) = app
            .get(
                &token,
                "/api/v1/customers/C1/transactions?purpose=contact:x&from=yesterday",
            )
            .await;
        assert_eq!((s, code(&body)), (StatusCode::BAD_REQUEST, "invalid_field"));
        let (s, body) = app
            .post(&token, "/api/v1/contacts/nope/notes", json!({"text": ""}))
            .await;
        assert_eq!((s, code(&body)), (StatusCode::BAD_REQUEST, "invalid_field"));
    }
}

#[tokio::test]
async fn an_agent_serves_wang_with_a_contact_as_purpose_and_sees_only_masked_numbers() {
    let full_card = card_number("622588001234567");
    for b in backends() {
        let app = TestApp::start(b).await;
        let agent = app.login("agent01").await;

        let (s, hits) = app.get(&agent, "/api/v1/customers?phone=13800000002").await;
        assert_eq!(s, StatusCode::OK, "{b}: {hits}");
        assert_eq!(hits["items"].as_array().unwrap().len(), 1);
        let hit = &hits["items"][0];
        assert_eq!(hit["name_masked"], "王*华");
        assert_eq!(hit["phone_masked"], "138****0002");
        let id = hit["id"].as_str().unwrap();

        let (s, body) = app
            .get(&agent, &format!("/api/v1/customers/{id}/overview"))
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::FORBIDDEN, "purpose_required"),
            "{b}"
        );

        let (s, contact) = app
            .post(
                &agent,
                "/api/v1/contacts",
                json!({"channel": "phone", "customer_id": id}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}: {contact}");
        assert_eq!(contact["status"], "open");
        let purpose = format!("contact:{}", contact["id"].as_str().unwrap());

        let (s, o) = app
            .get(
                &agent,
                &format!("/api/v1/customers/{id}/overview?purpose={purpose}"),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}: {o}");
        assert_eq!(o["customer"]["name_masked"], "王*华");
        assert_eq!(o["customer"]["phone_masked"], "138****0002");
        assert_eq!(
            o["customer"]["id_number_masked"]
                .as_str()
                .unwrap()
                .matches('*')
                .count(),
            10
        );
        let card = &o["cards"][0];
        let masked = card["number_masked"].as_str().unwrap();
        assert_eq!(masked, format!("6225********{}", &full_card.as_str()[12..]));
        assert_eq!(
            card["outstanding_fen"], -128_000,
            "the overpayment is visible"
        );
        assert_eq!(card["status"], "lost");
        assert_eq!(o["recent_transactions"].as_array().unwrap().len(), 3);
        assert_eq!(o["recent_transactions"][0]["card_masked"], masked);
        assert!(
            o["recent_transactions"][0]["at"]
                .as_str()
                .unwrap()
                .ends_with("+08:00")
        );
        let text = o.to_string();
        assert!(
            !text.contains(full_card.as_str()),
            "{b}: the full card number leaked"
        );
        assert!(!text.contains("13800000002"), "{b}: the full phone leaked");

        let (s, st) = app
            .get(&agent, &format!("/api/v1/customers/{id}/transactions?purpose={purpose}&from=2026-11-01&to=2026-11-01T10:30:00%2B08:00"))
            .await;
        assert_eq!(s, StatusCode::OK, "{b}: {st}");
        assert_eq!(
            st["items"].as_array().unwrap().len(),
            2,
            "09:00 and 10:00 fall in the window"
        );

        // Another agent cannot borrow the purpose, and it does not reach another customer.
        let other = app.login("agent02").await;
        let (s, body) = app
            .get(
                &other,
                &format!("/api/v1/customers/{id}/overview?purpose={purpose}"),
            )
            .await;
        assert_eq!((s, code(&body)), (StatusCode::FORBIDDEN, "purpose_invalid"));
        let (s, body) = app
            .get(
                &agent,
                &format!("/api/v1/customers/C2/transactions?purpose={purpose}"),
            )
            .await;
        assert_eq!((s, code(&body)), (StatusCode::FORBIDDEN, "purpose_invalid"));

        let (s, _) = app
            .post(
                &agent,
                &format!("/api/v1/{}/notes", purpose.replace(':', "s/")),
                json!({"text": "卡已挂失，溢缴款待退"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let (s, wrapped) = app
            .post(
                &agent,
                &format!("/api/v1/{}/wrap-up", purpose.replace(':', "s/")),
                json!({"category": "credit_card", "resolved": false, "summary": "转卡中心退溢缴款"}),
            )
            .await;
        assert_eq!(
            (s, wrapped["status"].as_str()),
            (StatusCode::OK, Some("closed")),
            "{b}: {wrapped}"
        );
        let (s, body) = app
            .get(
                &agent,
                &format!("/api/v1/customers/{id}/overview?purpose={purpose}"),
            )
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::FORBIDDEN, "purpose_invalid"),
            "a closed contact is no purpose"
        );

        // The next agent opens their own contact and reads the note on the timeline.
        let (_, c2) = app
            .post(
                &other,
                "/api/v1/contacts",
                json!({"channel": "chat", "customer_id": id}),
            )
            .await;
        let (s, o2) = app
            .get(
                &other,
                &format!(
                    "/api/v1/customers/{id}/overview?purpose=contact:{}",
                    c2["id"].as_str().unwrap()
                ),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let timeline = o2["recent_contacts"].as_array().unwrap();
        let first = timeline.iter().find(|c| c["id"] == contact["id"]).unwrap();
        assert_eq!(first["notes"][0]["text"], "卡已挂失，溢缴款待退");
        assert_eq!(first["summary"], "转卡中心退溢缴款");

        // Compliance sees all of it in the audit log and the chain holds.
        let qa = app.login("compliance01").await;
        let (s, log) = app
            .get(&qa, &format!("/api/v1/audit?customer_id={id}&limit=50"))
            .await;
        assert_eq!(s, StatusCode::OK);
        let actions: Vec<&str> = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        for want in [
            "customer.search",
            "access.refused",
            "contact.open",
            "customer.overview",
            "customer.transactions",
            "contact.note",
            "contact.wrap_up",
        ] {
            assert!(
                actions.contains(&want),
                "{b}: {want} missing from {actions:?}"
            );
        }
        let (s, v) = app.get(&qa, "/api/v1/audit/verify").await;
        assert_eq!(
            (s, v["ok"].as_bool()),
            (StatusCode::OK, Some(true)),
            "{b}: {v}"
        );
        let (s, body) = app.get(&agent, "/api/v1/audit/verify").await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::FORBIDDEN, "forbidden"),
            "agents do not read the audit log"
        );
    }
}

#[tokio::test]
async fn admin_manages_users_and_roles() {
    for b in backends() {
        let app = TestApp::start(b).await;
        let admin = app.login("admin").await;
        let agent = app.login("agent01").await;
        let new = json!({"username": "agent11", "display_name": "新客服", "password": "a-long-password", "roles": ["agent"], "department": "hotline"});
        let (s, body) = app.post(&agent, "/api/v1/admin/users", new.clone()).await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::FORBIDDEN, "forbidden"),
            "{b}"
        );
        let (s, created) = app.post(&admin, "/api/v1/admin/users", new.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{b}: {created}");
        let (s, body) = app.post(&admin, "/api/v1/admin/users", new).await;
        assert_eq!((s, code(&body)), (StatusCode::CONFLICT, "conflict"));
        let (s, body) = app
            .post(&admin, "/api/v1/admin/users", json!({"username": "x", "display_name": "x", "password": "short", "roles": ["agent"]}))
            .await;
        assert_eq!((s, code(&body)), (StatusCode::BAD_REQUEST, "invalid_field"));
        let (s, body) = app
            .post(&admin, "/api/v1/admin/users", json!({"username": "y", "display_name": "y", "password": "long-enough-pw", "roles": ["root"]}))
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::BAD_REQUEST, "invalid_json"),
            "unknown role"
        );

        let token = app.login_with("agent11", "a-long-password").await;
        let uid = created["id"].as_str().unwrap();
        let (s, updated) = app
            .put(
                &admin,
                &format!("/api/v1/admin/users/{uid}"),
                json!({"roles": ["agent", "qa"], "department": "quality", "active": true}),
            )
            .await;
        assert_eq!(
            (s, updated["roles"].clone()),
            (StatusCode::OK, json!(["agent", "qa"])),
            "{b}"
        );
        let (_, me) = app.get(&token, "/api/v1/me").await;
        assert_eq!(
            me["roles"],
            json!(["agent", "qa"]),
            "roles apply to live sessions"
        );
        let (s, _) = app
            .put(
                &admin,
                &format!("/api/v1/admin/users/{uid}"),
                json!({"roles": ["agent"], "department": null, "active": false}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = app.get(&token, "/api/v1/me").await;
        assert_eq!(
            s,
            StatusCode::UNAUTHORIZED,
            "{b}: a deactivated user is logged out"
        );
        let (s, list) = app.get(&admin, "/api/v1/admin/users").await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u["username"] == "branch01")
        );
    }
}

#[tokio::test]
async fn health_and_metrics() {
    let app = TestApp::start("sqlite").await;
    let (s, h) = app.get("", "/healthz").await;
    assert_eq!((s, h["database"].as_str()), (StatusCode::OK, Some("ok")));
    app.get("", "/api/v1/me").await;
    let (s, m) = app.get("", "/metrics").await;
    assert_eq!(s, StatusCode::OK);
    let m = m.as_str().unwrap();
    assert!(
        m.contains(
            "bankdesk_http_requests_total{method=\"GET\",route=\"/api/v1/me\",status=\"401\"} 1"
        ),
        "{m}"
    );
    assert!(m.contains("route=\"/healthz\""));
}
