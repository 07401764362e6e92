//! The legal-order register on the compliance desktop: one officer registers, a second
//! verifies; the two-person rule itself is the store's, shown here in words.

use crate::auth::{Compliance, Desk};
use crate::pages::format::{bank_day, bank_time, day_end_ms, day_start_ms, last_day};
use crate::pages::i18n::{Lang, Messages};
use crate::pages::{
    Chrome, CsrfForm, LangPrefs, OrPage, Page, PageError, Person, Staff, id_shaped, url_encode,
};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bankdesk_desk::privacy::OrderView;
use bankdesk_domain::ErrorCode;
use bankdesk_domain::legal_order::{OrderKind, OrderScope};
use bankdesk_store::StoreError;
use bankdesk_store::privacy::NewOrder;
use serde::Deserialize;

/// How many orders the register lists, newest first.
const ORDERS: u32 = 200;

struct OrderLine {
    id: String,
    kind: String,
    issuer: String,
    document_no: String,
    customer_id: String,
    scope: String,
    validity: String,
    status: String,
    status_class: &'static str,
    registered: Person,
    registered_at: String,
    verified: Option<Person>,
    verified_at: Option<String>,
    /// Only an order waiting for its second officer has a verify button.
    verify_action: Option<String>,
}

impl OrderLine {
    fn new(o: OrderView, lang: Lang, staff: &Staff) -> OrderLine {
        let pending = o.effective_status == "pending_verification";
        OrderLine {
            kind: lang.order_kind(&o.kind),
            scope: o
                .scope
                .iter()
                .map(|s| lang.order_scope(s.as_str()))
                .collect::<Vec<_>>()
                .join("、"),
            validity: format!("{} – {}", bank_day(&o.valid_from), last_day(&o.valid_until)),
            status: lang.order_effective_status(&o.effective_status),
            status_class: match o.effective_status.as_str() {
                "active" => "ok",
                "pending_verification" => "warn",
                "expired" => "bad",
                _ => "off",
            },
            registered: staff.person(&o.registered_by),
            registered_at: bank_time(&o.registered_at),
            verified: o.verified_by.as_deref().map(|u| staff.person(u)),
            verified_at: o.verified_at.as_deref().map(bank_time),
            verify_action: pending
                .then(|| format!("/compliance/orders/{}/verify", url_encode(&o.id))),
            id: o.id,
            issuer: o.issuer,
            document_no: o.document_no,
            customer_id: o.customer_id,
        }
    }
}

/// A choice of the register form, remembered when the form comes back with an error.
struct Choice {
    code: &'static str,
    label: String,
    chosen: bool,
}

/// The register form's values, kept when it must be shown again.
struct Draft {
    kinds: Vec<Choice>,
    scopes: Vec<Choice>,
    issuer: String,
    document_no: String,
    customer_id: String,
    valid_from: String,
    valid_until: String,
}

impl Draft {
    fn new(lang: Lang, fields: &Fields) -> Draft {
        let kind = field(fields, "kind");
        let scopes: Vec<&str> = fields
            .iter()
            .filter(|(k, _)| k == "scope")
            .map(|(_, v)| v.as_str())
            .collect();
        Draft {
            kinds: OrderKind::ALL
                .iter()
                .map(|k| Choice {
                    code: k.as_str(),
                    label: lang.order_kind(k.as_str()),
                    chosen: k.as_str() == kind,
                })
                .collect(),
            scopes: OrderScope::ALL
                .iter()
                .map(|s| Choice {
                    code: s.as_str(),
                    label: lang.order_scope(s.as_str()),
                    chosen: scopes.contains(&s.as_str()),
                })
                .collect(),
            issuer: field(fields, "issuer").trim().to_string(),
            document_no: field(fields, "document_no").trim().to_string(),
            customer_id: field(fields, "customer_id").trim().to_string(),
            valid_from: field(fields, "valid_from").trim().to_string(),
            valid_until: field(fields, "valid_until").trim().to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "compliance_orders.html")]
struct OrdersTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    csrf: &'a str,
    orders: Vec<OrderLine>,
    draft: Draft,
    error: Option<&'static str>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct OrdersQuery {
    registered: Option<String>,
    verified: Option<String>,
}

pub async fn orders(
    State(state): State<AppState>,
    desk: Desk<Compliance>,
    prefs: LangPrefs,
    Query(q): Query<OrdersQuery>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let t = page.t;
    let notice = match (id_shaped(q.registered), id_shaped(q.verified)) {
        (Some(id), _) => Some(format!("{}{id}", t.order_registered)),
        (_, Some(id)) => Some(format!("{}{id}", t.order_verified)),
        _ => None,
    };
    let draft = Draft::new(page.lang, &Vec::new());
    render_orders(&state, &page, &desk, StatusCode::OK, draft, None, notice).await
}

