//! `bankdesk seed`: fills an empty database with a demo bank.
//!
//! A blocking thread generates chunks of customers while the async side writes the
//! previous chunk, one database transaction per chunk; the channel between them holds
//! two chunks, so memory stays flat whatever the size of the bank.

use anyhow::{Context, bail};
use bankdesk_demo::{BankBatch, DemoBank};
use bankdesk_domain::Currency;
use bankdesk_domain::bank::RecordId;
use bankdesk_store::bank::{
    ACCOUNTS, CARDS, CUSTOMER_PHONES, CUSTOMERS, HOLDINGS, LOANS, TRANSACTIONS,
};
use bankdesk_store::bulk::{Loader, LoaderOptions, Statement, Value, inserts};
use bankdesk_store::{Dialect, Store};
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
    let dialect = store.db.dialect();
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
        let mut loader = Loader::open(&store.db, LoaderOptions::default()).await?;
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

fn date(d: NaiveDate) -> Value {
    Value::Text(Some(d.format("%Y-%m-%d").to_string()))
}

fn text(s: &str) -> Value {
    Value::Text(Some(s.to_string()))
}

fn owned(s: String) -> Value {
    Value::Text(Some(s))
}

fn id(r: RecordId) -> Value {
    Value::Text(Some(r.into_string()))
}

fn id_opt(r: Option<RecordId>) -> Value {
    Value::Text(r.map(RecordId::into_string))
}

fn int(v: impl Into<i64>) -> Value {
    Value::Int(Some(v.into()))
}

fn currency(c: Currency) -> Value {
    match c.as_str() {
        "CNY" => Value::Word("CNY"),
        other => text(other),
    }
}

/// Nearly every transaction is domestic.
fn country(c: String) -> Value {
    if c == "CN" {
        Value::Word("CN")
    } else {
        owned(c)
    }
}

/// The INSERTs that store a batch: the same rows and columns as the store's
/// `insert_bank_batch`, in long statements that bind in linear time. Built apart from
/// running them so that a seed can build the next chunk's statements while the database
/// runs this chunk's.
pub(crate) fn statements(dialect: Dialect, b: BankBatch) -> anyhow::Result<Vec<Statement>> {
    let mut out = Vec::new();
    let phones: Vec<(String, String, i64)> = b
        .customers
        .iter()
        .flat_map(|c| {
            c.phones
                .iter()
                .enumerate()
                .map(|(i, p)| (p.as_str().to_string(), c.id.to_string(), i as i64))
        })
        .collect();
    inserts(&mut out, dialect, &CUSTOMERS, b.customers, |c, a| {
        a.extend([
            id(c.id),
            owned(c.name),
            Value::Word(c.gender.as_str()),
            date(c.birth_date),
            text(c.id_number.as_str()),
            owned(c.address),
            owned(c.city),
            Value::Word(c.vip_tier.as_str()),
            Value::Word(c.segment.as_str()),
            Value::Bool(Some(c.sensitive)),
        ])
    })?;
    inserts(&mut out, dialect, &CUSTOMER_PHONES, phones, |p, a| {
        a.extend([owned(p.0), owned(p.1), Value::Int(Some(p.2))])
    })?;
    inserts(&mut out, dialect, &ACCOUNTS, b.accounts, |x, a| {
        a.extend([
            id(x.id),
            id(x.customer_id),
            Value::Word(x.kind.as_str()),
            currency(x.currency),
            Value::Int(Some(x.balance_fen)),
            date(x.opened_on),
            Value::Word(x.status.as_str()),
            owned(x.branch),
        ])
    })?;
    inserts(&mut out, dialect, &CARDS, b.cards, |c, a| {
        a.extend([
            id(c.id),
            id(c.customer_id),
            id_opt(c.account_id),
            text(c.number.as_str()),
            Value::Word(c.kind.as_str()),
            owned(c.product),
            Value::Word(c.status.as_str()),
            Value::Int(c.credit_limit_fen),
            Value::Int(c.temp_limit_fen),
            c.temp_limit_until.map_or(Value::Text(None), date),
            Value::Int(Some(c.outstanding_fen)),
            owned(c.expiry.to_string()),
            date(c.issued_on),
        ])
    })?;
    inserts(&mut out, dialect, &LOANS, b.loans, |l, a| {
        a.extend([
            id(l.id),
            id(l.customer_id),
            Value::Word(l.kind.as_str()),
            currency(l.currency),
            Value::Int(Some(l.principal_fen)),
            Value::Int(Some(l.outstanding_fen)),
            int(l.term_months),
            date(l.start_date),
            Value::Word(l.lpr_term.as_str()),
            int(l.spread_bp),
            int(l.rate_bp),
            Value::Word(l.repricing_rule.as_str()),
            Value::Word(l.status.as_str()),
        ])
    })?;
    inserts(&mut out, dialect, &HOLDINGS, b.holdings, |h, a| {
        a.extend([
            id(h.id),
            id(h.customer_id),
            owned(h.product_code),
            owned(h.product_name),
            Value::Word(h.risk_level.as_str()),
            Value::Int(Some(h.units_x100)),
            Value::Int(Some(h.cost_fen)),
            Value::Int(Some(h.nav_x10000)),
            date(h.nav_date),
        ])
    })?;
    inserts(&mut out, dialect, &TRANSACTIONS, b.transactions, |t, a| {
        let (at_ms, offset) = (t.at.timestamp_millis(), t.at.offset().local_minus_utc());
        a.extend([
            id(t.id),
            id(t.customer_id),
            id_opt(t.account_id),
            id_opt(t.card_id),
            Value::Int(Some(at_ms)),
            int(offset),
            Value::Int(Some(t.amount_fen)),
            currency(t.currency),
            Value::Word(t.channel.as_str()),
            Value::Text(t.merchant),
            owned(t.city),
            country(t.country),
            Value::Float(t.lat),
            Value::Float(t.lon),
            Value::Text(t.terminal),
            owned(t.description),
        ])
    })?;
    Ok(out)
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
                .db
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
