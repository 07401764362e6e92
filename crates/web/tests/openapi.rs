//! The OpenAPI document: valid OpenAPI 3.1, complete against docs/api.md, unchanged unless
//! the snapshot is updated with it, and true: what the API really answers fits the
//! document's schemas.
//!
//! After a change to the API, update the snapshot with
//! `BANKDESK_UPDATE_SNAPSHOT=1 cargo test -p bankdesk-web --test openapi` and review its
//! diff with the change.

mod common;

use bankdesk_store::testing::backends;
use bankdesk_web::WebConfig;
use bankdesk_web::config::MessagingConfig;
use common::TestApp;
use reqwest::StatusCode;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/openapi.json");
const GATEWAY: &str = "mail-gateway-secret";
const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

fn document() -> &'static Value {
    bankdesk_web::api::document()
}

/// The operations of the document: (method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            out.push((method.clone(), path.clone(), op));
        }
    }
    out
}

/// Every `$ref` of `v` with where it was found.
fn refs<'a>(v: &'a Value, at: String, out: &mut Vec<(String, &'a str)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("$ref", Value::String(r)) => out.push((at.clone(), r)),
                    _ => refs(x, format!("{at}/{k}"), out),
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                refs(x, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_document_is_valid_openapi_3_1() {
    let doc = document();
    let text = serde_json::to_string(doc).unwrap();
    let spec = oas3::from_json(&text).expect("the document parses as OpenAPI 3.1");
    let version = spec.validate_version().expect("a supported version");
    assert_eq!((version.major, version.minor), (3, 1));

    let mut found = Vec::new();
    refs(doc, String::new(), &mut found);
    for (at, r) in &found {
        let pointer = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{at}: {r} is external"));
        assert!(doc.pointer(pointer).is_some(), "{at}: {r} leads nowhere");
    }

    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        let mut schema = schema.clone();
        schema["$schema"] = json!(DRAFT_2020_12);
        if let Err(e) = jsonschema::meta::validate(&schema) {
            panic!("components.schemas.{name} is no JSON Schema 2020-12: {e}");
        }
    }

    let mut ids = BTreeSet::new();
    for (method, path, op) in operations(doc) {
        let id = op["operationId"].as_str().unwrap_or_default();
        assert!(
            ids.insert(id.to_string()),
            "{method} {path}: operationId {id} twice"
        );
        assert!(op["summary"].is_string(), "{method} {path}: no summary");
        assert!(
            op["security"].is_array(),
            "{method} {path}: says nothing of who calls"
        );
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|s| s.as_str() < "300"),
            "{method} {path}: no success"
        );
        if op["security"] != json!([]) && path.starts_with("/api/v1") {
            assert!(op["x-roles"].is_array(), "{method} {path}: no x-roles");
            assert!(responses.contains_key("401"), "{method} {path}: no 401");
        }
    }
}

#[test]
fn the_document_matches_its_snapshot() {
    let text = serde_json::to_string_pretty(document()).unwrap() + "\n";
    if std::env::var_os("BANKDESK_UPDATE_SNAPSHOT").is_some() {
        std::fs::write(SNAPSHOT, &text).unwrap();
    }
    let committed = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    assert!(
        committed == text,
        "the OpenAPI document changed: if the change is meant, run \
         `BANKDESK_UPDATE_SNAPSHOT=1 cargo test -p bankdesk-web --test openapi` and commit \
         crates/web/tests/snapshots/openapi.json with it"
    );
}

