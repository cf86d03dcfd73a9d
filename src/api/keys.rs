//! `/v1/keys` (scope `admin`): list, create (the token shown once, in the
//! response) and delete keys, with the rights of the key's acting user in
//! the key's reach and environment, audited as the key.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::{scope, Authorized, ClientIp};
use super::error::{ApiError, ErrorResponse};
use super::extract::ApiQuery;
use super::json::ApiJson;
use crate::domain::environment::Environment;
use crate::domain::key_name::KeyName;
use crate::domain::scopes::{Scope, ScopeSet};
use crate::domain::validity::Validity;
use crate::models::keys::{KeyQuery, KeyRow, KeyStatus};
use crate::models::FieldIssue;
use crate::server::key_cache::KeyRecord;
use crate::server::services::key_list;
use crate::server::services::keys::{
    self as key_service, caller_for_key, offered_scopes, Caller, Issues, KeyRequest, ServiceError,
    MAX_RATE_LIMIT,
};
use crate::server::state::AppState;

/// A key as listed: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyInfo {
    pub id: String,
    /// `kw_live_{id}`.
    pub api_key: String,
    pub name: String,
    pub environment: Environment,
    pub scopes: Vec<Scope>,
    /// `active`, `expired` or `revoked`, at the time of the request.
    pub status: String,
    /// The workspace's name; `null` for an agency-wide key.
    pub workspace: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub usage_count: i64,
    pub created_by: String,
    pub acting_as: String,
}

impl From<KeyRow> for KeyInfo {
    fn from(row: KeyRow) -> Self {
        Self {
            api_key: row.api_key(),
            id: row.id,
            name: row.name,
            environment: row.environment,
            scopes: row.scopes,
            status: match row.status {
                KeyStatus::Active => "active",
                KeyStatus::Expired => "expired",
                KeyStatus::Revoked => "revoked",
            }
            .into(),
            workspace: row.workspace,
            created_at: row.created_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            last_used_at: row.last_used_at,
            usage_count: row.usage_count,
            created_by: row.created_by,
            acting_as: row.acting_as,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyList {
    pub data: Vec<KeyInfo>,
    /// Keys matching the search, all pages.
    pub total: u64,
    pub page: u64,
    pub page_count: u64,
}

/// The key table's search, sort and page, as the dashboard's URL has them.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct KeyListParams {
    /// Text in the key's name.
    pub q: Option<String>,
    /// `name`, `key`, `environment`, `scopes`, `status`, `created`
    /// (default), `expires`, `last_used` or `usage`.
    pub sort: Option<String>,
    /// `asc` or `desc`.
    pub dir: Option<String>,
    /// 25 keys a page, from 1 (past the end: the last page).
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
}

/// How long a new key works.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum ValidityChoice {
    #[serde(rename = "1w")]
    OneWeek,
    #[serde(rename = "1m")]
    OneMonth,
    #[serde(rename = "3m")]
    ThreeMonths,
    #[serde(rename = "1y")]
    OneYear,
    #[serde(rename = "never")]
    Never,
    /// Until `expires_on`.
    #[serde(rename = "custom")]
    Custom,
}

impl ValidityChoice {
    fn as_str(self) -> &'static str {
        match self {
            ValidityChoice::OneWeek => "1w",
            ValidityChoice::OneMonth => "1m",
            ValidityChoice::ThreeMonths => "3m",
            ValidityChoice::OneYear => "1y",
            ValidityChoice::Never => "never",
            ValidityChoice::Custom => "custom",
        }
    }
}

