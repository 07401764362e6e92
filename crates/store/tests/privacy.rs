//! The privacy module's store behaviour on every configured database: legal orders,
//! identity verification, dual-control exports, reveals, alerts and audit retention.

use bankdesk_domain::Actor;
use bankdesk_domain::ErrorCode;
use bankdesk_domain::access::AccessDenied;
use bankdesk_domain::alert::{AlertRules, AlertStatus};
use bankdesk_domain::contact::{ContactChannel, Direction, VerificationMethod, VerificationResult};
use bankdesk_domain::export::ExportBasis;
use bankdesk_domain::legal_order::{OrderKind, OrderScope};
use bankdesk_domain::role::Role;
use bankdesk_store::access::Read;
use bankdesk_store::privacy::{NewOrder, RevealField};
use bankdesk_store::testing::{self, TestStore, backends, card_number, fixture, fresh};
use bankdesk_store::{Store, StoreError, now_ms};
use serde_json::json;

struct Staff {
    id: String,
    name: &'static str,
    roles: Vec<Role>,
}

impl Staff {
    fn actor(&self) -> Actor<'_> {
        Actor {
            user_id: &self.id,
            username: self.name,
            roles: &self.roles,
            department: None,
        }
    }
}

async fn staff(store: &Store, name: &'static str, role: Role) -> Staff {
    let u = testing::staff(store, name, role, None).await;
    Staff {
        id: u.id,
        name,
        roles: vec![role],
    }
}

async fn bank(b: &'static str) -> TestStore {
    let t = fresh(b).await;
    let mut tx = t.store.db().begin().await.unwrap();
    tx.insert_bank_batch(&fixture()).await.unwrap();
    tx.commit().await.unwrap();
    t
}

