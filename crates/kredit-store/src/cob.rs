//! Storage for close of business (see docs/close-of-business.md): runs
//! split into chunks of loan ids that workers lease, load, and commit in one
//! transaction each (their loans, their share of the general ledger, their
//! auto-debits, the events they raise and the chunk's done-mark), plus the
//! products and business date `kredit demo generate` sets (its loans go
//! through [`crate::import`]).
//!
//! Reached from any repository through [`Repository::cob`]. Like the
//! repository, the implementation is written once for both backends; only
//! chunk leasing (`FOR UPDATE SKIP LOCKED` on PostgreSQL) and the batched
//! loan update (`UNNEST` on PostgreSQL, `UPDATE … FROM (VALUES …)` on SQLite)
//! differ.
//!
//! [`Repository::cob`]: crate::Repository::cob

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use kredit_core::ids::LoanId;
use sqlx::{Pool, Postgres, Sqlite};

use crate::repository::{SqlRepository, StoreError, StoreResult};

/// One close of business, from the business date it started on to the
/// date it closes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CobRun {
    pub id: i64,
    pub from_date: NaiveDate,
    pub to_date: NaiveDate,
    pub chunk_count: i64,
}

/// A chunk of loan ids (inclusive) leased by one worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkLease {
    pub run_id: i64,
    pub chunk_no: i64,
    pub first_id: i64,
    pub last_id: i64,
}

/// An active loan as close of business reads it.
#[derive(Clone, Debug)]
pub struct StoredLoan {
    pub id: LoanId,
    pub product_code: String,
    /// `loans.state`, encoded by [`crate::loan_state`].
    pub state: Vec<u8>,
    pub dpd: i32,
    pub bucket: Option<String>,
    pub classification: Option<String>,
    pub version: i64,
}

/// A loan's new state and delinquency columns; written only if its version
/// is still `expected_version` (and bumped).
#[derive(Clone, Debug)]
pub struct LoanWrite {
    pub id: LoanId,
    pub expected_version: i64,
    pub state: Vec<u8>,
    pub projection: crate::lending::LoanProjection,
}

/// A general-ledger line with no loan: postings summed per product, day,
/// kind and account pair.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct GlLine {
    pub entry_date: NaiveDate,
    pub product_code: String,
    pub kind: String,
    pub debit: String,
    pub credit: String,
    pub amount_fen: i64,
}

/// A loan to collect from on a business date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct QueuedDebit {
    pub loan_id: LoanId,
    pub amount_fen: i64,
}

/// A domain event close of business raises about a loan (an instalment
/// falling due or overdue), written to the outbox with the chunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CobEvent {
    pub loan_id: LoanId,
    pub event: crate::outbox::NewDomainEvent,
}

/// Everything one chunk produced, committed atomically.
#[derive(Clone, Debug)]
pub struct ChunkWork {
    pub lease: ChunkLease,
    /// The run's target date: the auto-debits' business date.
    pub business_date: NaiveDate,
    /// Active loans read, and the count and sum of their versions when
    /// read: if either differs at commit, a loan was written meanwhile and
    /// the chunk is done again.
    pub loans_read: i64,
    pub version_sum: i64,
    pub writes: Vec<LoanWrite>,
    pub gl: Vec<GlLine>,
    pub debits: Vec<QueuedDebit>,
    /// In the order they are to be delivered (by loan, then by date).
    pub events: Vec<CobEvent>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkCommit {
    Committed,
    /// A loan of the chunk changed since it was read: nothing was written;
    /// read and compute the chunk again.
    Stale,
    /// The chunk is done or leased by another worker (our lease expired):
    /// nothing was written.
    Lost,
}

/// Sums over a run's committed chunks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunTotals {
    pub chunks_done: i64,
    pub loans: i64,
    pub changed: i64,
    pub gl_lines: i64,
    pub auto_debits: i64,
}

#[async_trait]
pub trait CobStore: Send + Sync {
    async fn business_date(&self) -> StoreResult<Option<NaiveDate>>;
    async fn set_business_date(&self, date: NaiveDate) -> StoreResult<()>;
    async fn loan_count(&self) -> StoreResult<i64>;

