//! Timing the API as a bank's staff use it: the real router served in this process on
//! loopback, bearer tokens from `POST /api/v1/auth/login`, and concurrent HTTP clients,
//! each sending its share of an endpoint's requests one after the other.

use crate::bench::Latency;
use anyhow::{Context, bail};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The server under test.
pub struct Server {
    pub base: String,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Serves the API (no background workers: the bench measures requests) on a free
    /// loopback port.
    pub async fn start(
        store: bankdesk_store::Store,
        config: bankdesk_web::WebConfig,
    ) -> anyhow::Result<Server> {
        let state =
            bankdesk_web::AppState::new(store, config).map_err(|e| anyhow::anyhow!(e.message))?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let task =
            tokio::spawn(async move { axum::serve(listener, bankdesk_web::app(state)).await });
        Ok(Server { base, task })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// One request of an endpoint: the path with its query, and the body of a POST.
pub type MakeRequest = Arc<dyn Fn(usize) -> (String, Option<Value>) + Send + Sync>;

pub struct Endpoint {
    pub name: &'static str,
    pub method: Method,
    /// The path as documented, for the figures.
    pub path: String,
    pub user: &'static str,
    pub request: MakeRequest,
}

/// The figures of one endpoint in one phase.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Timing {
    pub requests: usize,
    pub errors: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub rps: f64,
    /// Items in the answer (the first one's), to compare like with like across phases.
    pub items: usize,
    pub bytes: usize,
    /// Why it was not timed (no second page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<&'static str>,
    /// The first failed request's status and the start of its answer, so that a count of
    /// errors in the figures comes with its cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
}

/// An HTTP client with the phase's tokens.
pub struct Client {
    pub base: String,
    http: reqwest::Client,
    tokens: Vec<(&'static str, String)>,
}

const TIMEOUT: Duration = Duration::from_secs(300);

impl Client {
    /// Logs each user in once; every request of theirs uses that token.
    pub async fn login(base: &str, users: &[&'static str]) -> anyhow::Result<Client> {
        let http = reqwest::Client::builder().timeout(TIMEOUT).build()?;
        let mut tokens = Vec::new();
        for user in users {
            let v: Value = http
                .post(format!("{base}/api/v1/auth/login"))
                .json(&json!({"username": user, "password": bankdesk_desk::demo::DEMO_PASSWORD}))
                .send()
                .await?
                .error_for_status()
                .with_context(|| format!("logging in as {user}"))?
                .json()
                .await?;
            let token = v["token"].as_str().context("no token")?.to_string();
            tokens.push((*user, token));
        }
        Ok(Client {
            base: base.to_string(),
            http,
            tokens,
        })
    }

    fn token(&self, user: &str) -> anyhow::Result<&str> {
        self.tokens
            .iter()
            .find(|t| t.0 == user)
            .map(|t| t.1.as_str())
            .with_context(|| format!("{user} is not logged in"))
    }

    /// One request as `user`, its answer as JSON; fails on an error status.
    pub async fn call(
        &self,
        user: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let res = send(
            &self.http,
            &self.base,
            self.token(user)?,
            method,
            path,
            body,
        )
        .await?;
        let status = res.status();
        let text = res.text().await?;
        if !status.is_success() {
            bail!("{method:?} {path} as {user}: {status}: {text}");
        }
        Ok(serde_json::from_str(&text)?)
    }

    /// Times `requests` requests of `e` from `clients` concurrent clients (each with its
    /// own connection), after a warm-up of a tenth as many untimed requests from the same
    /// clients; stops early once `budget` is spent, and says so in the count.
    ///
    /// The warm-up stands for a server that has been running: right after the bulk load
    /// and ANALYZE the pages a request needs are cold, and the first few hundred requests
    /// would time the disk, not the request. It asks for other items than the timed
    /// requests (indexes from `requests` on), so a create never warms the very pages the
    /// timed creates write.
    pub async fn time(
        &self,
        e: &Endpoint,
        clients: usize,
        requests: usize,
        budget: Duration,
    ) -> anyhow::Result<Timing> {
        let token = self.token(e.user)?.to_string();
        let (first_path, first_body) = (e.request)(0);
        let first = send(
            &self.http,
            &self.base,
            &token,
            e.method,
            &first_path,
            first_body,
        )
        .await?;
        let status = first.status();
        let body = first.bytes().await?;
        if !status.is_success() {
            bail!(
                "{} ({first_path}): {status}: {}",
                e.name,
                String::from_utf8_lossy(&body)
            );
        }
        let items = serde_json::from_slice::<Value>(&body)
            .ok()
            .map_or(0, |v| v["items"].as_array().map_or(1, Vec::len));
        let warm_up = Burst {
            first: requests,
            count: (requests / 10).max(1),
            deadline: Instant::now() + budget / 10,
        };
        self.burst(e, &token, clients, warm_up).await?;
        let started = Instant::now();
        let timed = Burst {
            first: 0,
            count: requests,
            deadline: started + budget,
        };
        let (mut all, errors, bytes, first_error) = self.burst(e, &token, clients, timed).await?;
        let wall = started.elapsed().as_secs_f64();
        let n = all.len();
        let l = Latency::of(&mut all);
        let round = |x: f64| (x * 1000.0).round() / 1000.0;
        Ok(Timing {
            requests: n,
            errors,
            p50_ms: round(l.p50_ms),
            p99_ms: round(l.p99_ms),
            max_ms: round(l.max_ms),
            rps: round(n as f64 / wall.max(1e-9)),
            items,
            bytes: bytes / n.max(1),
            skipped: None,
            first_error,
        })
    }

    /// Sends requests `first..first + count` of `e` from `clients` concurrent clients
    /// until done or past the deadline: each request's latency, the errors, the bytes
    /// answered and the first error's text.
    async fn burst(
        &self,
        e: &Endpoint,
        token: &str,
        clients: usize,
        b: Burst,
    ) -> anyhow::Result<(Vec<Duration>, usize, usize, Option<String>)> {
        let next = Arc::new(AtomicUsize::new(b.first));
        let end = b.first + b.count;
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let (next, token, request, base, method) = (
                next.clone(),
                token.to_string(),
                e.request.clone(),
                self.base.clone(),
                e.method,
            );
            tasks.push(tokio::spawn(async move {
                let http = reqwest::Client::builder().timeout(TIMEOUT).build()?;
                let (mut lat, mut errors, mut bytes) = (Vec::new(), 0usize, 0usize);
                let mut first_error: Option<String> = None;
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= end || Instant::now() > b.deadline {
                        break;
                    }
                    let (path, body) = request(k);
                    let t = Instant::now();
                    let failure = match send(&http, &base, &token, method, &path, body).await {
                        Ok(res) => {
                            let status = res.status();
                            let answer = res.bytes().await.unwrap_or_default();
                            bytes += answer.len();
                            (!status.is_success()).then(|| {
                                let text = String::from_utf8_lossy(&answer);
                                format!("{status}: {}", text.chars().take(300).collect::<String>())
                            })
                        }
                        Err(e) => Some(e.to_string()),
                    };
                    lat.push(t.elapsed());
                    if let Some(f) = failure {
                        errors += 1;
                        first_error.get_or_insert(f);
                    }
                }
                anyhow::Ok((lat, errors, bytes, first_error))
            }));
        }
        let (mut all, mut errors, mut bytes) = (Vec::new(), 0, 0);
        let mut first_error = None;
        for t in tasks {
            let (lat, e, b, f) = t.await??;
            all.extend(lat);
            errors += e;
            bytes += b;
            first_error = first_error.or(f);
        }
        Ok((all, errors, bytes, first_error))
    }
}

/// A run of consecutive request indexes, sent until done or past its deadline.
#[derive(Clone, Copy)]
struct Burst {
    first: usize,
    count: usize,
    deadline: Instant,
}

async fn send(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> anyhow::Result<reqwest::Response> {
    let url = format!("{base}{path}");
    let req = match method {
        Method::Get => http.get(url),
        Method::Post => http.post(url),
    }
    .bearer_auth(token);
    let req = match body {
        Some(b) => req.json(&b),
        None => req,
    };
    Ok(req.send().await?)
}
