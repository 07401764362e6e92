//! The knowledge service: the store, which is the source of truth, and the search index,
//! kept in step.
//!
//! Every write goes to the database first (in a transaction with its audit record); the
//! index then catches up from the database's change feed and records how far it got. A
//! search first checks that the index is not behind the database, so an edit is
//! searchable at once, an edit made on another node shows up on this one, and an edit
//! that reached the database but not the index (a crash between the two) is repaired at
//! the next start or search.

pub mod demo;

pub use crate::error::KnowledgeError;
use bankdesk_domain::kb::{ArticleContent, Audience};
use bankdesk_domain::markdown;
use bankdesk_search::{Change, Hit, IndexDoc, KbIndex, Lexicon, SearchRequest, WriterOptions};
use bankdesk_store::Store;
use std::path::Path;
use std::sync::Arc;

/// Changes read from the database per round while catching up.
const CATCH_UP_BATCH: u32 = 2_000;

/// How many points the agent assist suggests.
pub const SUGGESTIONS: usize = 3;

/// The index of published knowledge, shared by all requests.
pub struct Knowledge {
    index: Arc<KbIndex>,
    /// One catch-up at a time; searches that find the index current never wait on it.
    sync: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Knowledge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Knowledge")
            .field("index", &self.index)
            .finish()
    }
}

impl Knowledge {
    /// The index in `index_dir`, analysing with the built-in word lists extended by the
    /// bank's files in `dictionary_dir` (see `bankdesk_search::analyzer`).
    pub fn open(
        index_dir: &Path,
        dictionary_dir: &Path,
        opts: WriterOptions,
    ) -> Result<Knowledge, KnowledgeError> {
        let lexicon = Lexicon::with_extensions(dictionary_dir)
            .map_err(|e| KnowledgeError::Lexicon(e.to_string()))?;
        Ok(Knowledge::from_index(KbIndex::open(
            index_dir,
            Arc::new(lexicon),
            opts,
        )?))
    }

    /// An index in memory with the built-in word lists, filled from the database on
    /// first use.
    pub fn in_memory() -> Result<Knowledge, KnowledgeError> {
        let lexicon = Lexicon::shared_builtin().map_err(KnowledgeError::Lexicon)?;
        Ok(Knowledge::from_index(KbIndex::in_memory(lexicon)?))
    }

    pub fn from_index(index: KbIndex) -> Knowledge {
        Knowledge {
            index: Arc::new(index),
            sync: tokio::sync::Mutex::new(()),
        }
    }

    pub fn index(&self) -> &KbIndex {
        &self.index
    }

    /// Applies every database change the index has not seen; returns how many articles
    /// were (re)indexed or removed.
    pub async fn catch_up(&self, store: &Store) -> Result<usize, KnowledgeError> {
        if store.kb_head().await? <= self.index.watermark() {
            return Ok(0);
        }
        let _one_at_a_time = self.sync.lock().await;
        // Read the head before the changes: every change numbered up to it has committed,
        // so the reads below see it, and the head is then a safe watermark.
        let head = store.kb_head().await?;
        let mut from = self.index.watermark();
        let mut applied = 0;
        while from < head {
            let batch = store.kb_changes_since(from, CATCH_UP_BATCH).await?;
            let full = batch.len() == CATCH_UP_BATCH as usize;
            let last = batch.last().map_or(from, |c| c.change_seq);
            let mark = if full { last } else { head.max(last) };
            let changes: Vec<Change> = batch
                .into_iter()
                .map(|c| match c.published {
                    Some((version, content)) => Change::Upsert(index_doc(&c.id, version, &content)),
                    None => Change::Delete(c.id),
                })
                .collect();
            applied += changes.len();
            let index = self.index.clone();
            tokio::task::spawn_blocking(move || index.apply(&changes, mark))
                .await
                .map_err(|e| KnowledgeError::Task(e.to_string()))??;
            from = mark;
        }
        if applied > 0 {
            tracing::info!(applied, watermark = from, "knowledge index caught up");
        }
        Ok(applied)
    }

    /// Empties the index and loads every published point again.
    pub async fn rebuild(&self, store: &Store) -> Result<usize, KnowledgeError> {
        {
            let _one_at_a_time = self.sync.lock().await;
            let index = self.index.clone();
            tokio::task::spawn_blocking(move || index.clear())
                .await
                .map_err(|e| KnowledgeError::Task(e.to_string()))??;
        }
        self.catch_up(store).await
    }

    /// Searches after making sure the index reflects the database.
    pub async fn search(
        &self,
        store: &Store,
        req: &SearchRequest<'_>,
    ) -> Result<Vec<Hit>, KnowledgeError> {
        self.catch_up(store).await?;
        Ok(self.index.search(req)?)
    }

    /// Valid points under `category` (or all), by category and title, after catching up:
    /// browsing without a query.
    pub async fn browse(
        &self,
        store: &Store,
        category: Option<&str>,
        audience: Option<Audience>,
        now_ms: i64,
        limit: usize,
    ) -> Result<Vec<Hit>, KnowledgeError> {
        self.catch_up(store).await?;
        Ok(self.index.browse(category, audience, now_ms, limit)?)
    }

    /// Valid points per top-level category, most first, after catching up.
    pub async fn top_categories(
        &self,
        store: &Store,
        audience: Option<Audience>,
        now_ms: i64,
    ) -> Result<Vec<(String, u64)>, KnowledgeError> {
        self.catch_up(store).await?;
        Ok(self.index.top_categories(audience, now_ms)?)
    }

    /// The agent assist: the [`SUGGESTIONS`] best points for a customer's last message,
    /// best first, each with its script (话术, `Hit::script`, `None` where the point has
    /// none) for the agent to insert into the reply. Internal points are included (the
    /// reader is staff); expired, unpublished and retired points never are. A blank
    /// message gets no suggestions; a long one is cut to the search's query limit.
    pub async fn suggest(
        &self,
        store: &Store,
        message: &str,
        now_ms: i64,
    ) -> Result<Vec<Hit>, KnowledgeError> {
        if message.trim().is_empty() {
            return Ok(Vec::new());
        }
        self.search(
            store,
            &SearchRequest {
                query: message,
                limit: SUGGESTIONS,
                category: None,
                audience: None,
                now_ms,
            },
        )
        .await
    }
}

/// What the index holds of a published version: the body as plain text.
pub fn index_doc(id: &str, version: i64, c: &ArticleContent) -> IndexDoc {
    IndexDoc {
        id: id.to_string(),
        version,
        title: c.title.clone(),
        body: markdown::to_plain(&c.body),
        category: c.category.as_str().to_string(),
        tags: c.tags.clone(),
        audience: c.audience,
        valid_from_ms: c.valid_from_ms,
        valid_until_ms: c.valid_until_ms,
        script: c.script.clone(),
    }
}
