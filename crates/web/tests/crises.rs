//! Crises and public-opinion signals through the HTTP API on every database: a badly
//! handled complaint grows into a crisis (seed 001).

mod common;

use bankdesk_store::testing::backends;
use common::{TestApp, code};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn post(author: &str, text: &str, url: Option<&str>, reach: u64) -> Value {
    json!({"source": "weibo", "author": author, "text": text, "url": url,
           "time": "2026-11-20T21:30:00+08:00", "reach": reach})
}

#[tokio::test]
async fn negative_posts_reach_the_board_and_a_complaint_becomes_a_crisis() {
    for b in backends() {
        let app = TestApp::start(b).await;
        let comp = app.login("compliance01").await;
        let sup = app.login("supervisor01").await;
        let (s, _) = app
            .put(
                &comp,
                "/api/v1/watch-words",
                json!({"words": ["示范银行", "示范信用卡"]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let (s, complaint) = app
            .post(
                &comp,
                "/api/v1/cases",
                json!({"customer_id": "C1", "type": "complaint", "summary": "溢缴款跑了三个网点未退",
                       "complaint": {"received_at": "2026-11-18", "complexity": "complex", "channel": "counter"}}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}: {complaint}");
        let case_id = complaint["id"].as_str().unwrap().to_string();

        let loud = post(
            "@维权的王女士",
            "示范银行推诿扯皮，溢缴款跑了三个网点都不给解决，准备向12378投诉！",
            Some("https://weibo.com/1001"),
            52_000,
        );
        let (s, r) = app
            .post(
                &comp,
                "/api/v1/signals",
                json!([
                    loud,
                    post("@路人", "示范银行的客服很耐心，点赞", None, 300),
                    post("@路人", "隔壁某银行乱收费，投诉无门", None, 9_000),
                    post(
                        "@知情人",
                        "13800000002 这位客户被银行坑惨了，太失望",
                        None,
                        800
                    ),
                ]),
            )
            .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{b}: {r}");
        assert_eq!(
            (&r["accepted"], &r["on_board"], &r["duplicates"]),
            (&json!(4), &json!(2), &json!(0)),
            "{b}: {r}"
        );
        let (_, again) = app.post(&comp, "/api/v1/signals", loud.clone()).await;
        assert_eq!(again["duplicates"], 1, "{b}: a re-delivery is recognised");

        let (s, board) = app.get(&sup, "/api/v1/crisis-board").await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let waiting = board["signals"].as_array().unwrap();
        assert_eq!(waiting.len(), 2, "{b}: {board}");
        assert_eq!(waiting[0]["reach"], 52_000, "widest reach first");
        assert_eq!(waiting[0]["watch_words"], json!(["示范银行"]));
        assert_eq!(waiting[1]["customer_id"], "C1", "matched by phone");
        assert_eq!(
            waiting[1]["case_id"],
            case_id.as_str(),
            "and to her open complaint"
        );

        let (s, crisis) = app
            .post(
                &sup,
                "/api/v1/crises",
                json!({"title": "溢缴款投诉在微博发酵", "case_id": case_id, "severity": "high",
                       "owner": "compliance01", "note": "向上级行汇报并排查同类业务"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}: {crisis}");
        let crisis_id = crisis["id"].as_str().unwrap().to_string();
        assert_eq!(crisis["owner"], "compliance01");
        assert_eq!(crisis["customer_id"], "C1");
        let (_, inbox) = app.get(&comp, "/api/v1/notifications").await;
        assert_eq!(
            inbox["items"][0]["kind"], "crisis",
            "{b}: the owner is told"
        );
        let (s, e) = app
            .post(
                &sup,
                "/api/v1/crises",
                json!({"title": "again", "case_id": case_id}),
            )
            .await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "conflict"), "{b}");

        let signal_id = waiting[0]["id"].as_str().unwrap();
        let (s, linked) = app
            .post(
                &comp,
                &format!("/api/v1/signals/{signal_id}/link"),
                json!({"crisis_id": crisis_id}),
            )
            .await;
        assert_eq!(
            (s, linked["status"].as_str()),
            (StatusCode::OK, Some("linked")),
            "{b}"
        );
        let feed = format!(
            "{}\nnot a post\n",
            json!({"source": "douyin", "author": "@同城", "time": "2026-11-21T08:00:00+08:00",
                   "text": "13800000002 王女士的事示范银行还没解决？", "reach": 120_000})
        );
        let res = app
            .http
            .post(format!("{}/api/v1/signals/import", app.base))
            .bearer_auth(&comp)
            .header("content-type", "application/x-ndjson")
            .body(feed)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::ACCEPTED, "{b}");
        let r: Value = res.json().await.unwrap();
        assert_eq!(
            (&r["accepted"], &r["linked"]),
            (&json!(1), &json!(1)),
            "{b}: {r}"
        );
        assert_eq!(r["rejected"][0]["line"], 2);

        for (path, body) in [
            ("actions", json!({"text": "致电客户致歉，当日完成退款"})),
            (
                "reports",
                json!({"to": "head_office", "text": "已按总行统一口径回应"}),
            ),
        ] {
            let (s, e) = app
                .post(&comp, &format!("/api/v1/crises/{crisis_id}/{path}"), body)
                .await;
            assert_eq!(s, StatusCode::CREATED, "{b}: {e}");
        }
        let (s, detail) = app.get(&comp, &format!("/api/v1/crises/{crisis_id}")).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let kinds: Vec<&str> = detail["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            vec!["opened", "signal", "signal", "action", "report"],
            "{b}"
        );
        assert_eq!(detail["timeline"][4]["reported_to"], "head_office");
        assert_eq!(detail["signals"].as_array().unwrap().len(), 2);
        let (_, board) = app.get(&sup, "/api/v1/crisis-board").await;
        assert_eq!(board["crises"][0]["id"], crisis_id.as_str());
        assert_eq!(
            board["signals"].as_array().unwrap().len(),
            1,
            "{b}: one left waiting"
        );

        let path = format!("/api/v1/crises/{crisis_id}");
        for status in ["contained", "closed"] {
            let (s, c) = app.put(&comp, &path, json!({"status": status})).await;
            assert_eq!(
                (s, c["status"].as_str()),
                (StatusCode::OK, Some(status)),
                "{b}: {c}"
            );
        }
        let (s, e) = app.put(&comp, &path, json!({"status": "open"})).await;
        assert_eq!(
            (s, code(&e)),
            (StatusCode::UNPROCESSABLE_ENTITY, "illegal_transition"),
            "{b}"
        );
        let (s, e) = app
            .post(&comp, &format!("{path}/actions"), json!({"text": "x"}))
            .await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "conflict"), "{b}");

        let agent = app.login("agent01").await;
        let (s, _) = app.get(&agent, "/api/v1/crisis-board").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let (s, _) = app.post(&agent, "/api/v1/signals", loud).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    }
}
