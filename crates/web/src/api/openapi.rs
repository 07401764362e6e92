//! `GET /api/v1/openapi.json`: the API described for integrators (OpenAPI 3.1).
//!
//! The description is a table kept beside the router rather than annotations on every
//! handler; a test reads the router's source and fails when a route is missing here or an
//! entry names a route that does not exist, so the two cannot drift apart.

use axum::Json;
use serde_json::{Map, Value, json};
use std::sync::OnceLock;

/// One operation: method, path (as routed, under `/api/v1`), tag, summary, who may call
/// it, and the request body's fields (`name` required, `name?` optional) with their types.
struct Op {
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
    roles: &'static str,
    body: &'static [(&'static str, &'static str)],
    /// Status of success when it is not 200.
    ok: u16,
    /// Where the path hangs: `/api/v1`, or the site root for the webhooks.
    base: &'static str,
}

const fn op(
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
) -> Op {
    Op {
        method,
        path,
        tag,
        summary,
        roles: "any staff",
        body: &[],
        ok: 200,
        base: "/api/v1",
    }
}

impl Op {
    const fn roles(mut self, roles: &'static str) -> Op {
        self.roles = roles;
        self
    }
    const fn body(mut self, body: &'static [(&'static str, &'static str)]) -> Op {
        self.body = body;
        self
    }
    const fn created(mut self) -> Op {
        self.ok = 201;
        self
    }
    const fn accepted(mut self) -> Op {
        self.ok = 202;
        self
    }
    const fn no_content(mut self) -> Op {
        self.ok = 204;
        self
    }
    /// A webhook at the site root, authenticated by signature or shared secret.
    const fn hook(mut self) -> Op {
        self.base = "";
        self.roles = "the gateway, by its signature or shared secret";
        self
    }
}

const PURPOSE: &str = "purpose";

