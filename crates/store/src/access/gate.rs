//! The gate: [`Store::customer_access`] looks up the facts of the purpose, asks the
//! domain rule, writes the audit record (of the grant or of the refusal) and raises
//! insider-access alerts, and only then hands out a [`Grant`].

use crate::audit::AuditRecord;
use crate::{Store, StoreError, Tx, args, now_ms};
use bankdesk_domain::Actor;
use bankdesk_domain::access::{self, AccessDenied, Purpose, PurposeFacts};
use bankdesk_domain::alert::{self, AccessEvent, AlertKind};
use bankdesk_domain::legal_order::{OrderFacts, OrderScope, OrderStatus, parse_scope};

/// What the caller is about to read, named in the audit record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Read {
    Overview,
    Transactions,
    /// One masked number in full; at most `per_hour` of them per member of staff in each
    /// clock hour, counted in the gate's transaction (see [`Tx::take_reveal`]).
    Reveal {
        per_hour: u32,
    },
    Export,
    /// The customer's contacts on every channel with their notes and messages.
    Timeline,
    /// One contact with its notes and messages, read by someone other than its handler
    /// (or by its handler once it is done).
    Contact,
}

impl Read {
    pub const fn action(self) -> &'static str {
        match self {
            Read::Overview => "customer.overview",
            Read::Transactions => "customer.transactions",
            Read::Reveal { .. } => "customer.reveal",
            Read::Export => "statement_export.request",
            Read::Timeline => "customer.timeline",
            Read::Contact => "customer.contact",
        }
    }

    /// What a legal order must cover for this read: orders open statements, nothing else.
    pub fn order_scope(self) -> Option<OrderScope> {
        match self {
            Read::Transactions | Read::Export => Some(OrderScope::Statements),
            Read::Overview | Read::Reveal { .. } | Read::Timeline | Read::Contact => None,
        }
    }
}

/// Permission to read one customer's data for one purpose. It exists only after the
/// access decision and its audit record have committed, so no customer data is ever read
/// for a caller without a durable record of it. The reads then run in their own
/// transaction: holding the audit chain's lock through them would serialise every read in
/// the bank behind one lock. Each read consumes the grant.
pub struct Grant {
    /// Private to the access module: a grant is made only by the gate.
    pub(super) db: crate::Db,
    pub customer_id: String,
    pub purpose: Purpose,
    pub audit_seq: i64,
    /// For a contact purpose: the caller passed identity verification on that contact,
    /// so staff may act on the customer's behalf.
    pub identity_verified: bool,
}

#[derive(sqlx::FromRow)]
struct ContactFacts {
    customer_id: Option<String>,
    handler_id: Option<String>,
    status: String,
}

#[derive(sqlx::FromRow)]
struct OrderRow {
    customer_id: String,
    status: String,
    scope: String,
    valid_from_ms: i64,
    valid_until_ms: i64,
}

#[derive(sqlx::FromRow)]
struct CaseFacts {
    customer_id: String,
    assignee_id: Option<String>,
    department: Option<String>,
    status: String,
}

