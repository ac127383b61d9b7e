//! Fraud interception and AML from a fresh install, on SQLite and
//! PostgreSQL (docs/fraud.md, docs/aml.md): an application from a device
//! many recent applicants used is referred with the fraud reasons on the
//! underwriter's view; a sanctioned name is blocked before disbursement;
//! repayments reaching 500,000.00 in a day create a large-value report,
//! which one risk officer prepares and another — never the same — approves.

mod support;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use kredit_app::FakeClock;
use kredit_server::keys::Keys;
use kredit_store::{Repository, Role};
use serde_json::{Value, json};
use support::journey::{accept, add_catalogue, apply, eventually, start};
use support::{TestApp, id_number_aged, identity};

/// The disbursement policy of a lender who waits for the fraud decision.
const WITH_FRAUD: &str = r#"
name = "with-fraud"
version = 1

[[conditions]]
kind = "identity_verified"

[[conditions]]
kind = "contract_signed"

[[conditions]]
kind = "fraud_decision"
"#;

async fn install(repository: Arc<dyn Repository>, sanctions: bool) -> (TestApp, tempfile::TempDir) {
    let directory = tempfile::tempdir().unwrap();
    let policy = directory.path().join("policy.toml");
    std::fs::write(&policy, WITH_FRAUD).unwrap();
    let clock = Arc::new(FakeClock::at(
        start().and_hms_opt(2, 0, 0).unwrap().and_utc(),
    ));
    let app = TestApp::start(repository, true, clock, Keys::generate(), |config| {
        config.disbursement_policy_file = Some(policy.clone());
        if sanctions {
            config.sanctions_dir = Some(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../kredit-policy/fixtures/sanctions"),
            );
        }
    })
    .await;
    add_catalogue(&app).await;
    (app, directory)
}

/// A borrower verified under `name`, with a card of their own.
async fn borrower(app: &TestApp, phone: &str, name: &str) -> String {
    let token = app.borrower(phone).await;
    let sequence = phone[8..].parse::<u32>().unwrap() % 1000;
    let mut body = identity(&id_number_aged(30, sequence), "0123");
    body["real_name"] = json!(name);
    body["bank_card"] = json!(format!("62220212345678{}", &phone[6..]));
    let reply = app
        .call(
            Method::POST,
            "/api/v1/me/identity",
            Some(&token),
            Some(body),
        )
        .await;
    assert_eq!(reply.json["status"], "verified", "{}", reply.text);
    token
}

fn consumer(amount: &str, device: Option<&str>) -> Value {
    let mut body = json!({"product_code": "CONSUMER", "amount": amount, "term_months": 12,
        "method": "equal-installment", "purpose": "consumer"});
    if let Some(device) = device {
        body["device_id"] = json!(device);
    }
    body
}

