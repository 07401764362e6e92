//! Highlighted snippets. Written here rather than taken from tantivy's generator because
//! search-mode segmentation emits overlapping words (信用卡溢缴款 also as 信用卡 and
//! 溢缴款), which that generator's fragment arithmetic does not expect.

use crate::analyzer::Lexicon;
use std::collections::HashSet;

/// Characters of text shown around the matches.
pub const SNIPPET_CHARS: usize = 80;

/// An HTML snippet of `text`: the window of about `max_chars` characters holding the most
/// distinct query terms, escaped, with matches in `<mark>`. Without any match it is the
/// start of the text.
pub fn snippet_html(
    lexicon: &Lexicon,
    text: &str,
    terms: &HashSet<String>,
    max_chars: usize,
) -> String {
    let matches: Vec<(usize, usize, &str)> = lexicon
        .analyze(text)
        .into_iter()
        .filter(|t| terms.contains(&t.text))
        .map(|t| (t.from, t.to, t.text))
        .map(|(f, t, w)| (f, t, terms.get(&w).map_or("", String::as_str)))
        .collect();
    let char_starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    let char_at = |byte: usize| char_starts.partition_point(|&b| b < byte);
    let byte_of = |ch: usize| char_starts.get(ch).copied().unwrap_or(text.len());

    // Best window start (in chars): the one whose window covers most distinct terms.
    let mut best = (0usize, 0usize);
    for &(from, _, _) in &matches {
        let start = char_at(from).saturating_sub(max_chars / 4);
        let (lo, hi) = (byte_of(start), byte_of(start + max_chars));
        let distinct: HashSet<&str> = matches
            .iter()
            .filter(|(f, t, _)| *f >= lo && *t <= hi)
            .map(|(_, _, w)| *w)
            .collect();
        if distinct.len() > best.1 {
            best = (start, distinct.len());
        }
    }
    let (lo, hi) = (byte_of(best.0), byte_of(best.0 + max_chars));
    let mut ranges: Vec<(usize, usize)> = matches
        .iter()
        .filter(|(f, t, _)| *f >= lo && *t <= hi)
        .map(|(f, t, _)| (*f, *t))
        .collect();
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (f, t) in ranges {
        match merged.last_mut() {
            Some(last) if f <= last.1 => last.1 = last.1.max(t),
            _ => merged.push((f, t)),
        }
    }
    let mut html = String::new();
    if lo > 0 {
        html.push('…');
    }
    let mut at = lo;
    for (f, t) in merged {
        escape_into(&mut html, &text[at..f]);
        html.push_str("<mark>");
        escape_into(&mut html, &text[f..t]);
        html.push_str("</mark>");
        at = t;
    }
    escape_into(&mut html, &text[at..hi]);
    if hi < text.len() {
        html.push('…');
    }
    html
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(l: &Lexicon, q: &str) -> HashSet<String> {
        l.query_terms(q).into_iter().collect()
    }

    #[test]
    fn marks_matches_and_escapes() {
        let l = Lexicon::builtin().unwrap();
        let text = "信用卡溢缴款<script>可以通过手机银行转回本人借记卡，也可以致电客服热线办理。";
        let html = snippet_html(&l, text, &terms(&l, "信用卡多还的钱"), 80);
        assert!(html.starts_with("<mark>信用卡溢缴款</mark>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script>"));
    }

    #[test]
    fn window_moves_to_the_matches() {
        let l = Lexicon::builtin().unwrap();
        let text = format!(
            "{}发生吞卡时请保持电话畅通。",
            "网点营业时间为工作日九点至十七点。".repeat(20)
        );
        let html = snippet_html(&l, &text, &terms(&l, "卡被吞"), 40);
        assert!(html.starts_with('…'), "{html}");
        assert!(html.contains("<mark>吞卡</mark>"), "{html}");
    }

    #[test]
    fn no_match_gives_the_start() {
        let l = Lexicon::builtin().unwrap();
        let html = snippet_html(&l, "短文本", &terms(&l, "外汇"), 80);
        assert_eq!(html, "短文本");
        assert_eq!(snippet_html(&l, "", &terms(&l, "外汇"), 80), "");
    }
}
