//! Bank feeds: the seeder's and the importer's writes of bank records. The seeder builds
//! long INSERTs with [`statements`] away from the database and runs them on a
//! [`Loader`](crate::bulk::Loader); the importer checks each file's rows against what is
//! stored and inserts them in one [`Feed`] transaction per file.

use crate::bank::{
    ACCOUNTS, BankBatch, CARDS, CUSTOMER_PHONES, CUSTOMERS, HOLDINGS, LOANS, TRANSACTIONS, Table,
};
use crate::bulk::{Statement, Value, inserts};
use crate::db::Arg;
use crate::{Dialect, Store, StoreError, Tx};
use bankdesk_domain::Currency;
use bankdesk_domain::bank::RecordId;
use chrono::NaiveDate;
use std::collections::HashSet;

/// Values per lookup query, under both databases' limits on bound parameters.
const LOOKUP: usize = 1_000;

/// One feed file's transaction: lookups of what is stored and inserts of checked rows.
/// Committed only if the whole file was good; dropped, it rolls everything back.
pub struct Feed {
    tx: Tx,
}

impl Store {
    /// Starts the transaction of one feed file.
    pub async fn begin_feed(&self) -> Result<Feed, StoreError> {
        Ok(Feed {
            tx: self.db.begin().await?,
        })
    }
}

impl Feed {
    /// Which of `values` are stored in `column` of `table` (the transaction's own inserts
    /// included).
    pub async fn existing(
        &mut self,
        table: &Table,
        column: &str,
        values: Vec<&str>,
    ) -> Result<HashSet<String>, StoreError> {
        if !table.columns.contains(&column) {
            return Err(StoreError::Corrupt(format!(
                "{} has no column {column}",
                table.name
            )));
        }
        let mut found = HashSet::new();
        for part in values.chunks(LOOKUP) {
            let placeholders: Vec<String> = (1..=part.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT {column} FROM {} WHERE {column} IN ({})",
                table.name,
                placeholders.join(",")
            );
            let args: Vec<Arg> = part.iter().map(|v| Arg::from(*v)).collect();
            let rows: Vec<(String,)> = self.tx.fetch_all(&sql, &args).await?;
            found.extend(rows.into_iter().map(|r| r.0));
        }
        Ok(found)
    }

    /// Inserts a batch of checked rows; a unique key already stored is a
    /// [`StoreError::Conflict`].
    pub async fn insert(&mut self, b: BankBatch) -> Result<(), StoreError> {
        let statements = statements(self.tx.dialect(), b)?;
        self.tx.run_statements(statements).await
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await
    }
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

/// The INSERTs that store a batch: the same rows and columns as
/// [`Tx::insert_bank_batch`], in long statements that bind in linear time. Built apart
/// from running them so that a seed can build the next chunk's statements while the
/// database runs this chunk's.
pub fn statements(dialect: Dialect, b: BankBatch) -> Result<Vec<Statement>, StoreError> {
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
