//! The append-only, hash-chained audit log. Records are appended inside the transaction
//! of the change or read they describe, so either both commit or neither does.

use crate::{Store, StoreError, Tx, args};
use bankdesk_domain::audit::{AuditEntry, ChainBreak, ChainVerifier, NewAuditEntry};

#[derive(sqlx::FromRow)]
struct EntryRow {
    seq: i64,
    at_ms: i64,
    actor: String,
    action: String,
    customer_id: Option<String>,
    purpose: Option<String>,
    detail: String,
    prev_hash: String,
    hash: String,
}

impl From<EntryRow> for AuditEntry {
    fn from(r: EntryRow) -> AuditEntry {
        AuditEntry {
            seq: r.seq,
            at_ms: r.at_ms,
            actor: r.actor,
            action: r.action,
            customer_id: r.customer_id,
            purpose: r.purpose,
            detail: r.detail,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

const COLUMNS: &str = "seq, at_ms, actor, action, customer_id, purpose, detail, prev_hash, hash";

/// The outcome of walking the whole chain.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    pub ok: bool,
    pub entries: u64,
    pub first_bad_seq: Option<i64>,
    pub problem: Option<ChainBreak>,
}

/// Where the audit chain stands: its last record, and the record verification starts
/// after (the last purged one, or the genesis).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
    pub base_seq: i64,
    pub base_hash: String,
}

/// Filters of the compliance audit search.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub customer_id: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Only records with a seq below this (paging backwards from the newest).
    pub before_seq: Option<i64>,
    pub limit: u32,
}

impl Tx {
    /// Takes the chain's write lock. Call first in a transaction that will audit, so the
    /// transaction holds the lock from its start (no SQLite upgrade deadlocks, and
    /// PostgreSQL appends strictly one after another).
    pub async fn lock_audit_chain(&mut self) -> Result<(), StoreError> {
        self.execute("UPDATE audit_head SET seq = seq WHERE id = 1", &[])
            .await?;
        Ok(())
    }

    /// Appends one record to the chain; the caller commits.
    pub async fn audit(&mut self, mut entry: NewAuditEntry) -> Result<i64, StoreError> {
        let (seq, prev, last_ms): (i64, String, i64) = self
            .fetch_one(
                "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash, at_ms",
                &[],
            )
            .await?;
        entry.at_ms = entry.at_ms.max(last_ms);
        let e = entry.chain(seq, &prev);
        self.execute(
            &format!(
                "INSERT INTO audit_log ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            ),
            &args![
                e.seq,
                e.at_ms,
                e.actor,
                e.action,
                e.customer_id,
                e.purpose,
                e.detail,
                e.prev_hash,
                e.hash.as_str()
            ],
        )
        .await?;
        self.execute(
            "UPDATE audit_head SET hash = $1, at_ms = $2 WHERE id = 1",
            &args![e.hash, e.at_ms],
        )
        .await?;
        Ok(seq)
    }
}

impl Tx {
    /// Appends many records at once (a CTI delivery touches many customers): chained in
    /// order, written in multi-row statements; the caller locked the chain and commits.
    pub async fn audit_many(&mut self, entries: Vec<NewAuditEntry>) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let (mut seq, mut prev, mut last_ms): (i64, String, i64) = self
            .fetch_one("SELECT seq, hash, at_ms FROM audit_head WHERE id = 1", &[])
            .await?;
        let mut rows = Vec::with_capacity(entries.len());
        for mut e in entries {
            seq += 1;
            e.at_ms = e.at_ms.max(last_ms);
            last_ms = e.at_ms;
            let chained = e.chain(seq, &prev);
            prev.clone_from(&chained.hash);
            rows.push(chained);
        }
        let columns: Vec<&str> = COLUMNS.split(", ").collect();
        for chunk in rows.chunks(500) {
            let args: Vec<crate::db::Arg> = chunk
                .iter()
                .flat_map(|e| {
                    args![
                        e.seq,
                        e.at_ms,
                        e.actor.as_str(),
                        e.action.as_str(),
                        e.customer_id.as_deref(),
                        e.purpose.as_deref(),
                        e.detail.as_str(),
                        e.prev_hash.as_str(),
                        e.hash.as_str()
                    ]
                })
                .collect();
            let sql =
                crate::db::multi_insert_in(self.dialect(), "audit_log", &columns, chunk.len());
            self.execute(&sql, &args).await?;
        }
        self.execute(
            "UPDATE audit_head SET seq = $1, hash = $2, at_ms = $3 WHERE id = 1",
            &args![seq, prev, last_ms],
        )
        .await?;
        Ok(())
    }
}

