//! Knowledge points: writing, review, history, search and the agent assist.

use crate::auth::{AnyStaff, Api, KnowledgeApprover, KnowledgeEditor, Service, allowed};
use crate::envelope::List;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;
use crate::view::rfc3339;
use axum::extract::State;
use axum::http::StatusCode;
use bankdesk_desk::time_param;
use bankdesk_domain::kb::{
    ArticleContent, ArticleStatus, Audience, CategoryNode, RawContent, VersionStatus,
    category_tree, is_valid_at, reason,
};
use bankdesk_domain::markdown;
use bankdesk_search::{Hit, SearchRequest};
use bankdesk_store::knowledge::{Article, ArticleSummary, Decision, VersionSummary};
use bankdesk_store::now_ms;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleRequest {
    title: String,
    /// A Markdown subset.
    body: String,
    /// A path such as `信用卡/还款`.
    category: String,
    #[serde(default)]
    tags: Vec<String>,
    audience: Audience,
    /// RFC 3339, or `YYYY-MM-DD` in the bank's time zone.
    valid_from: Option<String>,
    /// RFC 3339, or `YYYY-MM-DD` in the bank's time zone.
    valid_until: Option<String>,
    /// What the agent says (话术).
    script: Option<String>,
    /// The team answerable for the content; defaults to the author's department.
    owner: Option<String>,
    /// Why this version (shown in the history).
    #[serde(default)]
    reason: String,
    /// On edits: the version this edit started from; a newer one makes it a conflict.
    base_version: Option<i64>,
}

impl ArticleRequest {
    fn content(&self) -> ApiResult<ArticleContent> {
        ArticleContent::validate(&RawContent {
            title: &self.title,
            body: &self.body,
            category: &self.category,
            tags: &self.tags,
            audience: Some(self.audience),
            valid_from_ms: time_param("valid_from", self.valid_from.as_deref())?,
            valid_until_ms: time_param("valid_until", self.valid_until.as_deref())?,
            script: self.script.as_deref(),
        })
        .map_err(|e| ApiError::field(e.field, e.reason))
    }
}

#[derive(Serialize, ToSchema)]
#[schema(as = SavedVersion)]
pub struct Saved {
    id: String,
    version: i64,
    status: VersionStatus,
}

/// Writes a new point; its first version waits for review by someone else.
#[utoipa::path(
    post,
    path = "/kb/articles",
    tag = "kb",
    responses((status = 201, description = "The point and its version, `pending_approval`"))
)]
pub async fn create(
    State(state): State<AppState>,
    who: Api<KnowledgeEditor>,
    ApiJson(req): ApiJson<ArticleRequest>,
) -> ApiResult<(StatusCode, ApiJson<Saved>)> {
    let content = req.content()?;
    let why = reason("reason", &req.reason).map_err(|e| ApiError::field(e.field, e.reason))?;
    let owner = req
        .owner
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .or(who.user.department.as_deref())
        .unwrap_or(&who.user.username)
        .to_string();
    let (id, version) = state
        .store
        .kb_create(&who.user.username, &owner, &content, &why)
        .await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(Saved {
            id,
            version,
            status: VersionStatus::PendingApproval,
        }),
    ))
}

/// Writes a new version of a point; it waits for review by someone else.
#[utoipa::path(
    put,
    path = "/kb/articles/{id}",
    tag = "kb",
    responses(
        (status = 200, description = "The new version, `pending_approval`"),
        (status = 409, description = "`conflict`: `base_version` is not the latest"),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    who: Api<KnowledgeEditor>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ArticleRequest>,
) -> ApiResult<ApiJson<Saved>> {
    let content = req.content()?;
    let why = reason("reason", &req.reason).map_err(|e| ApiError::field(e.field, e.reason))?;
    let version = state
        .store
        .kb_edit(&who.user.username, &id, &content, &why, req.base_version)
        .await?;
    Ok(ApiJson(Saved {
        id,
        version,
        status: VersionStatus::PendingApproval,
    }))
}

