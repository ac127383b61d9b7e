//! The transparency log's signing key (docs/transparency-log.md): a file
//! holding one C2SP signed-note private key line, `PRIVATE+KEY+<origin>+
//! <key id>+<key>`, made by `kredit log keygen`. The key's name is the
//! log's origin, the first line of every checkpoint. Production requires
//! `KREDIT_LOG_KEY_FILE`; development generates
//! `<data_dir>/kredit-dev-log.key` (mode 0600) once, for `log_origin`.
//! Whoever holds the file can sign checkpoints as the lender: keep it as
//! the KEK file is kept, and publish only the verifier key (`/log/key`).

use std::path::Path;

use kredit_app::ids::random_bytes;
use kredit_tlog::NoteSigner;

use crate::config::{Config, Environment};

pub const DEV_LOG_KEY_FILE: &str = "kredit-dev-log.key";

#[derive(Debug, thiserror::Error)]
pub enum LogKeyError {
    #[error(
        "KREDIT_LOG_KEY_FILE is required in production (create one with `kredit log keygen --origin … --out …`)"
    )]
    Missing,
    #[error("log key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("log key file {path} is not valid: {detail}")]
    Invalid { path: String, detail: String },
}

/// The signer this configuration uses, its development key created once.
pub fn signer(config: &Config) -> Result<NoteSigner, LogKeyError> {
    let path = match (&config.log_key_file, config.env) {
        (Some(path), _) => path.clone(),
        (None, Environment::Production) => return Err(LogKeyError::Missing),
        (None, _) => {
            let path = config.data_dir.join(DEV_LOG_KEY_FILE);
            if !path.exists() {
                let signer =
                    generate(&config.log_origin).map_err(|detail| LogKeyError::Invalid {
                        path: path.display().to_string(),
                        detail,
                    })?;
                write_private(&path, &signer.skey())?;
                tracing::warn!(path = %path.display(), "generated a development transparency-log key");
            }
            path
        }
    };
    load(&path)
}

/// A new signer for `origin` from 32 random bytes.
pub fn generate(origin: &str) -> Result<NoteSigner, String> {
    NoteSigner::from_seed(origin, random_bytes::<32>()).map_err(|error| error.to_string())
}

pub fn load(path: &Path) -> Result<NoteSigner, LogKeyError> {
    let text = std::fs::read_to_string(path).map_err(|source| LogKeyError::Io {
        path: path.display().to_string(),
        source,
    })?;
    NoteSigner::from_skey(text.trim()).map_err(|error| LogKeyError::Invalid {
        path: path.display().to_string(),
        detail: error.to_string(),
    })
}

/// Writes `text` to a new file only its owner can read.
pub fn write_private(path: &Path, text: &str) -> Result<(), LogKeyError> {
    use std::io::Write as _;
    let io = |source| LogKeyError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(io)?;
    writeln!(file, "{text}").map_err(io)
}
