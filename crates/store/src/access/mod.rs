//! The one gate in front of customer data, and every read behind it. The gate decides
//! and audits, and returns a [`Grant`]; the reads are methods of the grant over queries
//! private to their module, so "only a grant reads customer rows" holds by visibility:
//! no other code in the crate can call them.

mod gate;
mod reads;

pub use gate::{Grant, Read};
pub use reads::Overview;
