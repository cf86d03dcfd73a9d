//! Connecting to SQLite or PostgreSQL, migrating, and the readiness probe.
use std::time::Duration;

use anyhow::Context;
use migration::MigratorTrait;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement};

use super::config::Config;

/// Opens the database, creating the SQLite file (and its directory) if needed.
pub async fn connect(config: &Config) -> anyhow::Result<DatabaseConnection> {
    if config.is_sqlite() {
        create_private_dir(&config.data_dir)
            .with_context(|| format!("cannot create the data directory {}", config.data_dir.display()))?;
    }
    let mut options = ConnectOptions::new(config.database_url.clone());
    options
        .max_connections(if config.is_sqlite() { 8 } else { 16 })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        });
    Database::connect(options)
        .await
        .with_context(|| format!("cannot open the database {}", config.database_label()))
}

/// Creates `dir` (and its parents) readable by its owner only (0700 on
/// Unix): the database in it holds leads, password and key hashes. A
/// directory that exists keeps its mode.
pub fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    migration::Migrator::up(db, None)
        .await
        .context("database migration failed")
}

/// True when the database answers a query on keyward's own schema (and, for
/// SQLite, its file is still there: open connections would hide a deleted one).
pub async fn is_ready(db: &DatabaseConnection, config: &Config) -> bool {
    if config.sqlite_path().is_some_and(|path| !path.exists()) {
        return false;
    }
    let probe = Statement::from_string(db.get_database_backend(), "SELECT COUNT(*) FROM agencies");
    matches!(
        tokio::time::timeout(Duration::from_secs(2), db.query_one(probe)).await,
        Ok(Ok(Some(_)))
    )
}
