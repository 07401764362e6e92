//! The public help center at `/help`: customers search and read the bank's public
//! knowledge points without logging in. Only public points that are published and valid
//! today ever appear; internal points, drafts, retired and expired points are not found.

use crate::error::ApiError;
use crate::pages::i18n::Messages;
use crate::pages::{Chrome, LangPrefs, OrPage, Page, PageError, url_encode};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use bankdesk_domain::kb::{Audience, is_valid_at};
use bankdesk_domain::markdown;
use bankdesk_search::{Hit, SearchRequest};
use bankdesk_store::now_ms;
use serde::Deserialize;

/// Results on one page of the help center.
const RESULTS: usize = 20;
/// Points listed under one category.
const BROWSE: usize = 200;

/// A category of the table of contents.
struct Topic {
    name: String,
    count: u64,
    url: String,
}

#[derive(Template)]
#[template(path = "help.html")]
struct HelpTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    q: &'a str,
    category: Option<&'a str>,
    topics: Vec<Topic>,
    hits: Vec<Hit>,
    /// A search or a category was asked for (so "nothing found" is worth saying).
    asked: bool,
}

#[derive(Template)]
#[template(path = "help_article.html")]
struct ArticleTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    title: &'a str,
    category: &'a str,
    /// Safe HTML from the Markdown subset (escaped text, fixed tags).
    body_html: String,
}

#[derive(Deserialize)]
pub struct HelpQuery {
    q: Option<String>,
    category: Option<String>,
}

/// The start page (search box and topics), search results, or a topic's points.
pub async fn page(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Query(query): Query<HelpQuery>,
) -> Result<Response, PageError> {
    let page = Page::anonymous(&state, &prefs);
    let now = now_ms();
    let q = query.q.unwrap_or_default();
    let q = q.trim();
    let category = query
        .category
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let found = if !q.is_empty() {
        state
            .kb
            .search(
                &state.store,
                &SearchRequest {
                    query: q,
                    limit: RESULTS,
                    category,
                    audience: Some(Audience::Public),
                    now_ms: now,
                },
            )
            .await
    } else if category.is_some() {
        state
            .kb
            .browse(&state.store, category, Some(Audience::Public), now, BROWSE)
            .await
    } else {
        Ok(Vec::new())
    };
    let topics = state
        .kb
        .top_categories(&state.store, Some(Audience::Public), now)
        .await;
    let (hits, topics) = match (found, topics) {
        (Ok(h), Ok(t)) => (h, t),
        (Err(e), _) | (_, Err(e)) => return Err(PageError::new(&page, ApiError::from(e), None)),
    };
    let topics = topics
        .into_iter()
        .map(|(name, count)| Topic {
            url: format!("/help?category={}", url_encode(&name)),
            name,
            count,
        })
        .collect();
    Ok(page.html(
        StatusCode::OK,
        &HelpTpl {
            t: page.t,
            chrome: &page.chrome,
            q,
            category,
            topics,
            hits,
            asked: !q.is_empty() || category.is_some(),
        },
    ))
}

/// One public point, as published today; anything else is "not found".
pub async fn article(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let page = Page::anonymous(&state, &prefs);
    let published = state
        .store
        .kb_published(&id)
        .await
        .or_page(&page, Some("/help"))?;
    let Some(a) = published.filter(|a| {
        let c = &a.version.content;
        c.audience == Audience::Public && is_valid_at(c.valid_from_ms, c.valid_until_ms, now_ms())
    }) else {
        let (status, title) = (StatusCode::NOT_FOUND, page.t.err_not_found_title);
        let back = Some("/help".into());
        return Err(PageError::message(
            &page,
            status,
            title,
            page.t.help_not_found,
            back,
        ));
    };
    let c = &a.version.content;
    Ok(page.html(
        StatusCode::OK,
        &ArticleTpl {
            t: page.t,
            chrome: &page.chrome,
            title: &c.title,
            category: c.category.as_str(),
            body_html: markdown::to_html(&c.body),
        },
    ))
}
