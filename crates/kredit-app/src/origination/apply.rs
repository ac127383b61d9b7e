//! Applying: the products a request can get, and the automated decision
//! on an application, stored with its reasons, its model scores and an
//! `application.decided` event in one write transaction.

use kredit_core::Money;
use kredit_core::application::ApplicationStatus;
use kredit_core::decision::{Decision, Outcome, Reason};
use kredit_core::product::{LoanProduct, OfferRequest, ProductKind};
use kredit_core::schedule::RepaymentMethod;
use kredit_risk::FraudOutcome;
use kredit_risk::expr::{Features, Value};
use kredit_store::lending::{ApplicationRecord, NewApplication};
use kredit_store::{ApplicationId, IdempotentReply, StoreError, UserId};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Questionnaire, StoredDecision, applicant_profile, decide};
use crate::{App, AppError, AppResult, catalogue, outbox, risk, scoring};

#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationRequest {
    pub product_code: String,
    pub amount: Money,
    pub term_months: u32,
    pub method: RepaymentMethod,
    pub purpose: ProductKind,
    #[serde(default)]
    pub profile: Questionnaire,
    /// The applicant's device fingerprint, when the client sends one
    /// (docs/fraud.md, *Device*): counted as a velocity key, by its keyed
    /// hash.
    #[serde(default)]
    pub device_id: Option<String>,
}

/// The conflict when a retried request's twin committed first: the caller
/// replays the twin's reply.
pub const IDEMPOTENCY_KEY_TAKEN: &str = "idempotency_key_taken";

/// Decides an application at once and stores it (approved, declined or
/// referred to an underwriter) in one write transaction, with `reply`
/// when the request is retriable. A request the product cannot take at
/// all (unknown product, another purpose, amount, term or method outside
/// it) is an input error, not a credit decision: nothing is stored.
pub async fn apply(
    app: &App,
    borrower: UserId,
    request: &ApplicationRequest,
    reply: Option<&IdempotentReply<'_, ApplicationRecord>>,
) -> AppResult<ApplicationRecord> {
    crate::data_rights::refuse_while_erasure_open(app, borrower).await?;
    let product = catalogue::product(app.repository.as_ref(), &request.product_code)
        .await?
        .ok_or_else(|| {
            AppError::field(
                "product_code",
                "unknown_product",
                "no product has this code",
            )
        })?;
    if product.kind != request.purpose {
        return Err(AppError::field(
            "purpose",
            "purpose_mismatch",
            "this product is not offered for that purpose",
        ));
    }
    let offer = OfferRequest {
        amount: request.amount,
        term_months: request.term_months,
        method: request.method,
        start_date: app.business_date().await?,
    };
    check_fits(&product, &offer)?;
    let profile = applicant_profile(app, borrower, offer.start_date).await?;
    let (mut decided, scores) = decide(app, &product, &profile, &offer, &request.profile);
    let fraud_subject = |application_id: Option<i64>| risk::Subject {
        borrower,
        reference: application_id.map_or_else(String::new, |id| format!("application:{id}")),
        application_id,
        loan_id: None,
    };
    let fraud = risk::evaluate(
        app,
        risk::Checkpoint::Application,
        &fraud_subject(None),
        &risk::Identifiers {
            device: request.device_id.clone(),
            ip: kredit_store::origin::client_address(),
        },
        fraud_features(request),
    )
    .await;
    apply_fraud(&mut decided.decision, &fraud);
    let status = ApplicationStatus::decided(decided.decision.outcome);
    let record = NewApplication {
        borrower_id: borrower,
        product_code: product.code.clone(),
        amount_fen: request.amount.fen(),
        term_months: i32::try_from(request.term_months).map_err(AppError::internal)?,
        method: request.method.as_str().to_owned(),
        purpose: product.kind.as_str().to_owned(),
        profile: serde_json::to_string(&request.profile).map_err(AppError::internal)?,
        status,
        decision: decided.to_json()?,
        created_at: app.time.clock.now(),
        // Stored with the application, in the same transaction.
        model_scores: match &scores {
            Some(scores) => {
                scoring::score_records(ApplicationId(0), &scores.scored, &scores.inputs)?
            }
            None => Vec::new(),
        },
        domain_events: vec![decided_event(
            &product.code,
            offer.amount,
            offer.term_months,
            status,
            &decided,
            None,
        )],
    };
    let stored = match app
        .repository
        .lending()
        .create_application(&record, reply)
        .await
    {
        Err(StoreError::Conflict) if reply.is_some() => {
            return Err(AppError::conflict(
                IDEMPOTENCY_KEY_TAKEN,
                "a twin of this request was answered first",
            ));
        }
        other => other?,
    };
    risk::record(
        app,
        risk::Checkpoint::Application,
        &fraud_subject(Some(stored.id.0)),
        &fraud,
    )
    .await?;
    tracing::info!(application = stored.id.0, outcome = status.as_str(), score = ?decided.decision.score, "application decided");
    metrics::counter!("kredit_decisions_total", "outcome" => status.as_str()).increment(1);
    Ok(stored)
}

