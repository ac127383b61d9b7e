//! A transparency-log witness (docs/transparency-log.md, "Witnesses"):
//! an HTTP service, independent of the log, that implements C2SP
//! tlog-witness `POST /add-checkpoint`. For each log it knows (by the
//! log's verifier key) it keeps the largest checkpoint it cosigned, and
//! cosigns a new one only if a consistency proof shows it extends that
//! tree — so a log that forks or rolls back cannot get the cosignatures
//! its clients require.
//!
//! The decision is `kredit_tlog::witness_add_checkpoint`'s; this crate adds
//! the HTTP mapping and the state: one file per log, replaced atomically
//! and durably (`state.rs`) before a cosignature is returned, under a
//! per-log mutex, so two concurrent requests can never both be cosigned
//! for conflicting trees.

mod http;
mod state;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use kredit_tlog::{CosignatureSigner, NoteVerifier, WitnessedLog};
use tokio::sync::Mutex;

pub use http::router;

#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    #[error("state directory {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("state file {path} is not valid: {detail}")]
    State { path: String, detail: String },
    #[error("two log keys for the origin {0:?}")]
    DuplicateLog(String),
}

/// One log this witness cosigns for.
struct WitnessedLogKey {
    key: NoteVerifier,
    /// What it last cosigned; the lock is held from the check of a
    /// request to the durable write of its outcome.
    state: Mutex<Option<WitnessedLog>>,
}

/// A witness: its cosigning key, the logs it knows and its state.
pub struct Witness {
    signer: CosignatureSigner,
    logs: HashMap<String, WitnessedLogKey>,
    dir: PathBuf,
}

impl Witness {
    /// A witness for `logs` (their verifier keys; each key's name is the
    /// log's origin) with its state in `dir`, created if missing.
    pub fn open(
        signer: CosignatureSigner,
        logs: Vec<NoteVerifier>,
        dir: PathBuf,
    ) -> Result<Arc<Witness>, WitnessError> {
        std::fs::create_dir_all(&dir).map_err(|source| WitnessError::Io {
            path: dir.display().to_string(),
            source,
        })?;
        let mut known = HashMap::new();
        for key in logs {
            let origin = key.name().to_owned();
            let state = state::load(&dir, &origin)?;
            let entry = WitnessedLogKey {
                key,
                state: Mutex::new(state),
            };
            if known.insert(origin.clone(), entry).is_some() {
                return Err(WitnessError::DuplicateLog(origin));
            }
        }
        Ok(Arc::new(Witness {
            signer,
            logs: known,
            dir,
        }))
    }

    /// The verifier key logs and verifiers check this witness's
    /// cosignatures with.
    pub fn verifier_key(&self) -> String {
        self.signer.verifier().vkey()
    }
}

/// Serves `witness` on `listener` until SIGINT or SIGTERM.
pub async fn serve(
    witness: Arc<Witness>,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    axum::serve(listener, router(witness))
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("a SIGTERM handler");
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
