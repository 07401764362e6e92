//! The hash-chained audit trail: search, chain verification and the CSV export.

pub(crate) mod api;
pub(crate) mod pages;
