//! The story customers of the source articles, present in every bank whatever its seed
//! and size, with the records that make each story visible on the agent's screen. Their
//! ordinary activity comes from a fixed stream, so only `today` moves them; the story's
//! own events happen in the days just before `today`.

use crate::activity::{self, Event, Income, Profile, atm_terminal, district_centre};
use crate::draw::{add_days, at, key, spot, sub_days, years_before};
use crate::records::{CardSpec, HoldingSpec, LoanSpec, Records, id_number};
use crate::tables::{CITIES, PRODUCTS, city_index};
use crate::{BankBatch, Ctx, STORY_PHONES, customer_id};
use bankdesk_domain::bank::{
    AccountKind, AccountStatus, CardKind, CardStatus, Channel, Customer, Gender, LoanKind, LprTerm,
    RecordId, RepricingRule, Segment, VipTier,
};
use bankdesk_domain::error::FieldError;
use bankdesk_domain::ident::Phone;
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Seed of the story customers' ordinary activity: the same in every bank.
const STORY_SEED: u64 = 0x5701_2026;

/// Who a story customer is.
struct Person {
    name: &'static str,
    gender: Gender,
    age: u32,
    /// Days since the last birthday, so the age is exact whatever `today` is.
    since_birthday: u64,
    city: &'static str,
    district: usize,
    address: &'static str,
    tier: VipTier,
    segment: Segment,
    sensitive: bool,
}

pub(crate) fn story(ctx: &Ctx, index: u64, out: &mut BankBatch) -> Result<(), FieldError> {
    let mut rng = ChaCha8Rng::seed_from_u64(STORY_SEED);
    rng.set_stream(index);
    match index {
        0 => chi(ctx, &mut rng, out),
        1 => wang_overpaid(ctx, &mut rng, out),
        2 => liu_mortgage(ctx, &mut rng, out),
        3 => wang_wealth(ctx, &mut rng, out),
        4 => zhang_atm(ctx, &mut rng, out),
        5 => li_lost_card(ctx, &mut rng, out),
        6 => liu_platinum(ctx, &mut rng, out),
        _ => zhao_taipei(ctx, &mut rng, out),
    }
}

/// Writes the customer and returns the profile, with quiet defaults the story adjusts.
fn person(ctx: &Ctx, index: u64, w: &Person, out: &mut BankBatch) -> Result<Profile, FieldError> {
    let city = city_index(w.city)
        .ok_or_else(|| FieldError::new("city", "story city missing from the table"))?;
    let birth = sub_days(years_before(ctx.today, w.age), w.since_birthday);
    // Order codes 990-999 are never drawn for ordinary customers, so story ID numbers are
    // unique in every bank.
    let order = 990 + 2 * (index as u32 % 4) + u32::from(w.gender == Gender::Male);
    let id = RecordId::parse(&customer_id(index))?;
    out.customers.push(Customer {
        id: id.clone(),
        name: w.name.to_string(),
        gender: w.gender,
        birth_date: birth,
        id_number: id_number(CITIES[city].districts[w.district].0, birth, order)?,
        phones: vec![Phone::parse(
            STORY_PHONES[index as usize % STORY_PHONES.len()],
        )?],
        address: w.address.to_string(),
        city: w.city.to_string(),
        vip_tier: w.tier,
        segment: w.segment,
        sensitive: w.sensitive,
    });
    let branch = format!(
        "{}分行{}支行",
        w.city,
        activity::short_district(CITIES[city].districts[w.district].1)
    );
    Ok(Profile {
        id,
        city,
        district: w.district,
        age: w.age,
        accounts: Vec::new(),
        balance_fen: 0,
        branch,
        cards: Vec::new(),
        income: None,
        business_fen: None,
        spend_per_month: 2.5,
        atm_per_month: 0.3,
        transfers_per_month: 0.4,
        counter_per_month: 0.05,
        car: false,
        utilities: true,
        trips: 1,
        abroad: false,
        repayments: Vec::new(),
        purchases: Vec::new(),
    })
}

