//! The knowledge base: articles with reviewed versions, search and suggestions, and the staff help
//! pages.

pub(crate) mod api;
pub(crate) mod pages;
#[cfg(test)]
mod pages_tests;
