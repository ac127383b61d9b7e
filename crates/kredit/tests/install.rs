//! A production install from nothing, through the real binary, as a
//! lender's engineer types it: `kredit migrate`, `kredit admin create`,
//! `kredit products apply`, then `kredit cob` moves the business date and
//! `kredit cob status` shows it. Nothing is written by a test helper.

use std::process::{Command, Output};

fn kredit(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kredit"));
    command
        .args(args)
        .env("KREDIT_ENV", "production")
        .env("KREDIT_PII_KEY", "11".repeat(32))
        .env("KREDIT_TOKEN_SECRET", "22".repeat(32))
        .env_remove("KREDIT_ADMIN_PASSWORD");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run kredit")
}

fn ok(args: &[&str], env: &[(&str, &str)]) -> String {
    let output = kredit(args, env);
    assert!(
        output.status.success(),
        "kredit {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn catalogue() -> String {
    format!("{}/../../catalogue/demo.toml", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_production_install_starts_from_nothing() {
    let directory = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", directory.path().join("kredit.db").display());
    let db = ["--database-url", url.as_str()];

    let migrated = ok(&[&["migrate"][..], &db].concat(), &[]);
    assert!(migrated.contains("business date 20"), "{migrated}");

    // The key file for personal data, required in production.
    let kek_file = directory.path().join("keks.toml");
    let kek_file = kek_file.to_str().unwrap();
    ok(&["keys", "new-kek", "--file", kek_file], &[]);
    // And the transparency log's signing key for `kredit serve`, its
    // verifier key printed to publish.
    let log_key = directory.path().join("log.key");
    let log_key = log_key.to_str().unwrap();
    let keygen = ok(
        &[
            "log",
            "keygen",
            "--origin",
            "lender.example/kredit-log",
            "--out",
            log_key,
        ],
        &[],
    );
    assert!(
        keygen.contains("verifier key: lender.example/kredit-log+"),
        "{keygen}"
    );

    // The first admin: the password from the environment, never an argument.
    let no_password = kredit(
        &[&["admin", "create", "--phone", "13900000009"][..], &db].concat(),
        &[("KREDIT_KEK_FILE", kek_file)],
    );
    assert!(!no_password.status.success(), "no terminal and no variable");
    let weak = kredit(
        &[&["admin", "create", "--phone", "13900000009"][..], &db].concat(),
        &[
            ("KREDIT_ADMIN_PASSWORD", "short"),
            ("KREDIT_KEK_FILE", kek_file),
        ],
    );
    assert!(!weak.status.success());
    let created = ok(
        &[
            &[
                "admin",
                "create",
                "--phone",
                "13900000009",
                "--role",
                "admin",
            ][..],
            &db,
        ]
        .concat(),
        &[
            ("KREDIT_ADMIN_PASSWORD", "first-admin-2026"),
            ("KREDIT_KEK_FILE", kek_file),
        ],
    );
    assert!(created.contains("created admin 139****0009"), "{created}");
    let twice = kredit(
        &[&["admin", "create", "--phone", "13900000009"][..], &db].concat(),
        &[
            ("KREDIT_ADMIN_PASSWORD", "first-admin-2026"),
            ("KREDIT_KEK_FILE", kek_file),
        ],
    );
    assert!(!twice.status.success(), "a phone has one account");

    // An admin of a production install signs in with an authenticator
    // app: set up from the command line, since without one there is no
    // signing in to set it up.
    let kek = [("KREDIT_KEK_FILE", kek_file)];
    let admin = ["--phone", "13900000009"];
    let enrolled = ok(&[&["admin", "totp-enrol"][..], &admin, &db].concat(), &kek);
    let secret = enrolled
        .lines()
        .find_map(|line| line.strip_prefix("secret"))
        .map(str::trim)
        .unwrap();
    assert!(
        enrolled.contains("otpauth://totp/Kredit:139%2A%2A%2A%2A0009?secret="),
        "{enrolled}"
    );
    let secret = kredit_core::totp::base32_decode(secret).unwrap();
    let wrong = kredit(
        &[
            &["admin", "totp-confirm", "--code", "12345"][..],
            &admin,
            &db,
        ]
        .concat(),
        &kek,
    );
    assert!(!wrong.status.success(), "a 5-digit code is never right");
    let now = chrono::Utc::now().timestamp();
    let code = kredit_core::totp::totp(&secret, now, kredit_core::totp::DIGITS).unwrap();
    let confirmed = ok(
        &[&["admin", "totp-confirm", "--code", &code][..], &admin, &db].concat(),
        &kek,
    );
    assert!(
        confirmed.contains("authenticator app confirmed for admin 139****0009"),
        "{confirmed}"
    );
    let again = kredit(&[&["admin", "totp-enrol"][..], &admin, &db].concat(), &kek);
    assert!(!again.status.success(), "a confirmed app is removed first");
    let borrower = kredit(
        &[&["admin", "totp-enrol", "--phone", "13800000001"][..], &db].concat(),
        &kek,
    );
    assert!(
        String::from_utf8_lossy(&borrower.stderr).contains("no staff account"),
        "{borrower:?}"
    );

    // The catalogue: checked whole, then applied; applying again changes nothing.
    let catalogue = catalogue();
    let checked = ok(
        &[&["products", "apply", &catalogue, "--check"][..], &db].concat(),
        &[],
    );
    assert!(checked.contains("4 products, all valid"), "{checked}");
    let applied = ok(&[&["products", "apply", &catalogue][..], &db].concat(), &[]);
    assert_eq!(applied.matches("created").count(), 4, "{applied}");
    let again = ok(&[&["products", "apply", &catalogue][..], &db].concat(), &[]);
    assert_eq!(again.matches("unchanged").count(), 4, "{again}");
    let broken = directory.path().join("broken.toml");
    std::fs::write(
        &broken,
        std::fs::read_to_string(&catalogue)
            .unwrap()
            .replace("max_term_months = 36", "max_term_months = 0"),
    )
    .unwrap();
    let refused = kredit(
        &[&["products", "apply", broken.to_str().unwrap()][..], &db].concat(),
        &[],
    );
    assert!(!refused.status.success());
    let reason = String::from_utf8_lossy(&refused.stderr);
    assert!(reason.contains("CONSUMER.max_term_months"), "{reason}");

    // Close of business moves the business date from the install day.
    let status = ok(&[&["cob", "status"][..], &db].concat(), &[]);
    let today = status
        .lines()
        .find_map(|line| line.strip_prefix("business date"))
        .map(str::trim)
        .unwrap()
        .to_owned();
    let today: chrono::NaiveDate = today.parse().unwrap();
    let through = (today + chrono::Days::new(2)).to_string();
    let closed = ok(&[&["cob", "--date", &through][..], &db].concat(), &[]);
    assert!(closed.contains("days processed      2"), "{closed}");
    let status = ok(&[&["cob", "status"][..], &db].concat(), &[]);
    assert!(
        status.contains(&format!("business date       {through}")),
        "{status}"
    );
    assert!(
        status.contains("schedule            on at 00:30 Asia/Shanghai"),
        "{status}"
    );
    assert!(
        status.contains(&format!("{today} → {through}  done")),
        "{status}"
    );
}
