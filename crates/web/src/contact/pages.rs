//! After-call work: where an agent's note and wrap-up lead once the phone system has ended
//! the call. The end of the call closed the contact, and with it the purpose for reading
//! the customer's data, so this page shows the contact and its notes, never the customer.

use crate::auth::{Desk, Service};
use crate::pages::format::bank_time;
use crate::pages::i18n::{Lang, Messages};
use crate::pages::{Chrome, LangPrefs, OrPage, Page, PageError, url_encode};
use crate::state::AppState;
use crate::view;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use bankdesk_domain::wrapup::{Category, WrapUpTree};

/// The page of a contact waiting for its wrap-up.
pub fn url(contact_id: &str) -> String {
    format!("/contacts/{}", url_encode(contact_id))
}

struct NoteLine {
    at: String,
    author: String,
    text: String,
}

#[derive(Template)]
#[template(path = "after_call.html")]
struct AfterCallTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    csrf: &'a str,
    contact_id: &'a str,
    channel: String,
    opened: String,
    closed: Option<String>,
    notes: Vec<NoteLine>,
    note_action: String,
    wrap_action: String,
    categories: Vec<CategoryGroup>,
}

/// Only the contact's handler sees it, and only until the contact is wrapped up.
pub async fn page(
    State(state): State<AppState>,
    desk: Desk<Service>,
    prefs: LangPrefs,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let contact = state.store.contact(&id).await.or_page(&page, Some("/"))?;
    if let Err(e) = contact.may_do_after_call_work(&desk.user().id) {
        return Err(PageError::new(&page, e, Some("/".into())));
    }
    let notes = state
        .store
        .contact_notes(&id)
        .await
        .or_page(&page, Some("/"))?;
    let lang = page.lang;
    Ok(page.html(
        StatusCode::OK,
        &AfterCallTpl {
            t: page.t,
            chrome: &page.chrome,
            csrf: &desk.session.csrf_token,
            contact_id: &contact.id,
            channel: lang.contact_channel(&contact.channel),
            opened: bank_time(&view::rfc3339(contact.opened_at_ms, None)),
            closed: contact
                .closed_at_ms
                .map(|ms| bank_time(&view::rfc3339(ms, None))),
            notes: notes
                .into_iter()
                .map(|n| NoteLine {
                    at: bank_time(&view::rfc3339(n.at_ms, None)),
                    author: n.author_name,
                    text: n.text,
                })
                .collect(),
            note_action: format!("/contacts/{}/notes", url_encode(&contact.id)),
            wrap_action: format!("/contacts/{}/wrap-up", url_encode(&contact.id)),
            categories: category_groups(&state.store.wrap_up, lang),
        },
    ))
}

/// A choice of a select: its code and its label.
pub(crate) struct Choice {
    pub(crate) code: String,
    pub(crate) label: String,
}

/// A wrap-up category with its sub-categories, for the form's option groups.
pub(crate) struct CategoryGroup {
    pub(crate) code: String,
    pub(crate) label: String,
    pub(crate) children: Vec<Choice>,
}

pub(crate) fn category_groups(tree: &WrapUpTree, lang: Lang) -> Vec<CategoryGroup> {
    let pick = |c: &Category| match lang {
        Lang::Zh => c.zh.clone(),
        Lang::En => c.en.clone(),
    };
    tree.categories()
        .iter()
        .map(|top| CategoryGroup {
            code: top.code.clone(),
            label: pick(top),
            children: top
                .children
                .iter()
                .map(|c| Choice {
                    code: c.code.clone(),
                    label: pick(c),
                })
                .collect(),
        })
        .collect()
}
