//! A borrower's personal-information rights end to end, on SQLite and
//! PostgreSQL, from a lender's fresh install: consents given and withdrawn,
//! the export (everything of theirs, nothing of anyone else's), a corrected
//! phone, an erasure refused while a loan is open and completed by staff
//! once it is paid off, then the retention period's end. After erasure
//! every table is scanned for the borrower's name, ID number, phones and
//! card, in plaintext in any encoding and in anything the vault can still
//! decrypt; the ledger still checks out.

mod support;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use chrono::Days;
use kredit_app::keys::Opened;
use kredit_store::{Repository, Role};
use serde_json::{Value, json};
use support::journey::*;
use support::{PASSWORD, TestApp, id_number_aged, identity};

const PHONE: &str = "13812340501";
const NEW_PHONE: &str = "13912340502";
const NAME: &str = "欧阳晓梅";
const CARD: &str = "6222021234567010123";
const BANK_PHONE: &str = "13700000503";
const OTHER_PHONE: &str = "13812340609";
const OTHER_CARD: &str = "6222021234567190123";

/// A borrower verified with `name`, `card` and `bank_phone`: token and ID number.
async fn verified(
    app: &TestApp,
    phone: &str,
    name: &str,
    card: &str,
    bank_phone: &str,
) -> (String, String) {
    let token = app.borrower(phone).await;
    let id_number = id_number_aged(35, phone[8..].parse::<u32>().unwrap());
    let mut body = identity(&id_number, "0123");
    body["real_name"] = json!(name);
    body["bank_card"] = json!(card);
    body["bank_phone"] = json!(bank_phone);
    let reply = app
        .call(
            Method::POST,
            "/api/v1/me/identity",
            Some(&token),
            Some(body),
        )
        .await;
    assert_eq!(reply.json["status"], "verified", "{}", reply.text);
    (token, id_number)
}

async fn export(app: &TestApp, token: &str, format: &str) -> support::Reply {
    app.call(
        Method::POST,
        "/api/v1/me/data-export",
        Some(token),
        Some(json!({"password": PASSWORD, "format": format})),
    )
    .await
}

/// Every stored value the vault still opens, with where it is.
async fn decryptable(app: &TestApp, repository: &dyn Repository) -> Vec<(String, String, String)> {
    let mut opened = Vec::new();
    for value in repository.scan_values().await.unwrap() {
        if let Ok(Opened::Envelope(text) | Opened::Legacy(text)) =
            app.state.pii.open_detailed(&value.bytes).await
        {
            opened.push((value.table, value.column, text));
        }
    }
    opened
}

