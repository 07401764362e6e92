//! `bankdesk serve` as an operator runs it, on both databases: issue 5's acceptance "stop
//! the server while reminders come due; after restart each is sent exactly once" (a server
//! is killed with reminders due that it has not sent, then restarted, on PostgreSQL as two
//! nodes side by side, each with its own data directory, SQLite being one node's database,
//! then killed and restarted once more), and a bank's own holiday file in the
//! configuration moving a complaint's deadline.

use bankdesk_domain::Actor;
use bankdesk_domain::calendar::bank_date;
use bankdesk_domain::complaint::{ComplaintChannel, Complexity};
use bankdesk_store::cases::{NewCase, NewComplaint};
use bankdesk_store::testing::{backends, fixture, fresh};
use bankdesk_store::{Store, now_ms};
use serde_json::{Value, json};
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to start or a worker to send, before the test fails.
const PATIENCE: Duration = Duration::from_secs(60);

struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// `bankdesk serve` on a free port with the escalation worker ticking every
    /// `interval_s` seconds; returns once it listens.
    fn start(cli_args: &[String], data: &std::path::Path, interval_s: u64) -> Server {
        Server::start_with(
            cli_args,
            data,
            &format!("escalation_interval_s = {interval_s}\n"),
        )
    }

    /// `bankdesk serve` with `config` (TOML) as its configuration file.
    fn start_with(cli_args: &[String], data: &std::path::Path, config: &str) -> Server {
        let path = data.join(format!("bankdesk-{}.toml", bankdesk_store::new_id("cfg")));
        std::fs::write(&path, config).unwrap();
        let config = path;
        let mut child = Command::new(env!("CARGO_BIN_EXE_bankdesk"))
            .arg("serve")
            .args(["--addr", "127.0.0.1:0", "--config"])
            .arg(&config)
            .args(["--data".to_string(), data.display().to_string()])
            .args(cli_args)
            .env_remove("BANKDESK_DATABASE")
            .env_remove("BANKDESK_DATA")
            .env_remove("BANKDESK_ADDR")
            .env_remove("BANKDESK_CONFIG")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run bankdesk serve");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads the address, then keeps draining so the server never blocks on its log.
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if let Some(url) = line.strip_prefix("bankdesk is serving at ") {
                    let _ = tx.send(url.trim_end_matches('/').to_string());
                }
            }
        });
        let base = rx
            .recv_timeout(PATIENCE)
            .expect("the server starts and prints its address");
        Server { child, base }
    }

    /// Ends the process at once, as a crash or a power cut would.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    async fn login(&self, http: &reqwest::Client, user: &str) -> String {
        let body: Value = http
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"username": user, "password": bankdesk_desk::demo::DEMO_PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["token"].as_str().expect("logged in").to_string()
    }

    /// A simple complaint received `days_ago` days ago, through the API; its id.
    async fn complaint(&self, http: &reqwest::Client, token: &str, days_ago: u64) -> String {
        let received = bank_date(now_ms()) - chrono::Days::new(days_ago);
        self.complaint_received(http, token, &received.to_string())
            .await["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// A simple complaint received on `received` (YYYY-MM-DD), through the API; the case.
    async fn complaint_received(
        &self,
        http: &reqwest::Client,
        token: &str,
        received: &str,
    ) -> Value {
        let res = http
            .post(format!("{}/api/v1/cases", self.base))
            .bearer_auth(token)
            .json(&json!({
                "customer_id": "C1",
                "type": "complaint",
                "summary": "溢缴款多次往返网点未能取回",
                "complaint": {"received_at": received, "complexity": "simple", "channel": "phone"}
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::CREATED);
        res.json().await.unwrap()
    }
}

/// The escalation notices of `case` as (recipient, kind), sorted.
async fn notices(store: &Store, case: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for name in ["compliance01", "compliance02"] {
        let user = store.user_by_username(name).await.unwrap().unwrap();
        for n in store.notifications(&user.id, false, 500).await.unwrap() {
            if n.case_id.as_deref() == Some(case) {
                out.push((name.to_string(), n.kind));
            }
        }
    }
    out.sort();
    out
}

/// What an unassigned compliance case past its deadline gets: the reminder to each member
/// of the department, the breach to its head.
fn once_each() -> Vec<(String, String)> {
    [
        ("compliance01", "reminder"),
        ("compliance02", "breach"),
        ("compliance02", "reminder"),
    ]
    .iter()
    .map(|(u, k)| (u.to_string(), k.to_string()))
    .collect()
}

/// Waits until every case in `cases` has its notices, or fails after [`PATIENCE`].
async fn until_sent(store: &Store, cases: &[&str]) {
    let started = Instant::now();
    loop {
        let mut all = true;
        for c in cases {
            all &= !notices(store, c).await.is_empty();
        }
        if all {
            return;
        }
        assert!(started.elapsed() < PATIENCE, "{cases:?} never sent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn reminders_due_while_the_server_was_down_are_sent_once_after_restart() {
    for b in backends() {
        let t = fresh(b).await;
        let store = &t.store;
        let mut tx = store.db().begin().await.unwrap();
        tx.insert_bank_batch(&fixture()).await.unwrap();
        tx.commit().await.unwrap();
        bankdesk_desk::demo::create_demo_users(store).await.unwrap();
        let comp1 = store
            .user_by_username("compliance01")
            .await
            .unwrap()
            .unwrap();
        let comp = Actor::from(&comp1);
        store
            .put_department(&comp, "compliance", "消保合规部", Some("compliance02"))
            .await
            .unwrap();
        let received = bank_date(now_ms()) - chrono::Days::new(40);
        let canary = store
            .create_case(
                &comp,
                &NewCase {
                    customer_id: "C1".into(),
                    case_type: "complaint".into(),
                    summary: "启动时已到期的投诉".into(),
                    contact_id: None,
                    department: None,
                    fields: Default::default(),
                    complaint: Some(NewComplaint {
                        received_at_ms: bankdesk_domain::calendar::end_of_day_ms(received) - 1,
                        channel: ComplaintChannel::Phone,
                        complexity: Complexity::Simple,
                        subject_staff: None,
                        subject_branch: None,
                    }),
                },
            )
            .await
            .unwrap();

        let data = tempfile::tempdir().unwrap();
        let other_node = tempfile::tempdir().unwrap();
        let (cli, data_dir): (Vec<String>, std::path::PathBuf) = if b == "sqlite" {
            (Vec::new(), std::path::PathBuf::from(&t.cli_args[1]))
        } else {
            (t.cli_args.clone(), data.path().to_path_buf())
        };
        let http = reqwest::Client::new();

        // Server A ticks at start (which sends the canary's notices) and then only after
        // an hour, so the complaints filed through it after that are due and unsent when
        // it is killed.
        let a = Server::start(&cli, &data_dir, 3600);
        until_sent(store, &[&canary.id]).await;
        let token = a.login(&http, "compliance01").await;
        let x = a.complaint(&http, &token, 40).await;
        let y = a.complaint(&http, &token, 20).await;
        assert!(notices(store, &x).await.is_empty(), "{b}");
        assert!(notices(store, &y).await.is_empty(), "{b}");
        a.kill();

        // Restart, ticking every second; on PostgreSQL a second node joins at once.
        let b1 = Server::start(&cli, &data_dir, 1);
        let b2 = (b == "postgres").then(|| Server::start(&cli, other_node.path(), 1));
        until_sent(store, &[&x, &y]).await;
        // A case filed after them and sent proves later ticks ran over the same jobs.
        let last = b2.as_ref().unwrap_or(&b1);
        let token = last.login(&http, "compliance01").await;
        let z = last.complaint(&http, &token, 30).await;
        until_sent(store, &[&z]).await;
        b1.kill();
        if let Some(b2) = b2 {
            b2.kill();
        }

        // And once more after those two are killed.
        let c = Server::start(&cli, &data_dir, 1);
        let token = c.login(&http, "compliance01").await;
        let w = c.complaint(&http, &token, 25).await;
        until_sent(store, &[&w]).await;
        for case in [&canary.id, &x, &y, &z, &w] {
            assert_eq!(notices(store, case).await, once_each(), "{b}: {case}");
        }
        c.kill();
        assert!(store.audit_verify().await.unwrap().ok, "{b}");
    }
}

#[tokio::test]
async fn a_banks_own_holiday_file_moves_deadlines() {
    for b in backends() {
        let t = fresh(b).await;
        let mut tx = t.store.db().begin().await.unwrap();
        tx.insert_bank_batch(&fixture()).await.unwrap();
        tx.commit().await.unwrap();
        bankdesk_desk::demo::create_demo_users(&t.store)
            .await
            .unwrap();
        let data = tempfile::tempdir().unwrap();
        let (cli, data_dir): (Vec<String>, std::path::PathBuf) = if b == "sqlite" {
            (Vec::new(), std::path::PathBuf::from(&t.cli_args[1]))
        } else {
            (t.cli_args.clone(), data.path().to_path_buf())
        };
        // The shipped schedule with one day more: the bank closes on 2026-10-13.
        let shipped = include_str!("../../domain/data/cn-holidays.toml");
        let edited = shipped.replacen(
            "  { name = \"国庆节\", from = \"2026-10-01\", to = \"2026-10-07\" },",
            "  { name = \"国庆节\", from = \"2026-10-01\", to = \"2026-10-07\" },\n  { name = \"本行停业\", from = \"2026-10-13\", to = \"2026-10-13\" },",
            1,
        );
        assert_ne!(
            edited, shipped,
            "the 2026 National Day line is where the test expects it"
        );
        let file = data.path().join("holidays.toml");
        std::fs::write(&file, edited).unwrap();
        let http = reqwest::Client::new();

        let shipped_server = Server::start(&cli, &data_dir, 3600);
        let token = shipped_server.login(&http, "agent01").await;
        let c = shipped_server
            .complaint_received(&http, &token, "2026-09-28")
            .await;
        assert_eq!(
            c["due_at"], "2026-10-13T23:59:59+08:00",
            "{b}: shipped schedule"
        );
        shipped_server.kill();

        let own = Server::start_with(
            &cli,
            &data_dir,
            &format!(
                "escalation_interval_s = 3600\nholiday_calendar = {:?}\n",
                file.display().to_string()
            ),
        );
        let token = own.login(&http, "agent01").await;
        let c = own.complaint_received(&http, &token, "2026-09-28").await;
        assert_eq!(
            c["due_at"], "2026-10-14T23:59:59+08:00",
            "{b}: the bank's closing day moves the deadline to the next working day"
        );
        own.kill();
    }
}
