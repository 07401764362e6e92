//! Statement exports under dual control on the desktop: the agent asks from the 360 page
//! on the customer's verified request, a second person approves on `/exports`, and only
//! the requester or the approver downloads the file (each download audited by the store).
//!
//! The rules are the store's and the domain's (`export::approval`, under the shared
//! maker-checker rule); these handlers only show their outcome in words.

use crate::auth::{AnyStaff, Approver, Desk, RoleSet};
use crate::customer::pages::purpose_url;
use crate::download::statement_file;
use crate::pages::format::{bank_day, bank_time, day_end_ms, day_start_ms, last_day};
use crate::pages::i18n::{Lang, Messages};
use crate::pages::{
    Chrome, CsrfForm, LangPrefs, OrPage, Page, PageError, Person, Staff, approves_exports,
    id_shaped, url_encode,
};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bankdesk_desk::privacy::{ExportView, check_export_range};
use bankdesk_domain::ErrorCode;
use bankdesk_domain::export::{ExportBasis, ExportStatus};
use bankdesk_store::StoreError;
use bankdesk_store::access::Read;
use serde::Deserialize;

/// How many of their own requests a person sees.
const MY_EXPORTS: u32 = 20;

/// How many pending requests an approver sees at once.
const PENDING: u32 = 200;

#[derive(Deserialize)]
pub struct ExportForm {
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    from: String,
    /// The last day, included.
    #[serde(default)]
    to: String,
}

/// The customer's own request for their statements, from the 360 page. The store refuses
/// it (`identity_not_verified`) unless the caller passed verification on this contact.
pub async fn request(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
    CsrfForm { desk, form: f }: CsrfForm<AnyStaff, ExportForm>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let back = purpose_url(&id, &f.purpose);
    let range = match (day_start_ms(&f.from), day_end_ms(&f.to)) {
        (Some(from), Some(to)) if check_export_range(from, to).is_ok() => (from, to),
        _ => {
            let (status, title) = (StatusCode::BAD_REQUEST, page.t.err_invalid_title);
            let text = page.t.err_export_range;
            return Err(PageError::message(&page, status, title, text, Some(back)));
        }
    };
    let basis = ExportBasis::CustomerRequest;
    let actor = desk.actor();
    let purpose = Some(f.purpose.as_str()).filter(|p| !p.is_empty());
    let detail = serde_json::json!({"basis": basis, "from": f.from, "to": f.to});
    let grant = state
        .store
        .customer_access(&actor, &id, purpose, Read::Export, detail)
        .await
        .or_page(&page, Some(&back))?;
    let row = grant
        .request_export(&actor, basis, range.0, range.1)
        .await
        .or_page(&page, Some(&back))?;
    Ok(Redirect::to(&format!("{back}&exported={}", url_encode(&row.id))).into_response())
}

/// One export as the lists show it.
struct ExportLine {
    id: String,
    requester: Person,
    customer_id: String,
    period: String,
    basis: String,
    purpose: String,
    requested_at: String,
    status: String,
    status_class: &'static str,
    approver: Option<Person>,
    rows: Option<i64>,
    approve_action: String,
    file_url: Option<String>,
}

impl ExportLine {
    fn new(e: ExportView, lang: Lang, staff: &Staff) -> ExportLine {
        let status = ExportStatus::parse(&e.status);
        ExportLine {
            requester: staff.person(&e.requested_by),
            period: format!("{} – {}", bank_day(&e.from), last_day(&e.to)),
            basis: lang.export_basis(&e.basis),
            requested_at: bank_time(&e.requested_at),
            status: lang.export_status(&e.status),
            status_class: match status {
                Some(ExportStatus::Approved) => "ok",
                Some(ExportStatus::PendingApproval) => "warn",
                Some(ExportStatus::Rejected) => "bad",
                None => "off",
            },
            approver: e.approved_by.as_deref().map(|u| staff.person(u)),
            rows: e.rows,
            approve_action: format!("/exports/{}/approve", url_encode(&e.id)),
            file_url: (status == Some(ExportStatus::Approved))
                .then(|| format!("/exports/{}/file", url_encode(&e.id))),
            id: e.id,
            customer_id: e.customer_id,
            purpose: e.purpose,
        }
    }
}

