//! Indexes for the Audit log page at tens of thousands of events (issue
//! 12): newest first with the id as tie-breaker, per action, and on
//! PostgreSQL a trigram index for its search (as the key table has). The
//! first replaces `(agency_id, created_at)`, which left the id to a sort.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

use crate::index;

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(
                "ix_audit_events_agency_created_id",
                AuditEvents::Table,
                &["agency_id", "created_at", "id"],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_audit_events_agency_action",
                AuditEvents::Table,
                &["agency_id", "action", "created_at", "id"],
            ))
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_audit_events_agency_created")
                    .table(AuditEvents::Table)
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    r#"DO $$
                    BEGIN
                        CREATE EXTENSION IF NOT EXISTS pg_trgm;
                        CREATE INDEX IF NOT EXISTS ix_audit_events_search_trigrams ON audit_events USING gin (search_folded gin_trgm_ops);
                    EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
                        RAISE NOTICE 'pg_trgm is not available: audit log search scans instead of using an index';
                    END $$;"#,
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP INDEX IF EXISTS ix_audit_events_search_trigrams")
                .await?;
        }
        manager
            .create_index(index(
                "ix_audit_events_agency_created",
                AuditEvents::Table,
                &["agency_id", "created_at"],
            ))
            .await?;
        for name in [
            "ix_audit_events_agency_action",
            "ix_audit_events_agency_created_id",
        ] {
            manager
                .drop_index(Index::drop().name(name).table(AuditEvents::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}
