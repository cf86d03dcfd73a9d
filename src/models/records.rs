//! The dashboard's Leads and Properties pages: their URL state and rows.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::crm::SourceKey;
use super::keys::encode;
use super::query::{PageNumber, SearchText};
use crate::domain::crm::{LeadStatus, PropertyStatus};

/// Rows per page on both pages.
pub const RECORDS_PER_PAGE: u64 = 25;

/// Search, page and Test mode, as the URL holds them (`?q=&page=&mode=test`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RecordQuery {
    pub q: SearchText,
    /// 1-based.
    pub page: PageNumber,
    /// Test mode: what test keys wrote, instead of live data.
    pub test: bool,
}

impl Default for RecordQuery {
    fn default() -> Self {
        Self {
            q: SearchText::default(),
            page: PageNumber::FIRST,
            test: false,
        }
    }
}

impl RecordQuery {
    /// From URL parameters; anything unknown or out of range falls back to the default.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            q: SearchText::from_param(get("q")),
            page: PageNumber::from_param(get("page")),
            test: get("mode").as_deref() == Some("test"),
        }
    }

    /// `?…`, leaving out defaults (`?` alone when everything is default).
    pub fn href(&self) -> String {
        let mut parts = Vec::new();
        if !self.q.is_empty() {
            parts.push(format!("q={}", encode(&self.q)));
        }
        if self.test {
            parts.push("mode=test".to_owned());
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
}

/// One lead as the Leads page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub source: String,
    pub status: LeadStatus,
    pub workspace: String,
    pub source_key: Option<SourceKey>,
    /// The user the importing key acted as.
    pub acting_user: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// One listing as the Properties page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertyRow {
    pub id: i64,
    pub external_id: String,
    pub title: String,
    pub address: String,
    pub city: String,
    pub price_cents: Option<i64>,
    pub bedrooms: Option<i32>,
    pub status: PropertyStatus,
    pub workspace: String,
    pub source_key: Option<SourceKey>,
    pub acting_user: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// One page of either list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordPage<T> {
    pub rows: Vec<T>,
    /// Matches on all pages.
    pub total: u64,
    pub query: RecordQuery,
}

impl<T> RecordPage<T> {
    pub fn page_count(&self) -> u64 {
        self.total.div_ceil(RECORDS_PER_PAGE).max(1)
    }
}

/// A price in cents as people read it: `250,000.00`.
pub fn format_price(cents: i64) -> String {
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{grouped}.{:02}", cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_round_trips_and_drops_defaults() {
        let query = RecordQuery::from_params(|name| match name {
            "q" => Some(" Ana Lima ".into()),
            "page" => Some("3".into()),
            "mode" => Some("test".into()),
            _ => None,
        });
        assert_eq!(
            query,
            RecordQuery {
                q: "Ana Lima".into(),
                page: PageNumber::clamped(3),
                test: true
            }
        );
        assert_eq!(query.href(), "?q=Ana+Lima&mode=test&page=3");
        assert_eq!(RecordQuery::default().href(), "?");
        let odd = RecordQuery::from_params(|name| match name {
            "page" => Some("0".into()),
            "mode" => Some("live".into()),
            _ => None,
        });
        assert_eq!(odd, RecordQuery::default());
    }

    #[test]
    fn prices_are_grouped() {
        assert_eq!(format_price(25_000_000), "250,000.00");
        assert_eq!(format_price(99), "0.99");
        assert_eq!(format_price(12_345_678_901), "123,456,789.01");
    }
}
