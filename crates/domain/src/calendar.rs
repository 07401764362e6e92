//! The bank's business calendar: which days are working days in China (public holidays
//! and the weekends swapped into working days, from an editable data file), and how a
//! period in days is counted from an event.
//!
//! Periods in calendar days follow Civil Code arts. 201 and 203: the day of the event is
//! not counted, and a period whose last day is a rest day ends on the first working day
//! after it. Weekends count as rest days here, as the courts have long read art. 203
//! (and the former 民通意见 art. 198 said outright). Periods in working days count only
//! working days, swapped working weekends included.

use crate::wire::wire_enum;
use chrono::{Datelike, NaiveDate, TimeZone, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The schedule shipped with bankdesk: 2025 and 2026 as published, 2027 provisional.
pub const CHINA_2025_2027: &str = include_str!("../data/cn-holidays.toml");

/// No run of rest days in a valid calendar is longer than this, which bounds every search
/// for the next working day.
const MAX_REST_RUN: u32 = 40;

wire_enum!(
    /// Whether a year's schedule is the State Council's published notice or an estimate.
    ScheduleStatus { Published = "published", Provisional = "provisional" }
);

wire_enum!(
    /// How an SLA counts days.
    DayBasis { Calendar = "calendar", Working = "working" }
);

/// A service-level period: so many calendar or working days after the start day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sla {
    pub days: u32,
    pub basis: DayBasis,
}

/// Days on which a clock stood still. The days after `from` up to and including `to` are
/// not counted: the day a clock stops still counts, and the day it restarts does not,
/// just as the day of receipt is not counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Pause {
    fn excludes(&self, d: NaiveDate) -> bool {
        d > self.from && d <= self.to
    }
}

