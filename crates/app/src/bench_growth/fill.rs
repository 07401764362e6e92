//! Writing the world: its rows, table by table, as the API and the workers would have left
//! them, in long statements built on a generator thread while the previous batch is
//! written, one transaction per batch, through the store's bulk loader.

use super::trail::{Chain, Trail};
use super::world::{CasePlan, CaseStep, ContactPlan, MAIL_BODY, MAIL_SUBJECT, REPLY_BODY, World};
use anyhow::Context;
use bankdesk_domain::audit::AuditEntry;
use bankdesk_store::bulk::{self, LoaderOptions, Statement, TableLoad};
use bankdesk_store::{Dialect, Store};
use indicatif::{ProgressBar, ProgressStyle};
use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Audit records per batch (one transaction), with the contacts and cases of their time.
const AUDIT_PER_BATCH: u64 = 50_000;
/// Caps for the rest of a batch, for stretches without audit records to pace them.
const CONTACTS_PER_BATCH: u64 = 10_000;
const CASES_PER_BATCH: u64 = 2_000;
/// SQLite's page cache for the load: enough for the indexes of tens of millions of
/// audit records, whose inserts land all over the customer index.
const LOAD_CACHE_MIB: u32 = 2_048;

/// The tables the fill writes, in the order their rows go in (references first).
pub const TABLES: [&str; 11] = [
    "contacts",
    "contact_notes",
    "inbound_messages",
    "outbox",
    "cases",
    "complaints",
    "case_history",
    "case_contacts",
    "case_jobs",
    "notifications",
    "audit_log",
];

/// One batch's rows.
#[derive(Default)]
struct Rows {
    contacts: Vec<bulk::Contact>,
    notes: Vec<bulk::Note>,
    inbound: Vec<bulk::Inbound>,
    outbound: Vec<bulk::Outbound>,
    cases: Vec<bulk::Case>,
    complaints: Vec<bulk::Complaint>,
    history: Vec<bulk::History>,
    links: Vec<bulk::CaseContact>,
    jobs: Vec<bulk::Job>,
    notifications: Vec<bulk::Notification>,
    audit: Vec<AuditEntry>,
}

impl Rows {
    fn is_empty(&self) -> bool {
        self.contacts.is_empty()
            && self.cases.is_empty()
            && self.audit.is_empty()
            && self.links.is_empty()
    }

    fn add_contact(&mut self, w: &World, c: ContactPlan) {
        let handler = c.handler.map(|h| w.staff[h].id.clone());
        let customer = c.customer.map(|k| w.customer_id(k));
        for (id, at, text) in &c.notes {
            self.notes.push(bulk::Note {
                id: id.clone(),
                contact_id: c.id.clone(),
                author_id: handler.clone().unwrap_or_default(),
                at_ms: *at,
                text,
            });
        }
        if let Some(message_id) = &c.message_id {
            let (sender, recipient, external, subject) = if c.channel.as_str() == "email" {
                (
                    format!("customer{}@example.com", c.customer.unwrap_or_default()),
                    "service@bank.example.com",
                    format!("<{message_id}@mail.example.com>"),
                    MAIL_SUBJECT,
                )
            } else {
                (
                    format!("o_{}", &message_id[3..]),
                    "gh_bankdesk",
                    format!("wx{}", &message_id[3..]),
                    "",
                )
            };
            if let Some((id, at)) = &c.reply {
                self.outbound.push(bulk::Outbound {
                    id: id.clone(),
                    contact_id: c.id.clone(),
                    channel: c.channel.as_str(),
                    recipient: sender.clone(),
                    subject: if subject.is_empty() {
                        ""
                    } else {
                        "Re: 关于信用卡账单的咨询"
                    },
                    body: REPLY_BODY,
                    in_reply_to: (c.channel.as_str() == "email").then(|| external.clone()),
                    author_id: handler.clone().unwrap_or_default(),
                    status: "sent",
                    attempts: 1,
                    next_attempt_ms: *at,
                    created_at_ms: *at,
                    sent_at_ms: Some(at + 5_000),
                });
            }
            self.inbound.push(bulk::Inbound {
                id: message_id.clone(),
                channel: c.channel.as_str(),
                external_id: external,
                contact_id: c.id.clone(),
                sender,
                recipient,
                msg_type: "text",
                subject,
                body: MAIL_BODY,
                sent_at_ms: c.opened_at - 30_000,
                received_at_ms: c.opened_at,
            });
        }
        let closed = c.closed_at.is_some();
        self.contacts.push(bulk::Contact {
            id: c.id,
            customer_id: customer,
            channel: c.channel.as_str(),
            direction: if c.outbound { "outbound" } else { "inbound" },
            status: if closed { "closed" } else { "open" },
            handler_id: handler,
            opened_at_ms: c.opened_at,
            closed_at_ms: c.closed_at,
            category: closed.then(|| w.categories[c.category].clone()),
            resolved: closed.then_some(c.resolved),
            summary: closed.then(|| c.summary.to_string()),
        });
    }

