//! An ordinary customer: who they are, what they hold and how they live, drawn from the
//! customer's own random stream in a fixed order.

use crate::activity::{self, Income, Profile, short_district};
use crate::draw::{
    self, add_days, add_months, chance, day_between, log_uniform, normal, scramble, sub_days,
    weighted, years_before,
};
use crate::records::{CardSpec, HoldingSpec, LoanSpec, Records, id_number};
use crate::tables::{
    CITIES, COMMUNITIES, City, EMPLOYER_KINDS, EMPLOYER_WORDS, FEMALE_CHARS, MALE_CHARS,
    MOBILE_PREFIXES, PRODUCTS, PUBLIC_EMPLOYERS, STREETS, SURNAMES,
};
use crate::{BankBatch, Ctx, customer_id};
use bankdesk_domain::bank::{
    AccountKind, AccountStatus, CardKind, CardStatus, Customer, Gender, LoanKind, LprTerm,
    RecordId, RepricingRule, Segment, VipTier,
};
use bankdesk_domain::error::FieldError;
use bankdesk_domain::ident::Phone;
use chrono::{Datelike, NaiveDate};
use rand::Rng;

/// Multiplier of the customer index in mobile numbers (coprime with 10).
const PHONE_MULT: u64 = 69_069_013;

pub(crate) fn regular(
    ctx: &Ctx,
    index: u64,
    rng: &mut impl Rng,
    out: &mut BankBatch,
) -> Result<(), FieldError> {
    let id = RecordId::parse(&customer_id(index))?;
    let city_i = weighted(rng, CITIES, |c| c.pop_10k);
    let city = &CITIES[city_i];
    let district = rng.random_range(0..city.districts.len());
    let gender = if chance(rng, 0.51) {
        Gender::Male
    } else {
        Gender::Female
    };
    let age = draw_age(rng);
    let birth = birth_date(rng, ctx.today, age);
    let order = rng.random_range(5..495) * 2 + u32::from(gender == Gender::Male);
    let id_number = id_number(city.districts[district].0, birth, order)?;
    let name = format!(
        "{}{}",
        SURNAMES[weighted(rng, SURNAMES, |s| s.1)].0,
        given_name(rng, gender, birth.year())
    );
    let phones = phones(ctx, index, city, rng)?;
    let address = address(rng, city, district);
    let tier = draw_tier(rng, age);
    let retired = age >= if gender == Gender::Male { 60 } else { 55 };
    let segment = draw_segment(rng, tier, age, retired);
    out.customers.push(Customer {
        id: id.clone(),
        name,
        gender,
        birth_date: birth,
        id_number,
        phones,
        address,
        city: city.name.to_string(),
        vip_tier: tier,
        segment,
        sensitive: false,
    });

    let branch = format!(
        "{}分行{}支行",
        city.name,
        short_district(city.districts[district].1)
    );
    let mut p = Profile {
        id,
        city: city_i,
        district,
        age,
        accounts: Vec::new(),
        balance_fen: 0,
        branch: branch.clone(),
        cards: Vec::new(),
        income: None,
        business_fen: None,
        spend_per_month: 0.0,
        atm_per_month: 0.0,
        transfers_per_month: 0.0,
        counter_per_month: 0.0,
        car: false,
        utilities: false,
        trips: 0,
        abroad: false,
        repayments: Vec::new(),
        purchases: Vec::new(),
    };
    let mut r = Records::new(ctx, index, out);
    let city_factor = match city.tier {
        1 => 1.5,
        2 => 1.1,
        _ => 0.9,
    };
    p.income = income(rng, city, segment, retired, city_factor);
    if segment == Segment::SmallBusiness {
        p.business_fen = Some(yuan(log_uniform(rng, 30_000.0, 400_000.0) * city_factor));
    }

    // Assets: savings, perhaps a time deposit and wealth products.
    let aum = aum_fen(rng, tier, age);
    let has_holdings = chance(
        rng,
        match tier {
            VipTier::None => 0.07 + if age >= 55 { 0.05 } else { 0.0 },
            VipTier::Gold => 0.45,
            _ => 0.75,
        },
    );
    let has_deposit = chance(
        rng,
        match tier {
            VipTier::None => 0.18 + if age >= 55 { 0.25 } else { 0.0 },
            _ => 0.55,
        },
    );
    let in_holdings = if has_holdings {
        (aum as f64 * (0.2 + 0.4 * rng.random::<f64>())) as i64
    } else {
        0
    };
    let in_deposit = if has_deposit {
        ((aum - in_holdings) as f64 * (0.3 + 0.3 * rng.random::<f64>())) as i64
    } else {
        0
    };
    p.balance_fen = aum - in_holdings - in_deposit;

    let adult = add_months(birth, 12 * 18);
    let opened = day_between(
        rng,
        adult.max(years_before(ctx.today, 25)),
        sub_days(ctx.today, 30),
    );
    let balance = p.balance_fen;
    let main = r.account(
        &mut p,
        AccountKind::Savings,
        balance,
        opened,
        AccountStatus::Active,
        &branch,
    )?;
    if chance(rng, 0.15) {
        let other = rng.random_range(0..city.districts.len());
        let branch2 = format!(
            "{}分行{}支行",
            city.name,
            short_district(city.districts[other].1)
        );
        let status = match rng.random_range(0..10) {
            0 => AccountStatus::Closed,
            1..=4 => AccountStatus::Dormant,
            _ => AccountStatus::Active,
        };
        let balance = if status == AccountStatus::Closed {
            0
        } else {
            draw::yuan_fen(rng, 1, 5_000)
        };
        let on = day_between(rng, opened, sub_days(ctx.today, 7));
        r.account(&mut p, AccountKind::Savings, balance, on, status, &branch2)?;
    }
    if has_deposit {
        let on = day_between(
            rng,
            years_before(ctx.today, 3).max(opened),
            sub_days(ctx.today, 1),
        );
        r.account(
            &mut p,
            AccountKind::TimeDeposit,
            in_deposit,
            on,
            AccountStatus::Active,
            &branch,
        )?;
    }
    if segment == Segment::SmallBusiness && chance(rng, 0.5) {
        let on = day_between(rng, opened, sub_days(ctx.today, 7));
        let balance = draw::yuan_fen(rng, 10_000, 500_000);
        r.account(
            &mut p,
            AccountKind::Current,
            balance,
            on,
            AccountStatus::Active,
            &branch,
        )?;
    }

    // Cards: nearly everyone has a debit card on the main account; credit cards by age.
    if !(age >= 70 && chance(rng, 0.25)) {
        debit_cards(&mut r, &mut p, rng, tier, main, opened)?;
    }
    let credit_share = match age {
        18..=19 => 0.05,
        20..=29 => 0.35,
        30..=49 => 0.45,
        50..=59 => 0.30,
        60..=69 => 0.12,
        _ => 0.03,
    } + if tier == VipTier::None { 0.0 } else { 0.25 };
    let has_credit = chance(rng, credit_share);
    p.car = chance(rng, if (25..=65).contains(&age) { 0.35 } else { 0.1 });
    if has_credit {
        credit_card(&mut r, &mut p, rng, tier, age)?;
    }

    loans(&mut r, &mut p, rng, city, age, segment)?;
    if has_holdings {
        holdings(&mut r, &mut p, rng, tier, age, in_holdings)?;
    }

    // How busy the account is.
    let base = match age {
        18..=29 => 1.6,
        30..=44 => 1.4,
        45..=59 => 1.0,
        60..=69 => 0.5,
        _ => 0.25,
    };
    p.spend_per_month = base * (0.8 * normal(rng)).exp() * if has_credit { 1.4 } else { 1.0 };
    p.atm_per_month = match age {
        60.. => 0.8,
        45..=59 => 0.4,
        _ => 0.2,
    } * (0.5 * normal(rng)).exp();
    p.transfers_per_month = 0.25 * (0.7 * normal(rng)).exp();
    p.counter_per_month = if age >= 60 { 0.2 } else { 0.03 };
    p.utilities = chance(rng, 0.4);
    p.trips = [0, 0, 0, 0, 0, 1, 1, 1, 2, 3][rng.random_range(0..10)];
    p.abroad = (tier != VipTier::None || has_credit) && chance(rng, 0.3);

    let events = activity::background(ctx, &p, rng);
    activity::emit(index, &p, events, r.out)
}

