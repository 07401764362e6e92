//! Crises and public-opinion signals: a case raised to a crisis with an owner, a severity
//! and a timeline of actions and reports upward; posts from a feed or webhook matched to
//! the bank's watch words, its customers and their cases, negative ones on the board.

use crate::audit::AuditRecord;
use crate::cases::text;
use crate::{Store, StoreError, Tx, args, new_id, now_ms};
use bankdesk_domain::Actor;
use bankdesk_domain::ErrorCode;
use bankdesk_domain::crisis::{
    CrisisStatus, ReportTo, Severity, Signal, SignalStatus, goes_on_board, phones_in, tone,
    watch_words_in,
};
use bankdesk_domain::error::FieldError;
use bankdesk_domain::role::{Role, parse_roles};
use sha2::{Digest, Sha256};

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct CrisisRow {
    pub id: String,
    pub title: String,
    pub severity: String,
    pub status: String,
    pub owner: String,
    pub case_id: Option<String>,
    pub customer_id: Option<String>,
    pub opened_by: String,
    pub opened_at_ms: i64,
    pub closed_at_ms: Option<i64>,
    pub version: i64,
}

const CRISIS_SELECT: &str = "SELECT k.id, k.title, k.severity, k.status, o.username AS owner, k.case_id, \
     k.customer_id, ob.username AS opened_by, k.opened_at_ms, k.closed_at_ms, k.version \
     FROM crises k JOIN users o ON o.id = k.owner_id JOIN users ob ON ob.id = k.opened_by";

/// One entry of a crisis's timeline.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct CrisisEventRow {
    pub id: String,
    pub at_ms: i64,
    pub actor: Option<String>,
    /// opened, action, report, signal, severity, status, owner.
    pub kind: String,
    pub text: String,
    pub reported_to: Option<String>,
    pub signal_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct SignalRow {
    pub id: String,
    pub source: String,
    pub author: String,
    pub text: String,
    pub url: Option<String>,
    pub posted_at_ms: i64,
    pub reach: i64,
    pub received_at_ms: i64,
    pub negativity: i64,
    pub negative: bool,
    pub matched_words: String,
    pub customer_id: Option<String>,
    pub case_id: Option<String>,
    pub crisis_id: Option<String>,
    pub status: String,
}

const SIGNAL_SELECT: &str = "SELECT id, source, author, text, url, posted_at_ms, reach, received_at_ms, negativity, \
     negative, matched_words, customer_id, case_id, crisis_id, status FROM signals";

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CrisisDetail {
    pub crisis: CrisisRow,
    pub timeline: Vec<CrisisEventRow>,
    pub signals: Vec<SignalRow>,
}

#[derive(Clone, Debug, Default)]
pub struct NewCrisis {
    pub title: String,
    pub severity: Option<Severity>,
    pub case_id: Option<String>,
    pub signal_id: Option<String>,
    /// Username of the owner (a supervisor or compliance officer); the raiser by default.
    pub owner: Option<String>,
    pub note: String,
}

/// A change to a crisis; `None` leaves a value.
#[derive(Clone, Debug, Default)]
pub struct CrisisUpdate {
    pub severity: Option<Severity>,
    pub status: Option<CrisisStatus>,
    pub owner: Option<String>,
    pub note: String,
}

/// What an entry on the timeline records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrisisEntry {
    Action,
    Report(ReportTo),
}

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Rejected {
    pub line: usize,
    pub reason: String,
}

/// The outcome of a delivery of signals.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct IngestReport {
    pub accepted: u32,
    pub duplicates: u32,
    pub on_board: u32,
    pub linked: u32,
    pub rejected: Vec<Rejected>,
}

/// The crisis board: live crises, most severe first, and negative posts waiting.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Board {
    pub crises: Vec<CrisisRow>,
    pub signals: Vec<SignalRow>,
}

fn severity_rank(s: &str) -> usize {
    Severity::parse(s)
        .and_then(|s| Severity::ALL.iter().position(|x| *x == s))
        .map_or(0, |p| Severity::ALL.len() - p)
}

/// Re-delivered posts are recognised by their address, or by author, time and text.
fn dedupe_key(s: &Signal) -> String {
    match &s.url {
        Some(u) => u.clone(),
        None => hex::encode(Sha256::digest(
            format!("{}\u{0}{}\u{0}{}", s.author, s.posted_at_ms, s.text).as_bytes(),
        )),
    }
}

