//! The server pepper (the HMAC key for key secrets): `KEYWARD_PEPPER`, or a
//! file generated once in the data directory, readable by its owner only.
use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context};

use super::config::Config;
use crate::domain::token::Pepper;

const FILE_NAME: &str = "pepper";

/// Loads the pepper, creating the file on first start.
pub fn load(config: &Config) -> anyhow::Result<Pepper> {
    if let Some(value) = &config.pepper {
        return Pepper::new(value.as_bytes().to_vec())
            .map_err(|e| anyhow::anyhow!("KEYWARD_PEPPER is too short: {e}"));
    }
    load_or_create(&config.data_dir.join(FILE_NAME))
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
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let pepper = Pepper::generate(&mut rand::rngs::OsRng);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(encode(&pepper).as_bytes())?;
            file.sync_all()?;
            tracing::info!(path = %path.display(), "generated the server pepper");
            Ok(pepper)
        }
        // Another process created it first: use theirs.
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => load_or_create(path),
        Err(err) => Err(err).with_context(|| format!("creating {}", path.display())),
    }
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
}