fn yuan(y: f64) -> i64 {
    (y * 100.0).round() as i64
}

/// Adults of 18 to 85, shaped like China's adult population.
fn draw_age(rng: &mut impl Rng) -> u32 {
    const BANDS: &[(u32, u32, u32)] = &[
        (18, 29, 18),
        (30, 39, 22),
        (40, 49, 20),
        (50, 59, 19),
        (60, 69, 13),
        (70, 85, 8),
    ];
    let (lo, hi, _) = BANDS[weighted(rng, BANDS, |b| b.2)];
    rng.random_range(lo..=hi)
}

/// A birth date that makes the customer exactly `age` today.
pub(crate) fn birth_date(rng: &mut impl Rng, today: NaiveDate, age: u32) -> NaiveDate {
    let latest = years_before(today, age);
    let earliest = add_days(years_before(today, age + 1), 1);
    day_between(rng, earliest, add_days(latest, 1))
}

fn given_name(rng: &mut impl Rng, gender: Gender, birth_year: i32) -> String {
    let era = match birth_year {
        ..1965 => 0,
        1965..1990 => 1,
        _ => 2,
    };
    let pool = match gender {
        Gender::Male => MALE_CHARS[era],
        Gender::Female => FEMALE_CHARS[era],
    };
    let a = rng.random_range(0..pool.len());
    if chance(rng, [0.3, 0.4, 0.2][era]) {
        return pool[a].to_string();
    }
    let mut b = rng.random_range(0..pool.len() - 1);
    if b >= a {
        b += 1;
    }
    format!("{}{}", pool[a], pool[b])
}

