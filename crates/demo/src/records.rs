//! Writing one customer's accounts, cards, loans and holdings, keeping ids, card numbers
//! and the activity [`Profile`] consistent with each other. Shared by regular and story
//! customers.

use crate::activity::{CardUse, Profile};
use crate::draw::{self, add_months, scramble, sub_days, working_day};
use crate::tables::Product;
use crate::{BankBatch, Ctx};
use bankdesk_domain::Currency;
use bankdesk_domain::bank::{
    Account, AccountKind, AccountStatus, Card, CardKind, CardStatus, Holding, Loan, LoanKind,
    LoanStatus, LprTerm, RecordId, RepricingRule, YearMonth,
};
use bankdesk_domain::error::FieldError;
use bankdesk_domain::ident::{CardNumber, IdNumber, id_check_char, luhn_check_digit};
use bankdesk_domain::loan::{monthly_payment_fen, rate_on};
use chrono::{Datelike, NaiveDate};

/// Multiplier of the customer index in card numbers (coprime with 10).
const CARD_MULT: u64 = 48_271_379;
/// At most nine cards per customer: the sequence is one digit of the card number.
const MAX_CARDS: usize = 9;

/// An 18-character resident ID number: region, birth date, a three-digit order code whose
/// last digit is odd for men and even for women, and the GB 11643 check character.
pub(crate) fn id_number(
    region: &str,
    birth: NaiveDate,
    order: u32,
) -> Result<IdNumber, FieldError> {
    let first = format!("{region}{}{:03}", birth.format("%Y%m%d"), order % 1000);
    let digits: [u8; 17] = first
        .as_bytes()
        .try_into()
        .map_err(|_| FieldError::new("id_number", "region code must be six digits"))?;
    IdNumber::parse(&format!("{first}{}", id_check_char(&digits) as char))
}

pub(crate) struct CardSpec {
    pub kind: CardKind,
    pub account: Option<usize>,
    pub bin: &'static str,
    pub product: &'static str,
    pub status: CardStatus,
    pub issued_on: NaiveDate,
    /// First day the card stops working (loss, retention, freeze, expiry); today if active.
    pub until: NaiveDate,
    pub valid_years: u32,
    pub credit_limit_fen: Option<i64>,
    pub temp_limit: Option<(i64, NaiveDate)>,
    pub outstanding_fen: i64,
}

pub(crate) struct LoanSpec {
    pub kind: LoanKind,
    pub principal_fen: i64,
    pub term_months: u32,
    pub start: NaiveDate,
    pub lpr_term: LprTerm,
    pub spread_bp: i32,
    pub rule: RepricingRule,
    /// The last instalment was not paid.
    pub overdue: bool,
}

pub(crate) struct HoldingSpec {
    pub product: &'static Product,
    pub cost_fen: i64,
    pub bought: NaiveDate,
    /// Net value per unit when bought and now, in ten-thousandths of a yuan.
    pub buy_nav: i64,
    pub nav: i64,
}

/// The writer of one customer's records into a batch.
pub(crate) struct Records<'a> {
    pub ctx: &'a Ctx,
    pub index: u64,
    pub out: &'a mut BankBatch,
    loans: u32,
    holdings: u32,
}

