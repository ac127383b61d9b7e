//! A sequencing round: the events not yet logged (first, on an empty log,
//! the evidence chain it replaces, in order) become entries; their hashes,
//! the tiles they change and a checkpoint over the new tree are computed
//! and written in one transaction. One instance sequences at a time (the
//! `tlog` lease); a lost race (`Conflict`) is a round another did.

use std::collections::HashMap;

use kredit_store::LoanId;
use kredit_store::StoreError;
use kredit_store::tlog::{CheckpointRecord, LogAppend, NewLogEntry, TileRecord};
use kredit_tlog::{Checkpoint, Hash};

use super::LogSettings;
use super::entry::LogRecord;
use super::tiles::TileHashes;
use crate::lease::{self, run_leased};
use crate::{App, AppError, AppResult};

/// The lease a sequencing round runs under.
pub const LEASE: &str = "tlog";
/// Entries per round (one transaction).
pub const BATCH: i64 = 5_000;
/// Evidence entries read per page while migrating the chain.
const EVIDENCE_PAGE: i64 = 1_000;

/// One round: the entries appended (0 with nothing to log, or when
/// another instance holds the lease or won the race).
pub async fn sequence(app: &App, log: &LogSettings) -> AppResult<usize> {
    let round = append_round(app, log);
    Ok(run_leased(app, LEASE, &app.instance, lease::round(), round)
        .await?
        .unwrap_or(0))
}

async fn append_round(app: &App, log: &LogSettings) -> AppResult<usize> {
    let store = app.repository.log();
    let old_size = store
        .latest_checkpoint()
        .await?
        .map_or(0, |checkpoint| checkpoint.size);
    let mut entries = if old_size == 0 {
        evidence_entries(app).await?
    } else {
        Vec::new()
    };
    let events = store.unlogged_events(BATCH).await?;
    let mut last_of_loan: HashMap<LoanId, u64> = HashMap::new();
    for event in &events {
        let previous = match event.loan_id {
            None => None,
            Some(loan) => match last_of_loan.get(&loan) {
                Some(&index) => Some(index),
                None => store
                    .last_entry_of_loan(loan)
                    .await?
                    .map(|index| index as u64),
            },
        };
        if let Some(loan) = event.loan_id {
            last_of_loan.insert(loan, old_size as u64 + entries.len() as u64);
        }
        entries.push(LogRecord::of_event(event, previous)?.to_new_entry()?);
    }
    if entries.is_empty() {
        return Ok(0);
    }
    let batch = grow(store, log, old_size as u64, entries, app.time.clock.now()).await?;
    let appended = batch.entries.len();
    match store.append(&batch).await {
        Ok(()) => {}
        Err(StoreError::Conflict) => return Ok(0),
        Err(error) => return Err(error.into()),
    }
    metrics::counter!("kredit_log_entries_appended_total").increment(appended as u64);
    metrics::gauge!("kredit_log_size").set(batch.checkpoint.size as f64);
    Ok(appended)
}

/// The evidence chain, in order, as the log's first entries.
async fn evidence_entries(app: &App) -> AppResult<Vec<NewLogEntry>> {
    let lending = app.repository.lending();
    let mut entries = Vec::new();
    let mut after = 0;
    loop {
        let page = lending.evidence(after, EVIDENCE_PAGE).await?;
        let Some(last) = page.last() else {
            return Ok(entries);
        };
        after = last.sequence as i64;
        for evidence in &page {
            entries.push(LogRecord::of_evidence(evidence).to_new_entry()?);
        }
    }
}

/// The write that grows the tree of `old_size` by `entries`: their
/// hashes folded into the tiles they change, and the signed checkpoint.
pub(crate) async fn grow(
    store: &dyn kredit_store::tlog::LogStore,
    log: &LogSettings,
    old_size: u64,
    entries: Vec<NewLogEntry>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<LogAppend> {
    let new_size = old_size + entries.len() as u64;
    let leaves: Vec<Hash> = entries
        .iter()
        .map(|entry| kredit_tlog::leaf_hash(&entry.data))
        .collect();
    let hashes = TileHashes::default();
    let (root, tiles) = hashes
        .run(store, |source| {
            for (offset, leaf) in leaves.iter().enumerate() {
                let n = old_size + offset as u64;
                let first = kredit_tlog::stored_hash_count(n);
                let added = kredit_tlog::stored_hashes_for_leaf(n, *leaf, source)?;
                for (k, hash) in added.into_iter().enumerate() {
                    source.add(first + k as u64, hash);
                }
            }
            let root = kredit_tlog::tree_hash(new_size, source)?;
            let tiles = kredit_tlog::tiles_changed(old_size, new_size)
                .into_iter()
                .map(|tile| {
                    Ok(TileRecord {
                        level: i64::from(tile.level),
                        idx: tile.index as i64,
                        width: i64::from(tile.width),
                        data: kredit_tlog::tile_data(&tile, source)?,
                    })
                })
                .collect::<Result<Vec<_>, kredit_tlog::Error>>()?;
            Ok((root, tiles))
        })
        .await?;
    let body = Checkpoint {
        origin: log.origin().to_owned(),
        size: new_size,
        root,
        extensions: Vec::new(),
    }
    .to_text();
    let note = kredit_tlog::sign_note(&body, &[&log.signer]).map_err(AppError::internal)?;
    Ok(LogAppend {
        old_size: old_size as i64,
        entries,
        tiles,
        checkpoint: CheckpointRecord {
            size: new_size as i64,
            root: root.0.to_vec(),
            note,
            created_at: now,
        },
    })
}
