//! The customer 360 page and the contact it is read for: opening a phone contact,
//! verifying the caller's identity, writing notes on it and wrapping it up.
//!
//! The page renders [`OverviewView`] (already masked) and only formats it; the purpose
//! check and its audit record happen in the store, so a page without a valid purpose is a
//! refusal that explains which purpose would do. Full numbers never reach this page: each
//! masked number has a reveal form whose answer is a page of its own ([`reveal`]).

pub(crate) mod home;
pub(crate) mod reveal;

use crate::auth::{Desk, Service};
use crate::contact::pages::{self as contact_pages, CategoryGroup, Choice, category_groups};
use crate::pages::format::{
    amount_class, bank_time, money, nav, percent, signed_money, signed_percent,
};
use crate::pages::i18n::{Lang, Messages, PurposeKind};
use crate::pages::{
    Chrome, CsrfForm, LangPrefs, NoFields, OrPage, Page, PageError, handles_contacts, id_shaped,
    url_encode,
};
use crate::state::AppState;
use crate::view::{self, OverviewView};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bankdesk_desk::messaging::message_views;
use bankdesk_desk::routing::finish_routing;
use bankdesk_domain::access::{AccessDenied, Purpose};
use bankdesk_domain::export::ExportBasis;
use bankdesk_domain::wrapup::WrapUpTree;
use bankdesk_store::StoreError;
use bankdesk_store::access::Read;
use bankdesk_store::contacts::{ContactChannel, Direction};
use bankdesk_store::contacts::{ContactRow, VerificationMethod, VerificationResult};
use bankdesk_store::messaging::TimelineEntry;
use serde::Deserialize;

/// How many transactions the page shows.
const RECENT_TRANSACTIONS: u32 = 20;
/// How many contacts of the timeline the page shows (the API pages through all).
const TIMELINE_CONTACTS: u32 = 20;

/// The URL of the 360 page read for an open contact.
fn customer_url(customer_id: &str, contact_id: &str) -> String {
    purpose_url(customer_id, &format!("contact:{contact_id}"))
}

/// The URL of the 360 page read for a purpose, to return to after one of its forms.
pub(crate) fn purpose_url(customer_id: &str, purpose: &str) -> String {
    format!(
        "/customers/{}?purpose={}",
        url_encode(customer_id),
        url_encode(purpose)
    )
}

/// A status shown as a coloured badge: `ok` green, `warn` amber, `bad` red, `off` grey.
fn status_class(code: &str) -> &'static str {
    match code {
        "active" | "open" => "ok",
        "frozen" | "dormant" | "overdue" => "warn",
        "lost" | "retained" => "bad",
        _ => "off",
    }
}

struct Header {
    name_masked: String,
    gender: String,
    age: Option<String>,
    vip: String,
    vip_code: String,
    segment: String,
    id_number_masked: String,
    phones: String,
    city: String,
    address_masked: String,
    sensitive: bool,
}

struct CardLine {
    id: String,
    number_masked: String,
    kind: String,
    product: String,
    status: String,
    status_class: &'static str,
    limit: Option<String>,
    temp_limit: Option<String>,
    available: Option<String>,
    owed: Option<String>,
    overpaid: Option<String>,
    expiry: String,
}

struct AccountLine {
    id: String,
    kind: String,
    currency: String,
    balance: String,
    status: String,
    status_class: &'static str,
    branch: String,
    opened_on: String,
}

struct InstalmentLine {
    due: String,
    payment: String,
    principal: String,
    interest: String,
}

struct LoanLine {
    kind: String,
    outstanding: String,
    principal: String,
    rate: String,
    lpr_term: String,
    lpr_part: String,
    spread: String,
    lpr_now: String,
    next_repricing: Option<String>,
    rate_then: Option<String>,
    rate_then_class: &'static str,
    monthly_payment: String,
    months_left: u32,
    status: String,
    status_class: &'static str,
    instalments: Vec<InstalmentLine>,
}

struct HoldingLine {
    name: String,
    code: String,
    risk: String,
    cost: String,
    value: String,
    nav: String,
    nav_date: String,
    gain: String,
    gain_pct: String,
    gain_class: &'static str,
}

