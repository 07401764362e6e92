//! The JSON API's list envelope, shared by every list endpoint.

/// `{"items": [...], "next": cursor-or-null}`
#[derive(serde::Serialize)]
pub struct List<T: serde::Serialize> {
    pub items: Vec<T>,
    pub next: Option<String>,
}
