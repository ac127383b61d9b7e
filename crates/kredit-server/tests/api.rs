//! The HTTP API against the real router, on SQLite and on PostgreSQL
//! (`KREDIT_TEST_DATABASE_URL`): every test body runs once per backend.

mod support;

use std::sync::Arc;

use axum::http::{Method, StatusCode, header};
use chrono::{Duration, Utc};
use kredit_server::keys::Keys;
use kredit_store::{Repository, Role, UserId};
use serde_json::json;
use support::{PASSWORD, TestApp, id_number_aged, identity};

async fn registration_login_refresh_logout(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    let user_id = app.register("13812345678").await;
    let again = app
        .call(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(json!({"phone": "13812345678", "password": PASSWORD})),
        )
        .await;
    again.assert_problem(StatusCode::CONFLICT, "phone_taken");

    let login = app.login("13812345678", PASSWORD).await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(login.json["expires_in"], 900);
    let access = login.json["access_token"].as_str().unwrap();
    let refresh = login.json["refresh_token"].as_str().unwrap();

    let me = app
        .call(Method::GET, "/api/v1/me", Some(access), None)
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json["user_id"], user_id);
    assert_eq!(me.json["phone"], "138****5678");
    assert_eq!(me.json["role"], "borrower");
    assert!(!me.text.contains("13812345678"));

    let rotated = app
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh})),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK);
    let reused = app
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh})),
        )
        .await;
    reused.assert_problem(StatusCode::UNAUTHORIZED, "unauthorized");

    let second = rotated.json["refresh_token"].as_str().unwrap();
    let logout = app
        .call(
            Method::POST,
            "/api/v1/auth/logout",
            None,
            Some(json!({"refresh_token": second})),
        )
        .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    let revoked = app
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": second})),
        )
        .await;
    revoked.assert_problem(StatusCode::UNAUTHORIZED, "unauthorized");
}

async fn password_change_revokes_sessions(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    app.register("13812345678").await;
    let login = app.login("13812345678", PASSWORD).await;
    let access = login.json["access_token"].as_str().unwrap();
    let refresh = login.json["refresh_token"].as_str().unwrap();
    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});

    let wrong = app
        .call(
            Method::POST,
            "/api/v1/me/password",
            Some(access),
            Some(change("nope-1234", "n3w-password")),
        )
        .await;
    wrong.assert_problem(StatusCode::UNAUTHORIZED, "wrong_password");
    let weak = app
        .call(
            Method::POST,
            "/api/v1/me/password",
            Some(access),
            Some(change(PASSWORD, "short")),
        )
        .await;
    weak.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(weak.json["errors"][0]["field"], "password");

    let changed = app
        .call(
            Method::POST,
            "/api/v1/me/password",
            Some(access),
            Some(change(PASSWORD, "n3w-password")),
        )
        .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT);
    app.login("13812345678", PASSWORD)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(
        app.login("13812345678", "n3w-password").await.status,
        StatusCode::OK
    );
    let stale = app
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh})),
        )
        .await;
    stale.assert_problem(StatusCode::UNAUTHORIZED, "unauthorized");
}

