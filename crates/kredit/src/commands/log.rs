//! `kredit log`: the transparency log (docs/transparency-log.md).
//!
//! - `keygen --origin O --out F`: a new signing key for a log named `O`,
//!   written to `F` (mode 0600; the server's `KREDIT_LOG_KEY_FILE`); the
//!   verifier key, which parties check checkpoints with, printed;
//! - `verify --bundle F --key K [--witness K …] [--quorum N]`: checks a
//!   proof offline, with no server: `F` is what
//!   `GET /api/v1/contracts/{id}/proof` answered (or a bare tlog-proof
//!   bundle with `--entry`); with `--contract C`, also that the contract
//!   `C` is the one the entry commits to (its salted digest);
//! - `export DIR`: the log as static files in the tlog-tiles layout
//!   (`checkpoint`, `tile/…`), for any web server or mirror;
//! - `monitor --url U --key K [--state F] [--once] [--interval S] [--full]`:
//!   follows a log over HTTP and fails on the first fork, rollback,
//!   altered entry or tile it finds (the decision is
//!   [`kredit_tlog::monitor`]; this is its HTTP side and its state file).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use kredit_tlog::{Checkpoint, CosignatureVerifier, LogFetch, NoteVerifier, ProofBundle};

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
        /// The contract's JSON: check that the entry commits to it (needs
        /// the proof's JSON, which carries the payload, digest and salt).
        #[arg(long)]
        contract: Option<PathBuf>,
    },
    /// Follow a log: check each new checkpoint, its consistency with the
    /// last one accepted, and its tiles against its entries.
    Monitor {
        /// Where the log's files are: `checkpoint` and `tile/…` under it
        /// (`http://lender.example/log` for `kredit serve`).
        #[arg(long)]
        url: String,
        /// The log's verifier key (`<origin>+<id>+<key>`).
        #[arg(long)]
        key: String,
        /// The last checkpoint accepted, read at start and written after
        /// each sound look (without it, every start checks from scratch
        /// and a rollback across restarts goes unseen).
        #[arg(long)]
        state: Option<PathBuf>,
        /// Look once and exit (0: sound; 1: findings, printed).
        #[arg(long)]
        once: bool,
        /// Seconds between looks.
        #[arg(long, default_value_t = 10)]
        interval: u64,
        /// Recheck every tile and entry on the first look, not only those
        /// added since the saved state.
        #[arg(long)]
        full: bool,
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
            contract,
        } => verify(
            &bundle,
            entry.as_deref(),
            &key,
            &witness,
            quorum,
            contract.as_deref(),
        ),
        LogCommand::Export { dir, database } => export(&dir, &database),
        LogCommand::Monitor {
            url,
            key,
            state,
            once,
            interval,
            full,
        } => monitor(&url, &key, state.as_deref(), once, interval, full),
    }
}

/// The log's files over HTTP; a 404 is "no such file", which the monitor
/// judges, anything else but success is an error.
struct HttpLog {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    base: String,
}

impl LogFetch for HttpLog {
    fn fetch(&self, path: &str) -> Result<Option<Vec<u8>>, kredit_tlog::Error> {
        let url = format!("{}/{path}", self.base);
        let failed = |e: reqwest::Error| kredit_tlog::Error::Source(format!("GET {url}: {e}"));
        self.runtime.block_on(async {
            let response = self.client.get(&url).send().await.map_err(failed)?;
            if response.status() == reqwest::StatusCode::NOT_FOUND {
                return Ok(None);
            }
            let response = response.error_for_status().map_err(failed)?;
            Ok(Some(response.bytes().await.map_err(failed)?.to_vec()))
        })
    }
}

fn monitor(
    url: &str,
    key: &str,
    state: Option<&Path>,
    once: bool,
    interval: u64,
    mut full: bool,
) -> anyhow::Result<()> {
    let key = NoteVerifier::from_vkey(key).context("--key is not a verifier key")?;
    let log = HttpLog {
        runtime: runtime()?,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?,
        base: url.trim_end_matches('/').to_owned(),
    };
    let mut saved = match state {
        Some(path) if path.exists() => Some(read_state(path, &key)?),
        _ => None,
    };
    loop {
        let note = log
            .fetch("checkpoint")?
            .with_context(|| format!("{url}/checkpoint: the log has no checkpoint yet"))?;
        let note = String::from_utf8(note).context("the checkpoint is not UTF-8")?;
        let report = kredit_tlog::monitor(&note, &key, saved.as_ref(), full, &log)
            .context("cannot check the log")?;
        let checkpoint = &report.checkpoint;
        if !report.findings.is_empty() {
            for finding in &report.findings {
                println!("{finding}");
            }
            bail!(
                "{} finding(s) in {} at size {}",
                report.findings.len(),
                checkpoint.origin,
                checkpoint.size
            );
        }
        println!(
            "sound: {} at size {} (root {}), {} files read",
            checkpoint.origin,
            checkpoint.size,
            checkpoint.root,
            report.fetched.len()
        );
        if let Some(path) = state {
            write_state(path, &note)?;
        }
        saved = Some(report.checkpoint);
        full = false;
        if once {
            return Ok(());
        }
        std::thread::sleep(Duration::from_secs(interval));
    }
}

/// The state file holds the last signed note accepted, so it proves itself.
fn read_state(path: &Path, key: &NoteVerifier) -> anyhow::Result<Checkpoint> {
    let note =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let opened = kredit_tlog::open_note(&note, &[key])
        .with_context(|| format!("{} is not a checkpoint of this log", path.display()))?;
    Ok(Checkpoint::parse(&opened.text)?)
}

/// Written aside and renamed, so a crash leaves the old state or the new.
fn write_state(path: &Path, note: &str) -> anyhow::Result<()> {
    let partial = path.with_extension("partial");
    std::fs::write(&partial, note)
        .and_then(|()| std::fs::rename(&partial, path))
        .with_context(|| format!("cannot write {}", path.display()))
}

fn verify(
    bundle: &Path,
    entry: Option<&Path>,
    key: &str,
    witnesses: &[String],
    quorum: Option<usize>,
    contract: Option<&Path>,
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
            let entry = field("entry")?;
            if let Some(contract) = contract {
                let document = std::fs::read_to_string(contract)
                    .with_context(|| format!("cannot read {}", contract.display()))?;
                kredit_app::tlog::open_commitment(
                    entry.as_bytes(),
                    &field("payload")?,
                    &field("digest")?,
                    reply["salt"].as_str(),
                    &document,
                )
                .map_err(|why| anyhow::anyhow!("{}: {why}", contract.display()))?;
            }
            (field("bundle")?, entry.into_bytes())
        }
        Err(_) if contract.is_some() => {
            bail!("--contract needs the proof's JSON, not a bare bundle")
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
    if let Some(contract) = contract {
        println!("and it commits to the contract in {}", contract.display());
    }
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
