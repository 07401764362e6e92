//! The JSON API under `/api/v1` (contract: docs/api.md).

pub(crate) mod audit;
mod auth;
pub(crate) mod cases;
pub(crate) mod contacts;
mod crises;
pub(crate) mod customers;
mod exams;
pub(crate) mod kb;
pub mod openapi;
pub(crate) mod privacy;
pub(crate) mod routing;
pub(crate) mod users;

use crate::auth::Service;
use crate::chat;
use openapi::{Documented, documented};

/// Every route of the API, each with its description: the JSON API under `/api/v1` and
/// the webhooks at the site root.
pub fn routes() -> Documented {
    Documented::default()
        .nest("/api/v1", v1())
        .merge(crate::messaging::hook_routes())
}

fn v1() -> Documented {
    Documented::default()
        .routes(documented!(openapi::serve))
        .routes(documented!(auth::login))
        .routes(documented!(auth::logout))
        .routes(documented!(auth::me))
        .routes(documented!(customers::search))
        .routes(documented!(customers::overview))
        .routes(documented!(customers::transactions))
        .routes(documented!(customers::reveal))
        .routes(documented!(contacts::open))
        .routes(documented!(contacts::get))
        .routes(documented!(contacts::add_note))
        .routes(documented!(contacts::wrap_up))
        .routes(documented!(contacts::verify_identity))
        .routes(documented!(privacy::request_export))
        .routes(documented!(privacy::pending_exports))
        .routes(documented!(privacy::get_export))
        .routes(documented!(privacy::approve_export))
        .routes(documented!(privacy::export_file))
        .routes(documented!(privacy::register_order))
        .routes(documented!(privacy::list_orders))
        .routes(documented!(privacy::verify_order))
        .routes(documented!(privacy::alerts))
        .routes(documented!(privacy::update_alert))
        .routes(documented!(audit::search))
        .routes(documented!(audit::verify))
        .routes(documented!(audit::csv_export))
        .routes(documented!(cases::case_types))
        .routes(documented!(cases::put_case_type))
        .routes(documented!(cases::departments))
        .routes(documented!(cases::put_department))
        .routes(documented!(cases::create))
        .routes(documented!(cases::list))
        .routes(documented!(cases::get))
        .routes(documented!(cases::transition))
        .routes(documented!(cases::assign))
        .routes(documented!(cases::add_note))
        .routes(documented!(cases::link_contact))
        .routes(documented!(cases::reply))
        .routes(documented!(cases::request_extension))
        .routes(documented!(cases::approve_extension))
        .routes(documented!(cases::reject_extension))
        .routes(documented!(cases::appraisal))
        .routes(documented!(cases::update_complaint))
        .routes(documented!(cases::merge))
        .routes(documented!(cases::register))
        .routes(documented!(cases::register_csv))
        .routes(documented!(cases::notifications))
        .routes(documented!(cases::read_notification))
        .routes(documented!(crises::raise))
        .routes(documented!(crises::list))
        .routes(documented!(crises::get))
        .routes(documented!(crises::update))
        .routes(documented!(crises::add_action))
        .routes(documented!(crises::add_report))
        .routes(documented!(crises::board))
        .routes(documented!(crises::webhook))
        .routes(documented!(crises::signals))
        .routes(documented!(crises::import))
        .routes(documented!(crises::dismiss_signal))
        .routes(documented!(crises::link_signal))
        .routes(documented!(crises::watch_words))
        .routes(documented!(crises::set_watch_words))
        .routes(documented!(users::list))
        .routes(documented!(users::create))
        .routes(documented!(users::update))
        .routes(documented!(kb::create))
        .routes(documented!(kb::list))
        .routes(documented!(kb::update))
        .routes(documented!(kb::get))
        .routes(documented!(kb::versions))
        .routes(documented!(kb::approve))
        .routes(documented!(kb::reject))
        .routes(documented!(kb::retire))
        .routes(documented!(kb::search))
        .routes(documented!(kb::suggest))
        .routes(documented!(kb::categories))
        .routes(documented!(exams::create_question))
        .routes(documented!(exams::list_questions))
        .routes(documented!(exams::retire_question))
        .routes(documented!(exams::create_exam))
        .routes(documented!(exams::list_exams))
        .routes(documented!(exams::get_exam))
        .routes(documented!(exams::start))
        .routes(documented!(exams::history))
        .routes(documented!(exams::get_attempt))
        .routes(documented!(exams::submit))
        .routes(documented!(exams::gate))
        .routes(documented!(chat::agent::socket as Service))
        .routes(documented!(routing::set_my_state))
        .routes(documented!(routing::request))
        .routes(documented!(routing::transfer))
        .routes(documented!(routing::cti_events))
        .routes(documented!(routing::call))
        .routes(documented!(routing::live))
        .merge(crate::messaging::api_routes())
        .fallback(|| async { crate::error::ApiError::not_found() })
}

/// `{"items": [...], "next": cursor-or-null}`
#[derive(serde::Serialize)]
pub struct List<T: serde::Serialize> {
    pub items: Vec<T>,
    pub next: Option<String>,
}