struct TxnLine {
    time: String,
    channel: String,
    merchant: String,
    place: String,
    amount: String,
    amount_class: &'static str,
    foreign_currency: Option<String>,
    card_masked: Option<String>,
}

struct CaseLine {
    id: String,
    case_type: String,
    status: String,
    department: String,
    summary: String,
    opened: String,
    due: Option<String>,
}

struct NoteLine {
    author: String,
    at: String,
    text: String,
}

/// A message of an email or WeChat contact, either way; replies show their delivery.
struct MessageLine {
    inbound: bool,
    at: String,
    subject: String,
    body: String,
    delivery: Option<String>,
    delivery_class: &'static str,
    attempts: i64,
    last_error: Option<String>,
    author: String,
}

struct LinkedCaseLine {
    id: String,
    case_type: String,
    status: String,
}

struct ContactLine {
    opened: String,
    channel: String,
    direction: String,
    handler: String,
    status: String,
    status_class: &'static str,
    category: Option<String>,
    resolved: Option<bool>,
    summary: Option<String>,
    notes: Vec<NoteLine>,
    messages: Vec<MessageLine>,
    cases: Vec<LinkedCaseLine>,
    current: bool,
}

/// The open contact the page is read for, with its forms.
struct Current {
    id: String,
    note_action: String,
    wrap_action: String,
    identity_action: String,
    /// Email and WeChat contacts: where a reply to the customer is posted.
    reply_action: Option<String>,
    /// Where the caller's identity stands on this contact.
    identity: Identity,
    /// The export form's default period: the last year, up to today.
    export_from: String,
    export_to: String,
}

/// The latest identity verification on the contact, as the purpose box shows it.
struct Identity {
    label: &'static str,
    class: &'static str,
    method: Option<String>,
}

impl Identity {
    fn of(c: &ContactRow, lang: Lang) -> Identity {
        let t = lang.messages();
        let (label, class) = match c.identity.as_deref().and_then(VerificationResult::parse) {
            Some(VerificationResult::Passed) => (t.identity_passed, "ok"),
            Some(VerificationResult::Failed) => (t.identity_failed, "bad"),
            None => (t.identity_none, "warn"),
        };
        Identity {
            label,
            class,
            method: c
                .identity
                .as_ref()
                .and(c.identity_method.as_deref())
                .map(|m| lang.verification_method(m)),
        }
    }
}

#[derive(Template)]
#[template(path = "customer.html")]
struct CustomerTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    csrf: &'a str,
    c: Header,
    purpose_kind: String,
    purpose: String,
    cards: Vec<CardLine>,
    accounts: Vec<AccountLine>,
    loans: Vec<LoanLine>,
    holdings: Vec<HoldingLine>,
    txns: Vec<TxnLine>,
    cases: Vec<CaseLine>,
    timeline: Vec<ContactLine>,
    current: Option<Current>,
    categories: Vec<CategoryGroup>,
    methods: Vec<Choice>,
    reveal_action: String,
    export_action: String,
    export_basis: String,
    /// The export just requested from this page, for the notice.
    exported: Option<String>,
}

struct ResumeLine {
    id: String,
    url: String,
}

#[derive(Template)]
#[template(path = "refusal.html")]
struct RefusalTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    csrf: &'a str,
    code: &'static str,
    reason: &'static str,
    open_action: Option<String>,
    resume: Vec<ResumeLine>,
}

