//! Signing in and out, and who the caller is.

pub(crate) mod api;
pub(crate) mod pages;
