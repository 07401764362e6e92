//! Chinese text analysis for knowledge search: jieba word segmentation with a banking
//! dictionary, synonym groups and stop words, packaged as a tantivy tokenizer.
//!
//! Word segmentation rather than character n-grams: "吞卡" must not match every text
//! that happens to contain "卡", and a customer's "卡被吞了" must find the point the bank
//! wrote as "吞卡". The second is the synonym groups' job: a word that belongs to a group
//! is indexed (and queried) as itself and as the group's name.

use jieba_rs::Jieba;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, OnceLock};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The built-in data files; a bank extends them with files of the same names in the
/// index's configuration directory.
const BUILTIN_DICTIONARY: &str = include_str!("../data/dictionary.txt");
const BUILTIN_SYNONYMS: &str = include_str!("../data/synonyms.txt");
const BUILTIN_STOPWORDS: &str = include_str!("../data/stopwords.txt");

/// File names of a bank's extensions, read from the configuration directory.
pub const DICTIONARY_FILE: &str = "dictionary.txt";
pub const SYNONYMS_FILE: &str = "synonyms.txt";
pub const STOPWORDS_FILE: &str = "stopwords.txt";

/// Bumped whenever the analysis itself changes, so existing indexes are rebuilt.
const ANALYZER_VERSION: u32 = 1;

/// Name under which the tokenizer is registered with tantivy.
pub const TOKENIZER_NAME: &str = "bank_zh";

/// Loading jieba's own dictionary takes a few hundred milliseconds; it is done once per
/// process and each lexicon starts from a copy.
fn base_jieba() -> &'static Jieba {
    static BASE: OnceLock<Jieba> = OnceLock::new();
    BASE.get_or_init(Jieba::new)
}

/// Why the analysis files could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    #[error("reading {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{file} line {line}: {reason}")]
    Format {
        file: String,
        line: usize,
        reason: String,
    },
}

/// The word lists analysis runs on: segmentation dictionary, synonym groups, stop words.
pub struct Lexicon {
    jieba: Jieba,
    /// Normalised word -> the names of the groups it belongs to (other than itself).
    groups: HashMap<String, Vec<String>>,
    stopwords: HashSet<String>,
    fingerprint: String,
}

impl std::fmt::Debug for Lexicon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lexicon")
            .field("groups", &self.groups.len())
            .field("stopwords", &self.stopwords.len())
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

/// The three word lists as text, before parsing.
struct Sources {
    dictionary: Vec<(String, String)>,
    synonyms: Vec<(String, String)>,
    stopwords: Vec<(String, String)>,
}

impl Lexicon {
    /// The built-in lists only.
    pub fn builtin() -> Result<Lexicon, LexiconError> {
        Lexicon::from_sources(Sources {
            dictionary: vec![("built-in dictionary.txt".into(), BUILTIN_DICTIONARY.into())],
            synonyms: vec![("built-in synonyms.txt".into(), BUILTIN_SYNONYMS.into())],
            stopwords: vec![("built-in stopwords.txt".into(), BUILTIN_STOPWORDS.into())],
        })
    }

