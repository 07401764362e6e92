//! Knowledge search over the demo knowledge: everyday words find the right point, expired
//! points never appear, an edit is searchable at once, a reindex gives the same results,
//! and an edit that reached the database but not the index is repaired at start.

use bankdesk_desk::kb::Knowledge;
use bankdesk_desk::kb::demo::{EVERYDAY_QUESTIONS, demo_id, demo_knowledge, load_demo_knowledge};
use bankdesk_domain::kb::Audience;
use bankdesk_search::{SearchRequest, WriterOptions};
use bankdesk_store::knowledge::Decision;
use bankdesk_store::testing::{backends, fresh};

fn now() -> i64 {
    bankdesk_store::now_ms()
}

async fn top3(kb: &Knowledge, store: &bankdesk_store::Store, q: &str) -> Vec<String> {
    kb.search(
        store,
        &SearchRequest {
            query: q,
            limit: 3,
            category: None,
            audience: None,
            now_ms: now(),
        },
    )
    .await
    .unwrap()
    .into_iter()
    .map(|h| h.id)
    .collect()
}

#[test]
fn demo_knowledge_is_large_varied_and_valid() {
    let demo = demo_knowledge().unwrap();
    assert!(demo.len() >= 300, "{} points", demo.len());
    let public = demo
        .iter()
        .filter(|d| d.point.content.audience == Audience::Public)
        .count();
    assert!(public > 100 && demo.len() - public > 30, "public {public}");
    assert!(
        demo.iter()
            .filter(|d| d.point.content.script.is_some())
            .count()
            > 50
    );
    assert!(demo.iter().map(|d| d.questions.len()).sum::<usize>() >= 100);
    for (q, key) in EVERYDAY_QUESTIONS {
        assert!(
            demo.iter().any(|d| d.point.id == demo_id(key)),
            "{q}: no point {key}"
        );
    }
    assert!(EVERYDAY_QUESTIONS.len() >= 30);
}

#[tokio::test]
async fn everyday_words_find_the_right_point_in_the_top_three() {
    for b in backends() {
        let t = fresh(b).await;
        load_demo_knowledge(&t.store).await.unwrap();
        let kb = Knowledge::in_memory().unwrap();
        let mut misses = Vec::new();
        for (q, key) in EVERYDAY_QUESTIONS {
            let got = top3(&kb, &t.store, q).await;
            if !got.contains(&demo_id(key)) {
                misses.push(format!("{q} -> expected {key}, got {got:?}"));
            }
        }
        assert!(
            misses.is_empty(),
            "{b}: {} misses:\n{}",
            misses.len(),
            misses.join("\n")
        );
    }
}

fn ids(hits: Vec<bankdesk_search::Hit>) -> Vec<String> {
    hits.into_iter().map(|h| h.id).collect()
}

/// 2024-10-01 00:00 in Beijing.
const NATIONAL_DAY_2024: i64 = 1_727_712_000_000;

#[tokio::test]
async fn expired_points_are_never_returned() {
    for b in backends() {
        let t = fresh(b).await;
        load_demo_knowledge(&t.store).await.unwrap();
        let kb = Knowledge::in_memory().unwrap();
        let holiday = demo_id("holiday-branch-2024");
        let old_fee = demo_id("debit-fee-old-2022");
        let search = |q: &'static str, now_ms: i64, audience: Option<Audience>| {
            let kb = &kb;
            let store = &t.store;
            async move {
                ids(kb
                    .search(
                        store,
                        &SearchRequest {
                            query: q,
                            limit: 50,
                            category: None,
                            audience,
                            now_ms,
                        },
                    )
                    .await
                    .unwrap())
            }
        };
        // Its own title, today: expired, so absent.
        assert!(
            !search("2024年国庆假期网点营业安排", now(), None)
                .await
                .contains(&holiday),
            "{b}"
        );
        assert!(
            !search("借记卡工本费收费标准", now(), None)
                .await
                .contains(&old_fee),
            "{b}"
        );
        assert!(
            !search("国庆 网点 营业", now(), Some(Audience::Public))
                .await
                .contains(&holiday)
        );
        // The same index while the point was valid: present, so it is the time filter at work.
        assert!(
            search("2024年国庆假期网点营业安排", NATIONAL_DAY_2024, None)
                .await
                .contains(&holiday),
            "{b}"
        );
        assert!(
            search("借记卡工本费收费标准", 1_600_000_000_000, None)
                .await
                .contains(&old_fee)
        );
        // Internal points never reach the public audience.
        let internal = demo_id("fee-waiver-first-late");
        assert!(
            search("首次逾期违约金减免", now(), None)
                .await
                .contains(&internal)
        );
        assert!(
            !search("首次逾期违约金减免", now(), Some(Audience::Public))
                .await
                .contains(&internal)
        );
    }
}

