//! The key table at 10,000 keys (measured in BENCHMARKS.md):
//! - the active-key counts (the limit, checked on every create and shown on
//!   every Developer Settings page) read a partial index of the unrevoked
//!   keys only, instead of every revoked key too;
//! - sorting by status ranks keys from an index holding just the status
//!   columns and the id, and reads whole rows only for the page shown;
//! - on PostgreSQL, searching by name uses a trigram index (`pg_trgm`) when
//!   the role may create that extension; without it search still works by
//!   scanning, and the server says nothing more about it. The index is
//!   updated in place (`fastupdate = off`): with GIN's pending list, every
//!   revoke (a new row version) queued entries that each search then read
//!   one by one until the next vacuum — 10 ms a search after 10,000 changes.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

const OLD_BUCKETS: &str = "ix_api_keys_agency_bucket_active";
const BUCKETS: &str = "ix_api_keys_unrevoked_bucket";
const STATUS: &str = "ix_api_keys_agency_status";
const TRIGRAMS: &str = "ix_api_keys_name_trigrams";

fn api_keys() -> Alias {
    Alias::new("api_keys")
}

/// Creates `pg_trgm` and the trigram index if this role may; a refusal
/// (`insufficient_privilege`, or the extension not installed) leaves search
/// on a scan. One statement, so a refusal cannot abort the migration.
const TRIGRAM_INDEX: &str = r#"
DO $$
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
        RAISE NOTICE 'pg_trgm is not available: key search scans instead of using an index';
        RETURN;
    END;
    CREATE INDEX IF NOT EXISTS ix_api_keys_name_trigrams ON api_keys USING gin (LOWER(name) gin_trgm_ops)
        WITH (fastupdate = off);
END
$$;
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(OLD_BUCKETS).table(api_keys()).to_owned())
            .await?;
        let mut buckets = index(BUCKETS, api_keys(), &["agency_id", "workspace_id", "expires_at"]);
        buckets.and_where(Expr::col(Alias::new("revoked_at")).is_null());
        manager.create_index(buckets).await?;
        let status = index(
            STATUS,
            api_keys(),
            &["agency_id", "revoked_at", "expires_at", "id"],
        );
        manager.create_index(status).await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager.get_connection().execute_unprepared(TRIGRAM_INDEX).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(&format!("DROP INDEX IF EXISTS {TRIGRAMS}"))
                .await?;
        }
        for name in [STATUS, BUCKETS] {
            manager
                .drop_index(Index::drop().name(name).table(api_keys()).to_owned())
                .await?;
        }
        let old = index(
            OLD_BUCKETS,
            api_keys(),
            &["agency_id", "workspace_id", "revoked_at", "expires_at"],
        );
        manager.create_index(old).await
    }
}
