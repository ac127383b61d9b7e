//! HTTP hardening and input hygiene, on SQLite and PostgreSQL: security
//! headers on every kind of response, `no-store` on what carries tokens,
//! one body limit (413 problem+json) on every route that takes a body,
//! trailing data after JSON refused, dates bounded, `/metrics` behind its
//! token, and names and free text refused or stored normalised.

mod support;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use kredit_server::config::Config;
use kredit_server::keys::Keys;
use kredit_store::{Repository, Role};
use serde_json::json;
use support::{PASSWORD, Reply, TestApp, id_number_aged, identity};

/// A built web UI for this test binary: the server serves it at `/`.
fn web_dir() -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary directory");
        std::fs::write(dir.path().join("index.html"), "<div id=root></div>").unwrap();
        std::fs::create_dir(dir.path().join("assets")).unwrap();
        std::fs::write(dir.path().join("assets/app.js"), "console.log(1)").unwrap();
        dir
    });
    let path = dir.path().to_owned();
    kredit_server::web::configure(&Config {
        web_dir: path.clone(),
        ..Config::default()
    });
    path
}

fn assert_security_headers(what: &str, reply: &Reply) {
    let headers = &reply.headers;
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    for directive in [
        "default-src 'self'",
        "script-src 'self';",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(directive), "{what}: {csp}");
    }
    assert!(!csp.contains("unsafe-eval"), "{what}: {csp}");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{what}");
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{what}");
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer", "{what}");
    assert!(
        headers["permissions-policy"]
            .to_str()
            .unwrap()
            .contains("camera=()"),
        "{what}"
    );
    // Not configured as behind TLS: no HSTS.
    assert!(
        !headers.contains_key(header::STRICT_TRANSPORT_SECURITY),
        "{what}"
    );
}

async fn every_response_carries_the_security_headers(repository: Arc<dyn Repository>) {
    web_dir();
    let app = TestApp::new(repository).await;
    let borrower = app.borrower("13812345601").await;
    let cases = [
        (
            "an API route",
            Method::GET,
            "/api/v1/me",
            Some(borrower.as_str()),
            StatusCode::OK,
        ),
        (
            "an error",
            Method::GET,
            "/api/v1/me",
            None,
            StatusCode::UNAUTHORIZED,
        ),
        (
            "an unknown API path",
            Method::GET,
            "/api/v1/nowhere",
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            "a wrong method",
            Method::DELETE,
            "/api/v1/products",
            None,
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        ("the web UI's index", Method::GET, "/", None, StatusCode::OK),
        (
            "a web UI route",
            Method::GET,
            "/staff/loans/7",
            None,
            StatusCode::OK,
        ),
        (
            "an asset",
            Method::GET,
            "/assets/app.js",
            None,
            StatusCode::OK,
        ),
        (
            "the health probe",
            Method::GET,
            "/healthz",
            None,
            StatusCode::OK,
        ),
        (
            "the API description",
            Method::GET,
            "/api/openapi.json",
            None,
            StatusCode::OK,
        ),
    ];
    for (what, method, path, token, status) in cases {
        let reply = app.call(method, path, token, None).await;
        assert_eq!(reply.status, status, "{what}: {}", reply.text);
        assert_security_headers(what, &reply);
        // The UI's document admits its own `<style>` elements by a nonce.
        let csp = reply.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        let is_document = what.starts_with("the web UI") || what == "a web UI route";
        assert_eq!(
            csp.contains("style-src 'self' 'nonce-"),
            is_document,
            "{what}: {csp}"
        );
    }
    // HSTS once the lender says the server is behind TLS.
    let behind_tls =
        TestApp::configured(app.state.repository.clone(), Keys::generate(), |config| {
            config.hsts = true
        })
        .await;
    let reply = behind_tls.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(
        reply.headers[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000; includeSubDomains"
    );
}

async fn answers_with_tokens_or_personal_data_are_not_stored(repository: Arc<dyn Repository>) {
    web_dir();
    let app = TestApp::new(repository).await;
    app.register("13812345602").await;
    let login = app.login("13812345602", PASSWORD).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let access = login.json["access_token"].as_str().unwrap().to_owned();
    let refresh_token = login.json["refresh_token"].as_str().unwrap().to_owned();
    let refresh = app
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh_token})),
        )
        .await;
    assert_eq!(refresh.status, StatusCode::OK, "{}", refresh.text);
    let me = app
        .call(Method::GET, "/api/v1/me", Some(&access), None)
        .await;
    let failed = app.login("13812345602", "wrong-password-1").await;
    for (what, reply) in [
        ("login", &login),
        ("refresh", &refresh),
        ("me", &me),
        ("a failed login", &failed),
    ] {
        assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store", "{what}");
    }
    // The API's description and the UI's files may be cached.
    let description = app.call(Method::GET, "/api/openapi.json", None, None).await;
    assert!(!description.headers.contains_key(header::CACHE_CONTROL));
    let asset = app.call(Method::GET, "/assets/app.js", None, None).await;
    assert_eq!(
        asset.headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
}

