//! SQLite FTS5 with the trigram tokenizer over knowledge text: the baseline that
//! `bankdesk bench kb` measures the tantivy index against, on the same points and the
//! same questions. The product does not search this way (architecture: word segmentation,
//! not character n-grams), which is what the comparison is there to justify.

use crate::db::{Db, multi_insert};
use crate::{SqliteSync, StoreError};
use std::path::Path;

/// One point as the baseline indexes it.
#[derive(Clone, Debug)]
pub struct FtsDoc<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub tags: &'a str,
    pub body: &'a str,
}

/// An FTS5 trigram index in its own SQLite file.
pub struct FtsBaseline {
    db: Db,
}

/// Rows per INSERT statement (4 values each, well under SQLite's parameter limit).
const ROWS_PER_INSERT: usize = 200;

impl FtsBaseline {
    /// Creates the index in a new SQLite file at `path`.
    pub async fn create(path: &Path) -> Result<FtsBaseline, StoreError> {
        let db = Db::open_sqlite(path, SqliteSync::Normal).await?;
        db.execute(
            "CREATE VIRTUAL TABLE kb_fts USING fts5(id UNINDEXED, title, tags, body, tokenize = 'trigram')",
            &[],
        )
        .await?;
        Ok(FtsBaseline { db })
    }

    /// Adds points in one transaction.
    pub async fn insert(&self, docs: &[FtsDoc<'_>]) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        for chunk in docs.chunks(ROWS_PER_INSERT) {
            let sql = multi_insert("kb_fts", &["id", "title", "tags", "body"], chunk.len());
            let args: Vec<crate::db::Arg> = chunk
                .iter()
                .flat_map(|d| [d.id.into(), d.title.into(), d.tags.into(), d.body.into()])
                .collect();
            tx.execute(&sql, &args).await?;
        }
        tx.commit().await
    }

    /// The best `limit` points for a query, with FTS5's own highlighted snippet, ranked
    /// by BM25 with the same field weights as the tantivy index (title 3, tags 2, body 1).
    pub async fn search(
        &self,
        query: &str,
        limit: u32,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let Some(q) = trigram_query(query) else {
            return Ok(Vec::new());
        };
        self.db
            .fetch_all(
                "SELECT id, snippet(kb_fts, 3, '<mark>', '</mark>', '…', 24) FROM kb_fts \
                 WHERE kb_fts MATCH $1 ORDER BY bm25(kb_fts, 0.0, 3.0, 2.0, 1.0) LIMIT $2",
                &crate::args![q, i64::from(limit)],
            )
            .await
    }

    pub async fn close(&self) {
        self.db.close().await;
    }
}

/// A customer's sentence as an FTS5 query: every three-character window of its letters
/// and digits, OR-ed, each quoted so nothing in it is read as query syntax. A trigram
/// index cannot match anything shorter than three characters.
pub fn trigram_query(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().filter(|c| c.is_alphanumeric()).collect();
    let grams: Vec<String> = chars
        .windows(3)
        .map(|w| format!("\"{}\"", w.iter().collect::<String>()))
        .collect();
    (!grams.is_empty()).then(|| grams.join(" OR "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_quoted_trigrams() {
        assert_eq!(
            trigram_query("卡被吞了!").as_deref(),
            Some("\"卡被吞\" OR \"被吞了\"")
        );
        assert_eq!(trigram_query("吞卡"), None);
        assert_eq!(trigram_query("\" OR"), None);
    }

    #[tokio::test]
    async fn finds_substrings_and_ranks_titles_first() {
        let dir = tempfile::tempdir().unwrap();
        let fts = FtsBaseline::create(&dir.path().join("fts.db"))
            .await
            .unwrap();
        fts.insert(&[
            FtsDoc {
                id: "a",
                title: "信用卡溢缴款领回",
                tags: "",
                body: "转回本人借记卡",
            },
            FtsDoc {
                id: "b",
                title: "借记卡挂失",
                tags: "",
                body: "信用卡溢缴款另见",
            },
        ])
        .await
        .unwrap();
        let hits = fts.search("信用卡溢缴款怎么领", 5).await.unwrap();
        assert_eq!(hits[0].0, "a");
        assert!(hits[1].1.contains("<mark>"), "{hits:?}");
        assert!(
            fts.search("多还的钱", 5).await.unwrap().is_empty(),
            "no shared trigram"
        );
    }
}
