//! `GET /.well-known/oauth-authorization-server` (RFC 8414): where the
//! endpoints are and what they accept, for clients that configure
//! themselves.
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

use super::authorize::issuer;
use crate::domain::oauth::scope::grantable;
use crate::domain::scopes::Scope;
use crate::server::state::AppState;

pub async fn metadata(State(state): State<AppState>, headers: HeaderMap) -> Json<Value> {
    let issuer = issuer(&state, &headers);
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/oauth/authorize"),
        "token_endpoint": format!("{issuer}/oauth/token"),
        "revocation_endpoint": format!("{issuer}/oauth/revoke"),
        "introspection_endpoint": format!("{issuer}/oauth/introspect"),
        "scopes_supported": grantable().map(Scope::as_str).collect::<Vec<_>>(),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "service_documentation": format!("{issuer}/admin/profile/developer-settings/api-reference"),
    }))
}
