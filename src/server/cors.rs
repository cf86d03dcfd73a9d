//! CORS on `/v1`, for session tokens only (issue 14; the Fetch standard's
//! CORS protocol). A request presenting a session token from one of the
//! token's exact origins gets that origin echoed in
//! `Access-Control-Allow-Origin` with `Vary: Origin`, never `*`; a
//! preflight (which carries no credentials) is answered for an origin some
//! live session token names, with the methods of the route asked about.
//! Requests made with an API key get no CORS headers at all: a key belongs
//! in a backend, and a browser page that could read the answers would hold
//! the key.
use std::time::Duration;

use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};

/// The request headers a page may send to `/v1`.
const ALLOW_HEADERS: &str = "authorization, content-type, x-request-id";
/// The answer's headers a page may read besides the CORS-safelisted ones.
const EXPOSE_HEADERS: &str =
    "ratelimit-limit, ratelimit-remaining, ratelimit-reset, ratelimit-policy, retry-after, x-request-id, location";
/// How long a browser may keep a preflight's answer, in seconds.
const MAX_AGE_SECS: &str = "600";
/// How long an origin found in use is believed without asking again: a
/// preflight only lets a page send a request, which its token must still
/// pass, so a revoked token's origin passing a little longer costs nothing.
const IN_USE_FOR: Duration = Duration::from_secs(60);
/// How long an origin found unused is believed: a token minted for it on
/// another instance is usable from a browser here within this.
const UNUSED_FOR: Duration = Duration::from_secs(1);

/// Which origins live session tokens name, as this instance last read them.
pub struct CorsOrigins {
    in_use: moka::sync::Cache<String, ()>,
    unused: moka::sync::Cache<String, ()>,
}

impl Default for CorsOrigins {
    fn default() -> Self {
        let cache = |ttl| {
            moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(ttl)
                .build()
        };
        Self {
            in_use: cache(IN_USE_FOR),
            unused: cache(UNUSED_FOR),
        }
    }
}

impl std::fmt::Debug for CorsOrigins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CorsOrigins").finish_non_exhaustive()
    }
}

impl CorsOrigins {
    /// Whether some live session token names `origin`, from memory or else
    /// the database.
    pub async fn in_use(
        &self,
        db: &DatabaseConnection,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, DbErr> {
        if self.in_use.contains_key(origin) {
            return Ok(true);
        }
        if self.unused.contains_key(origin) {
            return Ok(false);
        }
        let found = crate::server::services::session_tokens::origin_in_use(db, origin, now).await?;
        if found {
            self.in_use.insert(origin.to_owned(), ());
        } else {
            self.unused.insert(origin.to_owned(), ());
        }
        Ok(found)
    }

    /// A token was minted here for `origin`: believe it at once.
    pub fn minted_for(&self, origin: &str) {
        self.unused.invalidate(origin);
        self.in_use.insert(origin.to_owned(), ());
    }
}

/// The request's `Origin` when it is one of `origins`, ready to echo.
pub fn allowed_origin(headers: &HeaderMap, origins: &[String]) -> Option<HeaderValue> {
    let origin = headers.get(axum::http::header::ORIGIN)?;
    let text = origin.to_str().ok()?;
    origins
        .iter()
        .any(|allowed| allowed == text)
        .then(|| origin.clone())
}

/// Lets the page at `origin` read this answer.
pub fn allow(response: &mut Response, origin: HeaderValue) {
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE_HEADERS),
    );
    headers.append(VARY, HeaderValue::from_static("origin"));
}

/// Says the answer depends on `Origin` (a session token's, for an origin
/// it does not name), so no cache serves it to another origin.
pub fn vary(response: &mut Response) {
    response
        .headers_mut()
        .append(VARY, HeaderValue::from_static("origin"));
}

/// What a preflight asks: the method it means to send.
pub fn preflight_method(method: &Method, headers: &HeaderMap) -> Option<Method> {
    if method != Method::OPTIONS || !headers.contains_key(axum::http::header::ORIGIN) {
        return None;
    }
    let asked = headers.get(axum::http::header::ACCESS_CONTROL_REQUEST_METHOD)?;
    Method::from_bytes(asked.as_bytes()).ok()
}

/// The answer to a preflight: 204, with the CORS headers when `origin` may
/// send `methods` (the route's) and `None` otherwise, so the browser stops.
pub fn preflight(origin: Option<HeaderValue>, methods: &[&str]) -> Response {
    let mut response = Response::new(axum::body::Body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    let headers = response.headers_mut();
    headers.insert(
        VARY,
        HeaderValue::from_static("origin, access-control-request-method, access-control-request-headers"),
    );
    if let Some(origin) = origin {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        if let Ok(methods) = HeaderValue::from_str(&methods.join(", ")) {
            headers.insert(ACCESS_CONTROL_ALLOW_METHODS, methods);
        }
        headers.insert(
            ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOW_HEADERS),
        );
        headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE_SECS));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_origin(origin: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(axum::http::header::ORIGIN, HeaderValue::from_str(origin).unwrap());
        headers
    }

    #[test]
    fn only_an_exact_origin_is_echoed() {
        let origins = vec!["https://www.agency.example".to_owned()];
        assert_eq!(
            allowed_origin(&with_origin("https://www.agency.example"), &origins),
            Some(HeaderValue::from_static("https://www.agency.example"))
        );
        for other in [
            "https://www.agency.example.evil.example",
            "https://WWW.agency.example",
            "http://www.agency.example",
            "https://www.agency.example:443",
            "null",
        ] {
            assert_eq!(allowed_origin(&with_origin(other), &origins), None, "{other}");
        }
        assert_eq!(allowed_origin(&HeaderMap::new(), &origins), None);
    }

    #[test]
    fn a_refused_preflight_carries_no_allow_origin() {
        let refused = preflight(None, &["GET"]);
        assert_eq!(refused.status(), StatusCode::NO_CONTENT);
        assert!(!refused.headers().contains_key(ACCESS_CONTROL_ALLOW_ORIGIN));
        let allowed = preflight(
            Some(HeaderValue::from_static("https://a.example")),
            &["GET", "POST"],
        );
        assert_eq!(
            allowed.headers()[ACCESS_CONTROL_ALLOW_ORIGIN],
            "https://a.example"
        );
        assert_eq!(allowed.headers()[ACCESS_CONTROL_ALLOW_METHODS], "GET, POST");
    }
}
