//! One fraud decision: the event's identifiers recorded as velocity
//! events, the scenario's aggregates counted over them in SQL, the
//! scenario decided, the name screened, the decision stored.

use kredit_policy::disbursement::{FactRef, FraudFact};
use kredit_policy::screening::{ScreeningQuery, screen};
use kredit_risk::FraudOutcome;
use kredit_risk::expr::{Aggregate, Features, Key, Value, Window, aggregate_name};
use kredit_risk::scenario::{Decision, Scenario};
use kredit_risk::schema::kredit_schema;
use kredit_store::risk::{NewFraudDecision, NewRiskEvent};
use kredit_store::{LoanId, UserId};
use serde_json::json;

use super::DECIDED;
use crate::{App, AppError, AppResult};

/// Where in the lending flow a decision is taken; the `event` feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checkpoint {
    Application,
    Disbursement,
    Repayment,
    PayeeChange,
}

impl Checkpoint {
    pub const fn as_str(self) -> &'static str {
        match self {
            Checkpoint::Application => "application",
            Checkpoint::Disbursement => "disbursement",
            Checkpoint::Repayment => "repayment",
            Checkpoint::PayeeChange => "payee_change",
        }
    }
}

/// What the decision is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub borrower: UserId,
    /// `application:{id}`, `payment:{id}`, `loan:{id}`.
    pub reference: String,
    pub application_id: Option<i64>,
    pub loan_id: Option<LoanId>,
}

/// The event's identifiers: device and address as sent; the others are
/// gathered from the borrower's stored (hashed) records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identifiers {
    pub device: Option<String>,
    pub ip: Option<String>,
}

/// Decides and stores; a timeout or an internal error is a stored review.
pub async fn check(
    app: &App,
    checkpoint: Checkpoint,
    subject: &Subject,
    identifiers: &Identifiers,
    plain: Features,
) -> AppResult<Decision> {
    let decision = evaluate(app, checkpoint, subject, identifiers, plain).await;
    record(app, checkpoint, subject, &decision).await?;
    Ok(decision)
}

/// Decides without storing (the caller stores it with [`record`] once the
/// subject has its id): the event's velocity rows are written, so a
/// twin arriving at once sees this one. A timeout or an internal error is
/// review.
pub async fn evaluate(
    app: &App,
    checkpoint: Checkpoint,
    subject: &Subject,
    identifiers: &Identifiers,
    mut plain: Features,
) -> Decision {
    plain.insert(
        "event".to_owned(),
        Value::Text(checkpoint.as_str().to_owned()),
    );
    let decided = tokio::time::timeout(
        app.risk.timeout,
        decide(app, checkpoint, subject, identifiers, &plain),
    )
    .await;
    match decided {
        Ok(Ok(decision)) => decision,
        Ok(Err(error)) => {
            tracing::error!(?error, "fraud decision failed: review");
            Decision::unavailable("unavailable", 0, "internal_error")
        }
        Err(_) => {
            tracing::warn!("fraud decision timed out: review");
            Decision::unavailable("unavailable", 0, "timeout")
        }
    }
}

async fn decide(
    app: &App,
    checkpoint: Checkpoint,
    subject: &Subject,
    identifiers: &Identifiers,
    plain: &Features,
) -> AppResult<Decision> {
    let risk = app.repository.risk();
    let stored = risk.live_scenario().await?.ok_or_else(|| {
        AppError::internal("no live fraud scenario: `kredit migrate` installs one")
    })?;
    let scenario = Scenario::from_toml(&stored.source, &kredit_schema()).map_err(|problems| {
        AppError::internal(format!(
            "the live fraud scenario does not compile: {problems:?}"
        ))
    })?;
    let keys = keys_of(app, subject.borrower, identifiers).await?;
    let now = app.time.clock.now().timestamp();
    let events: Vec<NewRiskEvent> = keys
        .iter()
        .map(|(key, value)| NewRiskEvent {
            key_kind: key.as_str(),
            key_value: value.clone(),
            borrower_id: subject.borrower,
            at: now,
            checkpoint: checkpoint.as_str(),
        })
        .collect();
    risk.record_events(&events).await?;
    let wanted = scenario.features();
    let mut features = plain.clone();
    for (key, value) in &keys {
        for window in Window::ALL {
            let count = aggregate_name(Aggregate::Count, *key, window);
            let distinct = aggregate_name(Aggregate::DistinctBorrowers, *key, window);
            if !wanted.contains(&count) && !wanted.contains(&distinct) {
                continue;
            }
            let (n, borrowers) = risk
                .window_counts(key.as_str(), value, now - window.seconds(), now)
                .await?;
            features.insert(count, Value::Int(n));
            features.insert(distinct, Value::Int(borrowers));
        }
    }
    // A key the event does not have (no device sent) has no events.
    for name in &wanted {
        if name.starts_with("count(") || name.starts_with("distinct_borrowers(") {
            features.entry(name.clone()).or_insert(Value::Int(0));
        }
    }
    features.insert(
        "device_present".to_owned(),
        Value::Bool(identifiers.device.is_some()),
    );
    let mut decision = scenario.decide(&features);
    screen_name(app, subject.borrower, &mut decision).await?;
    Ok(decision)
}