fn refused_code(e: StoreError) -> ErrorCode {
    match e {
        StoreError::Refused { code, .. } => code,
        StoreError::Denied(d) => d.code(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn customer_request_export_needs_verified_identity_and_a_second_person() {
    for b in backends() {
        let t = bank(b).await;
        let s = &t.store;
        let agent = staff(s, "agent01", Role::Agent).await;
        let sup = staff(s, "supervisor01", Role::Supervisor).await;
        let comp = staff(s, "compliance01", Role::Compliance).await;
        let c = s
            .open_contact(
                &agent.actor(),
                ContactChannel::Phone,
                Direction::Inbound,
                Some("C1"),
            )
            .await
            .unwrap();
        let purpose = format!("contact:{}", c.id);
        let request = || async {
            s.customer_access(
                &agent.actor(),
                "C1",
                Some(&purpose),
                Read::Export,
                json!({}),
            )
            .await
            .unwrap()
            .request_export(&agent.actor(), ExportBasis::CustomerRequest, 0, now_ms())
            .await
        };
        assert_eq!(
            refused_code(request().await.unwrap_err()),
            ErrorCode::IdentityNotVerified,
            "{b}"
        );

        s.verify_identity(
            &agent.actor(),
            &c.id,
            VerificationMethod::OneTimeCode,
            VerificationResult::Passed,
        )
        .await
        .unwrap();
        let e = request().await.unwrap();
        assert_eq!(e.status, "pending_approval", "{b}");
        assert_eq!(
            refused_code(s.download_export(&agent.actor(), &e.id).await.unwrap_err()),
            ErrorCode::NotApproved
        );

        let err = s
            .approve_export(
                &Actor {
                    roles: &[Role::Supervisor],
                    ..agent.actor()
                },
                &e.id,
            )
            .await
            .unwrap_err();
        assert_eq!(
            refused_code(err),
            ErrorCode::SamePerson,
            "{b}: even with the supervisor role"
        );
        let err = s.approve_export(&comp.actor(), &e.id).await.unwrap_err();
        assert_eq!(
            refused_code(err),
            ErrorCode::Forbidden,
            "{b}: compliance approves legal-order exports only"
        );
        let ok = s.approve_export(&sup.actor(), &e.id).await.unwrap();
        assert_eq!(
            (ok.status.as_str(), ok.file_rows),
            ("approved", Some(3)),
            "{b}"
        );
        let err = s.approve_export(&sup.actor(), &e.id).await.unwrap_err();
        assert_eq!(refused_code(err), ErrorCode::Conflict);

        let file = s.download_export(&agent.actor(), &e.id).await.unwrap();
        let watermark = file.lines().next().unwrap();
        for part in [
            e.id.as_str(),
            "requested by agent01",
            "approved by supervisor01",
            "basis customer_request",
        ] {
            assert!(
                watermark.contains(part),
                "{b}: watermark {watermark:?} lacks {part}"
            );
        }
        assert_eq!(file.lines().count(), 5, "watermark, header, three lines");
        assert!(!file.contains(card_number("622588001234567").as_str()));
        assert_eq!(
            refused_code(s.download_export(&comp.actor(), &e.id).await.unwrap_err()),
            ErrorCode::Forbidden
        );

        let log = s
            .audit_search(&bankdesk_store::audit::AuditQuery {
                customer_id: Some("C1".into()),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        for want in [
            "statement_export.refused",
            "contact.identity_verification",
            "statement_export.request",
            "statement_export.created",
            "statement_export.approval_refused",
            "statement_export.approve",
            "statement_export.download",
        ] {
            assert!(actions.contains(&want), "{b}: {want} not in {actions:?}");
        }

        // A later failed verification withdraws the pass.
        s.verify_identity(
            &agent.actor(),
            &c.id,
            VerificationMethod::SecurityQuestions,
            VerificationResult::Failed,
        )
        .await
        .unwrap();
        assert_eq!(
            refused_code(request().await.unwrap_err()),
            ErrorCode::IdentityNotVerified,
            "{b}"
        );
    }
}

async fn read(
    s: &Store,
    who: &Staff,
    customer: &str,
    purpose: &str,
    r: Read,
) -> Result<String, StoreError> {
    s.customer_access(&who.actor(), customer, Some(purpose), r, json!({}))
        .await
        .map(|g| g.customer_id.clone())
}

#[tokio::test]
async fn a_legal_order_opens_statements_only_once_verified_and_while_valid() {
    for b in backends() {
        let t = bank(b).await;
        let s = &t.store;
        let c1 = staff(s, "compliance01", Role::Compliance).await;
        let c2 = staff(s, "compliance02", Role::Compliance).await;
        let now = now_ms();
        let order = |from: i64, until: i64| NewOrder {
            kind: OrderKind::CourtOrder,
            issuer: "上海市徐汇区人民法院",
            document_no: "(2026)沪0104执1234号",
            customer_id: "C1",
            scope: &[OrderScope::Statements],
            valid_from_ms: from,
            valid_until_ms: until,
        };
        let o = s
            .register_order(&c1.actor(), &order(now - 1000, now + 86_400_000))
            .await
            .unwrap();
        assert_eq!(o.status, "pending_verification");
        let purpose = format!("order:{}", o.id);
        let denied = |r: Result<String, StoreError>| match r {
            Err(StoreError::Denied(d)) => d,
            other => panic!("expected denial, got {other:?}"),
        };
        assert_eq!(
            denied(read(s, &c1, "C1", &purpose, Read::Transactions).await),
            AccessDenied::OrderInactive,
            "{b}: unverified"
        );

        assert_eq!(
            refused_code(s.verify_order(&c1.actor(), &o.id).await.unwrap_err()),
            ErrorCode::SamePerson
        );
        assert_eq!(
            s.verify_order(&c2.actor(), &o.id).await.unwrap().status,
            "active"
        );
        assert!(
            read(s, &c1, "C1", &purpose, Read::Transactions)
                .await
                .is_ok(),
            "{b}: statements are in scope"
        );
        assert_eq!(
            denied(read(s, &c1, "C1", &purpose, Read::Overview).await),
            AccessDenied::OutOfScope,
            "{b}: the 360 view is not"
        );
        assert_eq!(
            denied(read(s, &c1, "C2", &purpose, Read::Transactions).await),
            AccessDenied::OtherCustomer,
            "{b}"
        );

        let g = s
            .customer_access(&c1.actor(), "C1", Some(&purpose), Read::Export, json!({}))
            .await
            .unwrap();
        let e = g
            .request_export(&c1.actor(), ExportBasis::LegalOrder, 0, now)
            .await
            .unwrap();
        assert_eq!(
            refused_code(s.approve_export(&c1.actor(), &e.id).await.unwrap_err()),
            ErrorCode::SamePerson
        );
        assert_eq!(
            s.approve_export(&c2.actor(), &e.id).await.unwrap().status,
            "approved",
            "{b}"
        );

        let expired = s
            .register_order(&c1.actor(), &order(now - 10_000, now - 1))
            .await
            .unwrap();
        s.verify_order(&c2.actor(), &expired.id).await.unwrap();
        let p = format!("order:{}", expired.id);
        let err = s
            .customer_access(&c1.actor(), "C1", Some(&p), Read::Transactions, json!({}))
            .await
            .err()
            .unwrap();
        assert!(
            matches!(err, StoreError::Denied(AccessDenied::OrderInactive)),
            "{b}: expired orders give nothing"
        );
    }
}

#[tokio::test]
async fn alerts_for_no_purpose_sensitive_customers_and_many_customers() {
    for b in backends() {
        let mut t = bank(b).await;
        t.store.alert_rules = AlertRules {
            max_customers_per_hour: 1,
        };
        let s = &t.store;
        let branch = staff(s, "branch01", Role::Branch).await;
        let err = s
            .customer_access(&branch.actor(), "C2", None, Read::Overview, json!({}))
            .await
            .err()
            .unwrap();
        assert!(matches!(
            err,
            StoreError::Denied(AccessDenied::PurposeRequired)
        ));
        let alerts = s.alerts(Some(AlertStatus::Open), 50).await.unwrap();
        let kinds: Vec<&str> = alerts.iter().map(|a| a.kind.as_str()).collect();
        assert!(
            kinds.contains(&"no_purpose") && kinds.contains(&"sensitive_customer"),
            "{b}: {kinds:?}"
        );
        let evidence: serde_json::Value = serde_json::from_str(&alerts[0].evidence).unwrap();
        let seq = evidence["audit_seqs"][0].as_i64().unwrap();
        let log = s
            .audit_search(&bankdesk_store::audit::AuditQuery {
                actor: Some("branch01".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(
            log.iter()
                .any(|e| e.seq == seq && e.action == "access.refused"),
            "{b}: evidence points at the refusal"
        );

        let agent = staff(s, "agent01", Role::Agent).await;
        for cust in ["C1", "C2"] {
            let c = s
                .open_contact(
                    &agent.actor(),
                    ContactChannel::Phone,
                    Direction::Inbound,
                    Some(cust),
                )
                .await
                .unwrap();
            s.customer_access(
                &agent.actor(),
                cust,
                Some(&format!("contact:{}", c.id)),
                Read::Overview,
                json!({}),
            )
            .await
            .unwrap()
            .overview(5)
            .await
            .unwrap();
        }
        let mine: Vec<String> = s
            .alerts(None, 50)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.actor == "agent01")
            .map(|a| a.kind)
            .collect();
        assert_eq!(
            mine.iter().filter(|k| *k == "many_customers").count(),
            1,
            "{b}: {mine:?}"
        );
        assert_eq!(
            mine.iter().filter(|k| *k == "sensitive_customer").count(),
            1,
            "{b}: granted access to 池先生 alerts too"
        );
        assert!(!mine.contains(&"no_purpose".to_string()));

        let comp = staff(s, "compliance01", Role::Compliance).await;
        s.set_alert_status(&comp.actor(), &alerts[0].id, AlertStatus::Closed)
            .await
            .unwrap();
        assert_eq!(
            s.alerts(Some(AlertStatus::Closed), 10).await.unwrap().len(),
            1
        );
    }
}

async fn reveal(
    s: &Store,
    who: &Staff,
    purpose: &str,
    field: RevealField,
    target: Option<&str>,
) -> Result<String, StoreError> {
    s.customer_access(
        &who.actor(),
        "C1",
        Some(purpose),
        Read::Reveal { per_hour: 3 },
        json!({}),
    )
    .await?
    .reveal(field, target)
    .await
}

#[tokio::test]
async fn reveal_needs_verified_identity_on_a_contact() {
    for b in backends() {
        let t = bank(b).await;
        let s = &t.store;
        let agent = staff(s, "agent01", Role::Agent).await;
        let c = s
            .open_contact(
                &agent.actor(),
                ContactChannel::Phone,
                Direction::Inbound,
                Some("C1"),
            )
            .await
            .unwrap();
        let p = format!("contact:{}", c.id);
        assert_eq!(
            refused_code(
                reveal(s, &agent, &p, RevealField::CardNumber, Some("K1"))
                    .await
                    .unwrap_err()
            ),
            ErrorCode::IdentityNotVerified
        );
        s.verify_identity(
            &agent.actor(),
            &c.id,
            VerificationMethod::IdDocument,
            VerificationResult::Passed,
        )
        .await
        .unwrap();
        assert_eq!(
            reveal(s, &agent, &p, RevealField::CardNumber, Some("K1"))
                .await
                .unwrap(),
            card_number("622588001234567").as_str(),
            "{b}"
        );
        assert_eq!(
            reveal(s, &agent, &p, RevealField::Phone, None)
                .await
                .unwrap(),
            "13800000002"
        );
        assert!(matches!(
            reveal(s, &agent, &p, RevealField::CardNumber, Some("K404"))
                .await
                .unwrap_err(),
            StoreError::NotFound
        ));
        assert!(
            matches!(
                reveal(s, &agent, &p, RevealField::Phone, None)
                    .await
                    .unwrap_err(),
                StoreError::Denied(AccessDenied::RevealLimit)
            ),
            "{b}: the three granted reveal attempts used the hour's three; the refused one did not"
        );
    }
}

#[tokio::test]
async fn purging_old_audit_records_keeps_the_chain_verifiable() {
    for b in backends() {
        let t = bank(b).await;
        let s = &t.store;
        for i in 0..4 {
            s.audit(bankdesk_domain::audit::NewAuditEntry {
                at_ms: 1_000 + i,
                actor: "a".into(),
                action: "x".into(),
                customer_id: None,
                purpose: None,
                detail: "{}".into(),
            })
            .await
            .unwrap();
        }
        let before = s.audit_verify().await.unwrap().entries;
        // The retention chooses the seq (the last record made before it); the cut is by seq.
        let through = s.audit_last_seq_before(1_002).await.unwrap();
        assert_eq!(through, Some(2), "{b}");
        let purge = s.audit_purge("admin", 2).await.unwrap().expect("a purge");
        assert_eq!(
            (purge.from_seq, purge.through_seq, purge.records),
            (1, 2, 2),
            "{b}"
        );
        let v = s.audit_verify().await.unwrap();
        assert!(v.ok, "{b}: {v:?}");
        assert_eq!(
            v.entries,
            before - 2 + 1,
            "two purged, the purge itself recorded"
        );
        let head = s.audit_head().await.unwrap();
        assert_eq!(
            (head.base_seq, head.base_hash.as_str()),
            (2, purge.through_hash.as_str()),
            "{b}"
        );
        let recorded = s
            .audit_search(&bankdesk_store::audit::AuditQuery {
                action: Some("audit.purge".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        let detail: serde_json::Value = serde_json::from_str(&recorded[0].detail).unwrap();
        assert_eq!(
            (
                &detail["from_seq"],
                &detail["through_seq"],
                &detail["records"]
            ),
            (
                &serde_json::json!(1),
                &serde_json::json!(2),
                &serde_json::json!(2)
            ),
            "{b}: the purge records the range it cut"
        );
        assert_eq!(
            s.audit_purge("admin", 2).await.unwrap(),
            None,
            "{b}: nothing left to purge up to seq 2"
        );
        s.db()
            .execute("DELETE FROM audit_log WHERE seq = 3", &[])
            .await
            .unwrap();
        assert_eq!(s.audit_verify().await.unwrap().first_bad_seq, Some(3));
    }
}
