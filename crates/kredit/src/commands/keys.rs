//! `kredit keys`: the key-encryption keys of personal data
//! (docs/security.md, "Keys").
//!
//! - `new-kek --file F`: appends a fresh KEK to a key file (creating it);
//! - `rotate [--new-kek] [--kek ID]`: moves every data key under the newest
//!   KEK of the key file (or `ID`) and re-seals legacy values, online and
//!   resumable: rerun it after an interruption;
//! - `status`: KEKs, data keys per KEK, the last rotation;
//! - `check`: every data key unwraps and every sealed value opens; exits
//!   non-zero otherwise.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use kredit_app::keys::Vault;
use kredit_app::keys::rotation::{self, RotateOptions};
use kredit_store::pii::PiiCipher;
use kredit_store::{NewUser, Repository, Role};

use super::serve::{DatabaseArgs, runtime};

#[derive(Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Append a fresh KEK to a key file (created, mode 0600, if missing).
    NewKek {
        #[arg(long)]
        file: PathBuf,
    },
    /// Re-wrap every data key under the newest KEK and re-seal legacy
    /// values; resumes a rotation an earlier run left.
    Rotate {
        /// Append a fresh KEK to the key file first and rotate to it.
        #[arg(long, conflicts_with = "kek")]
        new_kek: bool,
        /// Rotate to this KEK of the key file instead of the newest.
        #[arg(long)]
        kek: Option<String>,
        /// Keys or rows per batch (one transaction each).
        #[arg(long, default_value_t = 500)]
        batch: usize,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// KEKs, data keys per KEK, the last rotation's progress.
    Status {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Unwrap every data key and open every sealed value; fails otherwise.
    Check {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Drills only: create borrowers in bulk (one password hash shared by
    /// all, each phone sealed under the borrower's own data key, or in the
    /// legacy format for `--legacy` of them, standing for an upgraded
    /// install's older rows).
    #[command(hide = true)]
    SeedBorrowers {
        #[arg(long)]
        count: u64,
        /// Every n-th borrower written in the legacy format (0: none).
        #[arg(long, default_value_t = 0)]
        legacy_every: u64,
        /// The shared password.
        #[arg(long, default_value = "drill-pass-1")]
        password: String,
        /// Phones are 139 followed by this offset plus the borrower's number.
        #[arg(long, default_value_t = 0)]
        first: u64,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

pub fn run(args: KeysArgs) -> anyhow::Result<()> {
    match args.command {
        KeysCommand::NewKek { file } => {
            let id = kredit_server::kek_file::append_new_kek(&file)?;
            println!("added KEK {id} to {}", file.display());
            Ok(())
        }
        KeysCommand::Rotate {
            new_kek,
            kek,
            batch,
            database,
        } => {
            let config = database.config(&[])?;
            let kek = if new_kek {
                let path = kredit_server::kek_file::path(&config)?;
                let id = kredit_server::kek_file::append_new_kek(&path)?;
                println!("added KEK {id} to {}", path.display());
                Some(id)
            } else {
                kek
            };
            with_vault(&database, async move |vault, repository| {
                let options = RotateOptions {
                    batch_size: batch,
                    max_batches: None,
                };
                let report =
                    rotation::rotate(&vault, repository.as_ref(), kek.as_deref(), options).await?;
                let rotation = &report.rotation;
                println!(
                    "rotation {} to {}: {}{} data keys re-wrapped and {} legacy values re-sealed by this run in {:.1} s ({} and {} in all)",
                    rotation.id,
                    rotation.target_kek,
                    if report.resumed { "resumed; " } else { "" },
                    report.rewrapped,
                    report.migrated,
                    report.seconds,
                    rotation.rewrapped,
                    rotation.migrated,
                );
                if report.unreadable > 0 {
                    bail!(
                        "{} values open in neither format (left as they are): run `kredit keys check`",
                        report.unreadable
                    );
                }
                println!(
                    "retired the KEKs it replaced; `kredit keys check` confirms none is in use"
                );
                Ok(())
            })
        }
        KeysCommand::Status { database } => with_vault(&database, async |vault, repository| {
            let status = rotation::status(&vault, repository.as_ref()).await?;
            println!("KEKs in the key file: {}", status.provider_keks.join(", "));
            for kek in &status.keks {
                println!(
                    "{:<28} {:<9} {:>9} data keys  activated {}{}",
                    kek.id,
                    kek.status,
                    status.data_keys.get(&kek.id).copied().unwrap_or(0),
                    kek.activated_at.format("%Y-%m-%d %H:%M:%S"),
                    kek.retired_at
                        .map(|at| format!(", retired {}", at.format("%Y-%m-%d %H:%M:%S")))
                        .unwrap_or_default()
                );
            }
            println!("destroyed data keys: {}", status.destroyed_data_keys);
            match &status.latest_rotation {
                None => println!("no rotation yet"),
                Some(r) => println!(
                    "rotation {} to {}: phase {} at {:?}, {} re-wrapped, {} re-sealed, {}",
                    r.id,
                    r.target_kek,
                    r.phase,
                    r.cursor,
                    r.rewrapped,
                    r.migrated,
                    match r.finished_at {
                        Some(at) => format!("finished {}", at.format("%Y-%m-%d %H:%M:%S")),
                        None => "under way (rerun `kredit keys rotate` to continue)".into(),
                    }
                ),
            }
            Ok(())
        }),
        KeysCommand::Check { database } => with_vault(&database, async |vault, repository| {
            let report = rotation::check(&vault, repository.as_ref(), 1000).await?;
            println!(
                "{} data keys, {} unwrap failures; {} sealed values ({} legacy, {} under destroyed keys), {} failures",
                report.data_keys,
                report.data_key_failures.len(),
                report.values,
                report.legacy_values,
                report.shredded_values,
                report.value_failures.len()
            );
            for id in report.data_key_failures.iter().take(20) {
                println!("data key {id} does not unwrap");
            }
            for value in report.value_failures.iter().take(20) {
                println!("{value} does not open");
            }
            for kek in &report.retired_in_use {
                println!("retired KEK {kek} still wraps data keys");
            }
            if !report.passed() {
                bail!("key check failed");
            }
            println!("key check passed");
            Ok(())
        }),
        KeysCommand::SeedBorrowers {
            count,
            legacy_every,
            password,
            first,
            database,
        } => with_vault(&database, async move |vault, repository| {
            seed(
                &vault,
                repository.as_ref(),
                count,
                legacy_every,
                &password,
                first,
            )
            .await
        }),
    }
}

async fn seed(
    vault: &Vault,
    repository: &dyn Repository,
    count: u64,
    legacy_every: u64,
    password: &str,
    first: u64,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let password_hash = kredit_app::password::hash(password.to_owned())
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    for n in 0..count {
        let phone = format!("139{:08}", first + n);
        let legacy = legacy_every > 0 && n % legacy_every == 0;
        let (phone_encrypted, data_key) = if legacy {
            (vault.master().encrypt_legacy(&phone), None)
        } else {
            let (key, data_key) = vault.new_user_key().await?;
            (key.seal(&phone), Some(data_key))
        };
        let user = NewUser {
            phone_hash: vault.lookup_hash(&phone),
            phone_encrypted,
            password_hash: password_hash.clone(),
            role: Role::Borrower,
            created_at: kredit_store::now(),
            data_key,
        };
        repository.create_user(&user, None).await?;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "created {count} borrowers in {seconds:.1} s ({:.0}/s)",
        count as f64 / seconds.max(1e-9)
    );
    Ok(())
}

/// Runs `body` with the server's vault over the configured database.
fn with_vault(
    database: &DatabaseArgs,
    body: impl AsyncFnOnce(Vault, Arc<dyn Repository>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let config = database.config(&[])?;
    let keys = kredit_server::keys::Keys::resolve(&config)
        .context("cannot load the server's keys (the same as `kredit serve` uses)")?;
    runtime()?.block_on(async {
        let repository = kredit_server::server::open_database(&config).await?;
        let vault = Vault::new(
            PiiCipher::new(&keys.pii),
            keys.keks.clone(),
            repository.clone(),
        );
        body(vault, repository).await
    })
}
