//! Wrap-up categories: the tree an agent picks from when a contact ends. Reports count
//! contacts by these codes, so the tree is data (a TOML file a bank can edit) checked
//! once when it is loaded, and a wrap-up with a code outside it is refused.

use serde::{Deserialize, Serialize};

/// The tree shipped with bankdesk.
pub const SHIPPED: &str = include_str!("../data/wrap-up-categories.toml");

/// Longest code and label accepted, so a mistyped file cannot bloat every page.
const MAX_CODE: usize = 64;
const MAX_LABEL: usize = 40;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
// `kb::Category` has the name already.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = WrapUpCategory))]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub code: String,
    pub zh: String,
    pub en: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    pub children: Vec<Category>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    categories: Vec<Category>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WrapUpError {
    #[error("not valid TOML: {0}")]
    Syntax(String),
    #[error("{0}")]
    Invalid(String),
}

/// A checked category tree: codes unique and well-formed, two levels at most.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrapUpTree {
    categories: Vec<Category>,
}

fn code_ok(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= MAX_CODE
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn check_labels(c: &Category) -> Result<(), WrapUpError> {
    for (lang, label) in [("zh", &c.zh), ("en", &c.en)] {
        let n = label.trim().chars().count();
        if n == 0 || n > MAX_LABEL {
            return Err(WrapUpError::Invalid(format!(
                "{}: the {lang} label must have 1 to {MAX_LABEL} characters",
                c.code
            )));
        }
    }
    Ok(())
}

impl WrapUpTree {
    /// Parses and checks a category file (the format of `data/wrap-up-categories.toml`).
    pub fn parse(text: &str) -> Result<WrapUpTree, WrapUpError> {
        let file: File = toml::from_str(text).map_err(|e| WrapUpError::Syntax(e.to_string()))?;
        if file.categories.is_empty() {
            return Err(WrapUpError::Invalid("no categories".into()));
        }
        let mut seen = std::collections::HashSet::new();
        for top in &file.categories {
            if !code_ok(&top.code) {
                return Err(WrapUpError::Invalid(format!(
                    "{:?}: a code is lowercase letters, digits and _",
                    top.code
                )));
            }
            check_labels(top)?;
            if !seen.insert(top.code.as_str()) {
                return Err(WrapUpError::Invalid(format!(
                    "{} is listed twice",
                    top.code
                )));
            }
            for child in &top.children {
                let own = child
                    .code
                    .strip_prefix(top.code.as_str())
                    .and_then(|rest| rest.strip_prefix('.'));
                if !own.is_some_and(code_ok) || child.code.len() > MAX_CODE {
                    return Err(WrapUpError::Invalid(format!(
                        "{:?}: a sub-category's code is {}.<part>, the part lowercase letters, digits and _",
                        child.code, top.code
                    )));
                }
                if !child.children.is_empty() {
                    return Err(WrapUpError::Invalid(format!(
                        "{}: categories have at most two levels",
                        child.code
                    )));
                }
                check_labels(child)?;
                if !seen.insert(child.code.as_str()) {
                    return Err(WrapUpError::Invalid(format!(
                        "{} is listed twice",
                        child.code
                    )));
                }
            }
        }
        Ok(WrapUpTree {
            categories: file.categories,
        })
    }

    /// The tree shipped with bankdesk.
    pub fn shipped() -> WrapUpTree {
        WrapUpTree::parse(SHIPPED).expect("the shipped wrap-up tree is valid (tested)")
    }

    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    fn find(&self, code: &str) -> Option<(&Category, Option<&Category>)> {
        self.categories.iter().find_map(|top| {
            if top.code == code {
                Some((top, None))
            } else {
                top.children
                    .iter()
                    .find(|c| c.code == code)
                    .map(|c| (top, Some(c)))
            }
        })
    }

    /// Whether `code` is a category or a sub-category of the tree.
    pub fn contains(&self, code: &str) -> bool {
        self.find(code).is_some()
    }

    /// The label of a code with its parent's, `信用卡 / 挂失补卡`, in Chinese or English.
    pub fn label(&self, code: &str, english: bool) -> Option<String> {
        let pick = |c: &Category| if english { c.en.clone() } else { c.zh.clone() };
        self.find(code).map(|(top, child)| match child {
            Some(c) => format!("{} / {}", pick(top), pick(c)),
            None => pick(top),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_tree_is_valid_and_has_the_issue_categories() {
        let t = WrapUpTree::shipped();
        for code in [
            "credit_card",
            "loans",
            "wealth",
            "deposits",
            "e_banking",
            "citizen_card",
            "complaint",
            "credit_card.lost",
        ] {
            assert!(t.contains(code), "{code}");
        }
        assert!(!t.contains("gossip"));
        assert!(!t.contains("credit_card."));
        assert_eq!(
            t.label("credit_card.lost", false).as_deref(),
            Some("信用卡 / 挂失补卡")
        );
        assert_eq!(t.label("e_banking", true).as_deref(), Some("E-banking"));
    }

    fn parse(text: &str) -> Result<WrapUpTree, WrapUpError> {
        WrapUpTree::parse(text)
    }

    #[test]
    fn mistakes_are_named() {
        let one = |children: &str| {
            format!(
                "[[categories]]\ncode = \"card\"\nzh = \"卡\"\nen = \"Card\"\nchildren = [{children}]\n"
            )
        };
        assert!(parse(&one("")).is_ok());
        let e = parse(&one(r#"{ code = "loan.x", zh = "x", en = "x" }"#)).unwrap_err();
        assert!(e.to_string().contains("loan.x"), "{e}");
        let e = parse(&one(
            r#"{ code = "card.a", zh = "a", en = "a" }, { code = "card.a", zh = "b", en = "b" }"#,
        ))
        .unwrap_err();
        assert!(e.to_string().contains("twice"), "{e}");
        let e = parse(&one(r#"{ code = "card.a", zh = "", en = "a" }"#)).unwrap_err();
        assert!(e.to_string().contains("zh"), "{e}");
        let e = parse(&one(
            r#"{ code = "card.a", zh = "a", en = "a", children = [{ code = "card.a.b", zh = "b", en = "b" }] }"#,
        ))
        .unwrap_err();
        assert!(e.to_string().contains("two levels"), "{e}");
        assert!(matches!(
            parse("[[categories]]\ncode = \"Card\"\nzh = \"卡\"\nen = \"Card\"\n"),
            Err(WrapUpError::Invalid(_))
        ));
        assert!(matches!(
            parse("categories = []"),
            Err(WrapUpError::Invalid(_))
        ));
        assert!(matches!(parse("nonsense ="), Err(WrapUpError::Syntax(_))));
    }
}
