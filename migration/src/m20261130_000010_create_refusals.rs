//! Requests a key made and was refused, per key, UTC day and reason
//! (`scope`, `forbidden`, `ip`, `rate_limit`): they are not uses (they do not
//! count as usage nor reset the inactivity clock), but integrators debug with
//! them, so the key's page shows them beside its usage.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, date, string_len};

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ApiKeyRefusalsDaily {
    Table,
    KeyId,
    Day,
    Reason,
    Requests,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiKeyRefusalsDaily::Table)
                    .col(string_len(ApiKeyRefusalsDaily::KeyId, 12))
                    .col(date(ApiKeyRefusalsDaily::Day))
                    .col(string_len(ApiKeyRefusalsDaily::Reason, 16))
                    .col(big_integer(ApiKeyRefusalsDaily::Requests).default(0))
                    .primary_key(
                        Index::create()
                            .col(ApiKeyRefusalsDaily::KeyId)
                            .col(ApiKeyRefusalsDaily::Day)
                            .col(ApiKeyRefusalsDaily::Reason),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_refusals_daily_key")
                            .from(ApiKeyRefusalsDaily::Table, ApiKeyRefusalsDaily::KeyId)
                            .to(ApiKeys::Table, ApiKeys::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiKeyRefusalsDaily::Table).to_owned())
            .await
    }
}
