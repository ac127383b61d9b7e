//! A borrower's whole journey through the use cases alone (no HTTP), from
//! a fresh install: registration, identity, the decision, underwriting of
//! a referred application, acceptance, disbursement, a repayment and close
//! of business, with every domain event written once, in order per loan.
//! SQLite always; PostgreSQL when `KREDIT_TEST_DATABASE_URL` is set.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use kredit_app::collections::{self, Collection, CollectionKind, CollectionRequest};
use kredit_app::origination::accept::{self, AcceptRequest, TERMS_VERSION};
use kredit_app::origination::apply::{self, ApplicationRequest, MatchRequest};
use kredit_app::origination::underwrite::{self, Verdict};
use kredit_app::origination::{Questionnaire, StoredDecision};
use kredit_app::{App, AppError, FakeClock, accounts, payments, servicing};
use kredit_core::Money;
use kredit_core::application::ApplicationStatus;
use kredit_core::decision::{Outcome, codes};
use kredit_core::product::ProductKind;
use kredit_core::schedule::RepaymentMethod;
use kredit_store::{DomainEventId, Repository, Role};

mod support;

async fn installed(repository: &Arc<dyn Repository>) -> App {
    let bank = support::sandbox(Some(Duration::from_millis(10)));
    let clock = Arc::new(FakeClock::at(Utc::now()));
    let app = support::instance(repository, clock, bank, None, false);
    support::install(&app).await;
    app
}

fn request(amount: i64, term_months: u32) -> ApplicationRequest {
    ApplicationRequest {
        product_code: "CONSUMER".into(),
        amount: Money::yuan(amount),
        term_months,
        method: RepaymentMethod::EqualInstallment,
        purpose: ProductKind::Consumer,
        profile: Questionnaire::default(),
        device_id: None,
    }
}

fn consent() -> AcceptRequest {
    AcceptRequest {
        agree: true,
        terms_version: TERMS_VERSION.into(),
    }
}

/// Reconciles until the provider's answers are applied.
async fn settle(app: &App) {
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        payments::reconcile(app, Duration::ZERO).await.unwrap();
        let lending = app.repository.lending();
        if lending
            .open_payments(Utc::now(), 10)
            .await
            .unwrap()
            .is_empty()
        {
            return;
        }
    }
    panic!("payments did not settle");
}

