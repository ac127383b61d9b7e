//! Four-element identity verification (name, ID number, bank card, phone
//! reserved at the bank) behind a trait, so a real bureau or bank-card
//! verification vendor can replace the sandbox without touching handlers.

use std::time::Duration;

use async_trait::async_trait;

/// The four elements, already validated for format.
#[derive(Debug, Clone)]
pub struct FourElements {
    pub real_name: String,
    pub id_number: String,
    pub bank_card: String,
    pub bank_phone: String,
}

/// What the provider concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// All four elements belong together.
    Matched,
    /// They do not; reasons are stable codes such as `name_mismatch`.
    Mismatched(Vec<&'static str>),
    /// The provider could not answer now (outage); retry later.
    Unavailable,
}

#[async_trait]
pub trait IdentityProvider: Send + Sync + 'static {
    /// May take arbitrarily long; the caller applies its own timeout.
    async fn verify(&self, elements: &FourElements) -> Verification;
}

/// A sandbox that behaves like a vendor: every well-formed input matches,
/// except documented bank-card endings (see docs/api.md):
///
/// | card ends in | outcome                                  |
/// |--------------|------------------------------------------|
/// | `0001`       | mismatch: `name_mismatch`                |
/// | `0002`       | mismatch: `id_number_mismatch`           |
/// | `0003`       | mismatch: `bank_phone_mismatch`          |
/// | `0004`       | mismatch: `bank_card_not_found`          |
/// | `0005`       | provider unavailable                     |
/// | `0008`       | never answers (the caller's timeout hits) |
///
/// (Not `0009`: that is the payment sandbox's card that always succeeds,
/// which a borrower in the sandbox must be able to verify.)
#[derive(Debug, Clone, Copy, Default)]
pub struct SandboxIdentityProvider;

/// Longer than any sensible provider timeout.
const SANDBOX_HANG: Duration = Duration::from_secs(3600);

#[async_trait]
impl IdentityProvider for SandboxIdentityProvider {
    async fn verify(&self, elements: &FourElements) -> Verification {
        let ending = &elements.bank_card[elements.bank_card.len().saturating_sub(4)..];
        match ending {
            "0001" => Verification::Mismatched(vec!["name_mismatch"]),
            "0002" => Verification::Mismatched(vec!["id_number_mismatch"]),
            "0003" => Verification::Mismatched(vec!["bank_phone_mismatch"]),
            "0004" => Verification::Mismatched(vec!["bank_card_not_found"]),
            "0005" => Verification::Unavailable,
            "0008" => {
                tokio::time::sleep(SANDBOX_HANG).await;
                Verification::Unavailable
            }
            _ => Verification::Matched,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elements(card: &str) -> FourElements {
        FourElements {
            real_name: "张三".into(),
            id_number: "11010519491231002X".into(),
            bank_card: card.into(),
            bank_phone: "13812345678".into(),
        }
    }

    #[tokio::test]
    async fn documented_card_endings_select_each_branch() {
        let sandbox = SandboxIdentityProvider;
        assert_eq!(
            sandbox.verify(&elements("6222021234567890123")).await,
            Verification::Matched
        );
        assert_eq!(
            sandbox.verify(&elements("6222021234567890001")).await,
            Verification::Mismatched(vec!["name_mismatch"])
        );
        assert_eq!(
            sandbox.verify(&elements("6222021234567890005")).await,
            Verification::Unavailable
        );
        let hanging = elements("6222021234567890008");
        let answer =
            tokio::time::timeout(Duration::from_millis(20), sandbox.verify(&hanging)).await;
        assert!(answer.is_err(), "0008 never answers");
    }
}