#[derive(Deserialize)]
pub struct PurposeQuery {
    purpose: Option<String>,
    exported: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    desk: Desk,
    prefs: LangPrefs,
    Path(id): Path<String>,
    Query(q): Query<PurposeQuery>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let grant = match state
        .store
        .customer_access(
            &desk.actor(),
            &id,
            q.purpose.as_deref(),
            Read::Overview,
            serde_json::json!({}),
        )
        .await
    {
        Ok(g) => g,
        Err(StoreError::Denied(d)) => {
            if let Some(url) = after_call_of(&state, &desk, q.purpose.as_deref()).await {
                return Ok(Redirect::to(&url).into_response());
            }
            return refusal(&state, &page, &desk, &id, d).await;
        }
        Err(e) => return Err(PageError::new(&page, e, Some("/".into()))),
    };
    let purpose = grant.purpose.clone();
    let (overview, entries) = grant
        .overview_with_timeline(RECENT_TRANSACTIONS, TIMELINE_CONTACTS)
        .await
        .or_page(&page, Some("/"))?;
    let today = view::today();
    let v = OverviewView::build(&overview, today);
    let lang = page.lang;
    // The contact itself, not its line in the timeline: the timeline holds the last few
    // contacts only, and the identity state must be the one the store checks.
    let contact = match &purpose {
        Purpose::Contact(ct) => Some(state.store.contact(ct).await.or_page(&page, Some("/"))?),
        _ => None,
    };
    let current = contact.as_ref().map(|c| Current {
        id: c.id.clone(),
        note_action: format!("/contacts/{}/notes", url_encode(&c.id)),
        wrap_action: format!("/contacts/{}/wrap-up", url_encode(&c.id)),
        identity_action: format!("/contacts/{}/identity-verification", url_encode(&c.id)),
        reply_action: [
            ContactChannel::Email.as_str(),
            ContactChannel::Wechat.as_str(),
        ]
        .contains(&c.channel.as_str())
        .then(|| format!("/contacts/{}/replies", url_encode(&c.id))),
        identity: Identity::of(c, lang),
        export_from: today
            .checked_sub_months(chrono::Months::new(12))
            .unwrap_or(today)
            .to_string(),
        export_to: today.to_string(),
    });
    let kind = match &purpose {
        Purpose::Contact(_) => PurposeKind::Contact(contact.as_ref().map(|c| c.channel.as_str())),
        Purpose::Case(_) => PurposeKind::Case,
        Purpose::Order(_) => PurposeKind::Order,
    };
    let tpl = CustomerTpl {
        t: page.t,
        chrome: &page.chrome,
        csrf: &desk.session.csrf_token,
        purpose_kind: lang.purpose_kind(kind),
        purpose: purpose.to_string(),
        c: header(&v, lang),
        cards: cards(&v, lang),
        accounts: accounts(&v, lang),
        loans: loans(&v, lang),
        holdings: holdings(&v),
        txns: transactions(&v, lang),
        cases: cases(&v),
        timeline: timeline(
            &entries,
            &state.store.wrap_up,
            lang,
            current.as_ref().map(|c| c.id.as_str()),
        ),
        current,
        categories: category_groups(&state.store.wrap_up, lang),
        methods: VerificationMethod::ALL
            .iter()
            .map(|m| Choice {
                code: m.as_str().to_string(),
                label: lang.verification_method(m.as_str()),
            })
            .collect(),
        reveal_action: format!("/customers/{}/reveal", url_encode(&id)),
        export_action: format!("/customers/{}/statement-exports", url_encode(&id)),
        export_basis: lang.export_basis(ExportBasis::CustomerRequest.as_str()),
        exported: id_shaped(q.exported),
    };
    Ok(page.html(StatusCode::OK, &tpl))
}

/// The after-call work page, when the refused purpose is the agent's own call that the
/// phone system has ended (the page they were on closed with the call).
async fn after_call_of(state: &AppState, desk: &Desk, purpose: Option<&str>) -> Option<String> {
    let Ok(Purpose::Contact(id)) = Purpose::parse(purpose) else {
        return None;
    };
    let c = state.store.contact(&id).await.ok()?;
    (c.handler_id.as_deref() == Some(desk.user().id.as_str()) && c.awaits_wrap_up())
        .then(|| contact_pages::url(&id))
}

/// The 403 page for a missing or invalid purpose. It names the purposes that would do and
/// offers the honest way in: a contact with the customer, opened (and audited) now.
async fn refusal(
    state: &AppState,
    page: &Page,
    desk: &Desk,
    customer_id: &str,
    denied: AccessDenied,
) -> Result<Response, PageError> {
    let can_open = handles_contacts(&desk.user().roles);
    let resume = state
        .store
        .open_contacts_of(&desk.user().id)
        .await
        .or_page(page, Some("/"))?
        .into_iter()
        .filter(|c| c.customer_id.as_deref() == Some(customer_id))
        .map(|c| ResumeLine {
            url: customer_url(customer_id, &c.id),
            id: c.id,
        })
        .collect();
    Ok(page.html(
        StatusCode::FORBIDDEN,
        &RefusalTpl {
            t: page.t,
            chrome: &page.chrome,
            csrf: &desk.session.csrf_token,
            code: denied.code().code(),
            reason: page.lang.denied(denied),
            open_action: can_open
                .then(|| format!("/customers/{}/contacts", url_encode(customer_id))),
            resume,
        },
    ))
}

