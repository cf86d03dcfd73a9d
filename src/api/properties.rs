//! `/v1/properties`: listing sync by the client's external id (`PUT`
//! creates or replaces), list, read, delete.
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;

use super::auth::{scope, Authorized};
use super::error::{ApiError, ErrorResponse};
use super::extract::{ApiQuery, ExternalId, RecordId};
use super::json::ApiJson;
use crate::models::crm::{Property, PropertyFilter, PropertyInput, PropertyList};
use crate::server::services::properties;
use crate::server::services::records::{Reach, Stamp};
use crate::server::state::AppState;

/// Create or replace the listing with this external id.
#[utoipa::path(operation_id = "upsertProperty", put, path = "/v1/properties/{id}", tag = "Properties", request_body = PropertyInput,
    params(("id" = String, Path, description = "For PUT, the listing's external id: its id in your system (1–200 characters)")),
    responses(
        (status = 201, description = "Created", body = Property),
        (status = 200, description = "Replaced", body = Property),
        (status = 400, description = "Not JSON", body = ErrorResponse),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "The key lacks write:properties", body = ErrorResponse),
        (status = 413, description = "Body over 1 MiB", body = ErrorResponse),
        (status = 415, description = "Not sent as application/json", body = ErrorResponse),
        (status = 422, description = "Fields refused, each named", body = ErrorResponse),
        (status = 429, description = "Over the key's rate limit", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn upsert(
    State(state): State<AppState>,
    key: Authorized<scope::WriteProperties>,
    ExternalId(external_id): ExternalId,
    ApiJson(input): ApiJson<PropertyInput>,
) -> Result<Response, ApiError> {
    let reach = Reach::of_key(&key);
    let (property, created) = properties::upsert(
        &state.db,
        &state.commits,
        &reach,
        Stamp::of_key(&key),
        &external_id,
        &input,
        Utc::now(),
    )
    .await?;
    state.webhooks.wake();
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(property)).into_response())
}

/// Listings in the key's reach and environment, newest first.
#[utoipa::path(operation_id = "listProperties", get, path = "/v1/properties", tag = "Properties", params(PropertyFilter),
    responses(
        (status = 200, description = "One page", body = PropertyList),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "The key lacks read:properties", body = ErrorResponse),
        (status = 422, description = "A parameter refused, named", body = ErrorResponse),
        (status = 429, description = "Over the key's rate limit", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn list(
    State(state): State<AppState>,
    key: Authorized<scope::ReadProperties>,
    ApiQuery(filter): ApiQuery<PropertyFilter>,
) -> Result<Json<PropertyList>, ApiError> {
    Ok(Json(
        properties::list(&state.db, &Reach::of_key(&key), &filter).await?,
    ))
}

#[utoipa::path(operation_id = "getProperty", get, path = "/v1/properties/{id}", tag = "Properties",
    params(("id" = i64, Path, description = "The listing's id here (not the external id)")),
    responses(
        (status = 200, description = "The listing", body = Property),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "The key lacks read:properties", body = ErrorResponse),
        (status = 404, description = "No such listing in the key's reach and environment", body = ErrorResponse),
        (status = 429, description = "Over the key's rate limit", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn get(
    State(state): State<AppState>,
    key: Authorized<scope::ReadProperties>,
    RecordId(id): RecordId,
) -> Result<Json<Property>, ApiError> {
    Ok(Json(properties::get(&state.db, &Reach::of_key(&key), id).await?))
}

#[utoipa::path(operation_id = "deleteProperty", delete, path = "/v1/properties/{id}", tag = "Properties",
    params(("id" = i64, Path, description = "The listing's id here (not the external id)")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "The key lacks write:properties", body = ErrorResponse),
        (status = 404, description = "No such listing in the key's reach and environment", body = ErrorResponse),
        (status = 429, description = "Over the key's rate limit", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    key: Authorized<scope::WriteProperties>,
    RecordId(id): RecordId,
) -> Result<StatusCode, ApiError> {
    properties::delete(&state.db, &state.commits, &Reach::of_key(&key), id, Utc::now()).await?;
    state.webhooks.wake();
    Ok(StatusCode::NO_CONTENT)
}
