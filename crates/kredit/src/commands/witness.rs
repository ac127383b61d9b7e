//! `kredit witness`: a transparency-log witness (docs/transparency-log.md,
//! "Witnesses"), run by a party other than the lender.
//!
//! - `keygen --name N --out F`: a new cosigning key named `N`, written to
//!   `F` (mode 0600); its verifier key, which the log
//!   (`KREDIT_LOG_WITNESSES`) and verifiers (`kredit log verify
//!   --witness`) check cosignatures with, printed;
//! - `serve --key F --state DIR --addr A --log VKEY…`: the C2SP
//!   tlog-witness service for the logs given by their verifier keys.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use kredit_tlog::{CosignatureSigner, NoteVerifier};

use super::serve::runtime;

#[derive(Args)]
pub struct WitnessArgs {
    #[command(subcommand)]
    command: WitnessCommand,
}

#[derive(Subcommand)]
enum WitnessCommand {
    /// Create a witness cosigning key; print its verifier key.
    Keygen {
        /// The witness's name (`witness.example/w1`).
        #[arg(long)]
        name: String,
        /// Where to write the private key (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Serve `POST /add-checkpoint` and `GET /healthz`.
    Serve {
        /// The cosigning key file (`kredit witness keygen`).
        #[arg(long)]
        key: PathBuf,
        /// Where the witness keeps what it cosigned (created if missing).
        #[arg(long)]
        state: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8090")]
        addr: SocketAddr,
        /// A log's verifier key (`<origin>+<id>+<key>`, `/log/key`);
        /// repeatable.
        #[arg(long = "log", required = true)]
        logs: Vec<String>,
    },
}

pub fn run(args: WitnessArgs) -> anyhow::Result<()> {
    match args.command {
        WitnessCommand::Keygen { name, out } => {
            let signer = CosignatureSigner::from_seed(&name, kredit_app::ids::random_bytes::<32>())
                .map_err(|error| anyhow::anyhow!("name {name:?}: {error}"))?;
            kredit_server::log_key::write_private(&out, &signer.skey())?;
            println!("wrote the cosigning key to {}", out.display());
            println!("verifier key: {}", signer.verifier().vkey());
            Ok(())
        }
        WitnessCommand::Serve {
            key,
            state,
            addr,
            logs,
        } => {
            let text = std::fs::read_to_string(&key)
                .with_context(|| format!("cannot read {}", key.display()))?;
            let signer = CosignatureSigner::from_skey(text.trim())
                .map_err(|error| anyhow::anyhow!("{}: {error}", key.display()))?;
            let logs = logs
                .iter()
                .map(|vkey| {
                    NoteVerifier::from_vkey(vkey)
                        .map_err(|error| anyhow::anyhow!("--log {vkey:?}: {error}"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            kredit_server::server::init_logging(kredit_server::config::LogFormat::Text);
            let witness = kredit_witness::Witness::open(signer, logs, state)?;
            runtime()?.block_on(async {
                let listener = tokio::net::TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen on {addr}"))?;
                println!("witness {} listening on {addr}", witness.verifier_key());
                kredit_witness::serve(witness, listener).await?;
                Ok(())
            })
        }
    }
}
