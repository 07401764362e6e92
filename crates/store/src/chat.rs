//! Web chat: chat sessions and their transcripts. A chat is a contact on the chat channel;
//! every message is committed, with its number, before either side hears of it.

use crate::audit::AuditRecord;
use crate::{Store, StoreError, Tx, args, new_id, now_ms};
use bankdesk_domain::ErrorCode;
use bankdesk_domain::chat::{
    CODE_TTL_MS, ChatMessage, ChatState, ClientId, CodeCheck, CodeRefused, Csat, MAX_RESEND,
    MessageText, PendingCode, Sender, advance_mark, check_code, may_send_code,
};
use bankdesk_domain::contact::{ContactChannel, Direction, VerificationMethod, VerificationResult};
use bankdesk_domain::error::FieldError;

/// The account named as verifier of identity checks the customer passes in the chat
/// (created by migration 0006; it cannot log in).
pub const CHAT_VERIFIER: &str = "u_chat_verifier";

/// Who the audit log names for what the customer does in the chat.
const CUSTOMER_ACTOR: &str = "chat-customer";

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct ChatSessionRow {
    pub contact_id: String,
    pub customer_id: Option<String>,
    pub handler_id: Option<String>,
    pub state: String,
    pub head_seq: i64,
    pub customer_read_seq: i64,
    pub agent_read_seq: i64,
    pub csat: Option<i64>,
    pub started_at_ms: i64,
    pub closed_at_ms: Option<i64>,
}

impl ChatSessionRow {
    pub fn state(&self) -> Result<ChatState, StoreError> {
        ChatState::parse(&self.state)
            .ok_or_else(|| StoreError::Corrupt(format!("chat state {}", self.state)))
    }

    /// Closed and not yet rated: the customer is still asked.
    pub fn csat_pending(&self) -> bool {
        self.state == ChatState::Closed.as_str() && self.csat.is_none()
    }
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
struct MessageRow {
    contact_id: String,
    seq: i64,
    sender: String,
    author: Option<String>,
    client_id: Option<String>,
    text: String,
    sent_at_ms: i64,
    delivered_at_ms: Option<i64>,
    read_at_ms: Option<i64>,
}

impl MessageRow {
    fn into_message(self) -> Result<ChatMessage, StoreError> {
        Ok(ChatMessage {
            sender: Sender::parse(&self.sender)
                .ok_or_else(|| StoreError::Corrupt(format!("chat sender {}", self.sender)))?,
            contact_id: self.contact_id,
            seq: self.seq,
            author: self.author,
            text: self.text,
            sent_at_ms: self.sent_at_ms,
            client_id: self.client_id,
            delivered: self.delivered_at_ms.is_some(),
            read: self.read_at_ms.is_some(),
        })
    }
}

const SESSION_SELECT: &str = "SELECT s.contact_id, c.customer_id, c.handler_id, s.state, s.head_seq, \
     s.customer_read_seq, s.agent_read_seq, s.csat, s.started_at_ms, s.closed_at_ms \
     FROM chat_sessions s JOIN contacts c ON c.id = s.contact_id";

const MESSAGE_SELECT: &str = "SELECT m.contact_id, m.seq, m.sender, u.display_name AS author, m.client_id, \
     m.text, m.sent_at_ms, m.delivered_at_ms, m.read_at_ms \
     FROM chat_messages m LEFT JOIN users u ON u.id = m.author_id";

/// Who writes a message.
#[derive(Clone, Copy, Debug)]
pub enum Author<'a> {
    Customer,
    /// The agent's user id; only the chat's handler may write.
    Agent(&'a str),
    System,
}

impl Author<'_> {
    fn sender(&self) -> Sender {
        match self {
            Author::Customer => Sender::Customer,
            Author::Agent(_) => Sender::Agent,
            Author::System => Sender::System,
        }
    }
}

/// A message as stored, and whether it was stored before (a resend of the same client id).
#[derive(Clone, Debug, PartialEq)]
pub struct Appended {
    pub message: ChatMessage,
    pub duplicate: bool,
}

/// The outcome of a typed one-time code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeOutcome {
    /// The chat's contact is now the customer's, with a passed verification on it.
    Verified {
        customer_id: String,
    },
    Wrong,
    /// No code is pending, it expired or was tried too often: ask for a new one.
    Void,
}

