//! Counting a bucket's active keys (the key limit, checked on every create
//! and shown on every Developer Settings page) from the index alone.
use sea_orm_migration::prelude::*;

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "ix_api_keys_agency_bucket_active";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let cols = &["agency_id", "workspace_id", "revoked_at", "expires_at"];
        manager
            .create_index(index(NAME, Alias::new("api_keys"), cols))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NAME).table(Alias::new("api_keys")).to_owned())
            .await
    }
}