fn savings(
    r: &mut Records,
    p: &mut Profile,
    balance_fen: i64,
    years: u32,
) -> Result<usize, FieldError> {
    p.balance_fen = balance_fen;
    let opened = years_before(sub_days(r.ctx.today, 97), years);
    let branch = p.branch.clone();
    r.account(
        p,
        AccountKind::Savings,
        balance_fen,
        opened,
        AccountStatus::Active,
        &branch,
    )
}

fn debit(
    r: &mut Records,
    p: &mut Profile,
    account: usize,
    product: &'static str,
    status: CardStatus,
    until: NaiveDate,
) -> Result<usize, FieldError> {
    let issued_on = years_before(sub_days(r.ctx.today, 97), 3);
    r.card(
        p,
        CardSpec {
            kind: CardKind::Debit,
            account: Some(account),
            bin: "622652",
            product,
            status,
            issued_on,
            until,
            valid_years: 10,
            credit_limit_fen: None,
            temp_limit: None,
            outstanding_fen: 0,
        },
    )
}

fn credit(
    r: &mut Records,
    p: &mut Profile,
    bin: &'static str,
    product: &'static str,
    limit_yuan: i64,
    outstanding_fen: i64,
) -> Result<usize, FieldError> {
    let today = r.ctx.today;
    r.card(
        p,
        CardSpec {
            kind: CardKind::Credit,
            account: None,
            bin,
            product,
            status: CardStatus::Active,
            issued_on: years_before(sub_days(today, 41), 2),
            until: today,
            valid_years: 5,
            credit_limit_fen: Some(limit_yuan * 100),
            temp_limit: None,
            outstanding_fen,
        },
    )
}

/// A named point of sale.
struct Shop<'a> {
    city: &'static str,
    name: &'a str,
    coords: (f64, f64),
    terminal: &'a str,
}

/// A card purchase of `fen` at `shop`; `account` is the debit card's account.
fn purchase(t: NaiveDateTime, fen: i64, card: usize, account: Option<usize>, shop: Shop) -> Event {
    let mut e = Event::new(t, -fen, Channel::Pos, shop.city, "消费");
    e.card = Some(card);
    e.account = account;
    e.merchant = Some(shop.name.to_string());
    e.coords = Some(shop.coords);
    e.terminal = Some(shop.terminal.to_string());
    e
}

fn finish(
    index: u64,
    p: &Profile,
    mut events: Vec<Event>,
    cutoff: Option<NaiveDateTime>,
    scripted: Vec<Event>,
    out: &mut BankBatch,
) -> Result<(), FieldError> {
    if let Some(c) = cutoff {
        events.retain(|e| e.at < c);
    }
    events.extend(scripted);
    activity::emit(index, p, events, out)
}

/// Seed 000: a comedian whose statements were printed for his agency. Sensitive: any
/// access alerts compliance. Two full years of statements are what was leaked.
fn chi(ctx: &Ctx, rng: &mut ChaCha8Rng, out: &mut BankBatch) -> Result<(), FieldError> {
    let who = Person {
        name: "池乐天",
        gender: Gender::Male,
        age: 33,
        since_birthday: 140,
        city: "上海",
        district: 1,
        address: "上海市徐汇区漕溪北路398号汇智大厦18楼",
        tier: VipTier::Gold,
        segment: Segment::Affluent,
        sensitive: true,
    };
    let mut p = person(ctx, 0, &who, out)?;
    let mut r = Records::new(ctx, 0, out);
    let main = savings(&mut r, &mut p, 38_652_018, 8)?;
    debit(&mut r, &mut p, main, "金卡", CardStatus::Active, ctx.today)?;
    credit(&mut r, &mut p, "625908", "金卡信用卡", 50_000, 1_236_050)?;
    p.income = Some(Income {
        payer: "上海欢笑文化传播有限公司".to_string(),
        monthly_fen: 4_500_000,
        day: 10,
        description: "演出劳务费",
        salary: true,
    });
    p.spend_per_month = 7.0;
    p.transfers_per_month = 1.0;
    p.trips = 4;
    p.abroad = true;
    let events = activity::background(ctx, &p, rng);
    finish(0, &p, events, None, Vec::new(), r.out)
}

