//! The disbursement policy in force (`KREDIT_DISBURSEMENT_POLICY_FILE`, a
//! policy document in TOML or JSON, docs/disbursement-policy.md), or
//! Kredit's default: identity verified, contract signed, no cooling-off.
//! An invalid policy stops the server at startup with every problem named.

use std::sync::Arc;

use anyhow::{Context, bail};
use kredit_app::disbursement_policy::{PolicyAuthoriser, kredit_default};
use kredit_app::payments::PaymentAuthoriser;
use kredit_policy::disbursement::DisbursementPolicy;

use crate::config::Config;

/// The authoriser every payment passes, with this configuration's policy.
pub fn authoriser(config: &Config) -> anyhow::Result<Arc<dyn PaymentAuthoriser>> {
    let policy = match &config.disbursement_policy_file {
        None => kredit_default(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let parsed: Result<DisbursementPolicy, String> =
                if path.extension().is_some_and(|e| e == "json") {
                    serde_json::from_str(&text).map_err(|e| e.to_string())
                } else {
                    toml::from_str(&text).map_err(|e| e.to_string())
                };
            parsed.map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        }
    };
    match PolicyAuthoriser::new(policy) {
        Ok(authoriser) => {
            let policy = authoriser.policy();
            tracing::info!(policy = %policy.name, version = policy.version, address = %policy.content_address(), "disbursement policy in force");
            Ok(Arc::new(authoriser))
        }
        Err(problems) => bail!(
            "the disbursement policy is not valid: {}",
            problems.join("; ")
        ),
    }
}
