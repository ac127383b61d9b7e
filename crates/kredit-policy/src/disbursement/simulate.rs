//! Replaying a draft policy over past cases before it goes live: which
//! loans it would have released and when, which it would still hold and
//! why, which it would have blocked.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::evaluate::{Outcome, Reason, ReasonCode, evaluate_addressed, next_check_at};
use super::facts::{Facts, Timestamp};
use super::policy::DisbursementPolicy;

/// The facts as known from `at` until the next entry of the timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimedFacts {
    pub at: Timestamp,
    pub facts: Facts,
}

/// One past application and how its facts changed over time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationCase {
    pub application_id: i64,
    /// In any order; entries with the same `at` apply in the order given,
    /// the last winning.
    pub timeline: Vec<TimedFacts>,
}

/// What the policy would have done with one case in the window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case", deny_unknown_fields)]
pub enum CaseOutcome {
    /// First Ready at `at`: the payout would have gone out then.
    Released { at: Timestamp },
    /// Still waiting at the end of the window.
    Held { reasons: Vec<Reason> },
    /// Blocked at the end of the window.
    Blocked { reasons: Vec<Reason> },
    /// No facts at or before the end of the window.
    NoFacts,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseResult {
    pub application_id: i64,
    pub outcome: CaseOutcome,
}

/// The simulation's result: every case in input order, counts per outcome,
/// and how many held or blocked cases each reason code applies to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationReport {
    pub policy_name: String,
    pub policy_version: u32,
    pub policy_address: String,
    pub from: Timestamp,
    pub to: Timestamp,
    pub cases: Vec<CaseResult>,
    pub released: usize,
    pub held: usize,
    pub blocked: usize,
    pub no_facts: usize,
    pub reasons: BTreeMap<ReasonCode, usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimulationError {
    #[error("the window ends ({to}) before it starts ({from})")]
    WindowReversed { from: Timestamp, to: Timestamp },
}

/// Replays `policy` over each case from `from` to `to` (inclusive). The
/// policy is evaluated at `from`, at each change of a case's facts within
/// the window, and at each moment a waiting cooling-off would end
/// ([`next_check_at`]); the first Ready releases the case. Deterministic:
/// the same inputs give the same report, byte for byte.
pub fn simulate(
    policy: &DisbursementPolicy,
    cases: &[SimulationCase],
    from: Timestamp,
    to: Timestamp,
) -> Result<SimulationReport, SimulationError> {
    if to < from {
        return Err(SimulationError::WindowReversed { from, to });
    }
    let mut report = SimulationReport {
        policy_name: policy.name.clone(),
        policy_version: policy.version,
        policy_address: policy.content_address(),
        from,
        to,
        cases: Vec::with_capacity(cases.len()),
        released: 0,
        held: 0,
        blocked: 0,
        no_facts: 0,
        reasons: BTreeMap::new(),
    };
    for case in cases {
        let outcome = replay(policy, &report.policy_address, case, from, to);
        match &outcome {
            CaseOutcome::Released { .. } => report.released += 1,
            CaseOutcome::Held { reasons } => {
                report.held += 1;
                count_reasons(&mut report.reasons, reasons);
            }
            CaseOutcome::Blocked { reasons } => {
                report.blocked += 1;
                count_reasons(&mut report.reasons, reasons);
            }
            CaseOutcome::NoFacts => report.no_facts += 1,
        }
        report.cases.push(CaseResult {
            application_id: case.application_id,
            outcome,
        });
    }
    Ok(report)
}

/// Counts each code once per case, however many conditions gave it.
fn count_reasons(counts: &mut BTreeMap<ReasonCode, usize>, reasons: &[Reason]) {
    let mut codes: Vec<ReasonCode> = reasons.iter().map(Reason::code).collect();
    codes.sort_unstable();
    codes.dedup();
    for code in codes {
        *counts.entry(code).or_default() += 1;
    }
}

fn replay(
    policy: &DisbursementPolicy,
    policy_address: &str,
    case: &SimulationCase,
    from: Timestamp,
    to: Timestamp,
) -> CaseOutcome {
    let mut timeline: Vec<&TimedFacts> = case.timeline.iter().filter(|t| t.at <= to).collect();
    // Stable, so entries at the same moment keep their given order.
    timeline.sort_by_key(|entry| entry.at);
    // The entry in force at `from` is the last one at or before it.
    let start = timeline
        .iter()
        .rposition(|entry| entry.at <= from)
        .unwrap_or(0);
    let Some(last_entry) = timeline.last() else {
        return CaseOutcome::NoFacts;
    };
    let mut moment = from;
    for (index, entry) in timeline.iter().enumerate().skip(start) {
        // This entry holds until the next one begins, or to the window's end.
        let next_at = timeline.get(index + 1).map(|next| next.at);
        if next_at == Some(entry.at) {
            continue;
        }
        moment = moment.max(entry.at);
        loop {
            let evaluation =
                evaluate_addressed(policy, policy_address.into(), &entry.facts, moment);
            if evaluation.outcome == Outcome::Ready {
                return CaseOutcome::Released { at: moment };
            }
            match next_check_at(&evaluation)
                .filter(|&at| at <= to && next_at.is_none_or(|next| at < next))
            {
                Some(at) => moment = at,
                None => break,
            }
        }
    }
    // Not released: the state at the window's end. (Ready cannot come up
    // here, since every moment a wait could end was evaluated above, but it
    // would mean released at `to`.)
    match evaluate_addressed(policy, policy_address.into(), &last_entry.facts, to).outcome {
        Outcome::Ready => CaseOutcome::Released { at: to },
        Outcome::Waiting(reasons) => CaseOutcome::Held { reasons },
        Outcome::Blocked(reasons) => CaseOutcome::Blocked { reasons },
    }
}

impl SimulationReport {
    /// The plain-text table `kredit policy simulate` prints: the window,
    /// counts per outcome and per reason, then one line per case. Times are
    /// UTC; the text depends on nothing but the report.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let total = self.cases.len();
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "policy  {} v{} {}",
            self.policy_name, self.policy_version, self.policy_address
        );
        let _ = writeln!(
            out,
            "window  {} .. {}",
            render_time(self.from),
            render_time(self.to)
        );
        let _ = writeln!(out);
        let _ = writeln!(out, "{:<24} {:>8}", "outcome", "cases");
        for (label, count) in [
            ("released", self.released),
            ("held", self.held),
            ("blocked", self.blocked),
            ("no_facts", self.no_facts),
        ] {
            let _ = writeln!(out, "{label:<24} {count:>8}");
        }
        let _ = writeln!(out, "{:<24} {total:>8}", "total");
        let _ = writeln!(out);
        let _ = writeln!(out, "{:<24} {:>8}", "reason", "cases");
        if self.reasons.is_empty() {
            let _ = writeln!(out, "(none)");
        }
        for (code, count) in &self.reasons {
            let _ = writeln!(out, "{:<24} {count:>8}", code.as_str());
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "{:<20} {:<10} detail", "application", "outcome");
        for case in &self.cases {
            let (label, detail) = match &case.outcome {
                CaseOutcome::Released { at } => ("released", render_time(*at)),
                CaseOutcome::Held { reasons } => ("held", render_reasons(reasons)),
                CaseOutcome::Blocked { reasons } => ("blocked", render_reasons(reasons)),
                CaseOutcome::NoFacts => ("no_facts", String::new()),
            };
            let line = format!("{:<20} {label:<10} {detail}", case.application_id);
            let _ = writeln!(out, "{}", line.trim_end());
        }
        out
    }
}

fn render_reasons(reasons: &[Reason]) -> String {
    reasons
        .iter()
        .map(|reason| match reason {
            Reason::CoolingOff { until } => format!("cooling_off until {}", render_time(*until)),
            Reason::ApprovalsNeeded { have, need } => format!("approvals_needed {have}/{need}"),
            other => other.code().as_str().to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `2026-12-03T19:00:00Z`, or the raw seconds when out of chrono's range.
fn render_time(at: Timestamp) -> String {
    chrono::DateTime::from_timestamp(at, 0).map_or_else(
        || at.to_string(),
        |time| time.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}
