//! Configuration: built-in defaults, then an optional TOML file, then
//! `KREDIT_*` environment variables (e.g. `KREDIT_DATABASE_URL`,
//! `KREDIT_PII_KEY`), then command-line flags — later sources win.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use kredit_app::close_of_business::CobSchedule;
use kredit_core::decision::GradeTable;
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
    /// The key-encryption keys of personal data (`KREDIT_KEK_FILE`, see
    /// `kek_file`); required in production.
    pub kek_file: Option<PathBuf>,
    /// The transparency log's signing key: a file holding the C2SP note
    /// key line `PRIVATE+KEY+<origin>+…` (`kredit log keygen`); required
    /// in production, generated into `data_dir` in development.
    pub log_key_file: Option<PathBuf>,
    /// The origin of a development log key (production's comes with its
    /// key file).
    pub log_origin: String,
    /// The witnesses checkpoints are submitted to, comma-separated, each
    /// `<verifier key> <url>` (`witness_client.rs`); none: the log-signed
    /// checkpoint is published.
    pub log_witnesses: Option<String>,
    /// Cosignatures a checkpoint needs to be published; defaults to every
    /// witness listed.
    pub log_witness_quorum: Option<usize>,
    /// How long one `add-checkpoint` call may take.
    pub log_witness_timeout_ms: u64,
    /// The disbursement policy (TOML, or JSON by its `.json` extension);
    /// Kredit's default without one (`disbursement.rs`).
    pub disbursement_policy_file: Option<PathBuf>,
    /// The sandbox funding account's available balance in yuan, an exact
    /// decimal (`KREDIT_FUNDING_BALANCE=2000000.00`); without one a policy
    /// naming `funding_available` is refused (`disbursement.rs`).
    #[serde(default, deserialize_with = "crate::disbursement::yuan")]
    pub funding_balance: Option<kredit_core::Money>,
    /// A directory of sanctions lists (`screening.rs`: the OFAC SDN CSV
    /// files, the UN consolidated XML, optionally the lender's blocklist)
    /// that applicants' names are screened against; without one, fraud
    /// decisions record that screening was not configured.
    pub sanctions_dir: Option<PathBuf>,
    pub access_token_ttl_seconds: i64,
    pub refresh_token_ttl_days: i64,
    /// Previous token secrets (comma-separated, hex or base64) whose
    /// tokens still verify during a rotation's grace period.
    pub token_secrets_accepted: Option<String>,
    /// Peers whose `X-Forwarded-For` / `Forwarded` is believed:
    /// comma-separated IPs or CIDRs (`10.0.0.0/8, 192.168.1.5`).
    pub trusted_proxies: String,
    /// Login attempts per client address: a burst, then one every
    /// `login_address_refill_seconds`.
    pub login_address_burst: i64,
    pub login_address_refill_seconds: i64,
    /// Login attempts per phone number from one client address.
    pub login_account_address_burst: i64,
    pub login_account_address_refill_seconds: i64,
    /// Login attempts per phone number from addresses it has not signed in
    /// from lately (all of them together).
    pub login_account_burst: i64,
    pub login_account_refill_seconds: i64,
    /// Attempts at `/me/password` per user.
    pub password_change_burst: i64,
    pub password_change_refill_seconds: i64,
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
    /// Score band → grade → rate position and limit, on the rules
    /// scorecard's scale; the built-in table when absent.
    pub grade_table: Option<GradeTable>,
    /// The same on a trained model's points scale (600 at odds 50:1, PDO 20).
    pub model_grade_table: Option<GradeTable>,
    /// The lender's time zone (IANA name): the business day and the close
    /// of business time are read in it.
    pub timezone: String,
    /// Whether `kredit serve` closes business by itself each night.
    pub cob_schedule: bool,
    /// Local time (`HH:MM`) at which the previous business day is closed.
    pub cob_time: String,
    /// The largest request body any route takes (413 beyond it).
    pub max_body_bytes: usize,
    /// The same for an uploaded model artefact (`POST /api/v1/admin/models`).
    pub max_model_upload_bytes: usize,
    /// Bearer token for `/metrics` (`KREDIT_METRICS_TOKEN`); without one,
    /// `/metrics` is 404 in production and loopback-only in development.
    pub metrics_token: Option<String>,
    /// Send `Strict-Transport-Security`: set it when clients reach the
    /// server over HTTPS only (a TLS-terminating proxy in front).
    pub hsts: bool,
    /// Years an erasure keeps loan contracts, ledger records and the
    /// identity behind them after the borrower's last loan closes.
    pub retention_years: u32,
    /// Public holidays (`YYYY-MM-DD`), not counted as working days in the
    /// 15-working-day deadline of data-rights requests.
    pub holidays: Vec<chrono::NaiveDate>,
    /// Weekend days worked instead (调休), counted as working days.
    pub working_weekends: Vec<chrono::NaiveDate>,
    /// Whether admins must sign in with an authenticator app; defaults to
    /// `true` in production, `false` otherwise.
    pub require_admin_totp: Option<bool>,
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
            kek_file: None,
            log_key_file: None,
            log_origin: "localhost/kredit-log".to_owned(),
            log_witnesses: None,
            log_witness_quorum: None,
            log_witness_timeout_ms: 5000,
            disbursement_policy_file: None,
            funding_balance: None,
            sanctions_dir: None,
            access_token_ttl_seconds: 15 * 60,
            refresh_token_ttl_days: 30,
            token_secrets_accepted: None,
            trusted_proxies: String::new(),
            login_address_burst: 20,
            login_address_refill_seconds: 6,
            login_account_address_burst: 5,
            login_account_address_refill_seconds: 60,
            login_account_burst: 20,
            login_account_refill_seconds: 60,
            password_change_burst: 5,
            password_change_refill_seconds: 60,
            identity_min_age: 18,
            identity_max_age: 60,
            identity_provider_timeout_ms: 3000,
            public_url: None,
            web_dir: PathBuf::from("web/dist"),
            auto_debit: true,
            grade_table: None,
            model_grade_table: None,
            timezone: "Asia/Shanghai".to_owned(),
            cob_schedule: true,
            cob_time: "00:30".to_owned(),
            max_body_bytes: 1024 * 1024,
            max_model_upload_bytes: 32 * 1024 * 1024,
            metrics_token: None,
            hsts: false,
            retention_years: kredit_core::data_rights::DEFAULT_RETENTION_YEARS,
            holidays: Vec::new(),
            working_weekends: Vec::new(),
            require_admin_totp: None,
        }
    }
}

