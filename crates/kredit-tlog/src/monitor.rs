//! The monitor's decision: given a log's newest signed checkpoint, the
//! checkpoint the monitor last accepted, and a way to read the log's
//! tlog-tiles files, what is wrong with the log, position by position.
//!
//! Nothing the server says is trusted except what the log's key signed:
//!
//! - the checkpoint must be signed by the key; against the saved one, a
//!   smaller size is a rollback, the same size with another root a fork,
//!   and growth must come with a consistency proof (built from the hash
//!   tiles served, checked against both signed roots);
//! - the tree is rebuilt twice for the part that changed since the saved
//!   checkpoint: from the hash tiles as served, and from the entry bundles
//!   (each leaf hashed from the entry's bytes, each level hashed up from
//!   the one below). Comparing the two level by level names each hash that
//!   differs; whichever of the two reproduces the signed root is the log's,
//!   so the other one was altered: a tile hash, or an entry (moved, when its
//!   leaf belongs at another index).
//!
//! Only tiles that changed since the saved checkpoint are read, plus the
//! few older ones the proof and the root need (`full` rechecks everything).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crate::checkpoint::Checkpoint;
use crate::hash::leaf_hash;
use crate::note::{NoteVerifier, open_note};
use crate::proof::{prove_consistency, tree_hash, verify_consistency};
use crate::tile::{
    TILE_WIDTH, Tile, TileHashSource, decode_entry_bundle, entries_path, hash_row, tiles_changed,
};
use crate::{Error, Hash};

/// Reads the log's files by their tlog-tiles path (`tile/0/x001/234`,
/// `tile/entries/000.p/5`): `Ok(None)` when the log says it has no such
/// file (HTTP 404), `Err` when it could not be asked.
pub trait LogFetch {
    fn fetch(&self, path: &str) -> Result<Option<Vec<u8>>, Error>;
}

/// Something wrong with the log, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The log is smaller than when last seen.
    Rollback { saved_size: u64, size: u64 },
    /// The same size with another root than last seen.
    Fork {
        size: u64,
        saved_root: Hash,
        root: Hash,
    },
    /// The log grew, but its new tree does not contain the old one.
    InconsistentGrowth { saved_size: u64, size: u64 },
    /// A hash tile the tree needs is not served.
    MissingTile { path: String },
    /// A hash tile served with the wrong number of bytes.
    ShortTile {
        path: String,
        bytes: usize,
        want: usize,
    },
    /// A hash in a tile differs from the one the entries give (`hash` is
    /// its position in the tile).
    AlteredTile { path: String, hash: u16 },
    /// An entry bundle is not served, or not with its number of entries.
    BadEntryBundle {
        path: String,
        first: u64,
        end: u64,
        detail: String,
    },
    /// An entry's bytes no longer hash to its leaf.
    AlteredEntry { index: u64 },
    /// The entry at `index` is the one logged at `belongs_at`.
    MovedEntry { index: u64, belongs_at: u64 },
    /// Where the tiles and the entries disagree when neither gives the
    /// signed root (so which one was altered is unknown).
    Disagreement { path: String, hash: u16 },
    /// Neither the tiles nor the entries give the signed root.
    RootMismatch { size: u64 },
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::Rollback { saved_size, size } => write!(
                f,
                "rollback: the log has {size} entries, it had {saved_size}"
            ),
            Finding::Fork {
                size,
                saved_root,
                root,
            } => write!(
                f,
                "fork: at size {size} the root is {root}, it was {saved_root}"
            ),
            Finding::InconsistentGrowth { saved_size, size } => write!(
                f,
                "fork: the tree of size {size} does not contain the tree of size {saved_size} seen before"
            ),
            Finding::MissingTile { path } => write!(f, "missing tile: {path}"),
            Finding::ShortTile { path, bytes, want } => {
                write!(f, "short tile: {path} has {bytes} bytes, want {want}")
            }
            Finding::AlteredTile { path, hash } => {
                write!(f, "altered tile: {path}, hash {hash}")
            }
            Finding::BadEntryBundle {
                path,
                first,
                end,
                detail,
            } => write!(f, "entry bundle {path} (entries {first}..{end}): {detail}"),
            Finding::AlteredEntry { index } => write!(f, "altered entry: index {index}"),
            Finding::MovedEntry { index, belongs_at } => write!(
                f,
                "reordered entry: index {index} holds the entry logged at {belongs_at}"
            ),
            Finding::Disagreement { path, hash } => {
                write!(f, "the entries and {path} disagree at hash {hash}")
            }
            Finding::RootMismatch { size } => write!(
                f,
                "neither the tiles nor the entries give the signed root of size {size}"
            ),
        }
    }
}

