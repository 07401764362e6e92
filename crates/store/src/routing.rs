//! Routing state: agents' presence and skills, queues, and the routing entries of contacts
//! waiting for or held by an agent. The router itself is pure
//! ([`bankdesk_domain::routing`]); this module loads its input and applies its decisions,
//! each assignment in one transaction with the contact's handler and its audit record.

use crate::audit::{AuditRecord, AuditedTx};
use crate::db::{Arg, json_list, json_text_list, param};
use crate::{Store, StoreError, Tx, args, new_id};
use bankdesk_domain::contact::{ContactChannel, Direction};
use bankdesk_domain::error::FieldError;
use bankdesk_domain::routing::{
    AgentLoad, AgentState, EntryStatus, Lane, Policy, Urgency, check_name,
};
use std::collections::{BTreeMap, BTreeSet};

/// An agent's presence row with their user name.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct PresenceRow {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub state: String,
    pub chat_capacity: i64,
    pub idle_since_ms: i64,
    pub changed_at_ms: i64,
    pub busy_by_desk: bool,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct QueueRow {
    pub name: String,
    pub skill: String,
    pub label: String,
}

/// A contact waiting for, or held by, an agent.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct EntryRow {
    pub contact_id: String,
    pub queue: String,
    pub skill: String,
    pub channel: String,
    pub customer_id: Option<String>,
    pub vip_tier: Option<String>,
    pub urgency: String,
    pub priority: i64,
    pub status: String,
    pub enqueued_at_ms: i64,
    pub agent_id: Option<String>,
    pub assigned_at_ms: Option<i64>,
}

impl EntryRow {
    pub fn lane(&self) -> Lane {
        Lane::of(ContactChannel::parse(&self.channel).unwrap_or(ContactChannel::Chat))
    }
}

/// Everything the router needs, read in one go.
#[derive(Clone, Debug, Default)]
pub struct RoutingSnapshot {
    pub agents: Vec<PresenceRow>,
    /// (user_id, skill)
    pub skills: Vec<(String, String)>,
    pub queues: Vec<QueueRow>,
    /// Waiting and assigned entries.
    pub entries: Vec<EntryRow>,
}

/// A new routing entry.
#[derive(Clone, Debug)]
pub struct NewEntry<'a> {
    pub contact_id: &'a str,
    pub queue: &'a str,
    pub skill: &'a str,
    pub urgency: Urgency,
    pub vip_tier: Option<&'a str>,
    pub priority: u32,
    pub now_ms: i64,
}

const PRESENCE_SELECT: &str = "SELECT p.user_id, u.username, u.display_name, p.state, p.chat_capacity, \
     p.idle_since_ms, p.changed_at_ms, p.busy_by_desk FROM agent_presence p JOIN users u ON u.id = p.user_id";
const ENTRY_COLUMNS: &str = "contact_id, queue, skill, channel, customer_id, vip_tier, urgency, priority, status, \
     enqueued_at_ms, agent_id, assigned_at_ms";

impl Store {
    /// Creates or replaces a queue.
    pub async fn put_queue(&self, name: &str, skill: &str, label: &str) -> Result<(), StoreError> {
        check_name("name", name).map_err(StoreError::Invalid)?;
        check_name("skill", skill).map_err(StoreError::Invalid)?;
        self.db
            .execute(
                "INSERT INTO queues (name, skill, label) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO UPDATE SET skill = excluded.skill, label = excluded.label",
                &args![name, skill, label],
            )
            .await?;
        Ok(())
    }

    pub async fn queues(&self) -> Result<Vec<QueueRow>, StoreError> {
        self.db
            .fetch_all("SELECT name, skill, label FROM queues ORDER BY name", &[])
            .await
    }

