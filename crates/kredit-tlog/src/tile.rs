//! C2SP tlog-tiles: the stored hashes cut into tiles of height 8 (256 hashes
//! wide), so a log can be served as static files and a verifier can fetch
//! the few tiles a proof needs. A level-`L` tile holds hashes of tree level
//! `8L`; tile `N` holds hashes `256N .. 256N+W` of that level.
//!
//! Paths: `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`, where `N` is
//! written in groups of three digits, all but the last prefixed with `x`
//! (1234067 → `x001/x234/067`), and `.p/<W>` marks a partial tile of width `W`.

use std::cell::RefCell;
use std::collections::BTreeMap;

use crate::hash::node_hash;
use crate::proof::{HashSource, split_stored_hash_index, stored_hash_count, stored_hash_index};
use crate::{Error, Hash};

/// Tile height: each tile spans 8 tree levels.
pub const TILE_HEIGHT: u32 = 8;
/// Hashes (or entries) in a full tile.
pub const TILE_WIDTH: u16 = 256;

/// A hash tile: `width` hashes of tree level `8 * level`, starting at hash
/// `256 * index` of that level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tile {
    pub level: u8,
    pub index: u64,
    /// 1..=256; 256 is a full tile.
    pub width: u16,
}

/// What a tile path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TilePath {
    Hashes(Tile),
    /// An entry bundle: entries `256 * index .. 256 * index + width`.
    Entries {
        index: u64,
        width: u16,
    },
}

impl Tile {
    /// The tile's C2SP path, e.g. `tile/0/x001/234.p/5`.
    pub fn path(&self) -> String {
        format!(
            "tile/{}/{}",
            self.level,
            index_and_width(self.index, self.width)
        )
    }

    /// Whether the tile holds all 256 hashes (and so never changes again).
    pub fn is_full(&self) -> bool {
        self.width == TILE_WIDTH
    }

    /// Parses a hash-tile or entry-bundle path; only the canonical spelling
    /// is accepted, so one tile has exactly one path (caches rely on that).
    pub fn parse_path(path: &str) -> Result<TilePath, Error> {
        let bad = || Error::TilePath(path.to_string());
        let rest = path.strip_prefix("tile/").ok_or_else(bad)?;
        let (kind, rest) = rest.split_once('/').ok_or_else(bad)?;
        let (index, width) = parse_index_and_width(rest).ok_or_else(bad)?;
        if kind == "entries" {
            return Ok(TilePath::Entries { index, width });
        }
        let level = parse_decimal(kind).ok_or_else(bad)?;
        // Level 8 would need 2^64 leaves.
        if level >= 8 {
            return Err(bad());
        }
        Ok(TilePath::Hashes(Tile {
            level: level as u8,
            index,
            width,
        }))
    }
}

/// The C2SP path of an entry bundle, e.g. `tile/entries/x001/234.p/5`.
pub fn entries_path(index: u64, width: u16) -> String {
    format!("tile/entries/{}", index_and_width(index, width))
}

fn index_and_width(index: u64, width: u16) -> String {
    let mut groups = vec![format!("{:03}", index % 1000)];
    let mut n = index / 1000;
    while n > 0 {
        groups.push(format!("x{:03}", n % 1000));
        n /= 1000;
    }
    groups.reverse();
    let mut s = groups.join("/");
    if width != TILE_WIDTH {
        s.push_str(&format!(".p/{width}"));
    }
    s
}

/// An ASCII decimal without leading zeroes.
fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

fn parse_index_and_width(s: &str) -> Option<(u64, u16)> {
    let mut parts: Vec<&str> = s.split('/').collect();
    let mut width = TILE_WIDTH;
    if parts.len() >= 2 && parts[parts.len() - 2].ends_with(".p") {
        let w = parse_decimal(parts.pop()?)?;
        if !(1..u64::from(TILE_WIDTH)).contains(&w) {
            return None;
        }
        width = w as u16;
        let last = parts.pop()?;
        parts.push(last.strip_suffix(".p")?);
    }
    let (last, leading) = parts.split_last()?;
    let mut index: u64 = 0;
    for (i, group) in leading.iter().enumerate() {
        let digits = group.strip_prefix('x')?;
        // No leading x000 group: one spelling per index.
        if i == 0 && digits == "000" {
            return None;
        }
        index = index
            .checked_mul(1000)?
            .checked_add(three_digits(digits)?)?;
    }
    index = index.checked_mul(1000)?.checked_add(three_digits(last)?)?;
    Some((index, width))
}

