//! A lender's install with the demo catalogue and the steps of a borrower's
//! journey that many tests share: a verified borrower, an application, an
//! accepted and disbursed loan.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use chrono::NaiveDate;
use kredit_store::{Repository, Role};
use serde_json::{Value, json};

use super::{Reply, TestApp, id_number_aged, identity};

pub const START: &str = "2026-11-25";

pub fn start() -> NaiveDate {
    START.parse().unwrap()
}

/// An app with the demo products (created through the admin API) and the
/// business date fixed, plus an admin token.
pub async fn lending_app(repository: Arc<dyn Repository>) -> (TestApp, String) {
    lending_app_with(repository, true).await
}

pub async fn lending_app_with(
    repository: Arc<dyn Repository>,
    auto_debit: bool,
) -> (TestApp, String) {
    with_catalogue(TestApp::on_day(repository, start(), auto_debit).await).await
}

/// The demo products created through the admin API of `app`, and an
/// admin's token.
pub async fn with_catalogue(app: TestApp) -> (TestApp, String) {
    let admin = add_catalogue(&app).await;
    (app, admin)
}

/// Creates an admin and, through the admin API, the demo products; the
/// admin's token.
pub async fn add_catalogue(app: &TestApp) -> String {
    let admin = app.staff("13900000001", Role::Admin).await;
    for product in kredit_jobs::demo::products() {
        let reply = app
            .call(
                Method::POST,
                "/api/v1/admin/products",
                Some(&admin),
                Some(json!(product)),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    }
    admin
}

/// A registered borrower with a verified identity of the given age and card.
pub async fn verified_borrower(app: &TestApp, phone: &str, age: i32, card: &str) -> String {
    let token = app.borrower(phone).await;
    let sequence = phone[8..].parse::<u32>().unwrap() % 1000;
    let mut body = identity(&id_number_aged(age, sequence), "0123");
    body["bank_card"] = json!(card);
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

pub async fn apply(app: &TestApp, token: &str, key: &str, body: Value) -> Reply {
    app.call_with(
        Method::POST,
        "/api/v1/applications",
        Some(token),
        Some(body),
        &[("Idempotency-Key", key)],
    )
    .await
}

/// A verified borrower of 23 asking for most of the product's ceiling over
/// a long term: the rules scorecard refers the application to an
/// underwriter. The borrower's token and the application as answered.
pub async fn referred_application(app: &TestApp, phone: &str, key: &str) -> (String, Reply) {
    let token = verified_borrower(app, phone, 23, "6222021234567840123").await;
    let application = apply(
        app,
        &token,
        key,
        json!({"product_code": "CONSUMER", "amount": "180000.00", "term_months": 36,
            "method": "equal-installment", "purpose": "consumer"}),
    )
    .await;
    assert_eq!(
        application.json["status"], "referred",
        "{}",
        application.text
    );
    (token, application)
}

/// Polls until `check` holds for the JSON at `path` (callbacks are async).
pub async fn eventually(
    app: &TestApp,
    token: &str,
    path: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    for _ in 0..200 {
        let reply = app.call(Method::GET, path, Some(token), None).await;
        if reply.status == StatusCode::OK && check(&reply.json) {
            return reply.json;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{path} never reached the expected state");
}

/// An equal-instalment consumer loan applied for, accepted and disbursed:
/// its id and API path.
pub async fn active_consumer_loan(
    app: &TestApp,
    token: &str,
    key: &str,
    amount: &str,
    term_months: u32,
) -> (i64, String) {
    let application = apply(
        app,
        token,
        key,
        json!({"product_code": "CONSUMER", "amount": amount, "term_months": term_months,
            "method": "equal-installment", "purpose": "consumer"}),
    )
    .await;
    let accepted = accept(app, token, application.json["id"].as_i64().unwrap()).await;
    let loan_id = accepted.json["loan"]["id"].as_i64().unwrap();
    let loan_path = format!("/api/v1/loans/{loan_id}");
    eventually(app, token, &loan_path, |l| l["status"] == "active").await;
    (loan_id, loan_path)
}

pub async fn accept(app: &TestApp, token: &str, application: i64) -> Reply {
    app.call_with(
        Method::POST,
        &format!("/api/v1/applications/{application}/accept"),
        Some(token),
        Some(json!({"agree": true, "terms_version": "2026-11"})),
        &[("Idempotency-Key", &format!("accept-{application}"))],
    )
    .await
}
