//! Example tests of the disbursement policy: each condition, its
//! boundaries, the outcome's precedence, the reason codes and the formats.

use kredit_policy::disbursement::{
    Approval, ApprovalDecision, Condition, ConditionKind, ConditionStatus, DisbursementPolicy,
    Evaluation, FactRef, Facts, FraudFact, FraudOutcome, Outcome, Reason, ReasonCode, SignedFact,
    StaffId, Timestamp, default_policy, evaluate, next_check_at,
};

const SIGNED_AT: Timestamp = 1_780_000_000;
const HOUR: i64 = 3600;
const MAKER: StaffId = StaffId(7);
const THRESHOLD: i64 = 5_000_000;

fn policy(conditions: Vec<Condition>) -> DisbursementPolicy {
    DisbursementPolicy {
        name: "test".into(),
        version: 1,
        conditions,
    }
}

fn approvals_condition(required: u8) -> Condition {
    Condition::Approvals {
        above_fen: THRESHOLD,
        required,
        of_roles: vec!["risk_officer".into(), "admin".into()],
    }
}

/// Every condition, each met by `ready_facts`.
fn full_policy() -> DisbursementPolicy {
    policy(vec![
        Condition::IdentityVerified {},
        Condition::FraudDecision {},
        Condition::ContractSigned {},
        Condition::CoolingOff { hours: 24 },
        approvals_condition(2),
        Condition::FundingAvailable {},
        Condition::ProductIn {
            codes: vec!["CONSUMER-01".into(), "CONSUMER-02".into()],
        },
        Condition::MaxPrincipal { fen: 20_000_000 },
    ])
}

fn approval(staff: i64, role: &str, decision: ApprovalDecision, log_index: u64) -> Approval {
    Approval {
        staff_id: StaffId(staff),
        roles: vec![role.into()],
        decision,
        at: SIGNED_AT + HOUR,
        fact: FactRef::logged(log_index),
    }
}

fn ready_facts() -> Facts {
    Facts {
        principal_fen: 10_000_000,
        net_proceeds_fen: 9_900_000,
        product_code: "CONSUMER-01".into(),
        identity_verified: Some(FactRef::logged(1)),
        fraud: Some(FraudFact {
            outcome: FraudOutcome::Approve,
            fact: FactRef::logged(2),
        }),
        contract_signed: Some(SignedFact {
            at: SIGNED_AT,
            fact: FactRef::logged(3),
        }),
        maker: MAKER,
        approvals: vec![
            approval(11, "risk_officer", ApprovalDecision::Approve, 10),
            approval(12, "admin", ApprovalDecision::Approve, 11),
        ],
        funding_available_fen: Some(50_000_000),
    }
}

const AFTER_COOLING_OFF: Timestamp = SIGNED_AT + 24 * HOUR;

fn only(condition: Condition, facts: &Facts, now: Timestamp) -> Evaluation {
    evaluate(&policy(vec![condition]), facts, now)
}

fn waiting(reason: Reason) -> Outcome {
    Outcome::Waiting(vec![reason])
}

fn blocked(reason: Reason) -> Outcome {
    Outcome::Blocked(vec![reason])
}

#[test]
fn all_conditions_met_is_ready_and_cites_the_facts() {
    let evaluation = evaluate(&full_policy(), &ready_facts(), AFTER_COOLING_OFF);
    assert_eq!(evaluation.outcome, Outcome::Ready);
    assert_eq!(evaluation.policy_address, full_policy().content_address());
    assert_eq!(evaluation.evaluated_at, AFTER_COOLING_OFF);
    let cited: Vec<(ConditionKind, Vec<Option<u64>>)> = evaluation
        .conditions
        .iter()
        .map(|result| {
            assert_eq!(result.status, ConditionStatus::Met);
            assert_eq!(result.reason, None);
            (
                result.condition,
                result.relied_on.iter().map(|f| f.log_index).collect(),
            )
        })
        .collect();
    assert_eq!(
        cited,
        [
            (ConditionKind::IdentityVerified, vec![Some(1)]),
            (ConditionKind::FraudDecision, vec![Some(2)]),
            (ConditionKind::ContractSigned, vec![Some(3)]),
            (ConditionKind::CoolingOff, vec![Some(3)]),
            (ConditionKind::Approvals, vec![Some(10), Some(11)]),
            (ConditionKind::FundingAvailable, vec![]),
            (ConditionKind::ProductIn, vec![]),
            (ConditionKind::MaxPrincipal, vec![]),
        ]
    );
}