/// Every operation under `/api/v1`. Field types: `string`, `integer`, `boolean`, `object`,
/// `string[]`, `object[]`, or `a|b|c` for an enumeration of strings.
const OPS: &[Op] = &[
    op("get", "/openapi.json", "meta", "This document").roles("anyone"),
    // Auth
    op(
        "post",
        "/auth/login",
        "auth",
        "Log in; returns a bearer token",
    )
    .roles("anyone")
    .body(&[("username", "string"), ("password", "string")]),
    op("post", "/auth/logout", "auth", "End this token's session").no_content(),
    op("get", "/me", "auth", "The logged-in user"),
    // Customers
    op(
        "get",
        "/customers",
        "customers",
        "Identify a customer by phone, ID number, card number or name (masked; audited)",
    ),
    op(
        "get",
        "/customers/{id}/overview",
        "customers",
        "The masked 360 view; needs a purpose",
    ),
    op(
        "get",
        "/customers/{id}/transactions",
        "customers",
        "Statement lines; needs a purpose",
    ),
    op(
        "post",
        "/customers/{id}/reveal",
        "customers",
        "Unmask one number with a purpose and a reason (audited, rate-limited)",
    )
    .body(&[
        ("field", "card_number|id_number|phone"),
        ("target_id?", "string"),
        (PURPOSE, "string"),
        ("reason", "string"),
    ]),
    // Contacts
    op("post", "/contacts", "contacts", "Open a contact")
        .created()
        .body(&[
            ("channel", "phone|chat|email|wechat|counter|outbound"),
            ("customer_id?", "string"),
            ("direction", "inbound|outbound"),
        ]),
    op(
        "get",
        "/contacts/{id}",
        "contacts",
        "A contact with its notes",
    ),
    op(
        "post",
        "/contacts/{id}/notes",
        "contacts",
        "Add a note the next agent sees",
    )
    .created()
    .body(&[("text", "string")]),
    op(
        "post",
        "/contacts/{id}/wrap-up",
        "contacts",
        "Close a contact with a category",
    )
    .body(&[
        ("category", "string"),
        ("resolved", "boolean"),
        ("summary", "string"),
    ]),
    op(
        "post",
        "/contacts/{id}/identity-verification",
        "contacts",
        "Record the caller's identity verification",
    )
    .body(&[
        ("method", "one_time_code|security_questions|id_document"),
        ("result", "passed|failed"),
    ]),
    // Privacy and compliance
    op(
        "post",
        "/statement-exports",
        "privacy",
        "Request a statement export (dual control)",
    )
    .created()
    .body(&[
        ("customer_id", "string"),
        ("from", "string"),
        ("to", "string"),
        ("basis", "customer_request|legal_order"),
        (PURPOSE, "string"),
    ]),
    op(
        "get",
        "/statement-exports",
        "privacy",
        "Exports waiting for approval",
    )
    .roles("supervisor, compliance"),
    op(
        "get",
        "/statement-exports/{id}",
        "privacy",
        "One export request",
    ),
    op(
        "post",
        "/statement-exports/{id}/approve",
        "privacy",
        "Approve an export (not by its requester)",
    )
    .roles("supervisor, compliance"),
    op(
        "get",
        "/statement-exports/{id}/file",
        "privacy",
        "The watermarked CSV of an approved export (audited)",
    ),
    op("post", "/legal-orders", "privacy", "Register a legal order")
        .roles("compliance")
        .created()
        .body(&[
            (
                "kind",
                "court_order|police_query|police_stop_payment|regulator_query",
            ),
            ("issuer", "string"),
            ("document_no", "string"),
            ("customer_id", "string"),
            ("scope", "string[]"),
            ("valid_from", "string"),
            ("valid_until", "string"),
        ]),
    op(
        "get",
        "/legal-orders",
        "privacy",
        "The legal-order register",
    )
    .roles("compliance"),
    op(
        "post",
        "/legal-orders/{id}/verify",
        "privacy",
        "Verify an order (a second compliance officer)",
    )
    .roles("compliance"),
    op(
        "get",
        "/compliance/alerts",
        "privacy",
        "Insider-access alerts",
    )
    .roles("compliance"),
    op(
        "put",
        "/compliance/alerts/{id}",
        "privacy",
        "Acknowledge or close an alert",
    )
    .roles("compliance")
    .body(&[("status", "acknowledged|closed")]),
    op("get", "/audit", "audit", "Search the audit log").roles("compliance"),
    op(
        "get",
        "/audit/verify",
        "audit",
        "Verify the audit hash chain",
    )
    .roles("compliance"),
    op(
        "get",
        "/audit.csv",
        "audit",
        "The audit log as CSV (audited)",
    )
    .roles("compliance"),
    // Channels: CTI, routing, agent state, the agent's socket, the live view
    op(
        "post",
        "/cti/events",
        "channels",
        "CTI call events from the PBX (idempotent on call_id and seq)",
    )
    .roles("admin, supervisor (the PBX's account)")
    .accepted()
    .body(&[("events", "object[]")]),
    op(
        "get",
        "/calls/{call_id}",
        "channels",
        "The contact made from a call's events",
    ),
    op(
        "post",
        "/routing/requests",
        "channels",
        "Ask for an agent for a contact or call: the agent or a queue position",
    )
    .roles("admin, supervisor (the PBX's account)")
    .body(&[
        ("contact_id?", "string"),
        ("call_id?", "string"),
        ("skill", "string"),
        ("urgency?", "normal|card_retained|fraud_alert"),
    ]),
    op("put", "/agents/me/state", "channels", "Set my agent state")
        .roles("service roles")
        .body(&[("state", "available|busy|after_call_work|break|offline")]),
    op(
        "post",
        "/contacts/{id}/transfer",
        "channels",
        "Hand a contact to a queue or an agent, with its notes",
    )
    .roles("service roles")
    .body(&[
        ("queue?", "string"),
        ("agent?", "string"),
        ("note?", "string"),
    ]),
    op("get", "/live", "channels", "Queues and agents now").roles("supervisor"),
    op(
        "get",
        "/agent/ws",
        "channels",
        "The agent's WebSocket: screen pops, chats, suggestions (upgrade)",
    )
    .roles("service roles"),
    // Messaging: email, WeChat, the timeline
    op(
        "get",
        "/hooks/wechat",
        "messaging",
        "WeChat's server check (echoes echostr when the signature holds)",
    )
    .hook(),
    op(
        "post",
        "/hooks/wechat",
        "messaging",
        "A WeChat official-account message (XML, signed)",
    )
    .hook(),
    op(
        "post",
        "/hooks/email",
        "messaging",
        "An RFC 5322 message from the mail gateway",
    )
    .hook()
    .accepted(),
    op(
        "get",
        "/wrap-up-categories",
        "contacts",
        "The wrap-up category tree",
    ),
    op(
        "get",
        "/customers/{id}/timeline",
        "customers",
        "Every contact of the customer on every channel; needs a purpose",
    ),
    op(
        "post",
        "/contacts/{id}/replies",
        "messaging",
        "Reply on an email or WeChat contact (sent by the outbox)",
    )
    .roles("service roles")
    .created()
    .body(&[("text", "string")]),
    op(
        "get",
        "/contacts/{id}/messages",
        "messaging",
        "The messages of an email or WeChat contact",
    ),
    op(
        "post",
        "/contacts/{id}/take",
        "messaging",
        "Take an unassigned contact from the inbox",
    )
    .roles("service roles"),
    op(
        "post",
        "/contacts/{id}/customer",
        "messaging",
        "Attach the customer to a contact from an unknown sender",
    )
    .roles("service roles")
    .body(&[("customer_id", "string")]),
    op(
        "post",
        "/contacts/{id}/sender-binding",
        "messaging",
        "Bind the sender to the verified customer",
    )
    .roles("service roles"),
    op(
        "get",
        "/inbox",
        "messaging",
        "Unassigned email and WeChat contacts",
    )
    .roles("service roles"),
    op("get", "/outbox", "messaging", "Replies by send status").roles("supervisor, compliance"),
    op(
        "post",
        "/outbox/{id}/retry",
        "messaging",
        "Send a failed reply again",
    )
    .roles("supervisor, compliance"),
    // Cases, complaints, crises
    op(
        "get",
        "/case-types",
        "cases",
        "Case types with department, SLA and fields",
    ),
    op(
        "put",
        "/admin/case-types/{code}",
        "cases",
        "Create or change a case type",
    )
    .roles("admin")
    .body(&[
        ("name", "string"),
        ("department", "string"),
        ("sla", "object"),
        ("complaint?", "boolean"),
        ("fields?", "object[]"),
        ("active?", "boolean"),
    ]),
    op(
        "get",
        "/departments",
        "cases",
        "Departments and their heads",
    ),
    op(
        "put",
        "/admin/departments/{code}",
        "cases",
        "Create or change a department",
    )
    .roles("admin")
    .body(&[("name", "string"), ("head?", "string")]),
    op("post", "/cases", "cases", "Open a case (or a complaint)")
        .created()
        .body(&[
            ("customer_id", "string"),
            ("type", "string"),
            ("summary", "string"),
            ("contact_id?", "string"),
            ("department?", "string"),
            ("complaint?", "object"),
        ]),
    op(
        "get",
        "/cases",
        "cases",
        "Cases by status, department, overdue",
    ),
    op(
        "get",
        "/cases/{id}",
        "cases",
        "A case with history, clock and contacts",
    ),
    op(
        "post",
        "/cases/{id}/transitions",
        "cases",
        "Move a case (422 illegal_transition)",
    )
    .body(&[
        ("to", "string"),
        ("note?", "string"),
        ("reply?", "object"),
        ("version?", "integer"),
    ]),
    op(
        "post",
        "/cases/{id}/assignment",
        "cases",
        "Assign to a department or person",
    )
    .body(&[
        ("department?", "string"),
        ("assignee?", "string"),
        ("note?", "string"),
        ("version?", "integer"),
    ]),
    op("post", "/cases/{id}/notes", "cases", "Add a note to a case")
        .created()
        .body(&[("text", "string")]),
    op(
        "post",
        "/cases/{id}/contacts",
        "cases",
        "Link a contact of the same customer",
    )
    .no_content()
    .body(&[("contact_id", "string")]),
    op(
        "post",
        "/cases/{id}/replies",
        "cases",
        "Send the customer a reply",
    )
    .created()
    .body(&[("text", "string"), ("channel?", "string")]),
    op(
        "post",
        "/cases/{id}/extensions",
        "complaints",
        "Ask to extend a complaint's deadline",
    )
    .created()
    .body(&[("reason", "string")]),
    op(
        "post",
        "/cases/{id}/extensions/{eid}/approve",
        "complaints",
        "Sign off an extension (not by its requester)",
    )
    .roles("supervisor, compliance")
    .body(&[("approval_ref?", "string")]),
    op(
        "post",
        "/cases/{id}/extensions/{eid}/reject",
        "complaints",
        "Refuse an extension",
    )
    .roles("supervisor, compliance"),
    op(
        "post",
        "/cases/{id}/appraisal",
        "complaints",
        "Start or end an external appraisal (pauses the clock)",
    )
    .body(&[("action", "start|end"), ("note", "string")]),
    op(
        "put",
        "/cases/{id}/complaint",
        "complaints",
        "Complexity, root causes, who is complained about",
    )
    .body(&[
        ("complexity?", "simple|complex|very_complex"),
        ("root_causes?", "string[]"),
        ("subject_staff?", "string"),
        ("subject_branch?", "string"),
        ("version?", "integer"),
    ]),
    op(
        "post",
        "/cases/{id}/merge",
        "complaints",
        "Merge a repeat complaint",
    )
    .body(&[
        ("into", "string"),
        ("new_facts?", "boolean"),
        ("note?", "string"),
    ]),
    op("get", "/complaints", "complaints", "The complaint register")
        .roles("supervisor, compliance"),
    op(
        "get",
        "/complaints.csv",
        "complaints",
        "The complaint register as CSV",
    )
    .roles("supervisor, compliance"),
    op("post", "/crises", "crises", "Raise a crisis")
        .roles("supervisor, compliance")
        .created()
        .body(&[
            ("title", "string"),
            ("severity?", "low|medium|high|critical"),
            ("case_id?", "string"),
            ("signal_id?", "string"),
            ("owner?", "string"),
            ("note?", "string"),
        ]),
    op("get", "/crises", "crises", "Crises by status").roles("supervisor, compliance"),
    op(
        "get",
        "/crises/{id}",
        "crises",
        "A crisis with its timeline and signals",
    )
    .roles("supervisor, compliance"),
    op(
        "put",
        "/crises/{id}",
        "crises",
        "Change severity, status or owner",
    )
    .roles("supervisor, compliance")
    .body(&[
        ("severity?", "low|medium|high|critical"),
        ("status?", "open|contained|closed"),
        ("owner?", "string"),
        ("note?", "string"),
        ("version?", "integer"),
    ]),
    op("post", "/crises/{id}/actions", "crises", "Log an action")
        .roles("supervisor, compliance")
        .created()
        .body(&[("text", "string")]),
    op("post", "/crises/{id}/reports", "crises", "Report upward")
        .roles("supervisor, compliance")
        .created()
        .body(&[
            (
                "to",
                "superior_branch|head_office|regulator|cyberspace_authority|publicity_department",
            ),
            ("text", "string"),
        ]),
    op(
        "get",
        "/crisis-board",
        "crises",
        "Open crises and negative signals",
    )
    .roles("supervisor, compliance"),
    op(
        "post",
        "/signals",
        "crises",
        "Public-opinion signals (webhook)",
    )
    .roles("supervisor, compliance, admin")
    .accepted()
    .body(&[
        ("source", "string"),
        ("author", "string"),
        ("text", "string"),
        ("url?", "string"),
        ("time", "string"),
        ("reach", "integer"),
    ]),
    op("get", "/signals", "crises", "Signals by status").roles("supervisor, compliance, admin"),
    op(
        "post",
        "/signals/import",
        "crises",
        "Import a JSON-lines signal feed",
    )
    .roles("supervisor, compliance, admin")
    .accepted(),
    op(
        "post",
        "/signals/{id}/dismiss",
        "crises",
        "Dismiss a signal",
    )
    .roles("supervisor, compliance, admin"),
    op(
        "post",
        "/signals/{id}/link",
        "crises",
        "Link a signal to a crisis",
    )
    .roles("supervisor, compliance, admin")
    .body(&[("crisis_id", "string")]),
    op("get", "/watch-words", "crises", "The bank's watch words")
        .roles("supervisor, compliance, admin"),
    op("put", "/watch-words", "crises", "Replace the watch words")
        .roles("supervisor, compliance, admin")
        .body(&[("words", "string[]")]),
    op(
        "get",
        "/notifications",
        "cases",
        "Reminders and breach notices for me",
    ),
    op(
        "post",
        "/notifications/{id}/read",
        "cases",
        "Mark a notification read",
    )
    .no_content(),
    // Users
    op("get", "/admin/users", "users", "Users and roles").roles("admin"),
    op("post", "/admin/users", "users", "Create a user")
        .roles("admin")
        .created()
        .body(&[
            ("username", "string"),
            ("display_name", "string"),
            ("password", "string"),
            ("roles", "string[]"),
            ("department?", "string"),
        ]),
    op(
        "put",
        "/admin/users/{id}",
        "users",
        "Change roles, department, active",
    )
    .roles("admin")
    .body(&[
        ("roles", "string[]"),
        ("department?", "string"),
        ("active", "boolean"),
    ]),
    // Knowledge
    op(
        "post",
        "/kb/articles",
        "knowledge",
        "Draft a knowledge point",
    )
    .roles("knowledge editors")
    .created()
    .body(&[
        ("title", "string"),
        ("body", "string"),
        ("category", "string"),
        ("tags?", "string[]"),
        ("audience", "internal|public"),
        ("valid_from?", "string"),
        ("valid_until?", "string"),
        ("script?", "string"),
        ("owner?", "string"),
        ("reason?", "string"),
    ]),
    op("get", "/kb/articles", "knowledge", "Knowledge points"),
    op("get", "/kb/articles/{id}", "knowledge", "A knowledge point"),
    op(
        "put",
        "/kb/articles/{id}",
        "knowledge",
        "Edit: a new version",
    )
    .roles("knowledge editors")
    .body(&[
        ("title", "string"),
        ("body", "string"),
        ("category", "string"),
        ("tags?", "string[]"),
        ("audience", "internal|public"),
        ("valid_from?", "string"),
        ("valid_until?", "string"),
        ("script?", "string"),
        ("owner?", "string"),
        ("reason?", "string"),
        ("base_version?", "integer"),
    ]),
    op(
        "get",
        "/kb/articles/{id}/versions",
        "knowledge",
        "Every version of a point",
    ),
    op(
        "post",
        "/kb/articles/{id}/approve",
        "knowledge",
        "Publish a version",
    )
    .roles("knowledge approvers"),
    op(
        "post",
        "/kb/articles/{id}/reject",
        "knowledge",
        "Send a version back",
    )
    .roles("knowledge approvers"),
    op(
        "post",
        "/kb/articles/{id}/retire",
        "knowledge",
        "Withdraw a point",
    )
    .roles("knowledge approvers"),
    op(
        "get",
        "/kb/search",
        "knowledge",
        "Search: best first, highlighted",
    ),
    op(
        "get",
        "/kb/suggest",
        "knowledge",
        "The three best points for a customer's message",
    ),
    op("get", "/kb/categories", "knowledge", "The category tree"),
    // Exams
    op(
        "post",
        "/exam-questions",
        "exams",
        "Add a question tied to a point",
    )
    .roles("training")
    .created(),
    op("get", "/exam-questions", "exams", "The question bank").roles("training"),
    op(
        "post",
        "/exam-questions/{id}/retire",
        "exams",
        "Retire a question",
    )
    .roles("training"),
    op(
        "post",
        "/exams",
        "exams",
        "Set a monthly exam by skill or category",
    )
    .roles("training")
    .created(),
    op("get", "/exams", "exams", "Exams"),
    op("get", "/exams/{id}", "exams", "An exam"),
    op(
        "post",
        "/exams/{id}/attempts",
        "exams",
        "Start an attempt (timed)",
    )
    .created(),
    op(
        "get",
        "/exam-attempts",
        "exams",
        "My exam history (training: anyone's)",
    ),
    op("get", "/exam-attempts/{id}", "exams", "An attempt"),
    op(
        "post",
        "/exam-attempts/{id}/submit",
        "exams",
        "Submit answers; scored",
    ),
    op(
        "get",
        "/exam-gate",
        "exams",
        "Whether an agent has passed a skill's current exam",
    ),
];

