//! Every page of the desktop and the URL it answers at.

use crate::state::AppState;
use crate::{
    alert, audit, case, complaint, contact, crisis, customer, exam, export, knowledge, legal_order,
    login, messaging, routing, user,
};
use axum::Router;
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::pages::form).post(login::pages::submit))
        .route("/logout", post(login::pages::logout))
        .route(
            "/",
            get(customer::pages::home::page).post(customer::pages::home::search),
        )
        .route("/customers/{id}", get(customer::pages::page))
        .route(
            "/customers/{id}/contacts",
            post(customer::pages::open_contact),
        )
        .route("/contacts/{id}", get(contact::pages::page))
        .route("/contacts/{id}/notes", post(customer::pages::add_note))
        .route("/contacts/{id}/wrap-up", post(customer::pages::wrap_up))
        .route(
            "/contacts/{id}/identity-verification",
            post(customer::pages::verify_identity),
        )
        .route(
            "/customers/{id}/reveal",
            post(customer::pages::reveal::reveal),
        )
        .route(
            "/customers/{id}/statement-exports",
            post(export::pages::request),
        )
        .route("/exports", get(export::pages::list))
        .route("/exports/{id}/approve", post(export::pages::approve))
        .route("/exports/{id}/file", get(export::pages::file))
        .route("/compliance", get(alert::pages::alerts))
        .route("/compliance/alerts/{id}", post(alert::pages::update_alert))
        .route(
            "/compliance/orders",
            get(legal_order::pages::orders).post(legal_order::pages::register_order),
        )
        .route(
            "/compliance/orders/{id}/verify",
            post(legal_order::pages::verify_order),
        )
        .route("/compliance/audit", get(audit::pages::page))
        .route("/compliance/audit.csv", get(audit::pages::csv))
        .route("/cases", get(case::pages::list))
        .route("/cases/{id}", get(case::pages::page))
        .route("/cases/{id}/move", post(case::pages::move_case))
        .route("/cases/{id}/assignment", post(case::pages::assign))
        .route("/cases/{id}/notes", post(case::pages::add_note))
        .route(
            "/cases/{id}/extension",
            post(case::pages::request_extension),
        )
        .route(
            "/cases/{id}/extensions/{eid}/approve",
            post(case::pages::approve_extension),
        )
        .route("/cases/{id}/appraisal", post(case::pages::appraisal))
        .route("/complaints", get(complaint::pages::register))
        .route("/complaints.csv", get(complaint::pages::register_csv))
        .route(
            "/crises",
            get(crisis::pages::board).post(crisis::pages::raise),
        )
        .route("/crises/{id}", get(crisis::pages::crisis))
        .route("/crises/{id}/entries", post(crisis::pages::crisis_entry))
        .route("/signals/{id}/dismiss", post(crisis::pages::dismiss_signal))
        .route("/inbox", get(messaging::pages::inbox))
        .route("/inbox/{id}/take", post(messaging::pages::take))
        .route("/contacts/{id}/replies", post(messaging::pages::reply))
        .route("/contacts/{id}/customer", post(messaging::pages::attach))
        .route("/outbox", get(messaging::pages::outbox))
        .route("/outbox/{id}/retry", post(messaging::pages::retry))
        .route(
            "/admin/users",
            get(user::pages::list).post(user::pages::create),
        )
        .route("/admin/users/{id}", post(user::pages::update))
        .route("/role-requests", get(user::pages::role_requests))
        .route(
            "/role-requests/{id}/approve",
            post(user::pages::approve_role_request),
        )
        .route(
            "/role-requests/{id}/reject",
            post(user::pages::reject_role_request),
        )
        .route("/exams", get(exam::pages::list))
        .route("/exams/{id}/start", post(exam::pages::start))
        .route(
            "/exam-attempts/{id}",
            get(exam::pages::attempt).post(exam::pages::submit),
        )
        .route("/help", get(knowledge::pages::page))
        .route("/help/{id}", get(knowledge::pages::article))
        .route("/static/desk.css", get(super::stylesheet))
        .route("/static/desk.js", get(super::script))
        .route("/desk/workspace", get(routing::pages::workspace::page))
        .route(
            "/static/workspace.js",
            get(routing::pages::workspace::script),
        )
        .route("/desk/live", get(routing::pages::live::page))
        .route("/desk/live/ws", get(routing::pages::live::socket))
        .route("/static/live.js", get(routing::pages::live::script))
}
