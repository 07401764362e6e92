//! The knowledge index: published knowledge points in a tantivy index, queried with
//! BM25 over title (boosted), tags, category and body, with filters for category,
//! audience and validity.
//!
//! The database is the source of truth. The index records, in its commit payload, the
//! database's change sequence number it has applied up to (the watermark), so whoever
//! opens it can tell exactly which changes it is missing and apply them; a crash between
//! a database commit and an index commit is repaired by the next catch-up.

use crate::analyzer::{BankTokenizer, Lexicon, TOKENIZER_NAME};
use crate::snippet::{SNIPPET_CHARS, escape_into, snippet_html};
use bankdesk_domain::kb::Audience;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::ops::Bound;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Bumped when the fields change; an index of another version is rebuilt from scratch.
const SCHEMA_VERSION: u32 = 1;

/// Relative weight of a match in each field: a word in the title says more about what
/// the point is for than the same word somewhere in its body.
const TITLE_BOOST: f32 = 3.0;
const TAGS_BOOST: f32 = 2.0;
const CATEGORY_BOOST: f32 = 1.0;
const BODY_BOOST: f32 = 1.0;

/// Longest query analysed; customers paste whole messages into the agent assist.
const MAX_QUERY_CHARS: usize = 300;

/// Most hits one search returns.
pub const MAX_LIMIT: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Directory(String),
    #[error("search index is in use by another process: {0}")]
    Locked(String),
    #[error("search index writer lock poisoned")]
    Poisoned,
}

/// A published knowledge point as the index sees it: one version, plain-text body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndexDoc {
    pub id: String,
    pub version: i64,
    pub title: String,
    /// Plain text (the Markdown rendered without markup).
    pub body: String,
    /// Category path, `信用卡/还款`.
    pub category: String,
    pub tags: Vec<String>,
    pub audience: Audience,
    pub valid_from_ms: Option<i64>,
    pub valid_until_ms: Option<i64>,
    /// The agent's script (话术), returned with hits for the agent assist.
    pub script: Option<String>,
}

/// One change to apply: a point (re)published, or withdrawn from search.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    Upsert(IndexDoc),
    Delete(String),
}

/// What to look for.
#[derive(Clone, Debug)]
pub struct SearchRequest<'a> {
    pub query: &'a str,
    pub limit: usize,
    /// A category and everything under it.
    pub category: Option<&'a str>,
    /// Only points for this audience; `None` means both (staff).
    pub audience: Option<Audience>,
    /// Points are valid at this instant (epoch ms).
    pub now_ms: i64,
}

/// One search result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hit {
    pub id: String,
    pub version: i64,
    pub title: String,
    /// Safe HTML: escaped text with matches in `<mark>`.
    pub snippet: String,
    pub score: f32,
    pub category: String,
    pub audience: Audience,
    pub tags: Vec<String>,
    pub script: Option<String>,
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    version: Field,
    title: Field,
    tags: Field,
    body: Field,
    category: Field,
    category_path: Field,
    category_text: Field,
    audience: Field,
    valid_from: Field,
    valid_until: Field,
    script: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let indexed_text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER_NAME)
            // BM25 needs term frequencies, nothing here needs phrase positions.
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let stored_text = indexed_text.clone().set_stored();
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        version: b.add_i64_field("version", STORED),
        title: b.add_text_field("title", stored_text.clone()),
        tags: b.add_text_field("tags", stored_text.clone()),
        body: b.add_text_field("body", stored_text),
        category: b.add_facet_field("category", FacetOptions::default()),
        category_path: b.add_text_field("category_path", STORED),
        category_text: b.add_text_field("category_text", indexed_text),
        audience: b.add_text_field("audience", STRING | STORED),
        valid_from: b.add_i64_field("valid_from", INDEXED | FAST),
        valid_until: b.add_i64_field("valid_until", INDEXED | FAST),
        script: b.add_text_field("script", STORED),
    };
    (b.build(), fields)
}

/// What the index remembers about itself between runs.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Payload {
    schema: u32,
    analyzer: String,
    watermark: i64,
}

/// Sizing of the index writer.
#[derive(Clone, Copy, Debug)]
pub struct WriterOptions {
    pub threads: usize,
    pub memory_bytes: usize,
}

