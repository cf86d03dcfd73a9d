//! `GET /v1/me`: the calling key, as a client can check its setup with it.
use axum::body::{Body, Bytes};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

use crate::domain::scopes::ScopeSet;
use crate::server::key_cache::{KeyRecord, Principal};

use super::auth::CallingKey;
use super::error::ErrorResponse;

/// What `/v1/me` answers: rendered once per key as the cache loads it (on
/// its first request), then every answer shares those bytes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me<'a> {
    /// The key's public id (12 characters); for an OAuth access token, its
    /// grant's; for a session token, the key's that minted it.
    pub id: &'a str,
    /// How the dashboard shows it: `kw_live_{id}`; `null` for an OAuth
    /// access token or a session token.
    pub api_key: Option<String>,
    /// `api_key`, `oauth_access_token` (then `name` says which app acts
    /// for whom) or `session_token` (then `name` is "session token {label}
    /// of key {name}", and `expires_at` the token's end).
    pub credential: &'static str,
    pub name: &'a str,
    pub environment: &'static str,
    #[schema(value_type = Vec<String>)]
    pub scopes: ScopeNames,
    /// The key's workspace; `null` for an agency-wide key.
    pub workspace: Option<Named<'a>>,
    /// The user the key acts as: what it writes is attributed to them.
    pub acting_as: Person<'a>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The scopes' names as a JSON array, without a vector in between.
#[derive(Debug)]
pub struct ScopeNames(pub ScopeSet);

impl Serialize for ScopeNames {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|scope| scope.as_str()))
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Named<'a> {
    pub id: i64,
    pub name: &'a str,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Person<'a> {
    pub id: i64,
    pub name: &'a str,
    pub email: &'a str,
}

/// The JSON of `/v1/me` for `key`.
fn render(key: &KeyRecord) -> Bytes {
    let me = Me {
        id: &key.id,
        api_key: (key.principal == Principal::Key).then(|| key.environment.public_key(&key.id)),
        credential: match key.principal {
            Principal::Key => "api_key",
            Principal::OAuth { .. } => "oauth_access_token",
            Principal::Session { .. } => "session_token",
        },
        name: &key.name,
        environment: key.environment.as_str(),
        scopes: ScopeNames(key.scopes),
        workspace: key.workspace.as_ref().map(|(id, name)| Named { id: *id, name }),
        acting_as: Person {
            id: key.acting_as.id,
            name: &key.acting_as.name,
            email: &key.acting_as.email,
        },
        expires_at: key.expires_at,
    };
    serde_json::to_vec(&me)
        .expect("texts, numbers and times serialise")
        .into()
}

/// The calling key: check a setup with it (any scope may call it).
#[utoipa::path(operation_id = "getMe", get, path = "/v1/me", tag = "Keys",
    responses(
        (status = 200, description = "The calling key", body = Me),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 429, description = "Over the key's rate limit", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn me(key: CallingKey) -> Response {
    let body = key.me_body.get_or_init(|| render(&key)).clone();
    let mut response = Response::new(Body::from(body));
    // Room for every header the answer gets on its way out (the type, four
    // rate-limit headers, the request id, the length; a session token's
    // page adds three CORS headers): one allocation, not a map that grows.
    let mut headers = HeaderMap::with_capacity(12);
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    *response.headers_mut() = headers;
    response
}
