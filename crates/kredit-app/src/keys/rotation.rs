//! `kredit keys rotate`, `status` and `check`.
//!
//! A rotation moves every data key under a new KEK and re-seals every value
//! still in the legacy format, online:
//!
//! 1. the target KEK becomes the database's active one, so from then on
//!    every server wraps new data keys under it;
//! 2. `data_keys`: live keys in id order, a batch per transaction, each
//!    re-wrap written only if the key is still under the KEK it was read
//!    under; the batch moves the `key_rotations` cursor in the same
//!    transaction, so a killed rotation reruns from its last batch;
//! 3. one phase per table holding sealed values: legacy values re-sealed
//!    under their owner's data key, each write a compare-and-set on the
//!    value read (a request changing it meanwhile wins, and its value is
//!    already in the envelope format);
//! 4. `sweep`: any key still under another KEK (one created by a server
//!    that had not yet seen step 1) is re-wrapped until none is left;
//! 5. done: every `retiring` KEK no data key uses is marked retired.

use std::collections::BTreeMap;
use std::time::Instant;

use kredit_store::keys::{
    CipherTable, CipherUpdate, DataKeyRecord, KekRecord, Rewrap, RotationRecord,
};
use kredit_store::pii::DataKeyId;
use kredit_store::{Repository, StoreError};

use super::provider::ProviderError;
use super::vault::{Opened, PiiError, Vault};

const SWEEP: &str = "sweep";
const DATA_KEYS: &str = "data_keys";

#[derive(Debug, Clone, Copy)]
pub struct RotateOptions {
    /// Keys or rows per batch (each batch one transaction).
    pub batch_size: usize,
    /// Stop after this many batches, leaving the rotation to be resumed
    /// (tests stand for a kill with it).
    pub max_batches: Option<usize>,
}

