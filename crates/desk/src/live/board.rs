//! The routing board: the live desk's copy, in memory, of the store's routing state
//! (agents, skills, queues, and the entries waiting for or held by an agent).
//!
//! Reading the whole waiting queue from the store for every request made a burst of
//! chats quadratic; the board is read once, then kept current by the live desk, which
//! writes every change to the store first and then applies the row the store returns.
//! Where a change was made by others (a message taken from the inbox, a CTI delivery)
//! the desk re-reads just the rows concerned.

use super::{AgentView, HeldContact, LiveView, QueueView};
use bankdesk_domain::routing::{
    AgentLoad, AgentState, EntryStatus, Lane, Policy, WorkItem, open_work, queue_position,
};
use bankdesk_store::routing::{EntryRow, PresenceRow, QueueRow, RoutingSnapshot};
use std::collections::{BTreeSet, HashMap, HashSet};

/// A waiting entry with its router item, built once when it joins the board.
#[derive(Clone, Debug)]
struct Waiting {
    row: EntryRow,
    item: WorkItem,
}

#[derive(Clone, Debug, Default)]
pub struct Board {
    /// By username, as the live view lists them.
    agents: Vec<PresenceRow>,
    /// (user_id, skill)
    skills: Vec<(String, String)>,
    queues: Vec<QueueRow>,
    waiting: HashMap<String, Waiting>,
    held: HashMap<String, EntryRow>,
    /// Counts arrivals, for FIFO within a millisecond. After a restart the order within a
    /// millisecond is the store's (by contact id).
    arrivals: u64,
}

fn work_item(e: &EntryRow, arrival: u64) -> WorkItem {
    WorkItem {
        id: e.contact_id.clone(),
        skill: e.skill.clone(),
        lane: e.lane(),
        base_priority: u32::try_from(e.priority).unwrap_or(0),
        enqueued_at_ms: e.enqueued_at_ms,
        arrival,
    }
}

impl Board {
    pub fn new(s: RoutingSnapshot) -> Board {
        let mut board = Board {
            agents: s.agents,
            skills: s.skills,
            queues: s.queues,
            ..Board::default()
        };
        board.agents.sort_by(|a, b| a.username.cmp(&b.username));
        for e in s.entries {
            board.put_entry(e);
        }
        board
    }

    /// Takes the store's row of an entry: waiting, held, or (done) gone.
    pub fn put_entry(&mut self, e: EntryRow) {
        let id = e.contact_id.clone();
        let before = self.waiting.remove(&id);
        self.held.remove(&id);
        if e.status == EntryStatus::Waiting.as_str() {
            // The same wait read again keeps its place; a new one goes to the back.
            let arrival = match before {
                Some(w) if w.row.enqueued_at_ms == e.enqueued_at_ms => w.item.arrival,
                _ => {
                    self.arrivals += 1;
                    self.arrivals
                }
            };
            let item = work_item(&e, arrival);
            self.waiting.insert(id, Waiting { row: e, item });
        } else if e.status == EntryStatus::Assigned.as_str() {
            self.held.insert(id, e);
        }
    }

    /// The entry is gone from the store (or done).
    pub fn forget_entry(&mut self, contact_id: &str) {
        self.waiting.remove(contact_id);
        self.held.remove(contact_id);
    }

    pub fn put_agent(&mut self, p: PresenceRow) {
        match self
            .agents
            .binary_search_by(|a| a.username.as_str().cmp(&p.username))
        {
            Ok(i) => self.agents[i] = p,
            Err(i) => self.agents.insert(i, p),
        }
    }

    pub fn entry(&self, contact_id: &str) -> Option<&EntryRow> {
        self.waiting
            .get(contact_id)
            .map(|w| &w.row)
            .or_else(|| self.held.get(contact_id))
    }

    pub fn agent(&self, user_id: &str) -> Option<&PresenceRow> {
        self.agents.iter().find(|a| a.user_id == user_id)
    }

    pub fn agent_by_username(&self, username: &str) -> Option<&PresenceRow> {
        self.agents
            .binary_search_by(|a| a.username.as_str().cmp(username))
            .ok()
            .map(|i| &self.agents[i])
    }

    pub fn skills(&self) -> &[(String, String)] {
        &self.skills
    }

    pub fn queue(&self, name: &str) -> Option<&QueueRow> {
        self.queues.iter().find(|q| q.name == name)
    }

    /// The queue serving `skill`: the first by name, or one named after the skill.
    pub fn queue_for(&self, skill: &str) -> String {
        self.queues
            .iter()
            .find(|q| q.skill == skill)
            .map_or_else(|| skill.to_string(), |q| q.name.clone())
    }

