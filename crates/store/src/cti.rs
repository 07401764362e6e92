//! CTI intake: call events stored exactly once per `(call_id, seq)`, each call refolded
//! from all its events so late and repeated deliveries reconcile, and every call kept as
//! a phone contact of the customer its caller's number (ANI) identifies.

use crate::audit::{AuditRecord, AuditedTx};
use crate::db::{Arg, json_list, json_rows, json_text_list, multi_insert_in, param};
use crate::{Store, StoreError, Tx, args, new_id};
use bankdesk_domain::cti::{CallEvent, CallEventType, CallState, fold};
use bankdesk_domain::routing::{EntryStatus, Urgency};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Rows per multi-row statement: well under both databases' bind-parameter limits.
const CHUNK: usize = 500;

/// What a delivery did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CtiOutcome {
    pub accepted: u64,
    pub duplicates: u64,
    /// Calls whose state changed, for the live view and screen pops.
    pub changes: Vec<CallChange>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallChange {
    pub call_id: String,
    pub contact_id: String,
    pub customer_id: Option<String>,
    /// The agent (id, username) who got the call in this delivery.
    pub assigned_to: Option<(String, String)>,
    /// The agent the end of the call freed.
    pub freed: Option<String>,
}

/// A call as stored, with its contact.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct CallRow {
    pub call_id: String,
    pub contact_id: String,
    pub status: String,
    pub ani: Option<String>,
    pub dnis: Option<String>,
    pub queue: Option<String>,
    pub agent: Option<String>,
    pub ivr_path: Option<String>,
    pub recording_ref: Option<String>,
    pub vip_tier: Option<String>,
    pub offered_at_ms: i64,
    pub answered_at_ms: Option<i64>,
    pub ended_at_ms: Option<i64>,
    pub events: i64,
}

/// A stored event, read back as one row of a [`json_rows`] aggregate.
#[derive(serde::Deserialize)]
struct EventRow {
    call_id: String,
    seq: i64,
    event_type: String,
    at_ms: i64,
    ani: Option<String>,
    dnis: Option<String>,
    queue: Option<String>,
    agent: Option<String>,
    ivr_path: Option<String>,
    recording_ref: Option<String>,
}

/// The stored call with what it is joined to, for change detection; the fields are in
/// the order of [`EXISTING`].
#[derive(serde::Deserialize)]
struct Existing {
    call_id: String,
    contact_id: String,
    status: String,
    ani: Option<String>,
    dnis: Option<String>,
    queue: Option<String>,
    agent: Option<String>,
    ivr_path: Option<String>,
    recording_ref: Option<String>,
    vip_tier: Option<String>,
    offered_at_ms: i64,
    answered_at_ms: Option<i64>,
    ended_at_ms: Option<i64>,
    events: i64,
    customer_id: Option<String>,
    handler_id: Option<String>,
    contact_status: String,
    contact_opened_at_ms: i64,
    contact_closed_at_ms: Option<i64>,
    entry_agent: Option<String>,
    entry_status: Option<String>,
}

const EXISTING: &str = "k.call_id, k.contact_id, k.status, k.ani, k.dnis, k.queue, k.agent, k.ivr_path, k.recording_ref, \
     k.vip_tier, k.offered_at_ms, k.answered_at_ms, k.ended_at_ms, k.events, c.customer_id, c.handler_id, c.status, \
     c.opened_at_ms, c.closed_at_ms, r.agent_id, r.status";

const CALL_COLUMNS: &str = "call_id, contact_id, status, ani, dnis, queue, agent, ivr_path, recording_ref, vip_tier, \
     offered_at_ms, answered_at_ms, ended_at_ms, events";
const EVENT_COLUMNS: [&str; 11] = [
    "call_id",
    "seq",
    "event_type",
    "at_ms",
    "ani",
    "dnis",
    "queue",
    "agent",
    "ivr_path",
    "recording_ref",
    "received_at_ms",
];

