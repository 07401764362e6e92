//! Role requests: granting a privileged role, or creating an account that holds one, waits
//! for a second person (the shared maker-checker rule, `bankdesk_domain::approval`, with
//! the separation-of-duties rules of `bankdesk_domain::duty` judged again when the checker
//! acts). Every step is audited with the change and alerted to compliance (`role_change`).

use crate::audit::{AuditRecord, AuditedTx};
use crate::{Store, StoreError, args, new_id, now_ms};
use bankdesk_domain::Actor;
use bankdesk_domain::alert::AlertKind;
use bankdesk_domain::approval::Checker;
use bankdesk_domain::duty::{self, DutyError, RoleChangeStep, RoleRequestKind, RoleRequestStatus};
use bankdesk_domain::role::{Role, format_roles, parse_roles};

/// A role request as its lists show it, with usernames for the people in it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RoleRequest {
    pub id: String,
    pub user_id: String,
    pub username: String,
    pub kind: RoleRequestKind,
    pub roles_from: Vec<Role>,
    pub roles_to: Vec<Role>,
    pub status: RoleRequestStatus,
    /// The maker's user id, which the maker-checker rule compares.
    #[serde(skip)]
    pub requester_id: String,
    pub requested_by: String,
    pub requested_at_ms: i64,
    pub decided_by: Option<String>,
    pub decided_at_ms: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct RequestRow {
    id: String,
    user_id: String,
    username: String,
    kind: String,
    roles_from: String,
    roles_to: String,
    status: String,
    requester_id: String,
    requested_by: String,
    requested_at_ms: i64,
    decided_by: Option<String>,
    decided_at_ms: Option<i64>,
}

impl TryFrom<RequestRow> for RoleRequest {
    type Error = StoreError;
    fn try_from(r: RequestRow) -> Result<RoleRequest, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("role request {} {what}", r.id));
        Ok(RoleRequest {
            kind: RoleRequestKind::parse(&r.kind).ok_or_else(|| corrupt("kind"))?,
            status: RoleRequestStatus::parse(&r.status).ok_or_else(|| corrupt("status"))?,
            roles_from: parse_roles(&r.roles_from).map_err(StoreError::Corrupt)?,
            roles_to: parse_roles(&r.roles_to).map_err(StoreError::Corrupt)?,
            id: r.id,
            user_id: r.user_id,
            username: r.username,
            requester_id: r.requester_id,
            requested_by: r.requested_by,
            requested_at_ms: r.requested_at_ms,
            decided_by: r.decided_by,
            decided_at_ms: r.decided_at_ms,
        })
    }
}

const REQUEST_SELECT: &str = "SELECT q.id, q.user_id, u.username, q.kind, q.roles_from, q.roles_to, q.status, \
     q.requested_by AS requester_id, m.username AS requested_by, q.requested_at_ms, \
     d.username AS decided_by, q.decided_at_ms \
     FROM role_requests q JOIN users u ON u.id = q.user_id JOIN users m ON m.id = q.requested_by \
     LEFT JOIN users d ON d.id = q.decided_by";

/// A refusal of the separation-of-duties rules, with its code.
pub(crate) fn duty_refused(e: DutyError) -> StoreError {
    StoreError::refused(e.code(), e.to_string())
}

/// One step of a role change, as its compliance alert describes it.
pub(crate) struct RoleEvent<'a> {
    pub event: RoleChangeStep,
    /// The account whose roles change.
    pub username: &'a str,
    pub roles_from: &'a [Role],
    pub roles_to: &'a [Role],
    pub request_id: Option<&'a str>,
    pub requested_by: &'a str,
    pub decided_by: Option<&'a str>,
}

impl AuditedTx {
    /// Raises the `role_change` alert of `e`, done by `actor`, pointing at `audit_seqs`.
    pub(crate) async fn role_change_alert(
        &mut self,
        actor: &str,
        e: &RoleEvent<'_>,
        audit_seqs: &[i64],
    ) -> Result<(), StoreError> {
        let detail = serde_json::json!({
            "event": e.event.as_str(),
            "user": e.username,
            "roles_from": e.roles_from,
            "roles_to": e.roles_to,
            "request_id": e.request_id,
            "requested_by": e.requested_by,
            "decided_by": e.decided_by,
        });
        self.execute(
            "INSERT INTO alerts (id, kind, actor, customer_id, at_ms, detail, evidence, status) \
             VALUES ($1, $2, $3, NULL, $4, $5, $6, 'open')",
            &args![
                new_id("al"),
                AlertKind::RoleChange.as_str(),
                actor,
                now_ms(),
                detail.to_string(),
                serde_json::json!({ "audit_seqs": audit_seqs }).to_string()
            ],
        )
        .await?;
        Ok(())
    }

