//! `search_folded` on keys, leads, properties and audit events: their
//! searchable text folded by Rust (see [`crate::fold_for_search`]), so a
//! search for "émile" finds "Émile Portal" on both engines. Existing rows
//! are filled here; on PostgreSQL the key name's trigram index moves to it.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};

/// Each table with the columns folded into its search text, in order.
const TABLES: [(&str, &str, &[&str]); 4] = [
    ("api_keys", "id", &["name"]),
    (
        "leads",
        "id",
        &["first_name || ' ' || last_name", "email", "phone", "source"],
    ),
    ("properties", "id", &["title", "address", "city", "external_id"]),
    (
        "audit_events",
        "id",
        &["COALESCE(key_name, '')", "actor_label", "action", "details"],
    ),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, _, _) in TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(
                            ColumnDef::new(Alias::new("search_folded"))
                                .text()
                                .not_null()
                                .default(""),
                        )
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let txn = db.begin().await?;
        for (table, id, columns) in TABLES {
            let select = format!(
                "SELECT CAST({id} AS TEXT) AS id, {} FROM {table}",
                columns
                    .iter()
                    .enumerate()
                    .map(|(n, c)| format!("CAST({c} AS TEXT) AS c{n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let rows = txn.query_all(Statement::from_string(backend, select)).await?;
            let update = match backend {
                DbBackend::Postgres => {
                    format!("UPDATE {table} SET search_folded = $1 WHERE CAST({id} AS TEXT) = $2")
                }
                _ => format!("UPDATE {table} SET search_folded = ? WHERE CAST({id} AS TEXT) = ?"),
            };
            for row in rows {
                let row_id: String = row.try_get("", "id")?;
                let parts = (0..columns.len())
                    .map(|n| {
                        row.try_get::<Option<String>>("", &format!("c{n}"))
                            .map(Option::unwrap_or_default)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
                txn.execute(Statement::from_sql_and_values(
                    backend,
                    &update,
                    [crate::fold_for_search(&parts).into(), row_id.into()],
                ))
                .await?;
            }
        }
        txn.commit().await?;
        if backend == DbBackend::Postgres {
            db.execute_unprepared(
                r#"DO $$
                BEGIN
                    CREATE EXTENSION IF NOT EXISTS pg_trgm;
                    CREATE INDEX IF NOT EXISTS ix_api_keys_search_trigrams ON api_keys USING gin (search_folded gin_trgm_ops);
                    DROP INDEX IF EXISTS ix_api_keys_name_trigrams;
                EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
                    RAISE NOTICE 'pg_trgm is not available: key search scans instead of using an index';
                END $$;"#,
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, _, _) in TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Alias::new("search_folded"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