/// What one look at the log found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorReport {
    /// The newest checkpoint, signed by the log's key.
    pub checkpoint: Checkpoint,
    /// Empty when the log is sound; then `checkpoint` is the new state.
    pub findings: Vec<Finding>,
    /// The paths read, in order (how much a look cost).
    pub fetched: Vec<String>,
}

/// Checks the log whose newest signed note is `note` against the checkpoint
/// last accepted (`saved`, if any), reading tiles through `fetch`. An error
/// is a note that is not the log's, or a log that could not be read; what
/// the log holds wrongly is in the report's findings.
pub fn monitor(
    note: &str,
    key: &NoteVerifier,
    saved: Option<&Checkpoint>,
    full: bool,
    fetch: &impl LogFetch,
) -> Result<MonitorReport, Error> {
    let opened = open_note(note, &[key])?;
    let checkpoint = Checkpoint::parse(&opened.text)?;
    if checkpoint.origin != key.name() {
        return Err(Error::Checkpoint(format!(
            "origin {:?} is not the key's {:?}",
            checkpoint.origin,
            key.name()
        )));
    }
    let files = Files::new(fetch);
    let mut findings = Vec::new();
    if let Some(saved) = saved {
        if saved.origin != checkpoint.origin {
            return Err(Error::Checkpoint(format!(
                "the saved state is of log {:?}",
                saved.origin
            )));
        }
        if checkpoint.size < saved.size {
            findings.push(Finding::Rollback {
                saved_size: saved.size,
                size: checkpoint.size,
            });
        } else if checkpoint.size == saved.size && checkpoint.root != saved.root {
            findings.push(Finding::Fork {
                size: saved.size,
                saved_root: saved.root,
                root: checkpoint.root,
            });
        }
        // Nothing new since the last look: nothing to read (unless `full`).
        let unchanged = checkpoint.size == saved.size && !full;
        if !findings.is_empty() || unchanged {
            return Ok(MonitorReport {
                checkpoint,
                findings,
                fetched: Vec::new(),
            });
        }
    }
    let from = match saved {
        Some(saved) if !full => saved.size,
        _ => 0,
    };
    let trees = Rebuilt::new(&files, from, checkpoint.size)?;
    findings.extend(trees.findings(&files, checkpoint.size, &checkpoint.root)?);
    if let Some(saved) = saved
        && let Some(rebuilt) = trees.signed_tree(&files, checkpoint.size, &checkpoint.root)?
        && saved.size > 0
        && saved.size < checkpoint.size
    {
        let source = trees.source(&files, checkpoint.size, rebuilt);
        let consistent = prove_consistency(checkpoint.size, saved.size, &source)
            .ok()
            .is_some_and(|proof| {
                verify_consistency(
                    saved.size,
                    checkpoint.size,
                    &saved.root,
                    &checkpoint.root,
                    &proof,
                )
                .is_ok()
            });
        files.error()?;
        if !consistent {
            findings.push(Finding::InconsistentGrowth {
                saved_size: saved.size,
                size: checkpoint.size,
            });
        }
    }
    findings.extend(files.findings.take());
    Ok(MonitorReport {
        checkpoint,
        findings,
        fetched: files.fetched.take(),
    })
}

