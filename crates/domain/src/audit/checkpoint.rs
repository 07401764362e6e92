//! Sealing the audit chain. The chain's SHA-256 links need no key, so whoever can write the
//! database can cut records off either end (and move `audit_head` to match) or rewrite a
//! record and recompute every hash after it, and the chain still holds. A checkpoint is
//! the chain's head and base signed with an ed25519 key that lives outside the database;
//! checked against the latest one, such a cut or rewrite shows, and where.

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

/// Where the chain stands: its last record, and the record it is verified from (the last
/// purged one, or seq 0 with [`super::GENESIS_HASH`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
    pub base_seq: i64,
    pub base_hash: String,
}

/// A sealed head: one JSON line of the checkpoint file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    #[serde(flatten)]
    pub head: ChainHead,
    pub at_ms: i64,
    /// The public key that signed it, hex: it names the key, and is trusted for nothing.
    pub key: String,
    /// ed25519 over the head and time, hex.
    pub sig: String,
}

impl Checkpoint {
    /// The signed bytes: a tag, then each field length-prefixed (as the chain's hashes are).
    fn message(head: &ChainHead, at_ms: i64) -> Vec<u8> {
        let mut m = Vec::with_capacity(200);
        let mut field = |b: &[u8]| {
            m.extend_from_slice(&(b.len() as u64).to_be_bytes());
            m.extend_from_slice(b);
        };
        field(b"bankdesk audit checkpoint v1");
        field(&head.seq.to_be_bytes());
        field(head.hash.as_bytes());
        field(&head.base_seq.to_be_bytes());
        field(head.base_hash.as_bytes());
        field(&at_ms.to_be_bytes());
        m
    }

    /// The checkpoint as one line of the file (no newline).
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("a checkpoint serialises")
    }
}

/// A key file that is not what it should be. The text never says what the file holds.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error(
        "not an ed25519 key in PEM (PKCS#8 private key, as `openssl genpkey -algorithm ed25519` writes, or its public half)"
    )]
    NotAKey,
    #[error(
        "only the public half of the key is configured: it verifies checkpoints but cannot seal"
    )]
    PublicOnly,
}

/// The signing key. Its `Debug` shows only the public half.
#[derive(Clone)]
pub struct SealKey(SigningKey);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealKey({})", self.public().hex())
    }
}

impl SealKey {
    /// A key from 32 random bytes (the caller draws them; the domain has no randomness).
    pub fn from_seed(seed: [u8; 32]) -> SealKey {
        SealKey(SigningKey::from_bytes(&seed))
    }

    /// The key as a PKCS#8 PEM file, readable by `openssl pkey`.
    pub fn to_pem(&self) -> String {
        self.0
            .to_pkcs8_pem(LineEnding::LF)
            .expect("an ed25519 key encodes")
            .to_string()
    }

    pub fn public(&self) -> SealPublic {
        SealPublic(self.0.verifying_key())
    }

    /// Signs `head` as it stood at `at_ms`.
    pub fn seal(&self, head: &ChainHead, at_ms: i64) -> Checkpoint {
        let sig = self.0.sign(&Checkpoint::message(head, at_ms));
        Checkpoint {
            head: head.clone(),
            at_ms,
            key: self.public().hex(),
            sig: hex::encode(sig.to_bytes()),
        }
    }
}

/// The public half, which is all verification needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealPublic(VerifyingKey);

impl SealPublic {
    pub fn hex(&self) -> String {
        hex::encode(self.0.as_bytes())
    }

    /// The public half as a PEM file, for a host that only verifies.
    pub fn to_pem(&self) -> String {
        self.0
            .to_public_key_pem(LineEnding::LF)
            .expect("an ed25519 public key encodes")
    }

    /// Whether this key signed `cp` as it reads now.
    pub fn verifies(&self, cp: &Checkpoint) -> bool {
        let Ok(bytes) = hex::decode(&cp.sig) else {
            return false;
        };
        let Ok(sig) = Signature::from_slice(&bytes) else {
            return false;
        };
        self.0
            .verify(&Checkpoint::message(&cp.head, cp.at_ms), &sig)
            .is_ok()
    }
}

