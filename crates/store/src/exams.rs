//! Staff exams: the question bank (each question tied to a knowledge point), monthly
//! exams drawn from it, timed attempts, scores, and the routing gate that asks whether
//! an agent has passed a skill's current exam.

use crate::audit::AuditRecord;
use crate::{Store, StoreError, Tx, args, new_id, now_ms};
use bankdesk_domain::ErrorCode;
use bankdesk_domain::error::FieldError;
use bankdesk_domain::exam::{
    AttemptStatus, GateExam, QuestionContent, QuestionKind, SUBMIT_GRACE_MS, Score, gate_allows,
    is_correct, pick, score,
};
use bankdesk_domain::kb::{ArticleStatus, Category};
use std::collections::HashMap;

/// A question of the bank, with its answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    pub id: String,
    pub article_id: String,
    /// The category of the knowledge point it tests (its current version).
    pub category: String,
    pub content: QuestionContent,
    pub active: bool,
    pub created_by: String,
    pub created_at_ms: i64,
}

/// An exam as set.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Exam {
    pub id: String,
    pub title: String,
    pub skill: Option<String>,
    pub categories: Vec<String>,
    pub month: String,
    pub opens_at_ms: i64,
    pub closes_at_ms: i64,
    pub time_limit_s: i64,
    pub pass_mark: u32,
    pub max_attempts: u32,
    pub question_count: u32,
    pub created_by: String,
    pub created_at_ms: i64,
}

/// What it takes to set an exam.
#[derive(Clone, Debug)]
pub struct NewExam<'a> {
    pub title: &'a str,
    pub skill: Option<&'a str>,
    /// Category subtrees the questions come from; empty means the whole bank.
    pub categories: &'a [Category],
    pub month: &'a str,
    pub opens_at_ms: i64,
    pub closes_at_ms: i64,
    pub time_limit_s: i64,
    pub pass_mark: u32,
    pub max_attempts: u32,
    pub question_count: u32,
    pub seed: u64,
}

/// One sitting of an exam.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Attempt {
    pub id: String,
    pub exam_id: String,
    pub exam_title: String,
    pub month: String,
    pub skill: Option<String>,
    pub user_id: String,
    pub username: String,
    pub status: AttemptStatus,
    pub started_at_ms: i64,
    pub deadline_ms: i64,
    pub submitted_at_ms: Option<i64>,
    pub correct: Option<u32>,
    pub total: u32,
    pub score: Option<u32>,
    pub passed: Option<bool>,
    pub pass_mark: u32,
}

/// The marking of one question of a submitted attempt.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Marked {
    pub question_id: String,
    pub given: Vec<u32>,
    pub answer: Vec<u32>,
    pub correct: bool,
    pub explanation: String,
}

#[derive(sqlx::FromRow)]
struct QuestionRow {
    id: String,
    article_id: String,
    category: String,
    kind: String,
    stem: String,
    options: String,
    answer: String,
    explanation: String,
    active: bool,
    created_by: String,
    created_at_ms: i64,
}

/// Questions with the category of their point's current version (published, or the
/// latest when the point was never published).
const QUESTION_SELECT: &str = "SELECT q.id, q.article_id, v.category, q.kind, q.stem, q.options, q.answer, \
     q.explanation, q.active, q.created_by, q.created_at_ms FROM exam_questions q \
     JOIN kb_articles a ON a.id = q.article_id \
     JOIN kb_versions v ON v.article_id = a.id AND v.version = COALESCE(a.published_version, a.latest_version)";

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("exams: {what}"))
}

impl TryFrom<QuestionRow> for Question {
    type Error = StoreError;
    fn try_from(r: QuestionRow) -> Result<Question, StoreError> {
        Ok(Question {
            content: QuestionContent {
                kind: QuestionKind::parse(&r.kind).ok_or_else(|| corrupt("question kind"))?,
                stem: r.stem,
                options: serde_json::from_str(&r.options).map_err(|_| corrupt("options"))?,
                answer: serde_json::from_str(&r.answer).map_err(|_| corrupt("answer"))?,
                explanation: r.explanation,
            },
            id: r.id,
            article_id: r.article_id,
            category: r.category,
            active: r.active,
            created_by: r.created_by,
            created_at_ms: r.created_at_ms,
        })
    }
}

