//! The `kredit` command: one binary for the loan calculator, the server,
//! close of business and the model tools. Each subcommand lives in its own
//! module under `commands/`; this file only parses arguments and dispatches.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod commands;

#[derive(Parser)]
#[command(
    name = "kredit",
    version,
    about = "Kredit: an open-source consumer-finance platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print a repayment schedule and its APR disclosure.
    Schedule(commands::schedule::ScheduleArgs),
    /// Measure the speed of whole operations.
    Bench(commands::bench::BenchArgs),
    /// Train, evaluate and cross-validate credit-risk models.
    Model(commands::model::ModelArgs),
    /// Run the HTTP API (JSON under /api/v1).
    Serve(commands::serve::ServeArgs),
    /// Create or upgrade the database schema (opening the business calendar
    /// on a new database) and exit.
    Migrate(commands::migrate::MigrateArgs),
    /// Staff accounts: `kredit admin create --phone … --role admin`.
    Admin(commands::admin::AdminArgs),
    /// The product catalogue: `kredit products apply catalogue.toml`.
    Products(commands::products::ProductsArgs),
    /// Verify the general ledger against the loans.
    Ledger(commands::ledger::LedgerArgs),
    /// Close of business through a date: accrual, due dates, penalties,
    /// delinquency, the auto-debit queue and the general ledger.
    Cob(commands::cob::CobArgs),
    /// Demo data: generate a realistic loan portfolio into a database.
    Demo(commands::demo::DemoArgs),
    /// Take over loans from another system with their opening balances.
    Import(commands::import::ImportArgs),
    /// The keys of personal data: `kredit keys rotate`, `status`, `check`.
    Keys(commands::keys::KeysArgs),
    /// The transparency log: `kredit log keygen`, `verify`, `export`.
    Log(commands::log::LogArgs),
    /// A transparency-log witness: `kredit witness keygen`, `serve`.
    Witness(commands::witness::WitnessArgs),
    /// The disbursement policy: `kredit policy activate`, `show`, `simulate`.
    Policy(commands::policy::PolicyArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Schedule(args) => commands::schedule::run(args),
        Command::Bench(args) => commands::bench::run(args),
        Command::Model(args) => commands::model::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Migrate(args) => commands::migrate::run(args),
        Command::Admin(args) => commands::admin::run(args),
        Command::Products(args) => commands::products::run(args),
        Command::Ledger(args) => commands::ledger::run(args),
        Command::Cob(args) => commands::cob::run(args),
        Command::Demo(args) => commands::demo::run(args),
        Command::Import(args) => commands::import::run(args),
        Command::Keys(args) => commands::keys::run(args),
        Command::Log(args) => commands::log::run(args),
        Command::Witness(args) => commands::witness::run(args),
        Command::Policy(args) => commands::policy::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One clear line on stderr; the chain explains the cause.
            eprintln!("kredit: {error:#}");
            ExitCode::FAILURE
        }
    }
}
