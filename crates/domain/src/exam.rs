//! Staff knowledge exams: questions tied to knowledge points, the monthly exam drawn from
//! them, scoring against the pass mark, and the routing gate built on the results.

use crate::error::FieldError;
use crate::wire::wire_enum;
use chrono::{Datelike, NaiveDate, TimeZone};
use serde::{Deserialize, Serialize};

wire_enum!(QuestionKind { Single = "single", Multiple = "multiple", TrueFalse = "true_false" });
wire_enum!(
    /// An attempt is open until submitted; one submitted after its time limit is recorded
    /// as timed out with no marks.
    AttemptStatus { InProgress = "in_progress", Submitted = "submitted", TimedOut = "timed_out" }
);

/// The pass mark of the source articles (CMB: "业务考试85分以上").
pub const DEFAULT_PASS_MARK: u32 = 85;
/// Allowance for the network after the time limit before a submission counts as late.
pub const SUBMIT_GRACE_MS: i64 = 30_000;
pub const MAX_STEM_CHARS: usize = 500;
pub const MAX_OPTION_CHARS: usize = 200;
pub const MAX_OPTIONS: usize = 6;
pub const MAX_QUESTIONS_PER_EXAM: u32 = 100;
/// The two options of a true/false question, in answer-index order.
pub const TRUE_FALSE_OPTIONS: [&str; 2] = ["正确", "错误"];

/// A question as it is stored: options and the indices of the right ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionContent {
    pub kind: QuestionKind,
    pub stem: String,
    pub options: Vec<String>,
    /// Sorted, distinct indices into `options`.
    pub answer: Vec<u32>,
    pub explanation: String,
}

fn sorted_distinct(v: &[u32]) -> Vec<u32> {
    let mut v = v.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

impl QuestionContent {
    pub fn validate(
        kind: QuestionKind,
        stem: &str,
        options: &[String],
        answer: &[u32],
        explanation: &str,
    ) -> Result<QuestionContent, FieldError> {
        let stem = stem.trim();
        if stem.is_empty() || stem.chars().count() > MAX_STEM_CHARS {
            return Err(FieldError::new(
                "stem",
                format!("1 to {MAX_STEM_CHARS} characters"),
            ));
        }
        let options: Vec<String> = match kind {
            QuestionKind::TrueFalse => {
                if !options.is_empty() && options.len() != 2 {
                    return Err(FieldError::new(
                        "options",
                        "a true/false question has no options of its own",
                    ));
                }
                TRUE_FALSE_OPTIONS.iter().map(|s| s.to_string()).collect()
            }
            QuestionKind::Single | QuestionKind::Multiple => {
                let opts: Vec<String> = options.iter().map(|o| o.trim().to_string()).collect();
                if !(2..=MAX_OPTIONS).contains(&opts.len()) {
                    return Err(FieldError::new(
                        "options",
                        format!("2 to {MAX_OPTIONS} options"),
                    ));
                }
                if opts
                    .iter()
                    .any(|o| o.is_empty() || o.chars().count() > MAX_OPTION_CHARS)
                {
                    return Err(FieldError::new(
                        "options",
                        format!("each option is 1 to {MAX_OPTION_CHARS} characters"),
                    ));
                }
                opts
            }
        };
        let answer = sorted_distinct(answer);
        if answer.iter().any(|&a| a as usize >= options.len()) {
            return Err(FieldError::new(
                "answer",
                "refers to an option that does not exist",
            ));
        }
        let ok = match kind {
            QuestionKind::Single | QuestionKind::TrueFalse => answer.len() == 1,
            QuestionKind::Multiple => answer.len() >= 2,
        };
        if !ok {
            return Err(FieldError::new(
                "answer",
                match kind {
                    QuestionKind::Multiple => {
                        "a multiple-choice question has at least two right options"
                    }
                    _ => "exactly one right option",
                },
            ));
        }
        Ok(QuestionContent {
            kind,
            stem: stem.to_string(),
            options,
            answer,
            explanation: explanation.trim().to_string(),
        })
    }
}

/// A multiple-choice answer is right only when it picks exactly the right options.
pub fn is_correct(answer: &[u32], given: &[u32]) -> bool {
    sorted_distinct(answer) == sorted_distinct(given)
}

/// The result of an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Score {
    pub correct: u32,
    pub total: u32,
    /// Whole percent, rounded down, so a score shown as 85 really is at least 85%.
    pub score: u32,
    pub passed: bool,
}

pub fn score(correct: u32, total: u32, pass_mark: u32) -> Score {
    let correct = correct.min(total);
    let pct = if total == 0 {
        0
    } else {
        u32::try_from(u64::from(correct) * 100 / u64::from(total)).unwrap_or(100)
    };
    Score {
        correct,
        total,
        score: pct,
        passed: total > 0 && u64::from(correct) * 100 >= u64::from(pass_mark) * u64::from(total),
    }
}

/// Draws `n` items from `pool` in an order fixed by `seed` (a Fisher-Yates shuffle on
/// SplitMix64), so an exam's questions can be recomputed and audited.
pub fn pick<T: Clone>(pool: &[T], n: usize, seed: u64) -> Vec<T> {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut v = pool.to_vec();
    for i in (1..v.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
    v.truncate(n);
    v
}

/// The exam month `YYYY-MM` as [start, end) in epoch ms, in the bank's time zone.
pub fn month_window(month: &str) -> Result<(i64, i64), FieldError> {
    let bad = || FieldError::new("month", "YYYY-MM");
    let start = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").map_err(|_| bad())?;
    if month.len() != 7 {
        return Err(bad());
    }
    let next = if start.month() == 12 {
        NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)
    }
    .ok_or_else(bad)?;
    let tz = crate::bank_tz();
    let ms = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|dt| tz.from_local_datetime(&dt).single())
            .map(|t| t.timestamp_millis())
            .ok_or_else(bad)
    };
    Ok((ms(start)?, ms(next)?))
}

