//! What staff see of a customer: the store's rows turned into masked, display-ready views.
//! Both the JSON API and the desktop pages render these, so masking happens in one place.

use bankdesk_domain::bank::{LprTerm, RepricingRule, market_value_fen};
use bankdesk_domain::case::CaseStatus;
use bankdesk_domain::contact::{ContactChannel, Direction, VerificationMethod, VerificationResult};
use bankdesk_domain::{loan, mask};
use bankdesk_store::access::Overview;
use bankdesk_store::bank::{CardRow, CaseRow, TransactionRow};
use bankdesk_store::contacts::{ContactRow, ContactWithNotes};
use chrono::{NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

pub use bankdesk_desk::text::{rfc3339, url_encode};
pub use bankdesk_domain::bank_tz;

pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&bank_tz()).date_naive()
}

#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = Customer)]
pub struct CustomerView {
    pub id: String,
    pub name_masked: String,
    pub gender: String,
    pub age: Option<i32>,
    pub id_number_masked: String,
    pub phone_masked: String,
    pub phones_masked: Vec<String>,
    pub address_masked: String,
    pub city: String,
    pub vip_tier: String,
    pub segment: String,
    pub sensitive: bool,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = Account)]
pub struct AccountView {
    pub id: String,
    pub kind: String,
    pub currency: String,
    pub balance_fen: i64,
    pub opened_on: String,
    pub status: String,
    pub branch: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = Card)]
pub struct CardView {
    pub id: String,
    pub number_masked: String,
    pub kind: String,
    pub product: String,
    pub status: String,
    pub credit_limit_fen: Option<i64>,
    pub temp_limit_fen: Option<i64>,
    pub temp_limit_until: Option<String>,
    /// Credit cards: what can still be spent (limit + temporary limit - outstanding).
    pub available_fen: Option<i64>,
    /// Credit cards: amount owed; negative is money the customer overpaid.
    pub outstanding_fen: i64,
    pub expiry: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = Loan)]
pub struct LoanView {
    pub id: String,
    pub kind: String,
    pub currency: String,
    pub principal_fen: i64,
    pub outstanding_fen: i64,
    pub term_months: i64,
    pub months_left: u32,
    pub start_date: String,
    pub lpr_term: String,
    pub spread_bp: i64,
    pub rate_bp: i64,
    pub lpr_now_bp: i32,
    pub repricing_rule: String,
    pub next_repricing: Option<String>,
    /// The rate the next repricing gives if the LPR stays where it is today.
    pub rate_after_repricing_bp: Option<i32>,
    pub monthly_payment_fen: i64,
    pub next_instalments: Vec<loan::Instalment>,
    pub status: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = Holding)]
pub struct HoldingView {
    pub id: String,
    pub product_code: String,
    pub product_name: String,
    pub risk_level: String,
    pub units_x100: i64,
    pub cost_fen: i64,
    pub nav_x10000: i64,
    pub nav_date: String,
    pub value_fen: i64,
    pub gain_fen: i64,
    /// Gain over cost in basis points (-350 = -3.50%).
    pub gain_bp: i64,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = Transaction)]
pub struct TransactionView {
    pub id: String,
    pub at: String,
    pub amount_fen: i64,
    pub currency: String,
    pub channel: String,
    pub merchant: Option<String>,
    pub city: String,
    pub country: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub terminal: Option<String>,
    pub account_id: Option<String>,
    pub card_id: Option<String>,
    pub card_masked: Option<String>,
    pub description: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = CaseSummary)]
pub struct CaseView {
    pub id: String,
    #[serde(rename = "type")]
    pub case_type: String,
    #[schema(value_type = CaseStatus)]
    pub status: String,
    pub department: Option<String>,
    pub summary: String,
    pub opened_at: String,
    pub due_at: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = Note)]
pub struct NoteView {
    pub author: String,
    pub at: String,
    pub text: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = Contact)]
