//! Dual control as an insider would try to get round it, on every configured database:
//! in each of the four maker-checker flows (statement exports, complaint extensions,
//! knowledge-base reviews, legal orders) the maker cannot decide their own request, not
//! even holding the checker's role too, a second person can, and two checkers racing
//! for one request decide it once.

use bankdesk_domain::Actor;
use bankdesk_domain::ErrorCode;
use bankdesk_domain::complaint::Complexity;
use bankdesk_domain::contact::{ContactChannel, Direction, VerificationMethod, VerificationResult};
use bankdesk_domain::export::ExportBasis;
use bankdesk_domain::kb::{ArticleContent, ArticleStatus, Audience, RawContent};
use bankdesk_domain::legal_order::{OrderKind, OrderScope};
use bankdesk_domain::role::Role;
use bankdesk_store::access::Read;
use bankdesk_store::complaints::Decision;
use bankdesk_store::knowledge::Decision as Review;
use bankdesk_store::privacy::{ExportRow, NewOrder};
use bankdesk_store::testing::{self, TestStore, backends, fixture, fresh};
use bankdesk_store::users::{NewUser, User};
use bankdesk_store::{Store, StoreError, now_ms};
use serde_json::json;

async fn bank(b: &'static str) -> TestStore {
    let t = fresh(b).await;
    let mut tx = t.store.db().begin().await.unwrap();
    tx.insert_bank_batch(&fixture()).await.unwrap();
    tx.commit().await.unwrap();
    t
}

async fn user(s: &Store, username: &str, roles: &[Role], department: Option<&str>) -> User {
    s.create_user(
        "system",
        &NewUser {
            username,
            display_name: username,
            password_hash: "x",
            roles,
            department,
        },
    )
    .await
    .unwrap()
}

