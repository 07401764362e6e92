//! Bulk loads: rows turned into long multi-row INSERTs away from the database (on the
//! seeder's generator thread, or the growth benchmark's), then run one after another on a
//! [`Loader`], a connection of their own tuned for loading, or in a caller's transaction.
//!
//! Building a statement's arguments in the driver's form is half the cost of a bulk
//! insert, so it happens where the rows are made, and the writer only waits on the
//! database.

use crate::audit::AuditHead;
use crate::bank::Table;
use crate::db::multi_insert_in;
use crate::{Db, Dialect, Store, StoreError, Tx};
use bankdesk_domain::audit::AuditEntry;
use sqlx::Arguments;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgArguments, PgConnection};
use sqlx::sqlite::{SqliteArguments, SqliteConnection};
use std::time::{Duration, Instant};

/// Bound parameters per INSERT statement: long statements save round trips to the
/// database, and SQLite allows 32,766.
const STATEMENT_PARAMS: usize = 8_000;

/// A value to bind. Closed sets of words (enum names, currencies, countries) are bound as
/// static strings: no allocation per row, and nothing for the database thread to free.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(Option<i64>),
    Float(Option<f64>),
    Text(Option<String>),
    Word(&'static str),
    Bool(Option<bool>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(Some(v))
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Value {
        Value::Int(v)
    }
}
impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(Some(v))
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Value {
        Value::Text(v)
    }
}
impl From<&'static str> for Value {
    fn from(v: &'static str) -> Value {
        Value::Word(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Bool(Some(v))
    }
}

/// One INSERT with its arguments already in the driver's form, ready to run.
pub struct Statement {
    sql: String,
    /// Full-length statements recur and are worth keeping prepared; a table's last, shorter
    /// one is not, and would only crowd the connection's statement cache.
    persistent: bool,
    args: DriverArgs,
    /// What it writes, for the loader's figures per table.
    table: &'static str,
    rows: u64,
}

enum DriverArgs {
    Sqlite(SqliteArguments<'static>),
    Postgres(PgArguments),
}

fn encoding(e: sqlx::error::BoxDynError) -> StoreError {
    StoreError::Corrupt(format!("encoding an argument: {e}"))
}

impl Statement {
    fn new(
        dialect: Dialect,
        sql: String,
        persistent: bool,
        values: Vec<Value>,
        table: &'static str,
        rows: u64,
    ) -> Result<Statement, StoreError> {
        fn add<DB: sqlx::Database>(
            args: &mut DB::Arguments<'static>,
            values: Vec<Value>,
        ) -> Result<(), StoreError>
        where
            Option<i64>: sqlx::Encode<'static, DB> + sqlx::Type<DB>,
            Option<f64>: sqlx::Encode<'static, DB> + sqlx::Type<DB>,
            Option<String>: sqlx::Encode<'static, DB> + sqlx::Type<DB>,
            &'static str: sqlx::Encode<'static, DB> + sqlx::Type<DB>,
            Option<bool>: sqlx::Encode<'static, DB> + sqlx::Type<DB>,
        {
            args.reserve(values.len(), 0);
            for v in values {
                match v {
                    Value::Int(x) => args.add(x),
                    Value::Float(x) => args.add(x),
                    Value::Text(x) => args.add(x),
                    Value::Word(x) => args.add(x),
                    Value::Bool(x) => args.add(x),
                }
                .map_err(encoding)?;
            }
            Ok(())
        }
        let args = match dialect {
            Dialect::Sqlite => {
                let mut args = SqliteArguments::default();
                add::<sqlx::Sqlite>(&mut args, values)?;
                DriverArgs::Sqlite(args)
            }
            Dialect::Postgres => {
                let mut args = PgArguments::default();
                add::<sqlx::Postgres>(&mut args, values)?;
                DriverArgs::Postgres(args)
            }
        };
        Ok(Statement {
            sql,
            persistent,
            args,
            table,
            rows,
        })
    }
}

/// Appends the INSERTs of `items` to `out`, as many rows per statement as
/// [`STATEMENT_PARAMS`] allows; `row` moves an item's values into the arguments, in the
/// order of `table.columns`.
pub fn inserts<T>(
    out: &mut Vec<Statement>,
    dialect: Dialect,
    table: &Table,
    items: impl IntoIterator<Item = T>,
    row: impl Fn(T, &mut Vec<Value>),
) -> Result<(), StoreError> {
    let columns = table.columns;
    let per = (STATEMENT_PARAMS / columns.len()).max(1);
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let mut args = Vec::with_capacity(per * columns.len());
        let mut rows = 0;
        for item in items.by_ref().take(per) {
            row(item, &mut args);
            rows += 1;
        }
        if args.len() != rows * columns.len() {
            return Err(StoreError::Corrupt(format!(
                "{} values for {rows} rows of {} ({} columns)",
                args.len(),
                table.name,
                columns.len()
            )));
        }
        out.push(Statement::new(
            dialect,
            multi_insert_in(dialect, table.name, columns, rows),
            rows == per,
            args,
            table.name,
            rows as u64,
        )?);
    }
    Ok(())
}

