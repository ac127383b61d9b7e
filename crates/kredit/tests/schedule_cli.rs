//! `kredit schedule` as a user runs it: the real binary, its stdout, stderr
//! and exit code.

use std::process::{Command, Output};

fn kredit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kredit"))
        .args(args)
        .output()
        .expect("the kredit binary runs")
}

fn schedule(extra: &[&str]) -> Output {
    let mut args = vec![
        "schedule",
        "--principal",
        "100000",
        "--annual-rate",
        "0.0435",
        "--term-months",
        "12",
        "--method",
        "equal-installment",
        "--start",
        "2026-01-31",
    ];
    args.extend_from_slice(extra);
    kredit(&args)
}

#[test]
fn json_output_has_exact_amounts_and_aprs() {
    let out = schedule(&["--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &json["installments"][0];
    assert_eq!(first["n"], 1);
    assert_eq!(first["due_date"], "2026-02-28");
    assert_eq!(first["principal"], "8168.49");
    assert_eq!(first["interest"], "362.50");
    assert_eq!(first["fee"], "0.00");
    assert_eq!(first["payment"], "8530.99");
    assert_eq!(first["remaining"], "91831.51");
    assert_eq!(json["installments"].as_array().unwrap().len(), 12);
    assert_eq!(json["total_interest"], "2371.90");
    assert_eq!(json["total_fees"], "0.00");
    assert_eq!(json["apr_nominal"], "0.043500");
    assert_eq!(json["apr_effective"], "0.044378");
    // Keys in the documented order.
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.find("\"installments\"") < text.find("\"total_interest\""));
}

#[test]
fn the_table_is_aligned_and_shows_the_apr() {
    let out = schedule(&[]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().take(13).collect();
    assert!(rows[0].contains("principal") && rows[1].contains("8530.99"));
    assert!(rows.iter().all(|r| r.len() == rows[0].len()), "{text}");
    assert!(text.contains("APR 4.3500% nominal"), "{text}");
}

#[test]
fn a_monthly_fee_shows_in_the_apr() {
    let out = kredit(&[
        "schedule",
        "--principal",
        "10000",
        "--term-months",
        "12",
        "--method",
        "flat-fee",
        "--fee-rate-monthly",
        "0.006",
        "--start",
        "2026-01-31",
        "--json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        json["apr_nominal"].as_str().unwrap().starts_with("0.1303"),
        "{json}"
    );
    assert_eq!(json["total_fees"], "720.00");
}

#[test]
fn bad_arguments_give_one_clear_line_and_fail() {
    let cases: [(&[&str], &str); 5] = [
        (&["--principal", "-5"], "principal must be positive"),
        (&["--term-months", "0"], "term must be 1 to 600 months"),
        (
            &["--method", "monthly"],
            "unknown repayment method 'monthly'",
        ),
        (&["--annual-rate", "0.30"], "above the cap of 24.00%"),
        (&["--principal", "1.234"], "at most two decimal places"),
    ];
    for (override_args, expected) in cases {
        let mut args = vec![
            "schedule",
            "--principal",
            "10000",
            "--annual-rate",
            "0.10",
            "--term-months",
            "12",
            "--method",
            "bullet",
        ];
        for pair in override_args.chunks(2) {
            let at = args.iter().position(|a| *a == pair[0]).unwrap();
            args[at + 1] = pair[1];
        }
        let out = kredit(&args);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty());
    }
}
