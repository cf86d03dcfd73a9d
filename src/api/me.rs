//! `GET /v1/me`: the calling key, as a client can check its setup with it.
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::auth::CallingKey;
use super::error::ErrorResponse;

/// Borrows from the cached key: answering allocates only the body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me<'a> {
    /// The key's public id (12 characters).
    pub id: &'a str,
    /// How the dashboard shows it: `kw_live_{id}`.
    pub api_key: String,
    pub name: &'a str,
    pub environment: &'static str,
    pub scopes: Vec<&'static str>,
    /// The key's workspace; `null` for an agency-wide key.
    pub workspace: Option<Named<'a>>,
    /// The user the key acts as: what it writes is attributed to them.
    pub acting_as: Person<'a>,
    pub expires_at: Option<DateTime<Utc>>,
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

/// The calling key: check a setup with it (any scope may call it).
#[utoipa::path(operation_id = "getMe", get, path = "/v1/me", tag = "Keys",
    responses(
        (status = 200, description = "The calling key", body = Me),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 429, description = "Over the key's rate limit", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn me(key: CallingKey) -> Response {
    Json(Me {
        id: &key.id,
        api_key: format!("kw_{}_{}", key.environment.as_str(), key.id),
        name: &key.name,
        environment: key.environment.as_str(),
        scopes: key.scopes.iter().map(|s| s.as_str()).collect(),
        workspace: key.workspace.as_ref().map(|(id, name)| Named { id: *id, name }),
        acting_as: Person {
            id: key.acting_as.id,
            name: &key.acting_as.name,
            email: &key.acting_as.email,
        },
        expires_at: key.expires_at,
    })
    .into_response()
}
