//! Separation of duties. The administrator makes accounts; supervisors approve others'
//! requests; compliance watches everyone, the administrator included. One person holding
//! two of these can defeat the controls alone, so the rules below are data the store
//! applies to every account it writes, and granting a privileged role waits for a second
//! person through the shared maker-checker rule ([`crate::approval`]).

use crate::ErrorCode;
use crate::approval::{Request, RoleRule, State, Wording};
use crate::role::Role;
use crate::wire::wire_enum;
use serde::{Deserialize, Serialize};

/// Roles that open others' data or decide others' requests: granting one, or creating an
/// account that holds one, needs a second person.
pub const PRIVILEGED: [Role; 4] = [Role::Supervisor, Role::Compliance, Role::Risk, Role::Admin];

/// Pairs of roles nobody holds together: whoever makes accounts must not also approve
/// (supervisor) or oversee (compliance) what those accounts do.
pub const INCOMPATIBLE: [(Role, Role); 2] = [
    (Role::Admin, Role::Compliance),
    (Role::Admin, Role::Supervisor),
];

/// Who decides a role request: a second administrator or a compliance officer.
pub const DECIDERS: RoleRule = RoleRule::AnyOf(&[Role::Admin, Role::Compliance]);

wire_enum!(
    /// Where a role request stands.
    RoleRequestStatus { Pending = "pending", Approved = "approved", Rejected = "rejected" }
);
wire_enum!(
    /// A new account (created inactive until approved) or a change of an existing one.
    RoleRequestKind { Create = "create", Update = "update" }
);
wire_enum!(
    /// A step of a role change, each audited and alerted to compliance.
    RoleChangeStep { Requested = "requested", Approved = "approved", Rejected = "rejected", Applied = "applied" }
);

/// Why a role change is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DutyError {
    #[error("roles: one person may not hold both {0} and {1}")]
    Incompatible(Role, Role),
    #[error("roles: nobody changes their own roles")]
    OwnRoles,
    #[error("you cannot decide a change of your own account's roles")]
    OwnAccount,
    #[error("the account's roles changed after the request; ask again")]
    Stale,
}

impl DutyError {
    pub fn code(&self) -> ErrorCode {
        match self {
            DutyError::Incompatible(..) => ErrorCode::SeparationOfDuties,
            DutyError::OwnRoles | DutyError::OwnAccount => ErrorCode::ConflictOfInterest,
            DutyError::Stale => ErrorCode::Conflict,
        }
    }
}

pub fn is_privileged(role: Role) -> bool {
    PRIVILEGED.contains(&role)
}

/// Whether one person may hold `roles` together.
pub fn check_roles(roles: &[Role]) -> Result<(), DutyError> {
    match INCOMPATIBLE
        .iter()
        .find(|(a, b)| roles.contains(a) && roles.contains(b))
    {
        Some(&(a, b)) => Err(DutyError::Incompatible(a, b)),
        None => Ok(()),
    }
}

/// The same roles, whatever their order or repetition.
pub fn same_roles(a: &[Role], b: &[Role]) -> bool {
    a.iter().all(|r| b.contains(r)) && b.iter().all(|r| a.contains(r))
}

/// How a role change proceeds once it passes the rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// No privileged role is added: it applies at once (audited and alerted).
    Immediate,
    /// A privileged role is added: it waits for a second person.
    Approval,
}

/// Whether `actor_id` may change `subject_id`'s roles from `before` to `after` (a new
/// account has no `before`), and how. An administrator who could change their own roles
/// could grant themselves compliance and close the alerts about their own doing.
pub fn check_change(
    actor_id: &str,
    subject_id: &str,
    before: &[Role],
    after: &[Role],
) -> Result<Effect, DutyError> {
    if actor_id == subject_id && !same_roles(before, after) {
        return Err(DutyError::OwnRoles);
    }
    check_roles(after)?;
    if after
        .iter()
        .any(|r| is_privileged(*r) && !before.contains(r))
    {
        Ok(Effect::Approval)
    } else {
        Ok(Effect::Immediate)
    }
}

/// The roles a new account holds until its request is approved: the unprivileged ones.
pub fn unprivileged(roles: &[Role]) -> Vec<Role> {
    roles
        .iter()
        .copied()
        .filter(|r| !is_privileged(*r))
        .collect()
}

/// A role request under the maker-checker rule: a second administrator or a compliance
/// officer decides, never the administrator who asked.
pub fn decision(status: RoleRequestStatus, requester_id: &str) -> Request<'_> {
    Request {
        requester: requester_id,
        state: match status {
            RoleRequestStatus::Pending => State::Pending,
            RoleRequestStatus::Approved => State::Approved,
            RoleRequestStatus::Rejected => State::Rejected,
        },
        approvers: DECIDERS,
    }
}

/// The re-check when the checker acts: the checker is not the account itself (a
/// compliance officer approving their own promotion), the account still holds the roles
/// the request started from, and the roles asked for may still be held together.
pub fn recheck(
    checker_id: &str,
    subject_id: &str,
    roles_from: &[Role],
    roles_now: &[Role],
    roles_to: &[Role],
) -> Result<(), DutyError> {
    if checker_id == subject_id {
        return Err(DutyError::OwnAccount);
    }
    if !same_roles(roles_from, roles_now) {
        return Err(DutyError::Stale);
    }
    check_roles(roles_to)
}

