//! `kredit demo generate`: load a realistic demo portfolio into a database.

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Args, Subcommand};

use super::serve::{DatabaseArgs, runtime};

#[derive(Args)]
pub struct DemoArgs {
    #[command(subcommand)]
    what: DemoCommand,
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Generate a portfolio (mixed products, methods, terms and ages, a few
    /// percent in arrears across every bucket) and insert it, with the demo
    /// products, borrowers and the business date.
    Generate(GenerateArgs),
}

#[derive(Args)]
pub struct GenerateArgs {
    /// Number of loans.
    #[arg(long)]
    loans: usize,
    /// Portfolio seed: the same seed gives the same loans.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The portfolio's business date.
    #[arg(long, default_value = "2026-11-25")]
    date: NaiveDate,
    #[command(flatten)]
    database: DatabaseArgs,
}

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    match args.what {
        DemoCommand::Generate(args) => generate(args),
    }
}

fn generate(args: GenerateArgs) -> anyhow::Result<()> {
    let config = args.database.config(&[])?;
    runtime()?.block_on(async {
        let repository = kredit_server::server::open_database(&config).await?;
        let report = kredit_jobs::generate::generate_into(
            &*repository,
            args.loans,
            args.seed,
            args.date,
            |done| eprint!("\rgenerated {done} of {} loans", args.loans),
        )
        .await
        .context("cannot generate the portfolio")?;
        eprintln!();
        println!(
            "generated {} loans for {} borrowers on {} into {} in {:.1} s ({:.0} loans/s)",
            report.loans,
            report.borrowers,
            args.date,
            kredit_server::server::redact_url(&config.database_url),
            report.wall.as_secs_f64(),
            report.loans as f64 / report.wall.as_secs_f64().max(1e-9)
        );
        Ok(())
    })
}
