//! Simulation: a draft policy replayed over past cases.

use kredit_policy::disbursement::{
    CaseOutcome, Condition, DisbursementPolicy, FactRef, Facts, FraudFact, FraudOutcome, Reason,
    ReasonCode, SignedFact, SimulationCase, SimulationError, StaffId, TimedFacts, Timestamp,
    simulate,
};

/// 2026-06-01T00:00:00Z.
const FROM: Timestamp = 1_780_272_000;
const HOUR: i64 = 3600;
const TO: Timestamp = FROM + 30 * 24 * HOUR;

fn draft() -> DisbursementPolicy {
    DisbursementPolicy {
        name: "draft".into(),
        version: 2,
        conditions: vec![
            Condition::IdentityVerified {},
            Condition::FraudDecision {},
            Condition::ContractSigned {},
            Condition::CoolingOff { hours: 24 },
            Condition::FundingAvailable {},
            Condition::MaxPrincipal { fen: 20_000_000 },
        ],
    }
}

fn signed_facts(signed_at: Timestamp) -> Facts {
    Facts {
        principal_fen: 1_000_000,
        net_proceeds_fen: 1_000_000,
        product_code: "CONSUMER-01".into(),
        identity_verified: Some(FactRef::logged(1)),
        fraud: Some(FraudFact {
            outcome: FraudOutcome::Approve,
            fact: FactRef::logged(2),
        }),
        contract_signed: Some(SignedFact {
            at: signed_at,
            fact: FactRef::logged(3),
        }),
        maker: StaffId(7),
        approvals: vec![],
        funding_available_fen: Some(100_000_000),
    }
}

fn case(application_id: i64, timeline: Vec<(Timestamp, Facts)>) -> SimulationCase {
    SimulationCase {
        application_id,
        timeline: timeline
            .into_iter()
            .map(|(at, facts)| TimedFacts { at, facts })
            .collect(),
    }
}

fn outcome_of(cases: &[SimulationCase]) -> Vec<CaseOutcome> {
    simulate(&draft(), cases, FROM, TO)
        .unwrap()
        .cases
        .into_iter()
        .map(|result| result.outcome)
        .collect()
}

#[test]
fn a_cooling_off_releases_the_case_when_it_ends() {
    let signed_at = FROM + 5 * HOUR;
    let cases = [case(1, vec![(signed_at, signed_facts(signed_at))])];
    assert_eq!(
        outcome_of(&cases),
        [CaseOutcome::Released {
            at: signed_at + 24 * HOUR
        }]
    );
}

#[test]
fn a_case_ready_before_the_window_is_released_at_its_start() {
    let signed_at = FROM - 48 * HOUR;
    let cases = [case(1, vec![(signed_at, signed_facts(signed_at))])];
    assert_eq!(outcome_of(&cases), [CaseOutcome::Released { at: FROM }]);
}

#[test]
fn a_fact_arriving_later_releases_the_case_then() {
    let signed_at = FROM;
    let reviewing = Facts {
        fraud: Some(FraudFact {
            outcome: FraudOutcome::Review,
            fact: FactRef::logged(2),
        }),
        ..signed_facts(signed_at)
    };
    let cleared_at = FROM + 72 * HOUR;
    let cases = [case(
        1,
        vec![
            (cleared_at, signed_facts(signed_at)),
            (signed_at, reviewing),
        ],
    )];
    // Given out of order; the replay sorts by time.
    assert_eq!(
        outcome_of(&cases),
        [CaseOutcome::Released { at: cleared_at }]
    );
}

#[test]
fn facts_after_the_window_are_not_seen() {
    let signed_at = TO - HOUR;
    let cases = [case(
        1,
        vec![
            (signed_at, signed_facts(signed_at)),
            (TO + 1, signed_facts(signed_at)),
        ],
    )];
    assert_eq!(
        outcome_of(&cases),
        [CaseOutcome::Held {
            reasons: vec![Reason::CoolingOff {
                until: signed_at + 24 * HOUR
            }]
        }]
    );
}

#[test]
fn the_last_of_two_entries_at_the_same_moment_wins() {
    let unverified = Facts {
        identity_verified: None,
        ..signed_facts(FROM - 48 * HOUR)
    };
    let cases = [case(
        1,
        vec![(FROM, signed_facts(FROM - 48 * HOUR)), (FROM, unverified)],
    )];
    assert_eq!(
        outcome_of(&cases),
        [CaseOutcome::Held {
            reasons: vec![Reason::IdentityUnverified]
        }]
    );
}

