//! The log's hashes as the Merkle math reads them: a [`HashSource`] over
//! the stored tiles, fetched from the database on demand, plus the hashes
//! a round is adding. The math is synchronous and the database is not, so
//! a computation runs against what is fetched so far (behind mutexes only
//! so that a future holding the cache stays `Send`); a read of a tile not
//! yet fetched is recorded and fails the run, the missing tiles are
//! fetched, and the computation runs again. Which hashes a proof or an
//! append reads depends only on sizes and indexes, so two or three runs
//! suffice (one per tile level touched).

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use kredit_store::tlog::LogStore;
use kredit_tlog::{Hash, HashSource, Tile};

use crate::{AppError, AppResult};

/// Runs beyond this mean the computation reads tiles that do not exist.
const MAX_RUNS: usize = 16;

#[derive(Default)]
pub struct TileHashes {
    /// Stored tiles by (level, index), at their stored width.
    tiles: Mutex<HashMap<(u8, u64), Vec<u8>>>,
    /// Tiles a run asked for and did not find.
    missing: Mutex<BTreeSet<(u8, u64)>>,
    /// Hashes the current run added, by stored index (read before tiles).
    added: Mutex<HashMap<u64, Hash>>,
}

impl TileHashes {
    /// Records a hash the current run computed.
    pub fn add(&self, index: u64, hash: Hash) {
        self.added
            .lock()
            .expect("tile cache lock")
            .insert(index, hash);
    }

    /// Runs `compute` until it no longer misses a tile, fetching the
    /// missing ones from `store` between runs.
    pub async fn run<T>(
        &self,
        store: &dyn LogStore,
        compute: impl Fn(&TileHashes) -> Result<T, kredit_tlog::Error>,
    ) -> AppResult<T> {
        for _ in 0..MAX_RUNS {
            self.added.lock().expect("tile cache lock").clear();
            let outcome = compute(self);
            let missing = std::mem::take(&mut *self.missing.lock().expect("tile cache lock"));
            if missing.is_empty() {
                return outcome.map_err(AppError::internal);
            }
            for (level, index) in missing {
                let tile = store
                    .tile(i64::from(level), index as i64)
                    .await?
                    .ok_or_else(|| {
                        AppError::internal(format!("log tile {level}/{index} is not stored"))
                    })?;
                self.tiles
                    .lock()
                    .expect("tile cache lock")
                    .insert((level, index), tile.data);
            }
        }
        Err(AppError::internal("log computation kept missing tiles"))
    }

    fn read(&self, index: u64) -> Result<Hash, kredit_tlog::Error> {
        if let Some(hash) = self.added.lock().expect("tile cache lock").get(&index) {
            return Ok(*hash);
        }
        let wanted = kredit_tlog::tile_for_stored_index(index);
        let key = (wanted.level, wanted.index);
        if let Some(data) = self.tiles.lock().expect("tile cache lock").get(&key) {
            let stored = Tile {
                level: wanted.level,
                index: wanted.index,
                width: (data.len() / 32) as u16,
            };
            if stored.width >= wanted.width {
                return kredit_tlog::hash_from_tile(&stored, data, index);
            }
        }
        self.missing.lock().expect("tile cache lock").insert(key);
        Err(kredit_tlog::Error::Source(format!(
            "tile {}/{} not fetched",
            key.0, key.1
        )))
    }
}

impl HashSource for TileHashes {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, kredit_tlog::Error> {
        // Read all before failing, so one run records every missing tile.
        let hashes: Vec<_> = indexes.iter().map(|&i| self.read(i)).collect();
        hashes.into_iter().collect()
    }
}
