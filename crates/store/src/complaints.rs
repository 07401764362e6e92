//! Complaints on top of cases: extensions signed off by a superior with a notice to the
//! complainant, the pause for external appraisal, complexity, subjects and root causes,
//! merging of repeats, and the complaint register.

use crate::audit::AuditRecord;
use crate::cases::{
    Case, EXTENSION_SELECT, ExtensionRow, PauseKind, check_version, format_root_causes,
    require_work, subject, text,
};
use crate::{Store, StoreError, Tx, args, new_id, now_ms};
use bankdesk_domain::Actor;
use bankdesk_domain::ErrorCode;
use bankdesk_domain::approval::Checker;
use bankdesk_domain::calendar::bank_date;
use bankdesk_domain::complaint::{
    self, Complexity, ExtensionLevel, ExtensionStatus, Handler, MergeSide, RootCause,
    next_extension,
};
use bankdesk_domain::contact::ContactChannel;
use bankdesk_domain::error::FieldError;

/// Changes to a complaint's particulars; `None` leaves a value as it is.
#[derive(Clone, Debug, Default)]
pub struct ComplaintUpdate {
    pub complexity: Option<Complexity>,
    pub root_causes: Option<Vec<RootCause>>,
    /// `Some(None)` clears the subject.
    pub subject_staff: Option<Option<String>>,
    pub subject_branch: Option<Option<String>>,
}

/// A superior's decision on an extension request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
}

/// One line of the complaint register.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct RegisterRow {
    pub case_id: String,
    pub customer_id: String,
    pub customer_name: String,
    pub received_at_ms: i64,
    pub channel: String,
    pub complexity: String,
    pub department: Option<String>,
    pub assignee: Option<String>,
    pub status: String,
    pub due_at_ms: Option<i64>,
    pub extension_level: i64,
    pub root_causes: String,
    pub answered_at_ms: Option<i64>,
    pub merged_into: Option<String>,
    pub summary: String,
}

fn complaint_of(case: &Case) -> Result<&crate::cases::Complaint, StoreError> {
    case.complaint
        .as_ref()
        .ok_or_else(|| StoreError::refused(ErrorCode::RuleRefused, "this case is not a complaint"))
}

fn rule(message: impl Into<String>) -> StoreError {
    StoreError::refused(ErrorCode::RuleRefused, message)
}

/// Whether an extension to `level` can still be approved: the further 30 days carry the
/// superior institution's reference, the complaint is still handled with its clock
/// running, and no other approval has extended it meanwhile.
fn still_extendable(
    case: &Case,
    c: &crate::cases::Complaint,
    level: ExtensionLevel,
    approval_ref: Option<&str>,
) -> Result<(), StoreError> {
    if level.0 >= 2 && approval_ref.is_none() {
        return Err(StoreError::Invalid(FieldError::new(
            "approval_ref",
            "the further 30 days need the superior institution's approval reference",
        )));
    }
    if approval_ref.is_some_and(|r| r.chars().count() > 200) {
        return Err(StoreError::Invalid(FieldError::new(
            "approval_ref",
            "too long",
        )));
    }
    if !case.status.is_open() || case.due_at_ms.is_none() {
        return Err(rule(
            "extend a complaint while it is being handled and its clock runs",
        ));
    }
    if level <= c.extension_level {
        return Err(StoreError::Conflict(
            "the complaint is already extended".into(),
        ));
    }
    Ok(())
}

