//! Key changes announced between processes sharing one SQLite file (the
//! command line, jobs, other servers): each server polls for rows newer
//! than the last it saw and drops those keys from its cache. Rows older
//! than an hour are pruned. Unused on PostgreSQL (LISTEN/NOTIFY).
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{string_len, timestamp_with_time_zone};

use crate::big_pk_auto;

#[derive(DeriveIden)]
enum KeyChanges {
    Table,
    Seq,
    KeyId,
    ChangedAt,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(KeyChanges::Table)
                    .col(big_pk_auto(KeyChanges::Seq))
                    .col(string_len(KeyChanges::KeyId, 12))
                    .col(timestamp_with_time_zone(KeyChanges::ChangedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_key_changes_changed_at")
                    .table(KeyChanges::Table)
                    .col(KeyChanges::ChangedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(KeyChanges::Table).to_owned())
            .await
    }
}
