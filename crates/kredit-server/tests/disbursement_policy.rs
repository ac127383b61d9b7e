//! The disbursement policy at work, on SQLite and PostgreSQL, from a fresh
//! install: Kredit's default releases a loan at once and says so in the
//! log; a lender's 24-hour cooling-off holds the money (asked again by
//! every reconciliation, logged once per outcome) and releases it when
//! the clock passes the end; a principal above the policy's maximum is
//! blocked and the disbursement fails; 2-of-3 staff approvals above a
//! threshold, the maker refused, the last approval releasing the money in
//! its own request, every evaluation, approval and the activation in the
//! transparency log; a rejection blocks; the funding account holds what it
//! cannot pay; a draft policy simulated over that history; a policy naming
//! facts Kredit does not gather is refused at startup.

mod support;

use std::sync::Arc;
use std::time::Duration;

use axum::http::Method;
use axum::http::StatusCode;
use kredit_app::FakeClock;
use kredit_app::disbursement_policy::{ACTIVATED, APPROVAL_RECORDED, EVALUATED};
use kredit_app::policy_history::{Actual, simulate_history};
use kredit_core::Money;
use kredit_policy::disbursement::{CaseOutcome, ReasonCode};
use kredit_server::config::Config;
use kredit_server::keys::Keys;
use kredit_store::disbursement::{approval_subject, policy_subject};
use kredit_store::{Repository, Role};
use serde_json::{Value, json};
use support::journey::{
    accept, add_catalogue, apply, eventually, referred_application, start, verified_borrower,
};
use support::{Reply, TestApp};

/// An install on a fake clock at 10:00 in Shanghai on the journey's first
/// day, with the policy `toml` (Kredit's default when `None`).
async fn install(
    repository: Arc<dyn Repository>,
    toml: Option<&str>,
) -> (TestApp, Arc<FakeClock>, tempfile::TempDir) {
    install_with(repository, toml, |_| {}).await
}

/// [`install`] with its configuration adjusted by `configure`.
async fn install_with(
    repository: Arc<dyn Repository>,
    toml: Option<&str>,
    configure: impl FnOnce(&mut Config),
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
            configure(config);
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
    accepted(app, &token, application.json["id"].as_i64().unwrap()).await
}

/// The approved application accepted: token, loan path and its
/// disbursement payment's id.
async fn accepted(app: &TestApp, token: &str, application: i64) -> (String, String, i64) {
    let token = token.to_owned();
    let accepted = accept(app, &token, application).await;
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

const APPROVALS: &str = r#"
name = "large-loans"
version = 1

[[conditions]]
kind = "identity_verified"

[[conditions]]
kind = "contract_signed"

[[conditions]]
kind = "approvals"
above_fen = 500000
required = 2
of_roles = ["underwriter", "risk_officer", "admin"]
"#;

/// A staff decision on the payment, under `key`.
async fn decide(app: &TestApp, staff: &str, payment: i64, decision: &str, key: &str) -> Reply {
    app.call_with(
        Method::POST,
        &format!("/api/v1/disbursements/{payment}/approvals"),
        Some(staff),
        Some(json!({"decision": decision, "comment": "checked the file"})),
        &[("Idempotency-Key", key)],
    )
    .await
}

async fn sequence(app: &TestApp) {
    let log = app.state.log.as_ref().unwrap();
    kredit_app::tlog::sequence(&app.state, log).await.unwrap();
}

/// The log index of the entry recording `kind` about `subject`.
async fn log_index(app: &TestApp, subject: &str, kind: &str) -> Option<i64> {
    let entry = app.state.repository.log().entry_of(subject, kind).await;
    entry.unwrap().map(|e| e.idx)
}

/// Every log entry's kind, in log order.
async fn logged_kinds(app: &TestApp) -> Vec<(String, String)> {
    let log = app.state.repository.log();
    let size = log.latest_checkpoint().await.unwrap().map_or(0, |c| c.size);
    log.entries(0, size)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, e.subject))
        .collect()
}

