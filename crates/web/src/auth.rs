//! Who is calling, and whether their roles allow the handler. Permissions are part of a
//! handler's signature: `Api<Compliance>` or `Desk<Admin>` cannot be obtained without the
//! role, so a route without a check does not compile.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use bankdesk_desk::users::verify_password;
use bankdesk_domain::Actor;
use bankdesk_domain::ErrorCode;
use bankdesk_domain::role::Role;
use bankdesk_store::users::{Session, SessionKind, User};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::marker::PhantomData;

/// Name of the desktop session cookie.
pub const SESSION_COOKIE: &str = "bankdesk_session";

/// A fresh random token (256 bits, hex) for sessions, API tokens and CSRF.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// Tokens are stored hashed, so a copy of the database does not hand out sessions.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Checks the password with lockout, and on success opens a session of `kind`.
/// Returns the new token and the session.
pub async fn login(
    state: &AppState,
    username: &str,
    password: &str,
    kind: SessionKind,
) -> Result<(String, Session), ApiError> {
    let now = bankdesk_store::now_ms();
    let bad = || ApiError::new(ErrorCode::BadCredentials, "wrong username or password");
    let Some(cred) = state.store.credentials(username).await? else {
        // Same work as a real check, so timing does not reveal which usernames exist.
        verify_password(password, &state.dummy_hash);
        return Err(bad());
    };
    if cred.locked_until_ms.is_some_and(|t| t > now) {
        return Err(ApiError::new(
            ErrorCode::AccountLocked,
            "too many failed logins; try again later",
        ));
    }
    if !cred.user.active || !verify_password(password, &cred.password_hash) {
        let locked = state
            .store
            .record_login_failure(
                &cred.user.id,
                &cred.user.username,
                state.config.lockout_failures,
                now + state.config.lockout_minutes * 60_000,
            )
            .await?;
        return Err(if locked {
            ApiError::new(
                ErrorCode::AccountLocked,
                "too many failed logins; try again later",
            )
        } else {
            bad()
        });
    }
    let token = random_token();
    let csrf = random_token();
    let expires = now + state.config.session_minutes * 60_000;
    state
        .store
        .create_session(&cred.user, kind, &token_hash(&token), &csrf, expires)
        .await?;
    Ok((
        token,
        Session {
            user: cred.user,
            csrf_token: csrf,
            expires_at_ms: expires,
        },
    ))
}

/// A set of roles that may use a handler.
pub trait RoleSet: Send + Sync + 'static {
    /// Empty means any logged-in member of staff.
    const ALLOWED: &'static [Role];
}

macro_rules! role_set {
    ($(#[$m:meta])* $name:ident = [$($r:ident),*]) => {
        $(#[$m])*
        pub struct $name;
        impl RoleSet for $name {
            const ALLOWED: &'static [Role] = &[$(Role::$r),*];
        }
    };
}

role_set!(
    /// Any logged-in member of staff.
    AnyStaff = []
);
role_set!(
    /// Staff who serve customers and may open contacts with them.
    Service = [Agent, SeniorAgent, Backoffice, Supervisor, Risk, Branch]
);
role_set!(
    /// Staff who answer email and WeChat: the message inbox and taking from it (see
    /// `Role::handles_messages`).
    Messaging = [Agent, SeniorAgent, Supervisor]
);
role_set!(
    /// Staff who open and work cases: the service roles and compliance (complaints).
    CaseStaff = [Agent, SeniorAgent, Backoffice, Supervisor, Risk, Branch, Compliance]
);
role_set!(
    /// Those who oversee others' work: sign-offs, the complaint register, crises.
    Oversight = [Supervisor, Compliance]
);
role_set!(
    /// Who feeds and reads public-opinion signals and keeps the watch words.
    CrisisDesk = [Supervisor, Compliance, Admin]
);
role_set!(Compliance = [Compliance]);
role_set!(
    /// Staff who may approve a statement export (dual control): supervisors any export,
    /// compliance legal-order exports (the store decides per export).
    Approver = [Supervisor, Compliance]
);
role_set!(
    /// Staff who write knowledge points: the second line, seniors and the knowledge owners.
    KnowledgeEditor = [SeniorAgent, Backoffice, Supervisor, Qa, Admin]
);
role_set!(
    /// Staff who approve (publish) and retire knowledge points.
    KnowledgeApprover = [Supervisor, Qa, Admin]
);
role_set!(
    /// QA and training: the question bank, exams and everyone's results.
    Training = [Qa, Supervisor, Admin]
);
role_set!(Admin = [Admin]);
role_set!(
    /// Who decides a request to grant a privileged role: a second administrator or a
    /// compliance officer (the store refuses the administrator who asked).
    RoleDecider = [Admin, Compliance]
);
role_set!(
    /// The telephony integration (the PBX's service account) and whoever runs it: CTI
    /// events and routing requests.
    RoutingFeed = [Admin, Supervisor]
);
role_set!(
    /// The supervisor's live view of queues and agents.
    Supervision = [Supervisor]
);

/// Whether `user` holds one of `R`'s roles (for handlers that show more to some roles).
pub fn allowed<R: RoleSet>(user: &User) -> bool {
    R::ALLOWED.is_empty() || user.roles.iter().any(|r| R::ALLOWED.contains(r))
}

/// The caller of an API handler, proven to hold one of `R`'s roles.
pub struct Api<R: RoleSet = AnyStaff> {
    pub user: User,
    pub token_hash: String,
    _roles: PhantomData<R>,
}

impl<R: RoleSet> Api<R> {
    pub fn actor(&self) -> Actor<'_> {
        actor_of(&self.user)
    }
}

pub fn actor_of(user: &User) -> Actor<'_> {
    Actor::from(user)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 128)
}