fn code(e: StoreError) -> ErrorCode {
    match e {
        StoreError::Refused { code, .. } => code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A statement export of C1 asked for by `maker` on the customer's verified call.
async fn ask_export(s: &Store, maker: &User) -> ExportRow {
    let who = Actor::from(maker);
    let c = s
        .open_contact(&who, ContactChannel::Phone, Direction::Inbound, Some("C1"))
        .await
        .unwrap();
    s.verify_identity(
        &who,
        &c.id,
        VerificationMethod::OneTimeCode,
        VerificationResult::Passed,
    )
    .await
    .unwrap();
    let purpose = format!("contact:{}", c.id);
    s.customer_access(&who, "C1", Some(&purpose), Read::Export, json!({}))
        .await
        .unwrap()
        .request_export(&who, ExportBasis::CustomerRequest, 0, now_ms())
        .await
        .unwrap()
}

async fn approve_export(s: &Store, checker: &User, id: &str) -> Result<ExportRow, StoreError> {
    s.approve_export(&Actor::from(checker), id).await
}

#[tokio::test]
async fn statement_exports_need_a_second_person() {
    for b in backends() {
        let t = bank(b).await;
        let s = &t.store;
        let agent = user(s, "agent01", &[Role::Agent], None).await;
        let both = user(s, "lead01", &[Role::Agent, Role::Supervisor], None).await;
        let sup = user(s, "supervisor01", &[Role::Supervisor], None).await;

        let e = ask_export(s, &agent).await;
        let own = ask_export(s, &both).await;
        assert_eq!(
            code(approve_export(s, &both, &own.id).await.unwrap_err()),
            ErrorCode::SamePerson,
            "{b}: the maker holding the checker's role"
        );
        assert_eq!(
            code(approve_export(s, &agent, &e.id).await.unwrap_err()),
            ErrorCode::SamePerson,
            "{b}"
        );
        for (e, maker) in [(&e, &agent), (&own, &both)] {
            let done = approve_export(s, &sup, &e.id).await.unwrap();
            assert_eq!(
                (done.status.as_str(), done.approved_by.as_deref()),
                ("approved", Some("supervisor01")),
                "{b}: {}",
                maker.username
            );
        }
        assert_eq!(
            code(approve_export(s, &both, &e.id).await.unwrap_err()),
            ErrorCode::Conflict,
            "{b}: decided once"
        );
    }
}

#[tokio::test]
async fn two_checkers_racing_for_one_export_decide_it_once() {
    for b in backends() {
        let t = bank(b).await;
        let s = &t.store;
        let agent = user(s, "agent01", &[Role::Agent], None).await;
        let sup1 = user(s, "supervisor01", &[Role::Supervisor], None).await;
        let sup2 = user(s, "supervisor02", &[Role::Supervisor], None).await;
        let e = ask_export(s, &agent).await;

        let (r1, r2) = tokio::join!(
            approve_export(s, &sup1, &e.id),
            approve_export(s, &sup2, &e.id)
        );
        let (won, lost) = match (r1, r2) {
            (Ok(w), Err(l)) | (Err(l), Ok(w)) => (w, l),
            other => panic!("{b}: expected exactly one approval, got {other:?}"),
        };
        assert_eq!(code(lost), ErrorCode::Conflict, "{b}");
        let stored = s.statement_export(&e.id).await.unwrap();
        assert_eq!(stored, won, "{b}: the winner's decision is the one kept");
        assert_eq!(stored.status, "approved", "{b}");
        assert!(
            ["supervisor01", "supervisor02"].contains(&stored.approved_by.as_deref().unwrap()),
            "{b}"
        );
    }
}

#[tokio::test]
async fn complaint_extensions_need_a_second_person() {
    for b in backends() {
        let t = bank(b).await;
        let s = &t.store;
        let agent = user(s, "agent01", &[Role::Agent], Some("hotline")).await;
        let comp = user(s, "compliance01", &[Role::Compliance], Some("compliance")).await;
        let both = user(
            s,
            "compliance_lead",
            &[Role::Compliance, Role::Supervisor],
            Some("compliance"),
        )
        .await;
        let sup = user(s, "supervisor01", &[Role::Supervisor], Some("hotline")).await;

        for maker in [&comp, &both] {
            let case = s
                .create_case(
                    &Actor::from(&agent),
                    &testing::complaint(now_ms() - 86_400_000, Complexity::Complex),
                )
                .await
                .unwrap();
            let ext = s
                .request_extension(&Actor::from(maker), &case.id, "需调取网点监控")
                .await
                .unwrap();
            for decision in [Decision::Approve, Decision::Reject] {
                let e = s
                    .decide_extension(&Actor::from(maker), &case.id, &ext.id, decision, None)
                    .await
                    .unwrap_err();
                assert_eq!(
                    code(e),
                    ErrorCode::SamePerson,
                    "{b}: {} {decision:?}",
                    maker.username
                );
            }
            let checker = if maker.id == comp.id { &both } else { &sup };
            let done = s
                .decide_extension(
                    &Actor::from(checker),
                    &case.id,
                    &ext.id,
                    Decision::Approve,
                    None,
                )
                .await
                .unwrap();
            assert_eq!(
                (done.status.as_str(), done.decided_by.as_deref()),
                ("approved", Some(checker.username.as_str())),
                "{b}"
            );
        }
    }
}

fn point() -> ArticleContent {
    ArticleContent::validate(&RawContent {
        title: "吞卡处理",
        body: "正文。",
        category: "银行卡/自助设备",
        tags: &["标签".to_string()],
        audience: Some(Audience::Public),
        script: Some("您好，"),
        ..RawContent::default()
    })
    .unwrap()
}

#[tokio::test]
async fn knowledge_versions_need_a_reviewer_other_than_their_author() {
    for b in backends() {
        let t = fresh(b).await;
        let s = &t.store;
        let (id, v) = s
            .kb_create("editor", "卡部", &point(), "新建")
            .await
            .unwrap();
        for decision in [Review::Approve, Review::Reject] {
            let e = s
                .kb_review("editor", &id, v, decision, "")
                .await
                .unwrap_err();
            assert_eq!(code(e), ErrorCode::SamePerson, "{b}: {decision:?}");
        }
        let a = s
            .kb_review("approver", &id, v, Review::Approve, "核对无误")
            .await
            .unwrap();
        assert_eq!(a.status, ArticleStatus::Published, "{b}");
        assert_eq!(a.version.reviewed_by.as_deref(), Some("approver"), "{b}");
    }
}

#[tokio::test]
async fn legal_orders_need_a_second_officer() {
    for b in backends() {
        let t = bank(b).await;
        let s = &t.store;
        let c1 = user(s, "compliance01", &[Role::Compliance], None).await;
        let both = user(
            s,
            "compliance_lead",
            &[Role::Compliance, Role::Supervisor],
            None,
        )
        .await;
        let now = now_ms();
        let order = NewOrder {
            kind: OrderKind::CourtOrder,
            issuer: "上海市徐汇区人民法院",
            document_no: "(2026)沪0104执123号",
            customer_id: "C1",
            scope: &[OrderScope::Statements],
            valid_from_ms: now - 1_000,
            valid_until_ms: now + 86_400_000,
        };
        for (maker, checker) in [(&c1, &both), (&both, &c1)] {
            let o = s.register_order(&Actor::from(maker), &order).await.unwrap();
            let e = s
                .verify_order(&Actor::from(maker), &o.id)
                .await
                .unwrap_err();
            assert_eq!(code(e), ErrorCode::SamePerson, "{b}: {}", maker.username);
            let done = s.verify_order(&Actor::from(checker), &o.id).await.unwrap();
            assert_eq!(
                (done.status.as_str(), done.verified_by.as_deref()),
                ("active", Some(checker.username.as_str())),
                "{b}"
            );
            let e = s
                .verify_order(&Actor::from(checker), &o.id)
                .await
                .unwrap_err();
            assert_eq!(code(e), ErrorCode::Conflict, "{b}: verified once");
        }
    }
}