impl Config {
    /// The lending rules: the defaults with the configured grade tables
    /// (already checked by `Config::validate`).
    pub fn lending_policy(&self) -> kredit_app::origination::LendingPolicy {
        let mut lending = kredit_app::origination::LendingPolicy::default();
        if let Some(table) = &self.grade_table {
            lending.policy.grades = table.clone();
        }
        if let Some(table) = &self.model_grade_table {
            lending.model_grades = table.clone();
        }
        lending
    }

    /// Whether an admin needs an authenticator app to sign in.
    #[must_use]
    pub fn admin_totp_required(&self) -> bool {
        self.require_admin_totp
            .unwrap_or(self.env == Environment::Production)
    }

    /// Retention after erasure and the working days deadlines count in.
    pub fn privacy_policy(&self) -> kredit_app::data_rights::PrivacyPolicy {
        kredit_app::data_rights::PrivacyPolicy {
            retention_years: self.retention_years,
            calendar: kredit_core::data_rights::WorkingCalendar {
                holidays: self.holidays.iter().copied().collect(),
                working_weekends: self.working_weekends.iter().copied().collect(),
            },
        }
    }

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

    /// The configured time zone.
    pub fn time_zone(&self) -> anyhow::Result<chrono_tz::Tz> {
        kredit_app::clock::parse_zone(&self.timezone).map_err(|e| anyhow::anyhow!("timezone: {e}"))
    }

    /// The scheduled close of business.
    pub fn cob_schedule(&self) -> anyhow::Result<CobSchedule> {
        let at = chrono::NaiveTime::parse_from_str(&self.cob_time, "%H:%M").map_err(|_| {
            anyhow::anyhow!("cob_time: {:?} is not a time of day HH:MM", self.cob_time)
        })?;
        Ok(CobSchedule {
            enabled: self.cob_schedule,
            at,
            ..CobSchedule::default()
        })
    }