impl Store {
    /// Opens a chat: a waiting chat contact with no customer and no handler yet. The
    /// caller keeps the token; only its hash is stored.
    pub async fn start_chat(&self, token_hash: &str) -> Result<ChatSessionRow, StoreError> {
        let id = new_id("ct");
        let now = now_ms();
        let mut tx = self.db.audited().await?;
        tx.execute(
            "INSERT INTO contacts (id, customer_id, channel, direction, status, handler_id, opened_at_ms) \
             VALUES ($1, NULL, $2, $3, 'open', NULL, $4)",
            &args![id.as_str(), ContactChannel::Chat.as_str(), Direction::Inbound.as_str(), now],
        )
        .await?;
        tx.execute(
            "INSERT INTO chat_sessions (contact_id, token_hash, state, head_seq, customer_read_seq, agent_read_seq, \
             code_attempts, started_at_ms) VALUES ($1, $2, $3, 0, 0, 0, 0, $4)",
            &args![id.as_str(), token_hash, ChatState::Waiting.as_str(), now],
        )
        .await?;
        tx.audit(
            AuditRecord::by(CUSTOMER_ACTOR, "chat.start")
                .detail(serde_json::json!({"contact_id": id})),
        )
        .await?;
        let row = tx.chat_session(&id).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn chat_session(&self, contact_id: &str) -> Result<ChatSessionRow, StoreError> {
        self.db
            .fetch_optional(
                &format!("{SESSION_SELECT} WHERE s.contact_id = $1"),
                &args![contact_id],
            )
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The chat a resume token belongs to.
    pub async fn chat_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<ChatSessionRow>, StoreError> {
        self.db
            .fetch_optional(
                &format!("{SESSION_SELECT} WHERE s.token_hash = $1"),
                &args![token_hash],
            )
            .await
    }

    /// The agent's chats that are not closed, oldest first (the workspace's list).
    pub async fn open_chats_of(&self, user_id: &str) -> Result<Vec<ChatSessionRow>, StoreError> {
        self.db
            .fetch_all(
                &format!(
                    "{SESSION_SELECT} WHERE c.handler_id = $1 AND s.state <> $2 ORDER BY s.started_at_ms, s.contact_id LIMIT 50"
                ),
                &args![user_id, ChatState::Closed.as_str()],
            )
            .await
    }

    /// The chat has an agent: waiting becomes active (a closed chat stays closed).
    pub async fn activate_chat(&self, contact_id: &str) -> Result<ChatSessionRow, StoreError> {
        self.db
            .execute(
                "UPDATE chat_sessions SET state = $1 WHERE contact_id = $2 AND state = $3",
                &args![
                    ChatState::Active.as_str(),
                    contact_id,
                    ChatState::Waiting.as_str()
                ],
            )
            .await?;
        self.chat_session(contact_id).await
    }

    /// Stores one message with the chat's next number. A message whose client id was
    /// stored before is not stored again; the stored one is returned.
    pub async fn append_chat_message(
        &self,
        contact_id: &str,
        author: Author<'_>,
        client_id: Option<&ClientId>,
        text: &MessageText,
    ) -> Result<Appended, StoreError> {
        let sender = author.sender();
        let client_id = client_id.map(ClientId::as_str);
        if client_id.is_some()
            && let Some(message) = self
                .message_by_client_id(contact_id, sender, client_id)
                .await?
        {
            return Ok(Appended {
                message,
                duplicate: true,
            });
        }
        match self
            .insert_message(contact_id, author, client_id, text)
            .await
        {
            // Two sockets of one sender raced with the same client id: the other won.
            Err(StoreError::Conflict(_)) if client_id.is_some() => self
                .message_by_client_id(contact_id, sender, client_id)
                .await?
                .map(|message| Appended {
                    message,
                    duplicate: true,
                })
                .ok_or_else(|| StoreError::Conflict("the chat is closed".into())),
            other => other,
        }
    }

    async fn insert_message(
        &self,
        contact_id: &str,
        author: Author<'_>,
        client_id: Option<&str>,
        text: &MessageText,
    ) -> Result<Appended, StoreError> {
        // Writing first: a SQLite transaction that reads before it writes cannot wait for
        // the write lock and fails as busy. The row lock on the session numbers concurrent
        // messages one after the other.
        let mut tx = self.db.begin().await?;
        let seq: Option<(i64,)> = tx
            .fetch_optional(
                "UPDATE chat_sessions SET head_seq = head_seq + 1 WHERE contact_id = $1 AND state <> $2 RETURNING head_seq",
                &args![contact_id, ChatState::Closed.as_str()],
            )
            .await?;
        let Some((seq,)) = seq else {
            // Unknown, or closed: say which.
            let exists: Option<(String,)> = tx
                .fetch_optional(
                    "SELECT state FROM chat_sessions WHERE contact_id = $1",
                    &args![contact_id],
                )
                .await?;
            return Err(match exists {
                None => StoreError::NotFound,
                Some(_) => StoreError::Conflict("the chat is closed".into()),
            });
        };
        let author_id = match author {
            Author::Agent(user_id) => {
                let handler: Option<(Option<String>,)> = tx
                    .fetch_optional(
                        "SELECT handler_id FROM contacts WHERE id = $1",
                        &args![contact_id],
                    )
                    .await?;
                if handler.and_then(|h| h.0).as_deref() != Some(user_id) {
                    return Err(StoreError::Denied(
                        bankdesk_domain::access::AccessDenied::NotHandler,
                    ));
                }
                Some(user_id)
            }
            Author::Customer | Author::System => None,
        };
        tx.execute(
            "INSERT INTO chat_messages (contact_id, seq, sender, author_id, client_id, text, sent_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &args![contact_id, seq, author.sender().as_str(), author_id, client_id, text.as_str(), now_ms()],
        )
        .await?;
        let message = tx
            .fetch_one::<MessageRow>(
                &format!("{MESSAGE_SELECT} WHERE m.contact_id = $1 AND m.seq = $2"),
                &args![contact_id, seq],
            )
            .await?
            .into_message()?;
        tx.commit().await?;
        Ok(Appended {
            message,
            duplicate: false,
        })
    }

    /// Messages numbered after `after_seq`, in order, at most [`MAX_RESEND`].
    pub async fn chat_messages_after(
        &self,
        contact_id: &str,
        after_seq: i64,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        let rows: Vec<MessageRow> = self
            .db
            .fetch_all(
                &format!("{MESSAGE_SELECT} WHERE m.contact_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3"),
                &args![contact_id, after_seq, MAX_RESEND],
            )
            .await?;
        rows.into_iter().map(MessageRow::into_message).collect()
    }

    /// Marks the messages of `from`'s side up to `up_to_seq` as delivered to the other
    /// side; true when a message was newly marked.
    pub async fn mark_chat_delivered(
        &self,
        contact_id: &str,
        from: Sender,
        up_to_seq: i64,
    ) -> Result<bool, StoreError> {
        let n = self
            .db
            .execute(
                "UPDATE chat_messages SET delivered_at_ms = $1 WHERE contact_id = $2 AND sender = $3 \
                 AND seq <= $4 AND delivered_at_ms IS NULL",
                &args![now_ms(), contact_id, from.as_str(), up_to_seq],
            )
            .await?;
        Ok(n > 0)
    }

    /// `reader` has read up to `up_to_seq`: moves their mark forward and marks the other
    /// side's messages read. Returns the new mark, or `None` when it did not move.
    pub async fn mark_chat_read(
        &self,
        contact_id: &str,
        reader: Sender,
        up_to_seq: i64,
    ) -> Result<Option<i64>, StoreError> {
        let column = match reader {
            Sender::Customer => "customer_read_seq",
            Sender::Agent => "agent_read_seq",
            Sender::System => return Ok(None),
        };
        let s = self.chat_session(contact_id).await?;
        let current = match reader {
            Sender::Customer => s.customer_read_seq,
            _ => s.agent_read_seq,
        };
        let Some(mark) = advance_mark(current, up_to_seq, s.head_seq) else {
            return Ok(None);
        };
        let now = now_ms();
        // Guarded on the mark, so a concurrent reader cannot move it back.
        let mut tx = self.db.begin().await?;
        let moved = tx
            .execute(
                &format!(
                    "UPDATE chat_sessions SET {column} = $1 WHERE contact_id = $2 AND {column} < $1"
                ),
                &args![mark, contact_id],
            )
            .await?;
        if moved == 0 {
            return Ok(None);
        }
        tx.execute(
            "UPDATE chat_messages SET read_at_ms = $1, delivered_at_ms = COALESCE(delivered_at_ms, $1) \
             WHERE contact_id = $2 AND sender <> $3 AND sender <> $4 AND seq <= $5 AND read_at_ms IS NULL",
            &args![now, contact_id, reader.as_str(), Sender::System.as_str(), mark],
        )
        .await?;
        tx.commit().await?;
        Ok(Some(mark))
    }

    /// Stores a new one-time code for the chat (replacing any earlier one). `customer_id`
    /// is the customer whose registered phone was given, if any: a code for a number the
    /// bank does not know is stored all the same, so the answer does not reveal which
    /// numbers are customers', and can never pass. A chat gets only a few codes, a minute
    /// apart ([`may_send_code`]): each one is a text message to someone's phone.
    pub async fn set_chat_code(
        &self,
        contact_id: &str,
        customer_id: Option<&str>,
        code_hash: &str,
        salt: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let row: Option<(String, i64, Option<i64>)> = tx
            .fetch_optional(
                "SELECT state, codes_sent, code_sent_at_ms FROM chat_sessions WHERE contact_id = $1",
                &args![contact_id],
            )
            .await?;
        let Some((_, sent, last)) = row.filter(|r| r.0 != ChatState::Closed.as_str()) else {
            return Err(StoreError::Conflict("the chat is closed or unknown".into()));
        };
        let rationed = |e: CodeRefused| StoreError::Refused {
            code: ErrorCode::RateLimited,
            message: e.to_string(),
        };
        may_send_code(sent, last, now_ms).map_err(rationed)?;
        // Conditional on the count read, so two requests at once cannot both pass.
        let n = tx
            .execute(
                "UPDATE chat_sessions SET code_customer_id = $1, code_hash = $2, code_salt = $3, \
                 code_expires_at_ms = $4, code_attempts = 0, codes_sent = codes_sent + 1, code_sent_at_ms = $5 \
                 WHERE contact_id = $6 AND codes_sent = $7",
                &args![
                    customer_id,
                    code_hash,
                    salt,
                    now_ms + CODE_TTL_MS,
                    now_ms,
                    contact_id,
                    sent
                ],
            )
            .await?;
        if n == 0 {
            return Err(rationed(CodeRefused::TooSoon));
        }
        tx.commit().await
    }

    /// Checks a typed code. Passing links the chat's contact to the customer and records
    /// a passed one-time-code verification on it, with its audit record; a wrong code
    /// counts against the attempts.
    pub async fn check_chat_code(
        &self,
        contact_id: &str,
        typed: &str,
    ) -> Result<CodeOutcome, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Pending {
            code_customer_id: Option<String>,
            code_hash: Option<String>,
            code_salt: Option<String>,
            code_expires_at_ms: Option<i64>,
            code_attempts: i64,
        }
        let now = now_ms();
        let mut tx = self.db.audited().await?;
        let p: Pending = tx
            .fetch_one(
                "SELECT code_customer_id, code_hash, code_salt, code_expires_at_ms, code_attempts \
                 FROM chat_sessions WHERE contact_id = $1",
                &args![contact_id],
            )
            .await?;
        let pending = match (&p.code_hash, &p.code_salt, p.code_expires_at_ms) {
            (Some(hash), Some(salt), Some(expires_at_ms)) => Some(PendingCode {
                hash,
                salt,
                expires_at_ms,
                attempts: p.code_attempts,
            }),
            _ => None,
        };
        let check = check_code(contact_id, pending.as_ref(), typed, now);
        let outcome = match (check, p.code_customer_id) {
            (CodeCheck::Passed, Some(customer_id)) => {
                tx.execute(
                    "UPDATE chat_sessions SET code_customer_id = NULL, code_hash = NULL, code_salt = NULL, \
                     code_expires_at_ms = NULL, code_attempts = 0 WHERE contact_id = $1",
                    &args![contact_id],
                )
                .await?;
                tx.execute(
                    "UPDATE contacts SET customer_id = $1 WHERE id = $2",
                    &args![customer_id.as_str(), contact_id],
                )
                .await?;
                tx.execute(
                    "INSERT INTO identity_verifications (id, contact_id, method, result, verified_by, at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    &args![new_id("iv"), contact_id, VerificationMethod::OneTimeCode.as_str(),
                        VerificationResult::Passed.as_str(), CHAT_VERIFIER, now],
                )
                .await?;
                tx.audit(
                    AuditRecord::by(CUSTOMER_ACTOR, "chat.identity_verification")
                        .customer(customer_id.as_str())
                        .detail(serde_json::json!({"contact_id": contact_id, "method": VerificationMethod::OneTimeCode.as_str(), "result": "passed"})),
                )
                .await?;
                CodeOutcome::Verified { customer_id }
            }
            (CodeCheck::Void, _) => CodeOutcome::Void,
            // A right code for a number the bank does not know counts as wrong.
            (CodeCheck::Passed | CodeCheck::Wrong, _) => {
                tx.execute(
                    "UPDATE chat_sessions SET code_attempts = code_attempts + 1 WHERE contact_id = $1",
                    &args![contact_id],
                )
                .await?;
                CodeOutcome::Wrong
            }
        };
        // Only a pass is audited; a wrong or void code changes no customer's data.
        tx.commit_allow_unaudited().await?;
        Ok(outcome)
    }

