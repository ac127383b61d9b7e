//! End-to-end behaviour of the sandbox bank: real callbacks over HTTP to a
//! local receiver, one test per documented card plus the contract's edges.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::post;
use chrono::Utc;
use kredit_core::Money;
use kredit_payments::sandbox::RetryPolicy;
use kredit_payments::sandbox::cards::*;
use kredit_payments::{
    CallbackDecision, CallbackError, CallbackSecret, Direction, PaymentCallback,
    PaymentInstruction, PaymentProvider, PaymentReference, PaymentStatus, ProviderError,
    SIGNATURE_HEADER, SandboxConfig, SandboxProvider, Submitted, decide_callback,
};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::time::timeout;

const SECRET: &str = "whsec_test_5b2f0c8e9d1a4f67";
const SETTLE: Duration = Duration::from_millis(50);
const LATE: Duration = Duration::from_millis(400);
const TIMEOUT: Duration = Duration::from_millis(400);
/// Long enough for any due callback to arrive, short of LATE and TIMEOUT.
const QUIET_WINDOW: Duration = Duration::from_millis(120);
/// A bound on waiting for an expected callback, not a delay: tests end as
/// soon as it arrives.
const PATIENCE: Duration = Duration::from_secs(5);

fn secret() -> CallbackSecret {
    CallbackSecret::new(SECRET).unwrap()
}

fn provider() -> Arc<dyn PaymentProvider> {
    let config = SandboxConfig {
        settle_delay: SETTLE,
        late_delay: LATE,
        timeout_delay: TIMEOUT,
        retry: RetryPolicy {
            first_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(40),
            max_attempts: 5,
        },
        ..SandboxConfig::new(secret())
    };
    Arc::new(SandboxProvider::new(config).unwrap())
}

struct Delivered {
    headers: HeaderMap,
    body: Bytes,
}

#[derive(Clone)]
struct ReceiverState {
    refuse_first: usize,
    attempts: Arc<AtomicUsize>,
    delivered: mpsc::UnboundedSender<Delivered>,
}

/// A merchant endpoint on 127.0.0.1 that answers 503 to its first
/// `refuse_first` requests and then records and acknowledges each one.
struct Receiver {
    url: String,
    attempts: Arc<AtomicUsize>,
    delivered: mpsc::UnboundedReceiver<Delivered>,
}

async fn receiver(refuse_first: usize) -> Receiver {
    let (sender, delivered) = mpsc::unbounded_channel();
    let attempts = Arc::new(AtomicUsize::new(0));
    let state = ReceiverState {
        refuse_first,
        attempts: attempts.clone(),
        delivered: sender,
    };
    async fn handle(
        State(state): State<ReceiverState>,
        headers: HeaderMap,
        body: Bytes,
    ) -> StatusCode {
        if state.attempts.fetch_add(1, Ordering::SeqCst) < state.refuse_first {
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        let _ = state.delivered.send(Delivered { headers, body });
        StatusCode::NO_CONTENT
    }
    let app = Router::new()
        .route("/callback", post(handle))
        .with_state(state);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/callback", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Receiver {
        url,
        attempts,
        delivered,
    }
}

impl Receiver {
    async fn next_raw(&mut self) -> Delivered {
        timeout(PATIENCE, self.delivered.recv())
            .await
            .expect("a callback should have arrived")
            .expect("receiver is running")
    }

    /// The next callback, verified as the server would verify it.
    async fn next(&mut self, provider: &dyn PaymentProvider) -> PaymentCallback {
        let delivered = self.next_raw().await;
        provider
            .verify_callback(&delivered.headers, &delivered.body)
            .expect("sandbox callbacks are correctly signed")
    }

    async fn assert_quiet(&mut self, window: Duration) {
        if let Ok(Some(delivered)) = timeout(window, self.delivered.recv()).await {
            panic!(
                "unexpected callback: {}",
                String::from_utf8_lossy(&delivered.body)
            );
        }
    }
}

