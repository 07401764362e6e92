//! Store behaviour, written once and run on every configured database.

use bankdesk_domain::Actor;
use bankdesk_domain::access::AccessDenied;
use bankdesk_domain::audit::NewAuditEntry;
use bankdesk_domain::contact::{ContactChannel, Direction};
use bankdesk_domain::role::Role;
use bankdesk_store::access::Read;
use bankdesk_store::bank::Lookup;
use bankdesk_store::testing::{backends, card_number, fixture, fresh, id_number, staff};
use bankdesk_store::users::{NewUser, SessionKind};
use bankdesk_store::{Dialect, Store, StoreError, args};

async fn seeded(backend: &str) -> (bankdesk_store::testing::TestStore, String, String) {
    let t = fresh(backend).await;
    let mut tx = t.store.db().begin().await.unwrap();
    tx.insert_bank_batch(&fixture()).await.unwrap();
    tx.commit().await.unwrap();
    let u1 = user(&t.store, "agent01", Some("hotline")).await;
    let u2 = user(&t.store, "agent02", Some("hotline")).await;
    (t, u1, u2)
}

async fn user(store: &Store, name: &str, dept: Option<&str>) -> String {
    staff(store, name, Role::Agent, dept).await.id
}

fn actor<'a>(id: &'a str, name: &'a str) -> Actor<'a> {
    Actor {
        user_id: id,
        username: name,
        roles: &[],
        department: Some("hotline"),
    }
}

#[tokio::test]
async fn both_schemas_have_the_same_tables_and_columns() {
    let mut schemas = Vec::new();
    for b in backends() {
        let t = fresh(b).await;
        let sql = match t.store.db().dialect() {
            Dialect::Sqlite => {
                "SELECT m.name || '.' || p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' ORDER BY 1"
            }
            Dialect::Postgres => {
                "SELECT table_name || '.' || column_name FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%' ORDER BY 1"
            }
        };
        let cols: Vec<(String,)> = t.store.db().fetch_all(sql, &[]).await.unwrap();
        let mut cols: Vec<String> = cols.into_iter().map(|c| c.0).collect();
        cols.sort();
        assert!(
            cols.contains(&"audit_log.hash".to_string()),
            "{b}: {cols:?}"
        );
        schemas.push((b, cols));
    }
    if let [(_, a), (_, b)] = schemas.as_slice() {
        assert_eq!(a, b, "SQLite and PostgreSQL schemas differ");
    }
}

