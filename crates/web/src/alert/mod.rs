//! Insider-access alerts: the many-customers and off-purpose signals compliance works through.

pub(crate) mod api;
pub(crate) mod pages;