fn same(call: &Existing, s: &CallState) -> bool {
    call.status == s.status.as_str()
        && call.ani == s.ani
        && call.dnis == s.dnis
        && call.queue == s.queue
        && call.agent == s.agent
        && call.ivr_path == s.ivr_path
        && call.recording_ref == s.recording_ref
        && call.offered_at_ms == s.offered_at_ms
        && call.answered_at_ms == s.answered_at_ms
        && call.ended_at_ms == s.ended_at_ms
        && call.events == i64::try_from(s.events).unwrap_or(i64::MAX)
}

impl Store {
    /// Stores a validated delivery in one transaction, committed before returning: the
    /// events, the calls refolded from them, their contacts, routing entries and audit.
    pub async fn ingest_cti(
        &self,
        events: &[CallEvent],
        now_ms: i64,
    ) -> Result<CtiOutcome, StoreError> {
        let mut tx = self.db.audited().await?;
        let mut accepted = 0;
        for chunk in events.chunks(CHUNK) {
            let sql = format!(
                "{} ON CONFLICT (call_id, seq) DO NOTHING",
                multi_insert_in(tx.dialect(), "cti_events", &EVENT_COLUMNS, chunk.len())
            );
            let args: Vec<Arg> = chunk
                .iter()
                .flat_map(|e| {
                    args![
                        e.call_id.as_str(),
                        e.seq,
                        e.kind.as_str(),
                        e.at_ms,
                        e.ani.as_deref(),
                        e.dnis.as_deref(),
                        e.queue.as_deref(),
                        e.agent.as_deref(),
                        e.ivr_path.as_deref(),
                        e.recording_ref.as_deref(),
                        now_ms
                    ]
                })
                .collect();
            accepted += tx.execute(&sql, &args).await?;
        }
        let total = u64::try_from(events.len()).unwrap_or(u64::MAX);
        let mut out = CtiOutcome {
            accepted,
            duplicates: total.saturating_sub(accepted),
            changes: Vec::new(),
        };
        if accepted > 0 {
            let mut delivered: HashMap<&str, Vec<&CallEvent>> = HashMap::new();
            for e in events {
                delivered.entry(e.call_id.as_str()).or_default().push(e);
            }
            let mut ids: Vec<&str> = delivered.keys().copied().collect();
            ids.sort_unstable();
            out.changes = tx.refold_calls(&ids, &delivered, now_ms).await?;
        }
        // A delivery of duplicates, or one that changes no call's contact, has nothing to audit.
        tx.commit_allow_unaudited().await?;
        Ok(out)
    }

