//! The key table's search on SQLite (issue 12): its matches' ids are read
//! in one pass over `(agency_id, search_folded, id)`, an index that covers
//! the pass, so a rare match no longer reads every key of the agency.
//! PostgreSQL searches through its trigram index (migration 13) and cannot
//! take a btree on the folded text: an entry has a size limit.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::index;

const NAME: &str = "ix_api_keys_agency_search";

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            manager
                .create_index(index(NAME, ApiKeys::Table, &["agency_id", "search_folded", "id"]))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            manager
                .drop_index(Index::drop().name(NAME).table(ApiKeys::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}
