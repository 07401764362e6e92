//! A deterministic demo bank: customers of a Chinese retail bank with their accounts, cards,
//! loans, wealth holdings and two years of transactions, plus the story customers of the
//! source articles (phones 13800000001..13800000008).
//!
//! Every customer's records depend only on (seed, customer index, today): each customer
//! draws from its own ChaCha8 stream, so a bank of a million customers can be produced in
//! chunks, in any chunk size, with flat memory and identical output.
#![forbid(unsafe_code)]

mod activity;
mod draw;
mod records;
mod regular;
mod story;
mod tables;

use bankdesk_domain::error::FieldError;
pub use bankdesk_store::bank::BankBatch;
use chrono::{Datelike, Days, NaiveDate};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::ops::Range;

/// How many story customers every bank has; they take the first customer ids.
pub const STORY_CUSTOMERS: u64 = 8;

/// The story customers' phones, in customer-id order (`C000000001`..`C000000008`).
pub const STORY_PHONES: [&str; 8] = [
    "13800000001",
    "13800000002",
    "13800000003",
    "13800000004",
    "13800000005",
    "13800000006",
    "13800000007",
    "13800000008",
];

/// Largest bank we generate: ids, card numbers and phones carry the customer index in
/// eight or nine digits.
pub const MAX_CUSTOMERS: u64 = 99_999_999;

/// Days of transaction history before `today`.
pub const HISTORY_DAYS: u64 = 730;

/// The id of the customer at `index` (0-based): `C000000001` for index 0.
pub fn customer_id(index: u64) -> String {
    format!("C{:09}", index + 1)
}

/// Why a bank cannot be generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoError(String);

impl std::fmt::Display for DemoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DemoError {}

impl From<FieldError> for DemoError {
    fn from(e: FieldError) -> Self {
        DemoError(format!("generated record is not valid: {e}"))
    }
}

/// What every customer's generation shares: the date, the window and the seed-derived
/// constants that keep card numbers and phones unique.
pub(crate) struct Ctx {
    pub today: NaiveDate,
    /// First day of the transaction history.
    pub from: NaiveDate,
    /// Added to the scrambled customer index in card numbers and phones; any value keeps
    /// the mapping one-to-one, so it varies with the seed.
    pub card_add: u64,
    pub phone_add: u64,
}

/// A demo bank of `customers` customers (at least the story customers) as of `today`.
#[derive(Clone)]
pub struct DemoBank {
    key: [u8; 32],
    customers: u64,
    today: NaiveDate,
    card_add: u64,
    phone_add: u64,
}

impl DemoBank {
    /// `customers` counts the story customers; fewer than them still yields all of them.
    pub fn new(seed: u64, customers: u64, today: NaiveDate) -> Result<DemoBank, DemoError> {
        if customers > MAX_CUSTOMERS {
            return Err(DemoError(format!(
                "at most {MAX_CUSTOMERS} customers, not {customers}"
            )));
        }
        if !(2000..=2200).contains(&today.year()) {
            return Err(DemoError(format!(
                "today must be between the years 2000 and 2200, not {today}"
            )));
        }
        Ok(DemoBank {
            key: ChaCha8Rng::seed_from_u64(seed).get_seed(),
            customers: customers.max(STORY_CUSTOMERS),
            today,
            card_add: draw::mix(seed ^ 0x6361_7264) % draw::TEN8,
            phone_add: draw::mix(seed ^ 0x7068_6f6e) % draw::TEN8,
        })
    }

    /// Customers in the bank, story customers included.
    pub fn customers(&self) -> u64 {
        self.customers
    }

    fn ctx(&self) -> Ctx {
        Ctx {
            today: self.today,
            from: self
                .today
                .checked_sub_days(Days::new(HISTORY_DAYS))
                .unwrap_or(self.today),
            card_add: self.card_add,
            phone_add: self.phone_add,
        }
    }

    /// The records of the customers with indexes in `range` (clipped to the bank).
    pub fn generate(&self, range: Range<u64>) -> Result<BankBatch, DemoError> {
        let ctx = self.ctx();
        let mut out = BankBatch::default();
        for index in range.start..range.end.min(self.customers) {
            if index < STORY_CUSTOMERS {
                story::story(&ctx, index, &mut out)?;
            } else {
                let mut rng = ChaCha8Rng::from_seed(self.key);
                rng.set_stream(index);
                regular::regular(&ctx, index, &mut rng, &mut out)?;
            }
        }
        Ok(out)
    }

    /// The whole bank, `per_chunk` customers at a time.
    pub fn chunks(&self, per_chunk: u64) -> Chunks {
        Chunks {
            bank: self.clone(),
            next: 0,
            per_chunk: per_chunk.max(1),
        }
    }
}

/// Iterator over a bank's chunks; see [`DemoBank::chunks`].
pub struct Chunks {
    bank: DemoBank,
    next: u64,
    per_chunk: u64,
}

impl Iterator for Chunks {
    type Item = Result<BankBatch, DemoError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.bank.customers {
            return None;
        }
        let end = (self.next + self.per_chunk).min(self.bank.customers);
        let batch = self.bank.generate(self.next..end);
        self.next = end;
        Some(batch)
    }
}