    /// The call and its contact id; not found for an unknown call.
    pub async fn call(&self, call_id: &str) -> Result<CallRow, StoreError> {
        self.db
            .fetch_optional(
                &format!("SELECT {CALL_COLUMNS} FROM calls WHERE call_id = $1"),
                &args![call_id],
            )
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// How many events are stored for the call.
    pub async fn call_event_count(&self, call_id: &str) -> Result<i64, StoreError> {
        let (n,): (i64,) = self
            .db
            .fetch_optional(
                "SELECT COUNT(*) FROM cti_events WHERE call_id = $1",
                &args![call_id],
            )
            .await?
            .unwrap_or((0,));
        Ok(n)
    }
}

impl AuditedTx {
    /// Refolds the calls `ids` from all their stored events and writes what changed, in
    /// a few statements per delivery rather than several per call. `delivered` holds this
    /// delivery's events by call, in delivery order.
    async fn refold_calls(
        &mut self,
        ids: &[&str],
        delivered: &HashMap<&str, Vec<&CallEvent>>,
        now_ms: i64,
    ) -> Result<Vec<CallChange>, StoreError> {
        let d = self.dialect();
        let existing: Vec<Existing> = self
            .fetch_json(
                &format!(
                    "SELECT {} FROM calls k JOIN contacts c ON c.id = k.contact_id \
                     LEFT JOIN routing_entries r ON r.contact_id = k.contact_id WHERE k.call_id IN ({})",
                    json_rows(d, EXISTING),
                    json_text_list(d, 1)
                ),
                &[json_list(ids.iter().copied())],
            )
            .await?;
        // A call without a row has all its events in this delivery (every delivery creates
        // the rows of its calls), so only known calls' events are read back; of a repeated
        // seq the first delivered counts, as in the table.
        let mut by_call: BTreeMap<String, Vec<CallEvent>> = BTreeMap::new();
        if !existing.is_empty() {
            let rows: Vec<EventRow> = self
                .fetch_json(
                    &format!(
                        "SELECT {} FROM cti_events WHERE call_id IN ({})",
                        json_rows(
                            d,
                            "call_id, seq, event_type, at_ms, ani, dnis, queue, agent, ivr_path, recording_ref"
                        ),
                        json_text_list(d, 1)
                    ),
                    &[json_list(existing.iter().map(|e| e.call_id.as_str()))],
                )
                .await?;
            for r in rows {
                let kind = CallEventType::parse(&r.event_type)
                    .ok_or_else(|| StoreError::Corrupt(format!("event type {}", r.event_type)))?;
                by_call
                    .entry(r.call_id.clone())
                    .or_default()
                    .push(CallEvent {
                        call_id: r.call_id,
                        seq: r.seq,
                        kind,
                        at_ms: r.at_ms,
                        ani: r.ani,
                        dnis: r.dnis,
                        queue: r.queue,
                        agent: r.agent,
                        ivr_path: r.ivr_path,
                        recording_ref: r.recording_ref,
                    });
            }
        }
        for id in ids {
            if by_call.contains_key(*id) {
                continue;
            }
            let mut evs: Vec<CallEvent> = Vec::new();
            for e in delivered.get(id).into_iter().flatten() {
                if !evs.iter().any(|x| x.seq == e.seq) {
                    evs.push((*e).clone());
                }
            }
            by_call.insert((*id).to_string(), evs);
        }
        let mut existing: HashMap<String, Existing> = existing
            .into_iter()
            .map(|e| (e.call_id.clone(), e))
            .collect();
        let states: Vec<CallState> = by_call
            .iter()
            .filter_map(|(id, evs)| fold(id, evs))
            .filter(|s| existing.get(&s.call_id).is_none_or(|e| !same(e, s)))
            .collect();
        if states.is_empty() {
            return Ok(Vec::new());
        }
        let callers = self.callers(&states, &existing).await?;
        let agents = self.agent_ids(&states).await?;
        let mut w = Writes::default();
        let mut changes = Vec::with_capacity(states.len());
        for s in &states {
            let agent = s
                .agent
                .as_ref()
                .and_then(|u| agents.get(u).map(|id| (id.clone(), u.clone())));
            let change = match existing.remove(&s.call_id) {
                None => {
                    let caller = s.ani.as_ref().and_then(|a| callers.get(a)).cloned();
                    w.new_call(s, caller, agent, now_ms)
                }
                Some(e) => w.update_call(s, e, agent, now_ms),
            };
            changes.push(change);
        }
        w.apply(self, now_ms).await?;
        Ok(changes)
    }
}

impl Tx {
    /// Customers recognised by the callers' numbers of new calls: (customer id, VIP tier),
    /// only where the number belongs to exactly one customer.
    async fn callers(
        &mut self,
        states: &[CallState],
        existing: &HashMap<String, Existing>,
    ) -> Result<HashMap<String, (String, String)>, StoreError> {
        let mut anis: Vec<&str> = states
            .iter()
            .filter(|s| !existing.contains_key(&s.call_id))
            .filter_map(|s| s.ani.as_deref())
            .collect();
        if anis.is_empty() {
            return Ok(HashMap::new());
        }
        anis.sort_unstable();
        anis.dedup();
        let d = self.dialect();
        let rows: Vec<(String, String, String)> = self
            .fetch_json(
                &format!(
                    "SELECT {} FROM customer_phones p JOIN customers c ON c.id = p.customer_id WHERE p.phone IN ({})",
                    json_rows(d, "p.phone, p.customer_id, c.vip_tier"),
                    json_text_list(d, 1)
                ),
                &[json_list(anis)],
            )
            .await?;
        let mut found: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for (phone, id, tier) in rows {
            found.entry(phone).or_default().push((id, tier));
        }
        Ok(found
            .into_iter()
            .filter_map(|(p, mut v)| (v.len() == 1).then(|| (p, v.remove(0))))
            .collect())
    }

