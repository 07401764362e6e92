//! Pure types and rules of a bank's service center: no I/O, no clocks, no database.
//!
//! Everything here is deterministic and unit-tested; the store and the web layer
//! translate between these types and the outside world.
#![forbid(unsafe_code)]

pub mod access;
pub mod actor;
pub mod alert;
pub mod approval;
pub mod audit;
pub mod bank;
pub mod calendar;
pub mod case;
pub mod chat;
pub mod complaint;
pub mod contact;
pub mod crisis;
pub mod csv;
pub mod cti;
pub mod duty;
pub mod error;
pub mod escalation;
pub mod exam;
pub mod export;
pub mod ident;
pub mod kb;
pub mod legal_order;
pub mod loan;
pub mod markdown;
pub mod mask;
pub mod money;
pub mod role;
pub mod routing;
// Messaging: email and WeChat inbound, the outbox, wrap-up categories.
pub mod email;
pub mod outbox;
pub mod wechat;
mod wire;
pub mod wrapup;

pub use actor::Actor;
pub use error::ErrorCode;

/// The bank's time zone: Asia/Shanghai has kept +08:00 all year since 1991.
pub fn bank_tz() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}
pub use money::{Currency, Money};