/// A mobile number unique to the customer (the eight digits after the prefix are the
/// scrambled index), never one of the story numbers; sometimes a home landline too.
fn phones(
    ctx: &Ctx,
    index: u64,
    city: &City,
    rng: &mut impl Rng,
) -> Result<Vec<Phone>, FieldError> {
    let suffix = scramble(index, PHONE_MULT, ctx.phone_add);
    let mut prefix = MOBILE_PREFIXES[weighted(rng, MOBILE_PREFIXES, |p| p.1)].0;
    if prefix == "138" && (1..=8).contains(&suffix) {
        prefix = "139";
    }
    let mut phones = vec![Phone::parse(&format!("{prefix}{suffix:08}"))?];
    if chance(rng, 0.12) {
        phones.push(Phone::parse(&format!(
            "{}{}{:07}",
            city.area_code,
            rng.random_range(2..=8),
            rng.random_range(0..10_000_000)
        ))?);
    }
    Ok(phones)
}

fn address(rng: &mut impl Rng, city: &City, district: usize) -> String {
    format!(
        "{}{}市{}{}{}号{}{}栋{}单元{}{:02}室",
        city.province,
        city.name,
        city.districts[district].1,
        STREETS[rng.random_range(0..STREETS.len())],
        rng.random_range(1..=999),
        COMMUNITIES[rng.random_range(0..COMMUNITIES.len())],
        rng.random_range(1..=30),
        rng.random_range(1..=6),
        rng.random_range(1..=33),
        rng.random_range(1..=4),
    )
}

/// Service tiers by age: a few percent are gold or above, more so in middle age.
fn draw_tier(rng: &mut impl Rng, age: u32) -> VipTier {
    // Per mille: none, gold, platinum, diamond, private.
    let w: [u32; 5] = match age {
        ..25 => [970, 27, 3, 0, 0],
        25..40 => [890, 80, 22, 6, 2],
        40..60 => [820, 120, 40, 15, 5],
        _ => [840, 110, 35, 12, 3],
    };
    let tiers = [
        VipTier::None,
        VipTier::Gold,
        VipTier::Platinum,
        VipTier::Diamond,
        VipTier::Private,
    ];
    tiers[weighted(rng, &w, |x| *x)]
}

fn draw_segment(rng: &mut impl Rng, tier: VipTier, age: u32, retired: bool) -> Segment {
    match tier {
        VipTier::Private | VipTier::Diamond => Segment::HighNetWorth,
        VipTier::Platinum if chance(rng, 0.2) => Segment::HighNetWorth,
        VipTier::Platinum => Segment::Affluent,
        VipTier::Gold if retired && chance(rng, 0.4) => Segment::Senior,
        VipTier::Gold if !retired && chance(rng, 0.25) => Segment::Payroll,
        VipTier::Gold => Segment::Affluent,
        VipTier::None if age >= 60 => {
            if chance(rng, 0.85) {
                Segment::Senior
            } else {
                Segment::Mass
            }
        }
        VipTier::None => match rng.random_range(0..20) {
            0..=8 => Segment::Payroll,
            9..=17 => Segment::Mass,
            _ => Segment::SmallBusiness,
        },
    }
}

