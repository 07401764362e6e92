//! Web chat: the frames a customer's widget and an agent's desktop exchange with the
//! server over their sockets, and the rules that keep a conversation whole.
//!
//! Every message of a conversation has a sequence number (1, 2, 3, ... shared by both
//! sides), assigned when it is committed. A client remembers the highest number it has
//! seen and sends it when it (re)connects; the server resends everything after it, so a
//! dropped socket loses nothing and a client that shows messages by number shows none
//! twice. A client names each message it sends (`client_id`), so a message resent after
//! a reconnect is stored once.

use crate::error::FieldError;
use crate::wire::wire_enum;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The longest message, in characters (a chat line, not a letter).
pub const MAX_MESSAGE_CHARS: usize = 2_000;
/// The largest frame a client may send; anything larger is refused unread.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;
/// A client's name for a message it sent: short and plain.
pub const MAX_CLIENT_ID: usize = 64;
/// Digits of the one-time code sent to the customer's phone.
pub const CODE_DIGITS: usize = 6;
/// How long a one-time code stays good.
pub const CODE_TTL_MS: i64 = 5 * 60_000;
/// Wrong codes allowed before the code is void and a new one must be asked for.
pub const MAX_CODE_ATTEMPTS: i64 = 5;
/// One-time codes one chat may ask for: each is a text message to a customer's phone, so a
/// chat must not be able to flood one.
pub const MAX_CODES_PER_CHAT: i64 = 3;
/// The least time between two codes of one chat.
pub const CODE_RESEND_MS: i64 = 60_000;
/// The most messages a resend or a transcript carries at once.
pub const MAX_RESEND: i64 = 1_000;

wire_enum!(
    /// `waiting` for an agent, `active` with one, `closed` by either side.
    ChatState { Waiting = "waiting", Active = "active", Closed = "closed" }
);
wire_enum!(
    /// Who wrote a message: the customer, the agent, or bankdesk itself (notices).
    Sender { Customer = "customer", Agent = "agent", System = "system" }
);

impl ChatState {
    /// Messages are taken until the chat is closed, also while it waits for an agent.
    pub fn accepts_messages(self) -> bool {
        self != ChatState::Closed
    }
}

impl Sender {
    /// The side that reads what this side writes (system notices go to both).
    pub fn other(self) -> Sender {
        match self {
            Sender::Customer => Sender::Agent,
            Sender::Agent | Sender::System => Sender::Customer,
        }
    }
}

/// A message's text: trimmed, not empty, at most [`MAX_MESSAGE_CHARS`] characters, and no
/// control characters other than line breaks and tabs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageText(String);