pub struct ContactView {
    pub id: String,
    pub customer_id: Option<String>,
    #[schema(value_type = ContactChannel)]
    pub channel: String,
    #[schema(value_type = Direction)]
    pub direction: String,
    /// `open` or `closed`.
    pub status: String,
    pub handler: Option<String>,
    pub opened_at: String,
    pub closed_at: Option<String>,
    pub category: Option<String>,
    pub resolved: Option<bool>,
    pub summary: Option<String>,
    /// Latest identity verification on the contact: `passed`, `failed` or none yet.
    #[schema(value_type = Option<VerificationResult>)]
    pub identity: Option<String>,
    #[schema(value_type = Option<VerificationMethod>)]
    pub identity_method: Option<String>,
    pub notes: Vec<NoteView>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = Overview)]
pub struct OverviewView {
    pub customer: CustomerView,
    pub accounts: Vec<AccountView>,
    pub cards: Vec<CardView>,
    pub loans: Vec<LoanView>,
    pub holdings: Vec<HoldingView>,
    pub recent_transactions: Vec<TransactionView>,
    pub open_cases: Vec<CaseView>,
    pub recent_contacts: Vec<ContactView>,
    /// The one suggested offer; the marketing module fills it.
    pub offer: Option<String>,
}

fn age(birth: &str, today: NaiveDate) -> Option<i32> {
    let b = NaiveDate::parse_from_str(birth, "%Y-%m-%d").ok()?;
    Some(today.years_since(b)? as i32)
}

pub fn card_view(c: &CardRow) -> CardView {
    CardView {
        id: c.id.clone(),
        number_masked: mask::card(&c.number),
        kind: c.kind.clone(),
        product: c.product.clone(),
        status: c.status.clone(),
        credit_limit_fen: c.credit_limit_fen,
        temp_limit_fen: c.temp_limit_fen,
        temp_limit_until: c.temp_limit_until.clone(),
        available_fen: c
            .credit_limit_fen
            .map(|l| l + c.temp_limit_fen.unwrap_or(0) - c.outstanding_fen.max(0)),
        outstanding_fen: c.outstanding_fen,
        expiry: c.expiry.clone(),
    }
}

pub fn transaction_view(t: &TransactionRow, cards: &[CardView]) -> TransactionView {
    TransactionView {
        id: t.id.clone(),
        at: rfc3339(t.at_ms, Some(t.utc_offset_s)),
        amount_fen: t.amount_fen,
        currency: t.currency.clone(),
        channel: t.channel.clone(),
        merchant: t.merchant.clone(),
        city: t.city.clone(),
        country: t.country.clone(),
        lat: t.lat,
        lon: t.lon,
        terminal: t.terminal.clone(),
        account_id: t.account_id.clone(),
        card_id: t.card_id.clone(),
        card_masked: t
            .card_id
            .as_ref()
            .and_then(|id| cards.iter().find(|c| &c.id == id))
            .map(|c| c.number_masked.clone()),
        description: t.description.clone(),
    }
}

pub fn case_view(c: &CaseRow) -> CaseView {
    CaseView {
        id: c.id.clone(),
        case_type: c.case_type.clone(),
        status: c.status.clone(),
        department: c.department.clone(),
        summary: c.summary.clone(),
        opened_at: rfc3339(c.opened_at_ms, None),
        due_at: c.due_at_ms.map(|t| rfc3339(t, None)),
    }
}

pub fn contact_view(c: &ContactRow, notes: Vec<NoteView>) -> ContactView {
    ContactView {
        id: c.id.clone(),
        customer_id: c.customer_id.clone(),
        channel: c.channel.clone(),
        direction: c.direction.clone(),
        status: c.status.clone(),
        handler: c.handler_name.clone(),
        opened_at: rfc3339(c.opened_at_ms, None),
        closed_at: c.closed_at_ms.map(|t| rfc3339(t, None)),
        category: c.category.clone(),
        resolved: c.resolved,
        summary: c.summary.clone(),
        identity: c.identity.clone(),
        identity_method: c.identity_method.clone(),
        notes,
    }
}

fn contact_with_notes(c: &ContactWithNotes) -> ContactView {
    let notes = c
        .notes
        .iter()
        .map(|n| NoteView {
            author: n.author_name.clone(),
            at: rfc3339(n.at_ms, None),
            text: n.text.clone(),
        })
        .collect();
    contact_view(&c.contact, notes)
}