/// A row of a table a bulk load fills, with its values in the table's column order.
pub trait Row {
    const TABLE: Table;
    fn values(self, out: &mut Vec<Value>);
}

/// [`inserts`] for typed rows.
pub fn insert_rows<R: Row>(
    out: &mut Vec<Statement>,
    dialect: Dialect,
    rows: Vec<R>,
) -> Result<(), StoreError> {
    inserts(out, dialect, &R::TABLE, rows, R::values)
}

/// A connection of either database, to run statements on.
enum Conn<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

/// Runs statements on one connection, adding each one's time to `loads`.
async fn run(
    mut conn: Conn<'_>,
    statements: Vec<Statement>,
    loads: &mut Loads,
) -> Result<(), StoreError> {
    for s in statements {
        let t = Instant::now();
        match (&mut conn, s.args) {
            (Conn::Sqlite(c), DriverArgs::Sqlite(args)) => {
                sqlx::query_with(&s.sql, args)
                    .persistent(s.persistent)
                    .execute(&mut **c)
                    .await?;
            }
            (Conn::Postgres(c), DriverArgs::Postgres(args)) => {
                sqlx::query_with(&s.sql, args)
                    .persistent(s.persistent)
                    .execute(&mut **c)
                    .await?;
            }
            _ => {
                return Err(StoreError::Db(sqlx::Error::Protocol(
                    "statement built for the other database".into(),
                )));
            }
        }
        loads.add(s.table, s.rows, t.elapsed());
    }
    Ok(())
}

impl Tx {
    /// Runs statements in this transaction; the caller commits.
    pub(crate) async fn run_statements(
        &mut self,
        statements: Vec<Statement>,
    ) -> Result<(), StoreError> {
        let mut loads = Loads::default();
        let conn = match self {
            Tx::Sqlite(t, _) => Conn::Sqlite(t),
            Tx::Postgres(t) => Conn::Postgres(t),
        };
        run(conn, statements, &mut loads).await
    }
}

/// Rows written to one table and the time its statements took.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct TableLoad {
    pub table: &'static str,
    pub rows: u64,
    pub seconds: f64,
}

#[derive(Debug, Default)]
struct Loads(Vec<(&'static str, u64, Duration)>);

impl Loads {
    fn add(&mut self, table: &'static str, rows: u64, took: Duration) {
        match self.0.iter_mut().find(|l| l.0 == table) {
            Some(l) => {
                l.1 += rows;
                l.2 += took;
            }
            None => self.0.push((table, rows, took)),
        }
    }
}

/// How a [`Loader`] connection is tuned beyond not waiting for the disk.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoaderOptions {
    /// SQLite's page cache for this connection, in MiB (the pool's default otherwise):
    /// tens of millions of rows make indexes of gigabytes, and an insert into a random
    /// place of an index that does not fit costs a read from the file.
    pub sqlite_cache_mib: Option<u32>,
    /// Skip the foreign-key checks, for generated rows that are consistent by
    /// construction (one index lookup saved per reference per row; on PostgreSQL a
    /// trigger call too, the larger part of loading a row with two references). On
    /// PostgreSQL this takes a superuser (`session_replication_role`); without one the
    /// references are checked.
    pub trust_references: bool,
}

/// A connection of its own for a bulk load into a database nothing else writes to:
/// commits and checkpoints need not wait for the disk, since a crash during a load loses
/// the load whatever the setting. It is closed, never returned to the pool, so its
/// settings cannot leak into serving.
pub struct Loader {
    conn: LoaderConn,
    loads: Loads,
}

enum LoaderConn {
    Sqlite(PoolConnection<sqlx::Sqlite>),
    Postgres(PoolConnection<sqlx::Postgres>),
}

impl Store {
    /// A [`Loader`] on this database.
    pub async fn loader(&self, o: LoaderOptions) -> Result<Loader, StoreError> {
        Loader::open(&self.db, o).await
    }

    /// Writes a batch of bank records in a transaction of its own.
    pub async fn insert_bank_batch(&self, b: &crate::bank::BankBatch) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        tx.insert_bank_batch(b).await?;
        tx.commit().await
    }

    /// Writes generated cases in a transaction of their own.
    pub async fn insert_cases(&self, cases: &[crate::cases::BulkCase]) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        tx.insert_cases(cases).await?;
        tx.commit().await
    }
}

