//! Statement exports: requested for a purpose, approved by a second person, downloaded once
//! approved.

pub(crate) mod api;
pub(crate) mod pages;
