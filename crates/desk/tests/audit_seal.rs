//! The audit sealer on both databases: it seals only a head that moved, seals once more
//! when stopped, refuses to seal a chain cut at either end or rewritten (sealing it would
//! bless the cut), and takes a purge's base move only from the purge itself.

use bankdesk_desk::audit::seal::{self, Seal, SealOutcome, Sealer};
use bankdesk_domain::audit::NewAuditEntry;
use bankdesk_domain::audit::checkpoint::{SealBreak, SealKey};
use bankdesk_store::testing::{backends, fresh};
use bankdesk_store::{Store, args};
use std::time::Duration;

async fn records(store: &Store, n: i64) {
    for i in 0..n {
        store
            .audit(NewAuditEntry {
                at_ms: 1_000 + i,
                actor: "agent01".into(),
                action: "customer.overview".into(),
                customer_id: Some("C1".into()),
                purpose: Some("contact:ct_1".into()),
                detail: "{}".into(),
            })
            .await
            .unwrap();
    }
}

/// A key in a temporary directory, with the checkpoint file beside it.
fn key_in(dir: &tempfile::TempDir) -> Seal {
    let key = dir.path().join("audit-checkpoint.key");
    std::fs::write(&key, SealKey::from_seed([3; 32]).to_pem()).unwrap();
    Seal::load(&key, Seal::default_file(&key)).unwrap()
}

