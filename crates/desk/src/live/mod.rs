//! The live desk: routing requests, agent states, transfers and CTI intake, with the
//! assignments they produce pushed to whoever listens (screen pop, chat attach, the
//! supervisor's live view).
//!
//! Everything is persisted before it is announced: the waiting queue is the store's
//! routing entries, so a restart loses nothing. The desk keeps a copy of them in memory
//! (the [`board`]), so a routing pass reads nothing back; passes run one at a time (the
//! board's lock), each asking the pure router and applying its decision to the store,
//! then to the board. One node routes: the board does not see another node's changes.

use crate::error::DeskError;
use bankdesk_domain::ErrorCode;
use bankdesk_domain::bank::VipTier;
use bankdesk_domain::contact::ContactChannel;
use bankdesk_domain::cti::CallEvent;
use bankdesk_domain::routing::{
    AgentState, EntryStatus, Lane, Policy, Urgency, base_priority, check_name, route,
};
use bankdesk_store::Store;
use bankdesk_store::cti::CtiOutcome;
use bankdesk_store::routing::NewEntry;
use board::Board;
use serde::Serialize;
use std::collections::HashSet;
use std::sync::Arc;
use tokio::sync::{Mutex, broadcast, watch};

mod board;

/// A contact that needs an agent.
#[derive(Clone, Debug)]
pub struct WorkRequest {
    pub contact_id: String,
    pub channel: ContactChannel,
    /// e.g. "chat", "card", "vip", "general"
    pub skill: String,
    pub customer_id: Option<String>,
    pub vip_tier: Option<String>,
    pub urgency: Urgency,
}

/// Where a contact stands after a request or transfer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "placement", rename_all = "snake_case")]
pub enum Placement {
    Assigned {
        agent_id: String,
        agent_username: String,
    },
    Queued {
        queue: String,
        position: usize,
    },
}

/// A contact handed to an agent, announced after the assignment is committed.
#[derive(Clone, Debug, Serialize)]
pub struct Assignment {
    pub contact_id: String,
    pub agent_id: String,
    pub agent_username: String,
    pub channel: ContactChannel,
    pub customer_id: Option<String>,
}

/// Where a transfer sends a contact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransferTarget {
    Queue(String),
    /// An agent by username.
    Agent(String),
}

/// Milliseconds since the epoch; injectable so tests can move time instead of sleeping.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

pub struct Live {
    store: Store,
    policy: Policy,
    /// Route a skill's contacts only to agents who passed its current exam (issue 6).
    exam_gate: bool,
    clock: Clock,
    /// The routing board, read from the store on first use; holding the lock is a routing
    /// pass ([`Live::in_pass`]), so passes run one at a time.
    board: Mutex<Option<Board>>,
    assignments: broadcast::Sender<Assignment>,
    /// Bumped after every change the live view shows.
    changes: watch::Sender<u64>,
}

impl Live {
    pub fn new(store: Store, exam_gate: bool) -> Live {
        Live {
            store,
            policy: Policy::default(),
            exam_gate,
            clock: Arc::new(bankdesk_store::now_ms),
            board: Mutex::new(None),
            assignments: broadcast::channel(1024).0,
            changes: watch::channel(0).0,
        }
    }

    pub fn with_clock(mut self, clock: Clock) -> Live {
        self.clock = clock;
        self
    }

    pub fn with_policy(mut self, policy: Policy) -> Live {
        self.policy = policy;
        self
    }

    pub fn now(&self) -> i64 {
        (self.clock)()
    }

    /// Every assignment, for the chat helper's screen pop and chat attach.
    pub fn assignments(&self) -> broadcast::Receiver<Assignment> {
        self.assignments.subscribe()
    }