    /// The run in progress, or a new one from the business date to
    /// `through` with chunks of `chunk_size` loan ids; `None` when the
    /// business date is missing or already at or past `through`.
    /// `reclaim_leases` frees every lease of the run in progress (SQLite,
    /// where one process runs at a time, so any lease is a dead one's).
    async fn open_run(
        &self,
        through: NaiveDate,
        chunk_size: i64,
        now: DateTime<Utc>,
        reclaim_leases: bool,
    ) -> StoreResult<Option<CobRun>>;
    /// Leases the first chunk not done and not leased (or whose lease
    /// expired before `now`) to `worker` until `until`.
    async fn lease_chunk(
        &self,
        run_id: i64,
        worker: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Option<ChunkLease>>;
    async fn chunks_not_done(&self, run_id: i64) -> StoreResult<i64>;
    /// The chunk's active loans with a state, in id order.
    async fn load_chunk(&self, lease: &ChunkLease) -> StoreResult<Vec<StoredLoan>>;
    /// In one transaction: marks the chunk done (if still leased to
    /// `worker`), checks no loan changed since read, writes the loans, the
    /// ledger lines, the auto-debits and the domain events.
    async fn commit_chunk(
        &self,
        work: &ChunkWork,
        worker: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<ChunkCommit>;
    /// Completes the run once every chunk is done and moves the business
    /// date to its target, atomically. `true` if this call completed it.
    async fn finish_run(&self, run_id: i64, now: DateTime<Utc>) -> StoreResult<bool>;
    async fn run_totals(&self, run_id: i64) -> StoreResult<RunTotals>;

    /// Close-of-business ledger lines summed per day, product, kind and
    /// account pair, in that order.
    async fn cob_ledger(&self) -> StoreResult<Vec<GlLine>>;
    async fn auto_debit_queue(&self, business_date: NaiveDate) -> StoreResult<Vec<QueuedDebit>>;
    /// Up to `limit` loans with a state and id above `after_id`: id,
    /// product, state, dpd.
    async fn loan_states(
        &self,
        after_id: LoanId,
        limit: i64,
    ) -> StoreResult<Vec<(LoanId, String, Vec<u8>, i32)>>;

    /// Inserts products that are not there yet: (code, definition JSON).
    async fn insert_products(
        &self,
        products: &[(String, String)],
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
}

/// Rows per multi-row statement: under SQLite's 32,766 and PostgreSQL's
/// 65,535 parameters for every statement here.
const ROWS_PER_STATEMENT: usize = 2_000;

/// The chunk's loans: every active loan has a state (the status is written
/// from it), so this needs only the columns of the `loans_status` index.
/// `LOAD_CHUNK` must select the same rows.
const ACTIVE_IN_RANGE: &str = "FROM loans WHERE status = 'active' AND id BETWEEN $1 AND $2";

/// `(…), (…)` for `rows` rows of `template` (each "?" a parameter, anything
/// else literal SQL). PostgreSQL gets `$1, $2, …`; SQLite gets anonymous
/// `?`, because binding numbered parameters costs SQLite a walk of every
/// parameter name each (quadratic in a multi-row statement).
pub(crate) fn placeholders(rows: usize, template: &[&str], numbered: bool) -> String {
    let mut sql = String::with_capacity(rows * template.len() * 7);
    let mut n = 1;
    for row in 0..rows {
        if row > 0 {
            sql.push(',');
        }
        sql.push('(');
        for (i, part) in template.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            if *part == "?" {
                if numbered {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                } else {
                    sql.push('?');
                }
                n += 1;
            } else {
                sql.push_str(part);
            }
        }
        sql.push(')');
    }
    sql
}

macro_rules! cob_store {
    ($db:ty, $numbered:expr, $lease_sql:expr) => {
        impl SqlRepository<$db> {
            /// General-ledger lines carrying no loan, in multi-row
            /// statements inside the caller's transaction; `source` names
            /// where each came from (close of business, an import batch).
            pub(crate) async fn insert_gl_lines(
                tx: &mut sqlx::Transaction<'_, $db>,
                lines: &[GlLine],
                source: impl Fn(&GlLine) -> String,
                now: DateTime<Utc>,
            ) -> StoreResult<()> {
                for batch in lines.chunks(ROWS_PER_STATEMENT) {
                    let sql = format!(
                        "INSERT INTO journal_entries (entry_date, loan_id, product_code, kind, debit,
                             credit, amount_fen, source, created_at) VALUES {}",
                        placeholders(batch.len(), &["?", "NULL", "?", "?", "?", "?", "?", "?", "?"], $numbered)
                    );
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for line in batch {
                        query = query
                            .bind(line.entry_date)
                            .bind(&line.product_code)
                            .bind(&line.kind)
                            .bind(&line.debit)
                            .bind(&line.credit)
                            .bind(line.amount_fen)
                            .bind(source(line))
                            .bind(now);
                    }
                    query.execute(&mut **tx).await?;
                }
                Ok(())
            }
        }

        #[async_trait]
        impl CobStore for SqlRepository<$db> {
            async fn business_date(&self) -> StoreResult<Option<NaiveDate>> {
                Ok(
                    sqlx::query_scalar("SELECT business_date FROM business_calendar WHERE id = 1")
                        .fetch_optional(self.pool())
                        .await?,
                )
            }

            async fn set_business_date(&self, date: NaiveDate) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO business_calendar (id, business_date) VALUES (1, $1)
                     ON CONFLICT (id) DO UPDATE SET business_date = excluded.business_date",
                )
                .bind(date)
                .execute(self.pool())
                .await?;
                Ok(())
            }

            async fn loan_count(&self) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM loans")
                    .fetch_one(self.pool())
                    .await?)
            }

            async fn open_run(
                &self,
                through: NaiveDate,
                chunk_size: i64,
                now: DateTime<Utc>,
                reclaim_leases: bool,
            ) -> StoreResult<Option<CobRun>> {
                let chunk_size = chunk_size.max(1);
                // Two processes may race to create the run: the loser's
                // insert violates cob_runs_running, and it joins the winner's.
                for _ in 0..3 {
                    let mut tx = self.pool().begin().await?;
                    let running: Option<(i64, NaiveDate, NaiveDate, i64)> = sqlx::query_as(
                        "SELECT id, from_date, to_date, chunk_count FROM cob_runs WHERE status = 'running'",
                    )
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some((id, from_date, to_date, chunk_count)) = running {
                        if reclaim_leases {
                            sqlx::query(
                                "UPDATE cob_chunks SET lease_owner = NULL, lease_expires_at = NULL
                                 WHERE run_id = $1 AND done_at IS NULL",
                            )
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        }
                        tx.commit().await?;
                        return Ok(Some(CobRun { id, from_date, to_date, chunk_count }));
                    }
                    let business_date: Option<NaiveDate> = sqlx::query_scalar(
                        "SELECT business_date FROM business_calendar WHERE id = 1",
                    )
                    .fetch_optional(&mut *tx)
                    .await?;
                    let Some(from_date) = business_date.filter(|d| *d < through) else {
                        return Ok(None);
                    };
                    let (low, high): (Option<i64>, Option<i64>) =
                        sqlx::query_as("SELECT MIN(id), MAX(id) FROM loans")
                            .fetch_one(&mut *tx)
                            .await?;
                    let low = low.unwrap_or(1);
                    let high = high.unwrap_or(low).max(low);
                    let chunk_count = (high - low) / chunk_size + 1;
                    let inserted = sqlx::query_scalar(
                        "INSERT INTO cob_runs (from_date, to_date, status, chunk_count, started_at)
                         VALUES ($1, $2, 'running', $3, $4) RETURNING id",
                    )
                    .bind(from_date)
                    .bind(through)
                    .bind(chunk_count)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(StoreError::from_write);
                    let id: i64 = match inserted {
                        Ok(id) => id,
                        Err(StoreError::Conflict) => continue,
                        Err(other) => return Err(other),
                    };
                    let numbers: Vec<i64> = (0..chunk_count).collect();
                    for batch in numbers.chunks(ROWS_PER_STATEMENT) {
                        let sql = format!(
                            "INSERT INTO cob_chunks (run_id, chunk_no, first_id, last_id) VALUES {}",
                            placeholders(batch.len(), &["?"; 4], $numbered)
                        );
                        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                        for &k in batch {
                            let first = low + k * chunk_size;
                            // The last chunk is open-ended.
                            let last = if k == chunk_count - 1 {
                                i64::MAX
                            } else {
                                first + chunk_size - 1
                            };
                            let first = if k == 0 { i64::MIN } else { first };
                            query = query.bind(id).bind(k).bind(first).bind(last);
                        }
                        query.execute(&mut *tx).await?;
                    }
                    tx.commit().await?;
                    return Ok(Some(CobRun { id, from_date, to_date: through, chunk_count }));
                }
                Err(StoreError::Conflict)
            }

            async fn lease_chunk(
                &self,
                run_id: i64,
                worker: &str,
                now: DateTime<Utc>,
                until: DateTime<Utc>,
            ) -> StoreResult<Option<ChunkLease>> {
                let leased: Option<(i64, i64, i64)> = sqlx::query_as($lease_sql)
                    .bind(worker)
                    .bind(until)
                    .bind(run_id)
                    .bind(now)
                    .fetch_optional(self.pool())
                    .await?;
                Ok(leased.map(|(chunk_no, first_id, last_id)| ChunkLease {
                    run_id,
                    chunk_no,
                    first_id,
                    last_id,
                }))
            }

            async fn chunks_not_done(&self, run_id: i64) -> StoreResult<i64> {
                Ok(sqlx::query_scalar(
                    "SELECT COUNT(*) FROM cob_chunks WHERE run_id = $1 AND done_at IS NULL",
                )
                .bind(run_id)
                .fetch_one(self.pool())
                .await?)
            }

            async fn load_chunk(&self, lease: &ChunkLease) -> StoreResult<Vec<StoredLoan>> {
                self.read_chunk(lease).await
            }

            async fn commit_chunk(
                &self,
                work: &ChunkWork,
                worker: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<ChunkCommit> {
                let lease = &work.lease;
                let mut tx = self.pool().begin().await?;
                // First, so it takes the write lock (SQLite) or the chunk's
                // row lock (PostgreSQL) before anything is read.
                let marked = sqlx::query(
                    "UPDATE cob_chunks SET done_at = $1, loans = $2, changed = $3, gl_lines = $4,
                         auto_debits = $5, lease_expires_at = NULL
                     WHERE run_id = $6 AND chunk_no = $7 AND done_at IS NULL AND lease_owner = $8",
                )
                .bind(now)
                .bind(work.loans_read)
                .bind(work.writes.len() as i64)
                .bind(work.gl.len() as i64)
                .bind(work.debits.len() as i64)
                .bind(lease.run_id)
                .bind(lease.chunk_no)
                .bind(worker)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if marked != 1 {
                    return Ok(ChunkCommit::Lost);
                }
                let sql = format!(
                    "SELECT COUNT(*), CAST(COALESCE(SUM(version), 0) AS BIGINT) {ACTIVE_IN_RANGE}"
                );
                let (count, sum): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(lease.first_id)
                    .bind(lease.last_id)
                    .fetch_one(&mut *tx)
                    .await?;
                if (count, sum) != (work.loans_read, work.version_sum) {
                    return Ok(ChunkCommit::Stale);
                }
                for batch in work.writes.chunks(ROWS_PER_STATEMENT) {
                    let updated = Self::write_loans(&mut tx, batch, now).await?;
                    if updated != batch.len() as u64 {
                        return Ok(ChunkCommit::Stale);
                    }
                }
                Self::insert_gl_lines(&mut tx, &work.gl, |line| format!("cob:{}", line.entry_date), now)
                    .await?;
                for batch in work.debits.chunks(ROWS_PER_STATEMENT) {
                    let sql = format!(
                        "INSERT INTO auto_debits (loan_id, business_date, amount_fen, status,
                             created_at, updated_at) VALUES {}",
                        placeholders(batch.len(), &["?", "?", "?", "'pending'", "?", "?"], $numbered)
                    );
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for debit in batch {
                        query = query
                            .bind(debit.loan_id)
                            .bind(work.business_date)
                            .bind(debit.amount_fen)
                            .bind(now)
                            .bind(now);
                    }
                    query.execute(&mut *tx).await?;
                }
                for batch in work.events.chunks(ROWS_PER_STATEMENT) {
                    let sql = format!(
                        "INSERT INTO domain_events (kind, subject, loan_id, payload, occurred_at) VALUES {}",
                        placeholders(batch.len(), &["?"; 5], $numbered)
                    );
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for CobEvent { loan_id, event } in batch {
                        query = query
                            .bind(&event.kind)
                            .bind(format!("loan:{loan_id}"))
                            .bind(*loan_id)
                            .bind(&event.payload)
                            .bind(now);
                    }
                    query.execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(ChunkCommit::Committed)
            }

            async fn finish_run(&self, run_id: i64, now: DateTime<Utc>) -> StoreResult<bool> {
                let mut tx = self.pool().begin().await?;
                let finished = sqlx::query(
                    "UPDATE cob_runs SET status = 'done', finished_at = $1
                     WHERE id = $2 AND status = 'running'
                       AND NOT EXISTS (SELECT 1 FROM cob_chunks WHERE run_id = $2 AND done_at IS NULL)",
                )
                .bind(now)
                .bind(run_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if finished != 1 {
                    return Ok(false);
                }
                sqlx::query(
                    "UPDATE business_calendar SET business_date =
                         (SELECT to_date FROM cob_runs WHERE id = $1)
                     WHERE id = 1",
                )
                .bind(run_id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn run_totals(&self, run_id: i64) -> StoreResult<RunTotals> {
                let (chunks_done, loans, changed, gl_lines, auto_debits): (i64, i64, i64, i64, i64) =
                    sqlx::query_as(
                        "SELECT COUNT(*), CAST(COALESCE(SUM(loans), 0) AS BIGINT),
                                CAST(COALESCE(SUM(changed), 0) AS BIGINT),
                                CAST(COALESCE(SUM(gl_lines), 0) AS BIGINT),
                                CAST(COALESCE(SUM(auto_debits), 0) AS BIGINT)
                         FROM cob_chunks WHERE run_id = $1 AND done_at IS NOT NULL",
                    )
                    .bind(run_id)
                    .fetch_one(self.pool())
                    .await?;
                Ok(RunTotals { chunks_done, loans, changed, gl_lines, auto_debits })
            }

            async fn cob_ledger(&self) -> StoreResult<Vec<GlLine>> {
                let rows: Vec<(NaiveDate, String, String, String, String, i64)> = sqlx::query_as(
                    "SELECT entry_date, product_code, kind, debit, credit,
                            CAST(SUM(amount_fen) AS BIGINT)
                     FROM journal_entries WHERE loan_id IS NULL AND source LIKE 'cob:%'
                     GROUP BY entry_date, product_code, kind, debit, credit
                     ORDER BY entry_date, product_code, kind, debit, credit",
                )
                .fetch_all(self.pool())
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(entry_date, product_code, kind, debit, credit, amount_fen)| GlLine {
                        entry_date,
                        product_code,
                        kind,
                        debit,
                        credit,
                        amount_fen,
                    })
                    .collect())
            }

            async fn auto_debit_queue(
                &self,
                business_date: NaiveDate,
            ) -> StoreResult<Vec<QueuedDebit>> {
                let rows: Vec<(LoanId, i64)> = sqlx::query_as(
                    "SELECT loan_id, amount_fen FROM auto_debits
                     WHERE business_date = $1 ORDER BY loan_id",
                )
                .bind(business_date)
                .fetch_all(self.pool())
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(loan_id, amount_fen)| QueuedDebit { loan_id, amount_fen })
                    .collect())
            }

            async fn loan_states(
                &self,
                after_id: LoanId,
                limit: i64,
            ) -> StoreResult<Vec<(LoanId, String, Vec<u8>, i32)>> {
                Ok(sqlx::query_as(
                    "SELECT id, product_code, state, dpd FROM loans
                     WHERE id > $1 AND state IS NOT NULL ORDER BY id LIMIT $2",
                )
                .bind(after_id)
                .bind(limit)
                .fetch_all(self.pool())
                .await?)
            }

            async fn insert_products(
                &self,
                products: &[(String, String)],
                now: DateTime<Utc>,
            ) -> StoreResult<()> {
                for (code, definition) in products {
                    sqlx::query(
                        "INSERT INTO products (code, definition, version, updated_at)
                         VALUES ($1, $2, 1, $3) ON CONFLICT (code) DO NOTHING",
                    )
                    .bind(code)
                    .bind(definition)
                    .bind(now)
                    .execute(self.pool())
                    .await?;
                }
                Ok(())
            }
        }
    };
}

