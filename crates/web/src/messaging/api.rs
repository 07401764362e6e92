//! The API of replies, the inbox, the outbox and the customer timeline.

use crate::auth::{AnyStaff, Api, Messaging, Oversight, Service};
use crate::contact::api::ContactQuery;
use crate::envelope::List;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;
use crate::view::{ContactView, NoteView, contact_view, rfc3339};
use axum::extract::State;
use axum::http::StatusCode;
use bankdesk_desk::messaging::{MessageView, mask_address, message_views};
use bankdesk_desk::routing::taken;
use bankdesk_domain::case::CaseStatus;
use bankdesk_domain::contact::ContactChannel;
use bankdesk_domain::outbox::OutboxStatus;
use bankdesk_domain::wrapup::{Category, WrapUpTree};
use bankdesk_store::access::Read;
use bankdesk_store::messaging::{ContactMessages, OutboxRow, PageCursor, TimelineEntry};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A reply in the outbox. The recipient is masked: supervisors watch deliveries, they do
/// not need the customer's address.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = OutboxItem)]
pub struct OutboxView {
    pub id: String,
    pub contact_id: String,
    pub customer_id: Option<String>,
    #[schema(value_type = ContactChannel)]
    pub channel: String,
    pub recipient_masked: String,
    pub subject: String,
    pub author: String,
    #[schema(value_type = OutboxStatus)]
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

pub fn outbox_view(o: &OutboxRow) -> OutboxView {
    OutboxView {
        id: o.id.clone(),
        contact_id: o.contact_id.clone(),
        customer_id: o.customer_id.clone(),
        channel: o.channel.clone(),
        recipient_masked: mask_address(&o.recipient),
        subject: o.subject.clone(),
        author: o.author_name.clone(),
        status: o.status.clone(),
        attempts: o.attempts,
        next_attempt_at: (o.status == OutboxStatus::Pending.as_str())
            .then(|| rfc3339(o.next_attempt_ms, None)),
        last_error: o.last_error.clone(),
        created_at: rfc3339(o.created_at_ms, None),
        sent_at: o.sent_at_ms.map(|t| rfc3339(t, None)),
    }
}

/// The tree the wrap-up form offers and the wrap-up call checks against.
#[utoipa::path(get, path = "/wrap-up-categories", tag = "messaging")]
pub async fn wrap_up_categories(
    State(state): State<AppState>,
    _who: Api<AnyStaff>,
) -> ApiJson<List<Category>> {
    ApiJson(List {
        items: state.store.wrap_up.categories().to_vec(),
        next: None,
    })
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LinkedCaseView {
    pub id: String,
    #[serde(rename = "type")]
    pub case_type: String,
    #[schema(value_type = CaseStatus)]
    pub status: String,
    pub summary: String,
}

/// A contact on the timeline: the contact with its notes, the wrap-up category's label,
/// the cases it is linked to, and its messages.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TimelineItem {
    #[serde(flatten)]
    pub contact: ContactView,
    pub category_label: Option<String>,
    pub cases: Vec<LinkedCaseView>,
    pub messages: Vec<MessageView>,
}

pub fn timeline_item(e: &TimelineEntry, tree: &WrapUpTree, english: bool) -> TimelineItem {
    let notes = e
        .notes
        .iter()
        .map(|n| NoteView {
            author: n.author_name.clone(),
            at: rfc3339(n.at_ms, None),
            text: n.text.clone(),
        })
        .collect();
    TimelineItem {
        contact: contact_view(&e.contact, notes),
        category_label: e
            .contact
            .category
            .as_deref()
            .and_then(|c| tree.label(c, english)),
        cases: e
            .cases
            .iter()
            .map(|k| LinkedCaseView {
                id: k.id.clone(),
                case_type: k.case_type.clone(),
                status: k.status.clone(),
                summary: k.summary.clone(),
            })
            .collect(),
        messages: message_views(&e.messages),
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TimelineQuery {
    /// Why the caller reads the data: `contact:<id>`, `case:<id>` or `order:<id>`.
    purpose: Option<String>,
    /// The `next` of the previous page.
    cursor: Option<String>,
    /// Contacts per page (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// The language of `category_label` (Chinese by default).
    #[param(pattern = "^(zh|zh-CN|en)$")]
    lang: Option<String>,
}

fn page_params(cursor: Option<&str>, limit: Option<u32>) -> ApiResult<(Option<PageCursor>, u32)> {
    let cursor = cursor
        .map(|c| {
            PageCursor::decode(c)
                .ok_or_else(|| ApiError::field("cursor", "not a cursor of this list"))
        })
        .transpose()?;
    let limit = limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::field("limit", "between 1 and 100"));
    }
    Ok((cursor, limit))
}

/// Every contact of the customer on every channel, newest first, through the same purpose
/// gate (and audit record) as the 360 view.
#[utoipa::path(
    get,
    path = "/customers/{id}/timeline",
    tag = "customers",
    responses(
        (status = 200, description = "A page of the timeline"),
        (status = 403, description = "`purpose_required`, `purpose_invalid`"),
    )
)]
pub async fn timeline(
    State(state): State<AppState>,
    who: Api<AnyStaff>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<TimelineQuery>,
) -> ApiResult<ApiJson<List<TimelineItem>>> {
    let (cursor, limit) = page_params(q.cursor.as_deref(), q.limit)?;
    let english = match q.lang.as_deref() {
        None | Some("zh") | Some("zh-CN") => false,
        Some("en") => true,
        Some(_) => return Err(ApiError::field("lang", "zh or en")),
    };
    let grant = state
        .store
        .customer_access(
            &who.actor(),
            &id,
            q.purpose.as_deref(),
            Read::Timeline,
            serde_json::json!({"cursor": q.cursor}),
        )
        .await?;
    let mut entries = grant.timeline(cursor.as_ref(), limit + 1).await?;
    let next = (entries.len() > limit as usize).then(|| {
        entries.truncate(limit as usize);
        entries.last().map(|e| {
            PageCursor {
                at_ms: e.contact.opened_at_ms,
                id: e.contact.id.clone(),
            }
            .encode()
        })
    });
    Ok(ApiJson(List {
        items: entries
            .iter()
            .map(|e| timeline_item(e, &state.store.wrap_up, english))
            .collect(),
        next: next.flatten(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = MessageReplyRequest)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    text: String,
}

/// Queues a reply on the caller's email or WeChat contact; it leaves through the outbox.
#[utoipa::path(
    post,
    path = "/contacts/{id}/replies",
    tag = "messaging",
    responses(
        (status = 201, description = "The reply, `pending` until the outbox sends it"),
        (status = 403, description = "`forbidden`: the caller is not the contact's handler"),
        (status = 422, description = "`rule_refused`: not an open email or WeChat contact"),
    )
)]
pub async fn reply(
    State(state): State<AppState>,
    who: Api<Service>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ReplyRequest>,
) -> ApiResult<(StatusCode, ApiJson<MessageView>)> {
    let row = state
        .store
        .queue_reply(&who.actor(), &id, &req.text)
        .await?;
    let view = message_views(&ContactMessages {
        inbound: Vec::new(),
        outbound: vec![row],
    })
    .pop()
    .ok_or_else(|| ApiError::new(bankdesk_domain::ErrorCode::Internal, "reply not stored"))?;
    Ok((StatusCode::CREATED, ApiJson(view)))
}

/// The messages of a contact, both ways, with the delivery state of replies: for its
/// handler while the work on it lasts, otherwise for a purpose covering its customer
/// (audited), as `GET /contacts/{id}`.
#[utoipa::path(
    get,
    path = "/contacts/{id}/messages",
    tag = "messaging",
    params(ContactQuery),
    responses(
        (status = 200, description = "The messages, oldest first"),
        (status = 403, description = "`purpose_required`, `purpose_invalid`: not the working handler, and no purpose covering the contact's customer"),
    )
)]
pub async fn messages(
    State(state): State<AppState>,
    who: Api<AnyStaff>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<ContactQuery>,
) -> ApiResult<ApiJson<List<MessageView>>> {
    let c = state
        .store
        .contact_content(&who.actor(), &id, q.purpose.as_deref())
        .await?;
    Ok(ApiJson(List {
        items: message_views(&c.messages),
        next: None,
    }))
}