/// A point as staff read it.
#[derive(Serialize, ToSchema)]
#[schema(as = Article)]
pub struct ArticleView {
    pub id: String,
    pub status: ArticleStatus,
    pub version: i64,
    pub version_status: VersionStatus,
    pub latest_version: i64,
    pub published_version: Option<i64>,
    pub title: String,
    /// Markdown subset as written.
    pub body: String,
    /// The body rendered to safe HTML.
    pub body_html: String,
    pub category: String,
    pub tags: Vec<String>,
    pub audience: Audience,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    /// True when the validity window holds now.
    pub valid_now: bool,
    pub script: Option<String>,
    pub owner: String,
    pub author: String,
    pub reason: String,
    pub updated_at: String,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
}

pub fn article_view(a: &Article) -> ArticleView {
    let c = &a.version.content;
    ArticleView {
        id: a.id.clone(),
        status: a.status,
        version: a.version.version,
        version_status: a.version.status,
        latest_version: a.latest_version,
        published_version: a.published_version,
        title: c.title.clone(),
        body: c.body.clone(),
        body_html: markdown::to_html(&c.body),
        category: c.category.as_str().to_string(),
        tags: c.tags.clone(),
        audience: c.audience,
        valid_from: c.valid_from_ms.map(|t| rfc3339(t, None)),
        valid_until: c.valid_until_ms.map(|t| rfc3339(t, None)),
        valid_now: is_valid_at(c.valid_from_ms, c.valid_until_ms, now_ms()),
        script: c.script.clone(),
        owner: a.owner.clone(),
        author: a.version.author.clone(),
        reason: a.version.reason.clone(),
        updated_at: rfc3339(a.updated_at_ms, None),
        reviewed_by: a.version.reviewed_by.clone(),
        reviewed_at: a.version.reviewed_at_ms.map(|t| rfc3339(t, None)),
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VersionQuery {
    /// An older version (editors); the latest by default.
    version: Option<i64>,
}

/// Editors read any version (the latest by default); everyone else reads the published
/// version while it is valid, like search shows it.
#[utoipa::path(get, path = "/kb/articles/{id}", tag = "kb")]
pub async fn get(
    State(state): State<AppState>,
    who: Api<AnyStaff>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> ApiResult<ApiJson<ArticleView>> {
    if allowed::<KnowledgeEditor>(&who.user) {
        let a = state.store.kb_article(&id, q.version).await?;
        return Ok(ApiJson(article_view(&a)));
    }
    let a = state
        .store
        .kb_published(&id)
        .await?
        .filter(|a| q.version.is_none_or(|v| v == a.version.version))
        .filter(|a| {
            let c = &a.version.content;
            is_valid_at(c.valid_from_ms, c.valid_until_ms, now_ms())
        })
        .ok_or_else(ApiError::not_found)?;
    Ok(ApiJson(article_view(&a)))
}

#[derive(Serialize, ToSchema)]
#[schema(as = ArticleVersion)]
pub struct VersionView {
    version: i64,
    status: VersionStatus,
    title: String,
    author: String,
    at: String,
    reason: String,
    reviewed_by: Option<String>,
    reviewed_at: Option<String>,
    review_note: Option<String>,
}

impl From<VersionSummary> for VersionView {
    fn from(v: VersionSummary) -> VersionView {
        VersionView {
            at: rfc3339(v.created_at_ms, None),
            reviewed_at: v.reviewed_at_ms.map(|t| rfc3339(t, None)),
            version: v.version,
            status: v.status,
            title: v.title,
            author: v.author,
            reason: v.reason,
            reviewed_by: v.reviewed_by,
            review_note: v.review_note,
        }
    }
}

/// Every version with who, when and why, newest first.
#[utoipa::path(get, path = "/kb/articles/{id}/versions", tag = "kb")]
pub async fn versions(
    State(state): State<AppState>,
    _who: Api<KnowledgeEditor>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<List<VersionView>>> {
    let items = state
        .store
        .kb_history(&id)
        .await?
        .into_iter()
        .map(VersionView::from)
        .collect();
    Ok(ApiJson(List { items, next: None }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[param(inline)]
    status: Option<ArticleStatus>,
    /// Only points whose latest version waits for approval (the review queue).
    #[serde(default)]
    pending: bool,
    /// Points per page (default 50; at most 200).
    #[param(minimum = 1)]
    limit: Option<u32>,
    /// Cursor: the `next` of the previous page.
    before: Option<i64>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = ArticleSummary)]
pub struct SummaryView {
    id: String,
    status: ArticleStatus,
    title: String,
    category: String,
    audience: Audience,
    latest_version: i64,
    latest_status: VersionStatus,
    published_version: Option<i64>,
    author: String,
    updated_at: String,
}

impl From<&ArticleSummary> for SummaryView {
    fn from(a: &ArticleSummary) -> SummaryView {
        SummaryView {
            id: a.id.clone(),
            status: a.status,
            title: a.title.clone(),
            category: a.category.clone(),
            audience: a.audience,
            latest_version: a.latest_version,
            latest_status: a.latest_status,
            published_version: a.published_version,
            author: a.author.clone(),
            updated_at: rfc3339(a.updated_at_ms, None),
        }
    }
}

/// Points for the editors, most recently changed first.
#[utoipa::path(get, path = "/kb/articles", tag = "kb")]
pub async fn list(
    State(state): State<AppState>,
    _who: Api<KnowledgeEditor>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<ApiJson<List<SummaryView>>> {
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let rows = state
        .store
        .kb_list(q.status, q.pending, limit, q.before)
        .await?;
    let next = (rows.len() == limit as usize)
        .then(|| rows.last().map(|r| r.updated_at_ms.to_string()))
        .flatten();
    Ok(ApiJson(List {
        items: rows.iter().map(SummaryView::from).collect(),
        next,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// The version reviewed: the latest.
    version: i64,
    #[serde(default)]
    note: String,
}

async fn review(
    state: &AppState,
    who: &Api<KnowledgeApprover>,
    id: &str,
    req: &ReviewRequest,
    decision: Decision,
) -> ApiResult<ApiJson<ArticleView>> {
    let note = reason("note", &req.note).map_err(|e| ApiError::field(e.field, e.reason))?;
    let a = state
        .store
        .kb_review(&who.user.username, id, req.version, decision, &note)
        .await?;
    state.kb.catch_up(&state.store).await?;
    Ok(ApiJson(article_view(&a)))
}

/// Approves the latest version, which publishes it; searchable when this returns.
#[utoipa::path(
    post,
    path = "/kb/articles/{id}/approve",
    tag = "kb",
    responses(
        (status = 200, description = "The point, published"),
        (status = 403, description = "`same_person`: the version's author"),
        (status = 409, description = "`conflict`: not the latest version, or not pending"),
    )
)]
pub async fn approve(
    State(state): State<AppState>,
    who: Api<KnowledgeApprover>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ReviewRequest>,
) -> ApiResult<ApiJson<ArticleView>> {
    review(&state, &who, &id, &req, Decision::Approve).await
}

/// Rejects the latest version, with a note saying why.
#[utoipa::path(
    post,
    path = "/kb/articles/{id}/reject",
    tag = "kb",
    responses(
        (status = 200, description = "The point"),
        (status = 403, description = "`same_person`: the version's author"),
        (status = 409, description = "`conflict`: not the latest version, or not pending"),
    )
)]
pub async fn reject(
    State(state): State<AppState>,
    who: Api<KnowledgeApprover>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ReviewRequest>,
) -> ApiResult<ApiJson<ArticleView>> {
    if req.note.trim().is_empty() {
        return Err(ApiError::field("note", "say why the version is rejected"));
    }
    review(&state, &who, &id, &req, Decision::Reject).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetireRequest {
    reason: String,
}

/// Takes a point out of search and the help center; gone from search when this returns.
#[utoipa::path(post, path = "/kb/articles/{id}/retire", tag = "kb")]
pub async fn retire(
    State(state): State<AppState>,
    who: Api<KnowledgeApprover>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<RetireRequest>,
) -> ApiResult<ApiJson<ArticleView>> {
    let why = reason("reason", &req.reason).map_err(|e| ApiError::field(e.field, e.reason))?;
    if why.is_empty() {
        return Err(ApiError::field("reason", "say why the point is retired"));
    }
    state.store.kb_retire(&who.user.username, &id, &why).await?;
    state.kb.catch_up(&state.store).await?;
    let a = state.store.kb_article(&id, None).await?;
    Ok(ApiJson(article_view(&a)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// The words (Chinese is segmented).
    q: Option<String>,
    /// Results (default 10; at most 50).
    #[param(minimum = 1)]
    limit: Option<usize>,
    /// A category subtree such as `信用卡`.
    category: Option<String>,
    #[param(inline)]
    audience: Option<Audience>,
}

/// One search result.
#[derive(Serialize, ToSchema)]
#[schema(as = KnowledgeHit)]
pub struct HitView {
    pub id: String,
    pub title: String,
    /// Safe HTML: escaped text, matches in `<mark>`.
    pub snippet: String,
    pub score: f32,
    pub category: String,
    pub audience: Audience,
    pub tags: Vec<String>,
    /// The agent's script (话术), in the agent assist only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
}

impl HitView {
    pub fn from_hit(h: Hit, with_script: bool) -> HitView {
        HitView {
            id: h.id,
            title: h.title,
            snippet: h.snippet,
            score: h.score,
            category: h.category,
            audience: h.audience,
            tags: h.tags,
            script: if with_script { h.script } else { None },
        }
    }
}

/// Searches published, valid points, best first.
#[utoipa::path(get, path = "/kb/search", tag = "kb")]
pub async fn search(
    State(state): State<AppState>,
    _who: Api<AnyStaff>,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<ApiJson<List<HitView>>> {
    let text = q.q.unwrap_or_default();
    let hits = state
        .kb
        .search(
            &state.store,
            &SearchRequest {
                query: &text,
                limit: q.limit.unwrap_or(10).clamp(1, 50),
                category: q.category.as_deref(),
                audience: q.audience,
                now_ms: now_ms(),
            },
        )
        .await?;
    Ok(ApiJson(List {
        items: hits
            .into_iter()
            .map(|h| HitView::from_hit(h, false))
            .collect(),
        next: None,
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SuggestQuery {
    /// The customer's message.
    text: Option<String>,
}

/// The agent assist: the three best points for a customer's message, with their scripts.
#[utoipa::path(get, path = "/kb/suggest", tag = "kb")]
pub async fn suggest(
    State(state): State<AppState>,
    _who: Api<Service>,
    ApiQuery(q): ApiQuery<SuggestQuery>,
) -> ApiResult<ApiJson<List<HitView>>> {
    let text = q.text.unwrap_or_default();
    let hits = state.kb.suggest(&state.store, &text, now_ms()).await?;
    Ok(ApiJson(List {
        items: hits
            .into_iter()
            .map(|h| HitView::from_hit(h, true))
            .collect(),
        next: None,
    }))
}

/// The category tree of published points with counts.
#[utoipa::path(get, path = "/kb/categories", tag = "kb")]
pub async fn categories(
    State(state): State<AppState>,
    _who: Api<AnyStaff>,
) -> ApiResult<ApiJson<List<CategoryNode>>> {
    let cats = state.store.kb_categories().await?;
    Ok(ApiJson(List {
        items: category_tree(&cats),
        next: None,
    }))
}
