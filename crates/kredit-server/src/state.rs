//! What every handler shares.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use kredit_core::identity::AgePolicy;
use kredit_store::Repository;
use kredit_store::pii::PiiCipher;

use chrono::NaiveDate;
use kredit_payments::PaymentProvider;

use crate::config::Config;
use crate::error::ApiError;
use crate::identity_provider::IdentityProvider;
use crate::keys::Keys;
use crate::lending::{LendingPolicy, today_in_china};
use crate::token::AccessTokens;

pub type SharedState = Arc<AppState>;

pub struct AppState {
    pub repository: Arc<dyn Repository>,
    pub pii: PiiCipher,
    pub access_tokens: AccessTokens,
    pub identity_provider: Arc<dyn IdentityProvider>,
    pub policy: Policies,
    pub lending: LendingPolicy,
    pub payments: Payments,
    pub environment: crate::config::Environment,
    /// The champion and challenger models in service.
    pub scorer: crate::scoring::ModelScorer,
}

/// The bank/PSP and where it sends its notices.
pub struct Payments {
    pub provider: Arc<dyn PaymentProvider>,
    /// The absolute URL of `POST /api/v1/payments/callback`.
    pub callback_url: String,
    /// Whether the auto-debits close of business queues are sent.
    pub auto_debit: bool,
}

impl Payments {
    /// The sandbox bank with its default timings, signing notices with a
    /// key derived from the token secret (distinct from it by its label).
    pub fn sandbox(keys: &Keys, config: &Config) -> anyhow::Result<Payments> {
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
            callback_url: config.payment_callback_url(),
            auto_debit: config.auto_debit,
        })
    }
}

/// Tunable rules, from configuration.
#[derive(Debug, Clone)]
pub struct Policies {
    pub refresh_token_ttl: Duration,
    pub lockout_max_failures: i64,
    pub lockout_window: Duration,
    pub lockout_duration: Duration,
    pub age: AgePolicy,
    /// How long an identity provider may take before the check is left
    /// `pending`.
    pub identity_provider_timeout: StdDuration,
}

impl Policies {
    pub fn from_config(config: &Config) -> Self {
        Self {
            refresh_token_ttl: Duration::days(config.refresh_token_ttl_days),
            lockout_max_failures: config.lockout_max_failures,
            lockout_window: Duration::minutes(config.lockout_window_minutes),
            lockout_duration: Duration::minutes(config.lockout_minutes),
            age: AgePolicy {
                min_age: config.identity_min_age,
                max_age: config.identity_max_age,
            },
            identity_provider_timeout: StdDuration::from_millis(
                config.identity_provider_timeout_ms,
            ),
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
        Arc::new(Self {
            repository,
            pii: PiiCipher::new(&keys.pii),
            access_tokens: AccessTokens::new(
                keys.token_secret.clone(),
                Duration::seconds(config.access_token_ttl_seconds),
            ),
            identity_provider,
            policy: Policies::from_config(config),
            lending: LendingPolicy::from_config(config),
            payments,
            environment: config.env,
            scorer: crate::scoring::ModelScorer::default(),
        })
    }

    /// The business date: set by close of business, else today in China.
    pub async fn business_date(&self) -> Result<NaiveDate, ApiError> {
        Ok(self
            .repository
            .lending()
            .business_date()
            .await?
            .unwrap_or_else(today_in_china))
    }
}
