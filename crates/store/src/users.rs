//! Staff accounts and their sessions. Password hashing happens in the web layer; the
//! store keeps hashes, lockout counters and hashed session tokens only.

use crate::audit::AuditRecord;
use crate::role_requests::{RoleEvent, RoleRequest, duty_refused};
use crate::{Store, StoreError, args, new_id, now_ms};
use bankdesk_domain::Actor;
use bankdesk_domain::duty::{self, Effect, RoleChangeStep, RoleRequestKind};
use bankdesk_domain::role::{Role, format_roles, parse_roles};

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub department: Option<String>,
    pub active: bool,
    pub language: Option<String>,
}

/// A user acts as themselves: the actor of a store call is read off the session's user.
impl<'a> From<&'a User> for Actor<'a> {
    fn from(u: &'a User) -> Actor<'a> {
        Actor {
            user_id: &u.id,
            username: &u.username,
            roles: &u.roles,
            department: u.department.as_deref(),
        }
    }
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    username: String,
    display_name: String,
    roles: String,
    department: Option<String>,
    active: bool,
    language: Option<String>,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<User, StoreError> {
        Ok(User {
            roles: parse_roles(&r.roles).map_err(StoreError::Corrupt)?,
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            department: r.department,
            active: r.active,
            language: r.language,
        })
    }
}

const USER_COLUMNS: &str = "id, username, display_name, roles, department, active, language";

/// What login needs: the user, the stored hash and the lockout state.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
    pub failed_logins: i64,
    pub locked_until_ms: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct CredRow {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: String,
    failed_logins: i64,
    locked_until_ms: Option<i64>,
}

/// Desktop sessions carry a CSRF token; API tokens are bearer-only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionKind {
    Desktop,
    Api,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Desktop => "desktop",
            SessionKind::Api => "api",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    pub expires_at_ms: i64,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    user: UserRow,
    csrf_token: String,
    expires_at_ms: i64,
}

/// A user to create or update.
#[derive(Clone, Debug)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub roles: &'a [Role],
    pub department: Option<&'a str>,
}

/// What an administrator's write of an account did.
#[derive(Clone, Debug)]
pub enum UserChange {
    /// In effect now.
    Applied(User),
    /// A privileged role waits for a second person; `user` is the account meanwhile (a
    /// new one inactive, with its unprivileged roles only).
    Pending {
        user: User,
        request: Box<RoleRequest>,
    },
}

impl Store {
    /// Creates an account at once, whatever its roles: for installing and seeding (the
    /// demo's staff, benches, tests), where there is no second person yet. The roles
    /// still obey separation of duties. An administrator's creation goes through
    /// [`Store::create_account`].
    pub async fn create_user(&self, actor: &str, u: &NewUser<'_>) -> Result<User, StoreError> {
        duty::check_roles(u.roles).map_err(duty_refused)?;
        let id = new_id("u");
        let mut tx = self.db.audited().await?;
        tx.execute(
            "INSERT INTO users (id, username, display_name, password_hash, roles, department, active, failed_logins, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8)",
            &args![id.as_str(), u.username, u.display_name, u.password_hash, format_roles(u.roles), u.department, true, now_ms()],
        )
        .await?;
        tx.audit(
            AuditRecord::by(actor, "user.create").detail(
                serde_json::json!({"username": u.username, "roles": format_roles(u.roles)}),
            ),
        )
        .await?;
        let row: UserRow = tx
            .fetch_one(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
                &args![id],
            )
            .await?;
        tx.commit().await?;
        row.try_into()
    }