fn three_digits(s: &str) -> Option<u64> {
    (s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
}

/// The hash tiles of a tree of `size` records, in ascending (level, index).
pub fn tiles_for_size(size: u64) -> Vec<Tile> {
    tiles_changed(0, size)
}

/// The tiles that are new or different once the tree grows from `old_size`
/// to `new_size`: new full tiles and the new partial tile of each level.
/// Empty when `new_size <= old_size`.
pub fn tiles_changed(old_size: u64, new_size: u64) -> Vec<Tile> {
    let mut tiles = Vec::new();
    if new_size <= old_size {
        return tiles;
    }
    let mut level = 0u32;
    while level < 8 && new_size >> (TILE_HEIGHT * level) > 0 {
        let old_n = old_size >> (TILE_HEIGHT * level);
        let new_n = new_size >> (TILE_HEIGHT * level);
        if old_n != new_n {
            for index in (old_n >> TILE_HEIGHT)..(new_n >> TILE_HEIGHT) {
                tiles.push(Tile {
                    level: level as u8,
                    index,
                    width: TILE_WIDTH,
                });
            }
            let index = new_n >> TILE_HEIGHT;
            let width = (new_n - (index << TILE_HEIGHT)) as u16;
            if width > 0 {
                tiles.push(Tile {
                    level: level as u8,
                    index,
                    width,
                });
            }
        }
        level += 1;
    }
    tiles
}

/// The smallest tile holding stored hash `index`, with the byte range of the
/// tile data that hashes up to it. A hash above the tile's bottom row is not
/// stored in the tile but recomputed from the row (x/mod `TileForIndex`).
fn locate(index: u64) -> (Tile, usize, usize) {
    let (level, n) = split_stored_hash_index(index);
    let tile_level = level / TILE_HEIGHT;
    let within = level - tile_level * TILE_HEIGHT;
    let tile_index = (n << within) >> TILE_HEIGHT;
    let n_in_tile = n - ((tile_index << TILE_HEIGHT) >> within);
    let tile = Tile {
        level: tile_level as u8,
        index: tile_index,
        width: ((n_in_tile + 1) << within) as u16,
    };
    let start = (n_in_tile << within) as usize * 32;
    let end = ((n_in_tile + 1) << within) as usize * 32;
    (tile, start, end)
}

/// The smallest tile from which stored hash `index` can be read.
pub fn tile_for_stored_index(index: u64) -> Tile {
    locate(index).0
}

/// The data of a tile: its `width` hashes, 32 bytes each.
pub fn tile_data(tile: &Tile, source: &impl HashSource) -> Result<Vec<u8>, Error> {
    check_tile(tile)?;
    let start = tile.index << TILE_HEIGHT;
    let level = TILE_HEIGHT * u32::from(tile.level);
    let indexes: Vec<u64> = (0..u64::from(tile.width))
        .map(|i| stored_hash_index(level, start + i))
        .collect();
    let hashes = source.read_hashes(&indexes)?;
    if hashes.len() != indexes.len() {
        return Err(Error::Source(format!(
            "asked for {} hashes, got {}",
            indexes.len(),
            hashes.len()
        )));
    }
    Ok(hashes.iter().flat_map(|h| h.0).collect())
}

fn check_tile(tile: &Tile) -> Result<(), Error> {
    if tile.width == 0 || tile.width > TILE_WIDTH || tile.level >= 8 {
        return Err(Error::Tile(format!("invalid tile {tile:?}")));
    }
    Ok(())
}

/// Reads stored hash `index` from the data of `tile`, hashing up the bottom
/// row when the hash sits higher in the tile.
pub fn hash_from_tile(tile: &Tile, data: &[u8], index: u64) -> Result<Hash, Error> {
    check_tile(tile)?;
    if data.len() != usize::from(tile.width) * 32 {
        return Err(Error::Tile(format!(
            "{} bytes of data for {}",
            data.len(),
            tile.path()
        )));
    }
    let (needed, start, end) = locate(index);
    if needed.level != tile.level || needed.index != tile.index || needed.width > tile.width {
        return Err(Error::Tile(format!(
            "stored hash {index} is in {}, not {}",
            needed.path(),
            tile.path()
        )));
    }
    Ok(hash_row(&data[start..end]))
}

/// The hash of a complete subtree given its bottom row (a power of two of hashes).
pub(crate) fn hash_row(row: &[u8]) -> Hash {
    if row.len() == 32 {
        let mut h = [0u8; 32];
        h.copy_from_slice(row);
        return Hash(h);
    }
    let (l, r) = row.split_at(row.len() / 2);
    node_hash(&hash_row(l), &hash_row(r))
}

/// A [`HashSource`] over the tiles of a tree of `size` records, fetched by a
/// closure (HTTP, a directory, a database). It asks only for tiles that
/// exist at that size, full or partial, as [`tiles_for_size`] lists them, and
/// keeps the tiles it fetched for later reads.
///
/// It does not authenticate tiles itself: a proof built from a wrong tile
/// fails to verify against the signed checkpoint, which is the check that
/// matters. Check [`crate::tree_hash`] against the checkpoint root first to
/// find a bad tile early.
pub struct TileHashSource<F> {
    size: u64,
    fetch: F,
    cache: RefCell<BTreeMap<(u8, u64), Vec<u8>>>,
}

impl<F: Fn(&Tile) -> Result<Vec<u8>, Error>> TileHashSource<F> {
    pub fn new(size: u64, fetch: F) -> Self {
        TileHashSource {
            size,
            fetch,
            cache: RefCell::new(BTreeMap::new()),
        }
    }

    /// The tile at (level, index) as it exists in the tree of `self.size`.
    fn existing_tile(&self, level: u8, index: u64) -> Tile {
        let row = self.size >> (TILE_HEIGHT * u32::from(level));
        let width = (row - (index << TILE_HEIGHT)).min(u64::from(TILE_WIDTH));
        Tile {
            level,
            index,
            width: width as u16,
        }
    }
}

impl<F: Fn(&Tile) -> Result<Vec<u8>, Error>> HashSource for TileHashSource<F> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        let count = stored_hash_count(self.size);
        let mut cache = self.cache.borrow_mut();
        indexes
            .iter()
            .map(|&index| {
                if index >= count {
                    return Err(Error::Source(format!(
                        "stored hash {index} is not in a tree of size {}",
                        self.size
                    )));
                }
                let needed = tile_for_stored_index(index);
                let tile = self.existing_tile(needed.level, needed.index);
                let data = match cache.get(&(tile.level, tile.index)) {
                    Some(d) => d,
                    None => {
                        let d = (self.fetch)(&tile)?;
                        cache.entry((tile.level, tile.index)).or_insert(d)
                    }
                };
                hash_from_tile(&tile, data, index)
            })
            .collect()
    }
}

