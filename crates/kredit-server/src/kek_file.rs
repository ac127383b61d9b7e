//! The local key file: the default [`KeyProvider`] holds the
//! key-encryption keys (KEKs) of personal data in a TOML file.
//!
//! ```toml
//! [[kek]]
//! id = "kek-20261202T134500Z"
//! created_at = "2026-12-02T13:45:00Z"
//! key = "…64 hex digits…"
//! ```
//!
//! The newest KEK (by `created_at`) is the one a rotation moves to; older
//! ones stay in the file until `kredit keys check` shows no data key is
//! wrapped by them. Production requires `KREDIT_KEK_FILE`; development
//! generates `<data_dir>/kredit-dev-keks.toml` (mode 0600) once. The file
//! is as sensitive as the database's personal data: keep it off the
//! database's host and backups.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use figment::providers::Format as _;
use kredit_app::keys::{KekEntry, LocalKeyring};
use kredit_store::pii::PiiKey;
use serde::Deserialize;

use crate::config::{Config, Environment};

pub const DEV_KEK_FILE: &str = "kredit-dev-keks.toml";

#[derive(Debug, thiserror::Error)]
pub enum KekFileError {
    #[error(
        "KREDIT_KEK_FILE is required in production (create one with `kredit keys new-kek --file …`)"
    )]
    Missing,
    #[error("key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("key file {path} is not valid: {detail}")]
    Invalid { path: String, detail: String },
}

#[derive(Deserialize)]
struct FileContents {
    #[serde(default)]
    kek: Vec<FileKek>,
}

#[derive(Deserialize)]
struct FileKek {
    id: String,
    created_at: DateTime<Utc>,
    key: String,
}

/// The key file this configuration uses, created in development.
pub fn path(config: &Config) -> Result<PathBuf, KekFileError> {
    match (&config.kek_file, config.env) {
        (Some(path), _) => Ok(path.clone()),
        (None, Environment::Production) => Err(KekFileError::Missing),
        (None, _) => {
            let path = config.data_dir.join(DEV_KEK_FILE);
            if !path.exists() {
                append_new_kek(&path)?;
                tracing::warn!(path = %path.display(), "generated a development KEK file; personal data in this database is only readable with it");
            }
            Ok(path)
        }
    }
}

/// The provider over the configured key file; it rereads the file when
/// asked for a KEK it does not hold (one added for a rotation).
pub fn provider(config: &Config) -> Result<Arc<LocalKeyring>, KekFileError> {
    let path = path(config)?;
    let entries = load(&path)?;
    if entries.is_empty() {
        return Err(KekFileError::Invalid {
            path: path.display().to_string(),
            detail: "it holds no [[kek]]".into(),
        });
    }
    Ok(Arc::new(LocalKeyring::reloading(entries, move || {
        load(&path).map_err(|error| error.to_string())
    })))
}

pub fn load(path: &Path) -> Result<Vec<KekEntry>, KekFileError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| KekFileError::Io {
        path: shown.clone(),
        source,
    })?;
    let invalid = |detail: String| KekFileError::Invalid {
        path: shown.clone(),
        detail,
    };
    let contents: FileContents = figment::Figment::from(figment::providers::Toml::string(&text))
        .extract()
        .map_err(|error| invalid(error.to_string()))?;
    let mut entries = Vec::with_capacity(contents.kek.len());
    for kek in contents.kek {
        let key =
            PiiKey::parse(&kek.key).map_err(|error| invalid(format!("{}: {error}", kek.id)))?;
        if entries.iter().any(|entry: &KekEntry| entry.id == kek.id) {
            return Err(invalid(format!("KEK id {:?} appears twice", kek.id)));
        }
        entries.push(KekEntry {
            id: kek.id,
            created_at: kek.created_at,
            key,
        });
    }
    Ok(entries)
}

/// Appends a fresh KEK (creating the file, mode 0600, if need be) and
/// returns its id. The file is rewritten whole and renamed into place, so a
/// crash leaves the old file or the new one, never half of either.
pub fn append_new_kek(path: &Path) -> Result<String, KekFileError> {
    let shown = path.display().to_string();
    let io = |source| KekFileError::Io {
        path: shown.clone(),
        source,
    };
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => {
            load(path)?;
            text
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            "# Key-encryption keys of personal data (docs/security.md, \"Keys\").\n\
             # The newest is the one `kredit keys rotate` moves to. Remove an old one\n\
             # only after `kredit keys check` passes with it retired.\n"
                .to_owned()
        }
        Err(error) => return Err(io(error)),
    };
    let now = Utc::now();
    let id = format!("kek-{}", now.format("%Y%m%dT%H%M%S%.3fZ"));
    let contents = format!(
        "{existing}\n[[kek]]\nid = \"{id}\"\ncreated_at = \"{}\"\nkey = \"{}\"\n",
        now.to_rfc3339_opts(SecondsFormat::Millis, true),
        PiiKey::generate().to_hex()
    );
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let temporary = path.with_extension("toml.new");
    let _ = std::fs::remove_file(&temporary);
    write_private(&temporary, &contents).map_err(io)?;
    std::fs::rename(&temporary, path).map_err(io)?;
    Ok(id)
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use kredit_app::keys::KeyProvider as _;
    use kredit_store::pii::DataKey;

    use super::*;

    #[test]
    fn production_requires_a_key_file() {
        let config = Config {
            env: Environment::Production,
            ..Config::default()
        };
        assert!(matches!(provider(&config), Err(KekFileError::Missing)));
    }

    #[tokio::test]
    async fn the_newest_kek_is_current_and_a_running_provider_sees_added_ones() {
        let directory = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: directory.path().to_owned(),
            ..Config::default()
        };
        let keyring = provider(&config).unwrap();
        let first = keyring.current_kek().unwrap();
        let key = DataKey::generate();
        let wrapped = keyring.wrap(&first, &key).await.unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(directory.path().join(DEV_KEK_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
        let second = append_new_kek(&directory.path().join(DEV_KEK_FILE)).unwrap();
        assert_ne!(first, second);
        // The running provider wraps under the new KEK after a reread.
        let rewrapped = keyring.wrap(&second, &key).await.unwrap();
        assert!(keyring.unwrap(&second, key.id(), &rewrapped).await.is_ok());
        assert!(keyring.unwrap(&first, key.id(), &wrapped).await.is_ok());
        assert!(keyring.unwrap(&second, key.id(), &wrapped).await.is_err());
        let reopened = provider(&config).unwrap();
        assert_eq!(reopened.current_kek().unwrap(), second);
        assert_eq!(reopened.kek_ids(), vec![first, second]);
    }

    #[test]
    fn invalid_files_are_refused() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("keks.toml");
        std::fs::write(
            &path,
            "[[kek]]\nid = \"a\"\ncreated_at = \"2026-01-01T00:00:00Z\"\nkey = \"short\"\n",
        )
        .unwrap();
        assert!(matches!(load(&path), Err(KekFileError::Invalid { .. })));
    }
}
