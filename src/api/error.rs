//! Every `/v1` failure as docs/architecture.md spells it:
//! `{"error":{"code":"…","message":"…"}}` with the matching status, plus
//! `details` where a client can act on them (the missing scope, the fields
//! that failed validation). Internal details never leave the server.
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use crate::domain::refusal::RefusalReason;
use crate::domain::scopes::Scope;
use crate::models::FieldIssue;
use crate::server::key_cache::Suspension;

/// Why a `/v1` request failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No credentials: the challenge carries no error (RFC 6750 §3.1).
    MissingCredentials,
    /// Malformed, bad checksum, unknown, wrong secret, revoked, expired or
    /// of another environment: one answer, so nothing leaks about which.
    InvalidCredentials,
    /// A proven, live credential refused all the same: its acting person is
    /// disabled or its workspace archived. Told only to whoever holds the
    /// secret, so it names the reason.
    Suspended(Suspension),
    MissingScope(Scope),
    Forbidden(String),
    NotFound,
    MethodNotAllowed,
    Conflict(String),
    BadJson(String),
    UnsupportedMediaType,
    PayloadTooLarge,
    Validation(Vec<FieldIssue>),
    RateLimited {
        retry_after_secs: u64,
    },
    /// The key's IP allowlist does not hold the client's address, or the
    /// address is unknown (`None`: a malformed `X-Forwarded-For` hop).
    IpNotAllowed(Option<std::net::IpAddr>),
    Internal,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::MissingCredentials | ApiError::InvalidCredentials | ApiError::Suspended(_) => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::MissingScope(_) | ApiError::Forbidden(_) | ApiError::IpNotAllowed(_) => {
                StatusCode::FORBIDDEN
            }
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::BadJson(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::MissingCredentials | ApiError::InvalidCredentials | ApiError::Suspended(_) => {
                "UNAUTHORIZED"
            }
            ApiError::MissingScope(_) | ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::NotFound => "NOT_FOUND",
            ApiError::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            ApiError::Conflict(_) => "CONFLICT",
            ApiError::BadJson(_) => "BAD_REQUEST",
            ApiError::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            ApiError::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ApiError::Validation(_) => "VALIDATION_ERROR",
            ApiError::RateLimited { .. } => "RATE_LIMITED",
            ApiError::IpNotAllowed(_) => "IP_NOT_ALLOWED",
            ApiError::Internal => "INTERNAL",
        }
    }

    pub fn message(&self) -> String {
        match self {
            ApiError::MissingCredentials | ApiError::InvalidCredentials => "Invalid or expired token".into(),
            ApiError::Suspended(Suspension::ActingUserDisabled) => {
                "Acting user disabled: the person this credential acts as can no longer sign in. \
                 A super manager can reassign the key to someone active (Admin › Team) or revoke it"
                    .into()
            }
            ApiError::Suspended(Suspension::WorkspaceArchived) => {
                "Workspace archived: this credential's workspace no longer takes requests".into()
            }
            ApiError::MissingScope(scope) => {
                format!("Insufficient permissions: this key lacks the scope {scope}")
            }
            ApiError::Forbidden(why) => format!("Insufficient permissions: {why}"),
            ApiError::NotFound => "Not found".into(),
            ApiError::MethodNotAllowed => "Method not allowed on this path".into(),
            ApiError::Conflict(why) => why.clone(),
            ApiError::BadJson(why) => format!("The body is not valid JSON for this request: {why}"),
            ApiError::UnsupportedMediaType => {
                "Send the body as JSON with Content-Type: application/json".into()
            }
            ApiError::PayloadTooLarge => format!("The body is larger than {} kB", super::BODY_LIMIT / 1024),
            ApiError::Validation(_) => "Some fields are invalid".into(),
            ApiError::RateLimited { retry_after_secs } => {
                format!("Too many requests for this key: retry after {retry_after_secs} s")
            }
            ApiError::IpNotAllowed(Some(ip)) => {
                format!("This key may not be used from {ip}: the key's IP allowlist does not include it")
            }
            ApiError::IpNotAllowed(None) => {
                "This key has an IP allowlist and the client's address is unknown \
                 (a malformed X-Forwarded-For hop)"
                    .into()
            }
            ApiError::Internal => "Something went wrong on our side; it has been logged".into(),
        }
    }

    /// Logs a failure of ours (with the request id the client sees) and
    /// turns it into the opaque 500.
    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(target: "keyward::api", error = %err, "request failed");
        ApiError::Internal
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldIssue {
            field: field.into(),
            message: message.into(),
        }])
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        ApiError::internal(err)
    }
}

/// Every error body, as the OpenAPI document describes it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ErrorResponse {
    error: ErrorDetail,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ErrorDetail {
    /// `UNAUTHORIZED`, `FORBIDDEN`, `NOT_FOUND`, `METHOD_NOT_ALLOWED`,
    /// `CONFLICT`, `BAD_REQUEST`, `UNSUPPORTED_MEDIA_TYPE`,
    /// `PAYLOAD_TOO_LARGE`, `VALIDATION_ERROR`, `RATE_LIMITED`, `IP_NOT_ALLOWED` or `INTERNAL`.
    #[schema(example = "VALIDATION_ERROR")]
    code: String,
    /// For people: what went wrong and what to do.
    message: String,
    /// `{"required_scope": "…"}` for a missing scope; for validation, a list
    /// of `{"field": "…", "message": "…"}`.
    #[schema(nullable = false)]
    details: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<serde_json::Value>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let details = match &self {
            ApiError::MissingScope(scope) => Some(json!({ "required_scope": scope.as_str() })),
            ApiError::Validation(issues) => Some(json!(issues
                .iter()
                .map(|i| json!({ "field": i.field, "message": i.message }))
                .collect::<Vec<_>>())),
            _ => None,
        };
        let body = Body {
            error: ErrorBody {
                code: self.code(),
                message: self.message(),
                details,
            },
        };
        let mut response = (self.status(), axum::Json(body)).into_response();
        let headers = response.headers_mut();
        match self {
            ApiError::MissingCredentials => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(r#"Bearer realm="keyward""#),
                );
            }
            ApiError::InvalidCredentials | ApiError::Suspended(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(r#"Bearer realm="keyward", error="invalid_token""#),
                );
            }
            ApiError::RateLimited { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            _ => {}
        }
        // Tells the authentication layer that a handler refused the key:
        // the request is counted as a refusal, not a use.
        let refusal = match self {
            ApiError::MissingScope(_) => Some(RefusalReason::Scope),
            ApiError::Forbidden(_) => Some(RefusalReason::Forbidden),
            _ => None,
        };
        if let Some(reason) = refusal {
            response.extensions_mut().insert(reason);
        }
        response
    }
}