#[test]
fn held_blocked_and_empty_cases_are_reported_with_their_reasons_counted() {
    let unfunded = Facts {
        identity_verified: None,
        funding_available_fen: Some(0),
        ..signed_facts(FROM)
    };
    let too_big = Facts {
        principal_fen: 30_000_000,
        net_proceeds_fen: 30_000_000,
        ..signed_facts(FROM)
    };
    let cases = [
        case(10, vec![(FROM, signed_facts(FROM))]),
        case(11, vec![(FROM, unfunded.clone())]),
        case(12, vec![(FROM, too_big)]),
        case(13, vec![]),
        case(14, vec![(TO + 1, signed_facts(TO + 1))]),
        case(15, vec![(FROM, unfunded)]),
    ];
    let report = simulate(&draft(), &cases, FROM, TO).unwrap();
    assert_eq!(
        (
            report.released,
            report.held,
            report.blocked,
            report.no_facts
        ),
        (1, 2, 1, 2)
    );
    let reasons: Vec<(ReasonCode, usize)> = report.reasons.clone().into_iter().collect();
    assert_eq!(
        reasons,
        [
            (ReasonCode::IdentityUnverified, 2),
            (ReasonCode::FundsInsufficient, 2),
            (ReasonCode::PrincipalAboveMax, 1),
        ]
    );
    let ids: Vec<i64> = report.cases.iter().map(|c| c.application_id).collect();
    assert_eq!(ids, [10, 11, 12, 13, 14, 15]);
    assert_eq!(report.cases[3].outcome, CaseOutcome::NoFacts);
    assert_eq!(report.policy_address, draft().content_address());

    let text = report.render_text();
    // docs/disbursement-policy.md shows this very table.
    let document = include_str!("../../../docs/disbursement-policy.md");
    let marker = "`kredit policy simulate` prints:\n\n```\n";
    let shown = &document[document.find(marker).unwrap() + marker.len()..];
    assert_eq!(&shown[..shown.find("```").unwrap()], text);
    let address = draft().content_address();
    assert!(
        text.starts_with(&format!("policy  draft v2 {address}\n")),
        "{text}"
    );
    assert!(text.contains("\n13                   no_facts\n"), "{text}");
    assert!(text.contains("window  2026-06-01T00:00:00Z .. 2026-07-01T00:00:00Z"));
    assert!(
        text.contains("\nreleased                        1\n"),
        "{text}"
    );
    assert!(
        text.contains("\nfunds_insufficient              2\n"),
        "{text}"
    );
    assert!(
        text.contains("\n10                   released   2026-06-02T00:00:00Z\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "\n11                   held       identity_unverified, funds_insufficient\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("\n12                   blocked    principal_above_max\n"),
        "{text}"
    );
}

#[test]
fn the_report_is_the_same_every_time() {
    let cases: Vec<SimulationCase> = (0..20)
        .map(|i| {
            let signed_at = FROM + i * 7 * HOUR;
            let mut facts = signed_facts(signed_at);
            if i % 3 == 0 {
                facts.identity_verified = None;
            }
            case(i, vec![(signed_at, facts)])
        })
        .collect();
    let first = simulate(&draft(), &cases, FROM, TO).unwrap();
    let again = simulate(&draft(), &cases, FROM, TO).unwrap();
    assert_eq!(first.render_text(), again.render_text());
    assert_eq!(
        serde_json::to_string(&first).unwrap(),
        serde_json::to_string(&again).unwrap()
    );
    assert_eq!(first, again);
}

#[test]
fn a_reversed_window_is_refused() {
    assert_eq!(
        simulate(&draft(), &[], TO, FROM),
        Err(SimulationError::WindowReversed { from: TO, to: FROM })
    );
    // A window of one moment is fine.
    let cases = [case(
        1,
        vec![(FROM - 48 * HOUR, signed_facts(FROM - 48 * HOUR))],
    )];
    let report = simulate(&draft(), &cases, FROM, FROM).unwrap();
    assert_eq!(report.released, 1);
}

#[test]
fn the_report_reads_plainly_in_json() {
    let cases = [case(1, vec![(FROM, signed_facts(FROM))])];
    let report = simulate(&draft(), &cases, FROM, TO).unwrap();
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        json["cases"][0],
        serde_json::json!({"application_id": 1, "outcome": {"outcome": "released", "at": FROM + 24 * HOUR}})
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn facts_in_force(case: &SimulationCase, at: Timestamp) -> Option<&Facts> {
        let mut entries: Vec<&TimedFacts> = case.timeline.iter().filter(|t| t.at <= at).collect();
        entries.sort_by_key(|entry| entry.at);
        entries.last().map(|entry| &entry.facts)
    }

    proptest! {
        /// The release is at the first moment the policy says Ready: Ready
        /// then, and not Ready a second before (unless that is outside the
        /// window); a held or blocked case is that at the window's end.
        #[test]
        fn the_release_is_the_first_ready_moment(
            hours in 0u32..=72,
            signed_offset in -100i64..100,
            verified_offset in proptest::option::of(-100i64..200),
        ) {
            let policy = DisbursementPolicy {
                conditions: vec![
                    Condition::IdentityVerified {},
                    Condition::CoolingOff { hours },
                ],
                ..draft()
            };
            let to = FROM + 100 * HOUR;
            let signed_at = FROM + signed_offset * HOUR;
            let unverified = Facts { identity_verified: None, ..signed_facts(signed_at) };
            let mut timeline = vec![(signed_at, unverified)];
            if let Some(offset) = verified_offset {
                timeline.push((signed_at + offset * HOUR, signed_facts(signed_at)));
            }
            let case = case(1, timeline);
            let report = simulate(&policy, std::slice::from_ref(&case), FROM, to).unwrap();
            let ready = |at: Timestamp| {
                facts_in_force(&case, at).is_some_and(|facts| {
                    kredit_policy::disbursement::evaluate(&policy, facts, at).outcome
                        == kredit_policy::disbursement::Outcome::Ready
                })
            };
            match &report.cases[0].outcome {
                CaseOutcome::Released { at } => {
                    prop_assert!(ready(*at));
                    prop_assert!(*at == FROM || !ready(*at - 1));
                }
                CaseOutcome::Held { .. } | CaseOutcome::Blocked { .. } => {
                    prop_assert!(!ready(to));
                    // Not ready at any whole hour of the window either.
                    for hour in 0..=100 {
                        prop_assert!(!ready(FROM + hour * HOUR));
                    }
                }
                CaseOutcome::NoFacts => prop_assert!(facts_in_force(&case, to).is_none()),
            }
        }
    }
}
