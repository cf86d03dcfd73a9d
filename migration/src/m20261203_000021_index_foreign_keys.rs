//! An index leading with each foreign key's column, so that deleting a
//! parent row finds its children (to cascade, or to refuse) without reading
//! the whole child table. tests/api/schema.rs checks every foreign key.
//!
//! - `webhook_deliveries`: the unique index on (endpoint, message) becomes
//!   (message, endpoint). The 30-day prune deletes old messages and each
//!   cascaded to its deliveries by `message_id`, which no index led with:
//!   one full read of the deliveries table per pruned message.
//! - `api_keys(act_as_user_id)`: the keys acting as a person (issue 16).
//! - `oauth_codes(grant_id)`, `oauth_grants(workspace_id)`,
//!   `webhook_endpoints(workspace_id)`.
//!
//! Foreign keys to `agencies` need none: no agency is ever deleted.
use sea_orm_migration::prelude::*;

use crate::index;

const OLD_UNIQUE: &str = "ux_webhook_deliveries_endpoint_message";
const NEW_UNIQUE: &str = "ux_webhook_deliveries_message_endpoint";

/// (index, table, column) for the plain indexes added.
const ADDED: [(&str, &str, &str); 4] = [
    ("ix_api_keys_act_as_user", "api_keys", "act_as_user_id"),
    ("ix_oauth_codes_grant", "oauth_codes", "grant_id"),
    ("ix_oauth_grants_workspace", "oauth_grants", "workspace_id"),
    (
        "ix_webhook_endpoints_workspace",
        "webhook_endpoints",
        "workspace_id",
    ),
];

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn swap(
    manager: &SchemaManager<'_>,
    drop: &str,
    create: &str,
    cols: &[&'static str],
) -> Result<(), DbErr> {
    manager
        .create_index(index(create, WebhookDeliveries::Table, cols).unique().to_owned())
        .await?;
    manager
        .drop_index(
            Index::drop()
                .name(drop)
                .table(WebhookDeliveries::Table)
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        swap(manager, OLD_UNIQUE, NEW_UNIQUE, &["message_id", "endpoint_id"]).await?;
        for (name, table, column) in ADDED {
            manager
                .create_index(index(name, Alias::new(table), &[column]))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in ADDED {
            manager
                .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        swap(manager, NEW_UNIQUE, OLD_UNIQUE, &["endpoint_id", "message_id"]).await
    }
}
