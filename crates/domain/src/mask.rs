//! Masking of C2 personal financial information (JR/T 0171-2020 allows at most the first 6
//! and last 4 digits of a card; we show the first 4 and last 4, as the API contract does), phones hide the middle 4, ID numbers most digits,
//! names all but the family name and the last character.

/// `6225********1234`
pub fn card(number: &str) -> String {
    keep_ends(number, 4, 4)
}

/// `138****5678`
pub fn phone(number: &str) -> String {
    if number.chars().count() == 11 {
        keep_ends(number, 3, 4)
    } else {
        keep_ends(number, 3, 2)
    }
}

/// `3101**********1234`
pub fn id_number(number: &str) -> String {
    keep_ends(number, 4, 4)
}

/// `王*明`; two-character names keep the family name: `王*`.
pub fn name(full: &str) -> String {
    let chars: Vec<char> = full.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".to_string(),
        2 => format!("{}*", chars[0]),
        n => {
            let mut s = String::new();
            s.push(chars[0]);
            s.extend(std::iter::repeat_n('*', n - 2));
            s.push(chars[n - 1]);
            s
        }
    }
}

/// Keeps the start of an address (province, city, district) and hides the rest.
pub fn address(full: &str) -> String {
    let kept: String = full.chars().take(6).collect();
    if full.chars().count() > 6 {
        format!("{kept}****")
    } else {
        kept
    }
}

/// Keeps `head` leading and `tail` trailing characters; strings too short to hide
/// anything meaningful are hidden entirely rather than shown.
fn keep_ends(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len().max(4));
    }
    let mut out = String::with_capacity(chars.len());
    out.extend(&chars[..head]);
    out.extend(std::iter::repeat_n('*', chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn contract_examples() {
        assert_eq!(card("6225880012341234"), "6225********1234");
        assert_eq!(card("6225880000001234567"), "6225***********4567");
        assert_eq!(phone("13812345678"), "138****5678");
        assert_eq!(id_number("310101199001011234"), "3101**********1234");
        assert_eq!(name("王小明"), "王*明");
        assert_eq!(name("王明"), "王*");
        assert_eq!(name("欧阳小明"), "欧**明");
        assert_eq!(address("上海市浦东新区世纪大道100号"), "上海市浦东新****");
    }

    #[test]
    fn short_values_reveal_nothing() {
        assert_eq!(card("1234"), "****");
        assert_eq!(phone(""), "****");
    }

    proptest! {
        #[test]
        fn card_mask_hides_middle(digits in "[0-9]{16,19}") {
            let m = card(&digits);
            prop_assert_eq!(m.len(), digits.len());
            prop_assert_eq!(&m[..4], &digits[..4]);
            prop_assert_eq!(&m[m.len()-4..], &digits[digits.len()-4..]);
            prop_assert!(m[4..m.len()-4].chars().all(|c| c == '*'));
        }
    }
}
