//! The append-only, hash-chained audit log. Records are appended inside the transaction
//! of the change or read they describe, so either both commit or neither does.

use crate::{Db, Store, StoreError, Tx, args, now_ms};
use bankdesk_domain::audit::{AuditEntry, ChainBreak, ChainHead, ChainVerifier, NewAuditEntry};
use std::ops::{Deref, DerefMut};

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
pub type AuditHead = ChainHead;

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

/// An audit record in the making. Every record of the chain is built here, so each says
/// who did what the same way: stamped with the time it is made (unless [`Self::at`] says
/// otherwise), with no customer or purpose and a detail of `{}` until told.
#[derive(Clone, Debug)]
#[must_use]
pub(crate) struct AuditRecord(NewAuditEntry);

impl AuditRecord {
    /// `actor` (a username, or a source such as `cti`) did `action` (`case.create`, ...).
    pub(crate) fn by(actor: &str, action: &str) -> AuditRecord {
        AuditRecord(NewAuditEntry {
            at_ms: now_ms(),
            actor: actor.to_string(),
            action: action.to_string(),
            customer_id: None,
            purpose: None,
            detail: serde_json::json!({}).to_string(),
        })
    }

    /// The customer the record is about, if any: searches of the log filter on it.
    pub(crate) fn customer<'a>(mut self, id: impl Into<Option<&'a str>>) -> AuditRecord {
        self.0.customer_id = id.into().map(str::to_string);
        self
    }

    /// The purpose the actor gave (`contact:...`, `case:...`, `order:...`).
    pub(crate) fn purpose(mut self, purpose: impl Into<Option<String>>) -> AuditRecord {
        self.0.purpose = purpose.into();
        self
    }

    /// The specifics (ids, counts, a refusal's reason), stored as JSON text.
    pub(crate) fn detail(mut self, detail: serde_json::Value) -> AuditRecord {
        self.0.detail = detail.to_string();
        self
    }

    /// The time of a request that reads one clock for all it writes (routing, CTI, the
    /// access gate), so the record agrees with the rows it describes.
    pub(crate) fn at(mut self, at_ms: i64) -> AuditRecord {
        self.0.at_ms = at_ms;
        self
    }
}

/// A write transaction that audits: [`Db::audited`] opens it with the chain's lock
/// already taken, [`Self::audit`] appends records, and [`Self::commit`] refuses when none
/// was appended. Everything else goes through the [`Tx`] it derefs to.
///
/// A guard rather than a closure (`db.audited(async |tx| ...)`): each write returns early
/// with `?` or `return Err(..)` and rolls back by dropping the transaction, which a guard
/// keeps as it is; and a refusal that is audited and still fails (a refused access, export
/// approval or review, an exam past its time) commits its record and then returns its
/// error, which a closure whose `Err` means "roll back" could only say through a second
/// channel at each of those sites.
pub(crate) struct AuditedTx {
    tx: Tx,
    records: usize,
}

impl Deref for AuditedTx {
    type Target = Tx;
    fn deref(&self) -> &Tx {
        &self.tx
    }
}

impl DerefMut for AuditedTx {
    fn deref_mut(&mut self) -> &mut Tx {
        &mut self.tx
    }
}

impl Db {
    /// Begins an audited write. The chain's write lock is taken first, so the transaction
    /// holds it from its start: no SQLite upgrade deadlocks, and PostgreSQL appends
    /// strictly one after another.
    pub(crate) async fn audited(&self) -> Result<AuditedTx, StoreError> {
        let mut tx = self.begin().await?;
        tx.execute("UPDATE audit_head SET seq = seq WHERE id = 1", &[])
            .await?;
        Ok(AuditedTx { tx, records: 0 })
    }
}

impl AuditedTx {
    /// Appends one record to the chain; it commits with the write.
    pub(crate) async fn audit(&mut self, record: AuditRecord) -> Result<i64, StoreError> {
        let mut entry = record.0;
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
        self.records += 1;
        Ok(seq)
    }

    /// Appends many records at once (a CTI delivery touches many customers): chained in
    /// order, written in multi-row statements.
    pub(crate) async fn audit_many(&mut self, records: Vec<AuditRecord>) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        let (mut seq, mut prev, mut last_ms): (i64, String, i64) = self
            .fetch_one("SELECT seq, hash, at_ms FROM audit_head WHERE id = 1", &[])
            .await?;
        let mut rows = Vec::with_capacity(records.len());
        for AuditRecord(mut e) in records {
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
        self.records += rows.len();
        Ok(())
    }