#[tokio::test]
async fn an_approved_edit_is_searchable_at_once_and_a_retired_point_is_gone() {
    for b in backends() {
        let t = fresh(b).await;
        load_demo_knowledge(&t.store).await.unwrap();
        let kb = Knowledge::in_memory().unwrap();
        let id = demo_id("atm-retained-card");
        assert!(
            top3(&kb, &t.store, "卡被取款机吞了怎么办")
                .await
                .contains(&id)
        );
        let mut a = t.store.kb_article(&id, None).await.unwrap().version.content;
        a.title = "自助设备吞卡后凭身份证到网点领取".into();
        a.body = format!(
            "{}\n\n新增：网点开箱取卡时，卡箱钥匙由两名员工分别保管。",
            a.body
        );
        let v = t
            .store
            .kb_edit("senior01", &id, &a, "补充取卡要求", Some(1))
            .await
            .unwrap();
        assert!(
            !top3(&kb, &t.store, "卡箱钥匙").await.contains(&id),
            "{b}: not before approval"
        );
        t.store
            .kb_review("supervisor01", &id, v, Decision::Approve, "")
            .await
            .unwrap();
        let hits = kb
            .search(
                &t.store,
                &SearchRequest {
                    query: "卡箱钥匙",
                    limit: 3,
                    category: None,
                    audience: None,
                    now_ms: now(),
                },
            )
            .await
            .unwrap();
        assert_eq!(hits[0].id, id, "{b}: searchable right after approval");
        assert_eq!(hits[0].version, 2);
        assert_eq!(hits[0].title, "自助设备吞卡后凭身份证到网点领取");
        t.store
            .kb_retire("supervisor01", &id, "流程调整")
            .await
            .unwrap();
        assert!(
            !top3(&kb, &t.store, "卡被取款机吞了怎么办")
                .await
                .contains(&id),
            "{b}: retired"
        );
    }
}

#[tokio::test]
async fn a_reindex_gives_the_same_results() {
    for b in backends() {
        let t = fresh(b).await;
        load_demo_knowledge(&t.store).await.unwrap();
        let kb = Knowledge::in_memory().unwrap();
        let mut before = Vec::new();
        for (q, _) in EVERYDAY_QUESTIONS {
            before.push(top3(&kb, &t.store, q).await);
        }
        let points = kb.index().len();
        assert_eq!(
            kb.rebuild(&t.store).await.unwrap(),
            demo_knowledge().unwrap().len()
        );
        assert_eq!(kb.index().len(), points);
        let dir = tempfile::tempdir().unwrap();
        let on_disk = Knowledge::open(
            &dir.path().join("index"),
            dir.path(),
            WriterOptions::default(),
        )
        .unwrap();
        for (i, (q, _)) in EVERYDAY_QUESTIONS.iter().enumerate() {
            assert_eq!(
                top3(&kb, &t.store, q).await,
                before[i],
                "{b}: {q} after rebuild"
            );
            assert_eq!(
                top3(&on_disk, &t.store, q).await,
                before[i],
                "{b}: {q} on disk"
            );
        }
        assert_eq!(
            kb.index().contents().unwrap(),
            on_disk.index().contents().unwrap()
        );
    }
}

