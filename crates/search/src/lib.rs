//! Knowledge search for bankdesk: a tantivy index of published knowledge points with
//! Chinese word segmentation (jieba plus a banking dictionary), synonym groups and stop
//! words shipped as data files a bank can extend.
//!
//! This crate knows nothing of the database: the web layer feeds it changes from the
//! store and records how far it has got (see [`index::KbIndex::watermark`]).
#![forbid(unsafe_code)]

pub mod analyzer;
pub mod index;
pub mod snippet;

pub use analyzer::Lexicon;
pub use index::{Change, Hit, IndexDoc, KbIndex, SearchError, SearchRequest, WriterOptions};
