//! Email and WeChat through the real server on every configured database: the webhooks'
//! checks, each message stored once, senders bound to customers, replies through the
//! outbox (sent, retried, failed and visible, resumed after a restart), wrap-up
//! categories from the tree, and one timeline across channels and agents.

mod common;

use bankdesk_desk::outbox::{NotConfigured, OutboxWorker, SmtpSender, WechatSender};
use bankdesk_domain::contact::ContactChannel;
use bankdesk_domain::outbox::RetryPolicy;
use bankdesk_store::testing::{TestStore, backends};
use bankdesk_store::{Db, SqliteSync, Store};
use bankdesk_web::WebConfig;
use bankdesk_web::config::MessagingConfig;
use common::{TestApp, code, email_post};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha1::{Digest, Sha1};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const TOKEN: &str = "wx-token-for-tests";
const GATEWAY: &str = "mail-gateway-secret";
const WANG_EMAIL: &str = "wang.lihua@example.com";

async fn start(backend: &'static str) -> TestApp {
    TestApp::start_with(
        backend,
        WebConfig {
            max_body_bytes: 256 * 1024,
            messaging: MessagingConfig {
                wechat_token: Some(TOKEN.into()),
                mail_gateway_secret: Some(GATEWAY.into()),
            },
            ..WebConfig::default()
        },
    )
    .await
}

fn sign(timestamp: &str, nonce: &str) -> String {
    let mut parts = [TOKEN, timestamp, nonce];
    parts.sort_unstable();
    hex::encode(Sha1::digest(parts.concat().as_bytes()))
}

fn text_xml(openid: &str, msg_id: u64, content: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_bank]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>\
         <CreateTime>1763770000</CreateTime><MsgType><![CDATA[text]]></MsgType>\
         <Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )
}

async fn wechat_post(app: &TestApp, xml: String) -> (StatusCode, String) {
    wechat_post_with(app, xml, true).await
}

