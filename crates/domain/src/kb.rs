//! Knowledge points: what a valid point is, its audience, its place in the category tree
//! and its validity window. The store keeps every version; these rules decide what may
//! be stored and what a reader may see.

use crate::approval::{Request, RoleRule, State, Wording};
use crate::error::FieldError;
use crate::wire::wire_enum;
use serde::{Deserialize, Serialize};

wire_enum!(
    /// Who may read a point: staff only, or customers too (the public help center).
    Audience { Internal = "internal", Public = "public" }
);
wire_enum!(
    /// Where a point stands as a whole: never approved yet, live, or taken out of use.
    ArticleStatus { Draft = "draft", Published = "published", Retired = "retired" }
);
wire_enum!(
    /// Where one version stands: waiting for a second person, approved (and published
    /// then), refused, or overtaken by a newer edit before anyone reviewed it.
    VersionStatus { PendingApproval = "pending_approval", Approved = "approved", Rejected = "rejected", Superseded = "superseded" }
);

pub const MAX_TITLE_CHARS: usize = 120;
pub const MAX_BODY_CHARS: usize = 20_000;
pub const MAX_SCRIPT_CHARS: usize = 2_000;
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 30;
pub const MAX_CATEGORY_DEPTH: usize = 5;
pub const MAX_CATEGORY_SEGMENT_CHARS: usize = 30;
pub const MAX_REASON_CHARS: usize = 500;

/// A category path such as `信用卡/还款`: segments trimmed, joined by `/`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Category(String);

