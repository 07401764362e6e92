//! Two years of a customer's transactions, drawn from a [`Profile`]: income, bills, loan
//! instalments, card purchases at merchants in the customer's city (or on a trip), ATM
//! withdrawals, counter visits and transfers. Events are sorted by time and numbered so
//! that transaction ids follow the order of the statement.

use crate::draw::{
    self, at, chance, day_between, day_in, key, spot, time_on, weighted, working_day, yuan_fen,
};
use crate::tables::{
    ABROAD, ATM_SITES, CATEGORIES, CITIES, City, EMPLOYER_KINDS, EMPLOYER_WORDS, Hours, Naming,
    PETROL,
};
use crate::{BankBatch, Ctx, HISTORY_DAYS};
use bankdesk_domain::Currency;
use bankdesk_domain::bank::{CardKind, Channel, RecordId, Transaction};
use bankdesk_domain::error::FieldError;
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use rand::Rng;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Transaction ids carry a four-digit counter per customer; the oldest are dropped beyond.
const MAX_TRANSACTIONS: usize = 9_999;

/// A card as the activity sees it: which one, and on which days it can be used.
pub(crate) struct CardUse {
    pub id: RecordId,
    pub kind: CardKind,
    /// The account a debit card draws on (index into [`Profile::accounts`]).
    pub account: Option<usize>,
    pub from: NaiveDate,
    /// First day the card no longer works: loss, retention, freeze or expiry.
    pub until: NaiveDate,
}

impl CardUse {
    fn usable(&self, d: NaiveDate) -> bool {
        self.from <= d && d < self.until
    }
}

/// Money that arrives every month: salary, pension, agency fees.
pub(crate) struct Income {
    pub payer: String,
    pub monthly_fen: i64,
    pub day: u32,
    pub description: &'static str,
    /// Salaries vary a little and bring a year-end bonus; pensions do not.
    pub salary: bool,
}