    /// Makes `user_id` a routable agent with these skills and chat capacity (replacing
    /// earlier skills); a new agent starts offline.
    pub async fn set_agent_profile(
        &self,
        user_id: &str,
        skills: &[&str],
        chat_capacity: u32,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        for s in skills {
            check_name("skills", s).map_err(StoreError::Invalid)?;
        }
        if chat_capacity > bankdesk_domain::routing::MAX_CHAT_CAPACITY {
            return Err(StoreError::Invalid(FieldError::new(
                "chat_capacity",
                "at most 10",
            )));
        }
        let mut tx = self.db.begin().await?;
        tx.execute(
            "INSERT INTO agent_presence (user_id, state, chat_capacity, idle_since_ms, changed_at_ms, busy_by_desk) \
             VALUES ($1, $2, $3, $4, $4, $5) ON CONFLICT (user_id) DO UPDATE SET chat_capacity = excluded.chat_capacity",
            &args![user_id, AgentState::Offline.as_str(), chat_capacity, now_ms, false],
        )
        .await?;
        tx.execute(
            "DELETE FROM agent_skills WHERE user_id = $1",
            &args![user_id],
        )
        .await?;
        for s in skills {
            tx.execute(
                "INSERT INTO agent_skills (user_id, skill) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &args![user_id, *s],
            )
            .await?;
        }
        tx.commit().await
    }

    /// The agent's own choice of state. Not found when the user is not a routable agent.
    pub async fn set_agent_state(
        &self,
        user_id: &str,
        state: AgentState,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                "UPDATE agent_presence SET state = $1, changed_at_ms = $2, busy_by_desk = $3, \
                 idle_since_ms = CASE WHEN state = $1 THEN idle_since_ms ELSE $2 END WHERE user_id = $4",
                &args![state.as_str(), now_ms, false, user_id],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        // Available but already full (say, back from a break with chats open): busy.
        tx.refresh_presence(&[user_id], now_ms).await?;
        tx.commit().await
    }

    pub async fn agent_presence(&self, user_id: &str) -> Result<Option<PresenceRow>, StoreError> {
        self.db
            .fetch_optional(
                &format!("{PRESENCE_SELECT} WHERE p.user_id = $1"),
                &args![user_id],
            )
            .await
    }

    pub async fn routing_snapshot(&self) -> Result<RoutingSnapshot, StoreError> {
        Ok(RoutingSnapshot {
            agents: self
                .db
                .fetch_all(&format!("{PRESENCE_SELECT} ORDER BY u.username"), &[])
                .await?,
            skills: self
                .db
                .fetch_all("SELECT user_id, skill FROM agent_skills", &[])
                .await?,
            queues: self.queues().await?,
            entries: self
                .db
                .fetch_all(
                    &format!(
                        "SELECT {ENTRY_COLUMNS} FROM routing_entries WHERE status <> 'done' ORDER BY enqueued_at_ms, contact_id"
                    ),
                    &[],
                )
                .await?,
        })
    }

    /// The routing entries of these contacts, whatever their status (a contact without
    /// one is left out): what the live desk re-reads after others changed them.
    pub async fn routing_entries_of(
        &self,
        contact_ids: &[&str],
    ) -> Result<Vec<EntryRow>, StoreError> {
        self.fetch_by_ids(
            &format!("SELECT {ENTRY_COLUMNS} FROM routing_entries WHERE contact_id"),
            contact_ids,
        )
        .await
    }

    /// The presence rows of these agents (a user who is not a routable agent is left out).
    pub async fn agent_presences(&self, user_ids: &[&str]) -> Result<Vec<PresenceRow>, StoreError> {
        self.fetch_by_ids(&format!("{PRESENCE_SELECT} WHERE p.user_id"), user_ids)
            .await
    }

