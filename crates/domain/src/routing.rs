//! Routing (ACD): who gets which waiting contact. Pure: the caller passes the agents'
//! loads, the waiting items and the clock, and applies the decision.
//!
//! Rules, in one place:
//! - Only an agent whose state is `available` gets new work. The desk keeps a chat agent
//!   `available` while they have spare chat capacity and marks them `busy` when full (or on
//!   a call); a `busy` agent therefore never gets more, even below capacity, so an agent
//!   who sets `busy` themselves is left alone.
//! - Voice is exclusive: an agent on a call takes nothing else, and an agent with open
//!   chats is not offered a call. Text contacts (chat, WeChat, email) share the chat
//!   capacity (default 3), voice contacts (phone, outbound, counter) the voice capacity (1).
//! - Items are served by effective priority: the base priority from VIP tier and urgency,
//!   plus one level per [`Policy::aging_step_ms`] waited, so a long wait outranks any newer
//!   arrival. Ties go to the earlier arrival (FIFO within a priority), then the id.
//! - Among agents who can take an item, the one with the fewest contacts in that lane wins,
//!   then the longest idle, then the id.
//! - An item no agent can take waits; the items behind it are still served.

use crate::bank::VipTier;
use crate::contact::ContactChannel;
use crate::error::FieldError;
use crate::wire::wire_enum;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BTreeSet, HashSet};

wire_enum!(
    /// An agent's presence. `busy` is also set by the desk while the agent is full.
    AgentState { Available = "available", Busy = "busy", AfterCallWork = "after_call_work", Break = "break", Offline = "offline" }
);
wire_enum!(
    /// Why a contact jumps the queue: a card kept by an ATM (the customer is standing at
    /// it) or a fraud alert (money may be leaving now).
    Urgency { Normal = "normal", CardRetained = "card_retained", FraudAlert = "fraud_alert" }
);
wire_enum!(
    /// Whether a routing entry is waiting for an agent, held by one, or over.
    EntryStatus { Waiting = "waiting", Assigned = "assigned", Done = "done" }
);

/// Default chat capacity of an agent (issue 4).
pub const DEFAULT_CHAT_CAPACITY: u32 = 3;
/// Most chats one agent may be given, whatever the configuration says.
pub const MAX_CHAT_CAPACITY: u32 = 10;
/// Skill and queue names are short identifiers.
pub const MAX_NAME_CHARS: usize = 32;

/// Which capacity a contact uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lane {
    Voice,
    Text,
}

impl Lane {
    pub fn of(channel: ContactChannel) -> Lane {
        match channel {
            ContactChannel::Phone | ContactChannel::Outbound | ContactChannel::Counter => {
                Lane::Voice
            }
            ContactChannel::Chat | ContactChannel::Email | ContactChannel::Wechat => Lane::Text,
        }
    }
}

/// A skill or queue name: lowercase ASCII letters, digits and `_`, 1 to 32 characters.
pub fn check_name(field: &'static str, s: &str) -> Result<(), FieldError> {
    let ok = !s.is_empty()
        && s.len() <= MAX_NAME_CHARS
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            "1 to 32 lowercase letters, digits or _",
        ))
    }
}

/// Base priority: VIP tier 0..=3 plus urgency (card retained 4, fraud alert 5), so an
/// urgent ordinary customer comes before a calm diamond one.
pub fn base_priority(vip_tier: Option<VipTier>, urgency: Urgency) -> u32 {
    let vip = match vip_tier {
        None | Some(VipTier::None) => 0,
        Some(VipTier::Gold) => 1,
        Some(VipTier::Platinum) => 2,
        Some(VipTier::Diamond) | Some(VipTier::Private) => 3,
    };
    let urgent = match urgency {
        Urgency::Normal => 0,
        Urgency::CardRetained => 4,
        Urgency::FraudAlert => 5,
    };
    vip + urgent
}

/// The highest base priority; an item that has waited `(MAX_BASE_PRIORITY + 1)` aging
/// steps outranks every newer arrival.
pub const MAX_BASE_PRIORITY: u32 = 8;

