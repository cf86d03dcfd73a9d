//! The team behind the keys, as Admin › Team, Admin › Workspaces and
//! Admin › Profile show it.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::environment::Environment;
use crate::domain::person::Status;
use crate::domain::role::Role;

/// One person in the Team table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub status: Status,
    /// Their workspaces' names, alphabetical (a super manager reaches all).
    pub workspaces: Vec<String>,
    pub last_sign_in: Option<DateTime<Utc>>,
    /// Live keys (not revoked, not expired) acting as them.
    pub keys_acting: u64,
    /// An invited person's link: when it expires (it may have).
    pub invitation_expires_at: Option<DateTime<Utc>>,
}

/// How the Team table is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum TeamSort {
    #[default]
    Name,
    Email,
    Role,
    Status,
    LastSignIn,
    Keys,
}

impl TeamSort {
    pub const ALL: [TeamSort; 6] = [
        TeamSort::Name,
        TeamSort::Email,
        TeamSort::Role,
        TeamSort::Status,
        TeamSort::LastSignIn,
        TeamSort::Keys,
    ];

    /// In the URL (`?sort=last_sign_in`).
    pub fn as_str(self) -> &'static str {
        match self {
            TeamSort::Name => "name",
            TeamSort::Email => "email",
            TeamSort::Role => "role",
            TeamSort::Status => "status",
            TeamSort::LastSignIn => "last_sign_in",
            TeamSort::Keys => "keys",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|sort| sort.as_str() == text)
    }
}

/// The Team page: who matched the search, sorted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamPage {
    pub rows: Vec<TeamRow>,
    /// People in the team (removed people not counted), before the search.
    pub total: u64,
}

/// A key acting as a person, with whom it could act as instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActingKey {
    pub id: String,
    pub name: String,
    pub environment: Environment,
    /// `None`: agency-wide.
    pub workspace: Option<String>,
    /// Active people who may act in its workspace, the person excluded: `(id, name)`.
    pub candidates: Vec<(i64, String)>,
}

/// One workspace a person can be given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceChoice {
    pub id: i64,
    pub name: String,
}

/// A person's page: what the Team row says, and what can be changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonDetail {
    pub row: TeamRow,
    pub workspace_ids: Vec<i64>,
    /// Live keys acting as them.
    pub keys: Vec<ActingKey>,
    /// The signed-in super manager is looking at themselves.
    pub is_self: bool,
    /// The only active super manager of the agency: cannot be demoted,
    /// disabled or removed.
    pub is_last_super_manager: bool,
    /// Every workspace not archived, to choose from.
    pub workspace_choices: Vec<WorkspaceChoice>,
}

/// One workspace on Admin › Workspaces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceRow {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
    /// Members who are not removed.
    pub people: u64,
    /// Live keys (not revoked, not expired).
    pub keys: u64,
    pub leads: u64,
    pub properties: u64,
}

/// One signed-in session on Admin › Profile › Sessions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedInSession {
    /// The session's row key: names it in the sign-out form; cannot be
    /// turned back into a cookie.
    pub id: String,
    pub signed_in_at: Option<DateTime<Utc>>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub ip: Option<String>,
    /// "Chrome 131 on Linux", or the raw `User-Agent` when not recognised.
    pub browser: String,
    /// The session this page was asked from.
    pub current: bool,
}

/// A link shown once: an invitation or a password reset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedLink {
    pub person: String,
    pub email: String,
    pub link: String,
    pub expires_at: DateTime<Utc>,
}
