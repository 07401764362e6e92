//! Routing, agent states, transfers and CTI intake (issue 4), through the real server on
//! SQLite and PostgreSQL. Time is moved through the router's injectable clock, never slept.

mod common;

use bankdesk_desk::live::{Assignment, Live, Placement, WorkRequest};
use bankdesk_domain::contact::{ContactChannel, Direction};
use bankdesk_domain::routing::{AgentState, Urgency};
use bankdesk_store::testing::{backends, fresh};
use bankdesk_web::{AppState, WebConfig};
use common::{TestApp, code};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// The server with the demo bank's story customers and users, and a clock the test moves
/// ahead (real time plus an offset).
struct Desk {
    app: TestApp,
    live: Arc<Live>,
    clock: Arc<AtomicI64>,
    /// A client that sees the desktop's redirects instead of following them.
    browser: reqwest::Client,
}

impl Desk {
    async fn start(backend: &'static str) -> Desk {
        Self::start_with(backend, WebConfig::default()).await
    }

    async fn start_with(backend: &'static str, config: WebConfig) -> Desk {
        let t = fresh(backend).await;
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let bank = bankdesk_demo::DemoBank::new(7, 8, today)
            .unwrap()
            .generate(0..8)
            .unwrap();
        let mut tx = t.store.db().begin().await.unwrap();
        tx.insert_bank_batch(&bank).await.unwrap();
        tx.commit().await.unwrap();
        bankdesk_desk::demo::create_demo_users(&t.store)
            .await
            .unwrap();
        let clock = Arc::new(AtomicI64::new(0));
        let gate = config.routing_exam_gate;
        let mut state = AppState::new(t.store.clone(), config).unwrap();
        let live = Arc::new(live_on(&t.store, &clock, gate));
        state.live = live.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, bankdesk_web::app(state)).await });
        Desk {
            app: TestApp {
                base: format!("http://{addr}"),
                http: reqwest::Client::new(),
                backend,
                store: t,
            },
            live,
            clock,
            browser: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    /// GETs a desktop page with a session cookie, not following a redirect.
    async fn page(&self, cookie: &str, path: &str) -> reqwest::Response {
        self.browser
            .get(format!("{}{path}", self.app.base))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap()
    }

    fn advance(&self, ms: i64) {
        self.clock.fetch_add(ms, Ordering::SeqCst);
    }

    async fn user_id(&self, username: &str) -> String {
        self.app
            .store
            .store
            .user_by_username(username)
            .await
            .unwrap()
            .unwrap()
            .id
    }

    /// Opens an unassigned chat of `customer` and asks for an agent over HTTP (as the
    /// chat service would through `Live::request`).
    async fn chat(&self, customer: Option<&str>) -> (String, Placement) {
        let c = self
            .app
            .store
            .store
            .open_unassigned_contact(
                "chat",
                ContactChannel::Chat,
                Direction::Inbound,
                customer,
                self.live.now(),
            )
            .await
            .unwrap();
        let admin = self.app.login("admin").await;
        let (status, body) = self
            .app
            .post(
                &admin,
                "/api/v1/routing/requests",
                json!({"contact_id": c.id, "skill": "chat"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["contact_id"], json!(c.id));
        let p = match body["placement"].as_str() {
            Some("assigned") => Placement::Assigned {
                agent_id: body["agent_id"].as_str().unwrap().into(),
                agent_username: body["agent_username"].as_str().unwrap().into(),
            },
            Some("queued") => Placement::Queued {
                queue: body["queue"].as_str().unwrap().into(),
                position: body["position"].as_u64().unwrap() as usize,
            },
            _ => panic!("{body}"),
        };
        (c.id, p)
    }

    /// Makes `username` available over HTTP.
    async fn available(&self, username: &str) -> String {
        let token = self.app.login(username).await;
        let (status, body) = self
            .app
            .put(
                &token,
                "/api/v1/agents/me/state",
                json!({"state": "available"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        token
    }

    async fn cti(&self, token: &str, events: &[Value]) -> (StatusCode, Value) {
        self.app
            .post(token, "/api/v1/cti/events", json!({ "events": events }))
            .await
    }
}

fn live_on(store: &bankdesk_store::Store, clock: &Arc<AtomicI64>, gate: bool) -> Live {
    let c = clock.clone();
    Live::new(store.clone(), gate).with_clock(Arc::new(move || {
        bankdesk_store::now_ms() + c.load(Ordering::SeqCst)
    }))
}

/// A queue of the live view, by name.
fn queue<'a>(view: &'a Value, name: &str) -> &'a Value {
    view["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == name)
        .unwrap()
}

/// Waiting in the chat queue at `position`.
fn in_chat_queue(position: usize) -> Placement {
    Placement::Queued {
        queue: "chat".into(),
        position,
    }
}

fn agent_of(p: &Placement) -> &str {
    match p {
        Placement::Assigned { agent_username, .. } => agent_username,
        Placement::Queued { .. } => "<queued>",
    }
}

#[tokio::test]
async fn chats_fill_capacity_then_vip_first_and_aging_prevents_starvation() {
    for b in backends() {
        let d = Desk::start(b).await;
        let mut pops = d.live.assignments();
        for a in ["agent01", "agent02"] {
            d.available(a).await;
        }
        // Six chats fill both chat agents (capacity 3 each), alternating between them.
        let mut held = Vec::new();
        for _ in 0..6 {
            let (id, p) = d.chat(None).await;
            assert_ne!(agent_of(&p), "<queued>", "{b}");
            held.push(id);
            d.advance(1_000);
        }
        let mut per_agent = std::collections::HashMap::new();
        for _ in 0..6 {
            let a: Assignment = pops.try_recv().unwrap();
            *per_agent.entry(a.agent_username).or_insert(0) += 1;
        }
        assert_eq!(per_agent.get("agent01"), Some(&3), "{b}: {per_agent:?}");
        assert_eq!(per_agent.get("agent02"), Some(&3), "{b}");
        let a1 = d.user_id("agent01").await;
        let presence = d
            .app
            .store
            .store
            .agent_presence(&a1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(presence.state, "busy", "{b}: full agents show busy");

        // Both at capacity: an ordinary chat, then a VIP one a second later, both wait.
        let (normal, p) = d.chat(None).await;
        assert_eq!(p, in_chat_queue(1), "{b}");
        d.advance(1_000);
        let (vip, p) = d.chat(Some("C000000007")).await;
        assert_eq!(p, in_chat_queue(1), "{b}: VIP goes first");
        // A chat ends: the VIP, though later, is answered first.
        let sup = d.app.login("supervisor01").await;
        let (_, view) = d.app.get(&sup, "/api/v1/live").await;
        let chat = queue(&view, "chat");
        assert_eq!(
            (chat["waiting"].as_u64(), chat["longest_wait_s"].as_i64()),
            (Some(2), Some(1)),
            "{b}: {view}"
        );
        let a01 = view["agents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["username"] == "agent01")
            .unwrap()
            .clone();
        assert_eq!(a01["contacts"].as_array().unwrap().len(), 3, "{b}: {a01}");
        assert_eq!(a01["state"], "busy");
        let agent = d.app.login("agent01").await;
        let (status, body) = d.app.get(&agent, "/api/v1/live").await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::FORBIDDEN, "forbidden"),
            "{b}"
        );
        d.live.finish(&held[0]).await.unwrap();
        let a = pops.try_recv().unwrap();
        assert_eq!(a.contact_id, vip, "{b}");
        assert_eq!(a.customer_id.as_deref(), Some("C000000007"));
        let c = d.app.store.store.contact(&vip).await.unwrap();
        assert_eq!(
            c.handler_id.as_deref(),
            Some(a.agent_id.as_str()),
            "{b}: handler set"
        );

        // Five minutes on, another VIP arrives; the ordinary chat has aged past it.
        d.advance(5 * 60_000);
        let (vip2, p) = d.chat(Some("C000000007")).await;
        assert_eq!(p, in_chat_queue(2), "{b}");
        d.live.finish(&held[1]).await.unwrap();
        assert_eq!(
            pops.try_recv().unwrap().contact_id,
            normal,
            "{b}: not starved"
        );
        assert!(pops.try_recv().is_err());
        let e = d
            .app
            .store
            .store
            .routing_entry(&vip2)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(e.status, "waiting", "{b}");
    }
}

#[tokio::test]
async fn a_burst_of_chats_queues_in_arrival_order_and_is_served_from_the_front() {
    for b in backends() {
        let d = Desk::start(b).await;
        let mut pops = d.live.assignments();
        // Nobody is available: every chat waits, each one place behind the last.
        let mut ids = Vec::new();
        for n in 1..=25 {
            let (id, p) = d.chat(None).await;
            assert_eq!(p, in_chat_queue(n), "{b}");
            ids.push(id);
            d.advance(10);
        }
        let sup = d.app.login("supervisor01").await;
        let (_, view) = d.app.get(&sup, "/api/v1/live").await;
        assert_eq!(queue(&view, "chat")["waiting"], 25, "{b}: {view}");
        // An agent comes: they take the three who came first, in that order.
        d.available("agent01").await;
        let got: Vec<String> = (0..3)
            .map(|_| pops.try_recv().unwrap().contact_id)
            .collect();
        assert_eq!(got, ids[..3], "{b}");
        assert!(pops.try_recv().is_err(), "{b}: capacity 3");
        for id in &ids[..3] {
            let e = d.app.store.store.routing_entry(id).await.unwrap().unwrap();
            assert_eq!(e.status, "assigned", "{b}: written to the store");
        }
        // A new chat joins the back of the line; the one ended frees a place for the fourth.
        let (_, p) = d.chat(None).await;
        assert_eq!(p, in_chat_queue(23), "{b}");
        d.live.finish(&ids[0]).await.unwrap();
        assert_eq!(pops.try_recv().unwrap().contact_id, ids[3], "{b}");
    }
}

#[tokio::test]
async fn a_restart_rebuilds_the_waiting_queue_from_the_store() {
    for b in backends() {
        let d = Desk::start(b).await;
        let (waiting, p) = d.chat(None).await;
        assert!(
            matches!(p, Placement::Queued { .. }),
            "{b}: nobody is available"
        );
        // A new Live over the same database stands for the restarted server.
        let restarted = live_on(&d.app.store.store, &d.clock, false);
        let mut pops = restarted.assignments();
        let a2 = d.user_id("agent02").await;
        restarted
            .set_state(&a2, AgentState::Available)
            .await
            .unwrap();
        let a = pops.try_recv().unwrap();
        assert_eq!(
            (a.contact_id.as_str(), a.agent_username.as_str()),
            (waiting.as_str(), "agent02"),
            "{b}"
        );
        // Only available agents get work; break and offline agents get none.
        restarted.set_state(&a2, AgentState::Break).await.unwrap();
        let (next, p) = d.chat(None).await;
        assert!(
            matches!(p, Placement::Queued { .. }),
            "{b}: {next} went to an agent on break"
        );
        // A repeated request for a held contact changes nothing.
        let again = restarted
            .request(WorkRequest {
                contact_id: waiting.clone(),
                channel: ContactChannel::Chat,
                skill: "chat".into(),
                customer_id: None,
                vip_tier: None,
                urgency: Urgency::Normal,
            })
            .await
            .unwrap();
        assert_eq!(agent_of(&again), "agent02", "{b}");
        let bad = restarted
            .request(WorkRequest {
                contact_id: waiting.clone(),
                channel: ContactChannel::Chat,
                skill: "Chat!".into(),
                customer_id: None,
                vip_tier: None,
                urgency: Urgency::Normal,
            })
            .await
            .unwrap_err();
        // As the API answers it.
        let bad = bankdesk_web::error::ApiError::from(bad);
        assert!(bad.message.starts_with("skill"), "{b}: {}", bad.message);
    }
}

fn call_script(call_id: &str) -> Vec<Value> {
    let at = |m: u32| format!("2026-11-20T01:{m:02}:00+08:00");
    vec![
        json!({"call_id": call_id, "seq": 1, "type": "offered", "at": at(1), "ani": "13800000005", "dnis": "95555", "ivr_path": "1>2>0"}),
        json!({"call_id": call_id, "seq": 2, "type": "queued", "at": at(2), "ani": "13800000005", "dnis": "95555", "queue": "card"}),
        json!({"call_id": call_id, "seq": 3, "type": "answered", "at": at(4), "ani": "13800000005", "dnis": "95555", "queue": "card", "agent": "agent01"}),
        json!({"call_id": call_id, "seq": 4, "type": "ended", "at": at(9), "ani": "13800000005", "dnis": "95555", "queue": "card"}),
    ]
}

/// What must not change when events are repeated or reordered.
fn call_facts(v: &Value) -> Value {
    json!([
        v["id"],
        v["customer_id"],
        v["status"],
        v["handler"],
        v["channel"],
        v["closed_at"],
        v["opened_at"],
        v["call"]["status"],
        v["call"]["agent"],
        v["call"]["ivr_path"],
        v["call"]["queue"],
        v["call"]["vip_tier"],
        v["call"]["answered_at"],
        v["call"]["ended_at"],
        v["call"]["events"]
    ])
}

#[tokio::test]
async fn a_scripted_call_becomes_a_contact_of_zhang_and_repeats_change_nothing() {
    for b in backends() {
        let d = Desk::start(b).await;
        let feed = d.app.login("admin").await;
        let agent = d.available("agent01").await;
        let mut pops = d.live.assignments();
        let script = call_script("pbx-1");
        let (status, body) = d.cti(&feed, &script[..3]).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{b}: {body}");
        assert_eq!(body, json!({"accepted": 3, "duplicates": 0}), "{b}");
        let (status, call) = d.app.get(&feed, "/api/v1/calls/pbx-1").await;
        assert_eq!(status, StatusCode::OK, "{b}: {call}");
        let zhang = call["customer_id"].as_str().unwrap().to_string();
        let who = d
            .app
            .store
            .store
            .find_customers(
                &bankdesk_store::bank::Lookup::Phone("13800000005".into()),
                5,
            )
            .await
            .unwrap();
        assert_eq!(
            (who.len(), who[0].id.as_str(), who[0].name.as_str()),
            (1, zhang.as_str(), "张建军"),
            "{b}"
        );
        assert_eq!(
            (call["channel"].as_str(), call["status"].as_str()),
            (Some("phone"), Some("open")),
            "{b}"
        );
        assert_eq!(call["call"]["ivr_path"], "1>2>0");
        assert_eq!(
            call["call"]["ani"], "138****0005",
            "{b}: the caller's number is masked"
        );
        assert_eq!(call["call"]["vip_tier"], "none");
        // Answered: the call is agent01's contact, and so their purpose for 张先生's data.
        let pop: Assignment = pops.try_recv().unwrap();
        assert_eq!(
            (
                pop.agent_username.as_str(),
                pop.channel,
                pop.customer_id.as_deref()
            ),
            ("agent01", ContactChannel::Phone, Some(zhang.as_str())),
            "{b}"
        );
        let contact = call["id"].as_str().unwrap().to_string();
        assert_eq!(pop.contact_id, contact);
        let (status, _) = d
            .app
            .get(
                &agent,
                &format!("/api/v1/customers/{zhang}/overview?purpose=contact:{contact}"),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{b}: the answered call is the agent's purpose"
        );
        let a1 = d.user_id("agent01").await;
        assert_eq!(
            d.app
                .store
                .store
                .agent_presence(&a1)
                .await
                .unwrap()
                .unwrap()
                .state,
            "busy",
            "{b}: on a call"
        );

        // Ended: the contact closes and the agent is free again.
        let (_, body) = d.cti(&feed, &script[3..]).await;
        assert_eq!(body, json!({"accepted": 1, "duplicates": 0}), "{b}");
        let (_, done) = d.app.get(&feed, "/api/v1/calls/pbx-1").await;
        assert_eq!(
            (done["status"].as_str(), done["call"]["status"].as_str()),
            (Some("closed"), Some("ended")),
            "{b}"
        );
        assert_eq!(done["handler"], "客服一号 张敏");
        assert_eq!(
            d.app
                .store
                .store
                .agent_presence(&a1)
                .await
                .unwrap()
                .unwrap()
                .state,
            "available",
            "{b}"
        );
        let audit_before = d.app.store.store.audit_verify().await.unwrap().entries;

        // The same events again: all duplicates, nothing changes.
        let (status, body) = d.cti(&feed, &script).await;
        assert_eq!(
            (status, body),
            (
                StatusCode::ACCEPTED,
                json!({"accepted": 0, "duplicates": 4})
            ),
            "{b}"
        );
        let (_, again) = d.app.get(&feed, "/api/v1/calls/pbx-1").await;
        assert_eq!(call_facts(&again), call_facts(&done), "{b}");
        assert_eq!(
            d.app.store.store.audit_verify().await.unwrap().entries,
            audit_before,
            "{b}: no new writes"
        );

        // The same call delivered backwards, one event at a time, with repeats, ends the same.
        let mut other = call_script("pbx-2");
        other.reverse();
        let mut dups = 0;
        for (i, e) in other.iter().enumerate() {
            let batch: Vec<Value> = if i % 2 == 1 {
                vec![e.clone(), other[i - 1].clone()]
            } else {
                vec![e.clone()]
            };
            let (status, body) = d.cti(&feed, &batch).await;
            assert_eq!(status, StatusCode::ACCEPTED, "{b}");
            dups += body["duplicates"].as_u64().unwrap();
        }
        assert_eq!(dups, 2, "{b}");
        let (_, shuffled) = d.app.get(&feed, "/api/v1/calls/pbx-2").await;
        let strip = |v: &Value| {
            let mut f = call_facts(v);
            f[0] = Value::Null;
            f
        };
        assert_eq!(strip(&shuffled), strip(&done), "{b}: order does not matter");
        assert_eq!(
            d.app
                .store
                .store
                .agent_presence(&a1)
                .await
                .unwrap()
                .unwrap()
                .state,
            "available",
            "{b}: a late answer does not hold a finished call"
        );
        assert!(d.app.store.store.audit_verify().await.unwrap().ok);

        // After the call: the customer's data is closed to the agent, but the note and the
        // wrap-up (after-call work) are still theirs to write, once.
        let (status, _) = d
            .app
            .get(
                &agent,
                &format!("/api/v1/customers/{zhang}/overview?purpose=contact:{contact}"),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{b}: the purpose ended with the call"
        );
        // The desktop: the customer's page, reloaded, leads to the after-call work, where
        // the note form returns and the note stands; nobody else may open it.
        let cookie = desk_cookie(&d, "agent01").await;
        let acw = format!("/contacts/{contact}");
        let res = d
            .page(
                &cookie,
                &format!("/customers/{zhang}?purpose=contact:{contact}"),
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{b}");
        assert_eq!(res.headers()["location"], acw.as_str(), "{b}");
        let res = d
            .browser
            .post(format!("{}{acw}/notes", d.app.base))
            .header("cookie", &cookie)
            .form(&[("csrf", "csrf"), ("text", "客户明日到网点领卡")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{b}");
        assert_eq!(
            res.headers()["location"],
            acw.as_str(),
            "{b}: back to the after-call work"
        );
        let res = d.page(&cookie, &acw).await;
        assert_eq!(res.status(), StatusCode::OK, "{b}");
        let html = res.text().await.unwrap();
        assert!(html.contains("客户明日到网点领卡"), "{b}: the note stands");
        assert!(
            html.contains(&format!("action=\"{acw}/wrap-up\"")),
            "{b}: the wrap-up form is there"
        );
        assert!(
            !html.contains(&zhang),
            "{b}: nothing of the customer after the call"
        );
        let other = desk_cookie(&d, "agent02").await;
        let res = d.page(&other, &acw).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{b}: only the handler");
        let (status, body) = d
            .app
            .post(
                &agent,
                &format!("/api/v1/contacts/{contact}/notes"),
                json!({"text": "吞卡已登记，次日网点领卡"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{b}: {body}");
        let wrap = json!({"category": "credit_card", "resolved": true, "summary": "吞卡处理"});
        let (status, body) = d
            .app
            .post(
                &agent,
                &format!("/api/v1/contacts/{contact}/wrap-up"),
                wrap.clone(),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{b}: {body}");
        assert_eq!(
            (body["category"].as_str(), body["closed_at"].is_null()),
            (Some("credit_card"), false),
            "{b}: {body}"
        );
        let (status, _) = d
            .app
            .post(&agent, &format!("/api/v1/contacts/{contact}/wrap-up"), wrap)
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{b}: wrapped up once");
        let res = d.page(&cookie, &acw).await;
        assert_eq!(res.status(), StatusCode::CONFLICT, "{b}: the work is done");
        let (status, _) = d
            .app
            .post(
                &d.app.login("agent02").await,
                &format!("/api/v1/contacts/{contact}/notes"),
                json!({"text": "不是我的电话"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{b}: only the handler");
        // Only the feed, supervisors and the handler read calls.
        let other_agent = d.app.login("agent02").await;
        let (status, _) = d.app.get(&other_agent, "/api/v1/calls/pbx-1").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{b}");
        let (status, _) = d.app.get(&agent, "/api/v1/calls/pbx-1").await;
        assert_eq!(status, StatusCode::OK, "{b}");
        let (status, _) = d.app.get(&feed, "/api/v1/calls/nope").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{b}");
    }
}

#[tokio::test]
async fn a_malformed_batch_is_refused_whole_naming_the_field() {
    for b in backends() {
        let d = Desk::start(b).await;
        let feed = d.app.login("admin").await;
        let mut events = call_script("pbx-bad");
        events[2]["seq"] = json!("three");
        let (status, body) = d.cti(&feed, &events).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "invalid_field"),
            "{b}: {body}"
        );
        let msg = body["error"]["message"].as_str().unwrap();
        assert!(msg.starts_with("events[2].seq"), "{b}: {msg}");
        assert_eq!(
            d.app.store.store.call_event_count("pbx-bad").await.unwrap(),
            0,
            "{b}: nothing stored"
        );
        let (status, _) = d.app.get(&feed, "/api/v1/calls/pbx-bad").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{b}");
        for (field, value, named) in [
            ("type", json!("rang"), "events[1].type"),
            ("at", json!("01:00"), "events[1].at"),
            ("ani", json!("call me"), "events[1].ani"),
            ("agent", Value::Null, "events[1].agent"),
        ] {
            let mut events = call_script("pbx-bad");
            let i = if field == "agent" { 2 } else { 1 };
            events[i][field] = value;
            let (status, body) = d.cti(&feed, &events).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{b}: {field}");
            let named = named.replace("[1]", &format!("[{i}]"));
            assert!(
                body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .starts_with(&named),
                "{b}: {body}"
            );
        }
        assert_eq!(
            d.app.store.store.call_event_count("pbx-bad").await.unwrap(),
            0,
            "{b}"
        );
        let agent = d.app.login("agent01").await;
        let (status, _) = d.cti(&agent, &call_script("pbx-3")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{b}: agents do not feed CTI");
    }
}

#[tokio::test]
async fn a_transfer_hands_the_contact_and_its_notes_to_the_next_agent() {
    for b in backends() {
        let d = Desk::start(b).await;
        let t1 = d.available("agent01").await;
        let t2 = d.available("agent02").await;
        let (contact, p) = d.chat(Some("C000000002")).await;
        let (holder, other, other_name) = match agent_of(&p) {
            "agent01" => (t1.clone(), t2.clone(), "agent02"),
            "agent02" => (t2.clone(), t1.clone(), "agent01"),
            x => panic!("{b}: {x}"),
        };
        let (status, _) = d
            .app
            .post(
                &holder,
                &format!("/api/v1/contacts/{contact}/notes"),
                json!({"text": "卡片已挂失，客户要求退还溢缴款"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{b}");
        let (status, _) = d
            .app
            .post(
                &other,
                &format!("/api/v1/contacts/{contact}/transfer"),
                json!({"agent": other_name}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{b}: only the handler transfers"
        );
        let (status, body) = d
            .app
            .post(
                &holder,
                &format!("/api/v1/contacts/{contact}/transfer"),
                json!({"agent": other_name, "note": "请继续跟进退款"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{b}: {body}");
        assert_eq!(
            (body["placement"].as_str(), body["agent_username"].as_str()),
            (Some("assigned"), Some(other_name)),
            "{b}"
        );
        let (status, c) = d
            .app
            .get(&other, &format!("/api/v1/contacts/{contact}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{b}: the new agent holds it");
        let notes: Vec<&str> = c["notes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["text"].as_str().unwrap())
            .collect();
        assert_eq!(
            notes,
            ["卡片已挂失，客户要求退还溢缴款", "请继续跟进退款"],
            "{b}"
        );
        let (status, _) = d
            .app
            .get(&holder, &format!("/api/v1/contacts/{contact}"))
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{b}: the previous agent lets go"
        );

        // On to the VIP queue: senior01 (the VIP skill) gets it, notes included.
        let (status, body) = d
            .app
            .post(
                &other,
                &format!("/api/v1/contacts/{contact}/transfer"),
                json!({"queue": "nope"}),
            )
            .await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "invalid_field"),
            "{b}"
        );
        let (_, body) = d
            .app
            .post(
                &other,
                &format!("/api/v1/contacts/{contact}/transfer"),
                json!({"queue": "vip", "note": "贵宾客户"}),
            )
            .await;
        assert_eq!(
            body["placement"], "queued",
            "{b}: nobody on the VIP line yet: {body}"
        );
        let senior = d.available("senior01").await;
        let (status, c) = d
            .app
            .get(&senior, &format!("/api/v1/contacts/{contact}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{b}: {c}");
        assert_eq!(c["notes"].as_array().unwrap().len(), 3, "{b}");
        let (status, _) = d
            .app
            .get(&other, &format!("/api/v1/contacts/{contact}"))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{b}");
    }
}

/// A desktop session cookie for `username` (as the login form would set).
async fn desk_cookie(d: &Desk, username: &str) -> String {
    let store = &d.app.store.store;
    let user = store.user_by_username(username).await.unwrap().unwrap();
    let token = bankdesk_web::auth::random_token();
    store
        .create_session(
            &user,
            bankdesk_store::users::SessionKind::Desktop,
            &bankdesk_web::auth::token_hash(&token),
            "csrf",
            bankdesk_store::now_ms() + 3_600_000,
        )
        .await
        .unwrap();
    format!("{}={token}", bankdesk_web::auth::SESSION_COOKIE)
}

/// A minimal WebSocket client (the handshake and unmasked server text frames), enough to
/// read what the live view pushes.
struct Socket(tokio::net::TcpStream);

impl Socket {
    async fn open(base: &str, path: &str, cookie: &str) -> Socket {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let host = base.trim_start_matches("http://");
        let mut s = tokio::net::TcpStream::connect(host).await.unwrap();
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nCookie: {cookie}\r\n\r\n"
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            head.push(s.read_u8().await.unwrap());
        }
        let head = String::from_utf8(head).unwrap();
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        Socket(s)
    }

    async fn next_json(&mut self) -> Value {
        use tokio::io::AsyncReadExt;
        let read = async {
            loop {
                let b0 = self.0.read_u8().await.unwrap();
                let b1 = self.0.read_u8().await.unwrap();
                let len = match b1 & 0x7f {
                    126 => u64::from(self.0.read_u16().await.unwrap()),
                    127 => self.0.read_u64().await.unwrap(),
                    n => u64::from(n),
                };
                let mut payload = vec![0; len as usize];
                self.0.read_exact(&mut payload).await.unwrap();
                if b0 & 0x0f == 1 {
                    return serde_json::from_slice::<Value>(&payload).unwrap();
                }
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(20), read)
            .await
            .expect("a live update within 20 s")
    }
}

fn agent_state(view: &Value, username: &str) -> String {
    view["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == username)
        .map(|a| a["state"].as_str().unwrap().to_string())
        .unwrap()
}

#[tokio::test]
async fn the_supervisor_live_view_renders_and_updates_over_its_socket() {
    for b in backends() {
        let d = Desk::start(b).await;
        let sup = desk_cookie(&d, "supervisor01").await;
        let page = |cookie: String, path: &'static str| {
            let http = d.app.http.clone();
            let url = format!("{}{path}", d.app.base);
            async move {
                let res = http.get(url).header("cookie", cookie).send().await.unwrap();
                (res.status(), res.text().await.unwrap())
            }
        };
        let (status, html) = page(sup.clone(), "/desk/live").await;
        assert_eq!(status, StatusCode::OK, "{b}");
        assert!(
            html.contains("<html lang=\"zh-CN\">")
                && html.contains("实时监控")
                && html.contains("在线客服"),
            "{b}"
        );
        assert!(
            html.contains("data-agent=\"agent01\" data-state=\"offline\"") && html.contains("离线"),
            "{b}"
        );
        assert!(html.contains("/static/live.js"), "{b}");
        let (_, en) = page(sup.clone(), "/desk/live?lang=en").await;
        assert!(en.contains("Live view") && en.contains("Waiting"), "{b}");
        let agent = desk_cookie(&d, "agent01").await;
        let (status, _) = page(agent.clone(), "/desk/live").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{b}: supervisors only");
        let (status, js) = page(sup.clone(), "/static/live.js").await;
        assert!(
            status == StatusCode::OK && js.contains("new WebSocket"),
            "{b}"
        );

        // The socket pushes the picture, then a new one when an agent becomes available
        // and when a chat waits.
        let mut ws = Socket::open(&d.app.base, "/desk/live/ws", &sup).await;
        let first = ws.next_json().await;
        assert_eq!(agent_state(&first, "agent01"), "offline", "{b}");
        d.available("agent01").await;
        let mut view = ws.next_json().await;
        while agent_state(&view, "agent01") != "available" {
            view = ws.next_json().await;
        }
        let (_, p) = d.chat(None).await;
        assert_eq!(agent_of(&p), "agent01");
        let held = |v: &Value| {
            v["agents"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["username"] == "agent01")
                .unwrap()["contacts"]
                .as_array()
                .unwrap()
                .len()
        };
        while held(&view) != 1 {
            view = ws.next_json().await;
        }
    }
}

#[tokio::test]
async fn with_the_exam_gate_on_only_agents_who_passed_get_the_skill() {
    for b in backends() {
        let d = Desk::start_with(
            b,
            WebConfig {
                routing_exam_gate: true,
                ..WebConfig::default()
            },
        )
        .await;
        let db = d.app.store.store.db();
        // This month's chat exam (rows written directly: the exam's content is issue 6's).
        let now = bankdesk_store::now_ms();
        db.execute(
            "INSERT INTO exams (id, title, skill, categories, month, opens_at_ms, closes_at_ms, time_limit_s, pass_mark, \
             max_attempts, seed, created_by, created_at_ms) VALUES ('ex1', '在线客服考试', 'chat', '[]', '2026-11', $1, $2, 600, 85, 2, 1, 'qa01', $1)",
            &[(now - 60_000).into(), (now + 86_400_000).into()],
        )
        .await
        .unwrap();
        let a1 = d.user_id("agent01").await;
        d.available("agent01").await;
        let (chat, p) = d.chat(None).await;
        assert!(
            matches!(p, Placement::Queued { .. }),
            "{b}: agent01 has not passed the chat exam"
        );
        db.execute(
            "INSERT INTO exam_attempts (id, exam_id, user_id, status, started_at_ms, deadline_ms, submitted_at_ms, total, score, passed) \
             VALUES ('at1', 'ex1', $1, 'submitted', $2, $3, $2, 10, 90, $4)",
            &[a1.as_str().into(), now.into(), (now + 600_000).into(), true.into()],
        )
        .await
        .unwrap();
        // Any routing event runs a pass: agent02 coming on shift (no chat pass) releases
        // the chat to agent01, who has now passed.
        let mut pops = d.live.assignments();
        d.available("agent02").await;
        let a = pops.try_recv().unwrap();
        assert_eq!(
            (a.contact_id.as_str(), a.agent_username.as_str()),
            (chat.as_str(), "agent01"),
            "{b}"
        );
    }
}

/// Issue 12: a call's notes and summary are the customer's data. The feed and the
/// supervisors see the call; its notes only the working handler, or a purpose.
#[tokio::test]
async fn a_calls_notes_are_for_its_working_handler_or_a_purpose() {
    const NOTE: &str = "客户称卡被吞，要求次日领卡";
    for b in backends() {
        let d = Desk::start(b).await;
        let feed = d.app.login("admin").await;
        let agent = d.available("agent01").await;
        let script = call_script("pbx-n");
        let (status, _) = d.cti(&feed, &script[..3]).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{b}");
        let (_, call) = d.app.get(&feed, "/api/v1/calls/pbx-n").await;
        let contact = call["id"].as_str().unwrap().to_string();
        let zhang = call["customer_id"].as_str().unwrap().to_string();
        let (status, _) = d
            .app
            .post(
                &agent,
                &format!("/api/v1/contacts/{contact}/notes"),
                json!({"text": NOTE}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{b}");
        let notes_of = |v: &Value| v["notes"].as_array().map_or(0, Vec::len);

        let (_, mine) = d.app.get(&agent, "/api/v1/calls/pbx-n").await;
        assert_eq!(mine["notes"][0]["text"], NOTE, "{b}: the handler at work");
        for insider in ["admin", "supervisor01", "compliance01"] {
            let token = d.app.login(insider).await;
            let (status, v) = d.app.get(&token, "/api/v1/calls/pbx-n").await;
            assert_eq!(status, StatusCode::OK, "{b}: {insider}");
            assert_eq!(
                (notes_of(&v), v["call"]["status"].as_str()),
                (0, Some("answered")),
                "{b}: {insider} sees the call, not the notes"
            );
            assert!(!v.to_string().contains(NOTE), "{b}: {insider}");
            let (status, v) = d
                .app
                .get(
                    &token,
                    &format!("/api/v1/calls/pbx-n?purpose=contact:{contact}"),
                )
                .await;
            assert_eq!(
                (status, code(&v)),
                (StatusCode::FORBIDDEN, "purpose_invalid"),
                "{b}: {insider}: another's contact is no purpose"
            );
        }

        // Ended: the after-call work still shows the notes to the handler; wrapped up,
        // the call's notes and summary need a purpose like anyone else's.
        d.cti(&feed, &script[3..]).await;
        let (_, acw) = d.app.get(&agent, "/api/v1/calls/pbx-n").await;
        assert_eq!(notes_of(&acw), 1, "{b}: {acw}");
        let wrap = json!({"category": "credit_card", "resolved": true, "summary": "吞卡处理"});
        let (status, _) = d
            .app
            .post(&agent, &format!("/api/v1/contacts/{contact}/wrap-up"), wrap)
            .await;
        assert_eq!(status, StatusCode::OK, "{b}");
        let (status, done) = d.app.get(&agent, "/api/v1/calls/pbx-n").await;
        assert_eq!(status, StatusCode::OK, "{b}");
        assert_eq!(
            (notes_of(&done), done["summary"].is_null()),
            (0, true),
            "{b}: {done}"
        );
        let (_, feed_view) = d.app.get(&feed, "/api/v1/calls/pbx-n").await;
        assert!(feed_view["summary"].is_null(), "{b}: {feed_view}");
        let (status, next) = d
            .app
            .post(
                &agent,
                "/api/v1/contacts",
                json!({"channel": "phone", "customer_id": zhang}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{b}");
        let (status, again) = d
            .app
            .get(
                &agent,
                &format!(
                    "/api/v1/calls/pbx-n?purpose=contact:{}",
                    next["id"].as_str().unwrap()
                ),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{b}: {again}");
        assert_eq!(
            (
                again["notes"][0]["text"].as_str(),
                again["summary"].as_str()
            ),
            (Some(NOTE), Some("吞卡处理")),
            "{b}"
        );
    }
}
