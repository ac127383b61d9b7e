//! The disbursement policy's configuration (docs/disbursement-policy.md):
//! `KREDIT_DISBURSEMENT_POLICY_FILE`, a policy document in TOML or JSON,
//! activated by the server at its first evaluation after start (without
//! one the stored policy stays in force, Kredit's default on a new
//! install), and the sandbox funding account `KREDIT_FUNDING_BALANCE`.
//! A policy file that cannot be in force stops the server at startup with
//! every problem named.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use kredit_app::disbursement_policy::{PolicyAuthoriser, Startup, describe};
use kredit_app::funding::{FundingSource, SandboxFunding};
use kredit_app::payments::PaymentAuthoriser;
use kredit_policy::disbursement::DisbursementPolicy;

use crate::config::Config;

/// A policy document: JSON by a `.json` extension, TOML otherwise.
pub fn read_policy_file(path: &Path) -> anyhow::Result<DisbursementPolicy> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let parsed: Result<DisbursementPolicy, String> =
        if path.extension().is_some_and(|e| e == "json") {
            serde_json::from_str(&text).map_err(|e| e.to_string())
        } else {
            toml::from_str(&text).map_err(|e| e.to_string())
        };
    parsed.map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// The funding account of this configuration, if one is configured.
pub fn funding(config: &Config) -> Option<Arc<dyn FundingSource>> {
    config.funding_balance.map(|balance| {
        Arc::new(SandboxFunding {
            balance_fen: balance.fen(),
        }) as Arc<dyn FundingSource>
    })
}

/// The authoriser every payment passes, with this configuration's policy.
pub fn authoriser(config: &Config) -> anyhow::Result<Arc<dyn PaymentAuthoriser>> {
    let startup = match &config.disbursement_policy_file {
        None => Startup::Stored,
        Some(path) => Startup::File(read_policy_file(path)?),
    };
    match PolicyAuthoriser::new(startup, funding(config)) {
        Ok(authoriser) => {
            if let Startup::File(policy) = authoriser.startup() {
                tracing::info!(policy = %policy.name, version = policy.version, address = %policy.content_address(), "disbursement policy to activate");
            }
            Ok(Arc::new(authoriser))
        }
        Err(problems) => bail!(
            "the disbursement policy is not valid: {}",
            describe(&problems)
        ),
    }
}

/// An optional amount in yuan from configuration, as exact as it was
/// typed. A `KREDIT_*` variable reaches serde as a number when it looks
/// like one; Rust prints an `f64` as the shortest decimal that reads back
/// as the same number, which is the text typed for any amount of at most
/// 15 significant digits (up to ¥9,999,999,999,999.99), so that text is
/// parsed as money — never the float itself.
pub fn yuan<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<kredit_core::Money>, D::Error> {
    use serde::Deserialize;
    use serde::de::Error;

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Typed {
        Text(String),
        Whole(i64),
        Decimal(f64),
    }
    match Option::<Typed>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Typed::Text(text)) => text.trim().parse().map(Some).map_err(D::Error::custom),
        Some(Typed::Whole(yuan)) => yuan.to_string().parse().map(Some).map_err(D::Error::custom),
        Some(Typed::Decimal(yuan)) => decimal_yuan(yuan).map(Some).map_err(D::Error::custom),
    }
}

/// The amount a decimal number of yuan was typed as (see [`yuan`]).
fn decimal_yuan(yuan: f64) -> Result<kredit_core::Money, String> {
    if !(yuan.is_finite() && yuan.abs() < 1e13) {
        return Err(format!(
            "{yuan} is not an amount in yuan with at most 15 digits"
        ));
    }
    yuan.to_string()
        .parse()
        .map_err(|e: kredit_core::money::MoneyError| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kredit_core::Money;

    #[test]
    // figment's Jail fixes the closure's error type; its size is not ours to choose.
    #[allow(clippy::result_large_err)]
    fn the_funding_balance_is_read_exactly_from_the_environment() {
        for (typed, fen) in [
            ("2000000.00", 200_000_000),
            ("1234567890123.45", 123_456_789_012_345),
            ("0.1", 10),
            ("750", 75_000),
        ] {
            figment::Jail::expect_with(|jail| {
                jail.set_env("KREDIT_FUNDING_BALANCE", typed);
                let config: Config = Config::figment(None).extract()?;
                assert_eq!(
                    config.funding_balance,
                    Some(Money::from_fen(fen)),
                    "{typed}"
                );
                Ok(())
            });
        }
        figment::Jail::expect_with(|jail| {
            jail.set_env("KREDIT_FUNDING_BALANCE", "12.345");
            assert!(Config::figment(None).extract::<Config>().is_err());
            Ok(())
        });
    }

    /// Every amount of up to 15 digits survives the trip through a float
    /// that the environment imposes: a sweep over each magnitude.
    #[test]
    fn a_decimal_reads_back_as_typed() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for digits in 1..=15u32 {
            let bound = 10_i64.pow(digits);
            for _ in 0..2_000 {
                // xorshift: reproducible, spread over the whole range.
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let fen = (state % bound as u64) as i64;
                let typed = Money::from_fen(fen).to_string();
                let float: f64 = typed.parse().unwrap();
                assert_eq!(decimal_yuan(float), Ok(Money::from_fen(fen)), "{typed}");
            }
        }
        assert!(decimal_yuan(1e13).is_err());
        assert!(decimal_yuan(f64::NAN).is_err());
    }
}