impl Default for WriterOptions {
    /// One thread and 64 MB: edits arrive one at a time; a rebuild of tens of thousands of
    /// points still fits.
    fn default() -> Self {
        WriterOptions {
            threads: 1,
            memory_bytes: 64 << 20,
        }
    }
}

/// The knowledge index, shared by all requests of a process.
pub struct KbIndex {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    lexicon: Arc<Lexicon>,
    watermark: AtomicI64,
}

impl std::fmt::Debug for KbIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KbIndex")
            .field("watermark", &self.watermark())
            .finish()
    }
}

impl KbIndex {
    /// Opens the index in `dir`, creating it when missing. An index built with another
    /// schema or another analysis (the bank changed its dictionary) is emptied, with
    /// watermark 0, so the next catch-up rebuilds it from the database.
    pub fn open(
        dir: &Path,
        lexicon: Arc<Lexicon>,
        opts: WriterOptions,
    ) -> Result<KbIndex, SearchError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| SearchError::Directory(format!("{}: {e}", dir.display())))?;
        let existing = open_existing(dir)?;
        let index = match existing {
            Some((index, Some(p))) if p.schema == SCHEMA_VERSION => index,
            Some(_) => {
                tracing::warn!(dir = %dir.display(), "search index has another schema; rebuilding");
                drop(existing);
                wipe(dir)?;
                create_in(dir)?
            }
            None => create_in(dir)?,
        };
        KbIndex::from_index(index, lexicon, opts)
    }

    /// An index in memory, rebuilt from the database at each start: for tests and for
    /// embedding without a data directory.
    pub fn in_memory(lexicon: Arc<Lexicon>) -> Result<KbIndex, SearchError> {
        let (schema, _) = schema();
        KbIndex::from_index(
            Index::create_in_ram(schema),
            lexicon,
            WriterOptions::default(),
        )
    }

    fn from_index(
        index: Index,
        lexicon: Arc<Lexicon>,
        opts: WriterOptions,
    ) -> Result<KbIndex, SearchError> {
        index.tokenizers().register(
            TOKENIZER_NAME,
            TextAnalyzer::from(BankTokenizer::new(lexicon.clone())),
        );
        let (_, fields) = schema();
        let writer = index
            .writer_with_num_threads(
                opts.threads.max(1),
                opts.memory_bytes.max((15 << 20) * opts.threads.max(1)),
            )
            .map_err(|e| match e {
                tantivy::TantivyError::LockFailure(l, _) => SearchError::Locked(l.to_string()),
                other => SearchError::Tantivy(other),
            })?;
        let payload = read_payload(&index)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let kb = KbIndex {
            reader,
            writer: Mutex::new(writer),
            fields,
            lexicon,
            watermark: AtomicI64::new(0),
        };
        match payload {
            Some(p) if p.analyzer == kb.lexicon.fingerprint() => {
                kb.watermark.store(p.watermark, Ordering::SeqCst);
            }
            Some(_) => {
                tracing::warn!("search analysis changed (dictionary or synonyms); rebuilding");
                kb.clear()?;
            }
            None => kb.clear()?,
        }
        Ok(kb)
    }

    /// The database change sequence number this index reflects.
    pub fn watermark(&self) -> i64 {
        self.watermark.load(Ordering::SeqCst)
    }

    pub fn lexicon(&self) -> &Arc<Lexicon> {
        &self.lexicon
    }

    /// Number of points in the index.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every point and sets the watermark to 0, so the next catch-up loads all.
    pub fn clear(&self) -> Result<(), SearchError> {
        let mut w = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        w.delete_all_documents()?;
        self.commit(&mut w, 0)
    }

    /// Applies changes and records `watermark` in the same commit, then makes them
    /// visible to searches before returning.
    pub fn apply(&self, changes: &[Change], watermark: i64) -> Result<(), SearchError> {
        let mut w = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        for c in changes {
            match c {
                Change::Upsert(doc) => {
                    w.delete_term(Term::from_field_text(self.fields.id, &doc.id));
                    w.add_document(self.document(doc))?;
                }
                Change::Delete(id) => {
                    w.delete_term(Term::from_field_text(self.fields.id, id));
                }
            }
        }
        self.commit(&mut w, watermark)
    }

    fn commit(&self, w: &mut IndexWriter, watermark: i64) -> Result<(), SearchError> {
        let payload = Payload {
            schema: SCHEMA_VERSION,
            analyzer: self.lexicon.fingerprint().to_string(),
            watermark,
        };
        let mut prepared = w.prepare_commit()?;
        prepared.set_payload(&serde_json::to_string(&payload).unwrap_or_default());
        prepared.commit()?;
        self.reader.reload()?;
        self.watermark.store(watermark, Ordering::SeqCst);
        Ok(())
    }

    fn document(&self, d: &IndexDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &d.id);
        doc.add_i64(f.version, d.version);
        doc.add_text(f.title, &d.title);
        for t in &d.tags {
            doc.add_text(f.tags, t);
        }
        doc.add_text(f.body, &d.body);
        doc.add_facet(f.category, category_facet(&d.category));
        doc.add_text(f.category_path, &d.category);
        doc.add_text(f.category_text, d.category.replace('/', " "));
        doc.add_text(f.audience, d.audience.as_str());
        doc.add_i64(f.valid_from, d.valid_from_ms.unwrap_or(i64::MIN));
        doc.add_i64(f.valid_until, d.valid_until_ms.unwrap_or(i64::MAX));
        if let Some(s) = &d.script {
            doc.add_text(f.script, s);
        }
        doc
    }

    /// Points valid at `now`, for `audience`, under `category`: the filters every read
    /// applies, so an expired or withdrawn point can never be returned.
    fn filters(
        &self,
        now_ms: i64,
        audience: Option<Audience>,
        category: Option<&str>,
    ) -> Vec<(Occur, Box<dyn Query>)> {
        let f = &self.fields;
        let zero = |q: Box<dyn Query>| -> Box<dyn Query> { Box::new(ConstScoreQuery::new(q, 0.0)) };
        let mut out: Vec<(Occur, Box<dyn Query>)> = vec![
            (
                Occur::Must,
                zero(Box::new(RangeQuery::new(
                    Bound::Unbounded,
                    Bound::Included(Term::from_field_i64(f.valid_from, now_ms)),
                ))),
            ),
            (
                Occur::Must,
                zero(Box::new(RangeQuery::new(
                    Bound::Excluded(Term::from_field_i64(f.valid_until, now_ms)),
                    Bound::Unbounded,
                ))),
            ),
        ];
        if let Some(a) = audience {
            out.push((
                Occur::Must,
                zero(Box::new(TermQuery::new(
                    Term::from_field_text(f.audience, a.as_str()),
                    IndexRecordOption::Basic,
                ))),
            ));
        }
        if let Some(c) = category.filter(|c| !c.trim().is_empty()) {
            out.push((
                Occur::Must,
                zero(Box::new(TermQuery::new(
                    Term::from_facet(f.category, &category_facet(c)),
                    IndexRecordOption::Basic,
                ))),
            ));
        }
        out
    }

    /// The best points for a query, best first. A query without a meaningful word finds
    /// nothing rather than everything.
    pub fn search(&self, req: &SearchRequest<'_>) -> Result<Vec<Hit>, SearchError> {
        let query: String = req.query.chars().take(MAX_QUERY_CHARS).collect();
        let terms = self.lexicon.query_terms(&query);
        if terms.is_empty() || req.limit == 0 {
            return Ok(Vec::new());
        }
        let f = &self.fields;
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::with_capacity(terms.len() * 4);
        for t in &terms {
            for (field, boost) in [
                (f.title, TITLE_BOOST),
                (f.tags, TAGS_BOOST),
                (f.category_text, CATEGORY_BOOST),
                (f.body, BODY_BOOST),
            ] {
                let q = TermQuery::new(
                    Term::from_field_text(field, t),
                    IndexRecordOption::WithFreqs,
                );
                should.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost))));
            }
        }
        let mut clauses = self.filters(req.now_ms, req.audience, req.category);
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(should))));
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top = searcher.search(
            &query,
            &TopDocs::with_limit(req.limit.min(MAX_LIMIT)).order_by_score(),
        )?;
        let term_set: HashSet<String> = terms.into_iter().collect();
        top.into_iter()
            .map(|(score, addr)| self.hit(&searcher, addr, score, Some(&term_set)))
            .collect()
    }

    /// Points of a category (and below), by title: browsing without a query.
    pub fn browse(
        &self,
        category: Option<&str>,
        audience: Option<Audience>,
        now_ms: i64,
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        let mut clauses = self.filters(now_ms, audience, category);
        clauses.push((Occur::Must, Box::new(AllQuery)));
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top = searcher.search(
            &query,
            &TopDocs::with_limit(limit.clamp(1, 10 * MAX_LIMIT)).order_by_score(),
        )?;
        let mut hits: Vec<Hit> = top
            .into_iter()
            .map(|(_, addr)| self.hit(&searcher, addr, 0.0, None))
            .collect::<Result<_, _>>()?;
        hits.sort_by(|a, b| a.category.cmp(&b.category).then(a.title.cmp(&b.title)));
        Ok(hits)
    }

    /// Valid points per top-level category, for a table of contents.
    pub fn top_categories(
        &self,
        audience: Option<Audience>,
        now_ms: i64,
    ) -> Result<Vec<(String, u64)>, SearchError> {
        let mut clauses = self.filters(now_ms, audience, None);
        clauses.push((Occur::Must, Box::new(AllQuery)));
        let searcher = self.reader.searcher();
        let base = BooleanQuery::new(clauses);
        let mut collector = tantivy::collector::FacetCollector::for_field("category");
        collector.add_facet(Facet::root());
        let counts = searcher.search(&base, &collector)?;
        let mut out: Vec<(String, u64)> = counts
            .get(Facet::root())
            .map(|(facet, n)| {
                let path = facet.to_path();
                (path.last().map_or(String::new(), |s| s.to_string()), n)
            })
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(out)
    }

    /// How many valid points match the filters (for paging and for tests).
    pub fn count(&self, audience: Option<Audience>, now_ms: i64) -> Result<usize, SearchError> {
        let mut clauses = self.filters(now_ms, audience, None);
        clauses.push((Occur::Must, Box::new(AllQuery)));
        Ok(self
            .reader
            .searcher()
            .search(&BooleanQuery::new(clauses), &Count)?)
    }

    fn hit(
        &self,
        searcher: &tantivy::Searcher,
        addr: DocAddress,
        score: f32,
        terms: Option<&HashSet<String>>,
    ) -> Result<Hit, SearchError> {
        let f = &self.fields;
        let doc: TantivyDocument = searcher.doc(addr)?;
        let text = |field: Field| -> String {
            doc.get_first(field)
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        };
        let body = text(f.body);
        let snippet = match terms {
            Some(t) => snippet_html(&self.lexicon, &body, t, SNIPPET_CHARS),
            None => {
                let mut s = String::new();
                let cut: String = body.chars().take(SNIPPET_CHARS).collect();
                escape_into(&mut s, &cut);
                if cut.len() < body.len() {
                    s.push('…');
                }
                s
            }
        };
        Ok(Hit {
            id: text(f.id),
            version: doc
                .get_first(f.version)
                .and_then(|v| v.as_i64())
                .unwrap_or(0),
            title: text(f.title),
            snippet,
            score,
            category: text(f.category_path),
            audience: Audience::parse(&text(f.audience)).unwrap_or(Audience::Internal),
            tags: doc
                .get_all(f.tags)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            script: doc
                .get_first(f.script)
                .and_then(|v| v.as_str().map(str::to_string)),
        })
    }

    /// Ids and versions of every point in the index, for consistency checks.
    pub fn contents(&self) -> Result<HashMap<String, i64>, SearchError> {
        let searcher = self.reader.searcher();
        let n = usize::try_from(searcher.num_docs())
            .unwrap_or(usize::MAX)
            .max(1);
        let top = searcher.search(&AllQuery, &TopDocs::with_limit(n).order_by_score())?;
        top.into_iter()
            .map(|(_, addr)| {
                let doc: TantivyDocument = searcher.doc(addr)?;
                let id = doc
                    .get_first(self.fields.id)
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                let version = doc
                    .get_first(self.fields.version)
                    .and_then(|v| v.as_i64())
                    .unwrap_or(0);
                Ok((id, version))
            })
            .collect()
    }
}

