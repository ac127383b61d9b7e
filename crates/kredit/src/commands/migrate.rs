//! `kredit migrate`: create or upgrade the database schema and exit.

use clap::Args;

use super::serve::{DatabaseArgs, runtime};

#[derive(Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    database: DatabaseArgs,
}

pub fn run(args: MigrateArgs) -> anyhow::Result<()> {
    let config = args.database.config(&[])?;
    runtime()?.block_on(kredit_server::server::open_database(&config))?;
    println!(
        "migrated {}",
        kredit_server::server::redact_url(&config.database_url)
    );
    Ok(())
}