#[derive(sqlx::FromRow)]
struct ExamRow {
    id: String,
    title: String,
    skill: Option<String>,
    categories: String,
    month: String,
    opens_at_ms: i64,
    closes_at_ms: i64,
    time_limit_s: i64,
    pass_mark: i64,
    max_attempts: i64,
    question_count: i64,
    created_by: String,
    created_at_ms: i64,
}

const EXAM_SELECT: &str = "SELECT e.id, e.title, e.skill, e.categories, e.month, e.opens_at_ms, e.closes_at_ms, \
     e.time_limit_s, e.pass_mark, e.max_attempts, \
     (SELECT COUNT(*) FROM exam_items i WHERE i.exam_id = e.id) AS question_count, \
     e.created_by, e.created_at_ms FROM exams e";

fn small(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

impl TryFrom<ExamRow> for Exam {
    type Error = StoreError;
    fn try_from(r: ExamRow) -> Result<Exam, StoreError> {
        Ok(Exam {
            categories: serde_json::from_str(&r.categories).map_err(|_| corrupt("categories"))?,
            id: r.id,
            title: r.title,
            skill: r.skill,
            month: r.month,
            opens_at_ms: r.opens_at_ms,
            closes_at_ms: r.closes_at_ms,
            time_limit_s: r.time_limit_s,
            pass_mark: small(r.pass_mark),
            max_attempts: small(r.max_attempts),
            question_count: small(r.question_count),
            created_by: r.created_by,
            created_at_ms: r.created_at_ms,
        })
    }
}

#[derive(sqlx::FromRow)]
struct AttemptRow {
    id: String,
    exam_id: String,
    exam_title: String,
    month: String,
    skill: Option<String>,
    user_id: String,
    username: String,
    status: String,
    started_at_ms: i64,
    deadline_ms: i64,
    submitted_at_ms: Option<i64>,
    correct: Option<i64>,
    total: i64,
    score: Option<i64>,
    passed: Option<bool>,
    pass_mark: i64,
}

const ATTEMPT_SELECT: &str = "SELECT t.id, t.exam_id, e.title AS exam_title, e.month, e.skill, t.user_id, \
     u.username, t.status, t.started_at_ms, t.deadline_ms, t.submitted_at_ms, t.correct, t.total, t.score, \
     t.passed, e.pass_mark FROM exam_attempts t JOIN exams e ON e.id = t.exam_id JOIN users u ON u.id = t.user_id";

impl TryFrom<AttemptRow> for Attempt {
    type Error = StoreError;
    fn try_from(r: AttemptRow) -> Result<Attempt, StoreError> {
        Ok(Attempt {
            status: AttemptStatus::parse(&r.status).ok_or_else(|| corrupt("attempt status"))?,
            id: r.id,
            exam_id: r.exam_id,
            exam_title: r.exam_title,
            month: r.month,
            skill: r.skill,
            user_id: r.user_id,
            username: r.username,
            started_at_ms: r.started_at_ms,
            deadline_ms: r.deadline_ms,
            submitted_at_ms: r.submitted_at_ms,
            correct: r.correct.map(small),
            total: small(r.total),
            score: r.score.map(small),
            passed: r.passed,
            pass_mark: small(r.pass_mark),
        })
    }
}

fn refused(message: impl Into<String>) -> StoreError {
    StoreError::refused(ErrorCode::RuleRefused, message)
}

impl Tx {
    async fn insert_question(
        &mut self,
        actor: &str,
        article_id: &str,
        q: &QuestionContent,
        at: i64,
    ) -> Result<String, StoreError> {
        let id = new_id("q");
        self.execute(
            "INSERT INTO exam_questions (id, article_id, kind, stem, options, answer, explanation, active, \
             created_by, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &args![
                id.as_str(),
                article_id,
                q.kind.as_str(),
                q.stem.as_str(),
                serde_json::to_string(&q.options).unwrap_or_default(),
                serde_json::to_string(&q.answer).unwrap_or_default(),
                q.explanation.as_str(),
                true,
                actor,
                at
            ],
        )
        .await?;
        Ok(id)
    }

    async fn attempt(&mut self, id: &str) -> Result<Attempt, StoreError> {
        let row: AttemptRow = self
            .fetch_one(&format!("{ATTEMPT_SELECT} WHERE t.id = $1"), &args![id])
            .await?;
        row.try_into()
    }
}

