//! The privacy module's records: the legal-order register (two compliance officers),
//! statement exports under dual control, reveals of masked numbers, insider-access alerts,
//! and audit retention.

use crate::access::Grant;
use crate::audit::AuditRecord;
use crate::{Store, StoreError, Tx, args, new_id, now_ms};
use bankdesk_domain::Actor;
use bankdesk_domain::ErrorCode;
use bankdesk_domain::access::Purpose;
use bankdesk_domain::alert::{self, AlertStatus};
use bankdesk_domain::approval::Checker;
use bankdesk_domain::error::FieldError;
use bankdesk_domain::export::{self, ExportBasis, ExportStatus};
use bankdesk_domain::legal_order::{self, OrderKind, OrderScope, OrderStatus, format_scope};
use bankdesk_domain::money::format_fen;
use bankdesk_domain::{bank_tz, csv};

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&bank_tz()).to_rfc3339())
        .unwrap_or_default()
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct OrderRow {
    pub id: String,
    pub kind: String,
    pub issuer: String,
    pub document_no: String,
    pub customer_id: String,
    pub scope: String,
    pub valid_from_ms: i64,
    pub valid_until_ms: i64,
    pub status: String,
    pub registered_by: String,
    pub registered_at_ms: i64,
    pub verified_by: Option<String>,
    pub verified_at_ms: Option<i64>,
}

const ORDER_SELECT: &str = "SELECT o.id, o.kind, o.issuer, o.document_no, o.customer_id, o.scope, o.valid_from_ms, \
     o.valid_until_ms, o.status, r.username AS registered_by, o.registered_at_ms, v.username AS verified_by, o.verified_at_ms \
     FROM legal_orders o JOIN users r ON r.id = o.registered_by LEFT JOIN users v ON v.id = o.verified_by";

/// A legal order as registered from the document.
#[derive(Clone, Debug)]
pub struct NewOrder<'a> {
    pub kind: OrderKind,
    pub issuer: &'a str,
    pub document_no: &'a str,
    pub customer_id: &'a str,
    pub scope: &'a [OrderScope],
    pub valid_from_ms: i64,
    pub valid_until_ms: i64,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct ExportRow {
    pub id: String,
    pub customer_id: String,
    pub from_ms: i64,
    pub to_ms: i64,
    pub basis: String,
    pub purpose: String,
    pub status: String,
    pub requested_by: String,
    pub requested_at_ms: i64,
    pub approved_by: Option<String>,
    pub approved_at_ms: Option<i64>,
    pub file_rows: Option<i64>,
}

const EXPORT_SELECT: &str = "SELECT e.id, e.customer_id, e.from_ms, e.to_ms, e.basis, e.purpose, e.status, \
     r.username AS requested_by, e.requested_at_ms, a.username AS approved_by, e.approved_at_ms, e.file_rows \
     FROM statement_exports e JOIN users r ON r.id = e.requested_by LEFT JOIN users a ON a.id = e.approved_by";

#[derive(sqlx::FromRow)]
struct ExportFile {
    customer_id: String,
    requested_by: String,
    approved_by: Option<String>,
    file_csv: Option<String>,
    status: String,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct AlertRow {
    pub id: String,
    pub kind: String,
    pub actor: String,
    pub customer_id: Option<String>,
    pub at_ms: i64,
    pub detail: String,
    pub evidence: String,
    pub status: String,
}

/// Which masked number to reveal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevealField {
    CardNumber,
    IdNumber,
    Phone,
}

fn text(field: &'static str, v: &str, max: usize) -> Result<(), StoreError> {
    if v.trim().is_empty() || v.chars().count() > max {
        return Err(StoreError::Invalid(FieldError::new(
            field,
            format!("1 to {max} characters"),
        )));
    }
    Ok(())
}

