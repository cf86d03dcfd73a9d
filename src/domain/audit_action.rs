//! What the audit log records: one enum, one spelling. The spelling
//! (snake_case) is stored in `audit_events.action` and used in the Audit log
//! page's URL (`?action=rate_limit_changed`); the label is what people read.
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
// Stored as its spelling; an unknown one fails the row's load (a 500).
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text"))]
pub enum AuditAction {
    /// A key was created (dashboard, `/v1/keys`, command line).
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "created"))]
    Created,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "renamed"))]
    Renamed,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "revoked"))]
    Revoked,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "removed"))]
    Removed,
    /// A new secret for the same key; details give the old one's grace.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "rolled"))]
    Rolled,
    /// Deleted by the inactivity sweep.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "auto_deleted"))]
    AutoDeleted,
    /// A key's requests per second.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "rate_limit_changed"))]
    RateLimitChanged,
    /// A key's IP allowlist.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "allowlist_changed"))]
    AllowlistChanged,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "scopes_changed"))]
    ScopesChanged,
    /// The agency's limit of active keys per bucket.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "key_limit_changed"))]
    KeyLimitChanged,
    /// The agency's inactivity window, in days.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "inactivity_changed"))]
    InactivityChanged,
    /// The agency's nightly reset of test-mode data.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "sandbox_reset_changed"))]
    SandboxResetChanged,
    /// An OAuth app was registered (dashboard or command line).
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "app_registered"))]
    AppRegistered,
    /// A new client secret; details give the old one's grace.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "app_secret_rolled"))]
    AppSecretRolled,
    /// An OAuth app was deleted, and every token it held with it.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "app_deleted"))]
    AppDeleted,
    /// A person approved an app (consent), or widened what it may do.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "app_authorized"))]
    AppAuthorized,
    /// A person's grant to an app was revoked, and its tokens with it.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "grant_revoked"))]
    GrantRevoked,
    /// A used refresh token came back: its whole family was revoked (RFC 9700 §4.14.2).
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "refresh_replayed"))]
    RefreshReplayed,
    /// A redeemed authorization code came back: what it issued was revoked (RFC 6749 §4.1.2).
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "code_replayed"))]
    CodeReplayed,
    /// One session token of a key was revoked (by the dashboard, its key,
    /// or itself); details name it.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "session_token_revoked"))]
    SessionTokenRevoked,
    /// Every live session token of a key was revoked; details count them.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "session_tokens_revoked"))]
    SessionTokensRevoked,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "webhook_created"))]
    WebhookCreated,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "webhook_updated"))]
    WebhookUpdated,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "webhook_deleted"))]
    WebhookDeleted,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "webhook_disabled"))]
    WebhookDisabled,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "webhook_enabled"))]
    WebhookEnabled,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "webhook_secret_rotated"))]
    WebhookSecretRotated,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "webhook_secret_revealed"))]
    WebhookSecretRevealed,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "webhook_resent"))]
    WebhookResent,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "webhook_recovered"))]
    WebhookRecovered,
    /// An invitation link was issued to a new person (or a removed one, again).
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "person_invited"))]
    PersonInvited,
    /// A pending invitation got a new link; the old one stopped working.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "invitation_reissued"))]
    InvitationReissued,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "invitation_revoked"))]
    InvitationRevoked,
    /// The invited person set their password.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "invitation_accepted"))]
    InvitationAccepted,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "role_changed"))]
    RoleChanged,
    /// A person's workspaces.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "workspaces_changed"))]
    WorkspacesChanged,
    /// Cannot sign in; their sessions ended; details say what became of their keys.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "person_disabled"))]
    PersonDisabled,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "person_enabled"))]
    PersonEnabled,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "person_removed"))]
    PersonRemoved,
    /// A key now acts as another person; details give from and to.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "key_reassigned"))]
    KeyReassigned,
    /// A person changed their own password; their other sessions ended.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "password_changed"))]
    PasswordChanged,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "password_reset_issued"))]
    PasswordResetIssued,
    /// A reset link was used; every session of the person ended.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "password_reset"))]
    PasswordReset,
    /// A person signed out one of their sessions, or every other one.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "sessions_ended"))]
    SessionsEnded,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "workspace_created"))]
    WorkspaceCreated,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "workspace_renamed"))]
    WorkspaceRenamed,
    /// No new keys there; its keys and tokens are refused; data kept.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "workspace_archived"))]
    WorkspaceArchived,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "workspace_restored"))]
    WorkspaceRestored,
}

