//! `GET /v1/agents`: the people leads can be assigned to.
use axum::extract::State;
use axum::Json;

use super::auth::{scope, Authorized};
use super::error::{ApiError, ErrorResponse};
use crate::models::crm::AgentList;
use crate::server::services::agents;
use crate::server::services::records::Reach;
use crate::server::state::AppState;

/// The agency's users in the key's reach (a workspace key: the workspace's
/// members and the super managers), by name.
#[utoipa::path(operation_id = "listAgents", get, path = "/v1/agents", tag = "Agents",
    responses(
        (status = 200, description = "Everyone in reach", body = AgentList),
        (status = 401, description = "Invalid or expired token", body = ErrorResponse),
        (status = 403, description = "The key lacks read:agents", body = ErrorResponse),
        (status = 429, description = "Over the key's rate limit", body = ErrorResponse),
    ),
    security(("bearer" = []), ("api_key" = [], "api_secret" = [])))]
pub async fn list(
    State(state): State<AppState>,
    key: Authorized<scope::ReadAgents>,
) -> Result<Json<AgentList>, ApiError> {
    let data = agents::list(&state.db, &Reach::of_key(&key)).await?;
    Ok(Json(AgentList { data }))
}
