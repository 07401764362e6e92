//! Exams in the desktop: the open monthly exams, sitting one against its time limit, the
//! result, and the agent's own history. The time limit is the store's: a paper submitted
//! after the deadline (plus a short allowance for the network) is refused and counts as
//! failed, whatever the browser's countdown said.

use crate::auth::{AnyStaff, Desk};
use crate::pages::format::bank_time;
use crate::pages::i18n::Messages;
use crate::pages::{Chrome, CsrfForm, LangPrefs, OrPage, Page, PageError};
use crate::state::AppState;
use crate::view::rfc3339;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bankdesk_domain::ErrorCode;
use bankdesk_domain::exam::{AttemptStatus, QuestionKind};
use bankdesk_store::exams::{Attempt, Exam, Question};
use bankdesk_store::{StoreError, now_ms};
use std::collections::HashMap;

/// Attempts shown in the history.
const HISTORY: u32 = 50;

/// An open exam in the list.
struct OpenExam {
    id: String,
    title: String,
    month: String,
    questions: u32,
    minutes: i64,
    pass_mark: u32,
    closes: String,
}

impl From<Exam> for OpenExam {
    fn from(e: Exam) -> OpenExam {
        OpenExam {
            closes: bank_time(&rfc3339(e.closes_at_ms, None)),
            minutes: e.time_limit_s / 60,
            id: e.id,
            title: e.title,
            month: e.month,
            questions: e.question_count,
            pass_mark: e.pass_mark,
        }
    }
}

/// A line of the history.
struct PastAttempt {
    id: String,
    title: String,
    started: String,
    status: &'static str,
    score: String,
    passed: Option<bool>,
}

fn status_label(t: &Messages, s: AttemptStatus) -> &'static str {
    match s {
        AttemptStatus::InProgress => t.exam_in_progress,
        AttemptStatus::Submitted => t.exam_submitted,
        AttemptStatus::TimedOut => t.exam_timed_out,
    }
}

#[derive(Template)]
#[template(path = "exams.html")]
struct ExamsTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    csrf: &'a str,
    open: Vec<OpenExam>,
    history: Vec<PastAttempt>,
}

/// A question on the paper: no answer, the inputs its kind needs.
struct PaperLine {
    id: String,
    stem: String,
    /// Checkboxes (several answers) rather than radio buttons.
    several: bool,
    options: Vec<(u32, String)>,
}

impl From<Question> for PaperLine {
    fn from(q: Question) -> PaperLine {
        PaperLine {
            several: q.content.kind == QuestionKind::Multiple,
            options: (0u32..).zip(q.content.options).collect(),
            id: q.id,
            stem: q.content.stem,
        }
    }
}

#[derive(Template)]
#[template(path = "exam_attempt.html")]
struct AttemptTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    csrf: &'a str,
    id: &'a str,
    title: &'a str,
    in_progress: bool,
    /// The deadline in epoch milliseconds, for the countdown.
    deadline_ms: i64,
    deadline: String,
    paper: Vec<PaperLine>,
    status: &'static str,
    score: String,
    passed: Option<bool>,
    pass_mark: u32,
}

/// The open exams and the caller's history.
pub async fn list(
    State(state): State<AppState>,
    desk: Desk<AnyStaff>,
    prefs: LangPrefs,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let open = state
        .store
        .exams(Some(now_ms()), 100)
        .await
        .or_page(&page, None)?;
    let past = state
        .store
        .exam_history(&desk.user().id, HISTORY)
        .await
        .or_page(&page, None)?;
    let history = past
        .into_iter()
        .map(|a| PastAttempt {
            started: bank_time(&rfc3339(a.started_at_ms, None)),
            status: status_label(page.t, a.status),
            score: a.score.map_or_else(String::new, |s| s.to_string()),
            passed: a.passed,
            id: a.id,
            title: a.exam_title,
        })
        .collect();
    Ok(page.html(
        StatusCode::OK,
        &ExamsTpl {
            t: page.t,
            chrome: &page.chrome,
            csrf: &desk.session.csrf_token,
            open: open.into_iter().map(OpenExam::from).collect(),
            history,
        },
    ))
}

fn attempt_url(id: &str) -> String {
    format!("/exam-attempts/{id}")
}

/// A refusal of the exam rules (closed, attempts used up, too late) as a page.
fn refused(page: &Page, e: StoreError) -> PageError {
    let back = Some("/exams".into());
    match e {
        StoreError::Refused {
            code: ErrorCode::RuleRefused | ErrorCode::Conflict,
            ..
        }
        | StoreError::Conflict(_) => PageError::message(
            page,
            StatusCode::UNPROCESSABLE_ENTITY,
            page.t.err_conflict_title,
            page.t.exam_refused,
            back,
        ),
        other => PageError::new(page, other, back),
    }
}

/// Starts the caller's attempt (or resumes the one in progress) and opens its paper.
pub async fn start(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(exam_id): Path<String>,
    CsrfForm { desk, .. }: CsrfForm<AnyStaff>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let user = desk.user();
    match state
        .store
        .exam_start(&user.id, &user.username, &exam_id, now_ms())
        .await
    {
        Ok((a, _)) => Ok(Redirect::to(&attempt_url(&a.id)).into_response()),
        Err(e) => Err(refused(&page, e)),
    }
}

/// The caller's attempt: the paper while it runs, the result after.
pub async fn attempt(
    State(state): State<AppState>,
    desk: Desk<AnyStaff>,
    prefs: LangPrefs,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let a = mine(&state, &desk, &id)
        .await
        .or_page(&page, Some("/exams"))?;
    let in_progress = a.status == AttemptStatus::InProgress;
    let paper = if in_progress {
        match state.store.exam_paper(&a.exam_id).await {
            Ok(p) => p.into_iter().map(PaperLine::from).collect(),
            Err(e) => return Err(PageError::new(&page, e, Some("/exams".into()))),
        }
    } else {
        Vec::new()
    };
    Ok(page.html(
        StatusCode::OK,
        &AttemptTpl {
            t: page.t,
            chrome: &page.chrome,
            csrf: &desk.session.csrf_token,
            id: &a.id,
            title: &a.exam_title,
            in_progress,
            deadline_ms: a.deadline_ms,
            deadline: bank_time(&rfc3339(a.deadline_ms, None)),
            paper,
            status: status_label(page.t, a.status),
            score: a.score.map_or_else(String::new, |s| s.to_string()),
            passed: a.passed,
            pass_mark: a.pass_mark,
        },
    ))
}

/// The attempt if it is the caller's; someone else's is "not found".
async fn mine(state: &AppState, desk: &Desk<AnyStaff>, id: &str) -> Result<Attempt, StoreError> {
    let a = state.store.exam_attempt(id).await?;
    if a.user_id == desk.user().id {
        Ok(a)
    } else {
        Err(StoreError::NotFound)
    }
}

/// Hands the paper in. The form repeats `q_<question id>` once per option ticked.
pub async fn submit(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
    CsrfForm { desk, form: fields }: CsrfForm<AnyStaff, Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let mut answers: HashMap<String, Vec<u32>> = HashMap::new();
    for (k, v) in &fields {
        if let (Some(q), Ok(i)) = (k.strip_prefix("q_"), v.parse::<u32>()) {
            answers.entry(q.to_string()).or_default().push(i);
        }
    }
    let user = desk.user();
    match state
        .store
        .exam_submit(&user.id, &user.username, &id, &answers, now_ms())
        .await
    {
        Ok(_) => Ok(Redirect::to(&attempt_url(&id)).into_response()),
        Err(e) => Err(refused(&page, e)),
    }
}
