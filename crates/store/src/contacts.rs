//! Contacts: one conversation with a customer on one channel. An open contact handled by
//! an agent is that agent's purpose for reading the customer's data.

use crate::audit::AuditRecord;
use crate::{Store, StoreError, Tx, args, new_id, now_ms};
use bankdesk_domain::Actor;
use bankdesk_domain::bank::MAX_TEXT;
pub use bankdesk_domain::contact::{
    ContactChannel, Direction, VerificationMethod, VerificationResult,
};
use bankdesk_domain::error::FieldError;

/// Notes and summaries are free text but bounded.
pub const MAX_NOTE: usize = 4_000;

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct ContactRow {
    pub id: String,
    pub customer_id: Option<String>,
    pub channel: String,
    pub direction: String,
    pub status: String,
    pub handler_id: Option<String>,
    pub handler_name: Option<String>,
    pub opened_at_ms: i64,
    pub closed_at_ms: Option<i64>,
    pub category: Option<String>,
    pub resolved: Option<bool>,
    pub summary: Option<String>,
    /// Result of the latest identity verification on this contact, if any.
    pub identity: Option<String>,
    pub identity_method: Option<String>,
}

impl ContactRow {
    /// Closed without a wrap-up: the phone system ended the call, and the handler's
    /// after-call work (notes, the wrap-up) is still to do.
    pub fn awaits_wrap_up(&self) -> bool {
        self.status != "open" && self.category.is_none()
    }

    /// Notes and the wrap-up are the handler's after-call work: allowed while the contact is
    /// open, and also once the phone system has ended the call (the contact closes with the
    /// call, and with it the right to read the customer's data) until it is wrapped up.
    pub fn may_do_after_call_work(&self, user_id: &str) -> Result<(), StoreError> {
        if self.handler_id.as_deref() != Some(user_id) {
            return Err(StoreError::Denied(
                bankdesk_domain::access::AccessDenied::NotHandler,
            ));
        }
        if self.status != "open" && self.category.is_some() {
            return Err(StoreError::Conflict(
                "the contact is already wrapped up".into(),
            ));
        }
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct NoteRow {
    pub id: String,
    pub contact_id: String,
    pub author_id: String,
    pub author_name: String,
    pub at_ms: i64,
    pub text: String,
}

/// Everything written on one contact: its notes and its email or WeChat messages.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ContactContent {
    pub contact: ContactRow,
    pub notes: Vec<NoteRow>,
    pub messages: crate::messaging::ContactMessages,
}

/// A contact with the notes written on it, as the next agent sees it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ContactWithNotes {
    #[serde(flatten)]
    pub contact: ContactRow,
    pub notes: Vec<NoteRow>,
}

pub(crate) const NOTE_SELECT: &str = "SELECT n.id, n.contact_id, n.author_id, u.display_name AS author_name, n.at_ms, n.text \
     FROM contact_notes n JOIN users u ON u.id = n.author_id";

pub(crate) const CONTACT_SELECT: &str = "SELECT c.id, c.customer_id, c.channel, c.direction, c.status, c.handler_id, \
     u.display_name AS handler_name, c.opened_at_ms, c.closed_at_ms, c.category, c.resolved, c.summary, \
     (SELECT v.result FROM identity_verifications v WHERE v.contact_id = c.id ORDER BY v.at_ms DESC, v.id DESC LIMIT 1) AS identity, \
     (SELECT v.method FROM identity_verifications v WHERE v.contact_id = c.id ORDER BY v.at_ms DESC, v.id DESC LIMIT 1) AS identity_method \
     FROM contacts c LEFT JOIN users u ON u.id = c.handler_id";

fn bounded(field: &'static str, v: &str, max: usize) -> Result<(), StoreError> {
    if v.trim().is_empty() {
        return Err(StoreError::Invalid(FieldError::new(
            field,
            "must not be empty",
        )));
    }
    if v.chars().count() > max {
        return Err(StoreError::Invalid(FieldError::new(
            field,
            format!("longer than {max} characters"),
        )));
    }
    Ok(())
}

