//! C2SP tlog-cosignature/v1, Ed25519: a witness's timestamped statement that
//! a checkpoint is the largest consistent tree it has seen for that log.
//!
//! The signed message is `cosignature/v1\ntime <timestamp>\n` followed by the
//! checkpoint text; the signature line carries key ID, the timestamp (u64
//! big-endian) and the 64-byte signature. Keys use signature type 0x04, in
//! the same vkey/skey strings as notes.

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};

use crate::Error;
use crate::checkpoint::Checkpoint;
use crate::note::{
    checked_name, format_skey, format_vkey, key_id, parse_note, parse_skey, parse_vkey,
    signature_line, verify_ed25519,
};

/// Signature type byte of Ed25519 cosignatures.
const ALG_COSIGNATURE_V1: u8 = 0x04;

/// Timestamps are at most 2^63 - 1 (spec).
const MAX_TIMESTAMP: u64 = i64::MAX as u64;

fn signed_message(checkpoint_text: &str, timestamp: u64) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{checkpoint_text}")
}

/// A witness's cosigning key.
pub struct CosignatureSigner {
    name: String,
    key: SigningKey,
}

impl CosignatureSigner {
    /// A cosigner from a 32-byte Ed25519 seed.
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<CosignatureSigner, Error> {
        Ok(CosignatureSigner {
            name: checked_name(name)?,
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// Parses `PRIVATE+KEY+<name>+<id>+<base64(0x04 || seed)>`.
    pub fn from_skey(skey: &str) -> Result<CosignatureSigner, Error> {
        let (name, key) = parse_skey(skey, ALG_COSIGNATURE_V1)?;
        Ok(CosignatureSigner { name, key })
    }

    pub fn skey(&self) -> String {
        format_skey(&self.name, ALG_COSIGNATURE_V1, &self.key)
    }

    pub fn verifier(&self) -> CosignatureVerifier {
        CosignatureVerifier {
            name: self.name.clone(),
            id: self.key_id(),
            key: self.key.verifying_key(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        key_id(
            &self.name,
            ALG_COSIGNATURE_V1,
            self.key.verifying_key().as_bytes(),
        )
    }

    /// Cosigns a checkpoint text at `timestamp_unix_secs`, giving the note
    /// signature line (with its newline) to append to the checkpoint note.
    pub fn cosign(&self, checkpoint_text: &str, timestamp_unix_secs: u64) -> Result<String, Error> {
        Checkpoint::parse(checkpoint_text)?;
        if timestamp_unix_secs > MAX_TIMESTAMP {
            return Err(Error::InvalidArgument("timestamp above 2^63 - 1".into()));
        }
        let sig = self
            .key
            .sign(signed_message(checkpoint_text, timestamp_unix_secs).as_bytes());
        let mut raw = timestamp_unix_secs.to_be_bytes().to_vec();
        raw.extend_from_slice(&sig.to_bytes());
        Ok(signature_line(&self.name, self.key_id(), &raw))
    }
}

impl std::fmt::Debug for CosignatureSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CosignatureSigner({}+{:08x})", self.name, self.key_id())
    }
}

/// A witness's public cosigning key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignatureVerifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl CosignatureVerifier {
    /// Parses `<name>+<id>+<base64(0x04 || key)>`.
    pub fn from_vkey(vkey: &str) -> Result<CosignatureVerifier, Error> {
        let (name, id, key) = parse_vkey(vkey, ALG_COSIGNATURE_V1)?;
        Ok(CosignatureVerifier { name, id, key })
    }

    pub fn vkey(&self) -> String {
        format_vkey(&self.name, ALG_COSIGNATURE_V1, self.key.as_bytes())
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// Checks this witness's cosignature on a signed checkpoint note and
    /// returns its timestamp. Every line under this key must verify; none
    /// is [`Error::MissingCosignature`]. The log's own signature is not
    /// checked here (use [`crate::open_note`]).
    pub fn verify(&self, note: &str) -> Result<u64, Error> {
        let parsed = parse_note(note)?;
        Checkpoint::parse(parsed.text)?;
        let mut timestamp = None;
        for sig in parsed
            .sigs
            .iter()
            .filter(|s| s.name == self.name && s.key_id == self.id)
        {
            let invalid = || Error::InvalidSignature {
                name: self.name.clone(),
                key_id: self.id,
            };
            if sig.sig.len() != 8 + 64 {
                return Err(invalid());
            }
            let mut ts = [0u8; 8];
            ts.copy_from_slice(&sig.sig[..8]);
            let ts = u64::from_be_bytes(ts);
            let msg = signed_message(parsed.text, ts);
            if ts > MAX_TIMESTAMP || !verify_ed25519(&self.key, msg.as_bytes(), &sig.sig[8..]) {
                return Err(invalid());
            }
            timestamp.get_or_insert(ts);
        }
        timestamp.ok_or_else(|| Error::MissingCosignature {
            name: self.name.clone(),
            key_id: self.id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::{NoteSigner, add_signatures, open_note, sign_note};

    const TEXT: &str = "example.com/log\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    #[test]
    fn cosign_and_verify() {
        let log = NoteSigner::from_seed("example.com/log", [3; 32]).unwrap();
        let w = CosignatureSigner::from_seed("witness.example/w1", [4; 32]).unwrap();
        let note = sign_note(TEXT, &[&log]).unwrap();
        let line = w.cosign(TEXT, 1_679_315_147).unwrap();
        assert!(line.starts_with("— witness.example/w1 "));
        let cosigned = add_signatures(&note, std::slice::from_ref(&line)).unwrap();
        assert_eq!(w.verifier().verify(&cosigned), Ok(1_679_315_147));
        // A cosignature is not a note signature: opening with the log key
        // lists it as unverified.
        let opened = open_note(&cosigned, &[&log.verifier()]).unwrap();
        assert_eq!(opened.unverified, ["witness.example/w1"]);
        // Missing, tampered, other text.
        assert!(matches!(
            w.verifier().verify(&note),
            Err(Error::MissingCosignature { .. })
        ));
        let other = CosignatureSigner::from_seed("witness.example/w2", [5; 32]).unwrap();
        assert!(matches!(
            other.verifier().verify(&cosigned),
            Err(Error::MissingCosignature { .. })
        ));
        let tampered = cosigned.replace("\n5\n", "\n6\n");
        assert!(matches!(
            w.verifier().verify(&tampered),
            Err(Error::InvalidSignature { .. })
        ));
        // Changing the timestamp bytes breaks the signature.
        let later = w.cosign(TEXT, 1_679_315_148).unwrap();
        let spliced = format!("{}{}", &later[..later.len() - 60], &line[line.len() - 60..]);
        let bad = add_signatures(&note, &[spliced]).unwrap();
        assert!(w.verifier().verify(&bad).is_err());
        assert!(w.cosign(TEXT, u64::MAX).is_err());
        assert!(w.cosign("not a checkpoint\n", 1).is_err());
    }

    #[test]
    fn keys_round_trip() {
        let w = CosignatureSigner::from_seed("witness.example/w1", [4; 32]).unwrap();
        let again = CosignatureSigner::from_skey(&w.skey()).unwrap();
        assert_eq!(again.skey(), w.skey());
        let v = CosignatureVerifier::from_vkey(&w.verifier().vkey()).unwrap();
        assert_eq!(v, w.verifier());
        assert_eq!(v.name(), "witness.example/w1");
        // The vkey says type 0x04: not usable as a note key, and vice versa.
        assert!(crate::NoteVerifier::from_vkey(&v.vkey()).is_err());
        let n = NoteSigner::from_seed("witness.example/w1", [4; 32]).unwrap();
        assert!(CosignatureVerifier::from_vkey(&n.verifier().vkey()).is_err());
        assert_ne!(n.key_id(), w.key_id());
    }
}
