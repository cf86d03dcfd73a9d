//! `/v1/webhooks` (scope `webhooks`): the endpoints of the key's reach and
//! environment, their delivery log, test events, resending and secret
//! rotation, with the rights of the key's acting user (super managers all
//! endpoints, managers their workspaces'), audited as the key. Deliveries
//! are signed per Standard Webhooks; see the API reference's "Webhooks".
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::{scope, Authorized, ClientIp};
use super::error::{ApiError, ErrorResponse};
use super::extract::ApiQuery;
use super::json::ApiJson;
use crate::domain::webhook_event::EventType;
use crate::models::webhooks::{DeliveryAttempt, WebhookEndpoint};
use crate::server::key_cache::KeyRecord;
use crate::server::services::keys::{caller_for_key, Caller};
use crate::server::services::webhooks::{self as service, EndpointFields, LogFilter};
use crate::server::state::AppState;
use crate::server::webhooks::dispatch::Outcome;

/// Present (even as `null`) or absent: `Some(None)` is an explicit `null`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// An endpoint to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookEndpoint {
    /// Where events are POSTed: `https://` and a public address (plain
    /// `http` and other addresses only within `KEYWARD_WEBHOOK_ALLOW_NETS`).
    #[schema(example = "https://crm.agency.example/hooks/keyward", max_length = 2048)]
    pub url: Option<String>,
    /// Up to 200 characters, for people.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub description: Option<String>,
    /// The event types it receives; absent: every type but `webhook.test`.
    #[serde(default)]
    pub event_types: Option<Vec<EventType>>,
    /// One workspace's events only; absent or `null`: the whole agency
    /// (super managers only). A workspace key's endpoints are its workspace's.
    #[serde(default)]
    pub workspace_id: Option<i64>,
    /// `false` creates it disabled.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Your own signing secret, `whsec_` + base64 of 24 to 64 bytes;
    /// absent: keyward makes one (32 random bytes).
    #[serde(default)]
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: Option<String>,
}

/// Changes to an endpoint: absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookEndpointChanges {
    #[schema(max_length = 2048)]
    pub url: Option<String>,
    #[schema(max_length = 200)]
    pub description: Option<String>,
    pub event_types: Option<Vec<EventType>>,
    /// A workspace id, or `null` for the whole agency.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub workspace_id: Option<Option<i64>>,
    /// `true` enables it (and restarts its failure clock); `false` disables
    /// it (messages waiting for it fail; recover them after enabling).
    pub enabled: Option<bool>,
}

/// A new endpoint: `secret` is in this answer and the rotation's only.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhookEndpoint {
    #[serde(flatten)]
    pub endpoint: WebhookEndpoint,
    /// `whsec_…`: verify deliveries with it (any Standard Webhooks library).
    pub secret: String,
}

/// Endpoints, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookEndpointList {
    pub data: Vec<WebhookEndpoint>,
}

/// How an attempt went.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptResult {
    /// The `webhook-id` sent.
    pub message_id: String,
    pub succeeded: bool,
    pub status_code: Option<u16>,
    pub latency_ms: i32,
    /// The first 4 kB of the receiver's answer.
    pub response_body: String,
    /// See `DeliveryAttempt.error_kind`; `null` on success.
    pub error_kind: Option<String>,
    pub error: String,
}

impl AttemptResult {
    fn new(message_id: String, outcome: Outcome) -> Self {
        Self {
            message_id,
            succeeded: outcome.succeeded(),
            status_code: outcome.status,
            latency_ms: outcome.latency_ms,
            response_body: outcome.body,
            error_kind: outcome.error_kind.map(str::to_owned),
            error: outcome.error,
        }
    }
}

/// A new secret after a rotation.
#[derive(Debug, Serialize, ToSchema)]
pub struct RotatedSecret {
    /// `whsec_…`, signing from now on.
    pub secret: String,
    /// Until then the previous secret signs too (a second `v1,` entry of
    /// `webhook-signature`): 24 hours to switch receivers over.
    pub previous_secret_signs_until: DateTime<Utc>,
}

/// One page of the delivery log.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryAttemptList {
    pub data: Vec<DeliveryAttempt>,
    /// Pass as `before` for the next page; `null` on the last.
    pub next_cursor: Option<i64>,
}

