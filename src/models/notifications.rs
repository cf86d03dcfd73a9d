//! The notification center: one user's notices, newest first, a page at a time.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Notices per page.
pub const NOTIFICATIONS_PER_PAGE: u64 = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationItem {
    pub id: i64,
    /// `inactivity`, `deleted`, `expiry` or `sandbox`.
    pub kind: String,
    pub title: String,
    pub body: String,
    /// Where the notice leads (the key's page, the audit log, …).
    pub link: Option<String>,
    /// Milliseconds since the epoch on the wire: the notification panel
    /// reads it in the browser without a date parser.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationPage {
    pub items: Vec<NotificationItem>,
    /// 1-based.
    pub page: u64,
    pub pages: u64,
    pub total: u64,
    pub unread: u64,
}

impl NotificationPage {
    pub fn has_previous(&self) -> bool {
        self.page > 1
    }

    pub fn has_next(&self) -> bool {
        self.page < self.pages
    }
}

/// "3 unread" for the header button, or nothing.
pub fn unread_label(unread: u64) -> Option<String> {
    match unread {
        0 => None,
        n if n > 99 => Some("99+".to_owned()),
        n => Some(n.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_badge_counts_to_ninety_nine() {
        assert_eq!(unread_label(0), None);
        assert_eq!(unread_label(7).as_deref(), Some("7"));
        assert_eq!(unread_label(99).as_deref(), Some("99"));
        assert_eq!(unread_label(100).as_deref(), Some("99+"));
    }
}
