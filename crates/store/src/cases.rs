//! Second-line cases: configurable types, the state machine with its full history, notes,
//! linked contacts, answers to the customer, SLA clocks on the business calendar, and
//! optimistic concurrency (every case carries a `version`; a stale write is a conflict).

use crate::audit::AuditRecord;
use crate::{Store, StoreError, Tx, args, new_id, now_ms};
use bankdesk_domain::Actor;
use bankdesk_domain::ErrorCode;
use bankdesk_domain::calendar::{DayBasis, Pause, Sla, bank_date, end_of_day_ms};
use bankdesk_domain::case::{
    CaseAccess, CaseParties, CaseStatus, CaseType, case_access, default_case_types,
};
use bankdesk_domain::complaint::{
    self, ComplaintChannel, Complexity, ExtensionLevel, Handler, RootCause, Subject,
};
use bankdesk_domain::contact::ContactChannel;
use bankdesk_domain::error::FieldError;
use bankdesk_domain::escalation;

/// Summaries, notes and answers are free text but bounded.
pub const MAX_CASE_TEXT: usize = 4_000;

/// The complaint part of a case.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Complaint {
    pub received_at_ms: i64,
    pub channel: ComplaintChannel,
    pub complexity: Complexity,
    pub extension_level: ExtensionLevel,
    pub subject_staff: Option<String>,
    pub subject_branch: Option<String>,
    pub root_causes: Vec<RootCause>,
    pub merged_into: Option<String>,
    pub answered_at_ms: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Case {
    pub id: String,
    pub customer_id: String,
    pub case_type: String,
    pub status: CaseStatus,
    pub department: Option<String>,
    pub assignee_id: Option<String>,
    /// The assignee's username.
    pub assignee: Option<String>,
    pub summary: String,
    pub fields: serde_json::Value,
    pub created_by_id: Option<String>,
    pub created_by: Option<String>,
    pub opened_at_ms: i64,
    /// Where the SLA clock started: the opening, the complaint's receipt, or a reopening.
    pub clock_start_ms: i64,
    /// End of the due day; `None` while the clock is paused.
    pub due_at_ms: Option<i64>,
    pub sla: Sla,
    pub version: i64,
    pub resolved_at_ms: Option<i64>,
    pub closed_at_ms: Option<i64>,
    pub updated_at_ms: i64,
    pub complaint: Option<Complaint>,
}

impl Case {
    fn parties(&self) -> CaseParties<'_> {
        CaseParties {
            created_by: self.created_by_id.as_deref(),
            assignee: self.assignee_id.as_deref(),
            department: self.department.as_deref(),
            complaint: self.complaint.is_some(),
        }
    }

    /// Whether the deadline has passed at `now_ms` while work is still owed.
    pub fn overdue(&self, now_ms: i64) -> bool {
        self.status.is_open()
            && self
                .due_at_ms
                .is_some_and(|d| escalation::overdue(d, now_ms))
    }
}

#[derive(sqlx::FromRow)]
struct CaseDbRow {
    id: String,
    customer_id: String,
    case_type: String,
    status: String,
    department: Option<String>,
    assignee_id: Option<String>,
    assignee: Option<String>,
    summary: String,
    fields: String,
    created_by_id: Option<String>,
    created_by: Option<String>,
    opened_at_ms: i64,
    clock_start_ms: i64,
    due_at_ms: Option<i64>,
    sla_days: i64,
    sla_basis: String,
    version: i64,
    resolved_at_ms: Option<i64>,
    closed_at_ms: Option<i64>,
    updated_at_ms: i64,
    received_at_ms: Option<i64>,
    complaint_channel: Option<String>,
    complexity: Option<String>,
    extension_level: Option<i64>,
    subject_staff: Option<String>,
    subject_branch: Option<String>,
    root_causes: Option<String>,
    merged_into: Option<String>,
    answered_at_ms: Option<i64>,
}

fn corrupt(id: &str, what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("case {id} has {what} {v}"))
}

/// Parses the stored comma-separated root causes.
pub(crate) fn parse_root_causes(s: &str) -> Vec<RootCause> {
    s.split(',')
        .filter_map(|c| RootCause::parse(c.trim()))
        .collect()
}

pub(crate) fn format_root_causes(c: &[RootCause]) -> String {
    c.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}

impl TryFrom<CaseDbRow> for Case {
    type Error = StoreError;

    fn try_from(r: CaseDbRow) -> Result<Case, StoreError> {
        let status =
            CaseStatus::parse(&r.status).ok_or_else(|| corrupt(&r.id, "status", &r.status))?;
        let basis = DayBasis::parse(&r.sla_basis)
            .ok_or_else(|| corrupt(&r.id, "SLA basis", &r.sla_basis))?;
        let complaint = match (r.received_at_ms, r.complaint_channel, r.complexity) {
            (Some(received_at_ms), Some(ch), Some(cx)) => Some(Complaint {
                received_at_ms,
                channel: ComplaintChannel::parse(&ch)
                    .ok_or_else(|| corrupt(&r.id, "complaint channel", &ch))?,
                complexity: Complexity::parse(&cx)
                    .ok_or_else(|| corrupt(&r.id, "complexity", &cx))?,
                extension_level: ExtensionLevel(
                    u8::try_from(r.extension_level.unwrap_or(0)).unwrap_or(u8::MAX),
                ),
                subject_staff: r.subject_staff,
                subject_branch: r.subject_branch,
                root_causes: parse_root_causes(r.root_causes.as_deref().unwrap_or("")),
                merged_into: r.merged_into,
                answered_at_ms: r.answered_at_ms,
            }),
            _ => None,
        };
        Ok(Case {
            fields: serde_json::from_str(&r.fields).unwrap_or(serde_json::Value::Null),
            sla: Sla {
                days: u32::try_from(r.sla_days).unwrap_or(0),
                basis,
            },
            id: r.id,
            customer_id: r.customer_id,
            case_type: r.case_type,
            status,
            department: r.department,
            assignee_id: r.assignee_id,
            assignee: r.assignee,
            summary: r.summary,
            created_by_id: r.created_by_id,
            created_by: r.created_by,
            opened_at_ms: r.opened_at_ms,
            clock_start_ms: r.clock_start_ms,
            due_at_ms: r.due_at_ms,
            version: r.version,
            resolved_at_ms: r.resolved_at_ms,
            closed_at_ms: r.closed_at_ms,
            updated_at_ms: r.updated_at_ms,
            complaint,
        })
    }
}

