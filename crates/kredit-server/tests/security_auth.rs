//! Logins nobody else can lock, sessions that end, the trusted client
//! address and token-key rotation (docs/security.md), on SQLite and on
//! PostgreSQL (`KREDIT_TEST_DATABASE_URL`).

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::http::{Method, StatusCode, header};
use kredit_server::keys::Keys;
use kredit_store::{Repository, Role};
use serde_json::{Value, json};
use support::{PASSWORD, Reply, TestApp};

const OWNER: &str = "13812345678";

/// The timing comparison runs alone: every other test here holds a read
/// guard, it the write guard, so no other test's argon2 shares its cores.
static TIMING: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

fn peer(last: u8) -> SocketAddr {
    SocketAddr::from(([198, 51, 100, last], 50000))
}

async fn login_from(app: &TestApp, from: SocketAddr, phone: &str, password: &str) -> Reply {
    app.call_from(
        from,
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"phone": phone, "password": password})),
        &[],
    )
    .await
}

fn tokens(reply: &Reply) -> (String, String) {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    (
        reply.json["access_token"].as_str().unwrap().to_owned(),
        reply.json["refresh_token"].as_str().unwrap().to_owned(),
    )
}

async fn me(app: &TestApp, access: &str) -> StatusCode {
    app.call(Method::GET, "/api/v1/me", Some(access), None)
        .await
        .status
}

async fn refresh(app: &TestApp, refresh: &str) -> Reply {
    app.call(
        Method::POST,
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": refresh})),
    )
    .await
}