/// The log's files as read so far; a tile's problems are noted once.
struct Files<'a, F> {
    fetch: &'a F,
    tiles: RefCell<HashMap<Tile, Option<Vec<u8>>>>,
    fetched: RefCell<Vec<String>>,
    findings: RefCell<Vec<Finding>>,
    /// The first transport error: the look failed, it found nothing.
    error: RefCell<Option<Error>>,
}

impl<'a, F: LogFetch> Files<'a, F> {
    fn new(fetch: &'a F) -> Self {
        Files {
            fetch,
            tiles: RefCell::default(),
            fetched: RefCell::default(),
            findings: RefCell::default(),
            error: RefCell::default(),
        }
    }

    fn get(&self, path: String) -> Option<Vec<u8>> {
        let got = self.fetch.fetch(&path);
        self.fetched.borrow_mut().push(path);
        match got {
            Ok(data) => data,
            Err(e) => {
                self.error.borrow_mut().get_or_insert(e);
                None
            }
        }
    }

    /// The tile's data as served, if served whole.
    fn tile(&self, tile: &Tile) -> Option<Vec<u8>> {
        if let Some(data) = self.tiles.borrow().get(tile) {
            return data.clone();
        }
        let path = tile.path();
        let want = usize::from(tile.width) * 32;
        let data = match self.get(path.clone()) {
            Some(data) if data.len() == want => Some(data),
            Some(data) => {
                self.note(Finding::ShortTile {
                    path,
                    bytes: data.len(),
                    want,
                });
                None
            }
            None => {
                if self.error.borrow().is_none() {
                    self.note(Finding::MissingTile { path });
                }
                None
            }
        };
        self.tiles.borrow_mut().insert(*tile, data.clone());
        data
    }

    fn note(&self, finding: Finding) {
        self.findings.borrow_mut().push(finding);
    }

    fn error(&self) -> Result<(), Error> {
        match self.error.borrow().clone() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// The changed part of the tree, tile by tile: as served, and as the
/// entries give it.
struct Rebuilt {
    /// The changed tiles in ascending (level, index).
    tiles: Vec<Tile>,
    served: BTreeMap<Tile, Vec<u8>>,
    from_entries: BTreeMap<Tile, Vec<u8>>,
}

impl Rebuilt {
    fn new(files: &Files<'_, impl LogFetch>, from: u64, size: u64) -> Result<Self, Error> {
        let tiles = tiles_changed(from, size);
        let mut served = BTreeMap::new();
        let mut from_entries: BTreeMap<Tile, Vec<u8>> = BTreeMap::new();
        for tile in &tiles {
            let data = files.tile(tile);
            let rebuilt = if tile.level == 0 {
                entry_leaves(files, tile)
            } else {
                (0..u64::from(tile.width))
                    .map(|k| {
                        let child = Tile {
                            level: tile.level - 1,
                            index: (tile.index << 8) + k,
                            width: TILE_WIDTH,
                        };
                        match from_entries.get(&child) {
                            Some(row) => Some(hash_row(row).0.to_vec()),
                            // Not changed (or not rebuildable): as served.
                            None => data
                                .as_ref()
                                .map(|d| d[k as usize * 32..(k as usize + 1) * 32].to_vec()),
                        }
                    })
                    .collect::<Option<Vec<_>>>()
                    .map(|rows| rows.concat())
            };
            if let Some(row) = rebuilt {
                from_entries.insert(*tile, row);
            }
            if let Some(data) = data {
                served.insert(*tile, data);
            }
        }
        files.error()?;
        Ok(Rebuilt {
            tiles,
            served,
            from_entries,
        })
    }

    /// Where the two trees differ: (tile, hash position).
    fn differences(&self) -> Vec<(Tile, usize)> {
        let mut out = Vec::new();
        for tile in &self.tiles {
            if let (Some(a), Some(b)) = (self.served.get(tile), self.from_entries.get(tile)) {
                out.extend(
                    a.chunks(32)
                        .zip(b.chunks(32))
                        .enumerate()
                        .filter(|(_, (x, y))| x != y)
                        .map(|(k, _)| (*tile, k)),
                );
            }
        }
        out
    }

    /// The root each tree gives (`None` where a tile is missing).
    fn roots<F: LogFetch>(
        &self,
        files: &Files<'_, F>,
        size: u64,
    ) -> Result<(Option<Hash>, Option<Hash>), Error> {
        let served = tree_hash(size, &self.source(files, size, false)).ok();
        let rebuilt = tree_hash(size, &self.source(files, size, true)).ok();
        files.error()?;
        Ok((served, rebuilt))
    }

    /// The tiles as served, or with the changed ones rebuilt from the entries.
    fn source<'s, F: LogFetch>(
        &'s self,
        files: &'s Files<'_, F>,
        size: u64,
        rebuilt: bool,
    ) -> TileHashSource<impl Fn(&Tile) -> Result<Vec<u8>, Error> + 's> {
        TileHashSource::new(size, move |tile: &Tile| {
            let preferred = if rebuilt {
                self.from_entries.get(tile)
            } else {
                None
            };
            preferred
                .cloned()
                .or_else(|| files.tile(tile))
                .ok_or_else(|| Error::Source(format!("no {}", tile.path())))
        })
    }

