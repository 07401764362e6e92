//! The JSON API under `/api/v1` (contract: docs/api.md).

pub(crate) mod audit;
mod auth;
pub(crate) mod cases;
pub(crate) mod contacts;
mod crises;
pub(crate) mod customers;
mod exams;
pub(crate) mod kb;
pub(crate) mod privacy;
pub(crate) mod routing;
pub(crate) mod users;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post, put};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/customers", get(customers::search))
        .route("/customers/{id}/overview", get(customers::overview))
        .route("/customers/{id}/transactions", get(customers::transactions))
        .route("/customers/{id}/reveal", post(customers::reveal))
        .route("/contacts", post(contacts::open))
        .route("/contacts/{id}", get(contacts::get))
        .route("/contacts/{id}/notes", post(contacts::add_note))
        .route("/contacts/{id}/wrap-up", post(contacts::wrap_up))
        .route(
            "/contacts/{id}/identity-verification",
            post(contacts::verify_identity),
        )
        .route(
            "/statement-exports",
            post(privacy::request_export).get(privacy::pending_exports),
        )
        .route("/statement-exports/{id}", get(privacy::get_export))
        .route(
            "/statement-exports/{id}/approve",
            post(privacy::approve_export),
        )
        .route("/statement-exports/{id}/file", get(privacy::export_file))
        .route(
            "/legal-orders",
            post(privacy::register_order).get(privacy::list_orders),
        )
        .route("/legal-orders/{id}/verify", post(privacy::verify_order))
        .route("/compliance/alerts", get(privacy::alerts))
        .route("/compliance/alerts/{id}", put(privacy::update_alert))
        .route("/audit", get(audit::search))
        .route("/audit/verify", get(audit::verify))
        .route("/audit.csv", get(audit::csv_export))
        .route("/case-types", get(cases::case_types))
        .route("/admin/case-types/{code}", put(cases::put_case_type))
        .route("/departments", get(cases::departments))
        .route("/admin/departments/{code}", put(cases::put_department))
        .route("/cases", post(cases::create).get(cases::list))
        .route("/cases/{id}", get(cases::get))
        .route("/cases/{id}/transitions", post(cases::transition))
        .route("/cases/{id}/assignment", post(cases::assign))
        .route("/cases/{id}/notes", post(cases::add_note))
        .route("/cases/{id}/contacts", post(cases::link_contact))
        .route("/cases/{id}/replies", post(cases::reply))
        .route("/cases/{id}/extensions", post(cases::request_extension))
        .route(
            "/cases/{id}/extensions/{eid}/approve",
            post(cases::approve_extension),
        )
        .route(
            "/cases/{id}/extensions/{eid}/reject",
            post(cases::reject_extension),
        )
        .route("/cases/{id}/appraisal", post(cases::appraisal))
        .route("/cases/{id}/complaint", put(cases::update_complaint))
        .route("/cases/{id}/merge", post(cases::merge))
        .route("/complaints", get(cases::register))
        .route("/complaints.csv", get(cases::register_csv))
        .route("/crises", post(crises::raise).get(crises::list))
        .route("/crises/{id}", get(crises::get).put(crises::update))
        .route("/crises/{id}/actions", post(crises::add_action))
        .route("/crises/{id}/reports", post(crises::add_report))
        .route("/crisis-board", get(crises::board))
        .route("/signals", post(crises::webhook).get(crises::signals))
        .route("/signals/import", post(crises::import))
        .route("/signals/{id}/dismiss", post(crises::dismiss_signal))
        .route("/signals/{id}/link", post(crises::link_signal))
        .route(
            "/watch-words",
            get(crises::watch_words).put(crises::set_watch_words),
        )
        .route("/notifications", get(cases::notifications))
        .route("/notifications/{id}/read", post(cases::read_notification))
        .route("/admin/users", get(users::list).post(users::create))
        .route("/kb/articles", post(kb::create).get(kb::list))
        .route("/kb/articles/{id}", put(kb::update).get(kb::get))
        .route("/kb/articles/{id}/versions", get(kb::versions))
        .route("/kb/articles/{id}/approve", post(kb::approve))
        .route("/kb/articles/{id}/reject", post(kb::reject))
        .route("/kb/articles/{id}/retire", post(kb::retire))
        .route("/kb/search", get(kb::search))
        .route("/kb/suggest", get(kb::suggest))
        .route("/kb/categories", get(kb::categories))
        .route(
            "/exam-questions",
            post(exams::create_question).get(exams::list_questions),
        )
        .route("/exam-questions/{id}/retire", post(exams::retire_question))
        .route("/exams", post(exams::create_exam).get(exams::list_exams))
        .route("/exams/{id}", get(exams::get_exam))
        .route("/exams/{id}/attempts", post(exams::start))
        .route("/exam-attempts", get(exams::history))
        .route("/exam-attempts/{id}", get(exams::get_attempt))
        .route("/exam-attempts/{id}/submit", post(exams::submit))
        .route("/exam-gate", get(exams::gate))
        .route("/admin/users/{id}", put(users::update))
        .route("/agent/ws", get(crate::chat::agent::socket))
        .merge(crate::messaging::api_routes())
        .route("/agents/me/state", put(routing::set_my_state))
        .route("/routing/requests", post(routing::request))
        .route("/contacts/{id}/transfer", post(routing::transfer))
        .route("/cti/events", post(routing::cti_events))
        .route("/calls/{call_id}", get(routing::call))
        .route("/live", get(routing::live))
        .fallback(|| async { crate::error::ApiError::not_found() })
}

/// `{"items": [...], "next": cursor-or-null}`
#[derive(serde::Serialize)]
pub struct List<T: serde::Serialize> {
    pub items: Vec<T>,
    pub next: Option<String>,
}
