//! The JSON API under `/api/v1` (contract: docs/api.md).

use crate::auth::Service;
use crate::openapi::{self, Documented, documented};
use crate::{
    alert, audit, case, chat, complaint, contact, crisis, customer, exam, export, knowledge,
    legal_order, login, routing, user,
};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::sync::OnceLock;

/// Every route of the API, each with its description: the JSON API under `/api/v1` and
/// the webhooks at the site root.
pub fn routes() -> Documented {
    Documented::default()
        .nest("/api/v1", v1())
        .merge(crate::messaging::hook_routes())
}

fn v1() -> Documented {
    Documented::default()
        .routes(documented!(serve))
        .routes(documented!(login::api::login))
        .routes(documented!(login::api::logout))
        .routes(documented!(login::api::me))
        .routes(documented!(customer::api::search))
        .routes(documented!(customer::api::overview))
        .routes(documented!(customer::api::transactions))
        .routes(documented!(customer::api::reveal))
        .routes(documented!(contact::api::open))
        .routes(documented!(contact::api::get))
        .routes(documented!(contact::api::add_note))
        .routes(documented!(contact::api::wrap_up))
        .routes(documented!(contact::api::verify_identity))
        .routes(documented!(export::api::request_export))
        .routes(documented!(export::api::pending_exports))
        .routes(documented!(export::api::get_export))
        .routes(documented!(export::api::approve_export))
        .routes(documented!(export::api::export_file))
        .routes(documented!(legal_order::api::register_order))
        .routes(documented!(legal_order::api::list_orders))
        .routes(documented!(legal_order::api::verify_order))
        .routes(documented!(alert::api::alerts))
        .routes(documented!(alert::api::update_alert))
        .routes(documented!(audit::api::search))
        .routes(documented!(audit::api::verify))
        .routes(documented!(audit::api::csv_export))
        .routes(documented!(case::api::case_types))
        .routes(documented!(case::api::put_case_type))
        .routes(documented!(case::api::departments))
        .routes(documented!(case::api::put_department))
        .routes(documented!(case::api::create))
        .routes(documented!(case::api::list))
        .routes(documented!(case::api::get))
        .routes(documented!(case::api::transition))
        .routes(documented!(case::api::assign))
        .routes(documented!(case::api::add_note))
        .routes(documented!(case::api::link_contact))
        .routes(documented!(case::api::reply))
        .routes(documented!(complaint::api::request_extension))
        .routes(documented!(complaint::api::approve_extension))
        .routes(documented!(complaint::api::reject_extension))
        .routes(documented!(complaint::api::appraisal))
        .routes(documented!(complaint::api::update_complaint))
        .routes(documented!(complaint::api::merge))
        .routes(documented!(complaint::api::register))
        .routes(documented!(complaint::api::register_csv))
        .routes(documented!(case::api::notifications))
        .routes(documented!(case::api::read_notification))
        .routes(documented!(crisis::api::raise))
        .routes(documented!(crisis::api::list))
        .routes(documented!(crisis::api::get))
        .routes(documented!(crisis::api::update))
        .routes(documented!(crisis::api::add_action))
        .routes(documented!(crisis::api::add_report))
        .routes(documented!(crisis::api::board))
        .routes(documented!(crisis::api::webhook))
        .routes(documented!(crisis::api::signals))
        .routes(documented!(crisis::api::import))
        .routes(documented!(crisis::api::dismiss_signal))
        .routes(documented!(crisis::api::link_signal))
        .routes(documented!(crisis::api::watch_words))
        .routes(documented!(crisis::api::set_watch_words))
        .routes(documented!(user::api::list))
        .routes(documented!(user::api::create))
        .routes(documented!(user::api::update))
        .routes(documented!(user::api::role_requests))
        .routes(documented!(user::api::approve_role_request))
        .routes(documented!(user::api::reject_role_request))
        .routes(documented!(knowledge::api::create))
        .routes(documented!(knowledge::api::list))
        .routes(documented!(knowledge::api::update))
        .routes(documented!(knowledge::api::get))
        .routes(documented!(knowledge::api::versions))
        .routes(documented!(knowledge::api::approve))
        .routes(documented!(knowledge::api::reject))
        .routes(documented!(knowledge::api::retire))
        .routes(documented!(knowledge::api::search))
        .routes(documented!(knowledge::api::suggest))
        .routes(documented!(knowledge::api::categories))
        .routes(documented!(exam::api::create_question))
        .routes(documented!(exam::api::list_questions))
        .routes(documented!(exam::api::retire_question))
        .routes(documented!(exam::api::create_exam))
        .routes(documented!(exam::api::list_exams))
        .routes(documented!(exam::api::get_exam))
        .routes(documented!(exam::api::start))
        .routes(documented!(exam::api::history))
        .routes(documented!(exam::api::get_attempt))
        .routes(documented!(exam::api::submit))
        .routes(documented!(exam::api::gate))
        .routes(documented!(chat::agent::socket as Service))
        .routes(documented!(routing::api::set_my_state))
        .routes(documented!(routing::api::request))
        .routes(documented!(routing::api::transfer))
        .routes(documented!(routing::api::cti_events))
        .routes(documented!(routing::api::call))
        .routes(documented!(routing::api::live))
        .merge(crate::messaging::api_routes())
        .fallback(|| async { crate::error::ApiError::not_found() })
}

/// The whole document, built once from the routers.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let (_, api) = routes().into_parts();
        let mut doc = openapi::frame();
        doc.merge(api);
        serde_json::to_value(&doc).expect("the OpenAPI document serialises")
    })
}

/// This document, without login so integrators' tools can fetch it.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    responses((status = 200, description = "This document (OpenAPI 3.1)", body = Object))
)]
pub async fn serve() -> Response {
    axum::Json(document()).into_response()
}
