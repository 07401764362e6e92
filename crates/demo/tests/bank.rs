//! The demo bank is deterministic, valid record by record, unique where the database
//! demands it, sized like a real statement, and always tells the stories.

use bankdesk_demo::{BankBatch, DemoBank, STORY_CUSTOMERS, STORY_PHONES};
use bankdesk_domain::bank::{
    Account, Card, CardKind, CardStatus, Channel, Customer, Holding, Loan, LoanKind, LprTerm,
    RepricingRule, RiskLevel, Transaction, VipTier,
};
use bankdesk_domain::ident::luhn_valid;
use chrono::{Datelike, NaiveDate, Timelike};
use std::collections::HashSet;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

fn bank(seed: u64, customers: u64) -> DemoBank {
    DemoBank::new(seed, customers, today()).unwrap()
}

fn append(all: &mut BankBatch, b: BankBatch) {
    all.customers.extend(b.customers);
    all.accounts.extend(b.accounts);
    all.cards.extend(b.cards);
    all.loans.extend(b.loans);
    all.holdings.extend(b.holdings);
    all.transactions.extend(b.transactions);
}

fn assert_same(a: &BankBatch, b: &BankBatch) {
    assert_eq!(a.customers, b.customers);
    assert_eq!(a.accounts, b.accounts);
    assert_eq!(a.cards, b.cards);
    assert_eq!(a.loans, b.loans);
    assert_eq!(a.holdings, b.holdings);
    assert_eq!(a.transactions, b.transactions);
}

fn whole(bank: &DemoBank, per_chunk: u64) -> BankBatch {
    let mut all = BankBatch::default();
    for chunk in bank.chunks(per_chunk) {
        append(&mut all, chunk.unwrap());
    }
    all
}

/// A JSON round trip runs every newtype's parser and `deny_unknown_fields`.
fn round_trip<T>(v: &T) -> T
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    serde_json::from_str(&serde_json::to_string(v).unwrap()).unwrap()
}

#[test]
fn same_inputs_same_bank_whatever_the_chunking() {
    let b = bank(7, 240);
    let one = whole(&b, 1000);
    assert_same(&one, &whole(&b, 1));
    assert_same(&one, &whole(&b, 37));
    assert_same(&one, &whole(&bank(7, 240), 240));
    // Customer 100's records do not depend on the size of the bank either.
    let alone = bank(7, 1000).generate(100..101).unwrap();
    assert_eq!(alone.customers[0], one.customers[100]);
    let other = whole(&bank(8, 240), 100);
    assert_ne!(one.customers[50], other.customers[50]);
    assert_eq!(
        one.customers[..8],
        other.customers[..8],
        "story customers ignore the seed"
    );
}

#[test]
fn every_record_is_valid_and_ids_are_unique() {
    let b = whole(&bank(1, 1500), 500);
    assert_eq!(b.customers.len(), 1500);
    let mut ids = HashSet::new();
    for c in &b.customers {
        c.validate().unwrap_or_else(|e| panic!("{}: {e}", c.id));
        assert_eq!(&round_trip::<Customer>(c), c);
        assert!(ids.insert(c.id.to_string()));
        let age = today().years_since(c.birth_date).unwrap();
        assert!((18..=85).contains(&age), "{} is {age}", c.id);
        let male_digit = c.id_number.as_str().as_bytes()[16] - b'0';
        assert_eq!(
            male_digit % 2 == 1,
            c.gender == bankdesk_domain::bank::Gender::Male
        );
    }
    for a in &b.accounts {
        a.validate().unwrap();
        assert_eq!(&round_trip::<Account>(a), a);
        assert!(ids.insert(a.id.to_string()));
        assert!(a.opened_on < today());
    }
    for c in &b.cards {
        c.validate().unwrap_or_else(|e| panic!("{}: {e}", c.id));
        assert_eq!(&round_trip::<Card>(c), c);
        assert!(ids.insert(c.id.to_string()));
    }
    for l in &b.loans {
        l.validate().unwrap_or_else(|e| panic!("{}: {e}", l.id));
        assert_eq!(&round_trip::<Loan>(l), l);
        assert!(ids.insert(l.id.to_string()));
    }
    for h in &b.holdings {
        h.validate().unwrap();
        assert_eq!(&round_trip::<Holding>(h), h);
        assert!(ids.insert(h.id.to_string()));
    }
    let first = today() - chrono::Days::new(bankdesk_demo::HISTORY_DAYS);
    for t in &b.transactions {
        t.validate().unwrap_or_else(|e| panic!("{}: {e}", t.id));
        assert_eq!(&round_trip::<Transaction>(t), t);
        assert!(ids.insert(t.id.to_string()));
        assert_eq!(t.at.offset().local_minus_utc(), 8 * 3600);
        assert!(
            t.at.date_naive() >= first && t.at.date_naive() < today(),
            "{}",
            t.id
        );
    }
    // Transactions refer to their own customer's accounts and cards.
    let owner_of: std::collections::HashMap<&str, &str> = b
        .accounts
        .iter()
        .map(|a| (a.id.as_str(), a.customer_id.as_str()))
        .chain(
            b.cards
                .iter()
                .map(|c| (c.id.as_str(), c.customer_id.as_str())),
        )
        .collect();
    for t in &b.transactions {
        for r in [&t.account_id, &t.card_id].into_iter().flatten() {
            assert_eq!(owner_of[r.as_str()], t.customer_id.as_str(), "{}", t.id);
        }
    }
}