fn reason_codes(application: &Value) -> Vec<String> {
    application["decision"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_shared_device_is_referred_with_its_reasons(repository: Arc<dyn Repository>) {
    let (app, _dir) = install(repository, false).await;
    // Four applicants from one device are approved; the fifth makes five
    // borrowers on it in seven days.
    for n in 1..=5 {
        let phone = format!("1380000070{n}");
        let token = borrower(&app, &phone, "张三").await;
        let reply = apply(
            &app,
            &token,
            &format!("ring-{n}"),
            consumer("10000.00", Some("ring-phone-1")),
        )
        .await;
        let expected = if n < 5 { "approved" } else { "referred" };
        assert_eq!(reply.json["status"], expected, "{n}: {}", reply.text);
        if n < 5 {
            continue;
        }
        let id = reply.json["id"].as_i64().unwrap();
        // The underwriter sees why.
        let underwriter = app.staff("13900000002", Role::Underwriter).await;
        let view = app
            .call(
                Method::GET,
                &format!("/api/v1/applications/{id}"),
                Some(&underwriter),
                None,
            )
            .await;
        let codes = reason_codes(&view.json);
        assert!(codes.contains(&"fraud_review".to_owned()), "{codes:?}");
        assert!(
            codes.contains(&"fraud:device_shared_by_many".to_owned()),
            "{codes:?}"
        );
        // The risk officer sees the decision and each rule's contribution.
        let officer = app.staff("13900000003", Role::RiskOfficer).await;
        let decision = app
            .call(
                Method::GET,
                &format!("/api/v1/risk/applications/{id}"),
                Some(&officer),
                None,
            )
            .await;
        assert_eq!(decision.status, StatusCode::OK, "{}", decision.text);
        let stored = &decision.json["items"][0];
        assert_eq!(stored["outcome"], "review");
        assert_eq!(stored["scenario"], "kredit-default");
        assert!(
            stored["inputs_sha256"]
                .as_str()
                .unwrap()
                .starts_with("sha256:")
        );
        let fired: Vec<&Value> = stored["explanation"]["contributions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["fired"] == true)
            .collect();
        assert_eq!(fired.len(), 1, "{}", decision.text);
        assert_eq!(fired[0]["rule"], "device_shared_by_many");
        assert_eq!(fired[0]["contribution"], 50);
        let alerts = app
            .call(Method::GET, "/api/v1/risk/alerts", Some(&officer), None)
            .await;
        assert_eq!(
            alerts.json["items"][0]["application_id"], id,
            "{}",
            alerts.text
        );
        // Borrowers see no alerts.
        let denied = app
            .call(Method::GET, "/api/v1/risk/alerts", Some(&token), None)
            .await;
        denied.assert_problem(StatusCode::FORBIDDEN, "forbidden");
    }
    // A decided application is an event, so an entry of the log.
    let events = app
        .state
        .repository
        .outbox()
        .events_after(kredit_store::DomainEventId(0), 10_000)
        .await
        .unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == kredit_app::risk::DECIDED)
            .count(),
        5
    );
}

async fn a_sanctioned_name_is_blocked_before_disbursement(repository: Arc<dyn Repository>) {
    let (app, _dir) = install(repository, true).await;
    // OFAC SDN entry 7487 (fixtures/sanctions/ofac_sdn.csv).
    let token = borrower(&app, "13800000801", "Patrick Chinamasa").await;
    let reply = apply(&app, &token, "sanctioned", consumer("10000.00", None)).await;
    assert_eq!(reply.json["status"], "referred", "{}", reply.text);
    assert!(reason_codes(&reply.json).contains(&"fraud:sanctions_hit".to_owned()));
    // An underwriter approves it anyway; the disbursement is blocked.
    let id = reply.json["id"].as_i64().unwrap();
    let underwriter = app.staff("13900000002", Role::Underwriter).await;
    let approved = app
        .call(
            Method::POST,
            &format!("/api/v1/applications/{id}/decision"),
            Some(&underwriter),
            Some(json!({"decision": "approve", "comment": "looks fine"})),
        )
        .await;
    assert_eq!(approved.json["status"], "approved", "{}", approved.text);
    let accepted = accept(&app, &token, id).await;
    let loan = accepted.json["loan"]["id"].as_i64().unwrap();
    let path = format!("/api/v1/loans/{loan}");
    eventually(&app, &token, &path, |l| {
        l["status"] == "disbursement_failed"
    })
    .await;
    let officer = app.staff("13900000003", Role::RiskOfficer).await;
    let decisions = app
        .call(
            Method::GET,
            &format!("/api/v1/risk/applications/{id}"),
            Some(&officer),
            None,
        )
        .await;
    let at_disbursement = decisions.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["checkpoint"] == "disbursement")
        .expect("decided before disbursement")
        .clone();
    assert_eq!(at_disbursement["outcome"], "block_and_review");
    let hit = &at_disbursement["explanation"]["escalations"][0];
    assert_eq!(hit["code"], "sanctions_hit");
    assert!(
        hit["detail"]["list_version"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    assert_eq!(hit["detail"]["hits"][0]["entry_id"], "7487", "{hit}");
    // An ordinary applicant on the same install is not hit.
    let other = borrower(&app, "13800000802", "张三").await;
    let reply = apply(&app, &other, "ordinary", consumer("10000.00", None)).await;
    assert_eq!(reply.json["status"], "approved", "{}", reply.text);
}

async fn large_repayments_are_reported_and_reviewed_by_two(repository: Arc<dyn Repository>) {
    let (app, _dir) = install(repository, false).await;
    let token = borrower(&app, "13800000901", "张三").await;
    let officer = app.staff("13900000003", Role::RiskOfficer).await;
    let checker = app.staff("13900000004", Role::RiskOfficer).await;
    // Loans borrowed and paid off the same day until 500,000.00 has come
    // in: the report appears with the repayment that reaches it.
    let mut repaid_fen = 0i64;
    for n in 0..12 {
        let application = apply(
            &app,
            &token,
            &format!("big-{n}"),
            consumer("200000.00", None),
        )
        .await;
        assert_eq!(
            application.json["status"], "approved",
            "{}",
            application.text
        );
        let accepted = accept(&app, &token, application.json["id"].as_i64().unwrap()).await;
        let loan_path = format!(
            "/api/v1/loans/{}",
            accepted.json["loan"]["id"].as_i64().unwrap()
        );
        eventually(&app, &token, &loan_path, |l| l["status"] == "active").await;
        let payoff = app
            .call_with(
                Method::POST,
                &format!("{loan_path}/repayments"),
                Some(&token),
                Some(json!({"kind": "payoff"})),
                &[("Idempotency-Key", &format!("payoff-{n}"))],
            )
            .await;
        assert_eq!(payoff.status, StatusCode::ACCEPTED, "{}", payoff.text);
        repaid_fen += fen(&payoff.json["amount"]);
        eventually(&app, &token, &loan_path, |l| l["status"] == "paid_off").await;
        let reports = app
            .call(Method::GET, "/api/v1/aml/reports", Some(&officer), None)
            .await;
        let inbound: Vec<&Value> = reports.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["direction"] == "in")
            .collect();
        assert_eq!(
            inbound.len(),
            usize::from(repaid_fen >= 50_000_000),
            "{repaid_fen}: {}",
            reports.text
        );
        if repaid_fen >= 50_000_000 {
            break;
        }
    }
    let reports = app
        .call(
            Method::GET,
            "/api/v1/aml/reports?status=open",
            Some(&officer),
            None,
        )
        .await;
    let report = reports.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["direction"] == "in")
        .unwrap_or_else(|| panic!("no report after {repaid_fen} fen: {}", reports.text))
        .clone();
    assert_eq!(fen(&report["total"]), repaid_fen);
    assert_eq!(report["threshold"], "500000.00");
    assert_eq!(report["channel"], "domestic_transfer");
    let id = report["id"].as_i64().unwrap();
    let review = |token: String, step: &'static str| {
        let app = &app;
        async move {
            app.call(
                Method::POST,
                &format!("/api/v1/aml/reports/{id}/review"),
                Some(&token),
                Some(json!({"step": step})),
            )
            .await
        }
    };
    // Approval before preparation, the maker approving, a borrower: no.
    review(checker.clone(), "approve")
        .await
        .assert_problem(StatusCode::CONFLICT, "wrong_report_status");
    let prepared = review(officer.clone(), "prepare").await;
    assert_eq!(prepared.json["status"], "prepared", "{}", prepared.text);
    review(officer.clone(), "approve")
        .await
        .assert_problem(StatusCode::CONFLICT, "same_reviewer");
    review(token.clone(), "approve")
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let approved = review(checker.clone(), "approve").await;
    assert_eq!(approved.json["status"], "approved", "{}", approved.text);
    assert_ne!(approved.json["approved_by"], approved.json["prepared_by"]);
    let csv = app
        .call(
            Method::GET,
            "/api/v1/aml/reports?format=csv",
            Some(&checker),
            None,
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines[0], kredit_app::risk::aml::CSV_HEADER);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("{id},")) && l.contains(",approved,")),
        "{}",
        csv.text
    );
}

/// `"123.45"` in fen.
fn fen(amount: &Value) -> i64 {
    let (yuan, cents) = amount.as_str().unwrap().split_once('.').unwrap();
    yuan.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap()
}

kredit_store::test_on_both_backends!(
    a_shared_device_is_referred_with_its_reasons,
    a_sanctioned_name_is_blocked_before_disbursement,
    large_repayments_are_reported_and_reviewed_by_two
);
