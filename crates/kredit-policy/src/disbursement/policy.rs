//! The policy document: which conditions a loan's payout waits for. Data,
//! not code, so a lender can read it, version it and prove which one was in
//! force: its content address names exactly one document.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use kredit_core::string_enum;

/// The longest cooling-off period a policy may ask for: 30 days. Longer is
/// almost certainly a typo (days written as hours) and would hold every
/// payout for a month.
pub const MAX_COOLING_OFF_HOURS: u32 = 720;

/// Names, roles and product codes are at most this long.
const MAX_IDENTIFIER_LEN: usize = 64;

/// A versioned disbursement policy. Conditions are evaluated in their order
/// here and reported in that order; each kind appears at most once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisbursementPolicy {
    /// Lower-case ASCII letters, digits, `-` and `_`, starting with a letter.
    pub name: String,
    /// Starts at 1; a changed policy gets a new version (the content address
    /// tells versions apart even when someone forgets).
    pub version: u32,
    pub conditions: Vec<Condition>,
}

/// One condition of a policy. Tagged by `kind` so that JSON and TOML
/// (`[[conditions]]` tables) read the same. The conditions without
/// parameters are empty struct variants rather than unit variants because
/// serde ignores unknown fields beside the tag of a unit variant, and a
/// misspelt parameter must be refused, not silently dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// The borrower's real-name verification has succeeded.
    IdentityVerified {},
    /// The fraud check approved: `review` waits, `block_and_review` and
    /// `decline` block.
    FraudDecision {},
    /// The borrower has signed the contract.
    ContractSigned {},
    /// At least `hours` have passed since the contract was signed (0: no
    /// wait once signed).
    CoolingOff { hours: u32 },
    /// For a principal strictly above `above_fen`, `required` distinct
    /// approvers, other than the loan's maker, each holding one of
    /// `of_roles`. Any rejection blocks.
    Approvals {
        above_fen: i64,
        required: u8,
        of_roles: Vec<String>,
    },
    /// The funding account's available balance covers the net proceeds.
    FundingAvailable {},
    /// The loan's product is one of `codes`.
    ProductIn { codes: Vec<String> },
    /// The principal is at most `fen`.
    MaxPrincipal { fen: i64 },
}

string_enum! {
    /// A condition's kind: its `kind` tag in the policy document.
    pub enum ConditionKind ("condition kind") {
        IdentityVerified = "identity_verified",
        FraudDecision = "fraud_decision",
        ContractSigned = "contract_signed",
        CoolingOff = "cooling_off",
        Approvals = "approvals",
        FundingAvailable = "funding_available",
        ProductIn = "product_in",
        MaxPrincipal = "max_principal",
    }
}

impl Condition {
    pub fn kind(&self) -> ConditionKind {
        match self {
            Condition::IdentityVerified {} => ConditionKind::IdentityVerified,
            Condition::FraudDecision {} => ConditionKind::FraudDecision,
            Condition::ContractSigned {} => ConditionKind::ContractSigned,
            Condition::CoolingOff { .. } => ConditionKind::CoolingOff,
            Condition::Approvals { .. } => ConditionKind::Approvals,
            Condition::FundingAvailable {} => ConditionKind::FundingAvailable,
            Condition::ProductIn { .. } => ConditionKind::ProductIn,
            Condition::MaxPrincipal { .. } => ConditionKind::MaxPrincipal,
        }
    }
}

string_enum! {
    /// What is wrong with a policy, one code per kind of problem.
    pub enum ProblemCode ("policy problem") {
        NameInvalid = "name_invalid",
        VersionZero = "version_zero",
        NoConditions = "no_conditions",
        DuplicateCondition = "duplicate_condition",
        CoolingOffTooLong = "cooling_off_too_long",
        ThresholdNegative = "threshold_negative",
        RequiredZero = "required_zero",
        RolesEmpty = "roles_empty",
        RoleInvalid = "role_invalid",
        RoleDuplicate = "role_duplicate",
        CodesEmpty = "codes_empty",
        CodeInvalid = "code_invalid",
        CodeDuplicate = "code_duplicate",
        MaxPrincipalNotPositive = "max_principal_not_positive",
    }
}

