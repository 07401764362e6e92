//! Routing: agent states, the live board, CTI events, the agent workspace.

pub(crate) mod api;
pub(crate) mod pages;
