//! The crisis board: public-opinion crises with their actions and reports to the
//! regulator, and the signals waiting to be dismissed or raised.

use crate::auth::{Desk, Oversight};
use crate::case::pages::{Opt, case_url, refused};
use crate::pages::format::bank_time;
use crate::pages::i18n::Messages;
use crate::pages::{Chrome, CsrfForm, LangPrefs, OrPage, Page, PageError, url_encode};
use crate::state::AppState;
use crate::view::rfc3339;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bankdesk_domain::Actor;
use bankdesk_domain::crisis::{CrisisStatus, ReportTo};
use bankdesk_store::crises::{CrisisEntry, CrisisUpdate, NewCrisis};
use serde::Deserialize;

struct CrisisLine {
    url: String,
    title: String,
    severity: String,
    severity_code: String,
    status: String,
    owner: String,
    case_url: Option<String>,
    opened: String,
}

struct SignalLine {
    id: String,
    dismiss: String,
    source: String,
    author: String,
    text: String,
    link: Option<String>,
    reach: i64,
    time: String,
    watch_words: String,
    customer_id: String,
    case_url: Option<String>,
    title: String,
}

#[derive(Template)]
#[template(path = "crises.html")]
struct BoardTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    csrf: &'a str,
    crises: Vec<CrisisLine>,
    signals: Vec<SignalLine>,
}

/// The crisis board: live crises, most severe first, and negative posts to weigh.
pub async fn board(
    State(state): State<AppState>,
    desk: Desk<Oversight>,
    prefs: LangPrefs,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let b = state.store.crisis_board().await.or_page(&page, None)?;
    let lang = page.lang;
    let time = |ms: i64| bank_time(&rfc3339(ms, None));
    Ok(page.html(
        StatusCode::OK,
        &BoardTpl {
            t: page.t,
            chrome: &page.chrome,
            csrf: &desk.session.csrf_token,
            crises: b
                .crises
                .into_iter()
                .map(|c| CrisisLine {
                    url: format!("/crises/{}", url_encode(&c.id)),
                    severity: lang.severity(&c.severity),
                    status: lang.crisis_status(&c.status),
                    case_url: c.case_id.as_deref().map(case_url),
                    opened: time(c.opened_at_ms),
                    severity_code: c.severity,
                    title: c.title,
                    owner: c.owner,
                })
                .collect(),
            signals: b
                .signals
                .into_iter()
                .map(|s| SignalLine {
                    dismiss: format!("/signals/{}/dismiss", url_encode(&s.id)),
                    time: time(s.posted_at_ms),
                    case_url: s.case_id.as_deref().map(case_url),
                    customer_id: s.customer_id.unwrap_or_default(),
                    watch_words: s.matched_words.replace(',', "、"),
                    title: format!("{} {}", s.source, s.author),
                    link: s.url,
                    id: s.id,
                    source: s.source,
                    author: s.author,
                    text: s.text,
                    reach: s.reach,
                })
                .collect(),
        },
    ))
}

pub async fn dismiss_signal(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
    CsrfForm { desk, .. }: CsrfForm<Oversight>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    match state.store.dismiss_signal(&desk.actor(), &id).await {
        Ok(_) => Ok(Redirect::to("/crises").into_response()),
        Err(e) => Err(refused(&page, e, "/crises".into())),
    }
}

#[derive(Deserialize)]
pub struct RaiseForm {
    #[serde(default)]
    title: String,
    signal_id: Option<String>,
    case_id: Option<String>,
}

/// Raises a signal or a case to a crisis owned by the caller.
pub async fn raise(
    State(state): State<AppState>,
    prefs: LangPrefs,
    CsrfForm { desk, form: f }: CsrfForm<Oversight, RaiseForm>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let n = NewCrisis {
        title: f.title,
        signal_id: f.signal_id.filter(|s| !s.is_empty()),
        case_id: f.case_id.filter(|s| !s.is_empty()),
        ..NewCrisis::default()
    };
    match state
        .store
        .raise_crisis(&Actor::from(desk.user()), &n)
        .await
    {
        Ok(c) => Ok(Redirect::to(&format!("/crises/{}", url_encode(&c.id))).into_response()),
        Err(e) => Err(refused(&page, e, "/crises".into())),
    }
}

struct EventLine {
    at: String,
    actor: String,
    kind: String,
    text: String,
}