/// `/api/v1/cases/{}` for `/api/v1/cases/{id}`.
fn shape(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn every_path_of_the_contract_is_described_with_its_methods() {
    let doc = document();
    let described: BTreeMap<String, BTreeSet<String>> =
        operations(doc)
            .into_iter()
            .fold(BTreeMap::new(), |mut m, (method, path, _)| {
                m.entry(shape(&path))
                    .or_default()
                    .insert(method.to_uppercase());
                m
            });
    let contract = include_str!("../../../docs/api.md");
    let mut checked = 0;
    for span in contract.split('`').skip(1).step_by(2) {
        let Some(start) = span.find("/api/v1/").or_else(|| span.find("/hooks/")) else {
            continue;
        };
        let path = span[start..]
            .split(['?', ' ', '['])
            .next()
            .unwrap_or_default();
        let methods: Vec<&str> = span[..start]
            .trim()
            .split('|')
            .filter(|m| ["GET", "POST", "PUT", "DELETE", "PATCH"].contains(m))
            .collect();
        let known = described
            .get(&shape(path))
            .unwrap_or_else(|| panic!("docs/api.md names {path}; the document does not"));
        for m in methods {
            assert!(
                known.contains(m),
                "docs/api.md names {m} {path}; the document does not"
            );
        }
        checked += 1;
    }
    assert!(checked > 80, "only {checked} paths read from docs/api.md");
}

/// A copy of the document's schemas in which an object accepts only the properties it
/// names (`unevaluatedProperties: false`), so that an answer with a field the document does
/// not mention fails. A schema that is one part of an `allOf` stays open: the `allOf` is
/// closed as a whole, since each part sees only its own properties. Such parts are
/// referred to through open copies, named `<name>.open`.
fn closed_components(doc: &Value) -> Value {
    let originals = doc["components"]["schemas"].as_object().unwrap().clone();
    let mut out = Map::new();
    let mut wanted: Vec<(String, bool)> = originals.keys().map(|k| (k.clone(), false)).collect();
    while let Some((name, open)) = wanted.pop() {
        let key = if open {
            format!("{name}.open")
        } else {
            name.clone()
        };
        if out.contains_key(&key) {
            continue;
        }
        let mut schema = originals[&name].clone();
        let mut more = Vec::new();
        close(&mut schema, open, &mut more);
        out.insert(key, schema);
        wanted.extend(more.into_iter().map(|n| (n, true)));
    }
    Value::Object(out)
}

fn close(schema: &mut Value, open: bool, open_refs: &mut Vec<String>) {
    let Value::Object(m) = schema else { return };
    if let Some(Value::String(r)) = m.get_mut("$ref")
        && open
        && let Some(name) = r.strip_prefix("#/components/schemas/").map(str::to_string)
    {
        *r = format!("#/components/schemas/{name}.open");
        open_refs.push(name);
    }
    let mut has_all_of = false;
    if let Some(Value::Array(parts)) = m.get_mut("allOf") {
        has_all_of = true;
        for p in parts {
            close(p, true, open_refs);
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(parts)) = m.get_mut(key) {
            for p in parts {
                close(p, open, open_refs);
            }
        }
    }
    if let Some(Value::Object(props)) = m.get_mut("properties") {
        for p in props.values_mut() {
            close(p, false, open_refs);
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(x) = m.get_mut(key) {
            close(x, false, open_refs);
        }
    }
    let object = has_all_of || m.contains_key("properties");
    if object && !open && !m.contains_key("additionalProperties") {
        m.insert("unevaluatedProperties".into(), json!(false));
    }
}

/// Checks answers against the schema the document gives for them.
struct Truth {
    doc: &'static Value,
    components: Value,
    checked: BTreeSet<String>,
}

impl Truth {
    fn new() -> Truth {
        let doc = document();
        Truth {
            doc,
            components: closed_components(doc),
            checked: BTreeSet::new(),
        }
    }

    /// `body`, answered with `status` by `method path`, fits the document.
    fn check(&mut self, method: &str, path: &str, status: StatusCode, body: &Value) {
        let op = &self.doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is not in the document");
        let mut response = &op["responses"][status.as_str()];
        if let Some(r) = response["$ref"].as_str() {
            response = self.doc.pointer(&r[1..]).unwrap();
        }
        let schema = &response["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{method} {path}: the document has no JSON body for {status}"
        );
        let mut root = schema.clone();
        root["$schema"] = json!(DRAFT_2020_12);
        root["components"] = json!({"schemas": self.components});
        let validator = jsonschema::draft202012::new(&root).expect("a valid schema");
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{method} {path} {status}: the answer does not fit the document:\n{}\n{body:#}",
            errors.join("\n")
        );
        self.checked.insert(format!("{method} {path}"));
    }
}

async fn start(backend: &'static str) -> TestApp {
    TestApp::start_with(
        backend,
        WebConfig {
            messaging: MessagingConfig {
                mail_gateway_secret: Some(GATEWAY.into()),
                ..MessagingConfig::default()
            },
            ..WebConfig::default()
        },
    )
    .await
}

/// `template` with its `{...}` filled by `args` in order.
fn fill(template: &str, args: &[&str]) -> String {
    let mut out = String::new();
    let mut args = args.iter();
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(before);
        out.push_str(args.next().expect("an argument for every {...}"));
        rest = after.split_once('}').map_or("", |(_, r)| r);
    }
    out + rest
}

impl Truth {
    /// Calls `method template` as `token` (`{...}` filled from `args`, in the path and the
    /// query), expects a success, checks the answer against the document, returns it.
    async fn call(
        &mut self,
        app: &TestApp,
        token: &str,
        method: &str,
        template: &str,
        args: &[&str],
        body: Option<Value>,
    ) -> Value {
        let url = format!("{}{}", app.base, fill(template, args));
        let req = match (method, body) {
            ("get", _) => app.http.get(url),
            ("post", body) => app.http.post(url).json(&body.unwrap_or(json!({}))),
            ("put", body) => app.http.put(url).json(&body.unwrap_or(json!({}))),
            (m, _) => panic!("{m} is not called here"),
        };
        let (s, answer) = app.send(req, token).await;
        let path = template.split('?').next().unwrap_or_default();
        assert!(
            s.is_success(),
            "{}: {method} {path}: {s} {answer}",
            app.backend
        );
        self.check(method, path, s, &answer);
        answer
    }
}

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}"))
}

