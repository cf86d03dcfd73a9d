//! `POST /oauth/revoke` (RFC 7009) and `POST /oauth/introspect`
//! (RFC 7662): each for the calling client's own tokens, the client
//! authenticated as at the token endpoint.
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::authorize::issuer;
use super::body::{client_credentials, params, BodyError, OAuthBody};
use super::docs::{IntrospectionAnswer, TokenParameter};
use super::token::{error_response, ErrorAnswer};
use crate::entities::oauth_app;
use crate::server::services::oauth::authorize::Params;
use crate::server::services::oauth::tokens::{self, TokenError};
use crate::server::state::AppState;

/// The client, authenticated, and the `token` parameter.
async fn client_and_token(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(oauth_app::Model, String), (TokenError, bool)> {
    let from_body = |err: BodyError| match err {
        BodyError::InvalidRequest(why) => TokenError::InvalidRequest(why),
        BodyError::InvalidClient(why) => TokenError::InvalidClient(why),
    };
    let params: Params = params(headers, body).map_err(|e| (from_body(e), false))?;
    let credentials = client_credentials(headers, &params)
        .map_err(|e| (from_body(e), headers.contains_key(header::AUTHORIZATION)))?
        .ok_or_else(|| {
            (
                TokenError::InvalidClient(
                    "the client must identify itself (client_id, or HTTP Basic)".into(),
                ),
                false,
            )
        })?;
    let basic = credentials.basic;
    let app = tokens::authenticate_client(
        &state.db,
        &state.pepper,
        &credentials.client_id,
        credentials.secret.as_deref(),
        Utc::now(),
    )
    .await
    .map_err(|e| (e, basic))?;
    let token = params
        .one("token")
        .map_err(|e| (TokenError::InvalidRequest(e), basic))?
        .ok_or_else(|| (TokenError::InvalidRequest("token is missing".into()), basic))?;
    Ok((app, token.to_owned()))
}

#[utoipa::path(operation_id = "oauthRevoke", post, path = "/oauth/revoke", tag = "OAuth 2.0",
    summary = "Revoke a token (RFC 7009)",
    description = "An access token stops working; a refresh token ends its whole family (every token \
        of that authorization). 200 whether or not the token was known.",
    request_body(content(
        (TokenParameter = "application/x-www-form-urlencoded"),
        (TokenParameter = "application/json"),
    )),
    responses(
        (status = 200, description = "Revoked, or there was nothing of this client's to revoke"),
        (status = 400, description = "The request is refused (RFC 6749 §5.2)", body = ErrorAnswer),
        (status = 401, description = "`invalid_client`", body = ErrorAnswer),
        (status = 413, description = "The body is over 64 KiB: `invalid_request`", body = ErrorAnswer),
    ),
    security((), ("client_basic" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    OAuthBody(body): OAuthBody,
) -> Response {
    let (app, token) = match client_and_token(&state, &headers, &body).await {
        Ok(found) => found,
        Err((err, basic)) => return error_response(&err, basic),
    };
    match tokens::revoke(&state.db, &state.keys, &state.pepper, &app, &token, Utc::now()).await {
        Ok(_) => {
            // §2.2: 200 whether or not the token was known.
            (
                StatusCode::OK,
                [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
            )
                .into_response()
        }
        Err(err) => error_response(&TokenError::Service(err), false),
    }
}

#[utoipa::path(operation_id = "oauthIntrospect", post, path = "/oauth/introspect", tag = "OAuth 2.0",
    summary = "Introspect a token of the calling client's (RFC 7662)",
    request_body(content(
        (TokenParameter = "application/x-www-form-urlencoded"),
        (TokenParameter = "application/json"),
    )),
    responses(
        (status = 200, description = "`{\"active\":false}` unless the token is live and the caller's", body = IntrospectionAnswer),
        (status = 400, description = "The request is refused (RFC 6749 §5.2)", body = ErrorAnswer),
        (status = 401, description = "`invalid_client`", body = ErrorAnswer),
        (status = 413, description = "The body is over 64 KiB: `invalid_request`", body = ErrorAnswer),
    ),
    security((), ("client_basic" = [])))]
pub async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    OAuthBody(body): OAuthBody,
) -> Response {
    let (app, token) = match client_and_token(&state, &headers, &body).await {
        Ok(found) => found,
        Err((err, basic)) => return error_response(&err, basic),
    };
    let issuer = issuer(&state, &headers);
    let answer = match tokens::introspect(&state.db, &state.pepper, &app, &token, &issuer, Utc::now()).await {
        Ok(Some(live)) => serde_json::to_value(live).expect("plain fields"),
        Ok(None) => serde_json::json!({ "active": false }),
        Err(err) => return error_response(&TokenError::Service(err), false),
    };
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        axum::Json(answer),
    )
        .into_response()
}