impl AuditAction {
    /// Every action, in the order the filter offers them.
    pub const ALL: [AuditAction; 48] = [
        AuditAction::Created,
        AuditAction::Renamed,
        AuditAction::Revoked,
        AuditAction::Removed,
        AuditAction::Rolled,
        AuditAction::AutoDeleted,
        AuditAction::RateLimitChanged,
        AuditAction::AllowlistChanged,
        AuditAction::ScopesChanged,
        AuditAction::KeyLimitChanged,
        AuditAction::InactivityChanged,
        AuditAction::SandboxResetChanged,
        AuditAction::AppRegistered,
        AuditAction::AppSecretRolled,
        AuditAction::AppDeleted,
        AuditAction::AppAuthorized,
        AuditAction::GrantRevoked,
        AuditAction::RefreshReplayed,
        AuditAction::CodeReplayed,
        AuditAction::SessionTokenRevoked,
        AuditAction::SessionTokensRevoked,
        AuditAction::WebhookCreated,
        AuditAction::WebhookUpdated,
        AuditAction::WebhookDeleted,
        AuditAction::WebhookDisabled,
        AuditAction::WebhookEnabled,
        AuditAction::WebhookSecretRotated,
        AuditAction::WebhookSecretRevealed,
        AuditAction::WebhookResent,
        AuditAction::WebhookRecovered,
        AuditAction::PersonInvited,
        AuditAction::InvitationReissued,
        AuditAction::InvitationRevoked,
        AuditAction::InvitationAccepted,
        AuditAction::RoleChanged,
        AuditAction::WorkspacesChanged,
        AuditAction::PersonDisabled,
        AuditAction::PersonEnabled,
        AuditAction::PersonRemoved,
        AuditAction::KeyReassigned,
        AuditAction::PasswordChanged,
        AuditAction::PasswordResetIssued,
        AuditAction::PasswordReset,
        AuditAction::SessionsEnded,
        AuditAction::WorkspaceCreated,
        AuditAction::WorkspaceRenamed,
        AuditAction::WorkspaceArchived,
        AuditAction::WorkspaceRestored,
    ];

