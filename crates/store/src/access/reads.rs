//! Every read of a customer's rows. The reads are methods of [`Grant`], and the queries
//! behind them are private to this module, so the only way to read a customer's profile,
//! products, statements, contacts or masked numbers is to have passed the gate first.

use super::Grant;
use crate::bank::{
    AccountRow, CardRow, CaseRow, CustomerRow, HoldingRow, LoanRow, TXN_COLUMNS, TransactionRow,
};
use crate::contacts::{
    CONTACT_SELECT, ContactContent, ContactRow, ContactWithNotes, NOTE_SELECT, NoteRow,
};
use crate::db::{json_list, json_text_list};
use crate::messaging::{LinkedCase, PageCursor, TimelineEntry};
use crate::privacy::{ExportRow, RevealField};
use crate::{StoreError, Tx, args};
use bankdesk_domain::error::FieldError;

/// Most lines one statement export writes.
const EXPORT_LINES: u32 = 100_000;

/// Everything on the 360 screen, unmasked; the presentation layer masks.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Overview {
    pub customer: CustomerRow,
    pub phones: Vec<String>,
    pub accounts: Vec<AccountRow>,
    pub cards: Vec<CardRow>,
    pub loans: Vec<LoanRow>,
    pub holdings: Vec<HoldingRow>,
    pub recent_transactions: Vec<TransactionRow>,
    pub open_cases: Vec<CaseRow>,
    pub recent_contacts: Vec<ContactWithNotes>,
}

impl Grant {
    /// The 360 view: profile, products, the last `recent` transactions, open cases and the
    /// last contacts with their notes.
    pub async fn overview(self, recent: u32) -> Result<Overview, StoreError> {
        let id = self.customer_id.as_str();
        let mut snapshot = self.db.begin_read().await?;
        let tx = &mut snapshot;
        let overview = Overview {
            customer: tx.customer_row(id).await?,
            phones: tx.customer_phones(id).await?,
            accounts: tx.accounts_of(id).await?,
            cards: tx.cards_of(id).await?,
            loans: tx.loans_of(id).await?,
            holdings: tx.holdings_of(id).await?,
            recent_transactions: tx.transactions_of(id, i64::MIN, i64::MAX, recent).await?,
            open_cases: tx.open_cases_of(id).await?,
            recent_contacts: tx.recent_contacts_of(id, 10).await?,
        };
        snapshot.commit().await?;
        Ok(overview)
    }

    /// Statement lines in `[from_ms, to_ms)`, newest first, at most `limit`.
    pub async fn transactions(
        self,
        from_ms: i64,
        to_ms: i64,
        limit: u32,
    ) -> Result<Vec<TransactionRow>, StoreError> {
        let mut snapshot = self.db.begin_read().await?;
        let rows = snapshot
            .transactions_of(&self.customer_id, from_ms, to_ms, limit)
            .await?;
        snapshot.commit().await?;
        Ok(rows)
    }

    /// The customer's contacts on every channel, newest first, each with its notes,
    /// wrap-up, linked cases and messages; `limit` per page after `before`.
    ///
    /// Five statements whatever the page's size: the page of contacts, then the notes,
    /// cases and messages of all of them at once (ids bound as one list), read in one
    /// snapshot that never waits behind writers.
    pub async fn timeline(
        self,
        before: Option<&PageCursor>,
        limit: u32,
    ) -> Result<Vec<TimelineEntry>, StoreError> {
        let (t, id) = before.map_or((i64::MAX, String::new()), |c| (c.at_ms, c.id.clone()));
        let mut snapshot = self.db.begin_read().await?;
        let d = snapshot.dialect();
        let contacts: Vec<ContactRow> = snapshot
            .fetch_all(
                &format!(
                    "{CONTACT_SELECT} WHERE c.customer_id = $1 AND (c.opened_at_ms, c.id) < ($2, $3) \
                     ORDER BY c.opened_at_ms DESC, c.id DESC LIMIT $4"
                ),
                &args![self.customer_id.as_str(), t, id, i64::from(limit)],
            )
            .await?;
        if contacts.is_empty() {
            snapshot.commit().await?;
            return Ok(Vec::new());
        }
        let ids = [json_list(contacts.iter().map(|c| c.id.as_str()))];
        let list = json_text_list(d, 1);
        let notes: Vec<NoteRow> = snapshot
            .fetch_all(
                &format!("{NOTE_SELECT} WHERE n.contact_id IN ({list}) ORDER BY n.at_ms, n.id"),
                &ids,
            )
            .await?;
        let cases: Vec<LinkedCase> = snapshot
            .fetch_all(
                &format!(
                    "SELECT l.contact_id, k.id, k.case_type, k.status, k.summary FROM case_contacts l \
                     JOIN cases k ON k.id = l.case_id WHERE l.contact_id IN ({list}) \
                     ORDER BY k.opened_at_ms, k.id"
                ),
                &ids,
            )
            .await?;
        let mut messages = snapshot.messages_of_each(&contacts).await?;
        snapshot.commit().await?;
        Ok(contacts
            .into_iter()
            .map(|contact| {
                let of = |owner: &str| owner == contact.id;
                TimelineEntry {
                    notes: notes
                        .iter()
                        .filter(|n| of(&n.contact_id))
                        .cloned()
                        .collect(),
                    cases: cases
                        .iter()
                        .filter(|c| of(&c.contact_id))
                        .cloned()
                        .collect(),
                    messages: messages.remove(&contact.id).unwrap_or_default(),
                    contact,
                }
            })
            .collect())
    }

