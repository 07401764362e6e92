//! `bankdesk bench NAME`: performance figures as one JSON line, printed last.
//! Targets live here and in docs/benchmarks.md, never in timed tests.

use crate::config::Config;
use anyhow::{Context, bail};
use bankdesk_domain::Actor;
use bankdesk_store::Store;
use bankdesk_store::access::Read;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use std::time::{Duration, Instant};

/// Latency summary in milliseconds.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Latency {
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    pub fn of(samples: &mut [Duration]) -> Latency {
        samples.sort_unstable();
        let at = |q: f64| {
            if samples.is_empty() {
                return 0.0;
            }
            let i = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1;
            samples[i].as_secs_f64() * 1000.0
        };
        Latency {
            p50_ms: at(0.50),
            p99_ms: at(0.99),
            max_ms: at(1.0),
        }
    }
}

/// Options of `bench overview`.
#[derive(Debug, clap::Args)]
pub struct OverviewArgs {
    /// Size of the bank to seed when the data directory is empty.
    #[arg(long, default_value_t = 1_000_000)]
    pub customers: u64,
    /// Concurrent HTTP clients (each logs in as its own agent, at most 10).
    #[arg(long, default_value_t = 8)]
    pub clients: usize,
    /// Overview requests in the measured phase.
    #[arg(long, default_value_t = 10_000)]
    pub requests: usize,
    /// Seed of the demo bank and of the customer sample.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Seeds (or reuses) a bank, then drives `GET /customers/{id}/overview` over real HTTP
/// from concurrent agents, each with its own open contact as purpose. The baseline is
/// the same reads through the store directly, without HTTP and JSON.
pub async fn overview(
    c: &Config,
    store: Store,
    a: &OverviewArgs,
) -> anyhow::Result<serde_json::Value> {
    if !(1..=10).contains(&a.clients) {
        bail!("--clients must be 1 to 10 (one demo agent each)");
    }
    let mut seeded_s = None;
    if store.count_customers().await? == 0 {
        let t = Instant::now();
        crate::seed::seed(
            &store,
            a.customers,
            a.seed,
            bankdesk_web::view::today(),
            true,
        )
        .await?;
        seeded_s = Some(t.elapsed().as_secs_f64());
    }
    let customers = store.count_customers().await?;
    bankdesk_desk::demo::create_demo_users(&store).await?;

    eprintln!("sampling {} customers of {customers}", a.requests);
    let sample = sample_customers(&store, a.requests, a.seed).await?;

    let state = bankdesk_web::AppState::new(store.clone(), crate::web_config(c))
        .map_err(|e| anyhow::anyhow!(e.message))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(async move { axum::serve(listener, bankdesk_web::app(state)).await });

    // Setup: every client logs in and opens one contact per customer it will read.
    let chunks: Vec<Vec<String>> = sample
        .chunks(sample.len().div_ceil(a.clients))
        .map(<[String]>::to_vec)
        .collect();
    let mut setups = Vec::new();
    for (i, ids) in chunks.into_iter().enumerate() {
        let base = base.clone();
        setups.push(tokio::spawn(async move {
            open_contacts(&base, &format!("agent{:02}", i + 1), ids).await
        }));
    }
    let mut work = Vec::new();
    for s in setups {
        work.push(s.await??);
    }

    eprintln!(
        "measuring {} overview requests from {} clients",
        a.requests, a.clients
    );
    let started = Instant::now();
    let mut runs = Vec::new();
    for (http, token, items) in work.clone() {
        let base = base.clone();
        runs.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(items.len());
            for (customer, contact) in items {
                let t = Instant::now();
                let res = http
                    .get(format!(
                        "{base}/api/v1/customers/{customer}/overview?purpose=contact:{contact}"
                    ))
                    .bearer_auth(&token)
                    .send()
                    .await?;
                let status = res.status();
                let body = res.bytes().await?;
                if !status.is_success() {
                    bail!(
                        "overview of {customer}: {status}: {}",
                        String::from_utf8_lossy(&body)
                    );
                }
                lat.push(t.elapsed());
            }
            Ok::<_, anyhow::Error>(lat)
        }));
    }
    let mut all = Vec::with_capacity(a.requests);
    for r in runs {
        all.extend(r.await??);
    }
    let wall = started.elapsed().as_secs_f64();
    server.abort();

    // Baseline: the same grants and reads through the store, one at a time.
    let users = store.users().await?;
    let mut base_lat = Vec::new();
    for (i, (_, _, items)) in work.iter().enumerate() {
        let name = format!("agent{:02}", i + 1);
        let u = users
            .iter()
            .find(|u| u.username == name)
            .context("demo agent missing")?;
        let actor = Actor::from(u);
        for (customer, contact) in items.iter().take(500) {
            let t = Instant::now();
            let purpose = format!("contact:{contact}");
            let grant = store
                .customer_access(
                    &actor,
                    customer,
                    Some(&purpose),
                    Read::Overview,
                    serde_json::json!({}),
                )
                .await?;
            grant.overview(20).await?;
            base_lat.push(t.elapsed());
        }
    }

    let http = Latency::of(&mut all);
    let baseline = Latency::of(&mut base_lat);
    Ok(serde_json::json!({
        "bench": "overview",
        "customers": customers,
        "clients": a.clients,
        "requests": all.len(),
        "p50_ms": round(http.p50_ms),
        "p99_ms": round(http.p99_ms),
        "max_ms": round(http.max_ms),
        "rps": round(all.len() as f64 / wall),
        "baseline_store_sequential": {"p50_ms": round(baseline.p50_ms), "p99_ms": round(baseline.p99_ms), "max_ms": round(baseline.max_ms)},
        "seed_s": seeded_s.map(round),
        "database": store.dialect_name(),
    }))
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// `n` customer ids drawn uniformly (with a fixed seed) from the whole bank.
async fn sample_customers(store: &Store, n: usize, seed: u64) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    let mut after = String::new();
    loop {
        let page = store.customer_ids(&after, 50_000).await?;
        let Some(last) = page.last() else { break };
        after = last.clone();
        ids.extend(page);
    }
    if ids.is_empty() {
        bail!("the bank has no customers");
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    ids.shuffle(&mut rng);
    Ok(ids.into_iter().cycle().take(n).collect())
}

