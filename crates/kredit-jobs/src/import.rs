//! `kredit import loans`: a portfolio taken over from another system at a
//! cut-over date (docs/import.md). Each row gives a loan's borrower,
//! product, terms, disbursement date and what it owed at the end of the
//! cut-over date; the core validates it (the product exists and offers
//! these terms, the balances are consistent with them) and opens it with
//! its opening balances ([`LoanHistory::open_with_balances`]). A row the
//! core refuses is reported by line with the reason and nothing of it is
//! written; the others are written a batch at a time, each batch in one
//! transaction: borrowers, loans, their opening events and the opening
//! ledger lines (against `migration_clearing`). Rows carry the other
//! system's loan reference, which is unique: running an interrupted import
//! again skips the references already there.
//!
//! `kredit demo generate` writes its portfolio through the same
//! [`take_over`] and [`write_batch`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use kredit_core::Money;
use kredit_core::delinquency::ClassificationThresholds;
use kredit_core::ledger::Posting;
use kredit_core::loan::{Allocation, LoanHistory, LoanTerms, OpeningBalances, ServicingError};
use kredit_core::product::{LoanProduct, OfferRequest};
use kredit_core::schedule::RepaymentMethod;
use kredit_core::{Rate, apr::RateCap};
use kredit_store::cob::GlLine;
use kredit_store::import::{ImportBatch, ImportStore, ImportedLoan};
use kredit_store::lending::LoanProjection;
use kredit_store::loan_state;
use kredit_store::{LoanId, Repository};

use crate::store::{CobError, kind_name};

/// Rows validated and written per transaction.
pub const BATCH: usize = 5_000;

/// The columns of an import file, in this order in a CSV header (any order
/// is accepted; JSONL objects use the same names).
pub const COLUMNS: [&str; 13] = [
    "loan_reference",
    "borrower_reference",
    "product",
    "principal",
    "annual_rate",
    "term_months",
    "method",
    "disbursement_date",
    "principal_outstanding",
    "interest_receivable",
    "fee_receivable",
    "penalty_receivable",
    "credit_balance",
];

/// A loan the core has opened with its balances, ready to be written.
#[derive(Clone, Debug)]
pub struct TakenOver {
    pub loan: ImportedLoan,
    pub postings: Vec<Posting>,
}

/// Opens a loan owing `balances` at the end of `cut_over` and turns it
/// into the rows that store it; the core's refusal otherwise.
pub fn take_over(
    product_code: &str,
    terms: LoanTerms,
    external_reference: String,
    borrower_reference: String,
    cut_over: NaiveDate,
    balances: OpeningBalances,
) -> Result<TakenOver, String> {
    let principal = terms.schedule.principal;
    let terms_json = serde_json::to_string(&terms).map_err(|e| e.to_string())?;
    let mut postings = Vec::new();
    let history = LoanHistory::open_with_balances(terms, 0, cut_over, balances, &mut postings)
        .map_err(|e| match e {
            kredit_core::loan::HistoryError::Servicing(ServicingError::Opening(o)) => o.to_string(),
            other => other.to_string(),
        })?;
    let loan = history.current();
    let event = history.events()[0].event;
    Ok(TakenOver {
        loan: ImportedLoan {
            external_reference,
            borrower_reference,
            product_code: product_code.to_owned(),
            terms: terms_json,
            state: loan_state::encode(loan),
            principal_fen: principal.fen(),
            projection: LoanProjection::of(loan, &ClassificationThresholds::default()),
            event: serde_json::to_string(&event).map_err(|e| e.to_string())?,
            allocation: serde_json::to_string(&Allocation::default()).map_err(|e| e.to_string())?,
        },
        postings,
    })
}

