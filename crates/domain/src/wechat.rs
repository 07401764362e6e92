//! WeChat official-account messages: the server signature check and the message XML that
//! WeChat posts to the bank's webhook (plain-text mode, 明文模式).

use crate::error::FieldError;
use sha1::{Digest, Sha1};
use std::collections::HashMap;

/// Longest text kept from one message; WeChat itself caps text messages near 2,048 bytes.
pub const MAX_CONTENT: usize = 4_000;
/// Longest value of any other element (openids are 28 characters, ids are numbers).
const MAX_VALUE: usize = 512;
/// Elements per message: the richest event types carry about a dozen.
const MAX_ELEMENTS: usize = 64;

/// WeChat signs each request with SHA-1 over the sorted, concatenated token, timestamp and
/// nonce. The comparison takes the same time whatever the signature, so it leaks nothing.
pub fn signature_ok(token: &str, timestamp: &str, nonce: &str, signature: &str) -> bool {
    let mut parts = [token, timestamp, nonce];
    parts.sort_unstable();
    let mut h = Sha1::new();
    for p in parts {
        h.update(p.as_bytes());
    }
    let expected = hex::encode(h.finalize());
    let given = signature.trim().to_ascii_lowercase();
    expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// One message or event from a follower of the official account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WechatMessage {
    /// The official account's id (ToUserName).
    pub to: String,
    /// The follower's openid (FromUserName).
    pub openid: String,
    /// Seconds since the epoch (CreateTime).
    pub create_time: i64,
    /// `text`, `image`, `voice`, `video`, `location`, `link`, `event`, ...
    pub msg_type: String,
    /// The text of a text message; a short description of anything else.
    pub content: String,
    /// What makes a delivery unique: MsgId for messages; events have none, so WeChat's
    /// own rule applies (sender and CreateTime), with the event name.
    pub dedupe_key: String,
}

/// Parses the XML body of a webhook POST. A missing or malformed element is an error
/// naming it; message types other than text are kept with a description, not refused.
pub fn parse_message(xml: &str) -> Result<WechatMessage, FieldError> {
    let fields = elements(xml)?;
    let get = |name: &'static str| -> Result<&str, FieldError> {
        fields
            .get(name)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| FieldError::new(name, "missing"))
    };
    let to = get("ToUserName")?.to_string();
    let openid = get("FromUserName")?.to_string();
    let create_time: i64 = get("CreateTime")?
        .parse()
        .ok()
        .filter(|t| *t > 0)
        .ok_or_else(|| FieldError::new("CreateTime", "not a positive number of seconds"))?;
    let msg_type = get("MsgType")?.to_string();
    if !msg_type
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(FieldError::new("MsgType", "not a message type"));
    }
    let dedupe_key = if msg_type == "event" {
        let event = fields.get("Event").map_or("", |s| s.trim());
        format!("event:{openid}:{create_time}:{event}")
    } else {
        let id = get("MsgId")?;
        if !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new("MsgId", "not a number"));
        }
        id.to_string()
    };
    let content = match msg_type.as_str() {
        "text" => {
            let c = get("Content")?;
            if c.chars().count() > MAX_CONTENT {
                return Err(FieldError::new(
                    "Content",
                    format!("longer than {MAX_CONTENT} characters"),
                ));
            }
            c.to_string()
        }
        other => {
            let detail = ["Event", "PicUrl", "MediaId", "Label", "Title", "Url"]
                .iter()
                .filter_map(|k| fields.get(*k).map(|v| format!("{k}={}", v.trim())))
                .collect::<Vec<_>>()
                .join(" ");
            if detail.is_empty() {
                format!("[{other}]")
            } else {
                format!("[{other}] {detail}")
            }
        }
    };
    Ok(WechatMessage {
        to,
        openid,
        create_time,
        msg_type,
        content,
        dedupe_key,
    })
}

