//! The layers stay apart (issue 11), checked by reading the sources so that a test fails
//! at the line that crosses:
//! - the faces of the web crate: the desktop pages (the page kit in `src/pages/`, and each
//!   concept folder's `pages.rs`, `pages/` and `pages_*.rs`) and the JSON API (`api.rs`,
//!   its kit `openapi.rs` and `envelope.rs`, and each concept folder's `api.rs`) share their
//!   rules through the service crate (`bankdesk_desk`) and the neutral modules, never by
//!   importing each other, and nothing but the pages themselves names `pages`. A helper
//!   that one face borrows from the other is a rule that the next change to that face
//!   breaks for both;
//! - no import cycle inside web: a file never imports, through others, from a file that
//!   imports it, so each module can be read (and moved) on top of the ones below it;
//! - the web crate speaks only HTTP: the long-running services (routing board, chat hub,
//!   knowledge sync, outbox and escalation workers, outbound adapters) and the shared use
//!   cases are `crates/desk`'s, and do not come back into web;
//! - the service crate knows nothing of HTTP: it never names axum or the web crate.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The web crate's directory.
fn web() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The service crate's directory, next to web's.
fn desk() -> PathBuf {
    web().join("../desk")
}

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

/// The stems of a file's path: `case/pages_tests.rs` is `["case", "pages_tests"]`.
fn stems(rel: &str) -> Vec<&str> {
    rel.split('/')
        .map(|p| p.strip_suffix(".rs").unwrap_or(p))
        .collect()
}

/// A desktop page: the shared page kit under `pages/`, or a concept's `pages.rs`,
/// `pages/` or `pages_*.rs`.
fn is_page(rel: &str) -> bool {
    stems(rel)
        .iter()
        .any(|s| *s == "pages" || s.starts_with("pages_"))
}

/// A part of the JSON API: the router (`api.rs`), its kit (`openapi.rs`, `envelope.rs`), or a
/// concept's `api.rs`.
fn is_api(rel: &str) -> bool {
    stems(rel)
        .iter()
        .any(|s| ["api", "openapi", "envelope"].contains(s))
}

