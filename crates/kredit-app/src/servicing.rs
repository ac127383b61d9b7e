//! Changing loans: disbursement, collections, reversals and the day's close.
//! Every change is computed by the core engine on the stored state and
//! committed with its ledger lines in one versioned transaction
//! ([`LendingStore::commit_loan_change`]); a concurrent change makes the
//! commit fail cleanly, and the operation is recomputed on the new state.

use chrono::NaiveDate;
use kredit_core::Money;
use kredit_core::canonical;
use kredit_core::ledger::{Account, Discard, EntryKind, Posting};
use kredit_core::loan::{DatedEvent, Loan, LoanEvent, LoanHistory, LoanStatus, LoanTerms};
use kredit_core::payment::{self, PaymentDirection, PaymentPurpose};
use kredit_payments::{PaymentCallback, PaymentStatus};
use kredit_store::lending::{
    ChangeLine, ChangeOutcome, EvidenceDraft, JournalLine, LoanChange, LoanProjection, LoanRecord,
    NewLoanEvent, PaymentRecord, PaymentSettlement,
};
use kredit_store::outbox::NewDomainEvent;
use kredit_store::{AuditEntry, EventId, LoanId, ReversalRequestId, UserId, loan_state};
use serde_json::json;

use crate::App;
use crate::error::AppError;
use crate::outbox;

/// How often a change is recomputed after losing a race before giving up.
const MAX_ATTEMPTS: usize = 32;

/// A stored loan with its decoded terms and state.
pub struct LoadedLoan {
    pub record: LoanRecord,
    pub terms: LoanTerms,
    /// `None` until disbursed.
    pub loan: Option<Loan>,
}

/// A loan as of the business date.
pub async fn load(state: &App, id: LoanId) -> Result<Option<LoadedLoan>, AppError> {
    let Some(record) = state.repository.lending().loan(id).await? else {
        return Ok(None);
    };
    decode(record, state.business_date().await?).map(Some)
}

/// Decodes a stored loan and brings it to `on` without posting: close of
/// business writes a loan's state only when more than interest accrual
/// happened to it, having already posted that accrual in the general
/// ledger, so a stored state may lag the business date.
pub fn decode(record: LoanRecord, on: NaiveDate) -> Result<LoadedLoan, AppError> {
    let terms: LoanTerms = serde_json::from_str(&record.terms).map_err(AppError::internal)?;
    let loan = match &record.state {
        Some(bytes) => Some(loan_state::decode_at(bytes, on).map_err(AppError::internal)?),
        None => None,
    };
    Ok(LoadedLoan {
        record,
        terms,
        loan,
    })
}

fn entry_kind(kind: EntryKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Ledger lines for postings, attributed to the change's event `event_index`.
fn lines(
    record: &LoanRecord,
    postings: &[Posting],
    source: &str,
    event_index: Option<usize>,
) -> Vec<ChangeLine> {
    postings
        .iter()
        .filter(|p| p.amount.is_positive())
        .map(|p| ChangeLine {
            line: JournalLine {
                entry_date: p.date,
                loan_id: Some(record.id),
                product_code: record.product_code.clone(),
                kind: entry_kind(p.kind),
                debit: p.debit.name().to_owned(),
                credit: p.credit.name().to_owned(),
                amount_fen: p.amount.fen(),
                source: source.to_owned(),
            },
            event_index,
        })
        .collect()
}

/// A change that writes `loan` as the loan's new state.
fn change_to(app: &App, record: &LoanRecord, loan: &Loan) -> LoanChange {
    LoanChange {
        loan_id: record.id,
        expected_version: record.version,
        state: Some(loan_state::encode(loan)),
        projection: LoanProjection::of(loan, &app.lending.thresholds),
        new_events: Vec::new(),
        reversed_events: Vec::new(),
        journal: Vec::new(),
        settlement: None,
        approve_reversal: None,
        evidence: None,
        audit: None,
        domain_events: Vec::new(),
    }
}

fn digest(value: &serde_json::Value) -> Result<String, AppError> {
    canonical::digest(value).map_err(AppError::internal)
}

/// What a provider notice makes of the payment: the provider's `pending`
/// means it holds the payment (`submitted`).
fn settlement_of(payment: &PaymentRecord, callback: &PaymentCallback) -> PaymentSettlement {
    let (status, failure_code) = match &callback.status {
        PaymentStatus::Pending => (payment::PaymentStatus::Submitted, None),
        PaymentStatus::Succeeded => (payment::PaymentStatus::Succeeded, None),
        PaymentStatus::Failed { code, .. } => (payment::PaymentStatus::Failed, Some(code.clone())),
    };
    PaymentSettlement {
        payment_id: payment.id,
        sequence: Some(i64::try_from(callback.sequence).unwrap_or(i64::MAX)),
        status,
        failure_code,
        provider_reference: Some(callback.provider_reference.clone()),
        applied: None,
    }
}

/// Who failed a payment, for its `payment.failed` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FailedBy {
    /// Our authoriser refused it before it was sent.
    Authoriser { code: String, reason: String },
    /// The bank or PSP reported it failed.
    Provider { code: String, message: String },
}