/// An entry bundle: each entry as a big-endian u16 length and its bytes.
/// Entries longer than 65,535 bytes do not fit the format and are an error.
pub fn encode_entry_bundle(entries: &[&[u8]]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(entries.iter().map(|e| e.len() + 2).sum());
    for e in entries {
        let len = u16::try_from(e.len())
            .map_err(|_| Error::EntryBundle(format!("entry of {} bytes", e.len())))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

/// Splits an entry bundle into its entries.
pub fn decode_entry_bundle(data: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        if rest.len() < 2 {
            return Err(Error::EntryBundle("truncated length".into()));
        }
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        let body = rest
            .get(2..2 + len)
            .ok_or_else(|| Error::EntryBundle(format!("truncated entry of {len} bytes")))?;
        out.push(body.to_vec());
        rest = &rest[2 + len..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::proof::MemoryHashes;

    #[test]
    fn paths() {
        let t = Tile {
            level: 0,
            index: 1234,
            width: 5,
        };
        assert_eq!(t.path(), "tile/0/x001/234.p/5");
        assert_eq!(Tile::parse_path(&t.path()), Ok(TilePath::Hashes(t)));
        let full = Tile {
            level: 2,
            index: 1_234_067,
            width: 256,
        };
        assert_eq!(full.path(), "tile/2/x001/x234/067");
        assert_eq!(Tile::parse_path(&full.path()), Ok(TilePath::Hashes(full)));
        assert_eq!(
            Tile {
                level: 1,
                index: 0,
                width: 256
            }
            .path(),
            "tile/1/000"
        );
        assert_eq!(entries_path(1234, 5), "tile/entries/x001/234.p/5");
        assert_eq!(
            Tile::parse_path("tile/entries/x001/234.p/5"),
            Ok(TilePath::Entries {
                index: 1234,
                width: 5
            })
        );
        for bad in [
            "tile/0/1",
            "tile/0/001/",
            "tile/0/x000/001",
            "tile/0/001.p/256",
            "tile/0/001.p/0",
            "tile/0/001.p/05",
            "tile/01/001",
            "tile/8/001",
            "tile/0/x1/001",
            "tiles/0/001",
            "tile/0/001.p",
            "tile/a/001",
            "tile/0/x999/x999/x999/x999/x999/x999/x999/999",
        ] {
            assert!(Tile::parse_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tiles_of_sizes() {
        assert!(tiles_for_size(0).is_empty());
        let t = tiles_for_size(70_000);
        // Level 0: 273 full + partial 112; level 1: 1 full + partial 17; level 2: partial 1.
        assert_eq!(t.len(), 273 + 1 + 1 + 1 + 1);
        assert_eq!(t[273].width, 112);
        assert_eq!(
            t[274..],
            [
                Tile {
                    level: 1,
                    index: 0,
                    width: 256
                },
                Tile {
                    level: 1,
                    index: 1,
                    width: 17
                },
                Tile {
                    level: 2,
                    index: 0,
                    width: 1
                },
            ]
        );
        let changed = tiles_changed(256, 258);
        assert_eq!(
            changed,
            [Tile {
                level: 0,
                index: 1,
                width: 2
            }]
        );
        assert_eq!(
            tiles_changed(255, 256),
            [
                Tile {
                    level: 0,
                    index: 0,
                    width: 256
                },
                Tile {
                    level: 1,
                    index: 0,
                    width: 1
                }
            ]
        );
        assert!(tiles_changed(5, 5).is_empty());
    }

    #[test]
    fn tile_hashes_match_stored_hashes() {
        let leaves: Vec<Hash> = (0..1000u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mem = MemoryHashes::from_leaves(&leaves);
        for index in 0..mem.0.len() as u64 {
            let t = tile_for_stored_index(index);
            let data = tile_data(&t, &mem).unwrap();
            assert_eq!(hash_from_tile(&t, &data, index), Ok(mem.0[index as usize]));
            // A wider tile of the same row works too; another tile does not.
            if t.width < 256 && (u64::from(t.width) + (t.index << 8)) < (1000 >> (8 * t.level)) {
                let wider = Tile {
                    width: t.width + 1,
                    ..t
                };
                let data = tile_data(&wider, &mem).unwrap();
                assert_eq!(
                    hash_from_tile(&wider, &data, index),
                    Ok(mem.0[index as usize])
                );
            }
            let other = Tile {
                index: t.index + 1,
                ..t
            };
            assert!(hash_from_tile(&other, &data, index).is_err());
        }
    }

    #[test]
    fn entry_bundles() {
        let entries: [&[u8]; 3] = [b"", b"a", &[7u8; 300]];
        let data = encode_entry_bundle(&entries).unwrap();
        assert_eq!(&data[..5], &[0, 0, 0, 1, b'a']);
        let back = decode_entry_bundle(&data).unwrap();
        assert_eq!(back, entries.iter().map(|e| e.to_vec()).collect::<Vec<_>>());
        assert!(decode_entry_bundle(&data[..data.len() - 1]).is_err());
        assert!(decode_entry_bundle(&[0]).is_err());
        assert!(encode_entry_bundle(&[&vec![0u8; 65_536]]).is_err());
    }
}