/// Tunables of the router.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Waiting this long raises an item by one priority level.
    pub aging_step_ms: i64,
    /// Calls an agent holds at once (1).
    pub voice_capacity: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            aging_step_ms: 30_000,
            voice_capacity: 1,
        }
    }
}

/// One agent as the router sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentLoad {
    pub agent_id: String,
    pub state: AgentState,
    /// Skills the agent may be routed now (the exam gate already applied).
    pub skills: BTreeSet<String>,
    pub chat_capacity: u32,
    pub voice: u32,
    pub text: u32,
    /// When the agent last got or finished work; smaller is idle longer.
    pub idle_since_ms: i64,
}

impl AgentLoad {
    /// Whether the agent may take one more item of `lane` needing `skill`.
    pub fn can_take(&self, lane: Lane, skill: &str, policy: &Policy) -> bool {
        if self.state != AgentState::Available || !self.skills.contains(skill) {
            return false;
        }
        match lane {
            Lane::Voice => self.text == 0 && self.voice < policy.voice_capacity,
            Lane::Text => self.voice == 0 && self.text < self.chat_capacity,
        }
    }

    fn load(&self, lane: Lane) -> u32 {
        match lane {
            Lane::Voice => self.voice,
            Lane::Text => self.text,
        }
    }

    /// True when the agent can take nothing more in any lane (the desk shows them busy).
    pub fn is_full(&self, policy: &Policy) -> bool {
        self.voice >= policy.voice_capacity || (self.voice == 0 && self.text >= self.chat_capacity)
    }
}

/// One waiting contact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkItem {
    pub id: String,
    pub skill: String,
    pub lane: Lane,
    pub base_priority: u32,
    pub enqueued_at_ms: i64,
    /// Order of arrival, which keeps FIFO among items enqueued in the same millisecond (a
    /// burst of chats is many a millisecond).
    pub arrival: u64,
}

impl WorkItem {
    /// Base priority plus one level per aging step waited.
    pub fn effective_priority(&self, now_ms: i64, policy: &Policy) -> u64 {
        let waited = now_ms.saturating_sub(self.enqueued_at_ms).max(0);
        let steps = waited / policy.aging_step_ms.max(1);
        u64::from(self.base_priority) + u64::try_from(steps).unwrap_or(0)
    }

    /// The serving order: higher effective priority, then the earlier arrival, then the
    /// id (so the order is total and stable).
    fn serving_key(&self, now_ms: i64, policy: &Policy) -> (Reverse<u64>, i64, u64, &str) {
        (
            Reverse(self.effective_priority(now_ms, policy)),
            self.enqueued_at_ms,
            self.arrival,
            self.id.as_str(),
        )
    }
}

/// Indices of `items` in serving order.
pub fn rank(items: &[WorkItem], now_ms: i64, policy: &Policy) -> Vec<usize> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_cached_key(|&i| items[i].serving_key(now_ms, policy));
    order
}

/// Where `item` stands among `others` waiting in its queue: 1 + how many are served
/// before it. Counting instead of sorting keeps a long queue's answer linear.
pub fn queue_position<'a>(
    item: &WorkItem,
    others: impl IntoIterator<Item = &'a WorkItem>,
    now_ms: i64,
    policy: &Policy,
) -> usize {
    let key = item.serving_key(now_ms, policy);
    1 + others
        .into_iter()
        .filter(|o| o.serving_key(now_ms, policy) < key)
        .count()
}

/// What the router decided.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decision {
    /// (item id, agent id), in serving order.
    pub assigned: Vec<(String, String)>,
    /// Items left waiting, in serving order.
    pub waiting: Vec<String>,
}

/// The (lane, skill) pairs some agent could take one more of now.
pub fn open_work(agents: &[AgentLoad], policy: &Policy) -> HashSet<(Lane, String)> {
    let mut open = HashSet::new();
    for a in agents {
        for lane in [Lane::Voice, Lane::Text] {
            for s in &a.skills {
                if a.can_take(lane, s, policy) {
                    open.insert((lane, s.clone()));
                }
            }
        }
    }
    open
}

