//! The keyward schema: one migration per change, applied at start-up.
pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_tenancy;
mod m20261123_000002_create_api_keys;
mod m20261123_000003_create_activity;
mod m20261123_000004_create_crm_data;
mod m20261123_000005_create_sessions;
mod m20261123_000006_index_key_buckets;
mod m20261123_000007_index_key_table;
mod m20261123_000008_create_key_changes;
mod m20261123_000009_create_job_runs;
mod m20261130_000010_create_refusals;
mod m20261130_000011_create_instance_facts;
mod m20261130_000012_add_created_by_key;
mod m20261130_000013_add_search_folded;
mod m20261201_000014_audit_action_spelling;
mod m20261201_000015_index_audit_log;
mod m20261201_000016_index_key_search;
mod m20261201_000017_create_oauth;
mod m20261202_000018_index_oauth_token_parent;
mod m20261202_000019_create_session_tokens;
mod m20261203_000020_create_webhooks;
mod m20261203_000021_index_foreign_keys;
mod m20261203_000022_create_people;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_tenancy::Migration),
            Box::new(m20261123_000002_create_api_keys::Migration),
            Box::new(m20261123_000003_create_activity::Migration),
            Box::new(m20261123_000004_create_crm_data::Migration),
            Box::new(m20261123_000005_create_sessions::Migration),
            Box::new(m20261123_000006_index_key_buckets::Migration),
            Box::new(m20261123_000007_index_key_table::Migration),
            Box::new(m20261123_000008_create_key_changes::Migration),
            Box::new(m20261123_000009_create_job_runs::Migration),
            Box::new(m20261130_000010_create_refusals::Migration),
            Box::new(m20261130_000011_create_instance_facts::Migration),
            Box::new(m20261130_000012_add_created_by_key::Migration),
            Box::new(m20261130_000013_add_search_folded::Migration),
            Box::new(m20261201_000014_audit_action_spelling::Migration),
            Box::new(m20261201_000015_index_audit_log::Migration),
            Box::new(m20261201_000016_index_key_search::Migration),
            Box::new(m20261201_000017_create_oauth::Migration),
            Box::new(m20261202_000018_index_oauth_token_parent::Migration),
            Box::new(m20261202_000019_create_session_tokens::Migration),
            Box::new(m20261203_000020_create_webhooks::Migration),
            Box::new(m20261203_000021_index_foreign_keys::Migration),
            Box::new(m20261203_000022_create_people::Migration),
        ]
    }
}

/// Builds a named index; names are how constraint violations are recognised.
pub(crate) fn index(name: &str, table: impl Iden + 'static, cols: &[&'static str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(Alias::new(*col));
    }
    stmt.to_owned()
}

/// A 64-bit auto-increment primary key (INTEGER PRIMARY KEY on SQLite).
pub(crate) fn big_pk_auto(name: impl IntoIden) -> ColumnDef {
    sea_orm_migration::schema::big_integer(name)
        .auto_increment()
        .primary_key()
        .take()
}

/// Text as search compares it, the same on SQLite and PostgreSQL for any
/// language: each part lower-cased by Rust's Unicode rules (SQLite's `LIKE`
/// and `lower` fold ASCII only; PostgreSQL's `lower` depends on the
/// database's collation), parts joined by U+001F, a control character no
/// search text holds, so a match never spans two fields. Stored in the
/// `search_folded` columns, written on every save and backfilled here.
pub fn fold_for_search(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|part| part.to_lowercase())
        .collect::<Vec<_>>()
        .join("\u{1f}")
}