/// `payment.failed`: written with the payment's failure, in its transaction.
pub(crate) fn payment_failed_event(payment: &PaymentRecord, failed: &FailedBy) -> NewDomainEvent {
    let (by, code, reason) = match failed {
        FailedBy::Authoriser { code, reason } => ("authoriser", code, reason),
        FailedBy::Provider { code, message } => ("provider", code, message),
    };
    outbox::event(
        "payment.failed",
        json!({
            "loan_id": payment.loan_id,
            "payment_id": payment.id,
            "direction": payment.direction,
            "purpose": payment.purpose,
            "amount": Money::from_fen(payment.amount_fen),
            "code": code,
            "reason": reason,
            "failed_by": by,
        }),
    )
}

/// What became of a provider notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeOutcome {
    Applied,
    /// A duplicate, stale or unknown notice: acknowledged, nothing changed.
    Ignored,
}

/// Applies an authenticated provider notice to its payment and loan,
/// exactly once whatever the order and number of deliveries.
pub async fn apply_notice(
    state: &App,
    callback: &PaymentCallback,
) -> Result<NoticeOutcome, AppError> {
    let store = state.repository.lending();
    let Some(payment) = store
        .payment_by_reference(&callback.merchant_reference)
        .await?
    else {
        tracing::warn!(reference = %callback.merchant_reference, "notice for an unknown payment");
        return Ok(NoticeOutcome::Ignored);
    };
    // Notices of one loan are applied one at a time; a conflict is then
    // only with close of business writing the loan meanwhile.
    crate::loan_lock::with_loan(state, payment.loan_id, async {
        for _ in 0..MAX_ATTEMPTS {
            match apply_notice_once(state, callback).await? {
                Some(ChangeOutcome::VersionConflict) => continue,
                Some(ChangeOutcome::Committed { .. }) => return Ok(NoticeOutcome::Applied),
                Some(ChangeOutcome::AlreadyApplied) | None => return Ok(NoticeOutcome::Ignored),
            }
        }
        Err(AppError::internal(
            "a loan kept changing while a payment notice was applied",
        ))
    })
    .await
}

