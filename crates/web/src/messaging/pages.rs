//! Email and WeChat on the desktop: the inbox of messages nobody has taken, the reply
//! form's handler (the form is on the customer's 360 page), and the supervisors' list of
//! replies that could not be sent, with a button to send one again.

use crate::auth::{Desk, Messaging, Oversight, Service};
use crate::customer::pages::purpose_url;
use crate::pages::format::bank_time;
use crate::pages::i18n::Messages;
use crate::pages::{Chrome, CsrfForm, LangPrefs, OrPage, Page, PageError, id_shaped, url_encode};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bankdesk_desk::customers::{find, lookup_of};
use bankdesk_desk::messaging::{mask_address, message_views};
use bankdesk_desk::routing::taken;
use bankdesk_domain::outbox::OutboxStatus;
use serde::Deserialize;

/// Rows on one page of the inbox and of the failed list.
const ROWS: u32 = 100;

struct InboxLine {
    id: String,
    channel: String,
    opened: String,
    from_masked: String,
    subject: String,
    preview: String,
    customer: Option<String>,
    take_action: String,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    csrf: &'a str,
    items: Vec<InboxLine>,
}

/// The first characters of a message, for a one-line preview.
fn preview(text: &str) -> String {
    let mut p: String = text.chars().take(80).collect();
    if text.chars().count() > 80 {
        p.push('…');
    }
    p
}

pub async fn inbox(
    State(state): State<AppState>,
    desk: Desk<Messaging>,
    prefs: LangPrefs,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let contacts = state
        .store
        .unassigned_messages(ROWS)
        .await
        .or_page(&page, Some("/"))?;
    let mut items = Vec::with_capacity(contacts.len());
    for (c, m) in contacts {
        let first = message_views(&m).into_iter().next();
        items.push(InboxLine {
            channel: page.lang.contact_channel(&c.channel),
            opened: bank_time(&crate::view::rfc3339(c.opened_at_ms, None)),
            from_masked: first
                .as_ref()
                .and_then(|m| m.from.as_deref())
                .map(mask_address)
                .unwrap_or_default(),
            subject: first
                .as_ref()
                .map(|m| m.subject.clone())
                .unwrap_or_default(),
            preview: first.as_ref().map(|m| preview(&m.body)).unwrap_or_default(),
            customer: c.customer_id.clone(),
            take_action: format!("/inbox/{}/take", url_encode(&c.id)),
            id: c.id,
        });
    }
    let tpl = InboxTpl {
        t: page.t,
        chrome: &page.chrome,
        csrf: &desk.session.csrf_token,
        items,
    };
    Ok(page.html(StatusCode::OK, &tpl))
}

/// Takes the contact and opens the customer's page for it; a sender not bound to a
/// customer yet gets a page that says how to attach one.
pub async fn take(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
    CsrfForm { desk, .. }: CsrfForm<Messaging>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let c = state
        .store
        .take_contact(&desk.actor(), &id)
        .await
        .or_page(&page, Some("/inbox"))?;
    taken(&state.live, &c.id, &desk.user().id).await;
    Ok(match c.customer_id {
        Some(customer) => {
            Redirect::to(&purpose_url(&customer, &format!("contact:{}", c.id))).into_response()
        }
        None => attach_form(&page, &desk.session.csrf_token, &c.id, None),
    })
}

#[derive(Template)]
#[template(path = "attach.html")]
struct AttachTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    csrf: &'a str,
    contact_id: &'a str,
    action: String,
    error: Option<&'static str>,
}

/// The page after taking a contact from an unknown sender: find the customer by phone.
fn attach_form(page: &Page, csrf: &str, contact_id: &str, error: Option<&'static str>) -> Response {
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    page.html(
        status,
        &AttachTpl {
            t: page.t,
            chrome: &page.chrome,
            csrf,
            contact_id,
            action: format!("/contacts/{}/customer", url_encode(contact_id)),
            error,
        },
    )
}

#[derive(Deserialize)]
pub struct AttachForm {
    #[serde(default)]
    phone: String,
}

/// Attaches the customer the phone number finds (the search is audited like any other)
/// and opens their page for this contact.
pub async fn attach(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
    CsrfForm { desk, form: f }: CsrfForm<Service, AttachForm>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let actor = desk.actor();
    let hits = match lookup_of(Some(&f.phone), None, None, None) {
        Ok(by) => find(&state.store, &actor, by)
            .await
            .inspect_err(|e| tracing::warn!(error = %e, "customer search failed"))
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let [hit] = hits.as_slice() else {
        let error = Some(page.t.err_attach_phone);
        return Ok(attach_form(&page, &desk.session.csrf_token, &id, error));
    };
    let c = state
        .store
        .attach_customer(&actor, &id, &hit.id)
        .await
        .or_page(&page, Some("/inbox"))?;
    Ok(Redirect::to(&purpose_url(&hit.id, &format!("contact:{}", c.id))).into_response())
}

#[derive(Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    text: String,
}

/// Queues a reply from the 360 page and returns there, where it shows as pending.
pub async fn reply(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
    CsrfForm { desk, form: f }: CsrfForm<Service, ReplyForm>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let back = state
        .store
        .contact(&id)
        .await
        .or_page(&page, Some("/"))?
        .customer_id
        .map(|cid| purpose_url(&cid, &format!("contact:{id}")));
    state
        .store
        .queue_reply(&desk.actor(), &id, &f.text)
        .await
        .or_page(&page, back.as_deref())?;
    Ok(Redirect::to(back.as_deref().unwrap_or("/inbox")).into_response())
}

struct FailedLine {
    id: String,
    contact_id: String,
    channel: String,
    recipient_masked: String,
    author: String,
    created: String,
    attempts: i64,
    error: String,
    retry_action: String,
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    csrf: &'a str,
    items: Vec<FailedLine>,
    retried: Option<String>,
}

#[derive(Deserialize)]
pub struct OutboxQuery {
    retried: Option<String>,
}

/// Replies that gave up, newest first: never silent, always someone's to deal with.
pub async fn outbox(
    State(state): State<AppState>,
    desk: Desk<Oversight>,
    prefs: LangPrefs,
    Query(q): Query<OutboxQuery>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let rows = state
        .store
        .outbox_list(Some(OutboxStatus::Failed), None, ROWS)
        .await
        .or_page(&page, Some("/"))?;
    let items = rows
        .into_iter()
        .map(|o| FailedLine {
            channel: page.lang.contact_channel(&o.channel),
            recipient_masked: mask_address(&o.recipient),
            author: o.author_name,
            created: bank_time(&crate::view::rfc3339(o.created_at_ms, None)),
            attempts: o.attempts,
            error: o.last_error.unwrap_or_default(),
            retry_action: format!("/outbox/{}/retry", url_encode(&o.id)),
            contact_id: o.contact_id,
            id: o.id,
        })
        .collect();
    let tpl = OutboxTpl {
        t: page.t,
        chrome: &page.chrome,
        csrf: &desk.session.csrf_token,
        items,
        retried: id_shaped(q.retried),
    };
    Ok(page.html(StatusCode::OK, &tpl))
}

pub async fn retry(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
    CsrfForm { desk, .. }: CsrfForm<Oversight>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let o = state
        .store
        .retry_outbox(&desk.actor(), &id)
        .await
        .or_page(&page, Some("/outbox"))?;
    Ok(Redirect::to(&format!("/outbox?retried={}", url_encode(&o.id))).into_response())
}
