//! What every handler shares.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use kredit_app::close_of_business::CobSchedule;
use kredit_app::onboarding::{IdentityPolicy, IdentityProvider};
use kredit_app::{App, Clock, LocalTime, Payments, SystemClock};
use kredit_core::identity::AgePolicy;
use kredit_store::Repository;
use kredit_store::pii::PiiCipher;

use crate::config::Config;
use crate::keys::Keys;
use crate::token::AccessTokens;

pub type SharedState = Arc<AppState>;

/// The application layer's context (`App`, reached through `Deref`) and
/// what only the HTTP side needs.
pub struct AppState {
    pub app: App,
    pub access_tokens: AccessTokens,
    pub policy: Policies,
    /// Whose forwarding headers are believed (`client.rs`).
    pub trusted_proxies: crate::client::TrustedProxies,
    pub environment: crate::config::Environment,
    /// When this server closes business by itself.
    pub schedule: CobSchedule,
    /// Body limits, metrics access, HSTS (`crate::hardening`).
    pub hardening: crate::hardening::Hardening,
}

impl Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.app
    }
}

/// The sandbox bank with its default timings, signing notices with a key
/// derived from the token secret (distinct from it by its label).
pub fn sandbox_payments(keys: &Keys, config: &Config) -> anyhow::Result<Payments> {
    use sha2::Digest;
    let secret = sha2::Sha256::new()
        .chain_update(b"kredit payment callbacks\n")
        .chain_update(&keys.token_secret)
        .finalize();
    let secret = kredit_payments::CallbackSecret::new(secret.to_vec())
        .map_err(|error| anyhow::anyhow!("callback secret: {error}"))?;
    let provider =
        kredit_payments::SandboxProvider::new(kredit_payments::SandboxConfig::new(secret))?;
    Ok(Payments {
        provider: Arc::new(provider),
        authoriser: crate::disbursement::authoriser(config)?,
        callback_url: config.payment_callback_url(),
        auto_debit: config.auto_debit,
    })
}

/// Tunable rules, from configuration.
#[derive(Debug, Clone)]
pub struct Policies {
    pub refresh_token_ttl: Duration,
    pub throttle: kredit_app::throttle::Rates,
    pub second_factor: kredit_app::second_factor::SecondFactorPolicy,
}

impl Policies {
    pub fn from_config(config: &Config) -> Self {
        use kredit_app::throttle::{Rate, Rates};
        let rate = |burst: i64, refill_seconds: i64| Rate {
            burst,
            interval_ms: refill_seconds.saturating_mul(1000),
        };
        Self {
            refresh_token_ttl: Duration::days(config.refresh_token_ttl_days),
            throttle: Rates {
                per_address: rate(
                    config.login_address_burst,
                    config.login_address_refill_seconds,
                ),
                per_account_address: rate(
                    config.login_account_address_burst,
                    config.login_account_address_refill_seconds,
                ),
                per_account: rate(
                    config.login_account_burst,
                    config.login_account_refill_seconds,
                ),
                password_change: rate(
                    config.password_change_burst,
                    config.password_change_refill_seconds,
                ),
            },
            second_factor: kredit_app::second_factor::SecondFactorPolicy {
                required_for_admins: config.admin_totp_required(),
            },
        }
    }
}

/// The previous token secrets still accepted (comma-separated).
fn accepted_token_secrets(config: &Config) -> Vec<Vec<u8>> {
    config
        .token_secrets_accepted
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|secret| !secret.is_empty())
        .map(|secret| crate::keys::parse_token_secret(secret).expect("a validated configuration"))
        .collect()
}

impl AppState {
    pub fn new(
        repository: Arc<dyn Repository>,
        keys: &Keys,
        identity_provider: Arc<dyn IdentityProvider>,
        payments: Payments,
        config: &Config,
    ) -> SharedState {
        Self::with_clock(
            repository,
            keys,
            identity_provider,
            payments,
            config,
            Arc::new(SystemClock),
        )
    }

    /// The same on a given clock (tests and drills run on a fake one).
    /// `config` must have passed `Config::validate`.
    pub fn with_clock(
        repository: Arc<dyn Repository>,
        keys: &Keys,
        identity_provider: Arc<dyn IdentityProvider>,
        payments: Payments,
        config: &Config,
        clock: Arc<dyn Clock>,
    ) -> SharedState {
        let mut app = App::new(
            repository,
            PiiCipher::new(&keys.pii),
            keys.keks.clone(),
            payments,
            LocalTime {
                clock,
                zone: config.time_zone().expect("a validated configuration"),
            },
        );
        app.lending = config.lending_policy();
        app.privacy = config.privacy_policy();
        if let Some(dir) = &config.sanctions_dir {
            let index = crate::screening::load(dir)
                .unwrap_or_else(|e| panic!("sanctions lists in {}: {e}", dir.display()));
            app.risk.screening = Some(Arc::new(index));
        }
        app.log = keys
            .log_key
            .as_deref()
            .map(|key| kredit_app::tlog::LogSettings {
                signer: kredit_tlog::NoteSigner::from_skey(key).expect("a loaded log key"),
                witnesses: crate::witness_client::witnesses(config)
                    .expect("a validated configuration"),
            });
        app.identity_provider = identity_provider;
        app.identity = IdentityPolicy {
            age: AgePolicy {
                min_age: config.identity_min_age,
                max_age: config.identity_max_age,
            },
            provider_timeout: StdDuration::from_millis(config.identity_provider_timeout_ms),
        };
        Arc::new(Self {
            app,
            access_tokens: AccessTokens::with_accepted(
                keys.token_secret.clone(),
                accepted_token_secrets(config),
                Duration::seconds(config.access_token_ttl_seconds),
            ),
            policy: Policies::from_config(config),
            trusted_proxies: crate::client::TrustedProxies::parse(&config.trusted_proxies)
                .expect("a validated configuration"),
            environment: config.env,
            schedule: config.cob_schedule().expect("a validated configuration"),
            hardening: crate::hardening::Hardening::from_config(config),
        })
    }
}
