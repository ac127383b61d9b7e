//! Payments and the events of a loan's life, through the use cases alone
//! (no HTTP), from a fresh install on a fake clock: the authoriser stands
//! before the provider, reconciliation finishes whatever a crash left
//! `created` or `authorised`, a failed payment says so in the outbox, and
//! close of business raises `installment.due` and `installment.overdue`
//! once each, in order. The sandbox bank settles in milliseconds; its
//! callbacks go nowhere (there is no server here), so reconciliation, which
//! asks the bank, applies the outcomes. Borrowers are onboarded through
//! the use cases; only what no use case leaves behind (a crash's half-done
//! payment, a card changed at the bank) is written straight into the store.
//! SQLite always; PostgreSQL when `KREDIT_TEST_DATABASE_URL` is set.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Days, NaiveDate, Utc};
use kredit_app::close_of_business::{self};
use kredit_app::payments::{self, Authorisation, AuthoriseAll, PaymentAuthoriser};
use kredit_app::{App, AppResult, FakeClock};
use kredit_core::Money;
use kredit_core::application::ApplicationStatus;
use kredit_core::apr::RateCap;
use kredit_core::loan::LoanTerms;
use kredit_core::payment::{PaymentDirection, PaymentPurpose, PaymentStatus};
use kredit_core::product::OfferRequest;
use kredit_core::schedule::RepaymentMethod;
use kredit_jobs::CobOptions;
use kredit_payments::sandbox::cards;
use kredit_payments::{PaymentProvider, PaymentReference, ProviderError, SandboxProvider};
use kredit_store::lending::{Acceptance, EvidenceDraft, NewApplication, NewPayment, PaymentRecord};
use kredit_store::{DomainEventId, LoanId, PaymentId, Repository, UserId};
use serde_json::Value;

mod support;

const SETTLES_IN: Duration = Duration::from_millis(20);

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// Refuses every disbursement (a disbursement policy saying no) and
/// counts what it was asked.
#[derive(Default)]
struct RefuseDisbursements {
    asked: AtomicUsize,
}

#[async_trait]
impl PaymentAuthoriser for RefuseDisbursements {
    async fn authorise(&self, _: &App, payment: &PaymentRecord) -> AppResult<Authorisation> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        Ok(match payment.direction {
            PaymentDirection::Disbursement => Authorisation::Refused {
                code: "policy_refused".to_owned(),
                reason: "the disbursement policy says no".to_owned(),
            },
            PaymentDirection::Collection => Authorisation::Authorised,
        })
    }
}

/// A policy service that is down for its first `outage` calls, then
/// authorises.
struct FlakyAuthoriser {
    outage: usize,
    asked: AtomicUsize,
}

#[async_trait]
impl PaymentAuthoriser for FlakyAuthoriser {
    async fn authorise(&self, _: &App, _: &PaymentRecord) -> AppResult<Authorisation> {
        if self.asked.fetch_add(1, Ordering::SeqCst) < self.outage {
            return Err(kredit_app::AppError::internal("policy service unavailable"));
        }
        Ok(Authorisation::Authorised)
    }
}

struct Lender {
    app: App,
    sandbox: Arc<SandboxProvider>,
}

/// A fresh install on 1 December 2026 with the demo catalogue, the sandbox
/// bank and `authoriser`; auto-debit off, so unpaid instalments stay unpaid.
async fn lender(
    repository: &Arc<dyn Repository>,
    authoriser: Arc<dyn PaymentAuthoriser>,
) -> Lender {
    let clock = Arc::new(FakeClock::at(utc("2026-12-01T02:00:00Z")));
    let sandbox = support::sandbox(Some(SETTLES_IN));
    let app = support::instance(repository, clock, sandbox.clone(), Some(authoriser), false);
    support::install(&app).await;
    Lender { app, sandbox }
}

impl Lender {
    /// A borrower onboarded as one would be (registered, identity
    /// verified), with `card` as their bank card.
    async fn borrower(&self, n: u32, card: &str) -> UserId {
        support::verified_borrower(&self.app, &format!("1380000{n:04}"), 36, card).await
    }

