//! The one place where SQLite and PostgreSQL differ. Repositories write portable SQL with
//! `$1` placeholders and pass their values as [`Arg`]s; [`Db`] and [`Tx`] bind them for
//! whichever database is behind, and rows decode into the same `FromRow` structs.

use crate::StoreError;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{FromRow, PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::fmt::Write as _;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OwnedMutexGuard;

pub use sqlx::Error as SqlxError;

/// A value bound to a `$n` placeholder.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    I64(Option<i64>),
    F64(Option<f64>),
    Text(Option<String>),
    Bool(Option<bool>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Arg {
        Arg::I64(Some(v))
    }
}
impl From<i32> for Arg {
    fn from(v: i32) -> Arg {
        Arg::I64(Some(v.into()))
    }
}
impl From<u32> for Arg {
    fn from(v: u32) -> Arg {
        Arg::I64(Some(v.into()))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Arg {
        Arg::I64(v)
    }
}
impl From<Option<f64>> for Arg {
    fn from(v: Option<f64>) -> Arg {
        Arg::F64(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Arg {
        Arg::Bool(Some(v))
    }
}
impl From<Option<bool>> for Arg {
    fn from(v: Option<bool>) -> Arg {
        Arg::Bool(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(Some(v.to_string()))
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(Some(v))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Arg {
        Arg::Text(Some(v.clone()))
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Arg {
        Arg::Text(v.map(str::to_string))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Arg {
        Arg::Text(v)
    }
}

/// `args![a, b, c]` builds the argument list of a query.
#[macro_export]
macro_rules! args {
    ($($v:expr),* $(,)?) => { [$($crate::db::Arg::from($v)),*] };
}

/// Rows decodable from both databases.
pub trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{}

macro_rules! bind_all {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::I64(v) => q.bind(*v),
                Arg::F64(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.as_deref()),
                Arg::Bool(v) => q.bind(*v),
            };
        }
        q
    }};
}

/// Runs one statement against a pool or transaction of either database.
macro_rules! on_each {
    ($self:expr, $Sq:ident, $Pg:ident, |$c:ident| $body:expr) => {
        match $self {
            $Sq($c, _) => $body,
            $Pg($c) => $body,
        }
    };
}

/// Which database, for the few places where SQL must differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool, WriteQueue),
    Postgres(PgPool),
}

/// SQLite allows one writer at a time, and a writer that finds the lock taken sleeps in
/// SQLite's busy handler with growing naps (up to 100 ms), which made the tail latency of
/// concurrent writes. Writers of this process instead wait their turn here, first come
/// first served, and start the moment the previous one commits.
#[derive(Clone, Debug, Default)]
pub struct WriteQueue(Arc<tokio::sync::Mutex<()>>);

/// Waiting longer than SQLite's own busy timeout means something holds a write
/// transaction while opening another; fail instead of hanging.
const WRITE_WAIT: Duration = Duration::from_secs(10);

impl WriteQueue {
    async fn turn(&self) -> Result<OwnedMutexGuard<()>, StoreError> {
        tokio::time::timeout(WRITE_WAIT, self.0.clone().lock_owned())
            .await
            .map_err(|_| StoreError::Db(SqlxError::PoolTimedOut))
    }
}

use Db::{Postgres as DbPg, Sqlite as DbSq};

/// How often a background task copies SQLite's write-ahead log back into the database.
///
/// A commit that finds the log past `wal_autocheckpoint` pages copies it back itself,
/// which writes pages all over the database file and syncs it while every other writer
/// waits in the [`WriteQueue`]; at a million cases that was a large share of a case
/// create (issue 10). A passive checkpoint on another connection takes no write lock, so
/// it runs beside the writers on another core, and the log restarts from its beginning
/// once it has been copied.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);

/// Log pages (4 KiB each) before a writer checkpoints after all: the safety net for a
/// background task that cannot keep up or has stopped.
const WRITER_CHECKPOINT_PAGES: &str = "16384";

/// Checkpoints `pool`'s database until the [`Db`] that owns `alive` is dropped or the
/// pool is closed.
fn spawn_checkpointer(pool: SqlitePool, alive: std::sync::Weak<tokio::sync::Mutex<()>>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if alive.strong_count() == 0 || pool.is_closed() {
                break;
            }
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await
            {
                tracing::warn!(error = %e, "background WAL checkpoint failed");
            }
        }
    });
}

/// How hard SQLite works to keep a commit across a power cut; `Normal` in WAL mode keeps
/// every commit across a process crash, `Full` also across power loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SqliteSync {
    Normal,
    Full,
}

