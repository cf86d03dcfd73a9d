//! What the Create API key dialog is offered, what it sends, and the key
//! it gets back once.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceChoice {
    pub id: i64,
    pub name: String,
    /// The workspace already has its most active keys.
    pub full: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActAsChoice {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    /// Super managers act anywhere, agency-wide included.
    pub everywhere: bool,
    pub workspaces: Vec<i64>,
}

impl ActAsChoice {
    /// Whether this user may act for a key in `workspace` (`None`: agency-wide).
    pub fn may_act_in(&self, workspace: Option<i64>) -> bool {
        self.everywhere || workspace.is_some_and(|w| self.workspaces.contains(&w))
    }
}

/// Everything the page needs besides the rows: who may do what, and the choices of the dialog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySettings {
    /// Most active keys per workspace and agency-wide.
    pub max_active_keys: i32,
    /// Days a key may go unused before it is deleted.
    pub inactivity_days: i32,
    /// The weekly sandbox reset: a weekday (0 = Sunday) or off, and an hour (UTC).
    pub sandbox_reset_day: Option<i16>,
    pub sandbox_reset_hour: i16,
    pub can_manage: bool,
    pub can_change_limit: bool,
    /// Agency-wide keys may be created by this viewer.
    pub can_create_agency_wide: bool,
    /// The agency-wide bucket is full.
    pub agency_wide_full: bool,
    /// Workspaces this viewer may create keys in.
    pub workspaces: Vec<WorkspaceChoice>,
    pub act_as: Vec<ActAsChoice>,
    pub viewer_id: i64,
    /// The custom date picker's bounds (`YYYY-MM-DD`), by the server's clock.
    pub min_custom_date: String,
    pub max_custom_date: String,
}

impl KeySettings {
    /// Whether there is anywhere left this viewer could create a key.
    pub fn has_room(&self) -> bool {
        (self.can_create_agency_wide && !self.agency_wide_full) || self.workspaces.iter().any(|w| !w.full)
    }

    pub fn limit_message(&self) -> String {
        format!(
            "You can have at most {} active keys in each workspace and {} agency-wide. \
             Revoke or remove a key to create another.",
            self.max_active_keys, self.max_active_keys
        )
    }
}

/// The Create API key form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewKeyForm {
    pub name: String,
    /// Empty for agency-wide, else a workspace id.
    pub workspace: String,
    /// A user id.
    pub act_as: String,
    /// `1w`, `1m`, `3m`, `1y`, `never` or `custom`.
    pub validity: String,
    /// `YYYY-MM-DD` when `validity` is `custom`.
    pub custom_date: String,
    /// `live` or `test`.
    pub environment: String,
    pub scopes: Vec<String>,
}

/// A key just created: the only time the secret leaves the server.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevealedKey {
    pub id: String,
    pub name: String,
    /// `kw_live_{id}`.
    pub api_key: String,
    /// `{secret}{crc}`.
    pub secret: String,
    /// The whole token.
    pub token: String,
}

impl std::fmt::Debug for RevealedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevealedKey")
            .field("api_key", &self.api_key)
            .field("secret", &"[redacted]")
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revealed_key_never_debug_prints_its_secret() {
        let key = RevealedKey {
            id: "abc".into(),
            name: "n".into(),
            api_key: "kw_live_abc".into(),
            secret: "SECRETSECRET".into(),
            token: "kw_live_abc_SECRETSECRET".into(),
        };
        assert!(!format!("{key:?}").contains("SECRET"));
    }
}