#[test]
fn the_default_policy_releases_a_signed_verified_approved_funded_loan_at_once() {
    let evaluation = evaluate(&default_policy(), &ready_facts(), SIGNED_AT);
    assert_eq!(evaluation.outcome, Outcome::Ready);
    let mut facts = ready_facts();
    facts.contract_signed = None;
    assert_eq!(
        evaluate(&default_policy(), &facts, SIGNED_AT).outcome,
        Outcome::Waiting(vec![Reason::ContractUnsigned, Reason::ContractUnsigned])
    );
}

#[test]
fn identity_unverified_waits() {
    let mut facts = ready_facts();
    facts.identity_verified = None;
    let evaluation = only(Condition::IdentityVerified {}, &facts, SIGNED_AT);
    assert_eq!(evaluation.outcome, waiting(Reason::IdentityUnverified));
    let not_logged = Facts {
        identity_verified: Some(FactRef::NOT_LOGGED),
        ..facts
    };
    let evaluation = only(Condition::IdentityVerified {}, &not_logged, SIGNED_AT);
    assert_eq!(evaluation.outcome, Outcome::Ready);
    assert_eq!(evaluation.conditions[0].relied_on, [FactRef::NOT_LOGGED]);
}

#[test]
fn fraud_approve_is_met_review_waits_block_and_decline_block_none_waits() {
    let with = |outcome: Option<FraudOutcome>| {
        let facts = Facts {
            fraud: outcome.map(|outcome| FraudFact {
                outcome,
                fact: FactRef::logged(2),
            }),
            ..ready_facts()
        };
        only(Condition::FraudDecision {}, &facts, SIGNED_AT).outcome
    };
    assert_eq!(with(Some(FraudOutcome::Approve)), Outcome::Ready);
    assert_eq!(
        with(Some(FraudOutcome::Review)),
        waiting(Reason::FraudReviewPending)
    );
    for outcome in [FraudOutcome::BlockAndReview, FraudOutcome::Decline] {
        assert_eq!(
            with(Some(outcome)),
            blocked(Reason::FraudDeclined { outcome })
        );
    }
    assert_eq!(with(None), waiting(Reason::FraudUnchecked));
}

#[test]
fn an_unsigned_contract_waits() {
    let facts = Facts {
        contract_signed: None,
        ..ready_facts()
    };
    assert_eq!(
        only(Condition::ContractSigned {}, &facts, SIGNED_AT).outcome,
        waiting(Reason::ContractUnsigned)
    );
    // Cooling off counts from the signature, so it waits for one too.
    assert_eq!(
        only(Condition::CoolingOff { hours: 0 }, &facts, SIGNED_AT).outcome,
        waiting(Reason::ContractUnsigned)
    );
}

#[test]
fn cooling_off_is_met_exactly_at_the_hour_and_not_a_second_before() {
    let facts = ready_facts();
    let condition = Condition::CoolingOff { hours: 24 };
    let until = SIGNED_AT + 24 * HOUR;
    let before = only(condition.clone(), &facts, until - 1);
    assert_eq!(before.outcome, waiting(Reason::CoolingOff { until }));
    assert_eq!(before.conditions[0].relied_on, [FactRef::logged(3)]);
    assert_eq!(next_check_at(&before), Some(until));
    let at = only(condition, &facts, until);
    assert_eq!(at.outcome, Outcome::Ready);
    assert_eq!(next_check_at(&at), None);
}

#[test]
fn zero_hours_of_cooling_off_is_met_at_the_signature() {
    let evaluation = only(
        Condition::CoolingOff { hours: 0 },
        &ready_facts(),
        SIGNED_AT,
    );
    assert_eq!(evaluation.outcome, Outcome::Ready);
}

#[test]
fn principal_exactly_at_the_threshold_needs_no_approvals() {
    let facts = Facts {
        principal_fen: THRESHOLD,
        approvals: vec![],
        ..ready_facts()
    };
    let evaluation = only(approvals_condition(2), &facts, SIGNED_AT);
    assert_eq!(evaluation.outcome, Outcome::Ready);
    let above = Facts {
        principal_fen: THRESHOLD + 1,
        ..facts
    };
    assert_eq!(
        only(approvals_condition(2), &above, SIGNED_AT).outcome,
        waiting(Reason::ApprovalsNeeded { have: 0, need: 2 })
    );
}

