//! Separation of duties as an insider administrator would try to get round it (issue 12),
//! on every configured database: alone, the administrator no longer makes a supervisor or
//! compliance officer, gives themselves a role, or holds admin with compliance even with
//! a second administrator's help; a second administrator or a compliance officer grants a
//! privileged role, once, however many race; and nobody closes an alert about themselves.

use bankdesk_domain::Actor;
use bankdesk_domain::ErrorCode;
use bankdesk_domain::alert::AlertStatus;
use bankdesk_domain::duty::{RoleRequestKind, RoleRequestStatus};
use bankdesk_domain::role::Role;
use bankdesk_store::access::Read;
use bankdesk_store::audit::AuditQuery;
use bankdesk_store::privacy::AlertRow;
use bankdesk_store::role_requests::RoleRequest;
use bankdesk_store::testing::{TestStore, backends, fixture, fresh};
use bankdesk_store::users::{NewUser, User, UserChange};
use bankdesk_store::{Store, StoreError, args};
use serde_json::json;

async fn bank(b: &'static str) -> TestStore {
    let t = fresh(b).await;
    let mut tx = t.store.db().begin().await.unwrap();
    tx.insert_bank_batch(&fixture()).await.unwrap();
    tx.commit().await.unwrap();
    t
}

/// A seeded account (the installation's own staff, made with no second person).
async fn seeded(s: &Store, username: &str, roles: &[Role]) -> User {
    s.create_user(
        "system",
        &NewUser {
            username,
            display_name: username,
            password_hash: "x",
            roles,
            department: None,
        },
    )
    .await
    .unwrap()
}

fn new_user<'a>(username: &'a str, roles: &'a [Role]) -> NewUser<'a> {
    NewUser {
        username,
        display_name: username,
        password_hash: "x",
        roles,
        department: Some("hotline"),
    }
}