    /// Which tree gives the signed root, for proofs: `Some(true)` the one
    /// rebuilt from the entries, `Some(false)` the tiles as served.
    fn signed_tree<F: LogFetch>(
        &self,
        files: &Files<'_, F>,
        size: u64,
        root: &Hash,
    ) -> Result<Option<bool>, Error> {
        let (served, rebuilt) = self.roots(files, size)?;
        Ok(if served == Some(*root) {
            Some(false)
        } else if rebuilt == Some(*root) {
            Some(true)
        } else {
            None
        })
    }

    fn findings<F: LogFetch>(
        &self,
        files: &Files<'_, F>,
        size: u64,
        root: &Hash,
    ) -> Result<Vec<Finding>, Error> {
        let (served, rebuilt) = self.roots(files, size)?;
        let differences = self.differences();
        let each_difference = |finding: fn(String, u16) -> Finding| {
            differences
                .iter()
                .map(|(tile, k)| finding(tile.path(), *k as u16))
                .collect::<Vec<_>>()
        };
        Ok(if rebuilt == Some(*root) {
            // The entries are the log's: the differing tile hashes were altered.
            each_difference(|path, hash| Finding::AlteredTile { path, hash })
        } else if served == Some(*root) {
            // The tiles are the log's: the entries that differ were altered
            // (only level 0 matters, the levels above differ because of it).
            let leaves: HashMap<&[u8], u64> = self
                .served
                .iter()
                .filter(|(tile, _)| tile.level == 0)
                .flat_map(|(tile, data)| {
                    data.chunks(32)
                        .enumerate()
                        .map(move |(k, h)| (h, (tile.index << 8) + k as u64))
                })
                .collect();
            differences
                .iter()
                .filter(|(tile, _)| tile.level == 0)
                .map(|(tile, k)| {
                    let index = (tile.index << 8) + *k as u64;
                    let leaf = &self.from_entries[tile][k * 32..(k + 1) * 32];
                    match leaves.get(leaf) {
                        Some(&belongs_at) => Finding::MovedEntry { index, belongs_at },
                        None => Finding::AlteredEntry { index },
                    }
                })
                .collect()
        } else {
            let mut out = each_difference(|path, hash| Finding::Disagreement { path, hash });
            out.push(Finding::RootMismatch { size });
            out
        })
    }
}

