//! The inbound webhooks. Each checks who is calling before it reads the body, stores a
//! message at most once (a redelivery answers the same and stores nothing), and names the
//! field when a message is malformed.

use crate::error::{ApiError, ApiJson, ApiResult};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bankdesk_desk::live::WorkRequest;
use bankdesk_domain::ErrorCode;
use bankdesk_domain::contact::ContactChannel;
use bankdesk_domain::routing::Urgency;
use bankdesk_domain::{email, wechat};
use bankdesk_store::messaging::{Ingested, NewInbound};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The header the mail gateway authenticates with.
pub const GATEWAY_SECRET_HEADER: &str = "x-gateway-secret";

/// Who wrote the message into the audit log.
const WECHAT_GATEWAY: &str = "gateway:wechat";
const MAIL_GATEWAY: &str = "gateway:email";

/// WeChat's signature of the request: SHA-1 over the sorted token, `timestamp` and `nonce`.
#[derive(Deserialize, IntoParams)]
pub struct Signed {
    #[param(required = true)]
    signature: Option<String>,
    #[param(required = true)]
    timestamp: Option<String>,
    #[param(required = true)]
    nonce: Option<String>,
    /// The handshake's string to echo (at most 128 characters).
    #[param(max_length = 128)]
    echostr: Option<String>,
    /// `raw` (plain-text mode) or absent; encrypted modes are refused.
    encrypt_type: Option<String>,
}

fn body_of(body: Result<Bytes, BytesRejection>) -> ApiResult<Bytes> {
    body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(ErrorCode::PayloadTooLarge, "request body too large")
        } else {
            ApiError::new(ErrorCode::InvalidField, r.body_text())
        }
    })
}

/// Refuses unless the request carries WeChat's signature for the configured token.
fn check_signature(state: &AppState, q: &Signed) -> ApiResult<()> {
    let Some(token) = state.config.messaging.wechat_token.as_deref() else {
        return Err(ApiError::forbidden("the WeChat webhook is not configured"));
    };
    let (Some(sig), Some(ts), Some(nonce)) = (&q.signature, &q.timestamp, &q.nonce) else {
        return Err(ApiError::forbidden(
            "signature, timestamp and nonce are required",
        ));
    };
    if wechat::signature_ok(token, ts, nonce, sig) {
        Ok(())
    } else {
        Err(ApiError::forbidden("bad signature"))
    }
}

fn plain(text: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

/// The handshake WeChat makes when the server URL is saved: echo `echostr` if signed.
#[utoipa::path(
    get,
    path = "/hooks/wechat",
    tag = "webhooks",
    responses(
        (status = 200, description = "`echostr`", content_type = "text/plain", body = String),
        (status = 400, description = "`invalid_field`: `echostr` too long"),
        (status = 403, description = "`forbidden`: bad or missing signature"),
    )
)]
pub async fn wechat_verify(
    State(state): State<AppState>,
    Query(q): Query<Signed>,
) -> ApiResult<Response> {
    check_signature(&state, &q)?;
    let echo = q.echostr.clone().unwrap_or_default();
    if echo.len() > 128 {
        return Err(ApiError::field("echostr", "too long"));
    }
    Ok(plain(echo))
}

/// A message from a follower. The answer `success` tells WeChat the message arrived and
/// that the reply, if any, comes later through the customer-service API. Idempotent on
/// `MsgId` (events: openid, `CreateTime` and `Event`).
#[utoipa::path(
    post,
    path = "/hooks/wechat",
    tag = "webhooks",
    request_body(
        content = String,
        content_type = "text/xml",
        description = "The message XML (`ToUserName`, `FromUserName`, `CreateTime`, `MsgType`, `Content`, `MsgId`), at most 64 KiB"
    ),
    responses(
        (status = 200, description = "`success`", content_type = "text/plain", body = String),
        (status = 400, description = "`invalid_field`: malformed XML (the message names the element)"),
        (status = 403, description = "`forbidden`: bad or missing signature"),
    )
)]
pub async fn wechat_message(
    State(state): State<AppState>,
    Query(q): Query<Signed>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    check_signature(&state, &q)?;
    if q.encrypt_type.as_deref().is_some_and(|e| e != "raw") {
        return Err(ApiError::field(
            "encrypt_type",
            "only plain-text mode (明文模式) is supported",
        ));
    }
    let body = body_of(body)?;
    let xml = std::str::from_utf8(&body).map_err(|_| ApiError::field("xml", "not UTF-8"))?;
    let m = wechat::parse_message(xml).map_err(|e| ApiError::field(e.field, e.reason))?;
    let ingested = state
        .store
        .ingest_message(
            WECHAT_GATEWAY,
            &NewInbound {
                channel: ContactChannel::Wechat,
                external_id: &m.dedupe_key,
                sender: &m.openid,
                recipient: &m.to,
                msg_type: &m.msg_type,
                subject: "",
                body: &m.content,
                sent_at_ms: m.create_time.saturating_mul(1000),
                thread: &[],
            },
        )
        .await?;
    route(&state, ContactChannel::Wechat, &ingested).await;
    Ok(plain("success".into()))
}

