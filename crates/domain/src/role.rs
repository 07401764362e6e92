//! Staff roles. What a role may do is decided by the handler's type (see web::auth),
//! and the list here is the closed set those types are built from.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Agent,
    SeniorAgent,
    Backoffice,
    Supervisor,
    Qa,
    Compliance,
    Risk,
    Branch,
    Admin,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Agent,
        Role::SeniorAgent,
        Role::Backoffice,
        Role::Supervisor,
        Role::Qa,
        Role::Compliance,
        Role::Risk,
        Role::Branch,
        Role::Admin,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::SeniorAgent => "senior_agent",
            Role::Backoffice => "backoffice",
            Role::Supervisor => "supervisor",
            Role::Qa => "qa",
            Role::Compliance => "compliance",
            Role::Risk => "risk",
            Role::Branch => "branch",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Roles that serve customers and so may open a contact with one.
    pub const fn handles_contacts(self) -> bool {
        matches!(
            self,
            Role::Agent
                | Role::SeniorAgent
                | Role::Backoffice
                | Role::Supervisor
                | Role::Risk
                | Role::Branch
        )
    }

    /// Roles that answer the customers' email and WeChat messages, and so read them before
    /// taking one: the front line, and the supervisors who oversee it and step in. Back
    /// office works cases, risk and branch staff serve customers on their own channels
    /// (outbound calls, the counter); none of them takes work from the message queue, so
    /// the queue's messages and senders are not theirs to read.
    pub const fn handles_messages(self) -> bool {
        matches!(self, Role::Agent | Role::SeniorAgent | Role::Supervisor)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses a comma-separated role list as stored; unknown names are an error so a typo
/// in the database never silently removes a permission check.
pub fn parse_roles(s: &str) -> Result<Vec<Role>, String> {
    s.split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| Role::parse(r).ok_or_else(|| format!("unknown role {r}")))
        .collect()
}

pub fn format_roles(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(
            parse_roles("agent, supervisor").unwrap(),
            vec![Role::Agent, Role::Supervisor]
        );
        assert!(parse_roles("agent,superuser").is_err());
        assert_eq!(format_roles(&[Role::Qa, Role::Admin]), "qa,admin");
    }

    #[test]
    fn those_who_answer_messages_serve_customers_and_branch_and_risk_do_not() {
        for r in Role::ALL {
            assert!(!r.handles_messages() || r.handles_contacts(), "{r}");
        }
        for r in [Role::Branch, Role::Risk, Role::Backoffice, Role::Admin] {
            assert!(!r.handles_messages(), "{r}");
        }
        assert!(Role::Agent.handles_messages() && Role::Supervisor.handles_messages());
    }
}
