//! Per-loan serialisation: the commands and notices of one loan are
//! applied one at a time, so a notice never fails because its loan was
//! busy and a check made before charging a card still holds when the
//! payment is written.
//!
//! Two levels: an in-process async mutex per loan (requests to this
//! instance queue without touching the database), then a lease in the
//! database (`job_leases`, named `loan:{id}`) that serialises instances
//! sharing the database. A lease whose holder died expires after
//! [`LEASE`]; the holder releases it as soon as it is done.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kredit_store::LoanId;
use tokio::sync::OwnedMutexGuard;

use crate::{App, AppError, AppResult};

/// How long a loan's database lease lasts if its holder never releases it.
const LEASE: Duration = Duration::from_secs(30);
/// How long to wait for another instance's lease before giving up.
const PATIENCE: Duration = Duration::from_secs(60);

/// This instance's per-loan mutexes.
#[derive(Default)]
pub struct LoanLocks {
    local: Mutex<HashMap<LoanId, Arc<tokio::sync::Mutex<()>>>>,
}

/// A loan held by this task; [`LoanGuard::release`] gives it back.
struct LoanGuard<'a> {
    app: &'a App,
    loan_id: LoanId,
    holder: String,
    _local: OwnedMutexGuard<()>,
}

fn lease_name(loan_id: LoanId) -> String {
    format!("loan:{loan_id}")
}

impl LoanLocks {
    fn local(&self, loan_id: LoanId) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.local.lock().expect("the lock map is never poisoned");
        // Forget mutexes nobody holds or waits for, so the map stays small.
        if map.len() > 1024 {
            map.retain(|_, mutex| Arc::strong_count(mutex) > 1);
        }
        map.entry(loan_id).or_default().clone()
    }
}

/// Waits until this task alone may change `loan_id`.
async fn lock(app: &App, loan_id: LoanId) -> AppResult<LoanGuard<'_>> {
    let local = app.loan_locks.local(loan_id).lock_owned().await;
    let holder = format!("{}:{}", app.instance, crate::ids::random_reference());
    let name = lease_name(loan_id);
    let jobs = app.repository.jobs();
    let mut pause = Duration::from_millis(2);
    let mut waited = Duration::ZERO;
    loop {
        let now = app.time.clock.now();
        let until = now + chrono::Duration::from_std(LEASE).map_err(AppError::internal)?;
        if jobs.acquire_lease(&name, &holder, now, until).await? {
            return Ok(LoanGuard {
                app,
                loan_id,
                holder,
                _local: local,
            });
        }
        if waited >= PATIENCE {
            return Err(AppError::conflict(
                "loan_busy",
                "the loan is being changed by another request; try again",
            ));
        }
        tokio::time::sleep(pause).await;
        waited += pause;
        pause = (pause * 2).min(Duration::from_millis(100));
    }
}

impl LoanGuard<'_> {
    /// Gives the loan back (the in-process mutex with it).
    async fn release(self) -> AppResult<()> {
        self.app
            .repository
            .jobs()
            .release_lease(&lease_name(self.loan_id), &self.holder)
            .await?;
        Ok(())
    }
}

/// Runs `operation` holding `loan_id`, releasing it whatever the outcome
/// (a panic leaves the database lease to expire after [`LEASE`]).
pub async fn with_loan<T, F>(app: &App, loan_id: LoanId, operation: F) -> AppResult<T>
where
    F: std::future::Future<Output = AppResult<T>>,
{
    let guard = lock(app, loan_id).await?;
    let result = operation.await;
    guard.release().await?;
    result
}
