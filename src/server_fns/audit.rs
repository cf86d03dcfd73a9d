//! Server functions of a key's own page and of the Audit log page.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::models::audit::{AuditPage, AuditQuery, KeyDetail};
use crate::models::AppError;

#[cfg(feature = "ssr")]
use super::backend;

/// Everything a key's page shows; not found unless the viewer may see the key.
#[server(endpoint = "get_key_detail")]
pub async fn get_key_detail(id: String) -> Result<KeyDetail, AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            Ok(
                crate::server::services::audit_log::key_detail(&state.db, &caller, &id, chrono::Utc::now())
                    .await?,
            )
        }
        .await,
    )
}

/// One page of the audit log as `query` asks.
#[server(input = Json, endpoint = "list_audit_events")]
pub async fn list_audit_events(query: AuditQuery) -> Result<AuditPage, AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            crate::server::services::audit_log::list(&state.db, &caller, query)
                .await
                .map_err(backend::internal)
        }
        .await,
    )
}
