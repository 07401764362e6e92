//! Floating-rate loans on the Loan Prime Rate: the rate is the LPR in force at the last
//! repricing plus the contract spread, repriced every 1 January or on each anniversary;
//! repayment is by equal monthly instalments (等额本息).

use crate::bank::{LprTerm, RepricingRule};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// LPR announcements (effective date, 1-year bp, 5-year bp), as published by the National
/// Interbank Funding Center since the 2019 reform. Extend when a new fixing is announced.
pub const LPR_HISTORY: &[(i32, u32, u32, i32, i32)] = &[
    (2019, 8, 20, 425, 485),
    (2019, 9, 20, 420, 485),
    (2019, 11, 20, 415, 480),
    (2020, 2, 20, 405, 475),
    (2020, 4, 20, 385, 465),
    (2021, 12, 20, 380, 465),
    (2022, 1, 20, 370, 460),
    (2022, 5, 20, 370, 445),
    (2022, 8, 22, 365, 430),
    (2023, 6, 20, 355, 420),
    (2023, 8, 21, 345, 420),
    (2024, 2, 20, 345, 395),
    (2024, 7, 22, 335, 385),
    (2024, 10, 21, 310, 360),
    (2025, 5, 20, 300, 350),
];

/// The LPR in force on `date` for the tenor, in basis points.
pub fn lpr_on(date: NaiveDate, term: LprTerm) -> i32 {
    let mut rate = (LPR_HISTORY[0].3, LPR_HISTORY[0].4);
    for &(y, m, d, one, five) in LPR_HISTORY {
        match NaiveDate::from_ymd_opt(y, m, d) {
            Some(eff) if eff <= date => rate = (one, five),
            _ => break,
        }
    }
    match term {
        LprTerm::OneYear => rate.0,
        LprTerm::FiveYear => rate.1,
    }
}

/// The first repricing date strictly after `today`.
pub fn next_repricing(rule: RepricingRule, start: NaiveDate, today: NaiveDate) -> NaiveDate {
    match rule {
        RepricingRule::January => NaiveDate::from_ymd_opt(today.year() + 1, 1, 1).unwrap_or(today),
        RepricingRule::Anniversary => {
            let this_year = anniversary(start, today.year());
            if this_year > today {
                this_year
            } else {
                anniversary(start, today.year() + 1)
            }
        }
    }
}

/// The most recent repricing date on or before `today` (the loan's start at the latest).
pub fn last_repricing(rule: RepricingRule, start: NaiveDate, today: NaiveDate) -> NaiveDate {
    let candidate = match rule {
        RepricingRule::January => NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today),
        RepricingRule::Anniversary => {
            let this_year = anniversary(start, today.year());
            if this_year <= today {
                this_year
            } else {
                anniversary(start, today.year() - 1)
            }
        }
    };
    candidate.max(start)
}

/// The anniversary of `start` in `year`; 29 February falls on 28 February in other years.
fn anniversary(start: NaiveDate, year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, start.month(), start.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, start.month(), 28))
        .unwrap_or(start)
}

/// The rate a loan carries from its last repricing on or before `today`.
pub fn rate_on(
    term: LprTerm,
    spread_bp: i32,
    rule: RepricingRule,
    start: NaiveDate,
    today: NaiveDate,
) -> i32 {
    lpr_on(last_repricing(rule, start, today), term) + spread_bp
}