fn schema_of(ty: &str) -> Value {
    match ty {
        "string" | "integer" | "boolean" | "object" => json!({ "type": ty }),
        "string[]" => json!({"type": "array", "items": {"type": "string"}}),
        "object[]" => json!({"type": "array", "items": {"type": "object"}}),
        choices => json!({"type": "string", "enum": choices.split('|').collect::<Vec<_>>()}),
    }
}

fn operation(op: &Op) -> Value {
    let mut o = Map::new();
    o.insert("tags".into(), json!([op.tag]));
    o.insert("summary".into(), json!(op.summary));
    o.insert(
        "description".into(),
        json!(format!("Who may call it: {}.", op.roles)),
    );
    let params: Vec<Value> = op
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    if !params.is_empty() {
        o.insert("parameters".into(), Value::Array(params));
    }
    if !op.body.is_empty() {
        let mut props = Map::new();
        let mut required = Vec::new();
        for (name, ty) in op.body {
            let (name, optional) = match name.strip_suffix('?') {
                Some(n) => (n, true),
                None => (*name, false),
            };
            if !optional {
                required.push(name);
            }
            props.insert(name.to_string(), schema_of(ty));
        }
        o.insert(
            "requestBody".into(),
            json!({"required": true, "content": {"application/json": {"schema":
                {"type": "object", "properties": props, "required": required}}}}),
        );
    }
    let mut responses = Map::new();
    let ok = if op.ok == 204 {
        json!({"description": "done"})
    } else {
        json!({"description": "success", "content": {"application/json": {}}})
    };
    responses.insert(op.ok.to_string(), ok);
    responses.insert(
        "default".into(),
        json!({"$ref": "#/components/responses/Error"}),
    );
    o.insert("responses".into(), Value::Object(responses));
    if op.roles == "anyone" || op.base.is_empty() {
        o.insert("security".into(), json!([]));
    }
    Value::Object(o)
}

