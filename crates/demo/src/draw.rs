//! Small drawing helpers: weighted choice, normal and log-uniform numbers, stable places
//! from hashes, one-to-one scrambling of the customer index, and date arithmetic.

use chrono::{DateTime, Datelike, Days, FixedOffset, Months, NaiveDate, NaiveDateTime, NaiveTime};
use rand::Rng;

pub(crate) const TEN8: u64 = 100_000_000;

/// SplitMix64 finaliser: a well-mixed hash of one number.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hash of several numbers, for places and terminals that must be the same every time a
/// customer visits them.
pub(crate) fn key(parts: &[u64]) -> u64 {
    parts.iter().fold(0x5EED, |h, &p| mix(h ^ p))
}

/// A one-to-one map of `index` (below 10^8) onto eight digits: the multiplier is coprime
/// with 10, so distinct customers get distinct digits, which keeps card numbers and
/// phones unique without looking sequential.
pub(crate) fn scramble(index: u64, mult: u64, add: u64) -> u64 {
    ((index % TEN8) * mult + add) % TEN8
}

/// Index of an item drawn with probability proportional to `weight`.
pub(crate) fn weighted<T>(rng: &mut impl Rng, items: &[T], weight: impl Fn(&T) -> u32) -> usize {
    let total: u64 = items.iter().map(|i| u64::from(weight(i))).sum();
    let mut x = rng.random_range(0..total.max(1));
    for (n, item) in items.iter().enumerate() {
        let w = u64::from(weight(item));
        if x < w {
            return n;
        }
        x -= w;
    }
    items.len().saturating_sub(1)
}

pub(crate) fn chance(rng: &mut impl Rng, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// A standard normal number (Box-Muller).
pub(crate) fn normal(rng: &mut impl Rng) -> f64 {
    let u1 = rng.random::<f64>().max(1e-12);
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A number between `lo` and `hi` whose logarithm is uniform: small amounts are common,
/// large ones rare, as with purchases.
pub(crate) fn log_uniform(rng: &mut impl Rng, lo: f64, hi: f64) -> f64 {
    lo * (hi / lo).powf(rng.random::<f64>())
}

/// An amount of yuan drawn log-uniformly, in fen.
pub(crate) fn yuan_fen(rng: &mut impl Rng, lo: u32, hi: u32) -> i64 {
    (log_uniform(rng, f64::from(lo), f64::from(hi)) * 100.0).round() as i64
}

/// A point near `centre`, fixed by `key`, spread with about `sd` degrees; six decimals
/// (about 10 cm) like a terminal's registered position.
pub(crate) fn spot(centre: (f64, f64), key: u64, sd: f64) -> (f64, f64) {
    let h = mix(key);
    let unit = |shift: u32| ((h >> shift) & 0xFFFF) as f64 / 65535.0;
    // The sum of three uniforms is close enough to a normal for a map.
    let dlat = (unit(0) + unit(16) + unit(32) - 1.5) * 2.0 * sd;
    let dlon = (unit(8) + unit(24) + unit(40) - 1.5) * 2.0 * sd;
    let round = |v: f64| (v * 1e6).round() / 1e6;
    (round(centre.0 + dlat), round(centre.1 + dlon))
}

/// The date `years` years before `d`; 29 February becomes 28 February.
pub(crate) fn years_before(d: NaiveDate, years: u32) -> NaiveDate {
    d.checked_sub_months(Months::new(12 * years)).unwrap_or(d)
}

pub(crate) fn add_days(d: NaiveDate, days: u64) -> NaiveDate {
    d.checked_add_days(Days::new(days)).unwrap_or(d)
}

pub(crate) fn sub_days(d: NaiveDate, days: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(days)).unwrap_or(d)
}

pub(crate) fn add_months(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_add_months(Months::new(months)).unwrap_or(d)
}

/// A uniformly drawn day in `[lo, hi)`; `lo` when the range is empty.
pub(crate) fn day_between(rng: &mut impl Rng, lo: NaiveDate, hi: NaiveDate) -> NaiveDate {
    let span = (hi - lo).num_days();
    if span <= 0 {
        lo
    } else {
        add_days(lo, rng.random_range(0..span) as u64)
    }
}

/// The day in `year`-`month` with day-of-month `day` (capped at 28 so every month has it).
pub(crate) fn day_in(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day.clamp(1, 28))
}

/// Friday for a Saturday or Sunday: payroll and pensions are paid on working days.
pub(crate) fn working_day(d: NaiveDate) -> NaiveDate {
    match d.weekday().num_days_from_monday() {
        5 => sub_days(d, 1),
        6 => sub_days(d, 2),
        _ => d,
    }
}

/// `d` at `h:m:s`.
pub(crate) fn at(d: NaiveDate, h: u32, m: u32, s: u32) -> NaiveDateTime {
    d.and_time(NaiveTime::from_hms_opt(h % 24, m % 60, s % 60).unwrap_or(NaiveTime::MIN))
}

/// A random time on `d`, with the hour drawn from `weights`.
pub(crate) fn time_on(rng: &mut impl Rng, d: NaiveDate, weights: &[u32; 24]) -> NaiveDateTime {
    let hour = weighted(rng, weights, |w| *w) as u32;
    at(d, hour, rng.random_range(0..60), rng.random_range(0..60))
}

/// Beijing time: the bank's clock and the offset printed on every transaction.
pub(crate) const BEIJING: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(o) => o,
    None => panic!("+08:00 is a valid offset"),
};

/// A local Beijing time as an instant with its offset.
pub(crate) fn local(t: NaiveDateTime) -> DateTime<FixedOffset> {
    DateTime::from_naive_utc_and_offset(t - chrono::Duration::hours(8), BEIJING)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn scramble_is_one_to_one() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..200_000 {
            assert!(seen.insert(scramble(i, 48_271_379, 12_345)));
        }
        assert!(scramble(99_999_999, 48_271_379, 99_999_999) < TEN8);
    }

    #[test]
    fn dates() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(years_before(d(2024, 2, 29), 1), d(2023, 2, 28));
        assert_eq!(working_day(d(2026, 11, 22)), d(2026, 11, 20));
        assert_eq!(working_day(d(2026, 11, 20)), d(2026, 11, 20));
        assert_eq!(
            local(at(d(2026, 11, 21), 1, 2, 3)).to_rfc3339(),
            "2026-11-21T01:02:03+08:00"
        );
    }

    #[test]
    fn weighted_respects_zero_weights() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for _ in 0..1000 {
            assert_ne!(weighted(&mut rng, &[3, 0, 5], |w| *w), 1);
        }
    }
}