impl Loader {
    pub(crate) async fn open(db: &Db, o: LoaderOptions) -> Result<Loader, StoreError> {
        let conn = match db {
            Db::Sqlite(pool, _) => {
                let mut c = pool.acquire().await?;
                c.close_on_drop();
                sqlx::query("PRAGMA synchronous = OFF")
                    .execute(&mut *c)
                    .await?;
                if let Some(mib) = o.sqlite_cache_mib {
                    sqlx::query(&format!("PRAGMA cache_size = -{}", u64::from(mib) * 1024))
                        .execute(&mut *c)
                        .await?;
                }
                if o.trust_references {
                    sqlx::query("PRAGMA foreign_keys = OFF")
                        .execute(&mut *c)
                        .await?;
                }
                LoaderConn::Sqlite(c)
            }
            Db::Postgres(pool) => {
                let mut c = pool.acquire().await?;
                c.close_on_drop();
                sqlx::query("SET synchronous_commit TO off")
                    .execute(&mut *c)
                    .await?;
                if o.trust_references {
                    // Refused to other roles: then the checks stay, which is only slower.
                    let _ = sqlx::query("SET session_replication_role = replica")
                        .execute(&mut *c)
                        .await;
                }
                LoaderConn::Postgres(c)
            }
        };
        Ok(Loader {
            conn,
            loads: Loads::default(),
        })
    }

