//! Crises and public opinion. A complaint handled badly becomes a crisis once the public
//! is watching (seed 001): it gets a severity, an owner, a timeline of actions and reports
//! upward. Posts mentioning the bank come in as signals; a simple lexicon decides which
//! are negative, and negative ones about the bank or its customers go on the crisis board.

use crate::error::FieldError;
use crate::wire::wire_enum;
use serde::{Deserialize, Serialize};

wire_enum!(
    /// 一般, 较大, 重大, 特别重大.
    Severity { Low = "low", Medium = "medium", High = "high", Critical = "critical" }
);

wire_enum!(CrisisStatus { Open = "open", Contained = "contained", Closed = "closed" });

impl CrisisStatus {
    /// Open and contained go either way (a contained crisis can flare up) or close;
    /// closed is final.
    pub fn may_become(self, to: CrisisStatus) -> bool {
        self != to && self != CrisisStatus::Closed
    }
}

wire_enum!(
    /// Where a crisis is reported: up the bank, and to the authorities seed 001 names.
    ReportTo {
        SuperiorBranch = "superior_branch",
        HeadOffice = "head_office",
        Regulator = "regulator",
        /// 网信部门
        Cyberspace = "cyberspace_authority",
        /// 宣传部门
        Publicity = "publicity_department",
    }
);

wire_enum!(SignalStatus {
    /// Recorded; not negative or not about us.
    Noted = "noted",
    /// Negative and about the bank or its customers: waiting on the crisis board.
    OnBoard = "on_board",
    /// Attached to a crisis's timeline.
    Linked = "linked",
    Dismissed = "dismissed",
});

/// A post as a monitoring feed delivers it (one JSON object per line, or per webhook).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignalInput {
    pub source: String,
    pub author: String,
    pub text: String,
    #[serde(default)]
    pub url: Option<String>,
    /// RFC 3339.
    pub time: String,
    #[serde(default)]
    pub reach: u64,
}

/// A checked signal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signal {
    pub source: String,
    pub author: String,
    pub text: String,
    pub url: Option<String>,
    pub posted_at_ms: i64,
    pub reach: i64,
}

fn bounded(field: &'static str, v: &str, max: usize) -> Result<String, FieldError> {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > max {
        Err(FieldError::new(field, format!("1 to {max} characters")))
    } else {
        Ok(v.to_string())
    }
}

impl SignalInput {
    pub fn check(self) -> Result<Signal, FieldError> {
        let url = match self
            .url
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty())
        {
            Some(u)
                if (u.starts_with("https://") || u.starts_with("http://")) && u.len() <= 500 =>
            {
                Some(u)
            }
            Some(_) => {
                return Err(FieldError::new(
                    "url",
                    "an http(s) address up to 500 characters",
                ));
            }
            None => None,
        };
        let posted = chrono::DateTime::parse_from_rfc3339(&self.time)
            .map_err(|_| FieldError::new("time", "an RFC 3339 time"))?;
        Ok(Signal {
            source: bounded("source", &self.source, 50)?,
            author: bounded("author", &self.author, 100)?,
            text: bounded("text", &self.text, 5_000)?,
            url,
            posted_at_ms: posted.timestamp_millis(),
            reach: i64::try_from(self.reach).unwrap_or(i64::MAX),
        })
    }
}

/// Parses a JSON-lines feed: one result per non-blank line, with its 1-based line number.
pub fn parse_jsonl(text: &str) -> Vec<(usize, Result<Signal, FieldError>)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let parsed = serde_json::from_str::<SignalInput>(l)
                .map_err(|e| FieldError::new("line", e.to_string()))
                .and_then(SignalInput::check);
            (i + 1, parsed)
        })
        .collect()
}

/// Words that make a post about a bank negative.
const NEGATIVE: &[&str] = &[
    "投诉",
    "曝光",
    "维权",
    "骗",
    "坑",
    "黑心",
    "霸王条款",
    "推诿",
    "踢皮球",
    "不给解决",
    "不作为",
    "态度恶劣",
    "泄露",
    "乱收费",
    "亏损",
    "爆雷",
    "挤兑",
    "跑路",
    "倒闭",
    "举报",
    "报警",
    "起诉",
    "欺诈",
    "套路",
    "失望",
    "愤怒",
    "垃圾",
    "差劲",
    "恶心",
    "气死",
    "盗刷",
    "12378",
    "315",
];

/// Words that make it positive, unless negated (不满意 is negative).
const POSITIVE: &[&str] = &[
    "感谢",
    "谢谢",
    "点赞",
    "满意",
    "好评",
    "专业",
    "贴心",
    "耐心",
    "解决了",
    "给力",
    "靠谱",
    "高效",
];

const NEGATORS: &[&str] = &["不", "没", "未", "别", "无法"];

/// The lexicon's reading of a text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tone {
    /// Negative terms count +1, positive -1, negated positive +1.
    pub score: i32,
    pub terms: Vec<String>,
}

impl Tone {
    pub fn negative(&self) -> bool {
        self.score > 0
    }
}