/// Takes an unassigned email or WeChat contact from the inbox.
#[utoipa::path(
    post,
    path = "/contacts/{id}/take",
    tag = "messaging",
    responses(
        (status = 200, description = "The contact, now the caller's"),
        (status = 403, description = "`forbidden`: the caller's roles do not answer messages (agents, senior agents and supervisors do)"),
        (status = 409, description = "`conflict`: someone has it"),
    )
)]
pub async fn take(
    State(state): State<AppState>,
    who: Api<Messaging>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<ContactView>> {
    let c = state.store.take_contact(&who.actor(), &id).await?;
    taken(&state.live, &c.id, &who.user.id).await;
    Ok(ApiJson(contact_view(&c, Vec::new())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachRequest {
    customer_id: String,
}

/// Names the customer of a contact from an unknown sender (found by the agent's search).
#[utoipa::path(
    post,
    path = "/contacts/{id}/customer",
    tag = "messaging",
    responses(
        (status = 200, description = "The contact"),
        (status = 403, description = "`forbidden`: the caller is not the contact's handler"),
    )
)]
pub async fn attach_customer(
    State(state): State<AppState>,
    who: Api<Service>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<AttachRequest>,
) -> ApiResult<ApiJson<ContactView>> {
    let c = state
        .store
        .attach_customer(&who.actor(), &id, &req.customer_id)
        .await?;
    Ok(ApiJson(contact_view(&c, Vec::new())))
}

/// Binds the contact's sender (openid or address) to its customer; identity verification
/// on the contact must have passed. A passed verification also binds by itself.
#[utoipa::path(
    post,
    path = "/contacts/{id}/sender-binding",
    tag = "messaging",
    responses(
        (status = 200, description = "The contact"),
        (status = 403, description = "`identity_not_verified`, or `forbidden` for others than the handler"),
    )
)]
pub async fn bind_sender(
    State(state): State<AppState>,
    who: Api<Service>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<ContactView>> {
    let c = state.store.bind_contact_sender(&who.actor(), &id).await?;
    Ok(ApiJson(contact_view(&c, Vec::new())))
}

/// An unassigned contact with the message that opened it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct InboxItem {
    #[serde(flatten)]
    pub contact: ContactView,
    pub first_message: Option<MessageView>,
}