pub(crate) const CASE_SELECT: &str = "SELECT c.id, c.customer_id, c.case_type, c.status, c.department, c.assignee_id, \
     a.username AS assignee, c.summary, c.fields, c.created_by AS created_by_id, cb.username AS created_by, \
     c.opened_at_ms, c.clock_start_ms, c.due_at_ms, c.sla_days, c.sla_basis, c.version, c.resolved_at_ms, \
     c.closed_at_ms, c.updated_at_ms, p.received_at_ms, p.channel AS complaint_channel, p.complexity, \
     p.extension_level, p.subject_staff, p.subject_branch, p.root_causes, p.merged_into, p.answered_at_ms \
     FROM cases c LEFT JOIN users a ON a.id = c.assignee_id LEFT JOIN users cb ON cb.id = c.created_by \
     LEFT JOIN complaints p ON p.case_id = c.id";

/// One line of a case's history: who did what when, from what to what, and why.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct HistoryRow {
    pub id: String,
    pub at_ms: i64,
    /// Username; `None` for the system (the escalation scheduler).
    pub actor: Option<String>,
    pub action: String,
    pub from_value: Option<String>,
    pub to_value: Option<String>,
    pub note: Option<String>,
}

/// A contact linked to a case: where it came from, later calls, answers sent.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct LinkedContact {
    pub contact_id: String,
    pub role: String,
    pub linked_at_ms: i64,
    pub channel: String,
    pub direction: String,
    pub opened_at_ms: i64,
    /// For answers and notices: the text sent to the customer.
    pub summary: Option<String>,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct ExtensionRow {
    pub id: String,
    pub case_id: String,
    pub level: i64,
    pub reason: String,
    pub status: String,
    pub requested_by: String,
    pub requested_at_ms: i64,
    pub decided_by: Option<String>,
    pub decided_at_ms: Option<i64>,
    pub approval_ref: Option<String>,
    pub new_due_at_ms: Option<i64>,
    pub notice_contact_id: Option<String>,
}

pub(crate) const EXTENSION_SELECT: &str = "SELECT e.id, e.case_id, e.level, e.reason, e.status, r.username AS requested_by, \
     e.requested_at_ms, d.username AS decided_by, e.decided_at_ms, e.approval_ref, e.new_due_at_ms, e.notice_contact_id \
     FROM case_extensions e JOIN users r ON r.id = e.requested_by LEFT JOIN users d ON d.id = e.decided_by";

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct PauseRow {
    pub id: String,
    pub kind: String,
    pub from_ms: i64,
    pub to_ms: Option<i64>,
}

/// Why a case's clock stands still.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PauseKind {
    WaitingCustomer,
    ExternalAppraisal,
}

impl PauseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PauseKind::WaitingCustomer => "waiting_customer",
            PauseKind::ExternalAppraisal => "external_appraisal",
        }
    }
}

/// A case with everything the case page shows.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CaseDetail {
    pub case: Case,
    pub type_name: String,
    pub history: Vec<HistoryRow>,
    pub contacts: Vec<LinkedContact>,
    pub extensions: Vec<ExtensionRow>,
    pub pauses: Vec<PauseRow>,
    /// What the caller may do with it.
    pub access: CaseAccess,
}

/// A complaint as registered.
#[derive(Clone, Debug)]
pub struct NewComplaint {
    pub received_at_ms: i64,
    pub channel: ComplaintChannel,
    pub complexity: Complexity,
    pub subject_staff: Option<String>,
    pub subject_branch: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NewCase {
    pub customer_id: String,
    pub case_type: String,
    pub summary: String,
    pub contact_id: Option<String>,
    pub department: Option<String>,
    pub fields: serde_json::Map<String, serde_json::Value>,
    pub complaint: Option<NewComplaint>,
}

/// The answer sent to the customer, stored as an outbound contact on their timeline.
#[derive(Clone, Debug)]
pub struct Reply {
    pub text: String,
    pub channel: ContactChannel,
}

/// A case type as configured, with whether it is in use.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CaseTypeEntry {
    #[serde(flatten)]
    pub definition: CaseType,
    pub active: bool,
    /// False for a built-in type nobody has changed.
    pub customised: bool,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct DepartmentRow {
    pub code: String,
    pub name: String,
    pub head: Option<String>,
}

/// A case written in bulk (seeding and benchmarks): no history, contacts or jobs.
#[derive(Clone, Debug)]
pub struct BulkCase {
    pub id: String,
    pub customer_id: String,
    pub case_type: String,
    pub status: CaseStatus,
    pub department: String,
    pub summary: String,
    pub opened_at_ms: i64,
    pub due_at_ms: Option<i64>,
    pub sla: Sla,
    pub resolved_at_ms: Option<i64>,
    pub closed_at_ms: Option<i64>,
}

/// Filters of the case lists.
#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    pub status: Option<CaseStatus>,
    pub department: Option<String>,
    /// Only open cases past their deadline, oldest deadline first.
    pub overdue: bool,
    pub now_ms: i64,
    pub limit: u32,
    /// Keyset cursor: the sort time and id of the last row of the previous page.
    pub after: Option<(i64, String)>,
}

pub(crate) fn text(field: &'static str, v: &str, max: usize) -> Result<(), StoreError> {
    if v.trim().is_empty() || v.chars().count() > max {
        return Err(StoreError::Invalid(FieldError::new(
            field,
            format!("1 to {max} characters"),
        )));
    }
    Ok(())
}

fn forbidden(message: &str) -> StoreError {
    StoreError::refused(ErrorCode::Forbidden, message)
}

fn rule(message: impl Into<String>) -> StoreError {
    StoreError::refused(ErrorCode::RuleRefused, message)
}

#[derive(sqlx::FromRow)]
struct CaseTypeRow {
    code: String,
    definition: String,
    active: bool,
}

impl Store {
    /// Built-in types overlaid with the administrators' changes, by code.
    pub async fn case_types(&self) -> Result<Vec<CaseTypeEntry>, StoreError> {
        let rows: Vec<CaseTypeRow> = self
            .db
            .fetch_all(
                "SELECT code, definition, active FROM case_types ORDER BY code",
                &[],
            )
            .await?;
        merge_types(rows)
    }

    /// One active type by code.
    pub async fn case_type(&self, code: &str) -> Result<CaseType, StoreError> {
        self.case_types()
            .await?
            .into_iter()
            .find(|t| t.definition.code == code && t.active)
            .map(|t| t.definition)
            .ok_or_else(|| {
                StoreError::Invalid(FieldError::new(
                    "type",
                    format!("no active case type {code}"),
                ))
            })
    }

