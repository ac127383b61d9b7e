//! `kredit model`: train, evaluate and cross-validate credit-risk models
//! (WoE scorecards and gradient-boosted trees) on a labelled CSV.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use kredit_scoring::cv::FoldMetrics;
use kredit_scoring::{
    CostMatrix, Dataset, Evaluation, LoadOptions, Model, ModelKind, PointsScaling, TrainConfig,
    cross_validate, evaluate, report, train,
};

#[derive(Args)]
pub struct ModelArgs {
    #[command(subcommand)]
    command: ModelCommand,
}

#[derive(Subcommand)]
enum ModelCommand {
    /// Train a model on a labelled CSV and save it as JSON.
    Train(TrainArgs),
    /// Measure a saved model on a labelled CSV.
    Evaluate(EvaluateArgs),
    /// k-fold cross-validation of the whole training recipe.
    Cv(CvArgs),
}

#[derive(Args)]
struct DataArgs {
    /// CSV file with a header row.
    #[arg(long)]
    data: PathBuf,
    /// The outcome column.
    #[arg(long)]
    target: String,
    /// The target value that means bad (defaulted); all other values are good.
    #[arg(long)]
    bad: String,
    /// Columns to read as categories even if they hold numbers (comma separated).
    #[arg(long, value_delimiter = ',')]
    categorical: Vec<String>,
    /// Columns to ignore, e.g. identifiers (comma separated).
    #[arg(long, value_delimiter = ',')]
    exclude: Vec<String>,
}

impl DataArgs {
    fn load(&self) -> Result<Dataset> {
        let file = File::open(&self.data)
            .with_context(|| format!("cannot open {}", self.data.display()))?;
        let options = LoadOptions {
            categorical: self.categorical.clone(),
            exclude: self.exclude.clone(),
            ..LoadOptions::new(&self.target, &self.bad)
        };
        Dataset::from_csv(BufReader::new(file), &options)
            .with_context(|| format!("{}", self.data.display()))
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    Scorecard,
    Gbm,
}

#[derive(Args)]
struct CostArgs {
    /// Cost of accepting an applicant who goes bad.
    #[arg(long)]
    cost_accept_bad: Option<f64>,
    /// Cost of declining an applicant who would have been good.
    #[arg(long)]
    cost_reject_good: Option<f64>,
}

impl CostArgs {
    fn costs(&self, defaults: CostMatrix) -> CostMatrix {
        CostMatrix {
            accept_bad: self.cost_accept_bad.unwrap_or(defaults.accept_bad),
            reject_good: self.cost_reject_good.unwrap_or(defaults.reject_good),
        }
    }
}

#[derive(Args)]
struct RecipeArgs {
    #[arg(long, value_enum, default_value = "scorecard")]
    kind: Kind,
    /// Seeds the split, the folds and the GBM's subsampling.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Points at the base odds.
    #[arg(long, default_value_t = 600.0)]
    base_score: f64,
    /// Good:bad odds at the base score.
    #[arg(long, default_value_t = 50.0)]
    base_odds: f64,
    /// Points to double the odds.
    #[arg(long, default_value_t = 20.0)]
    pdo: f64,
    /// Special codes of a numeric column, binned apart: COLUMN=V1:V2 (repeatable).
    #[arg(long)]
    special: Vec<String>,
    #[command(flatten)]
    costs: CostArgs,
}

impl RecipeArgs {
    fn config(&self) -> Result<TrainConfig> {
        let mut config = TrainConfig {
            kind: match self.kind {
                Kind::Scorecard => ModelKind::Scorecard,
                Kind::Gbm => ModelKind::Gbm,
            },
            seed: self.seed,
            scaling: PointsScaling {
                base_score: self.base_score,
                base_odds: self.base_odds,
                pdo: self.pdo,
            },
            costs: self.costs.costs(CostMatrix::default()),
            ..TrainConfig::default()
        };
        for spec in &self.special {
            let (column, codes) = spec
                .split_once('=')
                .with_context(|| format!("--special {spec}: expected COLUMN=V1:V2"))?;
            let codes = codes
                .split(':')
                .map(|c| {
                    c.trim()
                        .parse::<f64>()
                        .with_context(|| format!("--special {spec}: '{c}' is not a number"))
                })
                .collect::<Result<Vec<_>>>()?;
            config
                .scorecard
                .special_codes
                .insert(column.trim().to_string(), codes);
        }
        config.validate()?;
        Ok(config)
    }
}

#[derive(Args)]
struct TrainArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    recipe: RecipeArgs,
    /// Where to write the model JSON.
    #[arg(long)]
    out: PathBuf,
    /// Also write a self-contained HTML report here.
    #[arg(long)]
    report: Option<PathBuf>,
}