fn header(v: &OverviewView, lang: Lang) -> Header {
    let c = &v.customer;
    Header {
        name_masked: c.name_masked.clone(),
        gender: lang.gender(&c.gender),
        age: c.age.map(|a| lang.age(a)),
        vip: lang.vip(&c.vip_tier),
        vip_code: c.vip_tier.clone(),
        segment: lang.segment(&c.segment),
        id_number_masked: c.id_number_masked.clone(),
        phones: c.phones_masked.join(" / "),
        city: c.city.clone(),
        address_masked: c.address_masked.clone(),
        sensitive: c.sensitive,
    }
}

fn cards(v: &OverviewView, lang: Lang) -> Vec<CardLine> {
    v.cards
        .iter()
        .map(|c| CardLine {
            id: c.id.clone(),
            number_masked: c.number_masked.clone(),
            kind: lang.card_kind(&c.kind),
            product: c.product.clone(),
            status: lang.card_status(&c.status),
            status_class: status_class(&c.status),
            limit: c.credit_limit_fen.map(money),
            temp_limit: c.temp_limit_fen.map(|l| match &c.temp_limit_until {
                Some(until) => format!("+{} ({} {until})", money(l), lang.messages().until),
                None => format!("+{}", money(l)),
            }),
            available: c.available_fen.map(money),
            owed: (c.credit_limit_fen.is_some() && c.outstanding_fen >= 0)
                .then(|| money(c.outstanding_fen)),
            overpaid: (c.outstanding_fen < 0).then(|| money(-c.outstanding_fen)),
            expiry: c.expiry.clone(),
        })
        .collect()
}

fn accounts(v: &OverviewView, lang: Lang) -> Vec<AccountLine> {
    v.accounts
        .iter()
        .map(|a| AccountLine {
            id: a.id.clone(),
            kind: lang.account_kind(&a.kind),
            currency: a.currency.clone(),
            balance: money(a.balance_fen),
            status: lang.account_status(&a.status),
            status_class: status_class(&a.status),
            branch: a.branch.clone(),
            opened_on: a.opened_on.clone(),
        })
        .collect()
}