impl MessageText {
    pub fn parse(s: &str) -> Result<MessageText, FieldError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(FieldError::new("text", "must not be empty"));
        }
        if t.chars().count() > MAX_MESSAGE_CHARS {
            return Err(FieldError::new(
                "text",
                format!("longer than {MAX_MESSAGE_CHARS} characters"),
            ));
        }
        if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err(FieldError::new("text", "contains control characters"));
        }
        Ok(MessageText(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A client's name for one message: 1 to [`MAX_CLIENT_ID`] letters, digits, `-` or `_`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientId(String);

impl ClientId {
    pub fn parse(s: &str) -> Result<ClientId, FieldError> {
        if s.is_empty()
            || s.len() > MAX_CLIENT_ID
            || !s
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(FieldError::new(
                "client_id",
                format!("1 to {MAX_CLIENT_ID} letters, digits, - or _"),
            ));
        }
        Ok(ClientId(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A satisfaction score, 1 (very unhappy) to 5 (very happy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Csat(u8);

impl Csat {
    pub fn new(score: i64) -> Result<Csat, FieldError> {
        u8::try_from(score)
            .ok()
            .filter(|s| (1..=5).contains(s))
            .map(Csat)
            .ok_or_else(|| FieldError::new("score", "must be 1 to 5"))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// A one-time code as typed: exactly [`CODE_DIGITS`] ASCII digits.
pub fn parse_code(s: &str) -> Result<&str, FieldError> {
    let s = s.trim();
    if s.len() == CODE_DIGITS && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s)
    } else {
        Err(FieldError::new(
            "code",
            format!("must be {CODE_DIGITS} digits"),
        ))
    }
}

/// The stored form of a one-time code: bound to its conversation and salted, so the
/// same code on another chat (or a copy of the table) proves nothing.
pub fn code_hash(contact_id: &str, salt: &str, code: &str) -> String {
    let mut h = Sha256::new();
    for part in [contact_id, salt, code] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    hex::encode(h.finalize())
}

/// What a stored code allows when a customer types `code` at `now_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeCheck {
    Passed,
    Wrong,
    /// Expired, used up by wrong tries, or never asked for: ask for a new code.
    Void,
}

/// Why a chat may not have another one-time code now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodeRefused {
    #[error("this chat has asked for {MAX_CODES_PER_CHAT} codes; the agent can verify you instead")]
    TooMany,
    #[error("a code was sent less than a minute ago; wait for it, or ask again in a minute")]
    TooSoon,
}

/// Whether a chat that has had `sent` codes, the last at `last_at_ms`, may have another.
pub fn may_send_code(sent: i64, last_at_ms: Option<i64>, now_ms: i64) -> Result<(), CodeRefused> {
    if sent >= MAX_CODES_PER_CHAT {
        return Err(CodeRefused::TooMany);
    }
    if last_at_ms.is_some_and(|at| now_ms < at.saturating_add(CODE_RESEND_MS)) {
        return Err(CodeRefused::TooSoon);
    }
    Ok(())
}

/// A pending one-time code as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingCode<'a> {
    pub hash: &'a str,
    pub salt: &'a str,
    pub expires_at_ms: i64,
    pub attempts: i64,
}

/// Checks a typed code against the pending one; pure so the rules are tested directly.
pub fn check_code(
    contact_id: &str,
    pending: Option<&PendingCode<'_>>,
    typed: &str,
    now_ms: i64,
) -> CodeCheck {
    let Some(p) = pending else {
        return CodeCheck::Void;
    };
    if now_ms > p.expires_at_ms || p.attempts >= MAX_CODE_ATTEMPTS {
        return CodeCheck::Void;
    }
    let typed = code_hash(contact_id, p.salt, typed);
    // Equal-time comparison: a timing difference would leak the hash byte by byte.
    let same = typed.len() == p.hash.len()
        && typed
            .bytes()
            .zip(p.hash.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        CodeCheck::Passed
    } else {
        CodeCheck::Wrong
    }
}

/// Where a resend starts: the client's last seen number must be 0 (nothing seen) up to
/// the conversation's head; anything else is a client bug or a forged frame.
pub fn resume_after(last_seq: i64, head: i64) -> Result<i64, FieldError> {
    if last_seq < 0 {
        return Err(FieldError::new("last_seq", "must not be negative"));
    }
    if last_seq > head {
        return Err(FieldError::new(
            "last_seq",
            format!("is past the last message ({head})"),
        ));
    }
    Ok(last_seq)
}

/// The new read mark after a reader says it has read up to `up_to`: marks only move
/// forward, and never past the last message. `None` when nothing changes.
pub fn advance_mark(current: i64, up_to: i64, head: i64) -> Option<i64> {
    let next = up_to.min(head);
    (next > current).then_some(next)
}

/// What the customer's widget sends over `/chat/ws`. The first frame is `start` or
/// `resume`; the rest need one of them first.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum CustomerCommand {
    /// Opens a new chat; the answer carries the token that resumes it.
    Start,
    /// Continues the chat of `token`, resending every message after `last_seq`.
    Resume {
        token: String,
        last_seq: i64,
    },
    Message {
        client_id: String,
        text: String,
    },
    Typing,
    Read {
        up_to_seq: i64,
    },
    /// Asks for a one-time code to the phone number registered with the bank.
    VerifyPhone {
        phone: String,
    },
    VerifyCode {
        code: String,
    },
    Close,
    Csat {
        score: i64,
    },
}

/// What the agent's desktop sends over `/api/v1/agent/ws`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AgentCommand {
    Message {
        contact_id: String,
        client_id: String,
        text: String,
    },
    Typing {
        contact_id: String,
    },
    Read {
        contact_id: String,
        up_to_seq: i64,
    },
    Close {
        contact_id: String,
    },
    /// The agent's availability (`available`, `busy`, `after_call_work`, `break`, `offline`).
    SetState {
        state: String,
    },
}

/// Reads one frame, refusing oversized ones before parsing.
pub fn parse_frame<T: for<'de> Deserialize<'de>>(frame: &str) -> Result<T, FieldError> {
    if frame.len() > MAX_FRAME_BYTES {
        return Err(FieldError::new(
            "frame",
            format!("larger than {MAX_FRAME_BYTES} bytes"),
        ));
    }
    serde_json::from_str(frame).map_err(|e| FieldError::new("frame", e.to_string()))
}

/// One stored message as both sides see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub contact_id: String,
    pub seq: i64,
    pub sender: Sender,
    /// The agent's display name, for agent messages.
    pub author: Option<String>,
    pub text: String,
    pub sent_at_ms: i64,
    /// The sender's name for the message, so the sender can match its own echo.
    pub client_id: Option<String>,
    pub delivered: bool,
    pub read: bool,
}

