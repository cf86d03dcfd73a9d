//! The `/v1` REST API that keys unlock (docs/contract.md). Its own router: no
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

use axum::extract::DefaultBodyLimit;
use axum::routing::{any, delete, get};
use axum::Router;

use crate::server::state::AppState;
use error::ApiError;

/// The largest request body accepted (413 beyond).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Everything under `/v1`, at its full paths: merged into the server's
/// router rather than nested, so a request is routed once and its URI is
/// never rewritten (nesting measured about 2% of a `/v1/me` request).
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/v1/me", get(me::me))
        .route("/v1/leads", get(leads::list).post(leads::import))
        .route("/v1/leads/{id}", get(leads::get).patch(leads::update))
        .route("/v1/properties", get(properties::list))
        // `{id}` is the external id for PUT (listing sync), ours otherwise.
        .route(
            "/v1/properties/{id}",
            get(properties::get)
                .put(properties::upsert)
                .delete(properties::delete),
        )
        .route("/v1/agents", get(agents::list))
        .route("/v1/analytics/leads", get(leads::analytics))
        .route("/v1/keys", get(keys::list).post(keys::create))
        .route("/v1/keys/{id}", delete(keys::delete))
        .route_layer(auth::Authenticate::new(state.clone()))
        .route("/v1/openapi.json", get(docs::openapi))
        .route("/v1/postman.json", get(docs::postman))
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        // Anything else under /v1 is a JSON 404, never the dashboard's page.
        .route("/v1", any(|| async { ApiError::NotFound }))
        .route("/v1/", any(|| async { ApiError::NotFound }))
        .route("/v1/{*rest}", any(|| async { ApiError::NotFound }))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}
