//! The key table's view: sort, direction, search and page, as the URL
//! spells them.
use serde::{Deserialize, Serialize};

use super::{PageNumber, SearchText};

/// Rows per page of the key table.
pub const PAGE_SIZE: u64 = 25;

/// Columns the table sorts by; the URL spells them with `param()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortColumn {
    Name,
    #[serde(rename = "key")]
    ApiKey,
    Environment,
    Scopes,
    Status,
    #[default]
    Created,
    Expires,
    LastUsed,
    Usage,
}

impl SortColumn {
    pub const ALL: [SortColumn; 9] = [
        SortColumn::Name,
        SortColumn::ApiKey,
        SortColumn::Environment,
        SortColumn::Scopes,
        SortColumn::Status,
        SortColumn::Created,
        SortColumn::Expires,
        SortColumn::LastUsed,
        SortColumn::Usage,
    ];

    pub fn param(self) -> &'static str {
        match self {
            SortColumn::Name => "name",
            SortColumn::ApiKey => "key",
            SortColumn::Environment => "environment",
            SortColumn::Scopes => "scopes",
            SortColumn::Status => "status",
            SortColumn::Created => "created",
            SortColumn::Expires => "expires",
            SortColumn::LastUsed => "last_used",
            SortColumn::Usage => "usage",
        }
    }

    /// The column header, also its accessible name.
    pub fn label(self) -> &'static str {
        match self {
            SortColumn::Name => "Name",
            SortColumn::ApiKey => "API key",
            SortColumn::Environment => "Environment",
            SortColumn::Scopes => "Scopes",
            SortColumn::Status => "Status",
            SortColumn::Created => "Created",
            SortColumn::Expires => "Expires",
            SortColumn::LastUsed => "Last used",
            SortColumn::Usage => "Usage",
        }
    }

    pub fn from_param(param: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|column| column.param() == param)
    }

    /// The direction a first click sorts in: text A→Z, times and counts newest/largest first.
    pub fn first_direction(self) -> SortDir {
        match self {
            SortColumn::Name | SortColumn::ApiKey | SortColumn::Environment | SortColumn::Scopes => {
                SortDir::Asc
            }
            SortColumn::Status => SortDir::Asc,
            SortColumn::Created | SortColumn::Expires | SortColumn::LastUsed | SortColumn::Usage => {
                SortDir::Desc
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortDir {
    Asc,
    Desc,
}

impl SortDir {
    pub fn param(self) -> &'static str {
        match self {
            SortDir::Asc => "asc",
            SortDir::Desc => "desc",
        }
    }

    pub fn flipped(self) -> Self {
        match self {
            SortDir::Asc => SortDir::Desc,
            SortDir::Desc => SortDir::Asc,
        }
    }

    /// The `aria-sort` value of the sorted header.
    pub fn aria(self) -> &'static str {
        match self {
            SortDir::Asc => "ascending",
            SortDir::Desc => "descending",
        }
    }
}

/// The table's view: search, sort and page, as in the URL (`?q=&sort=&dir=&page=`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct KeyQuery {
    pub q: SearchText,
    pub sort: SortColumn,
    pub dir: SortDir,
    /// 1-based.
    pub page: PageNumber,
}

impl Default for KeyQuery {
    fn default() -> Self {
        Self {
            q: SearchText::default(),
            sort: SortColumn::Created,
            dir: SortDir::Desc,
            page: PageNumber::FIRST,
        }
    }
}

impl KeyQuery {
    /// From URL parameters; anything unknown or out of range falls back to the default.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let sort = get("sort").and_then(|s| SortColumn::from_param(&s));
        let dir = match get("dir").as_deref() {
            Some("asc") => Some(SortDir::Asc),
            Some("desc") => Some(SortDir::Desc),
            _ => None,
        };
        let (sort, dir) = match (sort, dir) {
            (Some(sort), Some(dir)) => (sort, dir),
            (Some(sort), None) => (sort, sort.first_direction()),
            (None, _) => (SortColumn::Created, SortDir::Desc),
        };
        Self {
            q: SearchText::from_param(get("q")),
            sort,
            dir,
            page: PageNumber::from_param(get("page")),
        }
    }

    /// The URL query string (without `?`), leaving out defaults.
    pub fn to_query_string(&self) -> String {
        let mut parts = Vec::new();
        if !self.q.is_empty() {
            parts.push(format!("q={}", encode(&self.q)));
        }
        if self.sort != SortColumn::Created || self.dir != SortDir::Desc {
            parts.push(format!("sort={}", self.sort.param()));
            parts.push(format!("dir={}", self.dir.param()));
        }
        if self.page.get() > 1 {
            parts.push(format!("page={}", self.page));
        }
        parts.join("&")
    }

    /// The link a header click follows: sort by `column`, flipping if it is already sorted by it.
    pub fn sorted_by(&self, column: SortColumn) -> Self {
        let dir = if self.sort == column {
            self.dir.flipped()
        } else {
            column.first_direction()
        };
        Self {
            sort: column,
            dir,
            page: PageNumber::FIRST,
            ..self.clone()
        }
    }

    pub fn with_page(&self, page: u64) -> Self {
        Self {
            page: PageNumber::clamped(page),
            ..self.clone()
        }
    }

    pub fn with_search(&self, q: &str) -> Self {
        Self::from_params(|name| match name {
            "q" => Some(q.to_owned()),
            "sort" => Some(self.sort.param().to_owned()),
            "dir" => Some(self.dir.param().to_owned()),
            _ => None,
        })
    }

    /// `?…` or the bare path when everything is default.
    pub fn href(&self) -> String {
        let query = self.to_query_string();
        if query.is_empty() {
            "?".to_owned()
        } else {
            format!("?{query}")
        }
    }
}

