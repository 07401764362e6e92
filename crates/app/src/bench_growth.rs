//! `bankdesk bench growth`: does a request slow down as the bank's history grows?
//!
//! On a database it creates itself, the bench builds a bank whose every growing table
//! (cases with their history, jobs and notifications; contacts with notes and messages;
//! the audit log) first holds about `--small` rows: the newest slice of two years of
//! activity, so the open work, the inbox and this week's complaints are already there.
//! It times each list and create endpoint through HTTP against the real server in this
//! process, durably committed as configured (SQLite's default `synchronous=NORMAL` in
//! WAL mode). Then it writes the older history behind that slice up to the full sizes,
//! analyses, and times the same endpoints again: an endpoint whose cost follows the size
//! of its answer shows a ratio near 1; one that follows the size of the history does not.
//!
//! The audit trail is one hash chain through both parts, so `bankdesk audit verify`
//! checks the filled bank like any other: the newest records are written first with the
//! seqs and hashes they will have once the older ones are in (the bench computes the
//! whole chain once beforehand), and verification starts after the gap until it is filled.

mod fill;
mod http;
mod trail;
mod world;

use crate::config::Config;
use anyhow::{Context, bail, ensure};
use bankdesk_domain::audit::GENESIS_HASH;
use bankdesk_store::Store;
use bankdesk_store::audit::AuditHead;
use bankdesk_store::bulk::{self, LoaderOptions, TableLoad};
use fill::{Audit, Load, TABLES};
use http::{Client, Endpoint, Method, Server, Timing};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use world::{Sizes, World};