    /// Stores `actor`'s request to move `user_id`'s roles from `from` to `to`, audited
    /// and alerted; the caller has checked the rules.
    pub(crate) async fn open_role_request(
        &mut self,
        actor: &Actor<'_>,
        user_id: &str,
        username: &str,
        kind: RoleRequestKind,
        from: &[Role],
        to: &[Role],
    ) -> Result<RoleRequest, StoreError> {
        let id = new_id("rr");
        self.execute(
            "INSERT INTO role_requests (id, user_id, kind, roles_from, roles_to, status, requested_by, requested_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &args![
                id.as_str(),
                user_id,
                kind.as_str(),
                format_roles(from),
                format_roles(to),
                RoleRequestStatus::Pending.as_str(),
                actor.user_id,
                now_ms()
            ],
        )
        .await?;
        let seq = self
            .audit(AuditRecord::by(actor.username, "role_request.created").detail(
                serde_json::json!({"request_id": id, "user_id": user_id, "username": username, "kind": kind.as_str(),
                    "roles_from": format_roles(from), "roles_to": format_roles(to)}),
            ))
            .await?;
        let event = RoleEvent {
            event: RoleChangeStep::Requested,
            username,
            roles_from: from,
            roles_to: to,
            request_id: Some(&id),
            requested_by: actor.username,
            decided_by: None,
        };
        self.role_change_alert(actor.username, &event, &[seq])
            .await?;
        self.role_request(&id).await
    }

    /// Records the decision on a pending request (approve and reject alike).
    async fn decide_role_request(
        &mut self,
        id: &str,
        to: RoleRequestStatus,
        checker_id: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            "UPDATE role_requests SET status = $1, decided_by = $2, decided_at_ms = $3 WHERE id = $4 AND status = $5",
            &args![
                to.as_str(),
                checker_id,
                now_ms(),
                id,
                RoleRequestStatus::Pending.as_str()
            ],
        )
        .await?;
        Ok(())
    }

    async fn role_request(&mut self, id: &str) -> Result<RoleRequest, StoreError> {
        let row: RequestRow = self
            .fetch_optional(&format!("{REQUEST_SELECT} WHERE q.id = $1"), &args![id])
            .await?
            .ok_or(StoreError::NotFound)?;
        row.try_into()
    }

    /// Whether `user_id` has a request waiting.
    pub(crate) async fn role_request_pending(&mut self, user_id: &str) -> Result<bool, StoreError> {
        let row: Option<(String,)> = self
            .fetch_optional(
                "SELECT id FROM role_requests WHERE user_id = $1 AND status = $2",
                &args![user_id, RoleRequestStatus::Pending.as_str()],
            )
            .await?;
        Ok(row.is_some())
    }
}

impl Store {
    /// Role requests, oldest first, those in `status` only when given.
    pub async fn role_requests(
        &self,
        status: Option<RoleRequestStatus>,
        limit: u32,
    ) -> Result<Vec<RoleRequest>, StoreError> {
        let limit = i64::from(limit.clamp(1, 500));
        let rows: Vec<RequestRow> = match status {
            Some(s) => {
                self.db
                    .fetch_all(
                        &format!("{REQUEST_SELECT} WHERE q.status = $1 ORDER BY q.requested_at_ms, q.id LIMIT $2"),
                        &args![s.as_str(), limit],
                    )
                    .await?
            }
            None => {
                self.db
                    .fetch_all(
                        &format!("{REQUEST_SELECT} ORDER BY q.requested_at_ms DESC, q.id LIMIT $1"),
                        &args![limit],
                    )
                    .await?
            }
        };
        rows.into_iter().map(TryInto::try_into).collect()
    }

    pub async fn role_request(&self, id: &str) -> Result<RoleRequest, StoreError> {
        let row: RequestRow = self
            .db
            .fetch_optional(&format!("{REQUEST_SELECT} WHERE q.id = $1"), &args![id])
            .await?
            .ok_or(StoreError::NotFound)?;
        row.try_into()
    }