cob_store!(
    Sqlite,
    false,
    "UPDATE cob_chunks SET lease_owner = $1, lease_expires_at = $2, attempts = attempts + 1
     WHERE run_id = $3 AND chunk_no = (
         SELECT chunk_no FROM cob_chunks
         WHERE run_id = $3 AND done_at IS NULL
           AND (lease_expires_at IS NULL OR lease_expires_at < $4)
         ORDER BY chunk_no LIMIT 1)
     RETURNING chunk_no, first_id, last_id"
);
cob_store!(
    Postgres,
    true,
    "UPDATE cob_chunks SET lease_owner = $1, lease_expires_at = $2, attempts = attempts + 1
     WHERE run_id = $3 AND chunk_no = (
         SELECT chunk_no FROM cob_chunks
         WHERE run_id = $3 AND done_at IS NULL
           AND (lease_expires_at IS NULL OR lease_expires_at < $4)
         ORDER BY chunk_no LIMIT 1
         FOR UPDATE SKIP LOCKED)
     RETURNING chunk_no, first_id, last_id"
);

impl<DB: sqlx::Database> SqlRepository<DB> {
    fn pool(&self) -> &Pool<DB> {
        &self.pool
    }
}

const LOAD_CHUNK: &str = "SELECT id, product_code, state, dpd, bucket, classification, version \
     FROM loans WHERE status = 'active' AND id BETWEEN $1 AND $2 ORDER BY id";

