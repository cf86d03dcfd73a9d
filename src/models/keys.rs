//! What the key table, its dialogs and its server functions exchange.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use super::query::{PageNumber, SearchText};
use crate::domain::environment::Environment;
use crate::domain::scopes::Scope;

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

/// Longest search text kept; anything longer is cut (a search, not a field).
pub use super::query::MAX_SEARCH;

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
}

impl KeyRow {
    /// `kw_live_{id}`: the public half, as the table shows it.
    pub fn api_key(&self) -> String {
        format!("kw_{}_{}", self.environment.as_str(), self.id)
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