fn loan_view(l: &bankdesk_store::bank::LoanRow, today: NaiveDate) -> LoanView {
    let start = NaiveDate::parse_from_str(&l.start_date, "%Y-%m-%d").ok();
    let term = LprTerm::parse(&l.lpr_term);
    let rule = RepricingRule::parse(&l.repricing_rule);
    let months_left = start.map_or(0, |s| {
        loan::months_left(s, l.term_months.clamp(0, 600) as u32, today)
    });
    let rate = i32::try_from(l.rate_bp).unwrap_or(0);
    let next = match (rule, start) {
        (Some(r), Some(s)) if months_left > 0 => Some(loan::next_repricing(r, s, today)),
        _ => None,
    };
    let lpr_now = term.map_or(0, |t| loan::lpr_on(today, t));
    LoanView {
        id: l.id.clone(),
        kind: l.kind.clone(),
        currency: l.currency.clone(),
        principal_fen: l.principal_fen,
        outstanding_fen: l.outstanding_fen,
        term_months: l.term_months,
        months_left,
        start_date: l.start_date.clone(),
        lpr_term: l.lpr_term.clone(),
        spread_bp: l.spread_bp,
        rate_bp: l.rate_bp,
        lpr_now_bp: lpr_now,
        repricing_rule: l.repricing_rule.clone(),
        next_repricing: next.map(|d| d.to_string()),
        rate_after_repricing_bp: next.map(|_| lpr_now + i32::try_from(l.spread_bp).unwrap_or(0)),
        monthly_payment_fen: loan::monthly_payment_fen(l.outstanding_fen, rate, months_left),
        next_instalments: loan::schedule(l.outstanding_fen, rate, months_left, today, 3),
        status: l.status.clone(),
    }
}

impl OverviewView {
    pub fn build(o: &Overview, today: NaiveDate) -> OverviewView {
        let c = &o.customer;
        let cards: Vec<CardView> = o.cards.iter().map(card_view).collect();
        OverviewView {
            customer: CustomerView {
                id: c.id.clone(),
                name_masked: mask::name(&c.name),
                gender: c.gender.clone(),
                age: age(&c.birth_date, today),
                id_number_masked: mask::id_number(&c.id_number),
                phone_masked: o.phones.first().map(|p| mask::phone(p)).unwrap_or_default(),
                phones_masked: o.phones.iter().map(|p| mask::phone(p)).collect(),
                address_masked: mask::address(&c.address),
                city: c.city.clone(),
                vip_tier: c.vip_tier.clone(),
                segment: c.segment.clone(),
                sensitive: c.sensitive,
            },
            accounts: o
                .accounts
                .iter()
                .map(|a| AccountView {
                    id: a.id.clone(),
                    kind: a.kind.clone(),
                    currency: a.currency.clone(),
                    balance_fen: a.balance_fen,
                    opened_on: a.opened_on.clone(),
                    status: a.status.clone(),
                    branch: a.branch.clone(),
                })
                .collect(),
            loans: o.loans.iter().map(|l| loan_view(l, today)).collect(),
            holdings: o
                .holdings
                .iter()
                .map(|h| {
                    let value = market_value_fen(h.units_x100, h.nav_x10000);
                    let gain = value - h.cost_fen;
                    HoldingView {
                        id: h.id.clone(),
                        product_code: h.product_code.clone(),
                        product_name: h.product_name.clone(),
                        risk_level: h.risk_level.clone(),
                        units_x100: h.units_x100,
                        cost_fen: h.cost_fen,
                        nav_x10000: h.nav_x10000,
                        nav_date: h.nav_date.clone(),
                        value_fen: value,
                        gain_fen: gain,
                        gain_bp: if h.cost_fen > 0 {
                            gain * 10_000 / h.cost_fen
                        } else {
                            0
                        },
                    }
                })
                .collect(),
            recent_transactions: o
                .recent_transactions
                .iter()
                .map(|t| transaction_view(t, &cards))
                .collect(),
            cards,
            open_cases: o.open_cases.iter().map(case_view).collect(),
            recent_contacts: o.recent_contacts.iter().map(contact_with_notes).collect(),
            offer: None,
        }
    }
}
