//! Storage for loans taken over from another system (`kredit import loans`)
//! and for the demo portfolios loaded the same way (`kredit demo generate`):
//! one transaction per batch writes the borrowers not there yet, the loans
//! with their external reference, each loan's opening event and the batch's
//! opening-balance ledger lines, so a batch is there whole or not at all.
//!
//! Reached from any repository through [`Repository::import`]; like the
//! rest of the store, the SQL is written once for both backends.
//!
//! [`Repository::import`]: crate::Repository::import

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kredit_core::ids::{LoanId, UserId};
use sqlx::{Postgres, Sqlite};

use crate::cob::GlLine;
use crate::lending::LoanEventRecord;
use crate::repository::{SqlRepository, StoreError, StoreResult};

/// A loan taken over, with its one event.
#[derive(Clone, Debug)]
pub struct ImportedLoan {
    /// The other system's reference for the loan: unique.
    pub external_reference: String,
    /// The borrower's reference: loans with the same one share a borrower.
    pub borrower_reference: String,
    pub product_code: String,
    /// The core `LoanTerms` as JSON.
    pub terms: String,
    /// The state, encoded by [`crate::loan_state`].
    pub state: Vec<u8>,
    pub principal_fen: i64,
    pub projection: crate::lending::LoanProjection,
    /// The core `LoanEvent` (its opening balances) as JSON, value-dated
    /// the projection's `as_of`.
    pub event: String,
    /// The allocation it produced, as JSON.
    pub allocation: String,
}

#[derive(Clone, Debug, Default)]
pub struct ImportBatch {
    pub loans: Vec<ImportedLoan>,
    /// The batch's postings summed per day, product, kind and account
    /// pair, carrying no loan.
    pub journal: Vec<GlLine>,
    /// The journal lines' source, e.g. `import:<file>:<first line>`.
    pub source: String,
}

/// The synthetic phone hash of an imported borrower: such users cannot log
/// in (password hash "!") until they are identified through KYC.
pub fn borrower_phone_hash(reference: &str) -> String {
    format!("import:{reference}")
}

