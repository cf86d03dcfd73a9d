//! A key's live session tokens as its page lists them, and the notices its
//! page shows after revoking them.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::scopes::Scope;

/// One live session token of a key. Never holds anything secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionTokenRow {
    pub id: String,
    /// Empty when the backend gave none.
    pub label: String,
    pub origins: Vec<String>,
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub usage_count: i64,
}

impl SessionTokenRow {
    /// How people tell it apart: its label, else its id.
    pub fn name(&self) -> String {
        if self.label.is_empty() {
            format!("kw_sess_…{}", self.id)
        } else {
            self.label.clone()
        }
    }
}

/// What the key's page says after a revocation (`?done=…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionTokenNotice {
    Revoked,
    AllRevoked,
}

impl SessionTokenNotice {
    pub fn param(self) -> &'static str {
        match self {
            SessionTokenNotice::Revoked => "session-token-revoked",
            SessionTokenNotice::AllRevoked => "session-tokens-revoked",
        }
    }

    pub fn from_param(text: &str) -> Option<Self> {
        [SessionTokenNotice::Revoked, SessionTokenNotice::AllRevoked]
            .into_iter()
            .find(|n| n.param() == text)
    }

    pub fn text(self) -> &'static str {
        match self {
            SessionTokenNotice::Revoked => "Session token revoked. It stopped working on every server.",
            SessionTokenNotice::AllRevoked => {
                "Every session token of this key was revoked. They stopped working on every server."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_round_trip_through_their_parameter() {
        for notice in [SessionTokenNotice::Revoked, SessionTokenNotice::AllRevoked] {
            assert_eq!(SessionTokenNotice::from_param(notice.param()), Some(notice));
        }
        assert_eq!(SessionTokenNotice::from_param("grant-revoked"), None);
    }
}