/// A configured key file: the private key seals and verifies, a public one only verifies
/// (an auditor's copy).
#[derive(Clone, Debug)]
pub enum KeyFile {
    Signing(SealKey),
    Public(SealPublic),
}

impl KeyFile {
    pub fn parse(pem: &str) -> Result<KeyFile, KeyError> {
        if let Ok(k) = SigningKey::from_pkcs8_pem(pem) {
            return Ok(KeyFile::Signing(SealKey(k)));
        }
        VerifyingKey::from_public_key_pem(pem)
            .map(|k| KeyFile::Public(SealPublic(k)))
            .map_err(|_| KeyError::NotAKey)
    }

    pub fn public(&self) -> SealPublic {
        match self {
            KeyFile::Signing(k) => k.public(),
            KeyFile::Public(p) => p.clone(),
        }
    }

    pub fn signing(&self) -> Result<&SealKey, KeyError> {
        match self {
            KeyFile::Signing(k) => Ok(k),
            KeyFile::Public(_) => Err(KeyError::PublicOnly),
        }
    }
}

/// One line of a checkpoint file, read with the configured key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogLine {
    /// Signed by the key: trusted.
    Trusted(Checkpoint),
    /// Not JSON, not a checkpoint, or not signed by the key as it reads: a changed byte,
    /// a forged line, or another key's. Reported, never trusted.
    Untrusted,
}

/// Reads one line (without its newline); blank lines are `None`.
pub fn read_line(line: &str, key: &SealPublic) -> Option<LogLine> {
    if line.trim().is_empty() {
        return None;
    }
    Some(match serde_json::from_str::<Checkpoint>(line) {
        Ok(cp) if key.verifies(&cp) => LogLine::Trusted(cp),
        _ => LogLine::Untrusted,
    })
}

/// How the chain and its checkpoints disagree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SealBreak {
    /// Records the checkpoint sealed are gone from the end: the head is below it.
    TailCut { from_seq: i64, to_seq: i64 },
    /// Records are gone from the start: the base moved past the checkpoint's base with no
    /// checkpoint (which `bankdesk audit purge` writes) sealing the move.
    HeadCut { from_seq: i64, to_seq: i64 },
    /// The record at `to_seq` no longer hashes as sealed, while the one at `from_seq - 1`
    /// still does: history was rewritten from somewhere in `from_seq..=to_seq`.
    Rewritten { from_seq: i64, to_seq: i64 },
    /// This line of the checkpoint file does not verify with the configured key.
    UntrustedCheckpoint { line: u64 },
    /// The key is configured but no checkpoint it signed is in the file: the ends of the
    /// chain cannot be checked (the file was removed, or the chain was never sealed).
    NoCheckpoint,
}

impl SealBreak {
    /// The first record this break puts in doubt, if it names one.
    pub fn seq(&self) -> Option<i64> {
        match self {
            SealBreak::TailCut { from_seq, .. }
            | SealBreak::HeadCut { from_seq, .. }
            | SealBreak::Rewritten { from_seq, .. } => Some(*from_seq),
            SealBreak::UntrustedCheckpoint { .. } | SealBreak::NoCheckpoint => None,
        }
    }
}

impl std::fmt::Display for SealBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SealBreak::TailCut { from_seq, to_seq } => write!(
                f,
                "audit records {from_seq} to {to_seq} were cut from the end of the chain (a checkpoint sealed record {to_seq})"
            ),
            SealBreak::HeadCut { from_seq, to_seq } => write!(
                f,
                "audit records {from_seq} to {to_seq} were cut from the start of the chain with no sealed purge"
            ),
            SealBreak::Rewritten { from_seq, to_seq } if from_seq == to_seq => write!(
                f,
                "audit record {to_seq} was rewritten: it no longer matches its checkpoint"
            ),
            SealBreak::Rewritten { from_seq, to_seq } => write!(
                f,
                "audit history was rewritten between records {from_seq} and {to_seq}: record {to_seq} no longer matches its checkpoint"
            ),
            SealBreak::UntrustedCheckpoint { line } => write!(
                f,
                "checkpoint file line {line} does not verify with the configured key: not trusted"
            ),
            SealBreak::NoCheckpoint => write!(
                f,
                "no checkpoint signed with the configured key is in the checkpoint file: the ends of the chain cannot be checked"
            ),
        }
    }
}

