//! Knowledge points and exams on both databases.

use bankdesk_domain::exam::{AttemptStatus, QuestionContent, QuestionKind};
use bankdesk_domain::kb::{
    ArticleContent, ArticleStatus, Audience, Category, RawContent, VersionStatus,
};
use bankdesk_store::StoreError;
use bankdesk_store::exams::NewExam;
use bankdesk_store::knowledge::{Decision, ImportedPoint};
use bankdesk_store::testing::{backends, fresh};
use bankdesk_store::users::NewUser;
use std::collections::HashMap;

fn content(title: &str, category: &str) -> ArticleContent {
    ArticleContent::validate(&RawContent {
        title,
        body: "正文。",
        category,
        tags: &["标签".to_string()],
        audience: Some(Audience::Public),
        script: Some("您好，"),
        ..RawContent::default()
    })
    .unwrap()
}

fn code(e: StoreError) -> String {
    match e {
        StoreError::Refused { code, .. } => code.code().to_string(),
        StoreError::Conflict(_) => "conflict".into(),
        StoreError::NotFound => "not_found".into(),
        other => format!("{other}"),
    }
}

#[tokio::test]
async fn versions_need_a_second_person_and_feed_search_in_order() {
    for b in backends() {
        let t = fresh(b).await;
        let s = &t.store;
        let (id, v1) = s
            .kb_create(
                "editor",
                "卡部",
                &content("吞卡处理", "银行卡/自助设备"),
                "新建",
            )
            .await
            .unwrap();
        assert_eq!(v1, 1);
        assert_eq!(
            s.kb_head().await.unwrap(),
            0,
            "{b}: a draft changes nothing searchable"
        );
        assert!(s.kb_published(&id).await.unwrap().is_none());
        assert_eq!(
            code(
                s.kb_review("editor", &id, 1, Decision::Approve, "")
                    .await
                    .unwrap_err()
            ),
            "same_person",
            "{b}"
        );
        let a = s
            .kb_review("approver", &id, 1, Decision::Approve, "核对无误")
            .await
            .unwrap();
        assert_eq!(a.status, ArticleStatus::Published);
        assert_eq!(a.version.status, VersionStatus::Approved);
        assert_eq!(a.version.reviewed_by.as_deref(), Some("approver"));
        assert_eq!(s.kb_head().await.unwrap(), 1);
        let changes = s.kb_changes_since(0, 100).await.unwrap();
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].published.as_ref().unwrap().1.title, "吞卡处理");

        let v2 = s
            .kb_edit(
                "editor2",
                &id,
                &content("夜间吞卡处理", "银行卡/自助设备"),
                "补充夜间流程",
                Some(1),
            )
            .await
            .unwrap();
        assert_eq!(v2, 2);
        assert_eq!(
            s.kb_published(&id)
                .await
                .unwrap()
                .unwrap()
                .version
                .content
                .title,
            "吞卡处理",
            "{b}: v1 stays live until v2 is approved"
        );
        assert_eq!(
            code(
                s.kb_edit("editor2", &id, &content("x", "银行卡"), "", Some(1))
                    .await
                    .unwrap_err()
            ),
            "conflict",
            "{b}: stale base version"
        );
        let v3 = s
            .kb_edit(
                "editor",
                &id,
                &content("夜间吞卡应急", "银行卡/自助设备"),
                "改标题",
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            code(
                s.kb_review("approver", &id, 2, Decision::Approve, "")
                    .await
                    .unwrap_err()
            ),
            "conflict",
            "{b}: superseded versions cannot be approved"
        );
        s.kb_review("approver", &id, v3, Decision::Reject, "标题不规范")
            .await
            .unwrap();
        assert_eq!(
            s.kb_head().await.unwrap(),
            1,
            "{b}: a rejection changes nothing searchable"
        );
        let history = s.kb_history(&id).await.unwrap();
        let statuses: Vec<(i64, VersionStatus, &str)> = history
            .iter()
            .map(|h| (h.version, h.status, h.author.as_str()))
            .collect();
        assert_eq!(
            statuses,
            vec![
                (3, VersionStatus::Rejected, "editor"),
                (2, VersionStatus::Superseded, "editor2"),
                (1, VersionStatus::Approved, "editor"),
            ],
            "{b}"
        );
        assert_eq!(history[1].reason, "补充夜间流程");
        assert_eq!(
            s.kb_article(&id, Some(2))
                .await
                .unwrap()
                .version
                .content
                .title,
            "夜间吞卡处理"
        );
        assert_eq!(s.kb_article(&id, None).await.unwrap().version.version, 3);

        s.kb_retire("approver", &id, "流程已废止").await.unwrap();
        assert_eq!(
            code(s.kb_retire("approver", &id, "").await.unwrap_err()),
            "conflict"
        );
        let changes = s.kb_changes_since(1, 100).await.unwrap();
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].change_seq, 2);
        assert!(
            changes[0].published.is_none(),
            "{b}: retired is not searchable"
        );
        assert!(s.kb_published(&id).await.unwrap().is_none());
        assert!(s.kb_changes_since(2, 100).await.unwrap().is_empty());

        let pending = s.kb_list(None, true, 50, None).await.unwrap();
        assert!(pending.is_empty(), "{b}: {pending:?}");
        assert!(s.audit_verify().await.unwrap().ok);
        let actions: Vec<String> = s
            .audit_search(&bankdesk_store::audit::AuditQuery {
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        for a in [
            "kb.create",
            "kb.edit",
            "kb.approve",
            "kb.reject",
            "kb.retire",
            "kb.review_refused",
        ] {
            assert!(actions.iter().any(|x| x == a), "{b}: {a} not audited");
        }
    }
}