type Work = (reqwest::Client, String, Vec<(String, String)>);

async fn open_contacts(base: &str, agent: &str, customers: Vec<String>) -> anyhow::Result<Work> {
    let http = reqwest::Client::new();
    let login: serde_json::Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(
            &serde_json::json!({"username": agent, "password": bankdesk_desk::demo::DEMO_PASSWORD}),
        )
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = login["token"].as_str().context("no token")?.to_string();
    let mut items = Vec::with_capacity(customers.len());
    for customer in customers {
        let c: serde_json::Value = http
            .post(format!("{base}/api/v1/contacts"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"channel": "phone", "customer_id": customer}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let id = c["id"].as_str().context("no contact id")?.to_string();
        items.push((customer, id));
    }
    Ok((http, token, items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_nearest_rank() {
        let mut s: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let l = Latency::of(&mut s);
        assert_eq!((l.p50_ms, l.p99_ms, l.max_ms), (50.0, 99.0, 100.0));
        let mut one = vec![Duration::from_millis(7)];
        assert_eq!(Latency::of(&mut one).p99_ms, 7.0);
    }
}

/// Options of `bench access`.
#[derive(Debug, clap::Args)]
pub struct AccessArgs {
    /// Size of the bank to seed when the data directory is empty.
    #[arg(long, default_value_t = 20_000)]
    pub customers: u64,
    /// Gated reads to time.
    #[arg(long, default_value_t = 5_000)]
    pub reads: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Times the access gate (purpose facts, the rule, the audit append, the alert rules) on
/// its own and the 360 reads it guards, one after the other on the same customers, so the
/// gate's cost is set against the read it is added to.
pub async fn access(store: Store, a: &AccessArgs) -> anyhow::Result<serde_json::Value> {
    if store.count_customers().await? == 0 {
        crate::seed::seed(
            &store,
            a.customers,
            a.seed,
            bankdesk_web::view::today(),
            true,
        )
        .await?;
    }
    bankdesk_desk::demo::create_demo_users(&store).await?;
    let users = store.users().await?;
    let u = users
        .iter()
        .find(|u| u.username == "agent01")
        .context("demo agent missing")?;
    let actor = Actor::from(u);
    let sample = sample_customers(&store, a.reads, a.seed).await?;
    let mut contacts = Vec::with_capacity(sample.len());
    for customer in &sample {
        let c = store
            .open_contact(
                &actor,
                bankdesk_domain::contact::ContactChannel::Phone,
                bankdesk_domain::contact::Direction::Inbound,
                Some(customer),
            )
            .await?;
        contacts.push(format!("contact:{}", c.id));
    }
    let (mut gate, mut read, mut total) = (Vec::new(), Vec::new(), Vec::new());
    for (customer, purpose) in sample.iter().zip(&contacts) {
        let t0 = Instant::now();
        let grant = store
            .customer_access(
                &actor,
                customer,
                Some(purpose),
                Read::Overview,
                serde_json::json!({}),
            )
            .await?;
        let t1 = Instant::now();
        grant.overview(20).await?;
        let t2 = Instant::now();
        gate.push(t1 - t0);
        read.push(t2 - t1);
        total.push(t2 - t0);
    }
    let (gate, read, total) = (
        Latency::of(&mut gate),
        Latency::of(&mut read),
        Latency::of(&mut total),
    );
    Ok(serde_json::json!({
        "bench": "access",
        "customers": store.count_customers().await?,
        "reads": sample.len(),
        "gate_p50_ms": round(gate.p50_ms),
        "gate_p99_ms": round(gate.p99_ms),
        "gate_max_ms": round(gate.max_ms),
        "read_p50_ms": round(read.p50_ms),
        "read_p99_ms": round(read.p99_ms),
        "total_p99_ms": round(total.p99_ms),
        "database": store.dialect_name(),
    }))
}