pub const DECISION_WORDING: Wording = Wording {
    same_person: "the administrator who asked cannot decide their own role request",
    not_permitted: "a second administrator or a compliance officer decides role requests",
    not_pending: "the role request is {status}",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::approval::{Checker, Refused};
    use Role::*;

    #[test]
    fn admin_never_holds_compliance_or_supervisor() {
        assert_eq!(
            check_roles(&[Admin, Compliance]),
            Err(DutyError::Incompatible(Admin, Compliance))
        );
        assert_eq!(
            check_roles(&[Supervisor, Agent, Admin]),
            Err(DutyError::Incompatible(Admin, Supervisor))
        );
        assert_eq!(check_roles(&[Admin, Risk, Qa]), Ok(()));
        assert_eq!(check_roles(&[Supervisor, Compliance]), Ok(()));
        assert_eq!(
            DutyError::Incompatible(Admin, Compliance).code(),
            ErrorCode::SeparationOfDuties
        );
    }

    #[test]
    fn nobody_changes_their_own_roles() {
        assert_eq!(
            check_change("a", "a", &[Admin], &[Admin, Risk]),
            Err(DutyError::OwnRoles)
        );
        assert_eq!(
            check_change("a", "a", &[Admin], &[Admin, Compliance]),
            Err(DutyError::OwnRoles),
            "refused as one's own before the set is judged"
        );
        assert_eq!(
            check_change("a", "a", &[Admin], &[]),
            Err(DutyError::OwnRoles)
        );
        assert_eq!(
            check_change("a", "a", &[Admin, Qa], &[Qa, Admin, Qa]),
            Ok(Effect::Immediate),
            "the same roles (a department change) pass"
        );
        assert_eq!(DutyError::OwnRoles.code(), ErrorCode::ConflictOfInterest);
    }

    #[test]
    fn adding_a_privileged_role_needs_approval_and_nothing_else_does() {
        for r in PRIVILEGED {
            assert_eq!(
                check_change("a", "b", &[Agent], &[Agent, r]),
                Ok(Effect::Approval)
            );
            assert_eq!(check_change("a", "b", &[], &[r]), Ok(Effect::Approval));
            assert_eq!(check_change("a", "b", &[r], &[r]), Ok(Effect::Immediate));
            assert_eq!(
                check_change("a", "b", &[r, Agent], &[Agent]),
                Ok(Effect::Immediate)
            );
        }
        for r in [Agent, SeniorAgent, Backoffice, Qa, Branch] {
            assert!(!is_privileged(r));
            assert_eq!(check_change("a", "b", &[], &[r]), Ok(Effect::Immediate));
        }
        assert_eq!(
            check_change("a", "b", &[Admin], &[Admin, Supervisor]),
            Err(DutyError::Incompatible(Admin, Supervisor))
        );
        assert_eq!(
            unprivileged(&[Agent, Supervisor, Qa, Risk]),
            vec![Agent, Qa]
        );
    }

    #[test]
    fn a_second_admin_or_compliance_decides_and_the_rules_are_judged_again() {
        let pending = decision(RoleRequestStatus::Pending, "admin1");
        let decide = |user_id: &str, roles: &[Role], from: &[Role], now: &[Role], to: &[Role]| {
            pending.decide(&Checker { user_id, roles }, || {
                recheck(user_id, "target", from, now, to)
            })
        };
        let ok: Result<(), Refused<DutyError>> = Ok(());
        assert_eq!(
            decide("admin2", &[Admin], &[Agent], &[Agent], &[Supervisor]),
            ok
        );
        assert_eq!(decide("comp1", &[Compliance], &[], &[], &[Risk]), ok);
        assert_eq!(
            decide("admin1", &[Admin], &[Agent], &[Agent], &[Supervisor]),
            Err(Refused::SamePerson)
        );
        assert_eq!(
            decide("sup1", &[Supervisor], &[Agent], &[Agent], &[Supervisor]),
            Err(Refused::NotPermitted)
        );
        assert_eq!(
            decide(
                "target",
                &[Compliance],
                &[Compliance],
                &[Compliance],
                &[Compliance, Risk]
            ),
            Err(Refused::Subject(DutyError::OwnAccount))
        );
        assert_eq!(
            decide(
                "comp1",
                &[Compliance],
                &[Agent],
                &[Agent, Qa],
                &[Supervisor]
            ),
            Err(Refused::Subject(DutyError::Stale))
        );
        assert_eq!(
            decide(
                "comp1",
                &[Compliance],
                &[Admin],
                &[Admin],
                &[Admin, Compliance]
            ),
            Err(Refused::Subject(DutyError::Incompatible(Admin, Compliance)))
        );
        for decided in [RoleRequestStatus::Approved, RoleRequestStatus::Rejected] {
            assert_eq!(
                decision(decided, "admin1").decide(
                    &Checker {
                        user_id: "comp1",
                        roles: &[Compliance]
                    },
                    || Ok::<(), DutyError>(())
                ),
                Err(Refused::NotPending)
            );
        }
    }
}
