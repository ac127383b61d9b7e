//! The inline fraud decision's pure part: the shipped scenario over a
//! gathered feature map (docs/benchmarks.md). Run with
//! `cargo bench -p kredit-risk --bench decision`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kredit_risk::expr::{Aggregate, Features, Key, Value, Window, aggregate_name};
use kredit_risk::scenario::Scenario;
use kredit_risk::schema::kredit_schema;
use kredit_risk::velocity::Velocity;

fn features() -> Features {
    let mut features = Features::new();
    for key in Key::ALL {
        for window in Window::ALL {
            for aggregate in Aggregate::ALL {
                features.insert(aggregate_name(aggregate, key, window), Value::Int(3));
            }
        }
    }
    let plain = [
        ("event", Value::Text("application".into())),
        ("amount", Value::Money(5_000_000)),
        ("term_months", Value::Int(12)),
        ("product_code", Value::Text("cash-12".into())),
        ("applicant_age", Value::Int(31)),
        ("monthly_income", Value::Money(1_200_000)),
        ("monthly_income_declared", Value::Bool(true)),
        ("device_present", Value::Bool(true)),
        ("applicant_name", Value::Text("张伟".into())),
        ("payee_name", Value::Text("张伟".into())),
    ];
    for (name, value) in plain {
        features.insert(name.to_owned(), value);
    }
    features
}

fn bench(c: &mut Criterion) {
    let scenario = Scenario::from_toml(kredit_risk::DEFAULT_SCENARIO, &kredit_schema())
        .expect("the shipped scenario compiles");
    let features = features();
    c.bench_function("decide_default_scenario", |b| {
        b.iter(|| scenario.decide(black_box(&features)))
    });
    c.bench_function("compile_default_scenario", |b| {
        b.iter(|| Scenario::from_toml(black_box(kredit_risk::DEFAULT_SCENARIO), &kredit_schema()))
    });
    let mut velocity = Velocity::new();
    for i in 0..100_000i64 {
        velocity.record(
            Key::Device,
            &format!("d{}", i % 1_000),
            i * 30,
            (i % 5_000) as u64,
        );
    }
    c.bench_function("velocity_distinct_7d", |b| {
        b.iter(|| velocity.distinct(Key::Device, black_box("d7"), Window::Week, 3_000_000))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