/// Seed 001: a credit card that is lost and past its expiry, with 1,280.00 yuan overpaid
/// by an earlier repayment transfer; she wants the surplus back.
fn wang_overpaid(ctx: &Ctx, rng: &mut ChaCha8Rng, out: &mut BankBatch) -> Result<(), FieldError> {
    let today = ctx.today;
    let who = Person {
        name: "王慧敏",
        gender: Gender::Female,
        age: 45,
        since_birthday: 200,
        city: "郑州",
        district: 3,
        address: "河南省郑州市金水区花园路86号锦绣家园3栋2单元602室",
        tier: VipTier::None,
        segment: Segment::Mass,
        sensitive: false,
    };
    let mut p = person(ctx, 1, &who, out)?;
    let mut r = Records::new(ctx, 1, out);
    let main = savings(&mut r, &mut p, 2_341_055, 12)?;
    debit(&mut r, &mut p, main, "借记卡", CardStatus::Active, today)?;
    // Issued five years and a month ago: the printed expiry is last month.
    let issued_on = r
        .ctx
        .today
        .checked_sub_months(chrono::Months::new(61))
        .unwrap_or(today);
    let card = r.card(
        &mut p,
        CardSpec {
            kind: CardKind::Credit,
            account: None,
            bin: "625907",
            product: "标准信用卡",
            status: CardStatus::Lost,
            issued_on,
            // Only the story's own purchases use this card.
            until: issued_on,
            valid_years: 5,
            credit_limit_fen: Some(2_000_000),
            temp_limit: None,
            outstanding_fen: -128_000,
        },
    )?;
    p.income = Some(Income {
        payer: "郑州恒通贸易有限公司".to_string(),
        monthly_fen: 680_000,
        day: 15,
        description: "代发工资",
        salary: true,
    });
    let events = activity::background(ctx, &p, rng);
    let c = CITIES[p.city].name;
    let shop = |k: u64, name, terminal| Shop {
        city: c,
        name,
        coords: spot(district_centre(p.city, p.district), key(&[90, k]), 0.01),
        terminal,
    };
    let bill_day = sub_days(today, 70);
    let mut scripted = vec![
        purchase(
            at(bill_day, 19, 12, 5),
            215_000,
            card,
            None,
            shop(1, "苏宁易购(郑州金水店)", "41010231"),
        ),
        purchase(
            at(add_days(bill_day, 3), 18, 40, 51),
            98_600,
            card,
            None,
            shop(2, "永辉超市(郑州金水店)", "41010577"),
        ),
        purchase(
            at(add_days(bill_day, 6), 12, 25, 9),
            58_400,
            card,
            None,
            shop(3, "海底捞火锅(郑州金水店)", "41010914"),
        ),
    ];
    // The bill was 3,720.00; she transferred 5,000.00 from her savings account.
    let repaid = at(sub_days(today, 40), 10, 3, 27);
    let mut out_of_savings = Event::new(repaid, -500_000, Channel::Transfer, c, "信用卡还款");
    out_of_savings.account = Some(main);
    scripted.push(out_of_savings);
    let mut onto_card = Event::new(repaid, 500_000, Channel::Transfer, c, "还款-转账");
    onto_card.card = Some(card);
    scripted.push(onto_card);
    finish(1, &p, events, None, scripted, r.out)
}

