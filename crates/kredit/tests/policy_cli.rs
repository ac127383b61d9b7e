//! `kredit policy` through the real binary on a fresh install: a policy
//! activated (then again, changing nothing), shown, a broken one refused,
//! and a draft simulated over the (empty) history in both formats.

use std::path::Path;
use std::process::{Command, Output};

/// The binary run in `directory`, its development keys kept there.
fn kredit(directory: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kredit"))
        .args(args)
        .current_dir(directory)
        .env("KREDIT_DATA_DIR", directory)
        .output()
        .expect("run kredit")
}

fn ok(directory: &Path, args: &[&str]) -> String {
    let output = kredit(directory, args);
    assert!(
        output.status.success(),
        "kredit {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

const POLICY: &str = "name = \"cooling-off\"\nversion = 2\n\n[[conditions]]\nkind = \"contract_signed\"\n\n[[conditions]]\nkind = \"cooling_off\"\nhours = 24\n";

#[test]
fn activate_show_and_simulate() {
    let directory = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", directory.path().join("kredit.db").display());
    let file = directory.path().join("policy.toml");
    std::fs::write(&file, POLICY).unwrap();
    let file = file.to_str().unwrap();
    let db = ["--database-url", url.as_str()];
    let with_db = |args: &[&'static str]| -> Vec<String> {
        args.iter().chain(&db).map(|a| (*a).to_owned()).collect()
    };
    let run = |args: Vec<String>| {
        ok(
            directory.path(),
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
        )
    };
    let mut activate = with_db(&["policy", "activate"]);
    activate.push(file.to_owned());

    run(with_db(&["migrate"]));
    assert_eq!(
        run(with_db(&["policy", "show"])).trim(),
        "no policy activated yet (the server activates Kredit's default at its first disbursement)"
    );
    let activated = run(activate.clone());
    let address = activated
        .strip_prefix("activated  cooling-off v2 ")
        .and_then(|rest| rest.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("{activated}"))
        .to_owned();
    let hex = address.strip_prefix("sha256:").expect("a content address");
    assert!(
        hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
        "{address}"
    );
    assert_eq!(
        run(activate),
        format!("already in force  cooling-off v2 {address}\n")
    );
    let shown = run(with_db(&["policy", "show"]));
    assert!(
        shown.starts_with(&format!("policy  cooling-off v2 {address}\n")),
        "{shown}"
    );
    assert!(shown.contains("\"hours\": 24"), "{shown}");

    let broken = directory.path().join("broken.toml");
    std::fs::write(&broken, "name = \"Broken\"\nversion = 0\nconditions = []\n").unwrap();
    let mut refused = with_db(&["policy", "activate"]);
    refused.push(broken.to_str().unwrap().to_owned());
    let output = kredit(
        directory.path(),
        &refused.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("version_zero"), "{stderr}");

    let mut simulate = with_db(&[
        "policy",
        "simulate",
        "--from",
        "2026-06-01",
        "--to",
        "2026-06-30",
    ]);
    simulate.extend(["--policy".to_owned(), file.to_owned()]);
    let text = run(simulate.clone());
    assert!(
        text.starts_with(&format!("policy  cooling-off v2 {address}\n")),
        "{text}"
    );
    // The lender's days, Shanghai time: June 1st to the end of June 30th.
    assert!(
        text.contains("window  2026-05-31T16:00:00Z .. 2026-06-30T16:00:00Z"),
        "{text}"
    );
    assert!(text.contains("total                           0"), "{text}");
    assert!(text.ends_with("application          actually\n"), "{text}");
    simulate.push("--json".to_owned());
    let json: serde_json::Value = serde_json::from_str(&run(simulate)).unwrap();
    assert_eq!(json["simulation"]["policy_address"], address.as_str());
    assert_eq!(json["actual"], serde_json::json!([]));
}
