//! What every server function needs on the server: the state, the
//! signed-in caller, and an HTTP status for a refusal.
use crate::models::{AppError, CurrentUser};
use crate::server::services::keys::{caller_for, Caller};
use crate::server::state::AppState;
use leptos::prelude::use_context;

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or(AppError::Internal)
}

/// The signed-in user, or 401.
pub fn user() -> Result<CurrentUser, AppError> {
    crate::server::request::extension::<CurrentUser>().ok_or(AppError::Unauthenticated)
}

/// The signed-in caller, or 401.
pub async fn caller(state: &AppState) -> Result<Caller, AppError> {
    let user = user()?;
    caller_for(&state.db, &user, crate::server::request::client_ip())
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "loading the caller failed");
            AppError::Internal
        })
}

/// Gives a refused call its HTTP status (the body is the error itself).
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    use axum::http::StatusCode;
    if let Err(err) = &result {
        let status = match err {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Internal | AppError::Transport(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        crate::server::request::set_status(status);
    }
    result
}

pub fn internal(err: sea_orm::DbErr) -> AppError {
    tracing::error!(error = %err, "dashboard query failed");
    AppError::Internal
}

/// Marks the answer uncacheable: it carries a secret.
pub fn no_store() {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
    }
}