async fn two_of_three_approvals_release_a_large_loan(repository: Arc<dyn Repository>) {
    let (app, _clock, _dir) = install(repository, Some(APPROVALS)).await;
    // Young, near the ceiling, over a long term: referred to an underwriter,
    // who becomes the loan's maker by approving it.
    let (token, application) = referred_application(&app, "13800000601", "policy-referred").await;
    let id = application.json["id"].as_i64().unwrap();
    let maker = app.staff("13900000601", Role::Underwriter).await;
    let underwritten = app
        .call(
            Method::POST,
            &format!("/api/v1/applications/{id}/decision"),
            Some(&maker),
            Some(json!({"decision": "approve", "comment": "income verified"})),
        )
        .await;
    assert_eq!(underwritten.status, StatusCode::OK, "{}", underwritten.text);
    let (token, path, payment) = accepted(&app, &token, id).await;
    let risk = app.staff("13900000602", Role::RiskOfficer).await;
    let admin = app.staff("13900000603", Role::Admin).await;
    let auditor = app.staff("13900000604", Role::Auditor).await;

    let waiting = |have: u8| json!({"outcome": "waiting", "reasons": [{"code": "approvals_needed", "have": have, "need": 2}]});
    let held = app
        .call(Method::GET, "/api/v1/disbursements/held", Some(&risk), None)
        .await;
    assert_eq!(held.status, StatusCode::OK, "{}", held.text);
    let items = held.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", held.text);
    assert_eq!(items[0]["payment"]["id"], payment);
    // The underwriter approved less than asked, still above the threshold.
    assert_eq!(items[0]["principal"], "20000.00");
    assert_eq!(items[0]["approvals_needed"], 2);
    assert_eq!(items[0]["evaluation"]["outcome"], waiting(0));
    assert_eq!(items[0]["evaluation"]["policy_name"], "large-loans");
    app.call(
        Method::GET,
        "/api/v1/disbursements/held",
        Some(&token),
        None,
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, "forbidden");

    decide(&app, &maker, payment, "approve", "maker")
        .await
        .assert_problem(StatusCode::CONFLICT, "maker_cannot_approve");
    decide(&app, &auditor, payment, "approve", "auditor")
        .await
        .assert_problem(StatusCode::CONFLICT, "role_not_allowed");
    let keyless = app
        .call(
            Method::POST,
            &format!("/api/v1/disbursements/{payment}/approvals"),
            Some(&risk),
            Some(json!({"decision": "approve"})),
        )
        .await;
    keyless.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    // One approval: still held, one more needed.
    let first = decide(&app, &risk, payment, "approve", "risk-1").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.json["payment"]["state"], "created");
    assert_eq!(first.json["approvals_needed"], 1);
    assert_eq!(first.json["evaluation"]["outcome"], waiting(1));
    assert_eq!(first.json["approvals"][0]["roles"], json!(["risk_officer"]));
    decide(&app, &risk, payment, "approve", "risk-2")
        .await
        .assert_problem(StatusCode::CONFLICT, "already_decided");

    // The first approval is logged before the second arrives: the
    // evaluation that releases the money cites its log entry.
    sequence(&app).await;
    let first_entry = log_index(&app, &approval_subject(1), APPROVAL_RECORDED)
        .await
        .expect("the first approval is logged");
    let second = decide(&app, &admin, payment, "approve", "admin-1").await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    assert_ne!(
        second.json["payment"]["state"], "created",
        "{}",
        second.text
    );
    assert_eq!(second.json["approvals_needed"], 0);
    assert_eq!(
        second.json["evaluation"]["outcome"],
        json!({"outcome": "ready"})
    );
    let relied_on = second.json["evaluation"]["relied_on"].as_array().unwrap();
    assert!(relied_on.contains(&json!(first_entry)), "{}", second.text);
    // A retry with the same key replays the answer.
    let again = decide(&app, &admin, payment, "approve", "admin-1").await;
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.json, second.json);
    eventually(&app, &token, &path, |l| l["status"] == "active").await;
    assert_eq!(
        outcomes(&app, payment).await,
        vec![waiting(0), waiting(1), json!({"outcome": "ready"})]
    );
    let held = app
        .call(Method::GET, "/api/v1/disbursements/held", Some(&risk), None)
        .await;
    assert_eq!(held.json["items"], json!([]), "{}", held.text);

    // Everything is in the log: the activation, both approvals, every
    // evaluation, each evaluation naming the policy the log activated.
    sequence(&app).await;
    let kinds = logged_kinds(&app).await;
    let count = |kind: &str| kinds.iter().filter(|(k, _)| k == kind).count();
    assert_eq!(count(ACTIVATED), 1, "{kinds:?}");
    assert_eq!(count(APPROVAL_RECORDED), 2, "{kinds:?}");
    let evaluations = kinds
        .iter()
        .filter(|(k, s)| k == EVALUATED && *s == format!("payment:{payment}"))
        .count();
    assert_eq!(evaluations, 3, "{kinds:?}");
    let policy: kredit_policy::disbursement::DisbursementPolicy =
        toml::from_str(APPROVALS).unwrap();
    let address = policy.content_address();
    assert!(
        log_index(&app, &policy_subject(&address), ACTIVATED)
            .await
            .is_some()
    );
    let events = app
        .state
        .repository
        .outbox()
        .events_after(kredit_store::DomainEventId(0), 10_000)
        .await
        .unwrap();
    for event in events.iter().filter(|e| e.kind == EVALUATED) {
        let payload: Value = serde_json::from_str(&event.payload).unwrap();
        assert_eq!(payload["policy"], address.as_str());
    }
    // Each decision is audited.
    let audit = app.state.repository.audit_page(None, 200).await.unwrap();
    let decisions = audit
        .iter()
        .filter(|record| record.entry.action == "disbursement.approval")
        .count();
    assert_eq!(decisions, 2);
}

