//! Web chat through real WebSockets against the real server, on every configured
//! database: routing to an agent with the chat skill, messages both ways with delivered,
//! read and typing marks, resend on reconnect, the stored transcript, identity
//! verification by one-time code, and the satisfaction score.

mod common;

use bankdesk_store::testing::backends;
use bankdesk_web::WebConfig;
use common::TestApp;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long any one expected event may take.
const WAIT: Duration = Duration::from_secs(10);

struct Ws {
    name: &'static str,
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Ws {
    async fn customer(app: &TestApp) -> Ws {
        let url = format!("{}/chat/ws", app.base.replace("http://", "ws://"));
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("customer socket");
        Ws {
            name: "customer",
            ws,
        }
    }

    async fn agent(app: &TestApp, token: &str) -> Ws {
        let url = format!("{}/api/v1/agent/ws", app.base.replace("http://", "ws://"));
        let mut req = url.into_client_request().unwrap();
        req.headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        let (ws, _) = tokio_tungstenite::connect_async(req)
            .await
            .expect("agent socket");
        Ws { name: "agent", ws }
    }

    async fn send(&mut self, v: Value) {
        self.ws
            .send(Message::text(v.to_string()))
            .await
            .expect("send");
    }

    /// The next event that `pred` accepts, skipping others; panics after [`WAIT`] with
    /// what was seen.
    async fn until(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut seen = Vec::new();
        loop {
            let next = tokio::time::timeout_at(deadline, self.ws.next()).await;
            match next {
                Ok(Some(Ok(Message::Text(t)))) => {
                    let v: Value = serde_json::from_str(t.as_str()).expect("json event");
                    if pred(&v) {
                        return v;
                    }
                    seen.push(v);
                }
                Ok(Some(Ok(_))) => {}
                other => panic!(
                    "{}: waiting for {what}: {other:?}; seen {seen:#?}",
                    self.name
                ),
            }
        }
    }

    async fn of_type(&mut self, t: &str) -> Value {
        self.until(t, |v| v["type"] == t).await
    }

    /// The message with this text (from either side).
    async fn message(&mut self, text: &str) -> Value {
        self.until(text, |v| v["type"] == "message" && v["text"] == text)
            .await
    }
}

async fn app(backend: &'static str) -> TestApp {
    TestApp::start_with(
        backend,
        WebConfig {
            chat_demo_codes: true,
            ..WebConfig::default()
        },
    )
    .await
}

/// agent01 (chat skill) on the desk and available; a customer starts a chat and it is
/// routed to them. Returns both sockets, the chat id and the customer's resume token.
async fn routed_chat(app: &TestApp) -> (Ws, Ws, String, String) {
    let token = app.login("agent01").await;
    let mut agent = Ws::agent(app, &token).await;
    agent
        .send(json!({"type": "set_state", "state": "available"}))
        .await;
    let st = agent.of_type("agent_state").await;
    assert_eq!(st["state"], "available");

    let mut customer = Ws::customer(app).await;
    customer.send(json!({"type": "start"})).await;
    let welcome = customer.of_type("welcome").await;
    let contact_id = welcome["contact_id"].as_str().unwrap().to_string();
    let resume = welcome["token"].as_str().unwrap().to_string();
    assert_eq!(welcome["head"], 0);

    let pop = agent.of_type("screen_pop").await;
    assert_eq!(pop["contact_id"], contact_id.as_str());
    assert_eq!(pop["channel"], "chat");
    assert!(pop["url"].is_null(), "no customer known yet: {pop}");
    let attach = agent.of_type("attach").await;
    assert_eq!(attach["contact_id"], contact_id.as_str());
    assert_eq!(attach["state"], "active");
    // The customer is told who serves them, as a numbered notice in the transcript.
    let hello = customer
        .until("the agent's greeting", |v| {
            v["type"] == "message" && v["sender"] == "system"
        })
        .await;
    assert!(
        hello["text"].as_str().unwrap().contains("客服一号"),
        "{hello}"
    );
    (agent, customer, contact_id, resume)
}

#[tokio::test]
async fn a_chat_is_routed_and_messages_flow_both_ways_with_their_marks() {
    for b in backends() {
        let app = app(b).await;
        let (mut agent, mut customer, id, _) = routed_chat(&app).await;

        customer
            .send(json!({"type": "message", "client_id": "c1", "text": "我的信用卡丢了"}))
            .await;
        let echo = customer.message("我的信用卡丢了").await;
        assert_eq!(
            (echo["seq"].as_i64(), echo["client_id"].as_str()),
            (Some(2), Some("c1")),
            "{b}"
        );
        let got = agent.message("我的信用卡丢了").await;
        assert_eq!(got["sender"], "customer");
        assert_eq!(got["contact_id"], id.as_str());
        // Written to the agent's socket: the customer hears it was delivered.
        let d = customer.of_type("delivered").await;
        assert_eq!(d["up_to_seq"], 2, "{b}");

        agent
            .send(json!({"type": "typing", "contact_id": id}))
            .await;
        let t = customer.of_type("typing").await;
        assert_eq!(t["from"], "agent");
        agent
            .send(json!({"type": "message", "contact_id": id, "client_id": "a1", "text": "您好，我来帮您挂失。"}))
            .await;
        let reply = customer.message("您好，我来帮您挂失。").await;
        assert_eq!(
            (reply["seq"].as_i64(), reply["sender"].as_str()),
            (Some(3), Some("agent")),
            "{b}"
        );
        assert_eq!(reply["author"], "客服一号 张敏");
        agent.message("您好，我来帮您挂失。").await;
        let d = agent.of_type("delivered").await;
        assert_eq!(d["up_to_seq"], 3, "{b}");

        customer.send(json!({"type": "read", "up_to_seq": 3})).await;
        let r = agent.of_type("read").await;
        assert_eq!(
            (r["by"].as_str(), r["up_to_seq"].as_i64()),
            (Some("customer"), Some(3)),
            "{b}"
        );
        agent
            .send(json!({"type": "read", "contact_id": id, "up_to_seq": 2}))
            .await;
        let r = customer.of_type("read").await;
        assert_eq!(
            (r["by"].as_str(), r["up_to_seq"].as_i64()),
            (Some("agent"), Some(2)),
            "{b}"
        );

        // Bad frames are refused on the socket, which stays usable.
        customer
            .send(json!({"type": "message", "client_id": "c2", "text": "   "}))
            .await;
        let e = customer.of_type("error").await;
        assert_eq!(e["code"], "invalid_field");
        customer
            .send(json!({"type": "message", "client_id": "c3", "text": "x".repeat(2001)}))
            .await;
        customer.of_type("error").await;
        agent
            .send(json!({"type": "message", "contact_id": "ct_nobody", "client_id": "a2", "text": "hi"}))
            .await;
        let e = agent.of_type("error").await;
        assert_eq!(e["code"], "not_found", "{b}: {e}");

        // Everything said is stored, in order, with the marks.
        let stored = app.store.store.chat_messages_after(&id, 0).await.unwrap();
        let texts: Vec<(&str, i64)> = stored.iter().map(|m| (m.text.as_str(), m.seq)).collect();
        assert_eq!(texts.len(), 3, "{b}: {texts:?}");
        assert_eq!(texts[1], ("我的信用卡丢了", 2));
        assert_eq!(texts[2], ("您好，我来帮您挂失。", 3));
        assert!(
            stored[1].read && stored[1].delivered && stored[2].delivered,
            "{b}: {stored:?}"
        );
    }
}

#[tokio::test]
async fn a_reconnect_resends_what_was_missed_and_stores_nothing_twice() {
    for b in backends() {
        let app = app(b).await;
        let (mut agent, mut customer, id, resume) = routed_chat(&app).await;
        customer
            .send(json!({"type": "message", "client_id": "c1", "text": "第一句"}))
            .await;
        let first = customer.message("第一句").await;
        let seen = first["seq"].as_i64().unwrap();
        agent.message("第一句").await;
        // The customer's connection drops; the agent keeps talking.
        drop(customer);
        for (n, text) in ["第二句（断线时）", "第三句（断线时）"]
            .into_iter()
            .enumerate()
        {
            agent
                .send(json!({"type": "message", "contact_id": id, "client_id": format!("a{n}"), "text": text}))
                .await;
            agent.message(text).await;
        }

        let mut back = Ws::customer(&app).await;
        back.send(json!({"type": "resume", "token": resume, "last_seq": seen}))
            .await;
        let welcome = back.of_type("welcome").await;
        assert_eq!(welcome["contact_id"], id.as_str());
        assert!(welcome["token"].is_null(), "the token is handed out once");
        let mut resent = Vec::new();
        while resent.len() < 2 {
            let m = back.of_type("message").await;
            resent.push((
                m["seq"].as_i64().unwrap(),
                m["text"].as_str().unwrap().to_string(),
            ));
        }
        assert_eq!(
            resent,
            vec![
                (seen + 1, "第二句（断线时）".into()),
                (seen + 2, "第三句（断线时）".into())
            ],
            "{b}: exactly what was missed, in order"
        );
        // The agent learns the resent messages reached the customer.
        agent.of_type("delivered").await;

        // The widget resends a message it never saw confirmed: stored once.
        back.send(json!({"type": "message", "client_id": "c1", "text": "第一句"}))
            .await;
        let again = back.message("第一句").await;
        assert_eq!(again["seq"].as_i64(), Some(seen), "{b}");
        let head = app.store.store.chat_session(&id).await.unwrap().head_seq;
        assert_eq!(head, seen + 2, "{b}: nothing stored twice");

        // A wrong token is refused; a resume point past the end resends everything.
        let mut stranger = Ws::customer(&app).await;
        stranger
            .send(json!({"type": "resume", "token": "0".repeat(64), "last_seq": 0}))
            .await;
        assert_eq!(stranger.of_type("error").await["code"], "not_found");

        // The agent's desktop reconnects (a page reload): the whole transcript comes back.
        drop(agent);
        let token = app.login("agent01").await;
        let mut agent = Ws::agent(&app, &token).await;
        let attach = agent.of_type("attach").await;
        let seqs: Vec<i64> = attach["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["seq"].as_i64().unwrap())
            .collect();
        assert_eq!(seqs, (1..=head).collect::<Vec<i64>>(), "{b}");
    }
}

#[tokio::test]
async fn a_customer_verified_in_the_chat_is_linked_and_popped() {
    for b in backends() {
        let app = app(b).await;
        let (mut agent, mut customer, id, _) = routed_chat(&app).await;

        customer
            .send(json!({"type": "verify_phone", "phone": "138-0000-0002"}))
            .await;
        let sent = customer.of_type("code_sent").await;
        let code = sent["demo_code"]
            .as_str()
            .expect("demo mode shows the code")
            .to_string();
        assert_eq!(code.len(), 6);
        // Only the hash is stored.
        let stored: (Option<String>,) = app
            .store
            .store
            .db()
            .fetch_optional(
                "SELECT code_hash FROM chat_sessions WHERE contact_id = $1",
                &bankdesk_store::args![id.as_str()],
            )
            .await
            .unwrap()
            .unwrap();
        let stored = stored.0.unwrap();
        assert!(!stored.contains(&code) && stored.len() == 64, "{b}");

        let wrong = if code == "000000" { "111111" } else { "000000" };
        customer
            .send(json!({"type": "verify_code", "code": wrong}))
            .await;
        assert_eq!(
            customer.of_type("error").await["code"],
            "identity_not_verified"
        );
        assert!(
            app.store
                .store
                .contact(&id)
                .await
                .unwrap()
                .customer_id
                .is_none()
        );

        customer
            .send(json!({"type": "verify_code", "code": code}))
            .await;
        let v = customer.of_type("verified").await;
        assert!(
            v["customer_id"].is_null(),
            "the customer side is not told ids: {v}"
        );
        let c = app.store.store.contact(&id).await.unwrap();
        assert_eq!(c.customer_id.as_deref(), Some("C1"), "{b}");
        assert_eq!(c.identity.as_deref(), Some("passed"));

        let v = agent.of_type("verified").await;
        assert_eq!(v["customer_id"], "C1");
        let pop = agent.of_type("screen_pop").await;
        let url = pop["url"].as_str().unwrap();
        assert_eq!(url, format!("/customers/C1?purpose=contact%3A{id}"), "{b}");
        // The agent may now read the customer's 360 for this chat.
        let token = app.login("agent01").await;
        let (status, overview) = app
            .get(
                &token,
                &format!("/api/v1/customers/C1/overview?purpose=contact:{id}"),
            )
            .await;
        assert_eq!(status, 200, "{b}: {overview}");
    }
}

#[tokio::test]
async fn closing_asks_for_a_score_stores_it_and_frees_the_agent() {
    for b in backends() {
        let app = app(b).await;
        let (mut agent, mut customer, id, resume) = routed_chat(&app).await;
        customer
            .send(json!({"type": "message", "client_id": "c1", "text": "谢谢，没有问题了"}))
            .await;
        agent.message("谢谢，没有问题了").await;

        customer.send(json!({"type": "close"})).await;
        customer.of_type("closed").await;
        customer.of_type("ask_csat").await;
        agent.of_type("closed").await;
        let s = app.store.store.chat_session(&id).await.unwrap();
        assert_eq!((s.state.as_str(), s.csat), ("closed", None), "{b}");

        customer.send(json!({"type": "csat", "score": 6})).await;
        assert_eq!(customer.of_type("error").await["code"], "invalid_field");
        customer
            .send(json!({"type": "message", "client_id": "c2", "text": "还在吗"}))
            .await;
        assert_eq!(customer.of_type("error").await["code"], "conflict");

        // Reconnecting before answering asks again.
        drop(customer);
        let mut back = Ws::customer(&app).await;
        back.send(json!({"type": "resume", "token": resume, "last_seq": 0}))
            .await;
        let w = back.of_type("welcome").await;
        assert_eq!(
            (w["state"].as_str(), w["csat_pending"].as_bool()),
            (Some("closed"), Some(true))
        );
        back.of_type("ask_csat").await;
        back.send(json!({"type": "csat", "score": 4})).await;
        back.of_type("csat_thanks").await;
        assert_eq!(
            app.store.store.chat_session(&id).await.unwrap().csat,
            Some(4),
            "{b}"
        );
        back.send(json!({"type": "csat", "score": 1})).await;
        assert_eq!(
            back.of_type("error").await["code"],
            "invalid_field",
            "{b}: rated once"
        );

        // The router was told: the chat no longer takes up the agent's capacity.
        let entry = app.store.store.routing_entry(&id).await.unwrap().unwrap();
        assert_eq!(entry.status, "done", "{b}");
    }
}

/// The bank's SMS platform, as far as bankdesk sees it: an HTTP endpoint that records
/// each message posted to it and answers with `status`.
async fn sms_gateway(
    status: u16,
) -> (
    String,
    tokio::sync::mpsc::UnboundedReceiver<(Option<String>, Value)>,
) {
    use axum::http::{HeaderMap, StatusCode};
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/sms",
        axum::routing::post(
            move |headers: HeaderMap, axum::Json(body): axum::Json<Value>| {
                let tx = tx.clone();
                async move {
                    let secret = headers
                        .get("x-gateway-secret")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    let _ = tx.send((secret, body));
                    StatusCode::from_u16(status).unwrap()
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/sms"), rx)
}

/// A new chat whose customer asks for a code for C1's number; its socket and id.
async fn asking_for_a_code(app: &TestApp) -> (Ws, String) {
    let mut customer = Ws::customer(app).await;
    customer.send(json!({"type": "start"})).await;
    let id = customer.of_type("welcome").await["contact_id"]
        .as_str()
        .unwrap()
        .to_string();
    customer
        .send(json!({"type": "verify_phone", "phone": "138-0000-0002"}))
        .await;
    (customer, id)
}

fn with_gateway(url: &str) -> WebConfig {
    WebConfig {
        sms: Some(bankdesk_desk::chat::codes::SmsConfig {
            url: url.to_string(),
            secret: "gw-secret".into(),
            timeout: Duration::from_secs(5),
        }),
        ..WebConfig::default()
    }
}

#[tokio::test]
async fn codes_are_texted_through_the_gateway_to_customers_numbers_only() {
    for b in backends() {
        let (url, mut texts) = sms_gateway(200).await;
        let app = TestApp::start_with(b, with_gateway(&url)).await;
        let (_agent, mut customer, id, _) = routed_chat(&app).await;

        // A number no customer has: the same answer, and nothing is texted.
        customer
            .send(json!({"type": "verify_phone", "phone": "13911112222"}))
            .await;
        let sent = customer.of_type("code_sent").await;
        assert!(sent["demo_code"].is_null(), "{b}: {sent}");
        assert!(texts.try_recv().is_err(), "{b}: no text to a stranger");
        // A second code within the minute is refused.
        customer
            .send(json!({"type": "verify_phone", "phone": "138-0000-0002"}))
            .await;
        assert_eq!(
            customer.of_type("error").await["code"],
            "rate_limited",
            "{b}"
        );
        assert!(texts.try_recv().is_err(), "{b}");

        // The customer's own number, in a new chat: the code arrives by text, not in the chat.
        let (mut again, chat2) = asking_for_a_code(&app).await;
        let sent = again.of_type("code_sent").await;
        assert!(sent["demo_code"].is_null(), "{b}: the chat never shows it");
        let (secret, text) = texts.try_recv().expect("the gateway got the code");
        assert_eq!(secret.as_deref(), Some("gw-secret"), "{b}");
        assert_eq!(
            (text["phone"].as_str(), text["contact_id"].as_str()),
            (Some("13800000002"), Some(chat2.as_str())),
            "{b}"
        );
        let body = text["text"].as_str().unwrap();
        let code: String = body.chars().filter(char::is_ascii_digit).take(6).collect();
        assert!(body.contains("请勿告诉任何人"), "{b}: {body}");
        again
            .send(json!({"type": "verify_code", "code": code}))
            .await;
        again.of_type("verified").await;
        let c = app.store.store.contact(&chat2).await.unwrap();
        assert_eq!(c.customer_id.as_deref(), Some("C1"), "{b}");
        assert!(
            app.store
                .store
                .contact(&id)
                .await
                .unwrap()
                .customer_id
                .is_none(),
            "{b}: the stranger's chat is not linked"
        );
    }
}

#[tokio::test]
async fn a_gateway_that_refuses_is_told_to_the_customer() {
    for b in backends() {
        let (url, mut texts) = sms_gateway(503).await;
        let app = TestApp::start_with(b, with_gateway(&url)).await;
        let (mut customer, _) = asking_for_a_code(&app).await;
        let e = customer.of_type("error").await;
        assert_eq!(e["code"], "unavailable", "{b}: {e}");
        assert!(texts.try_recv().is_ok(), "{b}: it was tried");

        // With no gateway at all (outside a demo), the chat says so.
        let bare = TestApp::start(b).await;
        let (mut customer, _) = asking_for_a_code(&bare).await;
        assert_eq!(
            customer.of_type("error").await["code"],
            "unavailable",
            "{b}"
        );
    }
}
