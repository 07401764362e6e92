//! The bank `bench growth` builds. Every contact, case and filler record is a pure
//! function of the seed and its index, so the bench can write the newest slice first, time
//! it, and later write the older history behind it; and the audit chain comes out the same
//! each time it is computed.
//!
//! Time runs over two years that end two hours before the run (so the live hour, which
//! the insider-access alert counts, holds only the bench's own requests). Contacts,
//! cases and filler searches are spread evenly over it; each case's life (assignment,
//! work, resolution, closing, escalation jobs) follows from its own draws, and whatever
//! would happen after the end has not happened yet: that is what leaves the newest cases
//! open.

use anyhow::{Context, bail};
use bankdesk_domain::calendar::{BusinessCalendar, Sla, bank_date, end_of_day_ms};
use bankdesk_domain::case::default_case_types;
use bankdesk_domain::complaint::ExtensionLevel;
use bankdesk_domain::escalation::{self, JobKind, Owners};
use bankdesk_domain::role::Role;
use bankdesk_domain::wrapup::WrapUpTree;
use std::sync::Arc;

pub const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;
const MINUTE_MS: i64 = 60_000;
/// Two years of history.
const HISTORY_DAYS: i64 = 730;
/// Contacts close within this long, so every one opened in the window closes in it.
const LONGEST_CONTACT_MS: i64 = 8 * HOUR_MS;
/// Open email and WeChat contacts nobody has taken yet: those of the last hours.
const INBOX_WINDOW_MS: i64 = 6 * HOUR_MS;

/// splitmix64's finaliser, which scatters the bits of a counter.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// What a draw is for; each kind has its own stream.
#[derive(Clone, Copy)]
#[repr(u64)]
enum Kind {
    Contact = 1,
    ContactTime = 2,
    Case = 3,
    CaseTime = 4,
    Filler = 5,
}

/// Draws for one entity: the same (seed, kind, index) always gives the same numbers.
struct Draw(u64);

