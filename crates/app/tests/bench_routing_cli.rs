//! `bankdesk bench routing` end to end at a small size: every chat is placed, and the bench
//! itself fails if any was told the wrong place in the queue.

use std::process::Command;

#[test]
fn a_small_routing_burst_assigns_six_and_queues_the_rest() {
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_bankdesk"))
        .args(["bench", "routing", "--chats", "30", "--data"])
        .arg(data.path())
        .output()
        .expect("run bankdesk bench routing");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench routing failed: {stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().expect("a line of figures");
    let v: serde_json::Value = serde_json::from_str(last).expect("figures are JSON");
    assert_eq!(
        (v["assigned"].as_u64(), v["queued"].as_u64()),
        (Some(6), Some(24)),
        "{v}"
    );
    assert_eq!(
        v["waiting_at_end"], 24,
        "{v}: the store holds what the router said"
    );
    assert!(v["request_ms"]["p99_ms"].is_f64(), "{v}");
}
