//! The three user roles of an agency.
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything in the agency, agency-level keys included.
    SuperManager,
    /// Write access to the workspaces they are members of.
    Manager,
    /// Read-only.
    Agent,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::SuperManager, Role::Manager, Role::Agent];

    /// The stored and command-line spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::SuperManager => "super_manager",
            Role::Manager => "manager",
            Role::Agent => "agent",
        }
    }

    /// How the role reads in the interface.
    pub fn label(self) -> &'static str {
        match self {
            Role::SuperManager => "Super manager",
            Role::Manager => "Manager",
            Role::Agent => "Agent",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}: expected super_manager, manager or agent")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_spelling() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
    }

    #[test]
    fn an_unknown_role_is_refused_with_the_choices() {
        let err = "owner".parse::<Role>().unwrap_err();
        assert!(err.to_string().contains("super_manager, manager or agent"));
    }

    #[test]
    fn labels_are_human() {
        assert_eq!(Role::SuperManager.label(), "Super manager");
        assert_eq!(Role::Agent.to_string(), "agent");
    }
}