impl Store {
    /// The chain's head as stored.
    pub async fn audit_head(&self) -> Result<AuditHead, StoreError> {
        let (seq, hash, base_seq, base_hash): (i64, String, i64, String) = self
            .db
            .fetch_optional(
                "SELECT seq, hash, base_seq, base_hash FROM audit_head WHERE id = 1",
                &[],
            )
            .await?
            .ok_or_else(|| StoreError::Corrupt("audit_head row is missing".into()))?;
        Ok(AuditHead {
            seq,
            hash,
            base_seq,
            base_hash,
        })
    }

    /// Appends a record in a transaction of its own (for events that change nothing else).
    pub async fn audit(&self, entry: NewAuditEntry) -> Result<i64, StoreError> {
        let mut tx = self.db.begin().await?;
        tx.lock_audit_chain().await?;
        let seq = tx.audit(entry).await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// Newest first. Time bounds become bounds on seq (the chain's clock never runs
    /// backwards), so every filter reads one index range in seq order and stops at the
    /// page's size however long the log.
    pub async fn audit_search(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        let first_seq_from = |t: i64| async move {
            let row: Option<(i64,)> = self
                .db
                .fetch_optional(
                    "SELECT seq FROM audit_log WHERE at_ms >= $1 ORDER BY at_ms, seq LIMIT 1",
                    &args![t],
                )
                .await?;
            Ok::<_, StoreError>(row.map(|r| r.0))
        };
        let from_seq = match q.from_ms {
            Some(t) => match first_seq_from(t).await? {
                Some(s) => Some(s),
                None => return Ok(Vec::new()),
            },
            None => None,
        };
        let to_seq = match q.to_ms {
            Some(t) => first_seq_from(t).await?,
            None => None,
        };
        let before = match (to_seq, q.before_seq) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let mut sql = format!("SELECT {COLUMNS} FROM audit_log WHERE 1 = 1");
        let mut a = Vec::new();
        let mut filter = |col: &str, op: &str, v: crate::db::Arg| {
            a.push(v);
            sql.push_str(&format!(" AND {col} {op} ${}", a.len()));
        };
        if let Some(c) = &q.customer_id {
            filter("customer_id", "=", c.into());
        }
        if let Some(c) = &q.actor {
            filter("actor", "=", c.into());
        }
        if let Some(c) = &q.action {
            filter("action", "=", c.into());
        }
        if let Some(s) = from_seq {
            filter("seq", ">=", s.into());
        }
        if let Some(s) = before {
            filter("seq", "<", s.into());
        }
        a.push(i64::from(q.limit.clamp(1, 1000)).into());
        sql.push_str(&format!(" ORDER BY seq DESC LIMIT ${}", a.len()));
        let rows: Vec<EntryRow> = self.db.fetch_all(&sql, &a).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Walks the chain from the first record in pages, stopping at the first break.
    pub async fn audit_verify(&self) -> Result<Verification, StoreError> {
        const PAGE: i64 = 5_000;
        let AuditHead {
            seq: head_seq,
            hash: head_hash,
            base_seq,
            base_hash,
        } = self.audit_head().await?;
        let mut v = ChainVerifier::starting_after(base_seq, &base_hash);
        let mut after = base_seq;
        let outcome = loop {
            let rows: Vec<EntryRow> = self
                .db
                .fetch_all(
                    &format!(
                        "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
                    ),
                    &args![after, PAGE],
                )
                .await?;
            if rows.is_empty() {
                break v.finish(head_seq, &head_hash);
            }
            let n = rows.len() as i64;
            let mut broke = None;
            for r in rows {
                let e = AuditEntry::from(r);
                after = e.seq;
                if let Err(b) = v.feed(&e) {
                    broke = Some(b);
                    break;
                }
            }
            if let Some(b) = broke {
                break Err(b);
            }
            if n < PAGE {
                break v.finish(head_seq, &head_hash);
            }
        };
        Ok(match outcome {
            Ok(()) => Verification {
                ok: true,
                entries: v.checked(),
                first_bad_seq: None,
                problem: None,
            },
            Err(b) => Verification {
                ok: false,
                entries: v.checked(),
                first_bad_seq: Some(b.seq()),
                problem: Some(b),
            },
        })
    }
}