    /// The built-in lists, built once per process and shared: every in-memory index (one
    /// per test server) would otherwise pay for its own copy of the dictionary.
    pub fn shared_builtin() -> Result<Arc<Lexicon>, String> {
        static SHARED: OnceLock<Result<Arc<Lexicon>, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| Lexicon::builtin().map(Arc::new).map_err(|e| e.to_string()))
            .clone()
    }

    /// The built-in lists extended by the bank's files in `dir`, where present.
    pub fn with_extensions(dir: &Path) -> Result<Lexicon, LexiconError> {
        let read = |name: &str, builtin: &str| -> Result<Vec<(String, String)>, LexiconError> {
            let mut out = vec![(format!("built-in {name}"), builtin.to_string())];
            let path = dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(text) => out.push((path.display().to_string(), text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(LexiconError::Io {
                        path: path.display().to_string(),
                        source: e,
                    });
                }
            }
            Ok(out)
        };
        Lexicon::from_sources(Sources {
            dictionary: read(DICTIONARY_FILE, BUILTIN_DICTIONARY)?,
            synonyms: read(SYNONYMS_FILE, BUILTIN_SYNONYMS)?,
            stopwords: read(STOPWORDS_FILE, BUILTIN_STOPWORDS)?,
        })
    }

    fn from_sources(src: Sources) -> Result<Lexicon, LexiconError> {
        let mut hash = Sha256::new();
        hash.update(ANALYZER_VERSION.to_le_bytes());
        let mut jieba = base_jieba().clone();
        for (file, text) in &src.dictionary {
            hash.update(b"dictionary\0");
            hash.update(text.as_bytes());
            for (line, content) in data_lines(text) {
                let mut parts = content.split_whitespace();
                let Some(word) = parts.next() else { continue };
                let freq = match parts.next() {
                    Some(f) => Some(f.parse::<usize>().map_err(|_| LexiconError::Format {
                        file: file.clone(),
                        line,
                        reason: format!("frequency `{f}` is not a whole number"),
                    })?),
                    None => None,
                };
                let tag = parts.next();
                jieba.add_word(&normalize(word), freq, tag);
            }
        }
        let mut groups: HashMap<String, Vec<String>> = HashMap::new();
        for (file, text) in &src.synonyms {
            hash.update(b"synonyms\0");
            hash.update(text.as_bytes());
            for (line, content) in data_lines(text) {
                let words: Vec<String> = content
                    .split([',', '，'])
                    .map(|w| normalize(w.trim()))
                    .filter(|w| !w.is_empty())
                    .collect();
                let [name, rest @ ..] = words.as_slice() else {
                    continue;
                };
                if rest.is_empty() {
                    return Err(LexiconError::Format {
                        file: file.clone(),
                        line,
                        reason: "a group needs at least two words".into(),
                    });
                }
                for w in &words {
                    if !jieba.has_word(w) {
                        jieba.add_word(w, None, None);
                    }
                    if w != name {
                        let names = groups.entry(w.clone()).or_default();
                        if !names.contains(name) {
                            names.push(name.clone());
                        }
                    }
                }
            }
        }
        let mut stopwords = HashSet::new();
        for (_, text) in &src.stopwords {
            hash.update(b"stopwords\0");
            hash.update(text.as_bytes());
            for (_, content) in data_lines(text) {
                stopwords.insert(normalize(content.trim()));
            }
        }
        Ok(Lexicon {
            jieba,
            groups,
            stopwords,
            fingerprint: hex::encode(hash.finalize()),
        })
    }

    /// Identifies the analysis: an index built with another fingerprint must be rebuilt.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The terms of `text` with their byte ranges, in text order. Group names come right
    /// after the word that belongs to the group, with the same range.
    pub fn analyze(&self, text: &str) -> Vec<Term> {
        let normalized = normalize(text);
        // Normalisation maps characters one to one within the same UTF-8 length for the
        // ranges it touches (full-width ASCII is 3 bytes, its half-width form 1), so
        // offsets are taken from a map built alongside.
        let map = offset_map(text, &normalized);
        let mut words = self.jieba.cut_for_search(&normalized, true);
        words.sort_by_key(|w| (w.byte_start, w.byte_end));
        let mut out = Vec::with_capacity(words.len() * 2);
        for w in words {
            let word = w.word.trim();
            if word.is_empty()
                || !word.chars().any(char::is_alphanumeric)
                || self.stopwords.contains(word)
            {
                continue;
            }
            let (from, to) = (map[w.byte_start], map[w.byte_end]);
            out.push(Term {
                text: word.to_string(),
                from,
                to,
            });
            if let Some(names) = self.groups.get(word) {
                for n in names {
                    out.push(Term {
                        text: n.clone(),
                        from,
                        to,
                    });
                }
            }
        }
        out
    }

    /// The distinct terms of a query, in first-seen order.
    pub fn query_terms(&self, query: &str) -> Vec<String> {
        let mut seen = HashSet::new();
        self.analyze(query)
            .into_iter()
            .filter(|t| seen.insert(t.text.clone()))
            .map(|t| t.text)
            .collect()
    }
}

/// One analysed term and where it came from in the original text (byte range).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    pub from: usize,
    pub to: usize,
}

/// Non-empty, non-comment lines with their 1-based numbers.
fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

/// Lower case, and full-width ASCII (ＡＴＭ, ＬＰＲ) to half-width, so customers' typing
/// variants meet the dictionary's spelling.
pub fn normalize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => {
                char::from_u32(c as u32 - 0xFEE0).map_or(c, |h| h.to_ascii_lowercase())
            }
            '\u{3000}' => ' ',
            _ => c
                .to_lowercase()
                .next()
                .filter(|_| c.is_ascii())
                .unwrap_or(c),
        })
        .collect()
}

/// For each byte offset of `normalized` that starts a character (and its end), the
/// matching byte offset in `original`.
fn offset_map(original: &str, normalized: &str) -> Vec<usize> {
    let mut map = vec![original.len(); normalized.len() + 1];
    let mut n = 0;
    for (o, c) in original.char_indices() {
        map[n] = o;
        let nc = normalize_char_len(c);
        n += nc;
    }
    map[normalized.len()] = original.len();
    map
}