/// Seed 001: a mortgage on the five-year LPR repriced every 1 January; her statement shows
/// the instalment changing each January.
fn liu_mortgage(ctx: &Ctx, rng: &mut ChaCha8Rng, out: &mut BankBatch) -> Result<(), FieldError> {
    let who = Person {
        name: "刘雅琴",
        gender: Gender::Female,
        age: 41,
        since_birthday: 30,
        city: "武汉",
        district: 2,
        address: "湖北省武汉市武昌区中山路312号翠湖苑8栋1单元1502室",
        tier: VipTier::None,
        segment: Segment::Payroll,
        sensitive: false,
    };
    let mut p = person(ctx, 2, &who, out)?;
    let mut r = Records::new(ctx, 2, out);
    let main = savings(&mut r, &mut p, 5_830_000, 9)?;
    debit(
        &mut r,
        &mut p,
        main,
        "借记卡",
        CardStatus::Active,
        ctx.today,
    )?;
    p.income = Some(Income {
        payer: "武汉市中心医院".to_string(),
        monthly_fen: 1_600_000,
        day: 10,
        description: "代发工资",
        salary: true,
    });
    // Five and a half years ago, in the middle of a year, so that it has been repriced
    // several times; 1.2 million yuan over 30 years at LPR - 0.20%.
    let start = NaiveDate::from_ymd_opt(ctx.today.year() - 5, 6, 15)
        .ok_or_else(|| FieldError::new("start_date", "not a date"))?;
    r.loan(
        &mut p,
        LoanSpec {
            kind: LoanKind::Mortgage,
            principal_fen: 120_000_000,
            term_months: 360,
            start,
            lpr_term: LprTerm::FiveYear,
            spread_bp: -20,
            rule: RepricingRule::January,
            overdue: false,
        },
    )?;
    let events = activity::background(ctx, &p, rng);
    finish(2, &p, events, None, Vec::new(), r.out)
}

/// Seed 001: 68, retired, bought a net-value R3 product on her adviser's word; it shows a
/// loss and she cannot see how "wealth management" can lose.
fn wang_wealth(ctx: &Ctx, rng: &mut ChaCha8Rng, out: &mut BankBatch) -> Result<(), FieldError> {
    let today = ctx.today;
    let who = Person {
        name: "王桂兰",
        gender: Gender::Female,
        age: 68,
        since_birthday: 120,
        city: "天津",
        district: 2,
        address: "天津市河西区友谊路15号康乐新村12栋3门301室",
        tier: VipTier::Gold,
        segment: Segment::Senior,
        sensitive: false,
    };
    let mut p = person(ctx, 3, &who, out)?;
    let mut r = Records::new(ctx, 3, out);
    let main = savings(&mut r, &mut p, 12_680_000, 20)?;
    debit(&mut r, &mut p, main, "金卡", CardStatus::Active, today)?;
    let branch = p.branch.clone();
    r.account(
        &mut p,
        AccountKind::TimeDeposit,
        30_000_000,
        sub_days(today, 400),
        AccountStatus::Active,
        &branch,
    )?;
    p.income = Some(Income {
        payer: "天津市社会保险基金".to_string(),
        monthly_fen: 420_000,
        day: 10,
        description: "养老金",
        salary: false,
    });
    p.spend_per_month = 1.2;
    p.atm_per_month = 1.0;
    p.counter_per_month = 0.4;
    let product = |code: &str| {
        PRODUCTS
            .iter()
            .find(|x| x.code == code)
            .ok_or_else(|| FieldError::new("product_code", "story product missing from the table"))
    };
    // 200,000.00 yuan at 1.0000 five months ago, now 0.9650: a 7,000.00 yuan loss.
    r.holding(
        &mut p,
        HoldingSpec {
            product: product("HH0365")?,
            cost_fen: 20_000_000,
            bought: sub_days(today, 150),
            buy_nav: 10_000,
            nav: 9_650,
        },
    )?;
    r.holding(
        &mut p,
        HoldingSpec {
            product: product("XJ0001")?,
            cost_fen: 5_000_000,
            bought: sub_days(today, 500),
            buy_nav: 10_000,
            nav: 10_238,
        },
    )?;
    let events = activity::background(ctx, &p, rng);
    finish(3, &p, events, None, Vec::new(), r.out)
}