/// Equal monthly instalment for `principal_fen` over `months` at `rate_bp` a year.
pub fn monthly_payment_fen(principal_fen: i64, rate_bp: i32, months: u32) -> i64 {
    if months == 0 {
        return principal_fen;
    }
    let r = f64::from(rate_bp) / 10_000.0 / 12.0;
    let p = principal_fen as f64;
    let n = f64::from(months);
    let pay = if r == 0.0 {
        p / n
    } else {
        p * r * (1.0 + r).powf(n) / ((1.0 + r).powf(n) - 1.0)
    };
    pay.round() as i64
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Instalment {
    pub n: u32,
    pub due_on: NaiveDate,
    pub payment_fen: i64,
    pub principal_fen: i64,
    pub interest_fen: i64,
    pub remaining_fen: i64,
}

/// The next `count` instalments of a loan with `outstanding_fen` left, `months_left` to go,
/// at `rate_bp`; the first due one month after `from`. The last instalment clears the rest.
pub fn schedule(
    outstanding_fen: i64,
    rate_bp: i32,
    months_left: u32,
    from: NaiveDate,
    count: u32,
) -> Vec<Instalment> {
    let pay = monthly_payment_fen(outstanding_fen, rate_bp, months_left);
    let r = f64::from(rate_bp) / 10_000.0 / 12.0;
    let mut remaining = outstanding_fen;
    let mut out = Vec::new();
    for n in 1..=months_left.min(count) {
        let interest = (remaining as f64 * r).round() as i64;
        let principal = if n == months_left {
            remaining
        } else {
            (pay - interest).min(remaining)
        };
        remaining -= principal;
        out.push(Instalment {
            n,
            due_on: from
                .checked_add_months(chrono::Months::new(n))
                .unwrap_or(from),
            payment_fen: principal + interest,
            principal_fen: principal,
            interest_fen: interest,
            remaining_fen: remaining,
        });
    }
    out
}

/// Months still to pay on a loan of `term_months` that started on `start`.
pub fn months_left(start: NaiveDate, term_months: u32, today: NaiveDate) -> u32 {
    let elapsed = (today.year() - start.year()) * 12 + today.month() as i32 - start.month() as i32;
    (term_months as i32 - elapsed.max(0)).max(0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn lpr_lookup() {
        assert_eq!(lpr_on(d(2024, 10, 20), LprTerm::FiveYear), 385);
        assert_eq!(lpr_on(d(2024, 10, 21), LprTerm::FiveYear), 360);
        assert_eq!(lpr_on(d(2026, 1, 1), LprTerm::OneYear), 300);
        assert_eq!(lpr_on(d(2018, 1, 1), LprTerm::OneYear), 425);
    }

    #[test]
    fn january_repricing_takes_the_lpr_of_1_january() {
        // Seed 001: 刘女士's mortgage repriced in January on the 5-year LPR.
        let start = d(2021, 6, 15);
        assert_eq!(
            next_repricing(RepricingRule::January, start, d(2026, 11, 22)),
            d(2027, 1, 1)
        );
        assert_eq!(
            last_repricing(RepricingRule::January, start, d(2025, 3, 1)),
            d(2025, 1, 1)
        );
        assert_eq!(
            rate_on(
                LprTerm::FiveYear,
                -20,
                RepricingRule::January,
                start,
                d(2025, 3, 1)
            ),
            340
        );
        assert_eq!(
            rate_on(
                LprTerm::FiveYear,
                -20,
                RepricingRule::January,
                start,
                d(2024, 3, 1)
            ),
            400
        );
    }

    #[test]
    fn anniversary_repricing() {
        let start = d(2020, 2, 29);
        assert_eq!(
            next_repricing(RepricingRule::Anniversary, start, d(2026, 1, 10)),
            d(2026, 2, 28)
        );
        assert_eq!(
            next_repricing(RepricingRule::Anniversary, start, d(2026, 3, 1)),
            d(2027, 2, 28)
        );
        assert_eq!(
            last_repricing(RepricingRule::Anniversary, start, d(2020, 5, 1)),
            start
        );
    }

    #[test]
    fn equal_instalments() {
        // 1,000,000 yuan over 30 years at 4.90%: the textbook 5,307.27 yuan a month.
        assert_eq!(monthly_payment_fen(100_000_000, 490, 360), 530_727);
        assert_eq!(monthly_payment_fen(120_000, 0, 12), 10_000);
        let s = schedule(100_000_000, 490, 360, d(2026, 1, 15), 360);
        assert_eq!(s.len(), 360);
        assert_eq!(s.last().unwrap().remaining_fen, 0);
        assert_eq!(s[0].due_on, d(2026, 2, 15));
        assert_eq!(s[0].interest_fen, 408_333);
        let paid: i64 = s.iter().map(|i| i.principal_fen).sum();
        assert_eq!(paid, 100_000_000);
    }

    #[test]
    fn months_left_counts_down() {
        assert_eq!(months_left(d(2021, 6, 15), 360, d(2026, 11, 22)), 295);
        assert_eq!(months_left(d(1990, 1, 1), 12, d(2026, 1, 1)), 0);
    }
}
