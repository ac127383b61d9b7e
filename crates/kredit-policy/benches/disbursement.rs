//! Disbursement policy evaluation speed. The budget is 50 µs at the 99th
//! percentile per evaluation (it runs before every payout is submitted and
//! in every simulation step). Criterion measures the means; `main` also
//! times single evaluations and prints their percentiles, since Criterion
//! reports no p99.
//!
//! cargo bench -p kredit-policy --bench disbursement

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group};
use kredit_policy::disbursement::{
    Approval, ApprovalDecision, Condition, DisbursementPolicy, FactRef, Facts, FraudFact,
    FraudOutcome, SignedFact, SimulationCase, StaffId, TimedFacts, Timestamp, evaluate, simulate,
};

const SIGNED_AT: Timestamp = 1_780_000_000;
const HOUR: i64 = 3600;

/// Every condition kind: the most work an evaluation can have.
fn full_policy() -> DisbursementPolicy {
    DisbursementPolicy {
        name: "large-loans".into(),
        version: 3,
        conditions: vec![
            Condition::IdentityVerified {},
            Condition::FraudDecision {},
            Condition::ContractSigned {},
            Condition::CoolingOff { hours: 24 },
            Condition::Approvals {
                above_fen: 5_000_000,
                required: 2,
                of_roles: vec!["risk_officer".into(), "admin".into()],
            },
            Condition::FundingAvailable {},
            Condition::ProductIn {
                codes: vec!["CONSUMER-01".into(), "CONSUMER-02".into()],
            },
            Condition::MaxPrincipal { fen: 20_000_000 },
        ],
    }
}

fn facts() -> Facts {
    let approval = |staff: i64, role: &str, log_index: u64| Approval {
        staff_id: StaffId(staff),
        roles: vec![role.into(), "underwriter".into()],
        decision: ApprovalDecision::Approve,
        at: SIGNED_AT + HOUR,
        fact: FactRef::logged(log_index),
    };
    Facts {
        principal_fen: 10_000_000,
        net_proceeds_fen: 9_900_000,
        product_code: "CONSUMER-02".into(),
        identity_verified: Some(FactRef::logged(1)),
        fraud: Some(FraudFact {
            outcome: FraudOutcome::Approve,
            fact: FactRef::logged(2),
        }),
        contract_signed: Some(SignedFact {
            at: SIGNED_AT,
            fact: FactRef::logged(3),
        }),
        maker: StaffId(7),
        approvals: vec![
            approval(7, "risk_officer", 9),
            approval(11, "risk_officer", 10),
            approval(12, "admin", 11),
            approval(11, "admin", 12),
        ],
        funding_available_fen: Some(50_000_000),
    }
}

fn bench_evaluate(c: &mut Criterion) {
    let policy = full_policy();
    let facts = facts();
    c.bench_function("evaluate/full_policy_ready", |b| {
        b.iter(|| evaluate(black_box(&policy), black_box(&facts), SIGNED_AT + 48 * HOUR))
    });
    c.bench_function("evaluate/full_policy_waiting", |b| {
        b.iter(|| evaluate(black_box(&policy), black_box(&facts), SIGNED_AT + HOUR))
    });
    c.bench_function("content_address/full_policy", |b| {
        b.iter(|| black_box(&policy).content_address())
    });
}

fn bench_simulate(c: &mut Criterion) {
    let policy = full_policy();
    let cases: Vec<SimulationCase> = (0..1000)
        .map(|i| {
            let signed_at = SIGNED_AT + i * HOUR;
            let mut reviewing = facts();
            reviewing.fraud = Some(FraudFact {
                outcome: FraudOutcome::Review,
                fact: FactRef::logged(2),
            });
            SimulationCase {
                application_id: i,
                timeline: vec![
                    TimedFacts {
                        at: signed_at,
                        facts: reviewing,
                    },
                    TimedFacts {
                        at: signed_at + 2 * HOUR,
                        facts: facts(),
                    },
                ],
            }
        })
        .collect();
    c.bench_function("simulate/1000_cases", |b| {
        b.iter(|| {
            simulate(
                &policy,
                black_box(&cases),
                SIGNED_AT,
                SIGNED_AT + 2000 * HOUR,
            )
        })
    });
}

criterion_group!(benches, bench_evaluate, bench_simulate);

/// Times 100 000 single evaluations and prints p50, p99 and the maximum.
fn percentiles() {
    let policy = full_policy();
    let facts = facts();
    let mut nanos: Vec<u128> = (0..100_000)
        .map(|i| {
            let now = SIGNED_AT + (i % 48) * HOUR;
            let start = Instant::now();
            black_box(evaluate(black_box(&policy), black_box(&facts), now));
            start.elapsed().as_nanos()
        })
        .collect();
    nanos.sort_unstable();
    let at = |fraction: f64| nanos[((nanos.len() - 1) as f64 * fraction) as usize];
    println!(
        "evaluate/full_policy single calls: p50 {:.2} µs, p99 {:.2} µs, max {:.2} µs (budget p99 50 µs)",
        at(0.50) as f64 / 1000.0,
        at(0.99) as f64 / 1000.0,
        at(1.0) as f64 / 1000.0
    );
}

fn main() {
    percentiles();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