async fn a_borrower_goes_from_registration_to_a_repaid_instalment(repository: Arc<dyn Repository>) {
    let app = installed(&repository).await;
    let borrower = support::verified_borrower(&app, "13812340001", 35, "6222021234567890123").await;

    let matched = apply::match_products(
        &app,
        borrower,
        &MatchRequest {
            amount: Money::yuan(5_000),
            term_months: 6,
            purpose: ProductKind::Consumer,
            method: None,
            profile: Questionnaire::default(),
        },
    )
    .await
    .unwrap();
    assert!(
        matched
            .iter()
            .any(|m| m.decided.decision.outcome == Outcome::Approved),
        "a verified borrower is offered a consumer loan"
    );
    // Matching stores nothing.
    assert!(
        repository
            .lending()
            .applications(None, None, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Bad input is refused and stores nothing.
    let too_much = apply::apply(&app, borrower, &request(10_000_000, 6), None).await;
    assert!(
        matches!(&too_much, Err(AppError::Validation { errors, .. }) if errors[0].code == "out_of_range"),
        "{too_much:?}"
    );

    let application = apply::apply(&app, borrower, &request(5_000, 6), None)
        .await
        .unwrap();
    assert_eq!(application.status, ApplicationStatus::Approved);
    let decided = StoredDecision::parse(&application.decision).unwrap();
    assert!(decided.decision.quote.is_some(), "approved with its offer");
    assert_eq!(decided.assessment.model, "rules-scorecard-v1");

    // The payment sandbox's always-succeeding card verifies too.
    let someone_else = support::verified_borrower(
        &app,
        "13812340002",
        40,
        kredit_payments::sandbox::cards::CARD_SUCCEEDS,
    )
    .await;
    let not_theirs =
        accept::accept(&app, someone_else, application.id, &consent(), "ip".into()).await;
    assert!(
        matches!(not_theirs, Err(AppError::NotFound)),
        "{not_theirs:?}"
    );
    let no_consent = AcceptRequest {
        agree: false,
        ..consent()
    };
    let refused = accept::accept(&app, borrower, application.id, &no_consent, "ip".into()).await;
    assert!(
        matches!(refused, Err(AppError::Validation { .. })),
        "{refused:?}"
    );

    let accepted = accept::accept(
        &app,
        borrower,
        application.id,
        &consent(),
        "203.0.113.7".into(),
    )
    .await
    .unwrap();
    let again = accept::accept(&app, borrower, application.id, &consent(), "ip".into()).await;
    assert!(
        matches!(
            again,
            Err(AppError::Conflict {
                code: "not_approved",
                ..
            })
        ),
        "{again:?}"
    );
    let contract = repository
        .lending()
        .contract(accepted.contract_id)
        .await
        .unwrap()
        .unwrap();
    assert!(contract.document.contains("203.0.113.7"));
    assert!(
        !contract.document.contains("张三"),
        "the contract holds masked names only"
    );

    settle(&app).await;
    let loan = servicing::load(&app, accepted.loan_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(loan.record.status, kredit_core::loan::LoanStatus::Active);

    let first_due = loan.loan.as_ref().unwrap().installments[0].payment();
    let collection = collections::request(
        &app,
        accepted.loan_id,
        CollectionRequest {
            kind: CollectionKind::Repayment,
            amount: Some(first_due),
            mode: None,
        },
    )
    .await
    .unwrap();
    let Collection::Pending(payment) = collection else {
        panic!("a repayment is collected from the card");
    };
    payments::submit(&app, &payment, borrower).await.unwrap();
    settle(&app).await;

    let next_day = app.business_date().await.unwrap().succ_opt().unwrap();
    let options = kredit_jobs::CobOptions::default();
    kredit_app::close_of_business::close_through(&app, next_day, &options, &[])
        .await
        .unwrap();
    let ledger = kredit_app::ledger_check::check(repository.as_ref())
        .await
        .unwrap();
    assert!(ledger.is_consistent(), "{:?}", ledger.problems);

    let events = repository
        .outbox()
        .events_after(DomainEventId(0), 100)
        .await
        .unwrap();
    let kinds: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e.kind.as_str(), e.subject.split(':').next().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("application.decided", "application"),
            ("fraud.decided", "application"),
            ("contract.signed", "contract"),
            ("loan.disbursed", "loan"),
            ("fraud.decided", "payment"),
            ("payment.applied", "loan"),
        ],
        "every event once, in order"
    );
    // The application's events come before it has a loan.
    assert!(
        events[2..]
            .iter()
            .all(|e| e.loan_id == Some(accepted.loan_id))
    );
    let decided: serde_json::Value = serde_json::from_str(&events[0].payload).unwrap();
    assert_eq!(decided["status"], "approved");
    assert!(decided["decided_by"].is_null());
}

async fn an_underwriter_decides_a_referred_application(repository: Arc<dyn Repository>) {
    let app = installed(&repository).await;
    // Young, near the product's ceiling, over a long term: the rules
    // scorecard lands in the review band.
    let borrower = support::verified_borrower(&app, "13812340003", 23, "6222021234567840123").await;
    let application = apply::apply(&app, borrower, &request(180_000, 36), None)
        .await
        .unwrap();
    assert_eq!(application.status, ApplicationStatus::Referred);

    let own =
        underwrite::underwrite(&app, borrower, application.id, Verdict::Approve, "mine").await;
    assert!(
        matches!(
            own,
            Err(AppError::Conflict {
                code: "own_application",
                ..
            })
        ),
        "{own:?}"
    );
    let underwriter = accounts::create(
        repository.as_ref(),
        &app.pii,
        "13900000002",
        support::PASSWORD,
        Role::Underwriter,
        None,
    )
    .await
    .unwrap();
    let blank = underwrite::underwrite(&app, underwriter, application.id, Verdict::Decline, " ")
        .await
        .unwrap_err();
    assert_eq!(
        blank,
        AppError::field(
            "comment",
            "comment_required",
            "a comment of 1-2000 characters explains the decision"
        )
    );
    let declined = underwrite::underwrite(
        &app,
        underwriter,
        application.id,
        Verdict::Decline,
        "income not shown",
    )
    .await
    .unwrap();
    assert_eq!(declined.status, ApplicationStatus::Declined);
    let decision = StoredDecision::parse(&declined.decision).unwrap().decision;
    assert_eq!(decision.outcome, Outcome::Declined);
    assert_eq!(decision.reasons[0].code, codes::UNDERWRITER_DECLINED);
    assert!(decision.quote.is_none() && decision.approved_amount.is_none());

    let twice =
        underwrite::underwrite(&app, underwriter, application.id, Verdict::Approve, "oops").await;
    assert!(
        matches!(
            twice,
            Err(AppError::Conflict {
                code: "not_referred",
                ..
            })
        ),
        "{twice:?}"
    );
    let audit = repository.audit_page(None, 10).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|record| record.entry.action == "application.underwrite")
    );

    let events = repository
        .outbox()
        .events_after(DomainEventId(0), 100)
        .await
        .unwrap();
    let statuses: Vec<(String, serde_json::Value)> = events
        .iter()
        .filter(|e| e.kind == "application.decided")
        .map(|e| {
            let payload: serde_json::Value = serde_json::from_str(&e.payload).unwrap();
            (
                payload["status"].as_str().unwrap().to_owned(),
                payload["decided_by"].clone(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("referred".to_owned(), serde_json::Value::Null),
            ("declined".to_owned(), serde_json::json!(underwriter)),
        ]
    );
}

kredit_store::test_on_both_backends!(
    a_borrower_goes_from_registration_to_a_repaid_instalment,
    an_underwriter_decides_a_referred_application,
);