async fn wechat_post_with(app: &TestApp, xml: String, good: bool) -> (StatusCode, String) {
    let sig = if good {
        sign("1763770000", "n0nce")
    } else {
        "0".repeat(40)
    };
    let res = app
        .http
        .post(format!(
            "{}/hooks/wechat?signature={sig}&timestamp=1763770000&nonce=n0nce&openid=x",
            app.base
        ))
        .header("content-type", "text/xml")
        .body(xml)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

/// A message from 王女士 with a Chinese encoded-word subject ("信用卡丢失") and a base64 body
/// ("请帮我挂失").
fn wang_mail(message_id: &str, in_reply_to: Option<&str>) -> String {
    let thread = in_reply_to
        .map(|r| format!("In-Reply-To: <{r}>\r\nReferences: <{r}>\r\n"))
        .unwrap_or_default();
    format!(
        "From: =?UTF-8?B?546L5aWz5aOr?= <Wang.Lihua@Example.com>\r\nTo: service@bank.example\r\n\
         Subject: =?UTF-8?B?5L+h55So5Y2h5Lii5aSx?=\r\nMessage-ID: <{message_id}>\r\n{thread}\
         Date: Sat, 21 Nov 2026 09:30:00 +0800\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n6K+35biu5oiR5oyC5aSx\r\n"
    )
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let (n,): (i64,) = app
        .store
        .store
        .db()
        .fetch_one_row(&format!("SELECT COUNT(*) FROM {table}"))
        .await
        .unwrap();
    n
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// The inbox as agent01 sees it.
async fn inbox(app: &TestApp, token: &str) -> Vec<Value> {
    let (st, body) = app.get(token, "/api/v1/inbox").await;
    assert_eq!(st, StatusCode::OK, "{}: {body}", app.backend);
    body["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn wechat_signature_xml_idempotence_and_binding() {
    for b in backends() {
        let app = start(b).await;
        let agent = app.login("agent01").await;

        // The handshake echoes only when signed with the token.
        let sig = sign("1700000000", "abc");
        let url = format!(
            "{}/hooks/wechat?signature={sig}&timestamp=1700000000&nonce=abc&echostr=hello123",
            app.base
        );
        let res = app.http.get(&url).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{b}");
        assert_eq!(res.text().await.unwrap(), "hello123");
        let res = app
            .http
            .get(url.replace("nonce=abc", "nonce=abd"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{b}");

        // A bad signature stores nothing.
        let (st, _) = wechat_post_with(&app, text_xml("oWx_1", 1001, "我的卡丢了"), false).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
        assert_eq!(count(&app, "inbound_messages").await, 0, "{b}");
        assert_eq!(count(&app, "contacts").await, 0, "{b}");

        // A text message from an unknown follower: a contact without a customer.
        let (st, text) = wechat_post(&app, text_xml("oWx_1", 1001, "我的卡丢了")).await;
        assert_eq!((st, text.as_str()), (StatusCode::OK, "success"), "{b}");
        let items = inbox(&app, &agent).await;
        assert_eq!(items.len(), 1, "{b}: {items:?}");
        assert_eq!(s(&items[0]["channel"]), "wechat");
        assert!(items[0]["customer_id"].is_null(), "{b}");
        assert_eq!(s(&items[0]["first_message"]["body"]), "我的卡丢了");
        assert_eq!(s(&items[0]["first_message"]["from"]), "oWx_1");
        let contact = s(&items[0]["id"]).to_string();

        // The same MsgId again changes nothing; a new one joins the open contact.
        let (st, _) = wechat_post(&app, text_xml("oWx_1", 1001, "我的卡丢了")).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        assert_eq!(count(&app, "inbound_messages").await, 1, "{b}");
        let (st, _) = wechat_post(&app, text_xml("oWx_1", 1002, "还在吗")).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        assert_eq!(count(&app, "inbound_messages").await, 2, "{b}");
        assert_eq!(count(&app, "contacts").await, 1, "{b}: same conversation");

        // Other message types are recorded, not refused.
        let image = "<xml><ToUserName>gh_bank</ToUserName><FromUserName>oWx_1</FromUserName><CreateTime>1763770001</CreateTime>\
                     <MsgType>image</MsgType><PicUrl>http://mmbiz.example/p.jpg</PicUrl><MediaId>m1</MediaId><MsgId>1003</MsgId></xml>";
        let (st, _) = wechat_post(&app, image.to_string()).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        assert_eq!(count(&app, "inbound_messages").await, 3, "{b}");

        // Malformed XML is a 400 naming the field, and is not stored.
        let (st, text) = wechat_post(
            &app,
            text_xml("oWx_1", 1004, "x").replace("<Content><![CDATA[x]]></Content>", ""),
        )
        .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{b}: {text}");
        assert!(text.contains("Content"), "{b}: {text}");
        let (st, text) = wechat_post(&app, "<xml><ToUserName>gh".into()).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{b}: {text}");
        // Bigger than any WeChat message: refused before parsing.
        let (st, _) = wechat_post(&app, text_xml("oWx_1", 1005, &"长".repeat(30_000))).await;
        assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{b}");
        assert_eq!(count(&app, "inbound_messages").await, 3, "{b}");

        // The agent takes it, finds the customer, verifies identity: the openid is bound.
        let (st, body) = app
            .post(
                &agent,
                &format!("/api/v1/contacts/{contact}/take"),
                json!({}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {body}");
        let agent2 = app.login("agent02").await;
        let (st, body) = app
            .post(
                &agent2,
                &format!("/api/v1/contacts/{contact}/take"),
                json!({}),
            )
            .await;
        assert_eq!((st, code(&body)), (StatusCode::CONFLICT, "conflict"), "{b}");
        let (st, body) = app
            .post(
                &agent,
                &format!("/api/v1/contacts/{contact}/sender-binding"),
                json!({}),
            )
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{b}: {body}");
        let (st, body) = app
            .post(
                &agent,
                &format!("/api/v1/contacts/{contact}/customer"),
                json!({"customer_id": "C1"}),
            )
            .await;
        assert_eq!(s(&body["customer_id"]), "C1", "{b}: {st} {body}");
        let (st, body) = app
            .post(
                &agent,
                &format!("/api/v1/contacts/{contact}/identity-verification"),
                json!({"method": "security_questions", "result": "passed"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {body}");
        let bound = app
            .store
            .store
            .bound_customer(ContactChannel::Wechat, "oWx_1")
            .await
            .unwrap();
        assert_eq!(bound.as_deref(), Some("C1"), "{b}");
        let (st, body) = app
            .post(
                &agent,
                &format!("/api/v1/contacts/{contact}/wrap-up"),
                json!({"category": "credit_card.lost", "resolved": true, "summary": "已挂失"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {body}");

        // The next message from the follower opens a new contact, of 王女士 this time.
        let (st, _) = wechat_post(&app, text_xml("oWx_1", 1006, "补卡进度？")).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        let items = inbox(&app, &agent).await;
        assert_eq!(items.len(), 1, "{b}: {items:?}");
        assert_ne!(s(&items[0]["id"]), contact, "{b}");
        assert_eq!(s(&items[0]["customer_id"]), "C1", "{b}");
    }
}

#[tokio::test]
async fn email_chinese_subject_threading_and_idempotence() {
    for b in backends() {
        let app = start(b).await;
        app.store
            .store
            .bind_channel_address("fixture", ContactChannel::Email, WANG_EMAIL, "C1")
            .await
            .unwrap();

        let (st, body) = email_post(&app, wang_mail("m1@mail.example.com", None), "wrong").await;
        assert_eq!(
            (st, code(&body)),
            (StatusCode::UNAUTHORIZED, "not_logged_in"),
            "{b}"
        );
        assert_eq!(count(&app, "inbound_messages").await, 0, "{b}");

        let (st, first) = email_post(&app, wang_mail("m1@mail.example.com", None), GATEWAY).await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {first}");
        assert_eq!(
            s(&first["customer_id"]),
            "C1",
            "{b}: found by the sender address"
        );
        assert_eq!(first["new_contact"], true);
        let contact = s(&first["contact_id"]).to_string();

        let (st, again) = email_post(&app, wang_mail("m1@mail.example.com", None), GATEWAY).await;
        assert_eq!(st, StatusCode::OK, "{b}: {again}");
        assert_eq!(again["duplicate"], true);
        assert_eq!(s(&again["contact_id"]), contact);
        assert_eq!(count(&app, "inbound_messages").await, 1, "{b}");

        let (st, reply) = email_post(
            &app,
            wang_mail("m2@mail.example.com", Some("m1@mail.example.com")),
            GATEWAY,
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {reply}");
        assert_eq!(
            s(&reply["contact_id"]),
            contact,
            "{b}: the reply joins the contact"
        );
        assert_eq!(reply["new_contact"], false);

        // A stranger's mail is a contact without a customer.
        let stranger = "From: someone@elsewhere.cn\r\nSubject: hello\r\nMessage-ID: <s1@elsewhere.cn>\r\n\r\nhi\r\n";
        let (st, other) = email_post(&app, stranger.into(), GATEWAY).await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {other}");
        assert!(other["customer_id"].is_null(), "{b}");
        assert_ne!(s(&other["contact_id"]), contact);

        // Malformed mail names the header.
        let (st, body) = email_post(
            &app,
            "From: a@b.cn\r\nSubject: x\r\n\r\nno id\r\n".into(),
            GATEWAY,
        )
        .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{b}: {body}");
        assert!(
            s(&body["error"]["message"]).contains("message_id"),
            "{b}: {body}"
        );
        assert_eq!(count(&app, "inbound_messages").await, 3, "{b}");

        // The handler sees the decoded messages on the contact.
        let agent = app.login("agent01").await;
        let (st, _) = app
            .post(
                &agent,
                &format!("/api/v1/contacts/{contact}/take"),
                json!({}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}");
        let (st, c) = app
            .get(&agent, &format!("/api/v1/contacts/{contact}"))
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {c}");
        let msgs = c["messages"].as_array().unwrap();
        assert_eq!(msgs.len(), 2, "{b}: {c}");
        assert_eq!(s(&msgs[0]["subject"]), "信用卡丢失");
        assert_eq!(s(&msgs[0]["body"]), "请帮我挂失");
        assert_eq!(s(&msgs[0]["from"]), WANG_EMAIL);
    }
}

/// A little SMTP server that records each message it accepts, or refuses mail with a
/// temporary error while `fail` is set.
struct Smtp {
    port: u16,
    received: Arc<Mutex<Vec<String>>>,
    fail: Arc<AtomicBool>,
}

async fn smtp_server() -> Smtp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let fail = Arc::new(AtomicBool::new(false));
    let (r, f) = (received.clone(), fail.clone());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (r, f) = (r.clone(), f.clone());
            tokio::spawn(async move {
                let _ = smtp_session(stream, r, f).await;
            });
        }
    });
    Smtp {
        port,
        received,
        fail,
    }
}

async fn smtp_session(
    stream: tokio::net::TcpStream,
    received: Arc<Mutex<Vec<String>>>,
    fail: Arc<AtomicBool>,
) -> std::io::Result<()> {
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"220 test.example ESMTP\r\n").await?;
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.to_ascii_uppercase();
        let answer: &[u8] = if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
            b"250-test.example\r\n250 8BITMIME\r\n"
        } else if cmd.starts_with("MAIL") && fail.load(Ordering::SeqCst) {
            b"451 4.3.0 mailbox temporarily unavailable\r\n"
        } else if cmd.starts_with("DATA") {
            w.write_all(b"354 go ahead\r\n").await?;
            let mut data = String::new();
            loop {
                line.clear();
                if r.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
                data.push_str(&line);
            }
            received.lock().unwrap().push(data);
            b"250 queued\r\n"
        } else if cmd.starts_with("QUIT") {
            w.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"250 ok\r\n"
        };
        w.write_all(answer).await?;
    }
}

/// WeChat's token and customer-service endpoints, recording what is sent.
struct Wechat {
    base: String,
    sent: Arc<Mutex<Vec<Value>>>,
    fail: Arc<AtomicBool>,
}

async fn wechat_server() -> Wechat {
    use axum::routing::{get, post};
    let sent = Arc::new(Mutex::new(Vec::new()));
    let fail = Arc::new(AtomicBool::new(false));
    let (s2, f2) = (sent.clone(), fail.clone());
    let router = axum::Router::new()
        .route(
            "/cgi-bin/token",
            get(|| async { axum::Json(json!({"access_token": "AT-1", "expires_in": 7200})) }),
        )
        .route(
            "/cgi-bin/message/custom/send",
            post(
                move |axum::extract::Query(q): axum::extract::Query<
                    std::collections::HashMap<String, String>,
                >,
                      axum::Json(body): axum::Json<Value>| {
                    let (sent, fail) = (s2.clone(), f2.clone());
                    async move {
                        if q.get("access_token").map(String::as_str) != Some("AT-1") {
                            return axum::Json(
                                json!({"errcode": 40001, "errmsg": "invalid credential"}),
                            );
                        }
                        if fail.load(Ordering::SeqCst) {
                            return axum::Json(
                                json!({"errcode": 45015, "errmsg": "response out of time limit"}),
                            );
                        }
                        sent.lock().unwrap().push(body);
                        axum::Json(json!({"errcode": 0, "errmsg": "ok"}))
                    }
                },
            ),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    Wechat {
        base: format!("http://{addr}"),
        sent,
        fail,
    }
}

fn worker(store: Store, smtp: &Smtp, wx: &Wechat, policy: RetryPolicy) -> OutboxWorker {
    let t = Duration::from_secs(5);
    OutboxWorker {
        store,
        email: Arc::new(
            SmtpSender::new("127.0.0.1", smtp.port, "客服中心 <service@bank.example>", t).unwrap(),
        ),
        wechat: Arc::new(WechatSender::new(&wx.base, "wxappid", "wxsecret", t).unwrap()),
        policy,
        lease: Duration::from_secs(20),
        batch: 10,
    }
}

/// Quick retries, so a test sees a reply give up in milliseconds.
const FAST: RetryPolicy = RetryPolicy {
    max_attempts: 3,
    base_delay_ms: 1,
    max_delay_ms: 5,
};

/// An email contact of 王女士 taken by agent01; returns (agent token, contact id).
async fn wang_email_contact(app: &TestApp, message_id: &str) -> (String, String) {
    let (st, first) = email_post(app, wang_mail(message_id, None), GATEWAY).await;
    assert_eq!(st, StatusCode::CREATED, "{}: {first}", app.backend);
    let contact = s(&first["contact_id"]).to_string();
    let agent = app.login("agent01").await;
    let (st, _) = app
        .post(
            &agent,
            &format!("/api/v1/contacts/{contact}/take"),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    (agent, contact)
}

async fn reply(app: &TestApp, agent: &str, contact: &str, text: &str) -> Value {
    let (st, body) = app
        .post(
            agent,
            &format!("/api/v1/contacts/{contact}/replies"),
            json!({"text": text}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{}: {body}", app.backend);
    assert_eq!(s(&body["status"]), "pending");
    body
}

/// The delivery state of the contact's latest reply, as its handler sees it.
async fn last_reply(app: &TestApp, agent: &str, contact: &str) -> Value {
    let (st, c) = app.get(agent, &format!("/api/v1/contacts/{contact}")).await;
    assert_eq!(st, StatusCode::OK, "{c}");
    c["messages"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|m| m["direction"] == "outbound")
        .cloned()
        .unwrap()
}

#[tokio::test]
async fn replies_go_out_by_smtp_and_wechat() {
    for b in backends() {
        let app = start(b).await;
        app.store
            .store
            .bind_channel_address("fixture", ContactChannel::Email, WANG_EMAIL, "C1")
            .await
            .unwrap();
        let (smtp, wx) = (smtp_server().await, wechat_server().await);
        let w = worker(app.store.store.clone(), &smtp, &wx, FAST);

        let (agent, contact) = wang_email_contact(&app, "m1@mail.example.com").await;
        reply(
            &app,
            &agent,
            &contact,
            "您好，卡片已为您挂失，新卡7个工作日内寄出。",
        )
        .await;
        let run = w.run_once().await.unwrap();
        assert_eq!((run.sent, run.failed), (1, 0), "{b}");
        let got = smtp.received.lock().unwrap().clone();
        assert_eq!(got.len(), 1, "{b}");
        let mail = bankdesk_domain::email::parse_email(got[0].as_bytes()).unwrap();
        assert_eq!(mail.to, WANG_EMAIL);
        assert_eq!(mail.subject, "Re: 信用卡丢失");
        assert_eq!(mail.thread, vec!["m1@mail.example.com".to_string()]);
        assert_eq!(mail.body, "您好，卡片已为您挂失，新卡7个工作日内寄出。");
        assert_eq!(
            s(&last_reply(&app, &agent, &contact).await["status"]),
            "sent"
        );

        // Her answer to our reply finds the contact by our Message-ID.
        let answer = wang_mail("m3@mail.example.com", Some(&mail.message_id));
        let (st, joined) = email_post(&app, answer, GATEWAY).await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {joined}");
        assert_eq!(s(&joined["contact_id"]), contact, "{b}");

        // WeChat: the reply goes to the follower's openid through the customer-service API.
        let (st, _) = wechat_post(&app, text_xml("oWx_9", 2001, "在吗")).await;
        assert_eq!(st, StatusCode::OK);
        let items = inbox(&app, &agent).await;
        let wx_contact = s(&items[0]["id"]).to_string();
        app.post(
            &agent,
            &format!("/api/v1/contacts/{wx_contact}/take"),
            json!({}),
        )
        .await;
        reply(&app, &agent, &wx_contact, "在的，请讲").await;
        let run = w.run_once().await.unwrap();
        assert_eq!(run.sent, 1, "{b}");
        let sent = wx.sent.lock().unwrap().clone();
        assert_eq!(
            sent,
            vec![json!({"touser": "oWx_9", "msgtype": "text", "text": {"content": "在的，请讲"}})],
            "{b}"
        );
        // Outside WeChat's 48-hour window the API refuses; the reply ends up failed.
        wx.fail.store(true, Ordering::SeqCst);
        reply(&app, &agent, &wx_contact, "还有其他问题吗").await;
        until(&w, async || {
            s(&last_reply(&app, &agent, &wx_contact).await["status"]) == "failed"
        })
        .await;
        let m = last_reply(&app, &agent, &wx_contact).await;
        assert!(s(&m["last_error"]).contains("45015"), "{b}: {m}");

        // A reply on a phone contact has nowhere to go.
        let (_, phone) = app
            .post(
                &agent,
                "/api/v1/contacts",
                json!({"channel": "phone", "customer_id": "C1"}),
            )
            .await;
        let (st, body) = app
            .post(
                &agent,
                &format!("/api/v1/contacts/{}/replies", s(&phone["id"])),
                json!({"text": "x"}),
            )
            .await;
        assert_eq!(
            (st, code(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "rule_refused"),
            "{b}"
        );
    }
}

/// Runs passes until `done` holds, for at most five seconds.
async fn until(w: &OutboxWorker, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        w.run_once().await.unwrap();
        if done().await {
            return;
        }
        assert!(Instant::now() < deadline, "condition not reached in time");
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn failed_sends_retry_then_fail_visibly_and_can_be_retried() {
    for b in backends() {
        let app = start(b).await;
        let (smtp, wx) = (smtp_server().await, wechat_server().await);
        let w = worker(app.store.store.clone(), &smtp, &wx, FAST);
        let (agent, contact) = wang_email_contact(&app, "m1@mail.example.com").await;
        smtp.fail.store(true, Ordering::SeqCst);
        let queued = reply(&app, &agent, &contact, "您好").await;
        let id = s(&queued["id"]).to_string();

        let first = w.run_once().await.unwrap();
        assert_eq!(first.sent, 0, "{b}");
        until(&w, async || {
            s(&last_reply(&app, &agent, &contact).await["status"]) == "failed"
        })
        .await;
        let m = last_reply(&app, &agent, &contact).await;
        assert_eq!(m["attempts"], 3, "{b}: {m}");
        assert!(
            s(&m["last_error"]).contains("mailbox temporarily unavailable"),
            "{b}: {m}"
        );
        assert!(smtp.received.lock().unwrap().is_empty());

        // The supervisors' list shows it (recipient masked); agents do not get the list.
        let sup = app.login("supervisor01").await;
        let (st, list) = app.get(&sup, "/api/v1/outbox?status=failed").await;
        assert_eq!(st, StatusCode::OK, "{b}: {list}");
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{b}: {list}");
        assert_eq!(s(&items[0]["id"]), id);
        assert_eq!(s(&items[0]["recipient_masked"]), "wa***@example.com");
        let (st, _) = app.get(&agent, "/api/v1/outbox?status=failed").await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
        let (st, body) = app.get(&sup, "/api/v1/outbox?status=lost").await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{b}: {body}");

        // Retried after the cause is fixed, it goes out once.
        smtp.fail.store(false, Ordering::SeqCst);
        let (st, body) = app
            .post(&sup, &format!("/api/v1/outbox/{id}/retry"), json!({}))
            .await;
        assert_eq!(
            (st, s(&body["status"])),
            (StatusCode::OK, "pending"),
            "{b}: {body}"
        );
        let (st, body) = app
            .post(&sup, &format!("/api/v1/outbox/{id}/retry"), json!({}))
            .await;
        assert_eq!(st, StatusCode::CONFLICT, "{b}: {body}");
        assert_eq!(w.run_once().await.unwrap().sent, 1, "{b}");
        assert_eq!(smtp.received.lock().unwrap().len(), 1);
        let (_, list) = app.get(&sup, "/api/v1/outbox?status=failed").await;
        assert_eq!(list["items"].as_array().unwrap().len(), 0, "{b}");

        // Without adapters configured, a reply fails with the reason rather than waiting.
        let unconfigured = OutboxWorker {
            email: Arc::new(NotConfigured("no smtp_host is configured")),
            ..w.clone()
        };
        reply(&app, &agent, &contact, "再次确认").await;
        until(&unconfigured, async || {
            s(&last_reply(&app, &agent, &contact).await["status"]) == "failed"
        })
        .await;
        assert_eq!(
            s(&last_reply(&app, &agent, &contact).await["last_error"]),
            "no smtp_host is configured"
        );
    }
}

/// A second handle on the same database, as a restarted process would open it.
async fn reopen(t: &TestStore) -> Store {
    let db = match t.cli_args[0].as_str() {
        "--data" => Db::open_sqlite(
            &std::path::Path::new(&t.cli_args[1]).join("bankdesk.db"),
            SqliteSync::Normal,
        )
        .await
        .unwrap(),
        _ => Db::open_postgres(&t.cli_args[1], 4).await.unwrap(),
    };
    Store::new(db)
}

#[tokio::test]
async fn a_restarted_worker_sends_what_was_pending_exactly_once() {
    for b in backends() {
        let app = start(b).await;
        let (smtp, wx) = (smtp_server().await, wechat_server().await);
        let (agent, contact) = wang_email_contact(&app, "m1@mail.example.com").await;
        for i in 0..5 {
            reply(&app, &agent, &contact, &format!("第{i}条回复")).await;
        }
        // The first process claimed one reply and died before sending it: its lease
        // (1 ms here) runs out and the reply is due again.
        let died = app
            .store
            .store
            .claim_due_outbox(bankdesk_store::now_ms(), 1, 1)
            .await
            .unwrap();
        assert_eq!(died.len(), 1, "{b}");
        tokio::time::sleep(Duration::from_millis(5)).await;

        // Two workers of the restarted process, on their own connections, side by side.
        let (s1, s2) = (reopen(&app.store).await, reopen(&app.store).await);
        let (w1, w2) = (worker(s1, &smtp, &wx, FAST), worker(s2, &smtp, &wx, FAST));
        let (r1, r2) = tokio::join!(w1.run_once(), w2.run_once());
        let (r1, r2) = (r1.unwrap(), r2.unwrap());
        assert_eq!(r1.sent + r2.sent, 5, "{b}: {r1:?} {r2:?}");
        assert_eq!(w1.run_once().await.unwrap().sent, 0, "{b}: nothing left");
        let mut bodies: Vec<String> = smtp
            .received
            .lock()
            .unwrap()
            .iter()
            .map(|m| {
                bankdesk_domain::email::parse_email(m.as_bytes())
                    .unwrap()
                    .body
            })
            .collect();
        bodies.sort();
        let want: Vec<String> = (0..5).map(|i| format!("第{i}条回复")).collect();
        assert_eq!(bodies, want, "{b}: each reply exactly once");
        let (st, list) = app
            .get(
                &app.login("supervisor01").await,
                "/api/v1/outbox?status=sent&limit=3",
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(list["items"].as_array().unwrap().len(), 3, "{b}");
        let next = s(&list["next"]).to_string();
        let (_, rest) = app
            .get(
                &app.login("supervisor01").await,
                &format!("/api/v1/outbox?status=sent&limit=3&cursor={next}"),
            )
            .await;
        assert_eq!(rest["items"].as_array().unwrap().len(), 2, "{b}: {rest}");
        assert!(rest["next"].is_null());
    }
}

#[tokio::test]
async fn wrap_up_takes_only_categories_of_the_tree() {
    for b in backends() {
        let app = start(b).await;
        let agent = app.login("agent01").await;
        let (st, tree) = app.get(&agent, "/api/v1/wrap-up-categories").await;
        assert_eq!(st, StatusCode::OK, "{b}");
        let card = tree["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == "credit_card")
            .cloned()
            .unwrap();
        assert_eq!(s(&card["zh"]), "信用卡");
        assert!(
            card["children"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["code"] == "credit_card.lost")
        );

        let (_, c) = app
            .post(
                &agent,
                "/api/v1/contacts",
                json!({"channel": "phone", "customer_id": "C1"}),
            )
            .await;
        let id = s(&c["id"]).to_string();
        for bad in ["gossip", "credit_card.", "credit_card.lost.x"] {
            let (st, body) = app
                .post(
                    &agent,
                    &format!("/api/v1/contacts/{id}/wrap-up"),
                    json!({"category": bad, "resolved": true}),
                )
                .await;
            assert_eq!(st, StatusCode::BAD_REQUEST, "{b}: {bad}: {body}");
            assert!(
                s(&body["error"]["message"]).starts_with("category"),
                "{b}: {body}"
            );
        }
        let (st, body) = app
            .post(
                &agent,
                &format!("/api/v1/contacts/{id}/wrap-up"),
                json!({"category": "loans.mortgage_rate", "resolved": true}),
            )
            .await;
        assert_eq!(
            (st, s(&body["status"])),
            (StatusCode::OK, "closed"),
            "{b}: {body}"
        );
    }
}

#[tokio::test]
async fn the_next_agent_sees_the_previous_note_on_the_timeline() {
    for b in backends() {
        let app = start(b).await;
        app.store
            .store
            .bind_channel_address("fixture", ContactChannel::Email, WANG_EMAIL, "C1")
            .await
            .unwrap();
        // 王女士 wrote an email first.
        let (st, mail) = email_post(&app, wang_mail("m1@mail.example.com", None), GATEWAY).await;
        assert_eq!(st, StatusCode::CREATED);

        // agent01 takes her call, writes a note and wraps up.
        let a1 = app.login("agent01").await;
        let (_, c1) = app
            .post(
                &a1,
                "/api/v1/contacts",
                json!({"channel": "phone", "customer_id": "C1"}),
            )
            .await;
        let c1 = s(&c1["id"]).to_string();
        let note = "客户卡片遗失，已挂失；溢缴款1280元待卡中心退回";
        let (st, _) = app
            .post(
                &a1,
                &format!("/api/v1/contacts/{c1}/notes"),
                json!({"text": note}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        let (st, _) = app
            .post(
                &a1,
                &format!("/api/v1/contacts/{c1}/wrap-up"),
                json!({"category": "credit_card.overpayment_refund", "resolved": false, "summary": "转卡中心"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}");

        // agent02 opens a new contact for her and reads the timeline.
        let a2 = app.login("agent02").await;
        let (_, c2) = app
            .post(
                &a2,
                "/api/v1/contacts",
                json!({"channel": "chat", "customer_id": "C1"}),
            )
            .await;
        let c2 = s(&c2["id"]).to_string();
        let (st, body) = app.get(&a2, "/api/v1/customers/C1/timeline").await;
        assert_eq!(
            (st, code(&body)),
            (StatusCode::FORBIDDEN, "purpose_required"),
            "{b}"
        );
        let (st, tl) = app
            .get(
                &a2,
                &format!("/api/v1/customers/C1/timeline?purpose=contact:{c2}"),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {tl}");
        let items = tl["items"].as_array().unwrap();
        let channels: Vec<&str> = items.iter().map(|i| s(&i["channel"])).collect();
        assert_eq!(channels, ["chat", "phone", "email"], "{b}: newest first");
        assert_eq!(s(&items[0]["id"]), c2);
        let prev = &items[1];
        assert_eq!(s(&prev["id"]), c1);
        assert_eq!(s(&prev["notes"][0]["text"]), note, "{b}: agent01's note");
        assert_eq!(s(&prev["notes"][0]["author"]), "客服一号 张敏");
        assert_eq!(s(&prev["category"]), "credit_card.overpayment_refund");
        assert_eq!(s(&prev["category_label"]), "信用卡 / 溢缴款退还");
        assert_eq!(prev["resolved"], false);
        assert_eq!(s(&items[2]["id"]), s(&mail["contact_id"]));
        assert_eq!(s(&items[2]["messages"][0]["subject"]), "信用卡丢失");

        // Pages of one.
        let (_, p1) = app
            .get(
                &a2,
                &format!("/api/v1/customers/C1/timeline?purpose=contact:{c2}&limit=1"),
            )
            .await;
        let next = s(&p1["next"]).to_string();
        let (_, p2) = app
            .get(
                &a2,
                &format!(
                    "/api/v1/customers/C1/timeline?purpose=contact:{c2}&limit=1&cursor={next}"
                ),
            )
            .await;
        assert_eq!(s(&p2["items"][0]["id"]), c1, "{b}: {p2}");
        let (st, _) = app
            .get(
                &a2,
                &format!("/api/v1/customers/C1/timeline?purpose=contact:{c2}&cursor=zz"),
            )
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{b}");

        // Each read is audited with its purpose.
        let comp = app.login("compliance01").await;
        let (_, audit) = app
            .get(&comp, "/api/v1/audit?customer_id=C1&actor=agent02")
            .await;
        let reads = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "customer.timeline")
            .count();
        assert!(reads >= 3, "{b}: {audit}");

        // agent01 without a purpose of their own is refused.
        let (st, _) = app
            .get(
                &a1,
                &format!("/api/v1/customers/C1/timeline?purpose=contact:{c2}"),
            )
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
    }
}

#[tokio::test]
async fn new_email_and_wechat_contacts_are_routed_to_an_agent_with_the_skill() {
    for b in backends() {
        let app = start(b).await;
        app.store
            .store
            .bind_channel_address("fixture", ContactChannel::Email, WANG_EMAIL, "C1")
            .await
            .unwrap();
        // agent03 has the email and WeChat skills (the demo routing); agent01 has neither.
        let a1 = app.login("agent01").await;
        let a3 = app.login("agent03").await;
        for token in [&a1, &a3] {
            let (st, body) = app
                .put(
                    token,
                    "/api/v1/agents/me/state",
                    json!({"state": "available"}),
                )
                .await;
            assert!(st.is_success(), "{b}: {body}");
        }
        let (st, mail) = email_post(&app, wang_mail("m1@mail.example.com", None), GATEWAY).await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {mail}");
        let contact = s(&mail["contact_id"]).to_string();
        let (st, c) = app.get(&a3, &format!("/api/v1/contacts/{contact}")).await;
        assert_eq!(st, StatusCode::OK, "{b}: routed to agent03: {c}");
        assert_eq!(s(&c["handler"]), "客服三号 王强");
        let (st, _) = app.get(&a1, &format!("/api/v1/contacts/{contact}")).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{b}");

        let (st, _) = wechat_post(&app, text_xml("oWx_7", 3001, "你好")).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        assert!(
            inbox(&app, &a1).await.is_empty(),
            "{b}: nothing left unassigned"
        );
        // The open WeChat conversation stays with its agent.
        let (st, _) = wechat_post(&app, text_xml("oWx_7", 3002, "在吗")).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        assert_eq!(count(&app, "routing_entries").await, 2, "{b}");

        // A third conversation fills agent03 (capacity 3); a fourth waits in the inbox
        // until agent03 wraps one up.
        let stranger = |n: u32| {
            format!(
                "From: s{n}@elsewhere.cn\r\nSubject: q{n}\r\nMessage-ID: <s{n}@elsewhere.cn>\r\n\r\nhi\r\n"
            )
        };
        let (st, _) = email_post(&app, stranger(1), GATEWAY).await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        assert!(inbox(&app, &a1).await.is_empty(), "{b}");
        let (_, fourth) = email_post(&app, stranger(2), GATEWAY).await;
        let items = inbox(&app, &a1).await;
        assert_eq!(items.len(), 1, "{b}: agent03 is full");
        assert_eq!(s(&items[0]["id"]), s(&fourth["contact_id"]));
        let (st, body) = app
            .post(
                &a3,
                &format!("/api/v1/contacts/{contact}/wrap-up"),
                json!({"category": "credit_card.lost", "resolved": true}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {body}");
        assert!(
            inbox(&app, &a1).await.is_empty(),
            "{b}: the waiting mail went to agent03"
        );
        let (st, c) = app
            .get(
                &a3,
                &format!("/api/v1/contacts/{}", s(&fourth["contact_id"])),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {c}");
    }
}