#[test]
fn card_numbers_and_phones_are_unique() {
    let b = whole(&bank(3, 4000), 1000);
    let mut numbers = HashSet::new();
    for c in &b.cards {
        let n = c.number.as_str();
        assert!(luhn_valid(n), "{n}");
        assert!(numbers.insert(n.to_string()), "duplicate card number {n}");
        match c.kind {
            CardKind::Debit => assert!(n.len() == 19 && n.starts_with("622"), "{n}"),
            CardKind::Credit => assert_eq!(n.len(), 16, "{n}"),
        }
    }
    let mut phones = HashSet::new();
    for c in &b.customers {
        let mobile = c.phones[0].as_str();
        assert!(
            phones.insert(mobile.to_string()),
            "duplicate phone {mobile}"
        );
        if c.id.as_str() > "C000000008" {
            assert!(
                !STORY_PHONES.contains(&mobile),
                "{} has a story phone",
                c.id
            );
        }
    }
    let credit = b
        .customers
        .iter()
        .filter(|c| {
            b.cards
                .iter()
                .any(|k| k.customer_id == c.id && k.kind == CardKind::Credit)
        })
        .count();
    let share = credit as f64 / b.customers.len() as f64;
    assert!((0.2..0.6).contains(&share), "credit card share {share}");
    assert!(
        b.cards.iter().any(|c| c.outstanding_fen < 0),
        "some overpaid credit cards"
    );
    assert!(b.cards.iter().any(|c| c.temp_limit_fen.is_some()));
    assert!(b.cards.iter().any(|c| c.status == CardStatus::Lost));
    assert!(
        b.holdings.iter().any(|h| h.gain_fen() < 0),
        "some holdings at a loss"
    );
    let vip = b
        .customers
        .iter()
        .filter(|c| c.vip_tier != VipTier::None)
        .count() as f64
        / 4000.0;
    assert!((0.05..0.25).contains(&vip), "VIP share {vip}");
}

#[test]
fn about_a_hundred_transactions_per_customer() {
    let b = whole(&bank(11, 3000), 1000);
    let per = b.transactions.len() as f64 / b.customers.len() as f64;
    assert!(
        (85.0..=115.0).contains(&per),
        "{per} transactions per customer"
    );
    let salaries = b
        .transactions
        .iter()
        .filter(|t| t.description == "代发工资")
        .count();
    assert!(salaries > 3000 * 5, "{salaries} salary credits");
    let atm = b
        .transactions
        .iter()
        .filter(|t| t.channel == Channel::Atm)
        .count();
    assert!(
        atm > 3000 * 3
            && b.transactions
                .iter()
                .all(|t| t.channel != Channel::Atm || t.terminal.is_some())
    );
    let pos = b
        .transactions
        .iter()
        .filter(|t| t.channel == Channel::Pos)
        .count();
    assert!(pos > 3000 * 20, "{pos} card purchases");
    assert!(
        b.transactions
            .iter()
            .filter(|t| t.channel == Channel::Pos)
            .all(|t| t.lat.is_some() && t.merchant.is_some())
    );
}

fn story_bank() -> BankBatch {
    whole(&bank(99, 3), 10)
}

fn of<'a, T, F: Fn(&T) -> &str>(items: &'a [T], customer: &str, owner: F) -> Vec<&'a T> {
    items.iter().filter(|x| owner(x) == customer).collect()
}

#[test]
fn story_customers_are_always_there() {
    let b = story_bank();
    assert_eq!(b.customers.len() as u64, STORY_CUSTOMERS);
    for (c, phone) in b.customers.iter().zip(STORY_PHONES) {
        assert_eq!(c.phones.len(), 1);
        assert_eq!(c.phones[0].as_str(), phone);
    }
    let names: Vec<&str> = b.customers.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.iter().filter(|n| n.starts_with('池')).count(), 1);
    assert!(b.customers[0].sensitive && b.customers[1..].iter().all(|c| !c.sensitive));
    let txns = of(&b.transactions, "C000000001", |t| t.customer_id.as_str());
    assert!(txns.len() > 100, "two years of statements for 池先生");
}

