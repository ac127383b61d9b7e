//! `kredit policy activate FILE | show | simulate`: the disbursement policy
//! in force, and a draft replayed over the stored history before it goes
//! live (docs/disbursement-policy.md).

use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand};
use kredit_app::policy_history::{HistoryReport, simulate_history};

use super::products::explain;
use super::serve::{DatabaseArgs, runtime};

#[derive(Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    command: PolicyCommand,
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Check a policy document (TOML, or JSON by its `.json` extension),
    /// store it under its content address and put it in force, logged as
    /// `disbursement_policy.activated` and audited. Running servers apply
    /// it from their next evaluation.
    Activate {
        file: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// The policy in force: its address, name, version and document.
    Show {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Replay a draft policy over the applications made from `--from` to
    /// `--to` (days in the lender's time zone, both included): what it
    /// would have released (and when), held or blocked, against what
    /// happened.
    Simulate {
        /// The draft policy document.
        #[arg(long)]
        policy: PathBuf,
        #[arg(long)]
        from: NaiveDate,
        #[arg(long)]
        to: NaiveDate,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

pub fn run(args: PolicyArgs) -> anyhow::Result<()> {
    match args.command {
        PolicyCommand::Activate { file, database } => {
            let policy = kredit_server::disbursement::read_policy_file(&file)?;
            let config = database.config(&[])?;
            runtime()?.block_on(async {
                let state = kredit_server::server::open_state(&config).await?;
                let activated = kredit_app::disbursement_policy::activate(&state, &policy, None)
                    .await
                    .map_err(explain)?;
                let verb = if activated.changed {
                    "activated"
                } else {
                    "already in force"
                };
                println!(
                    "{verb}  {} v{} {}",
                    policy.name, policy.version, activated.address
                );
                Ok(())
            })
        }
        PolicyCommand::Show { json, database } => {
            let config = database.config(&[])?;
            runtime()?.block_on(async {
                let state = kredit_server::server::open_state(&config).await?;
                let Some(current) = kredit_app::disbursement_policy::in_force(&state)
                    .await
                    .map_err(explain)?
                else {
                    println!("no policy activated yet (the server activates Kredit's default at its first disbursement)");
                    return Ok(());
                };
                let document = serde_json::to_string_pretty(&current.policy)?;
                if json {
                    println!("{document}");
                } else {
                    println!(
                        "policy  {} v{} {}\n{document}",
                        current.policy.name, current.policy.version, current.address
                    );
                }
                Ok(())
            })
        }
        PolicyCommand::Simulate {
            policy,
            from,
            to,
            json,
            database,
        } => {
            let draft = kredit_server::disbursement::read_policy_file(&policy)?;
            let config = database.config(&[])?;
            let zone = config.time_zone()?;
            let start = |day: NaiveDate| -> anyhow::Result<DateTime<Utc>> {
                day.and_hms_opt(0, 0, 0)
                    .and_then(|t| t.and_local_timezone(zone).earliest())
                    .map(|t| t.with_timezone(&Utc))
                    .with_context(|| format!("{day} has no midnight in {zone}"))
            };
            let (from, to) = (start(from)?, start(to.succ_opt().context("--to")?)?);
            let funding = config.funding_balance.map(|m| m.fen());
            let report = runtime()?.block_on(async {
                let state = kredit_server::server::open_state(&config).await?;
                simulate_history(&state, &draft, from, to, funding)
                    .await
                    .map_err(explain)
            })?;
            print!("{}", render(&report, json)?);
            Ok(())
        }
    }
}

/// The report as `kredit policy simulate` prints it.
pub fn render(report: &HistoryReport, json: bool) -> anyhow::Result<String> {
    Ok(if json {
        format!("{}\n", serde_json::to_string_pretty(report)?)
    } else {
        report.render_text()
    })
}
