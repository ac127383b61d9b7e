//! `kredit demo generate`: a realistic portfolio ([`crate::portfolio`])
//! loaded into the database: the demo products, a borrower for every two
//! loans (who cannot log in: password hash "!", synthetic phone hash, empty
//! encrypted phone), the loans with their encoded state, and the business
//! date. Batches are generated on every core while the previous batch is
//! inserted with multi-row statements in one transaction each.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use kredit_core::delinquency::ClassificationThresholds;
use kredit_core::product::LoanProduct;
use kredit_store::Repository;
use kredit_store::cob::NewLoanRow;
use kredit_store::loan_state;

use crate::store::{CobError, classification_name, status_name};

/// Loans generated and inserted per batch.
const BATCH: usize = 20_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenerateReport {
    pub loans: usize,
    pub borrowers: usize,
    pub wall: Duration,
}

/// Generates `count` loans as of `as_of` with `seed` and inserts them;
/// sets the business date to `as_of`. A database that already has loans
/// must be on the same business date. `progress` gets the loans inserted so
/// far after each batch.
pub async fn generate_into(
    repository: &dyn Repository,
    count: usize,
    seed: u64,
    as_of: NaiveDate,
    mut progress: impl FnMut(usize) + Send,
) -> Result<GenerateReport, CobError> {
    let started = Instant::now();
    let store = repository.cob();
    let existing = store.loan_count().await?;
    if existing > 0
        && let Some(date) = store.business_date().await?
        && date != as_of
    {
        return Err(CobError::Invalid(format!(
            "the database holds {existing} loans on business date {date}: generate with --date {date}"
        )));
    }
    let products = crate::demo::products();
    let definitions: Vec<(String, String)> = products
        .iter()
        .map(|p| {
            (
                p.code.clone(),
                serde_json::to_string(p).expect("a product serialises"),
            )
        })
        .collect();
    store
        .insert_products(&definitions, kredit_store::now())
        .await?;
    store.set_business_date(as_of).await?;

    let tag = format!("demo:{seed}:{existing}");
    let batches: Vec<(usize, usize)> = (0..count)
        .step_by(BATCH)
        .map(|start| (start, (start + BATCH).min(count)))
        .collect();
    let spawn = |(start, end): (usize, usize), products: Vec<LoanProduct>| {
        tokio::task::spawn_blocking(move || build_batch(&products, seed, start, end, as_of))
    };
    let mut borrowers = 0;
    let mut next = batches.first().map(|&b| spawn(b, products.clone()));
    for (i, &(start, end)) in batches.iter().enumerate() {
        let mut rows = next
            .take()
            .expect("a batch is always in flight")
            .await
            .map_err(|e| CobError::Worker(e.to_string()))?;
        next = batches.get(i + 1).map(|&b| spawn(b, products.clone()));
        // Borrower k has loans 2k and 2k + 1.
        let first_borrower = start / 2;
        let phone_hashes: Vec<String> = (first_borrower..end.div_ceil(2))
            .map(|k| format!("{tag}:{k}"))
            .collect();
        let ids = store
            .insert_generated_borrowers(&phone_hashes, kredit_store::now())
            .await?;
        borrowers += ids.len();
        for (offset, row) in rows.iter_mut().enumerate() {
            row.borrower_id = ids[(start + offset) / 2 - first_borrower];
        }
        store.insert_loans(&rows, kredit_store::now()).await?;
        progress(end);
    }
    Ok(GenerateReport {
        loans: count,
        borrowers,
        wall: started.elapsed(),
    })
}

/// Loans `start..end` of the portfolio as rows (borrower ids to fill in).
fn build_batch(
    products: &[LoanProduct],
    seed: u64,
    start: usize,
    end: usize,
    as_of: NaiveDate,
) -> Vec<NewLoanRow> {
    let thresholds = ClassificationThresholds::default();
    crate::cob::in_parallel(end - start, |range| {
        range
            .map(|i| {
                let g = crate::portfolio::generate_loan(products, seed, (start + i) as u64, as_of);
                let d = g.loan.delinquency(&thresholds);
                NewLoanRow {
                    borrower_id: 0,
                    product_code: products[g.product as usize].code.clone(),
                    status: status_name(g.loan.status),
                    terms: serde_json::to_string(&g.terms).expect("terms serialise"),
                    state: loan_state::encode(&g.loan),
                    as_of: g.loan.as_of,
                    principal_fen: g.terms.schedule.principal.fen(),
                    outstanding_fen: g.loan.principal_outstanding().fen(),
                    dpd: i32::try_from(d.dpd).unwrap_or(i32::MAX),
                    bucket: d.bucket.label(),
                    classification: classification_name(d.classification),
                }
            })
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}