fn loans(v: &OverviewView, lang: Lang) -> Vec<LoanLine> {
    v.loans
        .iter()
        .map(|l| {
            let rate_then_class = match l.rate_after_repricing_bp.map(i64::from) {
                Some(r) if r > l.rate_bp => "up",
                Some(r) if r < l.rate_bp => "down",
                _ => "",
            };
            LoanLine {
                kind: lang.loan_kind(&l.kind),
                outstanding: money(l.outstanding_fen),
                principal: money(l.principal_fen),
                rate: percent(l.rate_bp),
                lpr_term: lang.lpr_term(&l.lpr_term),
                // The rate in force is the LPR of the last repricing plus the spread.
                lpr_part: percent(l.rate_bp - l.spread_bp),
                spread: signed_percent(l.spread_bp),
                lpr_now: percent(i64::from(l.lpr_now_bp)),
                next_repricing: l.next_repricing.clone(),
                rate_then: l.rate_after_repricing_bp.map(|r| percent(i64::from(r))),
                rate_then_class,
                monthly_payment: money(l.monthly_payment_fen),
                months_left: l.months_left,
                status: lang.loan_status(&l.status),
                status_class: status_class(&l.status),
                instalments: l
                    .next_instalments
                    .iter()
                    .map(|i| InstalmentLine {
                        due: i.due_on.to_string(),
                        payment: money(i.payment_fen),
                        principal: money(i.principal_fen),
                        interest: money(i.interest_fen),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Gains are red and losses green, as on every Chinese bank and broker screen; the sign
/// and an arrow say the same without colour.
fn holdings(v: &OverviewView) -> Vec<HoldingLine> {
    v.holdings
        .iter()
        .map(|h| HoldingLine {
            name: h.product_name.clone(),
            code: h.product_code.clone(),
            risk: h.risk_level.clone(),
            cost: money(h.cost_fen),
            value: money(h.value_fen),
            nav: nav(h.nav_x10000),
            nav_date: h.nav_date.clone(),
            gain: signed_money(h.gain_fen),
            gain_pct: signed_percent(h.gain_bp),
            gain_class: match h.gain_fen {
                g if g > 0 => "up",
                g if g < 0 => "down",
                _ => "",
            },
        })
        .collect()
}

fn transactions(v: &OverviewView, lang: Lang) -> Vec<TxnLine> {
    v.recent_transactions
        .iter()
        .map(|t| TxnLine {
            time: bank_time(&t.at),
            channel: lang.txn_channel(&t.channel),
            merchant: t
                .merchant
                .clone()
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| t.description.clone()),
            place: format!("{} · {}", t.city, t.country),
            amount: signed_money(t.amount_fen),
            amount_class: amount_class(t.amount_fen),
            foreign_currency: (t.currency != "CNY").then(|| t.currency.clone()),
            card_masked: t.card_masked.clone(),
        })
        .collect()
}

fn cases(v: &OverviewView) -> Vec<CaseLine> {
    v.open_cases
        .iter()
        .map(|c| CaseLine {
            id: c.id.clone(),
            case_type: c.case_type.clone(),
            status: c.status.clone(),
            department: c.department.clone().unwrap_or_default(),
            summary: c.summary.clone(),
            opened: bank_time(&c.opened_at),
            due: c.due_at.as_deref().map(bank_time),
        })
        .collect()
}

/// Every contact of the customer, newest first, with what the agents wrote on it and the
/// messages exchanged, so the next agent starts where the last one stopped.
fn timeline(
    entries: &[TimelineEntry],
    tree: &WrapUpTree,
    lang: Lang,
    current: Option<&str>,
) -> Vec<ContactLine> {
    entries
        .iter()
        .map(|e| {
            let c = &e.contact;
            ContactLine {
                opened: bank_time(&view::rfc3339(c.opened_at_ms, None)),
                channel: lang.contact_channel(&c.channel),
                direction: lang.direction(&c.direction),
                handler: c.handler_name.clone().unwrap_or_default(),
                status: lang.contact_status(&c.status),
                status_class: status_class(&c.status),
                category: c.category.as_deref().map(|code| lang.category(tree, code)),
                resolved: c.resolved,
                summary: c.summary.clone().filter(|s| !s.is_empty()),
                notes: e
                    .notes
                    .iter()
                    .map(|n| NoteLine {
                        author: n.author_name.clone(),
                        at: bank_time(&view::rfc3339(n.at_ms, None)),
                        text: n.text.clone(),
                    })
                    .collect(),
                messages: message_views(&e.messages)
                    .into_iter()
                    .map(|m| MessageLine {
                        inbound: m.direction == "inbound",
                        at: bank_time(&m.at),
                        subject: m.subject,
                        body: m.body,
                        delivery_class: match m.status.as_deref() {
                            Some("sent") => "ok",
                            Some("failed") => "bad",
                            _ => "warn",
                        },
                        delivery: m.status.as_deref().map(|s| lang.delivery(s)),
                        attempts: m.attempts.unwrap_or(0),
                        last_error: m.last_error,
                        author: m.author.unwrap_or_default(),
                    })
                    .collect(),
                cases: e
                    .cases
                    .iter()
                    .map(|k| LinkedCaseLine {
                        id: k.id.clone(),
                        case_type: k.case_type.clone(),
                        status: k.status.clone(),
                    })
                    .collect(),
                current: current == Some(c.id.as_str()),
            }
        })
        .collect()
}

/// Opens a phone contact with the customer (the agent has them on the line) and shows
/// their 360 page for it.
pub async fn open_contact(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
    CsrfForm { desk, .. }: CsrfForm<Service, NoFields>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let back = Some("/".to_string());
    match state
        .store
        .open_contact(
            &desk.actor(),
            ContactChannel::Phone,
            Direction::Inbound,
            Some(&id),
        )
        .await
    {
        Ok(c) => Ok(Redirect::to(&customer_url(&id, &c.id)).into_response()),
        // The store reports an unknown customer as an invalid field of the request.
        Err(StoreError::Invalid(f)) if f.field == "customer_id" => {
            Err(PageError::new(&page, StoreError::NotFound, back))
        }
        Err(e) => Err(PageError::new(&page, e, back)),
    }
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    text: String,
}

/// Writes a note on the agent's open contact, then returns to the top of the customer's
/// page (header and purpose in view), where the note now stands in the timeline.
pub async fn add_note(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
    CsrfForm { desk, form: f }: CsrfForm<Service, NoteForm>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let done = state
        .store
        .add_contact_note(&desk.actor(), &id, &f.text)
        .await;
    let back = back_to_customer(&state, &id).await;
    match done {
        Ok(_) => Ok(Redirect::to(back.as_deref().unwrap_or("/")).into_response()),
        Err(e) => Err(PageError::new(&page, e, back.or(Some("/".into())))),
    }
}

/// The page to return to after a contact's form: the customer's page while the contact is
/// open (it is the purpose), its after-call work once the call has ended.
async fn back_to_customer(state: &AppState, contact_id: &str) -> Option<String> {
    let c = state.store.contact(contact_id).await.ok()?;
    if c.awaits_wrap_up() {
        return Some(contact_pages::url(contact_id));
    }
    c.customer_id.map(|cid| customer_url(&cid, contact_id))
}

#[derive(Deserialize)]
pub struct WrapUpForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    resolved: String,
    #[serde(default)]
    summary: String,
}

/// Closes the contact with its category, outcome and summary. The contact was the
/// purpose of the customer page, so the agent returns to the start page.
pub async fn wrap_up(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
    CsrfForm { desk, form: f }: CsrfForm<Service, WrapUpForm>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let resolved = match f.resolved.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    let known = state.store.wrap_up.contains(&f.category);
    let (Some(resolved), true) = (resolved, known) else {
        let back = back_to_customer(&state, &id).await;
        let (status, title) = (StatusCode::BAD_REQUEST, page.t.err_invalid_title);
        return Err(PageError::message(
            &page,
            status,
            title,
            page.t.err_category,
            back,
        ));
    };
    match state
        .store
        .wrap_up_contact(&desk.actor(), &id, &f.category, resolved, &f.summary)
        .await
    {
        Ok(c) => {
            finish_routing(&state.live, &c.id).await;
            Ok(Redirect::to(&format!("/?closed={}", url_encode(&c.id))).into_response())
        }
        Err(e) => {
            let back = back_to_customer(&state, &id).await;
            Err(PageError::new(&page, e, back))
        }
    }
}

#[derive(Deserialize)]
pub struct IdentityForm {
    #[serde(default)]
    method: String,
    #[serde(default)]
    result: String,
}

/// Records how the caller proved who they are (or failed to), then returns to their page,
/// where the purpose box shows the new state.
pub async fn verify_identity(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
    CsrfForm { desk, form: f }: CsrfForm<Service, IdentityForm>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let (Some(method), Some(result)) = (
        VerificationMethod::parse(&f.method),
        VerificationResult::parse(&f.result),
    ) else {
        let back = back_to_customer(&state, &id).await;
        let (status, title) = (StatusCode::BAD_REQUEST, page.t.err_invalid_title);
        let text = page.t.err_identity_form;
        return Err(PageError::message(&page, status, title, text, back));
    };
    match state
        .store
        .verify_identity(&desk.actor(), &id, method, result)
        .await
    {
        Ok(c) => {
            let back = c.customer_id.map(|cid| customer_url(&cid, &c.id));
            Ok(Redirect::to(back.as_deref().unwrap_or("/")).into_response())
        }
        Err(e) => {
            let back = back_to_customer(&state, &id).await;
            Err(PageError::new(&page, e, back))
        }
    }
}
