//! `/v1/leads`: import (idempotent on `external_id`), list, read, and
//! update by the key that imported the lead.
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;

use super::auth::{scope, Authorized};
use super::error::{ApiError, ErrorResponse};
use super::extract::{ApiQuery, RecordId};
use super::json::ApiJson;
use crate::models::crm::AnalyticsQuery;
use crate::models::crm::{Lead, LeadAnalytics, LeadChanges, LeadFilter, LeadList, NewLead};
use crate::server::services::records::{Reach, Stamp};
use crate::server::services::{lead_analytics, leads};
use crate::server::state::AppState;

/// Import a lead into the key's workspace (or the one named), stamped with
/// the key and its acting user.
#[utoipa::path(operation_id = "importLead", post, path = "/v1/leads", tag = "Leads", request_body = NewLead,
    responses(
        (status = 201, description = "Imported", body = Lead),
        (status = 200, description = "Imported before with this external_id by this key: the lead as it is", body = Lead),
        (status = 400, description = "Not JSON", body = ErrorResponse),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "The key lacks write:leads", body = ErrorResponse),
        (status = 413, description = "Body over 1 MiB", body = ErrorResponse),
        (status = 415, description = "Not sent as application/json", body = ErrorResponse),
        (status = 422, description = "Fields refused, each named", body = ErrorResponse),
        (status = 429, description = "Over the key's rate limit", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn import(
    State(state): State<AppState>,
    key: Authorized<scope::WriteLeads>,
    ApiJson(new): ApiJson<NewLead>,
) -> Result<Response, ApiError> {
    let (lead, created) = leads::import(
        &state.db,
        &state.commits,
        &Reach::of_key(&key),
        Stamp::of_key(&key),
        &new,
        Utc::now(),
    )
    .await?;
    state.webhooks.wake();
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(lead)).into_response())
}

/// Leads in the key's reach and environment, newest first.
#[utoipa::path(operation_id = "listLeads", get, path = "/v1/leads", tag = "Leads", params(LeadFilter),
    responses(
        (status = 200, description = "One page", body = LeadList),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "The key lacks read:leads", body = ErrorResponse),
        (status = 422, description = "A parameter refused, named", body = ErrorResponse),
        (status = 429, description = "Over the key's rate limit", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn list(
    State(state): State<AppState>,
    key: Authorized<scope::ReadLeads>,
    ApiQuery(filter): ApiQuery<LeadFilter>,
) -> Result<Json<LeadList>, ApiError> {
    Ok(Json(leads::list(&state.db, &Reach::of_key(&key), &filter).await?))
}

#[utoipa::path(operation_id = "getLead", get, path = "/v1/leads/{id}", tag = "Leads",
    params(("id" = i64, Path, description = "The lead's id")),
    responses(
        (status = 200, description = "The lead", body = Lead),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "The key lacks read:leads", body = ErrorResponse),
        (status = 404, description = "No such lead in the key's reach and environment", body = ErrorResponse),
        (status = 429, description = "Over the key's rate limit", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn get(
    State(state): State<AppState>,
    key: Authorized<scope::ReadLeads>,
    RecordId(id): RecordId,
) -> Result<Json<Lead>, ApiError> {
    Ok(Json(leads::get(&state.db, &Reach::of_key(&key), id).await?))
}

/// Change the fields sent; only the key that imported the lead may.
#[utoipa::path(operation_id = "updateLead", patch, path = "/v1/leads/{id}", tag = "Leads", request_body = LeadChanges,
    params(("id" = i64, Path, description = "The lead's id")),
    responses(
        (status = 200, description = "The lead after the change", body = Lead),
        (status = 400, description = "Not JSON", body = ErrorResponse),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "The key lacks write:leads, or another key imported the lead", body = ErrorResponse),
        (status = 404, description = "No such lead in the key's reach and environment", body = ErrorResponse),
        (status = 413, description = "Body over 1 MiB", body = ErrorResponse),
        (status = 415, description = "Not sent as application/json", body = ErrorResponse),
        (status = 422, description = "Fields refused, each named", body = ErrorResponse),
        (status = 429, description = "Over the key's rate limit", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn update(
    State(state): State<AppState>,
    key: Authorized<scope::WriteLeads>,
    RecordId(id): RecordId,
    ApiJson(changes): ApiJson<LeadChanges>,
) -> Result<Json<Lead>, ApiError> {
    let lead = leads::update(
        &state.db,
        &state.commits,
        &Reach::of_key(&key),
        &key.id,
        id,
        &changes,
        Utc::now(),
    )
    .await?;
    state.webhooks.wake();
    Ok(Json(lead))
}

/// Leads created per day (UTC) and per source, in the key's reach.
#[utoipa::path(operation_id = "leadAnalytics", get, path = "/v1/analytics/leads", tag = "Analytics", params(AnalyticsQuery),
    responses(
        (status = 200, description = "Counts for every day of the range", body = LeadAnalytics),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "The key lacks read:analytics", body = ErrorResponse),
        (status = 422, description = "A parameter refused, named", body = ErrorResponse),
        (status = 429, description = "Over the key's rate limit", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn analytics(
    State(state): State<AppState>,
    key: Authorized<scope::ReadAnalytics>,
    ApiQuery(query): ApiQuery<AnalyticsQuery>,
) -> Result<Json<LeadAnalytics>, ApiError> {
    let (from, to) = lead_analytics::day_range(
        query.from.as_deref(),
        query.to.as_deref(),
        Utc::now().date_naive(),
    )?;
    let reach = Reach::of_key(&key);
    Ok(Json(
        lead_analytics::analytics(&state.db, &reach, query.workspace_id, from, to).await?,
    ))
}
