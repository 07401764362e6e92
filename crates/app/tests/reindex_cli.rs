//! `bankdesk reindex` as an operator runs it, against both databases.

use bankdesk_store::testing::{backends, fresh};
use std::process::Command;

fn reindex(cli_args: &[String], data: &std::path::Path) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_bankdesk"))
        .arg("reindex")
        .args(cli_args)
        .args(["--data".to_string(), data.display().to_string()])
        .env_remove("BANKDESK_DATABASE")
        .env_remove("BANKDESK_DATA")
        .output()
        .expect("run bankdesk");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON line")
}

#[tokio::test]
async fn reindex_loads_every_published_point_from_the_database() {
    for b in backends() {
        let t = fresh(b).await;
        let loaded = bankdesk_desk::kb::demo::load_demo_knowledge(&t.store)
            .await
            .unwrap();
        let data = tempfile::tempdir().unwrap();
        // SQLite keeps its file in the data directory; PostgreSQL only the index.
        let cli: Vec<String> = if b == "sqlite" {
            Vec::new()
        } else {
            t.cli_args.clone()
        };
        let data_dir = if b == "sqlite" {
            std::path::PathBuf::from(&t.cli_args[1])
        } else {
            data.path().to_path_buf()
        };
        let first = reindex(&cli, &data_dir);
        assert_eq!(
            first["reindexed"].as_u64(),
            Some(loaded.points as u64),
            "{b}: {first}"
        );
        assert_eq!(first["indexed_points"], first["reindexed"]);
        assert_eq!(
            first["watermark"].as_i64(),
            Some(t.store.kb_head().await.unwrap())
        );
        assert!(
            data_dir
                .join("search")
                .join("index")
                .join("meta.json")
                .exists()
        );
        let again = reindex(&cli, &data_dir);
        assert_eq!(again["indexed_points"], first["indexed_points"], "{b}");
    }
}