fn parse_status(s: &str) -> Result<CrisisStatus, StoreError> {
    CrisisStatus::parse(s).ok_or_else(|| StoreError::Corrupt(format!("crisis status {s}")))
}

impl Store {
    /// Raises a case (usually a complaint) or a signal to a crisis.
    pub async fn raise_crisis(
        &self,
        who: &Actor<'_>,
        n: &NewCrisis,
    ) -> Result<CrisisRow, StoreError> {
        text("title", &n.title, 200)?;
        if n.note.chars().count() > 2_000 {
            return Err(StoreError::Invalid(FieldError::new("note", "too long")));
        }
        let now = now_ms();
        let mut tx = self.db.audited().await?;
        let owner_id = match &n.owner {
            Some(o) => tx.crisis_owner(o).await?,
            None => who.user_id.to_string(),
        };
        let signal = match &n.signal_id {
            Some(id) => Some(tx.signal(id).await.map_err(|_| {
                StoreError::Invalid(FieldError::new("signal_id", "no such signal"))
            })?),
            None => None,
        };
        let case_id = n
            .case_id
            .clone()
            .or_else(|| signal.as_ref().and_then(|s| s.case_id.clone()));
        let mut customer_id = signal.as_ref().and_then(|s| s.customer_id.clone());
        if let Some(cid) = &case_id {
            let case = tx
                .case(cid)
                .await
                .map_err(|_| StoreError::Invalid(FieldError::new("case_id", "no such case")))?;
            customer_id = Some(case.customer_id.clone());
            if tx.live_crisis_of(cid).await?.is_some() {
                return Err(StoreError::Conflict(
                    "the case is already part of a live crisis".into(),
                ));
            }
        }
        let severity = n.severity.unwrap_or_else(|| match &signal {
            Some(s) => bankdesk_domain::crisis::suggested_severity(s.reach, &tone(&s.text)),
            None => Severity::Medium,
        });
        let id = new_id("cr");
        tx.execute(
            "INSERT INTO crises (id, title, severity, status, owner_id, case_id, customer_id, opened_by, opened_at_ms, version) \
             VALUES ($1, $2, $3, 'open', $4, $5, $6, $7, $8, 1)",
            &args![
                id.as_str(),
                n.title.trim(),
                severity.as_str(),
                owner_id.as_str(),
                case_id.as_deref(),
                customer_id.as_deref(),
                who.user_id,
                now
            ],
        )
        .await?;
        let opened = if n.note.trim().is_empty() {
            n.title.trim()
        } else {
            n.note.trim()
        };
        tx.crisis_event(&id, Some(who.user_id), "opened", opened, None, None)
            .await?;
        if let Some(s) = &signal {
            tx.attach_signal(&id, s, Some(who.user_id)).await?;
        }
        if let Some(cid) = &case_id {
            tx.history(
                cid,
                Some(who.user_id),
                "crisis_raised",
                None,
                Some(&id),
                None,
            )
            .await?;
        }
        if owner_id != who.user_id {
            tx.execute(
                "INSERT INTO notifications (id, recipient_id, kind, case_id, job_id, text, created_at_ms) \
                 VALUES ($1, $2, 'crisis', $3, NULL, $4, $5)",
                &args![
                    new_id("nf"),
                    owner_id.as_str(),
                    case_id.as_deref(),
                    format!("危机事件 {id}（{severity}）：{}，由您负责。", n.title.trim()),
                    now
                ],
            )
            .await?;
        }
        tx.audit(
            AuditRecord::by(who.username, "crisis.raise")
                .customer(customer_id.as_deref())
                .detail(serde_json::json!({"crisis_id": id, "case_id": case_id, "signal_id": n.signal_id, "severity": severity.as_str()})),
        )
        .await?;
        let row = tx.crisis(&id).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn crisis_detail(&self, id: &str) -> Result<CrisisDetail, StoreError> {
        let mut tx = self.db.begin_read().await?;
        let detail = CrisisDetail {
            crisis: tx.crisis(id).await?,
            timeline: tx
                .fetch_all(
                    "SELECT e.id, e.at_ms, u.username AS actor, e.kind, e.text, e.reported_to, e.signal_id \
                     FROM crisis_events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.crisis_id = $1 ORDER BY e.seq",
                    &args![id],
                )
                .await?,
            signals: tx
                .fetch_all(
                    &format!("{SIGNAL_SELECT} WHERE crisis_id = $1 ORDER BY posted_at_ms, id"),
                    &args![id],
                )
                .await?,
        };
        tx.commit().await?;
        Ok(detail)
    }

    /// Crises by status (all when `None`), newest first.
    pub async fn crises(&self, status: Option<CrisisStatus>) -> Result<Vec<CrisisRow>, StoreError> {
        match status {
            Some(s) => {
                self.db
                    .fetch_all(
                        &format!("{CRISIS_SELECT} WHERE k.status = $1 ORDER BY k.opened_at_ms DESC, k.id DESC LIMIT 500"),
                        &args![s.as_str()],
                    )
                    .await
            }
            None => {
                self.db
                    .fetch_all(
                        &format!("{CRISIS_SELECT} ORDER BY k.opened_at_ms DESC, k.id DESC LIMIT 500"),
                        &[],
                    )
                    .await
            }
        }
    }

    /// Adds an action taken, or a report made upward, to the crisis's timeline.
    pub async fn add_crisis_entry(
        &self,
        who: &Actor<'_>,
        id: &str,
        entry: CrisisEntry,
        body: &str,
    ) -> Result<CrisisEventRow, StoreError> {
        text("text", body, 2_000)?;
        let mut tx = self.db.audited().await?;
        let c = tx.crisis(id).await?;
        if parse_status(&c.status)? == CrisisStatus::Closed {
            return Err(StoreError::Conflict("the crisis is closed".into()));
        }
        let (kind, to) = match entry {
            CrisisEntry::Action => ("action", None),
            CrisisEntry::Report(to) => ("report", Some(to.as_str())),
        };
        let eid = tx
            .crisis_event(id, Some(who.user_id), kind, body.trim(), to, None)
            .await?;
        tx.audit(
            AuditRecord::by(who.username, &format!("crisis.{kind}"))
                .customer(c.customer_id.as_deref())
                .detail(serde_json::json!({"crisis_id": id, "reported_to": to})),
        )
        .await?;
        let row = tx
            .fetch_one(
                "SELECT e.id, e.at_ms, u.username AS actor, e.kind, e.text, e.reported_to, e.signal_id \
                 FROM crisis_events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.id = $1",
                &args![eid],
            )
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Changes severity, status or owner; each change lands on the timeline.
    pub async fn update_crisis(
        &self,
        who: &Actor<'_>,
        id: &str,
        u: &CrisisUpdate,
        expected_version: Option<i64>,
    ) -> Result<CrisisRow, StoreError> {
        if u.note.chars().count() > 2_000 {
            return Err(StoreError::Invalid(FieldError::new("note", "too long")));
        }
        let now = now_ms();
        let mut tx = self.db.audited().await?;
        let c = tx.crisis(id).await?;
        if expected_version.is_some_and(|v| v != c.version) {
            return Err(StoreError::Conflict(format!(
                "the crisis was changed meanwhile (version {} now); reload it",
                c.version
            )));
        }
        let from = parse_status(&c.status)?;
        let note = Some(u.note.trim()).filter(|n| !n.is_empty());
        let me = Some(who.user_id);
        if let Some(s) = u.status {
            if !from.may_become(s) {
                return Err(StoreError::refused(
                    ErrorCode::IllegalTransition,
                    format!("a crisis cannot go from {from} to {s}"),
                ));
            }
            let closed = (s == CrisisStatus::Closed).then_some(now);
            tx.execute(
                "UPDATE crises SET status = $1, closed_at_ms = $2 WHERE id = $3",
                &args![s.as_str(), closed, id],
            )
            .await?;
            let text = format!(
                "{from} → {s}{}",
                note.map(|n| format!("：{n}")).unwrap_or_default()
            );
            tx.crisis_event(id, me, "status", &text, None, None).await?;
        } else if from == CrisisStatus::Closed {
            return Err(StoreError::Conflict("the crisis is closed".into()));
        }
        if let Some(sev) = u.severity {
            tx.execute(
                "UPDATE crises SET severity = $1 WHERE id = $2",
                &args![sev.as_str(), id],
            )
            .await?;
            tx.crisis_event(
                id,
                me,
                "severity",
                &format!("{} → {sev}", c.severity),
                None,
                None,
            )
            .await?;
        }
        if let Some(o) = &u.owner {
            let owner_id = tx.crisis_owner(o).await?;
            tx.execute(
                "UPDATE crises SET owner_id = $1 WHERE id = $2",
                &args![owner_id, id],
            )
            .await?;
            tx.crisis_event(id, me, "owner", &format!("{} → {o}", c.owner), None, None)
                .await?;
        }
        let n = tx
            .execute(
                "UPDATE crises SET version = version + 1 WHERE id = $1 AND version = $2",
                &args![id, c.version],
            )
            .await?;
        if n != 1 {
            return Err(StoreError::Conflict(
                "the crisis was changed meanwhile".into(),
            ));
        }
        tx.audit(
            AuditRecord::by(who.username, "crisis.update")
                .customer(c.customer_id.as_deref())
                .detail(serde_json::json!({"crisis_id": id, "status": u.status, "severity": u.severity, "owner": u.owner})),
        )
        .await?;
        let row = tx.crisis(id).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn watch_words(&self) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = self
            .db
            .fetch_all("SELECT word FROM watch_words ORDER BY word", &[])
            .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Replaces the watch words: the bank's names, brands and products.
    pub async fn set_watch_words(
        &self,
        actor: &Actor<'_>,
        words: &[String],
    ) -> Result<Vec<String>, StoreError> {
        if words.len() > 200 {
            return Err(StoreError::Invalid(FieldError::new("words", "at most 200")));
        }
        let mut clean: Vec<String> = Vec::new();
        for w in words {
            text("words", w, 50)?;
            let w = w.trim().to_string();
            if !clean.contains(&w) {
                clean.push(w);
            }
        }
        let mut tx = self.db.audited().await?;
        tx.execute("DELETE FROM watch_words", &[]).await?;
        let now = now_ms();
        for w in &clean {
            tx.execute(
                "INSERT INTO watch_words (word, added_by, added_at_ms) VALUES ($1, $2, $3)",
                &args![w.as_str(), actor.user_id, now],
            )
            .await?;
        }
        tx.audit(
            AuditRecord::by(actor.username, "watch_words.set")
                .detail(serde_json::json!({"words": clean})),
        )
        .await?;
        tx.commit().await?;
        clean.sort();
        Ok(clean)
    }

    /// Takes in posts: re-deliveries are ignored, each new post is scored, matched to
    /// watch words, customers (phone numbers, names of customers with open complaints) and
    /// their cases, attached to the case's live crisis or put on the board when negative.
    pub async fn ingest_signals(
        &self,
        actor: &Actor<'_>,
        signals: Vec<(usize, Result<Signal, FieldError>)>,
    ) -> Result<IngestReport, StoreError> {
        let words = self.watch_words().await?;
        let named: Vec<(String, String)> = self
            .db
            .fetch_all(
                "SELECT DISTINCT cu.id, cu.name FROM complaints p JOIN cases c ON c.id = p.case_id \
                 JOIN customers cu ON cu.id = c.customer_id WHERE c.status NOT IN ('resolved', 'closed')",
                &[],
            )
            .await?;
        let now = now_ms();
        let mut report = IngestReport::default();
        let mut tx = self.db.audited().await?;
        for (line, parsed) in signals {
            let s = match parsed {
                Ok(s) => s,
                Err(e) => {
                    report.rejected.push(Rejected {
                        line,
                        reason: e.to_string(),
                    });
                    continue;
                }
            };
            let t = tone(&s.text);
            let matched = watch_words_in(&s.text, &words);
            let mut customer = None;
            for p in phones_in(&s.text) {
                let row: Option<(String,)> = tx
                    .fetch_optional(
                        "SELECT customer_id FROM customer_phones WHERE phone = $1 ORDER BY customer_id LIMIT 1",
                        &args![p],
                    )
                    .await?;
                if let Some(r) = row {
                    customer = Some(r.0);
                    break;
                }
            }
            if customer.is_none() {
                customer = named
                    .iter()
                    .find(|(_, name)| name.chars().count() >= 3 && s.text.contains(name.as_str()))
                    .map(|(id, _)| id.clone());
            }
            let case_id = match &customer {
                Some(c) => tx.case_for_signal(c).await?,
                None => None,
            };
            let crisis = match &case_id {
                Some(c) => tx.live_crisis_of(c).await?,
                None => None,
            };
            let status = if crisis.is_some() {
                SignalStatus::Linked
            } else if goes_on_board(&t, &matched, customer.is_some()) {
                SignalStatus::OnBoard
            } else {
                SignalStatus::Noted
            };
            let id = new_id("sg");
            let inserted = tx
                .execute(
                    "INSERT INTO signals (id, source, dedupe_key, author, text, url, posted_at_ms, reach, received_at_ms, \
                     negativity, negative, matched_words, customer_id, case_id, crisis_id, status) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL, $15) \
                     ON CONFLICT (source, dedupe_key) DO NOTHING",
                    &args![
                        id.as_str(),
                        s.source.as_str(),
                        dedupe_key(&s),
                        s.author.as_str(),
                        s.text.as_str(),
                        s.url.as_deref(),
                        s.posted_at_ms,
                        s.reach,
                        now,
                        i64::from(t.score),
                        t.negative(),
                        matched.join(","),
                        customer.as_deref(),
                        case_id.as_deref(),
                        SignalStatus::Noted.as_str()
                    ],
                )
                .await?;
            if inserted == 0 {
                report.duplicates += 1;
                continue;
            }
            report.accepted += 1;
            match (crisis, status) {
                (Some(crisis_id), _) => {
                    let row = tx.signal(&id).await?;
                    tx.attach_signal(&crisis_id, &row, None).await?;
                    report.linked += 1;
                }
                (None, SignalStatus::OnBoard) => {
                    tx.execute(
                        "UPDATE signals SET status = 'on_board' WHERE id = $1",
                        &args![id.as_str()],
                    )
                    .await?;
                    report.on_board += 1;
                }
                (None, _) => {}
            }
        }
        tx.audit(
            AuditRecord::by(actor.username, "signal.ingest").detail(serde_json::json!({
                "accepted": report.accepted, "duplicates": report.duplicates, "on_board": report.on_board,
                "linked": report.linked, "rejected": report.rejected.len()
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }

    pub async fn signals(
        &self,
        status: Option<SignalStatus>,
        limit: u32,
    ) -> Result<Vec<SignalRow>, StoreError> {
        let limit = i64::from(limit.clamp(1, 500));
        match status {
            Some(s) => self
                .db
                .fetch_all(
                    &format!(
                        "{SIGNAL_SELECT} WHERE status = $1 ORDER BY posted_at_ms DESC, id DESC LIMIT $2"
                    ),
                    &args![s.as_str(), limit],
                )
                .await,
            None => {
                self.db
                    .fetch_all(
                        &format!("{SIGNAL_SELECT} ORDER BY posted_at_ms DESC, id DESC LIMIT $1"),
                        &args![limit],
                    )
                    .await
            }
        }
    }

    /// Takes a post off the board (not about us, or already answered).
    pub async fn dismiss_signal(
        &self,
        actor: &Actor<'_>,
        id: &str,
    ) -> Result<SignalRow, StoreError> {
        let mut tx = self.db.audited().await?;
        let s = tx.signal(id).await?;
        if s.status == SignalStatus::Linked.as_str() {
            return Err(StoreError::Conflict(
                "the signal is part of a crisis".into(),
            ));
        }
        tx.execute(
            "UPDATE signals SET status = 'dismissed' WHERE id = $1",
            &args![id],
        )
        .await?;
        tx.audit(
            AuditRecord::by(actor.username, "signal.dismiss")
                .customer(s.customer_id.as_deref())
                .detail(serde_json::json!({"signal_id": id})),
        )
        .await?;
        let row = tx.signal(id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Attaches a post to a live crisis's timeline.
    pub async fn link_signal(
        &self,
        who: &Actor<'_>,
        id: &str,
        crisis_id: &str,
    ) -> Result<SignalRow, StoreError> {
        let mut tx = self.db.audited().await?;
        let s = tx.signal(id).await?;
        let c = tx
            .crisis(crisis_id)
            .await
            .map_err(|_| StoreError::Invalid(FieldError::new("crisis_id", "no such crisis")))?;
        if parse_status(&c.status)? == CrisisStatus::Closed {
            return Err(StoreError::Conflict("the crisis is closed".into()));
        }
        if s.crisis_id.is_some() {
            return Err(StoreError::Conflict(
                "the signal is already part of a crisis".into(),
            ));
        }
        tx.attach_signal(crisis_id, &s, Some(who.user_id)).await?;
        tx.audit(
            AuditRecord::by(who.username, "signal.link")
                .customer(c.customer_id.as_deref())
                .detail(serde_json::json!({"signal_id": id, "crisis_id": crisis_id})),
        )
        .await?;
        let row = tx.signal(id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Live crises, most severe and then oldest first, and the negative posts waiting.
    pub async fn crisis_board(&self) -> Result<Board, StoreError> {
        let mut crises: Vec<CrisisRow> = self
            .db
            .fetch_all(
                &format!("{CRISIS_SELECT} WHERE k.status <> 'closed' ORDER BY k.opened_at_ms, k.id LIMIT 500"),
                &[],
            )
            .await?;
        crises.sort_by_key(|c| std::cmp::Reverse(severity_rank(&c.severity)));
        let signals = self
            .db
            .fetch_all(
                &format!("{SIGNAL_SELECT} WHERE status = 'on_board' ORDER BY reach DESC, posted_at_ms DESC, id DESC LIMIT 200"),
                &[],
            )
            .await?;
        Ok(Board { crises, signals })
    }
}

impl Tx {
    async fn crisis(&mut self, id: &str) -> Result<CrisisRow, StoreError> {
        self.fetch_optional(&format!("{CRISIS_SELECT} WHERE k.id = $1"), &args![id])
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn signal(&mut self, id: &str) -> Result<SignalRow, StoreError> {
        self.fetch_optional(&format!("{SIGNAL_SELECT} WHERE id = $1"), &args![id])
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn crisis_event(
        &mut self,
        crisis_id: &str,
        actor_id: Option<&str>,
        kind: &str,
        body: &str,
        reported_to: Option<&str>,
        signal_id: Option<&str>,
    ) -> Result<String, StoreError> {
        let id = new_id("ce");
        self.execute(
            "INSERT INTO crisis_events (id, crisis_id, seq, at_ms, actor_id, kind, text, reported_to, signal_id) \
             SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6, $7, $8 FROM crisis_events WHERE crisis_id = $2",
            &args![id.as_str(), crisis_id, now_ms(), actor_id, kind, body, reported_to, signal_id],
        )
        .await?;
        Ok(id)
    }

    async fn attach_signal(
        &mut self,
        crisis_id: &str,
        s: &SignalRow,
        actor_id: Option<&str>,
    ) -> Result<(), StoreError> {
        self.execute(
            "UPDATE signals SET crisis_id = $1, status = 'linked' WHERE id = $2",
            &args![crisis_id, s.id.as_str()],
        )
        .await?;
        let summary: String = s.text.chars().take(200).collect();
        self.crisis_event(
            crisis_id,
            actor_id,
            "signal",
            &format!("{} {}（阅读 {}）：{summary}", s.source, s.author, s.reach),
            None,
            Some(&s.id),
        )
        .await?;
        Ok(())
    }

    /// An open or contained crisis the case is part of.
    async fn live_crisis_of(&mut self, case_id: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = self
            .fetch_optional(
                "SELECT id FROM crises WHERE case_id = $1 AND status IN ('open', 'contained') ORDER BY opened_at_ms DESC LIMIT 1",
                &args![case_id],
            )
            .await?;
        Ok(row.map(|r| r.0))
    }

    /// The case a post about this customer most likely concerns: their latest open
    /// complaint, else their latest open case.
    async fn case_for_signal(&mut self, customer_id: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = self
            .fetch_optional(
                "SELECT c.id FROM cases c LEFT JOIN complaints p ON p.case_id = c.id \
                 WHERE c.customer_id = $1 AND c.status NOT IN ('resolved', 'closed') \
                 ORDER BY CASE WHEN p.case_id IS NULL THEN 1 ELSE 0 END, c.opened_at_ms DESC, c.id LIMIT 1",
                &args![customer_id],
            )
            .await?;
        Ok(row.map(|r| r.0))
    }

    /// A crisis owner is an active supervisor or compliance officer.
    async fn crisis_owner(&mut self, username: &str) -> Result<String, StoreError> {
        let row: Option<(String, String)> = self
            .fetch_optional(
                "SELECT id, roles FROM users WHERE username = $1 AND active = $2",
                &args![username, true],
            )
            .await?;
        match row {
            Some((id, roles))
                if parse_roles(&roles).is_ok_and(|r| {
                    r.iter()
                        .any(|x| matches!(x, Role::Supervisor | Role::Compliance))
                }) =>
            {
                Ok(id)
            }
            _ => Err(StoreError::Invalid(FieldError::new(
                "owner",
                "an active supervisor or compliance officer",
            ))),
        }
    }
}