impl Db {
    /// Opens (creating if needed) the SQLite file at `path`.
    pub async fn open_sqlite(path: &Path, sync: SqliteSync) -> Result<Db, StoreError> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match sync {
                SqliteSync::Normal => SqliteSynchronous::Normal,
                SqliteSync::Full => SqliteSynchronous::Full,
            })
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory")
            .pragma("wal_autocheckpoint", WRITER_CHECKPOINT_PAGES);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        let queue = WriteQueue::default();
        spawn_checkpointer(pool.clone(), Arc::downgrade(&queue.0));
        Ok(Db::Sqlite(pool, queue))
    }

    /// Connects to `postgres://...`; fails when the server cannot be reached.
    pub async fn open_postgres(url: &str, max_connections: u32) -> Result<Db, StoreError> {
        let opts = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        Ok(Db::Postgres(pool))
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            DbSq(..) => Dialect::Sqlite,
            DbPg(_) => Dialect::Postgres,
        }
    }

    pub fn dialect_name(&self) -> &'static str {
        match self {
            DbSq(..) => "sqlite",
            DbPg(_) => "postgres",
        }
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            DbSq(p, _) => sqlx::migrate!("./migrations/sqlite").run(p).await?,
            DbPg(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// A transaction that writes: on SQLite it waits its turn in the [`WriteQueue`].
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            DbSq(p, queue) => {
                let turn = queue.turn().await?;
                Tx::Sqlite(p.begin().await?, Some(turn))
            }
            DbPg(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// A transaction that only reads (a consistent snapshot): it never waits for writers.
    pub async fn begin_read(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            DbSq(p, _) => Tx::Sqlite(p.begin().await?, None),
            DbPg(p) => Tx::Postgres(p.begin().await?),
        })
    }

    pub async fn execute(&self, sql: &str, args: &[Arg]) -> Result<u64, StoreError> {
        crate::plans::note(sql, args);
        on_each!(self, DbSq, DbPg, |p| Ok(bind_all!(sqlx::query(sql), args)
            .execute(p)
            .await?
            .rows_affected()))
    }

    pub async fn fetch_all<T: Row>(&self, sql: &str, args: &[Arg]) -> Result<Vec<T>, StoreError> {
        crate::plans::note(sql, args);
        on_each!(self, DbSq, DbPg, |p| Ok(bind_all!(
            sqlx::query_as::<_, T>(sql),
            args
        )
        .fetch_all(p)
        .await?))
    }

    pub async fn fetch_optional<T: Row>(
        &self,
        sql: &str,
        args: &[Arg],
    ) -> Result<Option<T>, StoreError> {
        crate::plans::note(sql, args);
        on_each!(self, DbSq, DbPg, |p| Ok(bind_all!(
            sqlx::query_as::<_, T>(sql),
            args
        )
        .fetch_optional(p)
        .await?))
    }

    pub async fn fetch_one_row<T: Row>(&self, sql: &str) -> Result<T, StoreError> {
        self.fetch_optional(sql, &[])
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn close(&self) {
        on_each!(self, DbSq, DbPg, |p| p.close().await)
    }
}

/// A transaction on either database; dropped without `commit` it rolls back. A SQLite
/// writer holds its turn of the [`WriteQueue`] until then.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>, Option<OwnedMutexGuard<()>>),
    Postgres(Transaction<'static, Postgres>),
}

use Tx::{Postgres as TxPg, Sqlite as TxSq};

impl Tx {
    pub fn dialect(&self) -> Dialect {
        match self {
            TxSq(..) => Dialect::Sqlite,
            TxPg(_) => Dialect::Postgres,
        }
    }

    pub async fn execute(&mut self, sql: &str, args: &[Arg]) -> Result<u64, StoreError> {
        crate::plans::note(sql, args);
        on_each!(self, TxSq, TxPg, |t| Ok(bind_all!(sqlx::query(sql), args)
            .execute(&mut **t)
            .await?
            .rows_affected()))
    }

    pub async fn fetch_all<T: Row>(
        &mut self,
        sql: &str,
        args: &[Arg],
    ) -> Result<Vec<T>, StoreError> {
        crate::plans::note(sql, args);
        on_each!(self, TxSq, TxPg, |t| Ok(bind_all!(
            sqlx::query_as::<_, T>(sql),
            args
        )
        .fetch_all(&mut **t)
        .await?))
    }

    pub async fn fetch_optional<T: Row>(
        &mut self,
        sql: &str,
        args: &[Arg],
    ) -> Result<Option<T>, StoreError> {
        crate::plans::note(sql, args);
        on_each!(self, TxSq, TxPg, |t| Ok(bind_all!(
            sqlx::query_as::<_, T>(sql),
            args
        )
        .fetch_optional(&mut **t)
        .await?))
    }