impl<R: RoleSet> FromRequestParts<AppState> for Api<R> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(&parts.headers).ok_or_else(|| {
            ApiError::new(ErrorCode::NotLoggedIn, "send Authorization: Bearer <token>")
        })?;
        let hash = token_hash(token);
        let session = state
            .store
            .session(&hash, bankdesk_store::now_ms())
            .await?
            .ok_or_else(|| {
                ApiError::new(ErrorCode::NotLoggedIn, "the token is unknown or expired")
            })?;
        if !allowed::<R>(&session.user) {
            return Err(ApiError::forbidden("your roles do not allow this"));
        }
        Ok(Api {
            user: session.user,
            token_hash: hash,
            _roles: PhantomData,
        })
    }
}

/// Reads one cookie from the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The logged-in user of a desktop page, proven to hold one of `R`'s roles.
pub struct Desk<R: RoleSet = AnyStaff> {
    pub session: Session,
    pub token_hash: String,
    _roles: PhantomData<R>,
}

impl<R: RoleSet> Desk<R> {
    pub fn user(&self) -> &User {
        &self.session.user
    }

    pub fn actor(&self) -> Actor<'_> {
        actor_of(&self.session.user)
    }

    /// True when a submitted form carries this session's CSRF token.
    pub fn csrf_ok(&self, submitted: &str) -> bool {
        constant_time_eq(submitted.as_bytes(), self.session.csrf_token.as_bytes())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Desktop pages send a person to the login page, or show a refusal, instead of JSON; the
/// desktop renders these itself, in the pages module.
pub enum DeskRejection {
    Login(String),
    Forbidden,
    Error(ApiError),
}

impl<R: RoleSet> FromRequestParts<AppState> for Desk<R> {
    type Rejection = DeskRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, DeskRejection> {
        // After login the browser goes back with a GET, so only a page that was fetched
        // with GET is worth returning to; a form's POST address would answer 405.
        let next = if parts.method == axum::http::Method::GET {
            parts
                .uri
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_string()
        } else {
            "/".to_string()
        };
        let token =
            cookie(&parts.headers, SESSION_COOKIE).ok_or(DeskRejection::Login(next.clone()))?;
        let hash = token_hash(token);
        let session = state
            .store
            .session(&hash, bankdesk_store::now_ms())
            .await
            .map_err(|e| DeskRejection::Error(e.into()))?
            .ok_or(DeskRejection::Login(next))?;
        if !allowed::<R>(&session.user) {
            return Err(DeskRejection::Forbidden);
        }
        Ok(Desk {
            session,
            token_hash: hash,
            _roles: PhantomData,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_and_bearer() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; bankdesk_session=abc; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        h.insert(header::AUTHORIZATION, "Bearer tok".parse().unwrap());
        assert_eq!(bearer(&h), Some("tok"));
        h.insert(header::AUTHORIZATION, "Basic x".parse().unwrap());
        assert_eq!(bearer(&h), None);
    }

    #[test]
    fn role_sets() {
        let mut u = User {
            id: "u".into(),
            username: "branch01".into(),
            display_name: "x".into(),
            roles: vec![Role::Branch],
            department: None,
            active: true,
            language: None,
        };
        assert!(allowed::<AnyStaff>(&u));
        assert!(allowed::<Service>(&u));
        assert!(!allowed::<Compliance>(&u));
        assert!(!allowed::<Messaging>(&u));
        u.roles = vec![Role::Qa];
        assert!(!allowed::<Service>(&u));
        for r in Role::ALL {
            u.roles = vec![r];
            assert_eq!(allowed::<Messaging>(&u), r.handles_messages(), "{r}");
        }
        assert!(constant_time_eq(b"abc", b"abc") && !constant_time_eq(b"abc", b"abd"));
    }
}
