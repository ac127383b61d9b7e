//! Scenarios as data (docs/fraud.md, *Scenarios*): a named, versioned set
//! of weighted rules and the score thresholds that map their sum to an
//! outcome. A scenario is TOML, compiled once when it is saved (every rule
//! parsed and type-checked, every problem named), and [`Scenario::decide`]
//! is a pure function of the scenario and the features.

use std::collections::BTreeSet;
use std::str::FromStr;

use kredit_policy::disbursement::FraudOutcome;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::expr::{Features, Rule, RuleError, Schema};

/// A scenario's lifecycle: a draft is edited and backtested, a shadow runs
/// on live traffic and records what it would have decided without acting,
/// a live scenario decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum ScenarioStatus {
    Draft,
    Shadow,
    Live,
}

impl ScenarioStatus {
    pub const ALL: [ScenarioStatus; 3] = [
        ScenarioStatus::Draft,
        ScenarioStatus::Shadow,
        ScenarioStatus::Live,
    ];

    /// The one string, in TOML, JSON, SQL and logs.
    pub const fn as_str(self) -> &'static str {
        match self {
            ScenarioStatus::Draft => "draft",
            ScenarioStatus::Shadow => "shadow",
            ScenarioStatus::Live => "live",
        }
    }

    /// Forward only, one step at a time; a shadow may go back to draft to
    /// be edited.
    pub fn can_become(self, next: ScenarioStatus) -> bool {
        use ScenarioStatus::*;
        matches!(
            (self, next),
            (Draft, Shadow) | (Shadow, Live) | (Shadow, Draft)
        )
    }
}

impl FromStr for ScenarioStatus {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ScenarioStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| format!("unknown scenario status {text:?}"))
    }
}

impl TryFrom<String> for ScenarioStatus {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<ScenarioStatus> for &'static str {
    fn from(status: ScenarioStatus) -> &'static str {
        status.as_str()
    }
}

/// The lowest score of each outcome above approve (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub review: i64,
    pub block_and_review: i64,
    pub decline: i64,
}

impl Thresholds {
    pub fn outcome(&self, score: i64) -> FraudOutcome {
        if score >= self.decline {
            FraudOutcome::Decline
        } else if score >= self.block_and_review {
            FraudOutcome::BlockAndReview
        } else if score >= self.review {
            FraudOutcome::Review
        } else {
            FraudOutcome::Approve
        }
    }
}

/// A rule as written in the scenario file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// A stable code, shown to staff and counted in backtests.
    pub name: String,
    /// What the rule means, for the underwriter.
    pub description: String,
    /// The condition, in the rule language.
    pub when: String,
    /// Added to the score when the condition holds; may be negative.
    pub weight: i64,
}

/// A scenario file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    pub name: String,
    pub version: u32,
    pub status: ScenarioStatus,
    pub thresholds: Thresholds,
    #[serde(rename = "rule")]
    pub rules: Vec<RuleSpec>,
}

/// One thing wrong with a scenario: the rule (by index and name) and,
/// for a rule that does not compile, where in its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ScenarioProblem {
    /// `rule[2].when`, `thresholds`, …
    pub field: String,
    pub message: String,
    pub at: Option<crate::expr::Position>,
}

#[derive(Debug, Clone)]
pub struct CompiledRule {
    pub spec: RuleSpec,
    pub rule: Rule,
}

/// A checked scenario, ready to decide.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub spec: ScenarioSpec,
    pub rules: Vec<CompiledRule>,
}

impl Scenario {
    /// Reads and compiles a scenario file.
    pub fn from_toml(text: &str, schema: &Schema) -> Result<Scenario, Vec<ScenarioProblem>> {
        let spec: ScenarioSpec = toml::from_str(text).map_err(|e| {
            vec![ScenarioProblem {
                field: "(file)".to_owned(),
                message: e.message().to_owned(),
                at: None,
            }]
        })?;
        Scenario::compile(spec, schema)
    }

    /// Every rule parsed and type-checked, names unique, thresholds in
    /// order; all the problems at once.
    pub fn compile(spec: ScenarioSpec, schema: &Schema) -> Result<Scenario, Vec<ScenarioProblem>> {
        let mut problems = Vec::new();
        let t = spec.thresholds;
        if !(t.review <= t.block_and_review && t.block_and_review <= t.decline) {
            problems.push(ScenarioProblem {
                field: "thresholds".to_owned(),
                message: "review ≤ block_and_review ≤ decline".to_owned(),
                at: None,
            });
        }
        if t.review <= 0 {
            // A score of zero (nothing fired) must approve.
            problems.push(ScenarioProblem {
                field: "thresholds.review".to_owned(),
                message: "must be above zero, so a clean application is approved".to_owned(),
                at: None,
            });
        }
        let mut names = BTreeSet::new();
        let mut rules = Vec::new();
        for (i, rule) in spec.rules.iter().enumerate() {
            if rule.name.is_empty() || !names.insert(rule.name.as_str()) {
                problems.push(ScenarioProblem {
                    field: format!("rule[{i}].name"),
                    message: "rule names are unique and not empty".to_owned(),
                    at: None,
                });
            }
            match Rule::compile(&rule.when, schema) {
                Ok(compiled) => rules.push(CompiledRule {
                    spec: rule.clone(),
                    rule: compiled,
                }),
                Err(RuleError { at, message }) => problems.push(ScenarioProblem {
                    field: format!("rule[{i}].when"),
                    message,
                    at: Some(at),
                }),
            }
        }
        if problems.is_empty() {
            Ok(Scenario { spec, rules })
        } else {
            Err(problems)
        }
    }

