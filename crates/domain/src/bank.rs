//! The bank's own records as a core-banking system feeds them to the service center:
//! customers, accounts, cards, loans, wealth holdings and transactions.
//!
//! The same types are the rows of `bankdesk import` (one JSON object per line), so
//! field-level validation lives in the newtypes and cross-field rules in `validate`.

use crate::error::FieldError;
use crate::ident::{CardNumber, IdNumber, Phone};
use crate::money::Currency;
use crate::wire::wire_enum;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

/// Longest free-text field we accept from a feed; longer values are bad data, not names.
pub const MAX_TEXT: usize = 200;

/// A record id from the core system: 1-64 characters of `[A-Za-z0-9_-]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RecordId(String);

impl RecordId {
    pub fn parse(s: &str) -> Result<RecordId, FieldError> {
        if !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            Ok(RecordId(s.to_string()))
        } else {
            Err(FieldError::new(
                "id",
                "must be 1-64 characters of letters, digits, _ or -",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl<'de> Deserialize<'de> for RecordId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        RecordId::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Display for RecordId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

wire_enum!(Gender { Male = "male", Female = "female" });
wire_enum!(
    /// Service tier; drives routing priority and the VIP line.
    VipTier { None = "none", Gold = "gold", Platinum = "platinum", Diamond = "diamond", Private = "private" }
);
wire_enum!(Segment { Mass = "mass", Affluent = "affluent", HighNetWorth = "high_net_worth", Payroll = "payroll", Senior = "senior", SmallBusiness = "small_business" });
wire_enum!(AccountKind { Savings = "savings", TimeDeposit = "time_deposit", Current = "current" });
wire_enum!(AccountStatus { Active = "active", Dormant = "dormant", Frozen = "frozen", Closed = "closed" });
wire_enum!(CardKind { Debit = "debit", Credit = "credit" });
wire_enum!(
    /// `retained` is a card swallowed by an ATM (吞卡).
    CardStatus { Active = "active", Lost = "lost", Frozen = "frozen", Retained = "retained", Expired = "expired", Closed = "closed" }
);
wire_enum!(LoanKind { Mortgage = "mortgage", Consumer = "consumer", Business = "business" });
wire_enum!(LoanStatus { Active = "active", Overdue = "overdue", Settled = "settled" });
wire_enum!(
    /// Which LPR tenor the loan floats on: one-year, or over-five-year (mortgages).
    LprTerm { OneYear = "1y", FiveYear = "5y" }
);
wire_enum!(
    /// When a floating-rate loan takes the current LPR: every 1 January, or on each
    /// anniversary of the loan.
    RepricingRule { January = "january", Anniversary = "anniversary" }
);
wire_enum!(RiskLevel { R1 = "R1", R2 = "R2", R3 = "R3", R4 = "R4", R5 = "R5" });
wire_enum!(Channel { Atm = "atm", Pos = "pos", Online = "online", Counter = "counter", Transfer = "transfer" });

/// A calendar month, as printed on a card: `2028-05`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    pub fn parse(s: &str) -> Result<YearMonth, FieldError> {
        let err = || FieldError::new("expiry", "must be YYYY-MM");
        let (y, m) = s.split_once('-').ok_or_else(err)?;
        let year: i32 = y.parse().map_err(|_| err())?;
        let month: u32 = m.parse().map_err(|_| err())?;
        if y.len() != 4 || m.len() != 2 || !(1..=12).contains(&month) {
            return Err(err());
        }
        Ok(YearMonth { year, month })
    }

    pub fn of(date: NaiveDate) -> YearMonth {
        YearMonth {
            year: date.year(),
            month: date.month(),
        }
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for YearMonth {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        YearMonth::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

fn text(field: &'static str, value: &str, required: bool) -> Result<(), FieldError> {
    if required && value.trim().is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if value.chars().count() > MAX_TEXT {
        return Err(FieldError::new(
            field,
            format!("longer than {MAX_TEXT} characters"),
        ));
    }
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    pub id: RecordId,
    pub name: String,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub id_number: IdNumber,
    pub phones: Vec<Phone>,
    #[serde(default)]
    pub address: String,
    pub city: String,
    pub vip_tier: VipTier,
    pub segment: Segment,
    /// Public figures and staff: any access raises an alert for compliance.
    #[serde(default)]
    pub sensitive: bool,
}

impl Customer {
    pub fn validate(&self) -> Result<(), FieldError> {
        text("name", &self.name, true)?;
        text("address", &self.address, false)?;
        text("city", &self.city, true)?;
        if self.phones.is_empty() || self.phones.len() > 5 {
            return Err(FieldError::new("phones", "one to five phone numbers"));
        }
        if self.id_number.birth_date() != Some(self.birth_date) {
            return Err(FieldError::new(
                "birth_date",
                "does not match the ID number",
            ));
        }
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub id: RecordId,
    pub customer_id: RecordId,
    pub kind: AccountKind,
    pub currency: Currency,
    pub balance_fen: i64,
    pub opened_on: NaiveDate,
    pub status: AccountStatus,
    #[serde(default)]
    pub branch: String,
}

impl Account {
    pub fn validate(&self) -> Result<(), FieldError> {
        text("branch", &self.branch, false)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Card {
    pub id: RecordId,
    pub customer_id: RecordId,
    #[serde(default)]
    pub account_id: Option<RecordId>,
    pub number: CardNumber,
    pub kind: CardKind,
    pub product: String,
    pub status: CardStatus,
    /// Credit cards only.
    #[serde(default)]
    pub credit_limit_fen: Option<i64>,
    /// A temporary raise on top of the credit limit, until `temp_limit_until`.
    #[serde(default)]
    pub temp_limit_fen: Option<i64>,
    #[serde(default)]
    pub temp_limit_until: Option<NaiveDate>,
    /// Credit cards: amount owed; negative when the customer overpaid (溢缴款).
    #[serde(default)]
    pub outstanding_fen: i64,
    pub expiry: YearMonth,
    pub issued_on: NaiveDate,
}

impl Card {
    pub fn validate(&self) -> Result<(), FieldError> {
        text("product", &self.product, true)?;
        match (self.kind, self.credit_limit_fen) {
            (CardKind::Credit, None) => Err(FieldError::new(
                "credit_limit_fen",
                "required for credit cards",
            )),
            (CardKind::Debit, Some(_)) => Err(FieldError::new(
                "credit_limit_fen",
                "only credit cards have a limit",
            )),
            (_, Some(l)) if l < 0 => {
                Err(FieldError::new("credit_limit_fen", "must not be negative"))
            }
            _ if self.temp_limit_fen.is_some() != self.temp_limit_until.is_some() => {
                Err(FieldError::new(
                    "temp_limit_until",
                    "a temporary limit needs its end date, and only it",
                ))
            }
            _ if self.kind == CardKind::Debit && self.outstanding_fen != 0 => Err(FieldError::new(
                "outstanding_fen",
                "debit cards have no outstanding balance",
            )),
            _ if YearMonth::of(self.issued_on) > self.expiry => {
                Err(FieldError::new("expiry", "before the issue date"))
            }
            _ => Ok(()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Loan {
    pub id: RecordId,
    pub customer_id: RecordId,
    pub kind: LoanKind,
    pub currency: Currency,
    pub principal_fen: i64,
    pub outstanding_fen: i64,
    pub term_months: u32,
    pub start_date: NaiveDate,
    pub lpr_term: LprTerm,
    /// Spread over the LPR in basis points; negative for a discount.
    pub spread_bp: i32,
    /// The rate in force now, in basis points (LPR at the last repricing + spread).
    pub rate_bp: i32,
    pub repricing_rule: RepricingRule,
    pub status: LoanStatus,
}

impl Loan {
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.principal_fen <= 0 {
            return Err(FieldError::new("principal_fen", "must be positive"));
        }
        if !(0..=self.principal_fen).contains(&self.outstanding_fen) {
            return Err(FieldError::new(
                "outstanding_fen",
                "between 0 and the principal",
            ));
        }
        if !(1..=360).contains(&self.term_months) {
            return Err(FieldError::new("term_months", "between 1 and 360"));
        }
        if !(1..=3000).contains(&self.rate_bp) || !(-1000..=1000).contains(&self.spread_bp) {
            return Err(FieldError::new(
                "rate_bp",
                "rate 0.01%-30%, spread within ±10%",
            ));
        }
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holding {
    pub id: RecordId,
    pub customer_id: RecordId,
    pub product_code: String,
    pub product_name: String,
    pub risk_level: RiskLevel,
    /// Units held, in hundredths of a unit.
    pub units_x100: i64,
    /// What the customer paid in total.
    pub cost_fen: i64,
    /// Current net value per unit, in ten-thousandths of a yuan (1.0234 -> 10234).
    pub nav_x10000: i64,
    pub nav_date: NaiveDate,
}

impl Holding {
    pub fn validate(&self) -> Result<(), FieldError> {
        text("product_code", &self.product_code, true)?;
        text("product_name", &self.product_name, true)?;
        if self.units_x100 < 0 || self.cost_fen < 0 || self.nav_x10000 <= 0 {
            return Err(FieldError::new(
                "units_x100",
                "units and cost non-negative, net value positive",
            ));
        }
        Ok(())
    }

    /// Market value at the current net value, in fen (rounded down).
    pub fn value_fen(&self) -> i64 {
        market_value_fen(self.units_x100, self.nav_x10000)
    }

    pub fn gain_fen(&self) -> i64 {
        self.value_fen() - self.cost_fen
    }
}

/// units (x100) times net value (x10000 yuan) in fen.
pub fn market_value_fen(units_x100: i64, nav_x10000: i64) -> i64 {
    ((i128::from(units_x100) * i128::from(nav_x10000)) / 10_000) as i64
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transaction {
    pub id: RecordId,
    pub customer_id: RecordId,
    #[serde(default)]
    pub account_id: Option<RecordId>,
    #[serde(default)]
    pub card_id: Option<RecordId>,
    pub at: DateTime<FixedOffset>,
    /// Signed: negative leaves the customer's account.
    pub amount_fen: i64,
    pub currency: Currency,
    pub channel: Channel,
    #[serde(default)]
    pub merchant: Option<String>,
    pub city: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub terminal: Option<String>,
    #[serde(default)]
    pub description: String,
}

impl Transaction {
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.amount_fen == 0 {
            return Err(FieldError::new("amount_fen", "must not be zero"));
        }
        if self.account_id.is_none() && self.card_id.is_none() {
            return Err(FieldError::new(
                "account_id",
                "an account or a card is required",
            ));
        }
        text("city", &self.city, true)?;
        text("description", &self.description, false)?;
        if let Some(m) = &self.merchant {
            text("merchant", m, true)?;
        }
        if let Some(t) = &self.terminal {
            text("terminal", t, true)?;
        }
        if self.country.len() != 2 || !self.country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(FieldError::new("country", "ISO 3166-1 alpha-2, such as CN"));
        }
        match (self.lat, self.lon) {
            (Some(la), Some(lo))
                if !(-90.0..=90.0).contains(&la) || !(-180.0..=180.0).contains(&lo) =>
            {
                Err(FieldError::new(
                    "lat",
                    "latitude -90..90 and longitude -180..180",
                ))
            }
            (Some(_), None) | (None, Some(_)) => Err(FieldError::new(
                "lon",
                "latitude and longitude come together",
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card() -> Card {
        serde_json::from_str(
            r#"{"id":"k1","customer_id":"c1","number":"4111111111111111","kind":"credit","product":"白金卡",
                "status":"active","credit_limit_fen":5000000,"outstanding_fen":-120000,"expiry":"2028-05","issued_on":"2023-05-10"}"#,
        )
        .unwrap()
    }

    #[test]
    fn card_rules() {
        let c = card();
        assert!(c.validate().is_ok());
        let mut d = c.clone();
        d.kind = CardKind::Debit;
        assert_eq!(d.validate().unwrap_err().field, "credit_limit_fen");
        let mut t = c.clone();
        t.temp_limit_fen = Some(100);
        assert_eq!(t.validate().unwrap_err().field, "temp_limit_until");
        let mut e = c;
        e.expiry = YearMonth::parse("2022-01").unwrap();
        assert_eq!(e.validate().unwrap_err().field, "expiry");
    }

    #[test]
    fn unknown_fields_and_bad_enums_are_rejected() {
        let bad = r#"{"id":"k1","customer_id":"c1","number":"4111111111111111","kind":"gold","product":"x",
            "status":"active","expiry":"2028-05","issued_on":"2023-05-10"}"#;
        assert!(serde_json::from_str::<Card>(bad).is_err());
        assert!(YearMonth::parse("2028-13").is_err());
        assert!(YearMonth::parse("28-01").is_err());
        assert!(RecordId::parse("a b").is_err());
    }

    #[test]
    fn holding_gain_and_loss() {
        let h = Holding {
            id: RecordId::parse("h1").unwrap(),
            customer_id: RecordId::parse("c1").unwrap(),
            product_code: "WM1".into(),
            product_name: "稳健".into(),
            risk_level: RiskLevel::R2,
            units_x100: 1_000_000,
            cost_fen: 1_000_000,
            nav_x10000: 9_650,
            nav_date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        };
        assert_eq!(h.value_fen(), 965_000);
        assert_eq!(h.gain_fen(), -35_000);
    }
}