#[test]
fn the_makers_approval_never_counts() {
    let facts = Facts {
        approvals: vec![
            approval(MAKER.0, "risk_officer", ApprovalDecision::Approve, 10),
            approval(11, "risk_officer", ApprovalDecision::Approve, 11),
        ],
        ..ready_facts()
    };
    let evaluation = only(approvals_condition(2), &facts, SIGNED_AT);
    assert_eq!(
        evaluation.outcome,
        waiting(Reason::ApprovalsNeeded { have: 1, need: 2 })
    );
    assert_eq!(evaluation.conditions[0].relied_on, [FactRef::logged(11)]);
}

#[test]
fn the_same_approver_twice_counts_once() {
    let facts = Facts {
        approvals: vec![
            approval(11, "risk_officer", ApprovalDecision::Approve, 12),
            approval(11, "admin", ApprovalDecision::Approve, 10),
        ],
        ..ready_facts()
    };
    let evaluation = only(approvals_condition(2), &facts, SIGNED_AT);
    assert_eq!(
        evaluation.outcome,
        waiting(Reason::ApprovalsNeeded { have: 1, need: 2 })
    );
    // The approver's lowest citation, whatever the listing order.
    assert_eq!(evaluation.conditions[0].relied_on, [FactRef::logged(10)]);
}

#[test]
fn an_approver_without_one_of_the_roles_does_not_count() {
    let facts = Facts {
        approvals: vec![
            approval(11, "underwriter", ApprovalDecision::Approve, 10),
            approval(12, "risk_officer", ApprovalDecision::Approve, 11),
        ],
        ..ready_facts()
    };
    assert_eq!(
        only(approvals_condition(2), &facts, SIGNED_AT).outcome,
        waiting(Reason::ApprovalsNeeded { have: 1, need: 2 })
    );
    assert_eq!(
        only(approvals_condition(1), &facts, SIGNED_AT).outcome,
        Outcome::Ready
    );
}

#[test]
fn a_rejection_blocks_even_with_enough_approvals() {
    let mut facts = ready_facts();
    facts
        .approvals
        .push(approval(14, "risk_officer", ApprovalDecision::Reject, 20));
    facts
        .approvals
        .push(approval(13, "underwriter", ApprovalDecision::Reject, 21));
    let evaluation = only(approvals_condition(2), &facts, SIGNED_AT);
    assert_eq!(
        evaluation.outcome,
        blocked(Reason::ApprovalRejected { by: StaffId(13) })
    );
    assert_eq!(
        evaluation.conditions[0].relied_on,
        [FactRef::logged(20), FactRef::logged(21)]
    );
}

#[test]
fn the_maker_may_stop_their_own_loan() {
    let mut facts = ready_facts();
    facts.approvals.push(approval(
        MAKER.0,
        "underwriter",
        ApprovalDecision::Reject,
        20,
    ));
    assert_eq!(
        only(approvals_condition(2), &facts, SIGNED_AT).outcome,
        blocked(Reason::ApprovalRejected { by: MAKER })
    );
}

#[test]
fn funding_must_cover_the_net_proceeds_exactly_or_more() {
    let with = |available: Option<i64>| {
        let facts = Facts {
            funding_available_fen: available,
            ..ready_facts()
        };
        only(Condition::FundingAvailable {}, &facts, SIGNED_AT).outcome
    };
    assert_eq!(with(Some(9_900_000)), Outcome::Ready);
    assert_eq!(
        with(Some(9_899_999)),
        waiting(Reason::FundsInsufficient {
            available_fen: Some(9_899_999),
            needed_fen: 9_900_000
        })
    );
    assert_eq!(
        with(None),
        waiting(Reason::FundsInsufficient {
            available_fen: None,
            needed_fen: 9_900_000
        })
    );
}

#[test]
fn a_product_outside_the_list_is_blocked() {
    let facts = Facts {
        product_code: "SME-01".into(),
        ..ready_facts()
    };
    let condition = Condition::ProductIn {
        codes: vec!["CONSUMER-01".into()],
    };
    assert_eq!(
        only(condition, &facts, SIGNED_AT).outcome,
        blocked(Reason::ProductNotAllowed {
            product_code: "SME-01".into()
        })
    );
}

