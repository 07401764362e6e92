//! `bankdesk audit ...` as an operator runs it, against both databases: a changed row, and
//! issue 12's acceptance (a chain cut at its tail or its head with `audit_head` moved to
//! match, and a history rewritten with every hash recomputed, each fail against the signed
//! checkpoint and name the range; an intact chain verifies; a tampered checkpoint file is
//! reported), the purge sealed by itself, and `serve` sealing at start and on shutdown.

use bankdesk_domain::audit::checkpoint::SealKey;
use bankdesk_domain::audit::{NewAuditEntry, entry_hash};
use bankdesk_store::Store;
use bankdesk_store::args;
use bankdesk_store::audit::AuditQuery;
use bankdesk_store::testing::{TestStore, backends, fresh};
use serde_json::Value;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn bankdesk(cmd: &[&str], cli_args: &[String]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bankdesk"))
        .args(cmd)
        .args(cli_args)
        .env_remove("BANKDESK_DATABASE")
        .env_remove("BANKDESK_DATA")
        .env_remove("BANKDESK_CONFIG")
        .output()
        .expect("run bankdesk");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn verify(cli_args: &[String]) -> (i32, String, String) {
    bankdesk(&["audit", "verify"], cli_args)
}

async fn records(store: &Store, n: i64) {
    for i in 0..n {
        store
            .audit(NewAuditEntry {
                at_ms: 1_764_000_000_000 + i,
                actor: "agent01".into(),
                action: "customer.overview".into(),
                customer_id: Some("C000000002".into()),
                purpose: Some("contact:ct_1".into()),
                detail: "{}".into(),
            })
            .await
            .unwrap();
    }
}

/// A bank whose configuration names an audit checkpoint key (kept in its own directory,
/// the checkpoint file beside it), and the command-line arguments that reach both.
struct Sealed {
    t: TestStore,
    dir: tempfile::TempDir,
    args: Vec<String>,
}

impl Sealed {
    async fn new(b: &str) -> Sealed {
        let t = fresh(b).await;
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("audit-checkpoint.key");
        std::fs::write(&key, SealKey::from_seed([9; 32]).to_pem()).unwrap();
        let config = dir.path().join("bankdesk.toml");
        std::fs::write(
            &config,
            format!("audit_checkpoint_key = {:?}\n", key.display().to_string()),
        )
        .unwrap();
        let mut args = vec!["--config".to_string(), config.display().to_string()];
        args.extend(t.cli_args.iter().cloned());
        Sealed { t, dir, args }
    }

    fn checkpoints(&self) -> PathBuf {
        self.dir.path().join("audit-checkpoints.jsonl")
    }

    fn seal(&self) -> Value {
        let (code, stdout, stderr) = bankdesk(&["audit", "seal"], &self.args);
        assert_eq!(code, 0, "{stdout} {stderr}");
        serde_json::from_str(stdout.trim()).unwrap()
    }

    async fn hash_at(&self, seq: i64) -> String {
        self.t.store.audit_hash_at(seq).await.unwrap().unwrap()
    }

    async fn sql(&self, sql: &str, a: &[bankdesk_store::db::Arg]) {
        self.t.store.db().execute(sql, a).await.unwrap();
    }
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[tokio::test]
async fn a_row_changed_in_the_database_fails_verification_and_is_named() {
    for b in backends() {
        let t = fresh(b).await;
        records(&t.store, 6).await;
        let (code, stdout, stderr) = verify(&t.cli_args);
        assert_eq!(code, 0, "{b}: {stdout} {stderr}");
        assert!(
            stdout.contains("\"ok\":true") && stdout.contains("\"entries\":6"),
            "{b}: {stdout}"
        );
        assert!(
            stderr.contains("no audit_checkpoint_key is configured"),
            "{b}: an unsealed check says what it cannot see: {stderr}"
        );

        t.store
            .db()
            .execute(
                "UPDATE audit_log SET customer_id = $1 WHERE seq = $2",
                &args!["C000000001", 4i64],
            )
            .await
            .unwrap();
        let (code, stdout, stderr) = verify(&t.cli_args);
        assert_eq!(code, 1, "{b}: {stdout} {stderr}");
        assert!(stdout.contains("\"first_bad_seq\":4"), "{b}: {stdout}");
        assert!(
            stderr.contains("audit record 4 was altered"),
            "{b}: {stderr}"
        );
    }
}

#[tokio::test]
async fn an_intact_sealed_chain_verifies_and_its_checkpoints_export() {
    for b in backends() {
        let s = Sealed::new(b).await;
        records(&s.t.store, 30).await;
        let cp = s.seal();
        assert_eq!(
            (cp["seq"].as_i64(), cp["base_seq"].as_i64()),
            (Some(30), Some(0)),
            "{b}"
        );
        records(&s.t.store, 5).await;
        let (code, stdout, stderr) = verify(&s.args);
        assert_eq!(code, 0, "{b}: {stdout} {stderr}");
        let v = json(&stdout);
        assert_eq!(v["ok"], true, "{b}: {v}");
        assert_eq!(v["sealed"], true, "{b}: {v}");
        assert_eq!(v["entries"], 35, "{b}: {v}");
        assert_eq!(v["checkpoint"]["seq"], 30, "{b}: {v}");
        assert_eq!(v["seal_problems"], serde_json::json!([]), "{b}: {v}");

        s.seal();
        let (code, stdout, stderr) = bankdesk(&["audit", "checkpoints", "export"], &s.args);
        assert_eq!(code, 0, "{b}: {stderr}");
        let exported: Vec<Value> = stdout.lines().map(json).collect();
        assert_eq!(exported.len(), 2, "{b}: {stdout}");
        assert_eq!(exported[1]["seq"], 35, "{b}");
        assert_eq!(
            exported[1]["key"],
            SealKey::from_seed([9; 32]).public().hex(),
            "{b}: each line names its key"
        );
    }
}

#[tokio::test]
async fn a_cut_tail_with_the_head_moved_to_match_exits_1_naming_the_range() {
    for b in backends() {
        let s = Sealed::new(b).await;
        records(&s.t.store, 300).await;
        s.seal();
        let h200 = s.hash_at(200).await;
        s.sql("DELETE FROM audit_log WHERE seq > 200", &[]).await;
        s.sql(
            "UPDATE audit_head SET seq = 200, hash = $1 WHERE id = 1",
            &args![h200],
        )
        .await;
        let (code, _, _) = verify(&s.t.cli_args);
        assert_eq!(code, 0, "{b}: the chain alone no longer shows the cut");

        let (code, stdout, stderr) = verify(&s.args);
        assert_eq!(code, 1, "{b}: {stdout} {stderr}");
        let v = json(&stdout);
        assert_eq!(
            v["seal_problems"],
            serde_json::json!([{"kind": "tail_cut", "from_seq": 201, "to_seq": 300}]),
            "{b}: {v}"
        );
        assert_eq!(v["first_bad_seq"], 201, "{b}: {v}");
        assert!(
            stderr.contains("audit records 201 to 300 were cut from the end of the chain"),
            "{b}: {stderr}"
        );

        // Writing on after the cut does not hide it: the record now at 300 is not the
        // one the checkpoint sealed.
        records(&s.t.store, 150).await;
        let (code, stdout, _) = verify(&s.args);
        assert_eq!(code, 1, "{b}: {stdout}");
        assert_eq!(
            json(&stdout)["seal_problems"][0]["kind"],
            "rewritten",
            "{b}: {stdout}"
        );
    }
}

#[tokio::test]
async fn a_cut_head_with_the_base_moved_to_match_exits_1_naming_the_range() {
    for b in backends() {
        let s = Sealed::new(b).await;
        records(&s.t.store, 300).await;
        s.seal();
        let h99 = s.hash_at(99).await;
        s.sql("DELETE FROM audit_log WHERE seq <= 99", &[]).await;
        s.sql(
            "UPDATE audit_head SET base_seq = 99, base_hash = $1 WHERE id = 1",
            &args![h99],
        )
        .await;
        let (code, _, _) = verify(&s.t.cli_args);
        assert_eq!(code, 0, "{b}: the chain alone no longer shows the cut");

        let (code, stdout, stderr) = verify(&s.args);
        assert_eq!(code, 1, "{b}: {stdout} {stderr}");
        let v = json(&stdout);
        assert_eq!(
            v["seal_problems"],
            serde_json::json!([{"kind": "head_cut", "from_seq": 1, "to_seq": 99}]),
            "{b}: {v}"
        );
        assert!(
            stderr.contains("audit records 1 to 99 were cut from the start of the chain"),
            "{b}: {stderr}"
        );
        // Sealing now would bless the cut: it is refused.
        let (code, _, stderr) = bankdesk(&["audit", "seal"], &s.args);
        assert_eq!(code, 1, "{b}: {stderr}");
        assert!(stderr.contains("records 1 to 99"), "{b}: {stderr}");
    }
}

#[tokio::test]
async fn a_rewritten_and_rehashed_history_fails_against_the_signed_checkpoints() {
    for b in backends() {
        let s = Sealed::new(b).await;
        records(&s.t.store, 100).await;
        s.seal();
        records(&s.t.store, 200).await;
        s.seal();

        // Record 150 now names another customer, and every hash from it on is recomputed.
        let mut chain =
            s.t.store
                .audit_search(&AuditQuery {
                    limit: 1000,
                    ..AuditQuery::default()
                })
                .await
                .unwrap();
        chain.reverse();
        let mut prev = chain[148].hash.clone();
        for e in &mut chain[149..] {
            if e.seq == 150 {
                e.customer_id = Some("C000000009".into());
            }
            e.prev_hash = prev;
            e.hash = entry_hash(
                &e.prev_hash,
                e.seq,
                e.at_ms,
                &e.actor,
                &e.action,
                e.customer_id.as_deref(),
                e.purpose.as_deref(),
                &e.detail,
            );
            prev = e.hash.clone();
            s.sql(
                "UPDATE audit_log SET customer_id = $1, prev_hash = $2, hash = $3 WHERE seq = $4",
                &args![
                    e.customer_id.as_deref(),
                    e.prev_hash.as_str(),
                    e.hash.as_str(),
                    e.seq
                ],
            )
            .await;
        }
        s.sql("UPDATE audit_head SET hash = $1 WHERE id = 1", &args![prev])
            .await;
        let (code, _, _) = verify(&s.t.cli_args);
        assert_eq!(code, 0, "{b}: the chain alone is fooled by the rehash");

        let (code, stdout, stderr) = verify(&s.args);
        assert_eq!(code, 1, "{b}: {stdout} {stderr}");
        let v = json(&stdout);
        assert_eq!(
            v["seal_problems"],
            serde_json::json!([{"kind": "rewritten", "from_seq": 101, "to_seq": 300}]),
            "{b}: record 100 still matches the first checkpoint, 300 not the second: {v}"
        );
        assert_eq!(v["first_bad_seq"], 101, "{b}: {v}");
        assert!(
            stderr.contains("rewritten between records 101 and 300"),
            "{b}: {stderr}"
        );
    }
}

#[tokio::test]
async fn a_checkpoint_file_with_a_flipped_byte_is_reported_not_trusted() {
    for b in backends() {
        let s = Sealed::new(b).await;
        records(&s.t.store, 10).await;
        s.seal();
        records(&s.t.store, 10).await;
        s.seal();
        let path = s.checkpoints();
        let text = std::fs::read_to_string(&path).unwrap();
        let second = text.find('\n').unwrap() + 1;
        let at = second + text[second..].find("\"hash\":\"").unwrap() + 8;
        let mut bytes = text.into_bytes();
        bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
        std::fs::write(&path, bytes).unwrap();

        let (code, stdout, stderr) = verify(&s.args);
        assert_eq!(code, 1, "{b}: {stdout} {stderr}");
        let v = json(&stdout);
        assert_eq!(
            v["seal_problems"],
            serde_json::json!([{"kind": "untrusted_checkpoint", "line": 2}]),
            "{b}: {v}"
        );
        assert_eq!(
            v["checkpoint"]["line"], 1,
            "{b}: the line before is still trusted"
        );
        assert!(
            stderr.contains("checkpoint file line 2 does not verify with the configured key"),
            "{b}: {stderr}"
        );
        let (code, stdout, stderr) = bankdesk(&["audit", "checkpoints", "export"], &s.args);
        assert_eq!(code, 1, "{b}: {stderr}");
        assert_eq!(
            stdout.lines().count(),
            1,
            "{b}: only the trusted line: {stdout}"
        );

        // A file removed altogether is reported too.
        std::fs::remove_file(&path).unwrap();
        let (code, stdout, _) = verify(&s.args);
        assert_eq!(code, 1, "{b}: {stdout}");
        assert_eq!(
            json(&stdout)["seal_problems"][0]["kind"],
            "no_checkpoint",
            "{b}"
        );
    }
}

#[tokio::test]
async fn a_purge_cuts_by_seq_and_seals_itself_so_the_chain_still_verifies() {
    for b in backends() {
        let s = Sealed::new(b).await;
        // Records older than the retention (1970), then nothing newer.
        for i in 0..20 {
            s.t.store
                .audit(NewAuditEntry {
                    at_ms: 1_000 + i,
                    actor: "agent01".into(),
                    action: "customer.overview".into(),
                    customer_id: None,
                    purpose: None,
                    detail: "{}".into(),
                })
                .await
                .unwrap();
        }
        s.seal();
        let (code, stdout, stderr) = bankdesk(&["audit", "purge"], &s.args);
        assert_eq!(code, 0, "{b}: {stdout} {stderr}");
        assert_eq!(
            json(&stdout),
            serde_json::json!({"purged": 20, "from_seq": 1, "through_seq": 20, "sealed": true}),
            "{b}"
        );
        let (code, stdout, stderr) = verify(&s.args);
        assert_eq!(code, 0, "{b}: {stdout} {stderr}");
        let v = json(&stdout);
        assert_eq!(
            (v["base_seq"].as_i64(), v["head_seq"].as_i64()),
            (Some(20), Some(21)),
            "{b}"
        );
        assert_eq!(
            v["checkpoint"]["base_seq"], 20,
            "{b}: the purge sealed its own move"
        );
    }
}

/// `bankdesk serve` on a free port over the test's database, with `extra` arguments; its
/// log lines (stdout) come through the returned receiver.
fn serve(
    extra: &[String],
    t: &TestStore,
    data: &Path,
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    // SQLite lives in the data directory; PostgreSQL takes its URL and a directory of its own.
    let db: Vec<String> = if t.backend == "sqlite" {
        t.cli_args.clone()
    } else {
        let mut a = t.cli_args.clone();
        a.extend(["--data".to_string(), data.display().to_string()]);
        a
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_bankdesk"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(extra)
        .args(db)
        .env_remove("BANKDESK_DATABASE")
        .env_remove("BANKDESK_DATA")
        .env_remove("BANKDESK_CONFIG")
        .env_remove("BANKDESK_ADDR")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run bankdesk serve");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    (child, rx)
}

/// Waits for a log line containing each of `texts` (in any order); those lines.
fn until_logged(rx: &std::sync::mpsc::Receiver<String>, texts: &[&str]) -> Vec<String> {
    let mut found: Vec<Option<String>> = vec![None; texts.len()];
    while found.iter().any(Option::is_none) {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no log lines with {texts:?}: {found:?}"));
        for (slot, text) in found.iter_mut().zip(texts) {
            if slot.is_none() && line.contains(text) {
                *slot = Some(line.clone());
            }
        }
    }
    found.into_iter().flatten().collect()
}

#[tokio::test]
async fn serve_seals_at_start_and_on_shutdown_and_says_when_it_cannot() {
    for b in backends() {
        let s = Sealed::new(b).await;
        let data = tempfile::tempdir().unwrap();
        records(&s.t.store, 5).await;
        let config = &s.args[..2];
        let (mut child, log) = serve(config, &s.t, data.path());
        let lines = until_logged(&log, &["audit chain sealed", "bankdesk is serving at "]);
        let logged = &lines[0][lines[0]
            .find("checkpoint=")
            .expect("the checkpoint is logged")
            + 11..];
        let file = s.checkpoints();
        let first = std::fs::read_to_string(&file).unwrap();
        assert_eq!(
            first.lines().next(),
            Some(logged),
            "{b}: the log holds the line the file does"
        );
        // Once a request is answered the server is in its loop, listening for SIGTERM.
        let base = lines[1]
            .trim_start_matches("bankdesk is serving at ")
            .trim_end_matches('/');
        let health = reqwest::get(format!("{base}/healthz")).await.unwrap();
        assert!(health.status().is_success(), "{b}");
        records(&s.t.store, 3).await;
        let pid = child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        assert!(child.wait().unwrap().success(), "{b}");
        let text = std::fs::read_to_string(&file).unwrap();
        let last: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        let head = s.t.store.audit_head().await.unwrap();
        assert_eq!(
            last["seq"], head.seq,
            "{b}: the head as the server left it: {text}"
        );
        let (code, stdout, stderr) = verify(&s.args);
        assert_eq!(code, 0, "{b}: {stdout} {stderr}");

        // Without a key the server runs, and says in its log that nothing is sealed.
        let (mut child, log) = serve(&[], &s.t, data.path());
        until_logged(&log, &["the audit chain is NOT sealed"]);
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