/// Every operation of the API description that may take a body, with its
/// path parameters filled in.
fn write_operations() -> Vec<(Method, String)> {
    let api = kredit_server::app::openapi();
    let mut operations = Vec::new();
    for (path, item) in &api.paths.paths {
        let concrete: String = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "1"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for (method, operation) in [
            (Method::POST, &item.post),
            (Method::PUT, &item.put),
            (Method::PATCH, &item.patch),
        ] {
            if operation.is_some() {
                operations.push((method, concrete.clone()));
            }
        }
    }
    operations
}

async fn oversized_bodies_are_413_on_every_route(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    let admin = app.staff("13900000001", Role::Admin).await;
    let operations = write_operations();
    assert!(operations.len() >= 25, "{operations:?}");
    assert!(operations.contains(&(Method::POST, "/api/v1/payments/callback".to_owned())));
    let audit_entries_before = app
        .state
        .repository
        .audit_page(None, 100)
        .await
        .unwrap()
        .len();
    for (method, path) in operations {
        let limit = app.state.hardening.body_limit(&method, &path);
        // 10 MB, or past the route's own limit where that is larger.
        let size = (10 * 1000 * 1000).max(limit + 1);
        let body = format!("{{\"x\": \"{}\"}}", "a".repeat(size));
        let request = Request::builder()
            .method(method.clone())
            .uri(&path)
            .header(header::AUTHORIZATION, format!("Bearer {admin}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        let reply = app.send(request).await;
        reply.assert_problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
        assert!(
            reply.headers.contains_key(header::CONTENT_SECURITY_POLICY),
            "{path}"
        );
    }
    // A body without Content-Length is held to the same limit as it streams.
    let chunks = (0..20).map(|_| Ok::<_, std::io::Error>(vec![b' '; 100 * 1024]));
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/payments/callback")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();
    app.send(request)
        .await
        .assert_problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    // Just under the limit is the handler's to judge: here, not authentic.
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/payments/callback")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(vec![b' '; app.state.hardening.max_body_bytes]))
        .unwrap();
    app.send(request)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthorized");
    // Nothing was written by any of them.
    let audit_entries_after = app
        .state
        .repository
        .audit_page(None, 100)
        .await
        .unwrap()
        .len();
    assert_eq!(audit_entries_before, audit_entries_after);
}

async fn trailing_data_after_json_is_refused(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    for trailing in ["garbage", "{}", "{\"phone\": \"13812345699\"}", ","] {
        let body = format!(
            "{}{trailing}",
            json!({"phone": "13812345603", "password": PASSWORD})
        );
        let request = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/auth/register")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        let reply = app.send(request).await;
        reply.assert_problem(StatusCode::BAD_REQUEST, "validation_failed");
        assert!(
            reply.json["detail"]
                .as_str()
                .unwrap()
                .contains("after its JSON value")
        );
    }
    // Nothing was registered: the phone is still free.
    let login = app.login("13812345603", PASSWORD).await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED, "{}", login.text);
    app.register("13812345603").await;
}

async fn far_dates_are_refused_before_any_work(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    let admin = app.staff("13900000001", Role::Admin).await;
    let borrower = app.borrower("13812345604").await;
    let business_date = app.state.business_date().await.unwrap();
    let calculator = |start_date: String| {
        json!({"principal": "10000.00", "term_months": 12, "annual_rate": "0.12",
            "method": "equal-installment", "start_date": start_date})
    };
    for far in ["9999-12-31", "0001-01-01", "+262142-12-31"] {
        let quote = app
            .call(
                Method::GET,
                &format!("/api/v1/loans/1/payoff-quote?date={far}"),
                Some(&borrower),
                None,
            )
            .await;
        // `+262142-12-31` is not a date serde reads: a bad query, not a far date.
        if far.starts_with('+') {
            quote.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
            continue;
        }
        quote.assert_problem(StatusCode::BAD_REQUEST, "date_out_of_range");
        assert_eq!(quote.json["errors"][0]["field"], "date");
        let schedule = app
            .call(
                Method::POST,
                "/api/v1/calculator",
                None,
                Some(calculator(far.to_owned())),
            )
            .await;
        schedule.assert_problem(StatusCode::BAD_REQUEST, "date_out_of_range");
        assert_eq!(schedule.json["errors"][0]["field"], "start_date");
        let advance = app
            .call(
                Method::POST,
                "/api/v1/admin/business-date",
                Some(&admin),
                Some(json!({"date": far})),
            )
            .await;
        advance.assert_problem(StatusCode::BAD_REQUEST, "date_out_of_range");
    }
    // Within ten years the calculator answers; the business date did not move.
    let near = business_date + chrono::Days::new(3000);
    let schedule = app
        .call(
            Method::POST,
            "/api/v1/calculator",
            None,
            Some(calculator(near.to_string())),
        )
        .await;
    assert_eq!(schedule.status, StatusCode::OK, "{}", schedule.text);
    assert_eq!(app.state.business_date().await.unwrap(), business_date);
}

async fn metrics_are_served_only_with_the_token(repository: Arc<dyn Repository>) {
    // Development without a token: not to a client on another host…
    let open = TestApp::new(repository.clone()).await;
    let elsewhere = SocketAddr::from(([203, 0, 113, 7], 40000));
    open.call_from(elsewhere, Method::GET, "/metrics", None, None, &[])
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    // …but to a client connected over loopback.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let service = open
        .router
        .clone()
        .into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await });
    let served = reqwest::get(format!("http://{address}/metrics"))
        .await
        .unwrap();
    assert_eq!(served.status(), reqwest::StatusCode::OK);
    assert_eq!(served.headers()["cache-control"], "no-store");

    let guarded = TestApp::configured(repository, Keys::generate(), |config| {
        config.metrics_token = Some("scrape-me-0123456789".to_owned());
    })
    .await;
    for refused in [None, Some("Bearer wrong"), Some("scrape-me-0123456789")] {
        let headers: Vec<(&str, &str)> =
            refused.map(|v| ("authorization", v)).into_iter().collect();
        guarded
            .call_with(Method::GET, "/metrics", None, None, &headers)
            .await
            .assert_problem(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let reply = guarded
        .call_with(
            Method::GET,
            "/metrics",
            None,
            None,
            &[("authorization", "Bearer scrape-me-0123456789")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(
        reply.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
}

async fn submit_identity(app: &TestApp, token: &str, real_name: &str, sequence: u32) -> Reply {
    let mut body = identity(&id_number_aged(30, sequence), "0123");
    body["real_name"] = json!(real_name);
    app.call(Method::POST, "/api/v1/me/identity", Some(token), Some(body))
        .await
}

async fn names_are_refused_or_stored_normalised(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    let borrower = app.borrower("13812345605").await;
    let user = app
        .state
        .repository
        .user_by_phone_hash(&app.state.pii.lookup_hash("13812345605"))
        .await
        .unwrap()
        .unwrap()
        .id;
    for bad in [
        "张\u{202E}三",
        "张\u{200B}三",
        "张\u{2066}三\u{2069}",
        "<script>张三</script>",
        "张三'); DROP TABLE users;--",
        "张三😀",
        "张3",
    ] {
        let reply = submit_identity(&app, &borrower, bad, 1).await;
        reply.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(reply.json["errors"][0]["field"], "real_name", "{bad:?}");
        assert_eq!(
            reply.json["errors"][0]["code"], "real_name_format",
            "{bad:?}"
        );
        assert!(!reply.text.contains(bad), "the value is not echoed");
    }
    assert!(app.state.repository.identity(user).await.unwrap().is_none());

    // A minority name typed with the katakana middle dot is stored with 间隔号.
    let reply = submit_identity(&app, &borrower, "买买提\u{30FB}吐尔逊", 2).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["real_name"], "买*");
    let stored = app.state.repository.identity(user).await.unwrap().unwrap();
    assert_eq!(
        app.state
            .pii
            .open(&stored.real_name_encrypted)
            .await
            .unwrap(),
        "买买提·吐尔逊"
    );

    // NFC-equivalent spellings are one name.
    let other = app.borrower("13812345606").await;
    let other_user = app
        .state
        .repository
        .user_by_phone_hash(&app.state.pii.lookup_hash("13812345606"))
        .await
        .unwrap()
        .unwrap()
        .id;
    let reply = submit_identity(&app, &other, "Ame\u{301}lie Dupont", 3).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let stored = app
        .state
        .repository
        .identity(other_user)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.state
            .pii
            .open(&stored.real_name_encrypted)
            .await
            .unwrap(),
        "Am\u{e9}lie Dupont"
    );
}

async fn free_text_is_refused_with_invisible_characters(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    let borrower = app.borrower("13812345607").await;
    let send = |message: &str, key: &str| {
        let body = json!({"category": "question", "message": message});
        let key = key.to_owned();
        let app = &app;
        let borrower = borrower.clone();
        async move {
            app.call_with(
                Method::POST,
                "/api/v1/me/feedback",
                Some(&borrower),
                Some(body),
                &[("Idempotency-Key", key.as_str())],
            )
            .await
        }
    };
    for (n, bad) in ["还款\u{202E}日", "还款\u{200B}日", "还款\u{0007}日"]
        .into_iter()
        .enumerate()
    {
        let reply = send(bad, &format!("bad-{n}")).await;
        reply.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(reply.json["errors"][0]["field"], "message");
        assert_eq!(reply.json["errors"][0]["code"], "forbidden_character");
    }
    let mine = app
        .call(Method::GET, "/api/v1/me/feedback", Some(&borrower), None)
        .await;
    assert_eq!(mine.json["items"], json!([]));
    // What is stored (and shown back) is the normalised text.
    let reply = send("  Cafe\u{301}?\r\n谢谢  ", "good").await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.json["message"], "Caf\u{e9}?\n谢谢");
}

kredit_store::test_on_both_backends!(
    every_response_carries_the_security_headers,
    answers_with_tokens_or_personal_data_are_not_stored,
    oversized_bodies_are_413_on_every_route,
    trailing_data_after_json_is_refused,
    far_dates_are_refused_before_any_work,
    metrics_are_served_only_with_the_token,
    names_are_refused_or_stored_normalised,
    free_text_is_refused_with_invisible_characters,
);
