//! How times and values are written out: one spelling for the API, the pages and the
//! chat's links alike.

use bankdesk_domain::bank_tz;
use chrono::{DateTime, FixedOffset};

/// Percent-encodes a value for a query string: the desktop's links, and the chat's links
/// to it.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An epoch-millisecond time as RFC 3339 in the given offset (the bank's by default).
pub fn rfc3339(at_ms: i64, offset_s: Option<i64>) -> String {
    let tz = offset_s
        .and_then(|s| i32::try_from(s).ok())
        .and_then(FixedOffset::east_opt)
        .unwrap_or_else(bank_tz);
    DateTime::from_timestamp_millis(at_ms)
        .map(|t| t.with_timezone(&tz).to_rfc3339())
        .unwrap_or_default()
}
