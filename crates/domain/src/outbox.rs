//! Replies to email and WeChat contacts leave through an outbox: stored with the reply,
//! sent by a worker, retried with exponential backoff, and marked failed (visibly) when
//! the attempts run out.

use crate::wire::wire_enum;
use serde::{Deserialize, Serialize};

wire_enum!(OutboxStatus { Pending = "pending", Sent = "sent", Failed = "failed" });

/// How often and how far apart a send is tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// Wait after the first failure; each later failure doubles it.
    pub base_delay_ms: i64,
    /// The wait never grows beyond this.
    pub max_delay_ms: i64,
}

impl Default for RetryPolicy {
    /// Eight attempts over about two hours: 30 s, 1, 2, 4, 8, 16, 32 minutes (capped at one hour).
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay_ms: 30_000,
            max_delay_ms: 3_600_000,
        }
    }
}

/// What happens after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterFailure {
    RetryIn { delay_ms: i64 },
    GiveUp,
}

impl RetryPolicy {
    /// After `attempts` failed attempts (1 for the first), wait or give up.
    pub fn after_failure(&self, attempts: u32) -> AfterFailure {
        if attempts >= self.max_attempts {
            return AfterFailure::GiveUp;
        }
        let doublings = attempts.saturating_sub(1).min(40);
        let delay = self
            .base_delay_ms
            .max(1)
            .saturating_mul(1i64 << doublings)
            .min(self.max_delay_ms.max(1));
        AfterFailure::RetryIn { delay_ms: delay }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn default_schedule() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.after_failure(1),
            AfterFailure::RetryIn { delay_ms: 30_000 }
        );
        assert_eq!(
            p.after_failure(2),
            AfterFailure::RetryIn { delay_ms: 60_000 }
        );
        assert_eq!(
            p.after_failure(7),
            AfterFailure::RetryIn {
                delay_ms: 1_920_000
            }
        );
        assert_eq!(p.after_failure(8), AfterFailure::GiveUp);
    }

    proptest! {
        #[test]
        fn delays_grow_are_capped_and_end(
            max_attempts in 1u32..60,
            base in 1i64..100_000,
            cap in 1i64..10_000_000,
        ) {
            let p = RetryPolicy { max_attempts, base_delay_ms: base, max_delay_ms: cap };
            let mut last = 0;
            for n in 1..max_attempts {
                match p.after_failure(n) {
                    AfterFailure::RetryIn { delay_ms } => {
                        prop_assert!(delay_ms >= last && delay_ms <= cap.max(1) && delay_ms > 0);
                        last = delay_ms;
                    }
                    AfterFailure::GiveUp => prop_assert!(false, "gave up after {n}"),
                }
            }
            prop_assert_eq!(p.after_failure(max_attempts), AfterFailure::GiveUp);
        }
    }
}