impl Default for RotateOptions {
    fn default() -> Self {
        Self {
            batch_size: 500,
            max_batches: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RotationReport {
    pub rotation: RotationRecord,
    /// Whether it continued a rotation an earlier run had left.
    pub resumed: bool,
    /// Written by this run.
    pub rewrapped: u64,
    pub migrated: u64,
    /// Values neither format opens (left as they are; `check` fails).
    pub unreadable: u64,
    pub finished: bool,
    pub seconds: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    #[error(transparent)]
    Pii(#[from] PiiError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(
        "a rotation to KEK {running:?} is under way: rerun `kredit keys rotate` without --kek to finish it first"
    )]
    OtherRotationRunning { running: String },
}

/// Rotates to `target` (the provider's newest KEK when `None`), or resumes
/// the rotation under way.
pub async fn rotate(
    vault: &Vault,
    repository: &dyn Repository,
    target: Option<&str>,
    options: RotateOptions,
) -> Result<RotationReport, RotationError> {
    let started = Instant::now();
    let store = repository.keys();
    let running = store.running_rotation().await?;
    let resumed = running.is_some();
    let mut rotation = match running {
        Some(rotation) => {
            if let Some(target) = target
                && target != rotation.target_kek
            {
                return Err(RotationError::OtherRotationRunning {
                    running: rotation.target_kek,
                });
            }
            rotation
        }
        None => {
            let target = match target {
                Some(target) => target.to_owned(),
                None => vault.provider().current_kek()?,
            };
            // Proves the provider can wrap under it before anything moves.
            vault
                .provider()
                .wrap(&target, &kredit_store::pii::DataKey::generate())
                .await?;
            store.activate_kek(&target, kredit_store::now()).await?;
            store.start_rotation(&target, kredit_store::now()).await?
        }
    };
    let mut run = Run {
        vault,
        repository,
        rotation: rotation.id,
        target: rotation.target_kek.clone(),
        batch: i64::try_from(options.batch_size.max(1)).unwrap_or(500),
        batches_left: options.max_batches,
        rewrapped: 0,
        migrated: 0,
        unreadable: 0,
    };
    let finished = run.phases(&rotation.phase, &rotation.cursor).await?;
    if finished {
        store
            .finish_rotation(rotation.id, kredit_store::now())
            .await?;
    }
    rotation = store
        .latest_rotation()
        .await?
        .ok_or_else(|| StoreError::Invariant("the rotation row vanished".into()))?;
    Ok(RotationReport {
        rotation,
        resumed,
        rewrapped: run.rewrapped,
        migrated: run.migrated,
        unreadable: run.unreadable,
        finished,
        seconds: started.elapsed().as_secs_f64(),
    })
}

struct Run<'a> {
    vault: &'a Vault,
    repository: &'a dyn Repository,
    rotation: i64,
    target: String,
    batch: i64,
    batches_left: Option<usize>,
    rewrapped: u64,
    migrated: u64,
    unreadable: u64,
}

impl Run<'_> {
    /// Runs the phases from `phase` at `cursor`; `false` if stopped early.
    async fn phases(&mut self, phase: &str, cursor: &str) -> Result<bool, RotationError> {
        let order: Vec<&str> = std::iter::once(DATA_KEYS)
            .chain(CipherTable::ALL.iter().map(|table| table.name()))
            .chain([SWEEP])
            .collect();
        let start = order
            .iter()
            .position(|p| *p == phase)
            .unwrap_or(order.len());
        for (index, phase) in order.iter().enumerate().skip(start) {
            let cursor = if index == start { cursor } else { "" };
            let store = self.repository.keys();
            if index != start {
                store
                    .set_rotation_phase(self.rotation, phase, "", kredit_store::now())
                    .await?;
            }
            let complete = match *phase {
                DATA_KEYS => self.rewrap_all(cursor).await?,
                SWEEP => self.sweep().await?,
                table => {
                    let table = CipherTable::from_name(table).expect("a table phase");
                    self.migrate_table(table, cursor.parse().unwrap_or(0))
                        .await?
                }
            };
            if !complete {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Counts a batch; `false` once the allowance is spent.
    fn take_batch(&mut self) -> bool {
        match &mut self.batches_left {
            Some(0) => false,
            Some(left) => {
                *left -= 1;
                true
            }
            None => true,
        }
    }

    async fn rewrap_all(&mut self, mut cursor: &str) -> Result<bool, RotationError> {
        let store = self.repository.keys();
        let mut owned_cursor;
        loop {
            let page = store.data_keys_page(cursor, self.batch).await?;
            let Some(last) = page.last() else {
                return Ok(true);
            };
            if !self.take_batch() {
                return Ok(false);
            }
            owned_cursor = last.id.clone();
            self.rewrap(&page, &owned_cursor).await?;
            cursor = &owned_cursor;
        }
    }

    async fn sweep(&mut self) -> Result<bool, RotationError> {
        let store = self.repository.keys();
        loop {
            let page = store.data_keys_not_under(&self.target, self.batch).await?;
            let Some(last) = page.last() else {
                return Ok(true);
            };
            if !self.take_batch() {
                return Ok(false);
            }
            let cursor = last.id.clone();
            self.rewrap(&page, &cursor).await?;
        }
    }

    async fn rewrap(&mut self, page: &[DataKeyRecord], cursor: &str) -> Result<(), RotationError> {
        let provider = self.vault.provider();
        let mut rewraps = Vec::with_capacity(page.len());
        for record in page {
            let (Some(kek), Some(wrapped)) = (&record.kek_id, &record.wrapped) else {
                continue;
            };
            if *kek == self.target {
                continue;
            }
            let id = DataKeyId::from_hex(&record.id)
                .ok_or_else(|| StoreError::Invariant(format!("data key id {:?}", record.id)))?;
            let key = provider.unwrap(kek, id, wrapped).await?;
            rewraps.push(Rewrap {
                id: record.id.clone(),
                old_kek: kek.clone(),
                wrapped: provider.wrap(&self.target, &key).await?,
            });
        }
        self.rewrapped += self
            .repository
            .keys()
            .rewrap_batch(
                self.rotation,
                &self.target,
                &rewraps,
                cursor,
                kredit_store::now(),
            )
            .await?;
        Ok(())
    }

    async fn migrate_table(
        &mut self,
        table: CipherTable,
        mut after: i64,
    ) -> Result<bool, RotationError> {
        let store = self.repository.keys();
        loop {
            let rows = store.cipher_page(table, after, self.batch).await?;
            let Some(last) = rows.last() else {
                return Ok(true);
            };
            if !self.take_batch() {
                return Ok(false);
            }
            after = last.key;
            let mut updates = Vec::new();
            for row in &rows {
                for (column, value) in row.values.iter().enumerate() {
                    // Imported borrowers have no phone yet: nothing sealed.
                    let Some(value) = value.as_ref().filter(|v| !v.is_empty()) else {
                        continue;
                    };
                    match self.vault.open_detailed(value).await? {
                        Opened::Legacy(text) => {
                            let new = match row.owner {
                                Some(user) => self.vault.seal_for(user, &text).await?,
                                None => self.vault.seal_for_system(&text).await?,
                            };
                            updates.push(CipherUpdate {
                                key: row.key,
                                column,
                                old: value.clone(),
                                new,
                            });
                        }
                        Opened::Envelope(_) | Opened::Shredded => {}
                        Opened::Failed => self.unreadable += 1,
                    }
                }
            }
            self.migrated += store
                .replace_ciphertexts(
                    self.rotation,
                    table,
                    &updates,
                    &after.to_string(),
                    kredit_store::now(),
                )
                .await?;
        }
    }
}

/// What `kredit keys status` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyStatus {
    pub keks: Vec<KekRecord>,
    /// KEKs the provider holds (the key file's).
    pub provider_keks: Vec<String>,
    /// Live data keys per KEK.
    pub data_keys: BTreeMap<String, i64>,
    pub destroyed_data_keys: i64,
    pub latest_rotation: Option<RotationRecord>,
}

pub async fn status(vault: &Vault, repository: &dyn Repository) -> Result<KeyStatus, StoreError> {
    let store = repository.keys();
    let mut data_keys = BTreeMap::new();
    let mut destroyed_data_keys = 0;
    for (kek, count) in store.data_key_counts().await? {
        match kek {
            Some(kek) => {
                data_keys.insert(kek, count);
            }
            None => destroyed_data_keys += count,
        }
    }
    Ok(KeyStatus {
        keks: store.keks().await?,
        provider_keks: vault.provider().kek_ids(),
        data_keys,
        destroyed_data_keys,
        latest_rotation: store.latest_rotation().await?,
    })
}

/// What `kredit keys check` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    pub data_keys: u64,
    /// Data keys the provider could not unwrap.
    pub data_key_failures: Vec<String>,
    pub values: u64,
    pub legacy_values: u64,
    /// Values under destroyed keys (erased owners): unreadable by design.
    pub shredded_values: u64,
    /// `table.column key=…` of values that open in neither format.
    pub value_failures: Vec<String>,
    /// Retired KEKs that still wrap a data key.
    pub retired_in_use: Vec<String>,
}

impl CheckReport {
    #[must_use]
    pub fn passed(&self) -> bool {
        self.data_key_failures.is_empty()
            && self.value_failures.is_empty()
            && self.retired_in_use.is_empty()
    }
}

/// Unwraps every live data key and opens every sealed value.
pub async fn check(
    vault: &Vault,
    repository: &dyn Repository,
    batch: usize,
) -> Result<CheckReport, PiiError> {
    let store = repository.keys();
    let batch = i64::try_from(batch.max(1)).unwrap_or(500);
    let mut report = CheckReport::default();
    let mut cursor = String::new();
    loop {
        let page = store.data_keys_page(&cursor, batch).await?;
        let Some(last) = page.last() else { break };
        cursor = last.id.clone();
        for record in &page {
            report.data_keys += 1;
            let unwrapped = match (
                DataKeyId::from_hex(&record.id),
                &record.kek_id,
                &record.wrapped,
            ) {
                (Some(id), Some(kek), Some(wrapped)) => {
                    vault.unwrap_record(id, kek, wrapped).await.is_ok()
                }
                _ => false,
            };
            if !unwrapped {
                report.data_key_failures.push(record.id.clone());
            }
        }
    }
    for table in CipherTable::ALL {
        let mut after = 0;
        loop {
            let rows = store.cipher_page(table, after, batch).await?;
            let Some(last) = rows.last() else { break };
            after = last.key;
            for row in &rows {
                for (column, value) in row.values.iter().enumerate() {
                    let Some(value) = value.as_ref().filter(|v| !v.is_empty()) else {
                        continue;
                    };
                    report.values += 1;
                    // A KEK the provider lacks is this value's failure, not
                    // the end of the check.
                    let opened = match vault.open_detailed(value).await {
                        Err(PiiError::Provider(_)) => Opened::Failed,
                        other => other?,
                    };
                    match opened {
                        Opened::Envelope(_) => {}
                        Opened::Legacy(_) => report.legacy_values += 1,
                        Opened::Shredded => report.shredded_values += 1,
                        Opened::Failed => report.value_failures.push(format!(
                            "{}.{} key={}",
                            table.name(),
                            table.columns()[column],
                            row.key
                        )),
                    }
                }
            }
        }
    }
    let counts = store.data_key_counts().await?;
    for kek in store.keks().await? {
        let in_use = counts
            .iter()
            .any(|(id, count)| id.as_deref() == Some(kek.id.as_str()) && *count > 0);
        if kek.status == "retired" && in_use {
            report.retired_in_use.push(kek.id);
        }
    }
    Ok(report)
}