impl Draw {
    fn new(seed: u64, kind: Kind, index: u64) -> Draw {
        Draw(mix(seed ^ mix((kind as u64) << 56 ^ index)))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// A time span in `lo..hi` milliseconds.
    fn span(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below(u64::try_from(hi - lo).unwrap_or(1)) as i64
    }

    fn percent(&mut self) -> u64 {
        self.below(100)
    }

    fn fraction(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A member of staff the fill hangs work on. The id is known once the accounts exist.
#[derive(Clone, Debug)]
pub struct Member {
    pub username: String,
    pub department: &'static str,
    pub role: Role,
    pub id: String,
}

/// The demo users the fill uses, with their departments (as `create_demo_users` makes them).
const DEMO_STAFF: [(&str, &str, Role); 17] = [
    ("agent01", "hotline", Role::Agent),
    ("agent02", "hotline", Role::Agent),
    ("agent03", "hotline", Role::Agent),
    ("agent04", "hotline", Role::Agent),
    ("agent05", "hotline", Role::Agent),
    ("agent06", "hotline", Role::Agent),
    ("agent07", "hotline", Role::Agent),
    ("agent08", "hotline", Role::Agent),
    ("agent09", "hotline", Role::Agent),
    ("agent10", "hotline", Role::Agent),
    ("backoffice01", "card_center", Role::Backoffice),
    ("risk01", "risk_desk", Role::Risk),
    ("compliance01", "compliance", Role::Compliance),
    ("compliance02", "compliance", Role::Compliance),
    ("supervisor01", "hotline", Role::Supervisor),
    ("senior01", "hotline", Role::SeniorAgent),
    ("branch01", "branch", Role::Branch),
];

/// Extra staff the bench creates, so the work and the audit trail spread over a center
/// of realistic size rather than a dozen demo accounts: (prefix, count, department, role).
const BENCH_STAFF: [(&str, u32, &str, Role); 7] = [
    ("bench_agent", 100, "hotline", Role::Agent),
    ("bench_card", 9, "card_center", Role::Backoffice),
    ("bench_loans", 5, "loans", Role::Backoffice),
    ("bench_wealth", 5, "wealth", Role::Backoffice),
    ("bench_ops", 5, "operations", Role::Backoffice),
    ("bench_risk", 2, "risk_desk", Role::Risk),
    ("bench_compliance", 3, "compliance", Role::Compliance),
];

/// The accounts the bench creates (not the demo ones): username, department, role.
pub fn bench_accounts() -> Vec<(String, &'static str, Role)> {
    BENCH_STAFF
        .iter()
        .flat_map(|(prefix, n, dept, role)| {
            (1..=*n).map(move |i| (format!("{prefix}{i:03}"), *dept, *role))
        })
        .collect()
}

/// A case type as the fill uses it: the built-in type's code, department and SLA, how
/// often it comes, and what its cases say.
#[derive(Clone, Debug)]
pub struct TypeInfo {
    pub code: &'static str,
    pub name: String,
    pub department: &'static str,
    pub sla: Sla,
    pub complaint: bool,
    weight: u64,
    pub summary: &'static str,
    pub fields: &'static str,
}

/// (code, department, weight in percent, summary, fields): the mix of a bank's second line.
const TYPES: [(&str, &str, u64, &str, &str); 8] = [
    (
        "card_dispute",
        "card_center",
        18,
        "客户对一笔境外消费有异议，申请调单",
        r#"{"amount_fen":128000,"card_id":"K1","reason":"not_recognised","transaction_id":"T1"}"#,
    ),
    (
        "fee_refund",
        "card_center",
        14,
        "客户申请退还年费",
        r#"{"amount_fen":30000,"fee_kind":"annual_fee"}"#,
    ),
    (
        "overpayment_refund",
        "card_center",
        10,
        "信用卡溢缴款退回借记卡",
        r#"{"amount_fen":128000,"card_id":"K1"}"#,
    ),
    (
        "loan_repricing",
        "loans",
        10,
        "房贷利率重定价咨询",
        r#"{"loan_id":"L1"}"#,
    ),
    (
        "wealth_loss",
        "wealth",
        5,
        "理财产品净值下跌，客户要求说明",
        r#"{"holding_id":"H1","suitability_checked":true}"#,
    ),
    (
        "retained_card",
        "risk_desk",
        5,
        "ATM吞卡，客户要求取回",
        r#"{"retained_on":"2026-01-05","terminal":"ATM0001"}"#,
    ),
    (
        "data_correction",
        "operations",
        18,
        "更正客户联系地址",
        r#"{"item":"联系地址"}"#,
    ),
    ("complaint", "compliance", 20, "客户投诉服务态度", "{}"),
];

/// Share of non-complaint cases handed back to the hotline for a call-back by one agent.
const CALLBACK_PERCENT: u64 = 5;

pub const CONTACT_SUMMARIES: [&str; 6] = [
    "客户咨询账单与还款日，已解答",
    "客户反映卡片被吞，已登记",
    "客户询问房贷利率调整，已说明LPR规则",
    "客户要求退还年费，已转后台",
    "客户更新联系地址",
    "客户咨询理财产品净值",
];

pub const NOTES: [&str; 5] = [
    "客户情绪平稳，已核实身份",
    "已告知处理时限，客户同意等待",
    "客户要求回电，时间为工作日下午",
    "已发送短信提醒客户补充材料",
    "客户表示满意",
];

pub const MAIL_SUBJECT: &str = "关于信用卡账单的咨询";
pub const MAIL_BODY: &str = "您好，我的信用卡本期账单金额与消费记录不符，请帮忙核实。";
pub const REPLY_BODY: &str = "您好，已为您核实账单明细，差额为分期手续费，详见附件说明。";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Phone,
    Chat,
    Email,
    Wechat,
    Counter,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Phone => "phone",
            Channel::Chat => "chat",
            Channel::Email => "email",
            Channel::Wechat => "wechat",
            Channel::Counter => "counter",
        }
    }

    /// Email and WeChat arrive through the gateways and are taken from the inbox.
    pub fn messaging(self) -> bool {
        matches!(self, Channel::Email | Channel::Wechat)
    }
}

