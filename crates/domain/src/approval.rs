//! Maker-checker (dual control): one person asks, a second person decides. Statement
//! exports, complaint deadline extensions, knowledge-base reviews and legal-order
//! verification all follow this one rule, so "not your own request, only a permitted
//! role, only while it waits, and only if it still holds" cannot drift apart between them.

use crate::ErrorCode;
use crate::role::Role;
use std::fmt::Display;

/// Where a request stands. Only a pending request can be decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// Waiting for the second person.
    Pending,
    Approved,
    Rejected,
    /// Out of the queue without a decision on it (a newer version took its place) or
    /// taken back after its approval (a revoked order).
    Withdrawn,
}

/// Which roles may decide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleRule {
    /// The entry point's role guard (an `Api<…>` or `Desk<…>` extractor) admits only
    /// permitted roles, and the store is not given the roles to check again.
    Guarded,
    /// A checker holding any of these roles.
    AnyOf(&'static [Role]),
}

impl RoleRule {
    fn permits(self, roles: &[Role]) -> bool {
        match self {
            RoleRule::Guarded => true,
            RoleRule::AnyOf(permitted) => roles.iter().any(|r| permitted.contains(r)),
        }
    }
}

/// A request awaiting a second person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request<'a> {
    /// The user id (or, for the knowledge base, the username) of the maker.
    pub requester: &'a str,
    pub state: State,
    pub approvers: RoleRule,
}

/// The person about to approve or reject.
#[derive(Clone, Copy, Debug)]
pub struct Checker<'a> {
    /// Compared with [`Request::requester`], so the same kind of identifier.
    pub user_id: &'a str,
    pub roles: &'a [Role],
}

/// Why a checker may not decide. `E` is what the caller's re-check of the subject fails with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused<E> {
    #[error("dual control: the requester cannot decide their own request")]
    SamePerson,
    #[error("the checker's roles may not decide this request")]
    NotPermitted,
    #[error("the request is not waiting for a decision")]
    NotPending,
    /// The subject no longer passes the rules it passed when it was asked for.
    #[error("{0}")]
    Subject(E),
}

impl<E> Refused<E> {
    /// The code of the API contract. A failed re-check usually carries its own; this is
    /// the code for a rule it broke.
    pub fn code(&self) -> ErrorCode {
        match self {
            Refused::SamePerson => ErrorCode::SamePerson,
            Refused::NotPermitted => ErrorCode::Forbidden,
            Refused::NotPending => ErrorCode::Conflict,
            Refused::Subject(_) => ErrorCode::RuleRefused,
        }
    }
}

impl Request<'_> {
    /// Whether `checker` may decide the request now. Refused, in this order: the
    /// requester themselves whatever roles they hold, a checker without a permitted role,
    /// a request already decided, and a subject that fails `recheck`, which runs only
    /// when everything else holds, because a request is judged when the checker acts,
    /// not only when the maker asked.
    pub fn decide<E>(
        &self,
        checker: &Checker<'_>,
        recheck: impl FnOnce() -> Result<(), E>,
    ) -> Result<(), Refused<E>> {
        if checker.user_id == self.requester {
            return Err(Refused::SamePerson);
        }
        if !self.approvers.permits(checker.roles) {
            return Err(Refused::NotPermitted);
        }
        if self.state != State::Pending {
            return Err(Refused::NotPending);
        }
        recheck().map_err(Refused::Subject)
    }
}

/// How one kind of request words the refusals of [`Request::decide`], so each keeps the
/// messages its API has always given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wording {
    pub same_person: &'static str,
    pub not_permitted: &'static str,
    /// `{status}` stands for the request's status as the caller stores it.
    pub not_pending: &'static str,
}