/// Everything about a customer that shapes their statement.
pub(crate) struct Profile {
    pub id: RecordId,
    pub city: usize,
    pub district: usize,
    pub age: u32,
    /// The first is the main savings account: income, bills and instalments go through it.
    pub accounts: Vec<RecordId>,
    pub balance_fen: i64,
    pub branch: String,
    pub cards: Vec<CardUse>,
    pub income: Option<Income>,
    /// Monthly turnover of a small business owner.
    pub business_fen: Option<i64>,
    pub spend_per_month: f64,
    pub atm_per_month: f64,
    pub transfers_per_month: f64,
    pub counter_per_month: f64,
    pub car: bool,
    pub utilities: bool,
    pub trips: u32,
    pub abroad: bool,
    /// Loan instalments: (due date, amount, description).
    pub repayments: Vec<(NaiveDate, i64, &'static str)>,
    /// Wealth product purchases inside the history: (date, amount, product name).
    pub purchases: Vec<(NaiveDate, i64, &'static str)>,
}

/// One future transaction, before it gets its id.
pub(crate) struct Event {
    pub at: NaiveDateTime,
    pub amount_fen: i64,
    pub channel: Channel,
    pub account: Option<usize>,
    pub card: Option<usize>,
    pub merchant: Option<String>,
    pub city: &'static str,
    pub country: &'static str,
    pub coords: Option<(f64, f64)>,
    pub terminal: Option<String>,
    pub description: Cow<'static, str>,
}

impl Event {
    pub fn new(
        at: NaiveDateTime,
        amount_fen: i64,
        channel: Channel,
        city: &'static str,
        description: impl Into<Cow<'static, str>>,
    ) -> Event {
        Event {
            at,
            amount_fen,
            channel,
            account: None,
            card: None,
            merchant: None,
            city,
            country: "CN",
            coords: None,
            terminal: None,
            description: description.into(),
        }
    }

    /// Money moving through the main account with no card: income, bills, instalments.
    fn on_account(mut self) -> Event {
        self.account = Some(0);
        self
    }
}

/// Where a trip goes.
#[derive(Clone, Copy)]
enum Destination {
    City(usize),
    Abroad(usize),
}

struct Trip {
    from: NaiveDate,
    until: NaiveDate,
    to: Destination,
}

/// The centre of a district: fixed per city and district so a neighbourhood stays put.
pub(crate) fn district_centre(city: usize, district: usize) -> (f64, f64) {
    let c = &CITIES[city];
    spot(
        (c.lat, c.lon),
        key(&[1, city as u64, district as u64]),
        0.035,
    )
}

/// "锦江区" -> "锦江", for branch and store names.
pub(crate) fn short_district(name: &str) -> &str {
    ["新区", "回族区", "区", "街道", "镇"]
        .iter()
        .find_map(|s| name.strip_suffix(s))
        .unwrap_or(name)
}

/// "张*华": how a counterparty appears on a statement.
fn masked_name(rng: &mut impl Rng) -> String {
    const S: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
    const G: &[&str] = &["华", "明", "丽", "军", "芳", "强", "静", "磊", "婷", "勇"];
    format!(
        "{}*{}",
        S[rng.random_range(0..S.len())],
        G[rng.random_range(0..G.len())]
    )
}

/// Rounds `x` up or down at random so that the mean is `x`.
fn stochastic_round(rng: &mut impl Rng, x: f64) -> usize {
    let floor = x.floor();
    (floor as usize) + usize::from(rng.random::<f64>() < x - floor)
}

fn months_of_history() -> f64 {
    HISTORY_DAYS as f64 / 30.44
}

/// Every month `(year, month)` that overlaps the history.
fn months(ctx: &Ctx) -> impl Iterator<Item = (i32, u32)> {
    let first = ctx.from.year() * 12 + ctx.from.month0() as i32;
    let last = ctx.today.year() * 12 + ctx.today.month0() as i32;
    (first..=last).map(|m| (m.div_euclid(12), m.rem_euclid(12) as u32 + 1))
}

fn in_history(ctx: &Ctx, d: NaiveDate) -> bool {
    ctx.from <= d && d < ctx.today
}

/// The customer's ordinary two years.
pub(crate) fn background(ctx: &Ctx, p: &Profile, rng: &mut impl Rng) -> Vec<Event> {
    let city = &CITIES[p.city];
    let mut ev = Vec::with_capacity(128);
    income(ctx, p, city, rng, &mut ev);
    interest(ctx, p, city, &mut ev);
    for &(d, amount, what) in &p.repayments {
        ev.push(
            Event::new(
                at(d, 6, rng.random_range(0..60), rng.random_range(0..60)),
                -amount,
                Channel::Transfer,
                city.name,
                what,
            )
            .on_account(),
        );
    }
    for &(d, amount, product) in &p.purchases {
        let channel = if p.age >= 60 {
            Channel::Counter
        } else {
            Channel::Online
        };
        let mut e = Event::new(
            time_on(rng, d, Hours::Office.weights()),
            -amount,
            channel,
            city.name,
            format!("购买理财-{product}"),
        )
        .on_account();
        if channel == Channel::Counter {
            e.merchant = Some(p.branch.clone());
        }
        ev.push(e);
    }
    let trips = trips(ctx, p, rng);
    spending(ctx, p, &trips, rng, &mut ev);
    atm(ctx, p, &trips, rng, &mut ev);
    counter(ctx, p, &trips, rng, &mut ev);
    transfers(ctx, p, city, rng, &mut ev);
    if p.utilities {
        utilities(ctx, city, rng, &mut ev);
    }
    if let Some(turnover) = p.business_fen {
        business(ctx, city, turnover, rng, &mut ev);
    }
    ev
}

fn income(ctx: &Ctx, p: &Profile, city: &'static City, rng: &mut impl Rng, ev: &mut Vec<Event>) {
    let Some(inc) = &p.income else { return };
    for (y, m) in months(ctx) {
        let Some(d) = day_in(y, m, inc.day).map(working_day) else {
            continue;
        };
        if !in_history(ctx, d) {
            continue;
        }
        let amount = if inc.salary {
            (inc.monthly_fen as f64 * (1.0 + 0.03 * draw::normal(rng))).round() as i64
        } else {
            inc.monthly_fen
        };
        let t = at(d, rng.random_range(8..12), rng.random_range(0..60), 0);
        let mut e = Event::new(
            t,
            amount.max(1),
            Channel::Transfer,
            city.name,
            inc.description,
        )
        .on_account();
        e.merchant = Some(inc.payer.clone());
        ev.push(e);
        if inc.salary && m == 1 && chance(rng, 0.35) {
            let bonus = inc.monthly_fen * rng.random_range(1..=3);
            let mut e = Event::new(t, bonus, Channel::Transfer, city.name, "年终奖").on_account();
            e.merchant = Some(inc.payer.clone());
            ev.push(e);
        }
    }
}

/// Demand deposits earn interest credited quarterly on the 21st.
fn interest(ctx: &Ctx, p: &Profile, city: &'static City, ev: &mut Vec<Event>) {
    // 0.05% a year, a quarter at a time.
    let amount = p.balance_fen / 2000 / 4;
    if amount < 1 {
        return;
    }
    for (y, m) in months(ctx) {
        if m % 3 != 0 {
            continue;
        }
        if let Some(d) = NaiveDate::from_ymd_opt(y, m, 21).filter(|d| in_history(ctx, *d)) {
            ev.push(
                Event::new(at(d, 2, 0, 0), amount, Channel::Transfer, city.name, "结息")
                    .on_account(),
            );
        }
    }
}

fn trips(ctx: &Ctx, p: &Profile, rng: &mut impl Rng) -> Vec<Trip> {
    let mut out: Vec<Trip> = Vec::new();
    for _ in 0..p.trips {
        let from = day_between(rng, ctx.from, ctx.today);
        let until = draw::add_days(from, rng.random_range(2..=7));
        if out.iter().any(|t| t.from < until && from < t.until) {
            continue;
        }
        let to = if p.abroad && chance(rng, 0.3) {
            Destination::Abroad(rng.random_range(0..ABROAD.len()))
        } else {
            let c = weighted(rng, CITIES, |c| c.pop_10k);
            if c == p.city {
                continue;
            }
            Destination::City(c)
        };
        out.push(Trip { from, until, to });
    }
    out
}

fn trip_on(trips: &[Trip], d: NaiveDate) -> Option<&Trip> {
    trips.iter().find(|t| t.from <= d && d < t.until)
}

/// A card usable on `d`; credit cards are preferred for purchases when there is one.
fn pick_card(p: &Profile, d: NaiveDate, prefer_credit: bool, rng: &mut impl Rng) -> Option<usize> {
    let usable = |kind: CardKind| {
        p.cards
            .iter()
            .enumerate()
            .filter(move |(_, c)| c.kind == kind && c.usable(d))
            .map(|(i, _)| i)
    };
    let credit = usable(CardKind::Credit).next();
    let debit = usable(CardKind::Debit).next();
    match (credit, debit) {
        (Some(c), Some(_)) if prefer_credit && chance(rng, 0.65) => Some(c),
        (_, Some(d)) => Some(d),
        (c, None) => c,
    }
}

fn spending(ctx: &Ctx, p: &Profile, trips: &[Trip], rng: &mut impl Rng, ev: &mut Vec<Event>) {
    let home = &CITIES[p.city];
    let n = stochastic_round(rng, p.spend_per_month * months_of_history());
    let weights: Vec<u32> = CATEGORIES
        .iter()
        .enumerate()
        .map(|(i, c)| if i == PETROL && !p.car { 0 } else { c.weight })
        .collect();
    // Credit card purchases per (card, statement month), repaid automatically.
    let mut statements: BTreeMap<(usize, i32, u32), i64> = BTreeMap::new();
    for _ in 0..n {
        let day = day_between(rng, ctx.from, ctx.today);
        let Some(card) = pick_card(p, day, true, rng) else {
            continue;
        };
        let cat_i = weighted(rng, &weights, |w| *w);
        let cat = &CATEGORIES[cat_i];
        let t = time_on(rng, day, cat.hours.weights());
        let mut amount = yuan_fen(rng, cat.min_yuan, cat.max_yuan);
        let mut e = match (cat.naming, trip_on(trips, day).map(|t| t.to)) {
            (Naming::Online, _) => {
                let brand = cat.brands[rng.random_range(0..cat.brands.len())];
                let mut e = Event::new(t, 0, Channel::Online, home.name, cat.description);
                e.merchant = Some(brand.to_string());
                e
            }
            (_, Some(Destination::Abroad(a))) => {
                let (place, country, lat, lon, shops) = ABROAD[a];
                let s = rng.random_range(0..shops.len());
                amount = yuan_fen(rng, 80, 6000);
                let mut e = Event::new(t, 0, Channel::Pos, place, "境外消费");
                e.country = country;
                e.merchant = Some(shops[s].to_string());
                e.coords = Some(spot((lat, lon), key(&[2, a as u64, s as u64]), 0.02));
                e
            }
            (_, trip) => {
                let c = match trip {
                    Some(Destination::City(c)) => c,
                    _ => p.city,
                };
                local_purchase(p, c, cat_i, t, rng)
            }
        };
        e.amount_fen = -amount;
        e.card = Some(card);
        e.account = p.cards[card].account;
        if p.cards[card].kind == CardKind::Credit {
            *statements
                .entry((card, day.year(), day.month()))
                .or_default() += amount;
        }
        ev.push(e);
    }
    for ((card, y, m), total) in statements {
        let due = if m == 12 {
            day_in(y + 1, 1, 20)
        } else {
            day_in(y, m + 1, 20)
        };
        if let Some(d) = due.filter(|d| in_history(ctx, *d)) {
            let mut e = Event::new(
                at(d, 5, 0, 0),
                total,
                Channel::Transfer,
                home.name,
                "自动还款",
            );
            e.card = Some(card);
            ev.push(e);
        }
    }
}

/// A purchase at a store in city `c`: the same store always has the same name, terminal
/// and position, and most stores are in the customer's own district.
fn local_purchase(
    p: &Profile,
    c: usize,
    cat_i: usize,
    t: NaiveDateTime,
    rng: &mut impl Rng,
) -> Event {
    let city = &CITIES[c];
    let cat = &CATEGORIES[cat_i];
    let b = rng.random_range(0..cat.brands.len());
    let brand = cat.brands[b];
    let district = if c == p.city && chance(rng, 0.7) {
        p.district
    } else {
        rng.random_range(0..city.districts.len())
    };
    let store: u64 = rng.random_range(1..=3);
    let k = key(&[3, c as u64, cat_i as u64, b as u64, district as u64, store]);
    let merchant = match cat.naming {
        Naming::City => format!("{}{}", city.name, brand),
        _ => {
            let branch = short_district(city.districts[district].1);
            if store == 1 {
                format!("{brand}({}{branch}店)", city.name)
            } else {
                format!("{brand}({}{branch}{store}店)", city.name)
            }
        }
    };
    let mut e = Event::new(t, 0, Channel::Pos, city.name, cat.description);
    e.merchant = Some(merchant);
    e.coords = Some(spot(district_centre(c, district), k, 0.012));
    e.terminal = Some(format!("{:08}", draw::mix(k) % draw::TEN8));
    e
}

/// An ATM in city `c`, at a branch in `district` or at a public site (index into
/// [`ATM_SITES`]), with a stable name, terminal id and position.
fn atm_event(
    c: usize,
    district: usize,
    site: Option<usize>,
    t: NaiveDateTime,
    amount_fen: i64,
) -> Event {
    let city = &CITIES[c];
    let (name, k, centre) = match site {
        Some(s) => (
            format!("{}{}自助银行", city.name, ATM_SITES[s]),
            key(&[4, c as u64, s as u64]),
            (city.lat, city.lon),
        ),
        None => (
            format!(
                "{}{}支行自助银行",
                city.name,
                short_district(city.districts[district].1)
            ),
            key(&[5, c as u64, district as u64]),
            district_centre(c, district),
        ),
    };
    let description = if amount_fen < 0 {
        "ATM取款"
    } else {
        "ATM存款"
    };
    let mut e = Event::new(t, amount_fen, Channel::Atm, city.name, description);
    e.merchant = Some(name);
    e.coords = Some(spot(centre, k, 0.02));
    e.terminal = Some(atm_terminal(city, k));
    e
}

/// "ATM-SJZ-4821": the terminal id of the ATM fixed by `k` in `city`.
pub(crate) fn atm_terminal(city: &City, k: u64) -> String {
    format!("ATM-{}-{:04}", city.code, 1000 + draw::mix(k) % 9000)
}

/// Whole hundreds of yuan, as cash comes, in fen.
fn cash_fen(rng: &mut impl Rng, lo: u32, hi: u32) -> i64 {
    let hundreds = (draw::log_uniform(rng, f64::from(lo), f64::from(hi)) / 100.0).round();
    hundreds.max(1.0) as i64 * 100 * 100
}

fn atm(ctx: &Ctx, p: &Profile, trips: &[Trip], rng: &mut impl Rng, ev: &mut Vec<Event>) {
    let n = stochastic_round(rng, p.atm_per_month * months_of_history());
    for _ in 0..n {
        let day = day_between(rng, ctx.from, ctx.today);
        let Some(card) =
            pick_card(p, day, false, rng).filter(|c| p.cards[*c].kind == CardKind::Debit)
        else {
            continue;
        };
        let c = match trip_on(trips, day).map(|t| t.to) {
            Some(Destination::Abroad(_)) => continue,
            Some(Destination::City(c)) => c,
            None => p.city,
        };
        let hours = if chance(rng, 0.08) {
            Hours::AnyTime
        } else {
            Hours::Daytime
        };
        let t = time_on(rng, day, hours.weights());
        let amount = if chance(rng, 0.12) {
            cash_fen(rng, 500, 10_000)
        } else {
            const NOTES: &[(i64, u32)] = &[
                (1, 10),
                (2, 14),
                (3, 8),
                (5, 16),
                (10, 14),
                (20, 6),
                (30, 2),
                (50, 2),
            ];
            -100 * 100 * NOTES[weighted(rng, NOTES, |n| n.1)].0
        };
        let district = if c == p.city && chance(rng, 0.6) {
            p.district
        } else {
            rng.random_range(0..CITIES[c].districts.len())
        };
        let site = if chance(rng, 0.45) {
            Some(rng.random_range(0..ATM_SITES.len()))
        } else {
            None
        };
        let mut e = atm_event(c, district, site, t, amount);
        e.card = Some(card);
        e.account = p.cards[card].account;
        ev.push(e);
    }
}

fn counter(ctx: &Ctx, p: &Profile, trips: &[Trip], rng: &mut impl Rng, ev: &mut Vec<Event>) {
    let city = &CITIES[p.city];
    let n = stochastic_round(rng, p.counter_per_month * months_of_history());
    let place = spot(
        district_centre(p.city, p.district),
        key(&[6, p.city as u64, p.district as u64]),
        0.01,
    );
    for _ in 0..n {
        let day = day_between(rng, ctx.from, ctx.today);
        if trip_on(trips, day).is_some() {
            continue;
        }
        let t = time_on(rng, day, Hours::Office.weights());
        let (amount, what) = if chance(rng, 0.6) {
            (-cash_fen(rng, 500, 50_000), "柜面取款")
        } else {
            (cash_fen(rng, 500, 50_000), "现金存款")
        };
        let mut e = Event::new(t, amount, Channel::Counter, city.name, what).on_account();
        e.merchant = Some(p.branch.clone());
        e.coords = Some(place);
        ev.push(e);
    }
}

fn transfers(ctx: &Ctx, p: &Profile, city: &'static City, rng: &mut impl Rng, ev: &mut Vec<Event>) {
    let n = stochastic_round(rng, p.transfers_per_month * months_of_history());
    for _ in 0..n {
        let day = day_between(rng, ctx.from, ctx.today);
        let t = time_on(rng, day, Hours::AnyTime.weights());
        let who = masked_name(rng);
        let e = if chance(rng, 0.7) {
            Event::new(
                t,
                -yuan_fen(rng, 100, 20_000),
                Channel::Transfer,
                city.name,
                format!("转账-{who}"),
            )
        } else {
            Event::new(
                t,
                yuan_fen(rng, 200, 10_000),
                Channel::Transfer,
                city.name,
                format!("转账收入-{who}"),
            )
        };
        ev.push(e.on_account());
    }
}

/// Electricity every other month, gas and water every third, paid online.
fn utilities(ctx: &Ctx, city: &'static City, rng: &mut impl Rng, ev: &mut Vec<Event>) {
    let grid = if matches!(
        city.province,
        "广东省" | "广西壮族自治区" | "云南省" | "贵州省"
    ) {
        "南方电网"
    } else {
        "国家电网"
    };
    for (y, m) in months(ctx) {
        let bills: [(bool, &str, u32, u32); 2] = [
            (m % 2 == 0, grid, 80, 600),
            (m % 3 == 0, "燃气水费", 40, 300),
        ];
        for (due, payee, lo, hi) in bills {
            let Some(d) =
                day_in(y, m, rng.random_range(5..=20)).filter(|d| due && in_history(ctx, *d))
            else {
                continue;
            };
            let payee = if payee == grid {
                format!("{grid}{}供电", city.name)
            } else {
                format!("{}燃气水务", city.name)
            };
            let mut e = Event::new(
                time_on(rng, d, Hours::Evening.weights()),
                -yuan_fen(rng, lo, hi),
                Channel::Online,
                city.name,
                "生活缴费",
            )
            .on_account();
            e.merchant = Some(payee);
            ev.push(e);
        }
    }
}

/// A small business owner's account: customers pay in, suppliers and rent go out.
fn business(
    ctx: &Ctx,
    city: &'static City,
    turnover: i64,
    rng: &mut impl Rng,
    ev: &mut Vec<Event>,
) {
    for (y, m) in months(ctx) {
        for i in 0..rng.random_range(2..=4u32) {
            let Some(d) = day_in(y, m, rng.random_range(1..=28)).filter(|d| in_history(ctx, *d))
            else {
                continue;
            };
            let share = turnover as f64 * (0.15 + 0.3 * rng.random::<f64>());
            let (amount, what) = if i == 0 {
                (-(share * 0.8) as i64, "货款支付")
            } else {
                (share as i64, "货款")
            };
            if amount == 0 {
                continue;
            }
            let party = format!(
                "{}{}{}",
                city.name,
                EMPLOYER_WORDS[rng.random_range(0..EMPLOYER_WORDS.len())],
                EMPLOYER_KINDS[rng.random_range(0..EMPLOYER_KINDS.len())]
            );
            let mut e = Event::new(
                time_on(rng, d, Hours::Office.weights()),
                amount,
                Channel::Transfer,
                city.name,
                what,
            )
            .on_account();
            e.merchant = Some(party);
            ev.push(e);
        }
    }
}

/// Sorts the events, numbers them and appends them as transactions.
pub(crate) fn emit(
    index: u64,
    p: &Profile,
    mut events: Vec<Event>,
    out: &mut BankBatch,
) -> Result<(), FieldError> {
    events.sort_by_key(|e| e.at);
    if events.len() > MAX_TRANSACTIONS {
        events.drain(..events.len() - MAX_TRANSACTIONS);
    }
    out.transactions.reserve(events.len());
    // One buffer for all ids: a million customers make a hundred million of them.
    let mut id = String::with_capacity(16);
    for (n, e) in events.into_iter().enumerate() {
        id.clear();
        write!(id, "T{:09}{:04}", index + 1, n + 1)
            .map_err(|_| FieldError::new("id", "cannot format"))?;
        out.transactions.push(Transaction {
            id: RecordId::parse(&id)?,
            customer_id: p.id.clone(),
            account_id: e.account.and_then(|a| p.accounts.get(a)).cloned(),
            card_id: e.card.and_then(|c| p.cards.get(c)).map(|c| c.id.clone()),
            at: draw::local(e.at),
            amount_fen: e.amount_fen,
            currency: Currency::CNY,
            channel: e.channel,
            merchant: e.merchant,
            city: e.city.to_string(),
            country: e.country.to_string(),
            lat: e.coords.map(|c| c.0),
            lon: e.coords.map(|c| c.1),
            terminal: e.terminal,
            description: e.description.into_owned(),
        });
    }
    Ok(())
}