impl Store {
    /// Registers an order; it grants nothing until a second compliance officer verifies it.
    pub async fn register_order(
        &self,
        actor: &Actor<'_>,
        o: &NewOrder<'_>,
    ) -> Result<OrderRow, StoreError> {
        text("issuer", o.issuer, 200)?;
        text("document_no", o.document_no, 100)?;
        if o.scope.is_empty() {
            return Err(StoreError::Invalid(FieldError::new(
                "scope",
                "at least one of statements, freeze, stop_payment",
            )));
        }
        if o.valid_until_ms <= o.valid_from_ms {
            return Err(StoreError::Invalid(FieldError::new(
                "valid_until",
                "after valid_from",
            )));
        }
        if !self.customer_exists(o.customer_id).await? {
            return Err(StoreError::Invalid(FieldError::new(
                "customer_id",
                "no such customer",
            )));
        }
        let id = new_id("lo");
        let mut tx = self.db.audited().await?;
        tx.execute(
            "INSERT INTO legal_orders (id, kind, issuer, document_no, customer_id, scope, valid_from_ms, valid_until_ms, \
             status, registered_by, registered_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &args![
                id.as_str(),
                o.kind.as_str(),
                o.issuer.trim(),
                o.document_no.trim(),
                o.customer_id,
                format_scope(o.scope),
                o.valid_from_ms,
                o.valid_until_ms,
                OrderStatus::PendingVerification.as_str(),
                actor.user_id,
                now_ms()
            ],
        )
        .await?;
        tx.audit(
            AuditRecord::by(actor.username, "legal_order.register")
                .customer(o.customer_id)
                .detail(serde_json::json!({"order_id": id, "kind": o.kind.as_str(), "document_no": o.document_no, "scope": format_scope(o.scope)})),
        )
        .await?;
        let row = tx.order(&id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The second officer's check of the document: makes the order active.
    pub async fn verify_order(&self, actor: &Actor<'_>, id: &str) -> Result<OrderRow, StoreError> {
        let mut tx = self.db.audited().await?;
        let (status, registrant): (String, String) = tx
            .fetch_optional(
                "SELECT status, registered_by FROM legal_orders WHERE id = $1",
                &args![id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let state = OrderStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("legal order {id} status")))?;
        let checker = Checker {
            user_id: actor.user_id,
            roles: &[],
        };
        legal_order::verification(state, &registrant)
            .decide(&checker, || Ok(()))
            .map_err(|r| StoreError::approval(r, &legal_order::VERIFICATION_WORDING, &status))?;
        tx.execute(
            "UPDATE legal_orders SET status = $1, verified_by = $2, verified_at_ms = $3 WHERE id = $4",
            &args![OrderStatus::Active.as_str(), actor.user_id, now_ms(), id],
        )
        .await?;
        let row = tx.order(id).await?;
        tx.audit(
            AuditRecord::by(actor.username, "legal_order.verify")
                .customer(row.customer_id.as_str())
                .detail(serde_json::json!({"order_id": id})),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn legal_orders(
        &self,
        customer_id: Option<&str>,
        limit: u32,
    ) -> Result<Vec<OrderRow>, StoreError> {
        let limit = i64::from(limit.clamp(1, 1000));
        match customer_id {
            Some(c) => {
                self.db
                    .fetch_all(
                        &format!("{ORDER_SELECT} WHERE o.customer_id = $1 ORDER BY o.registered_at_ms DESC, o.id DESC LIMIT $2"),
                        &args![c, limit],
                    )
                    .await
            }
            None => {
                self.db
                    .fetch_all(&format!("{ORDER_SELECT} ORDER BY o.registered_at_ms DESC, o.id DESC LIMIT $1"), &args![limit])
                    .await
            }
        }
    }

    /// Approval under dual control; on approval the statement file is produced, with its
    /// watermark line, in the same transaction.
    pub async fn approve_export(
        &self,
        actor: &Actor<'_>,
        id: &str,
    ) -> Result<ExportRow, StoreError> {
        let mut tx = self.db.audited().await?;
        let e = tx.export(id).await?;
        let (requester_id,): (String,) = tx
            .fetch_one(
                "SELECT requested_by FROM statement_exports WHERE id = $1",
                &args![id],
            )
            .await?;
        let basis = ExportBasis::parse(&e.basis)
            .ok_or_else(|| StoreError::Corrupt(format!("export {id} basis")))?;
        let status = ExportStatus::parse(&e.status)
            .ok_or_else(|| StoreError::Corrupt(format!("export {id} status")))?;
        let checker = Checker {
            user_id: actor.user_id,
            roles: actor.roles,
        };
        if let Err(refused) =
            export::approval(basis, status, &requester_id).decide(&checker, || Ok(()))
        {
            let refused = StoreError::approval(refused, &export::APPROVAL_WORDING, &e.status);
            tx.audit(
                AuditRecord::by(actor.username, "statement_export.approval_refused")
                    .customer(e.customer_id.as_str())
                    .purpose(e.purpose.clone())
                    .detail(serde_json::json!({"export_id": id, "reason": refused.to_string()})),
            )
            .await?;
            tx.commit().await?;
            return Err(refused);
        }
        let now = now_ms();
        let mut csv_text = format!(
            "# 对账单导出 statement export {id}; requested by {}; approved by {}; basis {}; purpose {}; generated {}\n",
            e.requested_by,
            actor.username,
            e.basis,
            e.purpose,
            rfc3339(now)
        );
        csv_text.push_str(&csv::line(&[
            "time",
            "amount",
            "currency",
            "channel",
            "merchant",
            "city",
            "country",
            "description",
        ]));
        csv_text.push('\n');
        let lines = tx.approved_export_lines(&e).await?;
        for t in lines.iter().rev() {
            let at = chrono::DateTime::from_timestamp_millis(t.at_ms)
                .map(|x| {
                    let tz =
                        chrono::FixedOffset::east_opt(i32::try_from(t.utc_offset_s).unwrap_or(0))
                            .unwrap_or_else(bank_tz);
                    x.with_timezone(&tz).to_rfc3339()
                })
                .unwrap_or_default();
            csv_text.push_str(&csv::line(&[
                at.as_str(),
                &format_fen(t.amount_fen).replace(',', ""),
                &t.currency,
                &t.channel,
                t.merchant.as_deref().unwrap_or(""),
                &t.city,
                &t.country,
                &t.description,
            ]));
            csv_text.push('\n');
        }
        tx.execute(
            "UPDATE statement_exports SET status = $1, approved_by = $2, approved_at_ms = $3, file_csv = $4, file_rows = $5 WHERE id = $6",
            &args![ExportStatus::Approved.as_str(), actor.user_id, now, csv_text, lines.len() as i64, id],
        )
        .await?;
        tx.audit(
            AuditRecord::by(actor.username, "statement_export.approve")
                .customer(e.customer_id.as_str())
                .purpose(e.purpose.clone())
                .detail(serde_json::json!({"export_id": id, "rows": lines.len()})),
        )
        .await?;
        let row = tx.export(id).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn statement_export(&self, id: &str) -> Result<ExportRow, StoreError> {
        self.db
            .fetch_optional(&format!("{EXPORT_SELECT} WHERE e.id = $1"), &args![id])
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn pending_exports(&self, limit: u32) -> Result<Vec<ExportRow>, StoreError> {
        self.db
            .fetch_all(
                &format!("{EXPORT_SELECT} WHERE e.status = $1 ORDER BY e.requested_at_ms LIMIT $2"),
                &args![
                    ExportStatus::PendingApproval.as_str(),
                    i64::from(limit.clamp(1, 500))
                ],
            )
            .await
    }

    /// The exports `user_id` asked for, newest first.
    pub async fn exports_requested_by(
        &self,
        user_id: &str,
        limit: u32,
    ) -> Result<Vec<ExportRow>, StoreError> {
        self.db
            .fetch_all(
                &format!("{EXPORT_SELECT} WHERE e.requested_by = $1 ORDER BY e.requested_at_ms DESC, e.id LIMIT $2"),
                &args![user_id, i64::from(limit.clamp(1, 500))],
            )
            .await
    }

    /// The approved file, for its requester or approver; every download is audited.
    pub async fn download_export(&self, actor: &Actor<'_>, id: &str) -> Result<String, StoreError> {
        let mut tx = self.db.audited().await?;
        let ExportFile {
            customer_id,
            requested_by,
            approved_by,
            file_csv: file,
            status,
        } = tx
            .fetch_optional(
                "SELECT customer_id, requested_by, approved_by, file_csv, status FROM statement_exports WHERE id = $1",
                &args![id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        if requested_by != actor.user_id && approved_by.as_deref() != Some(actor.user_id) {
            return Err(StoreError::refused(
                ErrorCode::Forbidden,
                "only the requester or the approver downloads the file",
            ));
        }
        let Some(file) = file.filter(|_| status == ExportStatus::Approved.as_str()) else {
            return Err(StoreError::refused(
                ErrorCode::NotApproved,
                "the export is not approved",
            ));
        };
        tx.audit(
            AuditRecord::by(actor.username, "statement_export.download")
                .customer(customer_id.as_str())
                .detail(serde_json::json!({"export_id": id})),
        )
        .await?;
        tx.commit().await?;
        Ok(file)
    }

    pub async fn alerts(
        &self,
        status: Option<AlertStatus>,
        limit: u32,
    ) -> Result<Vec<AlertRow>, StoreError> {
        let limit = i64::from(limit.clamp(1, 1000));
        const COLS: &str =
            "SELECT id, kind, actor, customer_id, at_ms, detail, evidence, status FROM alerts";
        match status {
            Some(s) => {
                self.db
                    .fetch_all(
                        &format!("{COLS} WHERE status = $1 ORDER BY at_ms DESC, id DESC LIMIT $2"),
                        &args![s.as_str(), limit],
                    )
                    .await
            }
            None => {
                self.db
                    .fetch_all(
                        &format!("{COLS} ORDER BY at_ms DESC, id DESC LIMIT $1"),
                        &args![limit],
                    )
                    .await
            }
        }
    }

    /// Compliance acknowledges or closes an alert; audited. Nobody handles an alert about
    /// themselves: its actor, and for a role change also the account and whoever asked
    /// and decided (a refusal is audited and committed, then returned).
    pub async fn set_alert_status(
        &self,
        actor: &Actor<'_>,
        id: &str,
        status: AlertStatus,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.audited().await?;
        let (kind, alert_actor, detail): (String, String, String) = tx
            .fetch_optional(
                "SELECT kind, actor, detail FROM alerts WHERE id = $1",
                &args![id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let detail: serde_json::Value = serde_json::from_str(&detail)
            .map_err(|_| StoreError::Corrupt(format!("alert {id} detail")))?;
        if !alert::may_handle(
            actor.username,
            &alert::concerned(&kind, &alert_actor, &detail),
        ) {
            tx.audit(
                AuditRecord::by(actor.username, "alert.status_refused").detail(
                    serde_json::json!({"alert_id": id, "status": status.as_str(), "reason": "about_self"}),
                ),
            )
            .await?;
            tx.commit().await?;
            return Err(StoreError::refused(
                ErrorCode::ConflictOfInterest,
                "the alert is about you; another compliance officer handles it",
            ));
        }
        tx.execute(
            "UPDATE alerts SET status = $1 WHERE id = $2",
            &args![status.as_str(), id],
        )
        .await?;
        tx.audit(
            AuditRecord::by(actor.username, "alert.status")
                .detail(serde_json::json!({"alert_id": id, "status": status.as_str()})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The last audit record made before `before_ms`: the retention period chooses where
    /// a purge cuts, and the cut itself is by seq.
    pub async fn audit_last_seq_before(&self, before_ms: i64) -> Result<Option<i64>, StoreError> {
        let row: Option<(i64,)> = self
            .db
            .fetch_optional(
                "SELECT seq FROM audit_log WHERE at_ms < $1 ORDER BY seq DESC LIMIT 1",
                &args![before_ms],
            )
            .await?;
        Ok(row.map(|r| r.0))
    }

    /// Deletes the audit records from the chain's base through `through_seq` (never past
    /// its last record), keeping the last deleted record's seq and hash as the new base so
    /// verification holds. The purge is itself audited with the range it cut, in the same
    /// transaction. `None` when nothing is left to purge up to that seq.
    pub async fn audit_purge(
        &self,
        actor: &str,
        through_seq: i64,
    ) -> Result<Option<AuditPurge>, StoreError> {
        let mut tx = self.db.audited().await?;
        let (head_seq, base_seq): (i64, i64) = tx
            .fetch_one("SELECT seq, base_seq FROM audit_head WHERE id = 1", &[])
            .await?;
        let through_seq = through_seq.min(head_seq);
        if through_seq <= base_seq {
            return Ok(None);
        }
        let (hash,): (String,) = tx
            .fetch_optional(
                "SELECT hash FROM audit_log WHERE seq = $1",
                &args![through_seq],
            )
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("audit record {through_seq} is missing")))?;
        let records = tx
            .execute("DELETE FROM audit_log WHERE seq <= $1", &args![through_seq])
            .await?;
        tx.execute(
            "UPDATE audit_head SET base_seq = $1, base_hash = $2 WHERE id = 1",
            &args![through_seq, hash.as_str()],
        )
        .await?;
        let purge = AuditPurge {
            from_seq: base_seq + 1,
            through_seq,
            through_hash: hash,
            records,
        };
        tx.audit(
            AuditRecord::by(actor, "audit.purge").detail(serde_json::json!({
                "from_seq": purge.from_seq,
                "through_seq": purge.through_seq,
                "through_hash": purge.through_hash,
                "records": records,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(purge))
    }
}

/// What a purge cut: the records `from_seq..=through_seq`, the last of which is the
/// chain's new base.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AuditPurge {
    pub from_seq: i64,
    pub through_seq: i64,
    pub through_hash: String,
    /// Records deleted (fewer than the range when some were already missing).
    pub records: u64,
}

impl Tx {
    async fn order(&mut self, id: &str) -> Result<OrderRow, StoreError> {
        self.fetch_optional(&format!("{ORDER_SELECT} WHERE o.id = $1"), &args![id])
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn export(&mut self, id: &str) -> Result<ExportRow, StoreError> {
        self.fetch_optional(&format!("{EXPORT_SELECT} WHERE e.id = $1"), &args![id])
            .await?
            .ok_or(StoreError::NotFound)
    }
}

impl Grant {
    /// Records a statement export request. A customer's own request needs a contact whose
    /// identity verification passed; a legal-order export needs an order purpose. A refusal
    /// is audited and committed like the grant was.
    pub async fn request_export(
        self,
        actor: &Actor<'_>,
        basis: ExportBasis,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<ExportRow, StoreError> {
        let mut tx = self.begin_audited().await?;
        let refusal = match (basis, &self.purpose) {
            (ExportBasis::CustomerRequest, Purpose::Contact(_)) if !self.identity_verified => {
                Some((
                    ErrorCode::IdentityNotVerified,
                    "the customer's identity has not been verified on this contact",
                ))
            }
            (ExportBasis::CustomerRequest, Purpose::Contact(_)) => None,
            (ExportBasis::CustomerRequest, _) => Some((
                ErrorCode::PurposeInvalid,
                "a customer's request comes through a contact with them",
            )),
            (ExportBasis::LegalOrder, Purpose::Order(_)) => None,
            (ExportBasis::LegalOrder, _) => Some((
                ErrorCode::PurposeInvalid,
                "a legal-order export needs an order: purpose",
            )),
        };
        let purpose = self.purpose.to_string();
        if let Some((code, message)) = refusal {
            tx.audit(
                AuditRecord::by(actor.username, "statement_export.refused")
                    .customer(self.customer_id.as_str())
                    .purpose(purpose)
                    .detail(serde_json::json!({"basis": basis.as_str(), "reason": code.code()})),
            )
            .await?;
            tx.commit().await?;
            return Err(StoreError::refused(code, message));
        }
        let id = new_id("ex");
        tx
            .execute(
                "INSERT INTO statement_exports (id, customer_id, from_ms, to_ms, basis, purpose, status, requested_by, requested_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &args![
                    id.as_str(),
                    self.customer_id.as_str(),
                    from_ms,
                    to_ms,
                    basis.as_str(),
                    purpose.as_str(),
                    ExportStatus::PendingApproval.as_str(),
                    actor.user_id,
                    now_ms()
                ],
            )
            .await?;
        tx.audit(
            AuditRecord::by(actor.username, "statement_export.created")
                .customer(self.customer_id.as_str())
                .purpose(purpose)
                .detail(serde_json::json!({"export_id": id, "basis": basis.as_str(), "from": rfc3339(from_ms), "to": rfc3339(to_ms)})),
        )
        .await?;
        let row = tx.export(&id).await?;
        tx.commit().await?;
        Ok(row)
    }
}
