//! The layers stay apart (issue 11), checked by reading the sources so that a test fails
//! at the line that crosses:
//! - the faces of the web crate: the desktop pages (`src/pages/`) and the JSON API
//!   (`src/api/`, `src/messaging/api.rs`) share their rules through the service crate
//!   (`bankdesk_desk`) and the neutral modules, never by importing each other, and nothing
//!   but the pages themselves names `pages`. A helper that one face borrows from the other
//!   is a rule that the next change to that face breaks for both;
//! - the web crate speaks only HTTP: the long-running services (routing board, chat hub,
//!   knowledge sync, outbox and escalation workers, outbound adapters) and the shared use
//!   cases are `crates/desk`'s, and do not come back into web;
//! - the service crate knows nothing of HTTP: it never names axum or the web crate.

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
