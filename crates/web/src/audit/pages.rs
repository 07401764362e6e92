//! The audit log for compliance: whether the hash chain holds (and where it breaks), the
//! records filtered by customer, staff member, action and days, paged backwards, and the
//! same selection as CSV. Search and CSV are shared with the API ([`Filters`],
//! [`export_csv`]), so the page and the API never disagree about what a filter selects.

use crate::auth::{Compliance, Desk};
use crate::download::csv_file;
use crate::error::ApiError;
use crate::pages::format::{bank_second, day_after};
use crate::pages::i18n::Messages;
use crate::pages::{Chrome, LangPrefs, OrPage, Page, PageError, Person, Staff, url_encode};
use crate::state::AppState;
use crate::view::rfc3339;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use bankdesk_desk::audit::{Filters, export_csv};
use bankdesk_domain::ErrorCode;
use bankdesk_domain::audit::AuditEntry;
use bankdesk_store::StoreError;
use bankdesk_store::audit::AuditQuery;
use serde::Deserialize;

/// Records per page.
const PAGE: u32 = 50;

/// Most evidence records one link may ask for.
const MAX_SEQS: usize = 20;

/// Actions offered as suggestions in the filter (any action may be typed).
const ACTIONS: [&str; 16] = [
    "access.refused",
    "customer.search",
    "customer.overview",
    "customer.transactions",
    "customer.reveal",
    "contact.open",
    "contact.identity_verification",
    "statement_export.request",
    "statement_export.created",
    "statement_export.refused",
    "statement_export.approve",
    "statement_export.approval_refused",
    "statement_export.download",
    "legal_order.register",
    "legal_order.verify",
    "audit.export",
];

/// The filter form as typed; every value is text so that a mistyped one is explained on
/// the page instead of failing the request.
#[derive(Deserialize, Default)]
pub struct AuditPageQuery {
    #[serde(default)]
    customer_id: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    /// The last day, included.
    #[serde(default)]
    to: String,
    /// Cursor: show records before this seq.
    #[serde(default)]
    before: String,
    /// Comma-separated seqs: an alert's evidence, shown alone.
    #[serde(default)]
    seqs: String,
}

impl AuditPageQuery {
    /// The search filters. The form's last day is included, the search's `to` is not: a
    /// plain date moves to the next day, anything else is passed on to be checked.
    fn filters(&self) -> Filters {
        let given = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        Filters {
            customer_id: given(&self.customer_id),
            actor: given(&self.actor),
            action: given(&self.action),
            from: given(&self.from),
            to: given(&self.to).map(|to| day_after(&to).unwrap_or(to)),
        }
    }

    /// The filters as a query string, for the paging and CSV links.
    fn query_string(&self) -> String {
        [
            ("customer_id", &self.customer_id),
            ("actor", &self.actor),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", url_encode(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
    }

    /// The evidence seqs asked for, if any; `None` as well when one does not parse.
    fn seqs(&self) -> Option<Vec<i64>> {
        if self.seqs.trim().is_empty() {
            return None;
        }
        self.seqs
            .split(',')
            .take(MAX_SEQS)
            .map(|s| s.trim().parse().ok())
            .collect()
    }
}

struct AuditLine {
    seq: i64,
    at: String,
    actor: Person,
    action: String,
    refused: bool,
    customer_id: String,
    purpose: String,
    detail: String,
}

/// The chain's state, at the top of every page.
struct Chain {
    ok: bool,
    text: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    chain: Chain,
    f: &'a AuditPageQuery,
    actions: &'static [&'static str],
    rows: Vec<AuditLine>,
    evidence: bool,
    error: Option<&'static str>,
    newest_url: Option<String>,
    older_url: Option<String>,
    csv_url: String,
}

