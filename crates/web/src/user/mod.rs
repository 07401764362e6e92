//! Staff accounts and their roles.

pub(crate) mod api;
pub(crate) mod pages;
#[cfg(test)]
mod pages_tests;
