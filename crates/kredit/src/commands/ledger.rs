//! `kredit ledger check`: verify the general ledger against the loans; exits
//! non-zero when anything disagrees.

use anyhow::bail;
use clap::{Args, Subcommand};

use super::serve::{DatabaseArgs, runtime};

#[derive(Args)]
pub struct LedgerArgs {
    #[command(subcommand)]
    command: LedgerCommand,
}

#[derive(Subcommand)]
enum LedgerCommand {
    /// Debits equal credits; receivable and credit accounts equal the sum of
    /// the loans; every loan equals the replay of its events.
    Check {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

pub fn run(args: LedgerArgs) -> anyhow::Result<()> {
    let LedgerCommand::Check { database } = args.command;
    let config = database.config(&[])?;
    let report = runtime()?.block_on(async {
        let repository = kredit_server::server::open_database(&config).await?;
        anyhow::Ok(kredit_app::ledger_check::check(repository.as_ref()).await?)
    })?;
    println!(
        "loans checked: {}\ntotal debits:  {}\ntotal credits: {}",
        report.loans_checked, report.total_debits, report.total_credits
    );
    for problem in &report.problems {
        println!("PROBLEM {problem}");
    }
    if !report.is_consistent() {
        bail!(
            "the ledger does not check out ({} problems)",
            report.problems.len()
        );
    }
    println!("ledger OK");
    Ok(())
}
