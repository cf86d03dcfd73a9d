//! `POST /oauth/token` (RFC 6749 §3.2): the `authorization_code` grant
//! (with PKCE, RFC 7636 §4.5) and the `refresh_token` grant (§6, rotated).
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;

use super::docs::TokenRequest;

use super::body::{client_credentials, params, BodyError, OAuthBody};
use crate::server::services::oauth::tokens::{self, IssuedTokens, TokenError};
use crate::server::state::AppState;

/// The success answer, exactly these fields (RFC 6749 §5.1).
#[derive(Serialize, ToSchema)]
pub struct TokenAnswer<'a> {
    /// `kw_oat_…`, for `Authorization: Bearer` on `/v1`; lives `expires_in` seconds.
    access_token: &'a str,
    /// `Bearer`.
    token_type: &'static str,
    /// Seconds the access token lives: 3600, or less when the grant ends sooner.
    expires_in: i64,
    /// `kw_ort_…`, used once: every refresh returns a new one. Lives 30 days.
    refresh_token: &'a str,
    /// The scopes granted, space-separated.
    scope: String,
}

/// An error answer (RFC 6749 §5.2): `invalid_request`, `invalid_client`,
/// `invalid_grant`, `invalid_scope`, `unauthorized_client` or
/// `unsupported_grant_type`.
#[derive(Serialize, ToSchema)]
pub struct ErrorAnswer<'a> {
    error: &'a str,
    error_description: &'a str,
}

#[utoipa::path(operation_id = "oauthToken", post, path = "/oauth/token", tag = "OAuth 2.0",
    summary = "Exchange a code, or a refresh token, for tokens",
    description = "RFC 6749 §4.1.3 and §6, with PKCE (RFC 7636 §4.5). A refresh token is rotated: \
        the answer carries a new one and the old pair stops working. The client authenticates with \
        HTTP Basic or with `client_id`/`client_secret` in the body.",
    request_body(content(
        (TokenRequest = "application/x-www-form-urlencoded"),
        (TokenRequest = "application/json"),
    )),
    responses(
        (status = 200, description = "Tokens; `Cache-Control: no-store`", body = TokenAnswer),
        (status = 400, description = "The request or the grant is refused (RFC 6749 §5.2)", body = ErrorAnswer),
        (status = 401, description = "`invalid_client`: unknown client or wrong secret", body = ErrorAnswer),
        (status = 413, description = "The body is over 64 KiB: `invalid_request`", body = ErrorAnswer),
    ),
    security((), ("client_basic" = [])))]
pub async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    OAuthBody(body): OAuthBody,
) -> Response {
    match exchange(&state, &headers, &body).await {
        Ok(issued) => {
            let answer = TokenAnswer {
                access_token: &issued.access_token,
                token_type: "Bearer",
                expires_in: issued.expires_in,
                refresh_token: &issued.refresh_token,
                scope: issued.scopes.to_text(),
            };
            no_store(StatusCode::OK, axum::Json(answer).into_response())
        }
        Err((err, basic)) => error_response(&err, basic),
    }
}

/// The client authenticated, then the grant it asked for. The flag: the
/// client used HTTP Basic.
async fn exchange(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<IssuedTokens, (TokenError, bool)> {
    let now = Utc::now();
    let from_body = |err: BodyError| match err {
        BodyError::InvalidRequest(why) => TokenError::InvalidRequest(why),
        BodyError::InvalidClient(why) => TokenError::InvalidClient(why),
    };
    let params = params(headers, body).map_err(|e| (from_body(e), false))?;
    let credentials = client_credentials(headers, &params)
        .map_err(|e| (from_body(e), headers.contains_key(header::AUTHORIZATION)))?;
    let Some(credentials) = credentials else {
        return Err((
            TokenError::InvalidClient("the client must identify itself (client_id, or HTTP Basic)".into()),
            false,
        ));
    };
    let basic = credentials.basic;
    let fail = |err: TokenError| (err, basic);
    let one = |name: &str| params.one(name).map_err(|e| fail(TokenError::InvalidRequest(e)));
    let grant_type = one("grant_type")?;
    let app = tokens::authenticate_client(
        &state.db,
        &state.pepper,
        &credentials.client_id,
        credentials.secret.as_deref(),
        now,
    )
    .await
    .map_err(fail)?;
    match grant_type {
        Some("authorization_code") => {
            let code =
                one("code")?.ok_or_else(|| fail(TokenError::InvalidRequest("code is missing".into())))?;
            let redemption = tokens::Redemption {
                code,
                redirect_uri: one("redirect_uri")?,
                code_verifier: one("code_verifier")?,
            };
            tokens::redeem_code(&state.db, &state.keys, &state.pepper, &app, redemption, now)
                .await
                .map_err(fail)
        }
        Some("refresh_token") => {
            let refresh = one("refresh_token")?
                .ok_or_else(|| fail(TokenError::InvalidRequest("refresh_token is missing".into())))?;
            tokens::refresh(
                &state.db,
                &state.keys,
                &state.pepper,
                &app,
                refresh,
                one("scope")?,
                now,
            )
            .await
            .map_err(fail)
        }
        None => Err(fail(TokenError::InvalidRequest("grant_type is missing".into()))),
        Some(_) => Err(fail(TokenError::UnsupportedGrantType(
            "grant_type must be authorization_code or refresh_token".into(),
        ))),
    }
}

/// An RFC 6749 §5.2 error: 400, or 401 for `invalid_client` (with
/// `WWW-Authenticate` when the client used HTTP Basic), 500 when the server
/// failed (logged here, never described).
pub fn error_response(err: &TokenError, basic: bool) -> Response {
    let status = match err {
        TokenError::InvalidClient(_) => StatusCode::UNAUTHORIZED,
        TokenError::Service(cause) => {
            tracing::error!(target: "keyward::oauth", error = %cause, "token request failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
        _ => StatusCode::BAD_REQUEST,
    };
    let mut response = error_answer(status, err.code(), err.description());
    if basic && status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"keyward\""),
        );
    }
    response
}

/// An RFC 6749 §5.2 error body with `status`, never cached.
pub fn error_answer(status: StatusCode, error: &str, error_description: &str) -> Response {
    let answer = ErrorAnswer {
        error,
        error_description,
    };
    no_store(status, axum::Json(answer).into_response())
}

/// Token answers are never cached (RFC 6749 §5.1).
fn no_store(status: StatusCode, mut response: Response) -> Response {
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}