#[test]
fn principal_at_the_maximum_passes_and_one_fen_above_is_blocked() {
    let with = |principal_fen| {
        let facts = Facts {
            principal_fen,
            ..ready_facts()
        };
        only(
            Condition::MaxPrincipal { fen: 20_000_000 },
            &facts,
            SIGNED_AT,
        )
        .outcome
    };
    assert_eq!(with(20_000_000), Outcome::Ready);
    assert_eq!(
        with(20_000_001),
        blocked(Reason::PrincipalAboveMax {
            principal_fen: 20_000_001,
            max_fen: 20_000_000
        })
    );
}

#[test]
fn blocked_dominates_waiting_and_lists_only_its_own_reasons() {
    let facts = Facts {
        identity_verified: None,
        product_code: "SME-01".into(),
        ..ready_facts()
    };
    let evaluation = evaluate(&full_policy(), &facts, SIGNED_AT);
    assert_eq!(
        evaluation.outcome,
        blocked(Reason::ProductNotAllowed {
            product_code: "SME-01".into()
        })
    );
    // The waits are still there per condition, and time would not help.
    let statuses: Vec<ConditionStatus> = evaluation.conditions.iter().map(|c| c.status).collect();
    assert_eq!(statuses[0], ConditionStatus::Waiting);
    assert_eq!(statuses[3], ConditionStatus::Waiting);
    assert_eq!(next_check_at(&evaluation), None);
}

#[test]
fn waiting_lists_every_wait_in_policy_order() {
    let facts = Facts {
        identity_verified: None,
        funding_available_fen: None,
        ..ready_facts()
    };
    let evaluation = evaluate(&full_policy(), &facts, SIGNED_AT);
    assert_eq!(
        evaluation.outcome,
        Outcome::Waiting(vec![
            Reason::IdentityUnverified,
            Reason::CoolingOff {
                until: SIGNED_AT + 24 * HOUR
            },
            Reason::FundsInsufficient {
                available_fen: None,
                needed_fen: 9_900_000
            },
        ])
    );
    assert_eq!(next_check_at(&evaluation), Some(SIGNED_AT + 24 * HOUR));
}

#[test]
fn a_wait_for_facts_alone_has_no_next_check() {
    let facts = Facts {
        identity_verified: None,
        ..ready_facts()
    };
    let evaluation = evaluate(&full_policy(), &facts, AFTER_COOLING_OFF);
    assert_eq!(evaluation.outcome, waiting(Reason::IdentityUnverified));
    assert_eq!(next_check_at(&evaluation), None);
}

#[test]
fn every_reason_serialises_as_its_code() {
    let reasons = [
        Reason::IdentityUnverified,
        Reason::FraudUnchecked,
        Reason::FraudReviewPending,
        Reason::FraudDeclined {
            outcome: FraudOutcome::Decline,
        },
        Reason::ContractUnsigned,
        Reason::CoolingOff { until: 1 },
        Reason::ApprovalsNeeded { have: 1, need: 2 },
        Reason::ApprovalRejected { by: StaffId(3) },
        Reason::FundsInsufficient {
            available_fen: Some(1),
            needed_fen: 2,
        },
        Reason::ProductNotAllowed {
            product_code: "X".into(),
        },
        Reason::PrincipalAboveMax {
            principal_fen: 2,
            max_fen: 1,
        },
    ];
    assert_eq!(reasons.len(), ReasonCode::ALL.len());
    for reason in reasons {
        let json = serde_json::to_value(&reason).unwrap();
        assert_eq!(json["code"], reason.code().as_str());
        assert_eq!(reason.code().as_str().parse(), Ok(reason.code()));
        assert_eq!(serde_json::from_value::<Reason>(json).unwrap(), reason);
    }
    assert!("cooling".parse::<ReasonCode>().is_err());
}

#[test]
fn an_evaluation_reads_plainly_in_json() {
    let facts = Facts {
        approvals: vec![],
        ..ready_facts()
    };
    let evaluation = only(approvals_condition(1), &facts, SIGNED_AT);
    let json = serde_json::to_value(&evaluation).unwrap();
    assert_eq!(
        json["outcome"],
        serde_json::json!({"outcome": "waiting", "reasons": [
            {"code": "approvals_needed", "have": 0, "need": 1}
        ]})
    );
    assert_eq!(json["conditions"][0]["status"], "waiting");
    assert_eq!(json["conditions"][0]["condition"], "approvals");
    let back: Evaluation = serde_json::from_value(json).unwrap();
    assert_eq!(back, evaluation);
    let ready = serde_json::to_value(Outcome::Ready).unwrap();
    assert_eq!(ready, serde_json::json!({"outcome": "ready"}));
}

