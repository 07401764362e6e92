//! Money is an integer number of fen (1/100 yuan) with its ISO 4217 currency;
//! never a float, so sums and comparisons are exact.

use crate::error::FieldError;
use serde::{Deserialize, Serialize};

/// ISO 4217 code: three upper-case ASCII letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const CNY: Currency = Currency(*b"CNY");

    pub fn parse(s: &str) -> Result<Currency, FieldError> {
        let b = s.as_bytes();
        if b.len() == 3 && b.iter().all(u8::is_ascii_uppercase) {
            Ok(Currency([b[0], b[1], b[2]]))
        } else {
            Err(FieldError::new(
                "currency",
                "must be a three-letter ISO 4217 code such as CNY",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        // The bytes are checked ASCII upper-case at construction.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An amount in fen with its currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub amount_fen: i64,
    pub currency: Currency,
}

impl Money {
    pub fn cny(amount_fen: i64) -> Money {
        Money {
            amount_fen,
            currency: Currency::CNY,
        }
    }

    /// `1234.56` style, for pages; the sign is kept.
    pub fn yuan_string(&self) -> String {
        format_fen(self.amount_fen)
    }
}

/// Formats fen as yuan with two decimals and thousands separators: `-1,234.50`.
pub fn format_fen(fen: i64) -> String {
    let neg = fen < 0;
    let abs = fen.unsigned_abs();
    let (yuan, cents) = (abs / 100, abs % 100);
    let digits = yuan.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{}{}.{:02}", if neg { "-" } else { "" }, grouped, cents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_validation() {
        assert_eq!(Currency::parse("USD").unwrap().as_str(), "USD");
        assert!(Currency::parse("usd").is_err());
        assert!(Currency::parse("CN").is_err());
        assert!(Currency::parse("人民币").is_err());
    }

    #[test]
    fn yuan_formatting() {
        assert_eq!(format_fen(0), "0.00");
        assert_eq!(format_fen(5), "0.05");
        assert_eq!(format_fen(123_456_789), "1,234,567.89");
        assert_eq!(format_fen(-100_000), "-1,000.00");
        assert_eq!(format_fen(99_999), "999.99");
    }
}
