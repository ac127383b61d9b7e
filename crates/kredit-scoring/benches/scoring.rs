//! Scoring throughput, single-application latency with explanation, and
//! training time on German Credit (the fixture). If the Taiwan credit-card
//! file is present at ../shared/data (beside the repository), its GBM is
//! timed too; otherwise that part is skipped with a note.
//!
//! `cargo bench -p kredit-scoring`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use kredit_scoring::encode::Matrix;
use kredit_scoring::{
    Applicant, Dataset, LoadOptions, Model, ModelKind, TrainConfig, Value, train,
};

fn german() -> Dataset {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/german_credit.csv");
    Dataset::from_csv(
        std::fs::File::open(path).unwrap(),
        &LoadOptions::new("creditability", "bad"),
    )
    .unwrap()
}

fn config(kind: ModelKind) -> TrainConfig {
    TrainConfig {
        kind,
        ..TrainConfig::default()
    }
}

/// The German Credit rows as applications (feature name → value).
fn applicants(data: &Dataset) -> Vec<Applicant> {
    (0..data.rows())
        .map(|i| {
            let mut applicant = Applicant::new();
            for feature in &data.features {
                let value = match &feature.column {
                    kredit_scoring::data::Column::Numeric(values) => Value::Number(values[i]),
                    kredit_scoring::data::Column::Categorical { codes, levels } => levels
                        .get(codes[i] as usize)
                        .map_or(Value::Missing, |l| Value::Text(l.clone())),
                };
                applicant.values.insert(feature.name.clone(), value);
            }
            applicant
        })
        .collect()
}

/// Scores every row once per iteration: batch scoring of encoded rows.
fn bench_throughput(c: &mut Criterion, name: &str, model: &Model, rows: &Matrix) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(rows.rows() as u64));
    group.bench_function("predict_encoded_rows", |b| {
        b.iter(|| {
            let mut total = 0.0;
            for i in 0..rows.rows() {
                total += model.predict(black_box(rows.row(i))).pd;
            }
            total
        })
    });
    group.finish();
}

/// One application from a name → value map, with its reasons.
fn bench_single(c: &mut Criterion, name: &str, model: &Model, applicants: &[Applicant]) {
    let mut next = 0;
    c.bench_function(&format!("{name}/score_application_with_reasons"), |b| {
        b.iter(|| {
            next = (next + 1) % applicants.len();
            model.score(black_box(&applicants[next]))
        })
    });
    report_p99(name, model, applicants);
}

/// Criterion reports means; the target is a tail latency, so measure it directly.
fn report_p99(name: &str, model: &Model, applicants: &[Applicant]) {
    let mut latencies: Vec<Duration> = Vec::with_capacity(100_000);
    for k in 0..100_000 {
        let applicant = &applicants[k % applicants.len()];
        let start = Instant::now();
        black_box(model.score(black_box(applicant)));
        latencies.push(start.elapsed());
    }
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "{name}/score_application_with_reasons latency over 100000 calls: p50 {:?}  p99 {:?}  max {:?}",
        at(0.5),
        at(0.99),
        latencies[latencies.len() - 1]
    );
}

fn scoring(c: &mut Criterion) {
    let data = german();
    let applicants = applicants(&data);
    for (name, kind) in [("scorecard", ModelKind::Scorecard), ("gbm", ModelKind::Gbm)] {
        let model = train(&data, &config(kind)).unwrap().model;
        let rows = model.encode_dataset(&data).unwrap();
        bench_throughput(c, name, &model, &rows);
        bench_single(c, name, &model, &applicants);
    }
}

fn training(c: &mut Criterion) {
    let data = german();
    let mut group = c.benchmark_group("train_german_credit");
    group.sample_size(20);
    for (name, kind) in [("scorecard", ModelKind::Scorecard), ("gbm", ModelKind::Gbm)] {
        group.bench_function(name, |b| {
            b.iter_batched(
                || config(kind),
                |cfg| train(&data, &cfg).unwrap(),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

fn taiwan(c: &mut Criterion) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/taiwan_default_of_credit_card_clients.csv"
    );
    let Ok(file) = std::fs::File::open(path) else {
        println!("taiwan: {path} not present, skipped");
        return;
    };
    let options = LoadOptions {
        exclude: vec!["ID".into()],
        ..LoadOptions::new("Y", "1")
    };
    let data = Dataset::from_csv(std::io::BufReader::new(file), &options).unwrap();
    let mut group = c.benchmark_group("taiwan_30000_rows");
    group.sample_size(10);
    group.bench_function("train_gbm", |b| {
        b.iter(|| train(&data, &config(ModelKind::Gbm)).unwrap())
    });
    group.finish();
    let model = train(&data, &config(ModelKind::Gbm)).unwrap().model;
    let rows = model.encode_dataset(&data).unwrap();
    bench_throughput(c, "taiwan_gbm", &model, &rows);
}

criterion_group!(benches, scoring, training, taiwan);
criterion_main!(benches);
