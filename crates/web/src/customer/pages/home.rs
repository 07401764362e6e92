//! The agent's start page: identify the caller, open a contact, resume open contacts.
//!
//! The search is a POST: a card or ID number in a URL would end up in browser history,
//! proxy logs and the request trace. For the same reason the page never echoes what was
//! typed; it shows the masked key instead.

use crate::auth::{AnyStaff, Desk};
use crate::pages::format::bank_time;
use crate::pages::i18n::Messages;
use crate::pages::{
    Chrome, CsrfForm, LangPrefs, OrPage, Page, PageError, handles_contacts, id_shaped, url_encode,
};
use crate::state::AppState;
use crate::view::rfc3339;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use bankdesk_desk::customers::{find, lookup_of};
use bankdesk_domain::mask;
use bankdesk_store::bank::Lookup;
use serde::Deserialize;

/// The keys a customer can be found by, in the order of the select.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SearchBy {
    Phone,
    IdNumber,
    CardNumber,
    Name,
}

impl SearchBy {
    const ALL: [SearchBy; 4] = [
        SearchBy::Phone,
        SearchBy::IdNumber,
        SearchBy::CardNumber,
        SearchBy::Name,
    ];

    fn code(self) -> &'static str {
        match self {
            SearchBy::Phone => "phone",
            SearchBy::IdNumber => "id_number",
            SearchBy::CardNumber => "card_number",
            SearchBy::Name => "name",
        }
    }

    fn label(self, t: &Messages) -> &'static str {
        match self {
            SearchBy::Phone => t.by_phone,
            SearchBy::IdNumber => t.by_id_number,
            SearchBy::CardNumber => t.by_card_number,
            SearchBy::Name => t.by_name,
        }
    }

    fn invalid(self, t: &Messages) -> &'static str {
        match self {
            SearchBy::Phone => t.err_search_phone,
            SearchBy::IdNumber => t.err_search_id_number,
            SearchBy::CardNumber => t.err_search_card_number,
            SearchBy::Name => t.err_search_name,
        }
    }
}

struct ByOption {
    code: &'static str,
    label: &'static str,
    selected: bool,
}

struct HitLine {
    name_masked: String,
    phone_masked: String,
    vip: String,
    open_action: String,
}

struct OpenLine {
    id: String,
    channel: String,
    opened: String,
    customer_id: String,
    url: Option<String>,
}

/// What the search returned, when one was made.
struct Outcome {
    searched: Option<String>,
    error: Option<&'static str>,
    hits: Vec<HitLine>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomeTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    csrf: &'a str,
    by_options: Vec<ByOption>,
    outcome: Option<Outcome>,
    can_open: bool,
    open: Vec<OpenLine>,
    closed: Option<String>,
}

#[derive(Deserialize)]
pub struct HomeQuery {
    closed: Option<String>,
}

#[derive(Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    by: String,
    #[serde(default)]
    q: String,
}

pub async fn page(
    State(state): State<AppState>,
    desk: Desk,
    prefs: LangPrefs,
    Query(q): Query<HomeQuery>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let closed = id_shaped(q.closed);
    render(&state, &page, &desk, SearchBy::Phone, None, closed).await
}

pub async fn search(
    State(state): State<AppState>,
    prefs: LangPrefs,
    CsrfForm { desk, form: f }: CsrfForm<AnyStaff, SearchForm>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let by = SearchBy::ALL
        .into_iter()
        .find(|b| b.code() == f.by)
        .unwrap_or(SearchBy::Phone);
    let q = Some(f.q.as_str());
    let lookup = match by {
        SearchBy::Phone => lookup_of(q, None, None, None),
        SearchBy::IdNumber => lookup_of(None, q, None, None),
        SearchBy::CardNumber => lookup_of(None, None, q, None),
        SearchBy::Name => lookup_of(None, None, None, q),
    };
    let outcome = match lookup {
        Err(_) if f.q.trim().is_empty() => Outcome {
            searched: None,
            error: Some(page.t.err_search_empty),
            hits: Vec::new(),
        },
        Err(_) => Outcome {
            searched: None,
            error: Some(by.invalid(page.t)),
            hits: Vec::new(),
        },
        Ok(lookup) => {
            let searched = Some(format!("{} {}", by.label(page.t), masked(&lookup)));
            let hits = find(&state.store, &desk.actor(), lookup)
                .await
                .or_page(&page, Some("/"))?;
            Outcome {
                searched,
                error: None,
                hits: hits
                    .into_iter()
                    .map(|h| HitLine {
                        open_action: format!("/customers/{}/contacts", url_encode(&h.id)),
                        name_masked: h.name_masked,
                        phone_masked: h.phone_masked,
                        vip: page.lang.vip(&h.vip_tier),
                    })
                    .collect(),
            }
        }
    };
    render(&state, &page, &desk, by, Some(outcome), None).await
}

/// The search key as it may be shown back: masked like everything else on the desktop.
fn masked(lookup: &Lookup) -> String {
    match lookup {
        Lookup::Phone(v) => mask::phone(v),
        Lookup::IdNumber(v) => mask::id_number(v),
        Lookup::CardNumber(v) => mask::card(v),
        Lookup::Name(v) => mask::name(v),
    }
}

async fn render(
    state: &AppState,
    page: &Page,
    desk: &Desk,
    by: SearchBy,
    outcome: Option<Outcome>,
    closed: Option<String>,
) -> Result<Response, PageError> {
    let contacts = state
        .store
        .open_contacts_of(&desk.user().id)
        .await
        .or_page(page, None)?;
    let lang = page.lang;
    let open = contacts
        .into_iter()
        .map(|c| OpenLine {
            url: c.customer_id.as_ref().map(|cid| {
                format!(
                    "/customers/{}?purpose={}",
                    url_encode(cid),
                    url_encode(&format!("contact:{}", c.id))
                )
            }),
            channel: lang.contact_channel(&c.channel),
            opened: bank_time(&rfc3339(c.opened_at_ms, None)),
            customer_id: c.customer_id.unwrap_or_default(),
            id: c.id,
        })
        .collect();
    let status = match &outcome {
        Some(Outcome { error: Some(_), .. }) => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    Ok(page.html(
        status,
        &HomeTpl {
            t: page.t,
            chrome: &page.chrome,
            csrf: &desk.session.csrf_token,
            by_options: SearchBy::ALL
                .into_iter()
                .map(|b| ByOption {
                    code: b.code(),
                    label: b.label(page.t),
                    selected: b == by,
                })
                .collect(),
            outcome,
            can_open: handles_contacts(&desk.user().roles),
            open,
            closed,
        },
    ))
}
