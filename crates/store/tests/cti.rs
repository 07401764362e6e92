//! CTI intake through the store on every configured database: a seq delivered twice
//! keeps its first event, whether the call is new or known, so later refolds agree.

use bankdesk_domain::cti::CallEvent;
use bankdesk_store::testing::{backends, fresh, staff};
use serde_json::json;

fn ev(seq: i64, kind: &str, minute: u32, agent: Option<&str>) -> CallEvent {
    let mut v = json!({"call_id": "c1", "seq": seq, "type": kind,
        "at": format!("2026-11-20T01:{minute:02}:00+08:00"), "ani": "13900000000"});
    if let Some(a) = agent {
        v["agent"] = json!(a);
    }
    CallEvent::parse(&v).unwrap()
}

#[tokio::test]
async fn a_repeated_seq_keeps_the_first_event_in_new_and_known_calls() {
    for b in backends() {
        let t = fresh(b).await;
        let s = &t.store;
        // One delivery: seq 2 twice with different times; the first delivered counts.
        let out = s
            .ingest_cti(
                &[
                    ev(1, "offered", 0, None),
                    ev(2, "queued", 5, None),
                    ev(2, "queued", 1, None),
                ],
                1,
            )
            .await
            .unwrap();
        assert_eq!((out.accepted, out.duplicates), (2, 1), "{b}");
        assert_eq!(s.call_event_count("c1").await.unwrap(), 2);
        let first = s.call("c1").await.unwrap();
        assert_eq!((first.status.as_str(), first.events), ("queued", 2), "{b}");
        // A later delivery refolds from the table and finds the same facts.
        let out = s
            .ingest_cti(&[ev(4, "ended", 9, None), ev(2, "queued", 1, None)], 2)
            .await
            .unwrap();
        assert_eq!((out.accepted, out.duplicates), (1, 1), "{b}");
        let after = s.call("c1").await.unwrap();
        assert_eq!(
            (after.status.as_str(), after.events, after.offered_at_ms),
            ("ended", 3, first.offered_at_ms),
            "{b}"
        );
        let contact = s.contact(&after.contact_id).await.unwrap();
        assert_eq!(contact.status, "closed", "{b}");
        assert_eq!(s.count_calls().await.unwrap(), 1);
        assert!(s.audit_verify().await.unwrap().ok, "{b}");
    }
}

fn call_ev(call: &str, seq: i64, kind: &str, agent: Option<&str>) -> CallEvent {
    let mut e = ev(seq, kind, u32::try_from(seq).unwrap(), agent);
    e.call_id = call.to_string();
    e
}

/// The agents a delivery touches are refreshed together: each one answering a call is
/// busy (by the desk), and each one the end of their call frees is available and idle.
#[tokio::test]
async fn a_delivery_updates_the_presence_of_every_agent_it_touches() {
    use bankdesk_domain::role::Role;
    use bankdesk_domain::routing::AgentState;
    for b in backends() {
        let t = fresh(b).await;
        let s = &t.store;
        let mut ids = Vec::new();
        for name in ["agent01", "agent02", "agent03"] {
            let id = staff(s, name, Role::Agent, Some("hotline")).await.id;
            s.set_agent_profile(&id, &["general"], 3, 0).await.unwrap();
            s.set_agent_state(&id, AgentState::Available, 0)
                .await
                .unwrap();
            ids.push(id);
        }
        // agent01 and agent02 answer; agent03's call ends in the same delivery.
        let answered = [
            call_ev("c1", 1, "offered", None),
            call_ev("c1", 2, "answered", Some("agent01")),
            call_ev("c2", 1, "offered", None),
            call_ev("c2", 2, "answered", Some("agent02")),
            call_ev("c3", 1, "offered", None),
            call_ev("c3", 2, "answered", Some("agent03")),
            call_ev("c3", 3, "ended", None),
        ];
        let out = s.ingest_cti(&answered, 10).await.unwrap();
        assert_eq!(out.accepted, 7, "{b}");
        let state = |i: usize| {
            let id = ids[i].clone();
            async move {
                let p = s.agent_presence(&id).await.unwrap().unwrap();
                (p.state, p.busy_by_desk, p.idle_since_ms)
            }
        };
        assert_eq!(state(0).await, ("busy".to_string(), true, 0), "{b}");
        assert_eq!(state(1).await, ("busy".to_string(), true, 0), "{b}");
        assert_eq!(
            state(2).await,
            ("available".to_string(), false, 0),
            "{b}: a call over on arrival holds no one"
        );
        // Both calls end in one delivery: both agents are free, idle from now.
        let ended = [
            call_ev("c1", 3, "ended", None),
            call_ev("c2", 3, "ended", None),
        ];
        s.ingest_cti(&ended, 20).await.unwrap();
        assert_eq!(state(0).await, ("available".to_string(), false, 20), "{b}");
        assert_eq!(state(1).await, ("available".to_string(), false, 20), "{b}");
        assert_eq!(state(2).await.0, "available", "{b}");
        assert!(s.audit_verify().await.unwrap().ok, "{b}");
    }
}