/// Seed 002: at 1 a.m. the hospital's ATM kept his card after he mistyped the PIN; his
/// wife was waiting for surgery in the same hospital.
fn zhang_atm(ctx: &Ctx, rng: &mut ChaCha8Rng, out: &mut BankBatch) -> Result<(), FieldError> {
    let today = ctx.today;
    let night = sub_days(today, 1);
    let who = Person {
        name: "张建军",
        gender: Gender::Male,
        age: 36,
        since_birthday: 250,
        city: "石家庄",
        district: 2,
        address: "河北省石家庄市新华区中华北大街168号阳光花园6栋2单元801室",
        tier: VipTier::None,
        segment: Segment::Payroll,
        sensitive: false,
    };
    let mut p = person(ctx, 4, &who, out)?;
    let mut r = Records::new(ctx, 4, out);
    let main = savings(&mut r, &mut p, 8_615_230, 10)?;
    let card = debit(&mut r, &mut p, main, "借记卡", CardStatus::Retained, night)?;
    p.income = Some(Income {
        payer: "石家庄正泰机械制造有限公司".to_string(),
        monthly_fen: 920_000,
        day: 20,
        description: "代发工资",
        salary: true,
    });
    p.car = true;
    let events = activity::background(ctx, &p, rng);
    let city = &CITIES[p.city];
    let hospital = (38.046_612, 114.479_735);
    let evening = sub_days(night, 1);
    let scripted = vec![
        purchase(
            at(evening, 21, 47, 12),
            300_000,
            card,
            Some(main),
            Shop {
                city: city.name,
                name: "河北医科大学第二医院",
                coords: hospital,
                terminal: "13010562",
            },
        ),
        {
            let mut e = Event::new(
                at(night, 1, 2, 37),
                -200_000,
                Channel::Atm,
                city.name,
                "ATM取款",
            );
            e.card = Some(card);
            e.account = Some(main);
            e.merchant = Some("河北医科大学第二医院自助银行".to_string());
            e.coords = Some(hospital);
            e.terminal = Some(atm_terminal(city, key(&[91, 2])));
            e
        },
    ];
    finish(4, &p, events, Some(at(evening, 21, 0, 0)), scripted, r.out)
}

/// Seed 002: 79, her home was burgled and her card taken; she knows only her name and ID
/// number.
fn li_lost_card(ctx: &Ctx, rng: &mut ChaCha8Rng, out: &mut BankBatch) -> Result<(), FieldError> {
    let today = ctx.today;
    let who = Person {
        name: "李秀英",
        gender: Gender::Female,
        age: 79,
        since_birthday: 60,
        city: "石家庄",
        district: 0,
        address: "河北省石家庄市长安区建设北大街25号工人新村4栋1单元201室",
        tier: VipTier::None,
        segment: Segment::Senior,
        sensitive: false,
    };
    let mut p = person(ctx, 5, &who, out)?;
    let mut r = Records::new(ctx, 5, out);
    let main = savings(&mut r, &mut p, 6_402_300, 25)?;
    // Burgled three days ago: the card has not been used since.
    debit(
        &mut r,
        &mut p,
        main,
        "借记卡",
        CardStatus::Lost,
        sub_days(today, 3),
    )?;
    p.income = Some(Income {
        payer: "石家庄市社会保险基金".to_string(),
        monthly_fen: 310_000,
        day: 8,
        description: "养老金",
        salary: false,
    });
    p.spend_per_month = 0.6;
    p.atm_per_month = 1.2;
    p.counter_per_month = 0.5;
    p.utilities = true;
    p.trips = 0;
    let events = activity::background(ctx, &p, rng);
    finish(5, &p, events, None, Vec::new(), r.out)
}

