//! The desktop side of issue 4's messaging: the next agent reads the previous agent's
//! note on the customer page, the wrap-up form offers the category tree, the inbox and the
//! reply form, and failed sends on the supervisors' page.

use crate::config::WebConfig;
use crate::pages::tests::Desk;
use axum::http::StatusCode;
use bankdesk_desk::outbox::{NotConfigured, OutboxWorker};
use bankdesk_domain::contact::ContactChannel;
use bankdesk_domain::outbox::RetryPolicy;
use bankdesk_store::messaging::NewInbound;
use bankdesk_store::testing::backends;
use std::sync::Arc;
use std::time::Duration;

/// The contact id in a 360 page's address (`...purpose=contact%3A<id>`).
fn contact_of(url: &str) -> String {
    url.rsplit("contact%3A").next().unwrap().to_string()
}

#[tokio::test]
async fn the_next_agent_reads_the_previous_note_on_the_customer_page() {
    for b in backends() {
        let d = Desk::start(b).await;
        let a1 = d.login("agent01").await;
        let url = d.open_contact(&a1).await;
        let page = d.get(&url, &a1.cookie).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(
            page.body.contains("<optgroup label=\"信用卡\">"),
            "{b}: the tree is offered"
        );
        assert!(page.body.contains("value=\"credit_card.lost\""), "{b}");
        let contact = contact_of(&url);
        let note = "卡片遗失已挂失，溢缴款待退";
        let res = d
            .post(
                &format!("/contacts/{contact}/notes"),
                &a1.cookie,
                &[("csrf", &a1.csrf), ("text", note)],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{b}: {}", res.body);
        let res = d
            .post(
                &format!("/contacts/{contact}/wrap-up"),
                &a1.cookie,
                &[
                    ("csrf", &a1.csrf),
                    ("category", "gossip"),
                    ("resolved", "yes"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{b}: not in the tree");
        let res = d
            .post(
                &format!("/contacts/{contact}/wrap-up"),
                &a1.cookie,
                &[
                    ("csrf", &a1.csrf),
                    ("category", "credit_card.lost"),
                    ("resolved", "no"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{b}: {}", res.body);

        let a2 = d.login("agent02").await;
        let url2 = d.open_contact(&a2).await;
        let page = d.get(&url2, &a2.cookie).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        let timeline = &page.body[page.body.find("id=\"timeline\"").unwrap()..];
        assert!(
            timeline.contains(note),
            "{b}: agent01's note is on agent02's page"
        );
        assert!(timeline.contains("信用卡 / 挂失补卡"), "{b}");
        assert!(timeline.contains("客服一号 张敏"), "{b}: who wrote it");
    }
}

#[tokio::test]
async fn inbox_reply_and_failed_sends_on_the_desktop() {
    for b in backends() {
        let d = Desk::start_with(b, WebConfig::default()).await;
        let store = d.store.store.clone();
        store
            .bind_channel_address(
                "fixture",
                ContactChannel::Email,
                "wang.lihua@example.com",
                "C1",
            )
            .await
            .unwrap();
        store
            .ingest_message(
                "gateway:email",
                &NewInbound {
                    channel: ContactChannel::Email,
                    external_id: "m1@mail.example.com",
                    sender: "wang.lihua@example.com",
                    recipient: "service@bank.example",
                    msg_type: "email",
                    subject: "信用卡丢失",
                    body: "请帮我挂失",
                    sent_at_ms: 0,
                    thread: &[],
                },
            )
            .await
            .unwrap();
        let agent = d.login("agent01").await;
        let inbox = d.get("/inbox", &agent.cookie).await;
        assert_eq!(inbox.status, StatusCode::OK, "{b}");
        assert!(inbox.body.contains("信用卡丢失"), "{b}");
        assert!(
            inbox.body.contains("wa***@example.com"),
            "{b}: sender masked"
        );
        assert!(!inbox.body.contains("wang.lihua@"), "{b}");
        let contact = store.unassigned_messages(10).await.unwrap()[0].0.id.clone();
        let res = d
            .post(
                &format!("/inbox/{contact}/take"),
                &agent.cookie,
                &[("csrf", &agent.csrf)],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{b}: {}", res.body);
        let url = res.location().to_string();
        assert!(url.starts_with("/customers/C1?purpose=contact%3A"), "{url}");
        let page = d.get(&url, &agent.cookie).await;
        assert!(page.body.contains("id=\"reply-form\""), "{b}");
        assert!(
            page.body.contains("请帮我挂失"),
            "{b}: the message on the timeline"
        );

        let res = d
            .post(
                &format!("/contacts/{contact}/replies"),
                &agent.cookie,
                &[("csrf", &agent.csrf), ("text", "已为您挂失")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{b}: {}", res.body);
        assert!(
            d.get(&url, &agent.cookie).await.body.contains("待发送"),
            "{b}"
        );

        // No mail server: the reply gives up and says why, on the page and for supervisors.
        let w = OutboxWorker {
            store: store.clone(),
            email: Arc::new(NotConfigured("no smtp_host is configured")),
            wechat: Arc::new(NotConfigured(
                "no wechat_appid and wechat_secret are configured",
            )),
            policy: RetryPolicy {
                max_attempts: 2,
                base_delay_ms: 1,
                max_delay_ms: 1,
            },
            lease: Duration::from_secs(10),
            batch: 10,
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while w.run_once().await.unwrap().failed == 0 {
            assert!(std::time::Instant::now() < deadline, "{b}: never failed");
            tokio::task::yield_now().await;
        }
        let page = d.get(&url, &agent.cookie).await;
        assert!(page.body.contains("发送失败"), "{b}");
        assert!(page.body.contains("no smtp_host is configured"), "{b}");
        assert_eq!(
            d.get("/outbox", &agent.cookie).await.status,
            StatusCode::FORBIDDEN
        );
        let sup = d.login("supervisor01").await;
        let list = d.get("/outbox", &sup.cookie).await;
        assert_eq!(list.status, StatusCode::OK, "{b}");
        assert!(list.body.contains("no smtp_host is configured"), "{b}");
        assert!(list.body.contains(&contact), "{b}");
        let failed = store
            .outbox_list(Some(bankdesk_domain::outbox::OutboxStatus::Failed), None, 5)
            .await
            .unwrap();
        let res = d
            .post(
                &format!("/outbox/{}/retry", failed[0].id),
                &sup.cookie,
                &[("csrf", &sup.csrf)],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{b}: {}", res.body);
        assert_eq!(
            store.outbox_row(&failed[0].id).await.unwrap().status,
            "pending"
        );
        let list = d.get(res.location(), &sup.cookie).await;
        assert!(list.body.contains("已重新排队"), "{b}");
    }
}

#[tokio::test]
async fn an_unknown_sender_is_attached_by_phone_after_taking() {
    for b in backends() {
        let d = Desk::start(b).await;
        let store = d.store.store.clone();
        let got = store
            .ingest_message(
                "gateway:wechat",
                &NewInbound {
                    channel: ContactChannel::Wechat,
                    external_id: "9001",
                    sender: "oWx_unknown",
                    recipient: "gh_bank",
                    msg_type: "text",
                    subject: "",
                    body: "卡丢了怎么办",
                    sent_at_ms: 0,
                    thread: &[],
                },
            )
            .await
            .unwrap();
        assert!(got.customer_id.is_none());
        let agent = d.login("agent01").await;
        let res = d
            .post(
                &format!("/inbox/{}/take", got.contact_id),
                &agent.cookie,
                &[("csrf", &agent.csrf)],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{b}");
        assert!(res.body.contains("id=\"attach-form\""), "{b}");
        let attach = format!("/contacts/{}/customer", got.contact_id);
        let res = d
            .post(
                &attach,
                &agent.cookie,
                &[("csrf", &agent.csrf), ("phone", "13900000000")],
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::BAD_REQUEST,
            "{b}: nobody has that number"
        );
        let res = d
            .post(
                &attach,
                &agent.cookie,
                &[("csrf", &agent.csrf), ("phone", "13800000002")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{b}: {}", res.body);
        assert!(
            res.location()
                .starts_with("/customers/C1?purpose=contact%3A"),
            "{b}"
        );
        let page = d.get(res.location(), &agent.cookie).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(page.body.contains("卡丢了怎么办"), "{b}");
        assert_eq!(
            store
                .contact(&got.contact_id)
                .await
                .unwrap()
                .customer_id
                .as_deref(),
            Some("C1")
        );
    }
}
