//! What every handler shares.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use kredit_core::identity::AgePolicy;
use kredit_store::Repository;
use kredit_store::pii::PiiCipher;

use crate::config::Config;
use crate::identity_provider::IdentityProvider;
use crate::keys::Keys;
use crate::token::AccessTokens;

pub type SharedState = Arc<AppState>;

pub struct AppState {
    pub repository: Arc<dyn Repository>,
    pub pii: PiiCipher,
    pub access_tokens: AccessTokens,
    pub identity_provider: Arc<dyn IdentityProvider>,
    pub policy: Policies,
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
        })
    }
}