/// One attempt on the payment as stored now; `None` when the notice is a
/// duplicate, stale or does not match the payment.
async fn apply_notice_once(
    state: &App,
    callback: &PaymentCallback,
) -> Result<Option<ChangeOutcome>, AppError> {
    let store = state.repository.lending();
    let Some(payment) = store
        .payment_by_reference(&callback.merchant_reference)
        .await?
    else {
        return Ok(None);
    };
    let last = u64::try_from(payment.last_applied_sequence).unwrap_or(0);
    // A `created` payment was never sent: no notice about it is genuine.
    if !payment.status.awaits_provider()
        || kredit_payments::decide_callback(callback, last)
            != kredit_payments::CallbackDecision::Apply
    {
        return Ok(None);
    }
    if callback.amount.fen() != payment.amount_fen {
        tracing::error!(
            payment = payment.id.0,
            "notice amount differs from the payment; ignored"
        );
        return Ok(None);
    }
    let settlement = settlement_of(&payment, callback);
    let outcome = match (&callback.status, payment.direction) {
        (PaymentStatus::Pending, _) => settle_alone(state, &settlement, &[]).await?,
        (PaymentStatus::Failed { code, message }, direction) => {
            let failed = FailedBy::Provider {
                code: code.clone(),
                message: message.clone(),
            };
            match direction {
                PaymentDirection::Collection => {
                    let event = payment_failed_event(&payment, &failed);
                    settle_alone(state, &settlement, &[event]).await?
                }
                PaymentDirection::Disbursement => {
                    fail_disbursement(state, &payment, settlement, &failed).await?
                }
            }
        }
        (PaymentStatus::Succeeded, PaymentDirection::Disbursement) => {
            disburse(state, &payment, settlement).await?
        }
        (PaymentStatus::Succeeded, PaymentDirection::Collection) => {
            collect(state, &payment, settlement).await?
        }
    };
    Ok(Some(outcome))
}

/// Settles the payment alone, with its events: the loan does not change (a
/// failed collection, a notice that the bank holds the payment).
async fn settle_alone(
    state: &App,
    settlement: &PaymentSettlement,
    events: &[NewDomainEvent],
) -> Result<ChangeOutcome, AppError> {
    let settled = state
        .repository
        .lending()
        .settle_payment(settlement, events)
        .await?;
    Ok(if settled {
        ChangeOutcome::Committed {
            event_ids: Vec::new(),
        }
    } else {
        ChangeOutcome::AlreadyApplied
    })
}

async fn loaded(state: &App, loan_id: LoanId) -> Result<LoadedLoan, AppError> {
    load(state, loan_id)
        .await?
        .ok_or_else(|| AppError::internal(format!("payment for missing loan {loan_id}")))
}

/// The money has left: the loan starts, from its contractual start date,
/// brought up to the business date.
async fn disburse(
    state: &App,
    payment: &PaymentRecord,
    settlement: PaymentSettlement,
) -> Result<ChangeOutcome, AppError> {
    let LoadedLoan { record, terms, .. } = loaded(state, payment.loan_id).await?;
    if record.status != LoanStatus::PendingDisbursement {
        return Ok(ChangeOutcome::AlreadyApplied);
    }
    let business_date = state.business_date().await?;
    let mut opening = Vec::new();
    let mut loan = Loan::disburse(terms, &mut opening).map_err(AppError::internal)?;
    let mut catch_up = Vec::new();
    loan.advance_to(business_date.max(loan.as_of), &mut catch_up);
    let mut change = change_to(state, &record, &loan);
    change.new_events.push(NewLoanEvent {
        value_date: loan.terms.schedule.start_date,
        event: json!({"type": "disbursement", "amount": Money::from_fen(payment.amount_fen)})
            .to_string(),
        allocation: "{}".to_owned(),
        payment_id: Some(payment.id),
    });
    change.journal = lines(&record, &opening, "", Some(0));
    change.journal.extend(lines(
        &record,
        &catch_up,
        &format!("advance:{}", record.id),
        None,
    ));
    change.evidence = Some(EvidenceDraft {
        kind: "loan.disbursed".to_owned(),
        subject: format!("loan:{}", record.id),
        payload_digest: digest(&json!({
            "loan_id": record.id,
            "contract_id": record.contract_id,
            "amount": Money::from_fen(payment.amount_fen),
            "provider_reference": settlement.provider_reference,
            "start_date": loan.terms.schedule.start_date,
        }))?,
    });
    change.domain_events.push(outbox::event(
        "loan.disbursed",
        json!({
            "loan_id": record.id,
            "contract_id": record.contract_id,
            "payment_id": payment.id,
            "amount": Money::from_fen(payment.amount_fen),
            "start_date": loan.terms.schedule.start_date,
        }),
    ));
    change.settlement = Some(settlement);
    Ok(state
        .repository
        .lending()
        .commit_loan_change(&change)
        .await?)
}

