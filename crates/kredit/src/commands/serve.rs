//! `kredit serve`: run the HTTP API.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use kredit_server::config::Config;

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long)]
    addr: Option<SocketAddr>,
    #[command(flatten)]
    database: DatabaseArgs,
    /// Seed staff accounts for every role and sample borrowers, and print their logins.
    #[arg(long)]
    demo: bool,
    /// Log format [default: json when KREDIT_ENV=production, text otherwise].
    #[arg(long, value_parser = ["text", "json"])]
    log_format: Option<String>,
}

/// Where configuration and data come from; shared with `kredit migrate`.
#[derive(Args)]
pub struct DatabaseArgs {
    /// TOML configuration file; KREDIT_* environment variables override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// sqlite://FILE (created if missing) or postgres://… [default: sqlite://kredit.db].
    #[arg(long)]
    database_url: Option<String>,
}

impl DatabaseArgs {
    /// Defaults < file < environment < these flags.
    pub fn config(&self, extra: &[(&str, String)]) -> anyhow::Result<Config> {
        let mut figment = Config::figment(self.config.as_deref());
        if let Some(url) = &self.database_url {
            figment = figment.merge(("database_url", url));
        }
        for (key, value) in extra {
            figment = figment.merge((*key, value));
        }
        figment.extract().context("invalid configuration")
    }
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let mut overrides = Vec::new();
    if let Some(addr) = args.addr {
        overrides.push(("addr", addr.to_string()));
    }
    if let Some(format) = args.log_format {
        overrides.push(("log_format", format));
    }
    let config = args.database.config(&overrides)?;
    kredit_server::server::init_logging(config.log_format());
    runtime()?.block_on(kredit_server::server::serve(config, args.demo))
}

/// The main function is synchronous; async commands get their own runtime.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