    /// Creates or replaces a case type (administrators).
    pub async fn put_case_type(
        &self,
        actor: &Actor<'_>,
        t: &CaseType,
        active: bool,
    ) -> Result<CaseTypeEntry, StoreError> {
        t.validate().map_err(StoreError::Invalid)?;
        if t.complaint && t.sla.basis != DayBasis::Calendar {
            return Err(StoreError::Invalid(FieldError::new(
                "sla.basis",
                "complaints count calendar days from receipt",
            )));
        }
        let definition = serde_json::to_string(t)
            .map_err(|e| StoreError::Corrupt(format!("case type does not serialise: {e}")))?;
        let mut tx = self.db.audited().await?;
        tx.require_department(&t.department).await?;
        let now = now_ms();
        tx.execute(
            "DELETE FROM case_types WHERE code = $1",
            &args![t.code.as_str()],
        )
        .await?;
        tx.execute(
            "INSERT INTO case_types (code, definition, active, updated_by, updated_at_ms) VALUES ($1, $2, $3, $4, $5)",
            &args![t.code.as_str(), definition, active, actor.user_id, now],
        )
        .await?;
        tx.audit(
            AuditRecord::by(actor.username, "case_type.put")
                .detail(serde_json::json!({"code": t.code, "active": active})),
        )
        .await?;
        tx.commit().await?;
        Ok(CaseTypeEntry {
            definition: t.clone(),
            active,
            customised: true,
        })
    }

    pub async fn departments(&self) -> Result<Vec<DepartmentRow>, StoreError> {
        self.db
            .fetch_all(
                "SELECT d.code, d.name, u.username AS head FROM departments d LEFT JOIN users u ON u.id = d.head_id ORDER BY d.code",
                &[],
            )
            .await
    }

