//! The compliance desktop's insider-access alerts with their evidence. Every page here
//! needs the compliance role.

use crate::auth::{Compliance, Desk};
use crate::pages::format::bank_time;
use crate::pages::i18n::{Lang, Messages};
use crate::pages::{
    Chrome, CsrfForm, LangPrefs, OrPage, Page, PageError, Person, Staff, id_shaped, url_encode,
};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bankdesk_desk::privacy::AlertView;
use bankdesk_domain::ErrorCode;
use bankdesk_domain::alert::{self, AlertKind, AlertStatus};
use bankdesk_domain::role::Role;
use bankdesk_store::StoreError;
use serde::Deserialize;

/// How many alerts of each status the desktop lists.
const ALERTS: u32 = 200;

/// One audit record an alert points to, linked to the audit page showing just it.
struct Evidence {
    seq: i64,
    url: String,
}

struct AlertLine {
    id: String,
    kind: String,
    /// What the rule saw: the count for `many_customers`, the outcome otherwise.
    detail: String,
    who: Person,
    customer_id: String,
    when: String,
    evidence: Vec<Evidence>,
    action: String,
    /// The alert is about the viewer, who may not handle it.
    about_me: bool,
}

impl AlertLine {
    fn new(a: AlertView, lang: Lang, staff: &Staff, me: &str) -> AlertLine {
        let t = lang.messages();
        let about_me = !alert::may_handle(me, &alert::concerned(&a.kind, &a.actor, &a.detail));
        let detail = match AlertKind::parse(&a.kind) {
            Some(AlertKind::RoleChange) => {
                let roles = |key: &str| -> Vec<Role> {
                    a.detail[key]
                        .as_array()
                        .map(|rs| {
                            rs.iter()
                                .filter_map(|r| r.as_str().and_then(Role::parse))
                                .collect()
                        })
                        .unwrap_or_default()
                };
                lang.role_change(
                    a.detail["event"].as_str().unwrap_or_default(),
                    a.detail["user"].as_str().unwrap_or_default(),
                    &roles("roles_from"),
                    &roles("roles_to"),
                )
            }
            Some(AlertKind::ManyCustomers) => lang.many_customers(
                a.detail["distinct_customers_last_hour"]
                    .as_u64()
                    .unwrap_or(0),
                a.detail["threshold"].as_u64().unwrap_or(0),
            ),
            _ => match a.detail["granted"].as_bool() {
                Some(true) => t.alert_granted.to_string(),
                Some(false) => t.alert_refused.to_string(),
                None => String::new(),
            },
        };
        let evidence = a.evidence["audit_seqs"]
            .as_array()
            .map(|seqs| {
                seqs.iter()
                    .filter_map(serde_json::Value::as_i64)
                    .map(|seq| Evidence {
                        seq,
                        url: format!("/compliance/audit?seqs={seq}"),
                    })
                    .collect()
            })
            .unwrap_or_default();
        AlertLine {
            kind: lang.alert_kind(&a.kind),
            detail,
            who: staff.person(&a.actor),
            customer_id: a.customer_id.unwrap_or_default(),
            when: bank_time(&a.at),
            evidence,
            action: format!("/compliance/alerts/{}", url_encode(&a.id)),
            about_me,
            id: a.id,
        }
    }
}

#[derive(Template)]
#[template(path = "compliance_alerts.html")]
struct AlertsTpl<'a> {
    t: &'static Messages,
    chrome: &'a Chrome,
    csrf: &'a str,
    open: Vec<AlertLine>,
    acknowledged: Vec<AlertLine>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct AlertsQuery {
    updated: Option<String>,
}

/// Open alerts first (to acknowledge or close), then acknowledged ones (to close).
pub async fn alerts(
    State(state): State<AppState>,
    desk: Desk<Compliance>,
    prefs: LangPrefs,
    Query(q): Query<AlertsQuery>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let loaded = async {
        let staff = Staff::load(&state).await?;
        let open = state.store.alerts(Some(AlertStatus::Open), ALERTS).await?;
        let acknowledged = state
            .store
            .alerts(Some(AlertStatus::Acknowledged), ALERTS)
            .await?;
        Ok::<_, StoreError>((staff, open, acknowledged))
    };
    let (staff, open, acknowledged) = loaded.await.or_page(&page, None)?;
    let me = &desk.user().username;
    let line = |a| AlertLine::new(AlertView::from(a), page.lang, &staff, me);
    Ok(page.html(
        StatusCode::OK,
        &AlertsTpl {
            t: page.t,
            chrome: &page.chrome,
            csrf: &desk.session.csrf_token,
            open: open.into_iter().map(line).collect(),
            acknowledged: acknowledged.into_iter().map(line).collect(),
            notice: id_shaped(q.updated).map(|id| format!("{}{id}", page.t.alert_updated)),
        },
    ))
}

#[derive(Deserialize)]
pub struct AlertForm {
    #[serde(default)]
    status: String,
}

/// Acknowledges or closes an alert (the store audits it); an alert is never reopened.
pub async fn update_alert(
    State(state): State<AppState>,
    prefs: LangPrefs,
    Path(id): Path<String>,
    CsrfForm { desk, form: f }: CsrfForm<Compliance, AlertForm>,
) -> Result<Response, PageError> {
    let page = Page::user(&state, &prefs, &desk).await;
    let status = match AlertStatus::parse(&f.status) {
        Some(s @ (AlertStatus::Acknowledged | AlertStatus::Closed)) => s,
        _ => {
            let (status, t) = (StatusCode::BAD_REQUEST, page.t);
            return Err(PageError::message(
                &page,
                status,
                t.err_invalid_title,
                t.err_alert_status,
                Some("/compliance".into()),
            ));
        }
    };
    match state
        .store
        .set_alert_status(&desk.actor(), &id, status)
        .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/compliance?updated={}", url_encode(&id))).into_response())
        }
        Err(StoreError::Refused {
            code: ErrorCode::ConflictOfInterest,
            ..
        }) => Err(PageError::message(
            &page,
            StatusCode::FORBIDDEN,
            page.t.err_conflict_of_interest_title,
            page.t.err_own_alert,
            Some("/compliance".into()),
        )),
        Err(e) => Err(PageError::new(&page, e, Some("/compliance".into()))),
    }
}