#[derive(Template)]
#[template(path = "crisis.html")]
struct CrisisTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    csrf: &'a str,
    base: String,
    title: String,
    severity: String,
    severity_code: String,
    status: String,
    owner: String,
    case_url: Option<String>,
    live: bool,
    next: Vec<Opt>,
    reports: Vec<Opt>,
    timeline: Vec<EventLine>,
    signals: Vec<SignalLine>,
}

/// One crisis: its timeline of actions, reports and posts, and the forms to add to it.
pub async fn crisis(
    State(state): State<AppState>,
    desk: Desk<Oversight>,
    prefs: LangPrefs,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let d = state
        .store
        .crisis_detail(&id)
        .await
        .or_page(&page, Some("/crises"))?;
    let lang = page.lang;
    let time = |ms: i64| bank_time(&rfc3339(ms, None));
    let status = CrisisStatus::parse(&d.crisis.status);
    let base = format!("/crises/{}", url_encode(&d.crisis.id));
    Ok(page.html(
        StatusCode::OK,
        &CrisisTpl {
            t: page.t,
            chrome: &page.chrome,
            csrf: &desk.session.csrf_token,
            title: d.crisis.title.clone(),
            severity: lang.severity(&d.crisis.severity),
            severity_code: d.crisis.severity.clone(),
            status: lang.crisis_status(&d.crisis.status),
            owner: d.crisis.owner.clone(),
            case_url: d.crisis.case_id.as_deref().map(case_url),
            live: status.is_some_and(|s| s != CrisisStatus::Closed),
            next: CrisisStatus::ALL
                .iter()
                .filter(|s| status.is_some_and(|from| from.may_become(**s)))
                .map(|s| Opt {
                    value: s.as_str().into(),
                    label: lang.crisis_status(s.as_str()),
                    selected: false,
                })
                .collect(),
            reports: ReportTo::ALL
                .iter()
                .map(|r| Opt {
                    value: r.as_str().into(),
                    label: lang.report_to(r.as_str()),
                    selected: false,
                })
                .collect(),
            timeline: d
                .timeline
                .iter()
                .map(|e| EventLine {
                    at: time(e.at_ms),
                    actor: e.actor.clone().unwrap_or_else(|| "system".into()),
                    kind: match &e.reported_to {
                        Some(to) => format!("{} · {}", page.t.crisis_report, lang.report_to(to)),
                        None => e.kind.clone(),
                    },
                    text: e.text.clone(),
                })
                .collect(),
            signals: d
                .signals
                .into_iter()
                .map(|s| SignalLine {
                    dismiss: String::new(),
                    time: time(s.posted_at_ms),
                    case_url: None,
                    customer_id: s.customer_id.unwrap_or_default(),
                    watch_words: s.matched_words.replace(',', "、"),
                    title: String::new(),
                    link: s.url,
                    id: s.id,
                    source: s.source,
                    author: s.author,
                    text: s.text,
                    reach: s.reach,
                })
                .collect(),
            base,
        },
    ))
}

#[derive(Deserialize)]
pub struct EntryForm {
    #[serde(default)]
    text: String,
    /// Set for a report upward; empty for an action.
    #[serde(default)]
    to: String,
    /// Set to change the crisis's status.
    #[serde(default)]
    status: String,
}

/// Adds an action or a report to the timeline, or changes the status.
pub async fn crisis_entry(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
    CsrfForm { desk, form: f }: CsrfForm<Oversight, EntryForm>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let who = Actor::from(desk.user());
    let back = format!("/crises/{}", url_encode(&id));
    let done = match (CrisisStatus::parse(&f.status), ReportTo::parse(&f.to)) {
        (Some(status), _) => state
            .store
            .update_crisis(
                &who,
                &id,
                &CrisisUpdate {
                    status: Some(status),
                    note: f.text,
                    ..CrisisUpdate::default()
                },
                None,
            )
            .await
            .map(|_| ()),
        (None, Some(to)) => state
            .store
            .add_crisis_entry(&who, &id, CrisisEntry::Report(to), &f.text)
            .await
            .map(|_| ()),
        (None, None) => state
            .store
            .add_crisis_entry(&who, &id, CrisisEntry::Action, &f.text)
            .await
            .map(|_| ()),
    };
    match done {
        Ok(()) => Ok(Redirect::to(&back).into_response()),
        Err(e) => Err(refused(&page, e, back)),
    }
}