#[derive(Args)]
struct EvaluateArgs {
    /// A model written by `kredit model train`.
    #[arg(long)]
    model: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    costs: CostArgs,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct CvArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    recipe: RecipeArgs,
    #[arg(long, default_value_t = 10)]
    folds: usize,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    json: bool,
}

pub fn run(args: ModelArgs) -> Result<()> {
    match args.command {
        ModelCommand::Train(args) => run_train(args),
        ModelCommand::Evaluate(args) => run_evaluate(args),
        ModelCommand::Cv(args) => run_cv(args),
    }
}

fn write_file(path: &Path, contents: &str) -> Result<()> {
    std::fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))
}

fn run_train(args: TrainArgs) -> Result<()> {
    let config = args.recipe.config()?;
    let data = args.data.load()?;
    let trained = train(&data, &config)?;
    let model = &trained.model;
    write_file(&args.out, &model.to_json())?;
    if let Some(path) = &args.report {
        let html = report::render(
            model,
            &trained.validation,
            &trained.validation_predictions,
            &trained.validation_bad,
        );
        write_file(path, &html)?;
    }
    let artefact = model.artefact();
    println!(
        "{} trained on {} rows, {} features:",
        model.kind(),
        artefact.training.rows_train,
        artefact.features.len()
    );
    for feature in &artefact.features {
        println!("  {}", feature.name);
    }
    for dropped in &artefact.training.dropped {
        println!("  (not used: {}, {})", dropped.feature, dropped.reason);
    }
    let v = &trained.validation;
    println!(
        "validation ({} rows): AUC {:.4}  Gini {:.4}  KS {:.4}  Brier {:.4}",
        v.rows, v.auc, v.gini, v.ks, v.brier
    );
    println!("model written to {}", args.out.display());
    if let Some(path) = &args.report {
        println!("report written to {}", path.display());
    }
    Ok(())
}

fn run_evaluate(args: EvaluateArgs) -> Result<()> {
    let json = std::fs::read_to_string(&args.model)
        .with_context(|| format!("cannot read {}", args.model.display()))?;
    let model = Model::load(&json).with_context(|| format!("{}", args.model.display()))?;
    let data = args.data.load()?;
    let costs = args.costs.costs(model.artefact().costs);
    let evaluation = evaluate(&model, &data, Some(costs))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&evaluation)?);
    } else {
        print_evaluation(&evaluation);
    }
    Ok(())
}

fn print_evaluation(e: &Evaluation) {
    println!("rows {}  bads {}", e.rows, e.bads);
    for (name, value) in [
        ("AUC", e.auc),
        ("Gini", e.gini),
        ("KS", e.ks),
        ("Brier", e.brier),
        ("log-loss", e.log_loss),
        ("PSI", e.psi),
        ("PD cutoff", e.pd_cutoff),
        ("expected cost", e.expected_cost),
    ] {
        println!("{name:<14}{value:>10.4}");
    }
    let c = &e.confusion;
    println!();
    println!("{:<10}{:>10}{:>10}", "", "good", "bad");
    println!(
        "{:<10}{:>10}{:>10}",
        "accepted", c.accepted_good, c.accepted_bad
    );
    println!(
        "{:<10}{:>10}{:>10}",
        "declined", c.rejected_good, c.rejected_bad
    );
    println!(
        "(cost {} per accepted bad, {} per declined good)",
        e.costs.accept_bad, e.costs.reject_good
    );
    println!();
    println!(
        "{:>12}{:>12}{:>8}{:>8}{:>10}{:>10}{:>10}",
        "score >", "score <=", "count", "bads", "bad rate", "share", "trained"
    );
    let bound = |b: Option<f64>| b.map_or("-".to_string(), |x| format!("{x:.1}"));
    for b in &e.bands {
        println!(
            "{:>12}{:>12}{:>8}{:>8}{:>9.1}%{:>9.1}%{:>9.1}%",
            bound(b.score_above),
            bound(b.score_at_most),
            b.count,
            b.bads,
            b.bad_rate * 100.0,
            b.share * 100.0,
            b.training_share * 100.0
        );
    }
}

