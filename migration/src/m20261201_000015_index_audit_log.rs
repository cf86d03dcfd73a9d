//! Indexes for the Audit log page and a key's trail at tens of thousands of
//! events (issue 12): newest first with the id as tie-breaker, per action,
//! per key within the agency, and for the search a trigram index on
//! PostgreSQL (as the key table has) and on SQLite the folded text beside
//! the agency (a covering scan, a third of a table scan's time; PostgreSQL
//! cannot take it: a btree entry has a size limit that a long allowlist
//! change would pass). They replace `(agency_id, created_at)`, which left
//! the id to a sort, and `(key_id, created_at)`, which SQLite stopped
//! choosing for a key's trail once the agency index covered the order.
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
            .create_index(index(
                "ix_audit_events_agency_key",
                AuditEvents::Table,
                &["agency_id", "key_id", "created_at", "id"],
            ))
            .await?;
        for name in ["ix_audit_events_agency_created", "ix_audit_events_key_created"] {
            manager
                .drop_index(Index::drop().name(name).table(AuditEvents::Table).to_owned())
                .await?;
        }
        if manager.get_database_backend() == DbBackend::Sqlite {
            manager
                .create_index(index(
                    "ix_audit_events_agency_search",
                    AuditEvents::Table,
                    &["agency_id", "search_folded"],
                ))
                .await?;
        }
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
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                manager
                    .get_connection()
                    .execute_unprepared("DROP INDEX IF EXISTS ix_audit_events_search_trigrams")
                    .await?;
            }
            _ => {
                manager
                    .drop_index(
                        Index::drop()
                            .name("ix_audit_events_agency_search")
                            .table(AuditEvents::Table)
                            .to_owned(),
                    )
                    .await?;
            }
        }
        for (name, columns) in [
            ("ix_audit_events_agency_created", ["agency_id", "created_at"]),
            ("ix_audit_events_key_created", ["key_id", "created_at"]),
        ] {
            manager
                .create_index(index(name, AuditEvents::Table, &columns))
                .await?;
        }
        for name in [
            "ix_audit_events_agency_key",
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
