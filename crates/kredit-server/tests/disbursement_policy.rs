//! The disbursement policy at work, on SQLite and PostgreSQL, from a fresh
//! install: Kredit's default releases a loan at once and says so in the
//! log; a lender's 24-hour cooling-off holds the money (asked again by
//! every reconciliation, logged once per outcome) and releases it when
//! the clock passes the end; a principal above the policy's maximum is
//! blocked and the disbursement fails; a policy naming facts Kredit does
//! not gather is refused at startup.

mod support;

use std::sync::Arc;
use std::time::Duration;

use axum::http::Method;
use kredit_app::FakeClock;
use kredit_app::disbursement_policy::EVALUATED;
use kredit_server::keys::Keys;
use kredit_store::Repository;
use serde_json::{Value, json};
use support::TestApp;
use support::journey::{accept, add_catalogue, apply, eventually, start, verified_borrower};

/// An install on a fake clock at 10:00 in Shanghai on the journey's first
/// day, with the policy `toml` (Kredit's default when `None`).
async fn install(
    repository: Arc<dyn Repository>,
    toml: Option<&str>,
) -> (TestApp, Arc<FakeClock>, tempfile::TempDir) {
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("policy.toml");
    if let Some(toml) = toml {
        std::fs::write(&file, toml).unwrap();
    }
    let clock = Arc::new(FakeClock::at(
        start().and_hms_opt(2, 0, 0).unwrap().and_utc(),
    ));
    let app = TestApp::start(
        repository,
        true,
        clock.clone(),
        Keys::generate(),
        |config| {
            if toml.is_some() {
                config.disbursement_policy_file = Some(file.clone());
            }
        },
    )
    .await;
    add_catalogue(&app).await;
    (app, clock, directory)
}

/// A verified borrower's accepted loan of `amount`: token, loan path and
/// its disbursement payment's id.
async fn accepted_loan(app: &TestApp, phone: &str, amount: &str) -> (String, String, i64) {
    let token = verified_borrower(app, phone, 30, &format!("62220212345678{}", &phone[6..])).await;
    let application = apply(
        app,
        &token,
        &format!("policy-{phone}"),
        json!({"product_code": "CONSUMER", "amount": amount, "term_months": 12,
            "method": "equal-installment", "purpose": "consumer"}),
    )
    .await;
    assert_eq!(
        application.json["status"], "approved",
        "{}",
        application.text
    );
    let accepted = accept(app, &token, application.json["id"].as_i64().unwrap()).await;
    let loan = accepted.json["loan"]["id"].as_i64().unwrap();
    let path = format!("/api/v1/loans/{loan}");
    let payments = app
        .call(Method::GET, &format!("{path}/payments"), Some(&token), None)
        .await;
    let payment = payments.json["items"][0]["id"].as_i64().unwrap();
    (token, path, payment)
}

/// Every `disbursement.evaluated` outcome written for the payment.
async fn outcomes(app: &TestApp, payment: i64) -> Vec<Value> {
    let events = app
        .state
        .repository
        .outbox()
        .events_after(kredit_store::DomainEventId(0), 10_000)
        .await
        .unwrap();
    events
        .iter()
        .filter(|e| e.kind == EVALUATED && e.subject == format!("payment:{payment}"))
        .map(|e| serde_json::from_str::<Value>(&e.payload).unwrap()["outcome"].clone())
        .collect()
}

async fn reconcile(app: &TestApp) {
    kredit_app::payments::reconcile(&app.state, Duration::ZERO)
        .await
        .unwrap();
}

async fn the_default_policy_releases_at_once(repository: Arc<dyn Repository>) {
    let (app, _clock, _dir) = install(repository, None).await;
    let (token, path, payment) = accepted_loan(&app, "13800000501", "10000.00").await;
    eventually(&app, &token, &path, |l| l["status"] == "active").await;
    assert_eq!(
        outcomes(&app, payment).await,
        vec![json!({"outcome": "ready"})]
    );
    // The evaluation is a log entry, chained to the loan's others.
    let log = app.state.log.as_ref().unwrap();
    kredit_app::tlog::sequence(&app.state, log).await.unwrap();
    let entry = app
        .state
        .repository
        .log()
        .entry_of(&format!("payment:{payment}"), EVALUATED)
        .await
        .unwrap()
        .expect("the evaluation is logged");
    let record = kredit_app::tlog::LogRecord::parse(&entry.data).unwrap();
    assert!(record.previous.is_some(), "{record:?}");
}