#[tokio::test]
async fn an_edit_that_missed_the_index_is_repaired_at_start() {
    for b in backends() {
        let t = fresh(b).await;
        load_demo_knowledge(&t.store).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let index_dir = dir.path().join("index");
        let open = || Knowledge::open(&index_dir, dir.path(), WriterOptions::default()).unwrap();
        {
            let kb = open();
            kb.catch_up(&t.store).await.unwrap();
            assert_eq!(kb.index().watermark(), t.store.kb_head().await.unwrap());
        }
        // The process dies after the database committed and before the index did: the
        // approval goes to the store only.
        let id = demo_id("cc-overpayment-refund");
        let mut a = t.store.kb_article(&id, None).await.unwrap().version.content;
        a.title = "溢缴款领回（含卡片遗失情形）".into();
        let v = t
            .store
            .kb_edit("senior01", &id, &a, "标题调整", None)
            .await
            .unwrap();
        t.store
            .kb_review("supervisor01", &id, v, Decision::Approve, "")
            .await
            .unwrap();
        let retired = demo_id("cc-annual-fee");
        t.store
            .kb_retire("supervisor01", &retired, "政策调整")
            .await
            .unwrap();

        let kb = open();
        assert!(
            kb.index().watermark() < t.store.kb_head().await.unwrap(),
            "{b}: the index is behind"
        );
        let stale = kb.index().contents().unwrap();
        assert_eq!(stale.get(&id), Some(&1));
        assert!(stale.contains_key(&retired));
        // What `serve` does at start.
        assert_eq!(kb.catch_up(&t.store).await.unwrap(), 2, "{b}");
        let repaired = kb.index().contents().unwrap();
        assert_eq!(repaired.get(&id), Some(&2));
        assert!(!repaired.contains_key(&retired));
        assert_eq!(kb.index().watermark(), t.store.kb_head().await.unwrap());
        let hits = kb
            .search(
                &t.store,
                &SearchRequest {
                    query: "溢缴款领回",
                    limit: 1,
                    category: None,
                    audience: None,
                    now_ms: now(),
                },
            )
            .await
            .unwrap();
        assert_eq!(hits[0].title, "溢缴款领回（含卡片遗失情形）");
    }
}

#[tokio::test]
async fn the_assist_gives_three_points_with_scripts_for_a_chat_message() {
    for b in backends() {
        let t = fresh(b).await;
        load_demo_knowledge(&t.store).await.unwrap();
        let kb = Knowledge::in_memory().unwrap();
        let demo = demo_knowledge().unwrap();
        let script_of = |id: &str| {
            demo.iter()
                .find(|d| d.point.id == id)
                .and_then(|d| d.point.content.script.clone())
        };
        let message = "你好，我刚在楼下取款机取钱，卡被吞了，现在怎么办？";
        let got = kb.suggest(&t.store, message, now()).await.unwrap();
        assert_eq!(got.len(), bankdesk_desk::kb::SUGGESTIONS, "{b}");
        let retained = demo_id("atm-retained-card");
        assert!(
            got.iter().any(|h| h.id == retained),
            "{b}: {:?}",
            got.iter().map(|h| &h.title).collect::<Vec<_>>()
        );
        for h in &got {
            assert_eq!(
                h.script,
                script_of(&h.id),
                "{b}: {} carries its own script",
                h.id
            );
        }
        assert!(
            got.iter()
                .any(|h| h.id == retained && h.script.as_deref().is_some_and(|s| !s.is_empty())),
            "{b}: the retained-card point has a script to insert"
        );
        let refund = kb
            .suggest(&t.store, "信用卡多还的钱怎么退", now())
            .await
            .unwrap();
        assert!(
            refund
                .iter()
                .any(|h| h.id == demo_id("cc-overpayment-refund"))
        );
        assert!(
            kb.suggest(&t.store, "  \n", now())
                .await
                .unwrap()
                .is_empty()
        );
        // An expired point is not suggested even when the message is its own title.
        let holiday = demo_id("holiday-branch-2024");
        assert!(
            !kb.suggest(&t.store, "2024年国庆假期网点营业安排", now())
                .await
                .unwrap()
                .iter()
                .any(|h| h.id == holiday),
            "{b}"
        );
    }
}
