//! The audit trail of the world: the records the API writes for every contact and case
//! (opening, the 360 look, notes, inbox takes, replies, wrap-ups; case creation,
//! assignment, transitions, escalations), plus identification searches that make up the
//! requested count, merged into one stream in time order. [`Chain`] links it with the
//! domain's hash chain, so `bankdesk audit verify` checks the result like any other.

use super::world::{CasePlan, CaseStep, Channel, ContactPlan, World};
use bankdesk_domain::audit::{AuditEntry, GENESIS_HASH, NewAuditEntry};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

fn entry(
    at_ms: i64,
    actor: &str,
    action: &str,
    customer_id: Option<String>,
    purpose: Option<String>,
    detail: String,
) -> NewAuditEntry {
    NewAuditEntry {
        at_ms,
        actor: actor.to_string(),
        action: action.to_string(),
        customer_id,
        purpose,
        detail,
    }
}

/// What the API records for a contact. Details are written with their keys sorted, as
/// `serde_json` writes the API's own.
pub fn contact_entries(w: &World, c: &ContactPlan) -> Vec<NewAuditEntry> {
    let customer = c.customer.map(|k| w.customer_id(k));
    let channel = c.channel.as_str();
    let mut out = Vec::new();
    if c.channel.messaging() {
        let gateway = if c.channel == Channel::Email {
            "gateway:email"
        } else {
            "gateway:wechat"
        };
        out.push(entry(
            c.opened_at,
            gateway,
            "contact.inbound_message",
            customer.clone(),
            None,
            format!(
                r#"{{"channel":"{channel}","contact_id":"{}","message_id":"{}","new_contact":true}}"#,
                c.id,
                c.message_id.as_deref().unwrap_or_default()
            ),
        ));
    }
    let Some(handler) = c.handler else {
        return out;
    };
    let agent = w.staff[handler].username.as_str();
    match c.taken_at {
        Some(at) => out.push(entry(
            at,
            agent,
            "contact.take",
            customer.clone(),
            None,
            format!(r#"{{"contact_id":"{}"}}"#, c.id),
        )),
        None => {
            out.push(entry(
                c.opened_at,
                agent,
                "contact.open",
                customer.clone(),
                None,
                format!(r#"{{"channel":"{channel}","contact_id":"{}"}}"#, c.id),
            ));
            if customer.is_some() {
                out.push(entry(
                    c.opened_at + 20_000,
                    agent,
                    "customer.overview",
                    customer.clone(),
                    Some(format!("contact:{}", c.id)),
                    "{}".to_string(),
                ));
            }
        }
    }
    for (id, at, _) in &c.notes {
        out.push(entry(
            *at,
            agent,
            "contact.note",
            customer.clone(),
            None,
            format!(r#"{{"contact_id":"{}","note_id":"{id}"}}"#, c.id),
        ));
    }
    if let Some((id, at)) = &c.reply {
        out.push(entry(
            *at,
            agent,
            "contact.reply",
            customer.clone(),
            None,
            format!(
                r#"{{"channel":"{channel}","contact_id":"{}","outbox_id":"{id}"}}"#,
                c.id
            ),
        ));
    }
    if let Some(at) = c.closed_at {
        out.push(entry(
            at,
            agent,
            "contact.wrap_up",
            customer,
            None,
            format!(
                r#"{{"category":"{}","contact_id":"{}","resolved":{}}}"#,
                w.categories[c.category], c.id, c.resolved
            ),
        ));
    }
    out
}

/// What the API and the escalation worker record for a case, step by step.
pub fn case_entries(w: &World, c: &CasePlan) -> Vec<NewAuditEntry> {
    let t = &w.types[c.kind];
    let customer = Some(w.customer_id(c.customer));
    c.steps
        .iter()
        .map(|s| {
            let actor = s.actor.map_or("system", |a| w.staff[a].username.as_str());
            let (action, detail) = match &s.step {
                CaseStep::Created => (
                    "case.create",
                    format!(
                        r#"{{"case_id":"{}","complaint":{},"department":"{}","type":"{}"}}"#,
                        c.id, t.complaint, t.department, t.code
                    ),
                ),
                CaseStep::Assigned {
                    department,
                    assignee,
                } => (
                    "case.assign",
                    format!(
                        r#"{{"assignee":"{}","case_id":"{}","department":"{department}"}}"#,
                        w.staff[*assignee].username, c.id
                    ),
                ),
                CaseStep::Moved { from, to } => (
                    "case.transition",
                    format!(
                        r#"{{"case_id":"{}","from":"{from}","reply_contact_id":null,"to":"{to}"}}"#,
                        c.id
                    ),
                ),
                CaseStep::Escalated { job } => {
                    let j = &c.jobs[*job];
                    let names: Vec<String> = j
                        .recipients
                        .iter()
                        .map(|&r| format!("\"{}\"", w.staff[r].username))
                        .collect();
                    (
                        "case.escalation",
                        format!(
                            r#"{{"case_id":"{}","job_id":"{}","kind":"{}","recipients":[{}]}}"#,
                            c.id,
                            j.id,
                            j.kind.as_str(),
                            names.join(",")
                        ),
                    )
                }
            };
            entry(s.at, actor, action, customer.clone(), None, detail)
        })
        .collect()
}

/// What the fill must know of the world before it writes anything.
pub struct Survey {
    /// Audit records of all contacts and cases: the requested total less this is made up
    /// with identification searches.
    pub records: u64,
    /// Cases with an index below the one asked for that are still open at the end: they
    /// belong to the present, and are written with the newest slice.
    pub open_old_cases: Vec<u64>,
}

pub fn survey(w: &World, newest_from: u64) -> Survey {
    let contacts: u64 = (0..w.sizes.contacts)
        .map(|j| contact_entries(w, &w.contact(j)).len() as u64)
        .sum();
    let mut records = contacts;
    let mut open_old_cases = Vec::new();
    for i in 0..w.sizes.cases {
        let c = w.case(i);
        records += c.steps.len() as u64;
        if i < newest_from && c.resolved_at.is_none() {
            open_old_cases.push(i);
        }
    }
    Survey {
        records,
        open_old_cases,
    }
}

/// A record waiting for its turn; earlier first, then in the order it was made.
struct Pending {
    at: i64,
    order: u64,
    entry: NewAuditEntry,
}

impl PartialEq for Pending {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.order) == (o.at, o.order)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Pending {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.at, self.order).cmp(&(o.at, o.order))
    }
}

#[derive(Clone, Copy)]
enum Source {
    Contact,
    Case,
    Filler,
}

/// The world's audit records in time order. Each contact, case and filler search starts
/// at a known time and writes nothing before it, so its records are made when the stream
/// reaches that time and wait in a heap until theirs comes.
pub struct Trail<'w> {
    w: &'w World,
    fillers: u64,
    contact: u64,
    case: u64,
    filler: u64,
    heap: BinaryHeap<Reverse<Pending>>,
    order: u64,
}

