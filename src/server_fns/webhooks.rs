//! Server functions of Developer Settings › Webhooks: the endpoints, the
//! create form's choices, one endpoint with its delivery log, and what a
//! form post left for the page it renders (a secret shown once, a test
//! event's result). Every change is a form post (`crate::server::webhook_forms`).
use leptos::prelude::*;

use crate::models::webhook_pages::{
    EndpointPage, EndpointRow, LogQuery, WebhookChoices, WebhookList, WebhookOutcome,
};
use crate::models::AppError;

#[cfg(feature = "ssr")]
use super::backend;

/// The endpoints the viewer manages, newest first (403 for people who
/// manage none).
#[server(endpoint = "list_webhook_endpoints")]
pub async fn list_webhook_endpoints() -> Result<WebhookList, AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            Ok(crate::server::services::webhook_pages::list(&state.db, &caller, chrono::Utc::now()).await?)
        }
        .await,
    )
}

/// Where the viewer may put a new endpoint (403 for people who manage none).
#[server(endpoint = "get_webhook_choices")]
pub async fn get_webhook_choices() -> Result<WebhookChoices, AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            Ok(crate::server::services::webhook_pages::choices(&state.db, &caller).await?)
        }
        .await,
    )
}

/// One endpoint and a page of its delivery log (404 out of the viewer's reach).
#[server(endpoint = "get_webhook_endpoint")]
pub async fn get_webhook_endpoint(id: String, query: LogQuery) -> Result<EndpointPage, AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            Ok(crate::server::services::webhook_pages::endpoint(
                &state.db,
                &caller,
                &id,
                query,
                chrono::Utc::now(),
            )
            .await?)
        }
        .await,
    )
}

/// One endpoint, for its edit form and confirmations (404 out of reach).
#[server(endpoint = "get_webhook")]
pub async fn get_webhook(id: String) -> Result<EndpointRow, AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            Ok(
                crate::server::services::webhook_pages::one(&state.db, &caller, &id, chrono::Utc::now())
                    .await?,
            )
        }
        .await,
    )
}

/// What the form post that renders this page did; `None` on every other view.
#[server]
pub async fn get_webhook_outcome() -> Result<Option<WebhookOutcome>, AppError> {
    let outcome = crate::server::request::extension::<WebhookOutcome>();
    if outcome.is_some() {
        backend::no_store();
    }
    Ok(outcome)
}
