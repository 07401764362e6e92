//! `bankdesk audit verify` as an operator runs it, against both databases.

use bankdesk_domain::audit::NewAuditEntry;
use bankdesk_store::args;
use bankdesk_store::testing::{backends, fresh};
use std::process::Command;

fn verify(cli_args: &[String]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bankdesk"))
        .args(["audit", "verify"])
        .args(cli_args)
        .env_remove("BANKDESK_DATABASE")
        .env_remove("BANKDESK_DATA")
        .output()
        .expect("run bankdesk");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_row_changed_in_the_database_fails_verification_and_is_named() {
    for b in backends() {
        let t = fresh(b).await;
        for i in 0..6 {
            t.store
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
        let (code, stdout, stderr) = verify(&t.cli_args);
        assert_eq!(code, 0, "{b}: {stdout} {stderr}");
        assert!(
            stdout.contains("\"ok\":true") && stdout.contains("\"entries\":6"),
            "{b}: {stdout}"
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
