//! The faces of the web crate stay apart (issue 11): the desktop pages (`src/pages/`) and
//! the JSON API (`src/api/`, `src/messaging/api.rs`) share their rules through `desk/`
//! and the neutral modules, never by importing each other, and nothing but the pages
//! themselves names `pages`. A helper that one face borrows from the other is a rule that
//! the next change to that face breaks for both; this test finds such a borrowing by
//! reading the sources, so it fails at the line that adds it.

use std::path::{Path, PathBuf};

/// The crate root declares the modules and mounts each face's router: the one place that
/// names both.
const ROOT: &str = "lib.rs";

/// Every `.rs` file under `dir`, as paths relative to `base` with `/` separators.
fn sources(base: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(base, &path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            let rel = path.strip_prefix(base).expect("under src");
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((rel, path));
        }
    }
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether `line` names the module `module` in a path: `crate::module`,
/// `super::module`, `x::module::y`, or `module::y`; a longer identifier (`openapi`) and
/// a URL (`/api/v1`) are not the module. Inside a `use` item every mention counts, so
/// that `use crate::{api, view}` is caught too.
fn names_module(line: &str, module: &str, in_use: bool) -> bool {
    line.match_indices(module).any(|(at, _)| {
        let before = &line[..at];
        let after = &line[at + module.len()..];
        let whole = !before.chars().next_back().is_some_and(is_ident)
            && !after.chars().next().is_some_and(is_ident);
        whole && (in_use || before.ends_with("::") || after.starts_with("::"))
    })
}

/// The lines of a file that name `module`, as `file:line: text`.
fn offending(rel: &str, text: &str, module: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_use = false;
    for (n, line) in text.lines().enumerate() {
        let code = line.trim_start();
        if ["use ", "pub use ", "pub(crate) use "]
            .iter()
            .any(|p| code.starts_with(p))
        {
            in_use = true;
        }
        if names_module(line, module, in_use) {
            found.push(format!("src/{rel}:{}: {}", n + 1, line.trim()));
        }
        if in_use && line.contains(';') {
            in_use = false;
        }
    }
    found
}

fn is_page(rel: &str) -> bool {
    rel.starts_with("pages/")
}

#[test]
fn the_pages_and_the_api_never_import_each_other() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &src, &mut files);
    let pages = files.iter().filter(|(rel, _)| is_page(rel)).count();
    let api = files
        .iter()
        .filter(|(rel, _)| rel.starts_with("api/"))
        .count();
    assert!(
        pages >= 10 && api >= 10,
        "the sources were not found under {}",
        src.display()
    );

    let mut wrong = Vec::new();
    for (rel, path) in &files {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{rel}: {e}"));
        if is_page(rel) {
            for line in offending(rel, &text, "api") {
                wrong.push(format!(
                    "{line}\n    a page names the API: share it through desk/"
                ));
            }
        } else if rel != ROOT {
            for line in offending(rel, &text, "pages") {
                wrong.push(format!(
                    "{line}\n    only the pages name `pages`: move what is shared out of pages/"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "layers crossed:\n{}", wrong.join("\n"));
}

#[test]
fn the_check_tells_a_module_path_from_a_word() {
    assert!(names_module("use crate::api::cases::X;", "api", false));
    assert!(names_module(
        "    crate::messaging::api::taken(&s).await;",
        "api",
        false
    ));
    assert!(names_module("use super::api;", "api", false));
    assert!(names_module("    api, view,", "api", true));
    assert!(names_module("crate::pages::url_encode(x)", "pages", false));
    assert!(!names_module("use crate::api::openapi::X;", "pages", false));
    assert!(!names_module("let d = openapi::document();", "api", false));
    assert!(!names_module(
        "(`/api/v1/agent/ws`, see `crate::chat`)",
        "api",
        false
    ));
    assert!(!names_module(
        "/// the desktop's own pages only",
        "pages",
        false
    ));
}