/// Salary for most people of working age, a pension for the retired.
fn income(
    rng: &mut impl Rng,
    city: &City,
    segment: Segment,
    retired: bool,
    city_factor: f64,
) -> Option<Income> {
    if retired {
        return Some(Income {
            payer: format!("{}市社会保险基金", city.name),
            monthly_fen: yuan(log_uniform(rng, 2_500.0, 7_000.0) * city_factor.sqrt()).max(100),
            day: rng.random_range(5..=15),
            description: "养老金",
            salary: false,
        });
    }
    let (share, base) = match segment {
        Segment::Payroll => (1.0, 8_000.0),
        Segment::Mass => (0.5, 6_000.0),
        Segment::Affluent => (0.6, 18_000.0),
        Segment::HighNetWorth => (0.3, 45_000.0),
        Segment::Senior | Segment::SmallBusiness => (0.0, 0.0),
    };
    if !chance(rng, share) {
        return None;
    }
    let payer = if chance(rng, 0.15) {
        format!(
            "{}{}",
            city.name,
            PUBLIC_EMPLOYERS[rng.random_range(0..PUBLIC_EMPLOYERS.len())]
        )
    } else {
        format!(
            "{}{}{}",
            city.name,
            EMPLOYER_WORDS[rng.random_range(0..EMPLOYER_WORDS.len())],
            EMPLOYER_KINDS[rng.random_range(0..EMPLOYER_KINDS.len())]
        )
    };
    Some(Income {
        payer,
        monthly_fen: yuan(base * city_factor * (0.35 * normal(rng)).exp()).max(100_000),
        day: rng.random_range(5..=25),
        description: "代发工资",
        salary: true,
    })
}

/// Assets under management, which is what the service tier is granted on.
fn aum_fen(rng: &mut impl Rng, tier: VipTier, age: u32) -> i64 {
    let yuan_amount = match tier {
        VipTier::None => {
            let older = if age >= 55 { 2.0 } else { 1.0 };
            (25_000.0 * older * (1.2 * normal(rng)).exp()).clamp(50.0, 480_000.0)
        }
        VipTier::Gold => log_uniform(rng, 500_000.0, 3_000_000.0),
        VipTier::Platinum => log_uniform(rng, 3_000_000.0, 10_000_000.0),
        VipTier::Diamond => log_uniform(rng, 10_000_000.0, 30_000_000.0),
        VipTier::Private => log_uniform(rng, 30_000_000.0, 100_000_000.0),
    };
    yuan(yuan_amount)
}

/// The latest (re)issue of a card first issued on `first`, valid `years`, on or before `on`.
fn reissue(first: NaiveDate, years: u32, on: NaiveDate) -> NaiveDate {
    let mut d = first;
    while add_months(d, 12 * years) <= on {
        d = add_months(d, 12 * years);
    }
    d
}

fn debit_cards(
    r: &mut Records,
    p: &mut Profile,
    rng: &mut impl Rng,
    tier: VipTier,
    account: usize,
    opened: NaiveDate,
) -> Result<(), FieldError> {
    let today = r.ctx.today;
    let (bin, product) = match tier {
        VipTier::None => ("622651", "借记卡"),
        VipTier::Gold => ("622652", "金卡"),
        VipTier::Platinum => ("622653", "白金卡"),
        VipTier::Diamond => ("622653", "钻石卡"),
        VipTier::Private => ("622653", "私人银行卡"),
    };
    let roll = rng.random_range(0..1000);
    let never_renewed = add_months(opened, 121) <= today;
    let (status, stop) = match roll {
        0..20 => (CardStatus::Lost, sub_days(today, rng.random_range(1..=365))),
        20..24 => (
            CardStatus::Frozen,
            sub_days(today, rng.random_range(1..=90)),
        ),
        24..25 => (
            CardStatus::Retained,
            sub_days(today, rng.random_range(1..=20)),
        ),
        25..34 if never_renewed => (CardStatus::Expired, today),
        _ => (CardStatus::Active, today),
    };
    let stop = stop.max(add_days(opened, 1));
    let (issued_on, until) = if status == CardStatus::Expired {
        // Valid to the end of the month printed on it, ten years after issue.
        (
            opened,
            add_months(add_months(opened, 120).with_day(1).unwrap_or(opened), 1),
        )
    } else {
        (reissue(opened, 10, stop), stop)
    };
    let spec = |status, issued_on, until| CardSpec {
        kind: CardKind::Debit,
        account: Some(account),
        bin,
        product,
        status,
        issued_on,
        until,
        valid_years: 10,
        credit_limit_fen: None,
        temp_limit: None,
        outstanding_fen: 0,
    };
    r.card(p, spec(status, issued_on, until))?;
    if status == CardStatus::Lost {
        // A replacement a few days after the loss report.
        let again = add_days(stop, rng.random_range(1..=10));
        if again < today {
            r.card(p, spec(CardStatus::Active, again, today))?;
        }
    }
    Ok(())
}