async fn bad_tokens_are_unauthorized(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    let user = app.register("13812345678").await;
    let expired = app.state.access_tokens.issue(
        UserId(user),
        Role::Borrower,
        kredit_store::SessionId(0),
        Utc::now() - Duration::hours(1),
    );
    let reply = app
        .call(Method::GET, "/api/v1/me", Some(&expired), None)
        .await;
    reply.assert_problem(StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(reply.json["detail"].as_str().unwrap().contains("expired"));
    assert_eq!(reply.headers[header::WWW_AUTHENTICATE], "Bearer");

    let valid = app.token("13812345678").await;
    let forged = format!("{}x", &valid[..valid.len() - 1]);
    for token in [Some(forged.as_str()), Some("garbage"), None] {
        app.call(Method::GET, "/api/v1/me", token, None)
            .await
            .assert_problem(StatusCode::UNAUTHORIZED, "unauthorized");
    }
}

async fn roles_are_checked_on_every_route(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    let borrower = app.borrower("13812345678").await;
    let admin = app.staff("13900000001", Role::Admin).await;
    let auditor = app.staff("13900000004", Role::Auditor).await;
    let staff = |role: &str| json!({"phone": "13900000002", "password": PASSWORD, "role": role});

    for token in [&borrower, &auditor] {
        app.call(
            Method::POST,
            "/api/v1/admin/users",
            Some(token),
            Some(staff("underwriter")),
        )
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    }
    app.call(Method::GET, "/api/v1/admin/audit", Some(&borrower), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    app.call(
        Method::POST,
        "/api/v1/admin/users",
        Some(&admin),
        Some(staff("borrower")),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    let created = app
        .call(
            Method::POST,
            "/api/v1/admin/users",
            Some(&admin),
            Some(staff("underwriter")),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let underwriter = app.token("13900000002").await;
    let me = app
        .call(Method::GET, "/api/v1/me", Some(&underwriter), None)
        .await;
    assert_eq!(me.json["role"], "underwriter");
    // Identity is a borrower's own business.
    app.call(
        Method::POST,
        "/api/v1/me/identity",
        Some(&underwriter),
        Some(identity(&id_number_aged(30, 1), "0123")),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, "forbidden");

    let audit = app
        .call(
            Method::GET,
            "/api/v1/admin/audit?limit=1",
            Some(&auditor),
            None,
        )
        .await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.text);
    let newest = &audit.json["items"][0];
    assert_eq!(
        newest["action"], "auth.login",
        "the underwriter's login is the newest staff event"
    );
    let all = app
        .call(
            Method::GET,
            "/api/v1/admin/audit?limit=200",
            Some(&admin),
            None,
        )
        .await;
    let creation = all.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "user.create" && e["after"]["role"] == "underwriter")
        .unwrap();
    assert_eq!(
        creation["actor_id"],
        me.json["user_id"]
            .as_i64()
            .map(|_| creation["actor_id"].clone())
            .unwrap()
    );
    assert_eq!(creation["entity_id"], me.json["user_id"].to_string());
    assert_eq!(creation["after"]["phone"], "139****0002");
    app.call(
        Method::GET,
        "/api/v1/admin/audit?limit=0",
        Some(&admin),
        None,
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    app.call(
        Method::GET,
        "/api/v1/admin/audit?limit=x",
        Some(&admin),
        None,
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
}

async fn audit_pages_follow_next_before(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    let admin = app.staff("13900000001", Role::Admin).await;
    for n in 2..=4 {
        let body =
            json!({"phone": format!("1390000000{n}"), "password": PASSWORD, "role": "auditor"});
        assert_eq!(
            app.call(
                Method::POST,
                "/api/v1/admin/users",
                Some(&admin),
                Some(body)
            )
            .await
            .status,
            StatusCode::CREATED
        );
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/admin/audit?limit=2".to_owned();
    loop {
        let page = app.call(Method::GET, &path, Some(&admin), None).await;
        seen.extend(
            page.json["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_i64().unwrap()),
        );
        match page.json["next_before"].as_i64() {
            Some(before) => path = format!("/api/v1/admin/audit?limit=2&before={before}"),
            None => break,
        }
    }
    // Admin creation, its login, three user creations.
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "newest first, no repeats: {seen:?}"
    );
}

async fn malformed_requests_are_problems(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    let register = "/api/v1/auth/register";
    let raw = |body: &'static str, content_type: &'static str| {
        axum::http::Request::builder()
            .method(Method::POST)
            .uri(register)
            .header(header::CONTENT_TYPE, content_type)
            .body(axum::body::Body::from(body))
            .unwrap()
    };
    app.send(raw("{\"phone\": ", "application/json"))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, "validation_failed");
    app.send(raw("phone=1", "application/x-www-form-urlencoded"))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, "validation_failed");
    let wrong_type = app
        .call(
            Method::POST,
            register,
            None,
            Some(json!({"phone": 13812345678_i64, "password": PASSWORD})),
        )
        .await;
    wrong_type.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(wrong_type.json["errors"][0]["field"], "phone");
    assert!(
        !wrong_type.text.contains("13812345678"),
        "the value is not echoed: {}",
        wrong_type.text
    );
    let missing = app
        .call(
            Method::POST,
            register,
            None,
            Some(json!({"phone": "13812345678"})),
        )
        .await;
    missing.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    app.call(
        Method::POST,
        register,
        None,
        Some(json!({"phone": "12345", "password": PASSWORD})),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    app.call(Method::GET, "/api/v1/nothing-here", None, None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    app.call(Method::GET, register, None, None)
        .await
        .assert_problem(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    // Nothing was registered by any of the above.
    assert!(app.login("13812345678", PASSWORD).await.status == StatusCode::UNAUTHORIZED);
}

async fn identity_is_verified_masked_and_private(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    let alice = app.borrower("13812345678").await;
    let bob = app.borrower("13812345679").await;
    let id_number = id_number_aged(30, 7);

    let missing = app
        .call(Method::GET, "/api/v1/me/identity", Some(&alice), None)
        .await;
    missing.assert_problem(StatusCode::NOT_FOUND, "not_found");
    let verified = app
        .call(
            Method::POST,
            "/api/v1/me/identity",
            Some(&alice),
            Some(identity(&id_number, "0123")),
        )
        .await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.text);
    assert_eq!(verified.json["status"], "verified");
    assert_eq!(verified.json["warnings"], json!([]));
    assert_eq!(
        verified.json["id_number"],
        format!("{}********{}", &id_number[..6], &id_number[14..])
    );
    assert_eq!(verified.json["bank_card"], "622202******0123");
    assert_eq!(verified.json["bank_phone"], "138****5678");
    assert_eq!(verified.json["real_name"], "张*");
    let shown = app
        .call(Method::GET, "/api/v1/me/identity", Some(&alice), None)
        .await;
    assert_eq!(shown.json, verified.json);

    // Bob sees nothing of Alice's, and cannot bind her ID number.
    app.call(Method::GET, "/api/v1/me/identity", Some(&bob), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    app.call(
        Method::POST,
        "/api/v1/me/identity",
        Some(&bob),
        Some(identity(&id_number, "0123")),
    )
    .await
    .assert_problem(StatusCode::CONFLICT, "identity_in_use");
    app.call(
        Method::POST,
        "/api/v1/me/identity",
        Some(&alice),
        Some(identity(&id_number, "0123")),
    )
    .await
    .assert_problem(StatusCode::CONFLICT, "identity_already_verified");

    let admin = app.staff("13900000001", Role::Admin).await;
    let audit = app
        .call(
            Method::GET,
            "/api/v1/admin/audit?limit=200",
            Some(&admin),
            None,
        )
        .await;
    assert!(audit.text.contains("identity.verify"));
    for reply in [&verified, &shown, &audit] {
        assert!(
            !reply.text.contains(&id_number),
            "full ID number leaked: {}",
            reply.text
        );
        assert!(
            !reply.text.contains("6222021234567840123"),
            "full card number leaked"
        );
    }
}

async fn invalid_identity_fields_store_nothing(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    let token = app.borrower("13812345678").await;
    let valid = id_number_aged(30, 8);
    let last = valid.chars().last().unwrap();
    let wrong_check = format!("{}{}", &valid[..17], if last == '1' { '2' } else { '1' });
    let reply = app
        .call(
            Method::POST,
            "/api/v1/me/identity",
            Some(&token),
            Some(identity(&wrong_check, "0123")),
        )
        .await;
    reply.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(reply.json["errors"][0]["field"], "id_number");
    assert_eq!(reply.json["errors"][0]["code"], "id_number_check_digit");
    assert!(!reply.text.contains(&wrong_check));

    let mut everything_wrong = identity(&valid, "0123");
    everything_wrong["real_name"] = json!("X");
    everything_wrong["bank_card"] = json!("1234");
    everything_wrong["bank_phone"] = json!("555");
    let reply = app
        .call(
            Method::POST,
            "/api/v1/me/identity",
            Some(&token),
            Some(everything_wrong),
        )
        .await;
    let fields: Vec<_> = reply.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        fields,
        ["real_name", "bank_card", "bank_phone"],
        "{}",
        reply.text
    );

    app.call(Method::GET, "/api/v1/me/identity", Some(&token), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
}

async fn sandbox_branches_and_warnings(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    let cases = [
        (30, "0001", "rejected", vec!["name_mismatch"]),
        (30, "0003", "rejected", vec!["bank_phone_mismatch"]),
        (30, "0005", "pending", vec!["provider_unavailable"]),
        (30, "0008", "pending", vec!["provider_timeout"]),
        (17, "0123", "rejected", vec!["age_out_of_range"]),
        (61, "0123", "rejected", vec!["age_out_of_range"]),
    ];
    for (n, (age, ending, status, reasons)) in cases.into_iter().enumerate() {
        let token = app.borrower(&format!("1371234560{n}")).await;
        let reply = app
            .call(
                Method::POST,
                "/api/v1/me/identity",
                Some(&token),
                Some(identity(&id_number_aged(age, n as u32), ending)),
            )
            .await;
        assert_eq!(
            reply.json["status"], status,
            "card {ending}: {}",
            reply.text
        );
        assert_eq!(reply.json["reasons"], json!(reasons));
    }
    // A card failing Luhn is accepted with a warning (…0123 passes, …0124 fails).
    let token = app.borrower("13712345699").await;
    let mut request = identity(&id_number_aged(40, 99), "0123");
    request["bank_card"] = json!("6222021234567840124");
    let reply = app
        .call(
            Method::POST,
            "/api/v1/me/identity",
            Some(&token),
            Some(request),
        )
        .await;
    assert_eq!(reply.json["status"], "verified", "{}", reply.text);
    assert_eq!(reply.json["warnings"], json!(["bank_card_luhn_failed"]));
}

async fn idempotency_keys_replay_and_conflict(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    let token = app.borrower("13812345678").await;
    let key = [("Idempotency-Key", "verify-1")];
    let request = identity(&id_number_aged(30, 11), "0123");
    let path = "/api/v1/me/identity";

    let first = app
        .call_with(
            Method::POST,
            path,
            Some(&token),
            Some(request.clone()),
            &key,
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert!(first.headers.get("idempotent-replayed").is_none());
    let replay = app
        .call_with(
            Method::POST,
            path,
            Some(&token),
            Some(request.clone()),
            &key,
        )
        .await;
    assert_eq!(replay.status, StatusCode::OK, "{}", replay.text);
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    assert_eq!(replay.json, first.json);

    let mut different = request.clone();
    different["real_name"] = json!("李四");
    app.call_with(Method::POST, path, Some(&token), Some(different), &key)
        .await
        .assert_problem(StatusCode::CONFLICT, "idempotency_conflict");
    // Without the key the request runs again (and meets the business rule).
    app.call(Method::POST, path, Some(&token), Some(request.clone()))
        .await
        .assert_problem(StatusCode::CONFLICT, "identity_already_verified");
    app.call_with(
        Method::POST,
        path,
        Some(&token),
        Some(request),
        &[("Idempotency-Key", "")],
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    let admin = app.staff("13900000001", Role::Admin).await;
    let audit = app
        .call(
            Method::GET,
            "/api/v1/admin/audit?limit=200",
            Some(&admin),
            None,
        )
        .await;
    let verifications = audit.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "identity.verify")
        .count();
    assert_eq!(
        verifications, 1,
        "the replay did not run the verification again"
    );
}

async fn failed_requests_release_their_idempotency_key(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    let admin = app.staff("13900000001", Role::Admin).await;
    let key = [("Idempotency-Key", "staff-1")];
    let weak = json!({"phone": "13900000002", "password": "weak", "role": "auditor"});
    app.call_with(
        Method::POST,
        "/api/v1/admin/users",
        Some(&admin),
        Some(weak),
        &key,
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let fixed = json!({"phone": "13900000002", "password": PASSWORD, "role": "auditor"});
    let created = app
        .call_with(
            Method::POST,
            "/api/v1/admin/users",
            Some(&admin),
            Some(fixed.clone()),
            &key,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let replay = app
        .call_with(
            Method::POST,
            "/api/v1/admin/users",
            Some(&admin),
            Some(fixed),
            &key,
        )
        .await;
    assert_eq!(
        (replay.status, &replay.json),
        (StatusCode::CREATED, &created.json)
    );
}

async fn operational_endpoints(repository: Arc<dyn Repository>) {
    // `/metrics` is for the holder of its token (tests/hardening.rs).
    let app = TestApp::configured(repository, Keys::generate(), |config| {
        config.metrics_token = Some("metrics-token-for-tests".to_owned());
    })
    .await;
    assert_eq!(
        app.call(Method::GET, "/healthz", None, None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.call(Method::GET, "/readyz", None, None).await.text,
        "ready"
    );
    let openapi = app.call(Method::GET, "/api/openapi.json", None, None).await;
    assert!(openapi.json["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(openapi.json["paths"]["/api/v1/me/identity"]["post"].is_object());
    let docs = app.call(Method::GET, "/api/docs/", None, None).await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(
        docs.text.contains("swagger"),
        "{}",
        &docs.text[..docs.text.len().min(200)]
    );
    let metrics = app
        .call_with(
            Method::GET,
            "/metrics",
            None,
            None,
            &[("authorization", "Bearer metrics-token-for-tests")],
        )
        .await;
    assert!(
        metrics
            .text
            .contains("http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"),
        "{}",
        metrics.text
    );
    assert!(
        metrics
            .text
            .contains("http_request_duration_seconds_bucket")
    );
}

kredit_store::test_on_both_backends!(
    registration_login_refresh_logout,
    password_change_revokes_sessions,
    bad_tokens_are_unauthorized,
    roles_are_checked_on_every_route,
    audit_pages_follow_next_before,
    malformed_requests_are_problems,
    identity_is_verified_masked_and_private,
    invalid_identity_fields_store_nothing,
    sandbox_branches_and_warnings,
    idempotency_keys_replay_and_conflict,
    failed_requests_release_their_idempotency_key,
    operational_endpoints,
);