/// `信用卡/还款` as the facet `/信用卡/还款`; empty segments are skipped.
fn category_facet(path: &str) -> Facet {
    Facet::from_path(path.split('/').map(str::trim).filter(|s| !s.is_empty()))
}

fn create_in(dir: &Path) -> Result<Index, SearchError> {
    let (schema, _) = schema();
    Ok(Index::create_in_dir(dir, schema)?)
}

/// The index already in `dir` with its payload, if there is one that can be opened.
fn open_existing(dir: &Path) -> Result<Option<(Index, Option<Payload>)>, SearchError> {
    let mmap = MmapDirectory::open(dir).map_err(|e| SearchError::Directory(e.to_string()))?;
    if !Index::exists(&mmap).map_err(|e| SearchError::Directory(e.to_string()))? {
        return Ok(None);
    }
    match Index::open(mmap) {
        Ok(index) => {
            let payload = read_payload(&index)?;
            Ok(Some((index, payload)))
        }
        Err(e) => {
            tracing::warn!(error = %e, "search index cannot be opened; rebuilding");
            Ok(Some((Index::create_in_ram(schema().0), None)))
        }
    }
}

fn read_payload(index: &Index) -> Result<Option<Payload>, SearchError> {
    Ok(index
        .load_metas()?
        .payload
        .and_then(|p| serde_json::from_str(&p).ok()))
}

