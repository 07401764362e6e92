//! Crises, the crisis board, public-opinion signals (webhook and JSON-lines import) and
//! the bank's watch words.

use crate::auth::{Api, CrisisDesk, Oversight};
use crate::envelope::List;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;
use crate::view::rfc3339;
use axum::extract::State;
use axum::http::StatusCode;
use bankdesk_domain::Actor;
use bankdesk_domain::ErrorCode;
use bankdesk_domain::crisis::{
    CrisisStatus, ReportTo, Severity, SignalInput, SignalStatus, parse_jsonl,
};
use bankdesk_store::crises::{
    CrisisDetail, CrisisEntry, CrisisEventRow, CrisisRow, CrisisUpdate, IngestReport, NewCrisis,
    Rejected, SignalRow,
};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use utoipa::openapi::schema::{ArrayBuilder, OneOfBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{IntoParams, PartialSchema, ToSchema};

#[derive(Serialize, ToSchema)]
#[schema(as = Crisis)]
pub struct CrisisJson {
    id: String,
    title: String,
    #[schema(value_type = Severity)]
    severity: String,
    #[schema(value_type = CrisisStatus)]
    status: String,
    owner: String,
    case_id: Option<String>,
    customer_id: Option<String>,
    opened_by: String,
    opened_at: String,
    closed_at: Option<String>,
    version: i64,
}

fn crisis_json(c: CrisisRow) -> CrisisJson {
    CrisisJson {
        opened_at: rfc3339(c.opened_at_ms, None),
        closed_at: c.closed_at_ms.map(|t| rfc3339(t, None)),
        id: c.id,
        title: c.title,
        severity: c.severity,
        status: c.status,
        owner: c.owner,
        case_id: c.case_id,
        customer_id: c.customer_id,
        opened_by: c.opened_by,
        version: c.version,
    }
}

#[derive(Serialize, ToSchema)]
#[schema(as = CrisisEvent)]
pub struct EventJson {
    at: String,
    actor: Option<String>,
    /// What happened: the opening, an action, a report, a change of status, severity or
    /// owner, a signal linked.
    #[schema(pattern = "^(opened|action|report|status|severity|owner|signal)$")]
    kind: String,
    text: String,
    #[schema(value_type = Option<ReportTo>)]
    reported_to: Option<String>,
    signal_id: Option<String>,
}

fn event_json(e: CrisisEventRow) -> EventJson {
    EventJson {
        at: rfc3339(e.at_ms, None),
        actor: e.actor,
        kind: e.kind,
        text: e.text,
        reported_to: e.reported_to,
        signal_id: e.signal_id,
    }
}

#[derive(Serialize, ToSchema)]
#[schema(as = Signal)]
pub struct SignalJson {
    id: String,
    source: String,
    author: String,
    text: String,
    url: Option<String>,
    time: String,
    reach: i64,
    received_at: String,
    /// The lexicon's score: above zero is negative.
    negativity: i64,
    negative: bool,
    watch_words: Vec<String>,
    customer_id: Option<String>,
    case_id: Option<String>,
    crisis_id: Option<String>,
    #[schema(value_type = SignalStatus)]
    status: String,
}

fn signal_json(s: SignalRow) -> SignalJson {
    SignalJson {
        time: rfc3339(s.posted_at_ms, None),
        received_at: rfc3339(s.received_at_ms, None),
        watch_words: s
            .matched_words
            .split(',')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect(),
        id: s.id,
        source: s.source,
        author: s.author,
        text: s.text,
        url: s.url,
        reach: s.reach,
        negativity: s.negativity,
        negative: s.negative,
        customer_id: s.customer_id,
        case_id: s.case_id,
        crisis_id: s.crisis_id,
        status: s.status,
    }
}

#[derive(Serialize, ToSchema)]
#[schema(as = CrisisDetail)]
pub struct CrisisDetailJson {
    #[serde(flatten)]
    crisis: CrisisJson,
    timeline: Vec<EventJson>,
    signals: Vec<SignalJson>,
}

fn detail_json(d: CrisisDetail) -> CrisisDetailJson {
    CrisisDetailJson {
        crisis: crisis_json(d.crisis),
        timeline: d.timeline.into_iter().map(event_json).collect(),
        signals: d.signals.into_iter().map(signal_json).collect(),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RaiseRequest {
    title: String,
    /// Defaults to what the signal suggests, else medium.
    severity: Option<Severity>,
    case_id: Option<String>,
    signal_id: Option<String>,
    /// Username of the owner; the caller by default.
    owner: Option<String>,
    #[serde(default)]
    note: String,
}

/// Raises a complaint, a case or a signal to a crisis.
#[utoipa::path(
    post,
    path = "/crises",
    tag = "crises",
    responses((status = 201, description = "The crisis"))
)]
pub async fn raise(
    State(state): State<AppState>,
    who: Api<Oversight>,
    ApiJson(req): ApiJson<RaiseRequest>,
) -> ApiResult<(StatusCode, ApiJson<CrisisJson>)> {
    let c = state
        .store
        .raise_crisis(
            &Actor::from(&who.user),
            &NewCrisis {
                title: req.title,
                severity: req.severity,
                case_id: req.case_id,
                signal_id: req.signal_id,
                owner: req.owner,
                note: req.note,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, ApiJson(crisis_json(c))))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CrisisQuery {
    #[param(inline)]
    status: Option<CrisisStatus>,
}

/// Crises, most severe first.
#[utoipa::path(get, path = "/crises", tag = "crises")]
pub async fn list(
    State(state): State<AppState>,
    _who: Api<Oversight>,
    ApiQuery(q): ApiQuery<CrisisQuery>,
) -> ApiResult<ApiJson<List<CrisisJson>>> {
    Ok(ApiJson(List {
        items: state
            .store
            .crises(q.status)
            .await?
            .into_iter()
            .map(crisis_json)
            .collect(),
        next: None,
    }))
}

/// A crisis with its timeline and its signals.
#[utoipa::path(get, path = "/crises/{id}", tag = "crises")]
pub async fn get(
    State(state): State<AppState>,
    _who: Api<Oversight>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<CrisisDetailJson>> {
    Ok(ApiJson(detail_json(state.store.crisis_detail(&id).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    text: String,
}

/// Records an action taken on a crisis.
#[utoipa::path(
    post,
    path = "/crises/{id}/actions",
    tag = "crises",
    responses((status = 201, description = "The timeline entry"))
)]
pub async fn add_action(
    State(state): State<AppState>,
    who: Api<Oversight>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ActionRequest>,
) -> ApiResult<(StatusCode, ApiJson<EventJson>)> {
    let e = state
        .store
        .add_crisis_entry(&Actor::from(&who.user), &id, CrisisEntry::Action, &req.text)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(event_json(e))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    to: ReportTo,
    text: String,
}

/// A report upward (superior branch, head office) or to the authorities.
#[utoipa::path(
    post,
    path = "/crises/{id}/reports",
    tag = "crises",
    responses((status = 201, description = "The timeline entry"))
)]
pub async fn add_report(
    State(state): State<AppState>,
    who: Api<Oversight>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ReportRequest>,
) -> ApiResult<(StatusCode, ApiJson<EventJson>)> {
    let e = state
        .store
        .add_crisis_entry(
            &Actor::from(&who.user),
            &id,
            CrisisEntry::Report(req.to),
            &req.text,
        )
        .await?;
    Ok((StatusCode::CREATED, ApiJson(event_json(e))))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = CrisisChange)]
#[serde(deny_unknown_fields)]
pub struct UpdateRequest {
    severity: Option<Severity>,
    status: Option<CrisisStatus>,
    owner: Option<String>,
    #[serde(default)]
    note: String,
    version: Option<i64>,
}

/// Changes a crisis's severity, status or owner.
#[utoipa::path(
    put,
    path = "/crises/{id}",
    tag = "crises",
    responses(
        (status = 200, description = "The crisis"),
        (status = 409, description = "`conflict`: `version` is stale"),
        (status = 422, description = "`illegal_transition`"),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    who: Api<Oversight>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<UpdateRequest>,
) -> ApiResult<ApiJson<CrisisJson>> {
    let c = state
        .store
        .update_crisis(
            &Actor::from(&who.user),
            &id,
            &CrisisUpdate {
                severity: req.severity,
                status: req.status,
                owner: req.owner,
                note: req.note,
            },
            req.version,
        )
        .await?;
    Ok(ApiJson(crisis_json(c)))
}

#[derive(Serialize, ToSchema)]
#[schema(as = CrisisBoard)]
pub struct BoardJson {
    crises: Vec<CrisisJson>,
    signals: Vec<SignalJson>,
}

/// The crisis board: live crises, most severe first, and negative posts waiting.
#[utoipa::path(get, path = "/crisis-board", tag = "crises")]
pub async fn board(
    State(state): State<AppState>,
    _who: Api<Oversight>,
) -> ApiResult<ApiJson<BoardJson>> {
    let b = state.store.crisis_board().await?;
    Ok(ApiJson(BoardJson {
        crises: b.crises.into_iter().map(crisis_json).collect(),
        signals: b.signals.into_iter().map(signal_json).collect(),
    }))
}

/// What became of a delivery of signals; a bad post is rejected alone, naming its line.
#[derive(Serialize, ToSchema)]
#[schema(as = SignalIngest)]
pub struct IngestView {
    accepted: u32,
    duplicates: u32,
    on_board: u32,
    linked: u32,
    rejected: Vec<RejectedView>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = RejectedSignal)]