#[test]
fn story_wang_overpaid_lost_card() {
    let b = story_bank();
    let cards = of(&b.cards, "C000000002", |c| c.customer_id.as_str());
    let credit = cards.iter().find(|c| c.kind == CardKind::Credit).unwrap();
    assert_eq!(credit.status, CardStatus::Lost);
    assert_eq!(credit.outstanding_fen, -128_000);
    assert!(
        credit.expiry < bankdesk_domain::bank::YearMonth::of(today()),
        "expired too"
    );
    let on_card: i64 = b
        .transactions
        .iter()
        .filter(|t| t.card_id.as_ref() == Some(&credit.id))
        .map(|t| t.amount_fen)
        .sum();
    assert_eq!(on_card, 128_000, "3,720.00 spent, 5,000.00 repaid");
}

#[test]
fn story_liu_mortgage_repriced_in_january() {
    let b = story_bank();
    let loan = of(&b.loans, "C000000003", |l| l.customer_id.as_str())[0];
    assert_eq!(
        (loan.kind, loan.lpr_term, loan.repricing_rule),
        (
            LoanKind::Mortgage,
            LprTerm::FiveYear,
            RepricingRule::January
        )
    );
    assert_eq!(
        loan.rate_bp,
        bankdesk_domain::loan::rate_on(
            LprTerm::FiveYear,
            -20,
            RepricingRule::January,
            loan.start_date,
            today()
        )
    );
    let pays: Vec<(NaiveDate, i64)> = b
        .transactions
        .iter()
        .filter(|t| t.customer_id.as_str() == "C000000003" && t.description == "个人住房贷款还款")
        .map(|t| (t.at.date_naive(), -t.amount_fen))
        .collect();
    assert!(pays.len() >= 23, "{} instalments", pays.len());
    let january_change = pays
        .windows(2)
        .any(|w| w[1].0.month() == 1 && w[1].1 != w[0].1);
    assert!(
        january_change,
        "the instalment changes in January: {pays:?}"
    );
    let other_months_same = pays
        .windows(2)
        .filter(|w| w[1].0.month() != 1)
        .all(|w| (w[1].1 - w[0].1).abs() <= 1);
    assert!(other_months_same, "{pays:?}");
}

#[test]
fn story_wang_wealth_loss() {
    let b = story_bank();
    let c = &b.customers[3];
    assert_eq!(today().years_since(c.birth_date), Some(68));
    let r3 = of(&b.holdings, "C000000004", |h| h.customer_id.as_str())
        .into_iter()
        .find(|h| h.risk_level == RiskLevel::R3)
        .unwrap();
    assert!(r3.nav_x10000 < 10_000 && r3.gain_fen() < 0, "{r3:?}");
}

#[test]
fn story_zhang_retained_at_the_hospital_at_one() {
    let b = story_bank();
    let card = of(&b.cards, "C000000005", |c| c.customer_id.as_str())[0];
    assert_eq!(
        (card.kind, card.status),
        (CardKind::Debit, CardStatus::Retained)
    );
    let last = b
        .transactions
        .iter()
        .rfind(|t| t.customer_id.as_str() == "C000000005")
        .unwrap();
    assert_eq!(last.channel, Channel::Atm);
    assert!(last.merchant.as_deref().unwrap().contains("医院"));
    assert_eq!(last.at.hour(), 1);
    assert!(last.terminal.is_some());
}

#[test]
fn story_li_lost_card_and_liu_platinum() {
    let b = story_bank();
    assert_eq!(today().years_since(b.customers[5].birth_date), Some(79));
    assert!(
        of(&b.cards, "C000000006", |c| c.customer_id.as_str())
            .iter()
            .any(|c| c.status == CardStatus::Lost)
    );
    assert!(matches!(
        b.customers[6].vip_tier,
        VipTier::Platinum | VipTier::Diamond
    ));
    assert!(
        of(&b.cards, "C000000007", |c| c.customer_id.as_str())
            .iter()
            .any(|c| c.kind == CardKind::Credit && c.product.contains("白金"))
    );
}

#[test]
fn story_zhao_shanghai_then_taipei() {
    let b = story_bank();
    let txns = of(&b.transactions, "C000000008", |t| t.customer_id.as_str());
    let taipei = txns.iter().position(|t| t.country == "TW").unwrap();
    let (before, after) = (txns[taipei - 1], txns[taipei]);
    assert_eq!(
        (before.city.as_str(), before.country.as_str()),
        ("上海", "CN")
    );
    assert_eq!(before.card_id, after.card_id);
    assert_eq!((after.at - before.at).num_minutes(), 30);
    assert!(
        after.at.date_naive() < today() && after.at.date_naive() >= today() - chrono::Days::new(2)
    );
}

#[test]
fn sizes_are_checked() {
    assert!(DemoBank::new(1, 100_000_000, today()).is_err());
    assert!(DemoBank::new(1, 10, NaiveDate::from_ymd_opt(1990, 1, 1).unwrap()).is_err());
    assert_eq!(bank(1, 0).customers(), STORY_CUSTOMERS);
}
