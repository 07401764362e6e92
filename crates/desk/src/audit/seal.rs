//! Sealing the audit chain with a key kept outside the database (issue 12): the sealer, a
//! long-running service, signs the chain's head whenever it moved and once more on
//! shutdown, appending each checkpoint to a file and to the log; [`verify`] checks the
//! chain against the latest checkpoint the key verifies. The signing and the comparisons
//! are the domain's (`bankdesk_domain::audit::checkpoint`); this is the file, the clock
//! and the loop.

use crate::error::DeskError;
use bankdesk_domain::ErrorCode;
use bankdesk_domain::audit::ChainBreak;
use bankdesk_domain::audit::checkpoint::{
    self, ChainHead, Checkpoint, KeyError, KeyFile, LogLine, SealBreak, SealKey, SealPublic,
};
use bankdesk_store::privacy::AuditPurge;
use bankdesk_store::{Store, StoreError, now_ms};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// What can keep the chain from being sealed or checked.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("audit checkpoint key {path}: {source}")]
    Key { path: PathBuf, source: KeyError },
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

impl From<SealError> for DeskError {
    fn from(e: SealError) -> DeskError {
        match e {
            SealError::Store(e) => DeskError::Store(e),
            other => DeskError::new(ErrorCode::Internal, other.to_string()),
        }
    }
}

fn io_error(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> SealError {
    let path = path.to_path_buf();
    move |source| SealError::Io { what, path, source }
}

/// The key as configured and the file its checkpoints go to. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Seal {
    key: Arc<KeyFile>,
    key_path: PathBuf,
    file: PathBuf,
}

impl Seal {
    /// Reads the key file (a private key seals and verifies; a public one only verifies).
    pub fn load(key_path: &Path, file: PathBuf) -> Result<Seal, SealError> {
        let text = std::fs::read_to_string(key_path)
            .map_err(io_error("reading the audit checkpoint key", key_path))?;
        let key = KeyFile::parse(&text).map_err(|source| SealError::Key {
            path: key_path.to_path_buf(),
            source,
        })?;
        Ok(Seal {
            key: Arc::new(key),
            key_path: key_path.to_path_buf(),
            file,
        })
    }

    /// Where checkpoints go when no file is configured: beside the key, which a bank
    /// keeps out of the database's reach.
    pub fn default_file(key_path: &Path) -> PathBuf {
        key_path
            .parent()
            .unwrap_or(Path::new("."))
            .join("audit-checkpoints.jsonl")
    }

    pub fn file(&self) -> &Path {
        &self.file
    }

    pub fn public(&self) -> SealPublic {
        self.key.public()
    }

    /// Whether the key can seal (a public half only verifies).
    pub fn can_seal(&self) -> bool {
        self.key.signing().is_ok()
    }

    fn signing(&self) -> Result<SealKey, SealError> {
        self.key
            .signing()
            .cloned()
            .map_err(|source| SealError::Key {
                path: self.key_path.clone(),
                source,
            })
    }
}

