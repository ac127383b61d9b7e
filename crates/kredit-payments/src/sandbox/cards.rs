//! The sandbox's documented test card numbers and the future each one
//! scripts for a payment. All are 16-digit, Luhn-valid UnionPay-style numbers;
//! any card not listed here succeeds after `settle_delay`.

use std::time::Duration;

use crate::PaymentStatus;

use super::SandboxConfig;

/// An example of an ordinary card: succeeds after `settle_delay`, one callback.
pub const CARD_SUCCEEDS: &str = "6222000000000009";
/// Fails after `settle_delay` with code `insufficient_funds`.
pub const CARD_INSUFFICIENT_FUNDS: &str = "6222000000000017";
/// Fails after `settle_delay` with code `account_name_mismatch`.
pub const CARD_ACCOUNT_NAME_MISMATCH: &str = "6222000000000025";
/// The bank does not answer: `query` reports pending and no callback comes
/// until `timeout_delay`, when the payment fails with code `bank_timeout`.
pub const CARD_TIMES_OUT: &str = "6222000000000033";
/// Succeeds after `settle_delay`; the success callback is delivered twice.
pub const CARD_DUPLICATE_CALLBACK: &str = "6222000000000041";
/// Records a `pending` notice (sequence 1) at once and succeeds (sequence 2)
/// after `settle_delay`; the success is delivered first, the stale pending after.
pub const CARD_OUT_OF_ORDER: &str = "6222000000000058";
/// Succeeds after `settle_delay` (as `query` shows at once) but the callback
/// is delivered only after `late_delay`.
pub const CARD_LATE_CALLBACK: &str = "6222000000000066";

/// A status change the bank records, `after` the payment was accepted.
/// Its sequence number is its position in [`Script::events`] plus one.
#[derive(Clone, Debug)]
pub(crate) struct ScriptedEvent {
    pub after: Duration,
    pub status: PaymentStatus,
}

/// A callback the bank sends, `after` the payment was accepted, announcing
/// `events[event]`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScriptedDelivery {
    pub after: Duration,
    pub event: usize,
}

/// A payment's whole future, fixed when it is accepted. Deliveries are made
/// one after another in this order, each retried until acknowledged.
#[derive(Debug)]
pub(crate) struct Script {
    pub events: Vec<ScriptedEvent>,
    pub deliveries: Vec<ScriptedDelivery>,
}

impl Script {
    /// One final status at `after`, announced by the given deliveries.
    fn settles(after: Duration, status: PaymentStatus, delivered_after: &[Duration]) -> Script {
        Script {
            events: vec![ScriptedEvent { after, status }],
            deliveries: delivered_after
                .iter()
                .map(|&after| ScriptedDelivery { after, event: 0 })
                .collect(),
        }
    }
}

pub(crate) fn script_for(card_number: &str, config: &SandboxConfig) -> Script {
    let settle = config.settle_delay;
    let declined = |code: &str, message: &str| {
        let status = PaymentStatus::Failed {
            code: code.to_owned(),
            message: message.to_owned(),
        };
        Script::settles(settle, status, &[settle])
    };
    match card_number {
        CARD_INSUFFICIENT_FUNDS => declined(
            "insufficient_funds",
            "the paying account does not hold enough funds",
        ),
        CARD_ACCOUNT_NAME_MISMATCH => declined(
            "account_name_mismatch",
            "the account name does not match the card holder",
        ),
        CARD_TIMES_OUT => {
            let timeout = config.timeout_delay;
            let status = PaymentStatus::Failed {
                code: "bank_timeout".to_owned(),
                message: "the card's bank did not answer in time".to_owned(),
            };
            Script::settles(timeout, status, &[timeout])
        }
        CARD_DUPLICATE_CALLBACK => {
            Script::settles(settle, PaymentStatus::Succeeded, &[settle, settle])
        }
        CARD_OUT_OF_ORDER => Script {
            events: vec![
                ScriptedEvent {
                    after: Duration::ZERO,
                    status: PaymentStatus::Pending,
                },
                ScriptedEvent {
                    after: settle,
                    status: PaymentStatus::Succeeded,
                },
            ],
            deliveries: vec![
                ScriptedDelivery {
                    after: settle,
                    event: 1,
                },
                ScriptedDelivery {
                    after: settle,
                    event: 0,
                },
            ],
        },
        CARD_LATE_CALLBACK => {
            Script::settles(settle, PaymentStatus::Succeeded, &[config.late_delay])
        }
        _ => Script::settles(settle, PaymentStatus::Succeeded, &[settle]),
    }
}