#[test]
fn facts_read_plainly_in_json() {
    let json = serde_json::to_value(ready_facts()).unwrap();
    assert_eq!(
        json["identity_verified"],
        serde_json::json!({"log_index": 1})
    );
    assert_eq!(
        json["fraud"],
        serde_json::json!({"outcome": "approve", "fact": {"log_index": 2}})
    );
    let unlogged = Facts {
        identity_verified: Some(FactRef::NOT_LOGGED),
        ..ready_facts()
    };
    let json = serde_json::to_value(&unlogged).unwrap();
    assert_eq!(
        json["identity_verified"],
        serde_json::json!({"log_index": null})
    );
    // A fact known but not logged stays distinct from a fact absent.
    let back: Facts = serde_json::from_value(json).unwrap();
    assert_eq!(back.identity_verified, Some(FactRef::NOT_LOGGED));
    let absent = Facts {
        identity_verified: None,
        ..ready_facts()
    };
    let json = serde_json::to_value(&absent).unwrap();
    assert_eq!(json["identity_verified"], serde_json::Value::Null);
}

/// The examples of docs/disbursement-policy.md, kept in step with it.
const JSON_EXAMPLE: &str = r#"{
  "name": "large-loans",
  "version": 3,
  "conditions": [
    { "kind": "identity_verified" },
    { "kind": "fraud_decision" },
    { "kind": "contract_signed" },
    { "kind": "cooling_off", "hours": 24 },
    { "kind": "approvals", "above_fen": 5000000, "required": 2,
      "of_roles": ["risk_officer", "admin"] },
    { "kind": "funding_available" },
    { "kind": "product_in", "codes": ["CONSUMER-01", "CONSUMER-02"] },
    { "kind": "max_principal", "fen": 20000000 }
  ]
}"#;

const TOML_EXAMPLE: &str = r#"
name = "large-loans"
version = 3

[[conditions]]
kind = "identity_verified"

[[conditions]]
kind = "fraud_decision"

[[conditions]]
kind = "contract_signed"

[[conditions]]
kind = "cooling_off"
hours = 24

[[conditions]]
kind = "approvals"
above_fen = 5000000
required = 2
of_roles = ["risk_officer", "admin"]

[[conditions]]
kind = "funding_available"

[[conditions]]
kind = "product_in"
codes = ["CONSUMER-01", "CONSUMER-02"]

[[conditions]]
kind = "max_principal"
fen = 20000000
"#;

#[test]
fn the_documented_json_and_toml_examples_are_the_same_valid_policy() {
    let from_json: DisbursementPolicy = serde_json::from_str(JSON_EXAMPLE).unwrap();
    let from_toml: DisbursementPolicy = toml::from_str(TOML_EXAMPLE).unwrap();
    assert_eq!(from_json, from_toml);
    assert_eq!(from_json.validate(), Ok(()));
    assert_eq!(
        from_json,
        DisbursementPolicy {
            name: "large-loans".into(),
            version: 3,
            ..full_policy()
        }
    );
    assert_eq!(from_json.content_address(), from_toml.content_address());
}

/// The fenced block of `language` that follows `after` in the document.
fn fenced_block<'a>(document: &'a str, after: &str, language: &str) -> &'a str {
    let rest = &document[document.find(after).expect("the heading is there")..];
    let open = format!("```{language}\n");
    let start = rest.find(&open).expect("the block is there") + open.len();
    let length = rest[start..].find("```").expect("the block is closed");
    &rest[start..start + length]
}

#[test]
fn the_documents_examples_are_these() {
    let document = include_str!("../../../docs/disbursement-policy.md");
    let json = fenced_block(document, "## The format", "json");
    let toml = fenced_block(document, "## The format", "toml");
    assert_eq!(json.trim(), JSON_EXAMPLE.trim());
    assert_eq!(toml.trim(), TOML_EXAMPLE.trim());
    let address = default_policy().content_address();
    assert!(document.contains(&address), "the pinned default address");
}

#[test]
fn a_misspelt_toml_parameter_is_refused() {
    let text = "name = \"p\"\nversion = 1\n[[conditions]]\nkind = \"cooling_off\"\nhour = 24\n";
    assert!(toml::from_str::<DisbursementPolicy>(text).is_err());
    let text = "name = \"p\"\nversion = 1\n[[conditions]]\nkind = \"cooling_of\"\nhours = 24\n";
    assert!(toml::from_str::<DisbursementPolicy>(text).is_err());
}
