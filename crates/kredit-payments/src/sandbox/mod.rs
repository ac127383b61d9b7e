//! A sandbox bank/PSP that behaves like a real one: it accepts instructions
//! at once, settles them later, and tells the merchant by signed callbacks
//! that may be duplicated, late or out of order. Its state lives in memory,
//! standing in for the outside bank; test card numbers are in [`cards`].

pub mod cards;
mod delivery;

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use http::HeaderMap;
use tokio::time::Instant;

pub use delivery::RetryPolicy;

use self::cards::{ScriptedDelivery, ScriptedEvent, script_for};
use self::delivery::{Courier, Delivery};
use crate::signature::{CallbackSecret, DEFAULT_TOLERANCE};
use crate::{
    CallbackError, PaymentCallback, PaymentInstruction, PaymentProvider, PaymentReference,
    PaymentState, PaymentStatus, ProviderError, Submitted,
};

/// How the sandbox behaves in time. Demos keep the defaults; tests use
/// milliseconds.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Signs the callbacks the sandbox sends and verifies those it is shown.
    pub secret: CallbackSecret,
    /// How long an ordinary payment takes to settle.
    pub settle_delay: Duration,
    /// When the callback of [`cards::CARD_LATE_CALLBACK`] is sent.
    pub late_delay: Duration,
    /// When [`cards::CARD_TIMES_OUT`] finally fails.
    pub timeout_delay: Duration,
    pub retry: RetryPolicy,
    /// The longest the sandbox waits for the receiver to answer one POST.
    pub request_timeout: Duration,
    /// How old a callback may be when passed to `verify_callback`.
    pub signature_tolerance: Duration,
}