    /// The router's view of each agent; `gate` may withdraw a skill (the exam gate).
    pub fn loads(&self, mut gate: impl FnMut(&str, &str) -> bool) -> Vec<AgentLoad> {
        let mut skills: HashMap<&str, BTreeSet<String>> = HashMap::new();
        for (u, s) in &self.skills {
            if gate(u, s) {
                skills.entry(u.as_str()).or_default().insert(s.clone());
            }
        }
        let mut held: HashMap<&str, (u32, u32)> = HashMap::new();
        for e in self.held.values() {
            if let Some(a) = e.agent_id.as_deref() {
                let (voice, text) = held.entry(a).or_default();
                match e.lane() {
                    Lane::Voice => *voice += 1,
                    Lane::Text => *text += 1,
                }
            }
        }
        self.agents
            .iter()
            .map(|a| {
                let (voice, text) = held.get(a.user_id.as_str()).copied().unwrap_or_default();
                AgentLoad {
                    agent_id: a.user_id.clone(),
                    state: AgentState::parse(&a.state).unwrap_or(AgentState::Offline),
                    skills: skills.remove(a.user_id.as_str()).unwrap_or_default(),
                    chat_capacity: u32::try_from(a.chat_capacity).unwrap_or(0),
                    voice,
                    text,
                    idle_since_ms: a.idle_since_ms,
                }
            })
            .collect()
    }

    /// Whether any waiting contact is one some agent could take now: when none is (every
    /// agent busy in a burst) a routing pass has nothing to do.
    pub fn anything_to_route(&self, loads: &[AgentLoad], policy: &Policy) -> bool {
        let open = open_work(loads, policy);
        !open.is_empty()
            && self
                .waiting
                .values()
                .any(|w| open.contains(&(w.item.lane, w.item.skill.clone())))
    }

    /// The skills of the waiting contacts.
    pub fn waiting_skills(&self) -> HashSet<&str> {
        self.waiting
            .values()
            .map(|w| w.item.skill.as_str())
            .collect()
    }

    pub fn work_items(&self) -> Vec<WorkItem> {
        self.waiting.values().map(|w| w.item.clone()).collect()
    }

    /// The queue a waiting contact is in, and its place there (1 is next).
    pub fn position(
        &self,
        contact_id: &str,
        now_ms: i64,
        policy: &Policy,
    ) -> Option<(String, usize)> {
        let me = self.waiting.get(contact_id)?;
        let others = self
            .waiting
            .values()
            .filter(|w| w.row.queue == me.row.queue && w.row.contact_id != contact_id)
            .map(|w| &w.item);
        Some((
            me.row.queue.clone(),
            queue_position(&me.item, others, now_ms, policy),
        ))
    }

