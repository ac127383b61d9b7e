//! Domain events, delivered: every committed loan change writes its events
//! to the outbox in its own transaction (`LoanChange::domain_events`); the
//! dispatcher reads them in id order and hands them to each subscriber —
//! in-process ones and the integrators' webhooks — at least once and in
//! order (so in order per loan). Each subscriber has a cursor, the last
//! event it took; a failure keeps the cursor and retries with backoff, so
//! later events wait behind a failed one. Subscribers are idempotent by
//! event id. Of several instances only the holder of the `outbox` lease
//! dispatches, one round at a time.
//!
//! Webhooks are POSTed as JSON with `Kredit-Event-Id` and
//! `Kredit-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`
//! under the webhook's own secret (the scheme of payment callbacks,
//! docs/payments.md).

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kredit_payments::{CallbackSecret, SIGNATURE_HEADER};
use kredit_store::outbox::{CursorRecord, DomainEventRecord, NewDomainEvent, WebhookRecord};
use kredit_store::{DomainEventId, LoanId, UserId, WebhookId};
use serde::Serialize;
use serde_json::{Value, json};

use crate::audit::Audit;
use crate::lease::{self, run_leased};
use crate::{App, AppError, AppResult};

/// The lease the dispatcher runs under.
pub const LEASE: &str = "outbox";
/// Events handed to a subscriber per round.
const BATCH: i64 = 200;
/// The header carrying the event id of a webhook delivery.
pub const EVENT_ID_HEADER: &str = "kredit-event-id";

/// An event for a change to write (`kind`, JSON payload).
pub fn event(kind: &str, payload: Value) -> NewDomainEvent {
    NewDomainEvent {
        kind: kind.to_owned(),
        payload: payload.to_string(),
    }
}

/// What subscribers and webhooks receive.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DomainEvent {
    pub id: DomainEventId,
    pub kind: String,
    pub subject: String,
    pub loan_id: Option<LoanId>,
    pub occurred_at: DateTime<Utc>,
    pub payload: Value,
}

impl From<&DomainEventRecord> for DomainEvent {
    fn from(record: &DomainEventRecord) -> Self {
        DomainEvent {
            id: record.id,
            kind: record.kind.clone(),
            subject: record.subject.clone(),
            loan_id: record.loan_id,
            occurred_at: record.occurred_at,
            payload: serde_json::from_str(&record.payload).unwrap_or(Value::Null),
        }
    }
}

/// Something that reacts to domain events. `handle` may see an event
/// again after a crash: act on each event id once.
#[async_trait]
pub trait Subscriber: Send + Sync {
    /// Stable: the cursor is kept under this name.
    fn name(&self) -> String;
    async fn handle(&self, event: &DomainEvent) -> Result<(), String>;
}

/// How long a subscriber waits after its `attempts`-th failure in a row.
fn backoff(attempts: i64) -> chrono::Duration {
    chrono::Duration::seconds(1_i64 << attempts.clamp(0, 12))
}

/// One round: every subscriber, and every active webhook, gets the events
/// past its cursor. Returns the deliveries made; 0 when another instance
/// holds the lease.
pub async fn dispatch(app: &App, subscribers: &[&dyn Subscriber]) -> AppResult<usize> {
    let round = deliver_all(app, subscribers);
    Ok(run_leased(app, LEASE, &app.instance, lease::round(), round)
        .await?
        .unwrap_or(0))
}

async fn deliver_all(app: &App, subscribers: &[&dyn Subscriber]) -> AppResult<usize> {
    let mut webhooks: Vec<Webhook> = Vec::new();
    for record in app.repository.outbox().webhooks().await? {
        if record.active {
            webhooks.push(Webhook::open(app, record).await?);
        }
    }
    let mut delivered = 0;
    for subscriber in subscribers
        .iter()
        .copied()
        .chain(webhooks.iter().map(|w| w as &dyn Subscriber))
    {
        delivered += deliver(app, subscriber).await?;
    }
    Ok(delivered)
}

async fn deliver(app: &App, subscriber: &dyn Subscriber) -> AppResult<usize> {
    let outbox = app.repository.outbox();
    let name = subscriber.name();
    let now = app.time.clock.now();
    let cursor = outbox.cursor(&name, now).await?;
    if cursor.next_attempt_at.is_some_and(|at| at > now) {
        return Ok(0);
    }
    let events = outbox.events_after(cursor.last_event_id, BATCH).await?;
    let mut last = cursor.last_event_id;
    let mut failure = None;
    for record in &events {
        match subscriber.handle(&DomainEvent::from(record)).await {
            Ok(()) => last = record.id,
            Err(error) => {
                failure = Some(error);
                break;
            }
        }
    }
    let delivered = events.iter().filter(|e| e.id <= last).count();
    let now = app.time.clock.now();
    if last != cursor.last_event_id
        && !outbox
            .advance_cursor(&name, cursor.last_event_id, last, now)
            .await?
    {
        tracing::warn!(subscriber = %name, "cursor moved by another dispatcher");
    }
    if let Some(error) = failure {
        let attempts = if last == cursor.last_event_id {
            cursor.attempts + 1
        } else {
            1
        };
        tracing::warn!(subscriber = %name, %error, attempts, "event delivery failed");
        outbox
            .record_failure(&name, &error, now + backoff(attempts), now)
            .await?;
    }
    Ok(delivered)
}