type ChunkRow = (
    i64,
    String,
    Option<Vec<u8>>,
    i32,
    Option<String>,
    Option<String>,
    i64,
);

fn stored_loan(row: ChunkRow) -> StoreResult<StoredLoan> {
    let (id, product_code, state, dpd, bucket, classification, version) = row;
    let state =
        state.ok_or_else(|| StoreError::Invariant(format!("active loan {id} has no state")))?;
    Ok(StoredLoan {
        id: LoanId(id),
        product_code,
        state,
        dpd,
        bucket,
        classification,
        version,
    })
}

impl SqlRepository<Postgres> {
    async fn read_chunk(&self, lease: &ChunkLease) -> StoreResult<Vec<StoredLoan>> {
        let rows: Vec<ChunkRow> = sqlx::query_as(LOAD_CHUNK)
            .bind(lease.first_id)
            .bind(lease.last_id)
            .fetch_all(self.pool())
            .await?;
        rows.into_iter().map(stored_loan).collect()
    }
}

impl SqlRepository<Sqlite> {
    /// Reads a chunk on a blocking thread through a connection of its own
    /// (WAL: readers never wait for the writer). sqlx's SQLite driver hands
    /// every row from its worker thread to the async side separately (an
    /// allocation and a wake-up per row); for the 10,000 rows of a chunk
    /// that was most of close of business's time on SQLite. An in-memory
    /// database has no file to open and is read through sqlx.
    async fn read_chunk(&self, lease: &ChunkLease) -> StoreResult<Vec<StoredLoan>> {
        let path = self.pool().connect_options().get_filename().to_owned();
        if !path.is_file() {
            let rows: Vec<ChunkRow> = sqlx::query_as(LOAD_CHUNK)
                .bind(lease.first_id)
                .bind(lease.last_id)
                .fetch_all(self.pool())
                .await?;
            return rows.into_iter().map(stored_loan).collect();
        }
        let (first, last) = (lease.first_id, lease.last_id);
        let failed = |error: &dyn std::fmt::Display| StoreError::Sqlite(error.to_string());
        let rows = tokio::task::spawn_blocking(move || read_chunk_blocking(&path, first, last))
            .await
            .map_err(|error| failed(&error))?
            .map_err(|error| failed(&error))?;
        rows.into_iter().map(stored_loan).collect()
    }
}