#[tokio::test]
async fn imports_are_published_once_and_listed_by_category() {
    for b in backends() {
        let t = fresh(b).await;
        let s = &t.store;
        let points: Vec<ImportedPoint> = [
            ("kb_a", "信用卡/还款"),
            ("kb_b", "信用卡/年费"),
            ("kb_c", "存款"),
        ]
        .iter()
        .map(|(id, c)| ImportedPoint {
            id: id.to_string(),
            owner: "知识库".into(),
            content: content(id, c),
        })
        .collect();
        assert_eq!(s.kb_import("system", &points, "演示知识").await.unwrap(), 3);
        assert_eq!(
            s.kb_import("system", &points, "演示知识").await.unwrap(),
            0,
            "{b}: idempotent"
        );
        assert_eq!(s.kb_head().await.unwrap(), 3);
        assert_eq!(
            s.kb_changes_since(0, 2).await.unwrap().len(),
            2,
            "{b}: limit"
        );
        let cats = s.kb_categories().await.unwrap();
        assert_eq!(cats.len(), 3);
        assert_eq!(cats[0].0.as_str(), "信用卡/年费");
        assert_eq!(
            s.kb_published("kb_a")
                .await
                .unwrap()
                .unwrap()
                .version
                .status,
            VersionStatus::Approved
        );
        let (draft, _) = s
            .kb_create("editor", "卡部", &content("新草稿", "信用卡"), "")
            .await
            .unwrap();
        let pending = s.kb_list(None, true, 50, None).await.unwrap();
        assert_eq!(pending.len(), 1, "{b}");
        assert_eq!(
            (pending[0].id.as_str(), pending[0].title.as_str()),
            (draft.as_str(), "新草稿")
        );
        let published = s
            .kb_list(Some(ArticleStatus::Published), false, 2, None)
            .await
            .unwrap();
        assert_eq!(published.len(), 2, "{b}: limit");
        let rest = s
            .kb_list(
                Some(ArticleStatus::Published),
                false,
                50,
                Some(published[1].updated_at_ms),
            )
            .await
            .unwrap();
        assert!(
            rest.iter()
                .all(|a| a.updated_at_ms < published[1].updated_at_ms)
        );
    }
}

async fn user(s: &bankdesk_store::Store, name: &str) -> String {
    s.create_user(
        "system",
        &NewUser {
            username: name,
            display_name: name,
            password_hash: "x",
            roles: &[],
            department: None,
        },
    )
    .await
    .unwrap()
    .id
}

