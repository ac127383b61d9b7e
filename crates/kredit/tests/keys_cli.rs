//! `kredit keys` through the real binary on a production configuration:
//! an install holding values from before envelope encryption, a rotation
//! to a new KEK, `status` and `check`, and the old KEK removed from the
//! key file afterwards.

use std::process::{Command, Output};

fn kredit(args: &[impl AsRef<std::ffi::OsStr> + std::fmt::Debug], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kredit"));
    command
        .args(args.iter().map(AsRef::as_ref))
        .env("KREDIT_ENV", "production")
        .env("KREDIT_PII_KEY", "11".repeat(32))
        .env("KREDIT_TOKEN_SECRET", "22".repeat(32));
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run kredit")
}

fn ok(args: &[impl AsRef<std::ffi::OsStr> + std::fmt::Debug], env: &[(&str, &str)]) -> String {
    let output = kredit(args, env);
    assert!(
        output.status.success(),
        "kredit {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn rotate_status_and_check_on_an_upgraded_install() {
    let directory = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", directory.path().join("kredit.db").display());
    let kek_file = directory.path().join("keks.toml");
    let kek_file_text = kek_file.to_str().unwrap().to_owned();
    let env = [("KREDIT_KEK_FILE", kek_file_text.as_str())];
    let db = ["--database-url", url.as_str()];
    let with_db = |args: &[&str]| -> Vec<String> {
        args.iter().chain(&db).map(|a| (*a).to_owned()).collect()
    };

    let missing = kredit(&with_db(&["keys", "status"]), &[]);
    assert!(
        !missing.status.success(),
        "production needs KREDIT_KEK_FILE"
    );
    assert!(String::from_utf8_lossy(&missing.stderr).contains("KREDIT_KEK_FILE"));

    ok(&with_db(&["migrate"]), &[]);
    let added = ok(&["keys", "new-kek", "--file", &kek_file_text], &[]);
    let first = added.split_whitespace().nth(2).unwrap().to_owned();
    // 30 borrowers, every third still in the legacy format.
    ok(
        &with_db(&[
            "keys",
            "seed-borrowers",
            "--count",
            "30",
            "--legacy-every",
            "3",
        ]),
        &env,
    );
    let checked = ok(&with_db(&["keys", "check"]), &env);
    assert!(
        checked.contains("20 data keys, 0 unwrap failures; 30 sealed values (10 legacy"),
        "{checked}"
    );

    let rotated = ok(
        &with_db(&["keys", "rotate", "--new-kek", "--batch", "7"]),
        &env,
    );
    assert!(
        rotated.contains("20 data keys re-wrapped and 10 legacy values re-sealed"),
        "{rotated}"
    );
    let status = ok(&with_db(&["keys", "status"]), &env);
    let first_line = status.lines().find(|l| l.starts_with(&first)).unwrap();
    assert!(
        first_line.contains("retired") && first_line.contains(" 0 data keys"),
        "{status}"
    );
    assert!(status.contains("active           30 data keys"), "{status}");
    assert!(status.contains("phase done"), "{status}");

    // The retired KEK leaves the key file; everything still opens.
    let text = std::fs::read_to_string(&kek_file).unwrap();
    let second_block = text.rfind("[[kek]]").unwrap();
    std::fs::write(&kek_file, &text[second_block..]).unwrap();
    let checked = ok(&with_db(&["keys", "check"]), &env);
    assert!(
        checked.contains("30 data keys, 0 unwrap failures; 30 sealed values (0 legacy, 0 under destroyed keys), 0 failures"),
        "{checked}"
    );

    // A key file without the KEK in use: check fails with a non-zero exit.
    std::fs::write(&kek_file, &text[..second_block]).unwrap();
    let failed = kredit(&with_db(&["keys", "check"]), &env);
    assert!(!failed.status.success());
    assert!(String::from_utf8_lossy(&failed.stdout).contains("30 unwrap failures"));
}
