//! The lending store behaves the same on SQLite and PostgreSQL: acceptance
//! creates everything at once and only once, loan changes are all-or-nothing
//! under optimistic concurrency, payment notices apply once, the evidence
//! log verifies and the ledger balances.

use std::sync::Arc;

use chrono::NaiveDate;
use kredit_core::application::ApplicationStatus;
use kredit_core::evidence;
use kredit_core::payment::{PaymentDirection, PaymentPurpose, PaymentStatus};
use kredit_store::lending::ApplicationRecord;
use kredit_store::lending::{
    Acceptance, ChangeLine, ChangeOutcome, EvidenceDraft, JournalLine, LoanChange, NewApplication,
    NewLoanEvent, NewPayment, PaymentSettlement,
};
use kredit_store::outbox::NewDomainEvent;
use kredit_store::{
    ApplicationId, AuditEntry, DomainEventId, IdempotentReply, LoanId, ModelVersionId,
    NewModelScore, NewModelVersion, NewUser, PaymentId, Repository, Role, ScoreRole, UserId,
};

fn date(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

async fn borrower(repo: &Arc<dyn Repository>, phone_hash: &str) -> UserId {
    repo.create_user(
        &NewUser {
            phone_hash: phone_hash.to_owned(),
            phone_encrypted: vec![1],
            password_hash: "!".to_owned(),
            role: Role::Borrower,
            created_at: kredit_store::now(),
            data_key: None,
        },
        None,
    )
    .await
    .unwrap()
}

/// A borrower with an approved application for 1,000.00 and its acceptance.
async fn approved(repo: &Arc<dyn Repository>, phone_hash: &str) -> (UserId, Acceptance) {
    let lending = repo.lending();
    lending
        .save_product("CONSUMER", r#"{"code":"CONSUMER"}"#, None)
        .await
        .unwrap();
    let borrower_id = borrower(repo, phone_hash).await;
    let application_id = lending
        .create_application(&new_application(borrower_id, Vec::new()), None)
        .await
        .unwrap()
        .id;
    let acceptance = Acceptance {
        application_id,
        borrower_id,
        contract_document: r#"{"contract":1}"#.into(),
        contract_digest: "ab".repeat(32),
        contract_salt: "cd".repeat(32),
        signed_at: kredit_store::now(),
        product_code: "CONSUMER".into(),
        terms: "{}".into(),
        principal_fen: 100_000,
        disbursement: NewPayment {
            merchant_reference: format!("D-{application_id}-{phone_hash}"),
            loan_id: LoanId(0),
            direction: PaymentDirection::Disbursement,
            purpose: PaymentPurpose::Disbursement,
            mode: None,
            amount_fen: 100_000,
        },
        evidence: EvidenceDraft {
            kind: "contract.signed".into(),
            subject: String::new(),
            payload_digest: "ab".repeat(32),
        },
        domain_events: vec![NewDomainEvent {
            kind: "contract.signed".into(),
            payload: "{}".into(),
        }],
    };
    (borrower_id, acceptance)
}

/// An approved application of 1,000.00 over 12 months.
fn new_application(borrower_id: UserId, model_scores: Vec<NewModelScore>) -> NewApplication {
    NewApplication {
        borrower_id,
        product_code: "CONSUMER".into(),
        amount_fen: 100_000,
        term_months: 12,
        method: "equal-installment".into(),
        purpose: "consumer".into(),
        profile: "{}".into(),
        status: ApplicationStatus::Approved,
        decision: "{}".into(),
        created_at: kredit_store::now(),
        model_scores,
        domain_events: Vec::new(),
    }
}

fn line(loan: LoanId, kind: &str, debit: &str, credit: &str, amount: i64) -> JournalLine {
    JournalLine {
        entry_date: date(25),
        loan_id: Some(loan),
        product_code: "CONSUMER".into(),
        kind: kind.into(),
        debit: debit.into(),
        credit: credit.into(),
        amount_fen: amount,
        source: format!("disbursement:{loan}"),
    }
}

fn change(loan: LoanId, version: i64, payment: PaymentId, sequence: i64) -> LoanChange {
    LoanChange {
        loan_id: loan,
        expected_version: version,
        state: Some(vec![1, 2, 3]),
        projection: kredit_store::lending::LoanProjection {
            status: kredit_core::loan::LoanStatus::Active,
            as_of: Some(date(25)),
            outstanding_fen: 100_000,
            dpd: 0,
            bucket: Some("M0"),
            classification: Some("normal"),
        },
        new_events: vec![NewLoanEvent {
            value_date: date(25),
            event: r#"{"type":"disbursement"}"#.into(),
            allocation: "{}".into(),
            payment_id: Some(payment),
        }],
        reversed_events: vec![],
        journal: vec![ChangeLine {
            line: line(
                loan,
                "disbursement",
                "principal_receivable",
                "bank",
                100_000,
            ),
            event_index: Some(0),
        }],
        settlement: Some(PaymentSettlement {
            payment_id: payment,
            sequence: Some(sequence),
            status: PaymentStatus::Succeeded,
            failure_code: None,
            provider_reference: Some("P-1".into()),
            applied: None,
        }),
        approve_reversal: None,
        evidence: Some(EvidenceDraft {
            kind: "loan.disbursed".into(),
            subject: format!("loan:{loan}"),
            payload_digest: "cd".repeat(32),
        }),
        audit: None,
        domain_events: vec![kredit_store::outbox::NewDomainEvent {
            kind: "loan.disbursed".into(),
            payload: format!(r#"{{"loan_id":{loan}}}"#),
        }],
    }
}

async fn acceptance_creates_contract_loan_and_payment_once(repo: Arc<dyn Repository>) {
    let (borrower_id, acceptance) = approved(&repo, "a").await;
    let lending = repo.lending();
    let accepted = lending
        .accept_application(&acceptance)
        .await
        .unwrap()
        .unwrap();
    assert!(
        lending
            .accept_application(&acceptance)
            .await
            .unwrap()
            .is_none(),
        "a second acceptance creates nothing"
    );
    let loan = lending.loan(accepted.loan_id).await.unwrap().unwrap();
    assert_eq!(
        (loan.status.as_str(), loan.borrower_id, loan.version),
        ("pending_disbursement", borrower_id, 1)
    );
    let payment = lending.payment(accepted.payment_id).await.unwrap().unwrap();
    assert_eq!(
        (payment.loan_id, payment.status, payment.purpose),
        (
            loan.id,
            PaymentStatus::Created,
            PaymentPurpose::Disbursement
        )
    );
    let application = lending
        .application(acceptance.application_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(application.status, ApplicationStatus::Accepted);
    let contract = lending
        .contract(accepted.contract_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(contract.digest, acceptance.contract_digest);
    let events = repo
        .outbox()
        .events_after(DomainEventId(0), 10)
        .await
        .unwrap();
    assert_eq!(events.len(), 1, "the acceptance's event, once");
    assert_eq!(
        (
            events[0].kind.as_str(),
            events[0].subject.clone(),
            events[0].loan_id
        ),
        (
            "contract.signed",
            format!("contract:{}", accepted.contract_id),
            Some(loan.id)
        )
    );
    let exposure = lending.exposure(borrower_id).await.unwrap();
    assert_eq!(
        (exposure.open_loans, exposure.outstanding_fen),
        (1, 100_000)
    );
}

async fn loan_changes_are_atomic_versioned_and_apply_a_notice_once(repo: Arc<dyn Repository>) {
    let (_, acceptance) = approved(&repo, "b").await;
    let lending = repo.lending();
    let accepted = lending
        .accept_application(&acceptance)
        .await
        .unwrap()
        .unwrap();
    let (loan, payment) = (accepted.loan_id, accepted.payment_id);
    sent(&repo, payment).await;

    let stale = lending
        .commit_loan_change(&change(loan, 7, payment, 1))
        .await;
    assert_eq!(stale.unwrap(), ChangeOutcome::VersionConflict);

    let outcome = lending
        .commit_loan_change(&change(loan, 1, payment, 2))
        .await
        .unwrap();
    let ChangeOutcome::Committed { event_ids } = outcome else {
        panic!("expected a commit, got {outcome:?}");
    };
    let journal = lending.loan_journal(loan).await.unwrap();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].source, format!("event:{}", event_ids[0]));

    // The same notice again (a redelivery), on the new version: refused and
    // nothing written, not even the loan's state.
    let again = lending
        .commit_loan_change(&change(loan, 2, payment, 2))
        .await
        .unwrap();
    assert_eq!(again, ChangeOutcome::AlreadyApplied);
    let stored = lending.loan(loan).await.unwrap().unwrap();
    assert_eq!((stored.version, stored.status.as_str()), (2, "active"));
    assert_eq!(lending.loan_events(loan).await.unwrap().len(), 1);
    assert_eq!(lending.loan_journal(loan).await.unwrap().len(), 1);
    let settled = lending.payment(payment).await.unwrap().unwrap();
    assert_eq!(
        (settled.status, settled.last_applied_sequence),
        (PaymentStatus::Succeeded, 2)
    );

    // The ledger balances and the evidence log verifies.
    let totals = lending.trial_balance().await.unwrap();
    let debits: i64 = totals.iter().map(|t| t.debits_fen).sum();
    let credits: i64 = totals.iter().map(|t| t.credits_fen).sum();
    assert_eq!((debits, credits), (100_000, 100_000));
    let entries = lending.evidence(0, 100).await.unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(
        entries[0].subject,
        format!("contract:{}", accepted.contract_id)
    );
    evidence::verify(&entries).unwrap();
    // The change's domain event is in the outbox, written with it once,
    // after the acceptance's.
    let events = repo
        .outbox()
        .events_after(DomainEventId(0), 10)
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].kind, "contract.signed");
    let events = &events[1..];
    assert_eq!(
        (events[0].kind.as_str(), events[0].loan_id),
        ("loan.disbursed", Some(loan))
    );
}

async fn concurrent_changes_to_one_loan_commit_exactly_once(repo: Arc<dyn Repository>) {
    let (_, acceptance) = approved(&repo, "c").await;
    let accepted = repo
        .lending()
        .accept_application(&acceptance)
        .await
        .unwrap()
        .unwrap();
    let attempts = (0..8).map(|i| {
        let repo = repo.clone();
        let mut change = change(accepted.loan_id, 1, accepted.payment_id, 1 + i);
        change.settlement = None;
        tokio::spawn(async move { repo.lending().commit_loan_change(&change).await })
    });
    let mut committed = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(ChangeOutcome::Committed { .. }) => committed += 1,
            Ok(ChangeOutcome::VersionConflict) => {}
            // SQLite may refuse a writer outright under contention; that is
            // a failed attempt that changed nothing, as a conflict is.
            Err(_) => {}
            Ok(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(committed, 1);
    let entries = repo.lending().evidence(0, 100).await.unwrap();
    evidence::verify(&entries).unwrap();
    assert_eq!(entries.len(), 2);
    // The acceptance's event and the one committed change's.
    assert_eq!(
        repo.outbox()
            .events_after(DomainEventId(0), 100)
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn business_date_and_failed_settlements(repo: Arc<dyn Repository>) {
    let lending = repo.lending();
    assert_eq!(lending.business_date().await.unwrap(), None);
    assert!(lending.init_business_date(date(25)).await.unwrap());
    assert!(!lending.init_business_date(date(26)).await.unwrap());
    assert_eq!(lending.business_date().await.unwrap(), Some(date(25)));

    let (_, acceptance) = approved(&repo, "d").await;
    let accepted = lending
        .accept_application(&acceptance)
        .await
        .unwrap()
        .unwrap();
    let failure = PaymentSettlement {
        payment_id: accepted.payment_id,
        sequence: Some(1),
        status: PaymentStatus::Failed,
        failure_code: Some("insufficient_funds".into()),
        provider_reference: None,
        applied: None,
    };
    let failed = kredit_store::outbox::NewDomainEvent {
        kind: "payment.failed".into(),
        payload: "{}".into(),
    };
    assert!(
        !lending
            .settle_payment(&failure, std::slice::from_ref(&failed))
            .await
            .unwrap(),
        "no notice settles a payment never sent"
    );
    sent(&repo, accepted.payment_id).await;
    assert!(
        lending
            .settle_payment(&failure, std::slice::from_ref(&failed))
            .await
            .unwrap()
    );
    assert!(
        !lending
            .settle_payment(&failure, std::slice::from_ref(&failed))
            .await
            .unwrap()
    );
    let late_success = PaymentSettlement {
        sequence: Some(2),
        status: PaymentStatus::Succeeded,
        failure_code: None,
        ..failure
    };
    assert!(
        !lending.settle_payment(&late_success, &[]).await.unwrap(),
        "a final status never changes"
    );
    // The failure's event was written with it, once (after acceptance's).
    let events = repo
        .outbox()
        .events_after(DomainEventId(0), 10)
        .await
        .unwrap();
    assert_eq!(
        events
            .iter()
            .map(|e| (e.kind.as_str(), e.loan_id))
            .collect::<Vec<_>>(),
        [
            ("contract.signed", Some(accepted.loan_id)),
            ("payment.failed", Some(accepted.loan_id))
        ]
    );
}

/// Moves a `created` payment through authorisation to `submitted`, as the
/// application layer does before the provider can answer.
async fn sent(repo: &Arc<dyn Repository>, payment: PaymentId) {
    let lending = repo.lending();
    assert!(
        lending
            .advance_payment(payment, PaymentStatus::Created, PaymentStatus::Authorised)
            .await
            .unwrap()
    );
    assert!(
        lending
            .advance_payment(payment, PaymentStatus::Authorised, PaymentStatus::Submitted)
            .await
            .unwrap()
    );
}

/// The lifecycle is enforced where it is stored: steps only forward, a
/// refusal only of a payment not yet authorised, and the open payments are
/// those reconciliation must finish.
async fn payment_steps_follow_the_lifecycle(repo: Arc<dyn Repository>) {
    let lending = repo.lending();
    let (_, acceptance) = approved(&repo, "e").await;
    let accepted = lending
        .accept_application(&acceptance)
        .await
        .unwrap()
        .unwrap();
    let id = accepted.payment_id;
    let later = kredit_store::now() + chrono::Duration::seconds(1);
    let open = lending.open_payments(later, 10).await.unwrap();
    assert_eq!(
        open.iter().map(|p| (p.id, p.status)).collect::<Vec<_>>(),
        [(id, PaymentStatus::Created)]
    );
    assert!(matches!(
        lending
            .advance_payment(id, PaymentStatus::Created, PaymentStatus::Submitted)
            .await,
        Err(kredit_store::StoreError::Invariant(_))
    ));
    assert!(
        !lending
            .advance_payment(id, PaymentStatus::Authorised, PaymentStatus::Submitted)
            .await
            .unwrap(),
        "not authorised yet"
    );
    let refusal = PaymentSettlement {
        payment_id: id,
        sequence: None,
        status: PaymentStatus::Failed,
        failure_code: Some("policy_refused".into()),
        provider_reference: None,
        applied: None,
    };
    assert!(lending.settle_payment(&refusal, &[]).await.unwrap());
    let refused = lending.payment(id).await.unwrap().unwrap();
    assert_eq!(
        (refused.status, refused.failure_code.as_deref()),
        (PaymentStatus::Failed, Some("policy_refused"))
    );
    assert!(!lending.settle_payment(&refusal, &[]).await.unwrap());
    assert!(lending.open_payments(later, 10).await.unwrap().is_empty());
}

/// An application and the models' scores of it are stored together: a
/// score that cannot be stored leaves no application behind either.
async fn applications_are_stored_with_their_model_scores(repo: Arc<dyn Repository>) {
    let lending = repo.lending();
    lending
        .save_product("CONSUMER", r#"{"code":"CONSUMER"}"#, None)
        .await
        .unwrap();
    let borrower_id = borrower(&repo, "scored").await;
    let model = repo
        .insert_model_version(
            &NewModelVersion {
                name: "m".into(),
                kind: "scorecard".into(),
                artefact: "{}".into(),
                metrics: "{}".into(),
                uploaded_by: None,
                created_at: kredit_store::now(),
            },
            AuditEntry {
                actor_id: None,
                action: "model.upload".into(),
                entity_type: "model".into(),
                entity_id: None,
                before: None,
                after: None,
                at: kredit_store::now(),
            },
        )
        .await
        .unwrap();
    let score = |model_version_id| NewModelScore {
        application_id: ApplicationId(0),
        model_version_id,
        role: ScoreRole::Champion,
        score: 612,
        pd_units: 1_000_000_000,
        reasons: "[]".into(),
        features: "{}".into(),
        scored_at: kredit_store::now(),
    };
    let application = |model_scores| new_application(borrower_id, model_scores);
    let id = lending
        .create_application(&application(vec![score(model.id)]), None)
        .await
        .unwrap()
        .id;
    let scores = repo.model_scores(model.id, 10).await.unwrap();
    assert_eq!(scores.len(), 1);
    assert_eq!((scores[0].application_id, scores[0].score), (id, 612));

    let refused = lending
        .create_application(
            &application(vec![score(ModelVersionId(model.id.0 + 1000))]),
            None,
        )
        .await;
    assert!(refused.is_err(), "the score names no registered model");
    let stored = lending
        .applications(Some(borrower_id), None, 10)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1, "the refused application was rolled back");

    // A retriable request's reply is written with the application: a twin
    // under the same key finds it taken, and nothing of the twin stays.
    let body = |record: &ApplicationRecord| Ok(format!(r#"{{"id":{}}}"#, record.id));
    let reply = IdempotentReply {
        user_id: borrower_id,
        key: "twin",
        request_hash: "h",
        status: 201,
        body: &body,
    };
    let first = lending
        .create_application(&application(Vec::new()), Some(&reply))
        .await
        .unwrap();
    let twin = lending
        .create_application(&application(Vec::new()), Some(&reply))
        .await;
    assert!(
        matches!(twin, Err(kredit_store::StoreError::Conflict)),
        "{twin:?}"
    );
    let kept = repo
        .idempotency_record(borrower_id, "twin")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        kept.response.map(|r| (r.status, r.body)),
        Some((201, format!(r#"{{"id":{}}}"#, first.id)))
    );
    let stored = lending
        .applications(Some(borrower_id), None, 10)
        .await
        .unwrap();
    assert_eq!(stored.len(), 2, "the twin was rolled back");
}

kredit_store::test_on_both_backends!(
    applications_are_stored_with_their_model_scores,
    acceptance_creates_contract_loan_and_payment_once,
    loan_changes_are_atomic_versioned_and_apply_a_notice_once,
    concurrent_changes_to_one_loan_commit_exactly_once,
    business_date_and_failed_settlements,
    payment_steps_follow_the_lifecycle,
);