#[tokio::test]
async fn lookup_by_phone_id_card_and_name() {
    for b in backends() {
        let (t, _, _) = seeded(b).await;
        let s = &t.store;
        let by_phone = s
            .find_customers(&Lookup::Phone("13800000002".into()), 10)
            .await
            .unwrap();
        assert_eq!(by_phone.len(), 1, "{b}");
        assert_eq!(by_phone[0].id, "C1");
        assert_eq!(by_phone[0].phone, "13800000002");
        let card = card_number("622588001234567");
        let by_card = s
            .find_customers(&Lookup::CardNumber(card.as_str().into()), 10)
            .await
            .unwrap();
        assert_eq!(by_card[0].id, "C1");
        let idn = id_number("19850309", "456");
        let by_id = s
            .find_customers(&Lookup::IdNumber(idn.as_str().into()), 10)
            .await
            .unwrap();
        assert_eq!(by_id[0].id, "C2");
        let by_name = s
            .find_customers(&Lookup::Name("王丽华".into()), 10)
            .await
            .unwrap();
        assert_eq!(by_name[0].id, "C1");
        assert!(
            s.find_customers(&Lookup::Phone("13900000000".into()), 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(s.count_customers().await.unwrap(), 2);
    }
}

#[tokio::test]
async fn a_batch_is_all_or_nothing() {
    for b in backends() {
        let t = fresh(b).await;
        let mut batch = fixture();
        // The same card twice violates the unique card number.
        let mut dup = batch.cards[0].clone();
        dup.id = bankdesk_domain::bank::RecordId::parse("K2").unwrap();
        batch.cards.push(dup);
        let mut tx = t.store.db().begin().await.unwrap();
        let err = tx.insert_bank_batch(&batch).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{b}: {err:?}");
        drop(tx);
        assert_eq!(t.store.count_customers().await.unwrap(), 0, "{b}");
    }
}

#[tokio::test]
async fn reading_needs_an_open_contact_of_this_customer_handled_by_the_reader() {
    for b in backends() {
        let (t, u1, u2) = seeded(b).await;
        let s = &t.store;
        let me = actor(&u1, "agent01");
        let other = actor(&u2, "agent02");

        let err = s
            .customer_access(&me, "C1", None, Read::Overview, serde_json::json!({}))
            .await
            .err()
            .unwrap();
        assert!(
            matches!(err, StoreError::Denied(AccessDenied::PurposeRequired)),
            "{b}"
        );

        let contact = s
            .open_contact(&me, ContactChannel::Phone, Direction::Inbound, Some("C1"))
            .await
            .unwrap();
        let purpose = format!("contact:{}", contact.id);
        let o = s
            .customer_access(
                &me,
                "C1",
                Some(&purpose),
                Read::Overview,
                serde_json::json!({}),
            )
            .await
            .unwrap()
            .overview(20)
            .await
            .unwrap();
        assert_eq!(o.customer.name, "王丽华");
        assert_eq!(o.cards[0].outstanding_fen, -128_000);
        assert_eq!(o.recent_transactions.len(), 3);
        assert!(
            o.recent_transactions[0].at_ms > o.recent_transactions[2].at_ms,
            "newest first"
        );
        assert_eq!(o.recent_contacts[0].contact.id, contact.id);

        for (who, cust, want) in [
            (&me, "C2", AccessDenied::OtherCustomer),
            (&other, "C1", AccessDenied::NotHandler),
        ] {
            let err = s
                .customer_access(
                    who,
                    cust,
                    Some(&purpose),
                    Read::Transactions,
                    serde_json::json!({}),
                )
                .await
                .err()
                .unwrap();
            assert!(
                matches!(err, StoreError::Denied(d) if d == want),
                "{b}: {err:?}"
            );
        }
        let unknown = s
            .customer_access(
                &me,
                "C1",
                Some("contact:nope"),
                Read::Overview,
                serde_json::json!({}),
            )
            .await
            .err()
            .unwrap();
        assert!(matches!(
            unknown,
            StoreError::Denied(AccessDenied::UnknownPurpose)
        ));
        assert!(
            matches!(
                s.customer_access(
                    &me,
                    "C9",
                    Some(&purpose),
                    Read::Overview,
                    serde_json::json!({})
                )
                .await
                .err()
                .unwrap(),
                StoreError::Denied(AccessDenied::OtherCustomer)
            ),
            "an unknown customer is refused as one the purpose does not cover"
        );

        s.add_contact_note(&me, &contact.id, "客户卡片遗失，溢缴款1280元待退")
            .await
            .unwrap();
        assert!(matches!(
            s.add_contact_note(&other, &contact.id, "x")
                .await
                .unwrap_err(),
            StoreError::Denied(AccessDenied::NotHandler)
        ));
        s.wrap_up_contact(&me, &contact.id, "credit_card", false, "转卡中心")
            .await
            .unwrap();
        let closed = s
            .customer_access(
                &me,
                "C1",
                Some(&purpose),
                Read::Overview,
                serde_json::json!({}),
            )
            .await
            .err()
            .unwrap();
        assert!(
            matches!(closed, StoreError::Denied(AccessDenied::ContactClosed)),
            "{b}"
        );

        // The next agent's contact shows the first agent's note on the timeline.
        let next = s
            .open_contact(
                &other,
                ContactChannel::Phone,
                Direction::Inbound,
                Some("C1"),
            )
            .await
            .unwrap();
        let o2 = s
            .customer_access(
                &other,
                "C1",
                Some(&format!("contact:{}", next.id)),
                Read::Overview,
                serde_json::json!({}),
            )
            .await
            .unwrap()
            .overview(20)
            .await
            .unwrap();
        let earlier = o2
            .recent_contacts
            .iter()
            .find(|c| c.contact.id == contact.id)
            .unwrap();
        assert_eq!(earlier.notes[0].text, "客户卡片遗失，溢缴款1280元待退");
        assert_eq!(earlier.contact.category.as_deref(), Some("credit_card"));

        // Every grant and every refusal is in the audit log, refusals with their reason.
        let log = s
            .audit_search(&bankdesk_store::audit::AuditQuery {
                customer_id: Some("C1".into()),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions
                .iter()
                .filter(|a| **a == "customer.overview")
                .count(),
            2,
            "{b}: {actions:?}"
        );
        let refused: Vec<_> = log
            .iter()
            .filter(|e| e.action == "access.refused")
            .collect();
        assert_eq!(refused.len(), 4, "{b}: {actions:?}");
        assert!(refused.iter().any(|e| e.detail.contains("contact_closed")));
        assert!(refused.iter().any(|e| e.detail.contains("unknown_purpose")));
        assert!(
            refused
                .iter()
                .any(|e| e.detail.contains("purpose_required"))
        );
        assert!(refused.iter().any(|e| e.detail.contains("not_handler")));
        assert!(s.audit_verify().await.unwrap().ok);
    }
}

#[tokio::test]
async fn tampering_with_the_audit_log_is_found_and_named() {
    for b in backends() {
        let t = fresh(b).await;
        let s = &t.store;
        for i in 0..5 {
            s.audit(NewAuditEntry {
                at_ms: 1_700_000_000_000 + i,
                actor: "agent01".into(),
                action: "customer.overview".into(),
                customer_id: Some("C1".into()),
                purpose: Some("contact:x".into()),
                detail: "{}".into(),
            })
            .await
            .unwrap();
        }
        let v = s.audit_verify().await.unwrap();
        assert!(v.ok && v.entries == 5, "{b}: {v:?}");

        s.db()
            .execute("UPDATE audit_log SET actor = 'nobody' WHERE seq = 3", &[])
            .await
            .unwrap();
        let v = s.audit_verify().await.unwrap();
        assert_eq!((v.ok, v.first_bad_seq), (false, Some(3)), "{b}");

        s.db()
            .execute("UPDATE audit_log SET actor = 'agent01' WHERE seq = 3", &[])
            .await
            .unwrap();
        assert!(
            s.audit_verify().await.unwrap().ok,
            "{b}: restoring the value restores the chain"
        );

        s.db()
            .execute("DELETE FROM audit_log WHERE seq = $1", &args![4i64])
            .await
            .unwrap();
        let v = s.audit_verify().await.unwrap();
        assert_eq!((v.ok, v.first_bad_seq), (false, Some(4)), "{b}");
    }
}

#[tokio::test]
async fn concurrent_audited_writes_keep_one_chain() {
    for b in backends() {
        let (t, u1, _) = seeded(b).await;
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let s = t.store.clone();
            let u = u1.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..5 {
                    let a = actor(&u, "agent01");
                    s.open_contact(&a, ContactChannel::Chat, Direction::Inbound, Some("C1"))
                        .await
                        .unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let v = t.store.audit_verify().await.unwrap();
        assert!(v.ok, "{b}: {v:?}");
        // Two user creations plus forty contacts.
        assert_eq!(v.entries, 42, "{b}");
    }
}

#[tokio::test]
async fn sessions_expire_and_lockout_counts_failures() {
    for b in backends() {
        let (t, u1, _) = seeded(b).await;
        let s = &t.store;
        let cred = s.credentials("agent01").await.unwrap().unwrap();
        assert_eq!(cred.user.id, u1);
        s.create_session(&cred.user, SessionKind::Api, "h1", "csrf", 2_000)
            .await
            .unwrap();
        assert!(s.session("h1", 1_999).await.unwrap().is_some(), "{b}");
        assert!(
            s.session("h1", 2_000).await.unwrap().is_none(),
            "{b}: expired"
        );
        assert!(s.session("nope", 0).await.unwrap().is_none());

        assert!(
            !s.record_login_failure(&u1, "agent01", 3, 9_999)
                .await
                .unwrap()
        );
        assert!(
            !s.record_login_failure(&u1, "agent01", 3, 9_999)
                .await
                .unwrap()
        );
        assert!(
            s.record_login_failure(&u1, "agent01", 3, 9_999)
                .await
                .unwrap(),
            "{b}: third failure locks"
        );
        assert_eq!(
            s.credentials("agent01")
                .await
                .unwrap()
                .unwrap()
                .locked_until_ms,
            Some(9_999)
        );

        let admin = bankdesk_domain::Actor {
            user_id: "u_admin",
            username: "admin",
            roles: &[Role::Admin],
            department: None,
        };
        s.update_user(&admin, &u1, &[Role::Agent], Some("hotline"), false)
            .await
            .unwrap();
        assert!(
            s.session("h1", 0).await.unwrap().is_none(),
            "{b}: deactivation ends sessions"
        );
        assert!(matches!(
            s.create_user(
                "admin",
                &NewUser {
                    username: "agent01",
                    display_name: "dup",
                    password_hash: "x",
                    roles: &[Role::Agent],
                    department: None
                }
            )
            .await
            .unwrap_err(),
            StoreError::Conflict(_)
        ));
    }
}

#[tokio::test]
async fn json_rows_read_many_rows_back_as_one_value_on_both_databases() {
    use bankdesk_store::db::{json_list, json_rows, json_text_list};
    for b in backends() {
        let t = fresh(b).await;
        user(&t.store, "agent01", Some("hotline")).await;
        user(&t.store, "客服\"二号", None).await;
        user(&t.store, "agent03", Some("hotline")).await;
        let d = t.store.db().dialect();
        let sql = format!(
            "SELECT {} FROM users WHERE username IN ({})",
            json_rows(d, "username, department, 7"),
            json_text_list(d, 1)
        );
        let mut tx = t.store.db().begin_read().await.unwrap();
        let mut rows: Vec<(String, Option<String>, i64)> = tx
            .fetch_json(&sql, &[json_list(["客服\"二号", "agent01", "nobody"])])
            .await
            .unwrap();
        rows.sort();
        assert_eq!(
            rows,
            [
                ("agent01".to_string(), Some("hotline".to_string()), 7),
                ("客服\"二号".to_string(), None, 7)
            ],
            "{b}"
        );
        let none: Vec<(String, Option<String>, i64)> =
            tx.fetch_json(&sql, &[json_list([])]).await.unwrap();
        assert!(none.is_empty(), "{b}: no rows is an empty list");
    }
}

#[test]
fn ids_sort_by_the_millisecond_they_were_made_in_and_never_repeat() {
    let first = bankdesk_store::new_id("cs");
    let made_at = bankdesk_store::now_ms();
    let mut seen = std::collections::HashSet::new();
    let mut later = first.clone();
    while bankdesk_store::now_ms() <= made_at + 1 {
        later = bankdesk_store::new_id("cs");
        assert!(seen.insert(later.clone()), "{later} made twice");
    }
    assert!(first < later, "{first} was made before {later}");
    assert!(seen.len() > 1);
    assert!(first.starts_with("cs_") && first.len() == 3 + 28, "{first}");
}

/// SQLite's write-ahead log header: salt-1 and salt-2 change each time the log restarts
/// from its beginning, which a writer does only once every frame has been copied back.
fn wal_salts(dir: &str) -> [u8; 8] {
    let bytes = std::fs::read(std::path::Path::new(dir).join("bankdesk.db-wal")).expect("wal");
    bytes[16..24].try_into().expect("a full header")
}

#[tokio::test]
async fn the_write_ahead_log_is_copied_back_while_writers_go_on() {
    let (t, u1, _) = seeded("sqlite").await;
    let dir = t.cli_args[1].clone();
    let open = async || {
        t.store
            .open_contact(
                &actor(&u1, "agent01"),
                ContactChannel::Chat,
                Direction::Inbound,
                Some("C1"),
            )
            .await
            .unwrap();
    };
    open().await;
    let before = wal_salts(&dir);
    // Far fewer pages than a writer's own checkpoint threshold: only the background
    // checkpoint can let the log restart.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut writes = 0;
    while wal_salts(&dir) == before {
        assert!(
            std::time::Instant::now() < deadline,
            "the log never restarted after {writes} writes"
        );
        open().await;
        writes += 1;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