/// The money never left (the bank refused it, or our authoriser did before
/// it was sent): the loan is closed as failed, never half active.
async fn fail_disbursement(
    state: &App,
    payment: &PaymentRecord,
    settlement: PaymentSettlement,
    failed: &FailedBy,
) -> Result<ChangeOutcome, AppError> {
    let LoadedLoan { record, .. } = loaded(state, payment.loan_id).await?;
    if record.status != LoanStatus::PendingDisbursement {
        return Ok(ChangeOutcome::AlreadyApplied);
    }
    metrics::counter!("kredit_disbursement_failures_total").increment(1);
    tracing::warn!(loan = record.id.0, code = ?settlement.failure_code, "disbursement failed");
    let change = LoanChange {
        loan_id: record.id,
        expected_version: record.version,
        state: None,
        projection: LoanProjection::unserviced(LoanStatus::DisbursementFailed),
        new_events: Vec::new(),
        reversed_events: Vec::new(),
        journal: Vec::new(),
        approve_reversal: None,
        evidence: None,
        audit: None,
        domain_events: vec![
            payment_failed_event(payment, failed),
            outbox::event(
                "loan.disbursement_failed",
                json!({"loan_id": record.id, "payment_id": payment.id, "code": settlement.failure_code}),
            ),
        ],
        settlement: Some(settlement),
    };
    Ok(state
        .repository
        .lending()
        .commit_loan_change(&change)
        .await?)
}

/// [`fail_disbursement`], recomputed if the loan moved meanwhile. The
/// caller holds the loan's lock.
pub(crate) async fn fail_disbursement_retrying(
    state: &App,
    payment: &PaymentRecord,
    settlement: PaymentSettlement,
    failed: &FailedBy,
) -> Result<(), AppError> {
    for _ in 0..MAX_ATTEMPTS {
        match fail_disbursement(state, payment, settlement.clone(), failed).await? {
            ChangeOutcome::VersionConflict => continue,
            ChangeOutcome::Committed { .. } | ChangeOutcome::AlreadyApplied => return Ok(()),
        }
    }
    Err(AppError::internal(
        "a loan kept changing while its disbursement was failed",
    ))
}

/// `loan.closed`: the loan is paid off (or written off).
fn closed_event(record: &LoanRecord, loan: &Loan, date: NaiveDate) -> NewDomainEvent {
    outbox::event(
        "loan.closed",
        json!({
            "loan_id": record.id,
            "status": loan.status,
            "date": date,
            "credit_balance": loan.credit_balance,
        }),
    )
}

/// The event a collection stands for.
fn collection_event(payment: &PaymentRecord) -> LoanEvent {
    let amount = Money::from_fen(payment.amount_fen);
    match (payment.purpose, payment.mode.as_deref()) {
        (PaymentPurpose::Prepayment, Some(mode)) => serde_json::from_value(json!(mode))
            .map(|mode| LoanEvent::Prepayment { amount, mode })
            .unwrap_or(LoanEvent::Repayment { amount }),
        (PaymentPurpose::Payoff, _) => LoanEvent::Payoff { amount },
        _ => LoanEvent::Repayment { amount },
    }
}