/// Writes a new signing key to `path`, readable by its owner only (the demo's; a bank
/// makes its own, e.g. with `openssl genpkey -algorithm ed25519`). Never overwrites.
pub fn create_key(path: &Path) -> Result<(), SealError> {
    let key = SealKey::from_seed(rand::random());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let what = "writing the audit checkpoint key";
    let mut f = options.open(path).map_err(io_error(what, path))?;
    f.write_all(key.to_pem().as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(io_error(what, path))
}

/// Appends one line and waits until it is on disk (and, for a new file, its name too).
async fn append(path: &Path, line: String) -> Result<(), SealError> {
    let path = path.to_path_buf();
    let p = path.clone();
    tokio::task::spawn_blocking(move || {
        let what = "appending to the audit checkpoint file";
        let new = !p.exists();
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&p)
            .map_err(io_error(what, &p))?;
        f.write_all(format!("{line}\n").as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(io_error(what, &p))?;
        if new {
            let dir = match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(io_error(what, dir))?;
        }
        Ok(())
    })
    .await
    .map_err(|e| SealError::Io {
        what: "appending to the audit checkpoint file",
        path,
        source: std::io::Error::other(e.to_string()),
    })?
}

/// The checkpoint file as read so far, so the sealer reads only what was appended since
/// (by itself, or by `bankdesk audit purge` and `audit seal` beside it).
#[derive(Debug)]
struct LogReader {
    path: PathBuf,
    offset: u64,
    lines: u64,
    latest: Option<Checkpoint>,
}

/// What one read of the checkpoint file found.
#[derive(Debug, Default)]
struct LogRead {
    /// Checkpoints the key verifies, with their line numbers.
    trusted: Vec<(u64, Checkpoint)>,
    /// Lines it does not.
    untrusted: Vec<u64>,
}

impl LogReader {
    fn new(path: PathBuf) -> LogReader {
        LogReader {
            path,
            offset: 0,
            lines: 0,
            latest: None,
        }
    }

    /// Reads what was appended since the last read. `whole` also takes a last line with
    /// no newline (verification: a removed newline must not hide the latest checkpoint);
    /// without it such a line is left for the next read, as it may be half written. A file
    /// that shrank is read again from its start, keeping the latest checkpoint seen: a
    /// checkpoint once read is not forgotten because the file lost it.
    async fn read(&mut self, key: &SealPublic, whole: bool) -> Result<LogRead, SealError> {
        let what = "reading the audit checkpoint file";
        let mut f = match tokio::fs::File::open(&self.path).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if self.offset > 0 {
                    tracing::error!(file = %self.path.display(), "the audit checkpoint file was removed");
                    (self.offset, self.lines) = (0, 0);
                }
                return Ok(LogRead::default());
            }
            Err(e) => return Err(io_error(what, &self.path)(e)),
        };
        let len = f
            .metadata()
            .await
            .map_err(io_error(what, &self.path))?
            .len();
        if len < self.offset {
            tracing::error!(file = %self.path.display(), "the audit checkpoint file shrank since it was last read");
            (self.offset, self.lines) = (0, 0);
        }
        f.seek(std::io::SeekFrom::Start(self.offset))
            .await
            .map_err(io_error(what, &self.path))?;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf)
            .await
            .map_err(io_error(what, &self.path))?;
        let end = if whole {
            buf.len()
        } else {
            buf.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1)
        };
        self.offset += end as u64;
        let mut read = LogRead::default();
        let taken = &buf[..end];
        // Lines as the file numbers them; the empty piece after the last newline is none.
        let pieces = taken.strip_suffix(b"\n").unwrap_or(taken);
        for raw in pieces.split(|b| *b == b'\n').filter(|_| !taken.is_empty()) {
            self.lines += 1;
            match checkpoint::read_line(&String::from_utf8_lossy(raw), key) {
                Some(LogLine::Trusted(cp)) => {
                    self.latest = Some(cp.clone());
                    read.trusted.push((self.lines, cp));
                }
                Some(LogLine::Untrusted) => read.untrusted.push(self.lines),
                None => {}
            }
        }
        Ok(read)
    }
}

/// What one turn of the sealer did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SealOutcome {
    /// The head had not moved since the latest checkpoint.
    Unchanged,
    Sealed(Checkpoint),
    /// The head does not continue the latest checkpoint (or the chain is broken): not
    /// sealed, and each reason logged as an error. Sealing it would bless the cut.
    Refused(Vec<String>),
}

/// Signs the chain's head when it moved, after checking that it continues the latest
/// checkpoint.
pub struct Sealer {
    store: Store,
    key: SealKey,
    public: SealPublic,
    log: LogReader,
}

impl Sealer {
    /// Refuses a key file that holds only the public half.
    pub fn new(store: Store, seal: &Seal) -> Result<Sealer, SealError> {
        let key = seal.signing()?;
        Ok(Sealer {
            store,
            public: key.public(),
            key,
            log: LogReader::new(seal.file.clone()),
        })
    }

    /// Seals the head if it moved since the latest checkpoint.
    pub async fn seal_if_moved(&mut self) -> Result<SealOutcome, SealError> {
        self.seal(None).await
    }