async fn a_rejection_blocks_and_a_draft_is_simulated(repository: Arc<dyn Repository>) {
    let (app, clock, _dir) = install(repository, Some(APPROVALS)).await;
    let signed_at = kredit_app::Clock::now(clock.as_ref()).timestamp();
    let (token, path, payment) = accepted_loan(&app, "13800000611", "10000.00").await;
    let risk = app.staff("13900000611", Role::RiskOfficer).await;
    let rejected = decide(&app, &risk, payment, "reject", "risk-reject").await;
    assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.text);
    assert_eq!(rejected.json["payment"]["state"], "failed");
    assert_eq!(
        rejected.json["payment"]["failure_code"],
        "disbursement_blocked"
    );
    let risk_id = rejected.json["approvals"][0]["staff_id"].clone();
    assert_eq!(
        rejected.json["evaluation"]["outcome"],
        json!({"outcome": "blocked", "reasons": [{"code": "approval_rejected", "by": risk_id}]})
    );
    eventually(&app, &token, &path, |l| {
        l["status"] == "disbursement_failed"
    })
    .await;
    decide(&app, &risk, payment, "approve", "risk-late")
        .await
        .assert_problem(StatusCode::CONFLICT, "not_held");
    // A second application approved but never accepted.
    let other = verified_borrower(&app, "13800000612", 30, "6222021234567861234").await;
    let unaccepted = apply(
        &app,
        &other,
        "policy-unaccepted",
        json!({"product_code": "CONSUMER", "amount": "3000.00", "term_months": 12,
            "method": "equal-installment", "purpose": "consumer"}),
    )
    .await;
    assert_eq!(unaccepted.json["status"], "approved", "{}", unaccepted.text);

    // Kredit's default, simulated over that day: it would have released
    // the rejected loan when it was signed; the other waits for a signature.
    let from = start().and_hms_opt(0, 0, 0).unwrap().and_utc();
    let to = from + chrono::Duration::days(1);
    let report = simulate_history(
        &app.state,
        &kredit_app::disbursement_policy::kredit_default(),
        from,
        to,
        None,
    )
    .await
    .unwrap();
    let simulation = &report.simulation;
    assert_eq!(simulation.cases.len(), 2, "{simulation:?}");
    assert_eq!(
        simulation.cases[0].outcome,
        CaseOutcome::Released { at: signed_at }
    );
    assert_eq!(
        (simulation.released, simulation.held, simulation.blocked),
        (1, 1, 0)
    );
    assert_eq!(simulation.reasons[&ReasonCode::ContractUnsigned], 1);
    assert_eq!(
        report.actual[0].actual,
        Actual::Failed {
            code: Some("disbursement_blocked".to_owned())
        }
    );
    assert_eq!(report.actual[1].actual, Actual::NotAccepted);
    // The policy in force, replayed: the rejection blocks it again.
    let policy = toml::from_str(APPROVALS).unwrap();
    let replayed = simulate_history(&app.state, &policy, from, to, None)
        .await
        .unwrap();
    assert_eq!(replayed.simulation.blocked, 1);
    assert_eq!(
        replayed.simulation.reasons[&ReasonCode::ApprovalRejected],
        1
    );
    let text = replayed.render_text();
    assert!(text.contains("approval_rejected"), "{text}");
    assert!(text.contains("failed     disbursement_blocked"), "{text}");
}

const FUNDED: &str = r#"
name = "funded"
version = 1

[[conditions]]
kind = "contract_signed"

[[conditions]]
kind = "funding_available"
"#;

async fn the_funding_account_holds_what_it_cannot_pay(repository: Arc<dyn Repository>) {
    let (app, _clock, _dir) = install_with(repository, Some(FUNDED), |config| {
        config.funding_balance = Some("8000.00".parse::<Money>().unwrap());
    })
    .await;
    let (token, path, payment) = accepted_loan(&app, "13800000621", "10000.00").await;
    let loan = app.call(Method::GET, &path, Some(&token), None).await;
    assert_eq!(loan.json["status"], "pending_disbursement", "{}", loan.text);
    assert_eq!(
        outcomes(&app, payment).await,
        vec![json!({"outcome": "waiting", "reasons": [
            {"code": "funds_insufficient", "available_fen": 800_000, "needed_fen": 1_000_000}]})]
    );
    let (token, path, _) = accepted_loan(&app, "13800000622", "5000.00").await;
    eventually(&app, &token, &path, |l| l["status"] == "active").await;
}

#[test]
fn funding_available_needs_a_funding_account() {
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("policy.toml");
    std::fs::write(&file, FUNDED).unwrap();
    let mut config = Config {
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
    config.funding_balance = Some(Money::from_fen(1));
    assert!(kredit_server::disbursement::authoriser(&config).is_ok());
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
    a_blocked_disbursement_fails,
    two_of_three_approvals_release_a_large_loan,
    a_rejection_blocks_and_a_draft_is_simulated,
    the_funding_account_holds_what_it_cannot_pay
);