async fn data_subject_journey(repository: Arc<dyn Repository>) {
    let install = TestApp::on_day_with(repository.clone(), start(), |config| {
        // Retention ends the day the last loan closed, so the test sees it end.
        config.retention_years = 0;
    })
    .await;
    let (app, admin) = with_catalogue(install).await;
    let (token, id_number) = verified(&app, PHONE, NAME, CARD, BANK_PHONE).await;
    let (other, other_id) = verified(&app, OTHER_PHONE, "诸葛亮", OTHER_CARD, "13700000610").await;
    let me = app
        .call(Method::GET, "/api/v1/me", Some(&token), None)
        .await;
    let user_id = me.json["user_id"].as_i64().unwrap();

    // Consents: the required one given at registration; an optional one
    // given with the text's version, then withdrawn with one request.
    let consents = app
        .call(Method::GET, "/api/v1/me/consents", Some(&token), None)
        .await;
    assert_eq!(consents.status, StatusCode::OK, "{}", consents.text);
    assert_eq!(consents.json["consents"][0]["kind"], "personal_information");
    assert_eq!(consents.json["consents"][0]["given"], true);
    assert_eq!(consents.json["consents"][1]["given"], false);
    let version = consents.json["consents"][1]["current_version"].clone();
    let marketing = "/api/v1/me/consents/marketing";
    let stale = app
        .call(
            Method::PUT,
            marketing,
            Some(&token),
            Some(json!({"given": true, "version": "2020-01"})),
        )
        .await;
    stale.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let given = app
        .call(
            Method::PUT,
            marketing,
            Some(&token),
            Some(json!({"given": true, "version": version})),
        )
        .await;
    assert_eq!(given.json["given"], true, "{}", given.text);
    let withdrawn = app
        .call(
            Method::PUT,
            marketing,
            Some(&token),
            Some(json!({"given": false, "version": version})),
        )
        .await;
    assert_eq!(withdrawn.json["given"], false, "{}", withdrawn.text);
    let required = app
        .call(
            Method::PUT,
            "/api/v1/me/consents/personal_information",
            Some(&token),
            Some(json!({"given": false, "version": version})),
        )
        .await;
    required.assert_problem(StatusCode::CONFLICT, "consent_required_for_service");
    let history = app
        .call(Method::GET, "/api/v1/me/consents", Some(&token), None)
        .await;
    let actions: Vec<_> = history.json["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|record| {
            (
                record["kind"].as_str().unwrap(),
                record["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("personal_information", "given"),
            ("marketing", "given"),
            ("marketing", "withdrawn")
        ]
    );
    assert_eq!(history.json["history"][1]["client_address"], "127.0.0.1");

    // A loan, and feedback that names the borrower.
    let (_, loan_path) = active_consumer_loan(&app, &token, "apply-rights", "6000.00", 6).await;
    let feedback = app
        .call_with(
            Method::POST,
            "/api/v1/me/feedback",
            Some(&token),
            Some(json!({"category": "question", "message": format!("我是{NAME}，卡号 {CARD}")})),
            &[("Idempotency-Key", "feedback-rights")],
        )
        .await;
    assert_eq!(feedback.status, StatusCode::CREATED, "{}", feedback.text);

    // The export: every personal field of mine, nothing of the other's.
    let wrong = app
        .call(
            Method::POST,
            "/api/v1/me/data-export",
            Some(&token),
            Some(json!({"password": "wrong-pass1", "format": "json"})),
        )
        .await;
    wrong.assert_problem(StatusCode::UNAUTHORIZED, "wrong_password");
    let copy = export(&app, &token, "json").await;
    assert_eq!(copy.status, StatusCode::OK, "{}", copy.text);
    assert!(
        copy.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with(&format!("attachment; filename=\"kredit-data-{user_id}-"))
    );
    assert_eq!(copy.json["account"]["phone"], PHONE);
    let identity = &copy.json["identity"];
    assert_eq!(
        (
            &identity["real_name"],
            &identity["id_number"],
            &identity["bank_card"],
            &identity["bank_phone"]
        ),
        (
            &json!(NAME),
            &json!(id_number),
            &json!(CARD),
            &json!(BANK_PHONE)
        )
    );
    assert_eq!(copy.json["loans"].as_array().unwrap().len(), 1);
    assert_eq!(copy.json["contracts"].as_array().unwrap().len(), 1);
    assert!(
        copy.json["feedback"][0]["message"]
            .as_str()
            .unwrap()
            .contains(CARD)
    );
    assert_eq!(copy.json["consents"].as_array().unwrap().len(), 3);
    for theirs in [OTHER_PHONE, other_id.as_str(), OTHER_CARD, "诸葛亮"] {
        assert!(
            !copy.text.contains(theirs),
            "the export holds another's {theirs}"
        );
    }
    let page = export(&app, &token, "html").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text.contains(NAME) && page.text.contains(&id_number));
    assert!(page.text.contains("身份信息 · Identity"));

    // Erasure waits while the loan is open.
    let early = app
        .call(
            Method::POST,
            "/api/v1/me/erasure-requests",
            Some(&token),
            Some(json!({"password": PASSWORD})),
        )
        .await;
    early.assert_problem(StatusCode::CONFLICT, "loans_outstanding");

    // A corrected phone: the new number signs in, the old one no more.
    let taken = app
        .call(
            Method::PUT,
            "/api/v1/me/phone",
            Some(&token),
            Some(json!({"password": PASSWORD, "phone": OTHER_PHONE})),
        )
        .await;
    taken.assert_problem(StatusCode::CONFLICT, "phone_taken");
    let corrected = app
        .call(
            Method::PUT,
            "/api/v1/me/phone",
            Some(&token),
            Some(json!({"password": PASSWORD, "phone": NEW_PHONE})),
        )
        .await;
    assert_eq!(
        corrected.json["phone_masked"], "139****0502",
        "{}",
        corrected.text
    );
    assert_eq!(
        app.login(PHONE, PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.login(NEW_PHONE, PASSWORD).await.status, StatusCode::OK);

    // Paid off, then erasure: received with its deadline, asked twice, one.
    let payoff = app
        .call_with(
            Method::POST,
            &format!("{loan_path}/repayments"),
            Some(&token),
            Some(json!({"kind": "payoff"})),
            &[("Idempotency-Key", "payoff-rights")],
        )
        .await;
    assert_eq!(payoff.status, StatusCode::ACCEPTED, "{}", payoff.text);
    eventually(&app, &token, &loan_path, |loan| {
        loan["status"] == "paid_off"
    })
    .await;
    let asked = app
        .call(
            Method::POST,
            "/api/v1/me/erasure-requests",
            Some(&token),
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{}", asked.text);
    assert_eq!(asked.json["status"], "received");
    // 25 November 2026 (a Wednesday) + 15 working days.
    assert_eq!(asked.json["due_on"], "2026-12-16");
    let again = app
        .call(
            Method::POST,
            "/api/v1/me/erasure-requests",
            Some(&token),
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.json["id"], asked.json["id"]);
    let request_id = asked.json["id"].as_i64().unwrap();

    // Staff: the auditor sees the queue but cannot act; the admin completes.
    let auditor = app.staff("13900000505", Role::Auditor).await;
    let queue = app
        .call(
            Method::GET,
            "/api/v1/admin/data-rights-requests?status=received",
            Some(&auditor),
            None,
        )
        .await;
    assert_eq!(
        queue.json["requests"][0]["id"], request_id,
        "{}",
        queue.text
    );
    assert_eq!(queue.json["requests"][0]["overdue"], false);
    let complete = format!("/api/v1/admin/data-rights-requests/{request_id}/complete");
    let refused = app
        .call(Method::POST, &complete, Some(&auditor), None)
        .await;
    refused.assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let done = app.call(Method::POST, &complete, Some(&admin), None).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(done.json["status"], "completed");
    assert_eq!(done.json["retain_until"], start().to_string());
    let twice = app.call(Method::POST, &complete, Some(&admin), None).await;
    twice.assert_problem(StatusCode::CONFLICT, "request_closed");
    let detail = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/data-rights-requests/{request_id}"),
            Some(&auditor),
            None,
        )
        .await;
    let trail: Vec<_> = detail.json["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        trail,
        [
            "data_rights.erasure_requested",
            "data_rights.erasure_completed"
        ]
    );

    // The erased account is gone from sign-in; its token is dead.
    assert_eq!(
        app.call(Method::GET, "/api/v1/me", Some(&token), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(NEW_PHONE, PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Nothing of theirs in plaintext anywhere, and nothing decryptable
    // outside the retained record.
    let needles = [PHONE, NEW_PHONE, NAME, id_number.as_str(), CARD, BANK_PHONE];
    let values = repository.scan_values().await.unwrap();
    let plain = kredit_store::scan::find(&values, &needles);
    assert!(
        plain.is_empty(),
        "personal data left in plaintext: {plain:#?}"
    );
    let outside: Vec<_> = decryptable(&app, repository.as_ref())
        .await
        .into_iter()
        .filter(|(table, _, text)| {
            table != "retained_personal_data" && needles.iter().any(|needle| text.contains(needle))
        })
        .collect();
    assert!(
        outside.is_empty(),
        "decryptable personal data left: {outside:#?}"
    );
    // The other borrower is untouched.
    assert_eq!(
        app.call(Method::GET, "/api/v1/me", Some(&other), None)
            .await
            .status,
        StatusCode::OK
    );

    // What is retained is read only through the recorded staff view.
    let underwriter = app.staff("13900000506", Role::Underwriter).await;
    let reveal = |reference: &'static str| {
        let app = &app;
        let underwriter = underwriter.clone();
        async move {
            app.call(
                Method::POST,
                &format!("/api/v1/admin/borrowers/{user_id}/personal-data"),
                Some(&underwriter),
                Some(json!({"purpose": "legal_request", "reference": reference,
                    "fields": ["real_name", "id_number", "bank_card", "phone"]})),
            )
            .await
        }
    };
    let kept = reveal("COURT-1").await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.text);
    assert_eq!(kept.json["values"]["id_number"], id_number);
    assert!(kept.json["values"].get("phone").is_none(), "{}", kept.text);
    let ledger = kredit_app::ledger_check::check(repository.as_ref())
        .await
        .unwrap();
    assert!(ledger.is_consistent(), "{:?}", ledger.problems);

    // The retention period ends with the day closed after it.
    let later = start().checked_add_days(Days::new(2)).unwrap();
    let moved = app
        .call(
            Method::POST,
            "/api/v1/admin/business-date",
            Some(&admin),
            Some(json!({"date": later})),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    let gone = reveal("COURT-2").await;
    gone.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let left: Vec<_> = decryptable(&app, repository.as_ref())
        .await
        .into_iter()
        .filter(|(_, _, text)| needles.iter().any(|needle| text.contains(needle)))
        .collect();
    assert!(left.is_empty(), "decryptable after retention: {left:#?}");
    let values = repository.scan_values().await.unwrap();
    let masked_name = kredit_core::identity::mask_name(NAME);
    // The audit log keeps its masked snapshots (it is the record of what
    // staff and the system did); the contracts lose theirs.
    let masked: Vec<_> = kredit_store::scan::find(&values, &[masked_name.as_str()])
        .into_iter()
        .filter(|finding| finding.table != "audit_log")
        .collect();
    assert!(
        masked.is_empty(),
        "the masked name outlived retention: {masked:#?}"
    );
    let ledger = kredit_app::ledger_check::check(repository.as_ref())
        .await
        .unwrap();
    assert!(ledger.is_consistent(), "{:?}", ledger.problems);
}

/// A borrower who never signed a loan keeps nothing after erasure; a
/// refused request says why and closes; requests are the staff's to decide.
async fn erasure_without_loans_keeps_nothing(repository: Arc<dyn Repository>) {
    let (app, admin) = lending_app(repository.clone()).await;
    let (token, id_number) = verified(&app, "13812340701", NAME, CARD, BANK_PHONE).await;
    let user_id = app
        .call(Method::GET, "/api/v1/me", Some(&token), None)
        .await
        .json["user_id"]
        .as_i64()
        .unwrap();
    let application = app
        .call_with(
            Method::POST,
            "/api/v1/applications",
            Some(&token),
            Some(
                json!({"product_code": "CONSUMER", "amount": "5000.00", "term_months": 6,
                "method": "equal-installment", "purpose": "consumer",
                "profile": {"monthly_income": "12345.67"}}),
            ),
            &[("Idempotency-Key", "apply-no-loan")],
        )
        .await;
    assert_eq!(
        application.status,
        StatusCode::CREATED,
        "{}",
        application.text
    );
    let ask = || {
        app.call(
            Method::POST,
            "/api/v1/me/erasure-requests",
            Some(&token),
            Some(json!({"password": PASSWORD})),
        )
    };
    let first = ask().await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.text);
    let id = first.json["id"].as_i64().unwrap();
    // While it is open, nothing new starts: no application, no contract.
    let meanwhile = app
        .call_with(
            Method::POST,
            "/api/v1/applications",
            Some(&token),
            Some(
                json!({"product_code": "CONSUMER", "amount": "5000.00", "term_months": 6,
                "method": "equal-installment", "purpose": "consumer", "profile": {}}),
            ),
            &[("Idempotency-Key", "apply-while-erasing")],
        )
        .await;
    meanwhile.assert_problem(StatusCode::CONFLICT, "erasure_requested");
    assert_eq!(
        application.json["status"], "approved",
        "{}",
        application.text
    );
    let application_id = application.json["id"].as_i64().unwrap();
    accept(&app, &token, application_id)
        .await
        .assert_problem(StatusCode::CONFLICT, "erasure_requested");
    let refuse = format!("/api/v1/admin/data-rights-requests/{id}/refuse");
    let bad = app
        .call(
            Method::POST,
            &refuse,
            Some(&admin),
            Some(json!({"reason": "because"})),
        )
        .await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let refused = app
        .call(
            Method::POST,
            &refuse,
            Some(&admin),
            Some(json!({"reason": "identity_not_confirmed"})),
        )
        .await;
    assert_eq!(refused.json["status"], "refused", "{}", refused.text);
    assert_eq!(refused.json["outcome"], "identity_not_confirmed");
    let mine = app
        .call(
            Method::GET,
            "/api/v1/me/data-rights-requests",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        mine.json["requests"][0]["status"], "refused",
        "{}",
        mine.text
    );

    // Asked again: a new request, completed; nothing is retained.
    let second = ask().await;
    assert_eq!(second.status, StatusCode::ACCEPTED, "{}", second.text);
    let id = second.json["id"].as_i64().unwrap();
    let done = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/data-rights-requests/{id}/complete"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(done.json["status"], "completed", "{}", done.text);
    assert_eq!(done.json["retain_until"], Value::Null);
    let values = repository.scan_values().await.unwrap();
    let needles = [
        "13812340701",
        NAME,
        id_number.as_str(),
        CARD,
        BANK_PHONE,
        "12345.67",
        "1234567",
    ];
    let plain = kredit_store::scan::find(&values, &needles);
    assert!(plain.is_empty(), "left in plaintext: {plain:#?}");
    let opened = decryptable(&app, repository.as_ref()).await;
    assert!(
        opened
            .iter()
            .all(|(_, _, text)| !needles.iter().any(|n| text.contains(n))),
        "{opened:#?}"
    );
    let view = app.staff("13900000702", Role::Underwriter).await;
    let reveal = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/borrowers/{user_id}/personal-data"),
            Some(&view),
            Some(json!({"purpose": "legal_request", "reference": "L-1", "fields": ["real_name", "phone"]})),
        )
        .await;
    reveal.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    // The number is free again.
    assert!(app.register("13812340701").await > 0);
}

kredit_store::test_on_both_backends!(data_subject_journey, erasure_without_loans_keeps_nothing);