    /// The 360 view and the first `contacts` entries of the timeline, under one grant (one
    /// audit record): the desktop's customer page shows both.
    pub async fn overview_with_timeline(
        self,
        recent: u32,
        contacts: u32,
    ) -> Result<(Overview, Vec<TimelineEntry>), StoreError> {
        let again = Grant {
            db: self.db.clone(),
            customer_id: self.customer_id.clone(),
            purpose: self.purpose.clone(),
            audit_seq: self.audit_seq,
            identity_verified: self.identity_verified,
        };
        let overview = self.overview(recent).await?;
        let timeline = again.timeline(None, contacts).await?;
        Ok((overview, timeline))
    }

    /// One contact of the customer with its notes and messages; a contact of another
    /// customer is not found, as the grant covers this customer's only.
    pub async fn contact(self, contact_id: &str) -> Result<ContactContent, StoreError> {
        let mut snapshot = self.db.begin_read().await?;
        let contact: Option<ContactRow> = snapshot
            .fetch_optional(
                &format!("{CONTACT_SELECT} WHERE c.id = $1 AND c.customer_id = $2"),
                &args![contact_id, self.customer_id.as_str()],
            )
            .await?;
        let contact = contact.ok_or(StoreError::NotFound)?;
        let notes = snapshot.notes_of(contact_id).await?;
        let messages = snapshot.messages_of(contact_id).await?;
        snapshot.commit().await?;
        Ok(ContactContent {
            contact,
            notes,
            messages,
        })
    }

    /// The unmasked value (the gate has already recorded the reveal and, for a contact,
    /// checked the caller's verified identity); `target_id` picks the card.
    pub async fn reveal(
        self,
        field: RevealField,
        target_id: Option<&str>,
    ) -> Result<String, StoreError> {
        let id = self.customer_id.clone();
        let value: Option<(String,)> = match field {
            RevealField::IdNumber => {
                self.db
                    .fetch_optional("SELECT id_number FROM customers WHERE id = $1", &args![id.as_str()])
                    .await?
            }
            RevealField::Phone => {
                self.db
                    .fetch_optional(
                        "SELECT phone FROM customer_phones WHERE customer_id = $1 ORDER BY position LIMIT 1",
                        &args![id.as_str()],
                    )
                    .await?
            }
            RevealField::CardNumber => {
                let card = target_id.ok_or_else(|| StoreError::Invalid(FieldError::new("target_id", "which card")))?;
                self.db
                    .fetch_optional(
                        "SELECT number FROM cards WHERE id = $1 AND customer_id = $2",
                        &args![card, id.as_str()],
                    )
                    .await?
            }
        };
        value.map(|v| v.0).ok_or(StoreError::NotFound)
    }
}

/// The rows behind the reads above; private to this module, so only a [`Grant`] runs them.
impl Tx {
    async fn customer_row(&mut self, id: &str) -> Result<CustomerRow, StoreError> {
        self.fetch_one(
            "SELECT id, name, gender, birth_date, id_number, address, city, vip_tier, segment, sensitive \
             FROM customers WHERE id = $1",
            &args![id],
        )
        .await
    }

