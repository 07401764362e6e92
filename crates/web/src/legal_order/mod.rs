//! Legal orders: registered by one compliance officer, verified by another, then a purpose.

pub(crate) mod api;
pub(crate) mod pages;
