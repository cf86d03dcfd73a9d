//! What the request being served carries, for server functions and pages.
use axum::http::request::Parts;
use leptos::prelude::use_context;

/// A value a middleware put into the current request's extensions.
pub fn extension<T: Clone + Send + Sync + 'static>() -> Option<T> {
    use_context::<Parts>()?.extensions.get::<T>().cloned()
}

/// Sets the status code of the page being rendered.
pub fn set_status(status: axum::http::StatusCode) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
}

/// The client's address: the socket's peer, or what `X-Forwarded-For`
/// says when the peer is one of `KEYWARD_TRUSTED_PROXIES`.
pub fn client_ip() -> Option<String> {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    let parts = use_context::<Parts>()?;
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
    let state = use_context::<crate::server::state::AppState>()?;
    let trusted = &state.config.trusted_proxies;
    crate::domain::ip_allowlist::client_of(peer, &parts.headers, trusted).map(|ip| ip.to_string())
}

/// The dashboard's address for examples a person can paste:
/// `KEYWARD_PUBLIC_URL` when set, else `http://host:port` as the browser
/// reached this server (from `Host`, when it looks like one).
pub fn base_url() -> String {
    let public = use_context::<crate::server::state::AppState>().and_then(|s| s.config.public_url.clone());
    let headers = use_context::<Parts>()
        .map(|parts| parts.headers)
        .unwrap_or_default();
    base_url_of(public.as_ref(), &headers)
}

/// [`base_url`] for a request's headers outside a page (the OAuth issuer,
/// RFC 8414 §2): `KEYWARD_PUBLIC_URL` when set, else `http://` and the
/// `Host` the request was sent to (when it looks like one).
pub fn base_url_of(
    public: Option<&crate::server::public_url::PublicUrl>,
    headers: &axum::http::HeaderMap,
) -> String {
    if let Some(public) = public {
        return public.origin();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("127.0.0.1:3000");
    format!("http://{host}")
}