    /// User ids of the agents the calls name, by username.
    async fn agent_ids(
        &mut self,
        states: &[CallState],
    ) -> Result<HashMap<String, String>, StoreError> {
        let mut names: Vec<&str> = states.iter().filter_map(|s| s.agent.as_deref()).collect();
        if names.is_empty() {
            return Ok(HashMap::new());
        }
        names.sort_unstable();
        names.dedup();
        let d = self.dialect();
        let rows: Vec<(String, String)> = self
            .fetch_all(
                &format!(
                    "SELECT username, id FROM users WHERE username IN ({})",
                    json_text_list(d, 1)
                ),
                &[json_list(names)],
            )
            .await?;
        Ok(rows.into_iter().collect())
    }
}

/// A contact row as a call keeps it.
struct ContactWrite {
    id: String,
    customer_id: Option<String>,
    status: &'static str,
    handler_id: Option<String>,
    opened_at_ms: i64,
    closed_at_ms: Option<i64>,
}

/// An agent holding a call's contact (its voice capacity in use).
struct Hold {
    contact_id: String,
    queue: String,
    customer_id: Option<String>,
    vip_tier: Option<String>,
    agent_id: String,
    offered_at_ms: i64,
    answered_at_ms: i64,
}

/// Everything one delivery changes, written together by [`Writes::apply`].
#[derive(Default)]
struct Writes {
    contacts: Vec<ContactWrite>,
    calls: Vec<(CallState, String, Option<String>)>,
    holds: Vec<Hold>,
    finished: Vec<String>,
    /// Agents whose load changed: their presence is refreshed; freed ones also idle now.
    touched: BTreeSet<String>,
    freed: BTreeSet<String>,
    audits: Vec<AuditRecord>,
}

fn call_audit(
    s: &CallState,
    contact_id: &str,
    customer_id: Option<&str>,
    handler: Option<&str>,
    now_ms: i64,
) -> AuditRecord {
    AuditRecord::by("cti", "contact.call")
        .at(now_ms)
        .customer(customer_id)
        .detail(serde_json::json!({
            "call_id": s.call_id, "contact_id": contact_id, "status": s.status.as_str(),
            "handler_id": handler, "ivr_path": s.ivr_path,
        }))
}

impl Writes {
    fn new_call(
        &mut self,
        s: &CallState,
        caller: Option<(String, String)>,
        agent: Option<(String, String)>,
        now_ms: i64,
    ) -> CallChange {
        let contact_id = new_id("ct");
        let (customer_id, vip_tier) = caller.unzip();
        let handler = agent.as_ref().map(|a| a.0.clone());
        self.contacts.push(ContactWrite {
            id: contact_id.clone(),
            customer_id: customer_id.clone(),
            status: if s.is_over() { "closed" } else { "open" },
            handler_id: handler.clone(),
            opened_at_ms: s.offered_at_ms,
            closed_at_ms: if s.is_over() { s.ended_at_ms } else { None },
        });
        self.audits.push(call_audit(
            s,
            &contact_id,
            customer_id.as_deref(),
            handler.as_deref(),
            now_ms,
        ));
        let mut assigned_to = None;
        if let Some((id, _)) = &agent
            && !s.is_over()
        {
            self.hold(
                &contact_id,
                s,
                customer_id.clone(),
                vip_tier.clone(),
                id,
                now_ms,
            );
            assigned_to = agent.clone();
        }
        self.calls.push((s.clone(), contact_id.clone(), vip_tier));
        CallChange {
            call_id: s.call_id.clone(),
            contact_id,
            customer_id,
            assigned_to,
            freed: None,
        }
    }