/// Money has arrived: the core allocates it (a prepayment or payoff that no
/// longer fits is taken as a repayment, whose excess becomes credit); money
/// for a loan that can take none goes to suspense, never lost.
async fn collect(
    state: &App,
    payment: &PaymentRecord,
    mut settlement: PaymentSettlement,
) -> Result<ChangeOutcome, AppError> {
    // Loaded as of the business date; the days up to it are already in the
    // ledger (close of business posted them).
    let LoadedLoan { record, loan, .. } = loaded(state, payment.loan_id).await?;
    let amount = Money::from_fen(payment.amount_fen);
    let Some(loan) = loan else {
        return Err(AppError::internal("collection for an undisbursed loan"));
    };
    let date = loan.as_of;
    let mut applied = None;
    for event in [collection_event(payment), LoanEvent::Repayment { amount }] {
        let mut candidate = loan.clone();
        let mut postings = Vec::new();
        if let Ok(allocation) = candidate.apply(&DatedEvent { id: 0, date, event }, &mut postings) {
            applied = Some((candidate, event, allocation, postings));
            break;
        }
    }
    let mut change;
    match applied {
        Some((after, event, allocation, postings)) => {
            change = change_to(state, &record, &after);
            let allocation = serde_json::to_string(&allocation).map_err(AppError::internal)?;
            change.new_events.push(NewLoanEvent {
                value_date: date,
                event: serde_json::to_string(&event).map_err(AppError::internal)?,
                allocation: allocation.clone(),
                payment_id: Some(payment.id),
            });
            change.journal = lines(&record, &postings, "", Some(0));
            change.domain_events.push(outbox::event(
                "payment.applied",
                json!({
                    "loan_id": record.id,
                    "payment_id": payment.id,
                    "purpose": payment.purpose,
                    "amount": amount,
                    "value_date": date,
                    "allocation": serde_json::from_str::<serde_json::Value>(&allocation)
                        .map_err(AppError::internal)?,
                }),
            ));
            if after.status != LoanStatus::Active {
                change
                    .domain_events
                    .push(closed_event(&record, &after, date));
            }
            settlement.applied = Some(allocation);
        }
        None => {
            change = change_to(state, &record, &loan);
            change.journal.push(ChangeLine {
                line: JournalLine {
                    entry_date: date,
                    loan_id: Some(record.id),
                    product_code: record.product_code.clone(),
                    kind: "repayment".to_owned(),
                    debit: Account::Bank.name().to_owned(),
                    credit: Account::Suspense.name().to_owned(),
                    amount_fen: amount.fen(),
                    source: format!("payment:{}", payment.id),
                },
                event_index: None,
            });
            settlement.applied = Some(json!({"suspense": amount}).to_string());
            change.domain_events.push(outbox::event(
                "payment.suspended",
                json!({"loan_id": record.id, "payment_id": payment.id, "amount": amount}),
            ));
        }
    }
    change.settlement = Some(settlement);
    Ok(state
        .repository
        .lending()
        .commit_loan_change(&change)
        .await?)
}

/// A payoff the loan's credit covers: recorded as a payoff of 0.00 on
/// `date` (the core settles everything from the credit; what is left stays
/// as refundable credit). The caller holds the loan's lock.
pub async fn close_from_credit(
    state: &App,
    loaded: LoadedLoan,
    date: NaiveDate,
) -> Result<(), AppError> {
    let LoadedLoan { record, loan, .. } = loaded;
    let mut loan = loan.ok_or_else(|| AppError::internal("closing an undisbursed loan"))?;
    let mut postings = Vec::new();
    loan.advance_to(date, &mut Discard);
    let allocation = loan
        .close_from_credit(date, &mut postings)
        .map_err(|error| AppError::conflict("prepayment_not_allowed", error.to_string()))?;
    let mut change = change_to(state, &record, &loan);
    change.new_events.push(NewLoanEvent {
        value_date: date,
        event: serde_json::to_string(&LoanEvent::Payoff {
            amount: Money::ZERO,
        })
        .map_err(AppError::internal)?,
        allocation: serde_json::to_string(&allocation).map_err(AppError::internal)?,
        payment_id: None,
    });
    change.journal = lines(&record, &postings, "", Some(0));
    change
        .domain_events
        .push(closed_event(&record, &loan, date));
    change.evidence = Some(EvidenceDraft {
        kind: "loan.closed_from_credit".to_owned(),
        subject: format!("loan:{}", record.id),
        payload_digest: digest(
            &json!({"loan_id": record.id, "date": date, "allocation": allocation}),
        )?,
    });
    match state
        .repository
        .lending()
        .commit_loan_change(&change)
        .await?
    {
        ChangeOutcome::Committed { .. } => Ok(()),
        // Only close of business writes a locked loan: ask again.
        _ => Err(AppError::conflict(
            "loan_busy",
            "the loan changed while it was being closed; try again",
        )),
    }
}

