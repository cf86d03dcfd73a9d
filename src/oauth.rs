//! The OAuth 2.0 authorization server's endpoints (RFC 6749, 7009, 7636,
//! 7662, 8414, 9207, 9700): `/oauth/token`, `/oauth/revoke`,
//! `/oauth/introspect` and the metadata document, with no session or cookie
//! (like `/v1`); the consent page, `/oauth/authorize`, is the dashboard's
//! (it needs the person's session). The work is done by
//! [`crate::server::services::oauth`].
pub mod authorize;
pub mod body;
pub mod dashboard;
pub mod docs;
pub mod metadata;
pub mod revocation;
pub mod token;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::server::state::AppState;

/// Token requests are small; anything larger is refused with 413.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The endpoints apps call directly.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/oauth/token", post(token::token))
        .route("/oauth/revoke", post(revocation::revoke))
        .route("/oauth/introspect", post(revocation::introspect))
        .route("/.well-known/oauth-authorization-server", get(metadata::metadata))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}
