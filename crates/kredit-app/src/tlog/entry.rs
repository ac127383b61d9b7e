//! What a log entry says: the leaf's bytes are the canonical JSON of a
//! [`LogRecord`] (sorted keys, no spaces), so anyone holding the record
//! can recompute the leaf hash. No payload and no personal data goes in:
//! only the SHA-256 of the event's payload, which the event itself (or the
//! contract, for `contract.signed`) proves against.

use chrono::{DateTime, Utc};
use kredit_core::canonical;
use kredit_core::evidence::EvidenceEntry;
use kredit_store::outbox::DomainEventRecord;
use kredit_store::tlog::NewLogEntry;
use kredit_store::{DomainEventId, LoanId};
use serde::{Deserialize, Serialize};

use crate::{AppError, AppResult};

/// The format's version, the first field every verifier checks.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogRecord {
    pub v: u32,
    /// The domain event's kind (`contract.signed`, `payment.applied`, …),
    /// or the evidence entry's.
    pub kind: String,
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<DomainEventId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loan_id: Option<LoanId>,
    pub occurred_at: DateTime<Utc>,
    /// SHA-256 (hex) of the canonical JSON of the event's payload; for a
    /// migrated evidence entry, its `payload_digest`.
    pub payload_sha256: String,
    /// The index of this loan's previous entry: a loan's entries form a
    /// chain inside the tree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<u64>,
    /// An entry of the hash chain the log replaced, kept with its hashes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<EvidenceLink>,
}

/// The chain fields of a migrated evidence entry: with the record's
/// kind, subject, time and digest they recompute its `hash`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceLink {
    pub sequence: u64,
    pub previous_hash: String,
    pub hash: String,
}

impl LogRecord {
    pub fn of_event(event: &DomainEventRecord, previous: Option<u64>) -> AppResult<LogRecord> {
        let payload: serde_json::Value =
            serde_json::from_str(&event.payload).map_err(AppError::internal)?;
        Ok(LogRecord {
            v: FORMAT,
            kind: event.kind.clone(),
            subject: event.subject.clone(),
            event_id: Some(event.id),
            loan_id: event.loan_id,
            occurred_at: event.occurred_at,
            payload_sha256: canonical::digest(&payload).map_err(AppError::internal)?,
            previous,
            evidence: None,
        })
    }

    pub fn of_evidence(entry: &EvidenceEntry) -> LogRecord {
        LogRecord {
            v: FORMAT,
            kind: entry.kind.clone(),
            subject: entry.subject.clone(),
            event_id: None,
            loan_id: None,
            occurred_at: entry.recorded_at,
            payload_sha256: entry.payload_digest.clone(),
            previous: None,
            evidence: Some(EvidenceLink {
                sequence: entry.sequence,
                previous_hash: entry.previous_hash.clone(),
                hash: entry.hash.clone(),
            }),
        }
    }

    /// The leaf's bytes.
    pub fn to_bytes(&self) -> AppResult<Vec<u8>> {
        Ok(canonical::to_canonical_json(self)
            .map_err(AppError::internal)?
            .into_bytes())
    }

    pub fn parse(bytes: &[u8]) -> AppResult<LogRecord> {
        serde_json::from_slice(bytes).map_err(AppError::internal)
    }

    pub fn to_new_entry(&self) -> AppResult<NewLogEntry> {
        Ok(NewLogEntry {
            event_id: self.event_id,
            subject: self.subject.clone(),
            kind: self.kind.clone(),
            loan_id: self.loan_id,
            data: self.to_bytes()?,
        })
    }
}
