//! Kredit's transparency log, the pure part: the Merkle math and the text
//! formats of a tlog per RFC 9162 and the C2SP specifications (tlog-tiles,
//! tlog-checkpoint, signed-note, tlog-cosignature, tlog-witness, tlog-proof).
//!
//! No I/O, no clock, no randomness: times and key seeds are arguments, and
//! storage sits behind [`HashSource`], which reads hashes by their "stored
//! hash index" (the layout of Go's `golang.org/x/mod/sumdb/tlog`, so a store
//! or a tile directory written here is read by Go's tools and back).
//!
//! - [`Hash`](struct@Hash): leaf and node hashes, [`root_of_leaves`].
//! - proofs: stored-hash arithmetic, [`tree_hash`], [`prove_inclusion`],
//!   [`prove_consistency`], [`verify_inclusion`], [`verify_consistency`].
//! - tiles: [`Tile`] paths, [`tiles_for_size`], [`tile_data`],
//!   [`TileHashSource`], entry bundles.
//! - notes: [`NoteSigner`], [`NoteVerifier`], [`sign_note`], [`open_note`];
//!   [`Checkpoint`]; cosignatures ([`CosignatureSigner`]).
//! - [`witness_add_checkpoint`]: the witness's decision; [`ProofBundle`].
//! - [`monitor`]: a monitor's decision on a log's checkpoint and tiles
//!   ([`Finding`]s with their positions).
//!
//! ```
//! use kredit_tlog::*;
//!
//! // A log of three entries, its signed checkpoint, and a proof for entry 1.
//! let entries: [&[u8]; 3] = [b"a", b"b", b"c"];
//! let mut store = MemoryHashes::default();
//! for (n, e) in entries.iter().enumerate() {
//!     let new = stored_hashes(n as u64, e, &store)?;
//!     store.0.extend(new);
//! }
//! let root = tree_hash(3, &store)?;
//! let log = NoteSigner::from_seed("example.com/log", [7; 32])?;
//! let checkpoint = Checkpoint { origin: "example.com/log".into(), size: 3, root, extensions: vec![] };
//! let note = sign_note(&checkpoint.to_text(), &[&log])?;
//!
//! let opened = open_note(&note, &[&log.verifier()])?;
//! let checkpoint = Checkpoint::parse(&opened.text)?;
//! let proof = prove_inclusion(3, 1, &store)?;
//! verify_inclusion(1, checkpoint.size, &leaf_hash(b"b"), &proof, &checkpoint.root)?;
//! # Ok::<(), Error>(())
//! ```
//!
//! # Where this differs from the first sketch of the API
//!
//! - [`encode_entry_bundle`] returns `Result`: an entry over 65,535 bytes
//!   does not fit the u16 length prefix of tlog-tiles.
//! - [`WitnessOutcome::Rejected`] is `{ status, reason }`: the HTTP layer
//!   needs the status (400/403/404/409/422), and tlog-witness answers "same
//!   size, different root" with 409 *without* the size body, so that case is
//!   `Rejected { status: 409 }`, while `Conflict { size }` is the old-size
//!   mismatch.
//! - [`ProofBundle`] carries no entry (tlog-proof does not; the entry is
//!   passed to [`ProofBundle::verify`]) and has the spec's optional `extra`.
//! - `NoteSigner::from_seed` and `CosignatureSigner::from_seed` return
//!   `Result` (the key name is checked).
//! - Consistency from size 0 to a larger size is an error
//!   ([`ProofError::EmptyOldTree`]), as in the RFC 9162 test vectors and
//!   x/mod; [`tree_hash`] of size 0 is SHA-256("") (x/mod gives zeroes).
//! - [`TileHashSource`] does not authenticate tiles against a root; the
//!   proofs and tree hash computed from them are checked against the signed
//!   checkpoint instead.
//! - [`tiles_changed`] lists only the current partial tile of each level
//!   (x/mod's `NewTiles` also lists every intermediate partial width).
//! - [`Tile::parse_path`] refuses levels 8 and up: a u64-sized tree has no
//!   hashes there.
//! - [`sign_note`] needs at least one signer (a note without one cannot be
//!   opened).
//! - Additions: [`MemoryHashes::from_leaves`], [`TILE_HEIGHT`],
//!   [`TILE_WIDTH`], `name()`/`key_id()` on every signer and verifier.

mod bundle;
mod checkpoint;
mod cosignature;
mod error;
mod hash;
mod monitor;
mod note;
mod proof;
mod tile;
mod witness;

pub use bundle::ProofBundle;
pub use checkpoint::Checkpoint;
pub use cosignature::{CosignatureSigner, CosignatureVerifier};
pub use error::{Error, ProofError};
pub use hash::{Hash, empty_tree_hash, leaf_hash, node_hash, root_of_leaves};
pub use monitor::{Finding, LogFetch, MonitorReport, monitor};
pub use note::{NoteSigner, NoteVerifier, OpenedNote, add_signatures, open_note, sign_note};
pub use proof::{
    HashSource, MemoryHashes, prove_consistency, prove_inclusion, split_stored_hash_index,
    stored_hash_count, stored_hash_index, stored_hashes, stored_hashes_for_leaf, tree_hash,
    verify_consistency, verify_inclusion,
};
pub use tile::{
    TILE_HEIGHT, TILE_WIDTH, Tile, TileHashSource, TilePath, decode_entry_bundle,
    encode_entry_bundle, entries_path, hash_from_tile, tile_data, tile_for_stored_index,
    tiles_changed, tiles_for_size,
};
pub use witness::{AddCheckpoint, WitnessOutcome, WitnessedLog, witness_add_checkpoint};
