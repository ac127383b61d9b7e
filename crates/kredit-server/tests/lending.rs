//! The borrower journey over HTTP, on SQLite and PostgreSQL: products,
//! calculator, matching, application with an automated decision, contract,
//! disbursement through the sandbox bank (real signed callbacks), repayment,
//! close of business, payoff; the underwriting queue; reversals under
//! maker-checker; and bad input that changes nothing.

mod support;

use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use chrono::Days;
use kredit_store::{Repository, Role};
use serde_json::{Value, json};
use support::journey::*;
use support::{TestApp, id_number_aged};

async fn trial_balance_holds(app: &TestApp, admin: &str) {
    let reply = app
        .call(
            Method::GET,
            "/api/v1/ledger/trial-balance",
            Some(admin),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["balanced"], true, "{}", reply.text);
}

/// Without auto-debit, so that the loan stays in arrears until its borrower
/// pays late (`auto_debit_collects_what_fell_due` covers the other way).
async fn borrower_journey_from_application_to_payoff(repository: Arc<dyn Repository>) {
    let (app, admin) = lending_app_with(repository, false).await;
    let token = verified_borrower(&app, "13812340001", 30, "6222021234567840123").await;

    let products = app.call(Method::GET, "/api/v1/products", None, None).await;
    assert_eq!(products.json.as_array().unwrap().len(), 4);

    let calculator = app
        .call(
            Method::POST,
            "/api/v1/calculator",
            None,
            Some(
                json!({"principal": "10000.00", "term_months": 12, "annual_rate": "0.12",
                "method": "equal-installment", "start_date": START}),
            ),
        )
        .await;
    assert_eq!(calculator.status, StatusCode::OK, "{}", calculator.text);
    assert_eq!(calculator.json["installments"][0]["payment"], "888.49");
    assert_eq!(calculator.json["apr"]["nominal_percent"], "12.00%");

    let matched = app
        .call(
            Method::POST,
            "/api/v1/products/match",
            Some(&token),
            Some(json!({"amount": "20000.00", "term_months": 12, "purpose": "consumer"})),
        )
        .await;
    assert_eq!(matched.status, StatusCode::OK, "{}", matched.text);
    assert!(
        !matched.json["offers"].as_array().unwrap().is_empty(),
        "{}",
        matched.text
    );

    let body = json!({"product_code": "CONSUMER", "amount": "20000.00", "term_months": 12,
        "method": "equal-installment", "purpose": "consumer"});
    let unkeyed = app
        .call(
            Method::POST,
            "/api/v1/applications",
            Some(&token),
            Some(body.clone()),
        )
        .await;
    unkeyed.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    let application = apply(&app, &token, "apply-1", body.clone()).await;
    assert_eq!(
        application.status,
        StatusCode::CREATED,
        "{}",
        application.text
    );
    assert_eq!(
        application.json["status"], "approved",
        "{}",
        application.text
    );
    let decision = &application.json["decision"];
    assert!(decision["score"].as_i64().is_some());
    assert!(decision["offer"]["apr"]["effective_percent"].is_string());
    let replay = apply(&app, &token, "apply-1", body).await;
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    assert_eq!(replay.json["id"], application.json["id"]);
    let id = application.json["id"].as_i64().unwrap();

    let accepted = accept(&app, &token, id).await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.text);
    let contract = &accepted.json["contract"];
    assert_eq!(contract["digest"].as_str().unwrap().len(), 64);
    assert!(
        !accepted.text.contains("张三"),
        "the contract stores a masked name"
    );
    let loan_id = accepted.json["loan"]["id"].as_i64().unwrap();
    assert_eq!(accepted.json["loan"]["status"], "pending_disbursement");

    let loan_path = format!("/api/v1/loans/{loan_id}");
    let loan = eventually(&app, &token, &loan_path, |l| l["status"] == "active").await;
    assert_eq!(loan["installments"].as_array().unwrap().len(), 12);
    assert_eq!(loan["principal"], "20000.00");
    trial_balance_holds(&app, &admin).await;

    // A partial repayment: allocated by the core once the bank confirms.
    let repayment = app
        .call_with(
            Method::POST,
            &format!("{loan_path}/repayments"),
            Some(&token),
            Some(json!({"amount": "500.00", "kind": "repayment"})),
            &[("Idempotency-Key", "repay-1")],
        )
        .await;
    assert_eq!(repayment.status, StatusCode::ACCEPTED, "{}", repayment.text);
    let payment_path = format!("/api/v1/payments/{}", repayment.json["id"]);
    let paid = eventually(&app, &token, &payment_path, |p| p["status"] == "succeeded").await;
    assert!(paid["applied"].is_object(), "{paid}");

    // Two months on, the first instalment is partly unpaid: past due.
    let later = start().checked_add_days(Days::new(45)).unwrap();
    let moved = app
        .call(
            Method::POST,
            "/api/v1/admin/business-date",
            Some(&admin),
            Some(json!({"date": later})),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    let overdue = app.call(Method::GET, &loan_path, Some(&token), None).await;
    assert!(
        overdue.json["dpd"].as_u64().unwrap() > 0,
        "{}",
        overdue.text
    );
    assert_eq!(overdue.json["installments"][0]["status"], "overdue");
    trial_balance_holds(&app, &admin).await;

    // A late repayment of what is due pays the penalty interest first.
    let late = app
        .call_with(
            Method::POST,
            &format!("{loan_path}/repayments"),
            Some(&token),
            Some(json!({"amount": overdue.json["amount_due"], "kind": "repayment"})),
            &[("Idempotency-Key", "repay-late")],
        )
        .await;
    assert_eq!(late.status, StatusCode::ACCEPTED, "{}", late.text);
    let late_path = format!("/api/v1/payments/{}", late.json["id"]);
    let late = eventually(&app, &token, &late_path, |p| p["status"] == "succeeded").await;
    let penalty: f64 = late["applied"]["penalty"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(penalty > 0.0, "{late}");
    let current = app.call(Method::GET, &loan_path, Some(&token), None).await;
    assert_eq!(current.json["dpd"], 0, "{}", current.text);

    let quote = app
        .call(
            Method::GET,
            &format!("{loan_path}/payoff-quote"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(quote.status, StatusCode::OK, "{}", quote.text);
    let payoff = app
        .call_with(
            Method::POST,
            &format!("{loan_path}/repayments"),
            Some(&token),
            Some(json!({"kind": "payoff"})),
            &[("Idempotency-Key", "payoff-1")],
        )
        .await;
    assert_eq!(payoff.status, StatusCode::ACCEPTED, "{}", payoff.text);
    assert_eq!(payoff.json["amount"], quote.json["total"]);
    eventually(&app, &token, &loan_path, |l| l["status"] == "paid_off").await;
    trial_balance_holds(&app, &admin).await;

    let evidence = app
        .call(Method::GET, "/api/v1/evidence", Some(&admin), None)
        .await;
    assert_eq!(evidence.json["verified"], true, "{}", evidence.text);
    let kinds: Vec<&str> = evidence.json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["contract.signed", "loan.disbursed"]);

    let summary = app
        .call(Method::GET, "/api/v1/portfolio/summary", Some(&admin), None)
        .await;
    assert_eq!(summary.status, StatusCode::OK, "{}", summary.text);
    assert_eq!(summary.json["applications"]["total"], 1);
    ledger_checks_out(&app).await;
}

/// Close of business through a due date and into arrears queues an
/// auto-debit of what is due; the bank collects it and the core allocates
/// it, penalty first: the loan is current again and the ledger balances.
async fn auto_debit_collects_what_fell_due(repository: Arc<dyn Repository>) {
    let (app, admin) = lending_app(repository).await;
    let token = verified_borrower(&app, "13812340009", 30, "6222021234567840123").await;
    let application = apply(
        &app,
        &token,
        "apply-9",
        json!({"product_code": "CONSUMER", "amount": "12000.00", "term_months": 12,
            "method": "equal-principal", "purpose": "consumer"}),
    )
    .await;
    assert_eq!(
        application.json["status"], "approved",
        "{}",
        application.text
    );
    let accepted = accept(&app, &token, application.json["id"].as_i64().unwrap()).await;
    let loan_id = accepted.json["loan"]["id"].as_i64().unwrap();
    let loan_path = format!("/api/v1/loans/{loan_id}");
    eventually(&app, &token, &loan_path, |l| l["status"] == "active").await;

    let later = start().checked_add_days(Days::new(45)).unwrap();
    let moved = app
        .call(
            Method::POST,
            "/api/v1/admin/business-date",
            Some(&admin),
            Some(json!({"date": later})),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    assert_eq!(moved.json["auto_debits_submitted"], 1, "{}", moved.text);

    let payments_path = format!("{loan_path}/payments");
    let payments = eventually(&app, &token, &payments_path, |p| {
        p["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["purpose"] == "auto_debit" && p["status"] == "succeeded")
    })
    .await;
    let debit = payments["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["purpose"] == "auto_debit")
        .unwrap();
    assert_ne!(debit["applied"]["penalty"], "0.00", "{debit}");
    assert_eq!(debit["applied"]["credit"], "0.00", "{debit}");
    let current = app.call(Method::GET, &loan_path, Some(&token), None).await;
    assert_eq!(current.json["dpd"], 0, "{}", current.text);
    assert_eq!(current.json["amount_due"], "0.00", "{}", current.text);
    trial_balance_holds(&app, &admin).await;
    ledger_checks_out(&app).await;
}

async fn ledger_checks_out(app: &TestApp) {
    let report = kredit_app::ledger_check::check(app.state.repository.as_ref())
        .await
        .unwrap();
    assert!(report.is_consistent(), "{:?}", report.problems);
    assert!(report.loans_checked > 0);
}

/// 200 repayments at once on one loan, each callback delivered twice by the
/// bank: every payment applied exactly once, nothing lost or duplicated.
async fn concurrent_repayments_and_duplicate_callbacks(repository: Arc<dyn Repository>) {
    let (app, _admin) = lending_app(repository).await;
    let token = verified_borrower(&app, "13812340007", 30, "6222000000000041").await;
    let (_, loan_path) = active_consumer_loan(&app, &token, "apply-7", "50000.00", 24).await;

    let requests = (0..200).map(|i| {
        let app = app.router.clone();
        let token = token.clone();
        let path = format!("{loan_path}/repayments");
        tokio::spawn(async move {
            use tower::ServiceExt;
            let request = axum::http::Request::post(path)
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .header("idempotency-key", format!("c-{i}"))
                .body(axum::body::Body::from(
                    r#"{"amount": "1.00", "kind": "repayment"}"#,
                ))
                .unwrap();
            app.oneshot(request).await.unwrap().status()
        })
    });
    for request in requests {
        assert_eq!(request.await.unwrap(), StatusCode::ACCEPTED);
    }
    let payments_path = format!("{loan_path}/payments");
    let payments = eventually(&app, &token, &payments_path, |p| {
        p["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["status"] == "succeeded")
            .count()
            == 201
    })
    .await;
    let applied_fen: i64 = payments["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["direction"] == "collection")
        .map(|p| {
            let a = &p["applied"];
            ["penalty", "fee", "interest", "principal", "credit"]
                .iter()
                .map(|k| {
                    let text = a[k].as_str().unwrap_or("0.00").replace('.', "");
                    text.parse::<i64>().unwrap()
                })
                .sum::<i64>()
        })
        .sum();
    assert_eq!(
        applied_fen,
        200 * 100,
        "allocations sum to the accepted payments"
    );
    let events = app
        .call(
            Method::GET,
            &format!("{loan_path}/events"),
            Some(&token),
            None,
        )
        .await;
    let repayments = events.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"]["type"] == "repayment")
        .count();
    assert_eq!(repayments, 200);
    let loan = app.call(Method::GET, &loan_path, Some(&token), None).await;
    assert_eq!(
        loan.json["credit_balance"], "200.00",
        "nothing was due yet: all credit"
    );
    ledger_checks_out(&app).await;
}

/// 10 payoffs, 40 repayments of 100.00 and 5 prepayments of 500.00 sent at
/// once on a 5,000.00 loan: each is taken or refused before the card is
/// charged, what is collected never exceeds what the loan could take,
/// nothing lands in suspense and no request or notice fails.
async fn a_payoff_storm_charges_no_more_than_is_owed(repository: Arc<dyn Repository>) {
    let (app, admin) = lending_app(repository).await;
    let token = verified_borrower(&app, "13812340011", 30, "6222000000000041").await;
    let (_, loan_path) = active_consumer_loan(&app, &token, "apply-11", "5000.00", 12).await;
    let quote = app
        .call(
            Method::GET,
            &format!("{loan_path}/payoff-quote"),
            Some(&token),
            None,
        )
        .await;
    let most_fen = fen(&quote.json["total"]);

    let bodies = (0..10)
        .map(|_| r#"{"kind": "payoff"}"#)
        .chain((0..40).map(|_| r#"{"kind": "repayment", "amount": "100.00"}"#))
        .chain(
            (0..5).map(|_| r#"{"kind": "prepayment", "amount": "500.00", "mode": "reduce_term"}"#),
        );
    let requests: Vec<_> = bodies
        .enumerate()
        .map(|(i, body)| {
            let app = app.router.clone();
            let token = token.clone();
            let path = format!("{loan_path}/repayments");
            tokio::spawn(async move {
                use tower::ServiceExt;
                let request = axum::http::Request::post(path)
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", "application/json")
                    .header("idempotency-key", format!("storm-{i}"))
                    .body(axum::body::Body::from(body))
                    .unwrap();
                app.oneshot(request).await.unwrap().status()
            })
        })
        .collect();
    let mut accepted = 0;
    for request in requests {
        let status = request.await.unwrap();
        assert!(
            [
                StatusCode::ACCEPTED,
                StatusCode::CONFLICT,
                StatusCode::UNPROCESSABLE_ENTITY
            ]
            .contains(&status),
            "{status}"
        );
        accepted += usize::from(status == StatusCode::ACCEPTED);
    }
    assert!(accepted >= 1);
    let payments_path = format!("{loan_path}/payments");
    let payments = eventually(&app, &token, &payments_path, |p| {
        p["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["status"] != "pending")
    })
    .await;
    let collected_fen: i64 = payments["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["direction"] == "collection" && p["status"] == "succeeded")
        .map(|p| fen(&p["amount"]))
        .sum();
    assert!(
        collected_fen <= most_fen,
        "collected {collected_fen} fen of at most {most_fen}"
    );
    let balance = app
        .call(
            Method::GET,
            "/api/v1/ledger/trial-balance",
            Some(&admin),
            None,
        )
        .await;
    let suspense = balance.json["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account"] == "suspense");
    assert!(suspense.is_none(), "nothing in suspense: {}", balance.text);
    let metrics = kredit_server::metrics::handle().render();
    assert!(
        !metrics
            .lines()
            .any(|l| l.contains("/payments/callback") && l.contains("status=\"5")),
        "no notice failed"
    );
    ledger_checks_out(&app).await;
}

/// Amounts in JSON are strings with two places.
fn fen(amount: &Value) -> i64 {
    amount.as_str().unwrap().replace('.', "").parse().unwrap()
}

/// What a subscriber saw: (event id, loan id, kind).
type Seen = Arc<std::sync::Mutex<Vec<(i64, Option<i64>, String)>>>;

/// An in-process subscriber that records what it is handed.
struct Recorder(Seen);

#[async_trait::async_trait]
impl kredit_app::outbox::Subscriber for Recorder {
    fn name(&self) -> String {
        "test-recorder".to_owned()
    }

    async fn handle(&self, event: &kredit_app::outbox::DomainEvent) -> Result<(), String> {
        self.0.lock().unwrap().push((
            i64::from(event.id),
            event.loan_id.map(i64::from),
            event.kind.clone(),
        ));
        Ok(())
    }
}

/// A webhook receiver on a loopback port: checks every signature with the
/// secret it is given and records (event id, loan id, kind).
async fn webhook_receiver(
    secret: Arc<std::sync::OnceLock<kredit_payments::CallbackSecret>>,
    seen: Seen,
) -> String {
    let handler = move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
        let (secret, seen) = (secret.clone(), seen.clone());
        async move {
            let secret = secret.get().expect("secret set before events flow");
            let now = chrono::Utc::now().timestamp();
            if secret
                .verify(&headers, &body, now, Duration::from_secs(300))
                .is_err()
            {
                return StatusCode::UNAUTHORIZED;
            }
            let event: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(
                headers["kredit-event-id"].to_str().unwrap(),
                event["id"].to_string()
            );
            seen.lock().unwrap().push((
                event["id"].as_i64().unwrap(),
                event["loan_id"].as_i64(),
                event["kind"].as_str().unwrap().to_owned(),
            ));
            StatusCode::NO_CONTENT
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let router = axum::Router::new().route("/hook", axum::routing::post(handler));
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{address}/hook")
}

/// Every event of a loan's life reaches a webhook (signed) and an
/// in-process subscriber exactly once and in order, across a restart of
/// the server.
async fn domain_events_reach_each_subscriber_once_in_order(repository: Arc<dyn Repository>) {
    let (app, admin) = lending_app(repository).await;
    let secret = Arc::new(std::sync::OnceLock::new());
    let hooked = Arc::new(std::sync::Mutex::new(Vec::new()));
    let url = webhook_receiver(secret.clone(), hooked.clone()).await;
    let created = app
        .call(
            Method::POST,
            "/api/v1/admin/webhooks",
            Some(&admin),
            Some(json!({"url": url, "description": "test integrator"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let key = created.json["secret"].as_str().unwrap().as_bytes().to_vec();
    secret
        .set(kredit_payments::CallbackSecret::new(key).unwrap())
        .unwrap();
    let bad = app
        .call(
            Method::POST,
            "/api/v1/admin/webhooks",
            Some(&admin),
            Some(json!({"url": "ftp://user:pw@example"})),
        )
        .await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    let recorded = Arc::new(std::sync::Mutex::new(Vec::new()));
    let recorder = Recorder(recorded.clone());
    let token = verified_borrower(&app, "13812340012", 30, "6222000000000041").await;
    let (loan_id, loan_path) = active_consumer_loan(&app, &token, "apply-12", "5000.00", 6).await;
    let repaid = app
        .call_with(
            Method::POST,
            &format!("{loan_path}/repayments"),
            Some(&token),
            Some(json!({"kind": "repayment", "amount": "100.00"})),
            &[("Idempotency-Key", "events-1")],
        )
        .await;
    assert_eq!(repaid.status, StatusCode::ACCEPTED, "{}", repaid.text);
    let payment = format!("/api/v1/payments/{}", repaid.json["id"]);
    eventually(&app, &token, &payment, |p| p["status"] == "succeeded").await;
    let delivered = kredit_app::outbox::dispatch(&app.state, &[&recorder])
        .await
        .unwrap();
    // Decided and its fraud decision, signed, the disbursement policy's
    // activation (at its first evaluation), the fraud decision before
    // disbursement and the policy's evaluation, disbursed, the repayment's
    // fraud decision and the repayment: nine events, two subscribers.
    assert_eq!(delivered, 18);

    // The server restarts: a new instance over the same database.
    let restarted = app.restart().await;
    let paid = restarted
        .call_with(
            Method::POST,
            &format!("{loan_path}/repayments"),
            Some(&token),
            Some(json!({"kind": "payoff"})),
            &[("Idempotency-Key", "events-2")],
        )
        .await;
    assert_eq!(paid.status, StatusCode::ACCEPTED, "{}", paid.text);
    eventually(&restarted, &token, &loan_path, |l| {
        l["status"] == "paid_off"
    })
    .await;
    kredit_app::outbox::dispatch(&restarted.state, &[&recorder])
        .await
        .unwrap();
    let again = kredit_app::outbox::dispatch(&restarted.state, &[&recorder])
        .await
        .unwrap();
    assert_eq!(again, 0, "nothing is delivered twice");

    let expected = [
        "contract.signed",
        "fraud.decided",
        "disbursement.evaluated",
        "loan.disbursed",
        "fraud.decided",
        "payment.applied",
        "fraud.decided",
        "payment.applied",
        "loan.closed",
    ];
    for seen in [&hooked, &recorded] {
        let seen = seen.lock().unwrap().clone();
        let ids: Vec<i64> = seen.iter().map(|(id, _, _)| *id).collect();
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "in order, once: {ids:?}"
        );
        let kinds: Vec<&str> = seen
            .iter()
            .filter(|(_, loan, _)| *loan == Some(loan_id))
            .map(|(_, _, kind)| kind.as_str())
            .collect();
        assert_eq!(kinds, expected);
    }
    let hooks = restarted
        .call(Method::GET, "/api/v1/admin/webhooks", Some(&admin), None)
        .await;
    assert_eq!(hooks.json[0]["behind"], 0, "{}", hooks.text);
    assert_eq!(hooks.json[0]["attempts"], 0, "{}", hooks.text);
}

async fn referred_applications_wait_for_an_underwriter(repository: Arc<dyn Repository>) {
    let (app, _admin) = lending_app(repository).await;
    // Young, near the product's ceiling, over a long term: the rules
    // scorecard lands in the review band.
    let (token, application) = referred_application(&app, "13812340002", "apply-big").await;
    let id = application.json["id"].as_i64().unwrap();
    let reasons = application.json["decision"]["reasons"].as_array().unwrap();
    assert!(
        reasons
            .iter()
            .all(|r| r["text_zh"].is_string() && r["text_en"].is_string())
    );

    let early = accept(&app, &token, id).await;
    early.assert_problem(StatusCode::CONFLICT, "not_approved");

    let underwriter = app.staff("13900000002", Role::Underwriter).await;
    let queue = app
        .call(
            Method::GET,
            "/api/v1/applications?status=referred",
            Some(&underwriter),
            None,
        )
        .await;
    assert_eq!(queue.json["items"].as_array().unwrap().len(), 1);
    let path = format!("/api/v1/applications/{id}/decision");
    let borrower_try = app
        .call(
            Method::POST,
            &path,
            Some(&token),
            Some(json!({"decision": "approve", "comment": "me"})),
        )
        .await;
    borrower_try.assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let no_comment = app
        .call(
            Method::POST,
            &path,
            Some(&underwriter),
            Some(json!({"decision": "approve", "comment": " "})),
        )
        .await;
    no_comment.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(no_comment.json["errors"][0]["code"], "comment_required");
    let decided = app
        .call(
            Method::POST,
            &path,
            Some(&underwriter),
            Some(json!({"decision": "approve", "comment": "stable income verified by phone"})),
        )
        .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.text);
    assert_eq!(decided.json["status"], "approved");
    assert_eq!(
        decided.json["underwriting"]["comment"],
        "stable income verified by phone"
    );
    let twice = app
        .call(
            Method::POST,
            &path,
            Some(&underwriter),
            Some(json!({"decision": "decline", "comment": "x"})),
        )
        .await;
    twice.assert_problem(StatusCode::CONFLICT, "not_referred");
    assert_eq!(accept(&app, &token, id).await.status, StatusCode::CREATED);
}

async fn a_failed_disbursement_never_leaves_a_loan_active(repository: Arc<dyn Repository>) {
    let (app, admin) = lending_app(repository).await;
    // The sandbox's insufficient-funds card (docs/payments.md).
    let token = verified_borrower(&app, "13812340003", 30, "6222000000000017").await;
    let application = apply(
        &app,
        &token,
        "apply-3",
        json!({"product_code": "CONSUMER", "amount": "5000.00", "term_months": 6,
            "method": "equal-installment", "purpose": "consumer"}),
    )
    .await;
    let id = application.json["id"].as_i64().unwrap();
    let accepted = accept(&app, &token, id).await;
    let loan_path = format!("/api/v1/loans/{}", accepted.json["loan"]["id"]);
    let loan = eventually(&app, &token, &loan_path, |l| {
        l["status"] == "disbursement_failed"
    })
    .await;
    assert!(loan["installments"].as_array().unwrap().is_empty());
    let ledger = app
        .call(
            Method::GET,
            &format!("{loan_path}/ledger"),
            Some(&admin),
            None,
        )
        .await;
    assert!(
        ledger.json["items"].as_array().unwrap().is_empty(),
        "{}",
        ledger.text
    );
    let repay = app
        .call_with(
            Method::POST,
            &format!("{loan_path}/repayments"),
            Some(&token),
            Some(json!({"amount": "10.00", "kind": "repayment"})),
            &[("Idempotency-Key", "r")],
        )
        .await;
    repay.assert_problem(StatusCode::CONFLICT, "not_active");
}

async fn reversals_need_a_second_person(repository: Arc<dyn Repository>) {
    let (app, admin) = lending_app(repository).await;
    let token = verified_borrower(&app, "13812340004", 35, "6222021234567840123").await;
    let application = apply(
        &app,
        &token,
        "apply-4",
        json!({"product_code": "CONSUMER", "amount": "12000.00", "term_months": 12,
            "method": "equal-principal", "purpose": "consumer"}),
    )
    .await;
    let id = application.json["id"].as_i64().unwrap();
    let accepted = accept(&app, &token, id).await;
    let loan_path = format!("/api/v1/loans/{}", accepted.json["loan"]["id"]);
    let before = eventually(&app, &token, &loan_path, |l| l["status"] == "active").await;
    let repayment = app
        .call_with(
            Method::POST,
            &format!("{loan_path}/repayments"),
            Some(&token),
            Some(json!({"amount": "300.00", "kind": "repayment"})),
            &[("Idempotency-Key", "repay-4")],
        )
        .await;
    let payment_path = format!("/api/v1/payments/{}", repayment.json["id"]);
    eventually(&app, &token, &payment_path, |p| p["status"] == "succeeded").await;
    let events = app
        .call(
            Method::GET,
            &format!("{loan_path}/events"),
            Some(&admin),
            None,
        )
        .await;
    let event = events.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"]["type"] == "repayment")
        .unwrap()["id"]
        .as_i64()
        .unwrap();

    let maker = app.staff("13900000002", Role::Underwriter).await;
    let no_reason = app
        .call(
            Method::POST,
            &format!("{loan_path}/events/{event}/reversal-requests"),
            Some(&maker),
            Some(json!({"reason": " \n "})),
        )
        .await;
    no_reason.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(no_reason.json["errors"][0]["field"], "reason");
    assert_eq!(no_reason.json["errors"][0]["code"], "reason_required");
    let request = app
        .call(
            Method::POST,
            &format!("{loan_path}/events/{event}/reversal-requests"),
            Some(&maker),
            Some(json!({"reason": "bank returned the payment"})),
        )
        .await;
    assert_eq!(request.status, StatusCode::CREATED, "{}", request.text);
    let approve = format!("/api/v1/reversal-requests/{}/approve", request.json["id"]);
    let same_person = app.call(Method::POST, &approve, Some(&maker), None).await;
    same_person.assert_problem(StatusCode::CONFLICT, "maker_checker");
    let approved = app.call(Method::POST, &approve, Some(&admin), None).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    assert_eq!(approved.json["status"], "approved");

    // As if the repayment had never happened; the ledger still balances.
    let after = app.call(Method::GET, &loan_path, Some(&token), None).await;
    assert_eq!(after.json["installments"], before["installments"]);
    assert_eq!(after.json["credit_balance"], before["credit_balance"]);
    trial_balance_holds(&app, &admin).await;
    let audit = app
        .call(Method::GET, "/api/v1/admin/audit", Some(&admin), None)
        .await;
    assert!(
        audit.text.contains("loan.reversal_approved"),
        "{}",
        audit.text
    );
}

async fn bad_input_is_refused_and_changes_nothing(repository: Arc<dyn Repository>) {
    let (app, _admin) = lending_app(repository).await;
    let token = verified_borrower(&app, "13812340005", 30, "6222021234567840123").await;
    let stranger = verified_borrower(&app, "13812340006", 30, "6222021234567840123").await;
    let cases = [
        json!({"product_code": "CONSUMER", "amount": "12.345", "term_months": 12, "method": "equal-installment", "purpose": "consumer"}),
        json!({"product_code": "CONSUMER", "amount": "0.00", "term_months": 12, "method": "equal-installment", "purpose": "consumer"}),
        json!({"product_code": "CONSUMER", "amount": "-5000.00", "term_months": 12, "method": "equal-installment", "purpose": "consumer"}),
        json!({"product_code": "CONSUMER", "amount": "5000.00", "term_months": "12", "method": "equal-installment", "purpose": "consumer"}),
        json!({"product_code": "CONSUMER", "amount": 1000, "term_months": 12, "method": "equal-installment", "purpose": "consumer"}),
        json!({"product_code": "CONSUMER", "amount": "500.00", "term_months": 12, "method": "equal-installment", "purpose": "consumer"}),
        json!({"product_code": "CONSUMER", "amount": "5000.00", "term_months": 99, "method": "equal-installment", "purpose": "consumer"}),
        json!({"product_code": "CONSUMER", "amount": "5000.00", "term_months": 12, "method": "bullet", "purpose": "consumer"}),
        json!({"product_code": "NOPE", "amount": "5000.00", "term_months": 12, "method": "equal-installment", "purpose": "consumer"}),
        json!({"product_code": "CONSUMER", "amount": "5000.00", "term_months": 12, "method": "equal-installment", "purpose": "medical"}),
    ];
    for (i, body) in cases.into_iter().enumerate() {
        let reply = apply(&app, &token, &format!("bad-{i}"), body).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "case {i}: {}",
            reply.text
        );
        assert_eq!(reply.json["code"], "validation_failed");
    }
    let list = app
        .call(Method::GET, "/api/v1/applications", Some(&token), None)
        .await;
    assert!(list.json["items"].as_array().unwrap().is_empty());

    let good = apply(
        &app,
        &token,
        "good",
        json!({"product_code": "CONSUMER", "amount": "5000.00", "term_months": 12,
            "method": "equal-installment", "purpose": "consumer"}),
    )
    .await;
    let id = good.json["id"].as_i64().unwrap();
    let peek = app
        .call(
            Method::GET,
            &format!("/api/v1/applications/{id}"),
            Some(&stranger),
            None,
        )
        .await;
    peek.assert_problem(StatusCode::NOT_FOUND, "not_found");
    let steal = accept(&app, &stranger, id).await;
    steal.assert_problem(StatusCode::NOT_FOUND, "not_found");
    let reused = apply(
        &app,
        &token,
        "good",
        json!({"product_code": "CONSUMER", "amount": "6000.00", "term_months": 12,
            "method": "equal-installment", "purpose": "consumer"}),
    )
    .await;
    reused.assert_problem(StatusCode::CONFLICT, "idempotency_conflict");
    let malformed = app
        .send(
            axum::http::Request::post("/api/v1/applications")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .header("idempotency-key", "broken")
                .body(axum::body::Body::from("{\"product_code\": "))
                .unwrap(),
        )
        .await;
    malformed.assert_problem(StatusCode::BAD_REQUEST, "validation_failed");
    let accepted = accept(&app, &token, id).await;
    let loan_path = format!("/api/v1/loans/{}", accepted.json["loan"]["id"]);
    let theirs = app
        .call(Method::GET, &loan_path, Some(&stranger), None)
        .await;
    theirs.assert_problem(StatusCode::NOT_FOUND, "not_found");
    let list = app
        .call(Method::GET, "/api/v1/applications", Some(&token), None)
        .await;
    assert_eq!(
        list.json["items"].as_array().unwrap().len(),
        1,
        "refused requests stored nothing"
    );
    let no_consent = app
        .call_with(
            Method::POST,
            &format!("/api/v1/applications/{id}/accept"),
            Some(&token),
            Some(json!({"agree": false, "terms_version": "2026-11"})),
            &[("Idempotency-Key", "nc")],
        )
        .await;
    no_consent.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let forged = app
        .call_with(
            Method::POST,
            "/api/v1/payments/callback",
            None,
            Some(json!({"merchant_reference": "KR-D-1", "status": "succeeded"})),
            &[("Kredit-Signature", "t=1,v1=00")],
        )
        .await;
    forged.assert_problem(StatusCode::UNAUTHORIZED, "unauthorized");
}

/// A hurried borrower's client sends one application ten times at once
/// under one key: one application is decided, and every answer is its.
async fn one_application_sent_ten_times_at_once_is_decided_once(repository: Arc<dyn Repository>) {
    let (app, _admin) = lending_app(repository).await;
    let token = verified_borrower(&app, "13812340031", 30, "6222000000000031").await;
    let body = json!({"product_code": "CONSUMER", "amount": "5000.00", "term_months": 6,
        "method": "equal-installment", "purpose": "consumer"});
    let app = Arc::new(app);
    let sends: Vec<_> = (0..10)
        .map(|_| {
            let (app, token, body) = (app.clone(), token.clone(), body.clone());
            tokio::spawn(async move { apply(&app, &token, "ten-at-once", body).await })
        })
        .collect();
    let mut answers = Vec::new();
    for send in sends {
        answers.push(send.await.unwrap());
    }
    for answer in &answers {
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        assert_eq!(
            answer.json, answers[0].json,
            "every answer is the first one's"
        );
    }
    let replayed = answers
        .iter()
        .filter(|a| a.headers.get("idempotent-replayed").is_some())
        .count();
    assert_eq!(replayed, 9, "one decided, nine replayed");
    let list = app
        .call(Method::GET, "/api/v1/applications", Some(&token), None)
        .await;
    assert_eq!(list.json["items"].as_array().unwrap().len(), 1);
}

/// After a whole journey (identity, application, contract, disbursement,
/// repayment, feedback, a staff view) no table holds the borrower's phone,
/// name, ID number or cards in any encoding: the at-rest invariant, checked
/// against the database's own catalogue so that new tables are covered.
async fn personal_data_is_nowhere_in_plaintext(repository: Arc<dyn Repository>) {
    let (app, _admin) = lending_app(repository.clone()).await;
    let phone = "13812340077";
    let card = "6222021234567840123";
    let token = verified_borrower(&app, phone, 41, card).await;
    let identity = app
        .call(Method::GET, "/api/v1/me", Some(&token), None)
        .await;
    let borrower_id = identity.json["user_id"].as_i64().unwrap();
    let id_number = id_number_aged(41, 77);
    let (_, loan_path) = active_consumer_loan(&app, &token, "apply-pii", "8000.00", 6).await;
    let repayment = app
        .call_with(
            Method::POST,
            &format!("{loan_path}/repayments"),
            Some(&token),
            Some(json!({"amount": "300.00", "kind": "repayment"})),
            &[("Idempotency-Key", "repay-pii")],
        )
        .await;
    assert_eq!(repayment.status, StatusCode::ACCEPTED, "{}", repayment.text);
    let feedback = app
        .call_with(
            Method::POST,
            "/api/v1/me/feedback",
            Some(&token),
            Some(json!({"category": "question", "message": format!("我是张三，身份证 {id_number}，卡号 {card}")})),
            &[("Idempotency-Key", "feedback-pii")],
        )
        .await;
    assert_eq!(feedback.status, StatusCode::CREATED, "{}", feedback.text);
    let underwriter = app.staff("13900000072", Role::Underwriter).await;
    let shown = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/borrowers/{borrower_id}/personal-data"),
            Some(&underwriter),
            Some(json!({"purpose": "customer_request", "reference": "T-77",
                "fields": ["phone", "real_name", "id_number", "bank_card", "bank_phone"]})),
        )
        .await;
    assert_eq!(
        shown.json["values"]["id_number"], id_number,
        "{}",
        shown.text
    );

    let values = repository.scan_values().await.unwrap();
    // The scan sees what is there: the contract's masked name, the masked
    // card in the audit log, the product of the loan.
    let masked_card = kredit_core::identity::mask_bank_card(card);
    for visible in ["张*", masked_card.as_str(), "CONSUMER"] {
        let found = kredit_store::scan::find(&values, &[visible]);
        assert!(!found.is_empty(), "the scan missed {visible}");
    }
    let findings = kredit_store::scan::find(
        &values,
        &[phone, "张三", id_number.as_str(), card, "13812345678"],
    );
    assert!(
        findings.is_empty(),
        "personal data in plaintext: {findings:#?}"
    );
}

kredit_store::test_on_both_backends!(
    personal_data_is_nowhere_in_plaintext,
    one_application_sent_ten_times_at_once_is_decided_once,
    borrower_journey_from_application_to_payoff,
    auto_debit_collects_what_fell_due,
    referred_applications_wait_for_an_underwriter,
    a_failed_disbursement_never_leaves_a_loan_active,
    reversals_need_a_second_person,
    bad_input_is_refused_and_changes_nothing,
    concurrent_repayments_and_duplicate_callbacks,
    a_payoff_storm_charges_no_more_than_is_owed,
    domain_events_reach_each_subscriber_once_in_order,
);