    /// Creates or renames a department and sets its head (who is told of breaches).
    pub async fn put_department(
        &self,
        actor: &Actor<'_>,
        code: &str,
        name: &str,
        head_username: Option<&str>,
    ) -> Result<DepartmentRow, StoreError> {
        text("name", name, 100)?;
        if code.is_empty()
            || code.len() > 40
            || !code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(StoreError::Invalid(FieldError::new(
                "code",
                "1-40 of a-z, 0-9 and _",
            )));
        }
        let mut tx = self.db.audited().await?;
        let head = match head_username {
            Some(h) => Some(tx.active_user_id(h).await?.ok_or_else(|| {
                StoreError::Invalid(FieldError::new("head", "no such active user"))
            })?),
            None => None,
        };
        tx.execute("DELETE FROM departments WHERE code = $1", &args![code])
            .await?;
        tx.execute(
            "INSERT INTO departments (code, name, head_id) VALUES ($1, $2, $3)",
            &args![code, name.trim(), head.as_deref()],
        )
        .await?;
        tx.audit(
            AuditRecord::by(actor.username, "department.put")
                .detail(serde_json::json!({"code": code, "head": head_username})),
        )
        .await?;
        tx.commit().await?;
        Ok(DepartmentRow {
            code: code.to_string(),
            name: name.trim().to_string(),
            head: head_username.map(str::to_string),
        })
    }

    /// Whether the customer exists, read together with the index pages a new case of
    /// theirs will change: the newest end of their audit records and of their new cases.
    /// The write that follows holds the bank's one write lock (SQLite) or the audit
    /// chain's (both databases), so a page it must first fetch from disk stalls every
    /// write queued behind it; read here, before the lock, such fetches overlap instead.
    async fn customer_before_write(&self, customer_id: &str) -> Result<bool, StoreError> {
        let row: Option<(String, Option<i64>, Option<String>)> = self
            .db
            .fetch_optional(
                "SELECT c.id, \
                 (SELECT a.seq FROM audit_log a WHERE a.customer_id = c.id ORDER BY a.seq DESC LIMIT 1), \
                 (SELECT k.customer_id FROM cases k WHERE k.customer_id = c.id AND k.status = $2 LIMIT 1) \
                 FROM customers c WHERE c.id = $1",
                &args![customer_id, CaseStatus::New.as_str()],
            )
            .await?;
        Ok(row.is_some())
    }

    /// Opens a case of a configured type for a customer; complaints count from receipt.
    pub async fn create_case(&self, who: &Actor<'_>, n: &NewCase) -> Result<Case, StoreError> {
        text("summary", &n.summary, MAX_CASE_TEXT)?;
        let t = self.case_type(&n.case_type).await?;
        t.check_values(&n.fields).map_err(StoreError::Invalid)?;
        let now = now_ms();
        let (clock_start_ms, sla) = match (&n.complaint, t.complaint) {
            (Some(c), true) => {
                if c.received_at_ms > now + 5 * 60_000 {
                    return Err(StoreError::Invalid(FieldError::new(
                        "complaint.received_at",
                        "not in the future",
                    )));
                }
                (c.received_at_ms, ExtensionLevel::NONE.period())
            }
            (None, false) => (now, t.sla),
            (None, true) => {
                return Err(StoreError::Invalid(FieldError::new(
                    "complaint",
                    "a complaint needs received_at, complexity and channel",
                )));
            }
            (Some(_), false) => {
                return Err(StoreError::Invalid(FieldError::new(
                    "complaint",
                    format!("{} is not a complaint type", t.code),
                )));
            }
        };
        if !self.customer_before_write(&n.customer_id).await? {
            return Err(StoreError::Invalid(FieldError::new(
                "customer_id",
                "no such customer",
            )));
        }
        let department = n.department.clone().unwrap_or_else(|| t.department.clone());
        let due = end_of_day_ms(self.calendar.due_date(bank_date(clock_start_ms), sla, &[]));
        let id = new_id("cs");
        let mut tx = self.db.audited().await?;
        tx.require_department(&department).await?;
        if let Some(contact_id) = &n.contact_id {
            let c = tx.contact(contact_id).await.map_err(|_| {
                StoreError::Invalid(FieldError::new("contact_id", "no such contact"))
            })?;
            if c.customer_id.as_deref() != Some(n.customer_id.as_str()) {
                return Err(StoreError::Invalid(FieldError::new(
                    "contact_id",
                    "the contact is with another customer",
                )));
            }
        }
        tx.execute(
            "INSERT INTO cases (id, customer_id, case_type, status, department, assignee_id, summary, opened_at_ms, \
             due_at_ms, version, fields, created_by, clock_start_ms, sla_days, sla_basis, updated_at_ms) \
             VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, 1, $9, $10, $11, $12, $13, $14)",
            &args![
                id.as_str(),
                n.customer_id.as_str(),
                t.code.as_str(),
                CaseStatus::New.as_str(),
                department.as_str(),
                n.summary.trim(),
                now,
                due,
                serde_json::Value::Object(n.fields.clone()).to_string(),
                who.user_id,
                clock_start_ms,
                i64::from(sla.days),
                sla.basis.as_str(),
                now
            ],
        )
        .await?;
        if let Some(c) = &n.complaint {
            tx.execute(
                "INSERT INTO complaints (case_id, received_at_ms, channel, complexity, extension_level, subject_staff, \
                 subject_branch, root_causes) VALUES ($1, $2, $3, $4, 0, $5, $6, '')",
                &args![
                    id.as_str(),
                    c.received_at_ms,
                    c.channel.as_str(),
                    c.complexity.as_str(),
                    c.subject_staff.as_deref(),
                    c.subject_branch.as_deref()
                ],
            )
            .await?;
        }
        if let Some(contact_id) = &n.contact_id {
            tx.link(&id, contact_id, "origin", now).await?;
        }
        tx.history(
            &id,
            Some(who.user_id),
            "created",
            None,
            Some(CaseStatus::New.as_str()),
            None,
        )
        .await?;
        tx.schedule_jobs(&id, clock_start_ms, due).await?;
        tx.audit(
            AuditRecord::by(who.username, "case.create")
                .customer(n.customer_id.as_str())
                .detail(serde_json::json!({"case_id": id, "type": t.code, "department": department, "complaint": n.complaint.is_some()})),
        )
        .await?;
        let case = tx.case(&id).await?;
        tx.commit().await?;
        Ok(case)
    }

    /// A case with its history, contacts, extensions and pauses, for those who may see it.
    /// The case is the customer's words and the staff's notes about them, so its reading is
    /// audited like a read at the customer gate: the decision (`case.read`, or
    /// `access.refused`) commits before anything of the case is read.
    pub async fn case_detail(&self, who: &Actor<'_>, id: &str) -> Result<CaseDetail, StoreError> {
        // Read before the snapshot opens: a second connection asked for while one is held
        // deadlocks a full pool (every request holding one and waiting for another).
        let types = self.case_types().await?;
        let mut gate = self.db.audited().await?;
        let case = gate.case(id).await?;
        let decided = require(who, &case, CaseAccess::Read);
        let record = match &decided {
            Ok(_) => AuditRecord::by(who.username, "case.read")
                .detail(serde_json::json!({"case_id": id})),
            Err(_) => AuditRecord::by(who.username, "access.refused").detail(
                serde_json::json!({"attempted": "case.read", "case_id": id, "reason": "not_case_party"}),
            ),
        };
        gate.audit(record.customer(case.customer_id.as_str()))
            .await?;
        gate.commit().await?;
        decided?;
        let mut tx = self.db.begin_read().await?;
        let case = tx.case(id).await?;
        let access = require(who, &case, CaseAccess::Read)?;
        let type_name = types
            .into_iter()
            .find(|t| t.definition.code == case.case_type)
            .map_or_else(|| case.case_type.clone(), |t| t.definition.name);
        let detail = CaseDetail {
            history: tx
                .fetch_all(
                    "SELECT h.id, h.at_ms, u.username AS actor, h.action, h.from_value, h.to_value, h.note \
                     FROM case_history h LEFT JOIN users u ON u.id = h.actor_id WHERE h.case_id = $1 ORDER BY h.seq",
                    &args![id],
                )
                .await?,
            contacts: tx
                .fetch_all(
                    "SELECT cc.contact_id, cc.role, cc.linked_at_ms, c.channel, c.direction, c.opened_at_ms, c.summary \
                     FROM case_contacts cc JOIN contacts c ON c.id = cc.contact_id WHERE cc.case_id = $1 \
                     ORDER BY cc.linked_at_ms, cc.contact_id",
                    &args![id],
                )
                .await?,
            extensions: tx
                .fetch_all(
                    &format!("{EXTENSION_SELECT} WHERE e.case_id = $1 ORDER BY e.requested_at_ms, e.id"),
                    &args![id],
                )
                .await?,
            pauses: tx.pauses(id).await?,
            type_name,
            access,
            case,
        };
        tx.commit().await?;
        Ok(detail)
    }

    /// A work list: the caller's department, assignments and own cases, or any department
    /// for supervisors and compliance. Each owner is its own index range read in page
    /// order and stopped at the page's size; several owners' pages are merged, so the cost
    /// is that of the page, never of the bank's history of cases.
    pub async fn list_cases(
        &self,
        who: &Actor<'_>,
        f: &CaseFilter,
    ) -> Result<Vec<Case>, StoreError> {
        let owners: Vec<(&str, &str)> = match (&f.department, who.sees_all_departments()) {
            (Some(d), true) => vec![("department", d.as_str())],
            (None, true) => Vec::new(),
            (Some(d), false) if who.department == Some(d.as_str()) => {
                vec![("department", d.as_str())]
            }
            (Some(_), false) => return Err(forbidden("you see your own department's cases")),
            (None, false) => who
                .department
                .map(|d| ("department", d))
                .into_iter()
                .chain([("assignee_id", who.user_id), ("created_by", who.user_id)])
                .collect(),
        };
        let limit = i64::from(f.limit.clamp(1, 500));
        let (order, keyset) = if f.overdue {
            ("c.due_at_ms, c.id", ">")
        } else {
            ("c.opened_at_ms DESC, c.id DESC", "<")
        };
        let sort_col = if f.overdue {
            "c.due_at_ms"
        } else {
            "c.opened_at_ms"
        };
        let mut a: Vec<crate::db::Arg> = Vec::new();
        let mut bind = |v: crate::db::Arg| {
            a.push(v);
            format!("${}", a.len())
        };
        // One owner's page: its conditions in the order of the index that serves them.
        let mut page = |owner: Option<(&str, &str)>, select: &str| {
            let mut w = vec!["1 = 1".to_string()];
            if let Some((col, v)) = owner {
                w.push(format!("c.{col} = {}", bind(v.into())));
            }
            if f.overdue {
                // The same predicate as the partial indexes, so both databases use them.
                w.push("c.status NOT IN ('resolved', 'closed')".into());
                w.push(format!("c.due_at_ms < {}", bind(f.now_ms.into())));
            } else if let Some(s) = f.status {
                w.push(format!("c.status = {}", bind(s.as_str().into())));
            }
            if let Some((t, id)) = &f.after {
                w.push(format!(
                    "({sort_col}, c.id) {keyset} ({}, {})",
                    bind((*t).into()),
                    bind(id.into())
                ));
            }
            format!(
                "{select} WHERE {} ORDER BY {order} LIMIT {}",
                w.join(" AND "),
                bind(limit.into())
            )
        };
        let sql = match owners.as_slice() {
            [] => page(None, CASE_SELECT),
            [one] => page(Some(*one), CASE_SELECT),
            // Each owner's page of keys comes from its index alone; the pages are merged
            // on those keys, and only the rows of the merged page are read in full.
            many => {
                let select = format!("SELECT c.id, {sort_col} AS k FROM cases c");
                let arms: Vec<String> = many
                    .iter()
                    .enumerate()
                    .map(|(i, o)| format!("SELECT id, k FROM ({}) o{i}", page(Some(*o), &select)))
                    .collect();
                let dir = if f.overdue { "" } else { " DESC" };
                format!(
                    "{CASE_SELECT} WHERE c.id IN (SELECT id FROM ({}) page_keys ORDER BY k{dir}, id{dir} LIMIT {}) \
                     ORDER BY {order} LIMIT {}",
                    arms.join(" UNION "),
                    bind(limit.into()),
                    bind(limit.into())
                )
            }
        };
        let rows: Vec<CaseDbRow> = self.db.fetch_all(&sql, &a).await?;
        rows.into_iter().map(Case::try_from).collect()
    }

    /// Moves a case through the state machine. Resolving needs the answer to the customer
    /// (for complaints, the decision: the closure letter adds the routes of redress).
    pub async fn transition_case(
        &self,
        who: &Actor<'_>,
        id: &str,
        to: CaseStatus,
        note: &str,
        expected_version: Option<i64>,
        reply: Option<&Reply>,
    ) -> Result<Case, StoreError> {
        if note.chars().count() > MAX_CASE_TEXT {
            return Err(StoreError::Invalid(FieldError::new(
                "note",
                format!("at most {MAX_CASE_TEXT} characters"),
            )));
        }
        let now = now_ms();
        let mut tx = self.db.audited().await?;
        let case = tx.case(id).await?;
        require_work(who, &case)?;
        check_version(&case, expected_version)?;
        case.status
            .move_to(to)
            .map_err(|e| StoreError::refused(ErrorCode::IllegalTransition, e.to_string()))?;
        if to == CaseStatus::Assigned && case.assignee_id.is_none() {
            return Err(rule("assign someone through the assignment first"));
        }
        if to == CaseStatus::Closed && case.status.is_open() && note.trim().is_empty() {
            return Err(StoreError::Invalid(FieldError::new(
                "note",
                "say why a case closes without being resolved (withdrawn, duplicate)",
            )));
        }
        let mut reply_contact = None;
        if to == CaseStatus::Resolved {
            let reply = reply.ok_or_else(|| {
                StoreError::Invalid(FieldError::new(
                    "reply",
                    "resolving tells the customer the outcome: send reply.text",
                ))
            })?;
            text("reply.text", &reply.text, MAX_CASE_TEXT)?;
            let letter = match &case.complaint {
                Some(c) => {
                    if c.root_causes.is_empty() {
                        return Err(rule(
                            "record the complaint's root causes before answering it",
                        ));
                    }
                    complaint::closure_letter(&case.id, bank_date(c.received_at_ms), &reply.text)
                }
                None => reply.text.trim().to_string(),
            };
            let contact = tx
                .outbound_contact(who, &case, reply.channel, "case_reply", &letter, now)
                .await?;
            tx.link(id, &contact, "reply", now).await?;
            if case.complaint.is_some() {
                tx.execute(
                    "UPDATE complaints SET answered_at_ms = $1 WHERE case_id = $2",
                    &args![now, id],
                )
                .await?;
            }
            reply_contact = Some(contact);
        }
        let (resolved_at, closed_at) = match to {
            CaseStatus::Resolved => (Some(now), None),
            CaseStatus::Closed => (case.resolved_at_ms, Some(now)),
            _ => (None, None),
        };
        let clock_start = if to == CaseStatus::Reopened {
            now
        } else {
            case.clock_start_ms
        };
        tx.bump(&case, now).await?;
        tx.execute(
            "UPDATE cases SET status = $1, resolved_at_ms = $2, closed_at_ms = $3, clock_start_ms = $4 WHERE id = $5",
            &args![to.as_str(), resolved_at, closed_at, clock_start, id],
        )
        .await?;
        if to.pauses_clock() {
            tx.start_pause(id, PauseKind::WaitingCustomer, now).await?;
        } else if case.status.pauses_clock() {
            tx.end_pause(id, PauseKind::WaitingCustomer, now).await?;
        }
        if !to.is_open() {
            tx.end_pause(id, PauseKind::ExternalAppraisal, now).await?;
        }
        tx.history(
            id,
            Some(who.user_id),
            "transition",
            Some(case.status.as_str()),
            Some(to.as_str()),
            Some(note.trim()).filter(|n| !n.is_empty()),
        )
        .await?;
        tx.refresh_clock(&self.calendar, id).await?;
        tx.audit(
            AuditRecord::by(who.username, "case.transition")
                .customer(case.customer_id.as_str())
                .detail(serde_json::json!({"case_id": id, "from": case.status.as_str(), "to": to.as_str(), "reply_contact_id": reply_contact})),
        )
        .await?;
        let case = tx.case(id).await?;
        tx.commit().await?;
        Ok(case)
    }

    /// Gives the case to a department and/or a person. Assigning someone to a new or
    /// reopened case moves it to `assigned`; a complaint's handler must not have a stake.
    pub async fn assign_case(
        &self,
        who: &Actor<'_>,
        id: &str,
        department: Option<&str>,
        assignee_username: Option<&str>,
        note: &str,
        expected_version: Option<i64>,
    ) -> Result<Case, StoreError> {
        if department.is_none() && assignee_username.is_none() {
            return Err(StoreError::Invalid(FieldError::new(
                "assignee",
                "name a department, an assignee or both",
            )));
        }
        if note.chars().count() > MAX_CASE_TEXT {
            return Err(StoreError::Invalid(FieldError::new("note", "too long")));
        }
        let now = now_ms();
        let mut tx = self.db.audited().await?;
        let case = tx.case(id).await?;
        require_work(who, &case)?;
        check_version(&case, expected_version)?;
        if !case.status.is_open() {
            return Err(StoreError::refused(
                ErrorCode::IllegalTransition,
                "a resolved or closed case is not reassigned; reopen it first",
            ));
        }
        let new_dept = department
            .map(str::to_string)
            .or_else(|| case.department.clone());
        if let Some(d) = department {
            tx.require_department(d).await?;
        }
        let assignee = match assignee_username {
            Some(u) => {
                let (uid, udept): (String, Option<String>) = tx
                    .fetch_optional(
                        "SELECT id, department FROM users WHERE username = $1 AND active = $2",
                        &args![u, true],
                    )
                    .await?
                    .ok_or_else(|| {
                        StoreError::Invalid(FieldError::new("assignee", "no such active user"))
                    })?;
                if udept != new_dept {
                    return Err(StoreError::Invalid(FieldError::new(
                        "assignee",
                        format!(
                            "{u} is not in department {}",
                            new_dept.as_deref().unwrap_or("-")
                        ),
                    )));
                }
                if let Some(c) = &case.complaint {
                    complaint::check_recusal(
                        Handler {
                            username: u,
                            department: udept.as_deref(),
                        },
                        subject(c),
                    )
                    .map_err(|e| StoreError::refused(ErrorCode::Recused, e.to_string()))?;
                }
                Some(uid)
            }
            // A new department starts unassigned.
            None if department.is_some() && new_dept != case.department => None,
            None => case.assignee_id.clone(),
        };
        let new_assignee_name = match (&assignee, assignee_username) {
            (Some(_), Some(u)) => Some(u),
            (Some(_), None) => case.assignee.as_deref(),
            (None, _) => None,
        };
        let status = match (case.status, &assignee) {
            (CaseStatus::New | CaseStatus::Reopened, Some(_)) => CaseStatus::Assigned,
            (s, _) => s,
        };
        tx.bump(&case, now).await?;
        tx.execute(
            "UPDATE cases SET department = $1, assignee_id = $2, status = $3 WHERE id = $4",
            &args![
                new_dept.as_deref(),
                assignee.as_deref(),
                status.as_str(),
                id
            ],
        )
        .await?;
        let owner =
            |d: Option<&str>, a: Option<&str>| format!("{}/{}", d.unwrap_or("-"), a.unwrap_or("-"));
        tx.history(
            id,
            Some(who.user_id),
            "assignment",
            Some(&owner(case.department.as_deref(), case.assignee.as_deref())),
            Some(&owner(new_dept.as_deref(), new_assignee_name)),
            Some(note.trim()).filter(|n| !n.is_empty()),
        )
        .await?;
        if status != case.status {
            tx.history(
                id,
                Some(who.user_id),
                "transition",
                Some(case.status.as_str()),
                Some(status.as_str()),
                None,
            )
            .await?;
        }
        tx.audit(
            AuditRecord::by(who.username, "case.assign")
                .customer(case.customer_id.as_str())
                .detail(serde_json::json!({"case_id": id, "department": new_dept, "assignee": assignee_username})),
        )
        .await?;
        let case = tx.case(id).await?;
        tx.commit().await?;
        Ok(case)
    }

    /// Adds a note to the case's history (anyone who may see the case).
    pub async fn add_case_note(
        &self,
        who: &Actor<'_>,
        id: &str,
        note: &str,
    ) -> Result<HistoryRow, StoreError> {
        text("text", note, MAX_CASE_TEXT)?;
        let mut tx = self.db.audited().await?;
        let case = tx.case(id).await?;
        require(who, &case, CaseAccess::Read)?;
        let hid = tx
            .history(id, Some(who.user_id), "note", None, None, Some(note.trim()))
            .await?;
        tx.audit(
            AuditRecord::by(who.username, "case.note")
                .customer(case.customer_id.as_str())
                .detail(serde_json::json!({"case_id": id, "history_id": hid})),
        )
        .await?;
        let row = tx
            .fetch_one(
                "SELECT h.id, h.at_ms, u.username AS actor, h.action, h.from_value, h.to_value, h.note \
                 FROM case_history h LEFT JOIN users u ON u.id = h.actor_id WHERE h.id = $1",
                &args![hid],
            )
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Links another contact of the same customer (a repeat call, a visit) to the case.
    pub async fn link_case_contact(
        &self,
        who: &Actor<'_>,
        id: &str,
        contact_id: &str,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let mut tx = self.db.audited().await?;
        let case = tx.case(id).await?;
        require(who, &case, CaseAccess::Read)?;
        let c = tx
            .contact(contact_id)
            .await
            .map_err(|_| StoreError::Invalid(FieldError::new("contact_id", "no such contact")))?;
        if c.customer_id.as_deref() != Some(case.customer_id.as_str()) {
            return Err(StoreError::Invalid(FieldError::new(
                "contact_id",
                "the contact is with another customer",
            )));
        }
        tx.link(id, contact_id, "linked", now).await?;
        tx.history(
            id,
            Some(who.user_id),
            "contact_linked",
            None,
            Some(contact_id),
            None,
        )
        .await?;
        tx.audit(
            AuditRecord::by(who.username, "case.link_contact")
                .customer(case.customer_id.as_str())
                .detail(serde_json::json!({"case_id": id, "contact_id": contact_id})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sends the customer an interim answer without changing the case's state.
    pub async fn reply_to_customer(
        &self,
        who: &Actor<'_>,
        id: &str,
        reply: &Reply,
    ) -> Result<String, StoreError> {
        text("text", &reply.text, MAX_CASE_TEXT)?;
        let now = now_ms();
        let mut tx = self.db.audited().await?;
        let case = tx.case(id).await?;
        require_work(who, &case)?;
        let contact = tx
            .outbound_contact(
                who,
                &case,
                reply.channel,
                "case_reply",
                reply.text.trim(),
                now,
            )
            .await?;
        tx.link(id, &contact, "reply", now).await?;
        tx.history(id, Some(who.user_id), "reply", None, Some(&contact), None)
            .await?;
        tx.audit(
            AuditRecord::by(who.username, "case.reply")
                .customer(case.customer_id.as_str())
                .detail(serde_json::json!({"case_id": id, "contact_id": contact})),
        )
        .await?;
        tx.commit().await?;
        Ok(contact)
    }
}

impl Tx {
    /// Writes cases with multi-row inserts; the caller picks the transaction boundary.
    pub async fn insert_cases(&mut self, cases: &[BulkCase]) -> Result<(), StoreError> {
        let rows = cases
            .iter()
            .map(|c| {
                args![
                    c.id.as_str(),
                    c.customer_id.as_str(),
                    c.case_type.as_str(),
                    c.status.as_str(),
                    c.department.as_str(),
                    c.summary.as_str(),
                    c.opened_at_ms,
                    c.due_at_ms,
                    c.opened_at_ms,
                    i64::from(c.sla.days),
                    c.sla.basis.as_str(),
                    c.resolved_at_ms,
                    c.closed_at_ms,
                    c.closed_at_ms
                        .or(c.resolved_at_ms)
                        .unwrap_or(c.opened_at_ms)
                ]
            })
            .collect();
        crate::bank::insert_rows(self, &BULK_CASES, rows).await
    }
}

/// The columns a bulk load of cases fills (the benchmark's million cases).
const BULK_CASES: crate::bank::Table = crate::bank::Table {
    name: "cases",
    columns: &[
        "id",
        "customer_id",
        "case_type",
        "status",
        "department",
        "summary",
        "opened_at_ms",
        "due_at_ms",
        "clock_start_ms",
        "sla_days",
        "sla_basis",
        "resolved_at_ms",
        "closed_at_ms",
        "updated_at_ms",
    ],
};

/// How many cases there are, are open, and are open past their deadline at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CaseCounts {
    pub total: i64,
    pub open: i64,
    pub overdue: i64,
}

impl Store {
    pub async fn count_cases(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = self.db.fetch_one_row("SELECT COUNT(*) FROM cases").await?;
        Ok(n)
    }

    pub async fn case_counts(&self, now_ms: i64) -> Result<CaseCounts, StoreError> {
        let (open,): (i64,) = self
            .db
            .fetch_one_row("SELECT COUNT(*) FROM cases WHERE status NOT IN ('resolved', 'closed')")
            .await?;
        let overdue: Option<(i64,)> = self
            .db
            .fetch_optional(
                "SELECT COUNT(*) FROM cases WHERE status NOT IN ('resolved', 'closed') AND due_at_ms < $1",
                &args![now_ms],
            )
            .await?;
        Ok(CaseCounts {
            total: self.count_cases().await?,
            open,
            overdue: overdue.map_or(0, |r| r.0),
        })
    }

    /// Refreshes the planner's statistics after a bulk load: of the bank's own tables
    /// only, since a PostgreSQL database may hold other schemas (other banks' test runs)
    /// that a plain `ANALYZE` would read through too.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        match self.db.dialect() {
            crate::Dialect::Sqlite => {
                self.db.execute("ANALYZE", &[]).await?;
            }
            crate::Dialect::Postgres => {
                let tables: Vec<(String,)> = self
                    .db
                    .fetch_all(
                        "SELECT quote_ident(tablename) FROM pg_tables \
                         WHERE schemaname = current_schema() ORDER BY tablename",
                        &[],
                    )
                    .await?;
                if !tables.is_empty() {
                    let names: Vec<String> = tables.into_iter().map(|t| t.0).collect();
                    self.db
                        .execute(&format!("ANALYZE {}", names.join(", ")), &[])
                        .await?;
                }
            }
        }
        Ok(())
    }
}

