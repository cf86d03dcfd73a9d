//! The audit log page and a key's own page: their URL state and rows.
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::keys::{encode, KeyRow};
use super::query::{PageNumber, SearchText};
use crate::domain::audit_action::{AuditAction, AuditCategory};
use crate::domain::refusal::RefusalReason;

/// Events per page of the audit log.
pub const AUDIT_PER_PAGE: u64 = 25;

/// Filters, search and page, as the URL holds them
/// (`?key=&actor=&action=&q=&page=`). From JSON too, every field passes the
/// URL's bounds (an unknown action is no filter, a page is 1 to 1,000,000).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "AuditQueryWire")]
pub struct AuditQuery {
    /// A key id, or empty for every key.
    pub key: String,
    /// `user:{id}`, `key:{id}`, `system`, `cli`, or empty for anyone.
    pub actor: String,
    /// One action, or `None` for every action.
    pub action: Option<AuditAction>,
    /// One kind of event (people, workspaces, keys…), or `None` for all.
    pub kind: Option<AuditCategory>,
    /// Searched in key names, actors and details.
    pub q: SearchText,
    /// 1-based.
    pub page: PageNumber,
}

/// [`AuditQuery`] as a server function receives it, before its bounds.
#[derive(Deserialize)]
struct AuditQueryWire {
    key: String,
    actor: String,
    action: String,
    #[serde(default)]
    kind: String,
    q: SearchText,
    page: PageNumber,
}

impl From<AuditQueryWire> for AuditQuery {
    fn from(wire: AuditQueryWire) -> Self {
        Self {
            page: wire.page,
            ..AuditQuery::from_params(|name| match name {
                "key" => Some(wire.key.clone()),
                "actor" => Some(wire.actor.clone()),
                "action" => Some(wire.action.clone()),
                "kind" => Some(wire.kind.clone()),
                "q" => Some(wire.q.to_string()),
                _ => None,
            })
        }
    }
}

impl Default for AuditQuery {
    fn default() -> Self {
        Self {
            key: String::new(),
            actor: String::new(),
            action: None,
            kind: None,
            q: SearchText::default(),
            page: PageNumber::FIRST,
        }
    }
}

fn short_param(raw: Option<String>, max: usize) -> String {
    raw.map(|v| v.trim().chars().filter(|c| !c.is_control()).take(max).collect())
        .unwrap_or_default()
}

impl AuditQuery {
    /// From URL parameters; anything unknown falls back to the default.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            key: short_param(get("key"), 12),
            actor: short_param(get("actor"), 40),
            action: get("action").and_then(|a| a.trim().parse().ok()),
            kind: get("kind").and_then(|k| AuditCategory::parse(k.trim())),
            q: SearchText::from_param(get("q")),
            page: PageNumber::from_param(get("page")),
        }
    }

    /// `?…` without the defaults (`?` alone when everything is default).
    pub fn href(&self) -> String {
        let mut parts = Vec::new();
        for (name, value) in [
            ("key", &self.key),
            ("actor", &self.actor),
            (
                "action",
                &self.action.map(|a| a.as_str().to_owned()).unwrap_or_default(),
            ),
            (
                "kind",
                &self.kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
            ),
            ("q", &self.q.to_string()),
        ] {
            if !value.is_empty() {
                parts.push(format!("{name}={}", encode(value)));
            }
        }
        if self.page.get() > 1 {
            parts.push(format!("page={}", self.page));
        }
        format!("?{}", parts.join("&"))
    }

    pub fn with_page(&self, page: u64) -> Self {
        Self {
            page: PageNumber::clamped(page),
            ..self.clone()
        }
    }

    pub fn is_filtered(&self) -> bool {
        !(self.key.is_empty()
            && self.actor.is_empty()
            && self.action.is_none()
            && self.kind.is_none()
            && self.q.is_empty())
    }
}

/// One event as the log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The actor's name at the time ("Sam Super", "API key Zapier", "keyward (automatic)").
    pub actor: String,
    pub action: AuditAction,
    pub key_id: Option<String>,
    pub key_name: Option<String>,
    /// The details as a person reads them.
    pub details: String,
    pub ip: Option<String>,
}

/// A choice of a filter: its URL value and its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub total: u64,
    pub pages: u64,
    pub query: AuditQuery,
    /// The keys and actors the filters offer (those seen in the log).
    pub keys: Vec<Choice>,
    pub actors: Vec<Choice>,
}

/// Requests one day (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    pub day: NaiveDate,
    pub requests: i64,
}

/// Everything the key's own page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyDetail {
    pub row: KeyRow,
    pub last_used_ip: Option<String>,
    /// The last 30 days, oldest first, days without requests included.
    pub usage: Vec<DayCount>,
    /// Requests refused over the same 30 days, by reason (every reason,
    /// zeros included, in [`RefusalReason::ALL`]'s order).
    pub refusals: Vec<(RefusalReason, i64)>,
    /// The key's own events, newest first (the latest [`TRAIL_LENGTH`]).
    pub trail: Vec<AuditRow>,
    pub trail_total: u64,
    /// Its live session tokens, newest first (the latest
    /// [`SESSION_TOKENS_LISTED`]; the row counts them all).
    pub session_tokens: Vec<crate::models::keys::SessionTokenRow>,
}

/// Live session tokens listed on a key's page.
pub const SESSION_TOKENS_LISTED: u64 = 100;

/// Events shown on a key's page; the audit log has the rest.
pub const TRAIL_LENGTH: u64 = 20;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_holds_filters_and_drops_what_it_does_not_know() {
        let q = AuditQuery::from_params(|name| match name {
            "key" => Some("abc".into()),
            "action" => Some("rolled".into()),
            "q" => Some(" zap ".into()),
            "page" => Some("3".into()),
            _ => None,
        });
        assert_eq!(q.href(), "?key=abc&action=rolled&q=zap&page=3");
        assert!(q.is_filtered());
        let odd = AuditQuery::from_params(|name| (name == "action").then(|| "drop table".into()));
        assert_eq!(odd, AuditQuery::default());
        assert_eq!(AuditQuery::default().href(), "?");
        let renamed = AuditQuery::from_params(|name| (name == "action").then(|| "rate_limit_changed".into()));
        assert_eq!(renamed.action, Some(AuditAction::RateLimitChanged));
        assert_eq!(renamed.href(), "?action=rate_limit_changed");
    }
}
