//! Who acts. One type for every rule and every store call that asks who is asking: the
//! access gate, case access, dual control and the audit record all read it.

use crate::role::Role;

/// A member of staff acting: the id that records keep, the username the audit log names,
/// the roles the rules check and the department that scopes cases and purposes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor<'a> {
    pub user_id: &'a str,
    pub username: &'a str,
    pub roles: &'a [Role],
    pub department: Option<&'a str>,
}

impl Actor<'_> {
    /// Supervisors and compliance see every department's cases.
    pub fn sees_all_departments(&self) -> bool {
        self.roles
            .iter()
            .any(|r| matches!(r, Role::Supervisor | Role::Compliance))
    }
}
