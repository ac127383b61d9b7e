//! `kredit bench`: measured speed of whole operations.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use chrono::{Days, NaiveDate};
use clap::{Args, Subcommand};
use kredit_core::delinquency::{Bucket, ClassificationThresholds};
use kredit_jobs::close_of_business;
use kredit_jobs::cob::BookedLoan;
use kredit_jobs::{CobOptions, demo, generate, portfolio};

#[derive(Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    what: BenchCommand,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Close of business over a generated portfolio in a database (generated
    /// there first unless it already holds that many loans), or held in
    /// memory with --in-memory.
    Cob {
        /// Number of loans.
        #[arg(long, default_value_t = 100_000)]
        loans: usize,
        /// Portfolio seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The portfolio's date; close of business runs for the days after it.
        #[arg(long, default_value = "2026-11-25")]
        date: NaiveDate,
        /// Business days to close, one after another.
        #[arg(long, default_value_t = 1)]
        days: u64,
        /// sqlite://FILE or postgres://… [default: sqlite://kredit-bench.db].
        #[arg(long, conflicts_with = "in_memory")]
        database_url: Option<String>,
        /// Keep the portfolio in memory: the compute part alone, no database.
        #[arg(long)]
        in_memory: bool,
        /// Loan ids per chunk.
        #[arg(long, default_value_t = 10_000)]
        chunk_size: i64,
        /// Chunks worked on at once [default: cores + 1].
        #[arg(long)]
        workers: Option<usize>,
    },
}

pub fn run(args: BenchArgs) -> Result<()> {
    match args.what {
        BenchCommand::Cob {
            loans,
            seed,
            date,
            days,
            database_url,
            in_memory,
            chunk_size,
            workers,
        } => {
            if in_memory {
                cob(loans, seed, date, days)
            } else {
                let url = database_url.unwrap_or_else(|| "sqlite://kredit-bench.db".to_owned());
                let mut options = CobOptions {
                    chunk_size,
                    ..CobOptions::default()
                };
                if let Some(workers) = workers {
                    options.workers = workers;
                }
                cob_database(&url, loans, seed, date, days, &options)
            }
        }
    }
}

/// Close of business over the database, day after day, after generating
/// the portfolio there if needed.
fn cob_database(
    url: &str,
    count: usize,
    seed: u64,
    date: NaiveDate,
    days: u64,
    options: &CobOptions,
) -> Result<()> {
    if count == 0 || days == 0 {
        bail!("--loans and --days must be positive");
    }
    super::serve::runtime()?.block_on(async {
        let shown = kredit_server::server::redact_url(url);
        let repository = kredit_store::connect(url)
            .await
            .with_context(|| format!("cannot open {shown}"))?;
        repository.migrate().await.context("cannot migrate")?;
        let existing = repository.cob().loan_count().await?;
        let generated = if existing == 0 {
            let report = generate::generate_into(&*repository, count, seed, date, |done| {
                eprint!("\rgenerating: {done} of {count} loans")
            })
            .await?;
            eprintln!();
            format!(
                "{:.1} s ({:.0} loans/s), peak memory {}",
                report.wall.as_secs_f64(),
                count as f64 / report.wall.as_secs_f64(),
                peak_memory()
            )
        } else if existing as usize == count {
            "reused the portfolio already in the database".to_owned()
        } else {
            bail!("{shown} holds {existing} loans, not {count}: use an empty database");
        };
        // From here on the peak is close of business alone.
        let peak_reset = reset_peak_memory();
        let Some(business_date) = repository.cob().business_date().await? else {
            bail!("{shown} has no business date");
        };
        println!("database            {shown} ({:?})", repository.backend());
        println!("loans               {count}");
        println!("portfolio           {generated}");
        println!("workers, chunk      {}, {} loan ids", options.workers, options.chunk_size);
        println!();
        println!("| business date | wall | loans/s | loans written | GL lines | auto-debits | peak memory |");
        println!("|---|---|---|---|---|---|---|");
        for day in 1..=days {
            let through = business_date + Days::new(day);
            let report = close_of_business(&*repository, through, options).await?;
            let wall = report.wall.as_secs_f64();
            println!(
                "| {through} | {wall:.2} s | {:.0} | {} | {} | {} | {} |",
                report.loans_processed as f64 / wall,
                report.loans_changed,
                report.gl_lines,
                report.auto_debits_queued,
                peak_memory()
            );
        }
        if !peak_reset {
            println!("(peak memory includes generating the portfolio: /proc/self/clear_refs unavailable)");
        }
        Ok(())
    })
}

/// Resets the process's peak resident memory (VmHWM) to its current size.
fn reset_peak_memory() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn cob(count: usize, seed: u64, date: NaiveDate, days: u64) -> Result<()> {
    if count == 0 || days == 0 {
        bail!("--loans and --days must be positive");
    }
    let products = demo::products();
    let started = Instant::now();
    let mut loans: Vec<BookedLoan> = portfolio::generate(&products, count, seed, date)
        .into_iter()
        .map(|g| BookedLoan {
            book: g.product,
            loan: g.loan,
        })
        .collect();
    let generated_in = started.elapsed();
    println!("storage             in memory (no database)");
    println!("loans               {count}");
    println!(
        "generated in        {:.2} s ({:.0} loans/s)",
        generated_in.as_secs_f64(),
        count as f64 / generated_in.as_secs_f64()
    );
    let thresholds = ClassificationThresholds::default();
    for day in 1..=days {
        let business_date = date + Days::new(day);
        let started = Instant::now();
        let outcome = kredit_jobs::cob::close_of_business(&mut loans, business_date, &thresholds);
        let wall = started.elapsed().as_secs_f64();
        let buckets: Vec<String> = Bucket::ALL
            .iter()
            .zip(outcome.buckets)
            .map(|(b, n)| format!("{}={n}", b.label()))
            .collect();
        println!(
            "close of business   {business_date}: {:.3} s wall, {:.0} loans/s, {} GL lines, {} auto-debits, {}",
            wall,
            outcome.loans_processed as f64 / wall,
            outcome.gl.len(),
            outcome.auto_debit.len(),
            buckets.join(" ")
        );
    }
    println!("peak memory         {}", peak_memory());
    Ok(())
}

/// The process's peak resident memory, from /proc (Linux).
fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}