impl SandboxConfig {
    /// Defaults: settles in 2 s, late callbacks after 2 min, timeouts
    /// resolve after 10 min, about a day of delivery retries.
    pub fn new(secret: CallbackSecret) -> SandboxConfig {
        SandboxConfig {
            secret,
            settle_delay: Duration::from_secs(2),
            late_delay: Duration::from_secs(120),
            timeout_delay: Duration::from_secs(600),
            retry: RetryPolicy::default(),
            request_timeout: Duration::from_secs(10),
            signature_tolerance: DEFAULT_TOLERANCE,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the sandbox's HTTP client could not be built: {0}")]
pub struct SandboxSetupError(#[from] reqwest::Error);

pub struct SandboxProvider {
    config: SandboxConfig,
    courier: Courier,
    book: Mutex<PaymentBook>,
}

/// Every payment the sandbox bank has accepted.
#[derive(Default)]
struct PaymentBook {
    by_merchant_reference: HashMap<String, AcceptedPayment>,
    merchant_by_provider_reference: HashMap<String, String>,
}

struct AcceptedPayment {
    instruction: PaymentInstruction,
    submitted: Submitted,
    accepted: Instant,
    events: Vec<ScriptedEvent>,
}

impl AcceptedPayment {
    /// The latest scripted status that has happened by `now`.
    fn state_at(&self, now: Instant) -> PaymentState {
        let elapsed = now.saturating_duration_since(self.accepted);
        let happened = self
            .events
            .iter()
            .take_while(|event| event.after <= elapsed)
            .count();
        let (status, sequence) = match happened.checked_sub(1) {
            Some(latest) => (self.events[latest].status.clone(), happened as u64),
            None => (PaymentStatus::Pending, 0),
        };
        PaymentState {
            provider_reference: self.submitted.provider_reference.clone(),
            merchant_reference: self.instruction.merchant_reference.clone(),
            amount: self.instruction.amount,
            status,
            sequence,
        }
    }

    /// The callbacks to send, in sending order. A delivery scheduled too far
    /// ahead to represent never falls due, like an event that never happens.
    fn deliveries(&self, scripted: &[ScriptedDelivery]) -> Vec<Delivery> {
        scripted
            .iter()
            .filter_map(|delivery| {
                let event = &self.events[delivery.event];
                Some(Delivery {
                    due: self.accepted.checked_add(delivery.after)?,
                    callback: PaymentCallback {
                        provider_reference: self.submitted.provider_reference.clone(),
                        merchant_reference: self.instruction.merchant_reference.clone(),
                        status: event.status.clone(),
                        amount: self.instruction.amount,
                        sequence: delivery.event as u64 + 1,
                        occurred_at: wall_clock_after(self.submitted.accepted_at, event.after),
                    },
                })
            })
            .collect()
    }
}

fn wall_clock_after(start: DateTime<Utc>, elapsed: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(elapsed)
        .ok()
        .and_then(|delta| start.checked_add_signed(delta))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn new_provider_reference() -> Result<String, ProviderError> {
    let mut random = [0u8; 12];
    getrandom::fill(&mut random)
        .map_err(|error| ProviderError::Unavailable(format!("no randomness: {error}")))?;
    Ok(format!("sbx_{}", hex::encode(random)))
}

impl SandboxProvider {
    pub fn new(config: SandboxConfig) -> Result<SandboxProvider, SandboxSetupError> {
        let client = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .build()?;
        let courier = Courier {
            client,
            secret: config.secret.clone(),
            retry: config.retry,
        };
        Ok(SandboxProvider {
            config,
            courier,
            book: Mutex::default(),
        })
    }

    /// The book is plain data updated in single steps, so it stays
    /// consistent even if a thread panicked while holding the lock.
    fn book(&self) -> std::sync::MutexGuard<'_, PaymentBook> {
        self.book.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl PaymentProvider for SandboxProvider {
    async fn submit(&self, instruction: PaymentInstruction) -> Result<Submitted, ProviderError> {
        instruction.validate()?;
        let (submitted, callback_url, deliveries) = {
            let mut book = self.book();
            if let Some(existing) = book
                .by_merchant_reference
                .get(&instruction.merchant_reference)
            {
                return if existing.instruction == instruction {
                    Ok(existing.submitted.clone())
                } else {
                    Err(ProviderError::ReferenceConflict {
                        merchant_reference: instruction.merchant_reference,
                    })
                };
            }
            let script = script_for(&instruction.card_number, &self.config);
            let payment = AcceptedPayment {
                submitted: Submitted {
                    provider_reference: new_provider_reference()?,
                    accepted_at: Utc::now(),
                },
                accepted: Instant::now(),
                events: script.events,
                instruction,
            };
            let deliveries = payment.deliveries(&script.deliveries);
            let submitted = payment.submitted.clone();
            let callback_url = payment.instruction.callback_url.clone();
            let merchant_reference = payment.instruction.merchant_reference.clone();
            book.merchant_by_provider_reference.insert(
                submitted.provider_reference.clone(),
                merchant_reference.clone(),
            );
            book.by_merchant_reference
                .insert(merchant_reference, payment);
            (submitted, callback_url, deliveries)
        };
        self.courier.dispatch(callback_url, deliveries);
        Ok(submitted)
    }

    async fn query(&self, reference: &PaymentReference) -> Result<PaymentState, ProviderError> {
        let book = self.book();
        let merchant_reference = match reference {
            PaymentReference::Merchant(merchant) => Some(merchant),
            PaymentReference::Provider(provider) => {
                book.merchant_by_provider_reference.get(provider)
            }
        };
        merchant_reference
            .and_then(|merchant| book.by_merchant_reference.get(merchant))
            .map(|payment| payment.state_at(Instant::now()))
            .ok_or(ProviderError::NotFound)
    }

    fn verify_callback(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<PaymentCallback, CallbackError> {
        let now = Utc::now().timestamp();
        self.config
            .secret
            .verify(headers, body, now, self.config.signature_tolerance)?;
        serde_json::from_slice(body)
            .map_err(|error| CallbackError::MalformedBody(error.to_string()))
    }
}