/// The borrower's identifiers as velocity keys: personal ones by their
/// keyed lookup hash, never in clear.
async fn keys_of(
    app: &App,
    borrower: UserId,
    identifiers: &Identifiers,
) -> AppResult<Vec<(Key, String)>> {
    let mut keys = vec![(Key::Borrower, borrower.to_string())];
    if let Some(user) = app.repository.user_by_id(borrower).await? {
        keys.push((Key::Phone, user.phone_hash));
    }
    if let Some(identity) = app.repository.identity(borrower).await? {
        keys.push((Key::IdNumber, identity.id_number_hash));
        let card = app.pii.open(&identity.bank_card_encrypted).await?;
        keys.push((Key::PayeeCard, app.pii.lookup_hash(&card)));
    }
    if let Some(device) = &identifiers.device {
        keys.push((Key::Device, app.pii.lookup_hash(device)));
    }
    if let Some(ip) = &identifiers.ip {
        keys.push((Key::Ip, ip.clone()));
    }
    Ok(keys)
}

/// The verified real name against the sanctions lists: a hit is
/// block_and_review with the matched entries and the list version.
async fn screen_name(app: &App, borrower: UserId, decision: &mut Decision) -> AppResult<()> {
    let Some(identity) = app.repository.identity(borrower).await? else {
        return Ok(());
    };
    let Some(index) = &app.risk.screening else {
        decision
            .escalations
            .push(kredit_risk::scenario::Escalation {
                outcome: FraudOutcome::Approve,
                code: "screening_not_configured".to_owned(),
                detail: json!({}),
            });
        return Ok(());
    };
    let name = app.pii.open(&identity.real_name_encrypted).await?;
    let result = screen(
        index,
        &ScreeningQuery {
            name,
            date_of_birth: None,
            nationality: None,
        },
    );
    if !result.hits.is_empty() {
        let hits: Vec<_> = result
            .hits
            .iter()
            .map(|hit| {
                json!({
                    "list": hit.list.as_str(),
                    "entry_id": hit.entry_id,
                    "matched_name": hit.matched_name,
                    "score": hit.score,
                    "programs": hit.entry.programs,
                })
            })
            .collect();
        decision.escalate(
            FraudOutcome::BlockAndReview,
            "sanctions_hit",
            json!({ "list_version": result.list_version, "hits": hits }),
        );
    }
    Ok(())
}

/// Stores a decision and its `fraud.decided` event.
pub async fn record(
    app: &App,
    checkpoint: Checkpoint,
    subject: &Subject,
    decision: &Decision,
) -> AppResult<()> {
    let now = app.time.clock.now();
    let json = serde_json::to_string(decision).map_err(AppError::internal)?;
    let id = app
        .repository
        .risk()
        .insert_decision(&NewFraudDecision {
            subject: subject.reference.clone(),
            application_id: subject.application_id,
            borrower_id: subject.borrower,
            checkpoint: checkpoint.as_str().to_owned(),
            scenario: decision.scenario.clone(),
            scenario_version: i64::from(decision.scenario_version),
            outcome: decision.outcome.as_str().to_owned(),
            score: decision.score,
            inputs_sha256: decision.inputs_sha256.clone(),
            decision: json,
            decided_at: now,
        })
        .await?;
    // No personal data: rule codes, the outcome, the inputs' hash.
    let payload = json!({
        "decision_id": id,
        "subject": subject.reference,
        "checkpoint": checkpoint.as_str(),
        "scenario": decision.scenario,
        "scenario_version": decision.scenario_version,
        "outcome": decision.outcome.as_str(),
        "score": decision.score,
        "fired": decision.fired().map(|c| c.rule.as_str()).collect::<Vec<_>>(),
        "escalations": decision.escalations.iter().map(|e| e.code.as_str()).collect::<Vec<_>>(),
        "inputs_sha256": decision.inputs_sha256,
    });
    app.repository
        .outbox()
        .record_event(
            &crate::outbox::event(DECIDED, payload),
            &subject.reference,
            subject.loan_id,
            now,
        )
        .await?;
    metrics::counter!("kredit_fraud_decisions_total", "outcome" => decision.outcome.as_str())
        .increment(1);
    Ok(())
}

/// A stored decision's JSON back as the decision.
pub fn decision_of(json: &str) -> AppResult<Decision> {
    serde_json::from_str(json).map_err(AppError::internal)
}

/// The fraud fact of a disbursement: the decision already taken for this
/// payment (so a held payment asked again every minute is not decided
/// again), else one taken now.
pub async fn disbursement_fact(
    app: &App,
    borrower: UserId,
    loan_id: LoanId,
    application_id: Option<kredit_store::ApplicationId>,
    payment: &kredit_store::lending::PaymentRecord,
) -> AppResult<Option<FraudFact>> {
    let reference = format!("payment:{}", payment.id);
    let outcome = match app.repository.risk().latest_decision(&reference).await? {
        Some(stored) => stored
            .outcome
            .parse::<FraudOutcome>()
            .map_err(AppError::internal)?,
        None => {
            let subject = Subject {
                borrower,
                reference,
                application_id: application_id.map(|id| id.0),
                loan_id: Some(loan_id),
            };
            let plain = Features::from([("amount".to_owned(), Value::Money(payment.amount_fen))]);
            let decision = check(
                app,
                Checkpoint::Disbursement,
                &subject,
                &Identifiers::default(),
                plain,
            )
            .await?;
            // Once per disbursement: this branch runs only while no
            // decision is stored for the payment.
            super::aml::record_movement(
                app,
                borrower,
                super::aml::Direction::Out,
                payment.amount_fen,
                &subject.reference,
            )
            .await?;
            decision.outcome
        }
    };
    let entry = app
        .repository
        .log()
        .entry_of(&format!("payment:{}", payment.id), DECIDED)
        .await?;
    Ok(Some(FraudFact {
        outcome,
        fact: entry.map_or(FactRef::NOT_LOGGED, |e| FactRef::logged(e.idx as u64)),
    }))
}
