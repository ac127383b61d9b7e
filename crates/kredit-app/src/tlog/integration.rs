//! `?wait=integrated`: a write that answers only once what it committed is
//! in a signed checkpoint, so its caller can fetch a proof at once. The
//! wait is bounded: past [`WAIT_LIMIT`] the write answers anyway, saying
//! it is not integrated yet (the write has committed; the log takes it
//! within a second or two).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{App, AppResult};

/// The longest a write waits for its entry to be integrated.
pub const WAIT_LIMIT: Duration = Duration::from_secs(5);

/// How often the wait looks at the log: two cheap indexed reads.
const POLL: Duration = Duration::from_millis(50);

/// What a request asks to wait for (`?wait=integrated`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WaitFor {
    /// Until the write's log entry is in a signed checkpoint.
    Integrated,
}

/// Where a write's entry stands in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Integration {
    /// Whether a signed checkpoint covers the entry; `false` when the
    /// wait ran out first.
    pub integrated: bool,
    /// The entry's index in the log, once integrated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// The size of the newest checkpoint, which covers the entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_size: Option<u64>,
}

/// Waits, up to `limit`, until the log's entry for the event `kind` of
/// `subject` (`contract.signed` of `contract:7`) is in a signed checkpoint.
pub async fn wait_integrated(
    app: &App,
    subject: &str,
    kind: &str,
    limit: Duration,
) -> AppResult<Integration> {
    let deadline = tokio::time::Instant::now() + limit;
    let store = app.repository.log();
    loop {
        if let Some(entry) = store.entry_of(subject, kind).await?
            && let Some(checkpoint) = store.latest_checkpoint().await?
            && checkpoint.size > entry.idx
        {
            return Ok(Integration {
                integrated: true,
                index: Some(entry.idx as u64),
                checkpoint_size: Some(checkpoint.size as u64),
            });
        }
        if tokio::time::Instant::now() + POLL > deadline {
            return Ok(Integration {
                integrated: false,
                index: None,
                checkpoint_size: None,
            });
        }
        tokio::time::sleep(POLL).await;
    }
}