fn merge_types(rows: Vec<CaseTypeRow>) -> Result<Vec<CaseTypeEntry>, StoreError> {
    let mut out: Vec<CaseTypeEntry> = default_case_types()
        .into_iter()
        .map(|definition| CaseTypeEntry {
            definition,
            active: true,
            customised: false,
        })
        .collect();
    for r in rows {
        let definition: CaseType = serde_json::from_str(&r.definition)
            .map_err(|e| StoreError::Corrupt(format!("case type {}: {e}", r.code)))?;
        let entry = CaseTypeEntry {
            definition,
            active: r.active,
            customised: true,
        };
        match out.iter_mut().find(|e| e.definition.code == r.code) {
            Some(e) => *e = entry,
            None => out.push(entry),
        }
    }
    Ok(out)
}

pub(crate) fn subject(c: &Complaint) -> Subject<'_> {
    Subject {
        staff: c.subject_staff.as_deref(),
        branch: c.subject_branch.as_deref(),
    }
}

/// The caller's access to the case, at least `needed`.
pub(crate) fn require(
    who: &Actor<'_>,
    case: &Case,
    needed: CaseAccess,
) -> Result<CaseAccess, StoreError> {
    match case_access(who.user_id, who.department, who.roles, &case.parties()) {
        Some(a) if a >= needed => Ok(a),
        Some(_) => Err(forbidden(
            "only the case's assignee, its department and supervisors work it",
        )),
        None => Err(forbidden(
            "the case is not yours, your department's or one you opened",
        )),
    }
}

