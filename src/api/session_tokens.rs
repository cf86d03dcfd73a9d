//! `/v1/session_tokens` (issue 14): a key's backend mints short-lived
//! tokens for a browser page (the token-mediating backend of the IETF
//! browser-based-apps draft); the key revokes them one by one, and a token
//! may revoke itself. Session tokens are sent as `Authorization: Bearer`
//! only, and `/v1` answers browsers with CORS for their origins only
//! ([`crate::server::cors`]).
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{credentials, CallingKey, ClientIp};
use super::error::{ApiError, ErrorResponse};
use super::json::ApiJson;
use crate::domain::environment::Environment;
use crate::domain::fields::parse_name;
use crate::domain::scopes::{Scope, ScopeSet};
use crate::domain::session_token::{allowed_origins, ttl};
use crate::server::key_cache::{KeyRecord, Principal};
use crate::server::services::audit::Who;
use crate::server::services::keys::Issues;
use crate::server::services::session_tokens::{self as service, MintedSessionToken, Revoker};
use crate::server::state::AppState;

/// A session token to mint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSessionToken {
    /// Within the key's scopes; never `admin` or `webhooks`. Absent: every
    /// scope the key has but those two.
    #[serde(default)]
    #[schema(example = json!(["read:properties", "write:leads"]))]
    pub scopes: Option<Vec<Scope>>,
    /// Seconds the token lives: 1 to 86400 (24 hours, the default). Never
    /// past the key's own expiry.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 86400, example = 3600)]
    pub ttl: Option<i64>,
    /// The exact origins (`scheme://host[:port]`, as browsers send `Origin`)
    /// of the pages that will use it: 1 to 10; `https`, or `http` for
    /// `localhost` and loopback addresses.
    #[schema(min_items = 1, max_items = 10, example = json!(["https://www.agency.example"]))]
    pub allowed_origins: Option<Vec<String>>,
    /// Up to 64 characters, shown on the key's page and in the audit log.
    #[serde(default)]
    #[schema(max_length = 64, example = "Listing widget")]
    pub label: Option<String>,
}

/// The new session token: `token` is shown this once and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedSessionToken {
    pub id: String,
    /// `kw_sess_live_…` or `kw_sess_test_…`, for `Authorization: Bearer`.
    pub token: String,
    pub label: Option<String>,
    pub environment: Environment,
    pub scopes: Vec<Scope>,
    pub allowed_origins: Vec<String>,
    pub created_at: DateTime<Utc>,
    /// `created_at + ttl`, or sooner when the key stops first.
    pub expires_at: DateTime<Utc>,
}

impl CreatedSessionToken {
    fn new(minted: MintedSessionToken, environment: Environment) -> Self {
        Self {
            id: minted.id,
            token: minted.token,
            label: (!minted.label.is_empty()).then_some(minted.label),
            environment,
            scopes: minted.scopes.iter().collect(),
            allowed_origins: minted.origins,
            created_at: minted.created_at,
            expires_at: minted.expires_at,
        }
    }
}

/// The calling credential when it is an API key (session tokens are
/// minted by keys only), refused before the body is read otherwise.
pub struct MintingKey(pub CallingKey);

impl<S: Send + Sync> FromRequestParts<S> for MintingKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let key = CallingKey::from_request_parts(parts, state).await?;
        match key.principal {
            Principal::Key => Ok(MintingKey(key)),
            Principal::Session { .. } => Err(ApiError::Forbidden(
                "a session token cannot mint session tokens: mint them with the API key, from your backend"
                    .into(),
            )),
            Principal::OAuth { .. } => Err(ApiError::Forbidden(
                "session tokens are minted with an API key, not an OAuth access token".into(),
            )),
        }
    }
}

/// The body checked against the key: every field refused is named (422);
/// scopes the key lacks are 403.
fn request(new: NewSessionToken, key: &KeyRecord) -> Result<service::NewSessionToken, ApiError> {
    let allowed = key.scopes.for_session();
    let scopes = match new.scopes {
        None => Some(allowed.ok_or_else(|| {
            ApiError::Forbidden(
                "this key has no scope a session token may carry (never admin or webhooks)".into(),
            )
        })?),
        Some(names) => {
            if let Some(never) = names.iter().find(|scope| !scope.fits_session()) {
                return Err(ApiError::field(
                    "scopes",
                    format!("a session token may never carry {never}: leave out admin and webhooks"),
                ));
            }
            let Ok(set) = ScopeSet::new(names) else {
                return Err(ApiError::field(
                    "scopes",
                    "name at least one scope, or leave scopes out for the key's own",
                ));
            };
            // `write:agents` unlocks nothing yet: refused like on keys.
            Scope::check_offered(set).map_err(|why| ApiError::field("scopes", why))?;
            if let Some(lacking) = set
                .iter()
                .find(|scope| !allowed.is_some_and(|a| a.allows(*scope)))
            {
                return Err(ApiError::Forbidden(format!(
                    "this key lacks {lacking}: a session token never has more than its key"
                )));
            }
            Some(set)
        }
    };
    let mut issues = Issues::default();
    let ttl = issues.check("ttl", ttl(new.ttl));
    let origins = issues.check(
        "allowed_origins",
        allowed_origins(new.allowed_origins.as_deref().unwrap_or_default()),
    );
    let label = match new.label.as_deref().map(str::trim) {
        None | Some("") => Some(String::new()),
        Some(label) => issues.check("label", parse_name("Label", label, 64)),
    };
    let request = (|| {
        Some(service::NewSessionToken {
            scopes: scopes?,
            ttl: ttl?,
            origins: origins?,
            label: label?,
        })
    })();
    issues.into_result(request).map_err(ApiError::Validation)
}

