//! `kredit products apply FILE`: the lender's product catalogue as
//! configuration (see `catalogue/demo.toml` and `kredit_app::catalogue`).

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use kredit_app::AppError;

use super::serve::{DatabaseArgs, runtime};

#[derive(Args)]
pub struct ProductsArgs {
    #[command(subcommand)]
    command: ProductsCommand,
}

#[derive(Subcommand)]
enum ProductsCommand {
    /// Check a catalogue whole and store each new or changed product as a
    /// new version (audited); one invalid product and nothing is written.
    Apply {
        /// The catalogue: TOML with one [[product]] table per product.
        file: PathBuf,
        /// Check only; write nothing.
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

pub fn run(args: ProductsArgs) -> anyhow::Result<()> {
    let ProductsCommand::Apply {
        file,
        check,
        database,
    } = args.command;
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("cannot read {}", file.display()))?;
    let products = kredit_app::catalogue::parse(&text).map_err(explain)?;
    let config = database.config(&[])?;
    let cap = config.lending_policy().policy.rate_cap;
    if check {
        let problems = kredit_core::catalogue::check(&products, cap);
        for problem in &problems {
            eprintln!("{}.{}: {}", problem.code, problem.field, problem.message);
        }
        anyhow::ensure!(
            problems.is_empty(),
            "{} problem(s) in {}",
            problems.len(),
            file.display()
        );
        println!("{}: {} products, all valid", file.display(), products.len());
        return Ok(());
    }
    runtime()?.block_on(async {
        let repository = kredit_server::server::open_database(&config).await?;
        let applied = kredit_app::catalogue::apply(repository.as_ref(), &products, cap, None)
            .await
            .map_err(explain)?;
        for code in &applied.created {
            println!("created    {code} (version 1)");
        }
        for (code, version) in &applied.updated {
            println!("updated    {code} (version {version})");
        }
        for code in &applied.unchanged {
            println!("unchanged  {code}");
        }
        for code in &applied.not_in_catalogue {
            println!("kept       {code} (not in the catalogue)");
        }
        Ok(())
    })
}

/// Every field problem on its own line.
pub(super) fn explain(error: AppError) -> anyhow::Error {
    match error {
        AppError::Validation { detail, errors } => {
            let lines: Vec<String> = errors
                .iter()
                .map(|e| format!("  {}: {}", e.field, e.message))
                .collect();
            anyhow::anyhow!("{detail}\n{}", lines.join("\n"))
        }
        other => anyhow::anyhow!("{other}"),
    }
}
