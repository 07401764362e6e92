//! The service layer of bankdesk, between the HTTP faces (`bankdesk_web`: the JSON API
//! and the desktop pages) and the store and search index.
//!
//! It holds two kinds of thing:
//! - the use cases both faces call (`audit`, `cases`, `customers`, `messaging`,
//!   `privacy`, `routing`, `users`): the API and the pages are two doors to the same rules,
//!   so each rule is written once, here, and neither face borrows from the other;
//! - the long-running services, bundled in [`Desk`]: the live desk and its routing board
//!   ([`live`]), the chat hub ([`chat`]), the knowledge index kept in step with the store
//!   ([`kb`]), and the workers that run on their own: the outbox with its SMTP and WeChat
//!   adapters ([`outbox`]), the escalation scheduler ([`escalation`]) and the audit
//!   chain's sealer ([`audit::seal`]).
//!
//! Nothing here knows of requests, responses or templates (the crate does not depend on
//! axum; `bankdesk_web`'s `tests/layers.rs` checks it). Failures are [`DeskError`]s, which
//! the web crate maps to the one error table.
#![forbid(unsafe_code)]

pub mod audit;
pub mod cases;
pub mod chat;
pub mod customers;
pub mod demo;
pub mod error;
pub mod escalation;
pub mod kb;
pub mod live;
pub mod messaging;
pub mod outbox;
pub mod privacy;
pub mod routing;
pub mod text;
pub mod users;

pub use error::{DeskError, DeskResult, KnowledgeError};

use bankdesk_store::Store;
use chrono::DateTime;
use std::sync::Arc;

/// Settings of the services (a slice of the binary's configuration).
#[derive(Clone, Debug, Default)]
pub struct DeskConfig {
    /// Demo only: with no SMS gateway, the chat's one-time codes are shown to the
    /// customer in the chat (and logged) instead of being texted.
    pub chat_demo_codes: bool,
    /// The bank's SMS gateway for the chat's one-time codes; unset (outside a demo) means
    /// identity cannot be checked in the chat.
    pub sms: Option<chat::codes::SmsConfig>,
    /// Route a skill's contacts only to agents who passed its current exam (issue 6).
    pub routing_exam_gate: bool,
    /// The router's tunables (the aging step).
    pub routing_policy: bankdesk_domain::routing::Policy,
}

/// The services one process runs, shared by every request and socket: cheap to clone.
#[derive(Clone)]
pub struct Desk {
    pub store: Store,
    /// Knowledge search, kept in step with the store.
    pub kb: Arc<kb::Knowledge>,
    /// The chat sockets that are open (web chat and the agents' desktops).
    pub chat: Arc<chat::Hub>,
    /// Routing, agent states and CTI intake, with their live updates.
    pub live: Arc<live::Live>,
}

impl Desk {
    /// Services with an in-memory knowledge index (filled from the database on first use);
    /// [`Desk::with_knowledge`] puts in the one kept in the data directory.
    pub fn new(store: Store, config: &DeskConfig) -> DeskResult<Desk> {
        let codes = chat::codes::CodeDelivery::new(config.chat_demo_codes, config.sms.as_ref())
            .map_err(|e| DeskError::new(bankdesk_domain::ErrorCode::Internal, e))?;
        Ok(Desk {
            live: Arc::new(
                live::Live::new(store.clone(), config.routing_exam_gate)
                    .with_policy(config.routing_policy),
            ),
            store,
            kb: Arc::new(kb::Knowledge::in_memory()?),
            chat: Arc::new(chat::Hub::new(codes)),
        })
    }

    pub fn with_knowledge(mut self, kb: kb::Knowledge) -> Desk {
        self.kb = Arc::new(kb);
        self
    }
}

/// A time as the API and the forms take it: RFC 3339, or `YYYY-MM-DD` for the start of
/// that day in the bank's time zone. `name` is the field an error blames.
pub fn time_param(name: &str, v: Option<&str>) -> DeskResult<Option<i64>> {
    v.map(|s| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.timestamp_millis())
            .or_else(|_| {
                chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map(|d| {
                    d.and_hms_opt(0, 0, 0).map_or(0, |t| {
                        t.and_local_timezone(bankdesk_domain::bank_tz())
                            .single()
                            .map_or(0, |x| x.timestamp_millis())
                    })
                })
            })
            .map_err(|_| DeskError::field(name, "an RFC 3339 time or a YYYY-MM-DD date"))
    })
    .transpose()
}
