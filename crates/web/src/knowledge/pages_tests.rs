//! The public help center through the real router, on every configured database: no
//! login, public points only, never an expired one, zh-CN first.

use crate::pages::tests::Desk;
use axum::http::StatusCode;
use bankdesk_desk::kb::demo::{demo_id, load_demo_knowledge};
use bankdesk_store::testing::backends;

fn q(s: &str) -> String {
    crate::pages::url_encode(s)
}

#[tokio::test]
async fn customers_search_and_read_public_points_only() {
    for b in backends() {
        let desk = Desk::start(b).await;
        load_demo_knowledge(&desk.store.store).await.unwrap();
        let public = demo_id("atm-retained-card");
        let internal = demo_id("atm-retained-night-emergency");
        let expired = demo_id("holiday-branch-2024");

        let home = desk.get("/help", "").await;
        assert_eq!(home.status, StatusCode::OK, "{b}: no login needed");
        assert!(home.body.contains("lang=\"zh-CN\""), "{b}");
        assert!(
            home.body
                .contains("<a class=\"brand\" href=\"/help\">帮助中心</a>")
        );
        assert!(
            !home.body.contains("href=\"/cases\""),
            "{b}: no staff links"
        );
        assert!(
            home.body
                .contains("/help?category=%E9%93%B6%E8%A1%8C%E5%8D%A1"),
            "{b}: 银行卡 topic"
        );

        let found = desk
            .get(&format!("/help?q={}", q("卡被取款机吞了怎么办")), "")
            .await;
        assert_eq!(found.status, StatusCode::OK);
        assert!(found.body.contains(&format!("/help/{public}")), "{b}");
        assert!(found.body.contains("<mark>"), "{b}: matches highlighted");
        assert!(
            !found.body.contains(&internal),
            "{b}: internal points stay inside"
        );

        let by_topic = desk
            .get(&format!("/help?category={}", q("银行卡")), "")
            .await;
        assert!(by_topic.body.contains(&format!("/help/{public}")), "{b}");
        assert!(!by_topic.body.contains(&internal), "{b}");

        let holiday = desk
            .get(&format!("/help?q={}", q("2024年国庆假期网点营业安排")), "")
            .await;
        assert!(
            !holiday.body.contains(&expired),
            "{b}: expired points never appear"
        );

        let page = desk.get(&format!("/help/{public}"), "").await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(page.body.contains("银行卡被ATM吞卡怎么办"));
        assert!(
            page.body.contains("<strong>连续输错密码</strong>"),
            "{b}: Markdown rendered"
        );
        for hidden in [&internal, &expired, &"kb_nonexistent".to_string()] {
            let r = desk.get(&format!("/help/{hidden}"), "").await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{b}: {hidden}");
        }

        let hostile = desk
            .get(&format!("/help?q={}", q("<script>x</script>")), "")
            .await;
        assert_eq!(hostile.status, StatusCode::OK);
        assert!(!hostile.body.contains("<script>x"), "{b}: escaped");

        let en = desk.get("/help?lang=en", "").await;
        assert!(
            en.body.contains("Help center") && en.body.contains("lang=\"en\""),
            "{b}"
        );
    }
}