    /// The bank swaps the borrower's card for `card`. Written straight into
    /// the store: a change on the bank's side, and a verified identity
    /// cannot be verified again through the use case.
    async fn card(&self, borrower: UserId, card: &str) {
        let repository = &self.app.repository;
        let mut identity = repository.identity(borrower).await.unwrap().unwrap();
        identity.bank_card_encrypted = self.app.pii.seal_for(borrower, card).await.unwrap();
        identity.updated_at = kredit_store::now();
        repository.save_identity(&identity).await.unwrap();
    }

    /// An accepted loan of 10,000.00 over 6 months from the business date,
    /// awaiting disbursement: its disbursement payment is written
    /// (`created`) and not yet submitted, as if the server stopped there.
    /// Staged straight in the store: `accept::accept` submits the payment
    /// itself, so it cannot leave this crash state behind.
    async fn accepted(&self, borrower: UserId) -> PaymentRecord {
        let store = self.app.repository.lending();
        let record = store.product("CONSUMER").await.unwrap().unwrap();
        let product: kredit_core::product::LoanProduct =
            serde_json::from_str(&record.definition).unwrap();
        let offer = OfferRequest {
            amount: Money::from_fen(1_000_000),
            term_months: 6,
            method: RepaymentMethod::EqualInstallment,
            start_date: self.app.business_date().await.unwrap(),
        };
        let quote = product
            .quote(&offer, product.min_annual_rate, RateCap::default())
            .unwrap();
        let terms = LoanTerms::from_quote(
            &product,
            &quote,
            product.schedule_terms(&offer, quote.annual_rate),
        );
        let application_id = store
            .create_application(
                &NewApplication {
                    borrower_id: borrower,
                    product_code: "CONSUMER".to_owned(),
                    amount_fen: offer.amount.fen(),
                    term_months: 6,
                    method: "equal_installment".to_owned(),
                    purpose: "consumer".to_owned(),
                    profile: "{}".to_owned(),
                    status: ApplicationStatus::Approved,
                    decision: "{}".to_owned(),
                    created_at: kredit_store::now(),
                    model_scores: Vec::new(),
                    domain_events: Vec::new(),
                },
                None,
            )
            .await
            .unwrap()
            .id;
        let accepted = store
            .accept_application(&Acceptance {
                application_id,
                borrower_id: borrower,
                contract_document: "{}".to_owned(),
                contract_digest: "ab".repeat(32),
                contract_salt: "cd".repeat(32),
                signed_at: kredit_store::now(),
                product_code: "CONSUMER".to_owned(),
                terms: serde_json::to_string(&terms).unwrap(),
                principal_fen: offer.amount.fen(),
                disbursement: NewPayment {
                    merchant_reference: format!("KR-D-{application_id}"),
                    loan_id: LoanId(0),
                    direction: PaymentDirection::Disbursement,
                    purpose: PaymentPurpose::Disbursement,
                    mode: None,
                    amount_fen: quote.net_proceeds.fen(),
                },
                evidence: EvidenceDraft {
                    kind: "contract.signed".to_owned(),
                    subject: String::new(),
                    payload_digest: "ab".repeat(32),
                },
                domain_events: Vec::new(),
            })
            .await
            .unwrap()
            .unwrap();
        store.payment(accepted.payment_id).await.unwrap().unwrap()
    }

    async fn payment(&self, id: PaymentId) -> PaymentRecord {
        self.app
            .repository
            .lending()
            .payment(id)
            .await
            .unwrap()
            .unwrap()
    }

