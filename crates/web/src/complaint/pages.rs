//! The complaint register on the desktop, and its CSV, names masked. (A complaint's own
//! moves, its extensions and the appraisal stop, are forms on its case page.)

use crate::auth::{Desk, Oversight};
use crate::case::pages::case_url;
use crate::download::csv_file;
use crate::error::ApiResult;
use crate::pages::format::{bank_day, bank_time, day_end_ms, day_start_ms};
use crate::pages::i18n::Messages;
use crate::pages::{Chrome, LangPrefs, OrPage, Page, PageError, url_encode};
use crate::state::AppState;
use crate::view::rfc3339;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use bankdesk_desk::cases::{RegisterJson, register_csv_text, register_rows};
use bankdesk_store::Store;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "complaints.html")]
struct RegisterTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    from: String,
    to: String,
    csv_url: String,
    rows: Vec<RegisterLine>,
}

struct RegisterLine {
    url: String,
    row: RegisterJson,
    received: String,
    due: String,
    channel: String,
    complexity: String,
    status: String,
    root_causes: String,
    extensions: String,
}

#[derive(Deserialize)]
pub struct RegisterQuery {
    from: Option<String>,
    to: Option<String>,
}

/// The register for a page's `YYYY-MM-DD` dates (the last day included).
async fn register_of(store: &Store, who: &str, q: &RegisterQuery) -> ApiResult<Vec<RegisterJson>> {
    let day = |d: &Option<String>, f: fn(&str) -> Option<i64>| {
        d.as_deref().and_then(f).map(|ms| rfc3339(ms, None))
    };
    let (from, to) = (day(&q.from, day_start_ms), day(&q.to, day_end_ms));
    Ok(register_rows(store, who, from.as_deref(), to.as_deref()).await?)
}

/// The complaint register: every complaint received in the period, with its deadline,
/// extensions, root causes and answer.
pub async fn register(
    State(state): State<AppState>,
    desk: Desk<Oversight>,
    prefs: LangPrefs,
    Query(q): Query<RegisterQuery>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let rows = register_of(&state.store, &desk.user().username, &q)
        .await
        .or_page(&page, Some("/complaints"))?;
    let lang = page.lang;
    let from = q.from.clone().unwrap_or_default();
    let to = q.to.clone().unwrap_or_default();
    Ok(page.html(
        StatusCode::OK,
        &RegisterTpl {
            t: page.t,
            chrome: &page.chrome,
            csv_url: format!(
                "/complaints.csv?from={}&to={}",
                url_encode(&from),
                url_encode(&to)
            ),
            from,
            to,
            rows: rows
                .into_iter()
                .map(|r| RegisterLine {
                    url: case_url(&r.case_id),
                    received: bank_time(&r.received_at),
                    due: r.due_at.as_deref().map(bank_day).unwrap_or_default(),
                    channel: lang.complaint_channel(&r.channel),
                    complexity: lang.complexity(&r.complexity),
                    status: lang.case_status(&r.status),
                    root_causes: r
                        .root_causes
                        .iter()
                        .map(|c| lang.root_cause(c))
                        .collect::<Vec<_>>()
                        .join("、"),
                    extensions: lang.extensions(r.extension_level),
                    row: r,
                })
                .collect(),
        },
    ))
}

/// The register as CSV, with the same period.
pub async fn register_csv(
    State(state): State<AppState>,
    desk: Desk<Oversight>,
    prefs: LangPrefs,
    Query(q): Query<RegisterQuery>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let rows = register_of(&state.store, &desk.user().username, &q)
        .await
        .or_page(&page, Some("/complaints"))?;
    Ok(csv_file("complaints.csv", register_csv_text(rows)))
}
