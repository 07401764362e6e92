//! The live desk: routing requests, agent states, transfers and CTI intake, with the
//! assignments they produce pushed to whoever listens (screen pop, chat attach, the
//! supervisor's live view).
//!
//! Everything is persisted before it is announced: the waiting queue is the store's
//! routing entries, so a restart loses nothing. Routing passes run one at a time (a
//! mutex), each reading the store, asking the pure router and applying its decision.

use crate::error::ApiError;
use bankdesk_domain::ErrorCode;
use bankdesk_domain::bank::VipTier;
use bankdesk_domain::contact::ContactChannel;
use bankdesk_domain::cti::CallEvent;
use bankdesk_domain::routing::{
    AgentState, Decision, EntryStatus, Lane, Policy, Urgency, WorkItem, base_priority, check_name,
    route,
};
use bankdesk_store::Store;
use bankdesk_store::cti::CtiOutcome;
use bankdesk_store::routing::{NewEntry, RoutingSnapshot};
use serde::Serialize;
use std::collections::HashSet;
use std::sync::Arc;
use tokio::sync::{Mutex, broadcast, watch};

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
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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
    pass: Mutex<()>,
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
            pass: Mutex::new(()),
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

    /// Persists the request, assigns now if an agent is free, else queues it.
    /// Assigning sets the contact's handler (so `contact:<id>` becomes that agent's purpose).
    pub async fn request(&self, req: WorkRequest) -> Result<Placement, ApiError> {
        check_name("skill", &req.skill).map_err(|e| ApiError::field(e.field, e.reason))?;
        let tier = req.vip_tier.as_deref().and_then(VipTier::parse);
        let _pass = self.pass.lock().await;
        let snapshot = self.store.routing_snapshot().await?;
        let queue = snapshot.queue_for(&req.skill);
        let now = self.now();
        self.store
            .enqueue(&NewEntry {
                contact_id: &req.contact_id,
                queue: &queue,
                skill: &req.skill,
                urgency: req.urgency,
                vip_tier: tier.map(VipTier::as_str),
                priority: base_priority(tier, req.urgency),
                now_ms: now,
            })
            .await?;
        let decision = self.dispatch().await?;
        self.changed();
        self.placement(&req.contact_id, &decision).await
    }

    pub async fn set_state(&self, user_id: &str, state: AgentState) -> Result<(), ApiError> {
        let _pass = self.pass.lock().await;
        self.store
            .set_agent_state(user_id, state, self.now())
            .await
            .map_err(|e| match e {
                bankdesk_store::StoreError::NotFound => ApiError::new(
                    ErrorCode::NotFound,
                    "you are not set up as a routable agent",
                ),
                other => other.into(),
            })?;
        if state == AgentState::Available {
            self.dispatch().await?;
        }
        self.changed();
        Ok(())
    }

    /// The contact is over for its agent (chat closed, call ended, wrap-up done): frees capacity.
    pub async fn finish(&self, contact_id: &str) -> Result<(), ApiError> {
        let _pass = self.pass.lock().await;
        if self
            .store
            .finish_entry(contact_id, self.now())
            .await?
            .is_some()
        {
            self.dispatch().await?;
        }
        self.changed();
        Ok(())
    }

    /// Hand a contact to a queue or a named agent, keeping its notes.
    pub async fn transfer(
        &self,
        contact_id: &str,
        to: TransferTarget,
        note: Option<&str>,
    ) -> Result<Placement, ApiError> {
        let _pass = self.pass.lock().await;
        let now = self.now();
        let contact = self.store.contact(contact_id).await?;
        let snapshot = self.store.routing_snapshot().await?;
        if self.store.routing_entry(contact_id).await?.is_none() {
            // A contact opened by hand has no entry yet: give it one, held by its handler.
            let skill = match &to {
                TransferTarget::Queue(q) => snapshot
                    .queues
                    .iter()
                    .find(|x| &x.name == q)
                    .map_or_else(|| "general".to_string(), |x| x.skill.clone()),
                TransferTarget::Agent(_) => "general".to_string(),
            };
            let queue = snapshot.queue_for(&skill);
            self.store
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
        }
        let placement = match to {
            TransferTarget::Queue(name) => {
                let queue = snapshot
                    .queues
                    .iter()
                    .find(|q| q.name == name)
                    .ok_or_else(|| ApiError::field("queue", "no such queue"))?;
                self.store
                    .requeue_entry(contact_id, queue, note, now)
                    .await?;
                let decision = self.dispatch().await?;
                self.placement(contact_id, &decision).await?
            }
            TransferTarget::Agent(username) => {
                let agent = snapshot
                    .agents
                    .iter()
                    .find(|a| a.username == username)
                    .ok_or_else(|| ApiError::field("agent", "no such routable agent"))?;
                let lane = Lane::of(
                    ContactChannel::parse(&contact.channel).unwrap_or(ContactChannel::Chat),
                );
                let mut load = snapshot
                    .loads(|_, _| true)
                    .into_iter()
                    .find(|l| l.agent_id == agent.user_id)
                    .ok_or_else(|| ApiError::field("agent", "no such routable agent"))?;
                // A transfer to a person needs no skill, but never overfills them.
                load.skills.insert("transfer".to_string());
                if contact.handler_id.as_deref() != Some(agent.user_id.as_str())
                    && !load.can_take(lane, "transfer", &self.policy)
                {
                    return Err(ApiError::new(
                        ErrorCode::RuleRefused,
                        format!("{username} cannot take it now (not available, or full)"),
                    ));
                }
                self.store
                    .transfer_entry_to(contact_id, &agent.user_id, note, now)
                    .await?;
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
                self.dispatch().await?;
                Placement::Assigned {
                    agent_id: agent.user_id.clone(),
                    agent_username: agent.username.clone(),
                }
            }
        };
        self.changed();
        Ok(placement)
    }

    /// Stores a validated CTI delivery (committed before this returns), announces calls
    /// answered by an agent, and routes to agents the ended calls freed.
    pub async fn ingest_cti(&self, events: &[CallEvent]) -> Result<CtiOutcome, ApiError> {
        let _pass = self.pass.lock().await;
        let out = self.store.ingest_cti(events, self.now()).await?;
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
            self.dispatch().await?;
        }
        if !out.changes.is_empty() {
            self.changed();
        }
        Ok(out)
    }

    /// Runs one routing pass over the store's state; the caller holds `pass`.
    async fn dispatch(&self) -> Result<Decision, ApiError> {
        let now = self.now();
        let snapshot = self.store.routing_snapshot().await?;
        let items: Vec<WorkItem> = snapshot
            .entries
            .iter()
            .filter(|e| e.status == EntryStatus::Waiting.as_str())
            .map(|e| WorkItem {
                id: e.contact_id.clone(),
                skill: e.skill.clone(),
                lane: e.lane(),
                base_priority: u32::try_from(e.priority).unwrap_or(0),
                enqueued_at_ms: e.enqueued_at_ms,
            })
            .collect();
        if items.is_empty() {
            return Ok(Decision::default());
        }
        let denied = self.gate_denials(&snapshot, &items, now).await?;
        let loads = snapshot.loads(|u, s| !denied.contains(&(u.to_string(), s.to_string())));
        let decision = route(&loads, &items, now, &self.policy);
        let mut applied = Decision {
            assigned: Vec::new(),
            waiting: decision.waiting,
        };
        for (contact_id, agent_id) in decision.assigned {
            if !self.store.assign_entry(&contact_id, &agent_id, now).await? {
                continue;
            }
            let entry = snapshot.entries.iter().find(|e| e.contact_id == contact_id);
            let username = snapshot
                .agents
                .iter()
                .find(|a| a.user_id == agent_id)
                .map(|a| a.username.clone())
                .unwrap_or_default();
            let _ = self.assignments.send(Assignment {
                contact_id: contact_id.clone(),
                agent_id: agent_id.clone(),
                agent_username: username,
                channel: entry
                    .and_then(|e| ContactChannel::parse(&e.channel))
                    .unwrap_or(ContactChannel::Chat),
                customer_id: entry.and_then(|e| e.customer_id.clone()),
            });
            applied.assigned.push((contact_id, agent_id));
        }
        Ok(applied)
    }

    /// (agent, skill) pairs the exam gate withholds, for the skills now waiting.
    async fn gate_denials(
        &self,
        snapshot: &RoutingSnapshot,
        items: &[WorkItem],
        now: i64,
    ) -> Result<HashSet<(String, String)>, ApiError> {
        let mut denied = HashSet::new();
        if !self.exam_gate {
            return Ok(denied);
        }
        let wanted: HashSet<&str> = items.iter().map(|i| i.skill.as_str()).collect();
        for (user, skill) in &snapshot.skills {
            if wanted.contains(skill.as_str())
                && !self.store.has_passed_current_exam(user, skill, now).await?
            {
                denied.insert((user.clone(), skill.clone()));
            }
        }
        Ok(denied)
    }

    async fn placement(
        &self,
        contact_id: &str,
        decision: &Decision,
    ) -> Result<Placement, ApiError> {
        let entry = self
            .store
            .routing_entry(contact_id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        if entry.status == EntryStatus::Assigned.as_str()
            && let Some(agent_id) = entry.agent_id
        {
            let username = self
                .store
                .agent_presence(&agent_id)
                .await?
                .map(|p| p.username)
                .unwrap_or_default();
            return Ok(Placement::Assigned {
                agent_id,
                agent_username: username,
            });
        }
        let snapshot = self.store.routing_snapshot().await?;
        let position = decision
            .waiting
            .iter()
            .filter(|id| {
                snapshot
                    .entries
                    .iter()
                    .any(|e| &e.contact_id == *id && e.queue == entry.queue)
            })
            .position(|id| id == contact_id)
            .map_or(1, |p| p + 1);
        Ok(Placement::Queued {
            queue: entry.queue,
            position,
        })
    }
}

