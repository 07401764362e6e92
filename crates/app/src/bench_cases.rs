//! `bankdesk bench cases`: the overdue list among many cases (target: p99 under 20 ms at
//! 1,000,000 cases). Seeds the missing cases in bulk, then times the supervisor's
//! overdue list, for all departments and for each, through the store as the API runs it.

use anyhow::Context;
use bankdesk_domain::Actor;
use bankdesk_domain::bank::{Customer, Gender, RecordId, Segment, VipTier};
use bankdesk_domain::calendar::{DayBasis, Sla};
use bankdesk_domain::case::CaseStatus;
use bankdesk_domain::ident::{IdNumber, Phone, id_check_char};
use bankdesk_domain::role::Role;
use bankdesk_store::Store;
use bankdesk_store::bank::BankBatch;
use bankdesk_store::cases::{BulkCase, CaseFilter};
use bankdesk_store::users::{NewUser, User};
use std::time::{Duration, Instant};

/// (case type, department, SLA days): the spread of a bank's second line.
const KINDS: [(&str, &str, u32); 7] = [
    ("overpayment_refund", "card_center", 5),
    ("card_dispute", "card_center", 10),
    ("fee_refund", "card_center", 5),
    ("loan_repricing", "loans", 3),
    ("wealth_loss", "wealth", 10),
    ("data_correction", "operations", 3),
    ("complaint", "compliance", 15),
];

const DAY_MS: i64 = 86_400_000;
const BATCH: u64 = 20_000;
const QUERIES: usize = 2_000;

/// A fixed-seed generator, so two runs seed the same bank.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Seeds up to `cases` cases (reusing those already there), then times the overdue list.
pub async fn overdue_cases(store: &Store, cases: u64) -> anyhow::Result<serde_json::Value> {
    let now = bankdesk_store::now_ms();
    let existing = u64::try_from(store.count_cases().await?).unwrap_or(0);
    let started = Instant::now();
    let seeded = cases.saturating_sub(existing);
    if seeded > 0 {
        let customers = customers(store).await?;
        seed(store, &customers, existing, seeded, now).await?;
        store.analyze().await?;
    }
    let seed_s = started.elapsed().as_secs_f64();
    let counts = store.case_counts(now).await?;
    let sup = supervisor(store).await?;
    let staff = Actor::from(&sup);
    let mut departments: Vec<Option<String>> = vec![None];
    departments.extend(KINDS.iter().map(|k| Some(k.1.to_string())));
    departments.dedup();
    let filter = |department: Option<String>| CaseFilter {
        overdue: true,
        department,
        now_ms: now,
        limit: 50,
        ..CaseFilter::default()
    };
    for d in &departments {
        store.list_cases(&staff, &filter(d.clone())).await?;
    }
    let mut samples = Vec::with_capacity(QUERIES);
    let mut rows = 0usize;
    for i in 0..QUERIES {
        let f = filter(departments[i % departments.len()].clone());
        let t = Instant::now();
        rows += store.list_cases(&staff, &f).await?.len();
        samples.push(t.elapsed());
    }
    let (p50, p99, max) = percentiles(&mut samples);
    Ok(serde_json::json!({
        "bench": "cases",
        "database": store.dialect_name(),
        "cases": counts.total,
        "open": counts.open,
        "overdue": counts.overdue,
        "seeded": seeded,
        "seed_s": seed_s,
        "queries": QUERIES,
        "page": 50,
        "rows_per_query": rows as f64 / QUERIES as f64,
        "p50_ms": p50,
        "p99_ms": p99,
        "max_ms": max,
        "target_p99_ms": 20,
    }))
}

fn percentiles(samples: &mut [Duration]) -> (f64, f64, f64) {
    samples.sort_unstable();
    let at = |q: f64| {
        let i = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len().max(1)) - 1;
        samples.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    (at(0.50), at(0.99), at(1.0))
}