pub async fn page(
    State(state): State<AppState>,
    desk: Desk<Compliance>,
    prefs: LangPrefs,
    Query(q): Query<AuditPageQuery>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let t = page.t;
    // The whole chain is walked (and checked against its checkpoints) on every view: a
    // break or a cut must show the moment it exists.
    let verified =
        bankdesk_desk::audit::seal::verify(&state.store, state.config.audit_seal.as_ref())
            .await
            .map_err(bankdesk_desk::DeskError::from);
    let chain = match verified {
        Ok(v) => Chain {
            ok: v.ok,
            text: match v.first_bad_seq {
                _ if v.ok => page.lang.chain_ok(v.entries),
                Some(seq) => page.lang.chain_broken(seq),
                None => page.lang.chain_checkpoints_untrusted(),
            },
        },
        Err(e) => return Err(PageError::new(&page, e, None)),
    };
    let evidence = q.seqs();
    let before = q.before.trim();
    let before = (!before.is_empty()).then(|| before.parse::<i64>().ok());
    // A cursor that is no number, or a date that is none, is explained above the table.
    let search = match (&evidence, before) {
        (Some(seqs), _) => Ok(Search::Seqs(seqs.clone())),
        (None, Some(None)) => Err(t.err_filter_date),
        (None, cursor) => q
            .filters()
            .query(cursor.flatten(), PAGE)
            .map(Search::Page)
            .map_err(|_| t.err_filter_date),
    };
    let (entries, error) = match search {
        Ok(s) => match s.run(&state).await {
            Ok(rows) => (rows, None),
            Err(e) => return Err(PageError::new(&page, e, None)),
        },
        Err(text) => (Vec::new(), Some(text)),
    };
    let staff = Staff::load(&state).await.or_page(&page, None)?;
    let filters = q.query_string();
    let with = |extra: String| {
        let qs = [filters.as_str(), extra.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("&");
        if qs.is_empty() {
            "/compliance/audit".to_string()
        } else {
            format!("/compliance/audit?{qs}")
        }
    };
    let older_url = (evidence.is_none() && entries.len() == PAGE as usize)
        .then(|| entries.last().map(|e| with(format!("before={}", e.seq))))
        .flatten();
    let newest_url =
        (evidence.is_none() && matches!(before, Some(Some(_)))).then(|| with(String::new()));
    let csv_url = if filters.is_empty() {
        "/compliance/audit.csv".to_string()
    } else {
        format!("/compliance/audit.csv?{filters}")
    };
    let rows = entries
        .into_iter()
        .map(|e| AuditLine {
            seq: e.seq,
            at: bank_second(&rfc3339(e.at_ms, None)),
            actor: staff.person(&e.actor),
            refused: e.action.ends_with("refused"),
            action: e.action,
            customer_id: e.customer_id.unwrap_or_default(),
            purpose: e.purpose.unwrap_or_default(),
            detail: e.detail,
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok(page.html(
        status,
        &AuditTpl {
            t,
            chrome: &page.chrome,
            chain,
            f: &q,
            actions: &ACTIONS,
            rows,
            evidence: evidence.is_some(),
            error,
            newest_url,
            older_url,
            csv_url,
        },
    ))
}

/// What the page shows: a page of the filtered log, or an alert's evidence records.
enum Search {
    Page(AuditQuery),
    Seqs(Vec<i64>),
}

impl Search {
    async fn run(self, state: &AppState) -> Result<Vec<AuditEntry>, StoreError> {
        match self {
            Search::Page(q) => state.store.audit_search(&q).await,
            Search::Seqs(seqs) => {
                let mut out = Vec::with_capacity(seqs.len());
                for seq in seqs {
                    // The newest record below seq + 1 is that record, when it still exists.
                    let found = state
                        .store
                        .audit_search(&AuditQuery {
                            before_seq: Some(seq.saturating_add(1)),
                            limit: 1,
                            ..AuditQuery::default()
                        })
                        .await?;
                    out.extend(found.into_iter().filter(|e| e.seq == seq));
                }
                Ok(out)
            }
        }
    }
}

/// The filtered log as CSV, the same selection as the page; the export is audited.
pub async fn csv(
    State(state): State<AppState>,
    desk: Desk<Compliance>,
    prefs: LangPrefs,
    Query(q): Query<AuditPageQuery>,
) -> Result<Response, PageError> {
    match export_csv(&state.store, &desk.user().username, &q.filters())
        .await
        .map_err(ApiError::from)
    {
        Ok(csv) => Ok(csv_file("audit.csv", csv)),
        Err(e) => {
            let page = Page::user(&state, &prefs, &desk).await;
            let back = Some(format!("/compliance/audit?{}", q.query_string()));
            Err(if e.code == ErrorCode::InvalidField {
                let (status, title) = (StatusCode::BAD_REQUEST, page.t.err_invalid_title);
                PageError::message(&page, status, title, page.t.err_filter_date, back)
            } else {
                PageError::new(&page, e, back)
            })
        }
    }
}