/// The supervisor's picture: every queue and every routable agent, now.
#[derive(Clone, Debug, Serialize)]
pub struct LiveView {
    pub at_ms: i64,
    pub queues: Vec<QueueView>,
    pub agents: Vec<AgentView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct QueueView {
    pub name: String,
    pub label: String,
    pub skill: String,
    pub waiting: usize,
    /// Seconds the longest-waiting contact has waited (0 when none wait).
    pub longest_wait_s: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct AgentView {
    pub username: String,
    pub display_name: String,
    pub state: String,
    pub skills: Vec<String>,
    pub chat_capacity: i64,
    /// Contacts the agent holds now.
    pub contacts: Vec<HeldContact>,
}

#[derive(Clone, Debug, Serialize)]
pub struct HeldContact {
    pub contact_id: String,
    pub channel: String,
    pub queue: String,
    pub since_ms: i64,
}

impl Live {
    /// The live view, read from the store.
    pub async fn view(&self) -> Result<LiveView, ApiError> {
        let now = self.now();
        let s = self.store.routing_snapshot().await?;
        let mut queues: Vec<QueueView> = s
            .queues
            .iter()
            .map(|q| QueueView {
                name: q.name.clone(),
                label: q.label.clone(),
                skill: q.skill.clone(),
                waiting: 0,
                longest_wait_s: 0,
            })
            .collect();
        for e in s
            .entries
            .iter()
            .filter(|e| e.status == EntryStatus::Waiting.as_str())
        {
            let i = match queues.iter().position(|q| q.name == e.queue) {
                Some(i) => i,
                None => {
                    queues.push(QueueView {
                        name: e.queue.clone(),
                        label: e.queue.clone(),
                        skill: e.skill.clone(),
                        waiting: 0,
                        longest_wait_s: 0,
                    });
                    queues.len() - 1
                }
            };
            let q = &mut queues[i];
            q.waiting += 1;
            q.longest_wait_s = q.longest_wait_s.max((now - e.enqueued_at_ms).max(0) / 1000);
        }
        let agents = s
            .agents
            .iter()
            .map(|a| {
                let mut skills: Vec<String> = s
                    .skills
                    .iter()
                    .filter(|(u, _)| *u == a.user_id)
                    .map(|(_, k)| k.clone())
                    .collect();
                skills.sort();
                AgentView {
                    username: a.username.clone(),
                    display_name: a.display_name.clone(),
                    state: a.state.clone(),
                    skills,
                    chat_capacity: a.chat_capacity,
                    contacts: s
                        .entries
                        .iter()
                        .filter(|e| {
                            e.status == EntryStatus::Assigned.as_str()
                                && e.agent_id.as_deref() == Some(a.user_id.as_str())
                        })
                        .map(|e| HeldContact {
                            contact_id: e.contact_id.clone(),
                            channel: e.channel.clone(),
                            queue: e.queue.clone(),
                            since_ms: e.assigned_at_ms.unwrap_or(e.enqueued_at_ms),
                        })
                        .collect(),
                }
            })
            .collect();
        Ok(LiveView {
            at_ms: now,
            queues,
            agents,
        })
    }
}
