//! The customer: search, the 360 overview, transactions and the audited reveal of a number.

pub(crate) mod api;
pub(crate) mod pages;