/// The application's own features for the fraud scenario.
fn fraud_features(request: &ApplicationRequest) -> Features {
    let income = request.profile.monthly_income;
    Features::from([
        ("amount".to_owned(), Value::Money(request.amount.fen())),
        (
            "term_months".to_owned(),
            Value::Int(i64::from(request.term_months)),
        ),
        (
            "product_code".to_owned(),
            Value::Text(request.product_code.clone()),
        ),
        (
            "monthly_income".to_owned(),
            Value::Money(income.map_or(0, Money::fen)),
        ),
        (
            "monthly_income_declared".to_owned(),
            Value::Bool(income.is_some()),
        ),
    ])
}

/// The fraud outcome over the credit decision: review and
/// block_and_review refer an approval to an underwriter, decline declines;
/// either way the fired rules and escalations join the reasons
/// (`fraud:<rule>`), which the underwriter sees with the application.
fn apply_fraud(decision: &mut Decision, fraud: &risk::FraudDecision) {
    let code = match fraud.outcome {
        FraudOutcome::Approve => return,
        FraudOutcome::Review | FraudOutcome::BlockAndReview => {
            if decision.outcome == Outcome::Approved {
                decision.outcome = Outcome::Referred;
            }
            "fraud_review"
        }
        FraudOutcome::Decline => {
            decision.outcome = Outcome::Declined;
            decision.annual_rate = None;
            decision.approved_amount = None;
            decision.quote = None;
            "fraud_declined"
        }
    };
    decision.reasons.push(Reason::code(code));
    let fired = fraud.fired().map(|c| c.rule.as_str());
    let escalated = fraud
        .escalations
        .iter()
        .filter(|e| e.outcome != FraudOutcome::Approve)
        .map(|e| e.code.as_str());
    for rule in fired.chain(escalated) {
        decision
            .reasons
            .push(Reason::code(&format!("fraud:{rule}")));
    }
}

/// `application.decided`: by the engine (`decided_by` null) or an
/// underwriter. No personal data.
pub(super) fn decided_event(
    product_code: &str,
    amount: Money,
    term_months: u32,
    status: ApplicationStatus,
    decided: &StoredDecision,
    decided_by: Option<UserId>,
) -> kredit_store::outbox::NewDomainEvent {
    let decision = &decided.decision;
    outbox::event(
        "application.decided",
        json!({
            "status": status,
            "product_code": product_code,
            "amount": amount,
            "term_months": term_months,
            "approved_amount": decision.approved_amount,
            "score": decision.score,
            "grade": decision.grade,
            "model": decided.assessment.model,
            "reasons": decision.reasons.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(),
            "decided_by": decided_by,
        }),
    )
}

/// The product's own limits are input errors, not credit decisions.
fn check_fits(product: &LoanProduct, offer: &OfferRequest) -> AppResult<()> {
    if offer.amount < product.min_amount || offer.amount > product.max_amount {
        return Err(AppError::field(
            "amount",
            "out_of_range",
            format!(
                "this product lends {} to {}",
                product.min_amount, product.max_amount
            ),
        ));
    }
    if !(product.min_term_months..=product.max_term_months).contains(&offer.term_months) {
        return Err(AppError::field(
            "term_months",
            "out_of_range",
            format!(
                "this product's terms are {} to {} months",
                product.min_term_months, product.max_term_months
            ),
        ));
    }
    if !product.repayment_methods.contains(&offer.method) {
        return Err(AppError::field(
            "method",
            "method_not_offered",
            "this product does not offer that repayment method",
        ));
    }
    Ok(())
}

/// What a borrower asks the products for.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchRequest {
    pub amount: Money,
    pub term_months: u32,
    pub purpose: ProductKind,
    #[serde(default)]
    pub method: Option<RepaymentMethod>,
    #[serde(default)]
    pub profile: Questionnaire,
}

/// One product decided for a match request.
pub struct Matched {
    pub product: LoanProduct,
    pub request: OfferRequest,
    pub decided: StoredDecision,
}

/// Every product of the purpose that can take the amount and term (with
/// the requested method, or its first), decided for this borrower on the
/// business date. Nothing is stored.
pub async fn match_products(
    app: &App,
    borrower: UserId,
    request: &MatchRequest,
) -> AppResult<Vec<Matched>> {
    if !request.amount.is_positive() {
        return Err(AppError::field(
            "amount",
            "out_of_range",
            "the amount must be positive",
        ));
    }
    let today = app.business_date().await?;
    let profile = applicant_profile(app, borrower, today).await?;
    let mut matched = Vec::new();
    for (product, _) in catalogue::products(app.repository.as_ref()).await? {
        let in_range = product.kind == request.purpose
            && (product.min_term_months..=product.max_term_months).contains(&request.term_months)
            && request.amount >= product.min_amount;
        let method = match request.method {
            Some(method) if product.repayment_methods.contains(&method) => Some(method),
            Some(_) => None,
            None => product.repayment_methods.first().copied(),
        };
        let (true, Some(method)) = (in_range, method) else {
            continue;
        };
        let offer = OfferRequest {
            amount: request.amount,
            term_months: request.term_months,
            method,
            start_date: today,
        };
        let (decided, _) = decide(app, &product, &profile, &offer, &request.profile);
        matched.push(Matched {
            product,
            request: offer,
            decided,
        });
    }
    Ok(matched)
}
