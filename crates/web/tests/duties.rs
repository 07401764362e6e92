//! Issue 12's acceptance for separation of duties, through the HTTP API on every database:
//! the demo's one administrator tries the three chains an insider tried on main, and a
//! compliance officer tries to close an alert about themselves.

mod common;

use bankdesk_store::testing::backends;
use common::{TestApp, code};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn log_in_status(app: &TestApp, username: &str, password: &str) -> (StatusCode, Value) {
    app.post(
        "",
        "/api/v1/auth/login",
        json!({"username": username, "password": password}),
    )
    .await
}

#[tokio::test]
async fn the_admins_chains_need_a_second_person_who_then_grants_the_role() {
    for b in backends() {
        let app = TestApp::start(b).await;
        let admin = app.login("admin").await;
        let comp = app.login("compliance01").await;

        // Chain 1: a stand-in agent is made at once, a supervisor waits.
        let (s, agent) = app
            .post(&admin, "/api/v1/admin/users", json!({"username": "stand_in", "display_name": "替身", "password": "stand-in-password", "roles": ["agent"]}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}: {agent}");
        let (s, req) = app
            .post(&admin, "/api/v1/admin/users", json!({"username": "sup_x", "display_name": "假主管", "password": "sup-x-password", "roles": ["supervisor"], "department": "hotline"}))
            .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{b}: {req}");
        assert_eq!(
            (
                req["status"].as_str(),
                req["kind"].as_str(),
                req["roles_to"].clone()
            ),
            (Some("pending"), Some("create"), json!(["supervisor"])),
            "{b}: {req}"
        );
        let rid = req["id"].as_str().unwrap().to_string();
        let (s, body) = log_in_status(&app, "sup_x", "sup-x-password").await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::UNAUTHORIZED, "bad_credentials"),
            "{b}: not before approval"
        );
        let (s, body) = app
            .post(
                &admin,
                &format!("/api/v1/role-requests/{rid}/approve"),
                json!({}),
            )
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::FORBIDDEN, "same_person"),
            "{b}"
        );
        let stand_in = app.login_with("stand_in", "stand-in-password").await;
        let (s, _) = app.get(&stand_in, "/api/v1/role-requests").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");

        // Chain 3: the admin gives themselves compliance.
        let (_, me) = app.get(&admin, "/api/v1/me").await;
        let admin_id = me["id"].as_str().unwrap();
        for roles in [json!(["admin", "compliance"]), json!(["admin", "risk"])] {
            let (s, body) = app
                .put(
                    &admin,
                    &format!("/api/v1/admin/users/{admin_id}"),
                    json!({"roles": roles, "department": null, "active": true}),
                )
                .await;
            assert_eq!(
                (s, code(&body)),
                (StatusCode::FORBIDDEN, "conflict_of_interest"),
                "{b}: {roles}"
            );
        }
        // Admin with compliance, for anyone, even asked for by a second person.
        let (s, body) = app
            .post(&admin, "/api/v1/admin/users", json!({"username": "both", "display_name": "兼任", "password": "both-password-x", "roles": ["admin", "compliance"]}))
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "separation_of_duties"),
            "{b}"
        );

        // A compliance officer sees the request and approves it; the account logs in with
        // its role and does a supervisor's work.
        let (s, list) = app.get(&comp, "/api/v1/role-requests?status=pending").await;
        assert_eq!(s, StatusCode::OK, "{b}: {list}");
        assert!(
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["id"] == rid.as_str()),
            "{b}: {list}"
        );
        let (s, done) = app
            .post(
                &comp,
                &format!("/api/v1/role-requests/{rid}/approve"),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}: {done}");
        assert_eq!(
            (done["status"].as_str(), done["decided_by"].as_str()),
            (Some("approved"), Some("compliance01"))
        );
        let (s, body) = app
            .post(
                &comp,
                &format!("/api/v1/role-requests/{rid}/approve"),
                json!({}),
            )
            .await;
        assert_eq!((s, code(&body)), (StatusCode::CONFLICT, "conflict"), "{b}");
        let sup = app.login_with("sup_x", "sup-x-password").await;
        let (_, me) = app.get(&sup, "/api/v1/me").await;
        assert_eq!(me["roles"], json!(["supervisor"]), "{b}");
        let (s, body) = app.get(&sup, "/api/v1/statement-exports").await;
        assert_eq!(s, StatusCode::OK, "{b}: {body}");

        // Every step reached compliance as an alert.
        let (_, alerts) = app.get(&comp, "/api/v1/compliance/alerts").await;
        let steps: Vec<(String, String)> = alerts["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["kind"] == "role_change")
            .map(|a| {
                (
                    a["detail"]["event"].as_str().unwrap().to_string(),
                    a["detail"]["user"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        for want in [
            ("applied", "stand_in"),
            ("requested", "sup_x"),
            ("approved", "sup_x"),
        ] {
            assert!(
                steps.contains(&(want.0.to_string(), want.1.to_string())),
                "{b}: {want:?} in {steps:?}"
            );
        }
    }
}

#[tokio::test]
async fn compliance_cannot_close_an_alert_about_themselves() {
    for b in backends() {
        let app = TestApp::start(b).await;
        let admin = app.login("admin").await;
        let c1 = app.login("compliance01").await;
        let c2 = app.login("compliance02").await;
        let (_, me) = app.get(&c1, "/api/v1/me").await;
        let c1_id = me["id"].as_str().unwrap();
        let (s, req) = app
            .put(&admin, &format!("/api/v1/admin/users/{c1_id}"), json!({"roles": ["compliance", "risk"], "department": "compliance", "active": true}))
            .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{b}: {req}");
        let rid = req["id"].as_str().unwrap();
        let (s, body) = app
            .post(
                &c1,
                &format!("/api/v1/role-requests/{rid}/approve"),
                json!({}),
            )
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::FORBIDDEN, "conflict_of_interest"),
            "{b}: not their own promotion"
        );
        let (_, alerts) = app.get(&c1, "/api/v1/compliance/alerts?status=open").await;
        let about_c1 = alerts["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["kind"] == "role_change" && a["detail"]["user"] == "compliance01")
            .unwrap_or_else(|| panic!("{b}: {alerts}"))["id"]
            .as_str()
            .unwrap()
            .to_string();
        for status in ["closed", "acknowledged"] {
            let (s, body) = app
                .put(
                    &c1,
                    &format!("/api/v1/compliance/alerts/{about_c1}"),
                    json!({"status": status}),
                )
                .await;
            assert_eq!(
                (s, code(&body)),
                (StatusCode::FORBIDDEN, "conflict_of_interest"),
                "{b}: {status}"
            );
        }
        let (s, _) = app
            .put(
                &c2,
                &format!("/api/v1/compliance/alerts/{about_c1}"),
                json!({"status": "closed"}),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{b}: another officer closes it");
    }
}
