use crate::auth::{AnyStaff, Api, Service};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::state::AppState;
use crate::view::{ContactView, NoteView, contact_view, rfc3339};
use axum::extract::State;
use axum::http::StatusCode;
use bankdesk_desk::routing::finish_routing;
use bankdesk_store::contacts::{ContactChannel, Direction, VerificationMethod, VerificationResult};
use serde::Deserialize;
use utoipa::ToSchema;

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

/// A contact with its notes and messages, for its handler (other staff read it through
/// the customer's 360).
#[utoipa::path(
    get,
    path = "/contacts/{id}",
    tag = "contacts",
    responses(
        (status = 200, description = "The contact"),
        (status = 403, description = "`forbidden`: the caller is not the contact's handler"),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    who: Api<AnyStaff>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<ContactDetail>> {
    let c = state.store.contact(&id).await?;
    if c.handler_id.as_deref() != Some(who.user.id.as_str()) {
        return Err(ApiError::forbidden(
            "only the contact's handler reads it here",
        ));
    }
    let notes = state
        .store
        .contact_notes(&id)
        .await?
        .into_iter()
        .map(|n| NoteView {
            author: n.author_name,
            at: rfc3339(n.at_ms, None),
            text: n.text,
        })
        .collect();
    let messages =
        bankdesk_desk::messaging::message_views(&state.store.contact_messages(&id).await?);
    Ok(ApiJson(ContactDetail {
        contact: contact_view(&c, notes),
        messages,
    }))
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