/// Seed 003: a platinum credit card holder the VIP line recognises; last year he bought
/// flowers for his wife's birthday, which is tomorrow.
fn liu_platinum(ctx: &Ctx, rng: &mut ChaCha8Rng, out: &mut BankBatch) -> Result<(), FieldError> {
    let today = ctx.today;
    let who = Person {
        name: "刘建华",
        gender: Gender::Male,
        age: 44,
        since_birthday: 310,
        city: "深圳",
        district: 1,
        address: "广东省深圳市福田区福华三路100号香榭丽都2栋28A",
        tier: VipTier::Platinum,
        segment: Segment::Affluent,
        sensitive: false,
    };
    let mut p = person(ctx, 6, &who, out)?;
    let mut r = Records::new(ctx, 6, out);
    let main = savings(&mut r, &mut p, 125_000_000, 11)?;
    debit(&mut r, &mut p, main, "白金卡", CardStatus::Active, today)?;
    let branch = p.branch.clone();
    r.account(
        &mut p,
        AccountKind::TimeDeposit,
        200_000_000,
        sub_days(today, 300),
        AccountStatus::Active,
        &branch,
    )?;
    let card = credit(&mut r, &mut p, "625909", "白金信用卡", 150_000, 2_835_600)?;
    for (code, cost, days, buy, now) in [
        ("QY0001", 50_000_000, 600, 11_820, 12_960),
        ("WJ0180", 30_000_000, 90, 10_340, 10_405),
    ] {
        let product = PRODUCTS.iter().find(|x| x.code == code).ok_or_else(|| {
            FieldError::new("product_code", "story product missing from the table")
        })?;
        r.holding(
            &mut p,
            HoldingSpec {
                product,
                cost_fen: cost,
                bought: sub_days(today, days),
                buy_nav: buy,
                nav: now,
            },
        )?;
    }
    p.income = Some(Income {
        payer: "深圳华信集团有限公司".to_string(),
        monthly_fen: 6_000_000,
        day: 8,
        description: "代发工资",
        salary: true,
    });
    p.spend_per_month = 9.0;
    p.car = true;
    p.trips = 3;
    p.abroad = true;
    let events = activity::background(ctx, &p, rng);
    let mut scripted = Vec::new();
    let flowers_day = years_before(add_days(today, 1), 1);
    if flowers_day >= ctx.from {
        let florist = Shop {
            city: "深圳",
            name: "野兽派花店(深圳福田店)",
            coords: spot(district_centre(p.city, p.district), key(&[92]), 0.01),
            terminal: "44030418",
        };
        scripted.push(purchase(
            at(flowers_day, 17, 36, 2),
            131_400,
            card,
            None,
            florist,
        ));
    }
    finish(6, &p, events, None, scripted, r.out)
}

/// Seed 004: his card paid in Shanghai and, thirty minutes later, in Taipei.
fn zhao_taipei(ctx: &Ctx, rng: &mut ChaCha8Rng, out: &mut BankBatch) -> Result<(), FieldError> {
    let today = ctx.today;
    let day = sub_days(today, 1);
    let who = Person {
        name: "赵明远",
        gender: Gender::Male,
        age: 38,
        since_birthday: 75,
        city: "上海",
        district: 4,
        address: "上海市浦东新区张杨路1500号世纪城9号楼1203室",
        tier: VipTier::Gold,
        segment: Segment::Payroll,
        sensitive: false,
    };
    let mut p = person(ctx, 7, &who, out)?;
    let mut r = Records::new(ctx, 7, out);
    let main = savings(&mut r, &mut p, 21_830_000, 7)?;
    debit(&mut r, &mut p, main, "金卡", CardStatus::Active, today)?;
    let card = credit(&mut r, &mut p, "625908", "金卡信用卡", 60_000, 2_112_340)?;
    p.income = Some(Income {
        payer: "上海远景信息技术有限公司".to_string(),
        monthly_fen: 3_200_000,
        day: 15,
        description: "代发工资",
        salary: true,
    });
    p.spend_per_month = 5.0;
    let events = activity::background(ctx, &p, rng);
    let home = spot(district_centre(p.city, p.district), key(&[93]), 0.01);
    let mut taipei = Event::new(
        at(day, 20, 12, 44),
        -865_000,
        Channel::Pos,
        "台北",
        "境外消费",
    );
    taipei.country = "TW";
    taipei.card = Some(card);
    taipei.merchant = Some("台北101购物中心".to_string());
    taipei.coords = Some((25.033_976, 121.564_472));
    taipei.terminal = Some("TW101088".to_string());
    let mut again = Event::new(
        at(day, 20, 19, 3),
        -1_280_000,
        Channel::Pos,
        "台北",
        "境外消费",
    );
    again.country = "TW";
    again.card = Some(card);
    again.merchant = Some("新光三越(台北信义店)".to_string());
    again.coords = Some((25.036_129, 121.566_980));
    again.terminal = Some("TW330512".to_string());
    let scripted = vec![
        purchase(
            at(day, 19, 42, 18),
            3_550,
            card,
            None,
            Shop {
                city: "上海",
                name: "全家(上海浦东店)",
                coords: home,
                terminal: "31011587",
            },
        ),
        taipei,
        again,
    ];
    finish(7, &p, events, Some(at(day, 19, 0, 0)), scripted, r.out)
}
