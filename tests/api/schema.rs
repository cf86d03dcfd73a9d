//! The schema as the migrations leave it, checked from the database's own
//! catalog on both engines.
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};

use crate::helpers::*;
use crate::on_both_engines;

/// Each foreign key as (table, its columns in order, the table it refers to).
async fn foreign_keys(db: &DatabaseConnection) -> Vec<(String, Vec<String>, String)> {
    match db.get_database_backend() {
        DatabaseBackend::Sqlite => {
            let mut found = Vec::new();
            for table in sqlite_tables(db).await {
                let rows = rows(db, &format!("SELECT id, seq, \"from\", \"table\" FROM pragma_foreign_key_list('{table}') ORDER BY id, seq")).await;
                let mut keys: Vec<(i64, Vec<String>, String)> = Vec::new();
                for row in rows {
                    let id: i64 = row.try_get("", "id").unwrap();
                    let column: String = row.try_get("", "from").unwrap();
                    let parent: String = row.try_get("", "table").unwrap();
                    match keys.last_mut() {
                        Some((last, columns, _)) if *last == id => columns.push(column),
                        _ => keys.push((id, vec![column], parent)),
                    }
                }
                found.extend(
                    keys.into_iter()
                        .map(|(_, columns, parent)| (table.clone(), columns, parent)),
                );
            }
            found
        }
        _ => {
            let sql = "SELECT c.conrelid::regclass::text AS tbl, \
                       (SELECT string_agg(a.attname, ',' ORDER BY k.ord) \
                          FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) \
                          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS cols, \
                       c.confrelid::regclass::text AS parent \
                       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace \
                       WHERE c.contype = 'f' AND n.nspname = 'public'";
            rows(db, sql)
                .await
                .into_iter()
                .map(|row| {
                    let (table, columns) = pair(&row);
                    (table, columns, row.try_get::<String>("", "parent").unwrap())
                })
                .collect()
        }
    }
}

/// Each index (primary keys included) as (table, its columns in order).
async fn indexes(db: &DatabaseConnection) -> Vec<(String, Vec<String>)> {
    match db.get_database_backend() {
        DatabaseBackend::Sqlite => {
            let mut found = Vec::new();
            for table in sqlite_tables(db).await {
                // An INTEGER PRIMARY KEY is the rowid: indexed, yet in no index list.
                for row in rows(db, &format!("SELECT name FROM pragma_table_info('{table}') WHERE pk = 1 AND upper(type) LIKE 'INT%'")).await {
                    found.push((table.clone(), vec![row.try_get::<String>("", "name").unwrap()]));
                }
                for index in rows(db, &format!("SELECT name FROM pragma_index_list('{table}')")).await {
                    let name: String = index.try_get("", "name").unwrap();
                    let columns = rows(
                        db,
                        &format!("SELECT name FROM pragma_index_info('{name}') ORDER BY seqno"),
                    )
                    .await
                    .into_iter()
                    .map(|row| row.try_get::<String>("", "name").unwrap())
                    .collect();
                    found.push((table.clone(), columns));
                }
            }
            found
        }
        _ => {
            let sql = "SELECT i.indrelid::regclass::text AS tbl, \
                       (SELECT string_agg(a.attname, ',' ORDER BY k.ord) \
                          FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
                          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) AS cols \
                       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid \
                       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'";
            pairs(db, sql).await
        }
    }
}

async fn sqlite_tables(db: &DatabaseConnection) -> Vec<String> {
    rows(
        db,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .await
    .into_iter()
    .map(|row| row.try_get::<String>("", "name").unwrap())
    .collect()
}

async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<sea_orm::QueryResult> {
    db.query_all(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn pairs(db: &DatabaseConnection, sql: &str) -> Vec<(String, Vec<String>)> {
    rows(db, sql).await.iter().map(pair).collect()
}

/// A row's `tbl` and its comma-separated `cols`.
fn pair(row: &sea_orm::QueryResult) -> (String, Vec<String>) {
    let table: String = row.try_get("", "tbl").unwrap();
    let columns: String = row.try_get("", "cols").unwrap();
    (table, columns.split(',').map(str::to_owned).collect())
}

on_both_engines! {
    // Deleting a parent row looks for its children by the foreign key's
    // columns (to cascade, or to refuse): without an index leading with
    // them, every deleted parent reads the whole child table. The hourly
    // webhook prune deleted old messages so, one full read of
    // `webhook_deliveries` per message.
    async fn every_foreign_key_has_an_index_leading_with_its_columns(engine) {
        let app = spawn_app(engine).await;
        let db = &app.server().state.db;
        let keys = foreign_keys(db).await;
        let indexes = indexes(db).await;
        assert!(keys.len() >= 10, "the catalog query finds the foreign keys: {keys:?}");
        let unindexed: Vec<_> = keys
            .iter()
            // No agency is ever deleted: the tenancy root's children need
            // no index for it (their queries have their own).
            .filter(|(_, _, parent)| parent != "agencies")
            .filter(|(table, columns, _)| {
                !indexes.iter().any(|(on, indexed)| {
                    on == table
                        && indexed.len() >= columns.len()
                        && indexed[..columns.len()].iter().all(|c| columns.contains(c))
                })
            })
            .collect();
        assert!(unindexed.is_empty(), "foreign keys no index leads with: {unindexed:?}");
    }
}