impl<'w> Trail<'w> {
    pub fn new(w: &'w World, fillers: u64) -> Trail<'w> {
        Trail {
            w,
            fillers,
            contact: 0,
            case: 0,
            filler: 0,
            heap: BinaryHeap::new(),
            order: 0,
        }
    }

    /// The source whose next item starts first, and when.
    fn next_start(&self) -> Option<(i64, Source)> {
        let w = self.w;
        [
            (self.contact < w.sizes.contacts)
                .then(|| (w.contact_time(self.contact), Source::Contact)),
            (self.case < w.sizes.cases).then(|| (w.case_time(self.case), Source::Case)),
            (self.filler < self.fillers)
                .then(|| (w.filler_time(self.filler, self.fillers), Source::Filler)),
        ]
        .into_iter()
        .flatten()
        .min_by_key(|(at, _)| *at)
    }

    fn push_all(&mut self, entries: Vec<NewAuditEntry>) {
        for entry in entries {
            self.order += 1;
            self.heap.push(Reverse(Pending {
                at: entry.at_ms,
                order: self.order,
                entry,
            }));
        }
    }

    fn expand(&mut self, source: Source) {
        let w = self.w;
        let entries = match source {
            Source::Contact => {
                self.contact += 1;
                contact_entries(w, &w.contact(self.contact - 1))
            }
            Source::Case => {
                self.case += 1;
                case_entries(w, &w.case(self.case - 1))
            }
            Source::Filler => {
                let (at, agent, customer) = w.filler(self.filler, self.fillers);
                self.filler += 1;
                vec![entry(
                    at,
                    &w.staff[agent].username,
                    "customer.search",
                    Some(w.customer_id(customer)),
                    None,
                    format!(
                        r#"{{"by":"phone","hits":1,"value":"139****{:04}"}}"#,
                        customer % 10_000
                    ),
                )]
            }
        };
        self.push_all(entries);
    }
}

impl Iterator for Trail<'_> {
    type Item = NewAuditEntry;

    fn next(&mut self) -> Option<NewAuditEntry> {
        loop {
            let next = self.next_start();
            match (self.heap.peek(), next) {
                (Some(Reverse(p)), Some((start, _))) if p.at <= start => {}
                (Some(_), None) => {}
                (_, Some((_, source))) => {
                    self.expand(source);
                    continue;
                }
                (None, None) => return None,
            }
            return self.heap.pop().map(|Reverse(p)| p.entry);
        }
    }
}

/// Links records into the hash chain, one after the other.
pub struct Chain {
    pub seq: i64,
    pub hash: String,
}

impl Chain {
    pub fn genesis() -> Chain {
        Chain {
            seq: 0,
            hash: GENESIS_HASH.to_string(),
        }
    }

    pub fn link(&mut self, e: NewAuditEntry) -> AuditEntry {
        self.seq += 1;
        let chained = e.chain(self.seq, &self.hash);
        self.hash.clone_from(&chained.hash);
        chained
    }
}

#[cfg(test)]
mod tests {
    use super::super::world::Sizes;
    use super::*;
    use bankdesk_domain::audit::ChainVerifier;

    #[test]
    fn the_trail_runs_forward_in_time_and_chains() {
        let w = World::new(
            Sizes {
                customers: 500,
                contacts: 3_000,
                cases: 300,
                seed: 3,
            },
            1_780_000_000_000,
            std::sync::Arc::new(bankdesk_domain::calendar::BusinessCalendar::china()),
            &bankdesk_domain::wrapup::WrapUpTree::shipped(),
        )
        .unwrap();
        let derived = survey(&w, 0).records;
        let trail: Vec<NewAuditEntry> = Trail::new(&w, 1_000).collect();
        assert_eq!(trail.len() as u64, derived + 1_000);
        assert!(trail.windows(2).all(|p| p[0].at_ms <= p[1].at_ms));
        assert!(
            trail
                .iter()
                .all(|e| e.at_ms <= w.end_ms && e.at_ms >= w.start_ms)
        );
        let mut chain = Chain::genesis();
        let mut v = ChainVerifier::default();
        for e in trail {
            v.feed(&chain.link(e)).unwrap();
        }
        assert_eq!(v.finish(chain.seq, &chain.hash), Ok(()));
        let again: Vec<NewAuditEntry> = Trail::new(&w, 1_000).take(50).collect();
        let first: Vec<NewAuditEntry> = Trail::new(&w, 1_000).take(50).collect();
        assert_eq!(again, first, "the same world gives the same trail");
    }
}
