//! A round of background work under a named lease (`job_leases`), so that
//! of several instances one does it at a time. The lease is released when
//! the round ends, however it ends, so any instance may run the next; one
//! whose holder crashed lapses after its time to live.

use std::future::Future;

use crate::{App, AppResult};

/// How long an ordinary round may hold its lease.
pub fn round() -> chrono::Duration {
    chrono::Duration::seconds(60)
}

/// Runs `work` while `holder` holds lease `name` for at most `ttl`:
/// `None` (and `work` never started) when another holder has it.
pub async fn run_leased<T>(
    app: &App,
    name: &str,
    holder: &str,
    ttl: chrono::Duration,
    work: impl Future<Output = AppResult<T>>,
) -> AppResult<Option<T>> {
    let jobs = app.repository.jobs();
    let now = app.time.clock.now();
    if !jobs.acquire_lease(name, holder, now, now + ttl).await? {
        return Ok(None);
    }
    let outcome = work.await;
    jobs.release_lease(name, holder).await?;
    outcome.map(Some)
}