    /// An administrator creates an account. Without a privileged role it is active at
    /// once; with one it is created inactive, holding its unprivileged roles, and a role
    /// request waits for a second person (the username is taken meanwhile, and the
    /// account can do nothing until someone else agrees). Audited and alerted either way.
    pub async fn create_account(
        &self,
        actor: &Actor<'_>,
        u: &NewUser<'_>,
    ) -> Result<UserChange, StoreError> {
        let id = new_id("u");
        let effect = duty::check_change(actor.user_id, &id, &[], u.roles).map_err(duty_refused)?;
        let (held, active) = match effect {
            Effect::Immediate => (u.roles.to_vec(), true),
            Effect::Approval => (duty::unprivileged(u.roles), false),
        };
        let mut tx = self.db.audited().await?;
        tx.execute(
            "INSERT INTO users (id, username, display_name, password_hash, roles, department, active, failed_logins, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8)",
            &args![id.as_str(), u.username, u.display_name, u.password_hash, format_roles(&held), u.department, active, now_ms()],
        )
        .await?;
        let seq = tx
            .audit(AuditRecord::by(actor.username, "user.create").detail(serde_json::json!({
                "user_id": id, "username": u.username, "roles": format_roles(&held), "active": active
            })))
            .await?;
        let request = match effect {
            Effect::Immediate => {
                let event = RoleEvent {
                    event: RoleChangeStep::Applied,
                    username: u.username,
                    roles_from: &[],
                    roles_to: &held,
                    request_id: None,
                    requested_by: actor.username,
                    decided_by: None,
                };
                tx.role_change_alert(actor.username, &event, &[seq]).await?;
                None
            }
            Effect::Approval => Some(
                tx.open_role_request(
                    actor,
                    &id,
                    u.username,
                    RoleRequestKind::Create,
                    &held,
                    u.roles,
                )
                .await?,
            ),
        };
        let row: UserRow = tx
            .fetch_one(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
                &args![id],
            )
            .await?;
        tx.commit().await?;
        let user = row.try_into()?;
        Ok(match request {
            None => UserChange::Applied(user),
            Some(request) => UserChange::Pending {
                user,
                request: Box::new(request),
            },
        })
    }