    /// Changes of queues or agents (the value is a counter; read [`Live::view`]).
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    fn changed(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Runs `work` as one routing pass on the board, which is read from the store if it is
    /// not in memory. After a failure the store may hold part of the pass's changes, which
    /// the board has not seen, so the board is dropped and the next pass reads it afresh.
    async fn in_pass<T>(
        &self,
        work: impl AsyncFnOnce(&mut Board) -> Result<T, DeskError>,
    ) -> Result<T, DeskError> {
        let mut guard = self.board.lock().await;
        let board = match guard.as_mut() {
            Some(b) => b,
            None => guard.insert(Board::new(self.store.routing_snapshot().await?)),
        };
        let r = work(board).await;
        if r.is_err() {
            *guard = None;
        }
        r
    }

    /// Persists the request, assigns now if an agent is free, else queues it.
    /// Assigning sets the contact's handler (so `contact:<id>` becomes that agent's purpose).
    pub async fn request(&self, req: WorkRequest) -> Result<Placement, DeskError> {
        check_name("skill", &req.skill).map_err(|e| DeskError::field(e.field, e.reason))?;
        self.in_pass(async |board| self.request_on(board, &req).await)
            .await
    }

    async fn request_on(
        &self,
        board: &mut Board,
        req: &WorkRequest,
    ) -> Result<Placement, DeskError> {
        let tier = req.vip_tier.as_deref().and_then(VipTier::parse);
        let queue = board.queue_for(&req.skill);
        let row = self
            .store
            .enqueue(&NewEntry {
                contact_id: &req.contact_id,
                queue: &queue,
                skill: &req.skill,
                urgency: req.urgency,
                vip_tier: tier.map(VipTier::as_str),
                priority: base_priority(tier, req.urgency),
                now_ms: self.now(),
            })
            .await?;
        board.put_entry(row);
        self.dispatch(board).await?;
        self.changed();
        self.placement(board, &req.contact_id)
    }

    pub async fn set_state(&self, user_id: &str, state: AgentState) -> Result<(), DeskError> {
        self.in_pass(async |board| self.set_state_on(board, user_id, state).await)
            .await
    }

    async fn set_state_on(
        &self,
        board: &mut Board,
        user_id: &str,
        state: AgentState,
    ) -> Result<(), DeskError> {
        self.store
            .set_agent_state(user_id, state, self.now())
            .await
            .map_err(|e| match e {
                bankdesk_store::StoreError::NotFound => DeskError::new(
                    ErrorCode::NotFound,
                    "you are not set up as a routable agent",
                ),
                other => other.into(),
            })?;
        self.refresh(board, &[], &[user_id]).await?;
        if state == AgentState::Available {
            self.dispatch(board).await?;
        }
        self.changed();
        Ok(())
    }

    /// The contact is over for its agent (chat closed, call ended, wrap-up done): frees capacity.
    pub async fn finish(&self, contact_id: &str) -> Result<(), DeskError> {
        self.in_pass(async |board| self.finish_on(board, contact_id).await)
            .await
    }

    async fn finish_on(&self, board: &mut Board, contact_id: &str) -> Result<(), DeskError> {
        let freed = self.store.finish_entry(contact_id, self.now()).await?;
        board.forget_entry(contact_id);
        if let Some(agent) = freed {
            self.refresh(board, &[], &[agent.as_str()]).await?;
            self.dispatch(board).await?;
        }
        self.changed();
        Ok(())
    }

    /// An agent took the contact from the inbox (committed by the store, which also
    /// makes its waiting entry theirs): the board re-reads the entry and the taker.
    pub async fn taken(&self, contact_id: &str, user_id: &str) -> Result<(), DeskError> {
        self.in_pass(async |board| {
            let r = self.refresh(board, &[contact_id], &[user_id]).await;
            self.changed();
            r
        })
        .await
    }

    /// Hand a contact to a queue or a named agent, keeping its notes.
    pub async fn transfer(
        &self,
        contact_id: &str,
        to: TransferTarget,
        note: Option<&str>,
    ) -> Result<Placement, DeskError> {
        self.in_pass(async |board| self.transfer_on(board, contact_id, to, note).await)
            .await
    }

    async fn transfer_on(
        &self,
        board: &mut Board,
        contact_id: &str,
        to: TransferTarget,
        note: Option<&str>,
    ) -> Result<Placement, DeskError> {
        let now = self.now();
        let contact = self.store.contact(contact_id).await?;
        if board.entry(contact_id).is_none() {
            // A contact opened by hand has no entry yet: give it one, held by its handler.
            let skill = match &to {
                TransferTarget::Queue(q) => board
                    .queue(q)
                    .map_or_else(|| "general".to_string(), |x| x.skill.clone()),
                TransferTarget::Agent(_) => "general".to_string(),
            };
            let queue = board.queue_for(&skill);
            let row = self
                .store
                .enqueue(&NewEntry {
                    contact_id,
                    queue: &queue,
                    skill: &skill,
                    urgency: Urgency::Normal,
                    vip_tier: None,
                    priority: 0,
                    now_ms: now,
                })
                .await?;
            board.put_entry(row);
        }
        let previous = board.entry(contact_id).and_then(|e| e.agent_id.clone());
        let placement = match to {
            TransferTarget::Queue(name) => {
                let queue = board
                    .queue(&name)
                    .cloned()
                    .ok_or_else(|| DeskError::field("queue", "no such queue"))?;
                self.store
                    .requeue_entry(contact_id, &queue, note, now)
                    .await?;
                let agents: Vec<&str> = previous.iter().map(String::as_str).collect();
                self.refresh(board, &[contact_id], &agents).await?;
                self.dispatch(board).await?;
                self.placement(board, contact_id)?
            }
            TransferTarget::Agent(username) => {
                let agent = board
                    .agent_by_username(&username)
                    .cloned()
                    .ok_or_else(|| DeskError::field("agent", "no such routable agent"))?;
                let lane = Lane::of(
                    ContactChannel::parse(&contact.channel).unwrap_or(ContactChannel::Chat),
                );
                let mut load = board
                    .loads(|_, _| true)
                    .into_iter()
                    .find(|l| l.agent_id == agent.user_id)
                    .ok_or_else(|| DeskError::field("agent", "no such routable agent"))?;
                // A transfer to a person needs no skill, but never overfills them.
                load.skills.insert("transfer".to_string());
                if contact.handler_id.as_deref() != Some(agent.user_id.as_str())
                    && !load.can_take(lane, "transfer", &self.policy)
                {
                    return Err(DeskError::new(
                        ErrorCode::RuleRefused,
                        format!("{username} cannot take it now (not available, or full)"),
                    ));
                }
                self.store
                    .transfer_entry_to(contact_id, &agent.user_id, note, now)
                    .await?;
                let mut agents = vec![agent.user_id.as_str()];
                agents.extend(previous.as_deref());
                self.refresh(board, &[contact_id], &agents).await?;
                let a = Assignment {
                    contact_id: contact_id.to_string(),
                    agent_id: agent.user_id.clone(),
                    agent_username: agent.username.clone(),
                    channel: ContactChannel::parse(&contact.channel)
                        .unwrap_or(ContactChannel::Chat),
                    customer_id: contact.customer_id.clone(),
                };
                let _ = self.assignments.send(a);
                // The previous handler's capacity is free again.
                self.dispatch(board).await?;
                Placement::Assigned {
                    agent_id: agent.user_id,
                    agent_username: agent.username,
                }
            }
        };
        self.changed();
        Ok(placement)
    }

    /// Stores a validated CTI delivery (committed before this returns), announces calls
    /// answered by an agent, and routes to agents the ended calls freed.
    pub async fn ingest_cti(&self, events: &[CallEvent]) -> Result<CtiOutcome, DeskError> {
        self.in_pass(async |board| self.ingest_cti_on(board, events).await)
            .await
    }

    async fn ingest_cti_on(
        &self,
        board: &mut Board,
        events: &[CallEvent],
    ) -> Result<CtiOutcome, DeskError> {
        let out = self.store.ingest_cti(events, self.now()).await?;
        // The delivery changed the entries of calls answered or ended, and the presence of
        // their agents, old and new.
        let mut contacts = Vec::new();
        // Owned: the previous holders are read off the board the refresh then changes.
        let mut agents: Vec<String> = Vec::new();
        for c in &out.changes {
            let on_board = board.entry(&c.contact_id);
            if c.assigned_to.is_none() && c.freed.is_none() && on_board.is_none() {
                continue;
            }
            contacts.push(c.contact_id.as_str());
            agents.extend(on_board.and_then(|e| e.agent_id.clone()));
            agents.extend(c.assigned_to.as_ref().map(|(id, _)| id.clone()));
            agents.extend(c.freed.clone());
        }
        let agents: Vec<&str> = agents.iter().map(String::as_str).collect();
        self.refresh(board, &contacts, &agents).await?;
        for c in &out.changes {
            if let Some((agent_id, username)) = &c.assigned_to {
                let _ = self.assignments.send(Assignment {
                    contact_id: c.contact_id.clone(),
                    agent_id: agent_id.clone(),
                    agent_username: username.clone(),
                    channel: ContactChannel::Phone,
                    customer_id: c.customer_id.clone(),
                });
            }
        }
        if out.changes.iter().any(|c| c.freed.is_some()) {
            self.dispatch(board).await?;
        }
        if !out.changes.is_empty() {
            self.changed();
        }
        Ok(out)
    }

    /// Re-reads these entries and agents from the store into the board.
    async fn refresh(
        &self,
        board: &mut Board,
        contacts: &[&str],
        agents: &[&str],
    ) -> Result<(), DeskError> {
        if !contacts.is_empty() {
            let rows = self.store.routing_entries_of(contacts).await?;
            for c in contacts {
                board.forget_entry(c);
            }
            for r in rows {
                board.put_entry(r);
            }
        }
        if !agents.is_empty() {
            for p in self.store.agent_presences(agents).await? {
                board.put_agent(p);
            }
        }
        Ok(())
    }

    /// Runs one routing pass over the board; the caller holds the lock.
    async fn dispatch(&self, board: &mut Board) -> Result<(), DeskError> {
        let now = self.now();
        let loads = board.loads(|_, _| true);
        if !board.anything_to_route(&loads, &self.policy) {
            return Ok(());
        }
        let denied = self.gate_denials(board, now).await?;
        let loads = if denied.is_empty() {
            loads
        } else {
            board.loads(|u, s| !denied.contains(&(u.to_string(), s.to_string())))
        };
        let decision = route(&loads, &board.work_items(), now, &self.policy);
        let mut agents = Vec::new();
        for (contact_id, agent_id) in decision.assigned {
            if !self.store.assign_entry(&contact_id, &agent_id, now).await? {
                // Someone else changed it (taken from the inbox, say): read what it is now.
                self.refresh(board, &[contact_id.as_str()], &[]).await?;
                continue;
            }
            let Some(mut row) = board.entry(&contact_id).cloned() else {
                continue;
            };
            row.status = EntryStatus::Assigned.as_str().to_string();
            row.agent_id = Some(agent_id.clone());
            row.assigned_at_ms = Some(now);
            let _ = self.assignments.send(Assignment {
                contact_id: contact_id.clone(),
                agent_id: agent_id.clone(),
                agent_username: board
                    .agent(&agent_id)
                    .map(|a| a.username.clone())
                    .unwrap_or_default(),
                channel: ContactChannel::parse(&row.channel).unwrap_or(ContactChannel::Chat),
                customer_id: row.customer_id.clone(),
            });
            board.put_entry(row);
            agents.push(agent_id);
        }
        let agents: Vec<&str> = agents.iter().map(String::as_str).collect();
        self.refresh(board, &[], &agents).await
    }

    /// (agent, skill) pairs the exam gate withholds, for the skills now waiting.
    async fn gate_denials(
        &self,
        board: &Board,
        now: i64,
    ) -> Result<HashSet<(String, String)>, DeskError> {
        let mut denied = HashSet::new();
        if !self.exam_gate {
            return Ok(denied);
        }
        let wanted = board.waiting_skills();
        for (user, skill) in board.skills() {
            if wanted.contains(skill.as_str())
                && !self.store.has_passed_current_exam(user, skill, now).await?
            {
                denied.insert((user.clone(), skill.clone()));
            }
        }
        Ok(denied)
    }

    fn placement(&self, board: &Board, contact_id: &str) -> Result<Placement, DeskError> {
        let entry = board.entry(contact_id).ok_or_else(DeskError::not_found)?;
        if entry.status == EntryStatus::Assigned.as_str()
            && let Some(agent_id) = &entry.agent_id
        {
            return Ok(Placement::Assigned {
                agent_id: agent_id.clone(),
                agent_username: board
                    .agent(agent_id)
                    .map(|a| a.username.clone())
                    .unwrap_or_default(),
            });
        }
        let (queue, position) = board
            .position(contact_id, self.now(), &self.policy)
            .ok_or_else(DeskError::not_found)?;
        Ok(Placement::Queued { queue, position })
    }
}

/// The supervisor's picture: every queue and every routable agent, now.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct LiveView {
    pub at_ms: i64,
    pub queues: Vec<QueueView>,
    pub agents: Vec<AgentView>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = LiveQueue)]
pub struct QueueView {
    pub name: String,
    pub label: String,
    pub skill: String,
    pub waiting: usize,
    /// Seconds the longest-waiting contact has waited (0 when none wait).
    pub longest_wait_s: i64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = LiveAgent)]
pub struct AgentView {
    pub username: String,
    pub display_name: String,
    #[schema(value_type = bankdesk_domain::routing::AgentState)]
    pub state: String,
    pub skills: Vec<String>,
    pub chat_capacity: i64,
    /// Contacts the agent holds now.
    pub contacts: Vec<HeldContact>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct HeldContact {
    pub contact_id: String,
    #[schema(value_type = bankdesk_domain::contact::ContactChannel)]
    pub channel: String,
    pub queue: String,
    pub since_ms: i64,
}

impl Live {
    /// The live view, from the board.
    pub async fn view(&self) -> Result<LiveView, DeskError> {
        self.in_pass(async |board| Ok(board.view(self.now()))).await
    }
}