/// The cuts at either end that `head` shows against the `sealed` checkpoint's head: a
/// head below it, or a base past its base. A base that moved lawfully (a purge) was sealed
/// by the purge itself, so the latest checkpoint already has it.
pub fn cuts(sealed: &ChainHead, head: &ChainHead) -> Vec<SealBreak> {
    let mut out = Vec::new();
    if head.base_seq > sealed.base_seq {
        out.push(SealBreak::HeadCut {
            from_seq: sealed.base_seq + 1,
            to_seq: head.base_seq,
        });
    }
    if head.seq < sealed.seq {
        out.push(SealBreak::TailCut {
            from_seq: head.seq + 1,
            to_seq: sealed.seq,
        });
    }
    out
}

/// Every (seq, hash) the checkpoints vouch for, heads and bases alike, within the records
/// `head` still holds (its base to its last record), in seq order. The chain's hashes only
/// change from a rewritten record onwards, so the first of these that no longer matches
/// brackets where history was rewritten.
pub fn anchors<'a>(
    checkpoints: impl IntoIterator<Item = &'a Checkpoint>,
    head: &ChainHead,
) -> Vec<(i64, String)> {
    let mut a: Vec<(i64, String)> = checkpoints
        .into_iter()
        .flat_map(|c| {
            [
                (c.head.seq, c.head.hash.clone()),
                (c.head.base_seq, c.head.base_hash.clone()),
            ]
        })
        .filter(|(seq, _)| (head.base_seq..=head.seq).contains(seq))
        .collect();
    a.sort();
    a.dedup();
    a
}