    /// An administrator changes an account's roles, department and whether it may log
    /// in. Nobody changes their own roles; a privileged role the account lacks waits for
    /// a second person while the rest applies now; and while a request for the account
    /// waits, its roles do not change by any other way. Audited and alerted.
    pub async fn update_user(
        &self,
        actor: &Actor<'_>,
        id: &str,
        roles: &[Role],
        department: Option<&str>,
        active: bool,
    ) -> Result<UserChange, StoreError> {
        let mut tx = self.db.audited().await?;
        let current: UserRow = tx
            .fetch_optional(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
                &args![id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let current: User = current.try_into()?;
        let before = current.roles;
        let effect = match duty::check_change(actor.user_id, id, &before, roles) {
            Ok(effect) => effect,
            Err(e) => {
                tx.audit(
                    AuditRecord::by(actor.username, "user.update_refused").detail(serde_json::json!({
                        "user_id": id, "roles_from": format_roles(&before), "roles": format_roles(roles), "reason": e.to_string()
                    })),
                )
                .await?;
                tx.commit().await?;
                return Err(duty_refused(e));
            }
        };
        let changes_roles = !duty::same_roles(&before, roles);
        if changes_roles && tx.role_request_pending(id).await? {
            return Err(StoreError::Conflict(
                "a role request for this account is waiting for a decision".into(),
            ));
        }
        let held = match effect {
            Effect::Immediate => roles.to_vec(),
            Effect::Approval => before.clone(),
        };
        tx.execute(
            "UPDATE users SET roles = $1, department = $2, active = $3 WHERE id = $4",
            &args![format_roles(&held), department, active, id],
        )
        .await?;
        if !active {
            tx.execute("DELETE FROM sessions WHERE user_id = $1", &args![id])
                .await?;
        }
        let seq = tx
            .audit(
                AuditRecord::by(actor.username, "user.update")
                    .detail(serde_json::json!({"user_id": id, "roles": format_roles(&held), "roles_from": format_roles(&before), "department": department, "active": active})),
            )
            .await?;
        let request = match effect {
            Effect::Immediate if changes_roles => {
                let event = RoleEvent {
                    event: RoleChangeStep::Applied,
                    username: &current.username,
                    roles_from: &before,
                    roles_to: &held,
                    request_id: None,
                    requested_by: actor.username,
                    decided_by: None,
                };
                tx.role_change_alert(actor.username, &event, &[seq]).await?;
                None
            }
            Effect::Immediate => None,
            Effect::Approval => Some(
                tx.open_role_request(
                    actor,
                    id,
                    &current.username,
                    RoleRequestKind::Update,
                    &before,
                    roles,
                )
                .await?,
            ),
        };
        let row: UserRow = tx
            .fetch_one(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
                &args![id],
            )
            .await?;
        tx.commit().await?;
        let user = row.try_into()?;
        Ok(match request {
            None => UserChange::Applied(user),
            Some(request) => UserChange::Pending {
                user,
                request: Box::new(request),
            },
        })
    }

    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> = self
            .db
            .fetch_all(
                &format!("SELECT {USER_COLUMNS} FROM users ORDER BY username"),
                &[],
            )
            .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = self
            .db
            .fetch_optional(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1"),
                &args![username],
            )
            .await?;
        row.map(TryInto::try_into).transpose()
    }

    pub async fn credentials(&self, username: &str) -> Result<Option<Credentials>, StoreError> {
        let row: Option<CredRow> = self
            .db
            .fetch_optional(
                &format!("SELECT {USER_COLUMNS}, password_hash, failed_logins, locked_until_ms FROM users WHERE username = $1"),
                &args![username],
            )
            .await?;
        row.map(|r| {
            Ok(Credentials {
                user: r.user.try_into()?,
                password_hash: r.password_hash,
                failed_logins: r.failed_logins,
                locked_until_ms: r.locked_until_ms,
            })
        })
        .transpose()
    }

    /// Counts a failed login; at `max_failures` the account locks until `lock_until_ms`.
    pub async fn record_login_failure(
        &self,
        user_id: &str,
        username: &str,
        max_failures: i64,
        lock_until_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.db.audited().await?;
        let (failures,): (i64,) = tx
            .fetch_one(
                "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins",
                &args![user_id],
            )
            .await?;
        let locked = failures >= max_failures;
        if locked {
            tx.execute(
                "UPDATE users SET locked_until_ms = $1, failed_logins = 0 WHERE id = $2",
                &args![lock_until_ms, user_id],
            )
            .await?;
        }
        tx.audit(
            AuditRecord::by(
                username,
                if locked {
                    "auth.locked"
                } else {
                    "auth.login_failed"
                },
            )
            .detail(serde_json::json!({"failures": failures})),
        )
        .await?;
        tx.commit().await?;
        Ok(locked)
    }

    /// Starts a session after a good password; `token_hash` is the SHA-256 of the token.
    pub async fn create_session(
        &self,
        user: &User,
        kind: SessionKind,
        token_hash: &str,
        csrf_token: &str,
        expires_at_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.audited().await?;
        tx.execute(
            "UPDATE users SET failed_logins = 0, locked_until_ms = NULL WHERE id = $1",
            &args![user.id.as_str()],
        )
        .await?;
        tx.execute(
            "INSERT INTO sessions (token_hash, user_id, kind, csrf_token, created_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4, $5, $6)",
            &args![token_hash, user.id.as_str(), kind.as_str(), csrf_token, now_ms(), expires_at_ms],
        )
        .await?;
        tx.audit(
            AuditRecord::by(&user.username, "auth.login")
                .detail(serde_json::json!({"kind": kind.as_str()})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The live session for a token hash, if not expired and the user is active.
    pub async fn session(&self, token_hash: &str, now: i64) -> Result<Option<Session>, StoreError> {
        let row: Option<SessionRow> = self
            .db
            .fetch_optional(
                "SELECT u.id, u.username, u.display_name, u.roles, u.department, u.active, u.language, \
                 s.csrf_token, s.expires_at_ms FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at_ms > $2 AND u.active = $3",
                &args![token_hash, now, true],
            )
            .await?;
        row.map(|r| {
            Ok(Session {
                user: r.user.try_into()?,
                csrf_token: r.csrf_token,
                expires_at_ms: r.expires_at_ms,
            })
        })
        .transpose()
    }

    pub async fn delete_session(&self, token_hash: &str, username: &str) -> Result<(), StoreError> {
        let mut tx = self.db.audited().await?;
        tx.execute(
            "DELETE FROM sessions WHERE token_hash = $1",
            &args![token_hash],
        )
        .await?;
        tx.audit(AuditRecord::by(username, "auth.logout")).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_language(&self, user_id: &str, language: &str) -> Result<(), StoreError> {
        self.db
            .execute(
                "UPDATE users SET language = $1 WHERE id = $2",
                &args![language, user_id],
            )
            .await?;
        Ok(())
    }

    /// Removes expired sessions; run periodically.
    pub async fn purge_sessions(&self, now: i64) -> Result<u64, StoreError> {
        self.db
            .execute(
                "DELETE FROM sessions WHERE expires_at_ms <= $1",
                &args![now],
            )
            .await
    }
}
