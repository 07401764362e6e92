//! CTI intake through the store on every configured database: a seq delivered twice
//! keeps its first event, whether the call is new or known, so later refolds agree.

use bankdesk_domain::cti::CallEvent;
use bankdesk_store::testing::{backends, fresh};
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