    /// Every feature some rule reads.
    pub fn features(&self) -> BTreeSet<String> {
        self.rules
            .iter()
            .flat_map(|r| r.rule.features.iter().cloned())
            .collect()
    }

    /// The weighted sum of the rules that hold, mapped to an outcome. A
    /// rule that cannot be evaluated (a feature missing, an overflow) adds
    /// nothing to the score but makes the outcome at least review: an
    /// error never approves.
    pub fn decide(&self, features: &Features) -> Decision {
        let mut contributions = Vec::with_capacity(self.rules.len());
        let mut failures = Vec::new();
        let mut score: i64 = 0;
        for rule in &self.rules {
            match rule.rule.holds(features) {
                Ok(fired) => {
                    let contribution = if fired { rule.spec.weight } else { 0 };
                    score = score.saturating_add(contribution);
                    contributions.push(Contribution {
                        rule: rule.spec.name.clone(),
                        description: rule.spec.description.clone(),
                        fired,
                        weight: rule.spec.weight,
                        contribution,
                    });
                }
                Err(error) => failures.push(RuleFailure {
                    rule: rule.spec.name.clone(),
                    error: error.to_string(),
                }),
            }
        }
        let mut outcome = self.spec.thresholds.outcome(score);
        if !failures.is_empty() {
            outcome = outcome.max(FraudOutcome::Review);
        }
        Decision {
            scenario: self.spec.name.clone(),
            scenario_version: self.spec.version,
            outcome,
            score,
            contributions,
            failures,
            escalations: Vec::new(),
            inputs_sha256: inputs_sha256(features),
        }
    }
}

/// What one rule added to the score: the explanation shown to staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contribution {
    pub rule: String,
    pub description: String,
    pub fired: bool,
    pub weight: i64,
    pub contribution: i64,
}

/// A rule that could not be evaluated, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleFailure {
    pub rule: String,
    pub error: String,
}

/// An outcome imposed from outside the score (a sanctions hit, a timeout),
/// with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    pub outcome: FraudOutcome,
    pub code: String,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub scenario: String,
    pub scenario_version: u32,
    pub outcome: FraudOutcome,
    pub score: i64,
    pub contributions: Vec<Contribution>,
    pub failures: Vec<RuleFailure>,
    pub escalations: Vec<Escalation>,
    /// `sha256:<hex>` of the features' canonical JSON (keys sorted).
    pub inputs_sha256: String,
}

impl Decision {
    /// Raises the outcome to at least `outcome`, recording why; never
    /// lowers it.
    pub fn escalate(&mut self, outcome: FraudOutcome, code: &str, detail: serde_json::Value) {
        self.outcome = self.outcome.max(outcome);
        self.escalations.push(Escalation {
            outcome,
            code: code.to_owned(),
            detail,
        });
    }

    /// The rules that fired, for the alert and the underwriter.
    pub fn fired(&self) -> impl Iterator<Item = &Contribution> {
        self.contributions.iter().filter(|c| c.fired)
    }

    /// The decision when none could be taken (a timeout, an internal
    /// error): review, never approve.
    pub fn unavailable(scenario: &str, version: u32, why: &str) -> Decision {
        let mut decision = Decision {
            scenario: scenario.to_owned(),
            scenario_version: version,
            outcome: FraudOutcome::Review,
            score: 0,
            contributions: Vec::new(),
            failures: Vec::new(),
            escalations: Vec::new(),
            inputs_sha256: inputs_sha256(&Features::new()),
        };
        decision.escalate(
            FraudOutcome::Review,
            "fraud_check_unavailable",
            serde_json::json!({ "why": why }),
        );
        decision
    }
}

/// The hash recorded with a decision, so the inputs it was taken on can be
/// shown to be the ones stored.
pub fn inputs_sha256(features: &Features) -> String {
    // A BTreeMap of plain values always serialises.
    let bytes = serde_json::to_vec(features).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    let mut hex = String::with_capacity(71);
    hex.push_str("sha256:");
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}