/// Open email and WeChat contacts nobody has taken yet, oldest first, with their first
/// message: only for those who answer messages (agents, senior agents, supervisors).
#[utoipa::path(
    get,
    path = "/inbox",
    tag = "messaging",
    responses(
        (status = 200, description = "The waiting contacts"),
        (status = 403, description = "`forbidden`: the caller's roles do not answer messages"),
    )
)]
pub async fn inbox(
    State(state): State<AppState>,
    _who: Api<Messaging>,
) -> ApiResult<ApiJson<List<InboxItem>>> {
    let contacts = state.store.unassigned_messages(100).await?;
    let mut items = Vec::with_capacity(contacts.len());
    for (c, m) in contacts {
        items.push(InboxItem {
            contact: contact_view(&c, Vec::new()),
            first_message: message_views(&m).into_iter().next(),
        });
    }
    Ok(ApiJson(List { items, next: None }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    #[param(value_type = Option<OutboxStatus>, inline)]
    status: Option<String>,
    /// The `next` of the previous page.
    cursor: Option<String>,
    /// Replies per page (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// Replies by delivery state, newest first: `?status=failed` is the supervisor's list of
/// sends that gave up.
#[utoipa::path(get, path = "/outbox", tag = "messaging")]
pub async fn outbox(
    State(state): State<AppState>,
    _who: Api<Oversight>,
    ApiQuery(q): ApiQuery<OutboxQuery>,
) -> ApiResult<ApiJson<List<OutboxView>>> {
    let status = q
        .status
        .as_deref()
        .map(|s| {
            OutboxStatus::parse(s)
                .ok_or_else(|| ApiError::field("status", "pending, sent or failed"))
        })
        .transpose()?;
    let (cursor, limit) = page_params(q.cursor.as_deref(), q.limit)?;
    let mut rows = state
        .store
        .outbox_list(status, cursor.as_ref(), limit + 1)
        .await?;
    let next = (rows.len() > limit as usize).then(|| {
        rows.truncate(limit as usize);
        rows.last().map(|o| {
            PageCursor {
                at_ms: o.created_at_ms,
                id: o.id.clone(),
            }
            .encode()
        })
    });
    Ok(ApiJson(List {
        items: rows.iter().map(outbox_view).collect(),
        next: next.flatten(),
    }))
}

/// Sends a failed reply again from its first attempt.
#[utoipa::path(
    post,
    path = "/outbox/{id}/retry",
    tag = "messaging",
    responses(
        (status = 200, description = "The reply, pending again"),
        (status = 409, description = "`conflict`: the reply has not failed"),
    )
)]
pub async fn retry(
    State(state): State<AppState>,
    who: Api<Oversight>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<OutboxView>> {
    let row = state.store.retry_outbox(&who.actor(), &id).await?;
    Ok(ApiJson(outbox_view(&row)))
}
