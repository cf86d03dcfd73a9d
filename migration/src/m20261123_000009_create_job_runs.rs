//! Claims of scheduled work: one row per job and slot (an agency's weekly
//! sandbox reset at a given hour, say). The primary key is what makes a job
//! that runs twice, or on two instances at once, do its work once: the
//! runner whose insert succeeds does it, the others skip.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{string_len, timestamp_with_time_zone};

#[derive(DeriveIden)]
enum JobRuns {
    Table,
    Job,
    Slot,
    RanAt,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(JobRuns::Table)
                    .col(string_len(JobRuns::Job, 40))
                    .col(string_len(JobRuns::Slot, 200))
                    .col(timestamp_with_time_zone(JobRuns::RanAt))
                    .primary_key(Index::create().col(JobRuns::Job).col(JobRuns::Slot))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(JobRuns::Table).to_owned())
            .await
    }
}