fn instruction(reference: &str, card: &str, receiver: &Receiver) -> PaymentInstruction {
    PaymentInstruction {
        merchant_reference: reference.to_owned(),
        direction: Direction::Disbursement,
        amount: Money::from_fen(853_099),
        card_number: card.to_owned(),
        account_name: "张三".to_owned(),
        callback_url: receiver.url.clone(),
    }
}

/// A fresh sandbox and receiver with one payment submitted on `card`.
async fn pay(reference: &str, card: &str) -> (Arc<dyn PaymentProvider>, Receiver, Submitted) {
    let provider = provider();
    let receiver = receiver(0).await;
    let submitted = provider
        .submit(instruction(reference, card, &receiver))
        .await
        .unwrap();
    (provider, receiver, submitted)
}

async fn status_of(provider: &dyn PaymentProvider, reference: &str) -> (PaymentStatus, u64) {
    let state = provider
        .query(&PaymentReference::Merchant(reference.to_owned()))
        .await
        .unwrap();
    (state.status, state.sequence)
}

fn failed_with(callback: &PaymentCallback) -> &str {
    match &callback.status {
        PaymentStatus::Failed { code, .. } => code,
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[tokio::test]
async fn an_ordinary_card_succeeds_with_one_signed_callback() {
    let (provider, mut receiver, submitted) = pay("pay-ordinary", CARD_SUCCEEDS).await;
    assert_eq!(
        status_of(&*provider, "pay-ordinary").await,
        (PaymentStatus::Pending, 0)
    );

    let delivered = receiver.next_raw().await;
    let callback = provider
        .verify_callback(&delivered.headers, &delivered.body)
        .unwrap();
    assert_eq!(callback.provider_reference, submitted.provider_reference);
    assert_eq!(callback.merchant_reference, "pay-ordinary");
    assert_eq!(callback.status, PaymentStatus::Succeeded);
    assert_eq!(callback.amount, Money::from_fen(853_099));
    assert_eq!(callback.sequence, 1);
    assert!(callback.occurred_at >= submitted.accepted_at);
    // On the wire: money as a two-place string, the status flattened.
    let wire: serde_json::Value = serde_json::from_slice(&delivered.body).unwrap();
    assert_eq!(wire["amount"], "8530.99");
    assert_eq!(wire["status"], "succeeded");

    assert_eq!(
        status_of(&*provider, "pay-ordinary").await,
        (PaymentStatus::Succeeded, 1)
    );
    receiver.assert_quiet(QUIET_WINDOW).await;
}

#[tokio::test]
async fn declining_cards_fail_with_their_codes() {
    let provider = provider();
    for (card, code) in [
        (CARD_INSUFFICIENT_FUNDS, "insufficient_funds"),
        (CARD_ACCOUNT_NAME_MISMATCH, "account_name_mismatch"),
    ] {
        let mut receiver = receiver(0).await;
        provider
            .submit(instruction(code, card, &receiver))
            .await
            .unwrap();
        let callback = receiver.next(&*provider).await;
        assert_eq!(failed_with(&callback), code);
        assert_eq!(callback.sequence, 1);
        let (status, sequence) = status_of(&*provider, code).await;
        assert_eq!((status, sequence), (callback.status, 1));
    }
}

#[tokio::test]
async fn the_timeout_card_stays_pending_silently_then_fails() {
    let (provider, mut receiver, _) = pay("pay-timeout", CARD_TIMES_OUT).await;
    receiver.assert_quiet(QUIET_WINDOW).await;
    assert_eq!(
        status_of(&*provider, "pay-timeout").await,
        (PaymentStatus::Pending, 0)
    );

    let callback = receiver.next(&*provider).await;
    assert_eq!(failed_with(&callback), "bank_timeout");
    let (status, sequence) = status_of(&*provider, "pay-timeout").await;
    assert_eq!((status, sequence), (callback.status, 1));
}

#[tokio::test]
async fn the_duplicate_card_delivers_the_same_notice_twice() {
    let (provider, mut receiver, _) = pay("pay-duplicate", CARD_DUPLICATE_CALLBACK).await;
    let first = receiver.next(&*provider).await;
    let second = receiver.next(&*provider).await;
    assert_eq!(first, second);
    assert_eq!(first.status, PaymentStatus::Succeeded);

    assert_eq!(decide_callback(&first, 0), CallbackDecision::Apply);
    assert_eq!(
        decide_callback(&second, first.sequence),
        CallbackDecision::IgnoreDuplicate
    );
    receiver.assert_quiet(QUIET_WINDOW).await;
}

#[tokio::test]
async fn the_out_of_order_card_sends_a_stale_pending_after_the_success() {
    let (provider, mut receiver, _) = pay("pay-unordered", CARD_OUT_OF_ORDER).await;
    // The bank records "processing" at once.
    assert_eq!(
        status_of(&*provider, "pay-unordered").await,
        (PaymentStatus::Pending, 1)
    );

    let newest = receiver.next(&*provider).await;
    let stale = receiver.next(&*provider).await;
    assert_eq!(
        (newest.status.clone(), newest.sequence),
        (PaymentStatus::Succeeded, 2)
    );
    assert_eq!(
        (stale.status.clone(), stale.sequence),
        (PaymentStatus::Pending, 1)
    );
    assert!(stale.occurred_at <= newest.occurred_at);

    assert_eq!(decide_callback(&newest, 0), CallbackDecision::Apply);
    assert_eq!(
        decide_callback(&stale, newest.sequence),
        CallbackDecision::IgnoreStale
    );
    assert_eq!(
        status_of(&*provider, "pay-unordered").await,
        (PaymentStatus::Succeeded, 2)
    );
}

#[tokio::test]
async fn the_late_card_settles_on_time_but_calls_back_late() {
    let (provider, mut receiver, _) = pay("pay-late", CARD_LATE_CALLBACK).await;
    receiver.assert_quiet(QUIET_WINDOW).await;
    // Reconciliation by query already sees the outcome…
    assert_eq!(
        status_of(&*provider, "pay-late").await,
        (PaymentStatus::Succeeded, 1)
    );
    // …and the callback, when it finally comes, is that same notice.
    let callback = receiver.next(&*provider).await;
    assert_eq!(
        (callback.status, callback.sequence),
        (PaymentStatus::Succeeded, 1)
    );
}

#[tokio::test]
async fn refused_callbacks_are_retried_until_acknowledged() {
    let provider = provider();
    let mut receiver = receiver(2).await;
    provider
        .submit(instruction("pay-retried", CARD_SUCCEEDS, &receiver))
        .await
        .unwrap();
    let callback = receiver.next(&*provider).await;
    assert_eq!(callback.status, PaymentStatus::Succeeded);
    assert_eq!(receiver.attempts.load(Ordering::SeqCst), 3);
    receiver.assert_quiet(QUIET_WINDOW).await;
}

#[tokio::test]
async fn resubmitting_a_reference_never_pays_twice() {
    let provider = provider();
    let mut receiver = receiver(0).await;
    let payment = instruction("pay-once", CARD_SUCCEEDS, &receiver);
    let mut racing = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (provider, payment) = (provider.clone(), payment.clone());
        racing.spawn(async move { provider.submit(payment).await });
    }
    let receipts = racing.join_all().await;
    let first = receipts[0].clone().unwrap();
    assert!(
        receipts
            .iter()
            .all(|receipt| receipt.as_ref() == Ok(&first))
    );

    let conflicting = PaymentInstruction {
        amount: Money::from_fen(1),
        ..payment.clone()
    };
    assert_eq!(
        provider.submit(conflicting).await,
        Err(ProviderError::ReferenceConflict {
            merchant_reference: "pay-once".to_owned()
        })
    );

    let callback = receiver.next(&*provider).await;
    assert_eq!(callback.provider_reference, first.provider_reference);
    assert_eq!(callback.amount, payment.amount);
    receiver.assert_quiet(QUIET_WINDOW).await;
    assert_eq!(provider.submit(payment).await, Ok(first));
}

#[tokio::test]
async fn query_finds_payments_by_either_reference_and_only_those() {
    let (provider, _receiver, submitted) = pay("pay-query", CARD_SUCCEEDS).await;
    let by_provider = provider
        .query(&PaymentReference::Provider(
            submitted.provider_reference.clone(),
        ))
        .await
        .unwrap();
    let by_merchant = provider
        .query(&PaymentReference::Merchant("pay-query".to_owned()))
        .await
        .unwrap();
    assert_eq!(by_provider, by_merchant);
    assert_eq!(by_provider.provider_reference, submitted.provider_reference);
    for unknown in [
        PaymentReference::Provider("sbx_unknown".to_owned()),
        PaymentReference::Merchant("pay-unknown".to_owned()),
    ] {
        assert_eq!(provider.query(&unknown).await, Err(ProviderError::NotFound));
    }
}

#[tokio::test]
async fn an_invalid_instruction_is_refused_and_nothing_is_recorded() {
    let provider = provider();
    let mut receiver = receiver(0).await;
    let zero = PaymentInstruction {
        amount: Money::ZERO,
        ..instruction("pay-zero", CARD_SUCCEEDS, &receiver)
    };
    let refused = provider.submit(zero).await.unwrap_err();
    assert_eq!(refused.code(), "payment_instruction_invalid");
    assert_eq!(
        provider
            .query(&PaymentReference::Merchant("pay-zero".to_owned()))
            .await,
        Err(ProviderError::NotFound)
    );
    receiver.assert_quiet(QUIET_WINDOW).await;
}

/// Takes a real delivered callback and tampers with it as an attacker would.
#[tokio::test]
async fn forged_replayed_and_unsigned_callbacks_are_rejected() {
    let (provider, mut receiver, _) = pay("pay-forgery", CARD_INSUFFICIENT_FUNDS).await;
    let genuine = receiver.next_raw().await;
    assert!(
        provider
            .verify_callback(&genuine.headers, &genuine.body)
            .is_ok()
    );

    let forged_body = String::from_utf8(genuine.body.to_vec())
        .unwrap()
        .replace("\"failed\"", "\"succeeded\"");
    assert_eq!(
        provider.verify_callback(&genuine.headers, forged_body.as_bytes()),
        Err(CallbackError::SignatureMismatch)
    );

    let with_signature = |value: String| {
        let mut headers = HeaderMap::new();
        headers.insert(SIGNATURE_HEADER, HeaderValue::from_str(&value).unwrap());
        headers
    };
    let forger = CallbackSecret::new("guessed-secret-0000000000").unwrap();
    let now = Utc::now().timestamp();
    assert_eq!(
        provider.verify_callback(
            &with_signature(forger.sign(now, &genuine.body)),
            &genuine.body
        ),
        Err(CallbackError::SignatureMismatch)
    );

    let an_hour_ago = now - 3600;
    assert!(matches!(
        provider.verify_callback(&with_signature(secret().sign(an_hour_ago, &genuine.body)), &genuine.body),
        Err(CallbackError::TimestampOutsideTolerance { age_seconds }) if age_seconds >= 3600
    ));

    assert_eq!(
        provider.verify_callback(&HeaderMap::new(), &genuine.body),
        Err(CallbackError::MissingSignature)
    );

    let not_a_notice = br#"{"hello":"world"}"#;
    assert!(matches!(
        provider.verify_callback(
            &with_signature(secret().sign(now, not_a_notice)),
            not_a_notice
        ),
        Err(CallbackError::MalformedBody(_))
    ));
}
