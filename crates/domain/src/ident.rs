//! Identifiers a Chinese bank deals in, validated once at the edge:
//! resident ID numbers (GB 11643-1999 check digit), card numbers (Luhn), phone numbers.

use crate::error::FieldError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Weights of the 17 leading digits in the GB 11643-1999 checksum.
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character indexed by (weighted sum mod 11).
const ID_CHECK: [u8; 11] = *b"10X98765432";

/// The check character for the first 17 digits of a resident ID number.
pub fn id_check_char(first17: &[u8; 17]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    ID_CHECK[(sum % 11) as usize]
}

/// An 18-character resident ID number with a valid birth date and check character.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct IdNumber(String);

impl IdNumber {
    pub fn parse(s: &str) -> Result<IdNumber, FieldError> {
        let err = |r: &str| FieldError::new("id_number", r);
        let s = s.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() != 18 {
            return Err(err("must be 18 characters"));
        }
        if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(err("must be 17 digits and a digit or X"));
        }
        let mut first = [0u8; 17];
        first.copy_from_slice(&b[..17]);
        if id_check_char(&first) != b[17] {
            return Err(err("check digit does not match"));
        }
        if NaiveDate::parse_from_str(&s[6..14], "%Y%m%d").is_err() {
            return Err(err("birth date part is not a date"));
        }
        Ok(IdNumber(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Birth date encoded in digits 7-14.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").ok()
    }
}

impl<'de> Deserialize<'de> for IdNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IdNumber::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// True when the digit string passes the Luhn (mod 10) check.
pub fn luhn_valid(digits: &str) -> bool {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    luhn_sum(digits.bytes().rev().map(|b| b - b'0'), false) % 10 == 0
}

/// The digit to append to `payload` so that the whole passes Luhn.
pub fn luhn_check_digit(payload: &str) -> u8 {
    let sum = luhn_sum(payload.bytes().rev().map(|b| b - b'0'), true);
    ((10 - sum % 10) % 10) as u8
}

fn luhn_sum(rev_digits: impl Iterator<Item = u8>, double_first: bool) -> u32 {
    rev_digits
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(d);
            if (i % 2 == 0) == double_first {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum()
}

/// A bank card number: 16 to 19 digits passing Luhn.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct CardNumber(String);

impl CardNumber {
    pub fn parse(s: &str) -> Result<CardNumber, FieldError> {
        let digits: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if !(16..=19).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new("card_number", "must be 16 to 19 digits"));
        }
        if !luhn_valid(&digits) {
            return Err(FieldError::new("card_number", "fails the Luhn check"));
        }
        Ok(CardNumber(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for CardNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        CardNumber::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A mainland phone number: an 11-digit mobile (1xxxxxxxxxx) or a landline with area code
/// (0 followed by 9 to 11 digits). Separators are dropped.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    pub fn parse(s: &str) -> Result<Phone, FieldError> {
        let mut digits: String = s
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
            .collect();
        if let Some(rest) = digits.strip_prefix("+86") {
            digits = rest.to_string();
        }
        let ok = digits.bytes().all(|b| b.is_ascii_digit())
            && match digits.as_bytes().first() {
                Some(b'1') => digits.len() == 11,
                Some(b'0') => (10..=12).contains(&digits.len()),
                _ => false,
            };
        if ok {
            Ok(Phone(digits))
        } else {
            Err(FieldError::new(
                "phone",
                "must be an 11-digit mobile or a landline with area code",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Phone::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_id_number() {
        // The worked example of GB 11643-1999.
        assert!(IdNumber::parse("11010519491231002X").is_ok());
        assert_eq!(
            IdNumber::parse("11010519491231002X").unwrap().birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31)
        );
        assert!(IdNumber::parse("110105194912310021").is_err());
        assert!(IdNumber::parse("110105194913310029").is_err());
        assert!(IdNumber::parse("1101051949").is_err());
    }

    #[test]
    fn known_card_numbers() {
        assert!(luhn_valid("4111111111111111"));
        assert!(!luhn_valid("4111111111111112"));
        assert!(
            CardNumber::parse("6225 8801 2345 6787").is_err() || luhn_valid("6225880123456787")
        );
        assert_eq!(luhn_check_digit("411111111111111"), 1);
        assert!(CardNumber::parse("12345").is_err());
    }

    #[test]
    fn phones() {
        assert_eq!(
            Phone::parse("138-0000-0002").unwrap().as_str(),
            "13800000002"
        );
        assert_eq!(
            Phone::parse("+86 13800000002").unwrap().as_str(),
            "13800000002"
        );
        assert!(Phone::parse("021-62345678").is_ok());
        assert!(Phone::parse("23800000002").is_err());
        assert!(Phone::parse("1380000000").is_err());
    }

    proptest! {
        #[test]
        fn appended_luhn_digit_always_validates(payload in "[0-9]{15,18}") {
            let full = format!("{payload}{}", luhn_check_digit(&payload));
            prop_assert!(luhn_valid(&full));
            prop_assert!(CardNumber::parse(&full).is_ok());
        }

        #[test]
        fn single_digit_change_breaks_luhn(payload in "[0-9]{15}", pos in 0usize..16, delta in 1u8..10) {
            let full = format!("{payload}{}", luhn_check_digit(&payload));
            let mut b = full.into_bytes();
            b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            prop_assert!(!luhn_valid(std::str::from_utf8(&b).unwrap()));
        }

        #[test]
        fn computed_id_check_char_validates(region in 110000u32..660000, days in 0i64..30000, order in 0u32..1000) {
            let birth = NaiveDate::from_ymd_opt(1940, 1, 1).unwrap() + chrono::Duration::days(days);
            let first = format!("{region}{}{order:03}", birth.format("%Y%m%d"));
            let mut arr = [0u8; 17];
            arr.copy_from_slice(first.as_bytes());
            let full = format!("{first}{}", id_check_char(&arr) as char);
            let id = IdNumber::parse(&full).unwrap();
            prop_assert_eq!(id.birth_date(), Some(birth));
        }
    }
}
