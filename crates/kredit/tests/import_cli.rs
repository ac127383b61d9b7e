//! `kredit import loans` and `kredit demo generate` as real processes,
//! followed by `kredit ledger check`, close of business and the check
//! again: the ledger checks out every time. On SQLite always; on
//! PostgreSQL too when `KREDIT_TEST_DATABASE_URL` is set.

use std::path::Path;
use std::process::{Command, Output};

fn kredit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kredit"))
        .args(args)
        .env("KREDIT_ENV", "development")
        .output()
        .expect("run kredit")
}

fn ok(args: &[&str]) -> String {
    let output = kredit(args);
    assert!(
        output.status.success(),
        "kredit {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn ledger_ok(url: &str) -> String {
    let out = ok(&["ledger", "check", "--database-url", url]);
    assert!(out.contains("ledger OK"), "{out}");
    out
}

fn file(relative: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
        .display()
        .to_string()
}

fn import_then_generate_then_cob(import_url: &str, generate_url: &str) {
    // The demo products and the business date, then the sample portfolio.
    ok(&[
        "demo",
        "generate",
        "--loans",
        "0",
        "--date",
        "2026-11-25",
        "--database-url",
        import_url,
    ]);
    let out = ok(&[
        "import",
        "loans",
        "--file",
        &file("docs/samples/loans.csv"),
        "--database-url",
        import_url,
    ]);
    assert!(out.contains("9 loans imported"), "{out}");
    assert!(ledger_ok(import_url).contains("loans checked: 9"));

    // Bad rows: reported by line, the command fails, the good rows are in;
    // run again, nothing is imported twice.
    let bad = file("crates/kredit-jobs/tests/fixtures/loans_with_errors.csv");
    let args = [
        "import",
        "loans",
        "--file",
        bad.as_str(),
        "--database-url",
        import_url,
    ];
    let output = kredit(&args);
    assert!(!output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("REJECTED line 3 (BAD-0001): product: no product 'PAYDAY'"),
        "{stdout}"
    );
    assert!(stdout.contains("0 loans imported, 3 already imported, 7 rejected"));
    ledger_ok(import_url);
    ok(&["cob", "--date", "2026-12-31", "--database-url", import_url]);
    assert!(ledger_ok(import_url).contains("loans checked: 9"));

    ok(&[
        "demo",
        "generate",
        "--loans",
        "3000",
        "--seed",
        "9",
        "--date",
        "2026-11-25",
        "--database-url",
        generate_url,
    ]);
    assert!(ledger_ok(generate_url).contains("loans checked: 3000"));
    ok(&[
        "cob",
        "--date",
        "2026-11-26",
        "--database-url",
        generate_url,
    ]);
    ledger_ok(generate_url);
}

#[test]
fn imported_and_generated_portfolios_check_out_on_sqlite() {
    let directory = tempfile::tempdir().unwrap();
    let url = |name: &str| format!("sqlite://{}", directory.path().join(name).display());
    import_then_generate_then_cob(&url("imported.db"), &url("generated.db"));
}

#[test]
fn imported_and_generated_portfolios_check_out_on_postgres() {
    let Ok(base) = std::env::var("KREDIT_TEST_DATABASE_URL") else {
        println!(
            "skipped imported_and_generated_portfolios_check_out_on_postgres: KREDIT_TEST_DATABASE_URL is not set"
        );
        return;
    };
    let tag = format!("kredit_import_cli_{}", std::process::id());
    let url_for = |schema: &str| {
        let separator = if base.contains('?') { '&' } else { '?' };
        format!("{base}{separator}options=-c%20search_path%3D{schema}")
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(&base).await.unwrap();
        for schema in [format!("{tag}_imported"), format!("{tag}_generated")] {
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .execute(&mut admin)
                .await
                .unwrap();
        }
    });
    import_then_generate_then_cob(
        &url_for(&format!("{tag}_imported")),
        &url_for(&format!("{tag}_generated")),
    );
}
