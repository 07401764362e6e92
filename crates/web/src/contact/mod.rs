//! Contacts (calls, chats, messages): notes, identity verification, wrap-up, the after-call page.

pub(crate) mod api;
pub(crate) mod pages;
