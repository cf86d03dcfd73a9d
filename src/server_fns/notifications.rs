//! Server functions of the notification center: the unread count for the
//! header, a page of notices, and marking them read.
use leptos::prelude::*;

use crate::models::notifications::NotificationPage;
use crate::models::AppError;

#[cfg(feature = "ssr")]
use super::backend;

/// How many of the signed-in user's notices are unread.
#[server(endpoint = "unread_notifications")]
pub async fn unread_notifications() -> Result<u64, AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let user = backend::user()?;
            crate::server::services::notifications::unread_count(&state.db, &user)
                .await
                .map_err(backend::internal)
        }
        .await,
    )
}

/// One page of the signed-in user's notices, newest first.
#[server(endpoint = "get_notifications")]
pub async fn get_notifications(page: crate::models::query::PageNumber) -> Result<NotificationPage, AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let user = backend::user()?;
            crate::server::services::notifications::page(&state.db, &user, page.get())
                .await
                .map_err(backend::internal)
        }
        .await,
    )
}

/// Marks one notice read; another user's notice is not found.
#[server(endpoint = "mark_notification_read")]
pub async fn mark_notification_read(id: String) -> Result<(), AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let user = backend::user()?;
            let id = id.trim().parse::<i64>().map_err(|_| AppError::NotFound)?;
            let found =
                crate::server::services::notifications::mark_read(&state.db, &user, id, chrono::Utc::now())
                    .await
                    .map_err(backend::internal)?;
            found.then_some(()).ok_or(AppError::NotFound)
        }
        .await,
    )
}

/// Marks every notice of the signed-in user read.
#[server(endpoint = "mark_all_notifications_read")]
pub async fn mark_all_notifications_read() -> Result<(), AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let user = backend::user()?;
            crate::server::services::notifications::mark_all_read(&state.db, &user, chrono::Utc::now())
                .await
                .map_err(backend::internal)?;
            Ok(())
        }
        .await,
    )
}