#[derive(clap::Args, Debug)]
pub struct GrowthArgs {
    /// Cases at full size.
    #[arg(long, default_value_t = 1_000_000)]
    pub cases: u64,
    /// Contacts at full size.
    #[arg(long, default_value_t = 10_000_000)]
    pub contacts: u64,
    /// Audit records at full size (those the contacts and cases leave, plus
    /// identification searches to make up the number).
    #[arg(long, default_value_t = 50_000_000)]
    pub audit: u64,
    /// Rows of each growing table at the first timing.
    #[arg(long, default_value_t = 10_000)]
    pub small: u64,
    /// Customers of the demo bank the work is spread over.
    #[arg(long, default_value_t = 40_000)]
    pub customers: u64,
    /// Concurrent HTTP clients.
    #[arg(long, default_value_t = 8)]
    pub clients: usize,
    /// Timed requests per endpoint and phase.
    #[arg(long, default_value_t = 2_000)]
    pub requests: usize,
    /// Longest an endpoint is timed per phase; a slower one is timed with fewer requests
    /// (its `requests` says how many).
    #[arg(long, default_value_t = 120)]
    pub endpoint_seconds: u64,
    /// Seed of the demo bank and the fill.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// The users the timed requests run as.
const USERS: [&str; 4] = ["agent01", "backoffice01", "supervisor01", "compliance01"];

pub async fn growth(c: &Config, store: Store, a: &GrowthArgs) -> anyhow::Result<Value> {
    ensure!(a.small > 0, "--small is at least 1");
    ensure!(
        a.small <= a.cases.min(a.contacts).min(a.audit),
        "--small may not exceed --cases, --contacts or --audit"
    );
    ensure!(
        a.clients > 0 && a.requests > 0,
        "--clients and --requests are at least 1"
    );
    if !store.is_fresh().await? {
        bail!(
            "bench growth writes only into a database it creates: give it an empty --data \
             directory, or an empty PostgreSQL database or schema with --database"
        );
    }
    let head = store.audit_head().await?;
    ensure!(
        head.base_seq == 0 && head.base_hash == GENESIS_HASH,
        "the audit chain of a fresh database starts at the genesis"
    );
    let now = bankdesk_store::now_ms();
    let mut world = World::new(
        Sizes {
            customers: a.customers,
            contacts: a.contacts,
            cases: a.cases,
            seed: a.seed,
        },
        now,
        store.calendar.clone(),
        &store.wrap_up,
    )?;
    let started = Instant::now();

    eprintln!(
        "counting the audit records of {} contacts and {} cases",
        a.contacts, a.cases
    );
    let newest_from = a.cases - a.small;
    let (world_back, survey) = tokio::task::spawn_blocking(move || {
        let s = trail::survey(&world, newest_from);
        (world, s)
    })
    .await?;
    world = world_back;
    ensure!(
        survey.records <= a.audit,
        "--audit {} is too small: the contacts and cases alone leave {} audit records",
        a.audit,
        survey.records
    );
    let fillers = a.audit - survey.records;
    let (older, small) = (a.audit - a.small, a.small);
    let (world_back, newest) = tokio::task::spawn_blocking(move || {
        let n = fill::newest_records(&world, fillers, older, small);
        (world, n)
    })
    .await?;
    world = world_back;
    let chain_s = started.elapsed().as_secs_f64();

    // The newest audit records go in first, before anything else is audited.
    let dialect = store.dialect();
    let newest_head = AuditHead {
        seq: newest.records.last().map_or(newest.before.seq, |e| e.seq),
        hash: newest
            .records
            .last()
            .map_or(newest.before.hash.clone(), |e| e.hash.clone()),
        base_seq: newest.before.seq,
        base_hash: newest.before.hash.clone(),
    };
    let mut statements = Vec::new();
    bulk::insert_rows(&mut statements, dialect, newest.records)?;
    statements.push(bulk::set_audit_head(dialect, newest_head)?);
    let mut loader = store.loader(LoaderOptions::default()).await?;
    loader.write(statements).await?;
    drop(loader);

    let t = Instant::now();
    let seeded = crate::seed::seed(
        &store,
        a.customers,
        a.seed,
        bankdesk_web::view::today(),
        true,
    )
    .await?;
    eprintln!("{seeded}");
    let seed_s = t.elapsed().as_secs_f64();
    staff(&store).await?;
    bankdesk_desk::kb::demo::load_demo_knowledge(&store).await?;
    world.bind_ids(&store.users().await?)?;
    let world = Arc::new(world);

    // The present: the newest contacts and cases, and every case still open.
    let t = Instant::now();
    let m = a.contacts;
    let open_old = survey.open_old_cases;
    let small_cases: Vec<u64> = open_old
        .iter()
        .copied()
        .chain(newest_from..a.cases)
        .collect();
    let older_cases: Vec<u64> = {
        let mut open = open_old.iter().peekable();
        (0..newest_from)
            .filter(|i| {
                let skip = open.peek() == Some(&i);
                if skip {
                    open.next();
                }
                !skip
            })
            .collect()
    };
    let small_loads = fill::load(
        &store,
        world.clone(),
        Load {
            contacts: m - a.small..m,
            cases: small_cases.clone(),
            late_links: Vec::new(),
            linkable: m - a.small..m,
            audit: Audit::None,
            rebuild_indexes: false,
        },
        "newest contacts and cases",
    )
    .await?;
    store.analyze().await?;
    let small_fill_s = t.elapsed().as_secs_f64();
    let small_rows = store.row_counts(&TABLES).await?;

    let server = Server::start(store.clone(), crate::web_config(c)).await?;
    let plan = Plan::new(&world, a);
    eprintln!(
        "timing {} requests per endpoint at the small size",
        a.requests
    );
    let small = plan.time(&server.base, a).await?;

    eprintln!("writing the older history");
    let t = Instant::now();
    let loads = fill::load(
        &store,
        world.clone(),
        Load {
            contacts: 0..m - a.small,
            cases: older_cases,
            late_links: small_cases,
            linkable: 0..m,
            audit: Audit::Oldest {
                count: older,
                fillers,
                base: (head.base_seq, head.base_hash),
            },
            rebuild_indexes: true,
        },
        "rows of older history",
    )
    .await?;
    let fill_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    eprintln!("analysing");
    store.analyze().await?;
    let analyze_s = t.elapsed().as_secs_f64();
    let full_rows = store.row_counts(&TABLES).await?;
    eprintln!(
        "timing {} requests per endpoint at the full size",
        a.requests
    );
    let full = plan.time(&server.base, a).await?;
    drop(server);

    let endpoints: Vec<Value> = plan
        .endpoints
        .iter()
        .zip(small.iter().zip(&full))
        .map(|(e, (s, f))| {
            let ratio = (s.requests > 0 && f.requests > 0 && s.p99_ms > 0.0)
                .then(|| (f.p99_ms / s.p99_ms * 100.0).round() / 100.0);
            json!({
                "name": e.name,
                "method": if e.method == Method::Post { "POST" } else { "GET" },
                "path": e.path,
                "user": e.user,
                "small": s,
                "full": f,
                "p99_ratio": ratio,
            })
        })
        .collect();
    let rows = |r: Vec<(&str, i64)>| -> Value {
        r.into_iter()
            .map(|(t, n)| (t.to_string(), Value::from(n)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    Ok(json!({
        "bench": "growth",
        "path": "http",
        "database": store.dialect_name(),
        "durability": durability(c, &store),
        "clients": a.clients,
        "requests": a.requests,
        "customers": a.customers,
        "small": rows(small_rows),
        "full": rows(full_rows),
        "endpoints": endpoints,
        "chain_s": round(chain_s),
        "seed_s": round(seed_s),
        "small_fill_s": round(small_fill_s),
        "fill_s": round(fill_s),
        "analyze_s": round(analyze_s),
        "fill": rates(&small_loads.tables, &loads.tables),
        "index_builds": loads.indexes.iter().map(|(name, s)| json!({"index": name, "seconds": round(*s)})).collect::<Vec<_>>(),
    }))
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// How the timed requests commit (the fill itself does not wait for the disk).
fn durability(c: &Config, store: &Store) -> String {
    match store.dialect() {
        bankdesk_store::Dialect::Sqlite => format!(
            "sqlite WAL, synchronous={}",
            serde_json::to_value(c.sqlite_sync)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        ),
        bankdesk_store::Dialect::Postgres => "postgres, the server's synchronous_commit".into(),
    }
}

/// Rows per second per table over both loads.
fn rates(small: &[TableLoad], full: &[TableLoad]) -> Value {
    let mut out: Vec<TableLoad> = Vec::new();
    for l in small.iter().chain(full) {
        match out.iter_mut().find(|o| o.table == l.table) {
            Some(o) => {
                o.rows += l.rows;
                o.seconds += l.seconds;
            }
            None => out.push(l.clone()),
        }
    }
    out.iter()
        .map(|l| {
            json!({
                "table": l.table,
                "rows": l.rows,
                "seconds": round(l.seconds),
                "rows_per_s": (l.rows as f64 / l.seconds.max(1e-9)).round(),
            })
        })
        .collect()
}

/// Creates the extra staff of the world (the demo users first); they cannot log in.
async fn staff(store: &Store) -> anyhow::Result<()> {
    bankdesk_desk::demo::create_demo_users(store).await?;
    for (username, department, role) in world::bench_accounts() {
        store
            .create_user(
                "bench",
                &bankdesk_store::users::NewUser {
                    username: &username,
                    display_name: &username,
                    password_hash: "!",
                    roles: &[role],
                    department: Some(department),
                },
            )
            .await?;
    }
    Ok(())
}

/// What the timed requests ask for: the same customers, cases and windows in both
/// phases, all from the newest slice, so the answers are the same size.
struct Plan {
    endpoints: Vec<Endpoint>,
    customer: String,
    /// For each endpoint that reads a second page, the query parameter that takes the
    /// first page's `next`.
    cursors: Vec<Option<&'static str>>,
}

/// Cases of the newest slice whose page `GET /cases/{id}` reads.
const DETAIL_CASES: u64 = 100;

impl Plan {
    fn new(w: &World, a: &GrowthArgs) -> Plan {
        let n = a.cases;
        let cases: Vec<String> = (0..DETAIL_CASES.min(a.small))
            .map(|k| w.case_id(n - 1 - k * a.small / DETAIL_CASES.min(a.small)))
            .collect();
        let (busiest, newest_contacts) = busiest_customer(w, a);
        let customer = w.customer_id(busiest);
        // Two full pages in the newest slice, so that both phases answer with the same
        // contacts and the second page exists at the small size too.
        let timeline_limit = (newest_contacts / 2).clamp(1, 20);
        let from = rfc3339(w.end_ms - world::DAY_MS);
        let to = rfc3339(w.end_ms);
        let fixed = |path: String| -> http::MakeRequest { Arc::new(move |_| (path.clone(), None)) };
        let get = |name, user, path: &str| Endpoint {
            name,
            method: Method::Get,
            path: path.to_string(),
            user,
            request: fixed(path.to_string()),
        };
        let customers = a.customers;
        let endpoints = vec![
            Endpoint {
                name: "case_create",
                method: Method::Post,
                path: "/api/v1/cases".into(),
                user: "agent01",
                request: Arc::new(move |k| {
                    let customer = bankdesk_demo::customer_id((k as u64 * 7_919) % customers);
                    (
                        "/api/v1/cases".to_string(),
                        Some(json!({
                            "customer_id": customer,
                            "type": "data_correction",
                            "summary": "压测：更正联系地址",
                            "fields": {"item": "联系地址"},
                        })),
                    )
                }),
            },
            get(
                "cases_new_backoffice",
                "backoffice01",
                "/api/v1/cases?status=new",
            ),
            get(
                "cases_new_supervisor",
                "supervisor01",
                "/api/v1/cases?status=new",
            ),
            get("cases_own_agent", "agent01", "/api/v1/cases"),
            get(
                "cases_card_center",
                "supervisor01",
                "/api/v1/cases?department=card_center",
            ),
            get(
                "cases_overdue",
                "supervisor01",
                "/api/v1/cases?overdue=true",
            ),
            Endpoint {
                name: "case_detail",
                method: Method::Get,
                path: "/api/v1/cases/{id}".into(),
                user: "supervisor01",
                request: Arc::new(move |k| {
                    (format!("/api/v1/cases/{}", cases[k % cases.len()]), None)
                }),
            },
            get(
                "complaint_register",
                "supervisor01",
                &format!("/api/v1/complaints?from={from}&to={to}"),
            ),
            // The timeline's purpose is the phase's own open contact: filled in by `time`.
            get(
                "customer_timeline",
                "agent01",
                &format!("/api/v1/customers/{customer}/timeline?limit={timeline_limit}"),
            ),
            get("inbox", "agent01", "/api/v1/inbox"),
            get("outbox", "supervisor01", "/api/v1/outbox"),
            get(
                "audit_by_actor",
                "compliance01",
                "/api/v1/audit?actor=agent01",
            ),
            get(
                "audit_by_customer",
                "compliance01",
                &format!("/api/v1/audit?customer_id={customer}"),
            ),
            // A supervisor hears of every breach, so their newest page is as full in the
            // small phase as at full size.
            get(
                "notifications",
                "supervisor01",
                "/api/v1/notifications?limit=20",
            ),
            get("exam_attempts", "agent01", "/api/v1/exam-attempts"),
            get("kb_articles", "supervisor01", "/api/v1/kb/articles"),
            get(
                "compliance_alerts",
                "compliance01",
                "/api/v1/compliance/alerts",
            ),
        ];
        let mut plan = Plan {
            cursors: vec![None; endpoints.len()],
            endpoints,
            customer,
        };
        for (i, name, param) in [
            (2, "cases_new_supervisor_page2", "after"),
            (3, "cases_own_agent_page2", "after"),
            (4, "cases_card_center_page2", "after"),
            (8, "customer_timeline_page2", "cursor"),
            (10, "outbox_page2", "cursor"),
            (11, "audit_by_actor_page2", "before"),
        ] {
            let first = &plan.endpoints[i];
            plan.endpoints.push(Endpoint {
                name,
                method: Method::Get,
                path: format!("{}{}{param}={{next}}", first.path, joiner(&first.path)),
                user: first.user,
                request: first.request.clone(),
            });
            plan.cursors.push(Some(param));
        }
        plan
    }

    /// Times every endpoint in order, creation first (its cases then count in the lists).
    async fn time(&self, base: &str, a: &GrowthArgs) -> anyhow::Result<Vec<Timing>> {
        let client = Client::login(base, &USERS).await?;
        let contact = client
            .call(
                "agent01",
                Method::Post,
                "/api/v1/contacts",
                Some(json!({"channel": "phone", "customer_id": self.customer, "direction": "inbound"})),
            )
            .await?;
        let purpose = format!(
            "purpose=contact:{}",
            contact["id"].as_str().context("no contact id")?
        );
        let budget = Duration::from_secs(a.endpoint_seconds);
        let mut out = Vec::new();
        for (e, cursor) in self.endpoints.iter().zip(&self.cursors) {
            let mut request = e.request.clone();
            if e.name.starts_with("customer_timeline") {
                request = with_query(request, purpose.clone());
            }
            if let Some(param) = cursor {
                let (path, _) = request(0);
                let page: Value = client.call(e.user, Method::Get, &path, None).await?;
                let Some(next) = page["next"].as_str() else {
                    eprintln!("  {:<28} no second page", e.name);
                    out.push(Timing {
                        skipped: Some("no second page"),
                        ..Timing::default()
                    });
                    continue;
                };
                request = with_query(request, format!("{param}={next}"));
            }
            let timed = Endpoint {
                name: e.name,
                method: e.method,
                path: e.path.clone(),
                user: e.user,
                request,
            };
            let t = client.time(&timed, a.clients, a.requests, budget).await?;
            eprintln!(
                "  {:<28} p50 {:>8.2} ms  p99 {:>8.2} ms  {:>8.1}/s  {} items{}",
                e.name,
                t.p50_ms,
                t.p99_ms,
                t.rps,
                t.items,
                if t.errors > 0 {
                    format!(
                        "  {} ERRORS, the first: {}",
                        t.errors,
                        t.first_error.as_deref().unwrap_or_default()
                    )
                } else {
                    String::new()
                }
            );
            out.push(t);
        }
        Ok(out)
    }
}

/// `?` or `&`, whichever continues `path`'s query.
fn joiner(path: &str) -> char {
    if path.contains('?') { '&' } else { '?' }
}

/// The same requests with `query` added.
fn with_query(request: http::MakeRequest, query: String) -> http::MakeRequest {
    Arc::new(move |k| {
        let (path, body) = request(k);
        (format!("{path}{}{query}", joiner(&path)), body)
    })
}

fn rfc3339(at_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The customer with the most contacts in the newest slice (the first such, by index),
/// whose timeline and audit trail are read, and that number of contacts.
fn busiest_customer(w: &World, a: &GrowthArgs) -> (u64, u32) {
    let mut counts = std::collections::HashMap::new();
    for j in a.contacts - a.small..a.contacts {
        if let Some(c) = w.contact(j).customer {
            *counts.entry(c).or_insert(0u32) += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|&(c, n)| (n, std::cmp::Reverse(c)))
        .unwrap_or((0, 0))
}