#[async_trait]
pub trait ImportStore: Send + Sync {
    /// Which of `references` are loans already.
    async fn existing_references(&self, references: &[String]) -> StoreResult<Vec<String>>;
    /// Writes the batch in one transaction; returns the new loans' ids in
    /// the batch's order. `Conflict` if a reference is already there.
    async fn import_batch(
        &self,
        batch: &ImportBatch,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<LoanId>>;
    /// The events of the loans with ids in `first_id..=last_id`, by loan
    /// and id (`kredit ledger check` reads them a page at a time).
    async fn events_of_loans(
        &self,
        first_id: LoanId,
        last_id: LoanId,
    ) -> StoreResult<Vec<LoanEventRecord>>;
}

/// Rows per multi-row statement: at most 15 parameters a row, under
/// SQLite's 32,766 and PostgreSQL's 65,535 parameters.
const ROWS_PER_STATEMENT: usize = 2_000;

fn placeholders(rows: usize, template: &[&str], numbered: bool) -> String {
    crate::cob::placeholders(rows, template, numbered)
}

macro_rules! import_store {
    ($db:ty, $numbered:expr) => {
        #[async_trait]
        impl ImportStore for SqlRepository<$db> {
            async fn existing_references(
                &self,
                references: &[String],
            ) -> StoreResult<Vec<String>> {
                let mut found = Vec::new();
                for batch in references.chunks(ROWS_PER_STATEMENT) {
                    let sql = format!(
                        "SELECT external_reference FROM loans WHERE external_reference IN {}",
                        placeholders(1, &vec!["?"; batch.len()], $numbered)
                    );
                    let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
                    for reference in batch {
                        query = query.bind(reference);
                    }
                    let rows: Vec<String> = query.fetch_all(&self.pool).await?;
                    found.extend(rows);
                }
                Ok(found)
            }

            async fn import_batch(
                &self,
                batch: &ImportBatch,
                now: DateTime<Utc>,
            ) -> StoreResult<Vec<LoanId>> {
                let mut tx = self.pool.begin().await?;

                let mut hashes: Vec<String> = batch
                    .loans
                    .iter()
                    .map(|l| borrower_phone_hash(&l.borrower_reference))
                    .collect();
                hashes.sort_unstable();
                hashes.dedup();
                let mut borrowers = HashMap::with_capacity(hashes.len());
                for chunk in hashes.chunks(ROWS_PER_STATEMENT) {
                    let sql = format!(
                        "INSERT INTO users (phone_hash, phone_encrypted, password_hash, role, created_at)
                         VALUES {} ON CONFLICT (phone_hash) DO NOTHING",
                        placeholders(chunk.len(), &["?", "?", "'!'", "'borrower'", "?"], $numbered)
                    );
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for hash in chunk {
                        query = query.bind(hash).bind(Vec::<u8>::new()).bind(now);
                    }
                    query.execute(&mut *tx).await?;
                    let sql = format!(
                        "SELECT id, phone_hash FROM users WHERE phone_hash IN {}",
                        placeholders(1, &vec!["?"; chunk.len()], $numbered)
                    );
                    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                    for hash in chunk {
                        query = query.bind(hash);
                    }
                    let rows: Vec<(UserId, String)> = query.fetch_all(&mut *tx).await?;
                    borrowers.extend(rows.into_iter().map(|(id, hash)| (hash, id)));
                }

                let mut ids = HashMap::with_capacity(batch.loans.len());
                for chunk in batch.loans.chunks(ROWS_PER_STATEMENT) {
                    let sql = format!(
                        "INSERT INTO loans (borrower_id, product_code, status, terms, state, as_of,
                             principal_fen, outstanding_fen, dpd, bucket, classification, version,
                             external_reference, created_at, updated_at) VALUES {}
                         RETURNING id, external_reference",
                        placeholders(
                            chunk.len(),
                            &["?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "1", "?", "?", "?"],
                            $numbered
                        )
                    );
                    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                    for loan in chunk {
                        let borrower = borrowers
                            .get(&borrower_phone_hash(&loan.borrower_reference))
                            .copied()
                            .ok_or(StoreError::Conflict)?;
                        query = query
                            .bind(borrower)
                            .bind(&loan.product_code)
                            .bind(loan.projection.status.as_str())
                            .bind(&loan.terms)
                            .bind(&loan.state)
                            .bind(loan.projection.as_of)
                            .bind(loan.principal_fen)
                            .bind(loan.projection.outstanding_fen)
                            .bind(loan.projection.dpd)
                            .bind(loan.projection.bucket)
                            .bind(loan.projection.classification)
                            .bind(&loan.external_reference)
                            .bind(now)
                            .bind(now);
                    }
                    let rows: Vec<(LoanId, String)> = query
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(StoreError::from_write)?;
                    ids.extend(rows.into_iter().map(|(id, reference)| (reference, id)));
                }
                let ids: Vec<LoanId> = batch
                    .loans
                    .iter()
                    .map(|l| ids.get(&l.external_reference).copied().ok_or(StoreError::Conflict))
                    .collect::<StoreResult<_>>()?;

                for (chunk, chunk_ids) in batch
                    .loans
                    .chunks(ROWS_PER_STATEMENT)
                    .zip(ids.chunks(ROWS_PER_STATEMENT))
                {
                    let sql = format!(
                        "INSERT INTO loan_events (loan_id, value_date, event, allocation, payment_id,
                             reversed, created_at) VALUES {}",
                        placeholders(chunk.len(), &["?", "?", "?", "?", "NULL", "FALSE", "?"], $numbered)
                    );
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for (loan, id) in chunk.iter().zip(chunk_ids) {
                        query = query
                            .bind(*id)
                            .bind(loan.projection.as_of)
                            .bind(&loan.event)
                            .bind(&loan.allocation)
                            .bind(now);
                    }
                    query.execute(&mut *tx).await?;
                }

                Self::insert_gl_lines(&mut tx, &batch.journal, |_| batch.source.clone(), now)
                    .await?;
                tx.commit().await?;
                Ok(ids)
            }

            async fn events_of_loans(
                &self,
                first_id: LoanId,
                last_id: LoanId,
            ) -> StoreResult<Vec<LoanEventRecord>> {
                Ok(sqlx::query_as(
                    "SELECT id, loan_id, value_date, event, allocation, payment_id, reversed, created_at
                     FROM loan_events WHERE loan_id BETWEEN $1 AND $2 ORDER BY loan_id, id",
                )
                .bind(first_id)
                .bind(last_id)
                .fetch_all(&self.pool)
                .await?)
            }
        }
    };
}

import_store!(Sqlite, false);
import_store!(Postgres, true);
