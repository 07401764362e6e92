//! `bankdesk`: one binary that runs a bank's service center.
#![forbid(unsafe_code)]

mod bench;
mod bench_cases;
mod bench_chat;
mod bench_cti;
mod bench_growth;
mod bench_kb;
mod bench_routing;
mod config;
mod import;
mod knowledge;
mod seed;

use anyhow::Context;
use bankdesk_desk::audit::seal::{Seal, SealOutcome, Sealer};
use bankdesk_store::{Db, Store};
use clap::{Parser, Subcommand};
use config::{Config, Overrides};
use std::net::SocketAddr;

#[derive(Parser, Debug)]
#[command(
    name = "bankdesk",
    version,
    about = "Customer service and contact center for banks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create a demo bank in the data directory if it is empty, then serve it.
    Demo {
        /// Address to listen on.
        #[arg(long, env = "BANKDESK_ADDR")]
        addr: Option<SocketAddr>,
        /// Customers of the demo bank created on the first start.
        #[arg(long, default_value_t = 20_000)]
        customers: u64,
        /// Generator seed: the same seed gives the same bank.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[command(flatten)]
        o: Overrides,
    },
    /// Serve an existing installation.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "BANKDESK_ADDR")]
        addr: Option<SocketAddr>,
        #[command(flatten)]
        o: Overrides,
    },
    /// Apply the database schema.
    Migrate {
        #[command(flatten)]
        o: Overrides,
    },
    /// Fill an empty database with a demo bank, story customers included.
    Seed {
        /// Customers to create, the eight story customers included.
        #[arg(long, default_value_t = 20_000)]
        customers: u64,
        /// Generator seed: the same seed gives the same bank.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Last day of the two years of history, YYYY-MM-DD (default: today in Beijing).
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
        #[command(flatten)]
        o: Overrides,
    },
    /// Import a core-banking feed: customers.jsonl, accounts.jsonl, cards.jsonl, loans.jsonl,
    /// holdings.jsonl and transactions.jsonl in DIR; a file with a bad row stores nothing.
    Import {
        dir: std::path::PathBuf,
        #[command(flatten)]
        o: Overrides,
    },
    /// Benchmarks: each prints one JSON line of figures last.
    Bench {
        #[command(subcommand)]
        name: BenchName,
    },
    /// Rebuild the knowledge search index from the database (with the server stopped).
    Reindex {
        #[command(flatten)]
        o: Overrides,
    },
    /// Audit-log commands.
    Audit {
        #[command(subcommand)]
        cmd: AuditCmd,
    },
}