/// An integrator's endpoint.
struct Webhook {
    record: WebhookRecord,
    secret: CallbackSecret,
    client: reqwest::Client,
}

impl Webhook {
    async fn open(app: &App, record: WebhookRecord) -> AppResult<Webhook> {
        let secret = app.pii.open(&record.secret_encrypted).await?;
        let secret = CallbackSecret::new(secret.into_bytes()).map_err(AppError::internal)?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(AppError::internal)?;
        Ok(Webhook {
            record,
            secret,
            client,
        })
    }
}

#[async_trait]
impl Subscriber for Webhook {
    fn name(&self) -> String {
        format!("webhook:{}", self.record.id)
    }

    async fn handle(&self, event: &DomainEvent) -> Result<(), String> {
        let body = serde_json::to_vec(event).map_err(|e| e.to_string())?;
        let signature = self.secret.sign(Utc::now().timestamp(), &body);
        let response = self
            .client
            .post(&self.record.url)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, signature)
            .header(EVENT_ID_HEADER, event.id.to_string())
            .body(body)
            .send()
            .await
            .map_err(|e| format!("cannot reach {}: {e}", self.record.url))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!(
                "{} answered {}",
                self.record.url,
                response.status()
            ))
        }
    }
}

/// A webhook as staff see it: where it is in the event stream.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct WebhookStatus {
    pub id: WebhookId,
    pub url: String,
    pub description: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// The last event it took.
    pub delivered_through: DomainEventId,
    /// Events written but not yet delivered.
    pub behind: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// Registers an endpoint for every domain event from now on (audited as
/// `webhook.create`); returns its id and the signing secret, shown once.
pub async fn register_webhook(
    app: &App,
    url: &str,
    description: &str,
    actor: UserId,
) -> AppResult<(WebhookId, String)> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|_| AppError::field("url", "invalid_url", "an absolute http(s) URL"))?;
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.host_str().is_none()
        || !parsed.username().is_empty()
        || parsed.password().is_some()
    {
        return Err(AppError::field(
            "url",
            "invalid_url",
            "an absolute http(s) URL without credentials",
        ));
    }
    let secret: String = crate::ids::random_bytes::<32>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let outbox = app.repository.outbox();
    let now = app.time.clock.now();
    let id = outbox
        .create_webhook(
            url,
            &app.pii.seal_for_system(&secret).await?,
            description,
            Some(actor),
            now,
        )
        .await?;
    // From now on: the cursor starts at the newest event.
    let last = outbox.last_event_id().await?;
    let name = format!("webhook:{id}");
    outbox.cursor(&name, now).await?;
    outbox
        .advance_cursor(&name, DomainEventId(0), last, now)
        .await?;
    let audit = Audit {
        actor: Some(actor),
        action: "webhook.create",
        entity_type: "webhook",
        entity_id: Some(id.to_string()),
    }
    .entry(None, Some(json!({"url": url, "description": description})));
    app.repository.append_audit(&audit).await?;
    Ok((id, secret))
}

/// Every webhook with its delivery state.
pub async fn webhooks(app: &App) -> AppResult<Vec<WebhookStatus>> {
    let outbox = app.repository.outbox();
    let last = outbox.last_event_id().await?;
    let cursors = outbox.cursors().await?;
    let cursor_of = |id: WebhookId| -> Option<&CursorRecord> {
        let name = format!("webhook:{id}");
        cursors.iter().find(|c| c.subscriber == name)
    };
    Ok(outbox
        .webhooks()
        .await?
        .into_iter()
        .map(|record| {
            let cursor = cursor_of(record.id);
            let through = cursor.map_or(DomainEventId(0), |c| c.last_event_id);
            WebhookStatus {
                id: record.id,
                url: record.url,
                description: record.description,
                active: record.active,
                created_at: record.created_at,
                delivered_through: through,
                behind: last.0 - through.0,
                attempts: cursor.map_or(0, |c| c.attempts),
                last_error: cursor.and_then(|c| c.last_error.clone()),
                next_attempt_at: cursor.and_then(|c| c.next_attempt_at),
            }
        })
        .collect())
}