/// The text of each direct child of the root `<xml>` element. Nested elements (some
/// events carry them) are skipped; a document type declaration is refused outright, so no
/// entity definitions are ever read.
fn elements(xml: &str) -> Result<HashMap<String, String>, FieldError> {
    use quick_xml::events::Event;
    let bad = |reason: String| FieldError::new("xml", reason);
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = HashMap::new();
    let mut depth = 0usize;
    let mut current: Option<String> = None;
    // Text and entity references of the current element, still escaped; CDATA is not.
    let mut raw = String::new();
    let mut value = String::new();
    let mut saw_root = false;
    let flush = |raw: &mut String, value: &mut String| -> Result<(), FieldError> {
        let text = quick_xml::escape::unescape(raw)
            .map_err(|e| FieldError::new("xml", format!("bad character reference: {e}")))?;
        value.push_str(&text);
        raw.clear();
        Ok(())
    };
    loop {
        let event = reader.read_event().map_err(|e| {
            bad(format!(
                "not well-formed at byte {}: {e}",
                reader.error_position()
            ))
        })?;
        match event {
            Event::Start(e) => {
                depth += 1;
                let name = e.local_name().as_ref().to_string();
                match depth {
                    1 if name == "xml" && !saw_root => saw_root = true,
                    1 => return Err(bad("the root element must be <xml>".into())),
                    2 => {
                        current = Some(name);
                        raw.clear();
                        value.clear();
                    }
                    _ => current = None,
                }
            }
            Event::Empty(e) if depth == 1 => {
                out.insert(e.local_name().as_ref().to_string(), String::new());
            }
            Event::End(_) => {
                if depth == 2
                    && let Some(name) = current.take()
                {
                    flush(&mut raw, &mut value)?;
                    let limit = if name == "Content" {
                        MAX_CONTENT * 4
                    } else {
                        MAX_VALUE
                    };
                    if value.len() > limit {
                        return Err(FieldError::new(leak_name(&name), "longer than the limit"));
                    }
                    out.insert(name, std::mem::take(&mut value));
                    if out.len() > MAX_ELEMENTS {
                        return Err(bad(format!("more than {MAX_ELEMENTS} elements")));
                    }
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) if depth == 2 && current.is_some() => raw.push_str(&t.into_inner()),
            Event::GeneralRef(r) if depth == 2 && current.is_some() => {
                raw.push('&');
                raw.push_str(&r.into_inner());
                raw.push(';');
            }
            Event::CData(c) if depth == 2 && current.is_some() => {
                flush(&mut raw, &mut value)?;
                value.push_str(&c.into_inner());
            }
            Event::DocType(_) => return Err(bad("a DOCTYPE is not accepted".into())),
            Event::Eof if depth > 0 => return Err(bad("an element is not closed".into())),
            Event::Eof => break,
            _ => {}
        }
        if raw.len() + value.len() > MAX_CONTENT * 4 {
            return Err(bad("an element is too long".into()));
        }
    }
    if !saw_root {
        return Err(bad("no <xml> element".into()));
    }
    Ok(out)
}

/// The field name of an error must be `'static`; the known names are, others are "xml".
fn leak_name(name: &str) -> &'static str {
    const KNOWN: [&str; 6] = [
        "ToUserName",
        "FromUserName",
        "CreateTime",
        "MsgType",
        "Content",
        "MsgId",
    ];
    KNOWN.iter().find(|k| **k == name).copied().unwrap_or("xml")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "<xml>\n  <ToUserName><![CDATA[gh_bank]]></ToUserName>\n  <FromUserName><![CDATA[oWx_customer_1]]></FromUserName>\n  <CreateTime>1763770000</CreateTime>\n  <MsgType><![CDATA[text]]></MsgType>\n  <Content><![CDATA[我的信用卡丢了 <急>]]></Content>\n  <MsgId>24681357924680</MsgId>\n</xml>";

    #[test]
    fn signature_matches_wechat_rule() {
        // sha1("1409659813" + "1409659589" + "token"), the three sorted as strings.
        let mut h = Sha1::new();
        h.update(b"14096595891409659813token");
        let sig = hex::encode(h.finalize());
        assert!(signature_ok("token", "1409659589", "1409659813", &sig));
        assert!(signature_ok(
            "token",
            "1409659589",
            "1409659813",
            &sig.to_uppercase()
        ));
        assert!(!signature_ok("token", "1409659589", "1409659814", &sig));
        assert!(!signature_ok("other", "1409659589", "1409659813", &sig));
        assert!(!signature_ok("token", "1409659589", "1409659813", ""));
    }

    #[test]
    fn parses_a_text_message() {
        let m = parse_message(TEXT).unwrap();
        assert_eq!(m.to, "gh_bank");
        assert_eq!(m.openid, "oWx_customer_1");
        assert_eq!(m.create_time, 1_763_770_000);
        assert_eq!(m.msg_type, "text");
        assert_eq!(m.content, "我的信用卡丢了 <急>");
        assert_eq!(m.dedupe_key, "24681357924680");
    }

    #[test]
    fn escaped_text_is_unescaped() {
        let xml = TEXT.replace(
            "<![CDATA[我的信用卡丢了 <急>]]>",
            "A &amp; B &lt;3 &#20320;",
        );
        assert_eq!(parse_message(&xml).unwrap().content, "A & B <3 你");
    }

    #[test]
    fn other_types_are_kept_and_events_have_a_key() {
        let img = "<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>5</CreateTime><MsgType>image</MsgType><PicUrl>http://x/p.jpg</PicUrl><MediaId>m1</MediaId><MsgId>7</MsgId></xml>";
        let m = parse_message(img).unwrap();
        assert_eq!(m.content, "[image] PicUrl=http://x/p.jpg MediaId=m1");
        let ev = "<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>5</CreateTime><MsgType>event</MsgType><Event>subscribe</Event><ScanCodeInfo><ScanType>qr</ScanType></ScanCodeInfo></xml>";
        let m = parse_message(ev).unwrap();
        assert_eq!(m.dedupe_key, "event:o1:5:subscribe");
        assert_eq!(m.content, "[event] Event=subscribe");
    }

    proptest::proptest! {
        /// Whatever arrives, the parser answers; a message it accepts has its fields.
        #[test]
        fn never_panics(body in ".{0,400}", cut in 0usize..400) {
            let _ = parse_message(&body);
            let prefix: String = TEXT.chars().take(cut).collect();
            if let Ok(m) = parse_message(&prefix) {
                proptest::prop_assert!(!m.openid.is_empty() && !m.dedupe_key.is_empty());
            }
        }
    }

    #[test]
    fn mistakes_name_the_field() {
        let field = |xml: &str| parse_message(xml).unwrap_err().field;
        assert_eq!(
            field(&TEXT.replace("<MsgId>24681357924680</MsgId>", "")),
            "MsgId"
        );
        assert_eq!(
            field(&TEXT.replace(
                "<CreateTime>1763770000</CreateTime>",
                "<CreateTime>soon</CreateTime>"
            )),
            "CreateTime"
        );
        assert_eq!(
            field(&TEXT.replace(
                "<FromUserName><![CDATA[oWx_customer_1]]></FromUserName>",
                ""
            )),
            "FromUserName"
        );
        assert_eq!(field(&TEXT.replace("</xml>", "")), "xml");
        assert_eq!(field("<root><a>1</a></root>"), "xml");
        assert_eq!(field("not xml at all"), "xml");
        assert_eq!(
            field("<!DOCTYPE xml [<!ENTITY x \"y\">]><xml><Content>&x;</Content></xml>"),
            "xml"
        );
        let long = TEXT.replace("我的信用卡丢了 <急>", &"长".repeat(MAX_CONTENT + 1));
        assert_eq!(field(&long), "Content");
    }
}
