//! Configuration: built-in defaults, then an optional TOML file, then
//! `KREDIT_*` environment variables (e.g. `KREDIT_DATABASE_URL`,
//! `KREDIT_PII_KEY`), then command-line flags — later sources win.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    pub addr: SocketAddr,
    pub database_url: String,
    /// `production` makes secrets mandatory and logs JSON.
    pub env: Environment,
    /// Defaults to `json` in production, `text` otherwise.
    pub log_format: Option<LogFormat>,
    /// Where the development key file lives when no keys are configured.
    pub data_dir: PathBuf,
    /// 32-byte master key for personal-data encryption, hex or base64.
    pub pii_key: Option<String>,
    /// Secret (at least 32 bytes, hex or base64) signing access tokens.
    pub token_secret: Option<String>,
    pub access_token_ttl_seconds: i64,
    pub refresh_token_ttl_days: i64,
    pub lockout_max_failures: i64,
    pub lockout_window_minutes: i64,
    pub lockout_minutes: i64,
    pub identity_min_age: u32,
    pub identity_max_age: u32,
    pub identity_provider_timeout_ms: u64,
    /// How the payment provider reaches this server for its notices;
    /// defaults to `http://{addr}`.
    pub public_url: Option<String>,
    /// The built web UI served at `/` (see `web.rs`).
    pub web_dir: PathBuf,
    /// Collect what falls due from the borrower's card (代扣) after close of
    /// business; off for a lender whose borrowers pay only on their own.
    pub auto_debit: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://kredit.db".to_owned(),
            env: Environment::Development,
            log_format: None,
            data_dir: PathBuf::from("."),
            pii_key: None,
            token_secret: None,
            access_token_ttl_seconds: 15 * 60,
            refresh_token_ttl_days: 30,
            lockout_max_failures: 5,
            lockout_window_minutes: 15,
            lockout_minutes: 15,
            identity_min_age: 18,
            identity_max_age: 60,
            identity_provider_timeout_ms: 3000,
            public_url: None,
            web_dir: PathBuf::from("web/dist"),
            auto_debit: true,
        }
    }
}

impl Config {
    /// Where the payment provider POSTs its notices.
    pub fn payment_callback_url(&self) -> String {
        let base = self
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.addr));
        format!("{}/api/v1/payments/callback", base.trim_end_matches('/'))
    }

    /// Defaults, the TOML file if given, then `KREDIT_*` variables. Callers
    /// merge command-line overrides into the figment before extracting.
    pub fn figment(file: Option<&Path>) -> Figment {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        // KREDIT_TEST_DATABASE_URL belongs to the test suites, not the server.
        figment.merge(Env::prefixed("KREDIT_").ignore(&["TEST_DATABASE_URL"]))
    }

    pub fn log_format(&self) -> LogFormat {
        self.log_format.unwrap_or(match self.env {
            Environment::Production => LogFormat::Json,
            Environment::Development => LogFormat::Text,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    // figment's Jail fixes the closure's error type; its size is not ours to choose.
    #[allow(clippy::result_large_err)]
    fn file_then_environment_then_overrides() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "kredit.toml",
                "addr = \"0.0.0.0:9000\"\nlockout_max_failures = 3\n",
            )?;
            jail.set_env("KREDIT_LOCKOUT_MAX_FAILURES", "7");
            jail.set_env("KREDIT_ENV", "production");
            let config: Config = Config::figment(Some(Path::new("kredit.toml")))
                .merge(("database_url", "postgres://db/kredit"))
                .extract()?;
            assert_eq!(config.addr.port(), 9000);
            assert_eq!(config.lockout_max_failures, 7);
            assert_eq!(config.database_url, "postgres://db/kredit");
            assert_eq!(config.log_format(), LogFormat::Json);
            Ok(())
        });
    }
}