/// A raw RFC 5322 message from the mail gateway: 201 when stored, 200 when it had been
/// received before (by `Message-ID`).
#[utoipa::path(
    post,
    path = "/hooks/email",
    tag = "webhooks",
    security(("gateway_secret" = [])),
    request_body(
        content = String,
        content_type = "message/rfc822",
        description = "The raw message; `From` and `Message-ID` are required"
    ),
    responses(
        (status = 201, description = "Stored"),
        (status = 200, description = "Received before (`duplicate: true`); nothing changed"),
        (status = 400, description = "`invalid_field`: `from` or `message_id` missing or malformed"),
        (status = 401, description = "`not_logged_in`: missing or wrong `X-Gateway-Secret`"),
        (status = 403, description = "`forbidden`: the webhook is not configured"),
    )
)]
pub async fn email(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, ApiJson<IngestedView>)> {
    let Some(secret) = state.config.messaging.mail_gateway_secret.as_deref() else {
        return Err(ApiError::forbidden("the email webhook is not configured"));
    };
    let given = headers
        .get(GATEWAY_SECRET_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !same_secret(given, secret) {
        return Err(ApiError::new(
            ErrorCode::NotLoggedIn,
            "missing or wrong X-Gateway-Secret",
        ));
    }
    let body = body_of(body)?;
    let m = email::parse_email(&body).map_err(|e| ApiError::field(e.field, e.reason))?;
    let ingested = state
        .store
        .ingest_message(
            MAIL_GATEWAY,
            &NewInbound {
                channel: ContactChannel::Email,
                external_id: &m.message_id,
                sender: &m.from,
                recipient: &m.to,
                msg_type: "email",
                subject: &m.subject,
                body: &m.body,
                sent_at_ms: m.date_ms.unwrap_or_else(bankdesk_store::now_ms),
                thread: &m.thread,
            },
        )
        .await?;
    route(&state, ContactChannel::Email, &ingested).await;
    let status = if ingested.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, ApiJson(ingested.into())))
}

/// What became of an inbound message.
#[derive(Serialize, ToSchema)]
#[schema(as = IngestedMessage)]
pub struct IngestedView {
    message_id: String,
    contact_id: String,
    customer_id: Option<String>,
    /// The message had been received before; nothing changed.
    duplicate: bool,
    /// The message opened a new contact (rather than joining an open one).
    new_contact: bool,
}

impl From<Ingested> for IngestedView {
    fn from(i: Ingested) -> IngestedView {
        IngestedView {
            message_id: i.message_id,
            contact_id: i.contact_id,
            customer_id: i.customer_id,
            duplicate: i.duplicate,
            new_contact: i.new_contact,
        }
    }
}

/// Asks the router for an agent with the channel's skill (`email`, `wechat`) for a new
/// contact. The message is stored whatever happens here: a routing failure is logged and
/// the contact waits in the inbox (`GET /api/v1/inbox`) for an agent to take it.
async fn route(state: &AppState, channel: ContactChannel, ingested: &Ingested) {
    if !ingested.new_contact {
        return;
    }
    let vip_tier = match &ingested.customer_id {
        Some(c) => state.store.customer_vip_tier(c).await.ok(),
        None => None,
    };
    let request = WorkRequest {
        contact_id: ingested.contact_id.clone(),
        channel,
        skill: channel.as_str().to_string(),
        customer_id: ingested.customer_id.clone(),
        vip_tier,
        urgency: Urgency::Normal,
    };
    if let Err(e) = state.live.request(request).await {
        tracing::warn!(contact_id = %ingested.contact_id, error = %e, "inbound message not routed; it waits in the inbox");
    }
}

/// Compares secrets in time independent of where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
