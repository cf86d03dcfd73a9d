//! The `/v1` REST API that keys unlock (CONTRACT.md). Its own router: no
//! sessions, cookies or compression on this path, only key verification,
//! the key's rate limit and usage counting ([`auth::authenticate`]).
pub mod auth;
pub mod error;
pub mod json;
pub mod me;
pub mod rate_limit;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::get;
use axum::Router;

use crate::server::state::AppState;
use error::ApiError;

/// The largest request body accepted (413 beyond).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Everything under `/v1`, to be nested there.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/me", get(me::me))
        .route_layer(middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .fallback(|| async { ApiError::NotFound })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}
