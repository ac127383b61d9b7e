//! Borrower feedback and staff replies over HTTP, on SQLite and PostgreSQL:
//! the round trip, roles and ownership, bad input that stores nothing, a
//! reply given once and audited, and the text encrypted at rest.

#[allow(dead_code)] // helpers shared with the other test binaries
mod support;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use kredit_store::{FeedbackId, Repository, Role};
use serde_json::{Value, json};
use support::TestApp;

async fn send(app: &TestApp, token: &str, key: &str, body: Value) -> support::Reply {
    app.call_with(
        Method::POST,
        "/api/v1/me/feedback",
        Some(token),
        Some(body),
        &[("Idempotency-Key", key)],
    )
    .await
}

async fn feedback_round_trip(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    let borrower = app.borrower("13812345601").await;
    let other = app.borrower("13812345602").await;
    let underwriter = app.staff("13900000002", Role::Underwriter).await;
    let auditor = app.staff("13900000004", Role::Auditor).await;

    let message = "我的还款日能否改到每月15日？身份证 110105199001011234";
    let sent = send(
        &app,
        &borrower,
        "fb-1",
        json!({"category": "question", "message": message}),
    )
    .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text);
    assert_eq!(sent.json["status"], "open");
    assert_eq!(sent.json["message"], message);
    assert!(sent.json.get("borrower_phone").is_none());
    let id = sent.json["id"].as_i64().unwrap();
    let replay = send(
        &app,
        &borrower,
        "fb-1",
        json!({"category": "question", "message": message}),
    )
    .await;
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    assert_eq!(replay.json["id"], id);

    // Encrypted at rest: the stored bytes do not contain the text.
    let stored = app
        .state
        .repository
        .feedback()
        .feedback(FeedbackId(id))
        .await
        .unwrap()
        .unwrap();
    let needle = "110105199001011234".as_bytes();
    assert!(
        !stored
            .message_encrypted
            .windows(needle.len())
            .any(|w| w == needle)
    );

    let theirs = app
        .call(Method::GET, "/api/v1/me/feedback", Some(&other), None)
        .await;
    assert_eq!(
        theirs.json["items"],
        json!([]),
        "a borrower sees only their own"
    );
    let forbidden = app
        .call(Method::GET, "/api/v1/admin/feedback", Some(&borrower), None)
        .await;
    forbidden.assert_problem(StatusCode::FORBIDDEN, "forbidden");

    let open = app
        .call(
            Method::GET,
            "/api/v1/admin/feedback?status=open",
            Some(&auditor),
            None,
        )
        .await;
    assert_eq!(open.status, StatusCode::OK, "{}", open.text);
    let item = &open.json["items"][0];
    assert_eq!(item["id"], id);
    assert_eq!(item["borrower_phone"], "138****5601");

    let path = format!("/api/v1/admin/feedback/{id}/reply");
    let reply = json!({"reply": "可以，请在“我的借款”中申请变更还款日。"});
    let by_auditor = app
        .call(Method::POST, &path, Some(&auditor), Some(reply.clone()))
        .await;
    by_auditor.assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let answered = app
        .call(Method::POST, &path, Some(&underwriter), Some(reply.clone()))
        .await;
    assert_eq!(answered.status, StatusCode::OK, "{}", answered.text);
    assert_eq!(answered.json["status"], "answered");
    let again = app
        .call(Method::POST, &path, Some(&underwriter), Some(reply))
        .await;
    again.assert_problem(StatusCode::CONFLICT, "feedback_answered");

    let mine = app
        .call(Method::GET, "/api/v1/me/feedback", Some(&borrower), None)
        .await;
    assert_eq!(
        mine.json["items"][0]["reply"],
        "可以，请在“我的借款”中申请变更还款日。"
    );
    assert!(mine.json["items"][0]["replied_at"].is_string());
    let still_open = app
        .call(
            Method::GET,
            "/api/v1/admin/feedback?status=open",
            Some(&underwriter),
            None,
        )
        .await;
    assert_eq!(still_open.json["items"], json!([]));

    let audit = app
        .call(Method::GET, "/api/v1/admin/audit", Some(&auditor), None)
        .await;
    assert!(
        audit.text.contains("feedback.reply") && !audit.text.contains("变更还款日"),
        "audited without the text: {}",
        audit.text
    );
}

async fn bad_feedback_is_refused_and_stores_nothing(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    let borrower = app.borrower("13812345603").await;
    let underwriter = app.staff("13900000002", Role::Underwriter).await;
    let cases = [
        (
            json!({"category": "praise", "message": "hi"}),
            "category",
            "invalid_category",
        ),
        (
            json!({"category": "question", "message": "   "}),
            "message",
            "invalid_length",
        ),
        (
            json!({"category": "question", "message": "x".repeat(2001)}),
            "message",
            "invalid_length",
        ),
        (
            json!({"category": "complaint", "message": "loan?", "loan_id": 424242}),
            "loan_id",
            "unknown_loan",
        ),
    ];
    for (n, (body, field, code)) in cases.into_iter().enumerate() {
        let reply = send(&app, &borrower, &format!("bad-{n}"), body).await;
        reply.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(reply.json["errors"][0]["field"], field, "{}", reply.text);
        assert_eq!(reply.json["errors"][0]["code"], code, "{}", reply.text);
    }
    let unkeyed = app
        .call(
            Method::POST,
            "/api/v1/me/feedback",
            Some(&borrower),
            Some(json!({"category": "question", "message": "hi"})),
        )
        .await;
    unkeyed.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let mistyped = send(&app, &borrower, "bad-x", json!({"message": 5})).await;
    mistyped.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(mistyped.json["errors"][0]["code"], "invalid_type");
    let mine = app
        .call(Method::GET, "/api/v1/me/feedback", Some(&borrower), None)
        .await;
    assert_eq!(mine.json["items"], json!([]));

    let missing = app
        .call(
            Method::POST,
            "/api/v1/admin/feedback/999999/reply",
            Some(&underwriter),
            Some(json!({"reply": "ok"})),
        )
        .await;
    missing.assert_problem(StatusCode::NOT_FOUND, "not_found");
    let blank = app
        .call(
            Method::POST,
            "/api/v1/admin/feedback/999999/reply",
            Some(&underwriter),
            Some(json!({"reply": "  "})),
        )
        .await;
    blank.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(blank.json["errors"][0]["code"], "invalid_length");
    let bad_status = app
        .call(
            Method::GET,
            "/api/v1/admin/feedback?status=closed",
            Some(&underwriter),
            None,
        )
        .await;
    bad_status.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(bad_status.json["errors"][0]["code"], "invalid_status");
}

kredit_store::test_on_both_backends!(
    feedback_round_trip,
    bad_feedback_is_refused_and_stores_nothing,
);
