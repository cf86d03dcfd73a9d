//! Values a list query carries, parsed at the edge: whether they come from a
//! URL or from a server function's JSON body, past deserialisation they hold
//! their bounds (a page is never 0, a search never carries control
//! characters), so no code after the edge re-checks them.
use std::fmt;

use serde::{Deserialize, Serialize};

/// The highest page any list offers a link to.
pub const MAX_PAGE: u64 = 1_000_000;

/// The longest search text, in characters.
pub const MAX_SEARCH: usize = 64;

/// A 1-based page number, 1 to [`MAX_PAGE`]. From JSON, anything else is
/// refused (`"page must be a whole number from 1 to 1000000"`); from a URL,
/// [`PageNumber::from_param`] falls back to 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct PageNumber(u64);

impl PageNumber {
    pub const FIRST: PageNumber = PageNumber(1);

    /// `page` held within 1 to [`MAX_PAGE`].
    pub fn clamped(page: u64) -> Self {
        Self(page.clamp(1, MAX_PAGE))
    }

    /// From a URL parameter: a number from 1 to [`MAX_PAGE`], else 1.
    pub fn from_param(raw: Option<String>) -> Self {
        raw.and_then(|p| p.parse::<u64>().ok())
            .and_then(|p| Self::try_from(p).ok())
            .unwrap_or(Self::FIRST)
    }

    pub fn get(self) -> u64 {
        self.0
    }

    /// How many rows come before this page, at `per_page` rows a page.
    pub fn offset(self, per_page: u64) -> u64 {
        (self.0 - 1).saturating_mul(per_page)
    }
}

impl Default for PageNumber {
    fn default() -> Self {
        Self::FIRST
    }
}

impl TryFrom<u64> for PageNumber {
    type Error = String;
    fn try_from(page: u64) -> Result<Self, String> {
        if (1..=MAX_PAGE).contains(&page) {
            Ok(Self(page))
        } else {
            Err(format!("page must be a whole number from 1 to {MAX_PAGE}"))
        }
    }
}

impl From<PageNumber> for u64 {
    fn from(page: PageNumber) -> u64 {
        page.0
    }
}

impl fmt::Display for PageNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Search text: trimmed, without control characters, at most
/// [`MAX_SEARCH`] characters. The same rule for a URL and for JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub struct SearchText(String);

impl SearchText {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// From a URL parameter; absent is empty.
    pub fn from_param(raw: Option<String>) -> Self {
        raw.map(Self::from).unwrap_or_default()
    }
}

impl From<String> for SearchText {
    fn from(raw: String) -> Self {
        Self(
            raw.trim()
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_SEARCH)
                .collect::<String>()
                .trim()
                .to_owned(),
        )
    }
}

impl From<&str> for SearchText {
    fn from(raw: &str) -> Self {
        Self::from(raw.to_owned())
    }
}

impl From<SearchText> for String {
    fn from(text: SearchText) -> String {
        text.0
    }
}

impl std::ops::Deref for SearchText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SearchText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_from_json_holds_its_bounds_or_is_refused() {
        let page = |json: &str| serde_json::from_str::<PageNumber>(json).map_err(|e| e.to_string());
        assert_eq!(page("1"), Ok(PageNumber::FIRST));
        assert_eq!(page("1000000").map(PageNumber::get), Ok(MAX_PAGE));
        for bad in ["0", "1000001", "-1", "18446744073709551615", "1.5", "\"2\""] {
            assert!(page(bad).is_err(), "{bad}");
        }
        assert!(page("0")
            .unwrap_err()
            .contains("page must be a whole number from 1 to 1000000"));
        assert_eq!(serde_json::to_string(&PageNumber::clamped(7)).unwrap(), "7");
    }

    #[test]
    fn a_page_from_a_url_falls_back_to_the_first() {
        for raw in ["0", "-3", "99999999999999999999", "x", "1000001"] {
            assert_eq!(
                PageNumber::from_param(Some(raw.into())),
                PageNumber::FIRST,
                "{raw}"
            );
        }
        assert_eq!(PageNumber::from_param(Some("42".into())).get(), 42);
        assert_eq!(PageNumber::clamped(0), PageNumber::FIRST);
        assert_eq!(PageNumber::clamped(u64::MAX).get(), MAX_PAGE);
        assert_eq!(
            PageNumber::clamped(u64::MAX).offset(u64::MAX),
            u64::MAX,
            "saturates"
        );
        assert_eq!(PageNumber::clamped(3).offset(25), 50);
    }

    #[test]
    fn search_text_is_the_same_from_a_url_and_from_json() {
        let from_json: SearchText = serde_json::from_str("\" a\\u0000b \"").unwrap();
        assert_eq!(from_json.as_str(), "ab");
        assert_eq!(SearchText::from_param(Some(" a\u{0}b ".into())), from_json);
        assert_eq!(SearchText::from("x".repeat(500)).len(), MAX_SEARCH);
        assert_eq!(SearchText::from(" \u{7}\u{1b} ").as_str(), "");
    }
}
