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

/// The forms of the people pages, as [`crate::models::FormFlash::form`] names them.
pub mod forms {
    pub const INVITE: &str = "invite";
    pub const ACCESS: &str = "person_access";
    /// The buttons of a person's page (enable, links, reassigning a key).
    pub const PERSON: &str = "person";
    pub const DISABLE: &str = "disable_person";
    pub const REMOVE: &str = "remove_person";
    pub const REVOKE_INVITATION: &str = "revoke_invitation";
    pub const CREATE_WORKSPACE: &str = "create_workspace";
    pub const WORKSPACE: &str = "workspace";
    pub const PASSWORD: &str = "change_password";
    pub const SESSIONS: &str = "sessions";
    pub const ACCEPT_INVITATION: &str = "accept_invitation";
    pub const RESET_PASSWORD: &str = "reset_password";
}

/// A one-time link shown on the page that answers the post that made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkShown {
    Invitation(IssuedLink),
    PasswordReset(IssuedLink),
}

/// What a redirect after a change says on the page it lands on (`?done=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PeopleNotice {
    AccessSaved,
    Disabled,
    Enabled,
    Removed,
    InvitationRevoked,
    KeyReassigned,
    WorkspaceCreated,
    WorkspaceRenamed,
    WorkspaceArchived,
    WorkspaceRestored,
    PasswordChanged,
    SignedOut,
    SignedOutOthers,
}

impl PeopleNotice {
    const ALL: [PeopleNotice; 13] = [
        PeopleNotice::AccessSaved,
        PeopleNotice::Disabled,
        PeopleNotice::Enabled,
        PeopleNotice::Removed,
        PeopleNotice::InvitationRevoked,
        PeopleNotice::KeyReassigned,
        PeopleNotice::WorkspaceCreated,
        PeopleNotice::WorkspaceRenamed,
        PeopleNotice::WorkspaceArchived,
        PeopleNotice::WorkspaceRestored,
        PeopleNotice::PasswordChanged,
        PeopleNotice::SignedOut,
        PeopleNotice::SignedOutOthers,
    ];

    pub fn param(self) -> &'static str {
        match self {
            PeopleNotice::AccessSaved => "access_saved",
            PeopleNotice::Disabled => "disabled",
            PeopleNotice::Enabled => "enabled",
            PeopleNotice::Removed => "removed",
            PeopleNotice::InvitationRevoked => "invitation_revoked",
            PeopleNotice::KeyReassigned => "key_reassigned",
            PeopleNotice::WorkspaceCreated => "workspace_created",
            PeopleNotice::WorkspaceRenamed => "workspace_renamed",
            PeopleNotice::WorkspaceArchived => "workspace_archived",
            PeopleNotice::WorkspaceRestored => "workspace_restored",
            PeopleNotice::PasswordChanged => "password_changed",
            PeopleNotice::SignedOut => "signed_out",
            PeopleNotice::SignedOutOthers => "signed_out_others",
        }
    }

    pub fn from_param(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|n| n.param() == text)
    }

    pub fn text(self) -> &'static str {
        match self {
            PeopleNotice::AccessSaved => "Role and workspaces saved.",
            PeopleNotice::Disabled => {
                "Disabled. They can no longer sign in, and every session of theirs has ended."
            }
            PeopleNotice::Enabled => "Enabled. They can sign in again.",
            PeopleNotice::Removed => "Removed from the team. Their name stays on what they did.",
            PeopleNotice::InvitationRevoked => "Invitation revoked. Its link no longer works.",
            PeopleNotice::KeyReassigned => "Key reassigned.",
            PeopleNotice::WorkspaceCreated => "Workspace created.",
            PeopleNotice::WorkspaceRenamed => "Workspace renamed.",
            PeopleNotice::WorkspaceArchived => {
                "Workspace archived. It takes no new keys, its keys are refused, and its data is kept."
            }
            PeopleNotice::WorkspaceRestored => "Workspace restored. Its keys work again.",
            PeopleNotice::PasswordChanged => {
                "Password changed. Every other session of yours has been signed out."
            }
            PeopleNotice::SignedOut => "That session has been signed out.",
            PeopleNotice::SignedOutOthers => "Every other session has been signed out.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_and_sorts_round_trip_through_their_parameters() {
        for notice in PeopleNotice::ALL {
            assert_eq!(PeopleNotice::from_param(notice.param()), Some(notice));
        }
        for sort in TeamSort::ALL {
            assert_eq!(TeamSort::parse(sort.as_str()), Some(sort));
        }
        assert_eq!(PeopleNotice::from_param("nope"), None);
    }
}