impl Store {
    /// Checks `purpose` for `actor` reading `customer_id`, audits the outcome (with
    /// `detail`), raises insider-access alerts, and returns a [`Grant`] or the refusal
    /// ([`StoreError::Denied`]). An unknown customer is refused and audited exactly as a
    /// known one the purpose does not cover, so the answer never tells who is a customer.
    pub async fn customer_access(
        &self,
        actor: &Actor<'_>,
        customer_id: &str,
        purpose: Option<&str>,
        read: Read,
        detail: serde_json::Value,
    ) -> Result<Grant, StoreError> {
        let now = now_ms();
        let mut tx = self.db.audited().await?;
        let known: Option<(bool,)> = tx
            .fetch_optional(
                "SELECT sensitive FROM customers WHERE id = $1",
                &args![customer_id],
            )
            .await?;
        let sensitive = known.is_some_and(|(s,)| s);
        let mut identity_verified = false;
        let decision = match Purpose::parse(purpose) {
            Ok(p) => {
                let facts = tx.purpose_facts(&p).await?;
                let checked = access::check(actor, customer_id, &facts, read.order_scope(), now);
                if checked.is_ok()
                    && let Purpose::Contact(id) = &p
                {
                    identity_verified = tx.identity_passed(id).await?;
                }
                checked
                    .and_then(|()| match read {
                        Read::Reveal { .. } => access::check_reveal(&p, identity_verified),
                        _ => Ok(()),
                    })
                    .map(|()| p)
            }
            Err(e) => Err(e),
        };
        // No purpose covers a customer that does not exist; should one ever seem to, the
        // refusal is the one a known customer gets.
        let decision = decision.and_then(|p| {
            if known.is_some() {
                Ok(p)
            } else {
                Err(AccessDenied::OtherCustomer)
            }
        });
        let decision = match (decision, read) {
            (Ok(p), Read::Reveal { per_hour }) => {
                if tx.take_reveal(actor.user_id, now, per_hour).await? {
                    Ok(p)
                } else {
                    Err(AccessDenied::RevealLimit)
                }
            }
            (d, _) => d,
        };
        // The refusal of an unknown id records it as given, bounded like the purpose.
        let bounded: String;
        let customer_id = if known.is_some() {
            customer_id
        } else {
            bounded = customer_id.chars().take(64).collect();
            &bounded
        };
        let entry = |action: &str, detail: serde_json::Value| {
            AuditRecord::by(actor.username, action)
                .at(now)
                .customer(customer_id)
                .purpose(purpose.map(|p| p.chars().take(80).collect::<String>()))
                .detail(detail)
        };
        match decision {
            Ok(p) => {
                let audit_seq = tx.audit(entry(read.action(), detail)).await?;
                tx.touch(actor.username, customer_id, now, now - HOUR_MS)
                    .await?;
                // While this hour's alert is open there is nothing to count; otherwise
                // counting stops one past the threshold, so the cost stays bounded.
                let open_alert = tx
                    .alert_since(actor.username, AlertKind::ManyCustomers, now - HOUR_MS)
                    .await?;
                let event = AccessEvent {
                    granted: true,
                    suspicious_refusal: false,
                    customer_sensitive: sensitive,
                    distinct_customers_last_hour: if open_alert {
                        0
                    } else {
                        tx.distinct_customers_since(
                            actor.username,
                            now - HOUR_MS,
                            self.alert_rules.max_customers_per_hour + 1,
                        )
                        .await?
                    },
                    many_customers_alert_open: open_alert,
                };
                tx.raise_alerts(
                    &event,
                    &self.alert_rules,
                    actor.username,
                    customer_id,
                    audit_seq,
                    now,
                )
                .await?;
                tx.commit().await?;
                Ok(Grant {
                    db: self.db.clone(),
                    customer_id: customer_id.to_string(),
                    purpose: p,
                    audit_seq,
                    identity_verified,
                })
            }
            Err(denied) => {
                let audit_seq = tx
                    .audit(entry(
                        "access.refused",
                        serde_json::json!({"attempted": read.action(), "reason": denied.reason()}),
                    ))
                    .await?;
                let event = AccessEvent {
                    granted: false,
                    suspicious_refusal: denied.suspicious(),
                    customer_sensitive: sensitive,
                    distinct_customers_last_hour: 0,
                    many_customers_alert_open: false,
                };
                tx.raise_alerts(
                    &event,
                    &self.alert_rules,
                    actor.username,
                    customer_id,
                    audit_seq,
                    now,
                )
                .await?;
                tx.commit().await?;
                Err(StoreError::Denied(denied))
            }
        }
    }
}

const HOUR_MS: i64 = 3_600_000;

impl Tx {
    /// Takes one reveal from `user_id`'s allowance of the clock hour of `now`: one
    /// statement that adds to the hour's counter only while it is below `per_hour`, so
    /// parallel reveals cannot all pass a count read before any of them was recorded.
    /// Counters of past hours are removed as the user reveals again.
    async fn take_reveal(
        &mut self,
        user_id: &str,
        now: i64,
        per_hour: u32,
    ) -> Result<bool, StoreError> {
        let hour = now.div_euclid(HOUR_MS) * HOUR_MS;
        self.execute(
            "DELETE FROM reveal_allowance WHERE user_id = $1 AND hour_ms < $2",
            &args![user_id, hour],
        )
        .await?;
        if per_hour == 0 {
            return Ok(false);
        }
        let taken: Option<(i64,)> = self
            .fetch_optional(
                "INSERT INTO reveal_allowance (user_id, hour_ms, used) VALUES ($1, $2, 1) \
                 ON CONFLICT (user_id, hour_ms) DO UPDATE SET used = reveal_allowance.used + 1 \
                 WHERE reveal_allowance.used < $3 RETURNING used",
                &args![user_id, hour, i64::from(per_hour)],
            )
            .await?;
        Ok(taken.is_some())
    }