    async fn loan_status(&self, loan: LoanId) -> &'static str {
        let record = self.app.repository.lending().loan(loan).await.unwrap();
        record.unwrap().status.as_str()
    }

    /// Whether the bank has ever been handed the payment.
    async fn bank_has(&self, payment: &PaymentRecord) -> bool {
        let reference = PaymentReference::Merchant(payment.merchant_reference.clone());
        match self.sandbox.query(&reference).await {
            Ok(_) => true,
            Err(ProviderError::NotFound) => false,
            Err(other) => panic!("{other}"),
        }
    }

    /// Lets the bank settle, then reconciles (as the server does every
    /// minute) until the payment is final.
    async fn settled(&self, id: PaymentId) -> PaymentRecord {
        for _ in 0..100 {
            tokio::time::sleep(SETTLES_IN).await;
            payments::reconcile(&self.app, Duration::ZERO)
                .await
                .unwrap();
            let payment = self.payment(id).await;
            if payment.status.is_final() {
                return payment;
            }
        }
        panic!("payment {id} never settled");
    }

    /// An active loan: accepted, submitted, disbursed.
    async fn active_loan(&self, borrower: UserId) -> LoanId {
        let payment = self.accepted(borrower).await;
        payments::submit(&self.app, &payment, borrower)
            .await
            .unwrap();
        assert_eq!(
            self.settled(payment.id).await.status,
            PaymentStatus::Succeeded
        );
        assert_eq!(self.loan_status(payment.loan_id).await, "active");
        payment.loan_id
    }

    /// The outbox, as (kind, payload) of the given loan, in delivery order.
    async fn events_of(&self, loan: LoanId) -> Vec<(String, Value)> {
        let events = self
            .app
            .repository
            .outbox()
            .events_after(DomainEventId(0), 1000)
            .await
            .unwrap();
        events
            .into_iter()
            .filter(|e| e.loan_id == Some(loan))
            .map(|e| (e.kind, serde_json::from_str(&e.payload).unwrap()))
            .collect()
    }

    async fn close_through(&self, through: NaiveDate) {
        close_of_business::close_through(&self.app, through, &CobOptions::default(), &[])
            .await
            .unwrap();
    }
}

async fn a_refused_payment_is_never_sent(repository: Arc<dyn Repository>) {
    let authoriser = Arc::new(RefuseDisbursements::default());
    let lender = lender(&repository, authoriser.clone()).await;
    let borrower = lender.borrower(1, cards::CARD_SUCCEEDS).await;
    let payment = lender.accepted(borrower).await;
    assert_eq!(payment.status, PaymentStatus::Created);

    payments::submit(&lender.app, &payment, borrower)
        .await
        .unwrap();
    let refused = lender.payment(payment.id).await;
    assert_eq!(
        (refused.status, refused.failure_code.as_deref()),
        (PaymentStatus::Failed, Some("policy_refused"))
    );
    assert!(
        !lender.bank_has(&payment).await,
        "a refused payment never reaches the bank"
    );
    // The loan never starts: it is closed as a failed disbursement, with
    // the failure's events written with it.
    assert_eq!(
        lender.loan_status(payment.loan_id).await,
        "disbursement_failed"
    );
    let events = lender.events_of(payment.loan_id).await;
    let kinds: Vec<&str> = events.iter().map(|(kind, _)| kind.as_str()).collect();
    assert_eq!(kinds, ["payment.failed", "loan.disbursement_failed"]);
    assert_eq!(events[0].1["code"], "policy_refused");
    assert_eq!(events[0].1["failed_by"], "authoriser");

    // Reconciliation and a second submission ask nobody and send nothing.
    payments::reconcile(&lender.app, Duration::ZERO)
        .await
        .unwrap();
    payments::submit(&lender.app, &refused, borrower)
        .await
        .unwrap();
    assert!(!lender.bank_has(&payment).await);
    assert_eq!(authoriser.asked.load(Ordering::SeqCst), 1);
    assert_eq!(lender.events_of(payment.loan_id).await.len(), 2);
}

