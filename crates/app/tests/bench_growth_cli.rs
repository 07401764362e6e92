//! `bankdesk bench growth` end to end at a tiny size, on SQLite and, when configured, on
//! PostgreSQL: every endpoint is timed at both sizes, the filled bank's references hold,
//! and its audit chain verifies from the genesis through the slice written first.

use bankdesk_store::testing::{backends, fresh};
use std::process::Command;

fn bankdesk(args: &[&str], cli_args: &[String]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_bankdesk"))
        .args(args)
        .args(cli_args)
        .env_remove("BANKDESK_DATABASE")
        .env_remove("BANKDESK_DATA")
        .output()
        .expect("run bankdesk")
}

#[tokio::test]
async fn a_tiny_growth_run_times_every_endpoint_at_both_sizes() {
    for b in backends() {
        let t = fresh(b).await;
        let out = bankdesk(
            &[
                "bench",
                "growth",
                "--small",
                "50",
                "--cases",
                "300",
                "--contacts",
                "600",
                "--audit",
                "5000",
                "--customers",
                "100",
                "--requests",
                "30",
            ],
            &t.cli_args,
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{b}: bench growth failed: {stderr}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let v: serde_json::Value =
            serde_json::from_str(stdout.lines().last().expect("a line of figures"))
                .expect("figures are JSON");
        assert_eq!(
            (v["bench"].as_str(), v["path"].as_str()),
            (Some("growth"), Some("http"))
        );
        assert_eq!(v["database"], b, "{v}");
        assert!(
            v["small"]["cases"].as_i64() < v["full"]["cases"].as_i64(),
            "{b}: the full bank holds more cases: {v}"
        );
        assert!(v["full"]["audit_log"].as_i64().unwrap() >= 5_000, "{v}");
        let endpoints = v["endpoints"].as_array().unwrap();
        assert_eq!(endpoints.len(), 23, "{v}");
        for e in endpoints {
            let name = e["name"].as_str().unwrap();
            if name.ends_with("_page2") && e["small"]["skipped"].is_string() {
                continue;
            }
            for phase in ["small", "full"] {
                let p = &e[phase];
                assert!(p["requests"].as_u64() > Some(0), "{b} {name} {phase}: {e}");
                assert_eq!(p["errors"], 0, "{b} {name} {phase}: {e}");
                assert!(p["p99_ms"].as_f64() > Some(0.0), "{b} {name} {phase}: {e}");
            }
            assert!(e["p99_ratio"].as_f64() > Some(0.0), "{b} {name}: {e}");
        }
        assert!(
            endpoints
                .iter()
                .any(|e| e["name"] == "cases_new_supervisor_page2"
                    && e["full"]["requests"].as_u64() > Some(0)),
            "{b}: the second page of a case list is timed: {v}"
        );

        let verify = bankdesk(&["audit", "verify"], &t.cli_args);
        let report = String::from_utf8_lossy(&verify.stdout);
        assert!(
            verify.status.success(),
            "{b}: {report} {}",
            String::from_utf8_lossy(&verify.stderr)
        );
        let report: serde_json::Value = serde_json::from_str(report.trim()).unwrap();
        assert!(report["entries"].as_u64() > Some(5_000), "{b}: {report}");
        assert_eq!(t.store.dangling_references().await.unwrap(), 0, "{b}");
    }
}