fn lines(seal: &Seal) -> Vec<serde_json::Value> {
    std::fs::read_to_string(seal.file())
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

async fn hash_at(store: &Store, seq: i64) -> String {
    store.audit_hash_at(seq).await.unwrap().unwrap()
}

#[tokio::test]
async fn the_sealer_seals_a_moved_head_and_once_more_when_stopped() {
    for b in backends() {
        let t = fresh(b).await;
        let dir = tempfile::tempdir().unwrap();
        let seal = key_in(&dir);
        let mut sealer = Sealer::new(t.store.clone(), &seal).unwrap();
        records(&t.store, 3).await;
        let SealOutcome::Sealed(cp) = sealer.seal_if_moved().await.unwrap() else {
            panic!("{b}: the first turn seals");
        };
        assert_eq!(cp.head.seq, 3, "{b}");
        assert_eq!(
            sealer.seal_if_moved().await.unwrap(),
            SealOutcome::Unchanged,
            "{b}: a head that did not move is not sealed again"
        );
        assert_eq!(lines(&seal).len(), 1, "{b}");

        // A long interval: only the first turn and the stop can seal.
        let task = Sealer::new(t.store.clone(), &seal)
            .unwrap()
            .spawn(Duration::from_secs(3600));
        records(&t.store, 2).await;
        task.stop().await;
        let written = lines(&seal);
        assert_eq!(written.last().unwrap()["seq"], 5, "{b}: {written:?}");
        let v = seal::verify(&t.store, Some(&seal)).await.unwrap();
        assert!(v.ok && v.sealed, "{b}: {v:?}");
        assert_eq!(v.checkpoint.unwrap().seq, 5, "{b}");
    }
}

#[tokio::test]
async fn the_sealer_refuses_to_bless_a_cut_tail_a_cut_head_or_a_rewrite() {
    for b in backends() {
        // Tail: the last three records gone and the head moved back to match.
        let t = fresh(b).await;
        let dir = tempfile::tempdir().unwrap();
        let seal = key_in(&dir);
        records(&t.store, 10).await;
        let mut sealer = Sealer::new(t.store.clone(), &seal).unwrap();
        assert!(matches!(
            sealer.seal_if_moved().await.unwrap(),
            SealOutcome::Sealed(_)
        ));
        let db = t.store.db();
        db.execute("DELETE FROM audit_log WHERE seq > 7", &[])
            .await
            .unwrap();
        db.execute(
            "UPDATE audit_head SET seq = 7, hash = $1 WHERE id = 1",
            &args![hash_at(&t.store, 7).await],
        )
        .await
        .unwrap();
        let SealOutcome::Refused(why) = sealer.seal_if_moved().await.unwrap() else {
            panic!("{b}: a cut tail is not sealed");
        };
        assert!(why[0].contains("records 8 to 10"), "{b}: {why:?}");
        assert_eq!(lines(&seal).len(), 1, "{b}: nothing sealed");

        // Head: the first three records gone and the base moved past them.
        let t = fresh(b).await;
        let dir = tempfile::tempdir().unwrap();
        let seal = key_in(&dir);
        records(&t.store, 10).await;
        let mut sealer = Sealer::new(t.store.clone(), &seal).unwrap();
        sealer.seal_if_moved().await.unwrap();
        let db = t.store.db();
        let h3 = hash_at(&t.store, 3).await;
        db.execute("DELETE FROM audit_log WHERE seq <= 3", &[])
            .await
            .unwrap();
        db.execute(
            "UPDATE audit_head SET base_seq = 3, base_hash = $1 WHERE id = 1",
            &args![h3],
        )
        .await
        .unwrap();
        records(&t.store, 1).await;
        let SealOutcome::Refused(why) = sealer.seal_if_moved().await.unwrap() else {
            panic!("{b}: a cut head is not sealed");
        };
        assert!(why[0].contains("records 1 to 3"), "{b}: {why:?}");
        let v = seal::verify(&t.store, Some(&seal)).await.unwrap();
        assert_eq!(
            v.seal_problems,
            vec![SealBreak::HeadCut {
                from_seq: 1,
                to_seq: 3
            }],
            "{b}"
        );

        // Rewrite: record 10 changed and its hash recomputed, the head moved to match.
        let t = fresh(b).await;
        let dir = tempfile::tempdir().unwrap();
        let seal = key_in(&dir);
        records(&t.store, 10).await;
        let mut sealer = Sealer::new(t.store.clone(), &seal).unwrap();
        sealer.seal_if_moved().await.unwrap();
        let e = t
            .store
            .audit_search(&bankdesk_store::audit::AuditQuery {
                limit: 1,
                ..Default::default()
            })
            .await
            .unwrap()
            .remove(0);
        let forged = bankdesk_domain::audit::entry_hash(
            &e.prev_hash,
            e.seq,
            e.at_ms,
            &e.actor,
            &e.action,
            Some("C2"),
            e.purpose.as_deref(),
            &e.detail,
        );
        let db = t.store.db();
        db.execute(
            "UPDATE audit_log SET customer_id = 'C2', hash = $1 WHERE seq = 10",
            &args![forged.as_str()],
        )
        .await
        .unwrap();
        db.execute(
            "UPDATE audit_head SET hash = $1 WHERE id = 1",
            &args![forged.as_str()],
        )
        .await
        .unwrap();
        assert!(
            t.store.audit_verify().await.unwrap().ok,
            "{b}: the walk alone is fooled"
        );
        assert!(
            matches!(
                sealer.seal_if_moved().await.unwrap(),
                SealOutcome::Refused(_)
            ),
            "{b}"
        );
        let v = seal::verify(&t.store, Some(&seal)).await.unwrap();
        assert_eq!(
            v.seal_problems,
            vec![SealBreak::Rewritten {
                from_seq: 1,
                to_seq: 10
            }],
            "{b}"
        );
    }
}

#[tokio::test]
async fn a_purge_is_sealed_by_the_purge_and_a_forged_one_is_a_cut() {
    for b in backends() {
        let t = fresh(b).await;
        let dir = tempfile::tempdir().unwrap();
        let seal = key_in(&dir);
        records(&t.store, 10).await;
        let mut sealer = Sealer::new(t.store.clone(), &seal).unwrap();
        sealer.seal_if_moved().await.unwrap();
        let purge = t.store.audit_purge("system", 4).await.unwrap().unwrap();
        let SealOutcome::Sealed(cp) = sealer.seal_after_purge(&purge).await.unwrap() else {
            panic!("{b}: a lawful purge is sealed");
        };
        assert_eq!((cp.head.base_seq, cp.head.seq), (4, 11), "{b}");
        let v = seal::verify(&t.store, Some(&seal)).await.unwrap();
        assert!(v.ok, "{b}: {v:?}");

        // The same move without the key: a purge record forged in the chain, the base
        // moved by SQL. The record hashes fine; no checkpoint sealed the move.
        let forged = t.store.db();
        let h6 = hash_at(&t.store, 6).await;
        forged
            .execute("DELETE FROM audit_log WHERE seq <= 6", &[])
            .await
            .unwrap();
        forged
            .execute(
                "UPDATE audit_head SET base_seq = 6, base_hash = $1 WHERE id = 1",
                &args![h6],
            )
            .await
            .unwrap();
        t.store
            .audit(NewAuditEntry {
                at_ms: 2_000,
                actor: "system".into(),
                action: "audit.purge".into(),
                customer_id: None,
                purpose: None,
                detail: r#"{"from_seq":5,"through_seq":6,"records":2}"#.into(),
            })
            .await
            .unwrap();
        let v = seal::verify(&t.store, Some(&seal)).await.unwrap();
        assert_eq!(
            v.seal_problems,
            vec![SealBreak::HeadCut {
                from_seq: 5,
                to_seq: 6
            }],
            "{b}"
        );
        assert!(
            matches!(
                sealer.seal_if_moved().await.unwrap(),
                SealOutcome::Refused(_)
            ),
            "{b}"
        );
    }
}