pub struct RejectedView {
    /// The post's position in the delivery, from 1.
    line: usize,
    reason: String,
}

impl From<IngestReport> for IngestView {
    fn from(r: IngestReport) -> IngestView {
        IngestView {
            accepted: r.accepted,
            duplicates: r.duplicates,
            on_board: r.on_board,
            linked: r.linked,
            rejected: r
                .rejected
                .into_iter()
                .map(|x: Rejected| RejectedView {
                    line: x.line,
                    reason: x.reason,
                })
                .collect(),
        }
    }
}

/// A delivery of the monitoring feed: an array of at most 1,000 posts, or one post. The
/// posts are read as JSON and checked one by one, so that a bad one is rejected alone.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum Delivery {
    Many(Vec<serde_json::Value>),
    One(serde_json::Value),
}

impl utoipa::PartialSchema for Delivery {
    fn schema() -> RefOr<Schema> {
        let post = || Ref::from_schema_name(SignalInput::name());
        OneOfBuilder::new()
            .item(ArrayBuilder::new().items(post()).max_items(Some(1_000)))
            .item(post())
            .into()
    }
}

impl ToSchema for Delivery {
    fn name() -> Cow<'static, str> {
        "SignalDelivery".into()
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((SignalInput::name().into_owned(), SignalInput::schema()));
    }
}