/// One problem of a policy, named by its field path
/// (`conditions[2].of_roles[0]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyProblem {
    pub field: String,
    pub code: ProblemCode,
    pub message: String,
}

impl DisbursementPolicy {
    /// Every problem of the policy at once, so a lender fixes a draft in one
    /// pass. A policy that passes can be evaluated and means what it says.
    pub fn validate(&self) -> Result<(), Vec<PolicyProblem>> {
        let mut problems = Vec::new();
        let mut report = |field: String, code: ProblemCode, message: String| {
            problems.push(PolicyProblem {
                field,
                code,
                message,
            });
        };
        if !is_name(&self.name) {
            report(
                "name".into(),
                ProblemCode::NameInvalid,
                format!(
                    "must be 1 to {MAX_IDENTIFIER_LEN} lower-case letters, digits, '-' or '_', starting with a letter"
                ),
            );
        }
        if self.version == 0 {
            report(
                "version".into(),
                ProblemCode::VersionZero,
                "versions start at 1".into(),
            );
        }
        if self.conditions.is_empty() {
            report(
                "conditions".into(),
                ProblemCode::NoConditions,
                "a policy without conditions would pay out as soon as the contract is accepted"
                    .into(),
            );
        }
        let mut kinds = BTreeSet::new();
        for (index, condition) in self.conditions.iter().enumerate() {
            let at = |field: &str| format!("conditions[{index}]{field}");
            if !kinds.insert(condition.kind()) {
                report(
                    at(""),
                    ProblemCode::DuplicateCondition,
                    format!("{} appears more than once", condition.kind()),
                );
            }
            match condition {
                Condition::IdentityVerified {}
                | Condition::FraudDecision {}
                | Condition::ContractSigned {}
                | Condition::FundingAvailable {} => {}
                Condition::CoolingOff { hours } => {
                    if *hours > MAX_COOLING_OFF_HOURS {
                        report(
                            at(".hours"),
                            ProblemCode::CoolingOffTooLong,
                            format!("must be at most {MAX_COOLING_OFF_HOURS} hours"),
                        );
                    }
                }
                Condition::Approvals {
                    above_fen,
                    required,
                    of_roles,
                } => {
                    if *above_fen < 0 {
                        report(
                            at(".above_fen"),
                            ProblemCode::ThresholdNegative,
                            "must be 0 or more".into(),
                        );
                    }
                    if *required == 0 {
                        report(
                            at(".required"),
                            ProblemCode::RequiredZero,
                            "must be at least 1; leave the condition out to require none".into(),
                        );
                    }
                    check_identifiers(
                        &at(".of_roles"),
                        of_roles,
                        is_role,
                        [
                            ProblemCode::RolesEmpty,
                            ProblemCode::RoleInvalid,
                            ProblemCode::RoleDuplicate,
                        ],
                        &mut report,
                    );
                }
                Condition::ProductIn { codes } => check_identifiers(
                    &at(".codes"),
                    codes,
                    is_product_code,
                    [
                        ProblemCode::CodesEmpty,
                        ProblemCode::CodeInvalid,
                        ProblemCode::CodeDuplicate,
                    ],
                    &mut report,
                ),
                Condition::MaxPrincipal { fen } => {
                    if *fen <= 0 {
                        report(
                            at(".fen"),
                            ProblemCode::MaxPrincipalNotPositive,
                            "must be more than 0".into(),
                        );
                    }
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// `sha256:` and the hex SHA-256 of the policy's canonical JSON (keys
    /// sorted, no whitespace): the same document gives the same address on
    /// every machine, and any change to any field gives another. The order
    /// of `conditions` is part of the document (it is the order results are
    /// reported in), so reordering them is a change too.
    pub fn content_address(&self) -> String {
        let digest = kredit_core::canonical::digest(self)
            .expect("a policy is strings, integers and lists, which always serialise");
        format!("sha256:{digest}")
    }
}

/// The policy a fresh install runs: identity verified, fraud check
/// approved, contract signed, no cooling-off wait, funds available.
pub fn default_policy() -> DisbursementPolicy {
    DisbursementPolicy {
        name: "default".into(),
        version: 1,
        conditions: vec![
            Condition::IdentityVerified {},
            Condition::FraudDecision {},
            Condition::ContractSigned {},
            Condition::CoolingOff { hours: 0 },
            Condition::FundingAvailable {},
        ],
    }
}

/// The problem codes of one list of identifiers: empty, invalid, duplicate.
type ListCodes = [ProblemCode; 3];

fn check_identifiers(
    field: &str,
    values: &[String],
    is_valid: fn(&str) -> bool,
    [empty, invalid, duplicate]: ListCodes,
    report: &mut impl FnMut(String, ProblemCode, String),
) {
    if values.is_empty() {
        report(field.into(), empty, "must list at least one".into());
    }
    let mut seen = BTreeSet::new();
    for (index, value) in values.iter().enumerate() {
        if !is_valid(value) {
            report(
                format!("{field}[{index}]"),
                invalid,
                format!("{value:?} is not a valid identifier"),
            );
        }
        if !seen.insert(value.as_str()) {
            report(
                format!("{field}[{index}]"),
                duplicate,
                format!("{value:?} is listed twice"),
            );
        }
    }
}

fn is_name(text: &str) -> bool {
    is_identifier(text, |c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'
    }) && text.starts_with(|c: char| c.is_ascii_lowercase())
}

/// Roles are the staff roles' snake_case names (`risk_officer`).
fn is_role(text: &str) -> bool {
    is_identifier(text, |c| c.is_ascii_lowercase() || c == '_')
        && text.starts_with(|c: char| c.is_ascii_lowercase())
}

/// Product codes are the catalogue's (`CONSUMER-01`).
fn is_product_code(text: &str) -> bool {
    is_identifier(text, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn is_identifier(text: &str, allowed: impl Fn(char) -> bool) -> bool {
    !text.is_empty() && text.len() <= MAX_IDENTIFIER_LEN && text.chars().all(allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(policy: &DisbursementPolicy) -> Vec<(String, ProblemCode)> {
        policy
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|p| (p.field, p.code))
            .collect()
    }

    #[test]
    fn the_default_policy_is_valid() {
        assert_eq!(default_policy().validate(), Ok(()));
    }

    #[test]
    fn every_problem_is_named_by_its_field() {
        let policy = DisbursementPolicy {
            name: "Bad Name".into(),
            version: 0,
            conditions: vec![
                Condition::CoolingOff { hours: 721 },
                Condition::CoolingOff { hours: 1 },
                Condition::Approvals {
                    above_fen: -1,
                    required: 0,
                    of_roles: vec![],
                },
                Condition::ProductIn {
                    codes: vec!["A 1".into(), "B".into(), "B".into()],
                },
                Condition::MaxPrincipal { fen: 0 },
            ],
        };
        assert_eq!(
            codes(&policy),
            [
                ("name".into(), ProblemCode::NameInvalid),
                ("version".into(), ProblemCode::VersionZero),
                ("conditions[0].hours".into(), ProblemCode::CoolingOffTooLong),
                ("conditions[1]".into(), ProblemCode::DuplicateCondition),
                (
                    "conditions[2].above_fen".into(),
                    ProblemCode::ThresholdNegative
                ),
                ("conditions[2].required".into(), ProblemCode::RequiredZero),
                ("conditions[2].of_roles".into(), ProblemCode::RolesEmpty),
                ("conditions[3].codes[0]".into(), ProblemCode::CodeInvalid),
                ("conditions[3].codes[2]".into(), ProblemCode::CodeDuplicate),
                (
                    "conditions[4].fen".into(),
                    ProblemCode::MaxPrincipalNotPositive
                ),
            ]
        );
    }

    #[test]
    fn cooling_off_may_be_zero_or_the_cap_but_not_beyond() {
        for (hours, ok) in [(0, true), (MAX_COOLING_OFF_HOURS, true), (721, false)] {
            let policy = DisbursementPolicy {
                conditions: vec![Condition::CoolingOff { hours }],
                ..default_policy()
            };
            assert_eq!(policy.validate().is_ok(), ok, "{hours} hours");
        }
    }

    #[test]
    fn roles_must_be_snake_case_and_distinct() {
        let policy = DisbursementPolicy {
            conditions: vec![Condition::Approvals {
                above_fen: 0,
                required: 1,
                of_roles: vec!["risk_officer".into(), "Admin".into(), "risk_officer".into()],
            }],
            ..default_policy()
        };
        assert_eq!(
            codes(&policy),
            [
                ("conditions[0].of_roles[1]".into(), ProblemCode::RoleInvalid),
                (
                    "conditions[0].of_roles[2]".into(),
                    ProblemCode::RoleDuplicate
                ),
            ]
        );
    }

    #[test]
    fn an_empty_policy_is_refused() {
        let policy = DisbursementPolicy {
            conditions: vec![],
            ..default_policy()
        };
        assert_eq!(
            codes(&policy),
            [("conditions".into(), ProblemCode::NoConditions)]
        );
    }

    #[test]
    fn names_follow_the_grammar() {
        for (name, ok) in [
            ("default", true),
            ("big-loans_2", true),
            ("", false),
            ("2fast", false),
            ("Upper", false),
            ("with space", false),
            (&"a".repeat(65), false),
        ] {
            let policy = DisbursementPolicy {
                name: name.to_owned(),
                ..default_policy()
            };
            assert_eq!(policy.validate().is_ok(), ok, "{name:?}");
        }
    }

    #[test]
    fn each_kind_tag_is_the_kind_string() {
        let all = [
            Condition::IdentityVerified {},
            Condition::FraudDecision {},
            Condition::ContractSigned {},
            Condition::CoolingOff { hours: 1 },
            Condition::Approvals {
                above_fen: 1,
                required: 1,
                of_roles: vec!["admin".into()],
            },
            Condition::FundingAvailable {},
            Condition::ProductIn {
                codes: vec!["A".into()],
            },
            Condition::MaxPrincipal { fen: 1 },
        ];
        assert_eq!(all.len(), ConditionKind::ALL.len());
        for condition in all {
            let json = serde_json::to_value(&condition).unwrap();
            assert_eq!(json["kind"], condition.kind().as_str());
            assert_eq!(
                condition.kind().as_str().parse::<ConditionKind>(),
                Ok(condition.kind())
            );
        }
    }

    #[test]
    fn unknown_fields_are_refused() {
        let text = r#"{"name":"p","version":1,"conditions":[],"extra":1}"#;
        assert!(serde_json::from_str::<DisbursementPolicy>(text).is_err());
        let text =
            r#"{"name":"p","version":1,"conditions":[{"kind":"cooling_off","hours":1,"days":1}]}"#;
        assert!(serde_json::from_str::<DisbursementPolicy>(text).is_err());
    }

    #[test]
    fn the_default_address_is_pinned() {
        // A changed address for the same document would orphan every
        // evaluation that cites it. Recomputed outside Rust:
        // printf '%s' '<the canonical text>' | sha256sum
        assert_eq!(
            default_policy().content_address(),
            "sha256:3837341dd049b934fd99c1126df13728352239886959519dd940c4d3bbdfb646"
        );
    }

    #[test]
    fn unknown_fields_on_a_unit_condition_are_refused() {
        let text =
            r#"{"name":"p","version":1,"conditions":[{"kind":"identity_verified","strict":true}]}"#;
        assert!(serde_json::from_str::<DisbursementPolicy>(text).is_err());
    }
}
