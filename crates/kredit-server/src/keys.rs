//! The server's secrets: the PII master key and the access-token signing
//! secret here; the KEKs (`kek_file`) and the log's key (`log_key`).
//!
//! In production both must come from configuration and startup fails with
//! a clear message otherwise. In development, missing secrets are generated
//! once into `<data_dir>/kredit-dev-keys.toml` (mode 0600) and reused, so a
//! local `kredit serve` keeps decrypting what it stored yesterday.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use figment::providers::Format as _;
use kredit_app::ids::random_bytes;
use kredit_store::pii::PiiKey;
use serde::Deserialize;

use crate::config::{Config, Environment};

pub const DEV_KEY_FILE: &str = "kredit-dev-keys.toml";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{0} is required in production (32 random bytes as 64 hex digits or base64)")]
    Missing(&'static str),
    #[error("KREDIT_PII_KEY is invalid: {0}")]
    InvalidPiiKey(#[from] kredit_store::pii::PiiKeyError),
    #[error("KREDIT_TOKEN_SECRET must be at least 32 bytes as hex or base64")]
    InvalidTokenSecret,
    #[error("development key file {path}: {source}")]
    DevFile {
        path: String,
        source: std::io::Error,
    },
    #[error("development key file {path} is not valid: {detail}")]
    DevFileInvalid { path: String, detail: String },
    #[error(transparent)]
    KekFile(#[from] crate::kek_file::KekFileError),
}

#[derive(Clone)]
pub struct Keys {
    pub pii: PiiKey,
    pub token_secret: Vec<u8>,
    /// The KEKs wrapping personal data's data keys (`kek_file`).
    pub keks: std::sync::Arc<dyn kredit_app::keys::KeyProvider>,
    /// The transparency log's signing key line (`log_key`): the server's
    /// alone (`kredit serve` loads it), `None` for other commands.
    pub log_key: Option<String>,
}

#[derive(Deserialize)]
struct DevKeyFile {
    pii_key: String,
    token_secret: String,
}

impl Keys {
    pub fn resolve(config: &Config) -> Result<Self, KeyError> {
        let dev = match (&config.pii_key, &config.token_secret, config.env) {
            (Some(_), Some(_), _) => None,
            (None, _, Environment::Production) => return Err(KeyError::Missing("KREDIT_PII_KEY")),
            (_, None, Environment::Production) => {
                return Err(KeyError::Missing("KREDIT_TOKEN_SECRET"));
            }
            _ => Some(load_or_create_dev_keys(&config.data_dir)?),
        };
        let pii_key = config
            .pii_key
            .as_deref()
            .or(dev.as_ref().map(|d| d.pii_key.as_str()));
        let secret = config
            .token_secret
            .as_deref()
            .or(dev.as_ref().map(|d| d.token_secret.as_str()));
        Ok(Self {
            pii: PiiKey::parse(pii_key.unwrap_or_default())?,
            token_secret: parse_token_secret(secret.unwrap_or_default())?,
            keks: crate::kek_file::provider(config)?,
            log_key: None,
        })
    }

    /// Fresh random keys, for tests.
    pub fn generate() -> Self {
        Self {
            pii: PiiKey::generate(),
            token_secret: random_bytes::<32>().to_vec(),
            keks: kredit_app::keys::LocalKeyring::generate(),
            log_key: Some(
                crate::log_key::generate("kredit.test/log")
                    .expect("a valid origin")
                    .skey(),
            ),
        }
    }
}

pub(crate) fn parse_token_secret(encoded: &str) -> Result<Vec<u8>, KeyError> {
    let encoded = encoded.trim();
    let bytes = if encoded.len().is_multiple_of(2) && encoded.bytes().all(|b| b.is_ascii_hexdigit())
    {
        (0..encoded.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&encoded[i..i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|_| KeyError::InvalidTokenSecret)?
    } else {
        STANDARD
            .decode(encoded)
            .map_err(|_| KeyError::InvalidTokenSecret)?
    };
    if bytes.len() < 32 {
        return Err(KeyError::InvalidTokenSecret);
    }
    Ok(bytes)
}

fn load_or_create_dev_keys(data_dir: &Path) -> Result<DevKeyFile, KeyError> {
    let path = data_dir.join(DEV_KEY_FILE);
    let shown = path.display().to_string();
    let io_error = |source| KeyError::DevFile {
        path: shown.clone(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => figment::Figment::from(figment::providers::Toml::string(&text))
            .extract()
            .map_err(|error| KeyError::DevFileInvalid {
                path: shown.clone(),
                detail: error.to_string(),
            }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let keys = DevKeyFile {
                pii_key: PiiKey::generate().to_hex(),
                token_secret: STANDARD.encode(random_bytes::<32>()),
            };
            std::fs::create_dir_all(data_dir).map_err(io_error)?;
            write_private(
                &path,
                &format!(
                    "# Development keys generated by `kredit serve`. Never use in production:\n\
                 # set KREDIT_PII_KEY and KREDIT_TOKEN_SECRET instead.\n\
                 pii_key = \"{}\"\ntoken_secret = \"{}\"\n",
                    keys.pii_key, keys.token_secret
                ),
            )
            .map_err(io_error)?;
            tracing::warn!(path = %shown, "generated development keys; personal data in this database is only readable with this file");
            Ok(keys)
        }
        Err(error) => Err(io_error(error)),
    }
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_requires_both_secrets() {
        let mut config = Config {
            env: Environment::Production,
            ..Config::default()
        };
        assert!(matches!(
            Keys::resolve(&config),
            Err(KeyError::Missing("KREDIT_PII_KEY"))
        ));
        config.pii_key = Some(PiiKey::generate().to_hex());
        assert!(matches!(
            Keys::resolve(&config),
            Err(KeyError::Missing("KREDIT_TOKEN_SECRET"))
        ));
        config.token_secret = Some("too short".into());
        assert!(matches!(
            Keys::resolve(&config),
            Err(KeyError::InvalidTokenSecret)
        ));
        config.token_secret = Some(STANDARD.encode([7u8; 32]));
        config.pii_key = Some(STANDARD.encode([7u8; 31]));
        assert!(matches!(
            Keys::resolve(&config),
            Err(KeyError::InvalidPiiKey(_))
        ));
        config.pii_key = Some("ab".repeat(32));
        assert!(matches!(
            Keys::resolve(&config),
            Err(KeyError::KekFile(crate::kek_file::KekFileError::Missing))
        ));
        let directory = tempfile::tempdir().unwrap();
        let kek_file = directory.path().join("keks.toml");
        crate::kek_file::append_new_kek(&kek_file).unwrap();
        config.kek_file = Some(kek_file);
        assert!(Keys::resolve(&config).is_ok());
    }

    #[test]
    fn development_keys_are_generated_once_and_reused() {
        let directory = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: directory.path().to_owned(),
            ..Config::default()
        };
        let first = Keys::resolve(&config).unwrap();
        let second = Keys::resolve(&config).unwrap();
        assert_eq!(first.pii.to_hex(), second.pii.to_hex());
        assert_eq!(first.token_secret, second.token_secret);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(directory.path().join(DEV_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
