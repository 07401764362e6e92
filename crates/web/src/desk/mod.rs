//! The use cases both faces call: the JSON API (`api/`, `messaging/api.rs`) and the
//! desktop pages (`pages/`) are two doors to the same rules, so each rule is written once,
//! here, over the store, and neither face borrows from the other (`tests/layers.rs`).
//! Nothing here knows of requests or templates; errors are [`ApiError`]s, which each face
//! shows in its own way.

pub mod audit;
pub mod cases;
pub mod customers;
pub mod messaging;
pub mod privacy;
pub mod routing;
pub mod users;

use crate::error::{ApiError, ApiResult};
use chrono::DateTime;

/// A time as the API and the forms take it: RFC 3339, or `YYYY-MM-DD` for the start of
/// that day in the bank's time zone. `name` is the field an error blames.
pub fn time_param(name: &str, v: Option<&str>) -> ApiResult<Option<i64>> {
    v.map(|s| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.timestamp_millis())
            .or_else(|_| {
                chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map(|d| {
                    d.and_hms_opt(0, 0, 0).map_or(0, |t| {
                        t.and_local_timezone(crate::view::bank_tz())
                            .single()
                            .map_or(0, |x| x.timestamp_millis())
                    })
                })
            })
            .map_err(|_| ApiError::field(name, "an RFC 3339 time or a YYYY-MM-DD date"))
    })
    .transpose()
}
