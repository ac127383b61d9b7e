//! Sending callbacks the way a PSP does: signed at each attempt, POSTed to
//! the merchant's URL and retried with exponential backoff until a 2xx.

use std::time::Duration;

use chrono::Utc;
use http::header::CONTENT_TYPE;
use tokio::time::{Instant, sleep, sleep_until};

use crate::PaymentCallback;
use crate::signature::{CallbackSecret, SIGNATURE_HEADER};

/// How long the sandbox keeps trying to deliver one callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Wait after the first failed attempt; doubled after each further one.
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    /// After this many failed attempts the callback is dropped and the
    /// receiver must reconcile with `query`.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    /// About a day of retries: 1 s, 2 s, 4 s, … capped at 1 h, 30 attempts.
    fn default() -> Self {
        RetryPolicy {
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(3600),
            max_attempts: 30,
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (1-based).
    fn backoff(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.first_backoff
            .saturating_mul(1 << doublings)
            .min(self.max_backoff)
    }
}

/// A callback due at a given instant.
pub(crate) struct Delivery {
    pub due: Instant,
    pub callback: PaymentCallback,
}

#[derive(Clone)]
pub(crate) struct Courier {
    pub client: reqwest::Client,
    pub secret: CallbackSecret,
    pub retry: RetryPolicy,
}

impl Courier {
    /// Delivers `deliveries` to `url` in order, in the background: each one
    /// waits for its due time and for the previous one to be acknowledged
    /// or abandoned.
    pub fn dispatch(&self, url: String, deliveries: Vec<Delivery>) {
        let courier = self.clone();
        tokio::spawn(async move {
            for delivery in deliveries {
                sleep_until(delivery.due).await;
                courier.deliver(&url, &delivery.callback).await;
            }
        });
    }

    async fn deliver(&self, url: &str, callback: &PaymentCallback) {
        let body = match serde_json::to_vec(callback) {
            Ok(body) => body,
            Err(error) => {
                tracing::error!(%error, "sandbox could not encode a payment callback");
                return;
            }
        };
        for attempt in 1..=self.retry.max_attempts {
            // Signed afresh at every attempt, so a retry is never rejected
            // as a replay however long the receiver was down.
            let signature = self.secret.sign(Utc::now().timestamp(), &body);
            let sent = self
                .client
                .post(url)
                .header(CONTENT_TYPE, "application/json")
                .header(SIGNATURE_HEADER, signature)
                .body(body.clone())
                .send()
                .await;
            match sent {
                Ok(response) if response.status().is_success() => return,
                Ok(response) => tracing::debug!(
                    attempt, status = %response.status(), url,
                    "payment callback refused; will retry"
                ),
                Err(error) => tracing::debug!(
                    attempt, %error, url, "payment callback not delivered; will retry"
                ),
            }
            if attempt < self.retry.max_attempts {
                sleep(self.retry.backoff(attempt)).await;
            }
        }
        tracing::warn!(
            url,
            provider_reference = %callback.provider_reference,
            sequence = callback.sequence,
            "sandbox gave up delivering a payment callback; the receiver must query"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy {
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(10),
            max_attempts: 100,
        };
        let waits: Vec<u64> = (1..=6).map(|n| policy.backoff(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 10, 10]);
        assert_eq!(policy.backoff(u32::MAX), Duration::from_secs(10));
    }
}