/// A new key: the same rules, limit and audit as the dashboard's dialog.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    #[schema(min_length = 1, max_length = 64, example = "Zillow lead sync")]
    pub name: String,
    /// A workspace key; absent: the calling key's workspace, or agency-wide
    /// for an agency-wide calling key.
    #[serde(default)]
    pub workspace_id: Option<i64>,
    /// The user the new key acts as; absent: the calling key's.
    #[serde(default)]
    pub act_as_user_id: Option<i64>,
    /// Default `1y`, or until the calling key expires when that is sooner (a key
    /// never outlives the key that made it).
    #[serde(default)]
    #[schema(example = "1y")]
    pub validity: Option<ValidityChoice>,
    /// `YYYY-MM-DD`, with `validity` `custom` (and only then): the key works
    /// through that day (UTC).
    #[serde(default)]
    pub expires_on: Option<String>,
    /// The calling key's own environment (the default) is the only one allowed.
    #[serde(default)]
    pub environment: Option<Environment>,
    #[schema(min_items = 1, example = json!(["read:leads", "write:leads"]))]
    pub scopes: Vec<Scope>,
    /// Requests per second; 0 is unlimited. Default 100, or the calling key's
    /// limit when that is lower (a key never out-rates the key that made it).
    #[serde(default)]
    #[schema(maximum = 1000000)]
    pub rate_limit: Option<u32>,
}

/// The new key, with its token: the only time it is ever shown.
#[derive(Serialize, ToSchema)]
pub struct CreatedKey {
    pub id: String,
    pub name: String,
    pub api_key: String,
    /// `{secret}{crc}`, to send as `X-API-Secret` with `X-API-Key`.
    pub secret: String,
    /// The whole token, for `Authorization: Bearer`.
    pub token: String,
    pub environment: Environment,
}

/// The highest page number a list accepts (past the last page: the last page).
const MAX_PAGE: u32 = 1_000_000;

async fn caller(state: &AppState, key: &KeyRecord, ip: ClientIp) -> Result<Caller, ApiError> {
    caller_for_key(&state.db, key, ip.text())
        .await?
        .ok_or_else(|| ApiError::Forbidden("the user this key acts as no longer exists".into()))
}

/// The service's answer in `/v1/keys` words: the two fields only the
/// database can refuse are named as the JSON body names them.
fn api_error(err: ServiceError) -> ApiError {
    match ApiError::from(err) {
        ApiError::Validation(issues) => ApiError::Validation(
            issues
                .into_iter()
                .map(|issue| FieldIssue {
                    field: match issue.field.as_str() {
                        "workspace" => "workspace_id",
                        "act_as" => "act_as_user_id",
                        other => other,
                    }
                    .to_owned(),
                    message: issue.message,
                })
                .collect(),
        ),
        other => other,
    }
}

/// The body as a key request, each field checked at `now` and refused
/// under the body's name for it. A key makes keys of its own environment
/// only (403 otherwise); unset fields take the calling key's workspace and
/// acting user, and a year or the calling key's own end when sooner.
fn request(new: NewKey, key: &KeyRecord, now: DateTime<Utc>) -> Result<KeyRequest, ApiError> {
    let environment = new.environment.unwrap_or(key.environment);
    if environment != key.environment {
        return Err(ApiError::Forbidden(format!(
            "a {} key creates {} keys only",
            key.environment, key.environment
        )));
    }
    let mut issues = Issues::default();
    let name = issues.check("name", KeyName::parse(&new.name));
    let expires_at = match (new.validity, new.expires_on) {
        (Some(ValidityChoice::Custom), date) => issues.check(
            "expires_on",
            Validity::parse("custom", date.as_deref().unwrap_or_default(), now)
                .and_then(|validity| validity.expires_at(now)),
        ),
        (_, Some(_)) => issues.check("expires_on", Err("expires_on goes with validity custom only")),
        (Some(choice), None) => issues.check(
            "validity",
            Validity::parse(choice.as_str(), "", now).and_then(|validity| validity.expires_at(now)),
        ),
        (None, None) => {
            let year = now.checked_add_months(chrono::Months::new(12));
            Some(match key.expires_at {
                Some(end) if year.is_none_or(|year| end < year) => Some(end),
                _ => year,
            })
        }
    };
    let scopes = issues.check("scopes", offered_scopes(ScopeSet::new(new.scopes)));
    let rate_limit = match new.rate_limit {
        Some(n) if n > MAX_RATE_LIMIT => issues.check(
            "rate_limit",
            Err(format!(
                "rate_limit must be between 0 (unlimited) and {MAX_RATE_LIMIT}"
            )),
        ),
        other => Some(other),
    };
    let request = (|| {
        Some(KeyRequest {
            name: name?,
            workspace_id: new.workspace_id.or(key.workspace.as_ref().map(|(id, _)| *id)),
            act_as_user_id: new.act_as_user_id.unwrap_or(key.acting_as.id),
            expires_at: expires_at?,
            environment,
            scopes: scopes?,
            rate_limit: rate_limit?,
        })
    })();
    issues.into_result(request).map_err(ApiError::Validation)
}

