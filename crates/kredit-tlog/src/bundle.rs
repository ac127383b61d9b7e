//! C2SP tlog-proof@v1: an entry's offline proof of inclusion, verifiable
//! with only the log's key and a witness policy.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! [extra <base64>]
//! index <n>
//! <inclusion proof hashes, base64, one a line>
//!
//! <the checkpoint note, with its signatures and cosignatures>
//! ```
//! The entry itself is not in the proof (the spec keeps it out: the proof
//! travels next to the data it proves, like a detached signature).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::checkpoint::Checkpoint;
use crate::cosignature::CosignatureVerifier;
use crate::hash::leaf_hash;
use crate::note::{NoteVerifier, open_note};
use crate::proof::verify_inclusion;
use crate::{Error, Hash};

const HEADER: &str = "c2sp.org/tlog-proof@v1";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofBundle {
    /// Opaque, unauthenticated application data.
    pub extra: Option<Vec<u8>>,
    /// The entry's 0-based index in the log.
    pub index: u64,
    /// Inclusion proof in the checkpoint's tree, leaf's sibling first.
    pub proof: Vec<Hash>,
    /// The signed (and usually cosigned) checkpoint note.
    pub checkpoint_note: String,
}

impl ProofBundle {
    pub fn to_text(&self) -> String {
        let mut s = format!("{HEADER}\n");
        if let Some(extra) = &self.extra {
            s.push_str(&format!("extra {}\n", STANDARD.encode(extra)));
        }
        s.push_str(&format!("index {}\n", self.index));
        for h in &self.proof {
            s.push_str(&h.to_base64());
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&self.checkpoint_note);
        s
    }

    pub fn parse(text: &str) -> Result<ProofBundle, Error> {
        let bad = |why: &str| Error::Bundle(why.to_string());
        let mut rest = text;
        let mut next_line = || -> Result<&str, Error> {
            let (line, tail) = rest.split_once('\n').ok_or_else(|| bad("truncated"))?;
            rest = tail;
            Ok(line)
        };
        if next_line()? != HEADER {
            return Err(bad("not a c2sp.org/tlog-proof@v1"));
        }
        let mut line = next_line()?;
        let mut extra = None;
        if let Some(b64) = line.strip_prefix("extra ") {
            extra = Some(STANDARD.decode(b64).map_err(|_| bad("bad extra base64"))?);
            line = next_line()?;
        }
        let index = line
            .strip_prefix("index ")
            .ok_or_else(|| bad("no index line"))?;
        if index.is_empty()
            || !index.bytes().all(|b| b.is_ascii_digit())
            || (index.len() > 1 && index.starts_with('0'))
        {
            return Err(bad("index is not a canonical decimal"));
        }
        let index = index.parse().map_err(|_| bad("index out of range"))?;
        let mut proof = Vec::new();
        loop {
            let line = next_line()?;
            if line.is_empty() {
                break;
            }
            proof.push(Hash::from_base64(line).map_err(|e| bad(&e.to_string()))?);
        }
        if rest.is_empty() {
            return Err(bad("no checkpoint"));
        }
        Ok(ProofBundle {
            extra,
            index,
            proof,
            checkpoint_note: rest.to_string(),
        })
    }

    /// Verifies that `entry` is at `index` in the tree of the checkpoint,
    /// that the log signed the checkpoint, and that at least `quorum` of the
    /// given witnesses cosigned it. A witness line that fails to verify is
    /// an error, not just uncounted: it is evidence of tampering. Returns
    /// the checkpoint; the caller checks its origin if the key serves several.
    pub fn verify(
        &self,
        entry: &[u8],
        log_key: &NoteVerifier,
        witnesses: &[&CosignatureVerifier],
        quorum: usize,
    ) -> Result<Checkpoint, Error> {
        let opened = open_note(&self.checkpoint_note, &[log_key])?;
        let checkpoint = Checkpoint::parse(&opened.text)?;
        let mut counted: Vec<(&str, u32)> = Vec::new();
        for w in witnesses {
            if counted.contains(&(w.name(), w.key_id())) {
                continue;
            }
            match w.verify(&self.checkpoint_note) {
                Ok(_) => counted.push((w.name(), w.key_id())),
                Err(Error::MissingCosignature { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        if counted.len() < quorum {
            return Err(Error::Quorum {
                found: counted.len(),
                quorum,
            });
        }
        verify_inclusion(
            self.index,
            checkpoint.size,
            &leaf_hash(entry),
            &self.proof,
            &checkpoint.root,
        )?;
        Ok(checkpoint)
    }
}
