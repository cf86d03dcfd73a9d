//! The key that created a key through `/v1/keys` (its acting user is
//! `created_by_user_id`): the dashboard names both.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::string_len_null;

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    CreatedByKeyId,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ApiKeys::Table)
                    .add_column(string_len_null(ApiKeys::CreatedByKeyId, 12))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ApiKeys::Table)
                    .drop_column(ApiKeys::CreatedByKeyId)
                    .to_owned(),
            )
            .await
    }
}