fn credit_card(
    r: &mut Records,
    p: &mut Profile,
    rng: &mut impl Rng,
    tier: VipTier,
    age: u32,
) -> Result<(), FieldError> {
    let today = r.ctx.today;
    let (bin, product, lo, hi) = match tier {
        VipTier::None if age < 30 => ("625906", "青年信用卡", 2_000.0, 10_000.0),
        VipTier::None if p.car => ("625907", "车主信用卡", 10_000.0, 30_000.0),
        VipTier::None => ("625907", "标准信用卡", 3_000.0, 20_000.0),
        VipTier::Gold => ("625908", "金卡信用卡", 20_000.0, 80_000.0),
        VipTier::Platinum => ("625909", "白金信用卡", 80_000.0, 200_000.0),
        VipTier::Diamond | VipTier::Private => ("625910", "钻石信用卡", 200_000.0, 1_000_000.0),
    };
    let limit = (log_uniform(rng, lo, hi) / 1000.0).round().max(1.0) as i64 * 1000 * 100;
    let roll = rng.random_range(0..1000);
    let (status, issued_on, until) = match roll {
        0..10 => {
            let lost = sub_days(today, rng.random_range(1..=300));
            (
                CardStatus::Lost,
                day_between(rng, years_before(lost, 4), lost),
                lost,
            )
        }
        10..18 => {
            let frozen = sub_days(today, rng.random_range(1..=120));
            (
                CardStatus::Frozen,
                day_between(rng, years_before(frozen, 4), frozen),
                frozen,
            )
        }
        18..24 => {
            let issued = day_between(
                rng,
                sub_days(years_before(today, 6), 0),
                sub_days(years_before(today, 5), 40),
            );
            let end = add_months(add_months(issued, 60).with_day(1).unwrap_or(issued), 1);
            (CardStatus::Expired, issued, end)
        }
        _ => (
            CardStatus::Active,
            day_between(
                rng,
                add_days(years_before(today, 5), 40),
                sub_days(today, 7),
            ),
            today,
        ),
    };
    let outstanding = match status {
        CardStatus::Frozen => (limit as f64 * (0.8 + 0.2 * rng.random::<f64>())) as i64,
        CardStatus::Expired => 0,
        _ => match rng.random_range(0..100) {
            0..2 => -draw::yuan_fen(rng, 1, 3_000),
            2..57 => (limit as f64 * (0.02 + 0.58 * rng.random::<f64>())) as i64,
            _ => 0,
        },
    };
    let temp_limit = if status == CardStatus::Active && chance(rng, 0.06) {
        let extra = (limit as f64 * (0.2 + 0.3 * rng.random::<f64>()) / 100_000.0)
            .round()
            .max(1.0) as i64
            * 100_000;
        Some((extra, add_days(today, rng.random_range(5..=60))))
    } else {
        None
    };
    let spec = |status, issued_on, until, outstanding_fen, temp_limit| CardSpec {
        kind: CardKind::Credit,
        account: None,
        bin,
        product,
        status,
        issued_on,
        until,
        valid_years: 5,
        credit_limit_fen: Some(limit),
        temp_limit,
        outstanding_fen,
    };
    r.card(p, spec(status, issued_on, until, outstanding, temp_limit))?;
    if status == CardStatus::Lost {
        let again = add_days(until, rng.random_range(3..=14));
        if again < today {
            r.card(p, spec(CardStatus::Active, again, today, 0, None))?;
        }
    }
    Ok(())
}

