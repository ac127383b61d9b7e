//! What the log answers: its checkpoint, its tiles and entry bundles (the
//! read-only C2SP tlog-tiles API, byte for byte), and an entry's inclusion
//! as an offline C2SP tlog-proof bundle.

use kredit_core::canonical;
use kredit_store::{ContractId, DomainEventId};
use kredit_tlog::{Hash, ProofBundle, TilePath};
use serde::Serialize;

use super::LogRecord;
use super::tiles::TileHashes;
use super::witnessing::published_checkpoint;
use crate::{App, AppError, AppResult};

/// The published checkpoint (the note's text, with its cosignatures), if
/// anything is logged and, with witnesses, a checkpoint reached its quorum.
pub async fn checkpoint(app: &App) -> AppResult<Option<String>> {
    Ok(published_checkpoint(app)
        .await?
        .map(|checkpoint| checkpoint.note))
}

/// A tile or entry bundle by its tlog-tiles path (`tile/0/x001/234.p/5`,
/// `tile/entries/000`): its bytes and whether it is full (immutable);
/// `None` if the log holds no such tile yet.
pub async fn read_tile(app: &App, path: &str) -> AppResult<Option<(Vec<u8>, bool)>> {
    let Ok(path) = kredit_tlog::Tile::parse_path(path) else {
        return Err(AppError::NotFound);
    };
    let store = app.repository.log();
    match path {
        TilePath::Hashes(tile) => {
            let Some(stored) = store.tile(i64::from(tile.level), tile.index as i64).await? else {
                return Ok(None);
            };
            let width = usize::from(tile.width);
            if (stored.width as usize) < width {
                return Ok(None);
            }
            let mut data = stored.data;
            data.truncate(width * 32);
            Ok(Some((data, tile.is_full())))
        }
        TilePath::Entries { index, width } => {
            let from = index as i64 * 256;
            let entries = store.entries(from, from + i64::from(width)).await?;
            if entries.len() != usize::from(width) {
                return Ok(None);
            }
            let data: Vec<&[u8]> = entries.iter().map(|entry| entry.data.as_slice()).collect();
            let bundle = kredit_tlog::encode_entry_bundle(&data).map_err(AppError::internal)?;
            Ok(Some((bundle, width == 256)))
        }
    }
}

/// A contract's entry in the log and the proof of it, for its borrower
/// and anyone they show it to.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct ContractProof {
    /// The entry's index in the log.
    pub index: u64,
    /// The tree size the proof is against.
    pub tree_size: u64,
    /// The entry: canonical JSON, its exact bytes hashed as the leaf.
    pub entry: String,
    /// The C2SP tlog-proof bundle (entry index, inclusion proof, signed
    /// checkpoint), checkable offline with `kredit log verify`.
    pub bundle: String,
    /// The `contract.signed` event's payload, canonical JSON: the entry
    /// holds its SHA-256, and it carries `digest`.
    pub payload: String,
    /// The contract's commitment: SHA-256 (hex) of `salt` then the
    /// contract's canonical JSON.
    pub digest: String,
    /// The commitment's salt (hex, 32 bytes), which only the contract's
    /// parties get; absent for contracts signed before salts (their digest
    /// is of the canonical JSON alone).
    pub salt: Option<String>,
}

/// The proof that contract `id`'s signing is in the log, against the
/// published checkpoint; `NotFound` until that covers it (a round runs
/// every second, and witnesses cosign within a few).
pub async fn contract_proof(app: &App, id: ContractId) -> AppResult<ContractProof> {
    let store = app.repository.log();
    let entry = store
        .entry_of(&format!("contract:{id}"), "contract.signed")
        .await?
        .ok_or(AppError::NotFound)?;
    let checkpoint = published_checkpoint(app).await?.ok_or(AppError::NotFound)?;
    let (index, size) = (entry.idx as u64, checkpoint.size as u64);
    if index >= size {
        return Err(AppError::NotFound);
    }
    let proof = inclusion_proof(app, index, size).await?;
    let contract = app
        .repository
        .lending()
        .contract(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let event_id = entry
        .event_id
        .ok_or_else(|| AppError::internal("a contract entry without its event"))?;
    let event = app
        .repository
        .outbox()
        .events_after(DomainEventId(event_id.0 - 1), 1)
        .await?
        .into_iter()
        .find(|event| event.id == event_id)
        .ok_or_else(|| AppError::internal(format!("event {} is gone", event_id.0)))?;
    let payload: serde_json::Value =
        serde_json::from_str(&event.payload).map_err(AppError::internal)?;
    let bundle = ProofBundle {
        extra: None,
        index,
        proof,
        checkpoint_note: checkpoint.note,
    };
    Ok(ContractProof {
        index,
        tree_size: size,
        entry: String::from_utf8(entry.data).map_err(AppError::internal)?,
        bundle: bundle.to_text(),
        payload: canonical::to_canonical_json(&payload).map_err(AppError::internal)?,
        digest: contract.digest,
        salt: contract.salt,
    })
}

/// Checks that `contract` (the contract's JSON, as its parties hold it) is
/// what a proof's `contract.signed` entry commits to: the entry holds the
/// payload's SHA-256, the payload carries the digest, and the salt and the
/// contract's canonical JSON hash to the digest. `Err` says which link
/// fails. The entry's inclusion is [`ProofBundle::verify`]'s.
pub fn open_commitment(
    entry: &[u8],
    payload: &str,
    digest: &str,
    salt: Option<&str>,
    contract: &str,
) -> Result<(), String> {
    let record = LogRecord::parse(entry).map_err(|e| format!("not a log entry: {e}"))?;
    if record.kind != "contract.signed" {
        return Err(format!(
            "the entry is a {}, not a contract.signed",
            record.kind
        ));
    }
    let payload: serde_json::Value =
        serde_json::from_str(payload).map_err(|e| format!("the payload is not JSON: {e}"))?;
    if canonical::digest(&payload).map_err(|e| e.to_string())? != record.payload_sha256 {
        return Err("the payload is not the one the entry holds".into());
    }
    if payload["digest"].as_str() != Some(digest) {
        return Err("the payload does not carry this digest".into());
    }
    let salt = salt
        .map(|hex| Hash::from_hex(hex).map(|h| h.0))
        .transpose()
        .map_err(|e| format!("the salt: {e}"))?;
    let contract: serde_json::Value =
        serde_json::from_str(contract).map_err(|e| format!("the contract is not JSON: {e}"))?;
    let document = canonical::to_canonical_json(&contract).map_err(|e| e.to_string())?;
    if kredit_core::contract::commitment(salt.as_ref(), &document) != digest {
        return Err("the contract does not open the commitment".into());
    }
    Ok(())
}

async fn inclusion_proof(app: &App, index: u64, size: u64) -> AppResult<Vec<Hash>> {
    TileHashes::default()
        .run(app.repository.log(), |source| {
            kredit_tlog::prove_inclusion(size, index, source)
        })
        .await
}