/// The leaf hashes of a level-0 tile's entries, from its entry bundle.
fn entry_leaves(files: &Files<'_, impl LogFetch>, tile: &Tile) -> Option<Vec<u8>> {
    let path = entries_path(tile.index, tile.width);
    let first = tile.index << 8;
    let end = first + u64::from(tile.width);
    let bad = |detail: String| {
        files.note(Finding::BadEntryBundle {
            path: path.clone(),
            first,
            end,
            detail,
        });
        None
    };
    let Some(data) = files.get(path.clone()) else {
        return if files.error.borrow().is_some() {
            None
        } else {
            bad("not served".into())
        };
    };
    match decode_entry_bundle(&data) {
        Ok(entries) if entries.len() == usize::from(tile.width) => {
            Some(entries.iter().flat_map(|e| leaf_hash(e).0).collect())
        }
        Ok(entries) => bad(format!("{} entries, want {}", entries.len(), tile.width)),
        Err(e) => bad(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;
    use crate::note::{NoteSigner, sign_note};
    use crate::proof::MemoryHashes;
    use crate::tile::{encode_entry_bundle, tile_data, tiles_for_size};

    const ORIGIN: &str = "example.com/log";

    fn signer() -> NoteSigner {
        NoteSigner::from_seed(ORIGIN, [7; 32]).unwrap()
    }

    /// A log as a static directory: its files by path, and its signed note.
    struct Log {
        files: RefCell<BTreeMap<String, Vec<u8>>>,
        note: String,
        checkpoint: Checkpoint,
    }

    impl LogFetch for Log {
        fn fetch(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
            Ok(self.files.borrow().get(path).cloned())
        }
    }

    impl Log {
        fn new(entries: &[Vec<u8>]) -> Log {
            let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
            let mem = MemoryHashes::from_leaves(&leaves);
            let size = entries.len() as u64;
            let mut files = BTreeMap::new();
            for tile in tiles_for_size(size) {
                files.insert(tile.path(), tile_data(&tile, &mem).unwrap());
                if tile.level == 0 {
                    let first = (tile.index as usize) << 8;
                    let bundle: Vec<&[u8]> = entries[first..first + usize::from(tile.width)]
                        .iter()
                        .map(Vec::as_slice)
                        .collect();
                    files.insert(
                        entries_path(tile.index, tile.width),
                        encode_entry_bundle(&bundle).unwrap(),
                    );
                }
            }
            let checkpoint = Checkpoint {
                origin: ORIGIN.into(),
                size,
                root: tree_hash(size, &mem).unwrap(),
                extensions: vec![],
            };
            let note = sign_note(&checkpoint.to_text(), &[&signer()]).unwrap();
            Log {
                files: RefCell::new(files),
                note,
                checkpoint,
            }
        }

        fn of_size(size: usize) -> Log {
            Log::new(&entries(size, "entry"))
        }

        fn look(&self, saved: Option<&Checkpoint>) -> MonitorReport {
            monitor(&self.note, &signer().verifier(), saved, false, self).unwrap()
        }

        fn findings(&self) -> Vec<Finding> {
            self.look(None).findings
        }

        fn edit(&self, path: &str, change: impl FnOnce(&mut Vec<u8>)) {
            change(self.files.borrow_mut().get_mut(path).expect(path));
        }

        fn remove(&self, path: &str) {
            assert!(self.files.borrow_mut().remove(path).is_some(), "{path}");
        }

        /// Replaces entry bundle `path` with these entries.
        fn rebundle(&self, path: &str, change: impl FnOnce(&mut Vec<Vec<u8>>)) {
            self.edit(path, |data| {
                let mut entries = decode_entry_bundle(data).unwrap();
                change(&mut entries);
                let refs: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
                *data = encode_entry_bundle(&refs).unwrap();
            });
        }
    }

    fn entries(size: usize, prefix: &str) -> Vec<Vec<u8>> {
        (0..size)
            .map(|i| format!("{prefix} {i}").into_bytes())
            .collect()
    }

    #[test]
    fn a_sound_log_has_no_findings_and_later_looks_read_only_what_changed() {
        let all = entries(1300, "entry");
        let old = Log::new(&all[..1000]);
        let first = old.look(None);
        assert_eq!(first.findings, []);
        assert_eq!(first.checkpoint, old.checkpoint);
        assert!(first.fetched.contains(&"tile/0/000".to_string()));

        let new = Log::new(&all);
        let second = new.look(Some(&first.checkpoint));
        assert_eq!(second.findings, []);
        // Tiles 0..2 of level 0 were full at size 1000: not read again.
        for old_tile in ["tile/0/000", "tile/0/001", "tile/0/002", "tile/entries/000"] {
            assert!(!second.fetched.iter().any(|p| p == old_tile), "{old_tile}");
        }
        assert!(
            second
                .fetched
                .contains(&"tile/entries/005.p/20".to_string())
        );
        let full = monitor(
            &new.note,
            &signer().verifier(),
            Some(&first.checkpoint),
            true,
            &new,
        )
        .unwrap();
        assert_eq!(full.findings, []);
        assert!(full.fetched.contains(&"tile/entries/000".to_string()));
        // Unchanged: nothing to read.
        assert_eq!(
            new.look(Some(&new.checkpoint)).fetched,
            Vec::<String>::new()
        );
    }

    #[test]
    fn an_altered_entry_is_named_by_index() {
        let log = Log::of_size(600);
        log.rebundle("tile/entries/000", |e| e[5][0] ^= 1);
        log.rebundle("tile/entries/002.p/88", |e| e[80].push(b'!'));
        assert_eq!(
            log.findings(),
            [
                Finding::AlteredEntry { index: 5 },
                Finding::AlteredEntry { index: 592 }
            ]
        );
    }

    #[test]
    fn swapped_entries_are_named_with_where_they_belong() {
        let log = Log::of_size(600);
        log.rebundle("tile/entries/001", |e| e.swap(3, 4));
        assert_eq!(
            log.findings(),
            [
                Finding::MovedEntry {
                    index: 259,
                    belongs_at: 260
                },
                Finding::MovedEntry {
                    index: 260,
                    belongs_at: 259
                }
            ]
        );
    }

    #[test]
    fn an_altered_tile_hash_is_named_by_tile_and_position() {
        for (path, hash) in [
            ("tile/0/000", 7),
            ("tile/0/002.p/88", 3),
            ("tile/1/000.p/2", 1),
        ] {
            let log = Log::of_size(600);
            log.edit(path, |data| data[hash * 32 + 4] ^= 0x80);
            assert_eq!(
                log.findings(),
                [Finding::AlteredTile {
                    path: path.into(),
                    hash: hash as u16
                }],
                "{path}"
            );
        }
    }

    #[test]
    fn an_entry_and_a_tile_both_altered_are_named_as_disagreeing() {
        let log = Log::of_size(100);
        log.rebundle("tile/entries/000.p/100", |e| e[10].push(b'!'));
        log.edit("tile/0/000.p/100", |data| data[20 * 32] ^= 1);
        let disagree = |hash| Finding::Disagreement {
            path: "tile/0/000.p/100".into(),
            hash,
        };
        assert_eq!(
            log.findings(),
            [
                disagree(10),
                disagree(20),
                Finding::RootMismatch { size: 100 }
            ]
        );
    }

    #[test]
    fn missing_and_short_tiles_are_named() {
        let log = Log::of_size(600);
        log.remove("tile/0/002.p/88");
        assert_eq!(
            log.findings(),
            [Finding::MissingTile {
                path: "tile/0/002.p/88".into()
            }]
        );
        let log = Log::of_size(600);
        log.edit("tile/1/000.p/2", |data| data.truncate(40));
        assert_eq!(
            log.findings(),
            [Finding::ShortTile {
                path: "tile/1/000.p/2".into(),
                bytes: 40,
                want: 64
            }]
        );
    }

    #[test]
    fn a_deleted_entry_breaks_its_bundle() {
        let log = Log::of_size(600);
        log.rebundle("tile/entries/001", |e| {
            e.remove(9);
        });
        let bad = |detail: &str| Finding::BadEntryBundle {
            path: "tile/entries/001".into(),
            first: 256,
            end: 512,
            detail: detail.into(),
        };
        assert_eq!(log.findings(), [bad("255 entries, want 256")]);
        log.remove("tile/entries/001");
        assert_eq!(log.findings(), [bad("not served")]);
    }

    #[test]
    fn rollbacks_and_forks_against_the_saved_checkpoint() {
        let log = Log::of_size(600);
        let bigger = Log::of_size(700).checkpoint;
        assert_eq!(
            log.look(Some(&bigger)).findings,
            [Finding::Rollback {
                saved_size: 700,
                size: 600
            }]
        );
        let other = Log::new(&entries(600, "other")).checkpoint;
        assert_eq!(
            log.look(Some(&other)).findings,
            [Finding::Fork {
                size: 600,
                saved_root: other.root,
                root: log.checkpoint.root
            }]
        );
        let smaller_other = Log::new(&entries(500, "other")).checkpoint;
        assert_eq!(
            log.look(Some(&smaller_other)).findings,
            [Finding::InconsistentGrowth {
                saved_size: 500,
                size: 600
            }]
        );
    }

    #[test]
    fn only_the_logs_key_and_a_readable_log_give_a_report() {
        let log = Log::of_size(10);
        let stranger = NoteSigner::from_seed(ORIGIN, [8; 32]).unwrap();
        assert!(monitor(&log.note, &stranger.verifier(), None, false, &log).is_err());
        // A witness's extra signature line is fine.
        let witness = NoteSigner::from_seed("witness.example", [9; 32]).unwrap();
        let cosigned = sign_note(&log.checkpoint.to_text(), &[&signer(), &witness]).unwrap();
        let report = monitor(&cosigned, &signer().verifier(), None, false, &log).unwrap();
        assert_eq!(report.findings, []);

        struct Down;
        impl LogFetch for Down {
            fn fetch(&self, _: &str) -> Result<Option<Vec<u8>>, Error> {
                Err(Error::Source("connection refused".into()))
            }
        }
        assert_eq!(
            monitor(&log.note, &signer().verifier(), None, false, &Down),
            Err(Error::Source("connection refused".into()))
        );
    }

    /// What a look costs on a log of a million entries: a full recheck,
    /// then a look after 1,000 more (docs/benchmarks.md). A measurement:
    /// `cargo test --release -p kredit-tlog --lib monitor_cost -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement: run with --ignored --nocapture"]
    fn monitor_cost() {
        let all = entries(1_001_000, "entry");
        let old = Log::new(&all[..1_000_000]);
        let new = Log::new(&all);
        let started = std::time::Instant::now();
        let full = old.look(None);
        let full_time = started.elapsed();
        let started = std::time::Instant::now();
        let next = new.look(Some(&full.checkpoint));
        let next_time = started.elapsed();
        assert_eq!((full.findings.len(), next.findings.len()), (0, 0));
        println!(
            "full look at 1,000,000 entries: {} files, {:.0} ms; after 1,000 more: {} files, {:.2} ms",
            full.fetched.len(),
            full_time.as_secs_f64() * 1000.0,
            next.fetched.len(),
            next_time.as_secs_f64() * 1000.0
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Any changed byte of any entry, or of any level-0 tile hash, is
        /// found at its position.
        #[test]
        fn any_single_change_is_found_where_it_is(size in 1usize..700, at in 0usize..700, byte in 0usize..32) {
            let at = at % size;
            let tile = Tile { level: 0, index: (at >> 8) as u64, width: (size - (at & !255)).min(256) as u16 };
            let k = at & 255;
            let log = Log::of_size(size);
            log.rebundle(&entries_path(tile.index, tile.width), |e| e[k].push(b'x'));
            prop_assert_eq!(log.findings(), [Finding::AlteredEntry { index: at as u64 }]);

            let log = Log::of_size(size);
            log.edit(&tile.path(), |data| data[k * 32 + byte] ^= 1);
            prop_assert_eq!(log.findings(), [Finding::AlteredTile { path: tile.path(), hash: k as u16 }]);
        }
    }
}