async fn audit_actions(app: &TestApp, auditor: &str) -> Vec<Value> {
    let reply = app
        .call(
            Method::GET,
            "/api/v1/admin/audit?limit=200",
            Some(auditor),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json["items"].as_array().unwrap().clone()
}

/// Strangers failing from other addresses, many times over every bucket
/// they can reach, never keep the owner out of their usual address.
async fn strangers_cannot_lock_the_owner_out(repository: Arc<dyn Repository>) {
    let _shared = TIMING.read().await;
    let app = TestApp::new(repository).await;
    app.register(OWNER).await;
    let home = peer(1);
    tokens(&login_from(&app, home, OWNER, PASSWORD).await);
    let mut throttled = 0;
    for attempt in 0..60_u8 {
        let reply = login_from(&app, peer(10 + attempt % 30), OWNER, "wrong-pass1").await;
        match reply.status {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::TOO_MANY_REQUESTS => throttled += 1,
            other => panic!("{other}: {}", reply.text),
        }
    }
    assert!(throttled > 0, "the stranger was throttled at some point");
    // No 423, no lock: the owner signs in from home, right away.
    tokens(&login_from(&app, home, OWNER, PASSWORD).await);
    // Even the owner's own mistakes at home are forgiven by a success.
    for _ in 0..4 {
        login_from(&app, home, OWNER, "wrong-pass1")
            .await
            .assert_problem(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    tokens(&login_from(&app, home, OWNER, PASSWORD).await);
    tokens(&login_from(&app, home, OWNER, PASSWORD).await);
}

/// The documented rates: 5 attempts per phone and address at once, then
/// 429 `too_many_attempts` with `Retry-After`; 20 per address whatever
/// the phone (its refill slowed here so a slow machine's attempts cannot
/// earn an extra one meanwhile).
async fn throttled_after_the_documented_rate(repository: Arc<dyn Repository>) {
    let _shared = TIMING.read().await;
    let app = TestApp::configured(repository, Keys::generate(), |config| {
        config.login_address_refill_seconds = 3600;
    })
    .await;
    app.register(OWNER).await;
    let from = peer(2);
    for _ in 0..5 {
        login_from(&app, from, OWNER, "wrong-pass1")
            .await
            .assert_problem(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let refused = login_from(&app, from, OWNER, "wrong-pass1").await;
    refused.assert_problem(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
    let retry: i64 = refused.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    // The right password does not get through a full bucket either…
    login_from(&app, from, OWNER, PASSWORD)
        .await
        .assert_problem(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");

    // …and one address trying many phones is held at 20 attempts.
    let sprayer = peer(3);
    let mut statuses = Vec::new();
    for n in 0..25 {
        let phone = format!("1390000{n:04}");
        statuses.push(
            login_from(&app, sprayer, &phone, "wrong-pass1")
                .await
                .status,
        );
    }
    assert!(
        statuses[..20]
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert!(
        statuses[20..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// A known phone with a wrong password and an unknown phone answer alike:
/// status, body, and time. What would leak is a skipped password hash on
/// one path — a difference as large as the hash itself (tens of
/// milliseconds) — so over 50 rounds of one try each, back to back, the
/// median difference must stay under a fifth of the median try. A fixed
/// bound in milliseconds failed on a loaded CI machine over 2 ms of noise.
async fn known_and_unknown_phones_answer_alike(repository: Arc<dyn Repository>) {
    let _alone = TIMING.write().await;
    let app = TestApp::configured(repository, Keys::generate(), |config| {
        config.login_address_burst = 1000;
        config.login_account_address_burst = 1000;
        config.login_account_burst = 1000;
    })
    .await;
    app.register(OWNER).await;
    let unknown = "13999999999";
    // Warm both paths (the dummy hash is computed once).
    login_from(&app, peer(4), unknown, "wrong-pass1").await;
    login_from(&app, peer(4), OWNER, "wrong-pass1").await;
    let (mut known_times, mut unknown_times) = (Vec::new(), Vec::new());
    let (mut known_reply, mut unknown_reply) = (None, None);
    for round in 0..50 {
        let mut pair = [
            (OWNER, &mut known_times, &mut known_reply),
            (unknown, &mut unknown_times, &mut unknown_reply),
        ];
        // Alternate who goes first, so an effect of position cancels out.
        if round % 2 == 1 {
            pair.reverse();
        }
        for (phone, times, last) in pair {
            let started = Instant::now();
            let reply = login_from(&app, peer(4), phone, "wrong-pass1").await;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            *last = Some(reply);
        }
    }
    let (known_reply, unknown_reply) = (known_reply.unwrap(), unknown_reply.unwrap());
    known_reply.assert_problem(StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(known_reply.status, unknown_reply.status);
    assert_eq!(known_reply.text, unknown_reply.text);
    // Each round's two tries ran back to back, so the median of their
    // differences compares them under the same load (the machine's load
    // drifts over seconds; the medians alone would carry that drift).
    let differences = known_times
        .iter()
        .zip(&unknown_times)
        .map(|(known, unknown)| known - unknown)
        .collect();
    let difference = median(differences);
    let (known, unknown) = (median(known_times), median(unknown_times));
    assert!(
        difference.abs() < known.min(unknown) / 5.0,
        "median difference {difference:.2} ms (median {known:.2} ms for a known phone, \
         {unknown:.2} ms for an unknown one)"
    );
}

/// Wrong current passwords at `/me/password` are throttled too.
async fn password_change_attempts_are_limited(repository: Arc<dyn Repository>) {
    let _shared = TIMING.read().await;
    let app = TestApp::new(repository).await;
    let access = app.borrower(OWNER).await;
    let attempt = |current: &'static str| {
        let access = access.clone();
        let app = &app;
        async move {
            app.call(
                Method::POST,
                "/api/v1/me/password",
                Some(&access),
                Some(json!({"current_password": current, "new_password": "n3w-password"})),
            )
            .await
        }
    };
    for _ in 0..5 {
        attempt("wrong-pass1")
            .await
            .assert_problem(StatusCode::UNAUTHORIZED, "wrong_password");
    }
    let refused = attempt(PASSWORD).await;
    refused.assert_problem(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
    assert!(refused.headers.contains_key(header::RETRY_AFTER));
}

/// Logout, a password change and a role change end sessions at once: the
/// access tokens stop working before they expire.
async fn access_tokens_end_with_their_session(repository: Arc<dyn Repository>) {
    let _shared = TIMING.read().await;
    let app = TestApp::new(repository).await;
    app.register(OWNER).await;

    let (access, refresh_token) = tokens(&app.login(OWNER, PASSWORD).await);
    assert_eq!(me(&app, &access).await, StatusCode::OK);
    let logout = app
        .call(
            Method::POST,
            "/api/v1/auth/logout",
            None,
            Some(json!({"refresh_token": refresh_token})),
        )
        .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    assert_eq!(
        me(&app, &access).await,
        StatusCode::UNAUTHORIZED,
        "after logout"
    );

    let (first, _) = tokens(&app.login(OWNER, PASSWORD).await);
    let (second, second_refresh) = tokens(&app.login(OWNER, PASSWORD).await);
    let changed = app
        .call(
            Method::POST,
            "/api/v1/me/password",
            Some(&first),
            Some(json!({"current_password": PASSWORD, "new_password": "n3w-password"})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{}", changed.text);
    assert_eq!(
        me(&app, &first).await,
        StatusCode::UNAUTHORIZED,
        "after password change"
    );
    assert_eq!(
        me(&app, &second).await,
        StatusCode::UNAUTHORIZED,
        "other session too"
    );
    refresh(&app, &second_refresh)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthorized");

    let admin = app.staff("13900000001", Role::Admin).await;
    let underwriter_id = {
        let reply = app
            .call(
                Method::POST,
                "/api/v1/admin/users",
                Some(&admin),
                Some(json!({"phone": "13900000002", "password": PASSWORD, "role": "underwriter"})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.json["user_id"].as_i64().unwrap()
    };
    let underwriter = app.token("13900000002").await;
    assert_eq!(me(&app, &underwriter).await, StatusCode::OK);
    let role = app
        .call(
            Method::PUT,
            &format!("/api/v1/admin/users/{underwriter_id}/role"),
            Some(&admin),
            Some(json!({"role": "risk_officer"})),
        )
        .await;
    assert_eq!(role.status, StatusCode::NO_CONTENT, "{}", role.text);
    assert_eq!(
        me(&app, &underwriter).await,
        StatusCode::UNAUTHORIZED,
        "after role change"
    );
    let again = app.token("13900000002").await;
    let who = app
        .call(Method::GET, "/api/v1/me", Some(&again), None)
        .await;
    assert_eq!(who.json["role"], "risk_officer");
    // Staff stay staff, and the change is audited with its client address.
    app.call(
        Method::PUT,
        &format!("/api/v1/admin/users/{underwriter_id}/role"),
        Some(&admin),
        Some(json!({"role": "borrower"})),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let entries = audit_actions(&app, &admin).await;
    let change = entries
        .iter()
        .find(|e| e["action"] == "user.role_change")
        .expect("audited");
    assert_eq!(change["before"]["role"], "underwriter");
    assert_eq!(change["after"]["role"], "risk_officer");
    assert_eq!(change["client_address"], "127.0.0.1");
}

/// A rotated-out refresh token presented again ends its whole family: the
/// successor's refresh and access tokens stop working too.
async fn a_replayed_refresh_token_revokes_its_family(repository: Arc<dyn Repository>) {
    let _shared = TIMING.read().await;
    let app = TestApp::new(repository).await;
    app.register(OWNER).await;
    let (_, original) = tokens(&app.login(OWNER, PASSWORD).await);
    let (successor_access, successor_refresh) = tokens(&refresh(&app, &original).await);
    assert_eq!(me(&app, &successor_access).await, StatusCode::OK);
    refresh(&app, &original)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(me(&app, &successor_access).await, StatusCode::UNAUTHORIZED);
    refresh(&app, &successor_refresh)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthorized");
}

/// The owner lists their sessions, ends one, then all.
async fn sessions_are_listed_and_revoked(repository: Arc<dyn Repository>) {
    let _shared = TIMING.read().await;
    let app = TestApp::new(repository).await;
    app.register(OWNER).await;
    let (phone_access, _) = tokens(&login_from(&app, peer(5), OWNER, PASSWORD).await);
    let (laptop_access, _) = tokens(&login_from(&app, peer(6), OWNER, PASSWORD).await);
    let stranger = app.borrower("13812340000").await;

    let list = app
        .call(
            Method::GET,
            "/api/v1/me/sessions",
            Some(&laptop_access),
            None,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let items = list.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{}", list.text);
    assert_eq!(items[0]["current"], true);
    assert_eq!(items[0]["client_address"], "198.51.100.6");
    assert_eq!(items[1]["current"], false);
    assert_eq!(items[1]["client_address"], "198.51.100.5");
    let phone_session = items[1]["id"].as_i64().unwrap();

    // Someone else's session is not found, and stays live.
    app.call(
        Method::DELETE,
        &format!("/api/v1/me/sessions/{phone_session}"),
        Some(&stranger),
        None,
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(me(&app, &phone_access).await, StatusCode::OK);
    let revoked = app
        .call(
            Method::DELETE,
            &format!("/api/v1/me/sessions/{phone_session}"),
            Some(&laptop_access),
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.text);
    assert_eq!(me(&app, &phone_access).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&app, &laptop_access).await, StatusCode::OK);

    let all = app
        .call(
            Method::POST,
            "/api/v1/me/sessions/logout-all",
            Some(&laptop_access),
            None,
        )
        .await;
    assert_eq!(all.status, StatusCode::NO_CONTENT);
    assert_eq!(me(&app, &laptop_access).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        me(&app, &stranger).await,
        StatusCode::OK,
        "only the owner's"
    );

    let auditor = app.staff("13900000004", Role::Auditor).await;
    let actions: Vec<_> = audit_actions(&app, &auditor)
        .await
        .into_iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        actions.contains(&"session.revoke".to_owned()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"session.revoke_all".to_owned()),
        "{actions:?}"
    );
}

/// A borrower with an approved offer, ready to accept it: the token and the
/// application id.
async fn approved_application(app: &TestApp, phone: &str) -> (String, i64) {
    support::journey::add_catalogue(app).await;
    let token = support::journey::verified_borrower(app, phone, 30, "6222021234567840123").await;
    let application = app
        .call_with(
            Method::POST,
            "/api/v1/applications",
            Some(&token),
            Some(
                json!({"product_code": "CONSUMER", "amount": "10000.00", "term_months": 12,
                "method": "equal-installment", "purpose": "consumer"}),
            ),
            &[("Idempotency-Key", "apply-1")],
        )
        .await;
    assert_eq!(
        application.status,
        StatusCode::CREATED,
        "{}",
        application.text
    );
    (token, application.json["id"].as_i64().unwrap())
}

async fn accept_from(
    app: &TestApp,
    from: SocketAddr,
    token: &str,
    application: i64,
    forwarded_for: &str,
) -> Reply {
    app.call_from(
        from,
        Method::POST,
        &format!("/api/v1/applications/{application}/accept"),
        Some(token),
        Some(json!({"agree": true, "terms_version": "2026-11"})),
        &[
            ("Idempotency-Key", "accept-1"),
            ("X-Forwarded-For", forwarded_for),
        ],
    )
    .await
}

fn consent_ips(accepted: &Reply) -> Vec<String> {
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.text);
    accepted.json["contract"]["document"]["consents"]
        .as_array()
        .expect("consents")
        .iter()
        .map(|consent| consent["ip"].as_str().unwrap().to_owned())
        .collect()
}

/// Without trusted proxies a forged `X-Forwarded-For` is ignored: the
/// contract records the socket's address.
async fn forged_forwarded_for_is_ignored(repository: Arc<dyn Repository>) {
    let _shared = TIMING.read().await;
    let app = TestApp::new(repository).await;
    let (token, application) = approved_application(&app, OWNER).await;
    let accepted = accept_from(&app, peer(7), &token, application, "<script>, 6.6.6.6").await;
    let ips = consent_ips(&accepted);
    assert!(!ips.is_empty());
    assert!(ips.iter().all(|ip| ip == "198.51.100.7"), "{ips:?}");
    assert!(!accepted.text.contains("<script>"));
}

/// Behind a trusted proxy the forwarded client is recorded; garbage in the
/// header is never stored.
async fn a_trusted_proxy_forwards_the_client(repository: Arc<dyn Repository>) {
    let _shared = TIMING.read().await;
    let app = TestApp::configured(repository, Keys::generate(), |config| {
        config.trusted_proxies = "10.0.0.0/8".to_owned();
    })
    .await;
    let proxy = SocketAddr::from(([10, 1, 2, 3], 443));
    let (token, application) = approved_application(&app, OWNER).await;
    let accepted = accept_from(&app, proxy, &token, application, "<script>, 203.0.113.50").await;
    let ips = consent_ips(&accepted);
    assert!(ips.iter().all(|ip| ip == "203.0.113.50"), "{ips:?}");

    // Only garbage: the proxy itself is the best address known.
    let garbage = app
        .call_from(
            proxy,
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"phone": OWNER, "password": PASSWORD})),
            &[("X-Forwarded-For", "<script>")],
        )
        .await;
    let (access, _) = tokens(&garbage);
    let sessions = app
        .call(Method::GET, "/api/v1/me/sessions", Some(&access), None)
        .await;
    assert_eq!(
        sessions.json["items"][0]["client_address"], "10.1.2.3",
        "{}",
        sessions.text
    );
}

/// After a rotation, tokens signed with the previous secret (listed in
/// `token_secrets_accepted`) still verify; an unknown secret's do not.
async fn rotated_token_secrets_keep_verifying(repository: Arc<dyn Repository>) {
    let _shared = TIMING.read().await;
    let before = TestApp::new(repository).await;
    before.register(OWNER).await;
    let old_token = before.token(OWNER).await;
    let old_secret = hex(&before.keys.token_secret);

    let mut rotated_keys = before.keys.clone();
    rotated_keys.token_secret = vec![7; 32];
    let accepting = TestApp::configured(
        before.state.repository.clone(),
        rotated_keys.clone(),
        |config| {
            config.token_secrets_accepted = Some(old_secret.clone());
        },
    )
    .await;
    assert_eq!(
        me(&accepting, &old_token).await,
        StatusCode::OK,
        "old secret accepted"
    );
    let new_token = accepting.token(OWNER).await;
    assert_eq!(me(&accepting, &new_token).await, StatusCode::OK);

    let after_grace =
        TestApp::configured(before.state.repository.clone(), rotated_keys, |_| {}).await;
    assert_eq!(me(&after_grace, &old_token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&after_grace, &new_token).await, StatusCode::OK);
    assert_eq!(
        me(&before, &new_token).await,
        StatusCode::UNAUTHORIZED,
        "unknown secret"
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The scheme of `Authorization` is case-insensitive.
async fn bearer_scheme_is_case_insensitive(repository: Arc<dyn Repository>) {
    let _shared = TIMING.read().await;
    let app = TestApp::new(repository).await;
    let access = app.borrower(OWNER).await;
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let reply = app
            .call_with(
                Method::GET,
                "/api/v1/me",
                None,
                None,
                &[("Authorization", &format!("{scheme} {access}"))],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{scheme}: {}", reply.text);
    }
}

kredit_store::test_on_both_backends!(
    strangers_cannot_lock_the_owner_out,
    throttled_after_the_documented_rate,
    known_and_unknown_phones_answer_alike,
    password_change_attempts_are_limited,
    access_tokens_end_with_their_session,
    a_replayed_refresh_token_revokes_its_family,
    sessions_are_listed_and_revoked,
    forged_forwarded_for_is_ignored,
    a_trusted_proxy_forwards_the_client,
    rotated_token_secrets_keep_verifying,
    bearer_scheme_is_case_insensitive,
);