    /// Seals the head right after `purge`, whose base move it takes as lawful when the
    /// purge started where the latest checkpoint's chain started.
    pub async fn seal_after_purge(&mut self, purge: &AuditPurge) -> Result<SealOutcome, SealError> {
        self.seal(Some(purge)).await
    }

    async fn seal(&mut self, purge: Option<&AuditPurge>) -> Result<SealOutcome, SealError> {
        let read = self.log.read(&self.public, false).await?;
        for line in read.untrusted {
            tracing::error!(
                file = %self.log.path.display(),
                line,
                "audit checkpoint file line does not verify with the key: not trusted"
            );
        }
        let head = self.store.audit_head().await?;
        let problems = match self.log.latest.clone() {
            Some(latest) if latest.head == head => return Ok(SealOutcome::Unchanged),
            Some(latest) => self.continues(&latest.head, &head, purge).await?,
            None => {
                let v = self
                    .store
                    .audit_walk(head.base_seq, &head.base_hash, &head)
                    .await?;
                v.problem.iter().map(ToString::to_string).collect()
            }
        };
        if !problems.is_empty() {
            for p in &problems {
                tracing::error!(problem = %p, "the audit chain is not sealed: it does not continue its latest checkpoint");
            }
            return Ok(SealOutcome::Refused(problems));
        }
        let cp = self.key.seal(&head, now_ms());
        let line = cp.to_line();
        append(&self.log.path, line.clone()).await?;
        self.log.latest = Some(cp.clone());
        tracing::info!(checkpoint = %line, "audit chain sealed");
        Ok(SealOutcome::Sealed(cp))
    }

    /// Why `head` does not continue the `sealed` head: a cut at either end, or records
    /// since the checkpoint that do not link back to what it sealed.
    async fn continues(
        &self,
        sealed: &ChainHead,
        head: &ChainHead,
        purge: Option<&AuditPurge>,
    ) -> Result<Vec<String>, SealError> {
        let mut expected = sealed.clone();
        if let Some(p) = purge.filter(|p| p.from_seq == sealed.base_seq + 1) {
            expected.base_seq = p.through_seq;
            expected.base_hash.clone_from(&p.through_hash);
        }
        let mut out: Vec<String> = checkpoint::cuts(&expected, head)
            .iter()
            .map(ToString::to_string)
            .collect();
        if head.base_seq == expected.base_seq && head.base_hash != expected.base_hash {
            out.push(
                SealBreak::Rewritten {
                    from_seq: head.base_seq,
                    to_seq: head.base_seq,
                }
                .to_string(),
            );
        }
        if !out.is_empty() {
            return Ok(out);
        }
        // From the sealed head while the chain still holds it; from the base when a purge
        // took it (the purge's own checkpoint vouches for that base).
        let (from_seq, from_hash) = if sealed.seq >= head.base_seq {
            (sealed.seq, sealed.hash.as_str())
        } else {
            (head.base_seq, head.base_hash.as_str())
        };
        let v = self.store.audit_walk(from_seq, from_hash, head).await?;
        Ok(v.problem.iter().map(ToString::to_string).collect())
    }

    /// Runs the sealer every `every` (the first turn at once) until [`SealerTask::stop`],
    /// which seals a last time. Errors are logged and retried on the next turn.
    pub fn spawn(mut self, every: Duration) -> SealerTask {
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                let last = tokio::select! {
                    _ = tick.tick() => false,
                    _ = &mut stopped => true,
                };
                if let Err(e) = self.seal_if_moved().await {
                    tracing::error!(error = %e, "the audit chain could not be sealed");
                }
                if last {
                    return;
                }
            }
        });
        SealerTask { stop, task }
    }
}

/// The running sealer.
pub struct SealerTask {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl SealerTask {
    /// Seals the head as the server leaves it, then ends the loop.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "the audit sealer ended abnormally");
        }
    }
}

/// The latest checkpoint verification trusted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CheckpointSeen {
    /// Its line in the checkpoint file (1 = first).
    pub line: u64,
    pub seq: i64,
    pub hash: String,
    pub base_seq: i64,
    pub at_ms: i64,
}