async fn render_orders(
    state: &AppState,
    page: &Page,
    desk: &Desk<Compliance>,
    status: StatusCode,
    draft: Draft,
    error: Option<&'static str>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let loaded = async {
        let staff = Staff::load(state).await?;
        let orders = state.store.legal_orders(None, ORDERS).await?;
        Ok::<_, StoreError>((staff, orders))
    };
    let (staff, orders) = loaded.await.or_page(page, None)?;
    Ok(page.html(
        status,
        &OrdersTpl {
            t: page.t,
            chrome: &page.chrome,
            csrf: &desk.session.csrf_token,
            orders: orders
                .into_iter()
                .map(|o| OrderLine::new(OrderView::from(o), page.lang, &staff))
                .collect(),
            draft,
            error,
            notice,
        },
    ))
}

/// The form fields, as pairs: the scope checkboxes repeat one name.
type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// The register form's typed fields. The text fields stay as they are in the form: the
/// store checks them, and its refusal names the field.
struct Typed {
    kind: OrderKind,
    scope: Vec<OrderScope>,
    valid_from_ms: i64,
    valid_until_ms: i64,
}

/// Reads the typed fields, or says what to correct. The document's last valid day is
/// included, so the order ends at the start of the next.
fn typed(t: &'static Messages, fields: &Fields) -> Result<Typed, &'static str> {
    let kind = OrderKind::parse(field(fields, "kind")).ok_or(t.err_order_kind)?;
    let mut scope = Vec::new();
    for (_, v) in fields.iter().filter(|(k, _)| k == "scope") {
        let s = OrderScope::parse(v).ok_or(t.err_scope)?;
        if !scope.contains(&s) {
            scope.push(s);
        }
    }
    match (
        day_start_ms(field(fields, "valid_from")),
        day_end_ms(field(fields, "valid_until")),
    ) {
        (Some(valid_from_ms), Some(valid_until_ms)) => Ok(Typed {
            kind,
            scope,
            valid_from_ms,
            valid_until_ms,
        }),
        _ => Err(t.err_validity),
    }
}

pub async fn register_order(
    State(state): State<AppState>,
    prefs: LangPrefs,
    CsrfForm { desk, form: fields }: CsrfForm<Compliance, Fields>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let t = page.t;
    let draft = Draft::new(page.lang, &fields);
    let bad = StatusCode::BAD_REQUEST;
    let typed = match typed(t, &fields) {
        Ok(o) => o,
        Err(text) => {
            return render_orders(&state, &page, &desk, bad, draft, Some(text), None).await;
        }
    };
    let order = NewOrder {
        kind: typed.kind,
        issuer: field(&fields, "issuer"),
        document_no: field(&fields, "document_no"),
        customer_id: field(&fields, "customer_id").trim(),
        scope: &typed.scope,
        valid_from_ms: typed.valid_from_ms,
        valid_until_ms: typed.valid_until_ms,
    };
    match state.store.register_order(&desk.actor(), &order).await {
        Ok(o) => Ok(Redirect::to(&format!(
            "/compliance/orders?registered={}",
            url_encode(&o.id)
        ))
        .into_response()),
        Err(StoreError::Invalid(f)) => {
            let text = match f.field {
                "issuer" => t.err_issuer,
                "document_no" => t.err_document_no,
                "scope" => t.err_scope,
                "customer_id" => t.err_order_customer,
                _ => t.err_validity,
            };
            render_orders(&state, &page, &desk, bad, draft, Some(text), None).await
        }
        Err(e) => Err(PageError::new(&page, e, Some("/compliance/orders".into()))),
    }
}

/// The second officer's check of the document. The registrant is refused by the store,
/// and the register says so.
pub async fn verify_order(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
    CsrfForm { desk, .. }: CsrfForm<Compliance>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let t = page.t;
    let refused = match state.store.verify_order(&desk.actor(), &id).await {
        Ok(o) => {
            return Ok(Redirect::to(&format!(
                "/compliance/orders?verified={}",
                url_encode(&o.id)
            ))
            .into_response());
        }
        Err(StoreError::Refused {
            code: ErrorCode::SamePerson,
            ..
        }) => (StatusCode::FORBIDDEN, t.err_same_person_order),
        Err(StoreError::Refused {
            code: ErrorCode::Conflict,
            ..
        }) => (StatusCode::CONFLICT, t.err_order_not_pending),
        Err(e) => return Err(PageError::new(&page, e, Some("/compliance/orders".into()))),
    };
    let draft = Draft::new(page.lang, &Vec::new());
    render_orders(
        &state,
        &page,
        &desk,
        refused.0,
        draft,
        Some(refused.1),
        None,
    )
    .await
}
