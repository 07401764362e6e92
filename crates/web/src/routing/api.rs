//! Routing over HTTP: the agent's own state, the PBX asking for an agent, transfers, CTI
//! intake, calls and the supervisor's live snapshot. The rules live in `bankdesk_desk::live`
//! and the domain; these handlers translate.

use crate::auth::{Api, Oversight, RoutingFeed, Service, Supervision, allowed};
use crate::contact::api::{ContactQuery, note_views};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;
use crate::view::{ContactView, contact_view, rfc3339};
use axum::extract::State;
use axum::http::StatusCode;
use bankdesk_desk::live::{Placement, TransferTarget, WorkRequest};
use bankdesk_domain::contact::ContactChannel;
use bankdesk_domain::cti::{CallStatus, parse_batch};
use bankdesk_domain::routing::{AgentState, Urgency};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StateBody {
    state: AgentState,
}

/// `PUT /agents/me/state`: the caller's presence; answers the state after routing ran
/// (an agent who becomes available may be handed work, and full, at once).
#[utoipa::path(
    put,
    path = "/agents/me/state",
    tag = "routing",
    responses(
        (status = 200, description = "The state after routing ran"),
        (status = 404, description = "`not_found`: the caller has no agent profile"),
    )
)]
pub async fn set_my_state(
    State(state): State<AppState>,
    who: Api<Service>,
    ApiJson(body): ApiJson<StateBody>,
) -> ApiResult<ApiJson<AgentStateView>> {
    state.live.set_state(&who.user.id, body.state).await?;
    let p = state
        .store
        .agent_presence(&who.user.id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(ApiJson(AgentStateView {
        state: p.state,
        chat_capacity: p.chat_capacity,
    }))
}

/// An agent's presence: `busy` is also set by the desk while the agent is full.
#[derive(Serialize, ToSchema)]
#[schema(as = AgentPresence)]
pub struct AgentStateView {
    #[schema(value_type = AgentState)]
    state: String,
    /// Chats the agent takes at once.
    chat_capacity: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutingBody {
    /// Give this or `call_id`.
    contact_id: Option<String>,
    /// A call whose events arrived, instead of `contact_id`.
    call_id: Option<String>,
    skill: String,
    #[serde(default)]
    urgency: Option<Urgency>,
}

#[derive(Serialize, ToSchema)]
pub struct Placed {
    contact_id: String,
    #[serde(flatten)]
    placement: Placement,
}

/// `POST /routing/requests`: an agent for a call (by `call_id`, once its events arrived)
/// or any open contact; answers the agent or the queue position (1 = next).
#[utoipa::path(
    post,
    path = "/routing/requests",
    tag = "routing",
    responses((status = 200, description = "Where the contact stands"))
)]
pub async fn request(
    State(state): State<AppState>,
    _who: Api<RoutingFeed>,
    ApiJson(body): ApiJson<RoutingBody>,
) -> ApiResult<ApiJson<Placed>> {
    let contact_id = match (body.call_id, body.contact_id) {
        (Some(call), None) => state.store.call(&call).await?.contact_id,
        (None, Some(c)) => c,
        _ => return Err(ApiError::field("contact_id", "give contact_id or call_id")),
    };
    let contact = state.store.contact(&contact_id).await?;
    let vip_tier = match &contact.customer_id {
        Some(c) => Some(state.store.customer_vip_tier(c).await?),
        None => None,
    };
    let placement = state
        .live
        .request(WorkRequest {
            contact_id: contact_id.clone(),
            channel: ContactChannel::parse(&contact.channel).unwrap_or(ContactChannel::Phone),
            skill: body.skill,
            customer_id: contact.customer_id,
            vip_tier,
            urgency: body.urgency.unwrap_or(Urgency::Normal),
        })
        .await?;
    Ok(ApiJson(Placed {
        contact_id,
        placement,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    /// Give this or `agent` (a username).
    queue: Option<String>,
    agent: Option<String>,
    note: Option<String>,
}

/// `POST /contacts/{id}/transfer`: by the contact's handler (or a supervisor), to a
/// queue or a named agent; the contact's notes go with it.
#[utoipa::path(
    post,
    path = "/contacts/{id}/transfer",
    tag = "routing",
    responses(
        (status = 200, description = "Where the contact stands"),
        (status = 403, description = "`forbidden`: neither the handler nor a supervisor or compliance officer"),
        (status = 422, description = "`rule_refused`: the agent is not available or has no capacity"),
    )
)]
pub async fn transfer(
    State(state): State<AppState>,
    who: Api<Service>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<TransferBody>,
) -> ApiResult<ApiJson<Placed>> {
    let contact = state.store.contact(&id).await?;
    if contact.handler_id.as_deref() != Some(who.user.id.as_str())
        && !allowed::<Oversight>(&who.user)
    {
        return Err(ApiError::forbidden(
            "only the contact's handler or a supervisor transfers it",
        ));
    }
    let to = match (body.queue, body.agent) {
        (Some(q), None) => TransferTarget::Queue(q),
        (None, Some(a)) => TransferTarget::Agent(a),
        _ => return Err(ApiError::field("queue", "give either queue or agent")),
    };
    let placement = state.live.transfer(&id, to, body.note.as_deref()).await?;
    Ok(ApiJson(Placed {
        contact_id: id,
        placement,
    }))
}

/// `POST /cti/events`: validated whole (a bad event refuses the delivery, naming
/// `events[i].field`), stored and committed before the 202. Idempotent on
/// `(call_id, seq)`; events may arrive in any order.
#[utoipa::path(
    post,
    path = "/cti/events",
    tag = "routing",
    request_body = crate::openapi::read_by_hand::CtiDelivery,
    responses((status = 202, description = "Stored"))
)]
pub async fn cti_events(
    State(state): State<AppState>,
    _who: Api<RoutingFeed>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<(StatusCode, ApiJson<CtiStored>)> {
    let events = parse_batch(&body).map_err(|(field, reason)| ApiError::field(&field, reason))?;
    let out = state.live.ingest_cti(&events).await?;
    Ok((
        StatusCode::ACCEPTED,
        ApiJson(CtiStored {
            accepted: out.accepted,
            duplicates: out.duplicates,
        }),
    ))
}

/// What became of a delivery of CTI events.
#[derive(Serialize, ToSchema)]
pub struct CtiStored {
    /// Events stored for the first time.
    accepted: u64,
    /// Events stored before (the same `call_id` and `seq`).
    duplicates: u64,
}

/// The contact a call became, with the call.
#[derive(Serialize, ToSchema)]
pub struct CallDetail {
    #[serde(flatten)]
    contact: ContactView,
    call: CallView,
}

/// A call after all its events so far; the caller's number masked.
#[derive(Serialize, ToSchema)]
#[schema(as = Call)]
pub struct CallView {
    call_id: String,
    #[schema(value_type = CallStatus)]
    status: String,
    ani: Option<String>,
    dnis: Option<String>,
    queue: Option<String>,
    /// The agent holding (or who last held) the call.
    agent: Option<String>,
    ivr_path: Option<String>,
    recording_ref: Option<String>,
    vip_tier: Option<String>,
    offered_at: String,
    answered_at: Option<String>,
    ended_at: Option<String>,
    /// Distinct events folded in.
    events: i64,
}

/// `GET /calls/{call_id}`: the contact the call became, with its call details. For the
/// telephony feed, supervisors and compliance, and the contact's handler. The contact's
/// notes and summary are the customer's data: shown to the handler while the work on the
/// contact lasts, and to anyone else only for a `purpose` covering its customer (through
/// the gate, audited as `customer.contact`); without one they are left out.
#[utoipa::path(
    get,
    path = "/calls/{call_id}",
    tag = "routing",
    params(ContactQuery),
    responses(
        (status = 200, description = "The contact with its call"),
        (status = 403, description = "`forbidden`: not the feed, a supervisor, compliance or the handler; `purpose_required`, `purpose_invalid`: a purpose given that does not cover the customer"),
    )
)]
pub async fn call(
    State(state): State<AppState>,
    who: Api,
    ApiPath(call_id): ApiPath<String>,
    ApiQuery(q): ApiQuery<ContactQuery>,
) -> ApiResult<ApiJson<CallDetail>> {
    let call = state.store.call(&call_id).await?;
    let contact = state.store.contact(&call.contact_id).await?;
    let me = who.user.id.as_str();
    let content = if q.purpose.is_some() || contact.may_do_after_call_work(me).is_ok() {
        Some(
            state
                .store
                .contact_content(&who.actor(), &contact.id, q.purpose.as_deref())
                .await?,
        )
    } else {
        None
    };
    if content.is_none()
        && !allowed::<RoutingFeed>(&who.user)
        && !allowed::<Oversight>(&who.user)
        && contact.handler_id.as_deref() != Some(me)
    {
        return Err(ApiError::forbidden(
            "only the telephony feed, supervisors and the handler read calls",
        ));
    }
    let contact = match content {
        Some(c) => contact_view(&c.contact, note_views(c.notes)),
        None => ContactView {
            summary: None,
            ..contact_view(&contact, Vec::new())
        },
    };
    Ok(ApiJson(CallDetail {
        contact,
        call: CallView {
            ani: call.ani.as_deref().map(bankdesk_domain::mask::phone),
            offered_at: rfc3339(call.offered_at_ms, None),
            answered_at: call.answered_at_ms.map(|t| rfc3339(t, None)),
            ended_at: call.ended_at_ms.map(|t| rfc3339(t, None)),
            call_id: call.call_id,
            status: call.status,
            dnis: call.dnis,
            queue: call.queue,
            agent: call.agent,
            ivr_path: call.ivr_path,
            recording_ref: call.recording_ref,
            vip_tier: call.vip_tier,
            events: call.events,
        },
    }))
}

/// `GET /live`: queues (waiting, longest wait) and agents (state, contacts held).
#[utoipa::path(get, path = "/live", tag = "routing")]
pub async fn live(
    State(state): State<AppState>,
    _who: Api<Supervision>,
) -> ApiResult<ApiJson<bankdesk_desk::live::LiveView>> {
    Ok(ApiJson(state.live.view().await?))
}
