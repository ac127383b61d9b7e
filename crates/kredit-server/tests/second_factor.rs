//! Staff's authenticator app end to end, on SQLite and PostgreSQL: a member
//! of staff enrols (password confirmed), confirms with a first code, and
//! from then on signs in with a current code that works once — a replay,
//! an older code and nine of ten concurrent logins with the same code are
//! refused. Admins of a production install cannot sign in without one;
//! what the command line does for them (`kredit admin totp-enrol`) lets
//! them in, and an admin resets a colleague's lost phone.

mod support;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::{Method, StatusCode};
use kredit_core::totp;
use kredit_server::keys::Keys;
use kredit_store::{Repository, Role};
use serde_json::json;
use support::{PASSWORD, TestApp};

const STAFF: &str = "13900000401";

/// The step now, once at least 8 seconds of it are left (so the codes a
/// test computes stay in the server's window while it runs).
async fn settled_step() -> i64 {
    loop {
        let now = chrono::Utc::now().timestamp();
        if now % totp::PERIOD < totp::PERIOD - 8 {
            return now / totp::PERIOD;
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

fn code(secret: &[u8], step: i64) -> String {
    totp::hotp(secret, step as u64, totp::DIGITS)
}

async fn login_with(app: &TestApp, phone: &str, otp: Option<&str>) -> support::Reply {
    let mut body = json!({"phone": phone, "password": PASSWORD});
    if let Some(otp) = otp {
        body["otp"] = json!(otp);
    }
    app.call(Method::POST, "/api/v1/auth/login", None, Some(body))
        .await
}

async fn staff_sign_in_with_a_code_used_once(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    let token = app.staff(STAFF, Role::Underwriter).await;
    let status = app
        .call(Method::GET, "/api/v1/me/second-factor", Some(&token), None)
        .await;
    assert_eq!(status.json["enrolled"], false, "{}", status.text);
    assert_eq!(status.json["required"], false);

    // Borrowers have no authenticator factor; a wrong password starts nothing.
    let borrower = app.borrower("13800000402").await;
    app.call(
        Method::POST,
        "/api/v1/me/second-factor/enrolment",
        Some(&borrower),
        Some(json!({"password": PASSWORD})),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    app.call(
        Method::POST,
        "/api/v1/me/second-factor/enrolment",
        Some(&token),
        Some(json!({"password": "wrong-pass-1"})),
    )
    .await
    .assert_problem(StatusCode::UNAUTHORIZED, "wrong_password");
    app.call(
        Method::POST,
        "/api/v1/me/second-factor/confirmation",
        Some(&token),
        Some(json!({"code": "123456"})),
    )
    .await
    .assert_problem(StatusCode::CONFLICT, "otp_not_enrolling");

    let step = settled_step().await;
    let started = app
        .call(
            Method::POST,
            "/api/v1/me/second-factor/enrolment",
            Some(&token),
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.text);
    let uri = started.json["otpauth_uri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/Kredit:139%2A%2A%2A%2A0401?secret="),
        "{uri}"
    );
    let secret = totp::base32_decode(started.json["secret"].as_str().unwrap()).unwrap();
    assert_eq!(secret.len(), totp::SECRET_LEN);
    let qr = started.json["qr_svg"].as_str().unwrap();
    assert!(qr.contains("<svg") && qr.ends_with("</svg>"), "{qr}");
    // Not one of the window's codes: refused, and the enrolment still waits.
    let window: Vec<String> = (step - 2..=step + 2).map(|s| code(&secret, s)).collect();
    let wrong = (0..)
        .map(|n| format!("{n:06}"))
        .find(|candidate| !window.contains(candidate))
        .unwrap();
    let refused = app
        .call(
            Method::POST,
            "/api/v1/me/second-factor/confirmation",
            Some(&token),
            Some(json!({"code": wrong})),
        )
        .await;
    refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(refused.json["errors"][0]["code"], "otp_invalid");
    let confirmed = app
        .call(
            Method::POST,
            "/api/v1/me/second-factor/confirmation",
            Some(&token),
            Some(json!({"code": code(&secret, step - 1)})),
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text);
    assert_eq!(confirmed.json["enrolled"], true);
    // A second enrolment would replace the app without its code: refused.
    app.call(
        Method::POST,
        "/api/v1/me/second-factor/enrolment",
        Some(&token),
        Some(json!({"password": PASSWORD})),
    )
    .await
    .assert_problem(StatusCode::CONFLICT, "otp_already_enrolled");

    // The password first, then the code.
    app.login(STAFF, "wrong-pass-1")
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthorized");
    login_with(&app, STAFF, None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "otp_required");
    login_with(&app, STAFF, Some(&wrong))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "otp_invalid");
    // The code that confirmed the enrolment was spent by it.
    login_with(&app, STAFF, Some(&code(&secret, step - 1)))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "otp_invalid");

    // Ten logins at once with the current code, from ten addresses: one in.
    let current = code(&secret, step);
    let app = Arc::new(app);
    let mut attempts = tokio::task::JoinSet::new();
    for n in 0..10u8 {
        let peer = SocketAddr::from(([10, 0, 4, n + 1], 40000));
        let body = json!({"phone": STAFF, "password": PASSWORD, "otp": current});
        let app = app.clone();
        attempts.spawn(async move {
            app.call_from(
                peer,
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(body),
                &[],
            )
            .await
        });
    }
    let replies = attempts.join_all().await;
    let admitted = replies
        .iter()
        .filter(|reply| reply.status == StatusCode::OK)
        .count();
    assert_eq!(
        admitted,
        1,
        "{:?}",
        replies.iter().map(|r| &r.text).collect::<Vec<_>>()
    );
    for reply in replies
        .iter()
        .filter(|reply| reply.status != StatusCode::OK)
    {
        reply.assert_problem(StatusCode::UNAUTHORIZED, "otp_invalid");
    }
    let token = replies
        .iter()
        .find(|reply| reply.status == StatusCode::OK)
        .and_then(|reply| reply.json["access_token"].as_str())
        .unwrap()
        .to_owned();
    // Replayed and older codes are refused (from another address: this
    // one has spent its burst of attempts for the phone).
    for old in [step, step - 1] {
        let body = json!({"phone": STAFF, "password": PASSWORD, "otp": code(&secret, old)});
        let peer = SocketAddr::from(([10, 0, 5, 1], 40000));
        app.call_from(
            peer,
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(body),
            &[],
        )
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "otp_invalid");
    }

    // Removing it takes the password and an unused code (the next step's).
    app.call(
        Method::POST,
        "/api/v1/me/second-factor/removal",
        Some(&token),
        Some(json!({"password": PASSWORD, "code": code(&secret, step)})),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let removed = app
        .call(
            Method::POST,
            "/api/v1/me/second-factor/removal",
            Some(&token),
            Some(json!({"password": PASSWORD, "code": code(&secret, step + 1)})),
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    let plain = app.login(STAFF, PASSWORD).await;
    assert_eq!(plain.status, StatusCode::OK, "{}", plain.text);

    let audit: Vec<String> = app
        .state
        .repository
        .audit_page(None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|record| record.entry.action)
        .collect();
    assert!(
        audit.iter().any(|action| action == "auth.totp_enrol"),
        "{audit:?}"
    );
    assert!(
        audit.iter().any(|action| action == "auth.totp_remove"),
        "{audit:?}"
    );
}

async fn admins_in_production_sign_in_with_an_app(repository: Arc<dyn Repository>) {
    let app = TestApp::configured(repository, Keys::generate(), |config| {
        config.require_admin_totp = Some(true);
    })
    .await;
    const ADMIN: &str = "13900000411";
    const COLLEAGUE: &str = "13900000412";
    for phone in [ADMIN, COLLEAGUE] {
        kredit_app::accounts::create(
            app.state.repository.as_ref(),
            &app.state.pii,
            phone,
            PASSWORD,
            Role::Admin,
            None,
        )
        .await
        .unwrap();
    }
    // Without an app an admin is turned away (the password being right);
    // other staff may sign in with the password alone.
    app.login(ADMIN, PASSWORD)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "otp_enrolment_required");
    let underwriter = app.staff("13900000413", Role::Underwriter).await;
    let status = app
        .call(
            Method::GET,
            "/api/v1/me/second-factor",
            Some(&underwriter),
            None,
        )
        .await;
    assert_eq!(status.json["required"], false, "{}", status.text);

    // What `kredit admin totp-enrol` and `totp-confirm` do.
    let step = settled_step().await;
    let mut secrets = Vec::new();
    for phone in [ADMIN, COLLEAGUE] {
        let user = app
            .state
            .repository
            .user_by_phone_hash(&app.state.pii.lookup_hash(phone))
            .await
            .unwrap()
            .unwrap();
        let now = kredit_store::now();
        let enrolment = kredit_app::second_factor::begin(&app.state, &user, now)
            .await
            .unwrap();
        let secret = totp::base32_decode(&enrolment.secret).unwrap();
        kredit_app::second_factor::confirm(
            &app.state,
            user.id,
            &code(&secret, step - 1),
            None,
            now,
        )
        .await
        .unwrap();
        secrets.push(secret);
    }
    let signed_in = login_with(&app, ADMIN, Some(&code(&secrets[0], step))).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.text);
    let admin = signed_in.json["access_token"].as_str().unwrap().to_owned();
    let status = app
        .call(Method::GET, "/api/v1/me/second-factor", Some(&admin), None)
        .await;
    assert_eq!(status.json["enrolled"], true, "{}", status.text);
    assert_eq!(status.json["required"], true);

    // An admin keeps theirs, and resets only a colleague's.
    app.call(
        Method::POST,
        "/api/v1/me/second-factor/removal",
        Some(&admin),
        Some(json!({"password": PASSWORD, "code": code(&secrets[0], step + 1)})),
    )
    .await
    .assert_problem(StatusCode::CONFLICT, "otp_required_for_role");
    let me = app
        .call(Method::GET, "/api/v1/me", Some(&admin), None)
        .await;
    let my_id = me.json["user_id"].as_i64().unwrap();
    app.call(
        Method::DELETE,
        &format!("/api/v1/admin/users/{my_id}/second-factor"),
        Some(&admin),
        None,
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let colleague = app
        .state
        .repository
        .user_by_phone_hash(&app.state.pii.lookup_hash(COLLEAGUE))
        .await
        .unwrap()
        .unwrap();
    let path = format!("/api/v1/admin/users/{}/second-factor", colleague.id);
    app.call(Method::DELETE, &path, Some(&underwriter), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let reset = app.call(Method::DELETE, &path, Some(&admin), None).await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{}", reset.text);
    app.call(Method::DELETE, &path, Some(&admin), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    login_with(&app, COLLEAGUE, Some(&code(&secrets[1], step)))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "otp_enrolment_required");
}

kredit_store::test_on_both_backends!(
    staff_sign_in_with_a_code_used_once,
    admins_in_production_sign_in_with_an_app
);