#[derive(Subcommand, Debug)]
enum BenchName {
    /// The 360 overview over HTTP from concurrent agents on a (reused) bank.
    Overview {
        #[command(flatten)]
        args: bench::OverviewArgs,
        #[command(flatten)]
        o: Overrides,
    },
    /// What the access gate and its audit write add to a read.
    Access {
        #[command(flatten)]
        args: bench::AccessArgs,
        #[command(flatten)]
        o: Overrides,
    },
    /// The overdue case list among many cases (seeds the missing ones first).
    Cases {
        /// How many cases the bank should hold.
        #[arg(long, default_value_t = 1_000_000)]
        cases: u64,
        #[command(flatten)]
        o: Overrides,
    },
    /// Every list and create endpoint over HTTP at a small size and after years of
    /// history, in one run on a database it creates.
    Growth {
        #[command(flatten)]
        args: bench_growth::GrowthArgs,
        #[command(flatten)]
        o: Overrides,
    },
    /// CTI call events ingested durably through the store, in overlapping calls.
    Cti {
        #[command(flatten)]
        args: bench_cti::CtiArgs,
        #[command(flatten)]
        o: Overrides,
    },
    /// Knowledge search at scale: tantivy + jieba against SQLite FTS5 (trigram).
    Kb {
        #[command(flatten)]
        args: bench_kb::KbArgs,
    },
    /// A burst of chats through the router while every agent is full.
    Routing {
        #[command(flatten)]
        args: bench_routing::RoutingArgs,
        #[command(flatten)]
        o: Overrides,
    },
    /// Many concurrent customer chat sockets: message delivery latency and memory.
    Chat {
        #[command(flatten)]
        args: bench_chat::ChatArgs,
    },
    /// The customer end of `bench chat`, which runs it as a second process.
    #[command(hide = true)]
    ChatClients {
        #[command(flatten)]
        args: bench_chat::ClientArgs,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCmd {
    /// Walk the hash chain and check it against the latest signed checkpoint; exit 1 and
    /// name the record, or the range cut from either end, when it is broken.
    Verify {
        #[command(flatten)]
        o: Overrides,
    },
    /// Remove records older than the retention period (`audit_retention_days`): every
    /// record up to the last one made before it, by seq. The purge is recorded with its
    /// range and sealed at once, keeping the chain verifiable from the first kept record.
    Purge {
        #[command(flatten)]
        o: Overrides,
    },
    /// Seal the chain's head now (as `serve` does on its timer), if it moved.
    Seal {
        #[command(flatten)]
        o: Overrides,
    },
    /// Checkpoint-file commands.
    Checkpoints {
        #[command(subcommand)]
        cmd: CheckpointsCmd,
    },
}

#[derive(Subcommand, Debug)]
enum CheckpointsCmd {
    /// Print every checkpoint the key verifies, one JSON line each, for the bank's log
    /// archive; exit 1 if a line of the file does not verify (it is left out).
    Export {
        #[command(flatten)]
        o: Overrides,
    },
}

/// Opens the configured database (SQLite under the data directory by default) and
/// brings its schema up to date.
pub async fn open_store(c: &Config) -> anyhow::Result<Store> {
    let db = match &c.database {
        Some(url) => Db::open_postgres(url, c.postgres_max_connections)
            .await
            .with_context(|| format!("connecting to {}", config::redact_url(url)))?,
        None => {
            std::fs::create_dir_all(&c.data)
                .with_context(|| format!("creating {}", c.data.display()))?;
            let path = c.data.join("bankdesk.db");
            Db::open_sqlite(&path, c.sqlite_sync)
                .await
                .with_context(|| format!("opening {}", path.display()))?
        }
    };
    db.migrate().await.context("migrating the schema")?;
    let mut store = Store::new(db);
    store.alert_rules = bankdesk_domain::alert::AlertRules {
        max_customers_per_hour: c.alert_max_customers_per_hour,
    };
    if let Some(path) = &c.holiday_calendar {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the holiday calendar {}", path.display()))?;
        store.calendar = std::sync::Arc::new(
            bankdesk_domain::calendar::BusinessCalendar::parse(&text)
                .with_context(|| format!("holiday calendar {}", path.display()))?,
        );
    }
    if let Some(path) = &c.wrap_up_categories {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the wrap-up categories {}", path.display()))?;
        store.wrap_up = std::sync::Arc::new(
            bankdesk_domain::wrapup::WrapUpTree::parse(&text)
                .with_context(|| format!("wrap-up categories {}", path.display()))?,
        );
    }
    Ok(store)
}

/// The outbox worker with the configured adapters; a channel without settings fails its
/// sends with the reason, so they show up as failed rather than wait unseen.
fn outbox_worker(c: &Config, store: Store) -> anyhow::Result<bankdesk_desk::outbox::OutboxWorker> {
    use bankdesk_desk::outbox::{NotConfigured, Outbound, OutboxWorker, SmtpSender, WechatSender};
    use std::sync::Arc;
    let timeout = std::time::Duration::from_secs(30);
    let email: Arc<dyn Outbound> = match &c.smtp_host {
        Some(host) => Arc::new(
            SmtpSender::new(host, c.smtp_port, &c.mail_from, timeout)
                .map_err(anyhow::Error::msg)?,
        ),
        None => Arc::new(NotConfigured("no smtp_host is configured")),
    };
    let wechat: Arc<dyn Outbound> = match (&c.wechat_appid, &c.wechat_secret) {
        (Some(id), Some(secret)) => Arc::new(
            WechatSender::new(&c.wechat_api_base, id, secret, timeout)
                .map_err(anyhow::Error::msg)?,
        ),
        _ => Arc::new(NotConfigured(
            "no wechat_appid and wechat_secret are configured",
        )),
    };
    Ok(OutboxWorker {
        store,
        email,
        wechat,
        policy: bankdesk_domain::outbox::RetryPolicy {
            max_attempts: c.outbox_max_attempts.max(1),
            base_delay_ms: i64::try_from(c.outbox_retry_base_s.max(1).saturating_mul(1000))
                .unwrap_or(i64::MAX),
            max_delay_ms: 3_600_000,
        },
        // Four adapter timeouts: a claimed row is never taken by a second worker while
        // the first may still be sending it.
        lease: timeout * 4,
        batch: 50,
    })
}

/// The audit chain's seal as configured: its key and checkpoint file, or none.
fn audit_seal(c: &Config) -> anyhow::Result<Option<Seal>> {
    let Some(key) = &c.audit_checkpoint_key else {
        return Ok(None);
    };
    let file = c
        .audit_checkpoint_file
        .clone()
        .unwrap_or_else(|| Seal::default_file(key));
    Ok(Some(Seal::load(key, file)?))
}

/// The configured seal, for the commands that cannot work without one.
fn required_seal(c: &Config) -> anyhow::Result<Seal> {
    audit_seal(c)?.context("no audit_checkpoint_key is configured")
}

fn print_demo_users() {
    let names: Vec<&str> = bankdesk_desk::demo::DEMO_USERS
        .iter()
        .map(|u| u.0)
        .collect();
    println!(
        "demo users (password {}): {}",
        bankdesk_desk::demo::DEMO_PASSWORD,
        names.join(", ")
    );
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("bankdesk: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// The web layer's settings; `serve` adds the audit seal it loaded.
fn web_config(c: &Config) -> bankdesk_web::WebConfig {
    bankdesk_web::WebConfig {
        audit_seal: None,
        session_minutes: c.session_minutes,
        lockout_failures: c.lockout_failures,
        lockout_minutes: c.lockout_minutes,
        max_body_bytes: c.max_body_bytes,
        request_timeout: std::time::Duration::from_secs(c.request_timeout_s),
        secure_cookies: c.secure_cookies,
        reveals_per_hour: c.reveals_per_hour,
        exam_pass_mark: c.exam_pass_mark,
        chat_demo_codes: false,
        sms: c
            .sms_gateway_url
            .clone()
            .zip(c.sms_gateway_secret.clone())
            .map(|(url, secret)| bankdesk_desk::chat::codes::SmsConfig {
                url,
                secret,
                timeout: std::time::Duration::from_secs(5),
            }),
        messaging: bankdesk_web::config::MessagingConfig {
            wechat_token: c.wechat_token.clone(),
            mail_gateway_secret: c.mail_gateway_secret.clone(),
        },
        routing_exam_gate: c.routing_exam_gate,
        routing_policy: bankdesk_domain::routing::Policy {
            aging_step_ms: i64::from(c.routing_aging_step_s) * 1000,
            ..bankdesk_domain::routing::Policy::default()
        },
    }
}

/// Serves until SIGINT or SIGTERM, then lets in-flight requests finish. `demo` shows the
/// chat's one-time codes in the chat, as there is no SMS gateway in a demo.
async fn serve(c: &Config, store: Store, demo: bool) -> anyhow::Result<()> {
    let kb = knowledge::open(c, &store).await?;
    let seal = audit_seal(c)?;
    let sealer = match &seal {
        Some(seal) if !seal.can_seal() => {
            tracing::warn!(
                file = %seal.file().display(),
                "this server verifies the audit chain but does not seal it: its audit_checkpoint_key holds only the public half"
            );
            None
        }
        Some(seal) => {
            tracing::info!(
                file = %seal.file().display(),
                key = %seal.public().hex(),
                every_s = c.audit_checkpoint_interval_s,
                "sealing the audit chain"
            );
            Some(
                Sealer::new(store.clone(), seal)?.spawn(std::time::Duration::from_secs(
                    c.audit_checkpoint_interval_s,
                )),
            )
        }
        None => {
            tracing::warn!(
                "the audit chain is NOT sealed: no audit_checkpoint_key is configured, so records cut from either end of the chain, or a history rewritten with recomputed hashes, would not be detected"
            );
            None
        }
    };
    let config = bankdesk_web::WebConfig {
        chat_demo_codes: demo,
        audit_seal: seal,
        ..web_config(c)
    };
    let state = bankdesk_web::AppState::new(store.clone(), config)
        .map_err(|e| anyhow::anyhow!(e.message))?
        .with_knowledge(kb);
    let escalation = bankdesk_desk::escalation::spawn(
        store.clone(),
        std::time::Duration::from_secs(c.escalation_interval_s.max(1)),
    );
    let outbox = outbox_worker(c, store.clone())?.spawn(std::time::Duration::from_millis(
        c.outbox_interval_ms.max(50),
    ));
    let listener = tokio::net::TcpListener::bind(c.addr)
        .await
        .with_context(|| format!("binding {}", c.addr))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "serving");
    println!("bankdesk is serving at http://{addr}/");
    if demo {
        println!("web chat demo (a bank's page with the chat widget): http://{addr}/chat/demo");
    }
    axum::serve(listener, bankdesk_web::app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    escalation.abort();
    outbox.abort();
    if let Some(sealer) = sealer {
        sealer.stop().await;
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}

async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    match cli.command {
        Command::Demo {
            addr,
            customers,
            seed,
            o,
        } => {
            let mut c = Config::load(&o, addr)?;
            init_logging(c.log_json);
            if c.audit_checkpoint_key.is_none() {
                let key = c.data.join("audit-checkpoint.key");
                if !key.exists() {
                    std::fs::create_dir_all(&c.data)
                        .with_context(|| format!("creating {}", c.data.display()))?;
                    bankdesk_desk::audit::seal::create_key(&key)?;
                    println!("audit checkpoint key created: {}", key.display());
                }
                c.audit_checkpoint_key = Some(key);
            }
            let store = open_store(&c).await?;
            if store.count_customers().await? == 0 {
                println!(
                    "creating a demo bank of {customers} customers in {}",
                    c.data.display()
                );
                let report =
                    seed::seed(&store, customers, seed, seed::beijing_today(), true).await?;
                println!("{report}");
            }
            let created = bankdesk_desk::demo::create_demo_users(&store).await?;
            if created > 0 {
                println!(
                    "demo users created; all use the password {}",
                    bankdesk_desk::demo::DEMO_PASSWORD
                );
            }
            let kb = bankdesk_desk::kb::demo::load_demo_knowledge(&store).await?;
            if kb.points > 0 {
                println!(
                    "demo knowledge loaded: {} points, {} exam questions",
                    kb.points, kb.questions
                );
            }
            print_demo_users();
            serve(&c, store, true).await?;
        }
        Command::Serve { addr, o } => {
            let c = Config::load(&o, addr)?;
            init_logging(c.log_json);
            let store = open_store(&c).await?;
            serve(&c, store, false).await?;
        }
        Command::Migrate { o } => {
            let c = Config::load(&o, None::<SocketAddr>)?;
            open_store(&c).await?;
            println!("schema up to date");
        }
        Command::Seed {
            customers,
            seed,
            today,
            o,
        } => {
            let c = Config::load(&o, None)?;
            let store = open_store(&c).await?;
            let today = today.unwrap_or_else(seed::beijing_today);
            let report = seed::seed(&store, customers, seed, today, true).await?;
            println!("{report}");
            let kb = bankdesk_desk::kb::demo::load_demo_knowledge(&store).await?;
            println!(
                "demo knowledge: {} points, {} exam questions",
                kb.points, kb.questions
            );
        }
        Command::Import { dir, o } => {
            let c = Config::load(&o, None)?;
            let store = open_store(&c).await?;
            let report = import::import_dir(&store, &dir).await?;
            for f in &report.files {
                for e in &f.errors {
                    eprintln!("{e}");
                }
                let hidden = f.error_count - f.errors.len() as u64;
                if hidden > 0 {
                    eprintln!("{}: {hidden} more errors not shown", f.file);
                }
            }
            print!("{report}");
            if !report.ok() {
                return Ok(std::process::ExitCode::from(1));
            }
        }
        Command::Bench { name } => {
            let figures = match name {
                BenchName::Overview { args, o } => {
                    let c = Config::load(&o, None)?;
                    let store = open_store(&c).await?;
                    bench::overview(&c, store, &args).await?
                }
                BenchName::Access { args, o } => {
                    let c = Config::load(&o, None)?;
                    bench::access(open_store(&c).await?, &args).await?
                }
                BenchName::Cases { cases, o } => {
                    let c = Config::load(&o, None)?;
                    bench_cases::overdue_cases(&open_store(&c).await?, cases).await?
                }
                BenchName::Growth { args, o } => {
                    let c = Config::load(&o, None)?;
                    bench_growth::growth(&c, open_store(&c).await?, &args).await?
                }
                BenchName::Cti { args, o } => {
                    let c = Config::load(&o, None)?;
                    bench_cti::cti(&open_store(&c).await?, &args).await?
                }
                BenchName::Routing { args, o } => {
                    let c = Config::load(&o, None)?;
                    bench_routing::routing(&open_store(&c).await?, &args).await?
                }
                BenchName::Kb { args } => bench_kb::kb(&args).await?,
                BenchName::Chat { args } => bench_chat::chat(&args).await?,
                // Speaks to its parent on stdout itself, so prints no figures here.
                BenchName::ChatClients { args } => {
                    bench_chat::clients(&args).await?;
                    return Ok(std::process::ExitCode::SUCCESS);
                }
            };
            println!("{figures}");
        }
        Command::Reindex { o } => {
            let c = Config::load(&o, None)?;
            let store = open_store(&c).await?;
            let report = knowledge::reindex(&c, &store).await?;
            println!("{report}");
        }
        Command::Audit {
            cmd: AuditCmd::Verify { o },
        } => {
            let c = Config::load(&o, None)?;
            let store = open_store(&c).await?;
            let seal = audit_seal(&c)?;
            let v = bankdesk_desk::audit::seal::verify(&store, seal.as_ref()).await?;
            println!("{}", serde_json::to_string(&v)?);
            if seal.is_none() {
                eprintln!(
                    "bankdesk: no audit_checkpoint_key is configured: the chain was checked on its own, not against a signed checkpoint, so a cut at either end would not show"
                );
            }
            if !v.ok {
                for p in v
                    .problem
                    .iter()
                    .map(ToString::to_string)
                    .chain(v.seal_problems.iter().map(ToString::to_string))
                {
                    eprintln!("bankdesk: audit chain broken: {p}");
                }
                return Ok(std::process::ExitCode::from(1));
            }
        }
        Command::Audit {
            cmd: AuditCmd::Purge { o },
        } => {
            let c = Config::load(&o, None)?;
            let store = open_store(&c).await?;
            let mut sealer = audit_seal(&c)?
                .map(|seal| Sealer::new(store.clone(), &seal))
                .transpose()?;
            // A purge must not launder a cut: the chain has to continue its checkpoint first.
            if let Some(s) = sealer.as_mut()
                && let SealOutcome::Refused(problems) = s.seal_if_moved().await?
            {
                for p in problems {
                    eprintln!("bankdesk: audit chain broken: {p}");
                }
                eprintln!("bankdesk: nothing purged");
                return Ok(std::process::ExitCode::from(1));
            }
            let before = bankdesk_store::now_ms() - c.audit_retention_days * 86_400_000;
            let purge = match store.audit_last_seq_before(before).await? {
                Some(seq) => store.audit_purge("system", seq).await?,
                None => None,
            };
            let Some(purge) = purge else {
                println!("{{\"purged\":0}}");
                return Ok(std::process::ExitCode::SUCCESS);
            };
            let sealed = match sealer.as_mut() {
                Some(s) => s.seal_after_purge(&purge).await?,
                None => {
                    eprintln!(
                        "bankdesk: the purge is not sealed (no audit_checkpoint_key is configured)"
                    );
                    SealOutcome::Unchanged
                }
            };
            println!(
                "{}",
                serde_json::json!({
                    "purged": purge.records,
                    "from_seq": purge.from_seq,
                    "through_seq": purge.through_seq,
                    "sealed": matches!(sealed, SealOutcome::Sealed(_)),
                })
            );
            if let SealOutcome::Refused(problems) = sealed {
                for p in problems {
                    eprintln!("bankdesk: audit chain broken: {p}");
                }
                return Ok(std::process::ExitCode::from(1));
            }
        }
        Command::Audit {
            cmd: AuditCmd::Seal { o },
        } => {
            let c = Config::load(&o, None)?;
            let store = open_store(&c).await?;
            match Sealer::new(store, &required_seal(&c)?)?
                .seal_if_moved()
                .await?
            {
                SealOutcome::Sealed(cp) => println!("{}", cp.to_line()),
                SealOutcome::Unchanged => {
                    eprintln!("bankdesk: the head has not moved since the latest checkpoint")
                }
                SealOutcome::Refused(problems) => {
                    for p in problems {
                        eprintln!("bankdesk: audit chain broken: {p}");
                    }
                    return Ok(std::process::ExitCode::from(1));
                }
            }
        }
        Command::Audit {
            cmd:
                AuditCmd::Checkpoints {
                    cmd: CheckpointsCmd::Export { o },
                },
        } => {
            let c = Config::load(&o, None)?;
            let (lines, untrusted) =
                bankdesk_desk::audit::seal::export(&required_seal(&c)?).await?;
            for line in lines {
                println!("{line}");
            }
            if !untrusted.is_empty() {
                for line in untrusted {
                    eprintln!(
                        "bankdesk: checkpoint file line {line} does not verify with the configured key: left out"
                    );
                }
                return Ok(std::process::ExitCode::from(1));
            }
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}