    pub async fn fetch_one<T: Row>(&mut self, sql: &str, args: &[Arg]) -> Result<T, StoreError> {
        self.fetch_optional(sql, args)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The rows of a query that selects one [`json_rows`] aggregate, decoded in column
    /// order into `T` (a tuple or a struct).
    pub async fn fetch_json<T: serde::de::DeserializeOwned>(
        &mut self,
        sql: &str,
        args: &[Arg],
    ) -> Result<Vec<T>, StoreError> {
        let (text,): (String,) = self.fetch_one(sql, args).await?;
        serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("json rows: {e}")))
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        on_each!(self, TxSq, TxPg, |t| Ok(t.commit().await?))
    }
}

/// Builds `INSERT INTO table (cols) VALUES ($1,..),($k,..)` for `rows` rows.
pub fn multi_insert(table: &str, columns: &[&str], rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut n = 1;
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..columns.len() {
            if c > 0 {
                sql.push(',');
            }
            sql.push('$');
            sql.push_str(&n.to_string());
            n += 1;
        }
        sql.push(')');
    }
    sql
}

/// The placeholder of parameter `n` (1-based) in a long statement. SQLite gets anonymous
/// `?`: it looks numbered ones up by a linear scan, so binding a long statement of `$n`
/// takes time quadratic in its length. Every placeholder of such a statement must be
/// made here, in order.
pub fn param(dialect: Dialect, n: usize) -> String {
    match dialect {
        Dialect::Sqlite => "?".to_string(),
        Dialect::Postgres => format!("${n}"),
    }
}

/// `p_from, p_from+1, ...` for `count` parameters (an `IN (...)` list), per [`param`].
/// Written into one string: a CTI delivery's statements have tens of thousands of
/// placeholders, and a string for each was a visible part of the profile.
pub fn param_list(dialect: Dialect, from: usize, count: usize) -> String {
    let mut out = String::with_capacity(count * 4);
    for n in from..from + count {
        if n > from {
            out.push_str(", ");
        }
        match dialect {
            Dialect::Sqlite => out.push('?'),
            Dialect::Postgres => {
                let _ = write!(out, "${n}");
            }
        }
    }
    out
}

/// [`multi_insert`] with the placeholders of [`param`], for statements of many rows.
pub fn multi_insert_in(dialect: Dialect, table: &str, columns: &[&str], rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        sql.push_str(&param_list(dialect, r * columns.len() + 1, columns.len()));
        sql.push(')');
    }
    sql
}

/// A list of strings bound as one JSON array, for [`json_text_list`].
pub fn json_list<'a>(items: impl IntoIterator<Item = &'a str>) -> Arg {
    Arg::Text(Some(serde_json::Value::from_iter(items).to_string()))
}

/// A subquery of the strings of the [`json_list`] bound at parameter `n`, for `IN (...)`:
/// one placeholder whatever the list's length, so the statement text stays the same and
/// is prepared once per connection instead of once per list length.
pub fn json_text_list(dialect: Dialect, n: usize) -> String {
    match dialect {
        Dialect::Sqlite => format!("SELECT value FROM json_each({})", param(dialect, n)),
        Dialect::Postgres => format!("SELECT json_array_elements_text(${n}::json)"),
    }
}

/// An aggregate of all rows as one JSON array of arrays of `exprs` (comma-separated), for
/// [`Tx::fetch_json`]. sqlx's SQLite driver copies every value of every row on its worker
/// thread and frees it on the caller's, both under SQLite's allocator lock, which made
/// reading back a thousand rows cost more than the query; one text value does not.
pub fn json_rows(dialect: Dialect, exprs: &str) -> String {
    match dialect {
        Dialect::Sqlite => format!("json_group_array(json_array({exprs}))"),
        Dialect::Postgres => {
            format!("COALESCE(json_agg(json_build_array({exprs})), '[]'::json)::text")
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_statements_use_anonymous_parameters_on_sqlite() {
        use super::{Dialect, multi_insert_in};
        assert_eq!(
            multi_insert_in(Dialect::Postgres, "t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES ($1, $2),($3, $4)"
        );
        assert_eq!(
            multi_insert_in(Dialect::Sqlite, "t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES (?, ?),(?, ?)"
        );
    }

    #[test]
    fn multi_insert_numbers_placeholders() {
        assert_eq!(
            super::multi_insert("t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES ($1,$2),($3,$4)"
        );
    }
}