fn loans(
    r: &mut Records,
    p: &mut Profile,
    rng: &mut impl Rng,
    city: &City,
    age: u32,
    segment: Segment,
) -> Result<(), FieldError> {
    let today = r.ctx.today;
    let mortgage_share = match age {
        25..=34 => 0.20,
        35..=54 => 0.28,
        55..=64 => 0.10,
        _ => 0.02,
    };
    if age >= 23 && chance(rng, mortgage_share) {
        let (lo, hi) = match city.tier {
            1 => (1_500_000.0, 4_000_000.0),
            2 => (800_000.0, 2_500_000.0),
            _ => (500_000.0, 1_500_000.0),
        };
        let years_back = (age - 22).min(10);
        let start = day_between(rng, years_before(today, years_back), sub_days(today, 30));
        const SPREADS: &[i32] = &[-45, -30, -20, 0, 20, 35, 55];
        r.loan(
            p,
            LoanSpec {
                kind: LoanKind::Mortgage,
                principal_fen: (log_uniform(rng, lo, hi) / 10_000.0).round() as i64 * 10_000 * 100,
                term_months: [240, 300, 360][weighted(rng, &[2u32, 2, 5], |w| *w)],
                start,
                lpr_term: LprTerm::FiveYear,
                spread_bp: SPREADS[rng.random_range(0..SPREADS.len())],
                rule: if chance(rng, 0.7) {
                    RepricingRule::January
                } else {
                    RepricingRule::Anniversary
                },
                overdue: chance(rng, 0.01),
            },
        )?;
    }
    if (22..=55).contains(&age) && chance(rng, 0.07) {
        let start = day_between(rng, years_before(today, 4), sub_days(today, 20));
        r.loan(
            p,
            LoanSpec {
                kind: LoanKind::Consumer,
                principal_fen: (log_uniform(rng, 20_000.0, 300_000.0) / 1000.0).round() as i64
                    * 1000
                    * 100,
                term_months: [12, 24, 36][rng.random_range(0..3)],
                start,
                lpr_term: LprTerm::OneYear,
                spread_bp: [50, 100, 150, 200, 300][rng.random_range(0..5)],
                rule: if chance(rng, 0.5) {
                    RepricingRule::January
                } else {
                    RepricingRule::Anniversary
                },
                overdue: chance(rng, 0.02),
            },
        )?;
    }
    if segment == Segment::SmallBusiness && chance(rng, 0.35) {
        let start = day_between(rng, years_before(today, 3), sub_days(today, 20));
        r.loan(
            p,
            LoanSpec {
                kind: LoanKind::Business,
                principal_fen: (log_uniform(rng, 200_000.0, 3_000_000.0) / 10_000.0).round() as i64
                    * 10_000
                    * 100,
                term_months: [12, 24, 36][rng.random_range(0..3)],
                start,
                lpr_term: LprTerm::OneYear,
                spread_bp: [35, 60, 100, 150][rng.random_range(0..4)],
                rule: RepricingRule::Anniversary,
                overdue: chance(rng, 0.02),
            },
        )?;
    }
    Ok(())
}

/// Wealth products suited to the customer's age: the old keep to low risk.
fn holdings(
    r: &mut Records,
    p: &mut Profile,
    rng: &mut impl Rng,
    tier: VipTier,
    age: u32,
    total_fen: i64,
) -> Result<(), FieldError> {
    let today = r.ctx.today;
    let count = match tier {
        VipTier::None => 1,
        VipTier::Gold => rng.random_range(1..=3),
        _ => rng.random_range(2..=5),
    };
    // Weights per product (see PRODUCTS) for the young, middle-aged and old.
    const BY_AGE: [[u32; 9]; 3] = [
        [20, 15, 5, 15, 10, 10, 10, 10, 5],
        [20, 20, 10, 15, 15, 8, 6, 5, 1],
        [30, 25, 20, 15, 5, 5, 0, 0, 0],
    ];
    let w = &BY_AGE[match age {
        ..35 => 0,
        35..60 => 1,
        _ => 2,
    }];
    let mut left = total_fen;
    for n in 0..count {
        let product = &PRODUCTS[weighted(rng, w, |x| *x)];
        let cost = if n + 1 == count {
            left
        } else {
            (left as f64 * (0.3 + 0.4 * rng.random::<f64>())) as i64
        };
        left -= cost;
        if cost < 100 {
            continue;
        }
        let bought = day_between(rng, years_before(today, 3), sub_days(today, 7));
        let years = (today - bought).num_days() as f64 / 365.0;
        let buy_nav = (log_uniform(rng, 1.0, if product.mean_bp < 200 { 1.08 } else { 1.35 })
            * 10_000.0)
            .round() as i64;
        let ret = (f64::from(product.mean_bp) * years
            + f64::from(product.vol_bp) * years.sqrt() * normal(rng))
            / 10_000.0;
        let nav = (buy_nav as f64 * (1.0 + ret).max(0.3)).round() as i64;
        r.holding(
            p,
            HoldingSpec {
                product,
                cost_fen: cost,
                bought,
                buy_nav,
                nav,
            },
        )?;
    }
    Ok(())
}
