//! Security headers on every dashboard answer (OWASP HTTP Headers Cheat
//! Sheet): `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`
//! (setup links carry a token: no other site learns a URL; `no-referrer`
//! would make browsers send `Origin: null` on the dashboard's own form posts,
//! which the cross-site guard refuses), `X-Frame-Options: DENY` beside CSP's
//! `frame-ancestors 'none'`, `Cache-Control: no-store` on pages that show
//! who is signed in or what they manage, HSTS when served over https. Pages
//! carry a Content-Security-Policy with the render's nonce (set by the
//! shell, [`policy`]); any other HTML answer gets the strictest one.
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::server::state::AppState;

/// The policy for a page rendered with `nonce`: scripts only from this
/// origin and the page's own inline scripts, wasm compiled, nothing framed.
pub fn policy(nonce: &str) -> String {
    format!(
        "default-src 'none'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    )
}

/// For HTML that is not a rendered page (an error sentence): nothing runs.
const STRICT: &str = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; \
                      base-uri 'none'; form-action 'self'";

/// Paths whose answers may be kept by browsers and proxies: the site's
/// static files (their names carry no secrets).
fn cacheable(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/favicon.svg" || path == "/favicon.ico"
}

pub async fn add_security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !cacheable(&path) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html") || t.starts_with("text/plain"));
    if is_html && !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(STRICT));
    }
    if state.config.public_url.as_ref().is_some_and(|url| url.is_https()) {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}
