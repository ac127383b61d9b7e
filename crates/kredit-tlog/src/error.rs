//! Error types. Two enums: [`ProofError`] for the pure proof checks (so a
//! caller can tell a forged root from a malformed proof), and [`Error`] for
//! everything else (parsing, keys, signatures, hash sources).

/// Why an inclusion or consistency proof did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The leaf index is not inside the tree.
    #[error("index {index} is not in a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    /// The old tree is larger than the new one.
    #[error("old size {old_size} is larger than new size {new_size}")]
    OldSizeGreater { old_size: u64, new_size: u64 },
    /// Consistency with the empty tree says nothing (RFC 9162 has no proof for it).
    #[error("a consistency proof from the empty tree is meaningless")]
    EmptyOldTree,
    /// A tree of size 0 whose root is not SHA-256("").
    #[error("the root of the empty tree must be SHA-256(\"\")")]
    NotEmptyRoot,
    /// Equal sizes need an empty proof.
    #[error("equal tree sizes need an empty proof, got {len} hashes")]
    UnexpectedProof { len: usize },
    /// The proof has too few or too many hashes for these sizes.
    #[error("proof has the wrong length ({len} hashes)")]
    WrongProofLength { len: usize },
    /// The recomputed root differs from the given root.
    #[error("the proof leads to a different root")]
    RootMismatch,
    /// The recomputed old root differs from the given old root.
    #[error("the proof leads to a different old root")]
    OldRootMismatch,
    /// The recomputed new root differs from the given new root.
    #[error("the proof leads to a different new root")]
    NewRootMismatch,
}

/// Everything else that can go wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("malformed hash: {0}")]
    MalformedHash(String),
    #[error("hash source: {0}")]
    Source(String),
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    #[error("malformed tile path {0:?}")]
    TilePath(String),
    #[error("tile: {0}")]
    Tile(String),
    #[error("malformed entry bundle: {0}")]
    EntryBundle(String),
    #[error("malformed checkpoint: {0}")]
    Checkpoint(String),
    #[error("malformed key: {0}")]
    Key(String),
    #[error("malformed note: {0}")]
    MalformedNote(String),
    #[error("note has no signature from a known key")]
    UnverifiedNote,
    #[error("invalid signature for key {name}+{key_id:08x}")]
    InvalidSignature { name: String, key_id: u32 },
    #[error("no cosignature from {name}+{key_id:08x}")]
    MissingCosignature { name: String, key_id: u32 },
    #[error("malformed add-checkpoint request: {0}")]
    Request(String),
    #[error("malformed proof bundle: {0}")]
    Bundle(String),
    #[error("{found} witness cosignatures, quorum is {quorum}")]
    Quorum { found: usize, quorum: usize },
    #[error(transparent)]
    Proof(#[from] ProofError),
}