impl Wording {
    /// The message for `refused` of a request whose stored status is `status`.
    pub fn explain<E: Display>(&self, refused: &Refused<E>, status: &str) -> String {
        match refused {
            Refused::SamePerson => self.same_person.to_string(),
            Refused::NotPermitted => self.not_permitted.to_string(),
            Refused::NotPending => self.not_pending.replace("{status}", status),
            Refused::Subject(e) => e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::convert::Infallible;

    const SUPERVISORS: RoleRule = RoleRule::AnyOf(&[Role::Supervisor]);

    fn request(state: State) -> Request<'static> {
        Request {
            requester: "maker",
            state,
            approvers: SUPERVISORS,
        }
    }

    fn checker<'a>(user_id: &'a str, roles: &'a [Role]) -> Checker<'a> {
        Checker { user_id, roles }
    }

    fn fine() -> Result<(), Infallible> {
        Ok(())
    }

    #[test]
    fn a_second_person_with_a_permitted_role_decides_a_pending_request() {
        let r = request(State::Pending);
        assert_eq!(
            r.decide(&checker("checker", &[Role::Supervisor]), fine),
            Ok(())
        );
        assert_eq!(
            r.decide(&checker("checker", &[Role::Agent, Role::Supervisor]), fine),
            Ok(())
        );
    }

    #[test]
    fn the_requester_is_refused_even_holding_the_checker_role() {
        let r = request(State::Pending);
        for roles in [
            &[Role::Supervisor][..],
            &[Role::Agent, Role::Supervisor],
            &[],
        ] {
            assert_eq!(
                r.decide(&checker("maker", roles), fine),
                Err(Refused::SamePerson)
            );
        }
        let guarded = Request {
            approvers: RoleRule::Guarded,
            ..r
        };
        assert_eq!(
            guarded.decide(&checker("maker", &[]), fine),
            Err(Refused::SamePerson)
        );
    }

    #[test]
    fn a_checker_without_a_permitted_role_is_refused() {
        let r = request(State::Pending);
        assert_eq!(
            r.decide(&checker("checker", &[Role::Agent, Role::Compliance]), fine),
            Err(Refused::NotPermitted)
        );
        assert_eq!(
            r.decide(&checker("checker", &[]), fine),
            Err(Refused::NotPermitted)
        );
        let guarded = Request {
            approvers: RoleRule::Guarded,
            ..r
        };
        assert_eq!(guarded.decide(&checker("checker", &[]), fine), Ok(()));
    }

    #[test]
    fn a_decided_request_is_refused() {
        for state in [State::Approved, State::Rejected, State::Withdrawn] {
            assert_eq!(
                request(state).decide(&checker("checker", &[Role::Supervisor]), fine),
                Err(Refused::NotPending),
                "{state:?}"
            );
        }
    }

    #[test]
    fn the_subject_is_rechecked_when_the_checker_acts() {
        let r = request(State::Pending);
        let sup = checker("checker", &[Role::Supervisor]);
        assert_eq!(
            r.decide(&sup, || Err("the case is closed")),
            Err(Refused::Subject("the case is closed"))
        );
        let mut ran = false;
        let _ = r.decide(&checker("maker", &[Role::Supervisor]), || {
            ran = true;
            Ok::<(), Infallible>(())
        });
        assert!(!ran, "no re-check for a refused checker");
    }

    #[test]
    fn refusals_keep_the_codes_and_the_words_of_their_site() {
        let w = Wording {
            same_person: "not yours",
            not_permitted: "not your role",
            not_pending: "the thing is {status}",
        };
        let cases: [(Refused<&str>, ErrorCode, &str); 4] = [
            (Refused::SamePerson, ErrorCode::SamePerson, "not yours"),
            (Refused::NotPermitted, ErrorCode::Forbidden, "not your role"),
            (
                Refused::NotPending,
                ErrorCode::Conflict,
                "the thing is approved",
            ),
            (Refused::Subject("closed"), ErrorCode::RuleRefused, "closed"),
        ];
        for (refused, code, message) in cases {
            assert_eq!(refused.code(), code);
            assert_eq!(w.explain(&refused, "approved"), message);
        }
    }

    fn any_state() -> impl Strategy<Value = State> {
        prop_oneof![
            Just(State::Pending),
            Just(State::Approved),
            Just(State::Rejected),
            Just(State::Withdrawn),
        ]
    }

    fn any_roles() -> impl Strategy<Value = Vec<Role>> {
        prop::sample::subsequence(Role::ALL.to_vec(), 0..=Role::ALL.len())
    }

    proptest! {
        #[test]
        fn approved_exactly_when_another_permitted_person_decides_a_pending_valid_request(
            maker in "[a-c]",
            other in "[a-c]",
            roles in any_roles(),
            state in any_state(),
            still_valid in any::<bool>(),
        ) {
            let r = Request { requester: &maker, state, approvers: SUPERVISORS };
            let outcome = r.decide(&checker(&other, &roles), || if still_valid { Ok(()) } else { Err(()) });
            let expected = maker != other
                && roles.contains(&Role::Supervisor)
                && state == State::Pending
                && still_valid;
            prop_assert_eq!(outcome.is_ok(), expected);
            if maker == other {
                prop_assert_eq!(outcome, Err(Refused::SamePerson));
            }
        }
    }
}
