//! A row of the key table and a page of rows.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{KeyQuery, PAGE_SIZE};
use crate::domain::environment::Environment;
use crate::domain::scopes::Scope;

/// A key's state at the time of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyStatus {
    Active,
    Expired,
    Revoked,
}

impl KeyStatus {
    pub fn at(
        now: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
        revoked_at: Option<DateTime<Utc>>,
    ) -> Self {
        if revoked_at.is_some() {
            KeyStatus::Revoked
        } else if expires_at.is_some_and(|at| at <= now) {
            KeyStatus::Expired
        } else {
            KeyStatus::Active
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            KeyStatus::Active => "Active",
            KeyStatus::Expired => "Expired",
            KeyStatus::Revoked => "Revoked",
        }
    }
}

/// One row of the key table. Never holds anything secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub environment: Environment,
    pub last4: String,
    pub scopes: Vec<Scope>,
    pub status: KeyStatus,
    pub workspace: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub usage_count: i64,
    /// Requests per second; 0 is unlimited.
    pub rate_limit: i32,
    pub created_by: String,
    pub acting_as: String,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
    /// Whether the viewer may rename, revoke and remove it.
    pub can_manage: bool,
    /// After a roll: until when the old secret still works (only while it does).
    pub old_secret_until: Option<DateTime<Utc>>,
    /// Addresses and CIDR ranges it may be used from; empty is anywhere.
    pub ip_allowlist: Vec<String>,
    /// Session tokens it minted that still work.
    pub live_session_tokens: u64,
    /// Why the key is refused although live: "Acting user disabled" or
    /// "Workspace archived".
    pub suspended: Option<String>,
}

impl KeyRow {
    /// `kw_live_{id}`: the public half, as the table shows it.
    pub fn api_key(&self) -> String {
        self.environment.public_key(&self.id)
    }
}

/// What the dialogs that change a key need to know of it: the props of the
/// `KeyRowActions` and `KeyPageActions` islands (plain data, serialised
/// into the page; no dates, which would need a parser in the browser).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyTarget {
    pub id: String,
    pub name: String,
    /// `kw_live_{id}`.
    pub api_key: String,
    /// Requests per second; 0 is unlimited.
    pub rate_limit: i32,
    /// Active keys can be revoked and rolled; the others only removed.
    pub active: bool,
    pub scopes: Vec<Scope>,
    pub ip_allowlist: Vec<String>,
    /// An earlier roll's old secret still works (a new roll ends it).
    pub old_secret_pending: bool,
}

impl From<&KeyRow> for KeyTarget {
    fn from(row: &KeyRow) -> Self {
        Self {
            id: row.id.clone(),
            name: row.name.clone(),
            api_key: row.api_key(),
            rate_limit: row.rate_limit,
            active: row.status == KeyStatus::Active,
            scopes: row.scopes.clone(),
            ip_allowlist: row.ip_allowlist.clone(),
            old_secret_pending: row.old_secret_until.is_some(),
        }
    }
}

/// One page of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPage {
    pub rows: Vec<KeyRow>,
    /// Keys matching the search (all pages).
    pub total: u64,
    pub query: KeyQuery,
    /// Whether the agency has more than one workspace (shows the Workspace column).
    pub show_workspace: bool,
}

impl KeyPage {
    pub fn page_count(&self) -> u64 {
        self.total.div_ceil(PAGE_SIZE).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_the_timestamps() {
        let now = Utc::now();
        let past = now - chrono::Duration::hours(1);
        let future = now + chrono::Duration::hours(1);
        assert_eq!(KeyStatus::at(now, None, None), KeyStatus::Active);
        assert_eq!(KeyStatus::at(now, Some(future), None), KeyStatus::Active);
        assert_eq!(KeyStatus::at(now, Some(past), None), KeyStatus::Expired);
        assert_eq!(KeyStatus::at(now, Some(now), None), KeyStatus::Expired);
        assert_eq!(KeyStatus::at(now, Some(past), Some(past)), KeyStatus::Revoked);
        assert_eq!(KeyStatus::Revoked.label(), "Revoked");
    }

    #[test]
    fn page_count_rounds_up_and_is_at_least_one() {
        let page = |total| KeyPage {
            rows: vec![],
            total,
            query: KeyQuery::default(),
            show_workspace: false,
        };
        assert_eq!(page(0).page_count(), 1);
        assert_eq!(page(25).page_count(), 1);
        assert_eq!(page(26).page_count(), 2);
    }
}