const COOLING_OFF: &str = r#"
name = "cooling-off"
version = 1

[[conditions]]
kind = "identity_verified"

[[conditions]]
kind = "contract_signed"

[[conditions]]
kind = "cooling_off"
hours = 24
"#;

async fn cooling_off_holds_then_releases(repository: Arc<dyn Repository>) {
    let (app, clock, _dir) = install(repository, Some(COOLING_OFF)).await;
    let (token, path, payment) = accepted_loan(&app, "13800000502", "10000.00").await;
    let loan = app.call(Method::GET, &path, Some(&token), None).await;
    assert_eq!(loan.json["status"], "pending_disbursement", "{}", loan.text);
    let until = kredit_app::Clock::now(clock.as_ref()).timestamp() + 24 * 3600;
    let held = json!({"outcome": "waiting", "reasons": [{"code": "cooling_off", "until": until}]});
    assert_eq!(outcomes(&app, payment).await, vec![held.clone()]);

    // An hour later, and a second before the end: still held, logged once.
    clock.advance(chrono::Duration::hours(1));
    reconcile(&app).await;
    clock.advance(chrono::Duration::seconds(23 * 3600 - 1));
    reconcile(&app).await;
    let loan = app.call(Method::GET, &path, Some(&token), None).await;
    assert_eq!(loan.json["status"], "pending_disbursement");
    assert_eq!(outcomes(&app, payment).await, vec![held.clone()]);

    // At the end the next reconciliation sends the money.
    clock.advance(chrono::Duration::seconds(1));
    reconcile(&app).await;
    eventually(&app, &token, &path, |l| l["status"] == "active").await;
    assert_eq!(
        outcomes(&app, payment).await,
        vec![held, json!({"outcome": "ready"})]
    );
}

const SMALL_LOANS_ONLY: &str = r#"
name = "small-loans"
version = 2

[[conditions]]
kind = "contract_signed"

[[conditions]]
kind = "max_principal"
fen = 500000
"#;

async fn a_blocked_disbursement_fails(repository: Arc<dyn Repository>) {
    let (app, _clock, _dir) = install(repository, Some(SMALL_LOANS_ONLY)).await;
    let (token, path, payment) = accepted_loan(&app, "13800000503", "10000.00").await;
    eventually(&app, &token, &path, |l| {
        l["status"] == "disbursement_failed"
    })
    .await;
    let reply = app
        .call(
            Method::GET,
            &format!("/api/v1/payments/{payment}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.json["status"], "failed", "{}", reply.text);
    assert_eq!(reply.json["failure_code"], "disbursement_blocked");
    assert_eq!(
        outcomes(&app, payment).await,
        vec![json!({"outcome": "blocked", "reasons": [
            {"code": "principal_above_max", "principal_fen": 1_000_000, "max_fen": 500_000}]})]
    );
    // A loan within the limit is paid.
    let (token, path, _) = accepted_loan(&app, "13800000504", "5000.00").await;
    eventually(&app, &token, &path, |l| l["status"] == "active").await;
}

#[test]
fn a_policy_needing_facts_kredit_lacks_is_refused() {
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("policy.toml");
    std::fs::write(
        &file,
        "name = \"funding\"\nversion = 1\n[[conditions]]\nkind = \"funding_available\"\n",
    )
    .unwrap();
    let config = kredit_server::config::Config {
        disbursement_policy_file: Some(file),
        ..Default::default()
    };
    let error = kredit_server::disbursement::authoriser(&config)
        .err()
        .expect("refused");
    assert!(
        error
            .to_string()
            .contains("funding_available has no source of facts"),
        "{error}"
    );
}

kredit_store::test_on_both_backends!(
    the_default_policy_releases_at_once,
    cooling_off_holds_then_releases,
    a_blocked_disbursement_fails
);