    /// Rules the configuration must keep beyond its types.
    pub fn validate(&self) -> anyhow::Result<()> {
        self.time_zone()?;
        crate::client::TrustedProxies::parse(&self.trusted_proxies)
            .map_err(|problem| anyhow::anyhow!("trusted_proxies: {problem}"))?;
        for secret in self
            .token_secrets_accepted
            .iter()
            .flat_map(|s| s.split(','))
        {
            if !secret.trim().is_empty() {
                crate::keys::parse_token_secret(secret.trim()).map_err(|_| {
                    anyhow::anyhow!(
                        "token_secrets_accepted: each secret is at least 32 bytes as hex or base64"
                    )
                })?;
            }
        }
        for (name, value) in [
            ("login_address_burst", self.login_address_burst),
            (
                "login_address_refill_seconds",
                self.login_address_refill_seconds,
            ),
            (
                "login_account_address_burst",
                self.login_account_address_burst,
            ),
            (
                "login_account_address_refill_seconds",
                self.login_account_address_refill_seconds,
            ),
            ("login_account_burst", self.login_account_burst),
            (
                "login_account_refill_seconds",
                self.login_account_refill_seconds,
            ),
            ("password_change_burst", self.password_change_burst),
            (
                "password_change_refill_seconds",
                self.password_change_refill_seconds,
            ),
        ] {
            if value < 1 {
                anyhow::bail!("{name} must be at least 1");
            }
        }
        self.cob_schedule()?;
        crate::witness_client::witnesses(self)?;
        for (name, table) in [
            ("grade_table", &self.grade_table),
            ("model_grade_table", &self.model_grade_table),
        ] {
            if let Some(table) = table {
                table
                    .validate()
                    .map_err(|problem| anyhow::anyhow!("{name}: {problem}"))?;
            }
        }
        Ok(())
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
                "addr = \"0.0.0.0:9000\"\nlogin_address_burst = 3\n",
            )?;
            jail.set_env("KREDIT_LOGIN_ADDRESS_BURST", "7");
            jail.set_env("KREDIT_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.5");
            jail.set_env("KREDIT_ENV", "production");
            let config: Config = Config::figment(Some(Path::new("kredit.toml")))
                .merge(("database_url", "postgres://db/kredit"))
                .extract()?;
            assert_eq!(config.addr.port(), 9000);
            assert_eq!(config.login_address_burst, 7);
            assert_eq!(config.trusted_proxies, "10.0.0.0/8, 192.168.1.5");
            config.validate().expect("valid");
            assert_eq!(config.database_url, "postgres://db/kredit");
            assert_eq!(config.log_format(), LogFormat::Json);
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn grade_tables_come_from_the_file_and_are_checked() {
        figment::Jail::expect_with(|jail| {
            let band = |grade: &str, min: i32, position: &str, max: &str, action: &str| {
                format!(
                    "[[model_grade_table.bands]]\ngrade = \"{grade}\"\nmin_score = {min}\n\
                     rate_position = \"{position}\"\nmax_amount = \"{max}\"\naction = \"{action}\"\n"
                )
            };
            let table = [
                band("A", 580, "0", "100000.00", "approve"),
                band("C", 540, "0.5", "30000.00", "refer"),
                band("E", -100000, "1", "0.00", "decline"),
            ]
            .concat();
            jail.create_file("kredit.toml", &table)?;
            let config: Config = Config::figment(Some(Path::new("kredit.toml"))).extract()?;
            config.validate().expect("a valid table");
            let lending = config.lending_policy();
            let c = lending.model_grades.band(550);
            assert_eq!(c.max_amount, kredit_core::Money::yuan(30_000));
            assert_eq!(c.action, kredit_core::decision::BandAction::Refer);
            assert_eq!(lending.policy.grades, GradeTable::default());

            let unordered = [
                band("A", 500, "0", "100000.00", "approve"),
                band("B", 540, "0.5", "30000.00", "refer"),
            ]
            .concat();
            jail.create_file("kredit.toml", &unordered)?;
            let config: Config = Config::figment(Some(Path::new("kredit.toml"))).extract()?;
            let error = config.validate().unwrap_err().to_string();
            assert!(error.starts_with("model_grade_table: "), "{error}");
            Ok(())
        });
    }
}