/// Writes loans taken over in one transaction, with their postings summed
/// per day, product, kind and account pair; returns their ids.
pub async fn write_batch(
    store: &dyn ImportStore,
    loans: Vec<TakenOver>,
    source: String,
) -> Result<Vec<LoanId>, CobError> {
    let mut sums: BTreeMap<(NaiveDate, String, &'static str, &'static str, &'static str), i64> =
        BTreeMap::new();
    let mut rows = Vec::with_capacity(loans.len());
    for taken in loans {
        for p in &taken.postings {
            *sums
                .entry((
                    p.date,
                    taken.loan.product_code.clone(),
                    kind_name(p.kind),
                    p.debit.name(),
                    p.credit.name(),
                ))
                .or_default() += p.amount.fen();
        }
        rows.push(taken.loan);
    }
    let journal = sums
        .into_iter()
        .map(
            |((entry_date, product_code, kind, debit, credit), amount_fen)| GlLine {
                entry_date,
                product_code,
                kind: kind.to_owned(),
                debit: debit.to_owned(),
                credit: credit.to_owned(),
                amount_fen,
            },
        )
        .collect();
    let batch = ImportBatch {
        loans: rows,
        journal,
        source,
    };
    Ok(store.import_batch(&batch, kredit_store::now()).await?)
}

/// A row that was not imported, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line of the file (a CSV header is line 1).
    pub line: usize,
    pub reference: Option<String>,
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.reference {
            Some(reference) => write!(f, "line {} ({reference}): {}", self.line, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub cut_over: Option<NaiveDate>,
    /// Data rows read.
    pub rows: usize,
    pub imported: usize,
    /// Rows whose loan reference was already imported (a resumed import).
    pub already_imported: usize,
    pub rejected: Vec<RowError>,
    pub wall: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {error}")]
    Read { path: String, error: String },
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Write(#[from] CobError),
}

impl From<kredit_store::StoreError> for ImportError {
    fn from(error: kredit_store::StoreError) -> Self {
        ImportError::Write(CobError::Store(error))
    }
}

/// One data row: its line and its columns by name (empty cells left out).
pub type RawRow = (usize, Result<HashMap<String, String>, String>);

/// The rows of a CSV (with a header) or JSONL file, chosen by extension
/// (`.csv`; `.jsonl` or `.ndjson`).
pub fn read_rows(path: &Path) -> Result<Box<dyn Iterator<Item = RawRow>>, ImportError> {
    let read_error = |error: String| ImportError::Read {
        path: path.display().to_string(),
        error,
    };
    let file = std::fs::File::open(path).map_err(|e| read_error(e.to_string()))?;
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match extension.as_str() {
        "csv" => {
            let mut reader = csv::ReaderBuilder::new()
                .flexible(true)
                .trim(csv::Trim::All)
                .from_reader(std::io::BufReader::new(file));
            let header: Vec<String> = reader
                .headers()
                .map_err(|e| read_error(e.to_string()))?
                .iter()
                .map(str::to_owned)
                .collect();
            Ok(Box::new(reader.into_records().map(move |record| {
                let position = match &record {
                    Ok(r) => r.position(),
                    Err(e) => e.position(),
                };
                let line = position.map_or(0, |p| p.line() as usize);
                let row = record.map_err(|e| e.to_string()).and_then(|r| {
                    if r.len() != header.len() {
                        return Err(format!(
                            "{} cells where the header has {}",
                            r.len(),
                            header.len()
                        ));
                    }
                    Ok(header
                        .iter()
                        .zip(r.iter())
                        .filter(|(_, v)| !v.is_empty())
                        .map(|(k, v)| (k.clone(), v.to_owned()))
                        .collect())
                });
                (line, row)
            })))
        }
        "jsonl" | "ndjson" => {
            let lines = std::io::BufReader::new(file).lines();
            Ok(Box::new(
                lines
                    .enumerate()
                    .map(|(i, line)| (i + 1, line))
                    .filter(|(_, line)| !matches!(line, Ok(text) if text.trim().is_empty()))
                    .map(|(n, line)| (n, line.map_err(|e| e.to_string()).and_then(json_row))),
            ))
        }
        other => Err(ImportError::Invalid(format!(
            "{}: unknown format '.{other}': use .csv or .jsonl",
            path.display()
        ))),
    }
}

fn json_row(text: String) -> Result<HashMap<String, String>, String> {
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("not a JSON object: {e}"))?;
    let serde_json::Value::Object(map) = value else {
        return Err("not a JSON object".to_owned());
    };
    let mut row = HashMap::with_capacity(map.len());
    for (key, value) in map {
        let text = match value {
            serde_json::Value::Null => continue,
            serde_json::Value::String(s) if s.trim().is_empty() => continue,
            serde_json::Value::String(s) => s.trim().to_owned(),
            serde_json::Value::Number(n) => n.to_string(),
            other => return Err(format!("{key}: expected a string or a number, got {other}")),
        };
        row.insert(key, text);
    }
    Ok(row)
}

/// A row parsed into what the core needs.
#[derive(Clone, Debug)]
struct LoanRow {
    reference: String,
    borrower: String,
    product: String,
    request: OfferRequest,
    annual_rate: Rate,
    balances: OpeningBalances,
}

fn parse_row(row: &HashMap<String, String>) -> Result<LoanRow, String> {
    if let Some(unknown) = row.keys().find(|k| !COLUMNS.contains(&k.as_str())) {
        return Err(format!("unknown column '{unknown}'"));
    }
    let required = |name: &str| {
        row.get(name)
            .map(String::as_str)
            .ok_or_else(|| format!("{name} is missing"))
    };
    let money = |name: &str, text: &str| {
        text.parse::<Money>()
            .map_err(|e| format!("{name}: '{text}' is not an amount in yuan ({e})"))
    };
    let optional_money = |name: &str| match row.get(name) {
        Some(text) => money(name, text),
        None => Ok(Money::ZERO),
    };
    let principal = required("principal").and_then(|t| money("principal", t))?;
    let term = required("term_months")?;
    let term_months: u32 = term
        .parse()
        .map_err(|_| format!("term_months: '{term}' is not a whole number of months"))?;
    let method_text = required("method")?;
    let method: RepaymentMethod = method_text.parse().map_err(|_| {
        format!(
            "method: '{method_text}' is not one of {}",
            RepaymentMethod::ALL.map(|m| m.as_str()).join(", ")
        )
    })?;
    let date_text = required("disbursement_date")?;
    let start_date = NaiveDate::parse_from_str(date_text, "%Y-%m-%d")
        .map_err(|_| format!("disbursement_date: '{date_text}' is not a date YYYY-MM-DD"))?;
    let rate_text = required("annual_rate")?;
    let annual_rate: Rate = rate_text.parse().map_err(|_| {
        format!("annual_rate: '{rate_text}' is not a decimal fraction (0.18 for 18%)")
    })?;
    Ok(LoanRow {
        reference: required("loan_reference")?.to_owned(),
        borrower: required("borrower_reference")?.to_owned(),
        product: required("product")?.to_owned(),
        request: OfferRequest {
            amount: principal,
            term_months,
            method,
            start_date,
        },
        annual_rate,
        balances: OpeningBalances {
            principal: required("principal_outstanding")
                .and_then(|t| money("principal_outstanding", t))?,
            interest: optional_money("interest_receivable")?,
            fee: optional_money("fee_receivable")?,
            penalty: optional_money("penalty_receivable")?,
            credit: optional_money("credit_balance")?,
        },
    })
}

/// Validates a parsed row with the core and opens it.
fn open_row(
    row: &LoanRow,
    products: &HashMap<String, LoanProduct>,
    cut_over: NaiveDate,
) -> Result<TakenOver, String> {
    let product = products
        .get(&row.product)
        .ok_or_else(|| format!("product: no product '{}'", row.product))?;
    let quote = product
        .quote(&row.request, row.annual_rate, RateCap::default())
        .map_err(|e| format!("terms: {e}"))?;
    let terms = LoanTerms::from_quote(
        product,
        &quote,
        product.schedule_terms(&row.request, quote.annual_rate),
    );
    take_over(
        &product.code,
        terms,
        row.reference.clone(),
        row.borrower.clone(),
        cut_over,
        row.balances,
    )
    .map_err(|e| format!("balances: {e}"))
}

/// The cut-over date: `requested`, or the business date. Loans are opened
/// as of the business date (close of business has posted every day up to
/// it), so the two must agree; a database without loans yet (a new
/// install, whose calendar `kredit migrate` opened on its first day) or
/// without a business date takes the cut-over as its business date.
async fn cut_over_date(
    repository: &dyn Repository,
    requested: Option<NaiveDate>,
) -> Result<NaiveDate, ImportError> {
    let store = repository.cob();
    let business = match store.business_date().await? {
        Some(_) if requested.is_some() && store.loan_count().await? == 0 => None,
        business => business,
    };
    match (business, requested) {
        (Some(business), Some(requested)) if business != requested => {
            Err(ImportError::Invalid(format!(
                "the cut-over {requested} must be the business date {business}: \
                 take the balances at {business}, or import into a database on {requested}"
            )))
        }
        (Some(business), _) => Ok(business),
        (None, Some(requested)) => {
            store.set_business_date(requested).await?;
            Ok(requested)
        }
        (None, None) => Err(ImportError::Invalid(
            "the database has no business date: give the cut-over date (--cut-over)".to_owned(),
        )),
    }
}

/// Imports the rows of `path`: see the module documentation. `progress`
/// gets the rows read so far after each batch.
pub async fn import_file(
    repository: &dyn Repository,
    path: &Path,
    cut_over: Option<NaiveDate>,
    progress: impl FnMut(&ImportReport) + Send,
) -> Result<ImportReport, ImportError> {
    let rows = read_rows(path)?;
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    import_rows(repository, rows, &name, cut_over, BATCH, progress).await
}

/// Imports rows (line, columns) in batches of `batch_size`; `source` names
/// them in the ledger lines' source (`import:<source>:<first line>`).
pub async fn import_rows(
    repository: &dyn Repository,
    rows: impl Iterator<Item = RawRow>,
    source: &str,
    cut_over: Option<NaiveDate>,
    batch_size: usize,
    mut progress: impl FnMut(&ImportReport) + Send,
) -> Result<ImportReport, ImportError> {
    let started = Instant::now();
    let cut_over = cut_over_date(repository, cut_over).await?;
    let products: HashMap<String, LoanProduct> = repository
        .lending()
        .products()
        .await?
        .into_iter()
        .filter_map(|p| {
            let product: LoanProduct = serde_json::from_str(&p.definition).ok()?;
            Some((p.code, product))
        })
        .collect();
    let mut report = ImportReport {
        cut_over: Some(cut_over),
        ..ImportReport::default()
    };
    let mut seen: HashSet<String> = HashSet::new();
    let mut rows = rows.peekable();
    while rows.peek().is_some() {
        let chunk: Vec<RawRow> = rows.by_ref().take(batch_size.max(1)).collect();
        report.rows += chunk.len();
        let first_line = chunk.first().map_or(0, |(line, _)| *line);
        let mut parsed = Vec::with_capacity(chunk.len());
        for (line, raw) in chunk {
            match raw.and_then(|columns| parse_row(&columns)) {
                Ok(row) => {
                    if seen.insert(row.reference.clone()) {
                        parsed.push((line, row));
                    } else {
                        report.rejected.push(RowError {
                            line,
                            reference: Some(row.reference),
                            reason: "loan_reference: appears earlier in the file".to_owned(),
                        });
                    }
                }
                Err(reason) => report.rejected.push(RowError {
                    line,
                    reference: None,
                    reason,
                }),
            }
        }
        let references: Vec<String> = parsed.iter().map(|(_, r)| r.reference.clone()).collect();
        let existing: HashSet<String> = repository
            .import()
            .existing_references(&references)
            .await?
            .into_iter()
            .collect();
        parsed.retain(|(_, row)| !existing.contains(&row.reference));
        report.already_imported += existing.len();

        let opened = crate::cob::in_parallel(parsed.len(), |range| {
            parsed[range]
                .iter()
                .map(|(line, row)| {
                    open_row(row, &products, cut_over).map_err(|reason| RowError {
                        line: *line,
                        reference: Some(row.reference.clone()),
                        reason,
                    })
                })
                .collect::<Vec<_>>()
        });
        let mut good = Vec::with_capacity(parsed.len());
        for result in opened.into_iter().flatten() {
            match result {
                Ok(taken) => good.push(taken),
                Err(error) => report.rejected.push(error),
            }
        }
        if !good.is_empty() {
            report.imported += good.len();
            write_batch(
                repository.import(),
                good,
                format!("import:{source}:{first_line}"),
            )
            .await?;
        }
        progress(&report);
    }
    report.rejected.sort_by_key(|e| e.line);
    report.wall = started.elapsed();
    Ok(report)
}