impl Store {
    /// Asks a superior to extend the answer period; nothing moves until they sign it off.
    pub async fn request_extension(
        &self,
        who: &Actor<'_>,
        case_id: &str,
        reason: &str,
    ) -> Result<ExtensionRow, StoreError> {
        text("reason", reason, 1_000)?;
        let now = now_ms();
        let mut tx = self.db.audited().await?;
        let case = tx.case(case_id).await?;
        let c = complaint_of(&case)?;
        require_work(who, &case)?;
        if !case.status.is_open() {
            return Err(rule("the complaint has been answered"));
        }
        let level =
            next_extension(c.complexity, c.extension_level).map_err(|e| rule(e.to_string()))?;
        let pending: Option<(String,)> = tx
            .fetch_optional(
                "SELECT id FROM case_extensions WHERE case_id = $1 AND status = 'pending_approval'",
                &args![case_id],
            )
            .await?;
        if pending.is_some() {
            return Err(StoreError::Conflict(
                "an extension request is already waiting for sign-off".into(),
            ));
        }
        let id = new_id("ex");
        tx.execute(
            "INSERT INTO case_extensions (id, case_id, level, reason, status, requested_by, requested_at_ms) \
             VALUES ($1, $2, $3, $4, 'pending_approval', $5, $6)",
            &args![id.as_str(), case_id, i64::from(level.0), reason.trim(), who.user_id, now],
        )
        .await?;
        tx.history(
            case_id,
            Some(who.user_id),
            "extension_requested",
            Some(&c.extension_level.0.to_string()),
            Some(&level.0.to_string()),
            Some(reason.trim()),
        )
        .await?;
        tx.audit(
            AuditRecord::by(who.username, "complaint.extension_request")
                .customer(case.customer_id.as_str())
                .detail(
                    serde_json::json!({"case_id": case_id, "extension_id": id, "level": level.0}),
                ),
        )
        .await?;
        let row = tx.extension(&id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// A superior signs an extension off (the deadline moves and the complainant is sent
    /// a notice) or turns it down. The further 30 days need `approval_ref`, the reference
    /// of the superior institution's approval.
    pub async fn decide_extension(
        &self,
        who: &Actor<'_>,
        case_id: &str,
        extension_id: &str,
        decision: Decision,
        approval_ref: Option<&str>,
    ) -> Result<ExtensionRow, StoreError> {
        let now = now_ms();
        let mut tx = self.db.audited().await?;
        let case = tx.case(case_id).await?;
        let c = complaint_of(&case)?.clone();
        let (requester_id, level, status, reason): (String, i64, String, String) = tx
            .fetch_optional(
                "SELECT requested_by, level, status, reason FROM case_extensions WHERE id = $1 AND case_id = $2",
                &args![extension_id, case_id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let level = ExtensionLevel(u8::try_from(level).unwrap_or(u8::MAX));
        let state = ExtensionStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("extension {extension_id} status")))?;
        let approval_ref = approval_ref.map(str::trim).filter(|r| !r.is_empty());
        let checker = Checker {
            user_id: who.user_id,
            roles: who.roles,
        };
        // Re-checked when the superior acts, not only when the extension was asked for:
        // they may still work the case, and an approval still has a running case to extend.
        let recheck = || {
            require_work(who, &case)?;
            if decision == Decision::Approve {
                still_extendable(&case, &c, level, approval_ref)?;
            }
            Ok(())
        };
        complaint::extension_approval(level, state, &requester_id)
            .decide(&checker, recheck)
            .map_err(|r| StoreError::approval(r, &complaint::EXTENSION_WORDING, &status))?;
        if decision == Decision::Reject {
            tx.execute(
                "UPDATE case_extensions SET status = 'rejected', decided_by = $1, decided_at_ms = $2 WHERE id = $3",
                &args![who.user_id, now, extension_id],
            )
            .await?;
            tx.history(
                case_id,
                Some(who.user_id),
                "extension_rejected",
                None,
                None,
                None,
            )
            .await?;
        } else {
            tx.bump(&case, now).await?;
            tx.execute(
                "UPDATE complaints SET extension_level = $1 WHERE case_id = $2",
                &args![i64::from(level.0), case_id],
            )
            .await?;
            let due = tx
                .refresh_clock(&self.calendar, case_id)
                .await?
                .ok_or_else(|| StoreError::Corrupt("a running clock has no deadline".into()))?;
            let notice = complaint::extension_notice(case_id, level, bank_date(due), &reason);
            let contact = tx
                .outbound_contact(
                    who,
                    &case,
                    ContactChannel::Outbound,
                    "complaint_extension_notice",
                    &notice,
                    now,
                )
                .await?;
            tx.link(case_id, &contact, "notice", now).await?;
            tx.execute(
                "UPDATE case_extensions SET status = 'approved', decided_by = $1, decided_at_ms = $2, approval_ref = $3, \
                 new_due_at_ms = $4, notice_contact_id = $5 WHERE id = $6",
                &args![who.user_id, now, approval_ref, due, contact.as_str(), extension_id],
            )
            .await?;
            tx.history(
                case_id,
                Some(who.user_id),
                "extension_approved",
                case.due_at_ms.map(|d| bank_date(d).to_string()).as_deref(),
                Some(&bank_date(due).to_string()),
                approval_ref,
            )
            .await?;
        }
        tx.audit(
            AuditRecord::by(who.username, "complaint.extension_decision")
                .customer(case.customer_id.as_str())
                .detail(serde_json::json!({"case_id": case_id, "extension_id": extension_id, "approved": decision == Decision::Approve})),
        )
        .await?;
        let row = tx.extension(extension_id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Stops (or restarts) a complaint's clock for external appraisal or verification;
    /// the complainant is told when it stops.
    pub async fn complaint_appraisal(
        &self,
        who: &Actor<'_>,
        case_id: &str,
        start: bool,
        note: &str,
        expected_version: Option<i64>,
    ) -> Result<Case, StoreError> {
        text("note", note, 1_000)?;
        let now = now_ms();
        let mut tx = self.db.audited().await?;
        let case = tx.case(case_id).await?;
        complaint_of(&case)?;
        require_work(who, &case)?;
        check_version(&case, expected_version)?;
        if !case.status.is_open() {
            return Err(rule("the complaint has been answered"));
        }
        tx.bump(&case, now).await?;
        if start {
            if !tx
                .start_pause(case_id, PauseKind::ExternalAppraisal, now)
                .await?
            {
                return Err(StoreError::Conflict(
                    "the clock is already stopped for appraisal".into(),
                ));
            }
            let notice = complaint::appraisal_notice(case_id, note);
            let contact = tx
                .outbound_contact(
                    who,
                    &case,
                    ContactChannel::Outbound,
                    "complaint_appraisal_notice",
                    &notice,
                    now,
                )
                .await?;
            tx.link(case_id, &contact, "notice", now).await?;
        } else if !tx
            .end_pause(case_id, PauseKind::ExternalAppraisal, now)
            .await?
        {
            return Err(StoreError::Conflict(
                "the clock is not stopped for appraisal".into(),
            ));
        }
        tx.history(
            case_id,
            Some(who.user_id),
            if start {
                "appraisal_started"
            } else {
                "appraisal_ended"
            },
            None,
            None,
            Some(note.trim()),
        )
        .await?;
        tx.refresh_clock(&self.calendar, case_id).await?;
        tx.audit(
            AuditRecord::by(who.username, "complaint.appraisal")
                .customer(case.customer_id.as_str())
                .detail(serde_json::json!({"case_id": case_id, "start": start})),
        )
        .await?;
        let case = tx.case(case_id).await?;
        tx.commit().await?;
        Ok(case)
    }

    /// Changes complexity, subjects or root causes. A new subject must leave the current
    /// handler without a stake, and complexity cannot drop below an extension granted.
    pub async fn update_complaint(
        &self,
        who: &Actor<'_>,
        case_id: &str,
        u: &ComplaintUpdate,
        expected_version: Option<i64>,
    ) -> Result<Case, StoreError> {
        for (field, v) in [
            ("subject_staff", &u.subject_staff),
            ("subject_branch", &u.subject_branch),
        ] {
            if let Some(Some(s)) = v {
                text(field, s, 100)?;
            }
        }
        let now = now_ms();
        let mut tx = self.db.audited().await?;
        let case = tx.case(case_id).await?;
        let mut c = complaint_of(&case)?.clone();
        require_work(who, &case)?;
        check_version(&case, expected_version)?;
        if let Some(x) = u.complexity {
            let needed = match c.extension_level.0 {
                0 => Complexity::Simple,
                1 => Complexity::Complex,
                _ => Complexity::VeryComplex,
            };
            let rank = |x: Complexity| Complexity::ALL.iter().position(|y| *y == x);
            if rank(x) < rank(needed) {
                return Err(rule(format!(
                    "the complaint was extended as {needed}; it cannot become {x}"
                )));
            }
            c.complexity = x;
        }
        if let Some(r) = &u.root_causes {
            c.root_causes = r.clone();
        }
        if let Some(s) = &u.subject_staff {
            c.subject_staff = s.as_ref().map(|s| s.trim().to_string());
        }
        if let Some(s) = &u.subject_branch {
            c.subject_branch = s.as_ref().map(|s| s.trim().to_string());
        }
        if let Some(assignee) = &case.assignee {
            let dept: Option<(Option<String>,)> = tx
                .fetch_optional(
                    "SELECT department FROM users WHERE username = $1",
                    &args![assignee.as_str()],
                )
                .await?;
            let dept = dept.and_then(|d| d.0);
            complaint::check_recusal(
                Handler {
                    username: assignee,
                    department: dept.as_deref(),
                },
                subject(&c),
            )
            .map_err(|e| {
                StoreError::refused(
                    ErrorCode::Recused,
                    format!("{e}: reassign the complaint before naming this subject"),
                )
            })?;
        }
        tx.bump(&case, now).await?;
        tx.execute(
            "UPDATE complaints SET complexity = $1, root_causes = $2, subject_staff = $3, subject_branch = $4 WHERE case_id = $5",
            &args![
                c.complexity.as_str(),
                format_root_causes(&c.root_causes),
                c.subject_staff.as_deref(),
                c.subject_branch.as_deref(),
                case_id
            ],
        )
        .await?;
        tx.history(
            case_id,
            Some(who.user_id),
            "complaint_updated",
            None,
            Some(
                &serde_json::json!({
                    "complexity": c.complexity,
                    "root_causes": c.root_causes,
                    "subject_staff": c.subject_staff,
                    "subject_branch": c.subject_branch,
                })
                .to_string(),
            ),
            None,
        )
        .await?;
        tx.audit(
            AuditRecord::by(who.username, "complaint.update")
                .customer(case.customer_id.as_str())
                .detail(serde_json::json!({"case_id": case_id})),
        )
        .await?;
        let case = tx.case(case_id).await?;
        tx.commit().await?;
        Ok(case)
    }

    /// Merges a repeat of a complaint into the one being handled: the repeat is closed,
    /// its contacts join the original. With new facts the original restarts from the
    /// repeat's receipt.
    pub async fn merge_complaint(
        &self,
        who: &Actor<'_>,
        repeat_id: &str,
        into_id: &str,
        new_facts: bool,
        note: &str,
    ) -> Result<Case, StoreError> {
        if note.chars().count() > 1_000 {
            return Err(StoreError::Invalid(FieldError::new("note", "too long")));
        }
        let now = now_ms();
        let mut tx = self.db.audited().await?;
        let repeat = tx.case(repeat_id).await?;
        let into = tx.case(into_id).await.map_err(|e| match e {
            StoreError::NotFound => StoreError::Invalid(FieldError::new("into", "no such case")),
            other => other,
        })?;
        let rc = complaint_of(&repeat)?.clone();
        complaint_of(&into)?;
        require_work(who, &repeat)?;
        require_work(who, &into)?;
        complaint::check_merge(
            MergeSide {
                case_id: repeat_id,
                customer_id: &repeat.customer_id,
                open: repeat.status.is_open(),
            },
            MergeSide {
                case_id: into_id,
                customer_id: &into.customer_id,
                open: into.status.is_open(),
            },
        )
        .map_err(|e| rule(e.to_string()))?;
        repeat
            .status
            .move_to(bankdesk_domain::case::CaseStatus::Closed)
            .map_err(|e| StoreError::refused(ErrorCode::IllegalTransition, e.to_string()))?;
        tx.bump(&repeat, now).await?;
        tx.end_pause(repeat_id, PauseKind::WaitingCustomer, now)
            .await?;
        tx.end_pause(repeat_id, PauseKind::ExternalAppraisal, now)
            .await?;
        tx.bump(&into, now).await?;
        tx.execute(
            "UPDATE cases SET status = 'closed', closed_at_ms = $1 WHERE id = $2",
            &args![now, repeat_id],
        )
        .await?;
        tx.execute(
            "UPDATE complaints SET merged_into = $1 WHERE case_id = $2",
            &args![into_id, repeat_id],
        )
        .await?;
        tx.execute(
            "INSERT INTO case_contacts (case_id, contact_id, role, linked_at_ms) \
             SELECT $1, contact_id, 'linked', $2 FROM case_contacts WHERE case_id = $3 \
             ON CONFLICT (case_id, contact_id) DO NOTHING",
            &args![into_id, now, repeat_id],
        )
        .await?;
        if new_facts {
            tx.execute(
                "UPDATE complaints SET received_at_ms = $1, extension_level = 0 WHERE case_id = $2",
                &args![rc.received_at_ms, into_id],
            )
            .await?;
            tx.execute(
                "UPDATE cases SET clock_start_ms = $1 WHERE id = $2",
                &args![rc.received_at_ms, into_id],
            )
            .await?;
        }
        let note = Some(note.trim()).filter(|n| !n.is_empty());
        tx.history(
            repeat_id,
            Some(who.user_id),
            "merged_into",
            Some(repeat.status.as_str()),
            Some(into_id),
            note,
        )
        .await?;
        tx.history(
            into_id,
            Some(who.user_id),
            if new_facts {
                "merged_with_new_facts"
            } else {
                "merged"
            },
            None,
            Some(repeat_id),
            note,
        )
        .await?;
        tx.refresh_clock(&self.calendar, repeat_id).await?;
        tx.refresh_clock(&self.calendar, into_id).await?;
        tx.audit(
            AuditRecord::by(who.username, "complaint.merge")
                .customer(into.customer_id.as_str())
                .detail(serde_json::json!({"repeat": repeat_id, "into": into_id, "new_facts": new_facts})),
        )
        .await?;
        let case = tx.case(into_id).await?;
        tx.commit().await?;
        Ok(case)
    }

    /// The complaint register for complaints received in `[from_ms, to_ms)`, oldest first;
    /// reading it is audited.
    pub async fn complaint_register(
        &self,
        actor: &str,
        from_ms: i64,
        to_ms: i64,
        limit: u32,
    ) -> Result<Vec<RegisterRow>, StoreError> {
        let mut tx = self.db.audited().await?;
        let rows: Vec<RegisterRow> = tx
            .fetch_all(
                "SELECT c.id AS case_id, c.customer_id, cu.name AS customer_name, p.received_at_ms, p.channel, p.complexity, \
                 c.department, a.username AS assignee, c.status, c.due_at_ms, p.extension_level, p.root_causes, \
                 p.answered_at_ms, p.merged_into, c.summary \
                 FROM complaints p JOIN cases c ON c.id = p.case_id JOIN customers cu ON cu.id = c.customer_id \
                 LEFT JOIN users a ON a.id = c.assignee_id \
                 WHERE p.received_at_ms >= $1 AND p.received_at_ms < $2 ORDER BY p.received_at_ms, p.case_id LIMIT $3",
                &args![from_ms, to_ms, i64::from(limit.clamp(1, 100_000))],
            )
            .await?;
        tx.audit(
            AuditRecord::by(actor, "complaint_register.read").detail(
                serde_json::json!({"from_ms": from_ms, "to_ms": to_ms, "rows": rows.len()}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(rows)
    }
}

impl Tx {
    async fn extension(&mut self, id: &str) -> Result<ExtensionRow, StoreError> {
        self.fetch_optional(&format!("{EXTENSION_SELECT} WHERE e.id = $1"), &args![id])
            .await?
            .ok_or(StoreError::NotFound)
    }
}