    fn add_link(&mut self, w: &World, c: &CasePlan) {
        if let Some(j) = c.origin {
            self.links.push(bulk::CaseContact {
                case_id: c.id.clone(),
                contact_id: w.contact_id(j),
                role: "origin",
                linked_at_ms: c.opened_at,
            });
        }
    }

    fn add_case(&mut self, w: &World, i: u64, c: CasePlan, link: bool) {
        let t = &w.types[c.kind];
        let user = |s: usize| w.staff[s].id.clone();
        if link {
            self.add_link(w, &c);
        }
        let mut seq = 0;
        let mut history =
            |at, actor: Option<usize>, action, from: Option<String>, to: Option<String>| {
                seq += 1;
                self.history.push(bulk::History {
                    id: w.history_id(i, seq),
                    case_id: c.id.clone(),
                    seq: seq as i64,
                    at_ms: at,
                    actor_id: actor.map(user),
                    action,
                    from_value: from,
                    to_value: to,
                    note: None,
                });
            };
        for s in &c.steps {
            match &s.step {
                CaseStep::Created => {
                    history(s.at, s.actor, "created", None, Some("new".into()));
                }
                CaseStep::Assigned {
                    department,
                    assignee,
                } => {
                    history(
                        s.at,
                        s.actor,
                        "assignment",
                        Some(format!("{}/-", t.department)),
                        Some(format!("{department}/{}", w.staff[*assignee].username)),
                    );
                    history(
                        s.at,
                        s.actor,
                        "transition",
                        Some("new".into()),
                        Some("assigned".into()),
                    );
                }
                CaseStep::Moved { from, to } => {
                    history(
                        s.at,
                        s.actor,
                        "transition",
                        Some((*from).into()),
                        Some((*to).into()),
                    );
                }
                CaseStep::Escalated { job } => {
                    let j = &c.jobs[*job];
                    let names: Vec<&str> = j
                        .recipients
                        .iter()
                        .map(|&r| w.staff[r].username.as_str())
                        .collect();
                    history(
                        s.at,
                        None,
                        if j.kind.as_str() == "reminder" {
                            "escalation_reminder"
                        } else {
                            "escalation_breach"
                        },
                        None,
                        Some(names.join(",")),
                    );
                }
            }
        }
        let mut notified = 0;
        for j in &c.jobs {
            self.jobs.push(bulk::Job {
                id: j.id.clone(),
                case_id: c.id.clone(),
                kind: j.kind.as_str(),
                deadline_ms: c.due_at,
                run_at_ms: j.run_at,
                state: if j.sent_at.is_some() {
                    "sent"
                } else {
                    "pending"
                },
                done_at_ms: j.sent_at,
                worker: j.sent_at.map(|_| "escalation"),
            });
            let Some(sent_at) = j.sent_at else { continue };
            let text = bankdesk_domain::escalation::notice_text(
                j.kind,
                &c.id,
                &t.name,
                bankdesk_domain::calendar::bank_date(c.due_at),
            );
            for &r in &j.recipients {
                notified += 1;
                self.notifications.push(bulk::Notification {
                    id: w.notification_id(i, notified),
                    recipient_id: user(r),
                    kind: j.kind.as_str(),
                    case_id: c.id.clone(),
                    job_id: j.id.clone(),
                    text: text.clone(),
                    created_at_ms: sent_at,
                    // Read within the hour, except the last day's.
                    read_at_ms: (sent_at < w.end_ms - super::world::DAY_MS)
                        .then_some(sent_at + 3_600_000),
                });
            }
        }
        if t.complaint {
            self.complaints.push(bulk::Complaint {
                case_id: c.id.clone(),
                received_at_ms: c.opened_at,
                channel: c.complaint_channel,
                complexity: c.complexity,
                root_causes: if c.resolved_at.is_some() {
                    c.root_causes
                } else {
                    ""
                },
                answered_at_ms: c.resolved_at,
            });
        }
        self.cases.push(bulk::Case {
            version: c.version(),
            updated_at_ms: c.updated_at(),
            id: c.id,
            customer_id: w.customer_id(c.customer),
            case_type: t.code,
            status: c.status,
            department: c.department,
            assignee_id: c.assignee.map(user),
            summary: t.summary,
            opened_at_ms: c.opened_at,
            due_at_ms: Some(c.due_at),
            fields: t.fields.to_string(),
            created_by: user(c.creator),
            clock_start_ms: c.opened_at,
            sla_days: i64::from(c.sla.days),
            sla_basis: c.sla.basis.as_str(),
            resolved_at_ms: c.resolved_at,
            closed_at_ms: c.closed_at,
        });
    }

