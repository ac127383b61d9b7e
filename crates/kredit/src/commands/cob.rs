//! `kredit cob`: close of business through a date, catching up every
//! missed day; restartable, and on PostgreSQL several processes can share
//! one run.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use kredit_jobs::{CobOptions, CobReport, close_of_business};

use super::serve::{DatabaseArgs, runtime};

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CobArgs {
    #[command(subcommand)]
    command: Option<CobCommand>,
    /// The business date to close through.
    #[arg(long, required = true)]
    date: Option<NaiveDate>,
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

#[derive(Subcommand)]
enum CobCommand {
    /// The business date, the day due now, the schedule, who holds the
    /// close-of-business lease and the last runs.
    Status {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

pub fn run(args: CobArgs) -> anyhow::Result<()> {
    if let Some(CobCommand::Status { database }) = args.command {
        return status(&database);
    }
    let through = args.date.context("--date is required")?;
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
        let report = close_of_business(&*repository, through, &options)
            .await
            .context("close of business failed")?;
        print_report(&report);
        // The day's population stability of the models in service.
        let alerts = kredit_app::scoring::monitor_in_service(&*repository)
            .await
            .map_err(|error| anyhow::anyhow!("model monitoring: {}", error))?;
        for alert in alerts {
            println!("stability alert     {alert}");
        }
        Ok(())
    })
}

fn status(database: &DatabaseArgs) -> anyhow::Result<()> {
    let config = database.config(&[])?;
    let time = kredit_app::LocalTime {
        clock: Arc::new(kredit_app::SystemClock),
        zone: config.time_zone()?,
    };
    let schedule = config.cob_schedule()?;
    let status = runtime()?.block_on(async {
        let repository = kredit_server::server::open_database(&config).await?;
        kredit_app::close_of_business::status(repository.as_ref(), &time, &schedule, 10)
            .await
            .map_err(|error| anyhow::anyhow!("{error}"))
    })?;
    println!("business date       {}", status.business_date);
    println!("due now             {}", status.due);
    println!(
        "schedule            {} at {} {}",
        if status.schedule_enabled { "on" } else { "off" },
        status.schedule_at.format("%H:%M"),
        status.time_zone
    );
    match &status.lease {
        Some(lease) => println!(
            "lease               {} until {}",
            lease.holder, lease.expires_at
        ),
        None => println!("lease               free"),
    }
    for run in &status.runs {
        println!(
            "run {:<6} {} → {}  {:<7} chunks {}/{}  loans {}  started {}{}",
            run.id,
            run.from_date,
            run.to_date,
            run.status,
            run.chunks_done,
            run.chunk_count,
            run.loans,
            run.started_at.format("%Y-%m-%d %H:%M:%S"),
            run.finished_at
                .map(|f| format!("  finished {}", f.format("%H:%M:%S")))
                .unwrap_or_default()
        );
    }
    Ok(())
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