/// A knowledge point suggested for the customer's last message (agent assist).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub id: String,
    pub title: String,
    /// Safe HTML: escaped text with matches in `<mark>`.
    pub snippet: String,
    /// What the agent may say (话术), inserted into the reply on request.
    pub script: Option<String>,
}

/// What the server sends on either socket; each frame is one JSON object with `type`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerEvent {
    /// The chat is open on this socket; `token` only when it was just started.
    Welcome {
        contact_id: String,
        token: Option<String>,
        state: ChatState,
        /// The last message's number, so the widget knows the resend is complete.
        head: i64,
        csat_pending: bool,
    },
    Message(ChatMessage),
    Typing {
        contact_id: String,
        from: Sender,
    },
    /// The other side's socket received every message of `from`'s side up to this number.
    Delivered {
        contact_id: String,
        up_to_seq: i64,
    },
    /// `by` has read every message up to this number.
    Read {
        contact_id: String,
        by: Sender,
        up_to_seq: i64,
    },
    /// A code was sent; in demo mode (no SMS gateway) the code itself, for the demo page.
    CodeSent {
        contact_id: String,
        demo_code: Option<String>,
    },
    /// The code was right; the agent's side also learns who the customer is.
    Verified {
        contact_id: String,
        customer_id: Option<String>,
    },
    AskCsat {
        contact_id: String,
    },
    CsatThanks {
        contact_id: String,
    },
    Closed {
        contact_id: String,
    },
    /// A refused frame; the socket stays open.
    Error {
        code: String,
        message: String,
    },
    /// Agent side: one of the agent's chats with its whole transcript.
    Attach {
        contact_id: String,
        customer_id: Option<String>,
        state: ChatState,
        messages: Vec<ChatMessage>,
    },
    /// Agent side: a contact routed to this agent; `url` opens the customer's 360 with the
    /// contact as purpose (absent while the customer is not known yet).
    ScreenPop {
        contact_id: String,
        customer_id: Option<String>,
        channel: String,
        url: Option<String>,
    },
    /// Agent side: three knowledge points for the customer's message `seq`.
    Assist {
        contact_id: String,
        seq: i64,
        items: Vec<Suggestion>,
    },
    /// Agent side: the agent's availability as the router now has it.
    AgentState {
        state: String,
    },
}

