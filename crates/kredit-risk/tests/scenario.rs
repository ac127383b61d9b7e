//! Scenarios: the shipped one compiles, decisions explain themselves, an
//! error never approves.

use kredit_risk::expr::{Aggregate, Features, Key, Value, Window, aggregate_name};
use kredit_risk::scenario::{Scenario, ScenarioStatus, inputs_sha256};
use kredit_risk::schema::kredit_schema;
use kredit_risk::{DEFAULT_SCENARIO, FraudOutcome};
use proptest::prelude::*;

fn clean() -> Features {
    let mut f = Features::new();
    for key in Key::ALL {
        for window in Window::ALL {
            for aggregate in Aggregate::ALL {
                f.insert(aggregate_name(aggregate, key, window), Value::Int(1));
            }
        }
    }
    for (name, value) in [
        ("event", Value::Text("application".into())),
        ("amount", Value::Money(1_000_000)),
        ("monthly_income", Value::Money(800_000)),
        ("monthly_income_declared", Value::Bool(true)),
        ("device_present", Value::Bool(true)),
    ] {
        f.insert(name.to_owned(), value);
    }
    f
}

fn shipped() -> Scenario {
    Scenario::from_toml(DEFAULT_SCENARIO, &kredit_schema()).expect("shipped scenario compiles")
}

#[test]
fn the_shipped_scenario_approves_a_clean_application() {
    let decision = shipped().decide(&clean());
    assert_eq!(decision.outcome, FraudOutcome::Approve);
    assert_eq!(decision.score, 0);
    assert_eq!(decision.scenario, "kredit-default");
    assert!(decision.inputs_sha256.starts_with("sha256:"));
    assert_eq!(decision.contributions.len(), shipped().rules.len());
}

#[test]
fn a_shared_device_is_referred_with_its_reason() {
    let mut f = clean();
    f.insert(
        aggregate_name(Aggregate::DistinctBorrowers, Key::Device, Window::Week),
        Value::Int(6),
    );
    let decision = shipped().decide(&f);
    assert_eq!(decision.outcome, FraudOutcome::Review);
    let fired: Vec<&str> = decision.fired().map(|c| c.rule.as_str()).collect();
    assert_eq!(fired, ["device_shared_by_many"]);
    assert_eq!(decision.score, 50);
    // A different input, a different hash.
    assert_ne!(decision.inputs_sha256, inputs_sha256(&clean()));
}

#[test]
fn a_missing_feature_reviews_never_approves() {
    let mut f = clean();
    f.remove("amount");
    let decision = shipped().decide(&f);
    assert_eq!(decision.outcome, FraudOutcome::Review);
    assert_eq!(decision.failures[0].rule, "amount_far_above_income");
}

#[test]
fn escalation_raises_and_never_lowers() {
    let mut decision = shipped().decide(&clean());
    decision.escalate(
        FraudOutcome::BlockAndReview,
        "sanctions_hit",
        serde_json::json!({}),
    );
    assert_eq!(decision.outcome, FraudOutcome::BlockAndReview);
    decision.escalate(FraudOutcome::Review, "x", serde_json::json!({}));
    assert_eq!(decision.outcome, FraudOutcome::BlockAndReview);
}

#[test]
fn every_problem_is_named_with_its_place() {
    let text = r#"
name = "bad"
version = 2
status = "draft"
[thresholds]
review = 50
block_and_review = 40
decline = 90
[[rule]]
name = "a"
description = ""
when = "amount > 5"
weight = 1
[[rule]]
name = "a"
description = ""
when = "true"
weight = 1
"#;
    let problems = Scenario::from_toml(text, &kredit_schema()).unwrap_err();
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["thresholds", "rule[0].when", "rule[1].name"]);
    assert_eq!(problems[1].at.map(|a| a.column), Some(8));
    let bad_status = DEFAULT_SCENARIO.replace("status = \"live\"", "status = \"on\"");
    assert!(Scenario::from_toml(&bad_status, &kredit_schema()).is_err());
}

#[test]
fn lifecycle_moves_one_step_forward() {
    use ScenarioStatus::*;
    for status in ScenarioStatus::ALL {
        assert_eq!(status.as_str().parse::<ScenarioStatus>(), Ok(status));
        let json = serde_json::to_string(&status).unwrap();
        assert_eq!(json, format!("\"{}\"", status.as_str()));
    }
    assert!(Draft.can_become(Shadow) && Shadow.can_become(Live) && Shadow.can_become(Draft));
    assert!(!Draft.can_become(Live) && !Live.can_become(Draft) && !Live.can_become(Shadow));
}

proptest! {
    /// The outcome is the thresholds applied to the sum of the fired
    /// weights, and more evidence never lowers it.
    #[test]
    fn more_sharing_never_lowers_the_outcome(devices in 0i64..20, cards in 0i64..4, extra in 0i64..20) {
        let scenario = shipped();
        let mut f = clean();
        let device = aggregate_name(Aggregate::DistinctBorrowers, Key::Device, Window::Week);
        let card = aggregate_name(Aggregate::DistinctBorrowers, Key::PayeeCard, Window::Month);
        f.insert(device.clone(), Value::Int(devices));
        f.insert(card.clone(), Value::Int(cards));
        let before = scenario.decide(&f);
        let sum: i64 = before.fired().map(|c| c.weight).sum();
        prop_assert_eq!(before.score, sum);
        prop_assert_eq!(before.outcome, scenario.spec.thresholds.outcome(sum));
        f.insert(device, Value::Int(devices + extra));
        f.insert(card, Value::Int(cards + extra));
        prop_assert!(scenario.decide(&f).outcome >= before.outcome);
    }
}
