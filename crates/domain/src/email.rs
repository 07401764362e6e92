//! Inbound email: the parts of an RFC 5322 message that make a contact. Decoding
//! (encoded-word subjects, base64 and quoted-printable bodies, GBK and other charsets)
//! is mail-parser's; this module decides what is required and how long things may be.

use crate::error::FieldError;

/// Longest body text kept; longer mail is cut there (the raw size is limited upstream).
pub const MAX_BODY: usize = 20_000;
const MAX_SUBJECT: usize = 500;
const MAX_ID: usize = 500;
/// Thread references kept: the newest ones are the ones that find the contact.
const MAX_REFERENCES: usize = 20;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboundEmail {
    /// The sender's address, lower-cased.
    pub from: String,
    /// The first recipient, lower-cased ("" when there is none).
    pub to: String,
    pub subject: String,
    /// Without angle brackets.
    pub message_id: String,
    /// In-Reply-To and References, newest first, without angle brackets.
    pub thread: Vec<String>,
    /// Milliseconds since the epoch, from the Date header.
    pub date_ms: Option<i64>,
    pub body: String,
}

fn bare_id(s: &str) -> String {
    s.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_string()
}

/// Normalises an address for lookups: trimmed and lower-cased.
pub fn normalise_address(a: &str) -> String {
    a.trim().to_lowercase()
}

/// Whether `a` looks like `local@domain`; enough to refuse typing mistakes.
pub fn address_ok(a: &str) -> bool {
    let a = a.trim();
    a.len() <= 254
        && a.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
        })
        && !a.chars().any(|c| c.is_whitespace() || c == '<' || c == '>')
}

/// Parses a raw message. From and Message-ID are required (Message-ID is what makes a
/// redelivery harmless); everything else has a default.
pub fn parse_email(raw: &[u8]) -> Result<InboundEmail, FieldError> {
    let msg = mail_parser::MessageParser::default()
        .parse(raw)
        .filter(|m| m.headers().iter().len() > 0)
        .ok_or_else(|| FieldError::new("message", "not an RFC 5322 message"))?;
    let from = msg
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .map(normalise_address)
        .filter(|a| address_ok(a))
        .ok_or_else(|| FieldError::new("from", "missing or not an address"))?;
    let to = msg
        .to()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .map(normalise_address)
        .unwrap_or_default();
    let message_id = msg
        .message_id()
        .map(bare_id)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| FieldError::new("message_id", "missing"))?;
    if message_id.len() > MAX_ID {
        return Err(FieldError::new("message_id", "too long"));
    }
    let subject: String = msg
        .subject()
        .unwrap_or_default()
        .trim()
        .chars()
        .take(MAX_SUBJECT)
        .collect();
    let mut thread: Vec<String> = Vec::new();
    for header in [msg.in_reply_to(), msg.references()] {
        if let Some(list) = header.as_text_list() {
            for id in list.iter().rev() {
                let id = bare_id(id);
                if !id.is_empty() && id.len() <= MAX_ID && !thread.contains(&id) {
                    thread.push(id);
                }
            }
        }
    }
    thread.truncate(MAX_REFERENCES);
    let body: String = msg
        .body_text(0)
        .map(|b| b.trim().chars().take(MAX_BODY).collect())
        .unwrap_or_default();
    Ok(InboundEmail {
        from,
        to,
        subject,
        message_id,
        thread,
        date_ms: msg.date().map(|d| d.to_timestamp().saturating_mul(1000)),
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_subject_and_base64_body() {
        // Subject "信用卡丢失" as an RFC 2047 encoded word; body "请帮我挂失" in base64.
        let raw = "From: =?UTF-8?B?546L5aWz5aOr?= <Wang.Lihua@Example.com>\r\n\
To: service@bank.example\r\n\
Subject: =?UTF-8?B?5L+h55So5Y2h5Lii5aSx?=\r\n\
Message-ID: <m1@mail.example.com>\r\n\
Date: Sat, 21 Nov 2026 09:30:00 +0800\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=UTF-8\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
6K+35biu5oiR5oyC5aSx\r\n";
        let m = parse_email(raw.as_bytes()).unwrap();
        assert_eq!(m.from, "wang.lihua@example.com");
        assert_eq!(m.to, "service@bank.example");
        assert_eq!(m.subject, "信用卡丢失");
        assert_eq!(m.message_id, "m1@mail.example.com");
        assert_eq!(m.body, "请帮我挂失");
        assert_eq!(m.date_ms, Some(1_795_224_600_000));
        assert!(m.thread.is_empty());
    }

    #[test]
    fn gbk_quoted_printable_and_threading() {
        // "你好" in GBK is C4 E3 BA C3.
        let raw = b"From: a@b.cn\r\nSubject: Re: hi\r\nMessage-ID: <r2@b.cn>\r\nIn-Reply-To: <m1@b.cn>\r\nReferences: <m0@b.cn> <m1@b.cn>\r\nContent-Type: text/plain; charset=GBK\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=C4=E3=BA=C3\r\n";
        let m = parse_email(raw).unwrap();
        assert_eq!(m.body, "你好");
        assert_eq!(m.thread, vec!["m1@b.cn".to_string(), "m0@b.cn".to_string()]);
    }

    #[test]
    fn required_headers_are_named() {
        let field = |raw: &str| parse_email(raw.as_bytes()).unwrap_err().field;
        assert_eq!(field("Subject: x\r\nMessage-ID: <a@b>\r\n\r\nbody"), "from");
        assert_eq!(
            field("From: a@b.cn\r\nSubject: x\r\n\r\nbody"),
            "message_id"
        );
        assert_eq!(
            field("From: not-an-address\r\nMessage-ID: <a@b>\r\n\r\n"),
            "from"
        );
        assert_eq!(field(""), "message");
    }

    proptest::proptest! {
        /// Any bytes get an answer, never a panic; what is accepted has a sender and an id.
        #[test]
        fn never_panics(raw in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            if let Ok(m) = parse_email(&raw) {
                proptest::prop_assert!(address_ok(&m.from) && !m.message_id.is_empty());
            }
        }
    }

    #[test]
    fn addresses() {
        assert!(address_ok("wang.lihua@example.com"));
        assert!(!address_ok("wang"));
        assert!(!address_ok("a@b"));
        assert!(!address_ok("a b@c.cn"));
        assert_eq!(normalise_address(" A@B.CN "), "a@b.cn");
    }
}