    async fn customer_phones(&mut self, id: &str) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = self
            .fetch_all(
                "SELECT phone FROM customer_phones WHERE customer_id = $1 ORDER BY position",
                &args![id],
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn accounts_of(&mut self, id: &str) -> Result<Vec<AccountRow>, StoreError> {
        self.fetch_all(
            "SELECT id, kind, currency, balance_fen, opened_on, status, branch FROM accounts \
             WHERE customer_id = $1 ORDER BY opened_on, id",
            &args![id],
        )
        .await
    }

    async fn cards_of(&mut self, id: &str) -> Result<Vec<CardRow>, StoreError> {
        self.fetch_all(
            "SELECT id, account_id, number, kind, product, status, credit_limit_fen, temp_limit_fen, \
             temp_limit_until, outstanding_fen, expiry, issued_on FROM cards WHERE customer_id = $1 ORDER BY issued_on, id",
            &args![id],
        )
        .await
    }

    async fn loans_of(&mut self, id: &str) -> Result<Vec<LoanRow>, StoreError> {
        self.fetch_all(
            "SELECT id, kind, currency, principal_fen, outstanding_fen, term_months, start_date, lpr_term, \
             spread_bp, rate_bp, repricing_rule, status FROM loans WHERE customer_id = $1 ORDER BY start_date, id",
            &args![id],
        )
        .await
    }

    async fn holdings_of(&mut self, id: &str) -> Result<Vec<HoldingRow>, StoreError> {
        self.fetch_all(
            "SELECT id, product_code, product_name, risk_level, units_x100, cost_fen, nav_x10000, nav_date \
             FROM holdings WHERE customer_id = $1 ORDER BY product_code, id",
            &args![id],
        )
        .await
    }

    async fn transactions_of(
        &mut self,
        id: &str,
        from_ms: i64,
        to_ms: i64,
        limit: u32,
    ) -> Result<Vec<TransactionRow>, StoreError> {
        self.fetch_all(
            &format!(
                "SELECT {TXN_COLUMNS} FROM transactions WHERE customer_id = $1 AND at_ms >= $2 AND at_ms < $3 \
                 ORDER BY at_ms DESC, id DESC LIMIT $4"
            ),
            &args![id, from_ms, to_ms, i64::from(limit)],
        )
        .await
    }

    async fn open_cases_of(&mut self, id: &str) -> Result<Vec<CaseRow>, StoreError> {
        self.fetch_all(
            "SELECT id, case_type, status, department, summary, opened_at_ms, due_at_ms FROM cases \
             WHERE customer_id = $1 AND status NOT IN ('resolved', 'closed') ORDER BY opened_at_ms DESC",
            &args![id],
        )
        .await
    }

    /// The customer's latest contacts with their notes, for the timeline of the 360 view.
    async fn recent_contacts_of(
        &mut self,
        customer_id: &str,
        limit: u32,
    ) -> Result<Vec<ContactWithNotes>, StoreError> {
        let contacts: Vec<ContactRow> = self
            .fetch_all(
                &format!("{CONTACT_SELECT} WHERE c.customer_id = $1 ORDER BY c.opened_at_ms DESC, c.id DESC LIMIT $2"),
                &args![customer_id, i64::from(limit)],
            )
            .await?;
        let mut out = Vec::with_capacity(contacts.len());
        for contact in contacts {
            let notes = self
                .fetch_all(
                    &format!("{NOTE_SELECT} WHERE n.contact_id = $1 ORDER BY n.at_ms, n.id"),
                    &args![contact.id.as_str()],
                )
                .await?;
            out.push(ContactWithNotes { contact, notes });
        }
        Ok(out)
    }

    /// The statement lines of an export whose approval has just passed the maker-checker
    /// rule: the export was requested under a [`Grant`] (whose audit record it names), and
    /// the approval is the second key that lets its file be written.
    pub(crate) async fn approved_export_lines(
        &mut self,
        e: &ExportRow,
    ) -> Result<Vec<TransactionRow>, StoreError> {
        self.transactions_of(&e.customer_id, e.from_ms, e.to_ms, EXPORT_LINES)
            .await
    }
}
