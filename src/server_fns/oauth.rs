//! Server functions of the OAuth pages: the consent page's content, the
//! OAuth apps table and an app's page, Authorized apps, and what a form
//! post left for the page it renders (a secret revealed once).
use leptos::prelude::*;

use crate::models::oauth::{AppDetail, AppRow, AuthorizedApps, ConsentView, RegisteredApp};
use crate::models::AppError;

#[cfg(feature = "ssr")]
use super::backend;

/// The consent page's content, which `/oauth/authorize` put on the request
/// it renders; `None` when the page was opened directly.
#[server]
pub async fn get_consent_view() -> Result<Option<ConsentView>, AppError> {
    Ok(crate::server::request::extension::<ConsentView>())
}

/// The agency's OAuth apps, newest first (super managers; 403 otherwise).
#[server(endpoint = "list_oauth_apps")]
pub async fn list_oauth_apps() -> Result<Vec<AppRow>, AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            Ok(crate::server::services::oauth::listing::apps(&state.db, &caller).await?)
        }
        .await,
    )
}

/// One app and the people who authorized it (super managers; 404 for
/// another agency's app).
#[server(endpoint = "get_oauth_app")]
pub async fn get_oauth_app(client_id: String) -> Result<AppDetail, AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            let now = chrono::Utc::now();
            Ok(crate::server::services::oauth::listing::app(&state.db, &caller, &client_id, now).await?)
        }
        .await,
    )
}

/// The viewer's grants and, for super managers, everyone's in the agency.
#[server(endpoint = "get_authorized_apps")]
pub async fn get_authorized_apps() -> Result<AuthorizedApps, AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            let now = chrono::Utc::now();
            Ok(crate::server::services::oauth::listing::authorized_apps(&state.db, &caller, now).await?)
        }
        .await,
    )
}

/// The client secret a form post just issued (registration or roll), put
/// on the page it renders; `None` on every other view.
#[server]
pub async fn get_revealed_secret() -> Result<Option<RegisteredApp>, AppError> {
    let revealed = crate::server::request::extension::<RegisteredApp>();
    if revealed.is_some() {
        backend::no_store();
    }
    Ok(revealed)
}

/// A fresh id for a registration form: the app's id to be, so the same
/// form sent twice registers one app. Super managers only (403): the form
/// is theirs.
#[server]
pub async fn new_app_form_id() -> Result<String, AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            Ok(crate::server::services::oauth::apps::new_form_id(&caller)?)
        }
        .await,
    )
}
