//! The transparency log (docs/transparency-log.md): every domain event —
//! decisions, contracts, disbursements, repayments, reversals — appended
//! to an RFC 9162 Merkle tree stored as C2SP tlog-tiles, with a checkpoint
//! signed by the lender's log key after every round. Anyone can check an
//! entry against a checkpoint offline and two checkpoints against each
//! other without trusting Kredit; the math is `kredit-tlog`'s.
//!
//! The log is fed from the outbox, with itself as the cursor: a round
//! takes the events it does not yet hold, and writes their entries, the
//! tiles they change and the new checkpoint in one transaction that
//! refuses an event logged already. So it never misses or repeats a
//! committed change, and no checkpoint covers a tree that is not stored.

mod entry;
mod integration;
mod proofs;
mod sequencer;
mod tiles;
pub mod witnessing;

use kredit_tlog::NoteSigner;

pub use entry::{EvidenceLink, FORMAT, LogRecord};
pub use integration::{Integration, WAIT_LIMIT, WaitFor, wait_integrated};
pub use proofs::{ContractProof, checkpoint, contract_proof, open_commitment, read_tile};
pub use sequencer::{BATCH, LEASE, sequence};
pub use tiles::TileHashes;

/// The lender's log: its origin (the checkpoint's first line), the key
/// that signs its checkpoints and the witnesses that cosign them, from
/// configuration.
pub struct LogSettings {
    pub signer: NoteSigner,
    /// `None`: no witnesses, the log-signed checkpoint is published.
    pub witnesses: Option<witnessing::Witnesses>,
}

impl LogSettings {
    /// The checkpoints' origin: the signing key's name.
    pub fn origin(&self) -> &str {
        self.signer.name()
    }

    /// The verifier key line (`<origin>+<key id>+<key>`) parties check
    /// checkpoints with.
    pub fn verifier_key(&self) -> String {
        self.signer.verifier().vkey()
    }
}