/// Serves `items` in rank order, each to the best agent who can take it.
///
/// Loads only grow during a pass, so once no agent can take a (lane, skill), none will:
/// the pair leaves the open set and later items needing it wait without a scan of the
/// agents. A long queue with every agent full thus costs one pass over the items.
pub fn route(agents: &[AgentLoad], items: &[WorkItem], now_ms: i64, policy: &Policy) -> Decision {
    let mut agents = agents.to_vec();
    let mut open = open_work(&agents, policy);
    let mut out = Decision::default();
    for i in rank(items, now_ms, policy) {
        let item = &items[i];
        let key = (item.lane, item.skill.clone());
        let best = if open.contains(&key) {
            agents
                .iter_mut()
                .filter(|a| a.can_take(item.lane, &item.skill, policy))
                .min_by(|a, b| {
                    a.load(item.lane)
                        .cmp(&b.load(item.lane))
                        .then(a.idle_since_ms.cmp(&b.idle_since_ms))
                        .then(a.agent_id.cmp(&b.agent_id))
                })
        } else {
            None
        };
        match best {
            Some(agent) => {
                match item.lane {
                    Lane::Voice => agent.voice += 1,
                    Lane::Text => agent.text += 1,
                }
                agent.idle_since_ms = now_ms;
                out.assigned.push((item.id.clone(), agent.agent_id.clone()));
            }
            None => {
                open.remove(&key);
                out.waiting.push(item.id.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn agent(id: &str, skills: &[&str], text: u32, idle: i64) -> AgentLoad {
        AgentLoad {
            agent_id: id.into(),
            state: AgentState::Available,
            skills: skills.iter().map(|s| s.to_string()).collect(),
            chat_capacity: DEFAULT_CHAT_CAPACITY,
            voice: 0,
            text,
            idle_since_ms: idle,
        }
    }

    fn item(id: &str, skill: &str, lane: Lane, prio: u32, at: i64) -> WorkItem {
        WorkItem {
            id: id.into(),
            skill: skill.into(),
            lane,
            base_priority: prio,
            enqueued_at_ms: at,
            arrival: 0,
        }
    }

    #[test]
    fn priorities_order_urgency_over_vip() {
        assert_eq!(base_priority(None, Urgency::Normal), 0);
        assert!(
            base_priority(Some(VipTier::Private), Urgency::Normal)
                < base_priority(None, Urgency::CardRetained)
        );
        assert!(
            base_priority(None, Urgency::CardRetained) < base_priority(None, Urgency::FraudAlert)
        );
        assert_eq!(
            base_priority(Some(VipTier::Diamond), Urgency::FraudAlert),
            MAX_BASE_PRIORITY
        );
    }

    #[test]
    fn vip_first_then_aging_lets_the_old_one_through() {
        let p = Policy::default();
        let normal = item("n", "chat", Lane::Text, 0, 0);
        let vip = item("v", "chat", Lane::Text, 3, 10_000);
        let one = [agent("a", &["chat"], 2, 0)];
        let d = route(&one, &[normal.clone(), vip.clone()], 10_000, &p);
        assert_eq!(d.assigned, vec![("v".into(), "a".into())]);
        assert_eq!(d.waiting, vec!["n".to_string()]);
        // Four aging steps later the normal one outranks a VIP who just arrived.
        let now = 4 * p.aging_step_ms;
        let fresh_vip = item("v2", "chat", Lane::Text, 3, now);
        let d = route(&one, &[fresh_vip, normal], now, &p);
        assert_eq!(d.assigned, vec![("n".into(), "a".into())]);
    }

    #[test]
    fn longest_idle_agent_first_among_equals() {
        let p = Policy::default();
        let agents = [
            agent("a", &["chat"], 0, 500),
            agent("b", &["chat"], 0, 100),
            agent("c", &["chat"], 1, 0),
        ];
        let d = route(&agents, &[item("x", "chat", Lane::Text, 0, 0)], 1_000, &p);
        assert_eq!(d.assigned, vec![("x".into(), "b".into())]);
    }

    #[test]
    fn voice_is_exclusive_and_states_gate() {
        let p = Policy::default();
        let mut a = agent("a", &["general", "chat"], 1, 0);
        assert!(!a.can_take(Lane::Voice, "general", &p));
        a.text = 0;
        assert!(a.can_take(Lane::Voice, "general", &p));
        a.voice = 1;
        assert!(!a.can_take(Lane::Text, "chat", &p));
        assert!(a.is_full(&p));
        a.voice = 0;
        a.state = AgentState::Busy;
        assert!(!a.can_take(Lane::Text, "chat", &p));
        assert!(!a.can_take(Lane::Text, "card", &p));
        assert_eq!(Lane::of(ContactChannel::Wechat), Lane::Text);
        assert!(check_name("skill", "card_2").is_ok());
        assert!(check_name("skill", "Card").is_err());
        assert!(check_name("skill", "").is_err());
    }

    #[test]
    fn queue_position_counts_who_is_served_first() {
        let p = Policy::default();
        let a = item("a", "chat", Lane::Text, 0, 100);
        let b = item("b", "chat", Lane::Text, 0, 200);
        let vip = item("v", "chat", Lane::Text, 3, 300);
        assert_eq!(queue_position(&a, [&b, &vip], 300, &p), 2);
        assert_eq!(queue_position(&b, [&a, &vip], 300, &p), 3);
        assert_eq!(queue_position(&vip, [&a, &b], 300, &p), 1);
        assert_eq!(queue_position(&a, [], 300, &p), 1);
    }

    #[test]
    fn in_one_millisecond_the_first_to_arrive_is_served_first() {
        let p = Policy::default();
        let mut first = item("z", "chat", Lane::Text, 0, 100);
        first.arrival = 7;
        let mut second = item("a", "chat", Lane::Text, 0, 100);
        second.arrival = 8;
        let d = route(
            &[agent("x", &["chat"], 2, 0)],
            &[second.clone(), first.clone()],
            100,
            &p,
        );
        assert_eq!(d.assigned, vec![("z".into(), "x".into())]);
        assert_eq!(queue_position(&second, [&first], 100, &p), 2);
    }

    #[test]
    fn open_work_lists_only_what_someone_can_take() {
        let p = Policy::default();
        let mut full = agent("f", &["card"], 3, 0);
        full.chat_capacity = 3;
        let free = agent("g", &["chat"], 1, 0);
        let open = open_work(&[full, free], &p);
        assert!(open.contains(&(Lane::Text, "chat".to_string())));
        assert!(
            !open.contains(&(Lane::Voice, "chat".to_string())),
            "chats open block calls"
        );
        assert!(
            !open.contains(&(Lane::Text, "card".to_string())),
            "f is full"
        );
    }

    fn arb_agents() -> impl Strategy<Value = Vec<AgentLoad>> {
        prop::collection::vec(
            (
                0usize..5,
                prop::sample::subsequence(vec!["chat", "card", "vip"], 0..=3),
                1u32..4,
                0u32..2,
                0u32..4,
                0i64..1_000,
            ),
            0..6,
        )
        .prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (s, skills, cap, voice, text, idle))| {
                    let mut a = agent(&format!("a{i}"), &skills, text.min(cap), idle);
                    a.state = AgentState::ALL[s];
                    a.chat_capacity = cap;
                    a.voice = voice;
                    if voice > 0 {
                        a.text = 0;
                    }
                    a
                })
                .collect()
        })
    }

    fn arb_items() -> impl Strategy<Value = Vec<WorkItem>> {
        prop::collection::vec(
            (
                prop::sample::select(vec!["chat", "card", "vip", "none"]),
                any::<bool>(),
                0u32..=MAX_BASE_PRIORITY,
                0i64..200_000,
            ),
            0..20,
        )
        .prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (skill, voice, prio, at))| {
                    let lane = if voice { Lane::Voice } else { Lane::Text };
                    let mut it = item(&format!("i{i:02}"), skill, lane, prio, at);
                    it.arrival = (20 - i) as u64;
                    it
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn router_invariants(agents in arb_agents(), items in arb_items(), now in 200_000i64..400_000) {
            let p = Policy::default();
            let d = route(&agents, &items, now, &p);
            // Every item is routed or waiting, exactly once.
            let mut seen: Vec<&String> = d.assigned.iter().map(|(i, _)| i).chain(d.waiting.iter()).collect();
            seen.sort();
            let mut ids: Vec<&String> = items.iter().map(|i| &i.id).collect();
            ids.sort();
            prop_assert_eq!(seen, ids);
            // Nobody over capacity, only available skilled agents, voice exclusive.
            let by_id: HashMap<&str, &WorkItem> = items.iter().map(|i| (i.id.as_str(), i)).collect();
            let mut after: HashMap<String, AgentLoad> = agents.iter().map(|a| (a.agent_id.clone(), a.clone())).collect();
            for (iid, aid) in &d.assigned {
                let it = by_id[iid.as_str()];
                let a = after.get_mut(aid).unwrap();
                prop_assert!(a.can_take(it.lane, &it.skill, &p), "{aid} could not take {iid}");
                match it.lane { Lane::Voice => a.voice += 1, Lane::Text => a.text += 1 }
                prop_assert!(a.voice <= p.voice_capacity && a.text <= a.chat_capacity);
            }
            // A waiting item has no agent left who could take it (so nothing ranked
            // below it took its place).
            for w in &d.waiting {
                let it = by_id[w.as_str()];
                prop_assert!(after.values().all(|a| !a.can_take(it.lane, &it.skill, &p)));
            }
            // Priority respected and FIFO within a priority: the assignments follow rank order,
            // and for items of one skill and lane a waiting item never outranks an assigned one.
            let order = rank(&items, now, &p);
            let pos: HashMap<&str, usize> = order.iter().enumerate().map(|(k, &i)| (items[i].id.as_str(), k)).collect();
            prop_assert!(d.assigned.windows(2).all(|w| pos[w[0].0.as_str()] < pos[w[1].0.as_str()]));
            prop_assert!(d.waiting.windows(2).all(|w| pos[w[0].as_str()] < pos[w[1].as_str()]));
            for w in &d.waiting {
                let wi = by_id[w.as_str()];
                for (a, _) in &d.assigned {
                    let ai = by_id[a.as_str()];
                    if ai.skill == wi.skill && ai.lane == wi.lane {
                        prop_assert!(pos[a.as_str()] < pos[w.as_str()], "{a} served before higher-ranked {w}");
                        if ai.base_priority == wi.base_priority {
                            prop_assert!(ai.enqueued_at_ms <= wi.enqueued_at_ms, "FIFO broken: {a} before {w}");
                        }
                    }
                }
            }
        }

        #[test]
        fn queue_position_agrees_with_rank(items in arb_items(), now in 200_000i64..400_000) {
            let p = Policy::default();
            for (k, &i) in rank(&items, now, &p).iter().enumerate() {
                let others = items.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, o)| o);
                prop_assert_eq!(queue_position(&items[i], others, now, &p), k + 1);
            }
        }

        #[test]
        fn aging_prevents_starvation(base in 0u32..=MAX_BASE_PRIORITY, newer in prop::collection::vec(0u32..=MAX_BASE_PRIORITY, 1..10), step in 1_000i64..60_000) {
            // An item that has waited MAX_BASE_PRIORITY + 1 steps beats any fresh arrival.
            let p = Policy { aging_step_ms: step, voice_capacity: 1 };
            let now = step * i64::from(MAX_BASE_PRIORITY + 1);
            let mut items = vec![item("old", "chat", Lane::Text, base, 0)];
            for (k, b) in newer.iter().enumerate() {
                items.push(item(&format!("new{k}"), "chat", Lane::Text, *b, now - k as i64));
            }
            let one = [agent("a", &["chat"], 2, 0)];
            let d = route(&one, &items, now, &p);
            prop_assert_eq!(d.assigned, vec![("old".to_string(), "a".to_string())]);
        }
    }
}
