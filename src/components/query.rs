//! The URL's query parameters, each decoded once.
//!
//! leptos_router's `use_query_map` percent-decodes every value a second
//! time (`ParamsMap::insert` unescapes what the URL parser decoded
//! already), so a value that itself holds percent escapes arrives changed:
//! the sign-in page's `next` (an authorization request whose `state` was
//! `q%2BZr` came back as `q Zr`), or a search for `%41` (read as `A`).
//! Pages read their query here instead.
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// `application/x-www-form-urlencoded` pairs, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    /// Parses a raw query string (with or without its leading `?`).
    pub fn parse(search: &str) -> Self {
        let raw = search.strip_prefix('?').unwrap_or(search);
        Query(form_urlencoded::parse(raw.as_bytes()).into_owned().collect())
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<String> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }
}

/// The current URL's query, decoded once.
pub fn use_query() -> Memo<Query> {
    let location = use_location();
    Memo::new(move |_| location.search.with(|search| Query::parse(search)))
}

#[cfg(test)]
mod tests {
    use super::Query;

    #[test]
    fn each_value_is_decoded_once() {
        let next = "%2Foauth%2Fauthorize%3Fredirect_uri%3Dhttps%253A%252F%252Fp.example%252Fcb%26state%3Dq%252BZr%252F9w%253D";
        let query = Query::parse(&format!("?next={next}&q=%2541+b&q=second"));
        assert_eq!(
            query.get("next").as_deref(),
            Some("/oauth/authorize?redirect_uri=https%3A%2F%2Fp.example%2Fcb&state=q%2BZr%2F9w%3D")
        );
        assert_eq!(
            query.get("q").as_deref(),
            Some("%41 b"),
            "the first value, decoded once"
        );
        assert_eq!(query.get("missing"), None);
    }
}