    /// `select` (ending in the id column) `IN` the ids, bound as one JSON list: one
    /// statement, prepared once, whatever the number of ids.
    async fn fetch_by_ids<T: crate::db::Row>(
        &self,
        select: &str,
        ids: &[&str],
    ) -> Result<Vec<T>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!("{select} IN ({})", json_text_list(self.db.dialect(), 1));
        self.db
            .fetch_all(&sql, &[json_list(ids.iter().copied())])
            .await
    }

    pub async fn routing_entry(&self, contact_id: &str) -> Result<Option<EntryRow>, StoreError> {
        self.db
            .fetch_optional(
                &format!("SELECT {ENTRY_COLUMNS} FROM routing_entries WHERE contact_id = $1"),
                &args![contact_id],
            )
            .await
    }

    /// Opens a contact nobody handles yet (a chat, a message, a call), for routing.
    pub async fn open_unassigned_contact(
        &self,
        source: &str,
        channel: ContactChannel,
        direction: Direction,
        customer_id: Option<&str>,
        now_ms: i64,
    ) -> Result<crate::contacts::ContactRow, StoreError> {
        if let Some(c) = customer_id
            && !self.customer_exists(c).await?
        {
            return Err(StoreError::Invalid(FieldError::new(
                "customer_id",
                "no such customer",
            )));
        }
        let id = new_id("ct");
        let mut tx = self.db.audited().await?;
        tx.execute(
            "INSERT INTO contacts (id, customer_id, channel, direction, status, opened_at_ms) VALUES ($1, $2, $3, $4, 'open', $5)",
            &args![id.as_str(), customer_id, channel.as_str(), direction.as_str(), now_ms],
        )
        .await?;
        tx.audit(
            AuditRecord::by(source, "contact.open")
                .customer(customer_id)
                .at(now_ms)
                .detail(serde_json::json!({"contact_id": id, "channel": channel.as_str()})),
        )
        .await?;
        let row = tx.contact(&id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Puts an open contact in a queue. A contact already waiting or held keeps its entry
    /// (a repeated request changes nothing); a finished entry is queued afresh.
    pub async fn enqueue(&self, e: &NewEntry<'_>) -> Result<EntryRow, StoreError> {
        check_name("skill", e.skill).map_err(StoreError::Invalid)?;
        let mut tx = self.db.begin().await?;
        let c = tx.contact(e.contact_id).await?;
        if c.status != "open" {
            return Err(StoreError::Conflict("the contact is closed".into()));
        }
        tx.execute(
            &format!(
                "INSERT INTO routing_entries ({ENTRY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL) \
                 ON CONFLICT (contact_id) DO UPDATE SET queue = excluded.queue, skill = excluded.skill, \
                 urgency = excluded.urgency, priority = excluded.priority, status = excluded.status, \
                 enqueued_at_ms = excluded.enqueued_at_ms, agent_id = NULL, assigned_at_ms = NULL, done_at_ms = NULL \
                 WHERE routing_entries.status = $11"
            ),
            &args![
                e.contact_id,
                e.queue,
                e.skill,
                c.channel.as_str(),
                c.customer_id.as_deref(),
                e.vip_tier,
                e.urgency.as_str(),
                i64::from(e.priority),
                EntryStatus::Waiting.as_str(),
                e.now_ms,
                EntryStatus::Done.as_str()
            ],
        )
        .await?;
        let row = tx.entry(e.contact_id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Hands a waiting contact to an agent: the entry, the contact's handler, the agent's
    /// presence and the audit record in one transaction. False when the entry was no
    /// longer waiting (someone else took it).
    pub async fn assign_entry(
        &self,
        contact_id: &str,
        agent_id: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.db.audited().await?;
        let n = tx
            .execute(
                "UPDATE routing_entries SET status = $1, agent_id = $2, assigned_at_ms = $3 WHERE contact_id = $4 AND status = $5",
                &args![EntryStatus::Assigned.as_str(), agent_id, now_ms, contact_id, EntryStatus::Waiting.as_str()],
            )
            .await?;
        if n == 0 {
            return Ok(false);
        }
        tx.hand_contact(contact_id, Some(agent_id), now_ms, "contact.assign")
            .await?;
        tx.refresh_presence(&[agent_id], now_ms).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The contact is over for its agent: the entry is done and the agent's capacity
    /// freed. Returns the agent who held it, if any.
    pub async fn finish_entry(
        &self,
        contact_id: &str,
        now_ms: i64,
    ) -> Result<Option<String>, StoreError> {
        let mut tx = self.db.begin().await?;
        let agent = tx.finish_entry(contact_id, now_ms).await?;
        tx.commit().await?;
        Ok(agent)
    }

    /// Sends a held or waiting contact back to a queue (handler cleared until routed), with
    /// an optional note by its current handler; the contact's notes stay with it.
    pub async fn requeue_entry(
        &self,
        contact_id: &str,
        queue: &QueueRow,
        note: Option<&str>,
        now_ms: i64,
    ) -> Result<Option<String>, StoreError> {
        let mut tx = self.db.audited().await?;
        let entry = tx.entry(contact_id).await?;
        let previous = tx.transfer_note(contact_id, note, now_ms).await?;
        tx.execute(
            "UPDATE routing_entries SET status = $1, queue = $2, skill = $3, agent_id = NULL, assigned_at_ms = NULL, done_at_ms = NULL \
             WHERE contact_id = $4",
            &args![EntryStatus::Waiting.as_str(), queue.name.as_str(), queue.skill.as_str(), contact_id],
        )
        .await?;
        tx.hand_contact(contact_id, None, now_ms, "contact.transfer")
            .await?;
        if let Some(a) = entry.agent_id.as_deref() {
            tx.touch_idle(&[a], now_ms).await?;
            tx.refresh_presence(&[a], now_ms).await?;
        }
        tx.commit().await?;
        Ok(previous)
    }

    /// Hands a contact straight to a named agent (a transfer to a person).
    pub async fn transfer_entry_to(
        &self,
        contact_id: &str,
        agent_id: &str,
        note: Option<&str>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.audited().await?;
        let entry = tx.entry(contact_id).await?;
        tx.transfer_note(contact_id, note, now_ms).await?;
        tx.execute(
            "UPDATE routing_entries SET status = $1, agent_id = $2, assigned_at_ms = $3, done_at_ms = NULL WHERE contact_id = $4",
            &args![EntryStatus::Assigned.as_str(), agent_id, now_ms, contact_id],
        )
        .await?;
        tx.hand_contact(contact_id, Some(agent_id), now_ms, "contact.transfer")
            .await?;
        if let Some(a) = entry.agent_id.as_deref().filter(|a| *a != agent_id) {
            tx.touch_idle(&[a], now_ms).await?;
            tx.refresh_presence(&[a], now_ms).await?;
        }
        tx.refresh_presence(&[agent_id], now_ms).await?;
        tx.commit().await
    }
}

impl AuditedTx {
    /// Sets (or clears) the contact's handler with its audit record.
    pub(crate) async fn hand_contact(
        &mut self,
        contact_id: &str,
        agent_id: Option<&str>,
        now_ms: i64,
        action: &str,
    ) -> Result<(), StoreError> {
        let c = self.contact(contact_id).await?;
        self.execute(
            "UPDATE contacts SET handler_id = $1 WHERE id = $2",
            &args![agent_id, contact_id],
        )
        .await?;
        self.audit(
            AuditRecord::by("routing", action)
                .customer(c.customer_id.as_deref())
                .at(now_ms)
                .detail(serde_json::json!({"contact_id": contact_id, "from": c.handler_id, "to": agent_id})),
        )
        .await?;
        Ok(())
    }
}

impl Tx {
    pub(crate) async fn entry(&mut self, contact_id: &str) -> Result<EntryRow, StoreError> {
        self.fetch_optional(
            &format!("SELECT {ENTRY_COLUMNS} FROM routing_entries WHERE contact_id = $1"),
            &args![contact_id],
        )
        .await?
        .ok_or(StoreError::NotFound)
    }

    /// A transfer's note, written as the current handler's; returns that handler.
    async fn transfer_note(
        &mut self,
        contact_id: &str,
        note: Option<&str>,
        now_ms: i64,
    ) -> Result<Option<String>, StoreError> {
        let c = self.contact(contact_id).await?;
        if c.status != "open" {
            return Err(StoreError::Conflict("the contact is closed".into()));
        }
        if let Some(text) = note.map(str::trim).filter(|t| !t.is_empty()) {
            if text.chars().count() > crate::contacts::MAX_NOTE {
                return Err(StoreError::Invalid(FieldError::new(
                    "note",
                    "longer than 4000 characters",
                )));
            }
            let Some(author) = c.handler_id.as_deref() else {
                return Err(StoreError::Invalid(FieldError::new(
                    "note",
                    "a waiting contact has no handler to write the note",
                )));
            };
            self.execute(
                "INSERT INTO contact_notes (id, contact_id, author_id, at_ms, text) VALUES ($1, $2, $3, $4, $5)",
                &args![new_id("nt"), contact_id, author, now_ms, text],
            )
            .await?;
        }
        Ok(c.handler_id)
    }

    pub(crate) async fn finish_entry(
        &mut self,
        contact_id: &str,
        now_ms: i64,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(Option<String>, String)> = self
            .fetch_optional(
                "SELECT agent_id, status FROM routing_entries WHERE contact_id = $1",
                &args![contact_id],
            )
            .await?;
        let Some((agent, status)) = row else {
            return Ok(None);
        };
        if status == EntryStatus::Done.as_str() {
            return Ok(None);
        }
        self.execute(
            "UPDATE routing_entries SET status = $1, done_at_ms = $2 WHERE contact_id = $3",
            &args![EntryStatus::Done.as_str(), now_ms, contact_id],
        )
        .await?;
        if let Some(a) = agent.as_deref() {
            self.touch_idle(&[a], now_ms).await?;
            self.refresh_presence(&[a], now_ms).await?;
        }
        Ok(agent)
    }

    /// Starts the idle time of the agents (their work just ended).
    pub(crate) async fn touch_idle(
        &mut self,
        agent_ids: &[&str],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        if agent_ids.is_empty() {
            return Ok(());
        }
        let d = self.dialect();
        self.execute(
            &format!(
                "UPDATE agent_presence SET idle_since_ms = {} WHERE user_id IN ({})",
                param(d, 1),
                json_text_list(d, 2)
            ),
            &[Arg::from(now_ms), json_list(agent_ids.iter().copied())],
        )
        .await?;
        Ok(())
    }

    /// Marks `available` agents who can take nothing more `busy` (by the desk), and
    /// returns desk-busy agents with room again to `available`. Takes all the agents at
    /// once, so a CTI delivery touching many agents reads their loads in two queries.
    pub(crate) async fn refresh_presence(
        &mut self,
        agent_ids: &[&str],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        if agent_ids.is_empty() {
            return Ok(());
        }
        let d = self.dialect();
        let list = json_list(agent_ids.iter().copied());
        let presence: Vec<(String, String, i64, bool)> = self
            .fetch_all(
                &format!(
                    "SELECT user_id, state, chat_capacity, busy_by_desk FROM agent_presence WHERE user_id IN ({})",
                    json_text_list(d, 1)
                ),
                std::slice::from_ref(&list),
            )
            .await?;
        if presence.is_empty() {
            return Ok(());
        }
        let held: Vec<(String, String, i64)> = self
            .fetch_all(
                &format!(
                    "SELECT agent_id, channel, COUNT(*) FROM routing_entries WHERE status = {} AND agent_id IN ({}) \
                     GROUP BY agent_id, channel",
                    param(d, 1),
                    json_text_list(d, 2)
                ),
                &[Arg::from(EntryStatus::Assigned.as_str()), list],
            )
            .await?;
        let mut becomes: BTreeMap<(&'static str, bool), Vec<&str>> = BTreeMap::new();
        for (agent_id, state, cap, by_desk) in &presence {
            let mut load = AgentLoad {
                agent_id: agent_id.clone(),
                state: AgentState::parse(state).unwrap_or(AgentState::Offline),
                skills: BTreeSet::new(),
                chat_capacity: u32::try_from(*cap).unwrap_or(0),
                voice: 0,
                text: 0,
                idle_since_ms: now_ms,
            };
            for (_, c, n) in held.iter().filter(|h| h.0 == *agent_id) {
                let n = u32::try_from(*n).unwrap_or(u32::MAX);
                match Lane::of(ContactChannel::parse(c).unwrap_or(ContactChannel::Chat)) {
                    Lane::Voice => load.voice += n,
                    Lane::Text => load.text += n,
                }
            }
            let full = load.is_full(&Policy::default());
            let next = match load.state {
                AgentState::Available if full => Some((AgentState::Busy, true)),
                AgentState::Busy if *by_desk && !full => Some((AgentState::Available, false)),
                _ => None,
            };
            if let Some((state, desk)) = next {
                becomes
                    .entry((state.as_str(), desk))
                    .or_default()
                    .push(agent_id);
            }
        }
        for ((state, desk), agents) in becomes {
            self.execute(
                &format!(
                    "UPDATE agent_presence SET state = {}, busy_by_desk = {}, changed_at_ms = {} WHERE user_id IN ({})",
                    param(d, 1),
                    param(d, 2),
                    param(d, 3),
                    json_text_list(d, 4)
                ),
                &[
                    Arg::from(state),
                    Arg::from(desk),
                    Arg::from(now_ms),
                    json_list(agents),
                ],
            )
            .await?;
        }
        Ok(())
    }
}

impl Store {
    /// The customer's VIP tier, for a routing request's priority.
    pub async fn customer_vip_tier(&self, customer_id: &str) -> Result<String, StoreError> {
        let (tier,): (String,) = self
            .db
            .fetch_optional(
                "SELECT vip_tier FROM customers WHERE id = $1",
                &args![customer_id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(tier)
    }
}