fn run_cv(args: CvArgs) -> Result<()> {
    if args.folds < 2 {
        bail!("--folds must be at least 2");
    }
    let config = args.recipe.config()?;
    let data = args.data.load()?;
    let cv = cross_validate(&data, &config, args.folds)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&cv.summary_json())?);
        return Ok(());
    }
    println!(
        "{}-fold cross-validation of {} (seed {}), {} rows",
        args.folds,
        config.kind,
        config.seed,
        data.rows()
    );
    println!(
        "{:<14}{:>10}{:>10}{:>10}{:>10}",
        "metric", "mean", "std", "min", "max"
    );
    for (name, metric) in FoldMetrics::METRICS {
        let spread = cv.spread(metric);
        let values = cv.folds.iter().map(metric);
        let min = values.clone().fold(f64::INFINITY, f64::min);
        let max = values.fold(f64::NEG_INFINITY, f64::max);
        println!(
            "{name:<14}{:>10.4}{:>10.4}{min:>10.4}{max:>10.4}",
            spread.mean, spread.std
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        model: ModelArgs,
    }

    const GERMAN: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../kredit-scoring/fixtures/german_credit.csv"
    );

    fn run_with(args: &[&str]) -> Result<()> {
        let cli = Cli::try_parse_from(std::iter::once("model").chain(args.iter().copied()))?;
        run(cli.model)
    }

    #[test]
    fn trains_writes_a_model_and_a_report_then_evaluates_it() {
        let dir = std::env::temp_dir().join(format!("kredit-model-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let model = dir.join("model.json");
        let report = dir.join("report.html");
        let (model_path, report_path) = (model.to_str().unwrap(), report.to_str().unwrap());
        let data = [
            "--data",
            GERMAN,
            "--target",
            "creditability",
            "--bad",
            "bad",
        ];
        let mut train = vec![
            "train",
            "--kind",
            "gbm",
            "--out",
            model_path,
            "--report",
            report_path,
        ];
        train.extend(data);
        run_with(&train).unwrap();
        assert!(Model::load(&std::fs::read_to_string(&model).unwrap()).is_ok());
        assert!(std::fs::read_to_string(&report).unwrap().contains("<svg"));
        let mut evaluate = vec!["evaluate", "--model", model_path, "--json"];
        evaluate.extend(data);
        run_with(&evaluate).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_documented_command_reproduces_the_demo_model() {
        let dir = std::env::temp_dir().join(format!("kredit-demo-model-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("german_scorecard.json");
        run_with(&[
            "train",
            "--data",
            GERMAN,
            "--target",
            "creditability",
            "--bad",
            "bad",
            "--kind",
            "scorecard",
            "--seed",
            "42",
            "--out",
            out.to_str().unwrap(),
        ])
        .unwrap();
        let written = std::fs::read_to_string(&out).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            written == kredit_scoring::DEMO_MODEL_JSON,
            "kredit model train --seed 42 no longer writes fixtures/german_scorecard.json"
        );
    }

    #[test]
    fn bad_arguments_get_one_clear_line() {
        let data = [
            "--data",
            GERMAN,
            "--target",
            "creditability",
            "--bad",
            "bad",
        ];
        let mut special = vec!["cv", "--special", "duration_in_month=x"];
        special.extend(data);
        let error = run_with(&special).unwrap_err();
        assert_eq!(
            error.to_string(),
            "--special duration_in_month=x: 'x' is not a number"
        );
        let mut folds = vec!["cv", "--folds", "1"];
        folds.extend(data);
        assert_eq!(
            run_with(&folds).unwrap_err().to_string(),
            "--folds must be at least 2"
        );
        let missing = [
            "cv",
            "--data",
            "/nonexistent.csv",
            "--target",
            "y",
            "--bad",
            "1",
        ];
        assert_eq!(
            run_with(&missing).unwrap_err().to_string(),
            "cannot open /nonexistent.csv"
        );
        let mut target = vec!["cv", "--data", GERMAN, "--target", "nope", "--bad", "bad"];
        target.truncate(7);
        let error = format!("{:#}", run_with(&target).unwrap_err());
        assert!(error.contains("target column 'nope' not found"), "{error}");
    }
}