fn items(v: &Value) -> &Vec<Value> {
    v["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {v}"))
}

#[test]
fn a_field_the_document_does_not_name_fails_the_check() {
    let mut truth = Truth::new();
    let me = json!({"id": "u", "username": "a", "display_name": "A", "roles": ["agent"],
        "department": null, "active": true, "language": null});
    truth.check("get", "/api/v1/me", StatusCode::OK, &me);
    let mut extra = me.clone();
    extra["password_hash"] = json!("x");
    let lie = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        truth.check("get", "/api/v1/me", StatusCode::OK, &extra)
    }));
    assert!(lie.is_err(), "an undocumented field passed");
    let mut wrong = me;
    wrong["roles"] = json!(["janitor"]);
    let lie = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        truth.check("get", "/api/v1/me", StatusCode::OK, &wrong)
    }));
    assert!(lie.is_err(), "a role outside the enumeration passed");
}

#[tokio::test]
async fn real_answers_fit_the_document() {
    for b in backends() {
        let app = start(b).await;
        let mut t = Truth::new();
        let agent = app.login("agent01").await;
        let supervisor = app.login("supervisor01").await;
        let compliance = app.login("compliance01").await;
        let senior = app.login("senior01").await;

        let (s, served) = app.get("", "/api/v1/openapi.json").await;
        assert_eq!((s, &served), (StatusCode::OK, document()), "{b}");
        t.call(&app, &agent, "get", "/api/v1/me", &[], None).await;
        let hits = t
            .call(
                &app,
                &agent,
                "get",
                "/api/v1/customers?phone={p}",
                &["13800000002"],
                None,
            )
            .await;
        let wang = items(&hits)[0]["id"].as_str().unwrap().to_string();
        let contact = t
            .call(
                &app,
                &agent,
                "post",
                "/api/v1/contacts",
                &[],
                Some(json!({"channel": "phone", "customer_id": wang})),
            )
            .await;
        let contact = id(&contact).to_string();
        let purpose = format!("contact:{contact}");
        t.call(
            &app,
            &agent,
            "post",
            "/api/v1/contacts/{id}/notes",
            &[&contact],
            Some(json!({"text": "信用卡丢失，要求退回溢缴款"})),
        )
        .await;

        let overview = t
            .call(
                &app,
                &agent,
                "get",
                "/api/v1/customers/{id}/overview?purpose={p}",
                &[&wang, &purpose],
                None,
            )
            .await;
        assert!(!overview["cards"].as_array().unwrap().is_empty(), "{b}");
        t.call(
            &app,
            &agent,
            "get",
            "/api/v1/customers/{id}/transactions?purpose={p}",
            &[&wang, &purpose],
            None,
        )
        .await;

        let case = t
            .call(
                &app,
                &agent,
                "post",
                "/api/v1/cases",
                &[],
                Some(json!({
                    "customer_id": wang,
                    "type": "overpayment_refund",
                    "summary": "信用卡挂失，溢缴款1,280元要求退回",
                    "contact_id": contact,
                    "fields": {"card_id": "K1", "amount_fen": 128000}
                })),
            )
            .await;
        t.call(
            &app,
            &agent,
            "get",
            "/api/v1/cases/{id}",
            &[id(&case)],
            None,
        )
        .await;
        t.call(
            &app,
            &supervisor,
            "get",
            "/api/v1/cases?limit={n}",
            &["5"],
            None,
        )
        .await;

        let timeline = t
            .call(
                &app,
                &agent,
                "get",
                "/api/v1/customers/{id}/timeline?purpose={p}",
                &[&wang, &purpose],
                None,
            )
            .await;
        assert!(!items(&timeline).is_empty(), "{b}");

        // An email from 王女士, taken from the inbox and answered: the reply waits in the
        // outbox.
        let mail = "From: Wang <wang.lihua@example.com>\r\nTo: service@bank.example\r\n\
                    Subject: card\r\nMessage-ID: <truth-1@example.com>\r\n\
                    Content-Type: text/plain; charset=UTF-8\r\n\r\nplease help\r\n";
        let (s, ingested) = common::email_post(&app, mail.into(), GATEWAY).await;
        t.check("post", "/hooks/email", s, &ingested);
        let mailed = ingested["contact_id"].as_str().unwrap().to_string();
        t.call(&app, &agent, "get", "/api/v1/inbox", &[], None)
            .await;
        t.call(
            &app,
            &agent,
            "post",
            "/api/v1/contacts/{id}/take",
            &[&mailed],
            None,
        )
        .await;
        t.call(
            &app,
            &agent,
            "post",
            "/api/v1/contacts/{id}/replies",
            &[&mailed],
            Some(json!({"text": "已为您办理挂失"})),
        )
        .await;
        t.call(
            &app,
            &agent,
            "get",
            "/api/v1/contacts/{id}",
            &[&mailed],
            None,
        )
        .await;
        let outbox = t
            .call(&app, &supervisor, "get", "/api/v1/outbox", &[], None)
            .await;
        assert!(!items(&outbox).is_empty(), "{b}");

        let audit = t
            .call(
                &app,
                &compliance,
                "get",
                "/api/v1/audit?customer_id={c}&limit={n}",
                &[&wang, "20"],
                None,
            )
            .await;
        assert!(!items(&audit).is_empty(), "{b}");
        t.call(&app, &compliance, "get", "/api/v1/audit/verify", &[], None)
            .await;

        // A knowledge point written, approved by someone else, and found.
        let saved = t
            .call(
                &app,
                &senior,
                "post",
                "/api/v1/kb/articles",
                &[],
                Some(json!({
                    "title": "信用卡挂失", "body": "致电客服热线办理信用卡挂失。",
                    "category": "信用卡/挂失", "audience": "internal", "tags": ["挂失"],
                    "script": "您好，我来为您办理挂失。", "reason": "新增"
                })),
            )
            .await;
        t.call(
            &app,
            &supervisor,
            "post",
            "/api/v1/kb/articles/{id}/approve",
            &[id(&saved)],
            Some(json!({"version": saved["version"], "note": "核对无误"})),
        )
        .await;
        let found = t
            .call(
                &app,
                &agent,
                "get",
                "/api/v1/kb/search?q={q}",
                &["挂失"],
                None,
            )
            .await;
        assert!(!items(&found).is_empty(), "{b}");
        t.call(
            &app,
            &agent,
            "get",
            "/api/v1/kb/suggest?text={t}",
            &["信用卡丢了"],
            None,
        )
        .await;

        // A call from 王女士's phone, routed: queued or assigned, either fits.
        let event = json!({"call_id": "truth-call", "seq": 1, "type": "offered",
            "at": "2026-12-07T10:00:00+08:00", "ani": "13800000002", "dnis": "95588",
            "queue": "card"});
        t.call(
            &app,
            &supervisor,
            "post",
            "/api/v1/cti/events",
            &[],
            Some(json!({"events": [event]})),
        )
        .await;
        t.call(
            &app,
            &supervisor,
            "get",
            "/api/v1/calls/{call_id}",
            &["truth-call"],
            None,
        )
        .await;
        t.call(
            &app,
            &agent,
            "put",
            "/api/v1/agents/me/state",
            &[],
            Some(json!({"state": "available"})),
        )
        .await;
        let placed = t
            .call(
                &app,
                &supervisor,
                "post",
                "/api/v1/routing/requests",
                &[],
                Some(json!({"call_id": "truth-call", "skill": "card"})),
            )
            .await;
        assert!(placed["placement"].is_string(), "{b}: {placed}");

        // The lists, as the roles that read them see them.
        let admin = app.login("admin").await;
        let qa = app.login("qa01").await;
        for (token, path) in [
            (&agent, "/api/v1/case-types"),
            (&agent, "/api/v1/departments"),
            (&agent, "/api/v1/wrap-up-categories"),
            (&agent, "/api/v1/kb/categories"),
            (&agent, "/api/v1/notifications"),
            (&agent, "/api/v1/exams"),
            (&agent, "/api/v1/exam-attempts"),
            (&supervisor, "/api/v1/live"),
            (&supervisor, "/api/v1/crises"),
            (&supervisor, "/api/v1/crisis-board"),
            (&supervisor, "/api/v1/signals"),
            (&supervisor, "/api/v1/watch-words"),
            (&supervisor, "/api/v1/statement-exports"),
            (&supervisor, "/api/v1/complaints"),
            (&senior, "/api/v1/kb/articles"),
            (&qa, "/api/v1/exam-questions"),
            (&compliance, "/api/v1/legal-orders"),
            (&compliance, "/api/v1/compliance/alerts"),
            (&admin, "/api/v1/admin/users"),
        ] {
            t.call(&app, token, "get", path, &[], None).await;
        }

        // A privileged role waits for a second person (202), who decides it.
        let asked = t
            .call(
                &app,
                &admin,
                "post",
                "/api/v1/admin/users",
                &[],
                Some(json!({"username": "truth_sup", "display_name": "主管", "password": "truth-password", "roles": ["supervisor"]})),
            )
            .await;
        assert_eq!(asked["status"], "pending", "{b}: {asked}");
        t.call(
            &app,
            &compliance,
            "get",
            "/api/v1/role-requests?status={s}",
            &["pending"],
            None,
        )
        .await;
        t.call(
            &app,
            &compliance,
            "post",
            "/api/v1/role-requests/{id}/approve",
            &[id(&asked)],
            None,
        )
        .await;

        // Errors carry the shared body with a code of the table.
        let (s, refused) = app
            .get(&agent, &format!("/api/v1/customers/{wang}/overview"))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        t.check("get", "/api/v1/customers/{id}/overview", s, &refused);
        let (s, refused) = app.get(&agent, "/api/v1/outbox").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        t.check("get", "/api/v1/outbox", s, &refused);

        assert!(t.checked.len() >= 40, "{:?}", t.checked);
    }
}
