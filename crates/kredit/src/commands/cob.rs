//! `kredit cob`: close of business through a date, catching up every
//! missed day; restartable, and on PostgreSQL several processes can share
//! one run.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::NaiveDate;
use clap::Args;
use kredit_jobs::{CobOptions, CobReport, close_of_business};

use super::serve::{DatabaseArgs, runtime};

#[derive(Args)]
pub struct CobArgs {
    /// The business date to close through.
    #[arg(long)]
    date: NaiveDate,
    #[command(flatten)]
    database: DatabaseArgs,
    /// Loan ids per chunk (the unit of commit and restart).
    #[arg(long, default_value_t = 10_000)]
    chunk_size: i64,
    /// Chunks worked on at once [default: cores + 1].
    #[arg(long)]
    workers: Option<usize>,
    /// Seconds a leased chunk stays reserved before another process may
    /// take it over (PostgreSQL).
    #[arg(long, default_value_t = 60)]
    lease_seconds: u64,
    /// Testing: abort the process right after committing this many chunks.
    #[arg(long, hide = true)]
    abort_after_chunks: Option<u64>,
}

pub fn run(args: CobArgs) -> anyhow::Result<()> {
    let config = args.database.config(&[])?;
    let mut options = CobOptions {
        chunk_size: args.chunk_size,
        lease: Duration::from_secs(args.lease_seconds),
        ..CobOptions::default()
    };
    if let Some(workers) = args.workers {
        options.workers = workers;
    }
    if let Some(limit) = args.abort_after_chunks {
        options.after_chunk = Some(Arc::new(move |done| {
            if done >= limit {
                eprintln!("kredit cob: aborting after {done} chunks (--abort-after-chunks)");
                std::process::abort();
            }
        }));
    }
    runtime()?.block_on(async {
        let repository = kredit_server::server::open_database(&config).await?;
        let report = close_of_business(&*repository, args.date, &options)
            .await
            .context("close of business failed")?;
        print_report(&report);
        // The day's population stability of the models in service.
        let alerts = kredit_server::scoring::monitor_in_service(&*repository)
            .await
            .map_err(|error| anyhow::anyhow!("model monitoring: {}", error.problem().detail))?;
        for alert in alerts {
            println!("stability alert     {alert}");
        }
        Ok(())
    })
}

pub fn print_report(report: &CobReport) {
    let Some(from) = report.from else {
        println!(
            "nothing to do: the business date is already {} or later",
            report.through
        );
        return;
    };
    let wall = report.wall.as_secs_f64();
    println!("business date       {from} → {}", report.through);
    println!("days processed      {}", report.days_processed);
    println!("loans processed     {}", report.loans_processed);
    println!("loans written       {}", report.loans_changed);
    println!("GL lines            {}", report.gl_lines);
    println!("auto-debits queued  {}", report.auto_debits_queued);
    println!("chunks (this run)   {}", report.chunks_committed_here);
    println!(
        "wall time           {wall:.2} s ({:.0} loans/s)",
        report.loans_processed as f64 / wall.max(1e-9)
    );
}