    /// The supervisor's picture of the board at `now_ms`.
    pub fn view(&self, now_ms: i64) -> LiveView {
        let mut queues: Vec<QueueView> = self
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
        for e in self.waiting.values().map(|w| &w.row) {
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
            q.longest_wait_s = q
                .longest_wait_s
                .max((now_ms - e.enqueued_at_ms).max(0) / 1000);
        }
        let mut contacts: HashMap<&str, Vec<HeldContact>> = HashMap::new();
        for e in self.held.values() {
            if let Some(a) = e.agent_id.as_deref() {
                contacts.entry(a).or_default().push(HeldContact {
                    contact_id: e.contact_id.clone(),
                    channel: e.channel.clone(),
                    queue: e.queue.clone(),
                    since_ms: e.assigned_at_ms.unwrap_or(e.enqueued_at_ms),
                });
            }
        }
        let agents = self
            .agents
            .iter()
            .map(|a| {
                let mut skills: Vec<String> = self
                    .skills
                    .iter()
                    .filter(|(u, _)| *u == a.user_id)
                    .map(|(_, k)| k.clone())
                    .collect();
                skills.sort();
                let mut held = contacts.remove(a.user_id.as_str()).unwrap_or_default();
                held.sort_by(|x, y| (x.since_ms, &x.contact_id).cmp(&(y.since_ms, &y.contact_id)));
                AgentView {
                    username: a.username.clone(),
                    display_name: a.display_name.clone(),
                    state: a.state.clone(),
                    skills,
                    chat_capacity: a.chat_capacity,
                    contacts: held,
                }
            })
            .collect();
        LiveView {
            at_ms: now_ms,
            queues,
            agents,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(id: &str, username: &str, state: AgentState) -> PresenceRow {
        PresenceRow {
            user_id: id.into(),
            username: username.into(),
            display_name: username.into(),
            state: state.as_str().into(),
            chat_capacity: 2,
            idle_since_ms: 0,
            changed_at_ms: 0,
            busy_by_desk: false,
        }
    }

    fn entry(
        id: &str,
        status: EntryStatus,
        agent: Option<&str>,
        priority: i64,
        at: i64,
    ) -> EntryRow {
        EntryRow {
            contact_id: id.into(),
            queue: "chat".into(),
            skill: "chat".into(),
            channel: "chat".into(),
            customer_id: None,
            vip_tier: None,
            urgency: "normal".into(),
            priority,
            status: status.as_str().into(),
            enqueued_at_ms: at,
            agent_id: agent.map(str::to_string),
            assigned_at_ms: agent.map(|_| at),
        }
    }

    fn board() -> Board {
        Board::new(RoutingSnapshot {
            agents: vec![
                agent("u2", "agent02", AgentState::Available),
                agent("u1", "agent01", AgentState::Available),
            ],
            skills: vec![("u1".into(), "chat".into()), ("u2".into(), "chat".into())],
            queues: vec![QueueRow {
                name: "chat".into(),
                skill: "chat".into(),
                label: "在线客服".into(),
            }],
            entries: vec![
                entry("c1", EntryStatus::Assigned, Some("u1"), 0, 0),
                entry("c2", EntryStatus::Assigned, Some("u1"), 0, 10),
                entry("w1", EntryStatus::Waiting, None, 0, 100),
                entry("w2", EntryStatus::Waiting, None, 3, 200),
            ],
        })
    }

    #[test]
    fn loads_count_what_each_agent_holds() {
        let b = board();
        let loads = b.loads(|_, _| true);
        let u1 = loads.iter().find(|l| l.agent_id == "u1").unwrap();
        let u2 = loads.iter().find(|l| l.agent_id == "u2").unwrap();
        assert_eq!((u1.text, u2.text), (2, 0));
        assert!(
            b.anything_to_route(&loads, &Policy::default()),
            "u2 has room"
        );
        let gated = b.loads(|u, _| u != "u2");
        assert!(
            !b.anything_to_route(&gated, &Policy::default()),
            "u1 is full and u2 may not take chats"
        );
    }

    #[test]
    fn an_entry_moves_between_waiting_held_and_gone() {
        let mut b = board();
        assert_eq!(
            b.position("w2", 300, &Policy::default()),
            Some(("chat".into(), 1))
        );
        assert_eq!(
            b.position("w1", 300, &Policy::default()),
            Some(("chat".into(), 2))
        );
        b.put_entry(entry("w2", EntryStatus::Assigned, Some("u2"), 3, 200));
        assert_eq!(b.position("w2", 300, &Policy::default()), None);
        assert_eq!(
            b.position("w1", 300, &Policy::default()),
            Some(("chat".into(), 1))
        );
        assert_eq!(
            b.entry("w2").and_then(|e| e.agent_id.as_deref()),
            Some("u2")
        );
        b.put_entry(entry("w2", EntryStatus::Done, Some("u2"), 3, 200));
        assert!(b.entry("w2").is_none());
        b.forget_entry("w1");
        assert!(b.work_items().is_empty());
    }

    #[test]
    fn within_a_millisecond_the_first_put_is_first_in_line() {
        let mut b = board();
        b.forget_entry("w1");
        b.forget_entry("w2");
        b.put_entry(entry("zz", EntryStatus::Waiting, None, 0, 500));
        b.put_entry(entry("aa", EntryStatus::Waiting, None, 0, 500));
        // Read back again (a refresh), the first keeps its place.
        b.put_entry(entry("zz", EntryStatus::Waiting, None, 0, 500));
        let p = Policy::default();
        assert_eq!(b.position("zz", 600, &p), Some(("chat".into(), 1)));
        assert_eq!(b.position("aa", 600, &p), Some(("chat".into(), 2)));
    }

    #[test]
    fn the_view_lists_queues_and_agents_in_order() {
        let mut b = board();
        b.put_agent(agent("u0", "agent00", AgentState::Break));
        let v = b.view(5_000);
        let names: Vec<&str> = v.agents.iter().map(|a| a.username.as_str()).collect();
        assert_eq!(names, ["agent00", "agent01", "agent02"]);
        assert_eq!((v.queues[0].waiting, v.queues[0].longest_wait_s), (2, 4));
        let held: Vec<&str> = v.agents[1]
            .contacts
            .iter()
            .map(|c| c.contact_id.as_str())
            .collect();
        assert_eq!(held, ["c1", "c2"]);
        b.put_agent(agent("u0", "agent00", AgentState::Available));
        assert_eq!(b.agent_by_username("agent00").unwrap().state, "available");
        assert_eq!(b.agent("u0").unwrap().username, "agent00");
    }
}
