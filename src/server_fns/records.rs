//! Server functions of the Leads and Properties pages.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use super::backend;
use crate::models::records::{LeadRow, PropertyRow, RecordPage, RecordQuery};
use crate::models::AppError;

/// One page of the leads the viewer may see, live or test.
#[server(input = Json, endpoint = "list_leads")]
pub async fn list_leads(query: RecordQuery) -> Result<RecordPage<LeadRow>, AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            crate::server::services::record_pages::leads(&state.db, &caller, &query)
                .await
                .map_err(backend::internal)
        }
        .await,
    )
}

/// One page of the listings the viewer may see, live or test.
#[server(input = Json, endpoint = "list_properties")]
pub async fn list_properties(query: RecordQuery) -> Result<RecordPage<PropertyRow>, AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            crate::server::services::record_pages::properties(&state.db, &caller, &query)
                .await
                .map_err(backend::internal)
        }
        .await,
    )
}

/// The `/v1` reference for the dashboard, from the OpenAPI document, with
/// examples against this server.
#[server(endpoint = "get_api_reference")]
pub async fn get_api_reference() -> Result<crate::models::reference::ApiReference, AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            backend::caller(&state).await?;
            Ok(crate::api::docs::reference(&crate::server::request::base_url()))
        }
        .await,
    )
}
