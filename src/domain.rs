//! Pure rules with no I/O: roles, text fields, passwords, safe redirects,
//! key names, scopes, validity periods, the key format and the policy table.
pub mod audit_action;
pub mod crm;
pub mod environment;
pub mod fields;
/// Allowlists and the client's address: server-only (`ipnet`).
#[cfg(feature = "ssr")]
pub mod ip_allowlist;
pub mod key_name;
pub mod lifecycle;
pub mod next_url;
pub mod oauth;
pub mod person;
pub mod policy;
pub mod refusal;
pub mod role;
pub mod scopes;
pub mod validity;
pub mod webhook_event;

/// Invitation and password reset links: server-only (the token crypto).
#[cfg(feature = "ssr")]
pub mod account_token;

/// A session's browser, named from its `User-Agent`: server-only (`woothee`).
#[cfg(feature = "ssr")]
pub mod browser;

/// Session tokens' format, lifetime and origins: server-only (`url`).
#[cfg(feature = "ssr")]
pub mod session_token;

/// The token format and its hashing: server-only (keeps the crypto crates
/// out of the browser's wasm).
#[cfg(feature = "ssr")]
pub mod token;