    /// Writes statements in one transaction.
    pub async fn write(&mut self, statements: Vec<Statement>) -> Result<(), StoreError> {
        match &mut self.conn {
            LoaderConn::Sqlite(c) => {
                let mut tx = sqlx::Connection::begin(&mut **c).await?;
                run(Conn::Sqlite(&mut tx), statements, &mut self.loads).await?;
                tx.commit().await?;
            }
            LoaderConn::Postgres(c) => {
                let mut tx = sqlx::Connection::begin(&mut **c).await?;
                run(Conn::Postgres(&mut tx), statements, &mut self.loads).await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// Drops the secondary indexes of `tables` (primary keys stay), so that a load many
    /// times the size of what is there only appends, and each index is built once at the
    /// end from sorted entries: maintained row by row, an index by customer gets a page
    /// dirtied, and written again, for nearly every row of a batch, and even indexes that
    /// grow at their end cost more to keep than to build (measured on SQLite). Nothing
    /// should read these tables until [`Loader::build_indexes`] has put them back.
    pub async fn drop_indexes(&mut self, tables: &[&str]) -> Result<Vec<Index>, StoreError> {
        let mut out = Vec::new();
        for table in tables {
            let found: Vec<(String, String)> = match &mut self.conn {
                LoaderConn::Sqlite(c) => {
                    sqlx::query_as(
                        "SELECT '\"' || name || '\"', sql FROM sqlite_master \
                         WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL ORDER BY name",
                    )
                    .bind(*table)
                    .fetch_all(&mut **c)
                    .await?
                }
                LoaderConn::Postgres(c) => {
                    sqlx::query_as(
                        "SELECT quote_ident(n.nspname) || '.' || quote_ident(ic.relname), \
                         pg_get_indexdef(x.indexrelid) \
                         FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid \
                         JOIN pg_class tc ON tc.oid = x.indrelid JOIN pg_namespace n ON n.oid = tc.relnamespace \
                         WHERE n.nspname = current_schema() AND tc.relname = $1 \
                         AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) \
                         ORDER BY ic.relname",
                    )
                    .bind(*table)
                    .fetch_all(&mut **c)
                    .await?
                }
            };
            for (name, sql) in found {
                self.run(&format!("DROP INDEX {name}")).await?;
                out.push(Index {
                    name,
                    table: (*table).to_string(),
                    sql,
                });
            }
        }
        Ok(out)
    }

    /// Builds dropped indexes again; returns each one's name and seconds.
    pub async fn build_indexes(
        &mut self,
        indexes: Vec<Index>,
    ) -> Result<Vec<(String, f64)>, StoreError> {
        if let LoaderConn::Postgres(_) = self.conn {
            // Memory to sort in: the default 64 MB spills tens of millions of entries.
            self.run("SET maintenance_work_mem TO '1GB'").await?;
        }
        let mut out = Vec::with_capacity(indexes.len());
        for ix in indexes {
            let t = Instant::now();
            self.run(&ix.sql).await?;
            out.push((
                format!("{} ({})", ix.name.replace('"', ""), ix.table),
                t.elapsed().as_secs_f64(),
            ));
        }
        Ok(out)
    }

    /// Leaves the database as serving would find such a history, so that timings taken
    /// after a load do not measure the load.
    ///
    /// SQLite: moves everything the load wrote from the write-ahead log into the database
    /// file and empties the log. Left behind, a log of gigabytes makes every later read
    /// look pages up in it, and the first writes after the load pay for its checkpoint.
    ///
    /// PostgreSQL: vacuums the loaded tables, as autovacuum would long have done to years
    /// of history (without it the first reads of every row set its hint bits and dirty the
    /// page, and no scan can skip the table through the visibility map), then checkpoints
    /// (with a role allowed to) so the load's dirty pages are on disk before the timing.
    pub async fn settle(&mut self) -> Result<(), StoreError> {
        match self.conn {
            LoaderConn::Sqlite(_) => self.run("PRAGMA wal_checkpoint(TRUNCATE)").await?,
            LoaderConn::Postgres(_) => {
                let tables: Vec<&str> = self.loads.0.iter().map(|l| l.0).collect();
                if !tables.is_empty() {
                    self.run(&format!("VACUUM (ANALYZE) {}", tables.join(", ")))
                        .await?;
                }
                if let Err(e) = self.run("CHECKPOINT").await {
                    tracing::warn!(error = %e, "no checkpoint after the load (needs pg_checkpoint)");
                }
            }
        }
        Ok(())
    }

    async fn run(&mut self, sql: &str) -> Result<(), StoreError> {
        match &mut self.conn {
            LoaderConn::Sqlite(c) => {
                sqlx::query(sql).execute(&mut **c).await?;
            }
            LoaderConn::Postgres(c) => {
                sqlx::query(sql).execute(&mut **c).await?;
            }
        }
        Ok(())
    }

    /// Rows written per table so far and the time their statements took, in the order the
    /// tables were first written.
    pub fn loads(&self) -> Vec<TableLoad> {
        self.loads
            .0
            .iter()
            .map(|(table, rows, took)| TableLoad {
                table,
                rows: *rows,
                seconds: took.as_secs_f64(),
            })
            .collect()
    }
}

/// A secondary index a load took down, to build again once the rows are in.
#[derive(Clone, Debug)]
pub struct Index {
    /// Quoted for the statements that name it.
    name: String,
    table: String,
    /// The statement that makes it, as the database recorded it.
    sql: String,
}

fn update_audit_head(
    dialect: Dialect,
    columns: &[&str],
    values: Vec<Value>,
) -> Result<Statement, StoreError> {
    let sets: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = {}", crate::db::param(dialect, i + 1)))
        .collect();
    let sql = format!("UPDATE audit_head SET {} WHERE id = 1", sets.join(", "));
    Statement::new(dialect, sql, false, values, "audit_head", 1)
}

/// The statement that moves the chain's head, for a load that writes a stretch of the
/// chain ahead of older records it leaves room for: its records go in with it, in the same
/// transaction, and verification starts after the room left until the older records are
/// in.
pub fn set_audit_head(dialect: Dialect, head: AuditHead) -> Result<Statement, StoreError> {
    update_audit_head(
        dialect,
        &["seq", "hash", "base_seq", "base_hash"],
        vec![
            head.seq.into(),
            head.hash.into(),
            head.base_seq.into(),
            head.base_hash.into(),
        ],
    )
}

/// The statement that moves only where verification starts: once the older records are
/// loaded, back to where it was before.
pub fn set_audit_base(
    dialect: Dialect,
    base_seq: i64,
    base_hash: String,
) -> Result<Statement, StoreError> {
    update_audit_head(
        dialect,
        &["base_seq", "base_hash"],
        vec![base_seq.into(), base_hash.into()],
    )
}

impl Store {
    /// Whether the database is as the migrations left it: no customers, contacts, cases,
    /// knowledge, audit records or active staff. Benchmarks that fill a bank write only
    /// into such a database, never into one they did not make.
    pub async fn is_fresh(&self) -> Result<bool, StoreError> {
        for sql in [
            "SELECT id FROM customers LIMIT 1",
            "SELECT id FROM contacts LIMIT 1",
            "SELECT id FROM cases LIMIT 1",
            "SELECT id FROM kb_articles LIMIT 1",
            "SELECT id FROM users WHERE active = TRUE LIMIT 1",
        ] {
            if self
                .db
                .fetch_optional::<(String,)>(sql, &[])
                .await?
                .is_some()
            {
                return Ok(false);
            }
        }
        let any_audit: Option<(i64,)> = self
            .db
            .fetch_optional("SELECT seq FROM audit_log LIMIT 1", &[])
            .await?;
        Ok(any_audit.is_none() && self.audit_head().await?.seq == 0)
    }

    /// Rows in each of `tables` (names from this crate's [`Table`]s).
    pub async fn row_counts(
        &self,
        tables: &[&'static str],
    ) -> Result<Vec<(&'static str, i64)>, StoreError> {
        let mut out = Vec::with_capacity(tables.len());
        for t in tables {
            let (n,): (i64,) = self
                .db
                .fetch_one_row(&format!("SELECT COUNT(*) FROM {t}"))
                .await?;
            out.push((*t, n));
        }
        Ok(out)
    }

    /// References that point nowhere: a load that skipped the checks proves its rows
    /// consistent with this. SQLite has `PRAGMA foreign_key_check`; on PostgreSQL each
    /// foreign key of the schema is checked with a query of its own.
    pub async fn dangling_references(&self) -> Result<u64, StoreError> {
        match &self.db {
            Db::Sqlite(pool, _) => {
                let rows = sqlx::query("PRAGMA foreign_key_check")
                    .fetch_all(pool)
                    .await?;
                Ok(rows.len() as u64)
            }
            Db::Postgres(_) => {
                let keys: Vec<(String, String, String, String)> = self
                    .db
                    .fetch_all(
                        "SELECT quote_ident(t.relname), quote_ident(a.attname), quote_ident(r.relname), \
                         quote_ident(ra.attname) FROM pg_constraint k \
                         JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
                         JOIN pg_class r ON r.oid = k.confrelid \
                         JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] \
                         JOIN pg_attribute ra ON ra.attrelid = k.confrelid AND ra.attnum = k.confkey[1] \
                         WHERE k.contype = 'f' AND n.nspname = current_schema() ORDER BY k.conname",
                        &[],
                    )
                    .await?;
                let mut dangling = 0;
                for (table, column, target, key) in keys {
                    let (n,): (i64,) = self
                        .db
                        .fetch_one_row(&format!(
                            "SELECT COUNT(*) FROM {table} x WHERE x.{column} IS NOT NULL \
                             AND NOT EXISTS (SELECT 1 FROM {target} y WHERE y.{key} = x.{column})"
                        ))
                        .await?;
                    dangling += n as u64;
                }
                Ok(dangling)
            }
        }
    }
}

/// A contact as it ends up: opened, handled and wrapped up (or still open).
#[derive(Clone, Debug)]
pub struct Contact {
    pub id: String,
    pub customer_id: Option<String>,
    pub channel: &'static str,
    pub direction: &'static str,
    pub status: &'static str,
    pub handler_id: Option<String>,
    pub opened_at_ms: i64,
    pub closed_at_ms: Option<i64>,
    pub category: Option<String>,
    pub resolved: Option<bool>,
    pub summary: Option<String>,
}

impl Row for Contact {
    const TABLE: Table = Table {
        name: "contacts",
        columns: &[
            "id",
            "customer_id",
            "channel",
            "direction",
            "status",
            "handler_id",
            "opened_at_ms",
            "closed_at_ms",
            "category",
            "resolved",
            "summary",
        ],
    };

    fn values(self, out: &mut Vec<Value>) {
        out.extend([
            self.id.into(),
            self.customer_id.into(),
            self.channel.into(),
            self.direction.into(),
            self.status.into(),
            self.handler_id.into(),
            self.opened_at_ms.into(),
            self.closed_at_ms.into(),
            self.category.into(),
            Value::Bool(self.resolved),
            self.summary.into(),
        ]);
    }
}

#[derive(Clone, Debug)]
pub struct Note {
    pub id: String,
    pub contact_id: String,
    pub author_id: String,
    pub at_ms: i64,
    pub text: &'static str,
}

impl Row for Note {
    const TABLE: Table = Table {
        name: "contact_notes",
        columns: &["id", "contact_id", "author_id", "at_ms", "text"],
    };

    fn values(self, out: &mut Vec<Value>) {
        out.extend([
            self.id.into(),
            self.contact_id.into(),
            self.author_id.into(),
            self.at_ms.into(),
            self.text.into(),
        ]);
    }
}

/// An email or WeChat message as the webhooks store it.
#[derive(Clone, Debug)]
pub struct Inbound {
    pub id: String,
    pub channel: &'static str,
    pub external_id: String,
    pub contact_id: String,
    pub sender: String,
    pub recipient: &'static str,
    pub msg_type: &'static str,
    pub subject: &'static str,
    pub body: &'static str,
    pub sent_at_ms: i64,
    pub received_at_ms: i64,
}

impl Row for Inbound {
    const TABLE: Table = Table {
        name: "inbound_messages",
        columns: &[
            "id",
            "channel",
            "external_id",
            "contact_id",
            "sender",
            "recipient",
            "msg_type",
            "subject",
            "body",
            "sent_at_ms",
            "received_at_ms",
        ],
    };

    fn values(self, out: &mut Vec<Value>) {
        out.extend([
            self.id.into(),
            self.channel.into(),
            self.external_id.into(),
            self.contact_id.into(),
            self.sender.into(),
            self.recipient.into(),
            self.msg_type.into(),
            self.subject.into(),
            self.body.into(),
            self.sent_at_ms.into(),
            self.received_at_ms.into(),
        ]);
    }
}

/// A reply in the outbox, as the worker leaves it once sent.
#[derive(Clone, Debug)]
pub struct Outbound {
    pub id: String,
    pub contact_id: String,
    pub channel: &'static str,
    pub recipient: String,
    pub subject: &'static str,
    pub body: &'static str,
    pub in_reply_to: Option<String>,
    pub author_id: String,
    pub status: &'static str,
    pub attempts: i64,
    pub next_attempt_ms: i64,
    pub created_at_ms: i64,
    pub sent_at_ms: Option<i64>,
}

impl Row for Outbound {
    const TABLE: Table = Table {
        name: "outbox",
        columns: &[
            "id",
            "contact_id",
            "channel",
            "recipient",
            "subject",
            "body",
            "in_reply_to",
            "author_id",
            "status",
            "attempts",
            "next_attempt_ms",
            "last_error",
            "created_at_ms",
            "sent_at_ms",
        ],
    };

    fn values(self, out: &mut Vec<Value>) {
        out.extend([
            self.id.into(),
            self.contact_id.into(),
            self.channel.into(),
            self.recipient.into(),
            self.subject.into(),
            self.body.into(),
            self.in_reply_to.into(),
            self.author_id.into(),
            self.status.into(),
            self.attempts.into(),
            self.next_attempt_ms.into(),
            Value::Text(None),
            self.created_at_ms.into(),
            self.sent_at_ms.into(),
        ]);
    }
}

/// A case with every column the API fills, as its last change left it.
#[derive(Clone, Debug)]
pub struct Case {
    pub id: String,
    pub customer_id: String,
    pub case_type: &'static str,
    pub status: &'static str,
    pub department: &'static str,
    pub assignee_id: Option<String>,
    pub summary: &'static str,
    pub opened_at_ms: i64,
    pub due_at_ms: Option<i64>,
    pub version: i64,
    pub fields: String,
    pub created_by: String,
    pub clock_start_ms: i64,
    pub sla_days: i64,
    pub sla_basis: &'static str,
    pub resolved_at_ms: Option<i64>,
    pub closed_at_ms: Option<i64>,
    pub updated_at_ms: i64,
}

impl Row for Case {
    const TABLE: Table = Table {
        name: "cases",
        columns: &[
            "id",
            "customer_id",
            "case_type",
            "status",
            "department",
            "assignee_id",
            "summary",
            "opened_at_ms",
            "due_at_ms",
            "version",
            "fields",
            "created_by",
            "clock_start_ms",
            "sla_days",
            "sla_basis",
            "resolved_at_ms",
            "closed_at_ms",
            "updated_at_ms",
        ],
    };

    fn values(self, out: &mut Vec<Value>) {
        out.extend([
            self.id.into(),
            self.customer_id.into(),
            self.case_type.into(),
            self.status.into(),
            self.department.into(),
            self.assignee_id.into(),
            self.summary.into(),
            self.opened_at_ms.into(),
            self.due_at_ms.into(),
            self.version.into(),
            self.fields.into(),
            self.created_by.into(),
            self.clock_start_ms.into(),
            self.sla_days.into(),
            self.sla_basis.into(),
            self.resolved_at_ms.into(),
            self.closed_at_ms.into(),
            self.updated_at_ms.into(),
        ]);
    }
}

/// The complaint part of a complaint case.
#[derive(Clone, Debug)]
pub struct Complaint {
    pub case_id: String,
    pub received_at_ms: i64,
    pub channel: &'static str,
    pub complexity: &'static str,
    pub root_causes: &'static str,
    pub answered_at_ms: Option<i64>,
}

impl Row for Complaint {
    const TABLE: Table = Table {
        name: "complaints",
        columns: &[
            "case_id",
            "received_at_ms",
            "channel",
            "complexity",
            "extension_level",
            "subject_staff",
            "subject_branch",
            "root_causes",
            "merged_into",
            "answered_at_ms",
        ],
    };

    fn values(self, out: &mut Vec<Value>) {
        out.extend([
            self.case_id.into(),
            self.received_at_ms.into(),
            self.channel.into(),
            self.complexity.into(),
            Value::Int(Some(0)),
            Value::Text(None),
            Value::Text(None),
            self.root_causes.into(),
            Value::Text(None),
            self.answered_at_ms.into(),
        ]);
    }
}

/// One line of a case's history.
#[derive(Clone, Debug)]
pub struct History {
    pub id: String,
    pub case_id: String,
    pub seq: i64,
    pub at_ms: i64,
    pub actor_id: Option<String>,
    pub action: &'static str,
    pub from_value: Option<String>,
    pub to_value: Option<String>,
    pub note: Option<&'static str>,
}

impl Row for History {
    const TABLE: Table = Table {
        name: "case_history",
        columns: &[
            "id",
            "case_id",
            "seq",
            "at_ms",
            "actor_id",
            "action",
            "from_value",
            "to_value",
            "note",
        ],
    };

    fn values(self, out: &mut Vec<Value>) {
        out.extend([
            self.id.into(),
            self.case_id.into(),
            self.seq.into(),
            self.at_ms.into(),
            self.actor_id.into(),
            self.action.into(),
            self.from_value.into(),
            self.to_value.into(),
            self.note.map_or(Value::Text(None), Value::Word),
        ]);
    }
}

/// A contact linked to a case.
#[derive(Clone, Debug)]
pub struct CaseContact {
    pub case_id: String,
    pub contact_id: String,
    pub role: &'static str,
    pub linked_at_ms: i64,
}

impl Row for CaseContact {
    const TABLE: Table = Table {
        name: "case_contacts",
        columns: &["case_id", "contact_id", "role", "linked_at_ms"],
    };

    fn values(self, out: &mut Vec<Value>) {
        out.extend([
            self.case_id.into(),
            self.contact_id.into(),
            self.role.into(),
            self.linked_at_ms.into(),
        ]);
    }
}

/// An escalation job: pending, or sent by the worker.
#[derive(Clone, Debug)]
pub struct Job {
    pub id: String,
    pub case_id: String,
    pub kind: &'static str,
    pub deadline_ms: i64,
    pub run_at_ms: i64,
    pub state: &'static str,
    pub done_at_ms: Option<i64>,
    pub worker: Option<&'static str>,
}

impl Row for Job {
    const TABLE: Table = Table {
        name: "case_jobs",
        columns: &[
            "id",
            "case_id",
            "kind",
            "deadline_ms",
            "run_at_ms",
            "state",
            "done_at_ms",
            "worker",
        ],
    };

    fn values(self, out: &mut Vec<Value>) {
        out.extend([
            self.id.into(),
            self.case_id.into(),
            self.kind.into(),
            self.deadline_ms.into(),
            self.run_at_ms.into(),
            self.state.into(),
            self.done_at_ms.into(),
            self.worker.map_or(Value::Text(None), Value::Word),
        ]);
    }
}

/// A notification a sent job left for one member of staff.
#[derive(Clone, Debug)]
pub struct Notification {
    pub id: String,
    pub recipient_id: String,
    pub kind: &'static str,
    pub case_id: String,
    pub job_id: String,
    pub text: String,
    pub created_at_ms: i64,
    pub read_at_ms: Option<i64>,
}

impl Row for Notification {
    const TABLE: Table = Table {
        name: "notifications",
        columns: &[
            "id",
            "recipient_id",
            "kind",
            "case_id",
            "job_id",
            "text",
            "created_at_ms",
            "read_at_ms",
        ],
    };

    fn values(self, out: &mut Vec<Value>) {
        out.extend([
            self.id.into(),
            self.recipient_id.into(),
            self.kind.into(),
            self.case_id.into(),
            self.job_id.into(),
            self.text.into(),
            self.created_at_ms.into(),
            self.read_at_ms.into(),
        ]);
    }
}

/// Audit records already chained (by [`NewAuditEntry::chain`]), in seq order.
///
/// [`NewAuditEntry::chain`]: bankdesk_domain::audit::NewAuditEntry::chain
impl Row for AuditEntry {
    const TABLE: Table = Table {
        name: "audit_log",
        columns: &[
            "seq",
            "at_ms",
            "actor",
            "action",
            "customer_id",
            "purpose",
            "detail",
            "prev_hash",
            "hash",
        ],
    };

    fn values(self, out: &mut Vec<Value>) {
        out.extend([
            self.seq.into(),
            self.at_ms.into(),
            self.actor.into(),
            self.action.into(),
            self.customer_id.into(),
            self.purpose.into(),
            self.detail.into(),
            self.prev_hash.into(),
            self.hash.into(),
        ]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{backends, fresh};
    use bankdesk_domain::audit::{GENESIS_HASH, NewAuditEntry};

    fn chained(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let e = NewAuditEntry {
                    at_ms: 1_700_000_000_000 + seq,
                    actor: "agent01".into(),
                    action: "customer.overview".into(),
                    customer_id: Some("C1".into()),
                    purpose: None,
                    detail: "{}".into(),
                }
                .chain(seq, &prev);
                prev.clone_from(&e.hash);
                e
            })
            .collect()
    }

    #[tokio::test]
    async fn a_loaded_stretch_of_the_chain_verifies_and_is_counted_per_table() {
        for backend in backends() {
            let t = fresh(backend).await;
            assert!(t.store.is_fresh().await.unwrap(), "{backend}");
            let records = chained(2_000);
            let head = AuditHead {
                seq: 2_000,
                hash: records[1_999].hash.clone(),
                base_seq: 0,
                base_hash: GENESIS_HASH.into(),
            };
            let dialect = t.store.db.dialect();
            let mut statements = Vec::new();
            insert_rows(&mut statements, dialect, records).unwrap();
            assert!(statements.len() > 1, "{backend}: long inserts are split");
            statements.push(set_audit_head(dialect, head.clone()).unwrap());
            let mut loader = Loader::open(
                &t.store.db,
                LoaderOptions {
                    sqlite_cache_mib: Some(16),
                    trust_references: true,
                },
            )
            .await
            .unwrap();
            let dropped = loader.drop_indexes(&["audit_log"]).await.unwrap();
            assert!(dropped.len() >= 2, "{backend}: {dropped:?}");
            loader.write(statements).await.unwrap();
            let built = loader.build_indexes(dropped.clone()).await.unwrap();
            assert_eq!(built.len(), dropped.len(), "{backend}");
            let again = loader.drop_indexes(&["audit_log"]).await.unwrap();
            assert_eq!(again.len(), dropped.len(), "{backend}: all built again");
            loader.build_indexes(again).await.unwrap();
            let loads = loader.loads();
            assert_eq!(loads[0].table, "audit_log", "{backend}");
            assert_eq!(loads[0].rows, 2_000, "{backend}");
            drop(loader);
            assert_eq!(t.store.audit_head().await.unwrap(), head, "{backend}");
            let v = t.store.audit_verify().await.unwrap();
            assert!(v.ok, "{backend}: {v:?}");
            assert_eq!(v.entries, 2_000, "{backend}");
            assert!(!t.store.is_fresh().await.unwrap(), "{backend}");
            assert_eq!(
                t.store.row_counts(&["audit_log"]).await.unwrap(),
                vec![("audit_log", 2_000)]
            );
            assert_eq!(t.store.dangling_references().await.unwrap(), 0);
        }
    }
}
