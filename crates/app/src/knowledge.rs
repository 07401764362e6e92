//! Where the knowledge index lives and how the binary opens and rebuilds it.

use crate::config::Config;
use anyhow::Context;
use bankdesk_desk::kb::Knowledge;
use bankdesk_search::WriterOptions;
use bankdesk_store::Store;
use std::path::PathBuf;

/// `<data>/search`: the bank's dictionary, synonym and stop-word extensions.
pub fn dictionary_dir(c: &Config) -> PathBuf {
    c.data.join("search")
}

/// `<data>/search/index`: the index itself (rebuilt from the database when lost).
pub fn index_dir(c: &Config) -> PathBuf {
    c.data.join("search").join("index")
}

/// Opens the index and applies whatever the database has that it lacks (edits made
/// while it was down, or committed just before a crash).
pub async fn open(c: &Config, store: &Store) -> anyhow::Result<Knowledge> {
    let kb = Knowledge::open(&index_dir(c), &dictionary_dir(c), WriterOptions::default())
        .with_context(|| format!("opening the search index in {}", index_dir(c).display()))?;
    let applied = kb
        .catch_up(store)
        .await
        .context("bringing the search index up to date")?;
    tracing::info!(applied, points = kb.index().len(), "knowledge index ready");
    Ok(kb)
}

/// Empties the index and loads every published point again; one JSON line of figures.
pub async fn reindex(c: &Config, store: &Store) -> anyhow::Result<serde_json::Value> {
    let started = std::time::Instant::now();
    let kb = Knowledge::open(&index_dir(c), &dictionary_dir(c), WriterOptions::default())
        .with_context(|| format!("opening the search index in {}", index_dir(c).display()))?;
    let points = kb
        .rebuild(store)
        .await
        .context("rebuilding the search index")?;
    Ok(serde_json::json!({
        "reindexed": points,
        "indexed_points": kb.index().len(),
        "watermark": kb.index().watermark(),
        "seconds": started.elapsed().as_secs_f64(),
    }))
}
