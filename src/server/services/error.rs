//! The one error every service returns, whatever it serves (keys, leads,
//! properties, settings), and its two wire forms: [`AppError`] for server
//! functions and [`ApiError`] for `/v1` — each mapping written once, here.
//! After launchbadge/realworld-axum-sqlx's `src/http/error.rs`: every
//! variant names the status it answers with.
use axum::http::StatusCode;
use sea_orm::DbErr;

use crate::api::error::ApiError;
use crate::models::{AppError, FieldIssue};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// 404: absent, or outside the caller's reach (another agency, workspace
    /// or environment): the same answer for all.
    #[error("not found")]
    NotFound,
    /// 403: within reach, but not the caller's to do; the reason is shown.
    #[error("{0}")]
    Forbidden(String),
    /// 422: fields were refused, each with a message for a person.
    #[error("invalid: {0:?}")]
    Invalid(Vec<FieldIssue>),
    /// 409: the change conflicts with the current state (a limit, a race,
    /// a key already revoked).
    #[error("{0}")]
    Conflict(String),
    /// 500: a stored row that cannot be read back (a value no release
    /// writes). Logged with its detail, never shown.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// 500: something else of ours failed (hashing a password). Logged,
    /// never shown.
    #[error("internal: {0}")]
    Internal(String),
    /// 500: the database failed. Logged, never shown.
    #[error(transparent)]
    Database(#[from] DbErr),
}

impl ServiceError {
    /// A single refused field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        ServiceError::Invalid(vec![FieldIssue {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// The status each wire form answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            ServiceError::NotFound => StatusCode::NOT_FOUND,
            ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
            ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ServiceError::Conflict(_) => StatusCode::CONFLICT,
            ServiceError::Corrupt(_) | ServiceError::Internal(_) | ServiceError::Database(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// Logs an internal failure with its detail (the wire forms drop it).
    fn log_internal(&self) {
        if self.status() == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(target: "keyward::services", error = %self, "request failed");
        }
    }
}

impl From<ServiceError> for AppError {
    fn from(err: ServiceError) -> Self {
        err.log_internal();
        match err {
            ServiceError::NotFound => AppError::NotFound,
            ServiceError::Forbidden(_) => AppError::Forbidden,
            ServiceError::Invalid(issues) => AppError::Invalid(issues),
            ServiceError::Conflict(message) => AppError::Conflict(message),
            ServiceError::Corrupt(_) | ServiceError::Internal(_) | ServiceError::Database(_) => {
                AppError::Internal
            }
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        err.log_internal();
        match err {
            ServiceError::NotFound => ApiError::NotFound,
            ServiceError::Forbidden(why) => ApiError::Forbidden(why),
            ServiceError::Invalid(issues) => ApiError::Validation(issues),
            ServiceError::Conflict(why) => ApiError::Conflict(why),
            ServiceError::Corrupt(_) | ServiceError::Internal(_) | ServiceError::Database(_) => {
                ApiError::Internal
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corrupt_row_is_a_500_on_both_wires_never_a_409() {
        let corrupt = || ServiceError::Corrupt("environment `staging`".into());
        assert_eq!(corrupt().status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(AppError::from(corrupt()), AppError::Internal);
        let api = ApiError::from(corrupt());
        assert_eq!(api.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!api.message().contains("staging"), "the detail stays in the log");
    }

    #[test]
    fn each_variant_keeps_its_status_on_both_wires() {
        for err in [
            ServiceError::NotFound,
            ServiceError::Forbidden("no".into()),
            ServiceError::field("name", "Enter a name"),
            ServiceError::Conflict("already revoked".into()),
            ServiceError::Database(DbErr::Custom("down".into())),
        ] {
            let status = err.status();
            let api = ApiError::from(match &err {
                ServiceError::NotFound => ServiceError::NotFound,
                ServiceError::Forbidden(w) => ServiceError::Forbidden(w.clone()),
                ServiceError::Invalid(i) => ServiceError::Invalid(i.clone()),
                ServiceError::Conflict(w) => ServiceError::Conflict(w.clone()),
                _ => ServiceError::Database(DbErr::Custom("down".into())),
            });
            assert_eq!(api.status(), status, "{err:?}");
        }
    }
}