    /// Closes the chat; `None` when it was closed already (closing twice is harmless).
    pub async fn close_chat(
        &self,
        contact_id: &str,
        by: Sender,
    ) -> Result<Option<ChatSessionRow>, StoreError> {
        let mut tx = self.db.audited().await?;
        let n = tx
            .execute(
                "UPDATE chat_sessions SET state = $1, closed_at_ms = $2, closed_by = $3 WHERE contact_id = $4 AND state <> $1",
                &args![ChatState::Closed.as_str(), now_ms(), by.as_str(), contact_id],
            )
            .await?;
        if n == 0 {
            // Unknown is an error; already closed is not.
            tx.chat_session(contact_id).await?;
            return Ok(None);
        }
        let s = tx.chat_session(contact_id).await?;
        tx.audit(
            AuditRecord::by(CUSTOMER_ACTOR, "chat.close")
                .customer(s.customer_id.as_deref())
                .detail(serde_json::json!({"contact_id": contact_id, "by": by.as_str(), "messages": s.head_seq})),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(s))
    }

    /// Stores the customer's satisfaction score: once, after the chat closed.
    pub async fn rate_chat(&self, contact_id: &str, score: Csat) -> Result<(), StoreError> {
        let mut tx = self.db.audited().await?;
        let n = tx
            .execute(
                "UPDATE chat_sessions SET csat = $1 WHERE contact_id = $2 AND state = $3 AND csat IS NULL",
                &args![i64::from(score.get()), contact_id, ChatState::Closed.as_str()],
            )
            .await?;
        let s = tx.chat_session(contact_id).await?;
        if n == 0 {
            return Err(StoreError::Invalid(FieldError::new(
                "score",
                "a chat is rated once, after it closed",
            )));
        }
        tx.audit(
            AuditRecord::by(CUSTOMER_ACTOR, "chat.csat")
                .customer(s.customer_id.as_deref())
                .detail(serde_json::json!({"contact_id": contact_id, "score": score.get()})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Messages customers sent over all chats, for the chat benchmark's check that every
    /// sent message was stored.
    pub async fn chat_messages_from_customers(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = self
            .db
            .fetch_one_row("SELECT COUNT(*) FROM chat_messages WHERE sender = 'customer'")
            .await?;
        Ok(n)
    }
}

impl Store {
    async fn message_by_client_id(
        &self,
        contact_id: &str,
        sender: Sender,
        client_id: Option<&str>,
    ) -> Result<Option<ChatMessage>, StoreError> {
        let row: Option<MessageRow> = self
            .db
            .fetch_optional(
                &format!("{MESSAGE_SELECT} WHERE m.contact_id = $1 AND m.sender = $2 AND m.client_id = $3"),
                &args![contact_id, sender.as_str(), client_id],
            )
            .await?;
        row.map(MessageRow::into_message).transpose()
    }
}

impl Tx {
    async fn chat_session(&mut self, contact_id: &str) -> Result<ChatSessionRow, StoreError> {
        self.fetch_optional(
            &format!("{SESSION_SELECT} WHERE s.contact_id = $1"),
            &args![contact_id],
        )
        .await?
        .ok_or(StoreError::NotFound)
    }
}