/// The monitoring feed's webhook: one post as a JSON object, or an array of them.
#[utoipa::path(
    post,
    path = "/signals",
    tag = "crises",
    responses((status = 202, description = "What became of the posts"))
)]
pub async fn webhook(
    State(state): State<AppState>,
    who: Api<CrisisDesk>,
    ApiJson(body): ApiJson<Delivery>,
) -> ApiResult<(StatusCode, ApiJson<IngestView>)> {
    let items = match body {
        Delivery::Many(items) => items,
        Delivery::One(one) => vec![one],
    };
    if items.len() > 1_000 {
        return Err(ApiError::field("signals", "at most 1,000 per delivery"));
    }
    let parsed = items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let s = serde_json::from_value::<SignalInput>(v)
                .map_err(|e| bankdesk_domain::error::FieldError::new("signal", e.to_string()))
                .and_then(SignalInput::check);
            (i + 1, s)
        })
        .collect();
    let report = state.store.ingest_signals(&who.actor(), parsed).await?;
    Ok((StatusCode::ACCEPTED, ApiJson(report.into())))
}

/// A JSON-lines file from a monitoring vendor (one post per line), as the request body.
#[utoipa::path(
    post,
    path = "/signals/import",
    tag = "crises",
    request_body(
        content = SignalInput,
        content_type = "application/jsonl",
        description = "One post per line (UTF-8)"
    ),
    responses(
        (status = 202, description = "What became of the lines"),
        (status = 400, description = "`invalid_json`: not UTF-8"),
    )
)]
pub async fn import(
    State(state): State<AppState>,
    who: Api<CrisisDesk>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, ApiJson<IngestView>)> {
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::new(ErrorCode::InvalidJson, "the feed is not UTF-8"))?;
    let report = state
        .store
        .ingest_signals(&who.actor(), parse_jsonl(text))
        .await?;
    Ok((StatusCode::ACCEPTED, ApiJson(report.into())))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SignalQuery {
    #[param(inline)]
    status: Option<SignalStatus>,
    /// At most this many (default 100).
    limit: Option<u32>,
}

/// Public-opinion signals, newest first.
#[utoipa::path(get, path = "/signals", tag = "crises")]
pub async fn signals(
    State(state): State<AppState>,
    _who: Api<CrisisDesk>,
    ApiQuery(q): ApiQuery<SignalQuery>,
) -> ApiResult<ApiJson<List<SignalJson>>> {
    Ok(ApiJson(List {
        items: state
            .store
            .signals(q.status, q.limit.unwrap_or(100))
            .await?
            .into_iter()
            .map(signal_json)
            .collect(),
        next: None,
    }))
}

/// Takes a signal off the board: not about us, or nothing to do.
#[utoipa::path(post, path = "/signals/{id}/dismiss", tag = "crises")]
pub async fn dismiss_signal(
    State(state): State<AppState>,
    who: Api<Oversight>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<SignalJson>> {
    Ok(ApiJson(signal_json(
        state.store.dismiss_signal(&who.actor(), &id).await?,
    )))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = SignalLinkRequest)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    crisis_id: String,
}

/// Links a signal to a crisis.
#[utoipa::path(post, path = "/signals/{id}/link", tag = "crises")]
pub async fn link_signal(
    State(state): State<AppState>,
    who: Api<Oversight>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<LinkRequest>,
) -> ApiResult<ApiJson<SignalJson>> {
    Ok(ApiJson(signal_json(
        state
            .store
            .link_signal(&Actor::from(&who.user), &id, &req.crisis_id)
            .await?,
    )))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchWords {
    words: Vec<String>,
}

/// The words that put a post on the board (the bank's names, products, people).
#[utoipa::path(get, path = "/watch-words", tag = "crises")]
pub async fn watch_words(
    State(state): State<AppState>,
    _who: Api<CrisisDesk>,
) -> ApiResult<ApiJson<WatchWords>> {
    Ok(ApiJson(WatchWords {
        words: state.store.watch_words().await?,
    }))
}

/// Replaces the watch words.
#[utoipa::path(put, path = "/watch-words", tag = "crises")]
pub async fn set_watch_words(
    State(state): State<AppState>,
    who: Api<CrisisDesk>,
    ApiJson(req): ApiJson<WatchWords>,
) -> ApiResult<ApiJson<WatchWords>> {
    Ok(ApiJson(WatchWords {
        words: state
            .store
            .set_watch_words(&who.actor(), &req.words)
            .await?,
    }))
}
