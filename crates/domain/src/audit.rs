//! The audit log is a hash chain: each record's hash covers its own fields and the hash
//! of the record before it, so a changed or deleted record breaks the chain at a place
//! that [`ChainVerifier`] names. Anyone who can write the database can recompute those
//! hashes, so [`checkpoint`] seals the chain's ends with a key kept outside it.

use serde::Serialize;
use sha2::{Digest, Sha256};

pub mod checkpoint;
pub use checkpoint::ChainHead;

/// The `prev_hash` of the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit record as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    pub customer_id: Option<String>,
    pub purpose: Option<String>,
    /// JSON text with the specifics (query, result count, refusal reason...).
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// A record before it is chained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAuditEntry {
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    pub customer_id: Option<String>,
    pub purpose: Option<String>,
    pub detail: String,
}

impl NewAuditEntry {
    /// Chains this record after `prev_hash` as number `seq`.
    pub fn chain(self, seq: i64, prev_hash: &str) -> AuditEntry {
        let hash = entry_hash(
            prev_hash,
            seq,
            self.at_ms,
            &self.actor,
            &self.action,
            self.customer_id.as_deref(),
            self.purpose.as_deref(),
            &self.detail,
        );
        AuditEntry {
            seq,
            at_ms: self.at_ms,
            actor: self.actor,
            action: self.action,
            customer_id: self.customer_id,
            purpose: self.purpose,
            detail: self.detail,
            prev_hash: prev_hash.to_string(),
            hash,
        }
    }
}

/// SHA-256 over the fields, each length-prefixed so no two field lists hash alike.
#[allow(clippy::too_many_arguments)]
pub fn entry_hash(
    prev_hash: &str,
    seq: i64,
    at_ms: i64,
    actor: &str,
    action: &str,
    customer_id: Option<&str>,
    purpose: Option<&str>,
    detail: &str,
) -> String {
    let mut h = Sha256::new();
    let mut field = |b: &[u8]| {
        h.update((b.len() as u64).to_be_bytes());
        h.update(b);
    };
    field(prev_hash.as_bytes());
    field(&seq.to_be_bytes());
    field(&at_ms.to_be_bytes());
    field(actor.as_bytes());
    field(action.as_bytes());
    field(customer_id.unwrap_or("\u{0}").as_bytes());
    field(purpose.unwrap_or("\u{0}").as_bytes());
    field(detail.as_bytes());
    hex::encode(h.finalize())
}

/// Where and how the chain breaks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChainBreak {
    /// The record's content no longer matches its hash, or its hash no longer matches the
    /// next record's link: it was changed.
    Altered { seq: i64 },
    /// A record with this number is gone.
    Missing { seq: i64 },
}

impl ChainBreak {
    pub fn seq(&self) -> i64 {
        match self {
            ChainBreak::Altered { seq } | ChainBreak::Missing { seq } => *seq,
        }
    }
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Altered { seq } => write!(f, "audit record {seq} was altered"),
            ChainBreak::Missing { seq } => write!(f, "audit record {seq} is missing"),
        }
    }
}

/// Walks the records in `seq` order and stops at the first break.
#[derive(Debug)]
pub struct ChainVerifier {
    next_seq: i64,
    prev_hash: String,
    checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            next_seq: 1,
            prev_hash: GENESIS_HASH.to_string(),
            checked: 0,
        }
    }
}

impl ChainVerifier {
    /// A verifier for a chain whose records up to `base_seq` were purged under the
    /// retention rule; `base_hash` is the hash of the last purged record.
    pub fn starting_after(base_seq: i64, base_hash: &str) -> ChainVerifier {
        ChainVerifier {
            next_seq: base_seq + 1,
            prev_hash: base_hash.to_string(),
            checked: 0,
        }
    }

    pub fn checked(&self) -> u64 {
        self.checked
    }