impl<'a> Records<'a> {
    pub fn new(ctx: &'a Ctx, index: u64, out: &'a mut BankBatch) -> Records<'a> {
        Records {
            ctx,
            index,
            out,
            loans: 0,
            holdings: 0,
        }
    }

    fn id(&self, prefix: char, n: usize) -> Result<RecordId, FieldError> {
        RecordId::parse(&format!("{prefix}{:09}{n}", self.index + 1))
    }

    pub fn account(
        &mut self,
        p: &mut Profile,
        kind: AccountKind,
        balance_fen: i64,
        opened_on: NaiveDate,
        status: AccountStatus,
        branch: &str,
    ) -> Result<usize, FieldError> {
        let id = self.id('A', p.accounts.len() + 1)?;
        self.out.accounts.push(Account {
            id: id.clone(),
            customer_id: p.id.clone(),
            kind,
            currency: Currency::CNY,
            balance_fen,
            opened_on,
            status,
            branch: branch.to_string(),
        });
        p.accounts.push(id);
        Ok(p.accounts.len() - 1)
    }

    /// Issues a card; its number carries the scrambled customer index and the card's
    /// sequence, so numbers are unique across the bank.
    pub fn card(&mut self, p: &mut Profile, s: CardSpec) -> Result<usize, FieldError> {
        let seq = p.cards.len() + 1;
        if seq > MAX_CARDS {
            return Err(FieldError::new(
                "number",
                "more than nine cards for one customer",
            ));
        }
        let body = scramble(self.index, CARD_MULT, self.ctx.card_add);
        let payload = match s.kind {
            // UnionPay debit: 19 digits.
            CardKind::Debit => format!(
                "{}{body:08}{seq}{:03}",
                s.bin,
                draw::mix(self.index * 16 + seq as u64) % 1000
            ),
            // Credit: 16 digits.
            CardKind::Credit => format!("{}{body:08}{seq}", s.bin),
        };
        let number = CardNumber::parse(&format!("{payload}{}", luhn_check_digit(&payload)))?;
        let id = self.id('K', seq)?;
        let expiry = YearMonth {
            year: s.issued_on.year() + s.valid_years as i32,
            month: s.issued_on.month(),
        };
        self.out.cards.push(Card {
            id: id.clone(),
            customer_id: p.id.clone(),
            account_id: s.account.and_then(|a| p.accounts.get(a)).cloned(),
            number,
            kind: s.kind,
            product: s.product.to_string(),
            status: s.status,
            credit_limit_fen: s.credit_limit_fen,
            temp_limit_fen: s.temp_limit.map(|t| t.0),
            temp_limit_until: s.temp_limit.map(|t| t.1),
            outstanding_fen: s.outstanding_fen,
            expiry,
            issued_on: s.issued_on,
        });
        p.cards.push(CardUse {
            id,
            kind: s.kind,
            account: s.account,
            from: s.issued_on,
            until: s.until,
        });
        Ok(p.cards.len() - 1)
    }

    /// Writes a floating-rate loan, repaid by equal instalments that are recomputed at each
    /// repricing; the instalments inside the history become the profile's repayments.
    pub fn loan(&mut self, p: &mut Profile, s: LoanSpec) -> Result<(), FieldError> {
        let today = self.ctx.today;
        let mut balance = s.principal_fen;
        let mut paid: Vec<(NaiveDate, i64, i64)> = Vec::new();
        for k in 1..=s.term_months {
            let due = add_months(s.start, k);
            if due >= today || balance == 0 {
                break;
            }
            let rate = rate_on(s.lpr_term, s.spread_bp, s.rule, s.start, due);
            let pay = monthly_payment_fen(balance, rate, s.term_months - k + 1);
            let interest = (balance as f64 * f64::from(rate) / 120_000.0).round() as i64;
            let principal = if k == s.term_months {
                balance
            } else {
                (pay - interest).clamp(0, balance)
            };
            balance -= principal;
            paid.push((due, principal + interest, principal));
        }
        let status = if balance == 0 {
            LoanStatus::Settled
        } else if s.overdue {
            if let Some((_, _, principal)) = paid.pop() {
                balance += principal;
            }
            LoanStatus::Overdue
        } else {
            LoanStatus::Active
        };
        let what = match s.kind {
            LoanKind::Mortgage => "个人住房贷款还款",
            LoanKind::Consumer => "个人消费贷款还款",
            LoanKind::Business => "个人经营贷款还款",
        };
        p.repayments.extend(
            paid.iter()
                .filter(|(d, _, _)| *d >= self.ctx.from)
                .map(|&(d, amount, _)| (d, amount, what)),
        );
        self.loans += 1;
        let id = self.id('L', self.loans as usize)?;
        self.out.loans.push(Loan {
            id,
            customer_id: p.id.clone(),
            kind: s.kind,
            currency: Currency::CNY,
            principal_fen: s.principal_fen,
            outstanding_fen: balance,
            term_months: s.term_months,
            start_date: s.start,
            lpr_term: s.lpr_term,
            spread_bp: s.spread_bp,
            rate_bp: rate_on(s.lpr_term, s.spread_bp, s.rule, s.start, today),
            repricing_rule: s.rule,
            status,
        });
        Ok(())
    }

    pub fn holding(&mut self, p: &mut Profile, s: HoldingSpec) -> Result<(), FieldError> {
        self.holdings += 1;
        let id = self.id('H', self.holdings as usize)?;
        if s.bought >= self.ctx.from && s.bought < self.ctx.today {
            p.purchases.push((s.bought, s.cost_fen, s.product.name));
        }
        self.out.holdings.push(Holding {
            id,
            customer_id: p.id.clone(),
            product_code: s.product.code.to_string(),
            product_name: s.product.name.to_string(),
            risk_level: s.product.risk,
            units_x100: s.cost_fen * 10_000 / s.buy_nav.max(1),
            cost_fen: s.cost_fen,
            nav_x10000: s.nav.max(1),
            nav_date: working_day(sub_days(self.ctx.today, 1)),
        });
        Ok(())
    }
}