/// A contact as it ends up.
#[derive(Clone, Debug)]
pub struct ContactPlan {
    pub id: String,
    pub customer: Option<u64>,
    pub channel: Channel,
    pub outbound: bool,
    /// `None` while it waits in the inbox.
    pub handler: Option<usize>,
    pub opened_at: i64,
    /// When the handler took it from the inbox (email and WeChat).
    pub taken_at: Option<i64>,
    /// `None` while open.
    pub closed_at: Option<i64>,
    pub category: usize,
    pub resolved: bool,
    pub summary: &'static str,
    /// Notes: id, time, text.
    pub notes: Vec<(String, i64, &'static str)>,
    /// The inbound message's id (email and WeChat).
    pub message_id: Option<String>,
    /// The reply: id and time it was queued.
    pub reply: Option<(String, i64)>,
}

/// The part of a contact that its first draws decide.
struct Core {
    opened_at: i64,
    customer: Option<u64>,
    channel: Channel,
    outbound: bool,
    /// `None` while it waits in the inbox.
    handler: Option<usize>,
    taken_at: Option<i64>,
    duration: i64,
}

/// What happened to a case, in time order.
#[derive(Clone, Debug)]
pub enum CaseStep {
    Created,
    /// Given to a department and a person; the case moves from new to assigned.
    Assigned {
        department: &'static str,
        assignee: usize,
    },
    Moved {
        from: &'static str,
        to: &'static str,
    },
    /// An escalation job sent its notifications.
    Escalated {
        job: usize,
    },
}

#[derive(Clone, Debug)]
pub struct Step {
    pub at: i64,
    /// `None` for the escalation worker.
    pub actor: Option<usize>,
    pub step: CaseStep,
}

#[derive(Clone, Debug)]
pub struct JobPlan {
    pub id: String,
    pub kind: JobKind,
    pub run_at: i64,
    /// When the worker sent it; `None` while pending.
    pub sent_at: Option<i64>,
    pub recipients: Vec<usize>,
}

#[derive(Clone, Debug)]
pub struct CasePlan {
    pub id: String,
    pub customer: u64,
    /// The contact it was opened from.
    pub origin: Option<u64>,
    pub creator: usize,
    pub kind: usize,
    pub opened_at: i64,
    pub due_at: i64,
    pub sla: Sla,
    /// Everything that happened up to the end of the history.
    pub steps: Vec<Step>,
    pub status: &'static str,
    pub department: &'static str,
    pub assignee: Option<usize>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub jobs: Vec<JobPlan>,
    pub complaint_channel: &'static str,
    pub complexity: &'static str,
    pub root_causes: &'static str,
}

impl CasePlan {
    pub fn version(&self) -> i64 {
        1 + self
            .steps
            .iter()
            .filter(|s| matches!(s.step, CaseStep::Assigned { .. } | CaseStep::Moved { .. }))
            .count() as i64
    }

    pub fn updated_at(&self) -> i64 {
        self.steps
            .iter()
            .filter(|s| !matches!(s.step, CaseStep::Escalated { .. }))
            .map(|s| s.at)
            .max()
            .unwrap_or(self.opened_at)
    }
}

/// The sizes and the seed of a bank.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    pub customers: u64,
    pub contacts: u64,
    pub cases: u64,
    pub seed: u64,
}

