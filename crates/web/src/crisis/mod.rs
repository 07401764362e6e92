//! Public-opinion crises: the board, actions, reports to the regulator and incoming signals.

pub(crate) mod api;
pub(crate) mod pages;
