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
    pub environment: crate::config::Environment,
    /// When this server closes business by itself.
    pub schedule: CobSchedule,
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
        authoriser: kredit_app::payments::AuthoriseAll::shared(),
        callback_url: config.payment_callback_url(),
        auto_debit: config.auto_debit,
    })
}

/// Tunable rules, from configuration.
#[derive(Debug, Clone)]
pub struct Policies {
    pub refresh_token_ttl: Duration,
    pub lockout_max_failures: i64,
    pub lockout_window: Duration,
    pub lockout_duration: Duration,
}

impl Policies {
    pub fn from_config(config: &Config) -> Self {
        Self {
            refresh_token_ttl: Duration::days(config.refresh_token_ttl_days),
            lockout_max_failures: config.lockout_max_failures,
            lockout_window: Duration::minutes(config.lockout_window_minutes),
            lockout_duration: Duration::minutes(config.lockout_minutes),
        }
    }
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
            access_tokens: AccessTokens::new(
                keys.token_secret.clone(),
                Duration::seconds(config.access_token_ttl_seconds),
            ),
            policy: Policies::from_config(config),
            environment: config.env,
            schedule: config.cob_schedule().expect("a validated configuration"),
        })
    }
}