fn read_chunk_blocking(
    path: &std::path::Path,
    first: i64,
    last: i64,
) -> rusqlite::Result<Vec<ChunkRow>> {
    use rusqlite::OpenFlags;
    let connection = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    let mut statement = connection.prepare(LOAD_CHUNK)?;
    let rows = statement.query_map([first, last], |row| {
        Ok((
            row.get(0)?,
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
            row.get(5)?,
            row.get(6)?,
        ))
    })?;
    rows.collect()
}

impl SqlRepository<Sqlite> {
    /// One `UPDATE … FROM (VALUES …)` for the batch; rows updated.
    async fn write_loans(
        connection: &mut sqlx::SqliteConnection,
        batch: &[LoanWrite],
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let sql = format!(
            "UPDATE loans SET state = v.column2, as_of = v.column3, status = v.column4,
                 outstanding_fen = v.column5, dpd = v.column6, bucket = v.column7,
                 classification = v.column8, version = loans.version + 1, updated_at = ?
             FROM (VALUES {}) AS v
             WHERE loans.id = v.column1 AND loans.version = v.column9",
            placeholders(batch.len(), &["?"; 9], false)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
        for write in batch {
            query = query
                .bind(write.id)
                .bind(&write.state)
                .bind(write.projection.as_of)
                .bind(write.projection.status.as_str())
                .bind(write.projection.outstanding_fen)
                .bind(write.projection.dpd)
                .bind(write.projection.bucket)
                .bind(write.projection.classification)
                .bind(write.expected_version);
        }
        Ok(query.execute(connection).await?.rows_affected())
    }
}

impl SqlRepository<Postgres> {
    /// One `UPDATE … FROM UNNEST(…)` for the batch; rows updated.
    async fn write_loans(
        connection: &mut sqlx::PgConnection,
        batch: &[LoanWrite],
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let ids: Vec<LoanId> = batch.iter().map(|w| w.id).collect();
        let states: Vec<&[u8]> = batch.iter().map(|w| w.state.as_slice()).collect();
        let as_of: Vec<Option<NaiveDate>> = batch.iter().map(|w| w.projection.as_of).collect();
        let status: Vec<&str> = batch.iter().map(|w| w.projection.status.as_str()).collect();
        let outstanding: Vec<i64> = batch.iter().map(|w| w.projection.outstanding_fen).collect();
        let dpd: Vec<i32> = batch.iter().map(|w| w.projection.dpd).collect();
        let bucket: Vec<Option<&str>> = batch.iter().map(|w| w.projection.bucket).collect();
        let classification: Vec<Option<&str>> =
            batch.iter().map(|w| w.projection.classification).collect();
        let version: Vec<i64> = batch.iter().map(|w| w.expected_version).collect();
        let updated = sqlx::query(
            "UPDATE loans AS l SET state = v.state, as_of = v.as_of, status = v.status,
                 outstanding_fen = v.outstanding_fen, dpd = v.dpd, bucket = v.bucket,
                 classification = v.classification, version = l.version + 1, updated_at = $10
             FROM UNNEST($1::bigint[], $2::bytea[], $3::date[], $4::text[], $5::bigint[],
                         $6::int[], $7::text[], $8::text[], $9::bigint[])
                  AS v(id, state, as_of, status, outstanding_fen, dpd, bucket, classification, version)
             WHERE l.id = v.id AND l.version = v.version",
        )
        .bind(ids)
        .bind(states)
        .bind(as_of)
        .bind(status)
        .bind(outstanding)
        .bind(dpd)
        .bind(bucket)
        .bind(classification)
        .bind(version)
        .bind(now)
        .execute(connection)
        .await?
        .rows_affected();
        Ok(updated)
    }
}
