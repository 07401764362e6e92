//! Email and WeChat: inbound messages become contacts (each message once), senders are
//! bound to customers, and replies wait in the outbox until a worker has sent them.

use crate::audit::{AuditRecord, AuditedTx};
use crate::contacts::{CONTACT_SELECT, ContactChannel, ContactRow, NoteRow};
use crate::db::{json_list, json_text_list};
use crate::{Store, StoreError, Tx, args, new_id, now_ms};
use bankdesk_domain::Actor;
use bankdesk_domain::ErrorCode;
use bankdesk_domain::access::AccessDenied;
use bankdesk_domain::error::FieldError;
use bankdesk_domain::outbox::{AfterFailure, OutboxStatus, RetryPolicy};
use bankdesk_domain::routing::EntryStatus;
use std::collections::HashMap;

/// Longest reply an agent may send in one message.
pub const MAX_REPLY: usize = 4_000;

/// A message as received, already parsed and checked by the domain.
#[derive(Clone, Debug)]
pub struct NewInbound<'a> {
    pub channel: ContactChannel,
    /// The message's own id: Message-ID, MsgId.
    pub external_id: &'a str,
    /// The email address or the WeChat openid.
    pub sender: &'a str,
    pub recipient: &'a str,
    pub msg_type: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub sent_at_ms: i64,
    /// The message ids this one answers, newest first (email In-Reply-To, References).
    pub thread: &'a [String],
}

/// What became of an inbound message.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Ingested {
    pub message_id: String,
    pub contact_id: String,
    pub customer_id: Option<String>,
    /// The message had been received before; nothing changed.
    pub duplicate: bool,
    /// The message opened a new contact (rather than joining an open one).
    pub new_contact: bool,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct OutboxRow {
    pub id: String,
    pub contact_id: String,
    pub customer_id: Option<String>,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub in_reply_to: Option<String>,
    pub author_id: String,
    pub author_name: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_ms: i64,
    pub last_error: Option<String>,
    pub created_at_ms: i64,
    pub sent_at_ms: Option<i64>,
}

const OUTBOX_SELECT: &str = "SELECT o.id, o.contact_id, c.customer_id, o.channel, o.recipient, o.subject, o.body, \
     o.in_reply_to, o.author_id, u.display_name AS author_name, o.status, o.attempts, o.next_attempt_ms, \
     o.last_error, o.created_at_ms, o.sent_at_ms \
     FROM outbox o JOIN contacts c ON c.id = o.contact_id JOIN users u ON u.id = o.author_id";

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct InboundRow {
    pub id: String,
    pub channel: String,
    pub external_id: String,
    pub contact_id: String,
    pub sender: String,
    pub recipient: String,
    pub msg_type: String,
    pub subject: String,
    pub body: String,
    pub sent_at_ms: i64,
    pub received_at_ms: i64,
}

const INBOUND_SELECT: &str = "SELECT id, channel, external_id, contact_id, sender, recipient, msg_type, subject, body, \
     sent_at_ms, received_at_ms FROM inbound_messages";

/// The messages of a contact both ways, oldest first.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct ContactMessages {
    pub inbound: Vec<InboundRow>,
    pub outbound: Vec<OutboxRow>,
}

/// A case linked to a contact, as the timeline names it.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct LinkedCase {
    pub contact_id: String,
    pub id: String,
    pub case_type: String,
    pub status: String,
    pub summary: String,
}

/// One contact on the customer's timeline with everything said and done on it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TimelineEntry {
    pub contact: ContactRow,
    pub notes: Vec<NoteRow>,
    pub cases: Vec<LinkedCase>,
    pub messages: ContactMessages,
}

/// Where the next page of a newest-first list starts: after the row of time `at_ms` and
/// `id` (a contact's opening, an outbox row's creation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageCursor {
    pub at_ms: i64,
    pub id: String,
}