impl Store {
    /// Opens a contact handled by `actor`; with a customer it becomes the actor's purpose.
    pub async fn open_contact(
        &self,
        actor: &Actor<'_>,
        channel: ContactChannel,
        direction: Direction,
        customer_id: Option<&str>,
    ) -> Result<ContactRow, StoreError> {
        if let Some(c) = customer_id
            && !self.customer_exists(c).await?
        {
            return Err(StoreError::Invalid(FieldError::new(
                "customer_id",
                "no such customer",
            )));
        }
        let id = new_id("ct");
        let mut tx = self.db.audited().await?;
        tx.execute(
            "INSERT INTO contacts (id, customer_id, channel, direction, status, handler_id, opened_at_ms) \
             VALUES ($1, $2, $3, $4, 'open', $5, $6)",
            &args![id.as_str(), customer_id, channel.as_str(), direction.as_str(), actor.user_id, now_ms()],
        )
        .await?;
        tx.audit(
            AuditRecord::by(actor.username, "contact.open")
                .customer(customer_id)
                .detail(serde_json::json!({"contact_id": id, "channel": channel.as_str()})),
        )
        .await?;
        let row = tx.contact(&id).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn contact(&self, id: &str) -> Result<ContactRow, StoreError> {
        self.db
            .fetch_optional(&format!("{CONTACT_SELECT} WHERE c.id = $1"), &args![id])
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// A contact with its notes and messages. Its handler reads it unaudited while the
    /// work on it lasts: while it is open and through its after-call work (notes, the
    /// wrap-up), the conversation they are having. Anyone else, and the handler once the
    /// contact is wrapped up, reads it as the customer's data: through the gate, for a
    /// `purpose` covering its customer, audited as `customer.contact`. A contact with
    /// no customer is its handler's alone.
    pub async fn contact_content(
        &self,
        actor: &Actor<'_>,
        contact_id: &str,
        purpose: Option<&str>,
    ) -> Result<ContactContent, StoreError> {
        let contact = self.contact(contact_id).await?;
        if contact.may_do_after_call_work(actor.user_id).is_ok() {
            let mut snapshot = self.db.begin_read().await?;
            let notes = snapshot.notes_of(contact_id).await?;
            let messages = snapshot.messages_of(contact_id).await?;
            snapshot.commit().await?;
            return Ok(ContactContent {
                contact,
                notes,
                messages,
            });
        }
        let Some(customer) = contact.customer_id.as_deref() else {
            return Err(StoreError::Denied(
                bankdesk_domain::access::AccessDenied::NotHandler,
            ));
        };
        self.customer_access(
            actor,
            customer,
            purpose,
            crate::access::Read::Contact,
            serde_json::json!({"contact_id": contact_id}),
        )
        .await?
        .contact(contact_id)
        .await
    }

    pub async fn contact_notes(&self, id: &str) -> Result<Vec<NoteRow>, StoreError> {
        self.db
            .fetch_all(
                &format!("{NOTE_SELECT} WHERE n.contact_id = $1 ORDER BY n.at_ms, n.id"),
                &args![id],
            )
            .await
    }

    /// The handler's open contacts, newest first (the desktop's "my contacts").
    pub async fn open_contacts_of(&self, user_id: &str) -> Result<Vec<ContactRow>, StoreError> {
        self.db
            .fetch_all(
                &format!("{CONTACT_SELECT} WHERE c.handler_id = $1 AND c.status = 'open' ORDER BY c.opened_at_ms DESC LIMIT 50"),
                &args![user_id],
            )
            .await
    }

    /// Adds a note; only the handler writes on it, while it is open or in its after-call
    /// work (see [`ContactRow::may_do_after_call_work`]).
    pub async fn add_contact_note(
        &self,
        actor: &Actor<'_>,
        contact_id: &str,
        text: &str,
    ) -> Result<NoteRow, StoreError> {
        bounded("text", text, MAX_NOTE)?;
        let mut tx = self.db.audited().await?;
        let c = tx.contact(contact_id).await?;
        c.may_do_after_call_work(actor.user_id)?;
        let id = new_id("nt");
        tx.execute(
            "INSERT INTO contact_notes (id, contact_id, author_id, at_ms, text) VALUES ($1, $2, $3, $4, $5)",
            &args![id.as_str(), contact_id, actor.user_id, now_ms(), text.trim()],
        )
        .await?;
        tx.audit(
            AuditRecord::by(actor.username, "contact.note")
                .customer(c.customer_id.as_deref())
                .detail(serde_json::json!({"contact_id": contact_id, "note_id": id})),
        )
        .await?;
        let note = tx
            .fetch_one(&format!("{NOTE_SELECT} WHERE n.id = $1"), &args![id])
            .await?;
        tx.commit().await?;
        Ok(note)
    }

    /// Closes the contact with its category, whether it was resolved, and a summary.
    pub async fn wrap_up_contact(
        &self,
        actor: &Actor<'_>,
        contact_id: &str,
        category: &str,
        resolved: bool,
        summary: &str,
    ) -> Result<ContactRow, StoreError> {
        bounded("category", category, MAX_TEXT)?;
        if !self.wrap_up.contains(category) {
            return Err(StoreError::Invalid(FieldError::new(
                "category",
                "not a category of the wrap-up tree (GET /api/v1/wrap-up-categories)",
            )));
        }
        if summary.chars().count() > MAX_NOTE {
            return Err(StoreError::Invalid(FieldError::new(
                "summary",
                format!("longer than {MAX_NOTE} characters"),
            )));
        }
        let mut tx = self.db.audited().await?;
        let c = tx.contact(contact_id).await?;
        c.may_do_after_call_work(actor.user_id)?;
        tx.execute(
            "UPDATE contacts SET status = 'closed', closed_at_ms = COALESCE(closed_at_ms, $1), category = $2, resolved = $3, summary = $4 WHERE id = $5",
            &args![now_ms(), category, resolved, summary.trim(), contact_id],
        )
        .await?;
        tx.audit(
            AuditRecord::by(actor.username, "contact.wrap_up")
                .customer(c.customer_id.as_deref())
                .detail(serde_json::json!({"contact_id": contact_id, "category": category, "resolved": resolved})),
        )
        .await?;
        let row = tx.contact(contact_id).await?;
        tx.commit().await?;
        Ok(row)
    }
}

impl Store {
    /// Records the outcome of an identity check on an open contact, by its handler. The
    /// latest outcome counts: a later failure withdraws an earlier pass.
    pub async fn verify_identity(
        &self,
        actor: &Actor<'_>,
        contact_id: &str,
        method: VerificationMethod,
        result: VerificationResult,
    ) -> Result<ContactRow, StoreError> {
        let mut tx = self.db.audited().await?;
        let c = tx.contact(contact_id).await?;
        tx.require_handler(&c, actor)?;
        if c.customer_id.is_none() {
            return Err(StoreError::Invalid(FieldError::new(
                "contact",
                "attach the customer before verifying identity",
            )));
        }
        tx.execute(
            "INSERT INTO identity_verifications (id, contact_id, method, result, verified_by, at_ms) VALUES ($1, $2, $3, $4, $5, $6)",
            &args![new_id("iv"), contact_id, method.as_str(), result.as_str(), actor.user_id, now_ms()],
        )
        .await?;
        tx.audit(
            AuditRecord::by(actor.username, "contact.identity_verification")
                .customer(c.customer_id.as_deref())
                .detail(serde_json::json!({"contact_id": contact_id, "method": method.as_str(), "result": result.as_str()})),
        )
        .await?;
        // A customer who proves who they are on an email or WeChat contact has told us
        // that address is theirs: later messages from it find them.
        if result == VerificationResult::Passed {
            tx.bind_contact_sender(&c, actor.username).await?;
        }
        let row = tx.contact(contact_id).await?;
        tx.commit().await?;
        Ok(row)
    }
}

impl Tx {
    /// Whether the latest identity verification on the contact passed.
    pub(crate) async fn identity_passed(&mut self, contact_id: &str) -> Result<bool, StoreError> {
        let row: Option<(String,)> = self
            .fetch_optional(
                "SELECT result FROM identity_verifications WHERE contact_id = $1 ORDER BY at_ms DESC, id DESC LIMIT 1",
                &args![contact_id],
            )
            .await?;
        Ok(row.is_some_and(|r| r.0 == VerificationResult::Passed.as_str()))
    }

    pub(crate) async fn contact(&mut self, id: &str) -> Result<ContactRow, StoreError> {
        self.fetch_optional(&format!("{CONTACT_SELECT} WHERE c.id = $1"), &args![id])
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub(crate) async fn notes_of(&mut self, contact_id: &str) -> Result<Vec<NoteRow>, StoreError> {
        self.fetch_all(
            &format!("{NOTE_SELECT} WHERE n.contact_id = $1 ORDER BY n.at_ms, n.id"),
            &args![contact_id],
        )
        .await
    }

    fn require_handler(&self, c: &ContactRow, actor: &Actor<'_>) -> Result<(), StoreError> {
        if c.status != "open" {
            return Err(StoreError::Conflict("the contact is closed".into()));
        }
        if c.handler_id.as_deref() != Some(actor.user_id) {
            return Err(StoreError::Denied(
                bankdesk_domain::access::AccessDenied::NotHandler,
            ));
        }
        Ok(())
    }
}