/// The rewrite that a mismatch at `anchors[bad]` shows, `anchors[bad - 1]` (or the base)
/// being the last one that still matches.
pub fn rewritten(anchors: &[(i64, String)], bad: usize, head: &ChainHead) -> SealBreak {
    let to_seq = anchors[bad].0;
    let from_seq = match bad {
        0 => head.base_seq.max(1).min(to_seq),
        i => anchors[i - 1].0 + 1,
    };
    SealBreak::Rewritten { from_seq, to_seq }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SealKey {
        SealKey::from_seed([7; 32])
    }

    fn head(seq: i64, base_seq: i64) -> ChainHead {
        ChainHead {
            seq,
            hash: format!("h{seq}"),
            base_seq,
            base_hash: format!("h{base_seq}"),
        }
    }

    #[test]
    fn a_sealed_line_verifies_with_the_public_half_and_nothing_else() {
        let k = key();
        let cp = k.seal(&head(10, 0), 1_700_000_000_000);
        let line = cp.to_line();
        assert_eq!(read_line(&line, &k.public()), Some(LogLine::Trusted(cp)));
        let other = SealKey::from_seed([8; 32]).public();
        assert_eq!(read_line(&line, &other), Some(LogLine::Untrusted));
        assert_eq!(read_line("   ", &k.public()), None);
        assert_eq!(
            read_line("{not json", &k.public()),
            Some(LogLine::Untrusted)
        );
    }

    #[test]
    fn any_changed_field_breaks_the_signature() {
        let k = key();
        let cp = k.seal(&head(10, 2), 5);
        let changes: [fn(&mut Checkpoint); 5] = [
            |c| c.head.seq = 9,
            |c| c.head.hash = "hx".into(),
            |c| c.head.base_seq = 3,
            |c| c.head.base_hash = "hx".into(),
            |c| c.at_ms = 6,
        ];
        for change in changes {
            let mut c = cp.clone();
            change(&mut c);
            assert!(!k.public().verifies(&c), "{c:?}");
        }
        // The key field names the key; changing it does not make another key's line ours.
        let mut c = cp.clone();
        c.key = SealKey::from_seed([8; 32]).public().hex();
        assert!(k.public().verifies(&c));
    }

    #[test]
    fn a_flipped_bit_anywhere_but_the_key_name_is_untrusted() {
        let k = key();
        let line = k.seal(&head(10, 0), 5).to_line();
        let key_at = line.find("\"key\":\"").unwrap() + 7;
        let key_name = key_at..key_at + 64;
        let mut tried = 0;
        for i in (0..line.len()).filter(|i| !key_name.contains(i)) {
            let mut bytes = line.clone().into_bytes();
            bytes[i] ^= 0x01;
            let text = String::from_utf8(bytes).unwrap();
            assert_ne!(
                read_line(&text, &k.public()).map(|l| matches!(l, LogLine::Trusted(_))),
                Some(true),
                "flipped at {i}: {text}"
            );
            tried += 1;
        }
        assert!(tried > 200, "{tried}");
    }

    #[test]
    fn the_key_file_round_trips_as_pem_and_its_public_half_only_verifies() {
        let k = key();
        let pem = k.to_pem();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "{pem}");
        let parsed = KeyFile::parse(&pem).unwrap();
        assert_eq!(parsed.public(), k.public());
        let cp = parsed.signing().unwrap().seal(&head(1, 0), 1);
        assert!(k.public().verifies(&cp));

        let public = KeyFile::parse(&k.public().to_pem()).unwrap();
        assert_eq!(public.public(), k.public());
        assert_eq!(public.signing().unwrap_err(), KeyError::PublicOnly);
        assert_eq!(KeyFile::parse("not a key").unwrap_err(), KeyError::NotAKey);
        assert!(!format!("{k:?}").contains(&pem[40..60]));
    }

    #[test]
    fn cuts_name_the_missing_ranges() {
        let sealed = head(300, 0);
        assert_eq!(cuts(&sealed, &head(300, 0)), vec![]);
        assert_eq!(cuts(&sealed, &head(350, 0)), vec![], "grown since");
        assert_eq!(
            cuts(&sealed, &head(200, 0)),
            vec![SealBreak::TailCut {
                from_seq: 201,
                to_seq: 300
            }]
        );
        assert_eq!(
            cuts(&sealed, &head(300, 99)),
            vec![SealBreak::HeadCut {
                from_seq: 1,
                to_seq: 99
            }]
        );
        assert_eq!(
            cuts(&head(300, 99), &head(301, 99)),
            vec![],
            "a purge the checkpoint sealed"
        );
    }

    #[test]
    fn anchors_are_the_sealed_hashes_the_chain_still_holds() {
        let k = key();
        let cps = [
            k.seal(&head(10, 0), 1),
            k.seal(&head(20, 0), 2),
            k.seal(&head(30, 12), 3),
            k.seal(&head(30, 12), 4),
        ];
        let now = head(40, 12);
        let a = anchors(&cps, &now);
        let seqs: Vec<i64> = a.iter().map(|x| x.0).collect();
        assert_eq!(seqs, vec![12, 20, 30]);
        assert_eq!(
            rewritten(&a, 1, &now),
            SealBreak::Rewritten {
                from_seq: 13,
                to_seq: 20
            }
        );
        let from_genesis = anchors(&cps[..1], &head(40, 0));
        assert_eq!(from_genesis[0], (0, "h0".to_string()));
        assert_eq!(
            rewritten(&from_genesis, 1, &head(40, 0)),
            SealBreak::Rewritten {
                from_seq: 1,
                to_seq: 10
            }
        );
    }

    #[test]
    fn breaks_read_as_ranges() {
        assert_eq!(
            SealBreak::TailCut {
                from_seq: 201,
                to_seq: 300
            }
            .to_string(),
            "audit records 201 to 300 were cut from the end of the chain (a checkpoint sealed record 300)"
        );
        assert_eq!(
            serde_json::to_string(&SealBreak::HeadCut {
                from_seq: 1,
                to_seq: 99
            })
            .unwrap(),
            r#"{"kind":"head_cut","from_seq":1,"to_seq":99}"#
        );
    }
}