impl PageCursor {
    /// `<ms>.<id>`, opaque to clients.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.at_ms, self.id)
    }

    pub fn decode(s: &str) -> Option<PageCursor> {
        let (ms, id) = s.split_once('.')?;
        let ok = !id.is_empty()
            && id.len() <= 64
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        ok.then_some(PageCursor {
            at_ms: ms.parse().ok()?,
            id: id.to_string(),
        })
    }
}

fn messaging_channel(channel: &str) -> bool {
    channel == ContactChannel::Email.as_str() || channel == ContactChannel::Wechat.as_str()
}

impl Store {
    /// Records an inbound message as part of a contact, exactly once. The sender's bound
    /// customer (if any) is the contact's customer. A WeChat message joins the sender's open
    /// WeChat contact; an email joins the open contact of the message it replies to; anything
    /// else opens a new contact, unassigned, for routing. `gateway` names the source in the
    /// audit record.
    pub async fn ingest_message(
        &self,
        gateway: &str,
        m: &NewInbound<'_>,
    ) -> Result<Ingested, StoreError> {
        let channel = m.channel.as_str();
        let mut tx = self.db.audited().await?;
        let seen: Option<(String, String, Option<String>)> = tx
            .fetch_optional(
                "SELECT m.id, m.contact_id, c.customer_id FROM inbound_messages m \
                 JOIN contacts c ON c.id = m.contact_id WHERE m.channel = $1 AND m.external_id = $2",
                &args![channel, m.external_id],
            )
            .await?;
        if let Some((message_id, contact_id, customer_id)) = seen {
            return Ok(Ingested {
                message_id,
                contact_id,
                customer_id,
                duplicate: true,
                new_contact: false,
            });
        }
        let bound: Option<(String,)> = tx
            .fetch_optional(
                "SELECT customer_id FROM channel_bindings WHERE channel = $1 AND address = $2",
                &args![channel, m.sender],
            )
            .await?;
        let bound = bound.map(|b| b.0);
        let now = now_ms();
        let joined = tx.open_thread_contact(m).await?;
        let (contact_id, customer_id, new_contact) = match joined {
            Some((id, Some(customer))) => (id, Some(customer), false),
            Some((id, None)) => {
                if let Some(customer) = &bound {
                    tx.execute(
                        "UPDATE contacts SET customer_id = $1 WHERE id = $2",
                        &args![customer.as_str(), id.as_str()],
                    )
                    .await?;
                }
                (id, bound, false)
            }
            None => {
                let id = new_id("ct");
                tx.execute(
                    "INSERT INTO contacts (id, customer_id, channel, direction, status, handler_id, opened_at_ms) \
                     VALUES ($1, $2, $3, 'inbound', 'open', NULL, $4)",
                    &args![id.as_str(), bound.as_deref(), channel, now],
                )
                .await?;
                (id, bound, true)
            }
        };
        let message_id = new_id("im");
        tx.execute(
            "INSERT INTO inbound_messages (id, channel, external_id, contact_id, sender, recipient, msg_type, \
             subject, body, sent_at_ms, received_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &args![
                message_id.as_str(),
                channel,
                m.external_id,
                contact_id.as_str(),
                m.sender,
                m.recipient,
                m.msg_type,
                m.subject,
                m.body,
                m.sent_at_ms,
                now
            ],
        )
        .await?;
        tx.audit(
            AuditRecord::by(gateway, "contact.inbound_message")
                .customer(customer_id.as_deref())
                .detail(serde_json::json!({"contact_id": contact_id, "message_id": message_id, "channel": channel, "new_contact": new_contact})),
        )
        .await?;
        tx.commit().await?;
        Ok(Ingested {
            message_id,
            contact_id,
            customer_id,
            duplicate: false,
            new_contact,
        })
    }

    /// Binds a sender address (an email address, a WeChat openid) to a customer, replacing
    /// an earlier binding. For the seeder and for tests; staff bind through a verified
    /// contact ([`Store::bind_contact_sender`]).
    pub async fn bind_channel_address(
        &self,
        by: &str,
        channel: ContactChannel,
        address: &str,
        customer_id: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.audited().await?;
        tx.upsert_binding(channel.as_str(), address, customer_id, by)
            .await?;
        tx.audit(
            AuditRecord::by(by, "customer.channel_binding")
                .customer(customer_id)
                .detail(serde_json::json!({"channel": channel.as_str()})),
        )
        .await?;
        tx.commit().await
    }

    /// The customer bound to a sender address, if any.
    pub async fn bound_customer(
        &self,
        channel: ContactChannel,
        address: &str,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = self
            .db
            .fetch_optional(
                "SELECT customer_id FROM channel_bindings WHERE channel = $1 AND address = $2",
                &args![channel.as_str(), address],
            )
            .await?;
        Ok(row.map(|r| r.0))
    }

    /// Binds the sender of the actor's email or WeChat contact to the contact's customer,
    /// once identity verification on it has passed.
    pub async fn bind_contact_sender(
        &self,
        actor: &Actor<'_>,
        contact_id: &str,
    ) -> Result<ContactRow, StoreError> {
        let mut tx = self.db.audited().await?;
        let c = tx.handled_contact(contact_id, actor).await?;
        if !messaging_channel(&c.channel) {
            return Err(StoreError::refused(
                ErrorCode::RuleRefused,
                "only email and WeChat contacts have a sender to bind",
            ));
        }
        if !tx.identity_passed(contact_id).await? {
            return Err(StoreError::Refused {
                code: ErrorCode::IdentityNotVerified,
                message: "verify the customer's identity on this contact first".into(),
            });
        }
        tx.bind_contact_sender(&c, actor.username).await?;
        // A contact with no inbound message has no sender to bind, and nothing to audit.
        tx.commit_allow_unaudited().await?;
        Ok(c)
    }

    /// Names the customer of the actor's contact that arrived from an unknown sender.
    pub async fn attach_customer(
        &self,
        actor: &Actor<'_>,
        contact_id: &str,
        customer_id: &str,
    ) -> Result<ContactRow, StoreError> {
        if !self.customer_exists(customer_id).await? {
            return Err(StoreError::Invalid(FieldError::new(
                "customer_id",
                "no such customer",
            )));
        }
        let mut tx = self.db.audited().await?;
        let c = tx.handled_contact(contact_id, actor).await?;
        if c.customer_id.is_some() {
            return Err(StoreError::Conflict(
                "the contact already has its customer".into(),
            ));
        }
        tx.execute(
            "UPDATE contacts SET customer_id = $1 WHERE id = $2 AND customer_id IS NULL",
            &args![customer_id, contact_id],
        )
        .await?;
        tx.audit(
            AuditRecord::by(actor.username, "contact.attach_customer")
                .customer(customer_id)
                .detail(serde_json::json!({"contact_id": contact_id})),
        )
        .await?;
        let row = tx.contact(contact_id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Takes an open contact nobody handles yet (an email or WeChat message waiting in the
    /// inbox) as the actor's own.
    pub async fn take_contact(
        &self,
        actor: &Actor<'_>,
        contact_id: &str,
    ) -> Result<ContactRow, StoreError> {
        let mut tx = self.db.audited().await?;
        let c = tx.contact(contact_id).await?;
        let taken = tx
            .execute(
                "UPDATE contacts SET handler_id = $1 WHERE id = $2 AND handler_id IS NULL AND status = 'open'",
                &args![actor.user_id, contact_id],
            )
            .await?;
        if taken == 0 {
            return Err(StoreError::Conflict(
                "the contact is closed or already has its handler".into(),
            ));
        }
        // The router's waiting entry is the same work: it becomes the taker's, so the
        // router neither hands the contact to someone else nor forgets the taker's load.
        let now = now_ms();
        let held = tx
            .execute(
                "UPDATE routing_entries SET status = $1, agent_id = $2, assigned_at_ms = $3                  WHERE contact_id = $4 AND status = $5",
                &args![
                    EntryStatus::Assigned.as_str(),
                    actor.user_id,
                    now,
                    contact_id,
                    EntryStatus::Waiting.as_str()
                ],
            )
            .await?;
        if held > 0 {
            tx.refresh_presence(&[actor.user_id], now).await?;
        }
        tx.audit(
            AuditRecord::by(actor.username, "contact.take")
                .customer(c.customer_id.as_deref())
                .detail(serde_json::json!({"contact_id": contact_id})),
        )
        .await?;
        let row = tx.contact(contact_id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Open email and WeChat contacts nobody handles yet, oldest first, each with its
    /// messages (read for all of them at once, not one contact at a time).
    pub async fn unassigned_messages(
        &self,
        limit: u32,
    ) -> Result<Vec<(ContactRow, ContactMessages)>, StoreError> {
        let mut snapshot = self.db.begin_read().await?;
        let contacts: Vec<ContactRow> = snapshot
            .fetch_all(
                &format!(
                    "{CONTACT_SELECT} WHERE c.handler_id IS NULL AND c.status = 'open' \
                     AND c.channel IN ('email', 'wechat') ORDER BY c.opened_at_ms, c.id LIMIT $1"
                ),
                &args![i64::from(limit)],
            )
            .await?;
        let mut messages = snapshot.messages_of_each(&contacts).await?;
        snapshot.commit().await?;
        Ok(contacts
            .into_iter()
            .map(|c| {
                let m = messages.remove(&c.id).unwrap_or_default();
                (c, m)
            })
            .collect())
    }

    /// Queues a reply on the actor's open email or WeChat contact, to the sender of its
    /// latest inbound message. The outbox row commits with the audit record; the worker
    /// sends it.
    pub async fn queue_reply(
        &self,
        actor: &Actor<'_>,
        contact_id: &str,
        body: &str,
    ) -> Result<OutboxRow, StoreError> {
        let body = body.trim();
        if body.is_empty() || body.chars().count() > MAX_REPLY {
            return Err(StoreError::Invalid(FieldError::new(
                "text",
                format!("1 to {MAX_REPLY} characters"),
            )));
        }
        let mut tx = self.db.audited().await?;
        let c = tx.handled_contact(contact_id, actor).await?;
        if !messaging_channel(&c.channel) {
            return Err(StoreError::refused(
                ErrorCode::RuleRefused,
                "replies go out on email and WeChat contacts only",
            ));
        }
        let last: Option<InboundRow> = tx
            .fetch_optional(
                &format!("{INBOUND_SELECT} WHERE contact_id = $1 ORDER BY received_at_ms DESC, id DESC LIMIT 1"),
                &args![contact_id],
            )
            .await?;
        let Some(last) = last else {
            return Err(StoreError::refused(
                ErrorCode::RuleRefused,
                "the contact has no inbound message to answer",
            ));
        };
        let keep = last.subject.is_empty()
            || last.channel != "email"
            || last.subject.to_lowercase().starts_with("re:");
        let subject = if keep {
            last.subject.clone()
        } else {
            format!("Re: {}", last.subject)
        };
        let in_reply_to = (last.channel == "email").then_some(last.external_id.as_str());
        let id = new_id("ob");
        let now = now_ms();
        tx.execute(
            "INSERT INTO outbox (id, contact_id, channel, recipient, subject, body, in_reply_to, author_id, status, \
             attempts, next_attempt_ms, last_error, created_at_ms, sent_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, NULL, $10, NULL)",
            &args![
                id.as_str(),
                contact_id,
                c.channel.as_str(),
                last.sender.as_str(),
                subject,
                body,
                in_reply_to,
                actor.user_id,
                now,
                now
            ],
        )
        .await?;
        tx.audit(
            AuditRecord::by(actor.username, "contact.reply")
                .customer(c.customer_id.as_deref())
                .detail(serde_json::json!({"contact_id": contact_id, "outbox_id": id, "channel": c.channel})),
        )
        .await?;
        let row = tx
            .fetch_one(&format!("{OUTBOX_SELECT} WHERE o.id = $1"), &args![id])
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Claims up to `limit` pending rows due at `now`: each claim pushes the row's next
    /// attempt `lease_ms` ahead and counts the attempt, in one conditional UPDATE, so
    /// workers on one database never send a row twice at once and a row whose worker died
    /// comes due again when the lease ends.
    pub async fn claim_due_outbox(
        &self,
        now: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let due: Vec<(String, i64)> = self
            .db
            .fetch_all(
                "SELECT id, next_attempt_ms FROM outbox WHERE status = 'pending' AND next_attempt_ms <= $1 \
                 ORDER BY next_attempt_ms, id LIMIT $2",
                &args![now, i64::from(limit)],
            )
            .await?;
        let mut claimed = Vec::with_capacity(due.len());
        for (id, seen_next) in due {
            let won = self
                .db
                .execute(
                    "UPDATE outbox SET next_attempt_ms = $1, attempts = attempts + 1 \
                     WHERE id = $2 AND status = 'pending' AND next_attempt_ms = $3",
                    &args![now.saturating_add(lease_ms), id.as_str(), seen_next],
                )
                .await?;
            if won == 1 {
                claimed.push(self.outbox_row(&id).await?);
            }
        }
        Ok(claimed)
    }

    pub async fn outbox_row(&self, id: &str) -> Result<OutboxRow, StoreError> {
        self.db
            .fetch_optional(&format!("{OUTBOX_SELECT} WHERE o.id = $1"), &args![id])
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Records a successful send of a claimed row.
    pub async fn outbox_sent(&self, id: &str, now: i64) -> Result<(), StoreError> {
        self.db
            .execute(
                "UPDATE outbox SET status = 'sent', sent_at_ms = $1, last_error = NULL WHERE id = $2 AND status = 'pending'",
                &args![now, id],
            )
            .await?;
        Ok(())
    }

    /// Records a failed attempt: retried after the policy's delay, or failed for good when
    /// the attempts have run out. Returns the new status.
    pub async fn outbox_attempt_failed(
        &self,
        id: &str,
        error: &str,
        policy: &RetryPolicy,
        now: i64,
    ) -> Result<OutboxStatus, StoreError> {
        let row = self.outbox_row(id).await?;
        let attempts = u32::try_from(row.attempts).unwrap_or(u32::MAX);
        let error: String = error.chars().take(1_000).collect();
        let (status, next) = match policy.after_failure(attempts) {
            AfterFailure::RetryIn { delay_ms } => {
                (OutboxStatus::Pending, now.saturating_add(delay_ms))
            }
            AfterFailure::GiveUp => (OutboxStatus::Failed, row.next_attempt_ms),
        };
        let mut tx = self.db.audited().await?;
        tx.execute(
            "UPDATE outbox SET status = $1, next_attempt_ms = $2, last_error = $3 WHERE id = $4 AND status = 'pending'",
            &args![status.as_str(), next, error.as_str(), id],
        )
        .await?;
        if status == OutboxStatus::Failed {
            tx.audit(
                AuditRecord::by("outbox", "contact.reply_failed")
                    .customer(row.customer_id.as_deref())
                    .detail(serde_json::json!({"contact_id": row.contact_id, "outbox_id": id, "attempts": attempts, "error": error})),
            )
            .await?;
        }
        // Only giving up is audited; a retry is the worker's routine.
        tx.commit_allow_unaudited().await?;
        Ok(status)
    }

    /// Puts a failed reply back in the queue with its attempts reset (a supervisor's
    /// decision after the cause, say a wrong address or a mail outage, was dealt with).
    pub async fn retry_outbox(&self, actor: &Actor<'_>, id: &str) -> Result<OutboxRow, StoreError> {
        let mut tx = self.db.audited().await?;
        let row: OutboxRow = tx
            .fetch_optional(&format!("{OUTBOX_SELECT} WHERE o.id = $1"), &args![id])
            .await?
            .ok_or(StoreError::NotFound)?;
        let changed = tx
            .execute(
                "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_ms = $1 WHERE id = $2 AND status = 'failed'",
                &args![now_ms(), id],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::Conflict(format!(
                "the reply is {}, not failed",
                row.status
            )));
        }
        tx.audit(
            AuditRecord::by(actor.username, "contact.reply_retry")
                .customer(row.customer_id.as_deref())
                .detail(serde_json::json!({"contact_id": row.contact_id, "outbox_id": id})),
        )
        .await?;
        let row = tx
            .fetch_one(&format!("{OUTBOX_SELECT} WHERE o.id = $1"), &args![id])
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Outbox rows, newest first, optionally of one status; `before` is the creation time
    /// and id of the last row of the previous page.
    pub async fn outbox_list(
        &self,
        status: Option<OutboxStatus>,
        before: Option<&PageCursor>,
        limit: u32,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let mut sql = format!("{OUTBOX_SELECT} WHERE 1 = 1");
        let mut a: Vec<crate::db::Arg> = Vec::new();
        if let Some(s) = status {
            a.push(s.as_str().into());
            sql.push_str(&format!(" AND o.status = ${}", a.len()));
        }
        if let Some(c) = before {
            a.extend(args![c.at_ms, c.id.as_str()]);
            sql.push_str(&format!(
                " AND (o.created_at_ms, o.id) < (${}, ${})",
                a.len() - 1,
                a.len()
            ));
        }
        a.push(i64::from(limit).into());
        sql.push_str(&format!(
            " ORDER BY o.created_at_ms DESC, o.id DESC LIMIT ${}",
            a.len()
        ));
        self.db.fetch_all(&sql, &a).await
    }

    /// The messages of one contact, both ways.
    pub async fn contact_messages(&self, contact_id: &str) -> Result<ContactMessages, StoreError> {
        let mut tx = self.db.begin_read().await?;
        let m = tx.messages_of(contact_id).await?;
        tx.commit().await?;
        Ok(m)
    }
}

impl AuditedTx {
    /// Binds the sender of an email or WeChat contact to its customer (after identity
    /// verification passed on it); other contacts have no sender and are left alone.
    pub(crate) async fn bind_contact_sender(
        &mut self,
        c: &ContactRow,
        by: &str,
    ) -> Result<(), StoreError> {
        let Some(customer) = c.customer_id.as_deref() else {
            return Ok(());
        };
        if !messaging_channel(&c.channel) {
            return Ok(());
        }
        let sender: Option<(String,)> = self
            .fetch_optional(
                "SELECT sender FROM inbound_messages WHERE contact_id = $1 ORDER BY received_at_ms DESC, id DESC LIMIT 1",
                &args![c.id.as_str()],
            )
            .await?;
        let Some((sender,)) = sender else {
            return Ok(());
        };
        self.upsert_binding(&c.channel, &sender, customer, by)
            .await?;
        self.audit(
            AuditRecord::by(by, "customer.channel_binding")
                .customer(customer)
                .detail(serde_json::json!({"channel": c.channel, "contact_id": c.id})),
        )
        .await?;
        Ok(())
    }
}

impl Tx {
    /// The open contact an inbound message continues, with its customer.
    async fn open_thread_contact(
        &mut self,
        m: &NewInbound<'_>,
    ) -> Result<Option<(String, Option<String>)>, StoreError> {
        if m.channel == ContactChannel::Wechat {
            return self
                .fetch_optional(
                    "SELECT c.id, c.customer_id FROM inbound_messages m JOIN contacts c ON c.id = m.contact_id \
                     WHERE m.channel = 'wechat' AND m.sender = $1 AND c.status = 'open' \
                     ORDER BY m.received_at_ms DESC, m.id DESC LIMIT 1",
                    &args![m.sender],
                )
                .await;
        }
        for id in m.thread {
            let found: Option<(String, Option<String>)> = self
                .fetch_optional(
                    "SELECT c.id, c.customer_id FROM inbound_messages m JOIN contacts c ON c.id = m.contact_id \
                     WHERE m.channel = $1 AND m.external_id = $2 AND c.status = 'open'",
                    &args![m.channel.as_str(), id.as_str()],
                )
                .await?;
            if found.is_some() {
                return Ok(found);
            }
            // Our own replies carry Message-ID <outbox id@host>.
            let local = id.split('@').next().unwrap_or_default();
            let found: Option<(String, Option<String>)> = self
                .fetch_optional(
                    "SELECT c.id, c.customer_id FROM outbox o JOIN contacts c ON c.id = o.contact_id \
                     WHERE o.id = $1 AND c.status = 'open'",
                    &args![local],
                )
                .await?;
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    async fn upsert_binding(
        &mut self,
        channel: &str,
        address: &str,
        customer_id: &str,
        by: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            "DELETE FROM channel_bindings WHERE channel = $1 AND address = $2",
            &args![channel, address],
        )
        .await?;
        self.execute(
            "INSERT INTO channel_bindings (channel, address, customer_id, bound_by, bound_at_ms) VALUES ($1, $2, $3, $4, $5)",
            &args![channel, address, customer_id, by, now_ms()],
        )
        .await?;
        Ok(())
    }

    /// The contact, when it is open and handled by the actor.
    async fn handled_contact(
        &mut self,
        id: &str,
        actor: &Actor<'_>,
    ) -> Result<ContactRow, StoreError> {
        let c = self.contact(id).await?;
        if c.status != "open" {
            return Err(StoreError::Conflict("the contact is closed".into()));
        }
        if c.handler_id.as_deref() != Some(actor.user_id) {
            return Err(StoreError::Denied(AccessDenied::NotHandler));
        }
        Ok(c)
    }

    /// The messages of each of the contacts, in two statements whatever their number.
    pub(crate) async fn messages_of_each(
        &mut self,
        contacts: &[ContactRow],
    ) -> Result<HashMap<String, ContactMessages>, StoreError> {
        let mut out: HashMap<String, ContactMessages> = HashMap::new();
        if contacts.is_empty() {
            return Ok(out);
        }
        let ids = [json_list(contacts.iter().map(|c| c.id.as_str()))];
        let list = json_text_list(self.dialect(), 1);
        let inbound: Vec<InboundRow> = self
            .fetch_all(
                &format!(
                    "{INBOUND_SELECT} WHERE contact_id IN ({list}) ORDER BY received_at_ms, id"
                ),
                &ids,
            )
            .await?;
        for m in inbound {
            out.entry(m.contact_id.clone()).or_default().inbound.push(m);
        }
        let outbound: Vec<OutboxRow> = self
            .fetch_all(
                &format!(
                    "{OUTBOX_SELECT} WHERE o.contact_id IN ({list}) ORDER BY o.created_at_ms, o.id"
                ),
                &ids,
            )
            .await?;
        for m in outbound {
            out.entry(m.contact_id.clone())
                .or_default()
                .outbound
                .push(m);
        }
        Ok(out)
    }

    pub(crate) async fn messages_of(
        &mut self,
        contact_id: &str,
    ) -> Result<ContactMessages, StoreError> {
        Ok(ContactMessages {
            inbound: self
                .fetch_all(
                    &format!("{INBOUND_SELECT} WHERE contact_id = $1 ORDER BY received_at_ms, id"),
                    &args![contact_id],
                )
                .await?,
            outbound: self
                .fetch_all(
                    &format!(
                        "{OUTBOX_SELECT} WHERE o.contact_id = $1 ORDER BY o.created_at_ms, o.id"
                    ),
                    &args![contact_id],
                )
                .await?,
        })
    }
}
