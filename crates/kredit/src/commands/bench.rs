//! `kredit bench`: measured speed of whole operations.

use std::time::Instant;

use anyhow::{Result, bail};
use chrono::{Days, NaiveDate};
use clap::{Args, Subcommand};
use kredit_core::delinquency::{Bucket, ClassificationThresholds};
use kredit_jobs::cob::{BookedLoan, close_of_business};
use kredit_jobs::{demo, portfolio};

#[derive(Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    what: BenchCommand,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Close of business over a generated portfolio, held in memory.
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
    },
}

pub fn run(args: BenchArgs) -> Result<()> {
    match args.what {
        BenchCommand::Cob {
            loans,
            seed,
            date,
            days,
        } => cob(loans, seed, date, days),
    }
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
        let outcome = close_of_business(&mut loans, business_date, &thresholds);
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
