//! The escalation scheduler's storage (the worker that runs it on a timer is
//! `bankdesk_desk::escalation`). Its work is stored: every deadline has its jobs in
//! `case_jobs`, and a worker claims a job by a conditional UPDATE from `pending` in the
//! same transaction that writes the job's notifications. A job is therefore sent exactly
//! once, whether workers run side by side or the process stops halfway (the transaction
//! rolls back and the job is still pending after the restart).

use crate::audit::AuditRecord;
use crate::{Store, StoreError, args, new_id, now_ms};
use bankdesk_domain::calendar::bank_date;
use bankdesk_domain::escalation::{JobKind, Owners, notice_text, recipients};
use bankdesk_domain::role::{Role, parse_roles};

/// What one run of the worker did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct JobsRun {
    /// Jobs whose notifications this worker wrote.
    pub sent: u32,
    /// Jobs that no longer applied (the case finished, or its deadline moved).
    pub dropped: u32,
}

enum Outcome {
    Sent,
    Dropped,
    /// Another worker claimed it first.
    Taken,
}

#[derive(sqlx::FromRow)]
struct JobRow {
    case_id: String,
    kind: String,
    deadline_ms: i64,
}

#[derive(sqlx::FromRow)]
struct StaffRow {
    id: String,
    username: String,
    roles: String,
    department: Option<String>,
}

/// A notification for one member of staff.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct NotificationRow {
    pub id: String,
    pub kind: String,
    pub case_id: Option<String>,
    pub text: String,
    pub created_at_ms: i64,
    pub read_at_ms: Option<i64>,
}

const BATCH: i64 = 200;

impl Store {
    /// Sends every escalation job due at `now_ms`. Safe to run from several workers on one
    /// database at once, and again after a crash.
    pub async fn run_due_jobs(&self, worker: &str, now_ms: i64) -> Result<JobsRun, StoreError> {
        let mut run = JobsRun::default();
        let types = self.case_types().await?;
        loop {
            let due: Vec<(String,)> = self
                .db
                .fetch_all(
                    "SELECT id FROM case_jobs WHERE state = 'pending' AND run_at_ms <= $1 ORDER BY run_at_ms, id LIMIT $2",
                    &args![now_ms, BATCH],
                )
                .await?;
            let full = due.len() as i64 == BATCH;
            let mut progressed = false;
            for (id,) in due {
                match self.run_job(&id, worker, now_ms, &types).await? {
                    Outcome::Sent => run.sent += 1,
                    Outcome::Dropped => run.dropped += 1,
                    Outcome::Taken => continue,
                }
                progressed = true;
            }
            if !full || !progressed {
                return Ok(run);
            }
        }
    }