/// Filters of the delivery log.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Attempts of this event type only.
    pub event_type: Option<EventType>,
    /// `succeeded` or `failed`.
    #[param(pattern = "^(succeeded|failed)$")]
    pub outcome: Option<String>,
    /// Attempts older than this attempt id (`next_cursor`).
    pub before: Option<i64>,
    /// 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
}

/// When to recover from.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoverRequest {
    /// Every message that failed since then is sent again (at most 10,000;
    /// within the 30 days messages are kept).
    pub since: Option<DateTime<Utc>>,
}

/// How many messages were put back on the schedule.
#[derive(Debug, Serialize, ToSchema)]
pub struct Recovered {
    pub messages: u64,
}

async fn caller(state: &AppState, key: &KeyRecord, ip: ClientIp) -> Result<Caller, ApiError> {
    caller_for_key(&state.db, key, ip.text())
        .await?
        .ok_or_else(|| ApiError::Forbidden("the user this key acts as no longer exists".into()))
}

fn path_id(id: Result<Path<String>, axum::extract::rejection::PathRejection>) -> Result<String, ApiError> {
    id.map(|Path(id)| id).map_err(|_| ApiError::NotFound)
}

/// The endpoints of the key's reach and environment.
#[utoipa::path(operation_id = "listWebhookEndpoints", get, path = "/v1/webhooks", tag = "Webhooks",
    responses(
        (status = 200, description = "Every endpoint the key's acting user manages", body = WebhookEndpointList),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "The key lacks webhooks", body = ErrorResponse),
        (status = 429, description = "Over the key's rate limit", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn list(
    State(state): State<AppState>,
    ip: ClientIp,
    key: Authorized<scope::Webhooks>,
) -> Result<Json<WebhookEndpointList>, ApiError> {
    let caller = caller(&state, &key, ip).await?;
    Ok(Json(WebhookEndpointList {
        data: service::list(&state.db, &caller).await?,
    }))
}

/// Create an endpoint; the answer holds its signing secret.
#[utoipa::path(operation_id = "createWebhookEndpoint", post, path = "/v1/webhooks", tag = "Webhooks",
    request_body = NewWebhookEndpoint,
    responses(
        (status = 201, description = "Created, enabled unless asked otherwise", body = CreatedWebhookEndpoint),
        (status = 400, description = "Not JSON", body = ErrorResponse),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "The key lacks webhooks", body = ErrorResponse),
        (status = 409, description = "The agency has 50 endpoints", body = ErrorResponse),
        (status = 413, description = "Body over 1 MiB", body = ErrorResponse),
        (status = 415, description = "Not sent as application/json", body = ErrorResponse),
        (status = 422, description = "Fields refused, each named (an internal address is refused here)", body = ErrorResponse),
        (status = 429, description = "Over the key's rate limit", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn create(
    State(state): State<AppState>,
    ip: ClientIp,
    key: Authorized<scope::Webhooks>,
    ApiJson(new): ApiJson<NewWebhookEndpoint>,
) -> Result<(StatusCode, Json<CreatedWebhookEndpoint>), ApiError> {
    let caller = caller(&state, &key, ip).await?;
    let workspace = match (new.workspace_id, key.workspace.as_ref()) {
        (None, Some((own, _))) => Some(*own),
        (asked, _) => asked,
    };
    let fields = EndpointFields {
        url: new.url,
        description: new.description,
        workspace_id: Some(workspace),
        environment: None,
        event_types: new.event_types,
        enabled: new.enabled,
        secret: new.secret,
        id: None,
    };
    let (endpoint, secret) = service::create(&state.db, &state.webhooks, &caller, fields, Utc::now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedWebhookEndpoint {
            endpoint,
            secret: secret.reveal(),
        }),
    ))
}