impl Category {
    pub fn parse(raw: &str) -> Result<Category, FieldError> {
        let segments: Vec<&str> = raw.split('/').map(str::trim).collect();
        if segments.iter().all(|s| s.is_empty()) {
            return Err(FieldError::new("category", "must not be empty"));
        }
        if segments.iter().any(|s| s.is_empty()) {
            return Err(FieldError::new("category", "has an empty level"));
        }
        if segments.len() > MAX_CATEGORY_DEPTH {
            return Err(FieldError::new(
                "category",
                format!("at most {MAX_CATEGORY_DEPTH} levels"),
            ));
        }
        for s in &segments {
            if s.chars().count() > MAX_CATEGORY_SEGMENT_CHARS || s.chars().any(char::is_control) {
                return Err(FieldError::new(
                    "category",
                    format!("each level is 1 to {MAX_CATEGORY_SEGMENT_CHARS} printable characters"),
                ));
            }
        }
        Ok(Category(segments.join("/")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The top level, `信用卡` of `信用卡/还款`.
    pub fn top(&self) -> &str {
        self.0.split('/').next().unwrap_or(&self.0)
    }

    /// True when this category is `ancestor` or lies under it.
    pub fn is_within(&self, ancestor: &str) -> bool {
        let ancestor = ancestor.trim_end_matches('/');
        self.0 == ancestor
            || (self.0.starts_with(ancestor) && self.0[ancestor.len()..].starts_with('/'))
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The content of one version of a point, validated and normalised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArticleContent {
    pub title: String,
    /// Markdown subset (see [`crate::markdown`]).
    pub body: String,
    pub category: Category,
    pub tags: Vec<String>,
    pub audience: Audience,
    pub valid_from_ms: Option<i64>,
    pub valid_until_ms: Option<i64>,
    /// What an agent says (话术); optional.
    pub script: Option<String>,
}

/// The content as submitted, before validation.
#[derive(Clone, Debug, Default)]
pub struct RawContent<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub category: &'a str,
    pub tags: &'a [String],
    pub audience: Option<Audience>,
    pub valid_from_ms: Option<i64>,
    pub valid_until_ms: Option<i64>,
    pub script: Option<&'a str>,
}

fn printable_len(field: &'static str, s: &str, max: usize) -> Result<(), FieldError> {
    if s.chars().count() > max {
        return Err(FieldError::new(field, format!("at most {max} characters")));
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(FieldError::new(field, "contains control characters"));
    }
    Ok(())
}

impl ArticleContent {
    pub fn validate(raw: &RawContent<'_>) -> Result<ArticleContent, FieldError> {
        let title = raw.title.trim();
        if title.is_empty() {
            return Err(FieldError::new("title", "must not be empty"));
        }
        if title.contains('\n') {
            return Err(FieldError::new("title", "must be one line"));
        }
        printable_len("title", title, MAX_TITLE_CHARS)?;
        let body = raw.body.trim();
        if body.is_empty() {
            return Err(FieldError::new("body", "must not be empty"));
        }
        printable_len("body", body, MAX_BODY_CHARS)?;
        let category = Category::parse(raw.category)?;
        if raw.tags.len() > MAX_TAGS {
            return Err(FieldError::new("tags", format!("at most {MAX_TAGS} tags")));
        }
        let mut tags: Vec<String> = Vec::new();
        for t in raw.tags {
            let t = t.trim();
            if t.is_empty() || t.chars().count() > MAX_TAG_CHARS || t.chars().any(char::is_control)
            {
                return Err(FieldError::new(
                    "tags",
                    format!("each tag is 1 to {MAX_TAG_CHARS} printable characters"),
                ));
            }
            if !tags.iter().any(|x| x == t) {
                tags.push(t.to_string());
            }
        }
        let audience = raw
            .audience
            .ok_or_else(|| FieldError::new("audience", "internal or public"))?;
        if let (Some(from), Some(until)) = (raw.valid_from_ms, raw.valid_until_ms)
            && until <= from
        {
            return Err(FieldError::new("valid_until", "must be after valid_from"));
        }
        let script = match raw.script.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => {
                printable_len("script", s, MAX_SCRIPT_CHARS)?;
                Some(s.to_string())
            }
            None => None,
        };
        Ok(ArticleContent {
            title: title.to_string(),
            body: body.to_string(),
            category,
            tags,
            audience,
            valid_from_ms: raw.valid_from_ms,
            valid_until_ms: raw.valid_until_ms,
            script,
        })
    }
}

/// Whether a validity window `[from, until)` holds at `now`; open ends are unbounded.
pub fn is_valid_at(from_ms: Option<i64>, until_ms: Option<i64>, now_ms: i64) -> bool {
    from_ms.is_none_or(|f| f <= now_ms) && until_ms.is_none_or(|u| now_ms < u)
}

/// The reason given for an edit or a review decision, trimmed.
pub fn reason(field: &'static str, raw: &str) -> Result<String, FieldError> {
    let r = raw.trim();
    printable_len(field, r, MAX_REASON_CHARS)?;
    Ok(r.to_string())
}

/// A version awaiting review under dual control: publishing needs a second pair of eyes,
/// not a formality. Only the latest version can wait; an older one was overtaken. Who may
/// review is the API's guard (knowledge approvers).
pub fn review(status: VersionStatus, is_latest: bool, author: &str) -> Request<'_> {
    Request {
        requester: author,
        state: match status {
            VersionStatus::PendingApproval if is_latest => State::Pending,
            VersionStatus::PendingApproval | VersionStatus::Superseded => State::Withdrawn,
            VersionStatus::Approved => State::Approved,
            VersionStatus::Rejected => State::Rejected,
        },
        approvers: RoleRule::Guarded,
    }
}

/// The refusals as the knowledge-base API has always worded them.
pub const REVIEW_WORDING: Wording = Wording {
    same_person: "the author of a version cannot review it; another person must",
    not_permitted: "your roles cannot review knowledge points",
    not_pending: "only the latest version, while it waits for approval, can be reviewed",
};

/// One node of the category tree with the number of points at or below it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryNode {
    pub name: String,
    pub path: String,
    pub count: u64,
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    pub children: Vec<CategoryNode>,
}

/// Builds the tree from category paths with their point counts.
pub fn category_tree(paths: &[(Category, u64)]) -> Vec<CategoryNode> {
    let mut roots: Vec<CategoryNode> = Vec::new();
    for (cat, n) in paths {
        let mut level = &mut roots;
        let mut path = String::new();
        for seg in cat.as_str().split('/') {
            if !path.is_empty() {
                path.push('/');
            }
            path.push_str(seg);
            let i = match level.iter().position(|c| c.name == seg) {
                Some(i) => i,
                None => {
                    level.push(CategoryNode {
                        name: seg.to_string(),
                        path: path.clone(),
                        count: 0,
                        children: Vec::new(),
                    });
                    level.len() - 1
                }
            };
            level[i].count += n;
            level = &mut level[i].children;
        }
    }
    fn sort(nodes: &mut [CategoryNode]) {
        nodes.sort_by(|a, b| a.name.cmp(&b.name));
        for n in nodes {
            sort(&mut n.children);
        }
    }
    sort(&mut roots);
    roots
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw<'a>(tags: &'a [String]) -> RawContent<'a> {
        RawContent {
            title: " 银行卡被ATM吞了怎么办 ",
            body: "请联系客服。",
            category: "银行卡 / 自助设备",
            tags,
            audience: Some(Audience::Public),
            ..RawContent::default()
        }
    }

    #[test]
    fn content_is_normalised() {
        let tags = vec!["吞卡".to_string(), " 吞卡 ".to_string(), "ATM".to_string()];
        let c = ArticleContent::validate(&raw(&tags)).unwrap();
        assert_eq!(c.title, "银行卡被ATM吞了怎么办");
        assert_eq!(c.category.as_str(), "银行卡/自助设备");
        assert_eq!(c.tags, vec!["吞卡", "ATM"]);
        assert_eq!(c.script, None);
    }

    #[test]
    fn bad_content_names_the_field() {
        let tags = vec![];
        let mut r = raw(&tags);
        r.title = "  ";
        assert_eq!(ArticleContent::validate(&r).unwrap_err().field, "title");
        let mut r = raw(&tags);
        r.category = "信用卡//还款";
        assert_eq!(ArticleContent::validate(&r).unwrap_err().field, "category");
        let mut r = raw(&tags);
        r.audience = None;
        assert_eq!(ArticleContent::validate(&r).unwrap_err().field, "audience");
        let mut r = raw(&tags);
        r.valid_from_ms = Some(10);
        r.valid_until_ms = Some(10);
        assert_eq!(
            ArticleContent::validate(&r).unwrap_err().field,
            "valid_until"
        );
        let long: Vec<String> = (0..=MAX_TAGS).map(|i| i.to_string()).collect();
        assert_eq!(
            ArticleContent::validate(&raw(&long)).unwrap_err().field,
            "tags"
        );
    }

    #[test]
    fn review_needs_a_second_person_and_a_waiting_version() {
        use crate::approval::{Checker, Refused};
        use VersionStatus::*;
        let may_review = |status, is_latest, author, user_id| {
            review(status, is_latest, author).decide(
                &Checker {
                    user_id,
                    roles: &[],
                },
                || Ok::<(), ()>(()),
            )
        };
        assert_eq!(may_review(PendingApproval, true, "a", "b"), Ok(()));
        assert_eq!(
            may_review(PendingApproval, true, "a", "a"),
            Err(Refused::SamePerson)
        );
        assert_eq!(
            may_review(PendingApproval, false, "a", "b"),
            Err(Refused::NotPending)
        );
        assert_eq!(
            may_review(Approved, true, "a", "b"),
            Err(Refused::NotPending)
        );
    }

    #[test]
    fn validity_window_is_half_open() {
        assert!(is_valid_at(None, None, 5));
        assert!(is_valid_at(Some(5), Some(6), 5));
        assert!(!is_valid_at(Some(5), Some(6), 6));
        assert!(!is_valid_at(Some(6), None, 5));
    }

    #[test]
    fn categories_nest() {
        let c = Category::parse("信用卡/还款").unwrap();
        assert!(c.is_within("信用卡"));
        assert!(c.is_within("信用卡/还款"));
        assert!(!c.is_within("信用"));
        assert_eq!(c.top(), "信用卡");
        let tree = category_tree(&[
            (Category::parse("信用卡/还款").unwrap(), 2),
            (Category::parse("信用卡/年费").unwrap(), 1),
            (Category::parse("存款").unwrap(), 4),
        ]);
        assert_eq!(tree.len(), 2);
        let card = tree.iter().find(|n| n.name == "信用卡").unwrap();
        assert_eq!(card.count, 3);
        assert_eq!(card.children.len(), 2);
        assert_eq!(card.children[0].path, "信用卡/年费");
    }
}