async fn reconciliation_finishes_payments_a_crash_left_behind(repository: Arc<dyn Repository>) {
    let lender = lender(&repository, Arc::new(AuthoriseAll)).await;
    let borrower = lender.borrower(2, cards::CARD_SUCCEEDS).await;

    // Left `created`: the server died before asking the authoriser.
    let created = lender.accepted(borrower).await;
    // Left `authorised`: it died after authorising, before the bank had it
    // (staged in the store, as no use case stops there).
    let authorised = lender.accepted(borrower).await;
    assert!(
        repository
            .lending()
            .advance_payment(
                authorised.id,
                PaymentStatus::Created,
                PaymentStatus::Authorised
            )
            .await
            .unwrap()
    );
    assert!(!lender.bank_has(&created).await && !lender.bank_has(&authorised).await);

    payments::reconcile(&lender.app, Duration::ZERO)
        .await
        .unwrap();
    for payment in [&created, &authorised] {
        assert!(
            lender.bank_has(payment).await,
            "payment {} sent",
            payment.id
        );
        assert_eq!(
            lender.payment(payment.id).await.status,
            PaymentStatus::Submitted
        );
    }
    for payment in [&created, &authorised] {
        assert_eq!(
            lender.settled(payment.id).await.status,
            PaymentStatus::Succeeded
        );
        assert_eq!(lender.loan_status(payment.loan_id).await, "active");
        let kinds: Vec<String> = lender
            .events_of(payment.loan_id)
            .await
            .into_iter()
            .map(|(kind, _)| kind)
            .collect();
        assert_eq!(kinds, ["loan.disbursed"]);
    }
}