    pub fn feed(&mut self, e: &AuditEntry) -> Result<(), ChainBreak> {
        if e.seq != self.next_seq {
            return Err(ChainBreak::Missing { seq: self.next_seq });
        }
        if e.prev_hash != self.prev_hash {
            // The link to the record before does not hold: that record was rewritten
            // (with a recomputed hash), or this one's link was.
            return Err(ChainBreak::Altered {
                seq: (e.seq - 1).max(1),
            });
        }
        let recomputed = entry_hash(
            &e.prev_hash,
            e.seq,
            e.at_ms,
            &e.actor,
            &e.action,
            e.customer_id.as_deref(),
            e.purpose.as_deref(),
            &e.detail,
        );
        if recomputed != e.hash {
            return Err(ChainBreak::Altered { seq: e.seq });
        }
        self.next_seq += 1;
        self.prev_hash = e.hash.clone();
        self.checked += 1;
        Ok(())
    }

    /// After the last record: the head (highest seq and hash the writer recorded) must
    /// match, or records were cut off the end.
    pub fn finish(&self, head_seq: i64, head_hash: &str) -> Result<(), ChainBreak> {
        if head_seq >= self.next_seq {
            return Err(ChainBreak::Missing { seq: self.next_seq });
        }
        if head_seq == self.next_seq - 1 && head_seq > 0 && head_hash != self.prev_hash {
            return Err(ChainBreak::Altered { seq: head_seq });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let e = NewAuditEntry {
                    at_ms: 1_700_000_000_000 + seq,
                    actor: "agent01".into(),
                    action: "customer.overview".into(),
                    customer_id: Some(format!("c{seq}")),
                    purpose: Some("contact:x".into()),
                    detail: "{}".into(),
                }
                .chain(seq, &prev);
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn verify(entries: &[AuditEntry], head: (i64, &str)) -> Result<u64, ChainBreak> {
        let mut v = ChainVerifier::default();
        for e in entries {
            v.feed(e)?;
        }
        v.finish(head.0, head.1)?;
        Ok(v.checked())
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, (5, &c[4].hash)), Ok(5));
        assert_eq!(verify(&[], (0, GENESIS_HASH)), Ok(0));
    }

    #[test]
    fn changed_field_is_named() {
        let mut c = chain(5);
        c[2].customer_id = Some("someone-else".into());
        let head = c[4].hash.clone();
        assert_eq!(verify(&c, (5, &head)), Err(ChainBreak::Altered { seq: 3 }));
    }

    #[test]
    fn rehashed_change_is_caught_by_the_next_link() {
        let mut c = chain(5);
        c[1].detail = "{\"rows\":0}".into();
        c[1].hash = entry_hash(
            &c[1].prev_hash,
            2,
            c[1].at_ms,
            "agent01",
            "customer.overview",
            Some("c2"),
            Some("contact:x"),
            &c[1].detail,
        );
        let head = c[4].hash.clone();
        assert_eq!(verify(&c, (5, &head)), Err(ChainBreak::Altered { seq: 2 }));
    }

    #[test]
    fn deleted_records_are_named() {
        let c = chain(5);
        let head = c[4].hash.clone();
        let mut gap = c.clone();
        gap.remove(1);
        assert_eq!(
            verify(&gap, (5, &head)),
            Err(ChainBreak::Missing { seq: 2 })
        );
        let cut = &c[..3];
        assert_eq!(verify(cut, (5, &head)), Err(ChainBreak::Missing { seq: 4 }));
    }

    #[test]
    fn a_purged_prefix_verifies_from_its_base() {
        let c = chain(5);
        let mut v = ChainVerifier::starting_after(2, &c[1].hash);
        for e in &c[2..] {
            v.feed(e).unwrap();
        }
        assert_eq!(v.finish(5, &c[4].hash), Ok(()));
        let mut wrong = ChainVerifier::starting_after(1, &c[0].hash);
        assert_eq!(wrong.feed(&c[2]), Err(ChainBreak::Missing { seq: 2 }));
    }

    #[test]
    fn field_boundaries_matter() {
        let a = entry_hash(GENESIS_HASH, 1, 0, "ab", "c", None, None, "");
        let b = entry_hash(GENESIS_HASH, 1, 0, "a", "bc", None, None, "");
        assert_ne!(a, b);
    }
}