    fn statements(self, dialect: Dialect) -> anyhow::Result<Vec<Statement>> {
        let mut out = Vec::new();
        bulk::insert_rows(&mut out, dialect, self.contacts)?;
        bulk::insert_rows(&mut out, dialect, self.notes)?;
        bulk::insert_rows(&mut out, dialect, self.inbound)?;
        bulk::insert_rows(&mut out, dialect, self.outbound)?;
        bulk::insert_rows(&mut out, dialect, self.cases)?;
        bulk::insert_rows(&mut out, dialect, self.complaints)?;
        bulk::insert_rows(&mut out, dialect, self.history)?;
        bulk::insert_rows(&mut out, dialect, self.links)?;
        bulk::insert_rows(&mut out, dialect, self.jobs)?;
        bulk::insert_rows(&mut out, dialect, self.notifications)?;
        bulk::insert_rows(&mut out, dialect, self.audit)?;
        Ok(out)
    }
}

/// The newest stretch of the trail, chained after the older records it will follow: walks
/// the whole trail once (hashing the older records without keeping them), so the newest
/// records can be written first with their final seqs and hashes.
pub struct Newest {
    /// The head of the chain just before the newest records.
    pub before: Chain,
    pub records: Vec<AuditEntry>,
}

pub fn newest_records(w: &World, fillers: u64, older: u64, newest: u64) -> Newest {
    let mut trail = Trail::new(w, fillers);
    let mut chain = Chain::genesis();
    let bar = bar(older + newest, "chaining the audit trail");
    for e in trail.by_ref().take(older as usize) {
        chain.link(e);
        if chain.seq % 100_000 == 0 {
            bar.set_position(chain.seq as u64);
        }
    }
    let before = Chain {
        seq: chain.seq,
        hash: chain.hash.clone(),
    };
    let records = trail.take(newest as usize).map(|e| chain.link(e)).collect();
    bar.finish_and_clear();
    Newest { before, records }
}

/// What one load writes.
pub struct Load {
    pub contacts: Range<u64>,
    /// Indexes, ascending.
    pub cases: Vec<u64>,
    /// Cases of an earlier load whose first contact comes with this one: their link to it
    /// is written now.
    pub late_links: Vec<u64>,
    /// Contacts already in the database or in this load: a case is linked to its first
    /// contact if it is one of them.
    pub linkable: Range<u64>,
    pub audit: Audit,
    /// Drop the tables' secondary indexes first and build them at the end: for a load
    /// many times the size of what is there.
    pub rebuild_indexes: bool,
}

pub enum Audit {
    /// None: the records of these rows are in the trail, written with their own load.
    None,
    /// The first `count` records of the trail, chained from the genesis; then
    /// verification starts from `base` again.
    Oldest {
        count: u64,
        fillers: u64,
        base: (i64, String),
    },
}

