//! `kredit import loans`: take over a portfolio from another system with
//! its balances at the cut-over date (docs/import.md). Rows the core refuses
//! are listed by line with the reason and not written; the command then
//! exits non-zero. Running it again on the same file resumes: loans already
//! imported (by their reference) are skipped.

use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};

use super::serve::{DatabaseArgs, runtime};

#[derive(Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    what: ImportCommand,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Loans with their opening balances, from a CSV or JSONL file.
    Loans(LoansArgs),
}

#[derive(Args)]
pub struct LoansArgs {
    /// The file: `.csv` (with a header) or `.jsonl`, columns in docs/import.md.
    #[arg(long)]
    file: PathBuf,
    /// The date the balances are at the end of. Defaults to the database's
    /// business date, which it must equal; a database without one gets it.
    #[arg(long)]
    cut_over: Option<NaiveDate>,
    #[command(flatten)]
    database: DatabaseArgs,
}

pub fn run(args: ImportArgs) -> anyhow::Result<()> {
    let ImportCommand::Loans(args) = args.what;
    let config = args.database.config(&[])?;
    let report = runtime()?.block_on(async {
        let repository = kredit_server::server::open_database(&config).await?;
        kredit_jobs::import::import_file(&*repository, &args.file, args.cut_over, |r| {
            eprint!("\rread {} rows, imported {}", r.rows, r.imported);
        })
        .await
        .with_context(|| format!("cannot import {}", args.file.display()))
    })?;
    eprintln!();
    for error in &report.rejected {
        println!("REJECTED {error}");
    }
    println!(
        "{} rows: {} loans imported, {} already imported, {} rejected; cut-over {} ({:.1} s)",
        report.rows,
        report.imported,
        report.already_imported,
        report.rejected.len(),
        report
            .cut_over
            .map_or_else(|| "-".to_owned(), |d| d.to_string()),
        report.wall.as_secs_f64()
    );
    if !report.rejected.is_empty() {
        bail!(
            "{} rows were not imported: correct them and run the import again",
            report.rejected.len()
        );
    }
    Ok(())
}