impl Store {
    /// Adds a question about a knowledge point to the bank.
    pub async fn exam_question_create(
        &self,
        actor: &str,
        article_id: &str,
        q: &QuestionContent,
    ) -> Result<Question, StoreError> {
        let mut tx = self.db.audited().await?;
        let exists: Option<(String,)> = tx
            .fetch_optional(
                "SELECT id FROM kb_articles WHERE id = $1",
                &args![article_id],
            )
            .await?;
        if exists.is_none() {
            return Err(StoreError::Invalid(FieldError::new(
                "article_id",
                "no such knowledge point",
            )));
        }
        let id = tx.insert_question(actor, article_id, q, now_ms()).await?;
        tx.audit(
            AuditRecord::by(actor, "exam.question_create")
                .detail(serde_json::json!({"question_id": id, "article_id": article_id})),
        )
        .await?;
        let row: QuestionRow = tx
            .fetch_one(&format!("{QUESTION_SELECT} WHERE q.id = $1"), &args![id])
            .await?;
        tx.commit().await?;
        row.try_into()
    }

    /// Imports questions in one transaction (demo data); skips points that do not exist.
    pub async fn exam_question_import(
        &self,
        actor: &str,
        questions: &[(String, QuestionContent)],
    ) -> Result<usize, StoreError> {
        let now = now_ms();
        let mut tx = self.db.audited().await?;
        let mut n = 0;
        for (article_id, q) in questions {
            let already: Option<(String,)> = tx
                .fetch_optional(
                    "SELECT id FROM exam_questions WHERE article_id = $1 AND stem = $2",
                    &args![article_id.as_str(), q.stem.as_str()],
                )
                .await?;
            let article: Option<(String,)> = tx
                .fetch_optional(
                    "SELECT id FROM kb_articles WHERE id = $1",
                    &args![article_id.as_str()],
                )
                .await?;
            if already.is_none() && article.is_some() {
                tx.insert_question(actor, article_id, q, now).await?;
                n += 1;
            }
        }
        tx.audit(
            AuditRecord::by(actor, "exam.question_import")
                .detail(serde_json::json!({"questions": questions.len(), "created": n})),
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Takes a question out of future exams (exams already set keep it).
    pub async fn exam_question_retire(&self, actor: &str, id: &str) -> Result<(), StoreError> {
        let mut tx = self.db.audited().await?;
        let n = tx
            .execute(
                "UPDATE exam_questions SET active = $1 WHERE id = $2",
                &args![false, id],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        tx.audit(
            AuditRecord::by(actor, "exam.question_retire")
                .detail(serde_json::json!({"question_id": id})),
        )
        .await?;
        tx.commit().await
    }

    /// The question bank, optionally for one point or under one category.
    pub async fn exam_questions(
        &self,
        article_id: Option<&str>,
        category: Option<&Category>,
        active_only: bool,
    ) -> Result<Vec<Question>, StoreError> {
        let mut sql = format!("{QUESTION_SELECT} WHERE 1 = 1");
        let mut a = Vec::new();
        if let Some(id) = article_id {
            a.push(crate::db::Arg::from(id));
            sql.push_str(&format!(" AND q.article_id = ${}", a.len()));
        }
        if active_only {
            a.push(true.into());
            sql.push_str(&format!(" AND q.active = ${}", a.len()));
        }
        sql.push_str(" ORDER BY q.created_at_ms, q.id");
        let rows: Vec<QuestionRow> = self.db.fetch_all(&sql, &a).await?;
        let mut out: Vec<Question> = rows
            .into_iter()
            .map(Question::try_from)
            .collect::<Result<_, _>>()?;
        if let Some(c) = category {
            out.retain(|q| Category::parse(&q.category).is_ok_and(|qc| qc.is_within(c.as_str())));
        }
        Ok(out)
    }

    /// Sets an exam: draws `question_count` active questions on published points under
    /// the categories, in an order fixed by the seed.
    pub async fn exam_create(&self, actor: &str, e: &NewExam<'_>) -> Result<Exam, StoreError> {
        let pool: Vec<Question> = self
            .exam_questions(None, None, true)
            .await?
            .into_iter()
            .filter(|q| {
                let cat = Category::parse(&q.category);
                e.categories.is_empty()
                    || e.categories
                        .iter()
                        .any(|c| cat.as_ref().is_ok_and(|qc| qc.is_within(c.as_str())))
            })
            .collect();
        let published: std::collections::HashSet<String> = {
            let rows: Vec<(String,)> = self
                .db
                .fetch_all(
                    "SELECT id FROM kb_articles WHERE status = $1",
                    &args![ArticleStatus::Published.as_str()],
                )
                .await?;
            rows.into_iter().map(|r| r.0).collect()
        };
        let ids: Vec<String> = pool
            .into_iter()
            .filter(|q| published.contains(&q.article_id))
            .map(|q| q.id)
            .collect();
        let want = usize::try_from(e.question_count).unwrap_or(usize::MAX);
        if e.question_count == 0 || ids.len() < want {
            return Err(refused(format!(
                "the question bank has {} questions for these categories; {} asked",
                ids.len(),
                e.question_count
            )));
        }
        let chosen = pick(&ids, want, e.seed);
        let id = new_id("ex");
        let categories: Vec<&str> = e.categories.iter().map(Category::as_str).collect();
        let mut tx = self.db.audited().await?;
        tx.execute(
            "INSERT INTO exams (id, title, skill, categories, month, opens_at_ms, closes_at_ms, time_limit_s, \
             pass_mark, max_attempts, seed, created_by, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            &args![
                id.as_str(),
                e.title,
                e.skill,
                serde_json::to_string(&categories).unwrap_or_default(),
                e.month,
                e.opens_at_ms,
                e.closes_at_ms,
                e.time_limit_s,
                e.pass_mark,
                e.max_attempts,
                e.seed as i64,
                actor,
                now_ms()
            ],
        )
        .await?;
        for (pos, q) in chosen.iter().enumerate() {
            tx.execute(
                "INSERT INTO exam_items (exam_id, position, question_id) VALUES ($1, $2, $3)",
                &args![id.as_str(), pos as i64, q.as_str()],
            )
            .await?;
        }
        tx.audit(AuditRecord::by(actor, "exam.create").detail(
            serde_json::json!({"exam_id": id, "skill": e.skill, "categories": categories,
                "month": e.month, "questions": chosen.len(), "pass_mark": e.pass_mark}),
        ))
        .await?;
        let row: ExamRow = tx
            .fetch_one(&format!("{EXAM_SELECT} WHERE e.id = $1"), &args![id])
            .await?;
        tx.commit().await?;
        row.try_into()
    }

    pub async fn exam(&self, id: &str) -> Result<Exam, StoreError> {
        let row: Option<ExamRow> = self
            .db
            .fetch_optional(&format!("{EXAM_SELECT} WHERE e.id = $1"), &args![id])
            .await?;
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    /// Exams, newest first; `open_at` keeps those open at that instant.
    pub async fn exams(&self, open_at: Option<i64>, limit: u32) -> Result<Vec<Exam>, StoreError> {
        let rows: Vec<ExamRow> = match open_at {
            Some(now) => {
                self.db
                    .fetch_all(
                        &format!(
                            "{EXAM_SELECT} WHERE e.opens_at_ms <= $1 AND e.closes_at_ms > $1 \
                             ORDER BY e.opens_at_ms DESC, e.id LIMIT $2"
                        ),
                        &args![now, i64::from(limit.clamp(1, 500))],
                    )
                    .await?
            }
            None => {
                self.db
                    .fetch_all(
                        &format!("{EXAM_SELECT} ORDER BY e.opens_at_ms DESC, e.id LIMIT $1"),
                        &args![i64::from(limit.clamp(1, 500))],
                    )
                    .await?
            }
        };
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// The questions of an exam in order, answers included (for marking and for the
    /// training team; examinees get them without answers from the web layer).
    pub async fn exam_paper(&self, exam_id: &str) -> Result<Vec<Question>, StoreError> {
        let rows: Vec<QuestionRow> = self
            .db
            .fetch_all(
                &format!(
                    "{} JOIN exam_items i ON i.question_id = q.id WHERE i.exam_id = $1 ORDER BY i.position",
                    QUESTION_SELECT
                ),
                &args![exam_id],
            )
            .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Starts (or resumes) the caller's attempt. Refused outside the exam's window and
    /// when the attempts allowed are used up.
    pub async fn exam_start(
        &self,
        user_id: &str,
        username: &str,
        exam_id: &str,
        now: i64,
    ) -> Result<(Attempt, bool), StoreError> {
        let exam = self.exam(exam_id).await?;
        if now < exam.opens_at_ms || now >= exam.closes_at_ms {
            return Err(refused("the exam is not open now"));
        }
        let mut tx = self.db.audited().await?;
        // Attempts left open past their time limit count as timed out.
        tx.execute(
            "UPDATE exam_attempts SET status = $1, score = 0, correct = 0, passed = $2 \
             WHERE exam_id = $3 AND user_id = $4 AND status = $5 AND deadline_ms + $6 < $7",
            &args![
                AttemptStatus::TimedOut.as_str(),
                false,
                exam_id,
                user_id,
                AttemptStatus::InProgress.as_str(),
                SUBMIT_GRACE_MS,
                now
            ],
        )
        .await?;
        let open: Option<(String,)> = tx
            .fetch_optional(
                "SELECT id FROM exam_attempts WHERE exam_id = $1 AND user_id = $2 AND status = $3",
                &args![exam_id, user_id, AttemptStatus::InProgress.as_str()],
            )
            .await?;
        if let Some((id,)) = open {
            let a = tx.attempt(&id).await?;
            // Resuming an attempt is not audited: its start was.
            tx.commit_allow_unaudited().await?;
            return Ok((a, false));
        }
        let (used,): (i64,) = tx
            .fetch_one(
                "SELECT COUNT(*) FROM exam_attempts WHERE exam_id = $1 AND user_id = $2",
                &args![exam_id, user_id],
            )
            .await?;
        if used >= i64::from(exam.max_attempts) {
            return Err(refused(format!(
                "all {} attempts allowed for this exam are used",
                exam.max_attempts
            )));
        }
        let id = new_id("at");
        // The time limit never runs past the exam's closing time.
        let deadline = (now + exam.time_limit_s * 1000).min(exam.closes_at_ms);
        tx.execute(
            "INSERT INTO exam_attempts (id, exam_id, user_id, status, started_at_ms, deadline_ms, total) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &args![
                id.as_str(),
                exam_id,
                user_id,
                AttemptStatus::InProgress.as_str(),
                now,
                deadline,
                i64::from(exam.question_count)
            ],
        )
        .await?;
        tx.audit(
            AuditRecord::by(username, "exam.start")
                .detail(serde_json::json!({"exam_id": exam_id, "attempt_id": id})),
        )
        .await?;
        let a = tx.attempt(&id).await?;
        tx.commit().await?;
        Ok((a, true))
    }

    /// Marks the caller's attempt. After the time limit (plus a grace for the network)
    /// the attempt is recorded as timed out with no marks and the submission refused.
    pub async fn exam_submit(
        &self,
        user_id: &str,
        username: &str,
        attempt_id: &str,
        answers: &HashMap<String, Vec<u32>>,
        now: i64,
    ) -> Result<(Attempt, Vec<Marked>), StoreError> {
        let mut tx = self.db.audited().await?;
        let a = tx.attempt(attempt_id).await?;
        if a.user_id != user_id {
            return Err(StoreError::NotFound);
        }
        if a.status != AttemptStatus::InProgress {
            return Err(StoreError::Conflict(
                "this attempt is already finished".into(),
            ));
        }
        if now > a.deadline_ms + SUBMIT_GRACE_MS {
            tx.execute(
                "UPDATE exam_attempts SET status = $1, submitted_at_ms = $2, correct = 0, score = 0, passed = $3 \
                 WHERE id = $4",
                &args![AttemptStatus::TimedOut.as_str(), now, false, attempt_id],
            )
            .await?;
            tx.audit(
                AuditRecord::by(username, "exam.timed_out")
                    .detail(serde_json::json!({"exam_id": a.exam_id, "attempt_id": attempt_id})),
            )
            .await?;
            tx.commit().await?;
            return Err(refused(
                "the time limit has passed; the attempt counts as failed",
            ));
        }
        let paper: Vec<QuestionRow> = tx
            .fetch_all(
                &format!(
                    "{QUESTION_SELECT} JOIN exam_items i ON i.question_id = q.id WHERE i.exam_id = $1 ORDER BY i.position"
                ),
                &args![a.exam_id.as_str()],
            )
            .await?;
        let mut marked = Vec::with_capacity(paper.len());
        for row in paper {
            let q = Question::try_from(row)?;
            let given = answers.get(&q.id).cloned().unwrap_or_default();
            marked.push(Marked {
                correct: is_correct(&q.content.answer, &given),
                question_id: q.id,
                given,
                answer: q.content.answer,
                explanation: q.content.explanation,
            });
        }
        let total = u32::try_from(marked.len()).unwrap_or(u32::MAX);
        let right = u32::try_from(marked.iter().filter(|m| m.correct).count()).unwrap_or(0);
        let Score {
            correct,
            score: pct,
            passed,
            ..
        } = score(right, total, a.pass_mark);
        let given: HashMap<&str, &Vec<u32>> = marked
            .iter()
            .map(|m| (m.question_id.as_str(), &m.given))
            .collect();
        tx.execute(
            "UPDATE exam_attempts SET status = $1, submitted_at_ms = $2, answers = $3, correct = $4, total = $5, \
             score = $6, passed = $7 WHERE id = $8",
            &args![
                AttemptStatus::Submitted.as_str(),
                now,
                serde_json::to_string(&given).unwrap_or_default(),
                correct,
                total,
                pct,
                passed,
                attempt_id
            ],
        )
        .await?;
        tx.audit(
            AuditRecord::by(username, "exam.submit")
                .detail(serde_json::json!({"exam_id": a.exam_id, "attempt_id": attempt_id, "score": pct, "passed": passed})),
        )
        .await?;
        let a = tx.attempt(attempt_id).await?;
        tx.commit().await?;
        Ok((a, marked))
    }

    pub async fn exam_attempt(&self, id: &str) -> Result<Attempt, StoreError> {
        let row: Option<AttemptRow> = self
            .db
            .fetch_optional(&format!("{ATTEMPT_SELECT} WHERE t.id = $1"), &args![id])
            .await?;
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    /// An agent's attempts, newest first.
    pub async fn exam_history(
        &self,
        user_id: &str,
        limit: u32,
    ) -> Result<Vec<Attempt>, StoreError> {
        let rows: Vec<AttemptRow> = self
            .db
            .fetch_all(
                &format!("{ATTEMPT_SELECT} WHERE t.user_id = $1 ORDER BY t.started_at_ms DESC, t.id LIMIT $2"),
                &args![user_id, i64::from(limit.clamp(1, 500))],
            )
            .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// The routing gate: whether the user has passed the current exam of `skill` (see
    /// [`bankdesk_domain::exam::gate_allows`] for what "current" means and the grace while
    /// a new exam is open). True when the skill has no exam.
    pub async fn has_passed_current_exam(
        &self,
        user_id: &str,
        skill: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let rows: Vec<(i64, i64, i64)> = self
            .db
            .fetch_all(
                "SELECT e.opens_at_ms, e.closes_at_ms, \
                 (SELECT COUNT(*) FROM exam_attempts t WHERE t.exam_id = e.id AND t.user_id = $1 AND t.passed = $2) \
                 FROM exams e WHERE e.skill = $3 AND e.opens_at_ms <= $4",
                &args![user_id, true, skill, now],
            )
            .await?;
        let exams: Vec<GateExam> = rows
            .into_iter()
            .map(|(o, c, passed)| GateExam {
                opens_at_ms: o,
                closes_at_ms: c,
                passed: passed > 0,
            })
            .collect();
        Ok(gate_allows(&exams, now))
    }
}