    /// The stored and URL spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Created => "created",
            AuditAction::Renamed => "renamed",
            AuditAction::Revoked => "revoked",
            AuditAction::Removed => "removed",
            AuditAction::Rolled => "rolled",
            AuditAction::AutoDeleted => "auto_deleted",
            AuditAction::RateLimitChanged => "rate_limit_changed",
            AuditAction::AllowlistChanged => "allowlist_changed",
            AuditAction::ScopesChanged => "scopes_changed",
            AuditAction::KeyLimitChanged => "key_limit_changed",
            AuditAction::InactivityChanged => "inactivity_changed",
            AuditAction::SandboxResetChanged => "sandbox_reset_changed",
            AuditAction::AppRegistered => "app_registered",
            AuditAction::AppSecretRolled => "app_secret_rolled",
            AuditAction::AppDeleted => "app_deleted",
            AuditAction::AppAuthorized => "app_authorized",
            AuditAction::GrantRevoked => "grant_revoked",
            AuditAction::RefreshReplayed => "refresh_replayed",
            AuditAction::CodeReplayed => "code_replayed",
            AuditAction::SessionTokenRevoked => "session_token_revoked",
            AuditAction::SessionTokensRevoked => "session_tokens_revoked",
            AuditAction::WebhookCreated => "webhook_created",
            AuditAction::WebhookUpdated => "webhook_updated",
            AuditAction::WebhookDeleted => "webhook_deleted",
            AuditAction::WebhookDisabled => "webhook_disabled",
            AuditAction::WebhookEnabled => "webhook_enabled",
            AuditAction::WebhookSecretRotated => "webhook_secret_rotated",
            AuditAction::WebhookSecretRevealed => "webhook_secret_revealed",
            AuditAction::WebhookResent => "webhook_resent",
            AuditAction::WebhookRecovered => "webhook_recovered",
            AuditAction::PersonInvited => "person_invited",
            AuditAction::InvitationReissued => "invitation_reissued",
            AuditAction::InvitationRevoked => "invitation_revoked",
            AuditAction::InvitationAccepted => "invitation_accepted",
            AuditAction::RoleChanged => "role_changed",
            AuditAction::WorkspacesChanged => "workspaces_changed",
            AuditAction::PersonDisabled => "person_disabled",
            AuditAction::PersonEnabled => "person_enabled",
            AuditAction::PersonRemoved => "person_removed",
            AuditAction::KeyReassigned => "key_reassigned",
            AuditAction::PasswordChanged => "password_changed",
            AuditAction::PasswordResetIssued => "password_reset_issued",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::SessionsEnded => "sessions_ended",
            AuditAction::WorkspaceCreated => "workspace_created",
            AuditAction::WorkspaceRenamed => "workspace_renamed",
            AuditAction::WorkspaceArchived => "workspace_archived",
            AuditAction::WorkspaceRestored => "workspace_restored",
        }
    }

    /// How the log and its filter name it.
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::Created => "Created",
            AuditAction::Renamed => "Renamed",
            AuditAction::Revoked => "Revoked",
            AuditAction::Removed => "Removed",
            AuditAction::Rolled => "Rolled",
            AuditAction::AutoDeleted => "Auto-deleted",
            AuditAction::RateLimitChanged => "Rate limit changed",
            AuditAction::AllowlistChanged => "IP allowlist changed",
            AuditAction::ScopesChanged => "Scopes changed",
            AuditAction::KeyLimitChanged => "Key limit changed",
            AuditAction::InactivityChanged => "Inactivity window changed",
            AuditAction::SandboxResetChanged => "Sandbox reset changed",
            AuditAction::AppRegistered => "OAuth app registered",
            AuditAction::AppSecretRolled => "OAuth app secret rolled",
            AuditAction::AppDeleted => "OAuth app deleted",
            AuditAction::AppAuthorized => "OAuth app authorized",
            AuditAction::GrantRevoked => "OAuth grant revoked",
            AuditAction::RefreshReplayed => "Refresh token replayed",
            AuditAction::CodeReplayed => "Authorization code replayed",
            AuditAction::SessionTokenRevoked => "Session token revoked",
            AuditAction::SessionTokensRevoked => "All session tokens revoked",
            AuditAction::WebhookCreated => "Webhook endpoint created",
            AuditAction::WebhookUpdated => "Webhook endpoint changed",
            AuditAction::WebhookDeleted => "Webhook endpoint deleted",
            AuditAction::WebhookDisabled => "Webhook endpoint disabled",
            AuditAction::WebhookEnabled => "Webhook endpoint enabled",
            AuditAction::WebhookSecretRotated => "Webhook secret rotated",
            AuditAction::WebhookSecretRevealed => "Webhook secret revealed",
            AuditAction::WebhookResent => "Webhook message resent",
            AuditAction::WebhookRecovered => "Failed webhook messages resent",
            AuditAction::PersonInvited => "Person invited",
            AuditAction::InvitationReissued => "Invitation re-issued",
            AuditAction::InvitationRevoked => "Invitation revoked",
            AuditAction::InvitationAccepted => "Invitation accepted",
            AuditAction::RoleChanged => "Role changed",
            AuditAction::WorkspacesChanged => "Workspaces changed",
            AuditAction::PersonDisabled => "Person disabled",
            AuditAction::PersonEnabled => "Person enabled",
            AuditAction::PersonRemoved => "Person removed",
            AuditAction::KeyReassigned => "Key reassigned",
            AuditAction::PasswordChanged => "Password changed",
            AuditAction::PasswordResetIssued => "Password reset link issued",
            AuditAction::PasswordReset => "Password reset",
            AuditAction::SessionsEnded => "Signed out elsewhere",
            AuditAction::WorkspaceCreated => "Workspace created",
            AuditAction::WorkspaceRenamed => "Workspace renamed",
            AuditAction::WorkspaceArchived => "Workspace archived",
            AuditAction::WorkspaceRestored => "Workspace restored",
        }
    }

    /// What the event is about, as the audit log's "Kind" filter groups it.
    pub fn category(self) -> AuditCategory {
        use AuditAction::*;
        match self {
            Created | Renamed | Revoked | Removed | Rolled | AutoDeleted | RateLimitChanged
            | AllowlistChanged | ScopesChanged | SessionTokenRevoked | SessionTokensRevoked
            | KeyReassigned => AuditCategory::Keys,
            KeyLimitChanged | InactivityChanged | SandboxResetChanged => AuditCategory::Settings,
            AppRegistered | AppSecretRolled | AppDeleted | AppAuthorized | GrantRevoked | RefreshReplayed
            | CodeReplayed => AuditCategory::OAuth,
            WebhookCreated
            | WebhookUpdated
            | WebhookDeleted
            | WebhookDisabled
            | WebhookEnabled
            | WebhookSecretRotated
            | WebhookSecretRevealed
            | WebhookResent
            | WebhookRecovered => AuditCategory::Webhooks,
            PersonInvited | InvitationReissued | InvitationRevoked | InvitationAccepted | RoleChanged
            | WorkspacesChanged | PersonDisabled | PersonEnabled | PersonRemoved | PasswordChanged
            | PasswordResetIssued | PasswordReset | SessionsEnded => AuditCategory::People,
            WorkspaceCreated | WorkspaceRenamed | WorkspaceArchived | WorkspaceRestored => {
                AuditCategory::Workspaces
            }
        }
    }

    /// The unit of a `from`/`to` change's values, as the details read.
    pub fn unit(self) -> &'static str {
        match self {
            AuditAction::RateLimitChanged => " requests/s",
            AuditAction::KeyLimitChanged => " active keys",
            AuditAction::InactivityChanged => " days",
            _ => "",
        }
    }
}

