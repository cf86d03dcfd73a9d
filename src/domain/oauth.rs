//! OAuth 2.0 for third-party apps, the pure parts: client types, the
//! credentials' format, PKCE, redirect URIs and the `scope` parameter.
//! Hashing and URL parsing are server-only (out of the browser's wasm).
//!
//! Sources: RFC 6749 (the framework), RFC 7636 (PKCE), RFC 8252 (native
//! apps, loopback redirects), RFC 9700 (the security BCP) and OAuth 2.1
//! where they differ.
pub mod client_type;
#[cfg(feature = "ssr")]
pub mod consent;
#[cfg(feature = "ssr")]
pub mod credential;
#[cfg(feature = "ssr")]
pub mod pkce;
#[cfg(feature = "ssr")]
pub mod redirect_uri;
pub mod scope;
