//! The server pepper (the HMAC key for key secrets): `KEYWARD_PEPPER`, or a
//! file generated once in the data directory, readable by its owner only.
//! Both hold the same text, hexadecimal digits, so copying the file into the
//! variable (for a second instance) works. The database keeps the pepper's
//! fingerprint: a server given another pepper refuses to start, naming the
//! problem, instead of refusing every key.
use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context};
use sea_orm::sea_query::{Alias, Expr, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::config::Config;
use crate::domain::token::Pepper;

pub const FILE_NAME: &str = "pepper";
/// The `instance_facts` row holding the pepper's fingerprint.
const FINGERPRINT: &str = "pepper_fingerprint";

/// Loads the pepper (creating the file on first start when no
/// `KEYWARD_PEPPER` is set) and checks it is the one the database's keys
/// were made with; the first server to start records it.
pub async fn load(config: &Config, db: &DatabaseConnection) -> anyhow::Result<Pepper> {
    let pepper = read(config)?;
    check_fingerprint(db, &pepper, config).await?;
    Ok(pepper)
}

/// The pepper from `KEYWARD_PEPPER` or the data directory's file.
pub fn read(config: &Config) -> anyhow::Result<Pepper> {
    if let Some(value) = &config.pepper {
        return decode(value.trim()).map_err(|e| {
            anyhow::anyhow!(
                "KEYWARD_PEPPER: {e}. It holds what the pepper file holds: at least 64 hexadecimal digits \
                 (copy <data dir>/pepper of the first instance). A pepper that was plain text before keeps \
                 its keys working in its hexadecimal form: printf %s \"$KEYWARD_PEPPER\" | od -An -tx1 | tr -d ' \\n'"
            )
        });
    }
    load_or_create(&config.data_dir.join(FILE_NAME))
}

async fn check_fingerprint(db: &DatabaseConnection, pepper: &Pepper, config: &Config) -> anyhow::Result<()> {
    let ours = pepper.fingerprint();
    let table = Alias::new("instance_facts");
    let (name, value) = (Alias::new("name"), Alias::new("value"));
    let insert = Query::insert()
        .into_table(table.clone())
        .columns([name.clone(), value.clone()])
        .values_panic([FINGERPRINT.into(), ours.clone().into()])
        .on_conflict(OnConflict::column(name.clone()).do_nothing().to_owned())
        .to_owned();
    let backend = db.get_database_backend();
    db.execute(backend.build(&insert)).await?;
    let select = Query::select()
        .column(value.clone())
        .from(table)
        .and_where(Expr::col(name).eq(FINGERPRINT))
        .to_owned();
    let recorded: String = db
        .query_one(backend.build(&select))
        .await?
        .context("the pepper fingerprint was not recorded")?
        .try_get("", "value")?;
    if recorded != ours {
        let source = if config.pepper.is_some() {
            "KEYWARD_PEPPER".to_owned()
        } else {
            config.data_dir.join(FILE_NAME).display().to_string()
        };
        bail!(
            "this server's pepper ({source}, fingerprint {ours}) is not the one this database's keys were made \
             with (fingerprint {recorded}): every key would be refused. Give it the same pepper as the other \
             instances (set KEYWARD_PEPPER to the content of their pepper file), or restore the pepper file \
             from the backup of this database"
        );
    }
    Ok(())
}

fn load_or_create(path: &Path) -> anyhow::Result<Pepper> {
    match std::fs::read_to_string(path) {
        Ok(text) => decode(text.trim()).with_context(|| format!("{} is damaged", path.display())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => create(path),
        Err(err) => Err(err).with_context(|| format!("reading {}", path.display())),
    }
}

fn create(path: &Path) -> anyhow::Result<Pepper> {
    if let Some(dir) = path.parent() {
        super::db::create_private_dir(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let pepper = Pepper::generate(&mut rand::rngs::OsRng);
    match write_new(path, &pepper) {
        Ok(()) => {
            tracing::info!(path = %path.display(), "generated the server pepper");
            Ok(pepper)
        }
        // Another process created it first: use theirs.
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => load_or_create(path),
        Err(err) => Err(err).with_context(|| format!("creating {}", path.display())),
    }
}

/// Writes `pepper` to a new file readable by its owner only.
pub fn write_new(path: &Path, pepper: &Pepper) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(encode(pepper).as_bytes())?;
    file.sync_all()
}

fn encode(pepper: &Pepper) -> String {
    pepper.as_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

fn decode(hex: &str) -> anyhow::Result<Pepper> {
    if !hex.len().is_multiple_of(2) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("expected hexadecimal digits");
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()?;
    Pepper::new(bytes).map_err(anyhow::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_created_once_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join(FILE_NAME);
        let first = load_or_create(&path).unwrap();
        let again = load_or_create(&path).unwrap();
        assert_eq!(first.as_bytes(), again.as_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_damaged_file_is_an_error_not_a_new_pepper() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, "not hex").unwrap();
        assert!(load_or_create(&path).is_err());
        std::fs::write(&path, "abcd").unwrap();
        assert!(load_or_create(&path).is_err());
    }

    #[test]
    fn hex_round_trips() {
        let pepper = Pepper::generate(&mut rand::rngs::OsRng);
        assert_eq!(decode(&encode(&pepper)).unwrap().as_bytes(), pepper.as_bytes());
    }

    fn config(dir: &Path, pepper: Option<String>) -> Config {
        Config {
            addr: "127.0.0.1:0".parse().unwrap(),
            data_dir: dir.to_path_buf(),
            database_url: String::new(),
            cookie_secure: false,
            pepper,
            jobs_every: None,
            trusted_proxies: Default::default(),
            public_url: None,
            stop_timeout: std::time::Duration::from_secs(10),
            listen_database_url: None,
            webhook_allow_nets: Default::default(),
            webhook_concurrency: 0,
        }
    }

    #[test]
    fn the_files_content_in_the_variable_is_the_same_pepper() {
        let dir = tempfile::tempdir().unwrap();
        let from_file = read(&config(dir.path(), None)).unwrap();
        let text = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        let from_variable = read(&config(dir.path(), Some(format!("{text}\n")))).unwrap();
        assert_eq!(from_file.as_bytes(), from_variable.as_bytes());
        assert_eq!(from_file.fingerprint(), from_variable.fingerprint());
    }

    #[test]
    fn a_plain_text_variable_is_refused_with_how_to_convert_it() {
        let dir = tempfile::tempdir().unwrap();
        let err = read(&config(
            dir.path(),
            Some("correct horse battery staple, forty bytes".into()),
        ))
        .unwrap_err();
        let message = format!("{err:#}");
        assert!(
            message.contains("KEYWARD_PEPPER") && message.contains("hexadecimal"),
            "{message}"
        );
        assert!(message.contains("od -An -tx1"), "{message}");
        let short = read(&config(dir.path(), Some("abcd".into()))).unwrap_err();
        assert!(format!("{short:#}").contains("at least 32 bytes"), "{short:#}");
    }
}
