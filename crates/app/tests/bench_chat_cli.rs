//! `bankdesk bench chat` end to end at a small size: the parent serves, its child process
//! holds the customer sockets, and the one JSON line printed last counts what happened.

use std::process::Command;

#[test]
fn a_small_chat_bench_delivers_and_stores_every_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_bankdesk"))
        .args(["bench", "chat", "--sessions", "20", "--messages", "40"])
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run bankdesk bench chat");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench chat failed: {stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().expect("a line of figures");
    let v: serde_json::Value = serde_json::from_str(last).expect("figures are JSON");
    assert_eq!(v["sessions"], 20, "{v}");
    assert_eq!(v["sessions_held_at_end"], 20, "{v}");
    assert_eq!(v["messages_delivered"], 40, "{v}");
    assert_eq!(v["messages_stored"], 40, "{v}");
    assert!(v["server_bytes_per_session"].is_u64(), "{v}");
    assert!(v["client_bytes_per_session"].is_u64(), "{v}");
}

#[test]
fn the_client_process_fails_clearly_without_a_server() {
    // Port 1 on loopback: nothing listens there, so the first session cannot open.
    let out = Command::new(env!("CARGO_BIN_EXE_bankdesk"))
        .args(["bench", "chat-clients", "--url", "ws://127.0.0.1:1/chat/ws"])
        .args(["--sessions", "1"])
        .output()
        .expect("run bankdesk bench chat-clients");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("session 1 failed to open"), "{stderr}");
}

#[test]
fn the_client_subcommand_is_hidden_from_help() {
    let out = Command::new(env!("CARGO_BIN_EXE_bankdesk"))
        .args(["bench", "--help"])
        .output()
        .expect("run bankdesk bench --help");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("chat"), "{help}");
    assert!(!help.contains("chat-clients"), "{help}");
}