#[derive(Template)]
#[template(path = "exports.html")]
struct ExportsTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    csrf: &'a str,
    approver: bool,
    pending: Vec<ExportLine>,
    mine: Vec<ExportLine>,
    error: Option<&'static str>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    approved: Option<String>,
}

/// Approvers' pending requests, and everyone's own requests with their files.
pub async fn list(
    State(state): State<AppState>,
    desk: Desk,
    prefs: LangPrefs,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let notice = id_shaped(q.approved).map(|id| format!("{}{id}", page.t.export_approved));
    render(&state, &page, &desk, StatusCode::OK, None, notice).await
}

async fn render<R: RoleSet>(
    state: &AppState,
    page: &Page,
    desk: &Desk<R>,
    status: StatusCode,
    error: Option<&'static str>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let approver = approves_exports(&desk.user().roles);
    let loaded = async {
        let staff = Staff::load(state).await?;
        let pending = if approver {
            state.store.pending_exports(PENDING).await?
        } else {
            Vec::new()
        };
        let mine = state
            .store
            .exports_requested_by(&desk.user().id, MY_EXPORTS)
            .await?;
        Ok::<_, StoreError>((staff, pending, mine))
    };
    let (staff, pending, mine) = loaded.await.or_page(page, None)?;
    let line = |e| ExportLine::new(ExportView::from(e), page.lang, &staff);
    Ok(page.html(
        status,
        &ExportsTpl {
            t: page.t,
            chrome: &page.chrome,
            csrf: &desk.session.csrf_token,
            approver,
            pending: pending.into_iter().map(line).collect(),
            mine: mine.into_iter().map(line).collect(),
            error,
            notice,
        },
    ))
}

/// The second person's approval. A refusal (own request; compliance on a customer's own
/// request; already decided) is shown on the list, in words.
pub async fn approve(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
    CsrfForm { desk, .. }: CsrfForm<Approver>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let t = page.t;
    match state.store.approve_export(&desk.actor(), &id).await {
        Ok(row) => {
            Ok(Redirect::to(&format!("/exports?approved={}", url_encode(&row.id))).into_response())
        }
        Err(StoreError::Refused { code, .. }) => {
            let text = match code {
                ErrorCode::SamePerson => t.err_same_person_export,
                // Supervisors may approve any export, so an approver refused for their
                // roles is compliance facing a customer's own request.
                ErrorCode::Forbidden => t.err_compliance_customer_export,
                ErrorCode::Conflict => t.err_export_not_pending,
                _ => t.err_forbidden,
            };
            let status = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::FORBIDDEN);
            render(&state, &page, &desk, status, Some(text), None).await
        }
        Err(e) => Err(PageError::new(&page, e, Some("/exports".into()))),
    }
}

/// The approved file, with its watermark line, for the requester or the approver.
pub async fn file(
    State(state): State<AppState>,
    desk: Desk,
    prefs: LangPrefs,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    match state.store.download_export(&desk.actor(), &id).await {
        Ok(csv) => Ok(statement_file(&id, csv)),
        Err(StoreError::Refused {
            code: ErrorCode::Forbidden,
            ..
        }) => {
            let page = Page::user(&state, &prefs, &desk).await;
            let (status, title) = (StatusCode::FORBIDDEN, page.t.err_forbidden_title);
            let text = page.t.err_download_forbidden;
            Err(PageError::message(
                &page,
                status,
                title,
                text,
                Some("/exports".into()),
            ))
        }
        Err(e) => {
            let page = Page::user(&state, &prefs, &desk).await;
            Err(PageError::new(&page, e, Some("/exports".into())))
        }
    }
}