/// Removes the index files (and only them: the directory is the index's own).
fn wipe(dir: &Path) -> Result<(), SearchError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| SearchError::Directory(format!("{}: {e}", dir.display())))?;
    for e in entries.flatten() {
        let p = e.path();
        let r = if p.is_dir() {
            std::fs::remove_dir_all(&p)
        } else {
            std::fs::remove_file(&p)
        };
        r.map_err(|e| SearchError::Directory(format!("{}: {e}", p.display())))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> Arc<Lexicon> {
        Arc::new(Lexicon::builtin().unwrap())
    }

    fn doc(id: &str, title: &str, body: &str, category: &str, audience: Audience) -> IndexDoc {
        IndexDoc {
            id: id.into(),
            version: 1,
            title: title.into(),
            body: body.into(),
            category: category.into(),
            tags: vec![],
            audience,
            valid_from_ms: None,
            valid_until_ms: None,
            script: Some(format!("{title}的话术")),
        }
    }

    fn corpus() -> Vec<Change> {
        vec![
            Change::Upsert(doc(
                "atm",
                "银行卡被ATM吞卡的处理",
                "自助设备吞卡后请联系网点领卡，夜间可致电客服热线。",
                "银行卡/自助设备",
                Audience::Public,
            )),
            Change::Upsert(doc(
                "overpay",
                "信用卡溢缴款领回",
                "溢缴款可转回本人借记卡。",
                "信用卡/还款",
                Audience::Public,
            )),
            Change::Upsert(doc(
                "fee",
                "信用卡年费减免",
                "年费减免规则。",
                "信用卡/费用",
                Audience::Internal,
            )),
            Change::Upsert(doc(
                "lpr",
                "房贷利率按LPR重定价",
                "每年重定价日按最新LPR调整。",
                "贷款/房贷",
                Audience::Public,
            )),
        ]
    }

    fn search(ix: &KbIndex, q: &str) -> Vec<String> {
        ix.search(&SearchRequest {
            query: q,
            limit: 3,
            category: None,
            audience: None,
            now_ms: 1_000,
        })
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect()
    }

    #[test]
    fn finds_by_everyday_words_with_snippets() {
        let ix = KbIndex::in_memory(lexicon()).unwrap();
        ix.apply(&corpus(), 4).unwrap();
        assert_eq!(search(&ix, "卡被取款机吞了怎么办")[0], "atm");
        assert_eq!(search(&ix, "信用卡多还的钱怎么退")[0], "overpay");
        assert_eq!(search(&ix, "按揭利率变了")[0], "lpr");
        let hits = ix
            .search(&SearchRequest {
                query: "多还的钱",
                limit: 1,
                category: None,
                audience: None,
                now_ms: 0,
            })
            .unwrap();
        assert!(
            hits[0].snippet.contains("<mark>溢缴款</mark>"),
            "{}",
            hits[0].snippet
        );
        assert_eq!(hits[0].script.as_deref(), Some("信用卡溢缴款领回的话术"));
        assert!(
            search(&ix, "怎么办").is_empty(),
            "stop words alone find nothing"
        );
        assert!(search(&ix, "").is_empty());
        assert!(
            search(&ix, "\"+:(AND -OR*").is_empty(),
            "query syntax is just text"
        );
    }

    #[test]
    fn filters_hold() {
        let ix = KbIndex::in_memory(lexicon()).unwrap();
        let mut changes = corpus();
        let mut old = doc(
            "old",
            "信用卡年费旧规",
            "旧的年费规则。",
            "信用卡/费用",
            Audience::Public,
        );
        old.valid_until_ms = Some(1_000);
        let mut future = doc(
            "future",
            "信用卡年费新规",
            "新的年费规则。",
            "信用卡/费用",
            Audience::Public,
        );
        future.valid_from_ms = Some(1_001);
        changes.extend([Change::Upsert(old), Change::Upsert(future)]);
        ix.apply(&changes, 6).unwrap();
        let at = |now_ms, audience, category| {
            ix.search(&SearchRequest {
                query: "信用卡年费",
                limit: 10,
                category,
                audience,
                now_ms,
            })
            .unwrap()
            .into_iter()
            .map(|h| h.id)
            .collect::<Vec<_>>()
        };
        let now = at(1_000, None, None);
        assert!(now.contains(&"fee".to_string()) && now.contains(&"overpay".to_string()));
        assert!(!now.contains(&"old".to_string()), "expired at 1000");
        assert!(!now.contains(&"future".to_string()), "not yet valid");
        assert!(at(999, None, None).contains(&"old".to_string()));
        assert!(at(1_001, None, None).contains(&"future".to_string()));
        assert!(!at(1_000, Some(Audience::Public), None).contains(&"fee".to_string()));
        assert_eq!(at(1_000, None, Some("信用卡/费用")), vec!["fee"]);
        let cats = ix.top_categories(Some(Audience::Public), 1_000).unwrap();
        assert!(cats.contains(&("信用卡".to_string(), 1)), "{cats:?}");
        assert_eq!(
            ix.browse(Some("贷款"), None, 1_000, 10).unwrap()[0].id,
            "lpr"
        );
        assert_eq!(ix.count(Some(Audience::Public), 1_000).unwrap(), 3);
    }

    #[test]
    fn upsert_replaces_and_delete_removes() {
        let ix = KbIndex::in_memory(lexicon()).unwrap();
        ix.apply(&corpus(), 4).unwrap();
        let mut v2 = doc(
            "atm",
            "夜间吞卡应急处理",
            "吞卡后可申请加急领卡。",
            "银行卡/自助设备",
            Audience::Public,
        );
        v2.version = 2;
        ix.apply(&[Change::Upsert(v2), Change::Delete("fee".into())], 6)
            .unwrap();
        assert_eq!(ix.watermark(), 6);
        assert_eq!(ix.len(), 3);
        assert_eq!(ix.contents().unwrap().get("atm"), Some(&2));
        assert!(search(&ix, "年费减免").iter().all(|id| id != "fee"));
        assert_eq!(search(&ix, "加急领卡")[0], "atm");
    }

    #[test]
    fn watermark_survives_reopen_and_analysis_changes_rebuild() {
        let dir = tempfile::tempdir().unwrap();
        {
            let ix = KbIndex::open(dir.path(), lexicon(), WriterOptions::default()).unwrap();
            assert_eq!(ix.watermark(), 0);
            ix.apply(&corpus(), 42).unwrap();
            assert!(matches!(
                KbIndex::open(dir.path(), lexicon(), WriterOptions::default()),
                Err(SearchError::Locked(_))
            ));
        }
        let ix = KbIndex::open(dir.path(), lexicon(), WriterOptions::default()).unwrap();
        assert_eq!(ix.watermark(), 42);
        assert_eq!(ix.len(), 4);
        drop(ix);
        let ext = tempfile::tempdir().unwrap();
        std::fs::write(ext.path().join("synonyms.txt"), "吞卡,卡被机器留下\n").unwrap();
        let changed = Arc::new(Lexicon::with_extensions(ext.path()).unwrap());
        let ix = KbIndex::open(dir.path(), changed, WriterOptions::default()).unwrap();
        assert_eq!(ix.watermark(), 0, "a new analysis starts from scratch");
        assert!(ix.is_empty());
    }

    #[test]
    fn an_unreadable_index_is_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("meta.json"), "not json").unwrap();
        let ix = KbIndex::open(dir.path(), lexicon(), WriterOptions::default()).unwrap();
        assert_eq!(ix.watermark(), 0);
        ix.apply(&corpus(), 1).unwrap();
        assert_eq!(ix.len(), 4);
    }
}