fn code(e: StoreError) -> ErrorCode {
    match e {
        StoreError::Refused { code, .. } => code,
        StoreError::Conflict(_) => ErrorCode::Conflict,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn pending(change: UserChange) -> (User, RoleRequest) {
    match change {
        UserChange::Pending { user, request } => (user, *request),
        UserChange::Applied(u) => panic!("{} applied without a second person", u.username),
    }
}

fn applied(change: UserChange) -> User {
    match change {
        UserChange::Applied(u) => u,
        UserChange::Pending { request, .. } => panic!("request {} waits", request.id),
    }
}

async fn account(s: &Store, username: &str) -> User {
    s.user_by_username(username).await.unwrap().unwrap()
}

async fn actions(s: &Store, actor: &str) -> Vec<String> {
    s.audit_search(&AuditQuery {
        actor: Some(actor.into()),
        limit: 100,
        ..Default::default()
    })
    .await
    .unwrap()
    .into_iter()
    .map(|e| e.action)
    .collect()
}

async fn role_alerts(s: &Store) -> Vec<AlertRow> {
    s.alerts(None, 200)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.kind == "role_change")
        .collect()
}

fn detail(a: &AlertRow) -> serde_json::Value {
    serde_json::from_str(&a.detail).unwrap()
}

#[tokio::test]
async fn the_admin_alone_makes_no_supervisor_for_an_export() {
    for b in backends() {
        let t = bank(b).await;
        let s = &t.store;
        let admin = seeded(s, "admin", &[Role::Admin]).await;
        let me = Actor::from(&admin);
        let stand_in = applied(
            s.create_account(&me, &new_user("stand_in", &[Role::Agent]))
                .await
                .unwrap(),
        );
        assert!(stand_in.active, "{b}: an agent needs nobody else");

        let (sup, request) = pending(
            s.create_account(&me, &new_user("sup_x", &[Role::Supervisor]))
                .await
                .unwrap(),
        );
        assert!(!sup.active, "{b}: the new supervisor cannot log in yet");
        assert!(sup.roles.is_empty(), "{b}: {:?}", sup.roles);
        assert_eq!(request.kind, RoleRequestKind::Create);
        assert_eq!(request.roles_to, [Role::Supervisor]);
        assert_eq!(
            code(s.approve_role_request(&me, &request.id).await.unwrap_err()),
            ErrorCode::SamePerson,
            "{b}: the admin does not approve their own request"
        );
        assert_eq!(
            code(s.reject_role_request(&me, &request.id).await.unwrap_err()),
            ErrorCode::SamePerson,
            "{b}"
        );
        // The same through a change of the stand-in: it keeps its agent role only.
        let (still, change) = pending(
            s.update_user(
                &me,
                &stand_in.id,
                &[Role::Agent, Role::Supervisor],
                None,
                true,
            )
            .await
            .unwrap(),
        );
        assert_eq!(still.roles, [Role::Agent], "{b}");
        assert_eq!(
            code(s.approve_role_request(&me, &change.id).await.unwrap_err()),
            ErrorCode::SamePerson
        );
        // The half-made supervisor approves nothing: it holds no role.
        let sup_now = account(s, "sup_x").await;
        assert_eq!(
            code(
                s.approve_role_request(&Actor::from(&sup_now), &change.id)
                    .await
                    .unwrap_err()
            ),
            ErrorCode::Forbidden,
            "{b}"
        );
        assert!(account(s, "sup_x").await.roles.is_empty());
        assert_eq!(account(s, "stand_in").await.roles, [Role::Agent]);
        let log = actions(s, "admin").await;
        assert!(
            log.iter().filter(|a| *a == "role_request.refused").count() >= 3,
            "{b}: the tries are audited: {log:?}"
        );
    }
}

#[tokio::test]
async fn the_admin_alone_makes_no_compliance_officers_for_a_court_order() {
    for b in backends() {
        let t = bank(b).await;
        let s = &t.store;
        let admin = seeded(s, "admin", &[Role::Admin]).await;
        let me = Actor::from(&admin);
        let (c1, r1) = pending(
            s.create_account(&me, &new_user("comp_x", &[Role::Compliance]))
                .await
                .unwrap(),
        );
        let (c2, r2) = pending(
            s.create_account(&me, &new_user("comp_y", &[Role::Compliance]))
                .await
                .unwrap(),
        );
        for (c, r) in [(&c1, &r1), (&c2, &r2)] {
            assert!(!c.active && c.roles.is_empty(), "{b}");
            assert_eq!(
                code(s.approve_role_request(&me, &r.id).await.unwrap_err()),
                ErrorCode::SamePerson
            );
        }
        // Each would-be officer approving the other's request holds no compliance role.
        assert_eq!(
            code(
                s.approve_role_request(&Actor::from(&c1), &r2.id)
                    .await
                    .unwrap_err()
            ),
            ErrorCode::Forbidden,
            "{b}"
        );
        assert_eq!(
            code(
                s.approve_role_request(&Actor::from(&c2), &r1.id)
                    .await
                    .unwrap_err()
            ),
            ErrorCode::Forbidden,
            "{b}"
        );
        // Forged: the accounts' roles and activation in hand, their requests still wait.
        for r in s.role_requests(None, 10).await.unwrap() {
            assert_eq!(r.status, RoleRequestStatus::Pending, "{b}");
        }
        assert!(!account(s, "comp_x").await.active);
    }
}

#[tokio::test]
async fn the_admin_cannot_give_themselves_compliance_nor_hold_it_with_help() {
    for b in backends() {
        let t = bank(b).await;
        let s = &t.store;
        let admin = seeded(s, "admin", &[Role::Admin]).await;
        let admin2 = seeded(s, "admin2", &[Role::Admin]).await;
        let comp = seeded(s, "compliance01", &[Role::Compliance]).await;
        let me = Actor::from(&admin);
        for roles in [
            &[Role::Admin, Role::Compliance][..],
            &[Role::Admin, Role::Risk],
            &[Role::Admin, Role::Agent],
        ] {
            let e = s
                .update_user(&me, &admin.id, roles, None, true)
                .await
                .unwrap_err();
            assert_eq!(code(e), ErrorCode::ConflictOfInterest, "{b}: {roles:?}");
        }
        assert_eq!(account(s, "admin").await.roles, [Role::Admin]);
        assert!(
            actions(s, "admin")
                .await
                .contains(&"user.update_refused".to_string()),
            "{b}: the attempt is audited"
        );
        assert!(s.role_requests(None, 10).await.unwrap().is_empty(), "{b}");

        // A second administrator asking for it, or a new account with both.
        let e = s
            .update_user(
                &Actor::from(&admin2),
                &admin.id,
                &[Role::Admin, Role::Compliance],
                None,
                true,
            )
            .await
            .unwrap_err();
        assert_eq!(code(e), ErrorCode::SeparationOfDuties, "{b}");
        let e = s
            .create_account(&me, &new_user("both", &[Role::Admin, Role::Supervisor]))
            .await
            .unwrap_err();
        assert_eq!(code(e), ErrorCode::SeparationOfDuties, "{b}");
        let e = s
            .create_user(
                "system",
                &new_user("seeded_both", &[Role::Compliance, Role::Admin]),
            )
            .await
            .unwrap_err();
        assert_eq!(code(e), ErrorCode::SeparationOfDuties, "{b}: seeding too");
        assert!(s.user_by_username("both").await.unwrap().is_none());

        // A request that says admin (made when the account held compliance, say) is
        // judged again when the checker acts.
        let agent = seeded(s, "agent01", &[Role::Agent]).await;
        let (_, r) = pending(
            s.update_user(
                &Actor::from(&admin2),
                &agent.id,
                &[Role::Agent, Role::Compliance],
                None,
                true,
            )
            .await
            .unwrap(),
        );
        s.db()
            .execute(
                "UPDATE role_requests SET roles_to = $1 WHERE id = $2",
                &args!["admin,compliance", r.id.as_str()],
            )
            .await
            .unwrap();
        let e = s
            .approve_role_request(&Actor::from(&comp), &r.id)
            .await
            .unwrap_err();
        assert_eq!(code(e), ErrorCode::SeparationOfDuties, "{b}");
        assert_eq!(account(s, "agent01").await.roles, [Role::Agent]);
    }
}

#[tokio::test]
async fn a_second_admin_or_compliance_grants_a_privileged_role() {
    for b in backends() {
        let t = bank(b).await;
        let s = &t.store;
        let admin = seeded(s, "admin", &[Role::Admin]).await;
        let admin2 = seeded(s, "admin2", &[Role::Admin]).await;
        let comp = seeded(s, "compliance01", &[Role::Compliance]).await;
        let me = Actor::from(&admin);

        let (_, r) = pending(
            s.create_account(
                &me,
                &new_user("supervisor02", &[Role::Supervisor, Role::Agent]),
            )
            .await
            .unwrap(),
        );
        assert_eq!(account(s, "supervisor02").await.roles, [Role::Agent]);
        let decided = s
            .approve_role_request(&Actor::from(&comp), &r.id)
            .await
            .unwrap();
        assert_eq!(decided.status, RoleRequestStatus::Approved, "{b}");
        assert_eq!(decided.decided_by.as_deref(), Some("compliance01"));
        let sup = account(s, "supervisor02").await;
        assert!(sup.active, "{b}: the new account may log in now");
        assert_eq!(sup.roles, [Role::Supervisor, Role::Agent]);

        let agent = applied(
            s.create_account(&me, &new_user("agent11", &[Role::Agent]))
                .await
                .unwrap(),
        );
        let (_, r2) = pending(
            s.update_user(
                &me,
                &agent.id,
                &[Role::Agent, Role::Risk],
                Some("risk_desk"),
                true,
            )
            .await
            .unwrap(),
        );
        let now = account(s, "agent11").await;
        assert_eq!(
            (now.roles.as_slice(), now.department.as_deref()),
            (&[Role::Agent][..], Some("risk_desk")),
            "{b}: the department applies now, the role waits"
        );
        // While it waits, the roles change no other way; deactivation still works.
        let e = s
            .update_user(&me, &agent.id, &[Role::Qa], None, true)
            .await
            .unwrap_err();
        assert_eq!(code(e), ErrorCode::Conflict, "{b}");
        s.approve_role_request(&Actor::from(&admin2), &r2.id)
            .await
            .unwrap();
        assert_eq!(account(s, "agent11").await.roles, [Role::Agent, Role::Risk]);
        assert_eq!(
            code(
                s.approve_role_request(&Actor::from(&comp), &r2.id)
                    .await
                    .unwrap_err()
            ),
            ErrorCode::Conflict,
            "{b}: decided once"
        );

        // Rejected: the account keeps what it has; a new account stays inactive.
        let (_, r3) = pending(
            s.create_account(&me, &new_user("admin3", &[Role::Admin]))
                .await
                .unwrap(),
        );
        let rejected = s
            .reject_role_request(&Actor::from(&comp), &r3.id)
            .await
            .unwrap();
        assert_eq!(rejected.status, RoleRequestStatus::Rejected);
        let a3 = account(s, "admin3").await;
        assert!(!a3.active && a3.roles.is_empty(), "{b}");

        // Each step is audited and alerted to compliance.
        let admin_log = actions(s, "admin").await;
        assert!(
            admin_log.contains(&"role_request.created".to_string()),
            "{b}"
        );
        let comp_log = actions(s, "compliance01").await;
        for want in [
            "role_request.approved",
            "user.roles_applied",
            "role_request.rejected",
        ] {
            assert!(
                comp_log.contains(&want.to_string()),
                "{b}: {want} in {comp_log:?}"
            );
        }
        let alerts = role_alerts(s).await;
        let steps: Vec<(String, String, String)> = alerts
            .iter()
            .map(|a| {
                let d = detail(a);
                (
                    a.actor.clone(),
                    d["event"].as_str().unwrap().to_string(),
                    d["user"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        for want in [
            ("admin", "requested", "supervisor02"),
            ("compliance01", "approved", "supervisor02"),
            ("admin", "applied", "agent11"),
            ("admin", "requested", "agent11"),
            ("admin2", "approved", "agent11"),
            ("compliance01", "rejected", "admin3"),
        ] {
            assert!(
                steps.contains(&(want.0.into(), want.1.into(), want.2.into())),
                "{b}: {want:?} in {steps:?}"
            );
        }
        let evidence: serde_json::Value = serde_json::from_str(&alerts[0].evidence).unwrap();
        assert!(
            evidence["audit_seqs"][0].as_i64().is_some(),
            "{b}: {evidence}"
        );
    }
}

#[tokio::test]
async fn nobody_decides_a_request_about_their_own_account() {
    for b in backends() {
        let t = bank(b).await;
        let s = &t.store;
        let admin = seeded(s, "admin", &[Role::Admin]).await;
        let comp = seeded(s, "compliance01", &[Role::Compliance]).await;
        let sup = seeded(s, "supervisor01", &[Role::Supervisor]).await;
        let (_, r) = pending(
            s.update_user(
                &Actor::from(&admin),
                &comp.id,
                &[Role::Compliance, Role::Risk],
                None,
                true,
            )
            .await
            .unwrap(),
        );
        let e = s
            .approve_role_request(&Actor::from(&comp), &r.id)
            .await
            .unwrap_err();
        assert_eq!(code(e), ErrorCode::ConflictOfInterest, "{b}");
        let e = s
            .approve_role_request(&Actor::from(&sup), &r.id)
            .await
            .unwrap_err();
        assert_eq!(
            code(e),
            ErrorCode::Forbidden,
            "{b}: supervisors do not decide roles"
        );
        assert_eq!(account(s, "compliance01").await.roles, [Role::Compliance]);
    }
}

#[tokio::test]
async fn two_checkers_racing_for_one_role_request_decide_it_once() {
    for b in backends() {
        let t = bank(b).await;
        let s = &t.store;
        let admin = seeded(s, "admin", &[Role::Admin]).await;
        let admin2 = seeded(s, "admin2", &[Role::Admin]).await;
        let comp = seeded(s, "compliance01", &[Role::Compliance]).await;
        let (_, r) = pending(
            s.create_account(
                &Actor::from(&admin),
                &new_user("supervisor02", &[Role::Supervisor]),
            )
            .await
            .unwrap(),
        );
        let (a2, c1) = (Actor::from(&admin2), Actor::from(&comp));
        let (r1, r2) = tokio::join!(
            s.approve_role_request(&a2, &r.id),
            s.reject_role_request(&c1, &r.id)
        );
        let (won, lost) = match (r1, r2) {
            (Ok(w), Err(l)) | (Err(l), Ok(w)) => (w, l),
            other => panic!("{b}: expected exactly one decision, got {other:?}"),
        };
        assert_eq!(code(lost), ErrorCode::Conflict, "{b}");
        assert_eq!(s.role_request(&r.id).await.unwrap(), won, "{b}");
        let (r1, r2) = {
            let (_, again) = pending(
                s.create_account(&Actor::from(&admin), &new_user("risk02", &[Role::Risk]))
                    .await
                    .unwrap(),
            );
            tokio::join!(
                s.approve_role_request(&a2, &again.id),
                s.approve_role_request(&c1, &again.id)
            )
        };
        assert_eq!(
            [&r1, &r2].iter().filter(|r| r.is_ok()).count(),
            1,
            "{b}: {r1:?} {r2:?}"
        );
        let approvals = actions(s, "admin2").await.len() + actions(s, "compliance01").await.len();
        assert!(approvals >= 3, "{b}");
        assert_eq!(
            role_alerts(s)
                .await
                .iter()
                .filter(|a| detail(a)["user"] == "risk02" && detail(a)["event"] == "approved")
                .count(),
            1,
            "{b}: one approval, one alert"
        );
    }
}

#[tokio::test]
async fn compliance_cannot_close_an_alert_about_themselves() {
    for b in backends() {
        let t = bank(b).await;
        let s = &t.store;
        let admin = seeded(s, "admin", &[Role::Admin]).await;
        let c1 = seeded(s, "compliance01", &[Role::Compliance]).await;
        let c2 = seeded(s, "compliance02", &[Role::Compliance]).await;
        // compliance01 looks at the comedian (sensitive) with no purpose.
        assert!(
            s.customer_access(&Actor::from(&c1), "C2", None, Read::Overview, json!({}))
                .await
                .is_err(),
            "{b}"
        );
        let own: Vec<AlertRow> = s
            .alerts(Some(AlertStatus::Open), 50)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.actor == "compliance01")
            .collect();
        assert!(!own.is_empty(), "{b}");
        for a in &own {
            for status in [AlertStatus::Closed, AlertStatus::Acknowledged] {
                let e = s
                    .set_alert_status(&Actor::from(&c1), &a.id, status)
                    .await
                    .unwrap_err();
                assert_eq!(code(e), ErrorCode::ConflictOfInterest, "{b}: {}", a.kind);
            }
        }
        assert!(
            actions(s, "compliance01")
                .await
                .contains(&"alert.status_refused".to_string()),
            "{b}"
        );
        // A role change concerns the account and the checker as well as the maker.
        let (_, r) = pending(
            s.update_user(
                &Actor::from(&admin),
                &c1.id,
                &[Role::Compliance, Role::Risk],
                None,
                true,
            )
            .await
            .unwrap(),
        );
        s.approve_role_request(&Actor::from(&c2), &r.id)
            .await
            .unwrap();
        for a in role_alerts(s).await {
            let e = s
                .set_alert_status(&Actor::from(&c1), &a.id, AlertStatus::Closed)
                .await
                .unwrap_err();
            assert_eq!(code(e), ErrorCode::ConflictOfInterest, "{b}: the account");
            if a.actor == "compliance02" {
                let e = s
                    .set_alert_status(&Actor::from(&c2), &a.id, AlertStatus::Closed)
                    .await
                    .unwrap_err();
                assert_eq!(code(e), ErrorCode::ConflictOfInterest, "{b}: the checker");
            }
        }
        // Another officer handles them.
        for a in &own {
            s.set_alert_status(&Actor::from(&c2), &a.id, AlertStatus::Closed)
                .await
                .unwrap();
        }
        let still_open = s.alerts(Some(AlertStatus::Open), 50).await.unwrap();
        assert!(still_open.iter().all(|a| a.actor != "compliance01"), "{b}");
    }
}
