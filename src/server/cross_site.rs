//! Cross-site request forgery: a state-changing request to the dashboard
//! (server functions under `/api/`, the form posts under `/admin/`, and
//! `/login`, `/logout`, `/setup`, `/oauth/authorize`) is
//! refused with 403 unless the browser says it comes from the dashboard's own
//! origin (OWASP CSRF Prevention Cheat Sheet: verifying origin with standard
//! headers, and Fetch Metadata). The session cookie is `SameSite=Lax`
//! already; this also stops same-site attackers (another port on the same
//! host is another origin) and old browsers.
//!
//! The origin is `KEYWARD_PUBLIC_URL`'s when set; otherwise the request's
//! `Host` (any scheme: a TLS proxy may sit in front). A request with neither
//! `Origin` nor `Sec-Fetch-Site` is not from a browser that could be forged
//! into sending it (browsers send `Origin` on every POST) and passes.
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::server::public_url::PublicUrl;
use crate::server::state::AppState;

/// Whether `path` is one the guard covers.
fn guarded(path: &str) -> bool {
    path.starts_with("/api/")
        || path.starts_with("/admin/")
        || matches!(path, "/login" | "/logout" | "/setup" | "/oauth/authorize")
}

/// Why a request is refused, or `None` when it may go on.
pub fn refusal(
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    public: Option<&PublicUrl>,
) -> Option<&'static str> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) || !guarded(path) {
        return None;
    }
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match text(header::ORIGIN.as_str()) {
        Some(origin) => {
            let same = match public {
                Some(public) => origin.eq_ignore_ascii_case(&public.origin()),
                None => {
                    let host = text(header::HOST.as_str()).unwrap_or_default();
                    let authority = origin
                        .strip_prefix("https://")
                        .or_else(|| origin.strip_prefix("http://"));
                    !host.is_empty() && authority.is_some_and(|a| a.eq_ignore_ascii_case(host))
                }
            };
            (!same).then_some("This request came from another site (its Origin is not this dashboard's), so it was refused.")
        }
        None => match text("sec-fetch-site") {
            Some("same-origin") | Some("none") | None => None,
            Some(_) => Some("This request came from another site (Sec-Fetch-Site), so it was refused."),
        },
    }
}

/// The middleware: 403 with a plain sentence for a cross-site request.
pub async fn refuse_cross_site(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if let Some(why) = refusal(
        req.method(),
        req.uri().path(),
        req.headers(),
        state.config.public_url.as_ref(),
    ) {
        tracing::warn!(target: "keyward::http", path = req.uri().path(), "cross-site request refused");
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            why,
        )
            .into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn only_the_dashboards_own_origin_may_change_state() {
        let host = ("host", "127.0.0.1:3000");
        let post =
            |path: &str, pairs: &[(&'static str, &str)]| refusal(&Method::POST, path, &headers(pairs), None);
        assert!(post("/api/revoke_key", &[host, ("origin", "http://evil.example")]).is_some());
        assert!(
            post("/api/revoke_key", &[host, ("origin", "http://127.0.0.1:3001")]).is_some(),
            "another port"
        );
        assert!(post("/api/revoke_key", &[host, ("origin", "null")]).is_some());
        assert!(post(
            "/login",
            &[host, ("origin", "http://127.0.0.1:3000.evil.example")]
        )
        .is_some());
        assert!(post("/logout", &[host, ("sec-fetch-site", "same-site")]).is_some());
        assert!(post("/setup", &[host, ("sec-fetch-site", "cross-site")]).is_some());
        assert!(post(
            "/admin/profile/authorized-apps/abc/revoke",
            &[host, ("origin", "http://evil.example")]
        )
        .is_some());
        assert!(post(
            "/admin/profile/developer-settings/oauth-apps/new",
            &[host, ("sec-fetch-site", "cross-site")]
        )
        .is_some());
        assert_eq!(
            post("/api/revoke_key", &[host, ("origin", "http://127.0.0.1:3000")]),
            None
        );
        assert_eq!(
            post("/login", &[host, ("origin", "https://127.0.0.1:3000")]),
            None,
            "behind TLS, no public URL"
        );
        assert_eq!(post("/login", &[host, ("sec-fetch-site", "same-origin")]), None);
        assert_eq!(post("/api/revoke_key", &[host]), None, "not a browser");
        assert_eq!(
            post("/v1/keys", &[host, ("origin", "http://evil.example")]),
            None,
            "keys, not cookies"
        );
        assert_eq!(
            refusal(
                &Method::GET,
                "/api/list_keys",
                &headers(&[host, ("origin", "http://evil.example")]),
                None
            ),
            None
        );
    }

    #[test]
    fn with_a_public_url_only_its_origin_passes() {
        let public = PublicUrl::parse("https://keys.example.com").unwrap();
        let check = |origin: &str| {
            refusal(
                &Method::POST,
                "/api/revoke_key",
                &headers(&[("host", "10.0.0.5:3000"), ("origin", origin)]),
                Some(&public),
            )
        };
        assert_eq!(check("https://keys.example.com"), None);
        assert!(
            check("http://keys.example.com").is_some(),
            "another scheme is another origin"
        );
        assert!(check("https://keys.example.com:8443").is_some());
        assert!(check("http://10.0.0.5:3000").is_some());
    }
}