/// The loan's history rebuilt from its stored events (reversed ones left
/// out), brought to the stored state's date.
pub(crate) fn history(
    terms: LoanTerms,
    events: &[kredit_store::lending::LoanEventRecord],
    as_of: NaiveDate,
) -> Result<LoanHistory, AppError> {
    let mut history = LoanHistory::open(terms, &mut Discard).map_err(AppError::internal)?;
    for record in events.iter().filter(|e| !e.reversed) {
        let Ok(event) = serde_json::from_str::<LoanEvent>(&record.event) else {
            continue; // the disbursement marker is not a servicing event
        };
        history.advance_to(record.value_date, &mut Discard);
        let id = u64::try_from(record.id.0).map_err(AppError::internal)?;
        history
            .record(
                DatedEvent {
                    id,
                    date: record.value_date,
                    event,
                },
                &mut Discard,
            )
            .map_err(AppError::internal)?;
    }
    history.advance_to(as_of, &mut Discard);
    Ok(history)
}

/// Reverses a repayment as if it had never happened (the checker's
/// approval of a reversal request): the loan is recomputed from the nearest
/// checkpoint and only the difference is posted.
pub async fn reverse_event(
    state: &App,
    loan_id: LoanId,
    event_id: EventId,
    request_id: ReversalRequestId,
    checker: UserId,
    audit: AuditEntry,
) -> Result<ChangeOutcome, AppError> {
    // One at a time with the loan's other changes.
    crate::loan_lock::with_loan(state, loan_id, async {
        let store = state.repository.lending();
        for _ in 0..MAX_ATTEMPTS {
            let Some(LoadedLoan {
                record,
                terms,
                loan: Some(loan),
            }) = load(state, loan_id).await?
            else {
                return Err(AppError::NotFound);
            };
            let events = store.loan_events(loan_id).await?;
            let mut history = history(terms, &events, loan.as_of)?;
            if history.current() != &loan {
                return Err(AppError::internal(format!(
                    "loan {loan_id}: replayed history differs from the stored state"
                )));
            }
            let mut postings = Vec::new();
            let id = u64::try_from(event_id.0).map_err(AppError::internal)?;
            history
                .reverse(id, loan.as_of, &mut postings)
                .map_err(|error| AppError::Conflict {
                    code: "reversal_impossible",
                    detail: error.to_string(),
                })?;
            let mut change = change_to(state, &record, history.current());
            change.reversed_events.push(event_id);
            change.domain_events.push(outbox::event(
                "loan.event_reversed",
                json!({"loan_id": loan_id, "event_id": event_id, "request_id": request_id}),
            ));
            change.journal = lines(&record, &postings, &format!("reversal:{event_id}"), None);
            change.approve_reversal = Some((request_id, checker));
            change.audit = Some(audit.clone());
            change.evidence = Some(EvidenceDraft {
                kind: "loan.event_reversed".to_owned(),
                subject: format!("loan:{loan_id}"),
                payload_digest: digest(
                    &json!({"loan_id": loan_id, "event_id": event_id, "request_id": request_id}),
                )?,
            });
            match store.commit_loan_change(&change).await? {
                ChangeOutcome::VersionConflict => continue,
                other => return Ok(other),
            }
        }
        Err(AppError::internal(
            "a loan kept changing while a reversal was applied",
        ))
    })
    .await
}
