//! `bankdesk seed`: fills an empty database with a demo bank.
//!
//! A blocking thread generates chunks of customers while the async side writes the
//! previous chunk, one database transaction per chunk; the channel between them holds
//! two chunks, so memory stays flat whatever the size of the bank.

use anyhow::{Context, bail};
use bankdesk_demo::{BankBatch, DemoBank};
use bankdesk_store::Store;
use bankdesk_store::bulk::LoaderOptions;
use bankdesk_store::feed::statements;
use chrono::{FixedOffset, NaiveDate, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use std::time::{Duration, Instant};

/// Customers per chunk: large enough for long multi-row inserts, small enough that two
/// chunks in flight cost a few tens of megabytes.
const CHUNK: u64 = 500;

/// What a seed wrote, and how long it took.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct SeedReport {
    pub customers: u64,
    pub accounts: u64,
    pub cards: u64,
    pub loans: u64,
    pub holdings: u64,
    pub transactions: u64,
    pub seconds: f64,
}

impl SeedReport {
    fn add(&mut self, b: &BankBatch) {
        self.customers += b.customers.len() as u64;
        self.accounts += b.accounts.len() as u64;
        self.cards += b.cards.len() as u64;
        self.loans += b.loans.len() as u64;
        self.holdings += b.holdings.len() as u64;
        self.transactions += b.transactions.len() as u64;
    }

    fn merge(&mut self, o: &SeedReport) {
        self.customers += o.customers;
        self.accounts += o.accounts;
        self.cards += o.cards;
        self.loans += o.loans;
        self.holdings += o.holdings;
        self.transactions += o.transactions;
    }

    /// Every row written, phones aside.
    pub fn rows(&self) -> u64 {
        self.customers + self.accounts + self.cards + self.loans + self.holdings + self.transactions
    }
}

impl std::fmt::Display for SeedReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "seeded {} customers, {} accounts, {} cards, {} loans, {} holdings, {} transactions ({} rows) in {:.1} s",
            self.customers,
            self.accounts,
            self.cards,
            self.loans,
            self.holdings,
            self.transactions,
            self.rows(),
            self.seconds
        )
    }
}

/// The bank's time zone (Asia/Shanghai has no daylight saving).
const BEIJING: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(o) => o,
    None => panic!("+08:00 is a valid offset"),
};

/// Today in Beijing, the bank's calendar, whatever the machine's time zone.
pub fn beijing_today() -> NaiveDate {
    Utc::now().with_timezone(&BEIJING).date_naive()
}

/// Writes a demo bank of `customers` customers (story customers included) generated from
/// `seed` with history up to `today`. Refuses a database that already has customers: the
/// demo's ids would collide with them.
pub async fn seed(
    store: &Store,
    customers: u64,
    seed: u64,
    today: NaiveDate,
    progress: bool,
) -> anyhow::Result<SeedReport> {
    if store.count_customers().await? > 0 {
        bail!("the database already has customers; seed only into an empty database");
    }
    let bank = DemoBank::new(seed, customers, today)?;
    let bar = if progress {
        ProgressBar::new(bank.customers()).with_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {human_pos}/{human_len} customers ({per_sec}, eta {eta}) {msg}",
            )?
            .progress_chars("=> "),
        )
    } else {
        ProgressBar::hidden()
    };
    bar.enable_steady_tick(Duration::from_millis(250));

    // The generator thread also builds the statements, so that the writer only waits on
    // the database.
    let dialect = store.dialect();
    let (sender, mut chunks) = tokio::sync::mpsc::channel(1);
    let generator = tokio::task::spawn_blocking(move || {
        for chunk in bank.chunks(CHUNK) {
            let ready = chunk.map(|b| {
                let mut counts = SeedReport::default();
                counts.add(&b);
                statements(dialect, b).map(|s| (counts, s))
            });
            if sender.blocking_send(ready).is_err() {
                // The writer stopped on an error; it reports it.
                break;
            }
        }
    });

    let started = Instant::now();
    let mut report = SeedReport::default();
    let written = async {
        let mut loader = store.loader(LoaderOptions::default()).await?;
        while let Some(chunk) = chunks.recv().await {
            let (counts, statements) = chunk??;
            loader.write(statements).await?;
            report.merge(&counts);
            bar.inc(counts.customers);
            let secs = started.elapsed().as_secs_f64().max(0.001);
            bar.set_message(format!(
                "{} transactions ({:.0}/s)",
                report.transactions,
                report.transactions as f64 / secs
            ));
        }
        anyhow::Ok(())
    }
    .await;
    // Dropping the receiver ends the generator if writing failed.
    drop(chunks);
    generator.await.context("the generator thread failed")?;
    written?;
    story_addresses(store).await?;
    bar.finish_and_clear();
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The email address of a story customer, so a demo mail from it finds her.
pub const STORY_EMAILS: [(&str, &str); 1] = [("13800000002", "wang.lihua@example.com")];

/// Binds the story customers' email addresses (the demo bank has no other email data).
async fn story_addresses(store: &Store) -> anyhow::Result<()> {
    for (phone, address) in STORY_EMAILS {
        let hits = store
            .find_customers(&bankdesk_store::bank::Lookup::Phone(phone.into()), 2)
            .await?;
        if let [hit] = hits.as_slice() {
            store
                .bind_channel_address(
                    "seed",
                    bankdesk_domain::contact::ContactChannel::Email,
                    address,
                    &hit.id,
                )
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bankdesk_store::bank::Lookup;
    use bankdesk_store::testing::{backends, fresh};

    #[tokio::test]
    async fn seeds_an_empty_database_once() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        for backend in backends() {
            let t = fresh(backend).await;
            let r = seed(&t.store, 40, 5, today, false).await.unwrap();
            assert_eq!(r.customers, 40, "{backend}");
            assert!(r.transactions > 40 * 40, "{backend}: {r}");
            assert_eq!(t.store.count_customers().await.unwrap(), 40);
            let (n,): (i64,) = t
                .store
                .db()
                .fetch_one_row("SELECT COUNT(*) FROM transactions")
                .await
                .unwrap();
            assert_eq!(n as u64, r.transactions, "{backend}");
            let hits = t
                .store
                .find_customers(&Lookup::Phone("13800000005".into()), 5)
                .await
                .unwrap();
            assert_eq!(hits.len(), 1, "{backend}");
            assert_eq!(hits[0].id, "C000000005");
            let wang = t
                .store
                .bound_customer(
                    bankdesk_domain::contact::ContactChannel::Email,
                    "wang.lihua@example.com",
                )
                .await
                .unwrap();
            assert_eq!(wang.as_deref(), Some("C000000002"), "{backend}");
            let again = seed(&t.store, 40, 5, today, false).await;
            assert!(again.is_err(), "{backend}: a second seed is refused");
            assert_eq!(t.store.count_customers().await.unwrap(), 40);
        }
    }
}
