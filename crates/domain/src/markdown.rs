//! The Markdown subset knowledge points are written in, and its rendering.
//!
//! Only what an agent's answer needs: paragraphs, headings (`#`, `##`, `###`), bulleted
//! lists (`-`, `*`), numbered lists (`1.`, `1、`, `1)`) and `**bold**`. There is no raw
//! HTML, no links and no images: every character of the source is escaped, so a point
//! can be shown in the desktop and the public help center without any sanitiser.

/// One block of a document.
#[derive(Debug, PartialEq, Eq)]
enum Block<'a> {
    Heading(usize, &'a str),
    Paragraph(Vec<&'a str>),
    Bullets(Vec<&'a str>),
    Numbered(Vec<&'a str>),
}

fn heading(line: &str) -> Option<(usize, &str)> {
    let hashes = line.chars().take_while(|&c| c == '#').count();
    let rest = &line[hashes..];
    ((1..=3).contains(&hashes) && rest.starts_with(' ')).then(|| (hashes, rest.trim()))
}

fn bullet(line: &str) -> Option<&str> {
    ["- ", "* ", "• "]
        .iter()
        .find_map(|p| line.strip_prefix(p))
        .map(str::trim)
}

fn numbered(line: &str) -> Option<&str> {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 || digits > 3 {
        return None;
    }
    let rest = &line[digits..];
    [". ", "、", ") ", "）"]
        .iter()
        .find_map(|p| rest.strip_prefix(p))
        .map(str::trim)
}

fn blocks(src: &str) -> Vec<Block<'_>> {
    let mut out: Vec<Block<'_>> = Vec::new();
    let mut para_break = true;
    for raw in src.lines() {
        let line = raw.trim();
        if line.is_empty() {
            para_break = true;
            continue;
        }
        if let Some((level, text)) = heading(line) {
            out.push(Block::Heading(level, text));
            para_break = true;
        } else if let Some(item) = bullet(line) {
            match out.last_mut() {
                Some(Block::Bullets(items)) => items.push(item),
                _ => out.push(Block::Bullets(vec![item])),
            }
            para_break = false;
        } else if let Some(item) = numbered(line) {
            match out.last_mut() {
                Some(Block::Numbered(items)) => items.push(item),
                _ => out.push(Block::Numbered(vec![item])),
            }
            para_break = false;
        } else {
            match out.last_mut() {
                Some(Block::Paragraph(lines)) if !para_break => lines.push(line),
                _ => out.push(Block::Paragraph(vec![line])),
            }
            para_break = false;
        }
    }
    out
}

/// Escapes text for HTML content.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
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
    out
}

/// Splits a line into (text, bold) runs; an unmatched `**` stays literal.
fn runs(line: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(open) = rest.find("**") {
        let after = &rest[open + 2..];
        match after.find("**") {
            Some(close) if close > 0 => {
                if open > 0 {
                    out.push((&rest[..open], false));
                }
                out.push((&after[..close], true));
                rest = &after[close + 2..];
            }
            _ => break,
        }
    }
    if !rest.is_empty() {
        out.push((rest, false));
    }
    out
}

fn inline_html(line: &str) -> String {
    let mut out = String::new();
    for (text, bold) in runs(line) {
        if bold {
            out.push_str("<strong>");
            out.push_str(&escape(text));
            out.push_str("</strong>");
        } else {
            out.push_str(&escape(text));
        }
    }
    out
}

fn inline_plain(line: &str) -> String {
    runs(line).into_iter().map(|(t, _)| t).collect()
}

fn list_html(out: &mut String, tag: &str, items: &[&str]) {
    out.push_str(&format!("<{tag}>\n"));
    for i in items {
        out.push_str(&format!("<li>{}</li>\n", inline_html(i)));
    }
    out.push_str(&format!("</{tag}>\n"));
}

/// Renders the subset to HTML. Headings start at `<h2>`: the page's title is the `<h1>`.
pub fn to_html(src: &str) -> String {
    let mut out = String::new();
    for b in blocks(src) {
        match b {
            Block::Heading(level, text) => {
                let h = level + 1;
                out.push_str(&format!("<h{h}>{}</h{h}>\n", inline_html(text)));
            }
            Block::Paragraph(lines) => {
                let inner: Vec<String> = lines.iter().map(|l| inline_html(l)).collect();
                out.push_str(&format!("<p>{}</p>\n", inner.join("<br>\n")));
            }
            Block::Bullets(items) => list_html(&mut out, "ul", &items),
            Block::Numbered(items) => list_html(&mut out, "ol", &items),
        }
    }
    out
}

/// The text without markup, one block per line: what the search index reads.
pub fn to_plain(src: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for b in blocks(src) {
        match b {
            Block::Heading(_, text) => out.push(inline_plain(text)),
            Block::Paragraph(lines) => out.push(
                lines
                    .iter()
                    .map(|l| inline_plain(l))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            Block::Bullets(items) | Block::Numbered(items) => {
                out.extend(items.iter().map(|i| inline_plain(i)))
            }
        }
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn renders_the_subset() {
        let src = "# 处理步骤\n请**立即**挂失。\n第二行\n\n- 携带身份证\n- 到网点\n\n1. 致电客服\n2、核实身份\n\n普通段落";
        assert_eq!(
            to_html(src),
            "<h2>处理步骤</h2>\n<p>请<strong>立即</strong>挂失。<br>\n第二行</p>\n\
             <ul>\n<li>携带身份证</li>\n<li>到网点</li>\n</ul>\n\
             <ol>\n<li>致电客服</li>\n<li>核实身份</li>\n</ol>\n<p>普通段落</p>\n"
        );
        assert_eq!(
            to_plain(src),
            "处理步骤\n请立即挂失。\n第二行\n携带身份证\n到网点\n致电客服\n核实身份\n普通段落"
        );
    }

    #[test]
    fn html_in_the_source_is_text() {
        let html = to_html("<script>alert(1)</script>\n**<b onclick=\"x\">**\n- <img src=x>");
        assert!(!html.contains("<script"));
        assert!(!html.contains("<b "));
        assert!(!html.contains("<img"));
        assert!(html.contains("&lt;script&gt;"));
    }

    #[test]
    fn unmatched_markers_stay_literal() {
        assert_eq!(to_html("a ** b"), "<p>a ** b</p>\n");
        assert_eq!(to_html("****"), "<p>****</p>\n");
        assert_eq!(to_html("#没有空格"), "<p>#没有空格</p>\n");
        assert_eq!(to_html("#### 四级"), "<p>#### 四级</p>\n");
        assert_eq!(to_plain("12345. 不是列表"), "12345. 不是列表");
    }

    proptest! {
        #[test]
        fn no_source_text_becomes_markup(src in "\\PC{0,200}") {
            let html = to_html(&src);
            // Strip the tags the renderer itself emits; nothing tag-like may remain.
            let mut stripped = html.clone();
            for t in ["<h2>", "</h2>", "<h3>", "</h3>", "<h4>", "</h4>", "<p>", "</p>", "<br>",
                      "<ul>", "</ul>", "<ol>", "</ol>", "<li>", "</li>", "<strong>", "</strong>"] {
                stripped = stripped.replace(t, "");
            }
            prop_assert!(!stripped.contains('<') && !stripped.contains('>'), "{}", html);
            let _ = to_plain(&src);
        }
    }
}