    fn update_call(
        &mut self,
        s: &CallState,
        e: Existing,
        agent: Option<(String, String)>,
        now_ms: i64,
    ) -> CallChange {
        let contact_id = e.contact_id.clone();
        let handler = agent.as_ref().map(|a| a.0.clone()).or(e.handler_id.clone());
        // A call's contact closes when the call is over and stays closed; its times follow
        // the events, so a late event with an earlier time reconciles them.
        let status = if s.is_over() || e.contact_status != "open" {
            "closed"
        } else {
            "open"
        };
        let closed_at = if s.is_over() {
            s.ended_at_ms
        } else {
            e.contact_closed_at_ms
        };
        if handler != e.handler_id
            || status != e.contact_status
            || closed_at != e.contact_closed_at_ms
            || s.offered_at_ms != e.contact_opened_at_ms
        {
            self.contacts.push(ContactWrite {
                id: contact_id.clone(),
                customer_id: e.customer_id.clone(),
                status,
                handler_id: handler.clone(),
                opened_at_ms: s.offered_at_ms,
                closed_at_ms: closed_at,
            });
            self.audits.push(call_audit(
                s,
                &contact_id,
                e.customer_id.as_deref(),
                handler.as_deref(),
                now_ms,
            ));
        }
        let mut change = CallChange {
            call_id: s.call_id.clone(),
            contact_id: contact_id.clone(),
            customer_id: e.customer_id.clone(),
            assigned_to: None,
            freed: None,
        };
        let held = e.entry_status.as_deref() == Some(EntryStatus::Assigned.as_str());
        let open_entry = e
            .entry_status
            .as_deref()
            .is_some_and(|st| st != EntryStatus::Done.as_str());
        if s.is_over() {
            if open_entry {
                self.finished.push(contact_id.clone());
                if let Some(a) = e.entry_agent.clone().filter(|_| held) {
                    self.freed.insert(a.clone());
                    change.freed = Some(a);
                }
            }
        } else if let Some((id, _)) = &agent
            && !(held && e.entry_agent.as_deref() == Some(id.as_str()))
        {
            self.hold(
                &contact_id,
                s,
                e.customer_id.clone(),
                e.vip_tier.clone(),
                id,
                now_ms,
            );
            if let Some(prev) = e.entry_agent.filter(|p| held && p != id) {
                self.touched.insert(prev);
            }
            change.assigned_to = agent.clone();
        }
        self.calls.push((s.clone(), contact_id, e.vip_tier.clone()));
        change
    }

    fn hold(
        &mut self,
        contact_id: &str,
        s: &CallState,
        customer_id: Option<String>,
        vip_tier: Option<String>,
        agent_id: &str,
        now_ms: i64,
    ) {
        self.touched.insert(agent_id.to_string());
        self.holds.push(Hold {
            contact_id: contact_id.to_string(),
            queue: s.queue.clone().unwrap_or_else(|| "general".to_string()),
            customer_id,
            vip_tier,
            agent_id: agent_id.to_string(),
            offered_at_ms: s.offered_at_ms,
            answered_at_ms: s.answered_at_ms.unwrap_or(now_ms),
        });
    }