/// The chain walked on its own and, when a key is configured, against its checkpoints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SealedVerification {
    pub ok: bool,
    /// Records walked.
    pub entries: u64,
    /// The first record in doubt, from the walk or the checkpoints.
    pub first_bad_seq: Option<i64>,
    /// Where the walk broke.
    pub problem: Option<ChainBreak>,
    /// The chain as it stands: its last record and the record it starts after.
    pub head_seq: i64,
    pub base_seq: i64,
    /// Whether a checkpoint signed with the configured key was checked against.
    pub sealed: bool,
    pub checkpoint: Option<CheckpointSeen>,
    /// Checkpoints in the file that the key verifies.
    pub checkpoints: u64,
    /// How the chain and its checkpoints disagree.
    pub seal_problems: Vec<SealBreak>,
}

/// Walks the chain, then (with `seal`) checks it against the latest checkpoint the key
/// verifies: a head below it is a cut tail, a base past its base a cut head, and a sealed
/// hash the chain no longer has is a rewrite, bracketed between the checkpoints around it.
/// A line of the file the key does not verify is reported, never trusted.
pub async fn verify(store: &Store, seal: Option<&Seal>) -> Result<SealedVerification, SealError> {
    let head = store.audit_head().await?;
    let chain = store
        .audit_walk(head.base_seq, &head.base_hash, &head)
        .await?;
    let mut out = SealedVerification {
        ok: chain.ok,
        entries: chain.entries,
        first_bad_seq: chain.first_bad_seq,
        problem: chain.problem,
        head_seq: head.seq,
        base_seq: head.base_seq,
        sealed: false,
        checkpoint: None,
        checkpoints: 0,
        seal_problems: Vec::new(),
    };
    let Some(seal) = seal else {
        return Ok(out);
    };
    let read = LogReader::new(seal.file.clone())
        .read(&seal.public(), true)
        .await?;
    let mut problems: Vec<SealBreak> = read
        .untrusted
        .iter()
        .map(|&line| SealBreak::UntrustedCheckpoint { line })
        .collect();
    out.checkpoints = read.trusted.len() as u64;
    match read.trusted.last() {
        None => problems.push(SealBreak::NoCheckpoint),
        Some((line, latest)) => {
            out.sealed = true;
            out.checkpoint = Some(CheckpointSeen {
                line: *line,
                seq: latest.head.seq,
                hash: latest.head.hash.clone(),
                base_seq: latest.head.base_seq,
                at_ms: latest.at_ms,
            });
            problems.extend(checkpoint::cuts(&latest.head, &head));
            let anchors = checkpoint::anchors(read.trusted.iter().map(|t| &t.1), &head);
            let holds = async |i: usize| still_holds(store, &head, &anchors[i]).await;
            if let Some(last) = anchors.len().checked_sub(1)
                && !holds(last).await?
            {
                // A rewrite changes every hash from it on, so the anchors hold up to some
                // point and fail after it: the first failing one is found by halving.
                let (mut lo, mut hi) = (0, last);
                while lo < hi {
                    let mid = (lo + hi) / 2;
                    if holds(mid).await? {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                problems.push(checkpoint::rewritten(&anchors, lo, &head));
            }
        }
    }
    out.ok &= problems.is_empty();
    out.first_bad_seq = out
        .first_bad_seq
        .or_else(|| problems.iter().find_map(SealBreak::seq));
    out.seal_problems = problems;
    Ok(out)
}

/// Whether the chain still has the hash a checkpoint sealed at that seq.
async fn still_holds(
    store: &Store,
    head: &ChainHead,
    (seq, hash): &(i64, String),
) -> Result<bool, SealError> {
    Ok(if *seq == head.base_seq {
        *hash == head.base_hash
    } else {
        store.audit_hash_at(*seq).await?.as_ref() == Some(hash)
    })
}

/// The checkpoints the key verifies, as lines for the bank's log archive, and the lines
/// it does not verify (which are left out).
pub async fn export(seal: &Seal) -> Result<(Vec<String>, Vec<u64>), SealError> {
    let read = LogReader::new(seal.file.clone())
        .read(&seal.public(), true)
        .await?;
    Ok((
        read.trusted.iter().map(|(_, cp)| cp.to_line()).collect(),
        read.untrusted,
    ))
}
