//! Issue 12 at the store: the reveal allowance under parallel reveals, unknown customers
//! refused as known ones, and a contact's content behind its handler's work or the gate.

use bankdesk_domain::Actor;
use bankdesk_domain::access::AccessDenied;
use bankdesk_domain::contact::{ContactChannel, Direction, VerificationMethod, VerificationResult};
use bankdesk_domain::role::Role;
use bankdesk_store::access::Read;
use bankdesk_store::testing::{self, TestStore, backends, fixture, fresh};
use bankdesk_store::{Store, StoreError};
use serde_json::json;

async fn bank(b: &'static str) -> TestStore {
    let t = fresh(b).await;
    let mut tx = t.store.db().begin().await.unwrap();
    tx.insert_bank_batch(&fixture()).await.unwrap();
    tx.commit().await.unwrap();
    t
}

struct Staff {
    id: String,
    name: &'static str,
    roles: Vec<Role>,
}

impl Staff {
    async fn new(store: &Store, name: &'static str, role: Role) -> Staff {
        let u = testing::staff(store, name, role, None).await;
        Staff {
            id: u.id,
            name,
            roles: vec![role],
        }
    }

    fn actor(&self) -> Actor<'_> {
        Actor {
            user_id: &self.id,
            username: self.name,
            roles: &self.roles,
            department: None,
        }
    }
}

async fn open(s: &Store, who: &Staff, customer: &str) -> String {
    s.open_contact(
        &who.actor(),
        ContactChannel::Phone,
        Direction::Inbound,
        Some(customer),
    )
    .await
    .unwrap()
    .id
}

fn hour() -> i64 {
    bankdesk_store::now_ms().div_euclid(3_600_000)
}

#[tokio::test]
async fn parallel_reveals_take_exactly_the_hours_allowance() {
    for b in backends() {
        let t = bank(b).await;
        let s = &t.store;
        // Should the clock hour turn during a round, the next agent tries again.
        for name in ["agent01", "agent02"] {
            let agent = Staff::new(s, name, Role::Agent).await;
            let c = s
                .open_contact(
                    &agent.actor(),
                    ContactChannel::Phone,
                    Direction::Inbound,
                    Some("C1"),
                )
                .await
                .unwrap();
            s.verify_identity(
                &agent.actor(),
                &c.id,
                VerificationMethod::IdDocument,
                VerificationResult::Passed,
            )
            .await
            .unwrap();
            let purpose = format!("contact:{}", c.id);
            let started = hour();
            let mut set = tokio::task::JoinSet::new();
            for _ in 0..30 {
                let (s, id, purpose) = (s.clone(), agent.id.clone(), purpose.clone());
                set.spawn(async move {
                    let roles = [Role::Agent];
                    let who = Actor {
                        user_id: &id,
                        username: name,
                        roles: &roles,
                        department: None,
                    };
                    s.customer_access(
                        &who,
                        "C1",
                        Some(&purpose),
                        Read::Reveal { per_hour: 7 },
                        json!({}),
                    )
                    .await
                    .map(|_| ())
                });
            }
            let results = set.join_all().await;
            if hour() != started {
                continue;
            }
            let granted = results.iter().filter(|r| r.is_ok()).count();
            let limited = results
                .iter()
                .filter(|r| matches!(r, Err(StoreError::Denied(AccessDenied::RevealLimit))))
                .count();
            assert_eq!((granted, limited), (7, 23), "{b}: {results:?}");
            break;
        }
    }
}

#[tokio::test]
async fn an_unknown_customer_is_refused_and_audited_like_a_known_one() {
    for b in backends() {
        let t = bank(b).await;
        let s = &t.store;
        let agent = Staff::new(s, "agent01", Role::Agent).await;
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
        for p in [None, Some(purpose.as_str())] {
            let refuse = |id: &'static str| {
                let who = agent.actor();
                async move {
                    match s
                        .customer_access(&who, id, p, Read::Overview, json!({}))
                        .await
                    {
                        Err(StoreError::Denied(d)) => d,
                        other => panic!("{b}: {id}: {:?}", other.map(|_| ())),
                    }
                }
            };
            assert_eq!(refuse("C2").await, refuse("C404").await, "{b}: {p:?}");
        }
        let log = s.audit_verify().await.unwrap();
        assert!(log.ok, "{b}");
        let refused: Vec<(Option<String>,)> = s
            .db()
            .fetch_all(
                "SELECT customer_id FROM audit_log WHERE action = 'access.refused' ORDER BY seq",
                &[],
            )
            .await
            .unwrap();
        let ids: Vec<Option<&str>> = refused.iter().map(|r| r.0.as_deref()).collect();
        assert_eq!(
            ids,
            [Some("C2"), Some("C404"), Some("C2"), Some("C404")],
            "{b}"
        );
    }
}

#[tokio::test]
async fn a_contact_is_its_working_handlers_and_otherwise_read_through_the_gate() {
    for b in backends() {
        let t = bank(b).await;
        let s = &t.store;
        let agent = Staff::new(s, "agent01", Role::Agent).await;
        let branch = Staff::new(s, "branch01", Role::Branch).await;
        let contact = open(s, &agent, "C1").await;
        s.add_contact_note(&agent.actor(), &contact, "客户要求退还溢缴款")
            .await
            .unwrap();
        let read = s
            .contact_content(&agent.actor(), &contact, None)
            .await
            .unwrap();
        assert_eq!(read.notes.len(), 1, "{b}: the handler at work");

        let theirs = open(s, &branch, "C2").await;
        for p in [None, Some(format!("contact:{theirs}"))] {
            let e = s
                .contact_content(&branch.actor(), &contact, p.as_deref())
                .await
                .map(|c| c.notes.len())
                .unwrap_err();
            assert!(matches!(e, StoreError::Denied(_)), "{b}: {e:?}");
        }
        // A purpose for the contact's customer opens it, audited.
        let own = open(s, &branch, "C1").await;
        let read = s
            .contact_content(&branch.actor(), &contact, Some(&format!("contact:{own}")))
            .await
            .unwrap();
        assert_eq!(read.notes[0].text, "客户要求退还溢缴款", "{b}");
        let (n,): (i64,) = s
            .db()
            .fetch_one_row(
                "SELECT COUNT(*) FROM audit_log WHERE actor = 'branch01' AND action = 'customer.contact'",
            )
            .await
            .unwrap();
        assert_eq!(n, 1, "{b}");
    }
}