/// Scores a text by the lexicon: each occurrence of a term counts once.
pub fn tone(text: &str) -> Tone {
    let mut score = 0;
    let mut terms = Vec::new();
    for w in NEGATIVE {
        let n = text.matches(w).count() as i32;
        if n > 0 {
            score += n;
            terms.push((*w).to_string());
        }
    }
    for w in POSITIVE {
        for (at, _) in text.match_indices(w) {
            let before = &text[..at];
            if NEGATORS.iter().any(|n| before.ends_with(n)) {
                score += 1;
                terms.push(format!("-{w}"));
            } else {
                score -= 1;
                terms.push(format!("+{w}"));
            }
        }
    }
    Tone { score, terms }
}

/// The watch words the text mentions (ASCII letters compared case-insensitively).
pub fn watch_words_in(text: &str, words: &[String]) -> Vec<String> {
    let lower = text.to_lowercase();
    words
        .iter()
        .filter(|w| !w.is_empty() && lower.contains(&w.to_lowercase()))
        .cloned()
        .collect()
}

/// Mainland mobile numbers in a text (11 digits starting 13-19, not part of a longer
/// number), to match posts to customers.
pub fn phones_in(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let run = &text[start..i];
        if run.len() == 11 && run.starts_with('1') && (b'3'..=b'9').contains(&run.as_bytes()[1]) {
            out.push(run.to_string());
        }
    }
    out.dedup();
    out
}

/// A negative post goes on the board when it is about the bank (a watch word) or about
/// one of its customers.
pub fn goes_on_board(tone: &Tone, watch_words: &[String], customer_matched: bool) -> bool {
    tone.negative() && (!watch_words.is_empty() || customer_matched)
}

/// The severity a crisis raised from a signal starts at: by how far the post reached and
/// how negative it is. Critical is a person's call, never the lexicon's.
pub fn suggested_severity(reach: i64, tone: &Tone) -> Severity {
    if reach >= 100_000 || tone.score >= 4 {
        Severity::High
    } else if reach >= 10_000 {
        Severity::Medium
    } else {
        Severity::Low
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lexicon_reads_complaints_as_negative_and_thanks_as_positive() {
        let t = tone("某银行推诿扯皮，溢缴款跑了三个网点都不给解决，准备向12378投诉！");
        assert!(t.negative(), "{t:?}");
        assert!(t.terms.contains(&"推诿".to_string()) && t.terms.contains(&"12378".to_string()));
        let thanks = tone("感谢客服耐心解答，问题当场解决了，点赞");
        assert!(!thanks.negative() && thanks.score == -4, "{thanks:?}");
        let unhappy = tone("对处理结果很不满意");
        assert_eq!(unhappy.score, 1, "{unhappy:?}");
        assert!(!tone("今天去银行办了张卡").negative());
    }

    #[test]
    fn board_and_severity_rules() {
        let words = vec!["示范银行".to_string()];
        let neg = tone("示范银行乱收费，投诉无门");
        assert!(goes_on_board(&neg, &words, false));
        assert!(goes_on_board(&neg, &[], true), "about a customer");
        assert!(!goes_on_board(&neg, &[], false), "about someone else");
        assert!(!goes_on_board(&tone("示范银行服务很贴心"), &words, true));
        assert_eq!(suggested_severity(200_000, &neg), Severity::High);
        assert_eq!(suggested_severity(20_000, &neg), Severity::Medium);
        assert_eq!(suggested_severity(20, &neg), Severity::Low);
        assert!(CrisisStatus::Contained.may_become(CrisisStatus::Open));
        assert!(!CrisisStatus::Closed.may_become(CrisisStatus::Open));
        assert!(!CrisisStatus::Open.may_become(CrisisStatus::Open));
    }

    #[test]
    fn watch_words_and_phones_are_found_in_text() {
        let words = vec!["示范银行".to_string(), "BankDesk".to_string()];
        assert_eq!(
            watch_words_in("bankdesk 和 示范银行", &words),
            vec!["示范银行".to_string(), "BankDesk".to_string()]
        );
        assert_eq!(
            phones_in("王女士电话13800000002，卡号6225880012345678，座机02112345678"),
            vec!["13800000002".to_string()]
        );
        assert!(phones_in("138000000021").is_empty());
    }

    #[test]
    fn a_json_lines_feed_parses_line_by_line() {
        let feed = concat!(
            r#"{"source":"weibo","author":"@小王","text":"示范银行推诿","url":"https://weibo.com/1","time":"2026-11-20T10:00:00+08:00","reach":52000}"#,
            "\n\n",
            r#"{"source":"weibo","author":"@x","text":"t","time":"yesterday"}"#,
            "\n",
            r#"{"source":"weibo","author":"@x","text":"t","time":"2026-11-20T10:00:00Z","url":"ftp://x"}"#,
            "\nnot json\n"
        );
        let out = parse_jsonl(feed);
        let lines: Vec<usize> = out.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![1, 3, 4, 5]);
        let first = out[0].1.as_ref().unwrap();
        assert_eq!(first.reach, 52_000);
        assert_eq!(first.url.as_deref(), Some("https://weibo.com/1"));
        assert_eq!(out[1].1.as_ref().unwrap_err().field, "time");
        assert_eq!(out[2].1.as_ref().unwrap_err().field, "url");
        assert_eq!(out[3].1.as_ref().unwrap_err().field, "line");
    }
}
