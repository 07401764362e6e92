//! A real server on a real socket over a fresh database, for the API tests.
// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

pub mod chromium;

use bankdesk_store::testing::{TestStore, fixture, fresh};
use bankdesk_web::{AppState, WebConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub backend: &'static str,
    pub store: TestStore,
}

impl TestApp {
    pub async fn start(backend: &'static str) -> TestApp {
        Self::start_with(
            backend,
            WebConfig {
                max_body_bytes: 64 * 1024,
                lockout_failures: 3,
                ..WebConfig::default()
            },
        )
        .await
    }

    pub async fn start_with(backend: &'static str, config: WebConfig) -> TestApp {
        let t = fresh(backend).await;
        let mut tx = t.store.db().begin().await.unwrap();
        tx.insert_bank_batch(&fixture()).await.unwrap();
        tx.commit().await.unwrap();
        bankdesk_desk::demo::create_demo_users(&t.store)
            .await
            .unwrap();
        let state = AppState::new(t.store.clone(), config).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, bankdesk_web::app(state)).await });
        TestApp {
            base: format!("http://{addr}"),
            http: reqwest::Client::new(),
            backend,
            store: t,
        }
    }

    pub async fn login(&self, user: &str) -> String {
        self.login_with(user, "demo-password").await
    }

    pub async fn login_with(&self, user: &str, password: &str) -> String {
        let (status, body) = self
            .post(
                "",
                "/api/v1/auth/login",
                json!({"username": user, "password": password}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{}: login {user}: {body}",
            self.backend
        );
        body["token"].as_str().unwrap().to_string()
    }

    pub async fn send(&self, req: reqwest::RequestBuilder, token: &str) -> (StatusCode, Value) {
        let req = if token.is_empty() {
            req
        } else {
            req.bearer_auth(token)
        };
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.send(self.http.get(format!("{}{path}", self.base)), token)
            .await
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(
            self.http.post(format!("{}{path}", self.base)).json(&body),
            token,
        )
        .await
    }

    pub async fn put(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(
            self.http.put(format!("{}{path}", self.base)).json(&body),
            token,
        )
        .await
    }
}

/// A raw RFC 5322 message delivered by the mail gateway with `secret`.
pub async fn email_post(app: &TestApp, raw: String, secret: &str) -> (StatusCode, Value) {
    app.send(
        app.http
            .post(format!("{}/hooks/email", app.base))
            .header("x-gateway-secret", secret)
            .header("content-type", "message/rfc822")
            .body(raw),
        "",
    )
    .await
}

pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<no error code>")
}