    /// Commits the write with its records. A write that appended none is refused with
    /// [`StoreError::Unaudited`] and rolled back: a change missing from the log is a bug,
    /// and losing it beats keeping it unrecorded.
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        if self.records == 0 {
            return Err(StoreError::Unaudited);
        }
        self.tx.commit().await
    }

    /// Commits whether or not a record was appended, for the writes whose record depends
    /// on what they find (a wrong chat code counts an attempt, a failed send is retried, a
    /// job no longer applies): they still take the lock first, since they may audit.
    pub(crate) async fn commit_allow_unaudited(self) -> Result<(), StoreError> {
        self.tx.commit().await
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
        let mut tx = self.db.audited().await?;
        let seq = tx.audit(AuditRecord(entry)).await?;
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

    /// Walks the chain from its base to its head in pages, stopping at the first break.
    pub async fn audit_verify(&self) -> Result<Verification, StoreError> {
        let head = self.audit_head().await?;
        self.audit_walk(head.base_seq, &head.base_hash, &head).await
    }

    /// Walks the records after `after_seq` (whose hash is `after_hash`) up to `head`,
    /// which must be where they end: the sealer's check that the head it is about to sign
    /// descends from the one it signed before.
    pub async fn audit_walk(
        &self,
        after_seq: i64,
        after_hash: &str,
        head: &ChainHead,
    ) -> Result<Verification, StoreError> {
        const PAGE: i64 = 5_000;
        let mut v = ChainVerifier::starting_after(after_seq, after_hash);
        let mut after = after_seq;
        let outcome = loop {
            let rows: Vec<EntryRow> = self
                .db
                .fetch_all(
                    &format!(
                        "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3"
                    ),
                    &args![after, head.seq, PAGE],
                )
                .await?;
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
                break v.finish(head.seq, &head.hash);
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

    /// The hash of record `seq` as stored, if it is there.
    pub async fn audit_hash_at(&self, seq: i64) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = self
            .db
            .fetch_optional("SELECT hash FROM audit_log WHERE seq = $1", &args![seq])
            .await?;
        Ok(row.map(|r| r.0))
    }
}

#[cfg(test)]
mod tests {
    use super::AuditRecord;
    use crate::testing::{backends, fresh};
    use crate::{StoreError, args};

    #[test]
    fn a_record_is_about_no_customer_with_an_empty_detail_until_told() {
        let AuditRecord(e) = AuditRecord::by("agent01", "case.note").at(7);
        assert_eq!(
            (e.at_ms, e.actor.as_str(), e.action.as_str()),
            (7, "agent01", "case.note")
        );
        assert_eq!(
            (e.customer_id, e.purpose, e.detail.as_str()),
            (None, None, "{}")
        );
        let AuditRecord(e) = AuditRecord::by("agent01", "customer.overview")
            .customer("C1")
            .purpose("contact:ct_1".to_string())
            .detail(serde_json::json!({"n": 1}));
        assert_eq!(e.customer_id.as_deref(), Some("C1"));
        assert_eq!(e.purpose.as_deref(), Some("contact:ct_1"));
        assert_eq!(e.detail, r#"{"n":1}"#);
    }

    #[tokio::test]
    async fn an_audited_write_commits_only_with_its_record() {
        for b in backends() {
            let t = fresh(b).await;
            let db = &t.store.db;
            let insert = "INSERT INTO departments (code, name) VALUES ($1, $2)";
            let count = "SELECT COUNT(*) FROM departments WHERE code = 'audit_test'";

            let mut tx = db.audited().await.unwrap();
            tx.execute(insert, &args!["audit_test", "x"]).await.unwrap();
            assert!(
                matches!(tx.commit().await, Err(StoreError::Unaudited)),
                "{b}"
            );
            let (n,): (i64,) = db.fetch_one_row(count).await.unwrap();
            assert_eq!(n, 0, "{b}: the unaudited write is rolled back");

            let mut tx = db.audited().await.unwrap();
            tx.execute(insert, &args!["audit_test", "x"]).await.unwrap();
            tx.audit(AuditRecord::by("admin", "department.put"))
                .await
                .unwrap();
            tx.commit().await.unwrap();
            let (n,): (i64,) = db.fetch_one_row(count).await.unwrap();
            assert_eq!(n, 1, "{b}");
            assert!(t.store.audit_verify().await.unwrap().ok, "{b}");
        }
    }
}