/// The whole document, built once.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut paths = Map::new();
        for op in OPS {
            let entry = paths
                .entry(format!("{}{}", op.base, op.path))
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = entry {
                m.insert(op.method.to_string(), operation(op));
            }
        }
        json!({
            "openapi": "3.1.0",
            "info": {
                "title": "bankdesk API",
                "version": "1",
                "description": "The v1 contract of bankdesk (docs/api.md). Times are RFC 3339 with offset, money an integer in fen, lists {items, next}."
            },
            "servers": [{"url": "/"}],
            "security": [{"bearer": []}],
            "paths": paths,
            "components": {
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                "responses": {"Error": {
                    "description": "An error from the code table",
                    "content": {"application/json": {"schema": {
                        "type": "object",
                        "properties": {"error": {"type": "object", "properties": {
                            "code": {"type": "string"}, "message": {"type": "string"}
                        }, "required": ["code", "message"]}},
                        "required": ["error"]
                    }}}
                }}
            }
        })
    })
}

/// Served without login so integrators' tools can fetch it.
pub async fn serve() -> Json<&'static Value> {
    Json(document())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// `(method, path)` of every `.route(` in `src`, under `base`.
    fn routes_in(src: &str, base: &str) -> BTreeSet<(String, String)> {
        let mut out = BTreeSet::new();
        for chunk in src.split(".route(").skip(1) {
            let Some(path) = chunk.split('"').nth(1) else {
                continue;
            };
            let call = chunk.split(".route(").next().unwrap_or_default();
            for m in ["get", "post", "put", "delete", "patch"] {
                let pattern = format!("{m}(");
                let called = call.match_indices(&pattern).any(|(i, _)| {
                    !call[..i]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
                });
                if called {
                    out.insert((m.to_string(), format!("{base}{path}")));
                }
            }
        }
        out
    }

    /// Every API route, read from the routers' source: `api/mod.rs`, and the messaging
    /// module's API routes and webhooks.
    fn routed() -> BTreeSet<(String, String)> {
        let messaging = include_str!("../messaging/mod.rs");
        let (hooks, api) = messaging
            .split_once("pub fn api_routes")
            .expect("messaging/mod.rs defines api_routes after hook_routes");
        let hooks = hooks
            .split_once("pub fn hook_routes")
            .map_or("", |(_, h)| h);
        let mut all = routes_in(include_str!("mod.rs"), "/api/v1");
        all.extend(routes_in(api, "/api/v1"));
        all.extend(routes_in(hooks, ""));
        all
    }

    #[test]
    fn every_route_is_described_and_every_description_is_routed() {
        let routed = routed();
        let described: BTreeSet<(String, String)> = OPS
            .iter()
            .map(|o| (o.method.to_string(), format!("{}{}", o.base, o.path)))
            .collect();
        let undocumented: Vec<_> = routed.difference(&described).collect();
        let unrouted: Vec<_> = described.difference(&routed).collect();
        assert!(
            undocumented.is_empty(),
            "routes missing from openapi.rs: {undocumented:?}"
        );
        assert!(
            unrouted.is_empty(),
            "openapi.rs names unrouted operations: {unrouted:?}"
        );
        assert_eq!(
            described.len(),
            OPS.len(),
            "an operation is described twice"
        );
    }

    #[test]
    fn the_document_carries_contract_operations_with_their_fields() {
        let doc = document();
        let login = &doc["paths"]["/api/v1/auth/login"]["post"];
        assert_eq!(login["security"], json!([]));
        let export = &doc["paths"]["/api/v1/statement-exports"]["post"];
        let schema = &export["requestBody"]["content"]["application/json"]["schema"];
        assert_eq!(
            schema["properties"]["basis"]["enum"],
            json!(["customer_request", "legal_order"])
        );
        assert!(export["responses"]["201"].is_object());
        let reveal = &doc["paths"]["/api/v1/customers/{id}/reveal"]["post"];
        assert_eq!(reveal["parameters"][0]["name"], "id");
        let required = reveal["requestBody"]["content"]["application/json"]["schema"]["required"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(required.contains(&json!("reason")) && !required.contains(&json!("target_id")));
    }
}