/// The month containing `now_ms`, `YYYY-MM`, in the bank's time zone.
pub fn month_of(now_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(now_ms)
        .map(|t| {
            t.with_timezone(&crate::bank_tz())
                .format("%Y-%m")
                .to_string()
        })
        .unwrap_or_default()
}

/// One exam of a skill as the routing gate sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateExam {
    pub opens_at_ms: i64,
    pub closes_at_ms: i64,
    pub passed: bool,
}

/// Whether an agent may take a skill's contacts, given that skill's exams (any order).
///
/// The current exam is the latest one that has opened. No exam yet: nothing to pass.
/// Passed it: yes. While it is still open, having passed the one before also counts,
/// so that publishing a new monthly exam does not take every agent off the queue the
/// same minute; once it closes, only passing it counts.
pub fn gate_allows(exams: &[GateExam], now_ms: i64) -> bool {
    let mut opened: Vec<&GateExam> = exams.iter().filter(|e| e.opens_at_ms <= now_ms).collect();
    opened.sort_by_key(|e| e.opens_at_ms);
    match opened.as_slice() {
        [] => true,
        [.., current] if current.passed => true,
        [.., previous, current] => now_ms < current.closes_at_ms && previous.passed,
        [_] => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn questions_are_checked() {
        let opts = vec!["A".to_string(), "B".to_string(), "C".to_string()];
        let q = QuestionContent::validate(QuestionKind::Multiple, " 题干 ", &opts, &[2, 0, 2], "")
            .unwrap();
        assert_eq!(q.answer, vec![0, 2]);
        assert_eq!(q.stem, "题干");
        assert!(QuestionContent::validate(QuestionKind::Single, "x", &opts, &[0, 1], "").is_err());
        assert!(QuestionContent::validate(QuestionKind::Single, "x", &opts, &[3], "").is_err());
        assert!(QuestionContent::validate(QuestionKind::Multiple, "x", &opts, &[1], "").is_err());
        assert!(
            QuestionContent::validate(QuestionKind::Single, "x", &opts[..1], &[0], "").is_err()
        );
        let tf = QuestionContent::validate(QuestionKind::TrueFalse, "x", &[], &[1], "").unwrap();
        assert_eq!(tf.options, vec!["正确", "错误"]);
        assert!(QuestionContent::validate(QuestionKind::TrueFalse, "x", &[], &[2], "").is_err());
    }

    #[test]
    fn multiple_choice_needs_exactly_the_right_options() {
        assert!(is_correct(&[0, 2], &[2, 0]));
        assert!(!is_correct(&[0, 2], &[0]));
        assert!(!is_correct(&[0, 2], &[0, 1, 2]));
    }

    #[test]
    fn pass_mark_is_exact() {
        assert_eq!(
            score(17, 20, 85),
            Score {
                correct: 17,
                total: 20,
                score: 85,
                passed: true
            }
        );
        assert!(!score(16, 20, 85).passed);
        // 11/13 = 84.6%: shown as 84 and failed, never rounded up to a pass.
        assert_eq!(score(11, 13, 85).score, 84);
        assert!(!score(11, 13, 85).passed);
        assert!(!score(0, 0, 85).passed);
        assert_eq!(score(30, 20, 85).correct, 20);
    }

    #[test]
    fn months_are_bank_time() {
        let (a, b) = month_window("2026-12").unwrap();
        assert_eq!(month_of(a), "2026-12");
        assert_eq!(month_of(b), "2027-01");
        assert_eq!(month_of(b - 1), "2026-12");
        assert!(month_window("2026-13").is_err());
        assert!(month_window("2026-1").is_err());
        assert!(month_window("26-01").is_err());
    }

    #[test]
    fn gate() {
        let e = |o, c, passed| GateExam {
            opens_at_ms: o,
            closes_at_ms: c,
            passed,
        };
        assert!(gate_allows(&[], 5));
        assert!(gate_allows(&[e(10, 20, false)], 5), "not open yet");
        assert!(!gate_allows(&[e(10, 20, false)], 15));
        assert!(gate_allows(&[e(10, 20, true)], 15));
        let two = [e(10, 20, true), e(20, 30, false)];
        assert!(gate_allows(&two, 25), "grace while the new exam is open");
        assert!(!gate_allows(&two, 30), "closed and not passed");
        assert!(!gate_allows(&[e(10, 20, false), e(20, 30, false)], 25));
        assert!(gate_allows(&[e(20, 30, true), e(10, 20, false)], 40));
    }

    proptest! {
        #[test]
        fn pick_is_a_deterministic_sample(n in 0usize..40, k in 0usize..50, seed: u64) {
            let pool: Vec<usize> = (0..n).collect();
            let a = pick(&pool, k, seed);
            prop_assert_eq!(&a, &pick(&pool, k, seed));
            prop_assert_eq!(a.len(), k.min(n));
            let mut s = a.clone();
            s.sort_unstable();
            s.dedup();
            prop_assert_eq!(s.len(), a.len());
        }
    }
}
