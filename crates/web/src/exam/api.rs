//! The question bank, monthly exams, attempts and the routing gate.

use crate::auth::{AnyStaff, Api, Training, allowed};
use crate::envelope::List;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;
use crate::view::rfc3339;
use axum::extract::State;
use axum::http::StatusCode;
use bankdesk_domain::exam::{
    AttemptStatus, MAX_QUESTIONS_PER_EXAM, QuestionContent, QuestionKind, month_of, month_window,
};
use bankdesk_domain::kb::Category;
use bankdesk_store::exams::{Attempt, Exam, Marked, NewExam, Question};
use bankdesk_store::now_ms;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

fn field(e: bankdesk_domain::error::FieldError) -> ApiError {
    ApiError::field(e.field, e.reason)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionRequest {
    article_id: String,
    kind: QuestionKind,
    stem: String,
    #[serde(default)]
    options: Vec<String>,
    /// The indices of the right options.
    answer: Vec<u32>,
    #[serde(default)]
    explanation: String,
}

/// A question with its answer (for the training team).
#[derive(Serialize, ToSchema)]
#[schema(as = Question)]
pub struct QuestionView {
    id: String,
    article_id: String,
    category: String,
    kind: QuestionKind,
    stem: String,
    options: Vec<String>,
    answer: Vec<u32>,
    explanation: String,
    active: bool,
    created_by: String,
    created_at: String,
}

impl From<Question> for QuestionView {
    fn from(q: Question) -> QuestionView {
        QuestionView {
            created_at: rfc3339(q.created_at_ms, None),
            id: q.id,
            article_id: q.article_id,
            category: q.category,
            kind: q.content.kind,
            stem: q.content.stem,
            options: q.content.options,
            answer: q.content.answer,
            explanation: q.content.explanation,
            active: q.active,
            created_by: q.created_by,
        }
    }
}

/// A question as the examinee sees it: no answer.
#[derive(Serialize, ToSchema)]
pub struct PaperQuestion {
    id: String,
    kind: QuestionKind,
    stem: String,
    options: Vec<String>,
}

impl From<&Question> for PaperQuestion {
    fn from(q: &Question) -> PaperQuestion {
        PaperQuestion {
            id: q.id.clone(),
            kind: q.content.kind,
            stem: q.content.stem.clone(),
            options: q.content.options.clone(),
        }
    }
}

/// Adds a question to the bank, drawn from a knowledge point.
#[utoipa::path(
    post,
    path = "/exam-questions",
    tag = "exams",
    responses((status = 201, description = "The question"))
)]
pub async fn create_question(
    State(state): State<AppState>,
    who: Api<Training>,
    ApiJson(req): ApiJson<QuestionRequest>,
) -> ApiResult<(StatusCode, ApiJson<QuestionView>)> {
    let q = QuestionContent::validate(
        req.kind,
        &req.stem,
        &req.options,
        &req.answer,
        &req.explanation,
    )
    .map_err(field)?;
    let q = state
        .store
        .exam_question_create(&who.user.username, &req.article_id, &q)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(q.into())))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct QuestionQuery {
    article_id: Option<String>,
    /// A category subtree.
    category: Option<String>,
    #[serde(default)]
    include_retired: bool,
}

/// The question bank.
#[utoipa::path(get, path = "/exam-questions", tag = "exams")]
pub async fn list_questions(
    State(state): State<AppState>,
    _who: Api<Training>,
    ApiQuery(q): ApiQuery<QuestionQuery>,
) -> ApiResult<ApiJson<List<QuestionView>>> {
    let category = q
        .category
        .as_deref()
        .map(Category::parse)
        .transpose()
        .map_err(field)?;
    let items = state
        .store
        .exam_questions(
            q.article_id.as_deref(),
            category.as_ref(),
            !q.include_retired,
        )
        .await?
        .into_iter()
        .map(QuestionView::from)
        .collect();
    Ok(ApiJson(List { items, next: None }))
}