    async fn run_job(
        &self,
        job_id: &str,
        worker: &str,
        now: i64,
        types: &[crate::cases::CaseTypeEntry],
    ) -> Result<Outcome, StoreError> {
        let mut tx = self.db.audited().await?;
        let claimed = tx
            .execute(
                "UPDATE case_jobs SET state = 'sent', done_at_ms = $1, worker = $2 WHERE id = $3 AND state = 'pending'",
                &args![now, worker, job_id],
            )
            .await?;
        if claimed == 0 {
            return Ok(Outcome::Taken);
        }
        let job: JobRow = tx
            .fetch_one(
                "SELECT case_id, kind, deadline_ms FROM case_jobs WHERE id = $1",
                &args![job_id],
            )
            .await?;
        let kind = JobKind::parse(&job.kind)
            .ok_or_else(|| StoreError::Corrupt(format!("job {job_id} has kind {}", job.kind)))?;
        let case = tx.case(&job.case_id).await?;
        if !case.status.is_open() || case.due_at_ms != Some(job.deadline_ms) {
            tx.execute(
                "UPDATE case_jobs SET state = 'dropped' WHERE id = $1",
                &args![job_id],
            )
            .await?;
            // A job that no longer applies sends nothing, so there is nothing to audit.
            tx.commit_allow_unaudited().await?;
            return Ok(Outcome::Dropped);
        }
        let staff: Vec<StaffRow> = tx
            .fetch_all(
                "SELECT id, username, roles, department FROM users WHERE active = $1 ORDER BY username",
                &args![true],
            )
            .await?;
        let head: Option<(Option<String>,)> = tx
            .fetch_optional(
                "SELECT head_id FROM departments WHERE code = $1",
                &args![case.department.as_deref()],
            )
            .await?;
        let head = head.and_then(|h| h.0);
        let members: Vec<String> = staff
            .iter()
            .filter(|u| u.department.is_some() && u.department == case.department)
            .map(|u| u.id.clone())
            .collect();
        let supervisors: Vec<String> = staff
            .iter()
            .filter(|u| parse_roles(&u.roles).is_ok_and(|r| r.contains(&Role::Supervisor)))
            .map(|u| u.id.clone())
            .collect();
        let active = |id: &str| staff.iter().any(|u| u.id == id);
        let to = recipients(
            kind,
            &Owners {
                assignee: case.assignee_id.as_deref().filter(|a| active(a)),
                department_members: &members,
                department_head: head.as_deref().filter(|h| active(h)),
                supervisors: &supervisors,
            },
        );
        let type_name = types
            .iter()
            .find(|t| t.definition.code == case.case_type)
            .map_or(case.case_type.as_str(), |t| t.definition.name.as_str());
        let text = notice_text(kind, &case.id, type_name, bank_date(job.deadline_ms));
        for r in &to {
            tx.execute(
                "INSERT INTO notifications (id, recipient_id, kind, case_id, job_id, text, created_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (job_id, recipient_id) DO NOTHING",
                &args![new_id("nf"), r.as_str(), kind.as_str(), case.id.as_str(), job_id, text.as_str(), now],
            )
            .await?;
        }
        let names: Vec<&str> = to
            .iter()
            .filter_map(|id| staff.iter().find(|u| &u.id == id))
            .map(|u| u.username.as_str())
            .collect();
        tx.history(
            &case.id,
            None,
            &format!("escalation_{}", kind.as_str()),
            None,
            Some(&names.join(",")),
            None,
        )
        .await?;
        tx.audit(
            AuditRecord::by("system", "case.escalation")
                .customer(case.customer_id.as_str())
                .detail(serde_json::json!({"case_id": case.id, "job_id": job_id, "kind": kind.as_str(), "recipients": names})),
        )
        .await?;
        tx.commit().await?;
        Ok(Outcome::Sent)
    }

    /// The caller's notifications, newest first.
    pub async fn notifications(
        &self,
        user_id: &str,
        unread_only: bool,
        limit: u32,
    ) -> Result<Vec<NotificationRow>, StoreError> {
        let unread = if unread_only {
            " AND read_at_ms IS NULL"
        } else {
            ""
        };
        self.db
            .fetch_all(
                &format!(
                    "SELECT id, kind, case_id, text, created_at_ms, read_at_ms FROM notifications \
                     WHERE recipient_id = $1{unread} ORDER BY created_at_ms DESC, id DESC LIMIT $2"
                ),
                &args![user_id, i64::from(limit.clamp(1, 500))],
            )
            .await
    }

    /// Marks one of the caller's notifications read.
    pub async fn mark_notification_read(&self, user_id: &str, id: &str) -> Result<(), StoreError> {
        let n = self
            .db
            .execute(
                "UPDATE notifications SET read_at_ms = $1 WHERE id = $2 AND recipient_id = $3 AND read_at_ms IS NULL",
                &args![now_ms(), id, user_id],
            )
            .await?;
        if n == 0 {
            let mine: Option<(String,)> = self
                .db
                .fetch_optional(
                    "SELECT id FROM notifications WHERE id = $1 AND recipient_id = $2",
                    &args![id, user_id],
                )
                .await?;
            mine.ok_or(StoreError::NotFound)?;
        }
        Ok(())
    }
}
