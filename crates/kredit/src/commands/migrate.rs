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
    let business_date = runtime()?.block_on(async {
        let repository = kredit_server::server::open_database(&config).await?;
        anyhow::Ok(repository.lending().business_date().await?)
    })?;
    println!(
        "migrated {}",
        kredit_server::server::redact_url(&config.database_url)
    );
    if let Some(date) = business_date {
        println!("business date {date} ({})", config.timezone);
    }
    Ok(())
}