fn bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len).with_style(
        ProgressStyle::with_template(&format!(
            "{{elapsed_precise}} [{{bar:30}}] {{human_pos}}/{{human_len}} {what} ({{per_sec}}, eta {{eta}}) {{msg}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(500));
    bar
}

/// One batch for the writer: its statements and how far it takes the bar.
type Batch = anyhow::Result<(Vec<Statement>, u64, usize)>;

/// Makes the batches of a load, in time order.
fn batches(w: &World, load: Load, dialect: Dialect, send: impl Fn(Batch) -> bool) {
    let (mut trail, mut left, mut finish) = match load.audit {
        Audit::None => (None, 0, None),
        Audit::Oldest {
            count,
            fillers,
            base,
        } => (
            Some(Trail::new(w, fillers)),
            count,
            Some(bulk::set_audit_base(dialect, base.0, base.1)),
        ),
    };
    let mut chain = Chain::genesis();
    let mut j = load.contacts.start;
    let mut cases = load.cases.iter().copied().peekable();
    loop {
        let mut rows = Rows::default();
        if let Some(t) = trail.as_mut() {
            let n = left.min(AUDIT_PER_BATCH);
            rows.audit
                .extend(t.by_ref().take(n as usize).map(|e| chain.link(e)));
            left -= n;
        }
        let audit_done = left == 0;
        let until = match rows.audit.last() {
            Some(e) if !audit_done => e.at_ms,
            _ => i64::MAX,
        };
        let first_contact = j;
        while j < load.contacts.end
            && j - first_contact < CONTACTS_PER_BATCH
            && w.contact_time(j) <= until
        {
            rows.add_contact(w, w.contact(j));
            j += 1;
        }
        let mut cases_in = 0;
        while let Some(&i) = cases.peek() {
            if cases_in == CASES_PER_BATCH || w.case_time(i) > until {
                break;
            }
            let c = w.case(i);
            let origin_pending = c
                .origin
                .is_some_and(|o| load.contacts.contains(&o) && o >= j);
            if origin_pending {
                break;
            }
            let link = c.origin.is_some_and(|o| load.linkable.contains(&o));
            rows.add_case(w, i, c, link);
            cases.next();
            cases_in += 1;
        }
        let done = audit_done && j == load.contacts.end && cases.peek().is_none();
        if done {
            for &k in &load.late_links {
                let c = w.case(k);
                if c.origin.is_some_and(|o| load.contacts.contains(&o)) {
                    rows.add_link(w, &c);
                }
            }
        }
        let progress = rows.audit.len() as u64 + (j - first_contact) + cases_in;
        let rows_in = rows.contacts.len()
            + rows.notes.len()
            + rows.inbound.len()
            + rows.outbound.len()
            + rows.cases.len()
            + rows.complaints.len()
            + rows.history.len()
            + rows.links.len()
            + rows.jobs.len()
            + rows.notifications.len()
            + rows.audit.len();
        let empty = rows.is_empty();
        let mut statements = match rows.statements(dialect) {
            Ok(s) => s,
            Err(e) => {
                send(Err(e));
                return;
            }
        };
        if done {
            match finish.take() {
                Some(Ok(s)) => statements.push(s),
                Some(Err(e)) => {
                    send(Err(e.into()));
                    return;
                }
                None => {}
            }
        }
        if (!empty || done) && !send(Ok((statements, progress, rows_in))) {
            return;
        }
        if done {
            return;
        }
    }
}

/// What a load wrote: rows and time per table, and the indexes it built with their time.
pub struct Loaded {
    pub tables: Vec<TableLoad>,
    pub indexes: Vec<(String, f64)>,
}

/// Writes a load with a progress bar.
pub async fn load(store: &Store, w: Arc<World>, load: Load, what: &str) -> anyhow::Result<Loaded> {
    let len = load.contacts.end - load.contacts.start
        + load.cases.len() as u64
        + match &load.audit {
            Audit::None => 0,
            Audit::Oldest { count, .. } => *count,
        };
    let bar = bar(len, what);
    let dialect = store.dialect();
    let rebuild = load.rebuild_indexes;
    let mut loader = store
        .loader(LoaderOptions {
            sqlite_cache_mib: Some(LOAD_CACHE_MIB),
            trust_references: true,
        })
        .await?;
    let dropped = if rebuild {
        loader.drop_indexes(&TABLES).await?
    } else {
        Vec::new()
    };
    let (sender, mut batches_in) = tokio::sync::mpsc::channel::<Batch>(2);
    let generator = tokio::task::spawn_blocking(move || {
        batches(&w, load, dialect, |b| sender.blocking_send(b).is_ok());
    });
    let started = Instant::now();
    let written = async {
        let mut rows = 0usize;
        while let Some(batch) = batches_in.recv().await {
            let (statements, progress, n) = batch?;
            loader.write(statements).await?;
            rows += n;
            bar.inc(progress);
            bar.set_message(format!(
                "{rows} rows ({:.0}/s)",
                rows as f64 / started.elapsed().as_secs_f64().max(0.001)
            ));
        }
        anyhow::Ok(())
    }
    .await;
    drop(batches_in);
    generator.await.context("the generator thread failed")?;
    bar.finish_and_clear();
    written?;
    let mut indexes = Vec::new();
    if !dropped.is_empty() {
        eprintln!("building {} indexes", dropped.len());
        indexes = loader.build_indexes(dropped).await?;
    }
    eprintln!("settling: the log emptied (SQLite), or vacuum and checkpoint (PostgreSQL)");
    loader.settle().await?;
    Ok(Loaded {
        tables: loader.loads(),
        indexes,
    })
}