pub struct World {
    pub sizes: Sizes,
    pub start_ms: i64,
    pub end_ms: i64,
    pub staff: Vec<Member>,
    agents: Vec<usize>,
    departments: Vec<(&'static str, Vec<usize>)>,
    supervisors: Vec<usize>,
    pub types: Vec<TypeInfo>,
    calendar: Arc<BusinessCalendar>,
    pub categories: Vec<String>,
}

impl World {
    /// A bank whose history ends two hours before `now_ms`, on the store's calendar and
    /// wrap-up categories.
    pub fn new(
        sizes: Sizes,
        now_ms: i64,
        calendar: Arc<BusinessCalendar>,
        wrap_up: &WrapUpTree,
    ) -> anyhow::Result<World> {
        let mut staff: Vec<Member> = DEMO_STAFF
            .iter()
            .map(|(u, d, r)| Member {
                username: (*u).to_string(),
                department: d,
                role: *r,
                id: String::new(),
            })
            .collect();
        staff.extend(bench_accounts().into_iter().map(|(u, d, r)| Member {
            username: u,
            department: d,
            role: r,
            id: String::new(),
        }));
        let agents: Vec<usize> = (0..staff.len())
            .filter(|&i| staff[i].role == Role::Agent)
            .collect();
        let supervisors: Vec<usize> = (0..staff.len())
            .filter(|&i| staff[i].role == Role::Supervisor)
            .collect();
        let builtin = default_case_types();
        let mut types = Vec::new();
        for (code, department, weight, summary, fields) in TYPES {
            let t = builtin
                .iter()
                .find(|t| t.code == code)
                .with_context(|| format!("no built-in case type {code}"))?;
            if t.department != department {
                bail!("case type {code} now belongs to {}", t.department);
            }
            types.push(TypeInfo {
                code,
                name: t.name.clone(),
                department,
                sla: if t.complaint {
                    ExtensionLevel::NONE.period()
                } else {
                    t.sla
                },
                complaint: t.complaint,
                weight,
                summary,
                fields,
            });
        }
        let mut departments: Vec<(&'static str, Vec<usize>)> = Vec::new();
        for t in &types {
            if departments.iter().any(|d| d.0 == t.department) {
                continue;
            }
            let members: Vec<usize> = (0..staff.len())
                .filter(|&i| {
                    staff[i].department == t.department && staff[i].role != Role::Supervisor
                })
                .collect();
            if members.is_empty() {
                bail!("nobody works in {}", t.department);
            }
            departments.push((t.department, members));
        }
        departments.push(("hotline", agents.clone()));
        let categories = wrap_up
            .categories()
            .iter()
            .flat_map(|c| c.children.iter().map(|k| k.code.clone()))
            .collect();
        let end_ms = now_ms - 2 * HOUR_MS;
        Ok(World {
            sizes,
            start_ms: end_ms - HISTORY_DAYS * DAY_MS,
            end_ms,
            staff,
            agents,
            departments,
            supervisors,
            types,
            calendar,
            categories,
        })
    }

    /// Binds each member of staff to their account's id.
    pub fn bind_ids(&mut self, users: &[bankdesk_store::users::User]) -> anyhow::Result<()> {
        for m in &mut self.staff {
            m.id = users
                .iter()
                .find(|u| u.username == m.username)
                .with_context(|| format!("no account {}", m.username))?
                .id
                .clone();
        }
        Ok(())
    }

    pub fn customer_id(&self, index: u64) -> String {
        bankdesk_demo::customer_id(index)
    }

    /// Ids count up with the index, so rows are appended to their primary key in the
    /// order they are written (the API's own ids are random; either kind is an opaque
    /// string to every query).
    fn id(prefix: &str, index: u64) -> String {
        format!("{prefix}_{index:016x}")
    }

    pub fn contact_id(&self, j: u64) -> String {
        Self::id("ct", j)
    }

    pub fn case_id(&self, i: u64) -> String {
        Self::id("cs", i)
    }

    pub fn history_id(&self, case: u64, n: u64) -> String {
        Self::id("ch", (case << 4) + n)
    }

    pub fn notification_id(&self, case: u64, n: u64) -> String {
        Self::id("nf", (case << 16) + n)
    }

    /// When contact `j` opens: evenly spread, in index order.
    pub fn contact_time(&self, j: u64) -> i64 {
        let span = (self.end_ms - LONGEST_CONTACT_MS - self.start_ms) as f64;
        let u = Draw::new(self.sizes.seed, Kind::ContactTime, j).fraction();
        self.start_ms + ((j as f64 + u) * span / self.sizes.contacts.max(1) as f64) as i64
    }

    /// When case `i` opens: evenly spread, in index order.
    pub fn case_time(&self, i: u64) -> i64 {
        let span = (self.end_ms - self.start_ms) as f64;
        let u = Draw::new(self.sizes.seed, Kind::CaseTime, i).fraction();
        self.start_ms + ((i as f64 + u) * span / self.sizes.cases.max(1) as f64) as i64
    }

    /// What a contact's first draws decide: enough to find a case's origin without
    /// making the whole contact.
    fn contact_core(&self, j: u64) -> (Core, Draw) {
        let mut d = Draw::new(self.sizes.seed, Kind::Contact, j);
        let opened_at = self.contact_time(j);
        let customer = (d.percent() >= 2).then(|| d.below(self.sizes.customers));
        let channel = match d.percent() {
            0..70 => Channel::Phone,
            70..82 => Channel::Chat,
            82..90 => Channel::Email,
            90..96 => Channel::Wechat,
            _ => Channel::Counter,
        };
        let outbound = channel == Channel::Phone && d.percent() < 8;
        let handler = self.agents[d.below(self.agents.len() as u64) as usize];
        let waiting = channel.messaging()
            && opened_at >= self.end_ms - LONGEST_CONTACT_MS - INBOX_WINDOW_MS
            && d.percent() < 10;
        let (taken, duration) = if channel.messaging() {
            let taken = d.span(MINUTE_MS, 2 * HOUR_MS);
            (Some(taken), taken + d.span(5 * MINUTE_MS, 6 * HOUR_MS))
        } else {
            let (lo, hi) = match channel {
                Channel::Phone => (MINUTE_MS, 15 * MINUTE_MS),
                Channel::Chat => (2 * MINUTE_MS, 20 * MINUTE_MS),
                _ => (5 * MINUTE_MS, 30 * MINUTE_MS),
            };
            (None, d.span(lo, hi))
        };
        let core = Core {
            opened_at,
            customer,
            channel,
            outbound,
            handler: (!waiting).then_some(handler),
            taken_at: taken.filter(|_| !waiting).map(|t| opened_at + t),
            duration,
        };
        (core, d)
    }

    pub fn contact(&self, j: u64) -> ContactPlan {
        let (core, mut d) = self.contact_core(j);
        let Core {
            opened_at,
            customer,
            channel,
            outbound,
            handler,
            taken_at,
            duration,
        } = core;
        let category = d.below(self.categories.len() as u64) as usize;
        let resolved = d.percent() < 88;
        let summary = CONTACT_SUMMARIES[d.below(CONTACT_SUMMARIES.len() as u64) as usize];
        let message_id = channel.messaging().then(|| Self::id("im", j));
        let mut plan = ContactPlan {
            id: self.contact_id(j),
            customer,
            channel,
            outbound,
            handler,
            opened_at,
            taken_at,
            closed_at: None,
            category,
            resolved,
            summary,
            notes: Vec::new(),
            message_id,
            reply: None,
        };
        if handler.is_none() {
            return plan;
        }
        let closed_at = opened_at + duration;
        let notes = match d.percent() {
            0..40 => 0,
            40..85 => 1,
            _ => 2,
        };
        plan.notes = (0..notes)
            .map(|k| {
                (
                    Self::id("nt", j * 2 + k),
                    opened_at + duration * (k as i64 + 1) / 3,
                    NOTES[d.below(NOTES.len() as u64) as usize],
                )
            })
            .collect();
        plan.reply = (channel.messaging() && d.percent() < 80).then(|| {
            (
                Self::id("ob", j),
                closed_at - d.span(MINUTE_MS, 3 * MINUTE_MS),
            )
        });
        plan.closed_at = Some(closed_at);
        plan
    }

    /// The contact a case opened at `opened_at` started from: the latest one that closed
    /// by then, handled by an agent, with a known customer (the case's customer). Returns
    /// its index, customer and handler.
    fn origin(&self, opened_at: i64) -> Option<(u64, u64, usize)> {
        let m = self.sizes.contacts;
        if m == 0 {
            return None;
        }
        let span = (self.end_ms - LONGEST_CONTACT_MS - self.start_ms) as f64;
        let guess = ((opened_at - self.start_ms) as f64 * m as f64 / span) as u64;
        let mut j = guess.min(m - 1);
        for _ in 0..256 {
            let (c, _) = self.contact_core(j);
            if let (Some(customer), Some(handler)) = (c.customer, c.handler)
                && c.opened_at + c.duration <= opened_at
            {
                return Some((j, customer, handler));
            }
            j = j.checked_sub(1)?;
        }
        None
    }

    fn members(&self, department: &str) -> &[usize] {
        self.departments
            .iter()
            .find(|d| d.0 == department)
            .map_or(&[], |d| d.1.as_slice())
    }

    pub fn case(&self, i: u64) -> CasePlan {
        let mut d = Draw::new(self.sizes.seed, Kind::Case, i);
        let opened_at = self.case_time(i);
        let (origin, customer, creator) = match self.origin(opened_at) {
            Some((j, customer, handler)) => (Some(j), customer, handler),
            None => (
                None,
                d.below(self.sizes.customers),
                self.agents[d.below(self.agents.len() as u64) as usize],
            ),
        };
        let mut pick = d.below(100);
        let kind = self
            .types
            .iter()
            .position(|t| {
                let hit = pick < t.weight;
                pick = pick.saturating_sub(t.weight);
                hit
            })
            .unwrap_or(0);
        let t = &self.types[kind];
        let due_at = end_of_day_ms(self.calendar.due_date(bank_date(opened_at), t.sla, &[]));
        let callback = !t.complaint && d.percent() < CALLBACK_PERCENT;
        let department = if callback { "hotline" } else { t.department };
        let members = self.members(department);
        let assignee = members[d.below(members.len() as u64) as usize];
        let assigned_at = opened_at + d.span(5 * MINUTE_MS, 6 * HOUR_MS);
        let working_at = assigned_at + d.span(10 * MINUTE_MS, DAY_MS);
        // Nine in ten are answered well within the deadline; the rest late, some twice
        // as long, so the overdue list has work in it.
        let allowed = (due_at - opened_at).max(HOUR_MS) as f64;
        let share = if d.percent() < 90 {
            0.1 + 0.6 * d.fraction()
        } else {
            1.0 + d.fraction()
        };
        let resolved_at = (opened_at + (allowed * share) as i64).max(working_at + 10 * MINUTE_MS);
        let closed_at = resolved_at + d.span(DAY_MS, 5 * DAY_MS);
        let mut steps = vec![Step {
            at: opened_at,
            actor: Some(creator),
            step: CaseStep::Created,
        }];
        let timeline = [
            (
                assigned_at,
                CaseStep::Assigned {
                    department,
                    assignee,
                },
            ),
            (
                working_at,
                CaseStep::Moved {
                    from: "assigned",
                    to: "in_progress",
                },
            ),
            (
                resolved_at,
                CaseStep::Moved {
                    from: "in_progress",
                    to: "resolved",
                },
            ),
            (
                closed_at,
                CaseStep::Moved {
                    from: "resolved",
                    to: "closed",
                },
            ),
        ];
        let mut status = "new";
        for (at, step) in timeline {
            if at > self.end_ms {
                break;
            }
            if let CaseStep::Moved { to, .. } = step {
                status = to;
            } else {
                status = "assigned";
            }
            steps.push(Step {
                at,
                actor: Some(assignee),
                step,
            });
        }
        let assigned = assigned_at <= self.end_ms;
        let open_until = resolved_at.min(self.end_ms);
        let mut jobs = Vec::new();
        for (n, (kind, run_at)) in escalation::schedule(opened_at, due_at)
            .into_iter()
            .enumerate()
        {
            let id = Self::id("jb", i * 2 + n as u64);
            let sent_at = run_at + d.span(0, MINUTE_MS);
            if sent_at <= open_until {
                let owner = (assigned_at <= run_at).then(|| self.staff[assignee].username.as_str());
                let names: Vec<String> = self
                    .members(department)
                    .iter()
                    .map(|&m| self.staff[m].username.clone())
                    .collect();
                let supervisors: Vec<String> = self
                    .supervisors
                    .iter()
                    .map(|&m| self.staff[m].username.clone())
                    .collect();
                let to = escalation::recipients(
                    kind,
                    &Owners {
                        assignee: owner,
                        department_members: &names,
                        department_head: None,
                        supervisors: &supervisors,
                    },
                );
                let recipients = to
                    .iter()
                    .filter_map(|u| self.staff.iter().position(|m| &m.username == u))
                    .collect();
                steps.push(Step {
                    at: sent_at,
                    actor: None,
                    step: CaseStep::Escalated { job: jobs.len() },
                });
                jobs.push(JobPlan {
                    id,
                    kind,
                    run_at,
                    sent_at: Some(sent_at),
                    recipients,
                });
            } else if resolved_at > self.end_ms {
                jobs.push(JobPlan {
                    id,
                    kind,
                    run_at,
                    sent_at: None,
                    recipients: Vec::new(),
                });
            }
        }
        steps.retain(|s| s.at <= self.end_ms);
        steps.sort_by_key(|s| s.at);
        let complaint_channel =
            ["phone", "counter", "email", "wechat", "online", "regulator"][d.below(6) as usize];
        let complexity = if d.percent() < 80 {
            "simple"
        } else {
            "complex"
        };
        let root_causes =
            ["process", "staff_conduct", "fees_pricing", "communication"][d.below(4) as usize];
        CasePlan {
            id: self.case_id(i),
            customer,
            origin,
            creator,
            kind,
            opened_at,
            due_at,
            sla: t.sla,
            steps,
            status,
            department: if assigned { department } else { t.department },
            assignee: assigned.then_some(assignee),
            resolved_at: (resolved_at <= self.end_ms).then_some(resolved_at),
            closed_at: (closed_at <= self.end_ms).then_some(closed_at),
            jobs,
            complaint_channel,
            complexity,
            root_causes,
        }
    }

    /// Filler record `k` of `n`, an identification search: its time, the agent and the
    /// customer found.
    pub fn filler(&self, k: u64, n: u64) -> (i64, usize, u64) {
        let mut d = Draw::new(self.sizes.seed, Kind::Filler, k);
        let agent = self.agents[d.below(self.agents.len() as u64) as usize];
        (self.filler_time(k, n), agent, d.below(self.sizes.customers))
    }

    pub fn filler_time(&self, k: u64, n: u64) -> i64 {
        let span = (self.end_ms - self.start_ms) as f64;
        self.start_ms + ((k as f64 + 0.5) * span / n.max(1) as f64) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> World {
        World::new(
            Sizes {
                customers: 1_000,
                contacts: 20_000,
                cases: 2_000,
                seed: 7,
            },
            1_780_000_000_000,
            Arc::new(BusinessCalendar::china()),
            &WrapUpTree::shipped(),
        )
        .unwrap()
    }

    #[test]
    fn plans_are_pure_functions_of_their_index() {
        let w = world();
        let (a, b) = (w.case(1_234), w.case(1_234));
        assert_eq!(a.id, b.id);
        assert_eq!(a.steps.len(), b.steps.len());
        assert_eq!(w.contact(77).opened_at, w.contact(77).opened_at);
        assert_ne!(w.contact_id(1), w.contact_id(2));
    }

    #[test]
    fn time_runs_forward_and_the_newest_cases_are_open() {
        let w = world();
        for j in 1..w.sizes.contacts {
            assert!(w.contact_time(j) >= w.contact_time(j - 1));
        }
        let newest = w.case(w.sizes.cases - 1);
        assert!(newest.resolved_at.is_none(), "{newest:?}");
        assert!(
            newest.steps.windows(2).all(|s| s[0].at <= s[1].at),
            "{newest:?}"
        );
        let oldest = w.case(0);
        assert_eq!(oldest.status, "closed");
        assert!(oldest.jobs.iter().all(|j| j.sent_at.is_some()));
        let open = (0..w.sizes.cases)
            .filter(|&i| w.case(i).resolved_at.is_none())
            .count();
        assert!(open > 0 && open < 100, "{open} open of 2,000");
    }

    #[test]
    fn a_case_starts_from_an_earlier_contact_of_its_customer() {
        let w = world();
        let c = w.case(1_000);
        let j = c.origin.expect("an origin contact");
        let contact = w.contact(j);
        assert_eq!(contact.customer, Some(c.customer));
        assert!(contact.closed_at.unwrap() <= c.opened_at);
    }
}