fn normalize_char_len(c: char) -> usize {
    let mut buf = [0u8; 4];
    normalize(c.encode_utf8(&mut buf)).len()
}

/// The tantivy tokenizer over a shared [`Lexicon`].
#[derive(Clone)]
pub struct BankTokenizer {
    lexicon: Arc<Lexicon>,
}

impl BankTokenizer {
    pub fn new(lexicon: Arc<Lexicon>) -> BankTokenizer {
        BankTokenizer { lexicon }
    }
}

impl Tokenizer for BankTokenizer {
    type TokenStream<'a> = BankTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BankTokenStream {
        let mut tokens = Vec::new();
        let mut position = 0;
        let mut last_range = None;
        for t in self.lexicon.analyze(text) {
            // A group name shares its word's position; each new word moves on one.
            if last_range.is_some() && last_range != Some((t.from, t.to)) {
                position += 1;
            }
            last_range = Some((t.from, t.to));
            tokens.push(Token {
                offset_from: t.from,
                offset_to: t.to,
                position,
                text: t.text,
                position_length: 1,
            });
        }
        BankTokenStream {
            tokens,
            next: 0,
            current: Token::default(),
        }
    }
}

/// The analysed terms of one text, handed to tantivy one by one.
pub struct BankTokenStream {
    tokens: Vec<Token>,
    next: usize,
    current: Token,
}

impl TokenStream for BankTokenStream {
    fn advance(&mut self) -> bool {
        match self.tokens.get_mut(self.next) {
            Some(t) => {
                self.current = std::mem::take(t);
                self.next += 1;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> Lexicon {
        Lexicon::builtin().unwrap()
    }

    #[test]
    fn everyday_words_meet_the_banks_words() {
        let l = lexicon();
        let q = l.query_terms("卡被取款机吞了怎么办");
        assert!(q.contains(&"取款机".to_string()), "{q:?}");
        assert!(q.contains(&"吞卡".to_string()), "{q:?}");
        assert!(!q.contains(&"怎么办".to_string()), "{q:?}");
        let q = l.query_terms("信用卡多还的钱怎么退");
        assert!(q.contains(&"溢缴款".to_string()), "{q:?}");
        assert!(q.contains(&"信用卡".to_string()), "{q:?}");
        let q = l.query_terms("贷记卡年费");
        assert!(q.contains(&"信用卡".to_string()), "{q:?}");
        let q = l.query_terms("ＡＴＭ吞卡");
        assert!(q.contains(&"取款机".to_string()), "{q:?}");
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let l = lexicon();
        let text = "请到ＡＴＭ取款，卡被吞了";
        for t in l.analyze(text) {
            assert!(text.is_char_boundary(t.from) && text.is_char_boundary(t.to));
            assert!(t.from < t.to, "{t:?}");
        }
        let atm = l
            .analyze(text)
            .into_iter()
            .find(|t| t.text == "atm")
            .unwrap();
        assert_eq!(&text[atm.from..atm.to], "ＡＴＭ");
    }

    #[test]
    fn tokens_come_in_text_order() {
        let mut tok = BankTokenizer::new(Arc::new(lexicon()));
        let mut s = tok.token_stream("中华人民共和国的信用卡溢缴款可以通过手机银行转出");
        let mut last = 0;
        while let Some(t) = s.next() {
            assert!(t.offset_from >= last);
            last = t.offset_from;
        }
    }

    #[test]
    fn extensions_are_read_and_change_the_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let base = lexicon();
        let same = Lexicon::with_extensions(dir.path()).unwrap();
        assert_eq!(base.fingerprint(), same.fingerprint());
        std::fs::write(dir.path().join(SYNONYMS_FILE), "金葵花卡,葵花卡,向日葵卡\n").unwrap();
        let ext = Lexicon::with_extensions(dir.path()).unwrap();
        assert_ne!(base.fingerprint(), ext.fingerprint());
        assert!(
            ext.query_terms("向日葵卡")
                .contains(&"金葵花卡".to_string())
        );
        std::fs::write(dir.path().join(SYNONYMS_FILE), "孤单词\n").unwrap();
        assert!(matches!(
            Lexicon::with_extensions(dir.path()),
            Err(LexiconError::Format { line: 1, .. })
        ));
    }

    #[test]
    fn odd_input_never_panics() {
        let l = lexicon();
        for s in [
            "",
            " ",
            "！！！",
            "\u{3000}",
            "a\u{0301}",
            "🏦💳",
            "ＡＢ\u{FF5E}",
            "\0",
        ] {
            let _ = l.analyze(s);
        }
    }
}