/// One year's entry in the calendar file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct YearInfo {
    pub year: i32,
    pub status: ScheduleStatus,
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("calendar file: {0}")]
    Syntax(String),
    #[error("calendar file: {0}")]
    Invalid(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileYear {
    year: i32,
    status: ScheduleStatus,
    #[serde(default)]
    source: String,
    holidays: Vec<FileHoliday>,
    workdays: Vec<NaiveDate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileHoliday {
    name: String,
    from: NaiveDate,
    to: NaiveDate,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    years: Vec<FileYear>,
}

/// Working days of the bank, from the holiday schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusinessCalendar {
    years: BTreeMap<i32, YearInfo>,
    holidays: BTreeMap<NaiveDate, String>,
    workdays: BTreeSet<NaiveDate>,
}

impl BusinessCalendar {
    /// Parses and checks a calendar file (the format of `data/cn-holidays.toml`).
    pub fn parse(text: &str) -> Result<BusinessCalendar, CalendarError> {
        let file: File = toml::from_str(text).map_err(|e| CalendarError::Syntax(e.to_string()))?;
        let invalid = |m: String| Err(CalendarError::Invalid(m));
        let mut cal = BusinessCalendar {
            years: BTreeMap::new(),
            holidays: BTreeMap::new(),
            workdays: BTreeSet::new(),
        };
        for y in file.years {
            if cal.years.contains_key(&y.year) {
                return invalid(format!("year {} is listed twice", y.year));
            }
            for h in &y.holidays {
                if h.from.year() != y.year || h.to < h.from || (h.to - h.from).num_days() > 31 {
                    return invalid(format!(
                        "{} {}..{}: a holiday lies in its year, from <= to, at most a month",
                        h.name, h.from, h.to
                    ));
                }
                for d in h.from.iter_days().take_while(|d| *d <= h.to) {
                    if cal.holidays.insert(d, h.name.clone()).is_some() {
                        return invalid(format!("{d} is in two holidays"));
                    }
                }
            }
            for d in y.workdays {
                if d.year() != y.year || !is_weekend(d) {
                    return invalid(format!(
                        "{d}: a swapped working day is a weekend day of year {}",
                        y.year
                    ));
                }
                if cal.holidays.contains_key(&d) {
                    return invalid(format!("{d} is both a holiday and a working day"));
                }
                cal.workdays.insert(d);
            }
            cal.years.insert(
                y.year,
                YearInfo {
                    year: y.year,
                    status: y.status,
                    source: y.source,
                },
            );
        }
        cal.check_rest_runs()?;
        Ok(cal)
    }

    /// The shipped schedule of China's public holidays.
    pub fn china() -> BusinessCalendar {
        BusinessCalendar::parse(CHINA_2025_2027).expect("the shipped calendar is valid (tested)")
    }

    fn check_rest_runs(&self) -> Result<(), CalendarError> {
        let (Some(first), Some(last)) = (self.years.keys().next(), self.years.keys().last()) else {
            return Ok(());
        };
        let (Some(start), Some(end)) = (
            NaiveDate::from_ymd_opt(*first, 1, 1),
            NaiveDate::from_ymd_opt(*last, 12, 31),
        ) else {
            return Err(CalendarError::Invalid("year out of range".into()));
        };
        let mut run = 0;
        for d in start.iter_days().take_while(|d| *d <= end) {
            run = if self.is_working_day(d) { 0 } else { run + 1 };
            if run > MAX_REST_RUN {
                return Err(CalendarError::Invalid(format!(
                    "more than {MAX_REST_RUN} rest days in a row up to {d}"
                )));
            }
        }
        Ok(())
    }

    /// The years the file lists, oldest first.
    pub fn years(&self) -> impl Iterator<Item = &YearInfo> {
        self.years.values()
    }

    /// Whether the file has a schedule for this day's year (outside it, Monday to Friday
    /// are the working days).
    pub fn covers(&self, d: NaiveDate) -> bool {
        self.years.contains_key(&d.year())
    }

    /// The holiday this day belongs to, if any.
    pub fn holiday(&self, d: NaiveDate) -> Option<&str> {
        self.holidays.get(&d).map(String::as_str)
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        self.workdays.contains(&d) || (!is_weekend(d) && !self.holidays.contains_key(&d))
    }

    /// `d` itself when it is a working day, else the first working day after it.
    pub fn working_day_on_or_after(&self, d: NaiveDate) -> NaiveDate {
        let mut day = d;
        for _ in 0..=MAX_REST_RUN {
            if self.is_working_day(day) {
                return day;
            }
            day = next(day);
        }
        day
    }

    /// The last day of a period of `sla.days` days after `start`, skipping the days
    /// `pauses` exclude. A calendar-day period whose last day is a rest day ends on the
    /// next working day; a working-day period ends on its last working day.
    pub fn due_date(&self, start: NaiveDate, sla: Sla, pauses: &[Pause]) -> NaiveDate {
        let mut d = start;
        let mut counted = 0;
        while counted < sla.days {
            d = next(d);
            if pauses.iter().any(|p| p.excludes(d)) {
                continue;
            }
            if sla.basis == DayBasis::Working && !self.is_working_day(d) {
                continue;
            }
            counted += 1;
        }
        match sla.basis {
            DayBasis::Calendar => self.working_day_on_or_after(d),
            DayBasis::Working => d,
        }
    }
}

fn next(d: NaiveDate) -> NaiveDate {
    d.succ_opt().unwrap_or(d)
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The day an instant falls on in the bank's time zone.
pub fn bank_date(at_ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(at_ms)
        .unwrap_or_default()
        .with_timezone(&crate::bank_tz())
        .date_naive()
}

/// The last second of a day in the bank's time zone (23:59:59 +08:00), as epoch
/// milliseconds: a deadline "on" a day lasts the whole day.
pub fn end_of_day_ms(d: NaiveDate) -> i64 {
    let midnight = next(d).and_hms_opt(0, 0, 0).unwrap_or_default();
    crate::bank_tz()
        .from_local_datetime(&midnight)
        .single()
        .map_or(0, |t| t.timestamp_millis())
        - 1_000
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const CAL15: Sla = Sla {
        days: 15,
        basis: DayBasis::Calendar,
    };

    fn working(days: u32) -> Sla {
        Sla {
            days,
            basis: DayBasis::Working,
        }
    }

    #[test]
    fn the_shipped_schedule_parses_and_marks_2027_provisional() {
        let cal = BusinessCalendar::china();
        let years: Vec<(i32, ScheduleStatus)> = cal.years().map(|y| (y.year, y.status)).collect();
        assert_eq!(
            years,
            vec![
                (2025, ScheduleStatus::Published),
                (2026, ScheduleStatus::Published),
                (2027, ScheduleStatus::Provisional)
            ]
        );
        assert_eq!(cal.holiday(d("2026-02-17")), Some("春节"));
        assert!(cal.is_working_day(d("2026-02-14")), "swapped Saturday");
        assert!(!cal.is_working_day(d("2025-10-08")), "国庆中秋 2025");
        assert!(cal.is_working_day(d("2025-10-11")));
        assert!(!cal.is_working_day(d("2026-03-07")), "an ordinary Saturday");
        assert!(cal.is_working_day(d("2028-03-08")) && !cal.covers(d("2028-03-08")));
    }

    #[test]
    fn a_simple_complaint_received_2026_09_28_is_due_2026_10_13() {
        let cal = BusinessCalendar::china();
        assert_eq!(cal.due_date(d("2026-09-28"), CAL15, &[]), d("2026-10-13"));
    }

    #[test]
    fn a_calendar_period_ending_on_a_rest_day_ends_on_the_next_working_day() {
        let cal = BusinessCalendar::china();
        assert_eq!(
            cal.due_date(d("2026-09-20"), CAL15, &[]),
            d("2026-10-08"),
            "10-05 is in the National Day holiday"
        );
        assert_eq!(
            cal.due_date(d("2026-03-06"), CAL15, &[]),
            d("2026-03-23"),
            "an ordinary Saturday moves to Monday"
        );
        assert_eq!(
            cal.due_date(d("2026-02-01"), CAL15, &[]),
            d("2026-02-24"),
            "春节 2026 ends on 02-23"
        );
    }

    #[test]
    fn a_working_day_period_skips_holidays_and_counts_swapped_weekends() {
        let cal = BusinessCalendar::china();
        assert_eq!(
            cal.due_date(d("2026-09-30"), working(1), &[]),
            d("2026-10-08")
        );
        assert_eq!(
            cal.due_date(d("2026-09-30"), working(3), &[]),
            d("2026-10-10"),
            "Saturday 10-10 is a working day"
        );
        assert_eq!(
            cal.due_date(d("2026-09-17"), working(2), &[]),
            d("2026-09-20"),
            "Sunday 09-20 is a working day"
        );
        assert_eq!(
            cal.due_date(d("2026-09-24"), working(3), &[]),
            d("2026-09-30")
        );
    }

    #[test]
    fn a_pause_moves_the_deadline_by_the_days_it_excluded() {
        let cal = BusinessCalendar::china();
        let pause = Pause {
            from: d("2026-03-02"),
            to: d("2026-03-05"),
        };
        assert_eq!(cal.due_date(d("2026-03-01"), CAL15, &[]), d("2026-03-16"));
        assert_eq!(
            cal.due_date(d("2026-03-01"), CAL15, &[pause]),
            d("2026-03-19"),
            "03-03, 03-04 and 03-05 are not counted"
        );
        let same_day = Pause {
            from: d("2026-03-02"),
            to: d("2026-03-02"),
        };
        assert_eq!(
            cal.due_date(d("2026-03-01"), CAL15, &[same_day]),
            d("2026-03-16")
        );
    }

    #[test]
    fn end_of_day_is_the_last_second_in_beijing_time() {
        let ms = end_of_day_ms(d("2026-10-13"));
        let t = chrono::DateTime::from_timestamp_millis(ms)
            .unwrap()
            .with_timezone(&crate::bank_tz());
        assert_eq!(t.to_rfc3339(), "2026-10-13T23:59:59+08:00");
        assert_eq!(bank_date(ms), d("2026-10-13"));
        assert_eq!(bank_date(ms + 1_000), d("2026-10-14"));
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        let year = |holidays: &str, workdays: &str| {
            format!(
                "[[years]]\nyear = 2030\nstatus = \"published\"\nholidays = [{holidays}]\nworkdays = [{workdays}]\n"
            )
        };
        assert!(BusinessCalendar::parse(&year("", "")).is_ok());
        for (h, w) in [
            (
                "{ name = \"x\", from = \"2030-01-03\", to = \"2030-01-01\" }",
                "",
            ),
            ("", "\"2030-01-02\""),
            (
                "{ name = \"x\", from = \"2030-01-05\", to = \"2030-01-06\" }",
                "\"2030-01-05\"",
            ),
            (
                "{ name = \"x\", from = \"2031-01-01\", to = \"2031-01-01\" }",
                "",
            ),
            (
                "{ name = \"a\", from = \"2030-01-01\", to = \"2030-01-31\" }, { name = \"b\", from = \"2030-02-01\", to = \"2030-02-20\" }",
                "",
            ),
        ] {
            assert!(
                matches!(
                    BusinessCalendar::parse(&year(h, w)),
                    Err(CalendarError::Invalid(_))
                ),
                "{h} / {w}"
            );
        }
        assert!(matches!(
            BusinessCalendar::parse("years = 3"),
            Err(CalendarError::Syntax(_))
        ));
    }

    fn any_day() -> impl Strategy<Value = NaiveDate> {
        (0i64..1200).prop_map(|n| d("2024-12-01") + chrono::Duration::days(n))
    }

    fn any_sla() -> impl Strategy<Value = Sla> {
        (1u32..70, prop::bool::ANY).prop_map(|(days, w)| Sla {
            days,
            basis: if w {
                DayBasis::Working
            } else {
                DayBasis::Calendar
            },
        })
    }

    proptest! {
        #[test]
        fn a_deadline_is_a_working_day_at_least_the_period_away(start in any_day(), sla in any_sla()) {
            let cal = BusinessCalendar::china();
            let due = cal.due_date(start, sla, &[]);
            prop_assert!(cal.is_working_day(due));
            prop_assert!((due - start).num_days() >= i64::from(sla.days));
            if sla.basis == DayBasis::Working {
                let counted = start.iter_days().skip(1).take_while(|x| *x <= due)
                    .filter(|x| cal.is_working_day(*x)).count();
                prop_assert_eq!(counted, sla.days as usize);
            } else {
                let last = start + chrono::Duration::days(i64::from(sla.days));
                prop_assert!(last.iter_days().take_while(|x| *x < due).all(|x| !cal.is_working_day(x)));
            }
        }

        #[test]
        fn longer_periods_and_pauses_never_end_earlier(
            start in any_day(), sla in any_sla(), from in 0i64..60, len in 0i64..20,
        ) {
            let cal = BusinessCalendar::china();
            let due = cal.due_date(start, sla, &[]);
            let longer = Sla { days: sla.days + 1, ..sla };
            prop_assert!(cal.due_date(start, longer, &[]) >= due);
            let from = start + chrono::Duration::days(from);
            let pause = Pause { from, to: from + chrono::Duration::days(len) };
            let paused = cal.due_date(start, sla, &[pause]);
            prop_assert!(paused >= due);
            if pause.from >= due {
                prop_assert_eq!(paused, due);
            }
        }
    }
}
