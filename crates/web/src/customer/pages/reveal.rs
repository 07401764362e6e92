//! Showing one masked number in full. The answer is a page of its own, the response to a
//! POST: the number never stands in an address (browser history, proxy logs, the request
//! trace), no cache keeps it, and no other page ever shows it.
//!
//! The rules are shared with the API ([`reveal_reason`], then the store's gate with its
//! identity check and hourly allowance), so both doors refuse alike.

use crate::auth::AnyStaff;
use crate::customer::pages::purpose_url;
use crate::pages::i18n::Messages;
use crate::pages::{Chrome, CsrfForm, LangPrefs, OrPage, Page, PageError, no_store};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use bankdesk_desk::customers::reveal_reason;
use bankdesk_domain::mask;
use bankdesk_store::access::Read;
use bankdesk_store::privacy::RevealField;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "reveal.html")]
struct RevealTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    what: &'static str,
    masked: String,
    value: String,
    back: String,
}

#[derive(Deserialize)]
pub struct RevealForm {
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    field: String,
    /// The card's id, for a card number.
    #[serde(default)]
    target: String,
    #[serde(default)]
    reason: String,
}

fn field_of(code: &str) -> Option<RevealField> {
    match code {
        "card_number" => Some(RevealField::CardNumber),
        "id_number" => Some(RevealField::IdNumber),
        "phone" => Some(RevealField::Phone),
        _ => None,
    }
}

/// What the number is called, and its masked form to say which one was shown.
fn describe(t: &'static Messages, field: RevealField, value: &str) -> (&'static str, String) {
    match field {
        RevealField::CardNumber => (t.col_card, mask::card(value)),
        RevealField::IdNumber => (t.label_id_number, mask::id_number(value)),
        RevealField::Phone => (t.col_phone, mask::phone(value)),
    }
}

pub async fn reveal(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
    CsrfForm { desk, form: f }: CsrfForm<AnyStaff, RevealForm>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let back = purpose_url(&id, &f.purpose);
    let t = page.t;
    let invalid = |text| {
        let (status, title) = (StatusCode::BAD_REQUEST, t.err_invalid_title);
        PageError::message(&page, status, title, text, Some(back.clone()))
    };
    let field = field_of(&f.field).ok_or_else(|| invalid(t.err_reveal_field))?;
    let reason = reveal_reason(&f.reason).map_err(|_| invalid(t.err_reveal_reason))?;
    let target = Some(f.target.as_str()).filter(|s| !s.is_empty());
    let purpose = Some(f.purpose.as_str()).filter(|s| !s.is_empty());
    let actor = desk.actor();
    let grant = state
        .store
        .customer_access(
            &actor,
            &id,
            purpose,
            Read::Reveal {
                per_hour: state.config.reveals_per_hour,
            },
            serde_json::json!({"field": field, "target_id": target, "reason": reason}),
        )
        .await
        .or_page(&page, Some(&back))?;
    let value = grant
        .reveal(field, target)
        .await
        .or_page(&page, Some(&back))?;
    let (what, masked) = describe(t, field, &value);
    let tpl = RevealTpl {
        t,
        chrome: &page.chrome,
        what,
        masked,
        value,
        back,
    };
    Ok(no_store(page.html(StatusCode::OK, &tpl)))
}
