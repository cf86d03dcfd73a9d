//! A person of the team: where they stand (DESIGN.md, "People").
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a person stands, stored in `users.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Signs in; keys may act as them.
    Active,
    /// Invited, has not set a password yet: cannot sign in, no key acts as them.
    Invited,
    /// Cannot sign in; their sessions ended; keys still acting as them are refused.
    Disabled,
    /// Gone from the team; the row stays so their name stays on what they
    /// created and did.
    Removed,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Active, Status::Invited, Status::Disabled, Status::Removed];

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Invited => "invited",
            Status::Disabled => "disabled",
            Status::Removed => "removed",
        }
    }

    /// As the Team table says it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Active => "Active",
            Status::Invited => "Invited",
            Status::Disabled => "Disabled",
            Status::Removed => "Removed",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status {0:?}")]
pub struct UnknownStatus(pub String);

impl FromStr for Status {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_spelling() {
        for status in Status::ALL {
            assert_eq!(status.as_str().parse::<Status>(), Ok(status));
        }
        assert!("gone".parse::<Status>().is_err());
    }
}
