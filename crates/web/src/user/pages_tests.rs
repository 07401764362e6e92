//! Separation of duties on the desktop, through the real router on every configured
//! database: the administrator's request waits on the users page, a compliance officer
//! decides it on `/role-requests`, and the pages refuse in words what the store refuses.

use crate::pages::tests::Desk;
use axum::http::StatusCode;
use bankdesk_domain::role::Role;
use bankdesk_store::testing::backends;

#[tokio::test]
async fn an_admin_asks_for_a_supervisor_and_compliance_decides() {
    for b in backends() {
        let d = Desk::start(b).await;
        let admin = d.login("admin").await;
        let asked = d
            .post(
                "/admin/users",
                &admin.cookie,
                &[
                    ("csrf", &admin.csrf),
                    ("username", "sup_x"),
                    ("display_name", "新主管"),
                    ("password", "a-long-enough-password"),
                    ("role", "supervisor"),
                    ("department", "hotline"),
                ],
            )
            .await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER, "{b}: {}", asked.body);
        assert_eq!(asked.location(), "/admin/users?requested=sup_x");
        let page = d.get(asked.location(), &admin.cookie).await;
        assert!(page.body.contains("已提交角色审批"), "{b}");
        assert!(page.body.contains("待审批的角色申请"), "{b}");
        assert!(
            page.body.contains("角色待审批"),
            "{b}: the account is marked"
        );
        let sup = d
            .store
            .store
            .user_by_username("sup_x")
            .await
            .unwrap()
            .unwrap();
        assert!(!sup.active && sup.roles.is_empty(), "{b}");

        // The admin may open the decision page but not decide their own request.
        let list = d.get("/role-requests", &admin.cookie).await;
        assert_eq!(list.status, StatusCode::OK, "{b}");
        assert!(
            list.body.contains("sup_x") && list.body.contains("新建账号"),
            "{b}"
        );
        let rid = d
            .store
            .store
            .role_requests(None, 10)
            .await
            .unwrap()
            .remove(0)
            .id;
        let own = d
            .post(
                &format!("/role-requests/{rid}/approve"),
                &admin.cookie,
                &[("csrf", &admin.csrf)],
            )
            .await;
        assert_eq!(own.status, StatusCode::FORBIDDEN, "{b}");
        assert!(own.body.contains("不能审批自己提出的角色申请"), "{b}");

        // Nor give themselves a role, nor make anyone admin and compliance.
        let me = d.user_id("admin").await;
        let self_grant = d
            .post(
                &format!("/admin/users/{me}"),
                &admin.cookie,
                &[
                    ("csrf", &admin.csrf),
                    ("role", "admin"),
                    ("role", "compliance"),
                    ("active", "on"),
                ],
            )
            .await;
        assert_eq!(self_grant.status, StatusCode::FORBIDDEN, "{b}");
        assert!(self_grant.body.contains("不能修改自己的角色"), "{b}");
        let both = d
            .post(
                "/admin/users",
                &admin.cookie,
                &[
                    ("csrf", &admin.csrf),
                    ("username", "both"),
                    ("display_name", "兼任"),
                    ("password", "a-long-enough-password"),
                    ("role", "admin"),
                    ("role", "compliance"),
                ],
            )
            .await;
        assert_eq!(both.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(both.body.contains("职责分离"), "{b}");

        // Agents do not see the page; a compliance officer decides, with the session's
        // CSRF token only.
        let agent = d.login("agent01").await;
        assert_eq!(
            d.get("/role-requests", &agent.cookie).await.status,
            StatusCode::FORBIDDEN
        );
        let comp = d.login("compliance01").await;
        let home = d.get("/", &comp.cookie).await;
        assert!(home.body.contains("/role-requests"), "{b}: in the nav");
        let forged = d
            .post(
                &format!("/role-requests/{rid}/approve"),
                &comp.cookie,
                &[("csrf", "forged")],
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{b}");
        let approved = d
            .post(
                &format!("/role-requests/{rid}/approve"),
                &comp.cookie,
                &[("csrf", &comp.csrf)],
            )
            .await;
        assert_eq!(
            approved.status,
            StatusCode::SEE_OTHER,
            "{b}: {}",
            approved.body
        );
        let page = d.get(approved.location(), &comp.cookie).await;
        assert!(page.body.contains("已批准角色申请"), "{b}");
        assert!(page.body.contains("没有待审批的角色申请"), "{b}");
        let sup = d
            .store
            .store
            .user_by_username("sup_x")
            .await
            .unwrap()
            .unwrap();
        assert!(sup.active, "{b}");
        assert_eq!(sup.roles, [Role::Supervisor]);

        // The alerts say so in words; the approver cannot close the one about their
        // own approval, which the page shows instead of its buttons.
        let alerts = d.get("/compliance", &comp.cookie).await;
        assert!(alerts.body.contains("员工角色变更"), "{b}");
        assert!(alerts.body.contains("已批准：sup_x（— → 主管）"), "{b}");
        assert!(alerts.body.contains("与您本人有关"), "{b}");
        let mine = d
            .store
            .store
            .alerts(None, 50)
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.kind == "role_change" && a.actor == "compliance01")
            .unwrap();
        let refused = d
            .post(
                &format!("/compliance/alerts/{}", mine.id),
                &comp.cookie,
                &[("csrf", &comp.csrf), ("status", "closed")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{b}");
        assert!(refused.body.contains("这条告警与您本人有关"), "{b}");
        let other = d.login("compliance02").await;
        let closed = d
            .post(
                &format!("/compliance/alerts/{}", mine.id),
                &other.cookie,
                &[("csrf", &other.csrf), ("status", "closed")],
            )
            .await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER, "{b}");
    }
}
