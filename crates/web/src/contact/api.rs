use crate::auth::{AnyStaff, Api, Service};
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;
use crate::view::{ContactView, NoteView, contact_view, rfc3339};
use axum::extract::State;
use axum::http::StatusCode;
use bankdesk_desk::routing::finish_routing;
use bankdesk_store::contacts::{
    ContactChannel, Direction, NoteRow, VerificationMethod, VerificationResult,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenContact {
    channel: ContactChannel,
    customer_id: Option<String>,
    /// `inbound` by default.
    #[serde(default = "inbound")]
    direction: Direction,
}

fn inbound() -> Direction {
    Direction::Inbound
}

/// Opens a contact with a customer (or with nobody known yet); its handler is the caller,
/// which makes it their purpose for the customer's data.
#[utoipa::path(
    post,
    path = "/contacts",
    tag = "contacts",
    responses((status = 201, description = "The new contact"))
)]
pub async fn open(
    State(state): State<AppState>,
    who: Api<Service>,
    ApiJson(req): ApiJson<OpenContact>,
) -> ApiResult<(StatusCode, ApiJson<ContactView>)> {
    let c = state
        .store
        .open_contact(
            &who.actor(),
            req.channel,
            req.direction,
            req.customer_id.as_deref(),
        )
        .await?;
    Ok((StatusCode::CREATED, ApiJson(contact_view(&c, Vec::new()))))
}

/// A contact with its email or WeChat messages, each reply with its delivery state.
#[derive(serde::Serialize, ToSchema)]
pub struct ContactDetail {
    #[serde(flatten)]
    contact: ContactView,
    messages: Vec<bankdesk_desk::messaging::MessageView>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ContactQuery {
    /// Why a caller other than the working handler reads the contact: `contact:<id>`,
    /// `case:<id>` or `order:<id>`, covering the contact's customer.
    pub(crate) purpose: Option<String>,
}

/// A contact with its notes and messages. Its handler reads it while it is open and
/// through its after-call work; anyone else, and the handler once it is wrapped up, needs
/// a purpose for its customer and the read is audited (`customer.contact`), as on the
/// customer's timeline.
#[utoipa::path(
    get,
    path = "/contacts/{id}",
    tag = "contacts",
    params(ContactQuery),
    responses(
        (status = 200, description = "The contact"),
        (status = 403, description = "`purpose_required`, `purpose_invalid`: not the working handler, and no purpose covering the contact's customer"),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    who: Api<AnyStaff>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<ContactQuery>,
) -> ApiResult<ApiJson<ContactDetail>> {
    let c = state
        .store
        .contact_content(&who.actor(), &id, q.purpose.as_deref())
        .await?;
    Ok(ApiJson(ContactDetail {
        contact: contact_view(&c.contact, note_views(c.notes)),
        messages: bankdesk_desk::messaging::message_views(&c.messages),
    }))
}

/// Notes as the API shows them.
pub(crate) fn note_views(notes: Vec<NoteRow>) -> Vec<NoteView> {
    notes
        .into_iter()
        .map(|n| NoteView {
            author: n.author_name,
            at: rfc3339(n.at_ms, None),
            text: n.text,
        })
        .collect()
}

#[derive(Deserialize, ToSchema)]
#[schema(as = ContactNoteRequest)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    text: String,
}

/// Adds a note the next agent sees.
#[utoipa::path(
    post,
    path = "/contacts/{id}/notes",
    tag = "contacts",
    responses((status = 201, description = "The note"))
)]
pub async fn add_note(
    State(state): State<AppState>,
    who: Api<Service>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<NoteRequest>,
) -> ApiResult<(StatusCode, ApiJson<NoteView>)> {
    let n = state
        .store
        .add_contact_note(&who.actor(), &id, &req.text)
        .await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(NoteView {
            author: n.author_name,
            at: rfc3339(n.at_ms, None),
            text: n.text,
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WrapUp {
    /// A code of the wrap-up tree (`GET /wrap-up-categories`), a category or a
    /// sub-category such as `credit_card.lost`.
    category: String,
    resolved: bool,
    #[serde(default)]
    summary: String,
}

/// Closes a contact with its category and outcome, and frees the agent's capacity.
#[utoipa::path(
    post,
    path = "/contacts/{id}/wrap-up",
    tag = "contacts",
    responses(
        (status = 200, description = "The closed contact"),
        (status = 403, description = "`forbidden`: the caller is not the contact's handler"),
    )
)]
pub async fn wrap_up(
    State(state): State<AppState>,
    who: Api<Service>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<WrapUp>,
) -> ApiResult<ApiJson<ContactView>> {
    let c = state
        .store
        .wrap_up_contact(&who.actor(), &id, &req.category, req.resolved, &req.summary)
        .await?;
    finish_routing(&state.live, &id).await;
    Ok(ApiJson(contact_view(&c, Vec::new())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    method: VerificationMethod,
    result: VerificationResult,
}

/// Records how the caller proved their identity on this contact; the latest attempt
/// counts.
#[utoipa::path(
    post,
    path = "/contacts/{id}/identity-verification",
    tag = "contacts",
    responses(
        (status = 200, description = "The contact with `identity` and `identity_method`"),
        (status = 403, description = "`forbidden`: the caller is not the contact's handler"),
    )
)]
pub async fn verify_identity(
    State(state): State<AppState>,
    who: Api<Service>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<Verification>,
) -> ApiResult<ApiJson<ContactView>> {
    let c = state
        .store
        .verify_identity(&who.actor(), &id, req.method, req.result)
        .await?;
    Ok(ApiJson(contact_view(&c, Vec::new())))
}
