//! The `/v1` REST API that keys unlock (CONTRACT.md). Its own router: no
//! sessions, cookies or compression on this path, only key verification,
//! the key's rate limit and usage counting ([`auth::authenticate`]). The
//! two documents describing it (`openapi.json`, `postman.json`) need no key.
pub mod agents;
pub mod auth;
pub mod docs;
pub mod error;
pub mod extract;
pub mod json;
pub mod keys;
pub mod leads;
pub mod me;
pub mod properties;
pub mod rate_limit;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{delete, get};
use axum::Router;

use crate::server::state::AppState;
use error::ApiError;

/// The largest request body accepted (413 beyond).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Everything under `/v1`, to be nested there.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/me", get(me::me))
        .route("/leads", get(leads::list).post(leads::import))
        .route("/leads/{id}", get(leads::get).patch(leads::update))
        .route("/properties", get(properties::list))
        // `{id}` is the external id for PUT (listing sync), ours otherwise.
        .route(
            "/properties/{id}",
            get(properties::get)
                .put(properties::upsert)
                .delete(properties::delete),
        )
        .route("/agents", get(agents::list))
        .route("/analytics/leads", get(leads::analytics))
        .route("/keys", get(keys::list).post(keys::create))
        .route("/keys/{id}", delete(keys::delete))
        .route_layer(middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .route("/openapi.json", get(docs::openapi))
        .route("/postman.json", get(docs::postman))
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .fallback(|| async { ApiError::NotFound })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}
