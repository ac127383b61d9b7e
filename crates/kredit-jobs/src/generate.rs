//! `kredit demo generate`: a realistic portfolio ([`crate::portfolio`])
//! loaded into the database as if taken over from another system on the
//! business date, through the write path of `kredit import loans`
//! ([`crate::import`]): the demo products, a borrower for every two loans
//! (who cannot log in: password hash "!", synthetic phone hash, empty
//! encrypted phone), the loans with their opening-balance event and state,
//! the opening ledger lines, and the business date. So `kredit ledger
//! check` passes on a generated portfolio. Batches are generated on every
//! core while the previous batch is written with multi-row statements in
//! one transaction each.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use kredit_core::loan::OpeningBalances;
use kredit_core::product::LoanProduct;
use kredit_store::Repository;

use crate::import::{TakenOver, take_over};
use crate::store::CobError;

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
    let spawn = |(start, end): (usize, usize), products: Vec<LoanProduct>, tag: String| {
        tokio::task::spawn_blocking(move || build_batch(&products, seed, &tag, start, end, as_of))
    };
    let mut borrowers = 0;
    let mut next = batches
        .first()
        .map(|&b| spawn(b, products.clone(), tag.clone()));
    for (i, &(start, end)) in batches.iter().enumerate() {
        let loans = next
            .take()
            .expect("a batch is always in flight")
            .await
            .map_err(|e| CobError::Worker(e.to_string()))??;
        next = batches
            .get(i + 1)
            .map(|&b| spawn(b, products.clone(), tag.clone()));
        // Borrower k has loans 2k and 2k + 1.
        borrowers += end.div_ceil(2) - start / 2;
        crate::import::write_batch(repository.import(), loans, format!("{tag}:{start}")).await?;
        progress(end);
    }
    Ok(GenerateReport {
        loans: count,
        borrowers,
        wall: started.elapsed(),
    })
}

/// How many other draws a loan slot gets when the core will not take a
/// generated loan over (paid off, or prepaid and re-amortised, by the
/// portfolio date).
const DRAWS: u64 = 64;

/// Loans `start..end` of the portfolio, taken over at `as_of` with the
/// balances their servicing left: what `kredit import loans` writes for a
/// portfolio moved from another system. Loan `i` is referenced
/// `<tag>:<i>` and belongs to borrower `<tag>:<i / 2>`; `generate_into`
/// uses the tag `demo:<seed>:<loans already in the database>`.
pub fn build_batch(
    products: &[LoanProduct],
    seed: u64,
    tag: &str,
    start: usize,
    end: usize,
    as_of: NaiveDate,
) -> Result<Vec<TakenOver>, CobError> {
    crate::cob::in_parallel(end - start, |range| {
        range
            .map(|i| {
                let index = (start + i) as u64;
                let mut last_refusal = String::new();
                for draw in 0..DRAWS {
                    let g = crate::portfolio::generate_loan(
                        products,
                        seed,
                        index + draw * (1 << 40),
                        as_of,
                    );
                    let receivables = g.loan.receivables();
                    let balances = OpeningBalances {
                        principal: receivables.principal,
                        interest: receivables.interest,
                        fee: receivables.fee,
                        penalty: receivables.penalty,
                        credit: g.loan.credit_balance,
                    };
                    match take_over(
                        &products[g.product as usize].code,
                        g.terms,
                        format!("{tag}:{index}"),
                        format!("{tag}:{}", index / 2),
                        as_of,
                        balances,
                    ) {
                        Ok(taken) => return Ok(taken),
                        Err(reason) => last_refusal = reason,
                    }
                }
                Err(CobError::Invalid(format!(
                    "loan {index}: no loan the core takes over in {DRAWS} draws: {last_refusal}"
                )))
            })
            .collect::<Result<Vec<_>, _>>()
    })
    .into_iter()
    .collect::<Result<Vec<Vec<_>>, _>>()
    .map(|batches| batches.into_iter().flatten().collect())
}