#[test]
fn the_pages_and_the_api_never_import_each_other() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &src, &mut files);
    let pages = files.iter().filter(|(rel, _)| is_page(rel)).count();
    let api = files.iter().filter(|(rel, _)| is_api(rel)).count();
    assert!(
        pages >= 10 && api >= 10,
        "the sources were not found under {}",
        src.display()
    );

    let mut wrong = Vec::new();
    for (rel, path) in &files {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{rel}: {e}"));
        if is_page(rel) {
            for module in ["api", "openapi", "envelope"] {
                for line in offending(rel, &text, module) {
                    wrong.push(format!(
                        "{line}\n    a page names the API: share it through desk/"
                    ));
                }
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

/// Top-level modules that are services or use cases: their home is the service crate.
/// (Inside a face the same word may be a page or endpoint, as `pages/live.rs` is.)
const SERVICE_MODULES: &[&str] = &["desk", "live", "kb", "outbox", "escalation", "workers"];

/// Modules that are services wherever they sit: a worker, an outbound adapter, a board.
const SERVICE_LEAVES: &[&str] = &["worker", "codes", "board", "smtp", "sms"];

/// The service types; web holds them (in `AppState`) but never defines one again.
const SERVICE_TYPES: &[&str] = &[
    "Hub",
    "Live",
    "Board",
    "Knowledge",
    "OutboxWorker",
    "SmtpSender",
    "WechatSender",
    "SmsGateway",
    "CodeDelivery",
];

/// The names of the modules a file declares (`mod x;`, `pub mod x {`, ...).
fn declared_modules(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let code = line.trim_start();
            let rest = ["mod ", "pub mod ", "pub(crate) mod ", "pub(super) mod "]
                .iter()
                .find_map(|p| code.strip_prefix(p))?;
            let name: String = rest.chars().take_while(|&c| is_ident(c)).collect();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

/// Whether `line` defines the type `name` (`struct`, `enum` or `trait`, any visibility).
fn defines_type(line: &str, name: &str) -> bool {
    let code = line.trim_start();
    let code = code
        .strip_prefix("pub(crate) ")
        .or_else(|| code.strip_prefix("pub "))
        .unwrap_or(code);
    ["struct ", "enum ", "trait "].iter().any(|kw| {
        code.strip_prefix(kw)
            .and_then(|rest| rest.strip_prefix(name))
            .is_some_and(|rest| !rest.chars().next().is_some_and(is_ident))
    })
}

/// The names in a manifest's `[dependencies]` table (not dev-dependencies).
fn dependencies(manifest: &Path) -> Vec<String> {
    let text =
        std::fs::read_to_string(manifest).unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
    let mut in_deps = false;
    let mut names = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
        } else if in_deps && !line.is_empty() && !line.starts_with('#') {
            let name = line.split(['=', '.', ' ']).next().unwrap_or_default();
            names.push(name.to_string());
        }
    }
    names
}

#[test]
fn the_services_stay_out_of_the_web_crate() {
    let src = web().join("src");
    let mut files = Vec::new();
    sources(&src, &src, &mut files);
    let mut wrong = Vec::new();
    for (rel, path) in &files {
        let parts: Vec<&str> = rel.split('/').collect();
        let top = parts[0].strip_suffix(".rs").unwrap_or(parts[0]);
        let leaf = parts[parts.len() - 1]
            .strip_suffix(".rs")
            .unwrap_or_default();
        if SERVICE_MODULES.contains(&top) || SERVICE_LEAVES.contains(&leaf) {
            wrong.push(format!("src/{rel}: this module is a service"));
        }
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let top_level = parts.len() == 1;
        for m in declared_modules(&text) {
            if (top_level && SERVICE_MODULES.contains(&m.as_str()))
                || SERVICE_LEAVES.contains(&m.as_str())
            {
                wrong.push(format!("src/{rel}: declares `mod {m}`, a service"));
            }
        }
        for (n, line) in text.lines().enumerate() {
            for ty in SERVICE_TYPES {
                if defines_type(line, ty) {
                    wrong.push(format!("src/{rel}:{}: defines `{ty}`, a service", n + 1));
                }
            }
        }
    }
    // The outbound adapters (SMTP, WeChat, the SMS gateway) are the only HTTP and mail
    // clients; web only serves.
    for dep in dependencies(&web().join("Cargo.toml")) {
        if ["lettre", "reqwest"].contains(&dep.as_str()) {
            wrong.push(format!(
                "Cargo.toml: web depends on {dep}; its user belongs in crates/desk"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "services in the web crate (move them to crates/desk):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_service_crate_knows_nothing_of_http() {
    const HTTP: &[&str] = &[
        "axum",
        "tower",
        "tower-http",
        "askama",
        "utoipa-axum",
        "bankdesk-web",
    ];
    let mut wrong = Vec::new();
    for dep in dependencies(&desk().join("Cargo.toml")) {
        if HTTP.contains(&dep.as_str()) {
            wrong.push(format!("crates/desk/Cargo.toml: depends on {dep}"));
        }
    }
    let src = desk().join("src");
    let mut files = Vec::new();
    sources(&src, &src, &mut files);
    assert!(
        files.len() >= 10,
        "the service crate was not found at {}",
        src.display()
    );
    for (rel, path) in &files {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{rel}: {e}"));
        for module in ["axum", "askama", "bankdesk_web", "tower_http"] {
            wrong.extend(offending(rel, &text, module));
        }
    }
    assert!(
        wrong.is_empty(),
        "the service crate names HTTP (keep requests and responses in web):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_checks_read_declarations_and_manifests() {
    assert_eq!(
        declared_modules("pub mod live;\nmod board {\n// mod kb\npub(crate) mod x;"),
        ["live", "board", "x"]
    );
    assert!(defines_type("pub struct Hub {", "Hub"));
    assert!(defines_type("    pub(crate) struct Live;", "Live"));
    assert!(!defines_type("pub struct HubView {", "Hub"));
    assert!(!defines_type("let hub: Hub = x;", "Hub"));
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("Cargo.toml");
    std::fs::write(
        &manifest,
        "[package]\nname = \"x\"\n[dependencies]\naxum.workspace = true\n# lettre\nserde = \"1\"\n[dev-dependencies]\nreqwest = \"1\"\n",
    )
    .unwrap();
    assert_eq!(dependencies(&manifest), ["axum", "serde"]);
}

/// A file's module path: `case/api.rs` is `case::api`, `case/mod.rs` is `case`, `lib.rs`
/// the crate root.
fn module_of(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = stems(rel).iter().map(|s| s.to_string()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The file holding the innermost module that `path` names: `crate::case::api::List`
/// lives in `case/api.rs`.
fn file_of(files: &BTreeSet<String>, path: &[String]) -> String {
    let mut found = ROOT.to_string();
    for n in 1..=path.len() {
        let p = path[..n].join("/");
        if files.contains(&format!("{p}/mod.rs")) {
            found = format!("{p}/mod.rs");
        } else if files.contains(&format!("{p}.rs")) {
            found = format!("{p}.rs");
        } else {
            break;
        }
    }
    found
}

/// The code of a file without its comments and its unit tests (a `#[cfg(test)] mod x {`
/// block at the end, whose `super` is the file itself).
fn code_of(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let code = line.trim_start();
        if code.starts_with("#[cfg(test)]")
            && lines
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("mod ") && next.ends_with('{'))
        {
            break;
        }
        if code.starts_with("//") {
            continue;
        }
        // A `//` after a space ends the code (a URL's `://` does not).
        let code = line.find(" //").map_or(line, |at| &line[..at]);
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// The paths of a `use` tree, one per leaf: `crate::{a::{b, c}, d as e}` is
/// `crate::a::b`, `crate::a::c` and `crate::d`.
fn expand_use(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let leaf = tree.split(" as ").next().unwrap_or(tree).trim();
        return vec![leaf.trim_end_matches("::self").to_string()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(|p| {
            expand_use(p)
                .into_iter()
                .map(|leaf| {
                    if leaf == "self" {
                        prefix.trim_end_matches("::").to_string()
                    } else {
                        format!("{prefix}{leaf}")
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Every module path a file's code names, made absolute: its `use` trees, and the
/// `crate::`, `super::` and `self::` paths and paths into its own child modules anywhere
/// in its code.
fn named_paths(text: &str, module: &[String]) -> Vec<Vec<String>> {
    let code = code_of(text);
    let children = declared_modules(&code);
    let mut raw = Vec::new();
    let mut rest = String::new();
    let mut at = 0;
    while let Some(found) = code[at..].find("use ") {
        let start = at + found;
        let before = code[..start].chars().next_back();
        if before.is_some_and(|c| is_ident(c) || c == ':') {
            rest.push_str(&code[at..start + 4]);
            at = start + 4;
            continue;
        }
        let end = code[start..].find(';').map_or(code.len(), |e| start + e);
        rest.push_str(&code[at..start]);
        // A re-export (`pub use`, `pub(crate) use`) is a name for others to import, not
        // an import of this file's own: `pages/mod.rs` offering `error::PageError` does not
        // make the page kit depend on its error module.
        if !code[..start].trim_end().ends_with("pub") && !code[..start].trim_end().ends_with(')') {
            raw.extend(expand_use(&code[start + 4..end]));
        }
        at = (end + 1).min(code.len());
    }
    rest.push_str(&code[at..]);
    // Paths in the code itself: a run of `ident::ident...` starting at a word boundary.
    let bytes: Vec<char> = rest.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        if is_ident(bytes[i]) && (i == 0 || !(is_ident(bytes[i - 1]) || bytes[i - 1] == ':')) {
            let mut j = i;
            while j < bytes.len() && (is_ident(bytes[j]) || bytes[j] == ':') {
                j += 1;
            }
            let path: String = bytes[i..j].iter().collect();
            if path.contains("::") {
                raw.push(path.trim_end_matches(':').to_string());
            }
            i = j;
        } else {
            i += 1;
        }
    }
    raw.into_iter()
        .filter_map(|path| {
            let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
            let (first, tail) = segments.split_first()?;
            let mut base: Vec<String> = match *first {
                "crate" => Vec::new(),
                "self" => module.to_vec(),
                "super" => module[..module.len().checked_sub(1)?].to_vec(),
                child if children.iter().any(|c| c == child) => {
                    let mut m = module.to_vec();
                    m.push(child.to_string());
                    m
                }
                _ => return None,
            };
            let mut tail = tail.iter().peekable();
            while tail.peek().is_some_and(|s| **s == "super") {
                tail.next();
                base.pop();
            }
            base.extend(tail.map(|s| s.to_string()));
            Some(base)
        })
        .collect()
}

/// The files each file imports from, by the paths it names (itself left out).
fn import_graph(files: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let names: BTreeSet<String> = files.keys().cloned().collect();
    files
        .iter()
        .map(|(rel, text)| {
            let targets = named_paths(text, &module_of(rel))
                .iter()
                .map(|path| file_of(&names, path))
                .filter(|target| target != rel)
                .collect();
            (rel.clone(), targets)
        })
        .collect()
}

/// One import cycle of the graph, as the files around it, if there is one.
fn a_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        at: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(from) = path.iter().position(|p| p == at) {
            let mut cycle = path[from..].to_vec();
            cycle.push(at.to_string());
            return Some(cycle);
        }
        if done.contains(at) {
            return None;
        }
        path.push(at.to_string());
        for next in graph.get(at).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, done, path) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(at.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|start| visit(start, graph, &mut done, &mut Vec::new()))
}

/// Test-only files (`tests.rs`, `*_tests.rs`): they import what they test and nothing
/// imports them.
fn is_test_file(rel: &str) -> bool {
    stems(rel)
        .last()
        .is_some_and(|s| *s == "tests" || s.ends_with("_tests"))
}

#[test]
fn no_import_cycle_inside_web() {
    let src = web().join("src");
    let mut found = Vec::new();
    sources(&src, &src, &mut found);
    let files: BTreeMap<String, String> = found
        .into_iter()
        .filter(|(rel, _)| !is_test_file(rel))
        .map(|(rel, path)| {
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
            (rel, text)
        })
        .collect();
    let graph = import_graph(&files);
    let edges: usize = graph.values().map(BTreeSet::len).sum();
    assert!(
        edges > files.len(),
        "the imports were not read: {edges} edges"
    );
    if let Some(cycle) = a_cycle(&graph) {
        panic!(
            "an import cycle inside web (move what both sides need into a module of its \
             own, below both): {}",
            cycle.join(" -> ")
        );
    }
}

#[test]
fn the_cycle_check_reads_use_trees_and_paths_in_code() {
    assert_eq!(
        expand_use("crate::{a::{b, self}, c as d}"),
        ["crate::a::b", "crate::a", "crate::c"]
    );
    let files: BTreeMap<String, String> = [
        ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
        (
            "a.rs",
            "use crate::{b::{self, X}, c};\n// crate::c::y in a comment\n",
        ),
        ("b/mod.rs", "mod inner;\nfn f() { inner::g() }\n"),
        ("b/inner.rs", "fn g() { super::super::a::h() }\n"),
        ("c.rs", "#[cfg(test)]\nmod tests {\n    use super::*;\n}\n"),
        (
            "d.rs",
            "pub(crate) use crate::a::Y;\npub use crate::b::Z;\n",
        ),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    let graph = import_graph(&files);
    assert_eq!(graph["a.rs"], ["b/mod.rs", "c.rs"].map(String::from).into());
    assert_eq!(graph["b/mod.rs"], ["b/inner.rs".to_string()].into());
    assert!(
        graph["c.rs"].is_empty(),
        "a unit test's `super` is its own file"
    );
    assert_eq!(
        a_cycle(&graph).expect("a -> b -> b/inner -> a"),
        ["a.rs", "b/mod.rs", "b/inner.rs", "a.rs"]
    );
}
