//! The bank's records: their tables, batch writes and identification search. Reads of
//! one customer's rows live behind the access gate, in `access::reads`.

use crate::db::{Arg, multi_insert};
use crate::{Store, StoreError, Tx, args};
use bankdesk_domain::bank::{Account, Card, Customer, Holding, Loan, Transaction};

/// A batch of records written in one transaction. Rows must refer only to customers,
/// accounts and cards in this batch or already stored.
#[derive(Clone, Debug, Default)]
pub struct BankBatch {
    pub customers: Vec<Customer>,
    pub accounts: Vec<Account>,
    pub cards: Vec<Card>,
    pub loans: Vec<Loan>,
    pub holdings: Vec<Holding>,
    pub transactions: Vec<Transaction>,
}

impl BankBatch {
    pub fn len(&self) -> usize {
        self.customers.len()
            + self.accounts.len()
            + self.cards.len()
            + self.loans.len()
            + self.holdings.len()
            + self.transactions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A bank table and its columns in insert order: written once, for the batch insert here
/// and for the seeder's bulk statements.
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [&'static str],
}

pub const CUSTOMERS: Table = Table {
    name: "customers",
    columns: &[
        "id",
        "name",
        "gender",
        "birth_date",
        "id_number",
        "address",
        "city",
        "vip_tier",
        "segment",
        "sensitive",
    ],
};

pub const CUSTOMER_PHONES: Table = Table {
    name: "customer_phones",
    columns: &["phone", "customer_id", "position"],
};

pub const ACCOUNTS: Table = Table {
    name: "accounts",
    columns: &[
        "id",
        "customer_id",
        "kind",
        "currency",
        "balance_fen",
        "opened_on",
        "status",
        "branch",
    ],
};

pub const CARDS: Table = Table {
    name: "cards",
    columns: &[
        "id",
        "customer_id",
        "account_id",
        "number",
        "kind",
        "product",
        "status",
        "credit_limit_fen",
        "temp_limit_fen",
        "temp_limit_until",
        "outstanding_fen",
        "expiry",
        "issued_on",
    ],
};

pub const LOANS: Table = Table {
    name: "loans",
    columns: &[
        "id",
        "customer_id",
        "kind",
        "currency",
        "principal_fen",
        "outstanding_fen",
        "term_months",
        "start_date",
        "lpr_term",
        "spread_bp",
        "rate_bp",
        "repricing_rule",
        "status",
    ],
};

pub const HOLDINGS: Table = Table {
    name: "holdings",
    columns: &[
        "id",
        "customer_id",
        "product_code",
        "product_name",
        "risk_level",
        "units_x100",
        "cost_fen",
        "nav_x10000",
        "nav_date",
    ],
};

pub const TRANSACTIONS: Table = Table {
    name: "transactions",
    columns: &[
        "id",
        "customer_id",
        "account_id",
        "card_id",
        "at_ms",
        "utc_offset_s",
        "amount_fen",
        "currency",
        "channel",
        "merchant",
        "city",
        "country",
        "lat",
        "lon",
        "terminal",
        "description",
    ],
};

/// Parameters per multi-row statement. PostgreSQL takes up to 65,535 and binds them in
/// linear time. On SQLite, binding `$n` parameters costs time quadratic in their number
/// (each is looked up by name in a list), so statements stay small: at 14 columns, 20,000
/// rows took 0.27 s in statements of 10 rows and 13 s in statements of 2,142.
fn max_params(dialect: crate::Dialect) -> usize {
    match dialect {
        crate::Dialect::Sqlite => 250,
        crate::Dialect::Postgres => 30_000,
    }
}

pub(crate) async fn insert_rows<R: IntoIterator<Item = Arg>>(
    tx: &mut Tx,
    table: &Table,
    rows: Vec<R>,
) -> Result<(), StoreError> {
    let columns = table.columns;
    let per = (max_params(tx.dialect()) / columns.len()).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Arg> = rows.by_ref().take(per).flatten().collect();
        let n = chunk.len() / columns.len();
        tx.execute(&multi_insert(table.name, columns, n), &chunk)
            .await?;
    }
    Ok(())
}

fn date(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl Tx {
    /// Writes a batch; the caller decides the transaction boundary (the importer commits
    /// per file, the seeder per batch).
    pub async fn insert_bank_batch(&mut self, b: &BankBatch) -> Result<(), StoreError> {
        let customers = b
            .customers
            .iter()
            .map(|c| {
                args![
                    c.id.as_str(),
                    c.name.as_str(),
                    c.gender.as_str(),
                    date(c.birth_date),
                    c.id_number.as_str(),
                    c.address.as_str(),
                    c.city.as_str(),
                    c.vip_tier.as_str(),
                    c.segment.as_str(),
                    c.sensitive
                ]
            })
            .collect();
        insert_rows(self, &CUSTOMERS, customers).await?;
        let phones = b
            .customers
            .iter()
            .flat_map(|c| {
                c.phones
                    .iter()
                    .enumerate()
                    .map(|(i, p)| args![p.as_str(), c.id.as_str(), i as i64])
            })
            .collect();
        insert_rows(self, &CUSTOMER_PHONES, phones).await?;
        let accounts = b
            .accounts
            .iter()
            .map(|a| {
                args![
                    a.id.as_str(),
                    a.customer_id.as_str(),
                    a.kind.as_str(),
                    a.currency.as_str(),
                    a.balance_fen,
                    date(a.opened_on),
                    a.status.as_str(),
                    a.branch.as_str()
                ]
            })
            .collect();
        insert_rows(self, &ACCOUNTS, accounts).await?;
        let cards = b
            .cards
            .iter()
            .map(|c| {
                args![
                    c.id.as_str(),
                    c.customer_id.as_str(),
                    c.account_id.as_ref().map(|a| a.as_str()),
                    c.number.as_str(),
                    c.kind.as_str(),
                    c.product.as_str(),
                    c.status.as_str(),
                    c.credit_limit_fen,
                    c.temp_limit_fen,
                    c.temp_limit_until.map(date),
                    c.outstanding_fen,
                    c.expiry.to_string(),
                    date(c.issued_on)
                ]
            })
            .collect();
        insert_rows(self, &CARDS, cards).await?;
        let loans = b
            .loans
            .iter()
            .map(|l| {
                args![
                    l.id.as_str(),
                    l.customer_id.as_str(),
                    l.kind.as_str(),
                    l.currency.as_str(),
                    l.principal_fen,
                    l.outstanding_fen,
                    l.term_months,
                    date(l.start_date),
                    l.lpr_term.as_str(),
                    l.spread_bp,
                    l.rate_bp,
                    l.repricing_rule.as_str(),
                    l.status.as_str()
                ]
            })
            .collect();
        insert_rows(self, &LOANS, loans).await?;
        let holdings = b
            .holdings
            .iter()
            .map(|h| {
                args![
                    h.id.as_str(),
                    h.customer_id.as_str(),
                    h.product_code.as_str(),
                    h.product_name.as_str(),
                    h.risk_level.as_str(),
                    h.units_x100,
                    h.cost_fen,
                    h.nav_x10000,
                    date(h.nav_date)
                ]
            })
            .collect();
        insert_rows(self, &HOLDINGS, holdings).await?;
        let txns = b
            .transactions
            .iter()
            .map(|t| {
                args![
                    t.id.as_str(),
                    t.customer_id.as_str(),
                    t.account_id.as_ref().map(|a| a.as_str()),
                    t.card_id.as_ref().map(|a| a.as_str()),
                    t.at.timestamp_millis(),
                    t.at.offset().local_minus_utc(),
                    t.amount_fen,
                    t.currency.as_str(),
                    t.channel.as_str(),
                    t.merchant.as_deref(),
                    t.city.as_str(),
                    t.country.as_str(),
                    t.lat,
                    t.lon,
                    t.terminal.as_deref(),
                    t.description.as_str()
                ]
            })
            .collect();
        insert_rows(self, &TRANSACTIONS, txns).await?;
        Ok(())
    }
}

/// How staff look a customer up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    Phone(String),
    IdNumber(String),
    CardNumber(String),
    Name(String),
}

/// One search hit: enough to identify, nothing more.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct CustomerHit {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub vip_tier: String,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct CustomerRow {
    pub id: String,
    pub name: String,
    pub gender: String,
    pub birth_date: String,
    pub id_number: String,
    pub address: String,
    pub city: String,
    pub vip_tier: String,
    pub segment: String,
    pub sensitive: bool,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct AccountRow {
    pub id: String,
    pub kind: String,
    pub currency: String,
    pub balance_fen: i64,
    pub opened_on: String,
    pub status: String,
    pub branch: String,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct CardRow {
    pub id: String,
    pub account_id: Option<String>,
    pub number: String,
    pub kind: String,
    pub product: String,
    pub status: String,
    pub credit_limit_fen: Option<i64>,
    pub temp_limit_fen: Option<i64>,
    pub temp_limit_until: Option<String>,
    pub outstanding_fen: i64,
    pub expiry: String,
    pub issued_on: String,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct LoanRow {
    pub id: String,
    pub kind: String,
    pub currency: String,
    pub principal_fen: i64,
    pub outstanding_fen: i64,
    pub term_months: i64,
    pub start_date: String,
    pub lpr_term: String,
    pub spread_bp: i64,
    pub rate_bp: i64,
    pub repricing_rule: String,
    pub status: String,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct HoldingRow {
    pub id: String,
    pub product_code: String,
    pub product_name: String,
    pub risk_level: String,
    pub units_x100: i64,
    pub cost_fen: i64,
    pub nav_x10000: i64,
    pub nav_date: String,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct TransactionRow {
    pub id: String,
    pub account_id: Option<String>,
    pub card_id: Option<String>,
    pub at_ms: i64,
    pub utc_offset_s: i64,
    pub amount_fen: i64,
    pub currency: String,
    pub channel: String,
    pub merchant: Option<String>,
    pub city: String,
    pub country: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub terminal: Option<String>,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct CaseRow {
    pub id: String,
    pub case_type: String,
    pub status: String,
    pub department: Option<String>,
    pub summary: String,
    pub opened_at_ms: i64,
    pub due_at_ms: Option<i64>,
}

pub(crate) const TXN_COLUMNS: &str = "id, account_id, card_id, at_ms, utc_offset_s, amount_fen, currency, channel, merchant, \
     city, country, lat, lon, terminal, description";

impl Store {
    /// Identification search: at most `limit` hits, newest customers first.
    pub async fn find_customers(
        &self,
        by: &Lookup,
        limit: u32,
    ) -> Result<Vec<CustomerHit>, StoreError> {
        const HIT: &str = "SELECT c.id, c.name, \
             (SELECT p.phone FROM customer_phones p WHERE p.customer_id = c.id ORDER BY p.position LIMIT 1) AS phone, \
             c.vip_tier FROM customers c";
        let limit = i64::from(limit.clamp(1, 100));
        let (sql, value) = match by {
            Lookup::Phone(v) => (
                format!(
                    "{HIT} WHERE c.id IN (SELECT customer_id FROM customer_phones WHERE phone = $1) ORDER BY c.id LIMIT $2"
                ),
                v,
            ),
            Lookup::IdNumber(v) => (
                format!("{HIT} WHERE c.id_number = $1 ORDER BY c.id LIMIT $2"),
                v,
            ),
            Lookup::CardNumber(v) => (
                format!(
                    "{HIT} WHERE c.id IN (SELECT customer_id FROM cards WHERE number = $1) ORDER BY c.id LIMIT $2"
                ),
                v,
            ),
            Lookup::Name(v) => (format!("{HIT} WHERE c.name = $1 ORDER BY c.id LIMIT $2"), v),
        };
        self.db.fetch_all(&sql, &args![value.as_str(), limit]).await
    }

    pub async fn customer_exists(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .db
            .fetch_optional::<(String,)>("SELECT id FROM customers WHERE id = $1", &args![id])
            .await?
            .is_some())
    }

    pub async fn count_customers(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = self
            .db
            .fetch_one_row("SELECT COUNT(*) FROM customers")
            .await?;
        Ok(n)
    }

    /// Customer ids in id order, for benchmarks and exports that walk the bank.
    pub async fn customer_ids(&self, after: &str, limit: u32) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = self
            .db
            .fetch_all(
                "SELECT id FROM customers WHERE id > $1 ORDER BY id LIMIT $2",
                &args![after, i64::from(limit)],
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}
