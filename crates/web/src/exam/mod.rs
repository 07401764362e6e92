//! Staff exams: question bank, exams, attempts and the routing gate.

pub(crate) mod api;
pub(crate) mod pages;
#[cfg(test)]
mod pages_tests;
