//! How numbers and times look on the desktop: yuan with two decimals, rates as percent,
//! times in the bank's zone (+08:00). Exact integer arithmetic throughout, never floats.

use crate::view::bank_tz;
use bankdesk_domain::money::format_fen;
use chrono::{DateTime, NaiveDate, TimeDelta};

/// One day in milliseconds; the bank's zone has no daylight saving, so days are equal.
const DAY_MS: i64 = 86_400_000;

/// `1,234.50` (negative amounts keep their sign).
pub fn money(fen: i64) -> String {
    format_fen(fen)
}

/// `+1,234.50` / `-1,234.50`, for gains and movements where the sign is the message.
pub fn signed_money(fen: i64) -> String {
    if fen > 0 {
        format!("+{}", format_fen(fen))
    } else {
        format_fen(fen)
    }
}

/// Basis points as percent: `350` -> `3.50%`, `-20` -> `-0.20%`.
pub fn percent(bp: i64) -> String {
    let sign = if bp < 0 { "-" } else { "" };
    let abs = bp.unsigned_abs();
    format!("{sign}{}.{:02}%", abs / 100, abs % 100)
}

/// `+0.60%` / `-0.20%`: a spread or a gain, where zero and up both read as not-down.
pub fn signed_percent(bp: i64) -> String {
    if bp >= 0 {
        format!("+{}", percent(bp))
    } else {
        percent(bp)
    }
}

/// Net value per unit in ten-thousandths of a yuan: `10234` -> `1.0234`.
pub fn nav(x10000: i64) -> String {
    let sign = if x10000 < 0 { "-" } else { "" };
    let abs = x10000.unsigned_abs();
    format!("{sign}{}.{:04}", abs / 10_000, abs % 10_000)
}

/// An RFC 3339 time from a view, shown to the minute in the bank's zone. A value that
/// does not parse is shown as it is rather than dropped.
pub fn bank_time(rfc3339: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            t.with_timezone(&bank_tz())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// An RFC 3339 time to the second in the bank's zone, for records whose order within a
/// minute matters (the audit log).
pub fn bank_second(rfc3339: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            t.with_timezone(&bank_tz())
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// The bank's day of an RFC 3339 time, `2026-11-01`; shown as it is if it does not parse.
pub fn bank_day(rfc3339: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.with_timezone(&bank_tz()).format("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// The last day of a period whose end (an RFC 3339 time) is exclusive: a period ending at
/// midnight on 1 December ends, for people, on 30 November.
pub fn last_day(rfc3339_end: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339_end)
        .map(|t| {
            (t - TimeDelta::milliseconds(1))
                .with_timezone(&bank_tz())
                .format("%Y-%m-%d")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339_end.to_string())
}

/// The start of a `YYYY-MM-DD` day in the bank's zone, in epoch milliseconds.
pub fn day_start_ms(date: &str) -> Option<i64> {
    NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .ok()?
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(bank_tz())
        .single()
        .map(|t| t.timestamp_millis())
}

/// The end of a `YYYY-MM-DD` day: the start of the next. Forms take a last day that is
/// included; stored periods end exclusively, and this turns one into the other.
pub fn day_end_ms(date: &str) -> Option<i64> {
    day_start_ms(date).map(|ms| ms + DAY_MS)
}

/// The date after a `YYYY-MM-DD` date: an included last day as the exclusive bound the
/// audit search takes.
pub fn day_after(date: &str) -> Option<String> {
    NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .ok()?
        .succ_opt()
        .map(|d| d.to_string())
}

/// Amount classes: money leaving the customer reads differently from money arriving.
pub fn amount_class(fen: i64) -> &'static str {
    if fen < 0 { "out" } else { "in" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(percent(350), "3.50%");
        assert_eq!(percent(-20), "-0.20%");
        assert_eq!(percent(5), "0.05%");
        assert_eq!(signed_percent(60), "+0.60%");
        assert_eq!(signed_percent(0), "+0.00%");
        assert_eq!(signed_money(123_456), "+1,234.56");
        assert_eq!(signed_money(-5), "-0.05");
        assert_eq!(nav(10_234), "1.0234");
        assert_eq!(nav(9_650), "0.9650");
    }

    #[test]
    fn times_are_shown_in_the_banks_zone() {
        assert_eq!(bank_time("2026-05-01T01:30:00+00:00"), "2026-05-01 09:30");
        assert_eq!(bank_time("2026-05-01T10:30:00+09:00"), "2026-05-01 09:30");
        assert_eq!(bank_time("garbage"), "garbage");
    }

    #[test]
    fn days_are_the_banks_and_last_days_are_included() {
        assert_eq!(bank_day("2026-04-30T17:00:00+00:00"), "2026-05-01");
        assert_eq!(
            bank_second("2026-04-30T17:00:09+00:00"),
            "2026-05-01 01:00:09"
        );
        assert_eq!(last_day("2026-12-01T00:00:00+08:00"), "2026-11-30");
        assert_eq!(last_day("2026-12-01T09:30:00+08:00"), "2026-12-01");
        let start = day_start_ms("2026-11-30").unwrap();
        assert_eq!(
            bank_time(&crate::view::rfc3339(start, None)),
            "2026-11-30 00:00"
        );
        assert_eq!(day_end_ms("2026-11-30"), day_start_ms("2026-12-01"));
        assert_eq!(day_after("2026-12-31").as_deref(), Some("2027-01-01"));
        assert_eq!(day_start_ms("2026-13-01"), None);
        assert_eq!(day_after("yesterday"), None);
    }
}