/// Percent-encoding for a query value (RFC 3986 unreserved characters pass).
pub(crate) fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::query::MAX_SEARCH;
    use std::collections::HashMap;

    fn query(pairs: &[(&str, &str)]) -> KeyQuery {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        KeyQuery::from_params(|name| map.get(name).cloned())
    }

    #[test]
    fn the_default_view_is_newest_first() {
        assert_eq!(query(&[]), KeyQuery::default());
        assert_eq!(KeyQuery::default().to_query_string(), "");
        assert_eq!(KeyQuery::default().href(), "?");
    }

    #[test]
    fn nonsense_in_the_url_falls_back_to_defaults() {
        let q = query(&[("sort", "password"), ("dir", "sideways"), ("page", "-3")]);
        assert_eq!(q, KeyQuery::default());
        assert_eq!(query(&[("page", "0")]).page, PageNumber::FIRST);
        assert_eq!(query(&[("page", "99999999999999999999")]).page, PageNumber::FIRST);
        assert_eq!(query(&[("q", &"x".repeat(500))]).q.len(), MAX_SEARCH);
        assert_eq!(query(&[("q", " a\u{0}b ")]).q.as_str(), "ab");
    }

    #[test]
    fn a_view_round_trips_through_its_query_string() {
        let view = KeyQuery {
            q: "zillow & co/ü".into(),
            sort: SortColumn::LastUsed,
            dir: SortDir::Asc,
            page: PageNumber::clamped(3),
        };
        let text = view.to_query_string();
        assert_eq!(text, "q=zillow+%26+co%2F%C3%BC&sort=last_used&dir=asc&page=3");
        let decoded: HashMap<String, String> = text
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap();
                (k.to_owned(), decode(v))
            })
            .collect();
        assert_eq!(KeyQuery::from_params(|name| decoded.get(name).cloned()), view);
    }

    fn decode(v: &str) -> String {
        let bytes = v.replace('+', " ").into_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap(), 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_wire_spelling_is_the_url_spelling() {
        for column in SortColumn::ALL {
            assert_eq!(serde_json::to_value(column).unwrap(), column.param());
        }
        assert_eq!(serde_json::to_value(SortDir::Asc).unwrap(), "asc");
    }

    #[test]
    fn a_header_click_sorts_then_flips() {
        let start = KeyQuery {
            page: PageNumber::clamped(4),
            ..KeyQuery::default()
        };
        let by_name = start.sorted_by(SortColumn::Name);
        assert_eq!(
            (by_name.sort, by_name.dir, by_name.page),
            (SortColumn::Name, SortDir::Asc, PageNumber::FIRST)
        );
        let flipped = by_name.sorted_by(SortColumn::Name);
        assert_eq!(flipped.dir, SortDir::Desc);
        let created = KeyQuery::default().sorted_by(SortColumn::Created);
        assert_eq!(created.dir, SortDir::Asc);
        assert_eq!(query(&[("sort", "usage")]).dir, SortDir::Desc);
    }

    #[test]
    fn a_new_search_starts_on_page_one_and_keeps_the_sort() {
        let view = KeyQuery {
            sort: SortColumn::Name,
            dir: SortDir::Asc,
            page: PageNumber::clamped(5),
            q: "a".into(),
        };
        let searched = view.with_search("zil");
        assert_eq!(
            searched,
            KeyQuery {
                q: "zil".into(),
                page: PageNumber::FIRST,
                ..view
            }
        );
    }
}