/// Mint a session token for a browser page; the response holds it, once.
#[utoipa::path(operation_id = "createSessionToken", post, path = "/v1/session_tokens", tag = "Session tokens",
    request_body = NewSessionToken,
    responses(
        (status = 201, description = "Minted: hand `token` to the page", body = CreatedSessionToken),
        (status = 400, description = "Not JSON", body = ErrorResponse),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "Not an API key, or scopes the key lacks", body = ErrorResponse),
        (status = 409, description = "The key's secret was rolled meanwhile", body = ErrorResponse),
        (status = 413, description = "Body over 1 MiB", body = ErrorResponse),
        (status = 415, description = "Not sent as application/json", body = ErrorResponse),
        (status = 422, description = "Fields refused, each named", body = ErrorResponse),
        (status = 429, description = "Over the key's rate limit", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    MintingKey(key): MintingKey,
    ApiJson(new): ApiJson<NewSessionToken>,
) -> Result<(StatusCode, Json<CreatedSessionToken>), ApiError> {
    let request = request(new, &key)?;
    // The key's secret as sent (current, or previous within a roll's grace).
    let minted_with = match credentials(&headers)? {
        super::auth::Presented::Key(token) => state.pepper.hash(&token),
        _ => return Err(ApiError::InvalidCredentials),
    };
    let minted = service::mint(&state.db, &state.pepper, &key, &minted_with, request, Utc::now()).await?;
    for origin in &minted.origins {
        state.cors.minted_for(origin);
    }
    Ok((
        StatusCode::CREATED,
        Json(CreatedSessionToken::new(minted, key.environment)),
    ))
}

/// The audit log's name for the calling credential.
fn who(key: &KeyRecord) -> Who {
    match key.principal {
        Principal::Session { .. } => Who::SessionToken {
            key_id: key.id.clone(),
            name: key.name.clone(),
        },
        _ => Who::Key {
            id: key.id.clone(),
            name: key.name.clone(),
        },
    }
}

/// Revoke the session token making this request (a page signing out).
#[utoipa::path(operation_id = "revokeCurrentSessionToken", delete, path = "/v1/session_tokens/current",
    tag = "Session tokens",
    responses(
        (status = 204, description = "Revoked: refused from the next request on"),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "Not sent with a session token", body = ErrorResponse),
        (status = 429, description = "Over the key's rate limit", body = ErrorResponse),
    ),
    security(("bearer" = [])))]
pub async fn revoke_current(
    State(state): State<AppState>,
    ip: ClientIp,
    key: CallingKey,
) -> Result<StatusCode, ApiError> {
    let Some(token_id) = key.session_token_id() else {
        return Err(ApiError::Forbidden(
            "/v1/session_tokens/current revokes the session token sending it; with an API key, use DELETE /v1/session_tokens/{id}".into(),
        ));
    };
    let revoker = Revoker::Credential {
        key: &key,
        who: who(&key),
        ip: ip.text(),
    };
    service::revoke(&state.db, &state.keys, revoker, &key.id, token_id, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revoke one session token of the calling key (or the calling session
/// token itself).
#[utoipa::path(operation_id = "revokeSessionToken", delete, path = "/v1/session_tokens/{id}",
    tag = "Session tokens",
    params(("id" = String, Path, description = "The session token's id (the 12 characters after kw_sess_live_)")),
    responses(
        (status = 204, description = "Revoked: refused from the next request on, on every instance"),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "A session token revoking another", body = ErrorResponse),
        (status = 404, description = "Not a session token of this key", body = ErrorResponse),
        (status = 409, description = "Already revoked or expired", body = ErrorResponse),
        (status = 429, description = "Over the key's rate limit", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    ip: ClientIp,
    key: CallingKey,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Ok(Path(id)) = id else {
        return Err(ApiError::NotFound);
    };
    if key.session_token_id().is_some_and(|own| own != id) {
        return Err(ApiError::Forbidden(
            "a session token may revoke only itself: revoke others with the API key".into(),
        ));
    }
    let revoker = Revoker::Credential {
        key: &key,
        who: who(&key),
        ip: ip.text(),
    };
    service::revoke(&state.db, &state.keys, revoker, &key.id, &id, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
