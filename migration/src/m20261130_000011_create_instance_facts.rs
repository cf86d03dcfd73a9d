//! Facts about the deployment that every instance must agree on, by name:
//! today the fingerprint of the pepper the keys were made with.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::string_len;

#[derive(DeriveIden)]
enum InstanceFacts {
    Table,
    Name,
    Value,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InstanceFacts::Table)
                    .col(string_len(InstanceFacts::Name, 40).primary_key())
                    .col(string_len(InstanceFacts::Value, 200))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(InstanceFacts::Table).to_owned())
            .await
    }
}