    /// A second administrator or a compliance officer approves: the account gets the
    /// roles (a new account also becomes active), in the same transaction as the audit
    /// records of the approval and of the change, and the alert. The rules are judged
    /// again now; a refusal is audited and committed, then returned.
    pub async fn approve_role_request(
        &self,
        actor: &Actor<'_>,
        id: &str,
    ) -> Result<RoleRequest, StoreError> {
        let mut tx = self.db.audited().await?;
        let r = tx.role_request(id).await?;
        let (held,): (String,) = tx
            .fetch_one(
                "SELECT roles FROM users WHERE id = $1",
                &args![r.user_id.as_str()],
            )
            .await?;
        let held = parse_roles(&held).map_err(StoreError::Corrupt)?;
        let checker = Checker {
            user_id: actor.user_id,
            roles: actor.roles,
        };
        let decided = duty::decision(r.status, &r.requester_id).decide(&checker, || {
            duty::recheck(actor.user_id, &r.user_id, &r.roles_from, &held, &r.roles_to)
                .map_err(duty_refused)
        });
        if let Err(refused) = decided {
            return refuse(tx, actor, &r, refused).await;
        }
        tx.decide_role_request(id, RoleRequestStatus::Approved, actor.user_id)
            .await?;
        let activate = r.kind == RoleRequestKind::Create;
        if activate {
            tx.execute(
                "UPDATE users SET roles = $1, active = $2 WHERE id = $3",
                &args![format_roles(&r.roles_to), true, r.user_id.as_str()],
            )
            .await?;
        } else {
            tx.execute(
                "UPDATE users SET roles = $1 WHERE id = $2",
                &args![format_roles(&r.roles_to), r.user_id.as_str()],
            )
            .await?;
        }
        let approved = tx
            .audit(AuditRecord::by(actor.username, "role_request.approved").detail(
                serde_json::json!({"request_id": id, "user_id": r.user_id, "username": r.username}),
            ))
            .await?;
        let applied = tx
            .audit(AuditRecord::by(actor.username, "user.roles_applied").detail(
                serde_json::json!({"request_id": id, "user_id": r.user_id, "username": r.username,
                    "roles_from": format_roles(&held), "roles": format_roles(&r.roles_to), "activated": activate}),
            ))
            .await?;
        let event = RoleEvent {
            event: RoleChangeStep::Approved,
            username: &r.username,
            roles_from: &held,
            roles_to: &r.roles_to,
            request_id: Some(id),
            requested_by: &r.requested_by,
            decided_by: Some(actor.username),
        };
        tx.role_change_alert(actor.username, &event, &[approved, applied])
            .await?;
        let row = tx.role_request(id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// A second person rejects; the account keeps the roles it has (a new account stays
    /// inactive with its unprivileged roles).
    pub async fn reject_role_request(
        &self,
        actor: &Actor<'_>,
        id: &str,
    ) -> Result<RoleRequest, StoreError> {
        let mut tx = self.db.audited().await?;
        let r = tx.role_request(id).await?;
        let checker = Checker {
            user_id: actor.user_id,
            roles: actor.roles,
        };
        if let Err(refused) = duty::decision(r.status, &r.requester_id).decide(&checker, || Ok(()))
        {
            return refuse(tx, actor, &r, refused).await;
        }
        tx.decide_role_request(id, RoleRequestStatus::Rejected, actor.user_id)
            .await?;
        let seq = tx
            .audit(AuditRecord::by(actor.username, "role_request.rejected").detail(
                serde_json::json!({"request_id": id, "user_id": r.user_id, "username": r.username}),
            ))
            .await?;
        let event = RoleEvent {
            event: RoleChangeStep::Rejected,
            username: &r.username,
            roles_from: &r.roles_from,
            roles_to: &r.roles_to,
            request_id: Some(id),
            requested_by: &r.requested_by,
            decided_by: Some(actor.username),
        };
        tx.role_change_alert(actor.username, &event, &[seq]).await?;
        let row = tx.role_request(id).await?;
        tx.commit().await?;
        Ok(row)
    }
}

/// Audits a refused decision, commits the record and returns the refusal.
async fn refuse(
    mut tx: AuditedTx,
    actor: &Actor<'_>,
    r: &RoleRequest,
    refused: bankdesk_domain::approval::Refused<StoreError>,
) -> Result<RoleRequest, StoreError> {
    let err = StoreError::approval(refused, &duty::DECISION_WORDING, r.status.as_str());
    tx.audit(AuditRecord::by(actor.username, "role_request.refused").detail(
        serde_json::json!({"request_id": r.id, "username": r.username, "reason": err.to_string()}),
    ))
    .await?;
    tx.commit().await?;
    Err(err)
}