/// Work access, and for a complaint no stake in it.
pub(crate) fn require_work(who: &Actor<'_>, case: &Case) -> Result<(), StoreError> {
    require(who, case, CaseAccess::Work)?;
    if let Some(c) = &case.complaint {
        complaint::check_recusal(
            Handler {
                username: who.username,
                department: who.department,
            },
            subject(c),
        )
        .map_err(|e| StoreError::refused(ErrorCode::Recused, e.to_string()))?;
    }
    Ok(())
}

pub(crate) fn check_version(case: &Case, expected: Option<i64>) -> Result<(), StoreError> {
    match expected {
        Some(v) if v != case.version => Err(StoreError::Conflict(format!(
            "the case was changed meanwhile (version {} now, {v} sent); reload it",
            case.version
        ))),
        _ => Ok(()),
    }
}

impl Tx {
    pub(crate) async fn case(&mut self, id: &str) -> Result<Case, StoreError> {
        let row: CaseDbRow = self
            .fetch_optional(&format!("{CASE_SELECT} WHERE c.id = $1"), &args![id])
            .await?
            .ok_or(StoreError::NotFound)?;
        Case::try_from(row)
    }

    /// Takes the next version, failing if someone else took it first.
    pub(crate) async fn bump(&mut self, case: &Case, now: i64) -> Result<(), StoreError> {
        let n = self
            .execute(
                "UPDATE cases SET version = version + 1, updated_at_ms = $1 WHERE id = $2 AND version = $3",
                &args![now, case.id.as_str(), case.version],
            )
            .await?;
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict(
                "the case was changed meanwhile; reload it".into(),
            ))
        }
    }

    pub(crate) async fn history(
        &mut self,
        case_id: &str,
        actor_id: Option<&str>,
        action: &str,
        from: Option<&str>,
        to: Option<&str>,
        note: Option<&str>,
    ) -> Result<String, StoreError> {
        let id = new_id("ch");
        self.execute(
            "INSERT INTO case_history (id, case_id, seq, at_ms, actor_id, action, from_value, to_value, note) \
             SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6, $7, $8 FROM case_history WHERE case_id = $2",
            &args![id.as_str(), case_id, now_ms(), actor_id, action, from, to, note],
        )
        .await?;
        Ok(id)
    }

    pub(crate) async fn link(
        &mut self,
        case_id: &str,
        contact_id: &str,
        role: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO case_contacts (case_id, contact_id, role, linked_at_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (case_id, contact_id) DO NOTHING",
            &args![case_id, contact_id, role, now],
        )
        .await?;
        Ok(())
    }

    /// Writes what was sent to the customer as a closed outbound contact on their
    /// timeline, with the text as its summary.
    pub(crate) async fn outbound_contact(
        &mut self,
        who: &Actor<'_>,
        case: &Case,
        channel: ContactChannel,
        category: &str,
        text: &str,
        now: i64,
    ) -> Result<String, StoreError> {
        let id = new_id("ct");
        self.execute(
            "INSERT INTO contacts (id, customer_id, channel, direction, status, handler_id, opened_at_ms, closed_at_ms, \
             category, resolved, summary) VALUES ($1, $2, $3, 'outbound', 'closed', $4, $5, $6, $7, $8, $9)",
            &args![
                id.as_str(),
                case.customer_id.as_str(),
                channel.as_str(),
                who.user_id,
                now,
                now,
                category,
                true,
                text
            ],
        )
        .await?;
        Ok(id)
    }

    pub(crate) async fn pauses(&mut self, case_id: &str) -> Result<Vec<PauseRow>, StoreError> {
        self.fetch_all(
            "SELECT id, kind, from_ms, to_ms FROM case_pauses WHERE case_id = $1 ORDER BY from_ms, id",
            &args![case_id],
        )
        .await
    }

    pub(crate) async fn start_pause(
        &mut self,
        case_id: &str,
        kind: PauseKind,
        now: i64,
    ) -> Result<bool, StoreError> {
        let open: Option<(String,)> = self
            .fetch_optional(
                "SELECT id FROM case_pauses WHERE case_id = $1 AND kind = $2 AND to_ms IS NULL",
                &args![case_id, kind.as_str()],
            )
            .await?;
        if open.is_some() {
            return Ok(false);
        }
        self.execute(
            "INSERT INTO case_pauses (id, case_id, kind, from_ms, to_ms) VALUES ($1, $2, $3, $4, NULL)",
            &args![new_id("cp"), case_id, kind.as_str(), now],
        )
        .await?;
        Ok(true)
    }

    pub(crate) async fn end_pause(
        &mut self,
        case_id: &str,
        kind: PauseKind,
        now: i64,
    ) -> Result<bool, StoreError> {
        let n = self
            .execute(
                "UPDATE case_pauses SET to_ms = $1 WHERE case_id = $2 AND kind = $3 AND to_ms IS NULL",
                &args![now, case_id, kind.as_str()],
            )
            .await?;
        Ok(n > 0)
    }

    /// Recomputes the deadline from the clock's start, the SLA in force and the pauses,
    /// and reschedules the escalation jobs. A paused or finished case has no pending jobs;
    /// a paused one has no deadline until its clock runs again.
    pub(crate) async fn refresh_clock(
        &mut self,
        cal: &bankdesk_domain::calendar::BusinessCalendar,
        case_id: &str,
    ) -> Result<Option<i64>, StoreError> {
        let case = self.case(case_id).await?;
        let pauses = self.pauses(case_id).await?;
        let sla = case
            .complaint
            .as_ref()
            .map_or(case.sla, |c| c.extension_level.period());
        let due = if pauses.iter().any(|p| p.to_ms.is_none()) {
            None
        } else {
            let closed: Vec<Pause> = pauses
                .iter()
                .filter_map(|p| {
                    p.to_ms.map(|to| Pause {
                        from: bank_date(p.from_ms),
                        to: bank_date(to),
                    })
                })
                .collect();
            Some(end_of_day_ms(cal.due_date(
                bank_date(case.clock_start_ms),
                sla,
                &closed,
            )))
        };
        self.execute(
            "UPDATE cases SET due_at_ms = $1, sla_days = $2, sla_basis = $3 WHERE id = $4",
            &args![due, i64::from(sla.days), sla.basis.as_str(), case_id],
        )
        .await?;
        let live = if case.status.is_open() { due } else { None };
        self.reschedule_jobs(case_id, case.clock_start_ms, live)
            .await?;
        Ok(due)
    }

    /// Replaces the case's pending escalation jobs with those of `due`. A job already sent
    /// for the same deadline is not scheduled again.
    pub(crate) async fn reschedule_jobs(
        &mut self,
        case_id: &str,
        clock_start_ms: i64,
        due: Option<i64>,
    ) -> Result<(), StoreError> {
        self.execute(
            "DELETE FROM case_jobs WHERE case_id = $1 AND state = 'pending'",
            &args![case_id],
        )
        .await?;
        match due {
            Some(due) => self.schedule_jobs(case_id, clock_start_ms, due).await,
            None => Ok(()),
        }
    }

    /// Schedules the escalation jobs of deadline `due` in one statement; a new case goes
    /// straight here, since it has no pending jobs to replace.
    pub(crate) async fn schedule_jobs(
        &mut self,
        case_id: &str,
        clock_start_ms: i64,
        due: i64,
    ) -> Result<(), StoreError> {
        let jobs = escalation::schedule(clock_start_ms, due);
        let args: Vec<crate::db::Arg> = jobs
            .iter()
            .flat_map(|(kind, at)| args![new_id("jb"), case_id, kind.as_str(), due, *at, "pending"])
            .collect();
        let sql = format!(
            "{} ON CONFLICT (case_id, kind, deadline_ms) DO NOTHING",
            crate::db::multi_insert_in(
                self.dialect(),
                "case_jobs",
                &["id", "case_id", "kind", "deadline_ms", "run_at_ms", "state"],
                jobs.len()
            )
        );
        self.execute(&sql, &args).await?;
        Ok(())
    }

    pub(crate) async fn require_department(&mut self, code: &str) -> Result<(), StoreError> {
        let row: Option<(String,)> = self
            .fetch_optional("SELECT code FROM departments WHERE code = $1", &args![code])
            .await?;
        row.map(|_| ()).ok_or_else(|| {
            StoreError::Invalid(FieldError::new(
                "department",
                format!("no department {code}"),
            ))
        })
    }

    pub(crate) async fn active_user_id(
        &mut self,
        username: &str,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = self
            .fetch_optional(
                "SELECT id FROM users WHERE username = $1 AND active = $2",
                &args![username, true],
            )
            .await?;
        Ok(row.map(|r| r.0))
    }
}
