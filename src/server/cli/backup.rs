//! `keyward backup DIR` and `keyward restore DIR`: a consistent copy of a
//! SQLite database (taken while servers run, with `VACUUM INTO`) beside the
//! pepper its keys need, and putting one back into an empty data directory.
//! A database without its pepper is worth nothing: every key would fail.
//! PostgreSQL deployments back up with `pg_dump` (README: Backups); the
//! command still saves their pepper.
use std::path::{Path, PathBuf};

use anyhow::Context;
use sea_orm::{ConnectionTrait, Statement};

use super::Failure;
use crate::server::config::Config;
use crate::server::{db, pepper};

/// The database file inside a backup directory.
pub const DATABASE_FILE: &str = "keyward.db";

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// Directory to write the backup into: it must not exist, or be empty.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// A directory `keyward backup` wrote.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
}

fn empty_or_missing(dir: &Path) -> Result<(), Failure> {
    match std::fs::read_dir(dir).map(|mut entries| entries.next().is_some()) {
        Ok(true) => Err(Failure::Usage(format!(
            "{} is not empty: back up into a new directory",
            dir.display()
        ))),
        Ok(false) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            crate::server::db::create_private_dir(dir)
                .with_context(|| format!("creating {}", dir.display()))?;
            Ok(())
        }
        Err(err) => Err(anyhow::Error::from(err)
            .context(format!("reading {}", dir.display()))
            .into()),
    }
}

pub async fn backup(config: Config, args: BackupArgs) -> Result<(), Failure> {
    empty_or_missing(&args.dir)?;
    let db = db::connect(&config).await?;
    db::migrate(&db).await?;
    let key_pepper = pepper::load(&config, &db).await?;
    pepper::write_new(&args.dir.join(pepper::FILE_NAME), &key_pepper)
        .with_context(|| format!("writing the pepper into {}", args.dir.display()))?;
    if !config.is_sqlite() {
        eprintln!(
            "saved the pepper to {}. This database is PostgreSQL: back it up with pg_dump, for example\n  \
             pg_dump --format=custom --file={}/keyward.dump \"$KEYWARD_DATABASE_URL\"\n\
             and keep the dump and the pepper together (README: Backups).",
            args.dir.join(pepper::FILE_NAME).display(),
            args.dir.display()
        );
        return Ok(());
    }
    let target = args.dir.join(DATABASE_FILE);
    let quoted = target.display().to_string().replace('\'', "''");
    // A consistent snapshot, whatever servers write meanwhile (SQLite 3.27+).
    db.execute(Statement::from_string(
        db.get_database_backend(),
        format!("VACUUM INTO '{quoted}'"),
    ))
    .await
    .with_context(|| format!("copying the database into {}", target.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600))?;
    }
    eprintln!(
        "backed up the database and its pepper into {} (pepper fingerprint {}). Keep them together and \
         private: the pepper is the key to every API key's hash.",
        args.dir.display(),
        key_pepper.fingerprint()
    );
    Ok(())
}

pub async fn restore(config: Config, args: RestoreArgs) -> Result<(), Failure> {
    let source_db = args.dir.join(DATABASE_FILE);
    let source_pepper = args.dir.join(pepper::FILE_NAME);
    for file in [&source_db, &source_pepper] {
        if !file.is_file() {
            return Err(Failure::Usage(format!(
                "{} is missing: give a directory `keyward backup` wrote",
                file.display()
            )));
        }
    }
    let Some(target_db) = config.sqlite_path() else {
        return Err(Failure::Usage(
            "keyward restore puts a SQLite backup into the data directory; for PostgreSQL use pg_restore \
             (README: Backups)"
                .into(),
        ));
    };
    let target_pepper = config.data_dir.join(pepper::FILE_NAME);
    for file in [&target_db, &target_pepper] {
        if file.exists() {
            return Err(Failure::Usage(format!(
                "{} exists: restore into a new data directory (--data-dir), never over a live one",
                file.display()
            )));
        }
    }
    if config.pepper.is_some() {
        return Err(Failure::Usage(
            "KEYWARD_PEPPER is set: unset it to restore the backup's own pepper into the data directory"
                .into(),
        ));
    }
    crate::server::db::create_private_dir(&config.data_dir)
        .with_context(|| format!("creating {}", config.data_dir.display()))?;
    let restored_pepper = pepper::read(&Config {
        data_dir: args.dir.clone(),
        ..config.clone()
    })
    .context("the backup's pepper is damaged")?;
    pepper::write_new(&target_pepper, &restored_pepper)
        .with_context(|| format!("writing {}", target_pepper.display()))?;
    std::fs::copy(&source_db, &target_db).with_context(|| format!("writing {}", target_db.display()))?;
    // Opening it checks the pepper against the fingerprint it recorded.
    let db = db::connect(&config).await?;
    db::migrate(&db).await?;
    pepper::load(&config, &db).await?;
    eprintln!(
        "restored {} into {}: start keyward serve with this data directory",
        args.dir.display(),
        config.data_dir.display()
    );
    Ok(())
}