/// The bank's customers to hang cases on; a bank without any gets a thousand.
async fn customers(store: &Store) -> anyhow::Result<Vec<String>> {
    let ids = store.customer_ids("", 10_000).await?;
    if !ids.is_empty() {
        return Ok(ids);
    }
    let mut batch = BankBatch::default();
    for i in 0..1_000u32 {
        let first = format!("110101198001010{:02}", i % 100);
        let mut a = [0u8; 17];
        a.copy_from_slice(first.as_bytes());
        let id_number = IdNumber::parse(&format!("{first}{}", id_check_char(&a) as char))?;
        batch.customers.push(Customer {
            id: RecordId::parse(&format!("BC{i:08}"))?,
            name: format!("压测客户{i}"),
            gender: Gender::Female,
            birth_date: id_number
                .birth_date()
                .context("birth date of the ID number")?,
            id_number,
            phones: vec![Phone::parse(&format!("1390{i:07}"))?],
            address: String::new(),
            city: "上海".into(),
            vip_tier: VipTier::None,
            segment: Segment::Mass,
            sensitive: false,
        });
    }
    store.insert_bank_batch(&batch).await?;
    Ok(store.customer_ids("", 10_000).await?)
}

/// Two years of cases: most long closed, recent ones still open, some of those late.
async fn seed(
    store: &Store,
    customers: &[String],
    from: u64,
    n: u64,
    now: i64,
) -> anyhow::Result<()> {
    let mut rng = SplitMix(from ^ 0x5EED);
    let open_states = [
        CaseStatus::New,
        CaseStatus::Assigned,
        CaseStatus::InProgress,
        CaseStatus::WaitingOtherDept,
        CaseStatus::WaitingCustomer,
    ];
    let mut done = 0;
    while done < n {
        let size = BATCH.min(n - done);
        let mut rows = Vec::with_capacity(size as usize);
        for k in 0..size {
            let i = from + done + k;
            let (case_type, department, days) = KINDS[(i % KINDS.len() as u64) as usize];
            let age_days = rng.below(730) as i64;
            let opened = now - age_days * DAY_MS - rng.below(DAY_MS as u64) as i64;
            let due = opened + i64::from(days) * DAY_MS * 7 / 5;
            let open_per_mille = match age_days {
                0..30 => 600,
                30..90 => 100,
                _ => 10,
            };
            let status = if rng.below(1000) < open_per_mille {
                open_states[rng.below(open_states.len() as u64) as usize]
            } else if rng.below(10) < 8 {
                CaseStatus::Closed
            } else {
                CaseStatus::Resolved
            };
            let finished = opened + rng.below(u64::from(days) * DAY_MS as u64) as i64;
            rows.push(BulkCase {
                id: format!("cs_b{i:015}"),
                customer_id: customers[rng.below(customers.len() as u64) as usize].clone(),
                case_type: case_type.into(),
                status,
                department: department.into(),
                summary: "压测案件".into(),
                opened_at_ms: opened,
                due_at_ms: (!status.pauses_clock()).then_some(due),
                sla: Sla {
                    days,
                    basis: if case_type == "complaint" {
                        DayBasis::Calendar
                    } else {
                        DayBasis::Working
                    },
                },
                resolved_at_ms: (!status.is_open()).then_some(finished),
                closed_at_ms: (status == CaseStatus::Closed).then_some(finished + DAY_MS),
            });
        }
        store.insert_cases(&rows).await?;
        done += size;
        if done % 200_000 == 0 || done == n {
            eprintln!("seeded {done} of {n} cases");
        }
    }
    Ok(())
}

/// The supervisor whose overdue list is timed (sees every department).
async fn supervisor(store: &Store) -> anyhow::Result<User> {
    if let Some(u) = store.user_by_username("bench_supervisor").await? {
        return Ok(u);
    }
    Ok(store
        .create_user(
            "system",
            &NewUser {
                username: "bench_supervisor",
                display_name: "压测主管",
                password_hash: "!",
                roles: &[Role::Supervisor],
                department: Some("hotline"),
            },
        )
        .await?)
}