impl ServerEvent {
    pub fn to_json(&self) -> String {
        // Serializing these plain structs cannot fail: no maps with non-string keys, no
        // custom serializers.
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{\"type\":\"error\"}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_rationed_per_chat() {
        assert_eq!(may_send_code(0, None, 0), Ok(()));
        assert_eq!(
            may_send_code(1, Some(1_000), 1_000 + CODE_RESEND_MS - 1),
            Err(CodeRefused::TooSoon)
        );
        assert_eq!(
            may_send_code(1, Some(1_000), 1_000 + CODE_RESEND_MS),
            Ok(())
        );
        assert_eq!(
            may_send_code(MAX_CODES_PER_CHAT, Some(0), i64::MAX),
            Err(CodeRefused::TooMany)
        );
        assert_eq!(
            may_send_code(1, Some(i64::MAX), 0),
            Err(CodeRefused::TooSoon)
        );
    }
    use proptest::prelude::*;

    #[test]
    fn text_is_trimmed_bounded_and_plain() {
        assert_eq!(MessageText::parse("  你好 \n").unwrap().as_str(), "你好");
        assert!(MessageText::parse("   ").is_err());
        assert!(MessageText::parse(&"字".repeat(MAX_MESSAGE_CHARS)).is_ok());
        assert!(MessageText::parse(&"字".repeat(MAX_MESSAGE_CHARS + 1)).is_err());
        assert!(MessageText::parse("a\u{0}b").is_err());
        assert!(MessageText::parse("第一行\n第二行\t完").is_ok());
    }

    #[test]
    fn client_ids_are_short_and_plain() {
        assert!(ClientId::parse("m-1_a").is_ok());
        assert!(ClientId::parse("").is_err());
        assert!(ClientId::parse("a b").is_err());
        assert!(ClientId::parse(&"x".repeat(MAX_CLIENT_ID + 1)).is_err());
    }

    #[test]
    fn csat_is_one_to_five() {
        assert_eq!(Csat::new(1).unwrap().get(), 1);
        assert_eq!(Csat::new(5).unwrap().get(), 5);
        for bad in [0, 6, -1, 256 + 3] {
            assert!(Csat::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn codes_check_hash_expiry_and_attempts() {
        assert_eq!(parse_code(" 012345 ").unwrap(), "012345");
        assert!(parse_code("12345").is_err() && parse_code("12345a").is_err());
        let hash = code_hash("ct_1", "salt", "123456");
        let p = PendingCode {
            hash: &hash,
            salt: "salt",
            expires_at_ms: 1_000,
            attempts: 0,
        };
        assert_eq!(
            check_code("ct_1", Some(&p), "123456", 999),
            CodeCheck::Passed
        );
        assert_eq!(
            check_code("ct_1", Some(&p), "123457", 999),
            CodeCheck::Wrong
        );
        // The same code on another chat is not the code.
        assert_eq!(
            check_code("ct_2", Some(&p), "123456", 999),
            CodeCheck::Wrong
        );
        assert_eq!(
            check_code("ct_1", Some(&p), "123456", 1_001),
            CodeCheck::Void
        );
        let used = PendingCode {
            attempts: MAX_CODE_ATTEMPTS,
            ..p.clone()
        };
        assert_eq!(
            check_code("ct_1", Some(&used), "123456", 999),
            CodeCheck::Void
        );
        assert_eq!(check_code("ct_1", None, "123456", 0), CodeCheck::Void);
    }

    #[test]
    fn resume_points_lie_between_nothing_and_the_head() {
        assert_eq!(resume_after(0, 0).unwrap(), 0);
        assert_eq!(resume_after(3, 5).unwrap(), 3);
        assert!(resume_after(-1, 5).is_err());
        assert!(resume_after(6, 5).is_err());
    }

    #[test]
    fn frames_parse_by_type_and_refuse_the_rest() {
        let c: CustomerCommand =
            parse_frame(r#"{"type":"message","client_id":"c1","text":"hi"}"#).unwrap();
        assert_eq!(
            c,
            CustomerCommand::Message {
                client_id: "c1".into(),
                text: "hi".into()
            }
        );
        let c: CustomerCommand =
            parse_frame(r#"{"type":"resume","token":"t","last_seq":4}"#).unwrap();
        assert_eq!(
            c,
            CustomerCommand::Resume {
                token: "t".into(),
                last_seq: 4
            }
        );
        assert!(parse_frame::<CustomerCommand>(r#"{"type":"read","up_to_seq":1,"x":1}"#).is_err());
        assert!(parse_frame::<CustomerCommand>(r#"{"type":"shout"}"#).is_err());
        assert!(parse_frame::<CustomerCommand>("not json").is_err());
        let big = format!(
            r#"{{"type":"message","client_id":"c","text":"{}"}}"#,
            "a".repeat(MAX_FRAME_BYTES)
        );
        assert_eq!(
            parse_frame::<CustomerCommand>(&big).unwrap_err().field,
            "frame"
        );
        let a: AgentCommand =
            parse_frame(r#"{"type":"read","contact_id":"ct_1","up_to_seq":2}"#).unwrap();
        assert_eq!(
            a,
            AgentCommand::Read {
                contact_id: "ct_1".into(),
                up_to_seq: 2
            }
        );
    }

    #[test]
    fn events_are_tagged_objects() {
        let e = ServerEvent::Message(ChatMessage {
            contact_id: "ct_1".into(),
            seq: 7,
            sender: Sender::Agent,
            author: Some("客服一号".into()),
            text: "您好".into(),
            sent_at_ms: 5,
            client_id: None,
            delivered: false,
            read: false,
        });
        let v: serde_json::Value = serde_json::from_str(&e.to_json()).unwrap();
        assert_eq!(v["type"], "message");
        assert_eq!(v["seq"], 7);
        assert_eq!(v["sender"], "agent");
        let v: serde_json::Value = serde_json::from_str(
            &ServerEvent::AskCsat {
                contact_id: "ct_1".into(),
            }
            .to_json(),
        )
        .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"type": "ask_csat", "contact_id": "ct_1"})
        );
    }

    #[test]
    fn states_and_senders() {
        assert!(ChatState::Waiting.accepts_messages());
        assert!(ChatState::Active.accepts_messages());
        assert!(!ChatState::Closed.accepts_messages());
        assert_eq!(Sender::Customer.other(), Sender::Agent);
        assert_eq!(Sender::Agent.other(), Sender::Customer);
    }

    proptest! {
        /// Read marks never move back and never pass the last message.
        #[test]
        fn marks_only_move_forward(current in 0i64..1000, up_to in -10i64..2000, head in 0i64..1000) {
            let current = current.min(head);
            match advance_mark(current, up_to, head) {
                Some(next) => prop_assert!(next > current && next <= head && next <= up_to),
                None => prop_assert!(up_to.min(head) <= current),
            }
        }

        /// Whatever a client sends, parsing answers without panicking.
        #[test]
        fn any_frame_parses_or_is_refused(s in ".{0,200}") {
            let _ = parse_frame::<CustomerCommand>(&s);
            let _ = parse_frame::<AgentCommand>(&s);
        }
    }
}