    async fn purpose_facts(&mut self, p: &Purpose) -> Result<PurposeFacts, StoreError> {
        Ok(match p {
            Purpose::Contact(id) => {
                let row: Option<ContactFacts> = self
                    .fetch_optional(
                        "SELECT customer_id, handler_id, status FROM contacts WHERE id = $1",
                        &args![id.as_str()],
                    )
                    .await?;
                row.map_or(PurposeFacts::Unknown, |r| PurposeFacts::Contact {
                    customer_id: r.customer_id,
                    handler_id: r.handler_id,
                    open: r.status == "open",
                })
            }
            Purpose::Case(id) => {
                let row: Option<CaseFacts> = self
                    .fetch_optional(
                        "SELECT customer_id, assignee_id, department, status FROM cases WHERE id = $1",
                        &args![id.as_str()],
                    )
                    .await?;
                row.map_or(PurposeFacts::Unknown, |r| PurposeFacts::Case {
                    customer_id: r.customer_id,
                    assignee_id: r.assignee_id,
                    department: r.department,
                    closed: r.status == "closed",
                })
            }
            Purpose::Order(id) => {
                let row: Option<OrderRow> = self
                    .fetch_optional(
                        "SELECT customer_id, status, scope, valid_from_ms, valid_until_ms FROM legal_orders WHERE id = $1",
                        &args![id.as_str()],
                    )
                    .await?;
                match row {
                    None => PurposeFacts::Unknown,
                    Some(r) => PurposeFacts::Order(OrderFacts {
                        status: OrderStatus::parse(&r.status).ok_or_else(|| {
                            StoreError::Corrupt(format!("legal order {id} has status {}", r.status))
                        })?,
                        scope: parse_scope(&r.scope),
                        customer_id: r.customer_id,
                        valid_from_ms: r.valid_from_ms,
                        valid_until_ms: r.valid_until_ms,
                    }),
                }
            }
        })
    }

    /// Records that `actor` read `customer_id` at `now`, and forgets the actor's reads
    /// from before `since_ms` (each row is removed once, so the work stays bounded).
    async fn touch(
        &mut self,
        actor: &str,
        customer_id: &str,
        now: i64,
        since_ms: i64,
    ) -> Result<(), StoreError> {
        self.execute(
            "DELETE FROM access_touches WHERE actor = $1 AND at_ms < $2",
            &args![actor, since_ms],
        )
        .await?;
        self.execute(
            "INSERT INTO access_touches (actor, customer_id, at_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (actor, customer_id) DO UPDATE SET at_ms = CASE \
             WHEN excluded.at_ms > access_touches.at_ms THEN excluded.at_ms ELSE access_touches.at_ms END",
            &args![actor, customer_id, now],
        )
        .await?;
        Ok(())
    }

    /// Distinct customers `actor` read since `since_ms`, counted up to `cap`: one row
    /// per customer, so at most `cap` rows are read however often each was read.
    async fn distinct_customers_since(
        &mut self,
        actor: &str,
        since_ms: i64,
        cap: u32,
    ) -> Result<u32, StoreError> {
        let (n,): (i64,) = self
            .fetch_one(
                "SELECT COUNT(*) FROM (SELECT customer_id FROM access_touches \
                 WHERE actor = $1 AND at_ms >= $2 LIMIT $3) AS touched",
                &args![actor, since_ms, i64::from(cap)],
            )
            .await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn alert_since(
        &mut self,
        actor: &str,
        kind: AlertKind,
        since_ms: i64,
    ) -> Result<bool, StoreError> {
        let row: Option<(String,)> = self
            .fetch_optional(
                "SELECT id FROM alerts WHERE actor = $1 AND kind = $2 AND at_ms >= $3 LIMIT 1",
                &args![actor, kind.as_str(), since_ms],
            )
            .await?;
        Ok(row.is_some())
    }

    async fn raise_alerts(
        &mut self,
        event: &AccessEvent,
        rules: &alert::AlertRules,
        actor: &str,
        customer_id: &str,
        audit_seq: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        for kind in alert::evaluate(event, rules) {
            let detail = match kind {
                AlertKind::ManyCustomers => serde_json::json!({
                    "distinct_customers_last_hour": event.distinct_customers_last_hour,
                    "threshold": rules.max_customers_per_hour,
                }),
                AlertKind::NoPurpose | AlertKind::SensitiveCustomer | AlertKind::RoleChange => {
                    serde_json::json!({"granted": event.granted})
                }
            };
            self.execute(
                "INSERT INTO alerts (id, kind, actor, customer_id, at_ms, detail, evidence, status) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'open')",
                &args![
                    crate::new_id("al"),
                    kind.as_str(),
                    actor,
                    customer_id,
                    now,
                    detail.to_string(),
                    serde_json::json!({"audit_seqs": [audit_seq]}).to_string()
                ],
            )
            .await?;
        }
        Ok(())
    }
}

impl Grant {
    /// The audited transaction of a write the grant allows (a statement export request);
    /// it gives no way to read the customer's rows.
    pub(crate) async fn begin_audited(&self) -> Result<crate::audit::AuditedTx, StoreError> {
        self.db.audited().await
    }
}

impl From<AccessDenied> for StoreError {
    fn from(d: AccessDenied) -> StoreError {
        StoreError::Denied(d)
    }
}