/// An authoriser that cannot answer delays the money; it never lets a
/// payment through unchecked.
async fn an_authoriser_outage_delays_and_never_skips(repository: Arc<dyn Repository>) {
    let authoriser = Arc::new(FlakyAuthoriser {
        outage: 2,
        asked: AtomicUsize::new(0),
    });
    let lender = lender(&repository, authoriser.clone()).await;
    let borrower = lender.borrower(7, cards::CARD_SUCCEEDS).await;
    let payment = lender.accepted(borrower).await;
    payments::submit(&lender.app, &payment, borrower)
        .await
        .unwrap();
    payments::reconcile(&lender.app, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(
        lender.payment(payment.id).await.status,
        PaymentStatus::Created
    );
    assert!(!lender.bank_has(&payment).await);
    // The service is back: the next reconciliation authorises and sends.
    payments::reconcile(&lender.app, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(authoriser.asked.load(Ordering::SeqCst), 3);
    assert!(lender.bank_has(&payment).await);
    assert_eq!(
        lender.settled(payment.id).await.status,
        PaymentStatus::Succeeded
    );
    assert_eq!(lender.loan_status(payment.loan_id).await, "active");
}

async fn a_failed_collection_is_an_event(repository: Arc<dyn Repository>) {
    let lender = lender(&repository, Arc::new(AuthoriseAll)).await;
    let borrower = lender.borrower(3, cards::CARD_SUCCEEDS).await;
    let loan = lender.active_loan(borrower).await;
    // The borrower's card is now one the bank refuses to debit.
    lender.card(borrower, cards::CARD_INSUFFICIENT_FUNDS).await;
    let collection = kredit_app::collections::request(
        &lender.app,
        loan,
        kredit_app::collections::CollectionRequest {
            kind: kredit_app::collections::CollectionKind::Repayment,
            amount: Some(Money::from_fen(50_000)),
            mode: None,
        },
    )
    .await
    .unwrap();
    let kredit_app::collections::Collection::Pending(payment) = collection else {
        panic!("a repayment is sent to the bank");
    };
    assert_eq!(payment.status, PaymentStatus::Created);
    payments::submit(&lender.app, &payment, borrower)
        .await
        .unwrap();
    let failed = lender.settled(payment.id).await;
    assert_eq!(
        (failed.status, failed.failure_code.as_deref()),
        (PaymentStatus::Failed, Some("insufficient_funds"))
    );
    assert_eq!(lender.loan_status(loan).await, "active");
    let events = lender.events_of(loan).await;
    let kinds: Vec<&str> = events.iter().map(|(kind, _)| kind.as_str()).collect();
    // The collection's fraud decision comes before the card is charged.
    assert_eq!(kinds, ["loan.disbursed", "fraud.decided", "payment.failed"]);
    let failure = &events[2].1;
    assert_eq!(failure["payment_id"], payment.id.0);
    assert_eq!(failure["code"], "insufficient_funds");
    assert_eq!(failure["failed_by"], "provider");
    assert_eq!(failure["purpose"], "repayment");
    assert_eq!(failure["amount"], "500.00");
    // The bank's notice arriving again changes nothing.
    payments::reconcile(&lender.app, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(lender.events_of(loan).await.len(), 3);
}

/// The instalment events of `loan`: (kind, instalment, date it happened).
async fn instalment_events(lender: &Lender, loan: LoanId) -> Vec<(String, u64, NaiveDate)> {
    lender
        .events_of(loan)
        .await
        .into_iter()
        .filter(|(kind, _)| kind.starts_with("installment."))
        .map(|(kind, payload)| {
            let on = if kind == "installment.due" {
                &payload["due_date"]
            } else {
                &payload["overdue_since"]
            };
            let on = date(on.as_str().unwrap());
            (kind, payload["installment"].as_u64().unwrap(), on)
        })
        .collect()
}

fn expected(first_due: NaiveDate) -> Vec<(String, u64, NaiveDate)> {
    vec![
        ("installment.due".to_owned(), 1, first_due),
        (
            "installment.overdue".to_owned(),
            1,
            first_due + Days::new(1),
        ),
    ]
}

async fn close_of_business_says_when_instalments_fall_due_and_overdue(
    repository: Arc<dyn Repository>,
) {
    let lender = lender(&repository, Arc::new(AuthoriseAll)).await;
    let (a, b) = (
        lender.borrower(4, cards::CARD_SUCCEEDS).await,
        lender.borrower(5, cards::CARD_SUCCEEDS).await,
    );
    let loans = [lender.active_loan(a).await, lender.active_loan(b).await];
    let first_due = date("2027-01-01");

    // Day by day up to the day before the first due date: nothing.
    lender.close_through(first_due - Days::new(1)).await;
    for loan in loans {
        assert!(instalment_events(&lender, loan).await.is_empty());
    }
    // The due date, the day after and two more: due once, overdue once,
    // in that order, for each loan.
    for day in 0..4 {
        lender.close_through(first_due + Days::new(day)).await;
    }
    // Closing a closed day again raises nothing.
    lender.close_through(first_due + Days::new(3)).await;
    for loan in loans {
        assert_eq!(instalment_events(&lender, loan).await, expected(first_due));
        let events = lender.events_of(loan).await;
        let due = &events
            .iter()
            .find(|(k, _)| k == "installment.due")
            .unwrap()
            .1;
        assert_eq!(due["loan_id"], loan.0);
        assert_eq!(due["due_date"], "2027-01-01");
        let amount: Money = due["amount_due"].as_str().unwrap().parse().unwrap();
        assert!(amount.is_positive());
        let overdue = &events
            .iter()
            .find(|(k, _)| k == "installment.overdue")
            .unwrap()
            .1;
        assert_eq!(overdue["amount_overdue"], due["amount_due"]);
    }
}

/// Several missed days closed in one run raise the same events as closing
/// them one by one.
async fn a_catch_up_run_raises_each_event_once(repository: Arc<dyn Repository>) {
    let lender = lender(&repository, Arc::new(AuthoriseAll)).await;
    let borrower = lender.borrower(6, cards::CARD_SUCCEEDS).await;
    let loan = lender.active_loan(borrower).await;
    let first_due = date("2027-01-01");
    lender.close_through(first_due + Days::new(5)).await;
    lender.close_through(first_due + Days::new(6)).await;
    assert_eq!(instalment_events(&lender, loan).await, expected(first_due));
}

kredit_store::test_on_both_backends!(
    a_refused_payment_is_never_sent,
    reconciliation_finishes_payments_a_crash_left_behind,
    an_authoriser_outage_delays_and_never_skips,
    a_failed_collection_is_an_event,
    close_of_business_says_when_instalments_fall_due_and_overdue,
    a_catch_up_run_raises_each_event_once,
);