    async fn apply(self, tx: &mut AuditedTx, now_ms: i64) -> Result<(), StoreError> {
        const CONTACT_COLS: [&str; 8] = [
            "id",
            "customer_id",
            "channel",
            "direction",
            "status",
            "handler_id",
            "opened_at_ms",
            "closed_at_ms",
        ];
        for chunk in self.contacts.chunks(CHUNK) {
            let sql = format!(
                "{} ON CONFLICT (id) DO UPDATE SET status = excluded.status, handler_id = excluded.handler_id, \
                 opened_at_ms = excluded.opened_at_ms, closed_at_ms = excluded.closed_at_ms",
                multi_insert_in(tx.dialect(), "contacts", &CONTACT_COLS, chunk.len())
            );
            let args: Vec<Arg> = chunk
                .iter()
                .flat_map(|c| {
                    args![
                        c.id.as_str(),
                        c.customer_id.as_deref(),
                        "phone",
                        "inbound",
                        c.status,
                        c.handler_id.as_deref(),
                        c.opened_at_ms,
                        c.closed_at_ms
                    ]
                })
                .collect();
            tx.execute(&sql, &args).await?;
        }
        let call_cols: Vec<&str> = CALL_COLUMNS
            .split(',')
            .map(str::trim)
            .chain(["updated_at_ms"])
            .collect();
        for chunk in self.calls.chunks(CHUNK) {
            let sql = format!(
                "{} ON CONFLICT (call_id) DO UPDATE SET status = excluded.status, ani = excluded.ani, dnis = excluded.dnis, \
                 queue = excluded.queue, agent = excluded.agent, ivr_path = excluded.ivr_path, \
                 recording_ref = excluded.recording_ref, offered_at_ms = excluded.offered_at_ms, \
                 answered_at_ms = excluded.answered_at_ms, ended_at_ms = excluded.ended_at_ms, events = excluded.events, \
                 updated_at_ms = excluded.updated_at_ms",
                multi_insert_in(tx.dialect(), "calls", &call_cols, chunk.len())
            );
            let args: Vec<Arg> = chunk
                .iter()
                .flat_map(|(s, contact_id, vip)| {
                    args![
                        s.call_id.as_str(),
                        contact_id.as_str(),
                        s.status.as_str(),
                        s.ani.as_deref(),
                        s.dnis.as_deref(),
                        s.queue.as_deref(),
                        s.agent.as_deref(),
                        s.ivr_path.as_deref(),
                        s.recording_ref.as_deref(),
                        vip.as_deref(),
                        s.offered_at_ms,
                        s.answered_at_ms,
                        s.ended_at_ms,
                        i64::try_from(s.events).unwrap_or(i64::MAX),
                        now_ms
                    ]
                })
                .collect();
            tx.execute(&sql, &args).await?;
        }
        const ENTRY_COLS: [&str; 12] = [
            "contact_id",
            "queue",
            "skill",
            "channel",
            "customer_id",
            "vip_tier",
            "urgency",
            "priority",
            "status",
            "enqueued_at_ms",
            "agent_id",
            "assigned_at_ms",
        ];
        for chunk in self.holds.chunks(CHUNK) {
            let sql = format!(
                "{} ON CONFLICT (contact_id) DO UPDATE SET status = excluded.status, agent_id = excluded.agent_id, \
                 assigned_at_ms = excluded.assigned_at_ms, done_at_ms = NULL",
                multi_insert_in(tx.dialect(), "routing_entries", &ENTRY_COLS, chunk.len())
            );
            let args: Vec<Arg> = chunk
                .iter()
                .flat_map(|h| {
                    args![
                        h.contact_id.as_str(),
                        h.queue.as_str(),
                        "general",
                        "phone",
                        h.customer_id.as_deref(),
                        h.vip_tier.as_deref(),
                        Urgency::Normal.as_str(),
                        0i64,
                        EntryStatus::Assigned.as_str(),
                        h.offered_at_ms,
                        h.agent_id.as_str(),
                        h.answered_at_ms
                    ]
                })
                .collect();
            tx.execute(&sql, &args).await?;
        }
        if !self.finished.is_empty() {
            let d = tx.dialect();
            tx.execute(
                &format!(
                    "UPDATE routing_entries SET status = {}, done_at_ms = {} WHERE contact_id IN ({})",
                    param(d, 1),
                    param(d, 2),
                    json_text_list(d, 3)
                ),
                &[
                    Arg::from(EntryStatus::Done.as_str()),
                    Arg::from(now_ms),
                    json_list(self.finished.iter().map(String::as_str)),
                ],
            )
            .await?;
        }
        let freed: Vec<&str> = self.freed.iter().map(String::as_str).collect();
        tx.touch_idle(&freed, now_ms).await?;
        let agents: Vec<&str> = self
            .freed
            .union(&self.touched)
            .map(String::as_str)
            .collect();
        tx.refresh_presence(&agents, now_ms).await?;
        tx.audit_many(self.audits).await
    }
}

impl Store {
    /// Calls known, for the CTI benchmark's report.
    pub async fn count_calls(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = self.db.fetch_one_row("SELECT COUNT(*) FROM calls").await?;
        Ok(n)
    }
}