/// The kinds of audit events, as the log's filter offers them
/// (`?kind=people`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditCategory {
    Keys,
    Settings,
    OAuth,
    Webhooks,
    People,
    Workspaces,
}

impl AuditCategory {
    pub const ALL: [AuditCategory; 6] = [
        AuditCategory::Keys,
        AuditCategory::Settings,
        AuditCategory::OAuth,
        AuditCategory::Webhooks,
        AuditCategory::People,
        AuditCategory::Workspaces,
    ];

    /// In the URL.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditCategory::Keys => "keys",
            AuditCategory::Settings => "settings",
            AuditCategory::OAuth => "oauth",
            AuditCategory::Webhooks => "webhooks",
            AuditCategory::People => "people",
            AuditCategory::Workspaces => "workspaces",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AuditCategory::Keys => "API keys",
            AuditCategory::Settings => "Agency key settings",
            AuditCategory::OAuth => "OAuth apps",
            AuditCategory::Webhooks => "Webhooks",
            AuditCategory::People => "People",
            AuditCategory::Workspaces => "Workspaces",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// Its actions.
    pub fn actions(self) -> impl Iterator<Item = AuditAction> {
        AuditAction::ALL.into_iter().filter(move |a| a.category() == self)
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuditAction {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == s).ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::AuditAction;

    #[test]
    fn one_spelling_each_round_trips_and_serde_agrees() {
        for action in AuditAction::ALL {
            assert_eq!(action.as_str().parse(), Ok(action));
            assert_eq!(serde_json::to_value(action).unwrap(), action.as_str());
            assert!(action
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
        assert_eq!("rate limit changed".parse::<AuditAction>(), Err(()));
    }

    #[test]
    fn every_action_has_one_kind_and_kinds_round_trip() {
        use super::AuditCategory;
        let counted: usize = AuditCategory::ALL.into_iter().map(|c| c.actions().count()).sum();
        assert_eq!(counted, AuditAction::ALL.len());
        for kind in AuditCategory::ALL {
            assert_eq!(AuditCategory::parse(kind.as_str()), Some(kind));
            assert!(kind.actions().count() > 0, "{kind:?}");
        }
        assert_eq!(AuditAction::PersonDisabled.category(), AuditCategory::People);
        assert_eq!(
            AuditAction::WorkspaceArchived.category(),
            AuditCategory::Workspaces
        );
    }
}
