//! Crises, the crisis board, public-opinion signals (webhook and JSON-lines import) and
//! the bank's watch words.

use super::List;
use crate::AppState;
use crate::auth::{Api, CrisisDesk, Oversight};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::view::rfc3339;
use axum::extract::State;
use axum::http::StatusCode;
use bankdesk_domain::ErrorCode;
use bankdesk_domain::crisis::{
    CrisisStatus, ReportTo, Severity, SignalInput, SignalStatus, parse_jsonl,
};
use bankdesk_store::cases::Staff;
use bankdesk_store::crises::{
    CrisisDetail, CrisisEntry, CrisisEventRow, CrisisRow, CrisisUpdate, IngestReport, NewCrisis,
    SignalRow,
};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
pub struct CrisisJson {
    id: String,
    title: String,
    severity: String,
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

#[derive(Serialize)]
pub struct EventJson {
    at: String,
    actor: Option<String>,
    kind: String,
    text: String,
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

#[derive(Serialize)]
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

#[derive(Serialize)]
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

#[derive(Deserialize)]
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
pub async fn raise(
    State(state): State<AppState>,
    who: Api<Oversight>,
    ApiJson(req): ApiJson<RaiseRequest>,
) -> ApiResult<(StatusCode, ApiJson<CrisisJson>)> {
    let c = state
        .store
        .raise_crisis(
            &Staff::from(&who.user),
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrisisQuery {
    status: Option<CrisisStatus>,
}

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

pub async fn get(
    State(state): State<AppState>,
    _who: Api<Oversight>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<CrisisDetailJson>> {
    Ok(ApiJson(detail_json(state.store.crisis_detail(&id).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    text: String,
}

pub async fn add_action(
    State(state): State<AppState>,
    who: Api<Oversight>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ActionRequest>,
) -> ApiResult<(StatusCode, ApiJson<EventJson>)> {
    let e = state
        .store
        .add_crisis_entry(&Staff::from(&who.user), &id, CrisisEntry::Action, &req.text)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(event_json(e))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    to: ReportTo,
    text: String,
}

/// A report upward (superior branch, head office) or to the authorities.
pub async fn add_report(
    State(state): State<AppState>,
    who: Api<Oversight>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ReportRequest>,
) -> ApiResult<(StatusCode, ApiJson<EventJson>)> {
    let e = state
        .store
        .add_crisis_entry(
            &Staff::from(&who.user),
            &id,
            CrisisEntry::Report(req.to),
            &req.text,
        )
        .await?;
    Ok((StatusCode::CREATED, ApiJson(event_json(e))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateRequest {
    severity: Option<Severity>,
    status: Option<CrisisStatus>,
    owner: Option<String>,
    #[serde(default)]
    note: String,
    version: Option<i64>,
}

pub async fn update(
    State(state): State<AppState>,
    who: Api<Oversight>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<UpdateRequest>,
) -> ApiResult<ApiJson<CrisisJson>> {
    let c = state
        .store
        .update_crisis(
            &Staff::from(&who.user),
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

#[derive(Serialize)]
pub struct BoardJson {
    crises: Vec<CrisisJson>,
    signals: Vec<SignalJson>,
}

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

/// The monitoring feed's webhook: one post as a JSON object, or an array of them.
pub async fn webhook(
    State(state): State<AppState>,
    who: Api<CrisisDesk>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<(StatusCode, ApiJson<IngestReport>)> {
    let items = match body {
        serde_json::Value::Array(items) => items,
        one => vec![one],
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
    Ok((StatusCode::ACCEPTED, ApiJson(report)))
}

/// A JSON-lines file from a monitoring vendor (one post per line), as the request body.
pub async fn import(
    State(state): State<AppState>,
    who: Api<CrisisDesk>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, ApiJson<IngestReport>)> {
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::new(ErrorCode::InvalidJson, "the feed is not UTF-8"))?;
    let report = state
        .store
        .ingest_signals(&who.actor(), parse_jsonl(text))
        .await?;
    Ok((StatusCode::ACCEPTED, ApiJson(report)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalQuery {
    status: Option<SignalStatus>,
    limit: Option<u32>,
}

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

pub async fn dismiss_signal(
    State(state): State<AppState>,
    who: Api<Oversight>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<SignalJson>> {
    Ok(ApiJson(signal_json(
        state.store.dismiss_signal(&who.actor(), &id).await?,
    )))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    crisis_id: String,
}

pub async fn link_signal(
    State(state): State<AppState>,
    who: Api<Oversight>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<LinkRequest>,
) -> ApiResult<ApiJson<SignalJson>> {
    Ok(ApiJson(signal_json(
        state
            .store
            .link_signal(&Staff::from(&who.user), &id, &req.crisis_id)
            .await?,
    )))
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WatchWords {
    words: Vec<String>,
}

pub async fn watch_words(
    State(state): State<AppState>,
    _who: Api<CrisisDesk>,
) -> ApiResult<ApiJson<WatchWords>> {
    Ok(ApiJson(WatchWords {
        words: state.store.watch_words().await?,
    }))
}

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
