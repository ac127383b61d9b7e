//! `kredit log`: the transparency log (docs/transparency-log.md).
//!
//! - `keygen --origin O --out F`: a new signing key for a log named `O`,
//!   written to `F` (mode 0600; the server's `KREDIT_LOG_KEY_FILE`); the
//!   verifier key, which parties check checkpoints with, printed;
//! - `verify --bundle F --key K [--witness K …] [--quorum N]`: checks a
//!   proof offline, with no server: `F` is what
//!   `GET /api/v1/contracts/{id}/proof` answered (or a bare tlog-proof
//!   bundle with `--entry`);
//! - `export DIR`: the log as static files in the tlog-tiles layout
//!   (`checkpoint`, `tile/…`), for any web server or mirror.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use kredit_tlog::{CosignatureVerifier, NoteVerifier, ProofBundle};

use super::serve::{DatabaseArgs, runtime};

#[derive(Args)]
pub struct LogArgs {
    #[command(subcommand)]
    command: LogCommand,
}

#[derive(Subcommand)]
enum LogCommand {
    /// Create a log signing key; print its verifier key.
    Keygen {
        /// The log's name, the first line of its checkpoints
        /// (`lender.example/kredit-log`).
        #[arg(long)]
        origin: String,
        /// Where to write the private key (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Check an entry's proof offline.
    Verify {
        /// The proof: the JSON of `GET /api/v1/contracts/{id}/proof`, or
        /// a bare tlog-proof bundle (then give `--entry`).
        #[arg(long)]
        bundle: PathBuf,
        /// The entry's exact bytes, for a bare bundle.
        #[arg(long)]
        entry: Option<PathBuf>,
        /// The log's verifier key (`<origin>+<id>+<key>`).
        #[arg(long)]
        key: String,
        /// A witness's verifier key (repeatable).
        #[arg(long)]
        witness: Vec<String>,
        /// Witness cosignatures required [default: every witness given].
        #[arg(long)]
        quorum: Option<usize>,
    },
    /// Write the log as static files in the tlog-tiles layout.
    Export {
        dir: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

pub fn run(args: LogArgs) -> anyhow::Result<()> {
    match args.command {
        LogCommand::Keygen { origin, out } => {
            let signer = kredit_server::log_key::generate(&origin)
                .map_err(|detail| anyhow::anyhow!("origin {origin:?}: {detail}"))?;
            kredit_server::log_key::write_private(&out, &signer.skey())?;
            println!("wrote the signing key to {}", out.display());
            println!("verifier key: {}", signer.verifier().vkey());
            Ok(())
        }
        LogCommand::Verify {
            bundle,
            entry,
            key,
            witness,
            quorum,
        } => verify(&bundle, entry.as_deref(), &key, &witness, quorum),
        LogCommand::Export { dir, database } => export(&dir, &database),
    }
}

fn verify(
    bundle: &Path,
    entry: Option<&Path>,
    key: &str,
    witnesses: &[String],
    quorum: Option<usize>,
) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(bundle)
        .with_context(|| format!("cannot read {}", bundle.display()))?;
    let (bundle_text, entry_bytes) = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(reply) => {
            let field = |name: &str| {
                reply[name]
                    .as_str()
                    .map(str::to_owned)
                    .with_context(|| format!("{} has no `{name}`", bundle.display()))
            };
            (field("bundle")?, field("entry")?.into_bytes())
        }
        Err(_) => {
            let Some(entry) = entry else {
                bail!("a bare bundle needs --entry FILE with the entry's bytes");
            };
            let bytes =
                std::fs::read(entry).with_context(|| format!("cannot read {}", entry.display()))?;
            (text, bytes)
        }
    };
    let log_key = NoteVerifier::from_vkey(key).context("--key is not a verifier key")?;
    let witness_keys = witnesses
        .iter()
        .map(|key| CosignatureVerifier::from_vkey(key).context("--witness is not a verifier key"))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let witness_refs: Vec<&CosignatureVerifier> = witness_keys.iter().collect();
    let parsed = ProofBundle::parse(&bundle_text).context("not a tlog-proof bundle")?;
    let checkpoint = parsed
        .verify(
            &entry_bytes,
            &log_key,
            &witness_refs,
            quorum.unwrap_or(witness_refs.len()),
        )
        .context("the proof does not verify")?;
    println!(
        "verified: entry {} is in {} at tree size {} (root {})",
        parsed.index, checkpoint.origin, checkpoint.size, checkpoint.root
    );
    Ok(())
}

fn export(dir: &Path, database: &DatabaseArgs) -> anyhow::Result<()> {
    let config = database.config(&[])?;
    runtime()?.block_on(async {
        let repository = kredit_store::connect(&config.database_url).await?;
        let log = repository.log();
        let Some(checkpoint) = log.latest_checkpoint().await? else {
            bail!("the log is empty");
        };
        let size = checkpoint.size as u64;
        let write = |path: &str, data: &[u8]| -> anyhow::Result<()> {
            let path = dir.join(path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, data).with_context(|| format!("cannot write {}", path.display()))
        };
        let mut files = 0;
        for tile in kredit_tlog::tiles_for_size(size) {
            let stored = log
                .tile(i64::from(tile.level), tile.index as i64)
                .await?
                .with_context(|| format!("tile {} is missing from the database", tile.path()))?;
            let width = usize::from(tile.width) * 32;
            if stored.data.len() < width {
                bail!("tile {} is shorter than the checkpoint needs", tile.path());
            }
            write(&tile.path(), &stored.data[..width])?;
            files += 1;
        }
        for bundle in 0..size.div_ceil(256) {
            let from = bundle * 256;
            let width = (size - from).min(256) as u16;
            let entries = log.entries(from as i64, from as i64 + i64::from(width)).await?;
            if entries.len() != usize::from(width) {
                bail!("entries {from}.. are missing from the database");
            }
            let data: Vec<&[u8]> = entries.iter().map(|entry| entry.data.as_slice()).collect();
            write(
                &kredit_tlog::entries_path(bundle, width),
                &kredit_tlog::encode_entry_bundle(&data)?,
            )?;
            files += 1;
        }
        write("checkpoint", checkpoint.note.as_bytes())?;
        println!(
            "exported a log of {size} entries to {} ({files} tiles and entry bundles, and the checkpoint)",
            dir.display()
        );
        Ok(())
    })
}