#[tokio::test]
async fn exams_are_drawn_timed_scored_and_gate_routing() {
    for b in backends() {
        let t = fresh(b).await;
        let s = &t.store;
        let points: Vec<ImportedPoint> = (0..6)
            .map(|i| ImportedPoint {
                id: format!("kb_{i}"),
                owner: "培训".into(),
                content: content(
                    &format!("知识{i}"),
                    if i < 4 { "信用卡/还款" } else { "存款" },
                ),
            })
            .collect();
        s.kb_import("system", &points, "demo").await.unwrap();
        let qs: Vec<(String, QuestionContent)> = (0..6)
            .map(|i| {
                (
                    format!("kb_{i}"),
                    QuestionContent::validate(
                        QuestionKind::Single,
                        &format!("题{i}"),
                        &["对".into(), "错".into()],
                        &[0],
                        "解析",
                    )
                    .unwrap(),
                )
            })
            .collect();
        assert_eq!(s.exam_question_import("system", &qs).await.unwrap(), 6);
        assert_eq!(s.exam_question_import("system", &qs).await.unwrap(), 0);
        let card = Category::parse("信用卡").unwrap();
        assert_eq!(
            s.exam_questions(None, Some(&card), true)
                .await
                .unwrap()
                .len(),
            4
        );

        let agent = user(s, "agent").await;
        let now = bankdesk_store::now_ms();
        let new_exam = |count, opens, closes| NewExam {
            title: "信用卡月考",
            skill: Some("credit_card"),
            categories: std::slice::from_ref(&card),
            month: "2026-11",
            opens_at_ms: opens,
            closes_at_ms: closes,
            time_limit_s: 600,
            pass_mark: 85,
            max_attempts: 2,
            question_count: count,
            seed: 7,
        };
        assert!(
            s.has_passed_current_exam(&agent, "credit_card", now)
                .await
                .unwrap(),
            "{b}: no exam yet"
        );
        assert_eq!(
            code(
                s.exam_create("qa", &new_exam(5, now - 1000, now + 3_600_000))
                    .await
                    .unwrap_err()
            ),
            "rule_refused"
        );
        let exam = s
            .exam_create("qa", &new_exam(4, now - 1000, now + 3_600_000))
            .await
            .unwrap();
        assert_eq!(exam.question_count, 4);
        let paper = s.exam_paper(&exam.id).await.unwrap();
        assert!(
            paper.iter().all(|q| q.category.starts_with("信用卡")),
            "{b}"
        );
        assert!(
            !s.has_passed_current_exam(&agent, "credit_card", now)
                .await
                .unwrap(),
            "{b}: exam open, not passed"
        );
        assert!(
            s.has_passed_current_exam(&agent, "wealth", now)
                .await
                .unwrap()
        );

        let (attempt, created) = s.exam_start(&agent, "agent", &exam.id, now).await.unwrap();
        assert!(created);
        let (again, created) = s
            .exam_start(&agent, "agent", &exam.id, now + 5)
            .await
            .unwrap();
        assert!(
            !created && again.id == attempt.id,
            "{b}: resumes the open attempt"
        );
        // Three right out of four: 75, below 85.
        let mut answers: HashMap<String, Vec<u32>> =
            paper.iter().map(|q| (q.id.clone(), vec![0])).collect();
        answers.insert(paper[0].id.clone(), vec![1]);
        let (done, marked) = s
            .exam_submit(&agent, "agent", &attempt.id, &answers, now + 10)
            .await
            .unwrap();
        assert_eq!(
            (done.score, done.passed, done.status),
            (Some(75), Some(false), AttemptStatus::Submitted),
            "{b}"
        );
        assert_eq!(marked.iter().filter(|m| m.correct).count(), 3);
        assert_eq!(
            code(
                s.exam_submit(&agent, "agent", &attempt.id, &answers, now + 11)
                    .await
                    .unwrap_err()
            ),
            "conflict"
        );

        let (second, _) = s
            .exam_start(&agent, "agent", &exam.id, now + 20)
            .await
            .unwrap();
        answers.insert(paper[0].id.clone(), vec![0]);
        let (done, _) = s
            .exam_submit(&agent, "agent", &second.id, &answers, now + 30)
            .await
            .unwrap();
        assert_eq!((done.score, done.passed), (Some(100), Some(true)));
        assert!(
            s.has_passed_current_exam(&agent, "credit_card", now + 40)
                .await
                .unwrap(),
            "{b}"
        );
        assert_eq!(
            code(
                s.exam_start(&agent, "agent", &exam.id, now + 50)
                    .await
                    .unwrap_err()
            ),
            "rule_refused",
            "{b}: attempts used up"
        );

        let history = s.exam_history(&agent, 10).await.unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0].score, Some(100));

        // A late submission counts as timed out.
        let late = s
            .exam_create("qa", &new_exam(2, now - 1000, now + 3_600_000))
            .await
            .unwrap();
        let other = user(s, "agent2").await;
        let (a, _) = s.exam_start(&other, "agent2", &late.id, now).await.unwrap();
        let err = s
            .exam_submit(&other, "agent2", &a.id, &answers, a.deadline_ms + 31_000)
            .await
            .unwrap_err();
        assert_eq!(code(err), "rule_refused");
        let a = s.exam_attempt(&a.id).await.unwrap();
        assert_eq!(
            (a.status, a.passed),
            (AttemptStatus::TimedOut, Some(false)),
            "{b}"
        );
        assert_eq!(
            code(
                s.exam_submit(&agent, "agent", &a.id, &answers, now)
                    .await
                    .unwrap_err()
            ),
            "not_found",
            "{b}: not yours"
        );
        assert_eq!(
            code(
                s.exam_start(&other, "agent2", &late.id, late.closes_at_ms)
                    .await
                    .unwrap_err()
            ),
            "rule_refused"
        );
        assert!(s.audit_verify().await.unwrap().ok);
    }
}