/// Takes a question out of future exams.
#[utoipa::path(post, path = "/exam-questions/{id}/retire", tag = "exams")]
pub async fn retire_question(
    State(state): State<AppState>,
    who: Api<Training>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    state
        .store
        .exam_question_retire(&who.user.username, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExamRequest {
    title: Option<String>,
    /// The routing skill the exam qualifies for (the gate asks by skill).
    skill: Option<String>,
    /// Category subtrees the questions come from; none means the whole bank.
    #[serde(default)]
    categories: Vec<String>,
    /// `YYYY-MM`; the exam is open for that month. Defaults to the current month.
    #[schema(pattern = "^[0-9]{4}-[0-9]{2}$")]
    month: Option<String>,
    /// Default 20; at most `MAX_QUESTIONS_PER_EXAM`.
    #[schema(minimum = 1, maximum = 100)]
    question_count: Option<u32>,
    /// Default 30.
    #[schema(minimum = 1, maximum = 240)]
    time_limit_minutes: Option<u32>,
    /// Percent; defaults to the configured pass mark (85).
    #[schema(minimum = 1, maximum = 100)]
    pass_mark: Option<u32>,
    /// Default 1.
    #[schema(minimum = 1, maximum = 10)]
    max_attempts: Option<u32>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = Exam)]
pub struct ExamView {
    id: String,
    title: String,
    skill: Option<String>,
    categories: Vec<String>,
    month: String,
    opens_at: String,
    closes_at: String,
    time_limit_minutes: i64,
    pass_mark: u32,
    max_attempts: u32,
    question_count: u32,
    created_by: String,
    /// With answers, for the training team only.
    #[serde(skip_serializing_if = "Option::is_none")]
    questions: Option<Vec<QuestionView>>,
}

fn exam_view(e: Exam, questions: Option<Vec<QuestionView>>) -> ExamView {
    ExamView {
        opens_at: rfc3339(e.opens_at_ms, None),
        closes_at: rfc3339(e.closes_at_ms, None),
        time_limit_minutes: e.time_limit_s / 60,
        id: e.id,
        title: e.title,
        skill: e.skill,
        categories: e.categories,
        month: e.month,
        pass_mark: e.pass_mark,
        max_attempts: e.max_attempts,
        question_count: e.question_count,
        created_by: e.created_by,
        questions,
    }
}

/// Sets a monthly exam, drawn from the question bank per skill or category.
#[utoipa::path(
    post,
    path = "/exams",
    tag = "exams",
    responses((status = 201, description = "The exam"))
)]
pub async fn create_exam(
    State(state): State<AppState>,
    who: Api<Training>,
    ApiJson(req): ApiJson<ExamRequest>,
) -> ApiResult<(StatusCode, ApiJson<ExamView>)> {
    let month = req.month.unwrap_or_else(|| month_of(now_ms()));
    let (opens, closes) = month_window(&month).map_err(field)?;
    let categories = req
        .categories
        .iter()
        .map(|c| Category::parse(c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(field)?;
    let skill = req
        .skill
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if skill.is_some_and(|s| s.chars().count() > 50) {
        return Err(ApiError::field("skill", "at most 50 characters"));
    }
    let question_count = req.question_count.unwrap_or(20);
    if !(1..=MAX_QUESTIONS_PER_EXAM).contains(&question_count) {
        return Err(ApiError::field(
            "question_count",
            format!("1 to {MAX_QUESTIONS_PER_EXAM}"),
        ));
    }
    let minutes = req.time_limit_minutes.unwrap_or(30);
    if !(1..=240).contains(&minutes) {
        return Err(ApiError::field("time_limit_minutes", "1 to 240"));
    }
    let pass_mark = req.pass_mark.unwrap_or(state.config.exam_pass_mark);
    if !(1..=100).contains(&pass_mark) {
        return Err(ApiError::field("pass_mark", "1 to 100"));
    }
    let max_attempts = req.max_attempts.unwrap_or(1);
    if !(1..=10).contains(&max_attempts) {
        return Err(ApiError::field("max_attempts", "1 to 10"));
    }
    let scope = skill.map(str::to_string).unwrap_or_else(|| {
        if categories.is_empty() {
            "全部知识".to_string()
        } else {
            categories
                .iter()
                .map(Category::as_str)
                .collect::<Vec<_>>()
                .join("、")
        }
    });
    let title = req
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| format!("{month} {scope} 月度考试"));
    let exam = state
        .store
        .exam_create(
            &who.user.username,
            &NewExam {
                title: &title,
                skill,
                categories: &categories,
                month: &month,
                opens_at_ms: opens,
                closes_at_ms: closes,
                time_limit_s: i64::from(minutes) * 60,
                pass_mark,
                max_attempts,
                question_count,
                seed: rand::random(),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, ApiJson(exam_view(exam, None))))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExamListQuery {
    /// Only exams open now.
    #[serde(default)]
    open: bool,
}

/// Exams, newest first.
#[utoipa::path(get, path = "/exams", tag = "exams")]
pub async fn list_exams(
    State(state): State<AppState>,
    _who: Api<AnyStaff>,
    ApiQuery(q): ApiQuery<ExamListQuery>,
) -> ApiResult<ApiJson<List<ExamView>>> {
    let exams = state
        .store
        .exams(q.open.then(now_ms), 100)
        .await?
        .into_iter()
        .map(|e| exam_view(e, None))
        .collect();
    Ok(ApiJson(List {
        items: exams,
        next: None,
    }))
}

/// An exam; the training team also sees its questions with answers.
#[utoipa::path(get, path = "/exams/{id}", tag = "exams")]
pub async fn get_exam(
    State(state): State<AppState>,
    who: Api<AnyStaff>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<ExamView>> {
    let exam = state.store.exam(&id).await?;
    let questions = if allowed::<Training>(&who.user) {
        Some(
            state
                .store
                .exam_paper(&id)
                .await?
                .into_iter()
                .map(QuestionView::from)
                .collect(),
        )
    } else {
        None
    };
    Ok(ApiJson(exam_view(exam, questions)))
}

#[derive(Serialize, ToSchema)]
#[schema(as = Attempt)]
pub struct AttemptView {
    id: String,
    exam_id: String,
    exam_title: String,
    month: String,
    skill: Option<String>,
    username: String,
    status: AttemptStatus,
    started_at: String,
    deadline: String,
    submitted_at: Option<String>,
    correct: Option<u32>,
    total: u32,
    score: Option<u32>,
    passed: Option<bool>,
    pass_mark: u32,
}

pub fn attempt_view(a: &Attempt) -> AttemptView {
    AttemptView {
        id: a.id.clone(),
        exam_id: a.exam_id.clone(),
        exam_title: a.exam_title.clone(),
        month: a.month.clone(),
        skill: a.skill.clone(),
        username: a.username.clone(),
        status: a.status,
        started_at: rfc3339(a.started_at_ms, None),
        deadline: rfc3339(a.deadline_ms, None),
        submitted_at: a.submitted_at_ms.map(|t| rfc3339(t, None)),
        correct: a.correct,
        total: a.total,
        score: a.score,
        passed: a.passed,
        pass_mark: a.pass_mark,
    }
}

#[derive(Serialize, ToSchema)]
pub struct Sitting {
    attempt: AttemptView,
    questions: Vec<PaperQuestion>,
}

/// Starts the caller's attempt, or resumes the one in progress (200 instead of 201); the
/// paper comes without answers.
#[utoipa::path(
    post,
    path = "/exams/{id}/attempts",
    tag = "exams",
    responses(
        (status = 201, description = "A new attempt"),
        (status = 200, description = "The attempt in progress"),
        (status = 422, description = "`rule_refused`: the exam is closed, or no attempts are left"),
    )
)]
pub async fn start(
    State(state): State<AppState>,
    who: Api<AnyStaff>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<(StatusCode, ApiJson<Sitting>)> {
    let (attempt, created) = state
        .store
        .exam_start(&who.user.id, &who.user.username, &id, now_ms())
        .await?;
    let questions = state
        .store
        .exam_paper(&id)
        .await?
        .iter()
        .map(PaperQuestion::from)
        .collect();
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        ApiJson(Sitting {
            attempt: attempt_view(&attempt),
            questions,
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// Question id -> the indices of the options chosen.
    answers: HashMap<String, Vec<u32>>,
}

#[derive(Serialize, ToSchema)]
pub struct Marking {
    attempt: AttemptView,
    results: Vec<MarkedView>,
}

/// The marking of one question of a submitted attempt.
#[derive(Serialize, ToSchema)]
#[schema(as = MarkedQuestion)]
pub struct MarkedView {
    question_id: String,
    given: Vec<u32>,
    answer: Vec<u32>,
    correct: bool,
    explanation: String,
}

impl From<Marked> for MarkedView {
    fn from(m: Marked) -> MarkedView {
        MarkedView {
            question_id: m.question_id,
            given: m.given,
            answer: m.answer,
            correct: m.correct,
            explanation: m.explanation,
        }
    }
}

/// Marks the attempt; after the time limit it is refused and counts as failed.
#[utoipa::path(
    post,
    path = "/exam-attempts/{id}/submit",
    tag = "exams",
    responses(
        (status = 200, description = "The marked attempt"),
        (status = 409, description = "`conflict`: submitted already"),
        (status = 422, description = "`rule_refused`: after the time limit plus 30 s"),
    )
)]
pub async fn submit(
    State(state): State<AppState>,
    who: Api<AnyStaff>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<SubmitRequest>,
) -> ApiResult<ApiJson<Marking>> {
    let (attempt, results) = state
        .store
        .exam_submit(
            &who.user.id,
            &who.user.username,
            &id,
            &req.answers,
            now_ms(),
        )
        .await?;
    Ok(ApiJson(Marking {
        attempt: attempt_view(&attempt),
        results: results.into_iter().map(Into::into).collect(),
    }))
}

/// One attempt: its taker's, or anyone's for the training team.
#[utoipa::path(get, path = "/exam-attempts/{id}", tag = "exams")]
pub async fn get_attempt(
    State(state): State<AppState>,
    who: Api<AnyStaff>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<AttemptView>> {
    let a = state.store.exam_attempt(&id).await?;
    if a.user_id != who.user.id && !allowed::<Training>(&who.user) {
        return Err(ApiError::not_found());
    }
    Ok(ApiJson(attempt_view(&a)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// Someone else's history (training team only); the caller's own by default.
    username: Option<String>,
}

async fn subject(
    state: &AppState,
    who: &Api<AnyStaff>,
    username: Option<&str>,
) -> ApiResult<String> {
    match username {
        None => Ok(who.user.id.clone()),
        Some(u) if u == who.user.username => Ok(who.user.id.clone()),
        Some(u) => {
            if !allowed::<Training>(&who.user) {
                return Err(ApiError::forbidden(
                    "only the training team reads others' results",
                ));
            }
            Ok(state
                .store
                .user_by_username(u)
                .await?
                .ok_or_else(ApiError::not_found)?
                .id)
        }
    }
}

/// An agent's exam history, newest first.
#[utoipa::path(
    get,
    path = "/exam-attempts",
    tag = "exams",
    responses(
        (status = 200, description = "The attempts"),
        (status = 403, description = "`forbidden`: someone else's, outside the training team"),
    )
)]
pub async fn history(
    State(state): State<AppState>,
    who: Api<AnyStaff>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> ApiResult<ApiJson<List<AttemptView>>> {
    let user_id = subject(&state, &who, q.username.as_deref()).await?;
    let items = state
        .store
        .exam_history(&user_id, 200)
        .await?
        .iter()
        .map(attempt_view)
        .collect();
    Ok(ApiJson(List { items, next: None }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct GateQuery {
    skill: String,
    /// Someone else (training team only); the caller by default.
    username: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = ExamGate)]
pub struct GateView {
    skill: String,
    allowed: bool,
}

/// Whether an agent may take a skill's contacts as far as exams go (what routing asks).
#[utoipa::path(
    get,
    path = "/exam-gate",
    tag = "exams",
    responses(
        (status = 200, description = "Whether the current exam is passed"),
        (status = 403, description = "`forbidden`: someone else's, outside the training team"),
    )
)]
pub async fn gate(
    State(state): State<AppState>,
    who: Api<AnyStaff>,
    ApiQuery(q): ApiQuery<GateQuery>,
) -> ApiResult<ApiJson<GateView>> {
    let user_id = subject(&state, &who, q.username.as_deref()).await?;
    let allowed = state
        .store
        .has_passed_current_exam(&user_id, q.skill.trim(), now_ms())
        .await?;
    Ok(ApiJson(GateView {
        skill: q.skill,
        allowed,
    }))
}
