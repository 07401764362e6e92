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
use bankdesk_web::messaging::MessagingConfig;
use common::TestApp;
use reqwest::StatusCode;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/openapi.json");
const GATEWAY: &str = "mail-gateway-secret";
const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

fn document() -> &'static Value {
    bankdesk_web::api::openapi::document()
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
         {SNAPSHOT} with it"
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

    /// `method path` succeeded, and its answer fits the document.
    fn ok(&mut self, method: &str, path: &str, status: StatusCode, body: &Value) {
        assert!(status.is_success(), "{method} {path}: {status} {body}");
        self.check(method, path, status, body);
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
            max_body_bytes: 256 * 1024,
            messaging: MessagingConfig {
                wechat_token: None,
                mail_gateway_secret: Some(GATEWAY.into()),
            },
            ..WebConfig::default()
        },
    )
    .await
}

fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_string()
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
        let mut truth = Truth::new();
        let agent = app.login("agent01").await;
        let supervisor = app.login("supervisor01").await;
        let compliance = app.login("compliance01").await;

        let (s, me) = app.get(&agent, "/api/v1/me").await;
        truth.ok("get", "/api/v1/me", s, &me);

        let (s, hits) = app.get(&agent, "/api/v1/customers?phone=13800000002").await;
        truth.ok("get", "/api/v1/customers", s, &hits);
        let wang = hits["items"][0]["id"].as_str().unwrap().to_string();

        let (s, contact) = app
            .post(
                &agent,
                "/api/v1/contacts",
                json!({"channel": "phone", "customer_id": wang}),
            )
            .await;
        truth.ok("post", "/api/v1/contacts", s, &contact);
        let contact = id(&contact);
        let purpose = format!("contact:{contact}");
        let (s, note) = app
            .post(
                &agent,
                &format!("/api/v1/contacts/{contact}/notes"),
                json!({"text": "信用卡丢失，要求退回溢缴款"}),
            )
            .await;
        truth.ok("post", "/api/v1/contacts/{id}/notes", s, &note);

        let (s, overview) = app
            .get(
                &agent,
                &format!("/api/v1/customers/{wang}/overview?purpose={purpose}"),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}: {overview}");
        assert!(!overview["cards"].as_array().unwrap().is_empty());
        truth.ok("get", "/api/v1/customers/{id}/overview", s, &overview);

        let (s, lines) = app
            .get(
                &agent,
                &format!("/api/v1/customers/{wang}/transactions?purpose={purpose}"),
            )
            .await;
        truth.ok("get", "/api/v1/customers/{id}/transactions", s, &lines);

        let (s, case) = app
            .post(
                &agent,
                "/api/v1/cases",
                json!({
                    "customer_id": wang,
                    "type": "overpayment_refund",
                    "summary": "信用卡挂失，溢缴款1,280元要求退回",
                    "contact_id": contact,
                    "fields": {"card_id": "K1", "amount_fen": 128000}
                }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}: {case}");
        truth.ok("post", "/api/v1/cases", s, &case);
        let case = id(&case);
        let (s, detail) = app.get(&agent, &format!("/api/v1/cases/{case}")).await;
        assert_eq!(s, StatusCode::OK, "{b}: {detail}");
        truth.ok("get", "/api/v1/cases/{id}", s, &detail);
        let (s, list) = app.get(&supervisor, "/api/v1/cases?limit=5").await;
        truth.ok("get", "/api/v1/cases", s, &list);

        let (s, timeline) = app
            .get(
                &agent,
                &format!("/api/v1/customers/{wang}/timeline?purpose={purpose}"),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}: {timeline}");
        assert!(!timeline["items"].as_array().unwrap().is_empty());
        truth.ok("get", "/api/v1/customers/{id}/timeline", s, &timeline);

        // An email from 王女士, taken from the inbox and answered: the reply waits in the
        // outbox.
        let mail = "From: Wang <wang.lihua@example.com>\r\nTo: service@bank.example\r\n\
                    Subject: card\r\nMessage-ID: <truth-1@example.com>\r\n\
                    Content-Type: text/plain; charset=UTF-8\r\n\r\nplease help\r\n";
        let (s, ingested) = app
            .send(
                app.http
                    .post(format!("{}/hooks/email", app.base))
                    .header("x-gateway-secret", GATEWAY)
                    .header("content-type", "message/rfc822")
                    .body(mail),
                "",
            )
            .await;
        truth.ok("post", "/hooks/email", s, &ingested);
        let mailed = ingested["contact_id"].as_str().unwrap().to_string();
        let (s, inbox) = app.get(&agent, "/api/v1/inbox").await;
        truth.ok("get", "/api/v1/inbox", s, &inbox);
        let (s, taken) = app
            .post(
                &agent,
                &format!("/api/v1/contacts/{mailed}/take"),
                json!({}),
            )
            .await;
        truth.ok("post", "/api/v1/contacts/{id}/take", s, &taken);
        let (s, reply) = app
            .post(
                &agent,
                &format!("/api/v1/contacts/{mailed}/replies"),
                json!({"text": "已为您办理挂失"}),
            )
            .await;
        truth.ok("post", "/api/v1/contacts/{id}/replies", s, &reply);
        let (s, mailed_contact) = app.get(&agent, &format!("/api/v1/contacts/{mailed}")).await;
        truth.ok("get", "/api/v1/contacts/{id}", s, &mailed_contact);
        let (s, outbox) = app.get(&supervisor, "/api/v1/outbox").await;
        assert!(
            !outbox["items"].as_array().unwrap().is_empty(),
            "{b}: {outbox}"
        );
        truth.ok("get", "/api/v1/outbox", s, &outbox);

        let (s, audit) = app
            .get(
                &compliance,
                &format!("/api/v1/audit?customer_id={wang}&limit=20"),
            )
            .await;
        assert!(
            !audit["items"].as_array().unwrap().is_empty(),
            "{b}: {audit}"
        );
        truth.ok("get", "/api/v1/audit", s, &audit);
        let (s, verified) = app.get(&compliance, "/api/v1/audit/verify").await;
        truth.ok("get", "/api/v1/audit/verify", s, &verified);

        // A knowledge point written, approved by someone else, and found.
        let senior = app.login("senior01").await;
        let (s, saved) = app
            .post(
                &senior,
                "/api/v1/kb/articles",
                json!({"title": "信用卡挂失", "body": "致电客服热线办理信用卡挂失。",
                       "category": "信用卡/挂失", "audience": "internal", "tags": ["挂失"],
                       "script": "您好，我来为您办理挂失。", "reason": "新增"}),
            )
            .await;
        truth.ok("post", "/api/v1/kb/articles", s, &saved);
        let point = id(&saved);
        let (s, article) = app
            .post(
                &supervisor,
                &format!("/api/v1/kb/articles/{point}/approve"),
                json!({"version": saved["version"], "note": "核对无误"}),
            )
            .await;
        truth.ok("post", "/api/v1/kb/articles/{id}/approve", s, &article);
        let (s, found) = app.get(&agent, "/api/v1/kb/search?q=挂失").await;
        assert!(
            !found["items"].as_array().unwrap().is_empty(),
            "{b}: {found}"
        );
        truth.ok("get", "/api/v1/kb/search", s, &found);
        let (s, suggested) = app.get(&agent, "/api/v1/kb/suggest?text=信用卡丢了").await;
        truth.ok("get", "/api/v1/kb/suggest", s, &suggested);

        // Errors carry the shared body with a code of the table.
        let (s, refused) = app
            .get(&agent, &format!("/api/v1/customers/{wang}/overview"))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        truth.check("get", "/api/v1/customers/{id}/overview", s, &refused);
        let (s, refused) = app.get(&agent, "/api/v1/outbox").await;
        truth.check("get", "/api/v1/outbox", s, &refused);

        assert!(truth.checked.len() >= 20, "{:?}", truth.checked);
    }
}
