//! The `/v1` REST API that keys unlock (docs/contract.md). Its own router: no
//! sessions, cookies or compression on this path. Key verification, the
//! key's rate limit and usage counting run before routing, for the routes of
//! [`KEYED_ROUTES`] ([`auth::Authenticate`]). The two documents describing
//! it (`openapi.json`, `postman.json`) need no key.
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
pub mod session_tokens;
pub mod webhooks;

use axum::extract::DefaultBodyLimit;
use axum::routing::{any, delete, get, post};
use axum::Router;

use crate::server::state::AppState;
use error::ApiError;

/// The largest request body accepted (413 beyond).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The routes a key unlocks, as (path, methods; `GET` serves `HEAD` too):
/// [`router`] serves them, and [`auth::Authenticate`], wrapped around the
/// whole app, verifies the key before routing for exactly these. Any other
/// path or method under `/v1` is routed without a look at credentials (a
/// JSON 404 or 405, or one of the two documents). A route missing here
/// fails closed: its handler's key extractor finds no key and answers 401.
pub const KEYED_ROUTES: &[(&str, &[&str])] = &[
    ("/v1/me", &["GET"]),
    ("/v1/leads", &["GET", "POST"]),
    ("/v1/leads/{id}", &["GET", "PATCH"]),
    ("/v1/properties", &["GET"]),
    ("/v1/properties/{id}", &["GET", "PUT", "DELETE"]),
    ("/v1/agents", &["GET"]),
    ("/v1/analytics/leads", &["GET"]),
    ("/v1/keys", &["GET", "POST"]),
    ("/v1/keys/{id}", &["DELETE"]),
    ("/v1/session_tokens", &["POST"]),
    ("/v1/session_tokens/current", &["DELETE"]),
    ("/v1/session_tokens/{id}", &["DELETE"]),
    ("/v1/webhooks", &["GET", "POST"]),
    ("/v1/webhooks/{id}", &["GET", "PATCH", "DELETE"]),
    ("/v1/webhooks/{id}/test", &["POST"]),
    ("/v1/webhooks/{id}/rotate_secret", &["POST"]),
    ("/v1/webhooks/{id}/deliveries", &["GET"]),
    ("/v1/webhooks/{id}/messages/{message_id}/resend", &["POST"]),
    ("/v1/webhooks/{id}/recover", &["POST"]),
];

/// Everything under `/v1`, at its full paths: merged into the server's
/// router rather than nested, so a request is routed once and its URI is
/// never rewritten (nesting measured about 2% of a `/v1/me` request).
pub fn router() -> Router<AppState> {
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
        .route("/v1/session_tokens", post(session_tokens::create))
        // A fixed segment wins over `{id}` in axum's router.
        .route(
            "/v1/session_tokens/current",
            delete(session_tokens::revoke_current),
        )
        .route("/v1/session_tokens/{id}", delete(session_tokens::revoke))
        .route("/v1/webhooks", get(webhooks::list).post(webhooks::create))
        .route(
            "/v1/webhooks/{id}",
            get(webhooks::get)
                .patch(webhooks::update)
                .delete(webhooks::delete),
        )
        .route("/v1/webhooks/{id}/test", post(webhooks::test))
        .route("/v1/webhooks/{id}/rotate_secret", post(webhooks::rotate_secret))
        .route("/v1/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route(
            "/v1/webhooks/{id}/messages/{message_id}/resend",
            post(webhooks::resend),
        )
        .route("/v1/webhooks/{id}/recover", post(webhooks::recover))
        .route("/v1/openapi.json", get(docs::openapi))
        .route("/v1/postman.json", get(docs::postman))
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        // Anything else under /v1 is a JSON 404, never the dashboard's page.
        .route("/v1", any(|| async { ApiError::NotFound }))
        .route("/v1/", any(|| async { ApiError::NotFound }))
        .route("/v1/{*rest}", any(|| async { ApiError::NotFound }))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}
