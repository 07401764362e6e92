//! Second-line cases: types, departments, the case lifecycle, notes, replies and deadline
//! notifications.

pub(crate) mod api;
pub(crate) mod pages;
#[cfg(test)]
mod pages_tests;
