//! A tamper-evident log of contracts and key events: each entry carries the
//! hash of the one before, so changing, removing or reordering any entry
//! breaks every hash after it. Anyone holding an export can verify it with
//! [`verify`] (or by hand: SHA-256 of the canonical JSON of the entry's
//! [`Sealed`] fields).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::canonical::{self, CanonicalError};

/// The hash the first entry points back to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry of the log.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceEntry {
    pub sequence: u64,
    pub recorded_at: DateTime<Utc>,
    /// What happened, e.g. `contract.signed`, `loan.disbursed`.
    pub kind: String,
    /// What it happened to, e.g. `loan:42`.
    pub subject: String,
    /// SHA-256 of the canonical JSON of the event's document.
    pub payload_digest: String,
    pub previous_hash: String,
    /// SHA-256 of the canonical JSON of the fields above.
    pub hash: String,
}

/// The fields an entry's hash covers.
#[derive(Serialize)]
pub struct Sealed<'a> {
    pub sequence: u64,
    pub recorded_at: &'a DateTime<Utc>,
    pub kind: &'a str,
    pub subject: &'a str,
    pub payload_digest: &'a str,
    pub previous_hash: &'a str,
}

fn seal(entry: &EvidenceEntry) -> Result<String, CanonicalError> {
    canonical::digest(&Sealed {
        sequence: entry.sequence,
        recorded_at: &entry.recorded_at,
        kind: &entry.kind,
        subject: &entry.subject,
        payload_digest: &entry.payload_digest,
        previous_hash: &entry.previous_hash,
    })
}

/// The entry that follows `previous` (or starts the log) recording `payload`.
pub fn append<T: Serialize>(
    previous: Option<&EvidenceEntry>,
    recorded_at: DateTime<Utc>,
    kind: &str,
    subject: &str,
    payload: &T,
) -> Result<EvidenceEntry, CanonicalError> {
    append_digest(
        previous,
        recorded_at,
        kind,
        subject,
        canonical::digest(payload)?,
    )
}

/// Like [`append`], for a document whose digest the caller already holds
/// (a stored contract, say).
pub fn append_digest(
    previous: Option<&EvidenceEntry>,
    recorded_at: DateTime<Utc>,
    kind: &str,
    subject: &str,
    payload_digest: String,
) -> Result<EvidenceEntry, CanonicalError> {
    let mut entry = EvidenceEntry {
        sequence: previous.map_or(1, |p| p.sequence + 1),
        recorded_at,
        kind: kind.to_owned(),
        subject: subject.to_owned(),
        payload_digest,
        previous_hash: previous.map_or_else(|| GENESIS.to_owned(), |p| p.hash.clone()),
        hash: String::new(),
    };
    entry.hash = seal(&entry)?;
    Ok(entry)
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    #[error("entry {0}: sequence out of order")]
    Sequence(u64),
    #[error("entry {0}: does not point back to the entry before it")]
    Broken(u64),
    #[error("entry {0}: its hash does not match its contents")]
    Tampered(u64),
}

/// The last entry of a verified log. Publishing it (to a regulator, a
/// notary or simply a second system) is what makes truncating the log
/// detectable: a chain alone cannot tell that its newest entries are gone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub sequence: u64,
    pub hash: String,
}

/// Verifies a whole log from its first entry: sequence, links and hashes;
/// returns its head to compare with a published one.
pub fn verify(entries: &[EvidenceEntry]) -> Result<Head, EvidenceError> {
    verify_after(None, entries)
}

/// Verifies a page of the log that follows `previous` (or starts the log).
pub fn verify_after(
    previous: Option<&EvidenceEntry>,
    entries: &[EvidenceEntry],
) -> Result<Head, EvidenceError> {
    let first = previous.map_or(1, |p| p.sequence + 1);
    let mut previous_hash = previous.map_or(GENESIS, |p| p.hash.as_str());
    for (i, entry) in entries.iter().enumerate() {
        if entry.sequence != first + i as u64 {
            return Err(EvidenceError::Sequence(entry.sequence));
        }
        if entry.previous_hash != previous_hash {
            return Err(EvidenceError::Broken(entry.sequence));
        }
        if seal(entry).ok().as_deref() != Some(entry.hash.as_str()) {
            return Err(EvidenceError::Tampered(entry.sequence));
        }
        previous_hash = &entry.hash;
    }
    Ok(Head {
        sequence: first + entries.len() as u64 - 1,
        hash: previous_hash.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn log(n: usize) -> Vec<EvidenceEntry> {
        let mut entries: Vec<EvidenceEntry> = Vec::new();
        for i in 0..n {
            let at = DateTime::from_timestamp(1_780_000_000 + i as i64, 0).unwrap();
            let entry = append(
                entries.last(),
                at,
                "loan.repaid",
                &format!("loan:{i}"),
                &json!({"amount": "10.00", "i": i}),
            )
            .unwrap();
            entries.push(entry);
        }
        entries
    }

    #[test]
    fn an_untouched_log_verifies() {
        let head = verify(&log(5)).unwrap();
        assert_eq!(head.sequence, 5);
        assert_eq!(head.hash, log(5)[4].hash);
        assert_eq!(log(1)[0].previous_hash, GENESIS);
    }

    proptest! {
        #[test]
        fn any_change_is_detected(n in 2_usize..12, pick in any::<prop::sample::Index>(), what in 0_u8..4) {
            let mut entries = log(n);
            let published = verify(&entries).unwrap();
            let i = pick.index(n);
            match what {
                0 => entries[i].subject.push('x'),
                1 => entries[i].payload_digest = canonical::sha256_hex(b"forged"),
                2 => { entries.remove(i); }
                _ => entries.swap(i, (i + 1) % n),
            }
            // Either the chain breaks, or (the newest entry removed) its head
            // no longer matches the published one.
            prop_assert!(verify(&entries).map_or(true, |head| head != published));
        }
    }
}
