//! `GET /api/v1/audit/verify` with the server's audit checkpoint key: the same facts as
//! `bankdesk audit verify`, on both databases.

mod common;

use bankdesk_desk::audit::seal::{Seal, SealOutcome, Sealer};
use bankdesk_domain::audit::checkpoint::SealKey;
use bankdesk_store::args;
use bankdesk_store::testing::backends;
use bankdesk_web::WebConfig;
use common::TestApp;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn compliance_sees_a_cut_tail_against_the_signed_checkpoint() {
    for b in backends() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("audit-checkpoint.key");
        std::fs::write(&key, SealKey::from_seed([5; 32]).to_pem()).unwrap();
        let seal = Seal::load(&key, Seal::default_file(&key)).unwrap();
        let app = TestApp::start_with(
            b,
            WebConfig {
                audit_seal: Some(seal.clone()),
                ..WebConfig::default()
            },
        )
        .await;
        let compliance = app.login("compliance01").await;
        let store = &app.store.store;
        let mut sealer = Sealer::new(store.clone(), &seal).unwrap();
        let SealOutcome::Sealed(cp) = sealer.seal_if_moved().await.unwrap() else {
            panic!("{b}: sealed");
        };

        let (s, v) = app.get(&compliance, "/api/v1/audit/verify").await;
        assert_eq!(s, StatusCode::OK, "{b}: {v}");
        assert_eq!(
            (v["ok"].as_bool(), v["sealed"].as_bool()),
            (Some(true), Some(true)),
            "{b}: {v}"
        );
        assert_eq!(v["checkpoint"]["seq"], cp.head.seq, "{b}: {v}");

        // The last two sealed records gone, the head moved back to match.
        let keep = cp.head.seq - 2;
        let hash = store.audit_hash_at(keep).await.unwrap().unwrap();
        let db = store.db();
        db.execute("DELETE FROM audit_log WHERE seq > $1", &args![keep])
            .await
            .unwrap();
        db.execute(
            "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
            &args![keep, hash],
        )
        .await
        .unwrap();
        let (s, v) = app.get(&compliance, "/api/v1/audit/verify").await;
        assert_eq!(s, StatusCode::OK, "{b}: {v}");
        assert_eq!(v["ok"], false, "{b}: {v}");
        assert_eq!(v["first_bad_seq"], keep + 1, "{b}: {v}");
        assert_eq!(
            v["seal_problems"],
            json!([{"kind": "tail_cut", "from_seq": keep + 1, "to_seq": cp.head.seq}]),
            "{b}: {v}"
        );
    }
}