/// One endpoint.
#[utoipa::path(operation_id = "getWebhookEndpoint", get, path = "/v1/webhooks/{id}", tag = "Webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "The endpoint", body = WebhookEndpoint),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "The key lacks webhooks", body = ErrorResponse),
        (status = 404, description = "No such endpoint in the key's reach", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn get(
    State(state): State<AppState>,
    ip: ClientIp,
    key: Authorized<scope::Webhooks>,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<Json<WebhookEndpoint>, ApiError> {
    let id = path_id(id)?;
    let caller = caller(&state, &key, ip).await?;
    Ok(Json(service::get(&state.db, &caller, &id).await?))
}

/// Change an endpoint.
#[utoipa::path(operation_id = "updateWebhookEndpoint", patch, path = "/v1/webhooks/{id}", tag = "Webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    request_body = WebhookEndpointChanges,
    responses(
        (status = 200, description = "Changed", body = WebhookEndpoint),
        (status = 400, description = "Not JSON", body = ErrorResponse),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "The key lacks webhooks", body = ErrorResponse),
        (status = 404, description = "No such endpoint in the key's reach", body = ErrorResponse),
        (status = 413, description = "Body over 1 MiB", body = ErrorResponse),
        (status = 415, description = "Not sent as application/json", body = ErrorResponse),
        (status = 422, description = "Fields refused, each named", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn update(
    State(state): State<AppState>,
    ip: ClientIp,
    key: Authorized<scope::Webhooks>,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
    ApiJson(changes): ApiJson<WebhookEndpointChanges>,
) -> Result<Json<WebhookEndpoint>, ApiError> {
    let id = path_id(id)?;
    let caller = caller(&state, &key, ip).await?;
    let fields = EndpointFields {
        url: changes.url,
        description: changes.description,
        workspace_id: changes.workspace_id,
        environment: None,
        event_types: changes.event_types,
        enabled: changes.enabled,
        secret: None,
        id: None,
    };
    Ok(Json(
        service::update(&state.db, &state.webhooks, &caller, &id, fields, Utc::now()).await?,
    ))
}

/// Delete an endpoint, its waiting messages and its delivery log.
#[utoipa::path(operation_id = "deleteWebhookEndpoint", delete, path = "/v1/webhooks/{id}", tag = "Webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "The key lacks webhooks", body = ErrorResponse),
        (status = 404, description = "No such endpoint in the key's reach", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    ip: ClientIp,
    key: Authorized<scope::Webhooks>,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(id)?;
    let caller = caller(&state, &key, ip).await?;
    service::delete(&state.db, &caller, &id, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send a `webhook.test` event now; the answer says how it went.
#[utoipa::path(operation_id = "testWebhookEndpoint", post, path = "/v1/webhooks/{id}/test", tag = "Webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "Sent (or failed: see `succeeded`; a failure is retried on the schedule)", body = AttemptResult),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "The key lacks webhooks", body = ErrorResponse),
        (status = 404, description = "No such endpoint in the key's reach", body = ErrorResponse),
        (status = 409, description = "The endpoint is disabled", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn test(
    State(state): State<AppState>,
    ip: ClientIp,
    key: Authorized<scope::Webhooks>,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<Json<AttemptResult>, ApiError> {
    let id = path_id(id)?;
    let caller = caller(&state, &key, ip).await?;
    let (message_id, outcome) =
        service::send_test(&state.db, &state.webhooks, &caller, &id, Utc::now()).await?;
    Ok(Json(AttemptResult::new(message_id, outcome)))
}

/// Rotate the signing secret; the previous one signs beside it for 24 hours.
#[utoipa::path(operation_id = "rotateWebhookSecret", post, path = "/v1/webhooks/{id}/rotate_secret", tag = "Webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "The new secret, shown this once", body = RotatedSecret),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "The key lacks webhooks", body = ErrorResponse),
        (status = 404, description = "No such endpoint in the key's reach", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    ip: ClientIp,
    key: Authorized<scope::Webhooks>,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<Json<RotatedSecret>, ApiError> {
    let id = path_id(id)?;
    let caller = caller(&state, &key, ip).await?;
    let (secret, until) =
        service::rotate_secret(&state.db, &state.webhooks, &caller, &id, Utc::now()).await?;
    Ok(Json(RotatedSecret {
        secret: secret.reveal(),
        previous_secret_signs_until: until,
    }))
}

/// The endpoint's delivery log, newest attempt first (kept 30 days).
#[utoipa::path(operation_id = "listWebhookDeliveries", get, path = "/v1/webhooks/{id}/deliveries", tag = "Webhooks",
    params(("id" = String, Path, description = "The endpoint's id"), DeliveryQuery),
    responses(
        (status = 200, description = "One page of attempts", body = DeliveryAttemptList),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "The key lacks webhooks", body = ErrorResponse),
        (status = 404, description = "No such endpoint in the key's reach", body = ErrorResponse),
        (status = 422, description = "A filter refused", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn deliveries(
    State(state): State<AppState>,
    ip: ClientIp,
    key: Authorized<scope::Webhooks>,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
    ApiQuery(query): ApiQuery<DeliveryQuery>,
) -> Result<Json<DeliveryAttemptList>, ApiError> {
    let id = path_id(id)?;
    let succeeded = match query.outcome.as_deref() {
        None => None,
        Some("succeeded") => Some(true),
        Some("failed") => Some(false),
        Some(_) => return Err(ApiError::field("outcome", "succeeded or failed")),
    };
    if query.limit.is_some_and(|l| !(1..=100).contains(&l)) {
        return Err(ApiError::field("limit", "1 to 100"));
    }
    let caller = caller(&state, &key, ip).await?;
    let limit = query.limit.unwrap_or(service::LOG_PAGE);
    let filter = LogFilter {
        event_type: query.event_type,
        succeeded,
        before: query.before,
        limit: Some(limit),
    };
    let data = service::attempts(&state.db, &caller, &id, &filter).await?;
    let next_cursor = (data.len() as u64 == limit)
        .then(|| data.last().map(|a| a.id))
        .flatten();
    Ok(Json(DeliveryAttemptList { data, next_cursor }))
}

/// Send one message to this endpoint again now: the same `webhook-id`, a
/// new timestamp and signature.
#[utoipa::path(operation_id = "resendWebhookMessage", post, path = "/v1/webhooks/{id}/messages/{message_id}/resend", tag = "Webhooks",
    params(("id" = String, Path, description = "The endpoint's id"), ("message_id" = String, Path, description = "The message's `webhook-id`")),
    responses(
        (status = 200, description = "Sent (or failed: see `succeeded`)", body = AttemptResult),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "The key lacks webhooks", body = ErrorResponse),
        (status = 404, description = "No such endpoint or message", body = ErrorResponse),
        (status = 409, description = "The endpoint is disabled", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn resend(
    State(state): State<AppState>,
    ip: ClientIp,
    key: Authorized<scope::Webhooks>,
    ids: Result<Path<(String, String)>, axum::extract::rejection::PathRejection>,
) -> Result<Json<AttemptResult>, ApiError> {
    let Ok(Path((id, message_id))) = ids else {
        return Err(ApiError::NotFound);
    };
    let caller = caller(&state, &key, ip).await?;
    let outcome = service::resend(&state.db, &state.webhooks, &caller, &id, &message_id, Utc::now()).await?;
    Ok(Json(AttemptResult::new(message_id, outcome)))
}

/// Send again every message that failed since a moment.
#[utoipa::path(operation_id = "recoverWebhookMessages", post, path = "/v1/webhooks/{id}/recover", tag = "Webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    request_body = RecoverRequest,
    responses(
        (status = 202, description = "Put back on the schedule, due now", body = Recovered),
        (status = 400, description = "Not JSON", body = ErrorResponse),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 413, description = "Body over 1 MiB", body = ErrorResponse),
        (status = 415, description = "Not sent as application/json", body = ErrorResponse),
        (status = 403, description = "The key lacks webhooks", body = ErrorResponse),
        (status = 404, description = "No such endpoint in the key's reach", body = ErrorResponse),
        (status = 409, description = "The endpoint is disabled", body = ErrorResponse),
        (status = 422, description = "`since` missing, in the future or past 30 days", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn recover(
    State(state): State<AppState>,
    ip: ClientIp,
    key: Authorized<scope::Webhooks>,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
    ApiJson(body): ApiJson<RecoverRequest>,
) -> Result<(StatusCode, Json<Recovered>), ApiError> {
    let id = path_id(id)?;
    let Some(since) = body.since else {
        return Err(ApiError::field(
            "since",
            "the moment to recover from, like 2026-12-01T00:00:00Z",
        ));
    };
    let caller = caller(&state, &key, ip).await?;
    let messages = service::recover(&state.db, &state.webhooks, &caller, &id, since, Utc::now()).await?;
    Ok((StatusCode::ACCEPTED, Json(Recovered { messages })))
}
