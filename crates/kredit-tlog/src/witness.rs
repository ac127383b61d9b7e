//! C2SP tlog-witness `add-checkpoint`, as a pure function: the request body
//! format and the witness's decision. Storage (and the atomic update of the
//! witness state the spec requires) belongs to the caller.

use crate::checkpoint::Checkpoint;
use crate::cosignature::CosignatureSigner;
use crate::hash::empty_tree_hash;
use crate::note::{NoteVerifier, open_note, parse_note};
use crate::proof::verify_consistency;
use crate::{Error, Hash};

/// The spec's limit on consistency proof lines.
const MAX_PROOF_LINES: usize = 63;

/// An `add-checkpoint` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    pub old_size: u64,
    pub consistency: Vec<Hash>,
    /// The signed checkpoint note.
    pub checkpoint_note: String,
}

impl AddCheckpoint {
    /// The HTTP request body: `old <size>`, proof lines, a blank line, the note.
    pub fn to_body(&self) -> String {
        let mut s = format!("old {}\n", self.old_size);
        for h in &self.consistency {
            s.push_str(&h.to_base64());
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&self.checkpoint_note);
        s
    }

    pub fn parse(body: &str) -> Result<AddCheckpoint, Error> {
        let bad = |why: &str| Error::Request(why.to_string());
        let (first, mut rest) = body
            .split_once('\n')
            .ok_or_else(|| bad("no old size line"))?;
        let old = first
            .strip_prefix("old ")
            .ok_or_else(|| bad("no old size line"))?;
        if old.is_empty()
            || !old.bytes().all(|b| b.is_ascii_digit())
            || (old.len() > 1 && old.starts_with('0'))
        {
            return Err(bad("old size is not a canonical decimal"));
        }
        let old_size = old.parse().map_err(|_| bad("old size out of range"))?;
        let mut consistency = Vec::new();
        loop {
            let (line, tail) = rest.split_once('\n').ok_or_else(|| bad("no blank line"))?;
            rest = tail;
            if line.is_empty() {
                break;
            }
            if consistency.len() == MAX_PROOF_LINES {
                return Err(bad("more than 63 proof lines"));
            }
            let h = Hash::from_base64(line).map_err(|e| bad(&e.to_string()))?;
            consistency.push(h);
        }
        if rest.is_empty() {
            return Err(bad("no checkpoint"));
        }
        Ok(AddCheckpoint {
            old_size,
            consistency,
            checkpoint_note: rest.to_string(),
        })
    }
}

/// What a witness last cosigned for one log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessedLog {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

/// The witness's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WitnessOutcome {
    /// 200: the cosignature line to return, and the state to persist first.
    Cosigned {
        signature_line: String,
        new_state: WitnessedLog,
    },
    /// 409 with body `<size>\n` (`text/x.tlog.size`): the old size is not the
    /// size this witness last cosigned.
    Conflict { size: u64 },
    /// Any other refusal, with the status the spec gives it: 400 malformed
    /// request or old size above the checkpoint size, 403 no valid log
    /// signature, 404 unknown origin, 409 same size but a different root,
    /// 422 consistency proof fails.
    Rejected { status: u16, reason: String },
}

fn rejected(status: u16, reason: impl Into<String>) -> WitnessOutcome {
    WitnessOutcome::Rejected {
        status,
        reason: reason.into(),
    }
}

/// Decides an `add-checkpoint` request. `state` is what this witness last
/// cosigned for the log (`None`: never); `log_key` is the key the witness
/// trusts for it. The caller looks both up by the checkpoint's origin; a
/// state for another origin is answered 404.
pub fn witness_add_checkpoint(
    state: Option<&WitnessedLog>,
    request: &AddCheckpoint,
    log_key: &NoteVerifier,
    witness: &CosignatureSigner,
    now_unix: u64,
) -> WitnessOutcome {
    let text = match parse_note(&request.checkpoint_note) {
        Ok(n) => n.text,
        Err(e) => return rejected(400, e.to_string()),
    };
    let checkpoint = match Checkpoint::parse(text) {
        Ok(c) => c,
        Err(e) => return rejected(400, e.to_string()),
    };
    if state.is_some_and(|s| s.origin != checkpoint.origin) {
        return rejected(404, format!("unknown origin {:?}", checkpoint.origin));
    }
    if let Err(e) = open_note(&request.checkpoint_note, &[log_key]) {
        return rejected(403, e.to_string());
    }
    if request.consistency.len() > MAX_PROOF_LINES {
        return rejected(400, "more than 63 proof lines");
    }
    if request.old_size > checkpoint.size {
        return rejected(400, "old size above the checkpoint size");
    }
    let known = state.map_or(0, |s| s.size);
    if request.old_size != known {
        return WitnessOutcome::Conflict { size: known };
    }
    if checkpoint.size == 0 && checkpoint.root != empty_tree_hash() {
        return rejected(422, "a tree of size 0 must have the empty root");
    }
    match state {
        Some(s) if s.size == checkpoint.size && s.root != checkpoint.root => {
            return rejected(409, "same size, different root: the log forked");
        }
        Some(s) if s.size > 0 => {
            if let Err(e) = verify_consistency(
                s.size,
                checkpoint.size,
                &s.root,
                &checkpoint.root,
                &request.consistency,
            ) {
                return rejected(422, e.to_string());
            }
        }
        _ => {
            if !request.consistency.is_empty() {
                return rejected(422, "the proof from size 0 must be empty");
            }
        }
    }
    match witness.cosign(text, now_unix) {
        Ok(signature_line) => WitnessOutcome::Cosigned {
            signature_line,
            new_state: WitnessedLog {
                origin: checkpoint.origin,
                size: checkpoint.size,
                root: checkpoint.root,
            },
        },
        Err(e) => rejected(400, e.to_string()),
    }
}
