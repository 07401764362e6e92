//! Routing, agent states, transfers and CTI intake (issue 4), through the real server on
//! SQLite and PostgreSQL. Time is moved through the router's injectable clock, never slept.

mod common;

use bankdesk_domain::contact::{ContactChannel, Direction};
use bankdesk_domain::routing::{AgentState, Urgency};
use bankdesk_store::testing::{backends, fresh};
use bankdesk_web::live::{Assignment, Live, Placement, TransferTarget, WorkRequest};
use bankdesk_web::{AppState, WebConfig};
use common::TestApp;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// The server with the demo bank's story customers and users, and a clock the test moves.
struct Desk {
    app: TestApp,
    live: Arc<Live>,
    clock: Arc<AtomicI64>,
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
        let mut tx = t.store.db.begin().await.unwrap();
        tx.insert_bank_batch(&bank).await.unwrap();
        tx.commit().await.unwrap();
        bankdesk_web::create_demo_users(&t.store).await.unwrap();
        let clock = Arc::new(AtomicI64::new(bankdesk_store::now_ms()));
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
        }
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

    /// Opens an unassigned chat of `customer` and asks for an agent.
    async fn chat(&self, customer: Option<&str>, vip: Option<&str>) -> (String, Placement) {
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
        let p = self
            .live
            .request(WorkRequest {
                contact_id: c.id.clone(),
                channel: ContactChannel::Chat,
                skill: "chat".into(),
                customer_id: customer.map(str::to_string),
                vip_tier: vip.map(str::to_string),
                urgency: Urgency::Normal,
            })
            .await
            .unwrap();
        (c.id, p)
    }
}

fn live_on(store: &bankdesk_store::Store, clock: &Arc<AtomicI64>, gate: bool) -> Live {
    let c = clock.clone();
    Live::new(store.clone(), gate).with_clock(Arc::new(move || c.load(Ordering::SeqCst)))
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
            let id = d.user_id(a).await;
            d.live.set_state(&id, AgentState::Available).await.unwrap();
        }
        // Six chats fill both chat agents (capacity 3 each), alternating between them.
        let mut held = Vec::new();
        for _ in 0..6 {
            let (id, p) = d.chat(None, None).await;
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
        let (normal, p) = d.chat(None, None).await;
        assert_eq!(
            p,
            Placement::Queued {
                queue: "chat".into(),
                position: 1
            },
            "{b}"
        );
        d.advance(1_000);
        let (vip, p) = d.chat(Some("C000000007"), Some("platinum")).await;
        assert_eq!(
            p,
            Placement::Queued {
                queue: "chat".into(),
                position: 1
            },
            "{b}: VIP goes first"
        );
        // A chat ends: the VIP, though later, is answered first.
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
        let (vip2, p) = d.chat(Some("C000000007"), Some("platinum")).await;
        assert_eq!(
            p,
            Placement::Queued {
                queue: "chat".into(),
                position: 2
            },
            "{b}"
        );
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
async fn a_restart_rebuilds_the_waiting_queue_from_the_store() {
    for b in backends() {
        let d = Desk::start(b).await;
        let (waiting, p) = d.chat(None, None).await;
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
        let (next, p) = d.chat(None, None).await;
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
        assert!(bad.message.starts_with("skill"), "{b}: {}", bad.message);
        let _ = TransferTarget::Queue("vip".into());
    }
}