/// Keys the calling key may see, in its environment.
#[utoipa::path(operation_id = "listKeys", get, path = "/v1/keys", tag = "Keys", params(KeyListParams),
    responses(
        (status = 200, description = "One page of keys", body = KeyList),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "The key lacks admin", body = ErrorResponse),
        (status = 422, description = "A parameter refused, named", body = ErrorResponse),
        (status = 429, description = "Over the key's rate limit", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn list(
    State(state): State<AppState>,
    ip: ClientIp,
    key: Authorized<scope::Admin>,
    ApiQuery(params): ApiQuery<KeyListParams>,
) -> Result<Json<KeyList>, ApiError> {
    let caller = caller(&state, &key, ip).await?;
    if params.page.is_some_and(|p| !(1..=MAX_PAGE).contains(&p)) {
        return Err(ApiError::field(
            "page",
            format!("page must be between 1 and {MAX_PAGE}"),
        ));
    }
    let page = params.page.map(|p| p.to_string());
    let query = KeyQuery::from_params(|name| match name {
        "q" => params.q.clone(),
        "sort" => params.sort.clone(),
        "dir" => params.dir.clone(),
        "page" => page.clone(),
        _ => None,
    });
    let page = key_list::list(&state.db, &caller, query, Utc::now()).await?;
    Ok(Json(KeyList {
        total: page.total,
        page: page.query.page.get(),
        page_count: page.page_count(),
        data: page.rows.into_iter().map(KeyInfo::from).collect(),
    }))
}

/// Create a key; the response holds its token, which is never shown again.
#[utoipa::path(operation_id = "createKey", post, path = "/v1/keys", tag = "Keys", request_body = NewKey,
    responses(
        (status = 201, description = "Created: store the token now", body = CreatedKey),
        (status = 400, description = "Not JSON", body = ErrorResponse),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "The key lacks admin, or may not create this key", body = ErrorResponse),
        (status = 409, description = "The active key limit is reached", body = ErrorResponse),
        (status = 413, description = "Body over 1 MiB", body = ErrorResponse),
        (status = 415, description = "Not sent as application/json", body = ErrorResponse),
        (status = 422, description = "Fields refused, each named", body = ErrorResponse),
        (status = 429, description = "Over the key's rate limit", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn create(
    State(state): State<AppState>,
    ip: ClientIp,
    key: Authorized<scope::Admin>,
    ApiJson(new): ApiJson<NewKey>,
) -> Result<(StatusCode, Json<CreatedKey>), ApiError> {
    let caller = caller(&state, &key, ip).await?;
    let now = Utc::now();
    let request = request(new, &key, now)?;
    let environment = request.environment;
    let revealed = key_service::create(&state.db, &state.keys, &state.pepper, &caller, request, now)
        .await
        .map_err(api_error)?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedKey {
            id: revealed.id.clone(),
            name: revealed.name.clone(),
            api_key: revealed.api_key.clone(),
            secret: revealed.secret.clone(),
            token: revealed.token.clone(),
            environment,
        }),
    ))
}

/// Remove a key for good: it is refused from the next request on.
#[utoipa::path(operation_id = "deleteKey", delete, path = "/v1/keys/{id}", tag = "Keys",
    params(("id" = String, Path, description = "The key's public id (the 12 characters after kw_live_)")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "The key lacks admin, or may not manage that key", body = ErrorResponse),
        (status = 404, description = "No such key in reach", body = ErrorResponse),
        (status = 429, description = "Over the key's rate limit", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    ip: ClientIp,
    key: Authorized<scope::Admin>,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<StatusCode, ApiError> {
    let caller = caller(&state, &key, ip).await?;
    let Ok(Path(id)) = id else {
        return Err(ApiError::NotFound);
    };
    key_service::remove(&state.db, &state.keys, &caller, &id, Utc::now())
        .await
        .map_err(api_error)?;
    Ok(StatusCode::NO_CONTENT)
}
