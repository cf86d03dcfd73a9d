//! The `data` of the key events (`key.created`, `key.revoked`,
//! `key.expiring`, `key.inactive_warning`, `key.auto_deleted`): what names
//! the key, never its secret.
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use serde::Serialize;

use super::outbox::{self, Scope};
use crate::domain::environment::Environment;
use crate::domain::webhook_event::EventType;
use crate::entities::api_key;

/// A key, as its events describe it.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct KeyEventData {
    /// 12 base62 characters.
    pub id: String,
    /// `kw_live_{id}` or `kw_test_{id}`: the key's public half.
    pub public_key: String,
    pub name: String,
    pub environment: Environment,
    /// `null`: agency-wide.
    pub workspace_id: Option<i64>,
    /// Space-separated scope names.
    pub scopes: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// `key.inactive_warning`: when the key will be deleted if still unused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletes_at: Option<DateTime<Utc>>,
}

impl KeyEventData {
    pub fn of(key: &api_key::Model) -> Self {
        Self {
            id: key.id.clone(),
            public_key: key.environment.public_key(&key.id),
            name: key.name.clone(),
            environment: key.environment,
            workspace_id: key.workspace_id,
            scopes: key.scopes.clone(),
            created_at: key.created_at,
            expires_at: key.expires_at,
            revoked_at: key.revoked_at,
            last_used_at: key.last_used_at,
            deletes_at: None,
        }
    }
}

/// Writes a key event to the outbox through `db` (the change's transaction):
/// heard by agency-wide endpoints, and by those of the key's workspace.
pub async fn announce_key(
    db: &impl ConnectionTrait,
    key: &api_key::Model,
    event: EventType,
    data: &KeyEventData,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    outbox::emit(db, scope_of(key), event, data, now)
        .await
        .map(|_| ())
}

/// Where a key's events are heard.
fn scope_of(key: &api_key::Model) -> Scope {
    Scope {
        agency_id: key.agency_id,
        workspace_id: key.workspace_id,
        environment: key.environment,
    }
}

/// [`announce_key`] for what a job may find twice: written once per `once`.
pub async fn announce_key_once(
    db: &impl ConnectionTrait,
    key: &api_key::Model,
    event: EventType,
    data: &KeyEventData,
    once: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let scope = Scope {
        agency_id: key.agency_id,
        workspace_id: key.workspace_id,
        environment: key.environment,
    };
    outbox::emit_once(db, scope, event, data, once, now)
        .await
        .map(|_| ())
}
