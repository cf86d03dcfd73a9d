//! `GET /.well-known/oauth-authorization-server` (RFC 8414): where the
//! endpoints are and what they accept, for clients that configure
//! themselves.
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::authorize::issuer;
use crate::domain::oauth::scope::grantable;
use crate::domain::scopes::Scope;
use crate::server::state::AppState;

/// The authorization server's metadata (RFC 8414 §2); every URL is under
/// `issuer`, the address the client reached this server at (or
/// `KEYWARD_PUBLIC_URL`).
#[derive(Serialize, ToSchema)]
pub struct AuthorizationServerMetadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    revocation_endpoint: String,
    introspection_endpoint: String,
    scopes_supported: Vec<&'static str>,
    response_types_supported: [&'static str; 1],
    response_modes_supported: [&'static str; 1],
    grant_types_supported: [&'static str; 2],
    token_endpoint_auth_methods_supported: [&'static str; 3],
    revocation_endpoint_auth_methods_supported: [&'static str; 3],
    introspection_endpoint_auth_methods_supported: [&'static str; 3],
    /// Always `["S256"]`: `plain` is never accepted.
    code_challenge_methods_supported: [&'static str; 1],
    /// RFC 9207: the redirect carries `iss`.
    authorization_response_iss_parameter_supported: bool,
    service_documentation: String,
}

const CLIENT_AUTH: [&str; 3] = ["client_secret_basic", "client_secret_post", "none"];

#[utoipa::path(operation_id = "oauthMetadata", get, path = "/.well-known/oauth-authorization-server",
    tag = "OAuth 2.0",
    summary = "The authorization server's metadata (RFC 8414)",
    responses((status = 200, description = "Endpoints and what they accept", body = AuthorizationServerMetadata)))]
pub async fn metadata(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Json<AuthorizationServerMetadata> {
    let issuer = issuer(&state, &headers);
    Json(AuthorizationServerMetadata {
        authorization_endpoint: format!("{issuer}/oauth/authorize"),
        token_endpoint: format!("{issuer}/oauth/token"),
        revocation_endpoint: format!("{issuer}/oauth/revoke"),
        introspection_endpoint: format!("{issuer}/oauth/introspect"),
        scopes_supported: grantable().map(Scope::as_str).collect(),
        response_types_supported: ["code"],
        response_modes_supported: ["query"],
        grant_types_supported: ["authorization_code", "refresh_token"],
        token_endpoint_auth_methods_supported: CLIENT_AUTH,
        revocation_endpoint_auth_methods_supported: CLIENT_AUTH,
        introspection_endpoint_auth_methods_supported: CLIENT_AUTH,
        code_challenge_methods_supported: ["S256"],
        authorization_response_iss_parameter_supported: true,
        service_documentation: format!("{issuer}/admin/profile/developer-settings/api-reference"),
        issuer,
    })
}
