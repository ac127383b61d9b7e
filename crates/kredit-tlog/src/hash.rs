//! The RFC 9162 hash: SHA-256 with domain separation between leaves and
//! interior nodes, so a leaf can never be passed off as a node.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::Error;

/// A SHA-256 tree hash.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// Parses 64 hex digits (either case).
    pub fn from_hex(s: &str) -> Result<Hash, Error> {
        let bytes = s.as_bytes();
        if bytes.len() != 64 {
            return Err(Error::MalformedHash(format!(
                "{} hex digits, want 64",
                bytes.len()
            )));
        }
        let mut out = [0u8; 32];
        for (i, pair) in bytes.chunks(2).enumerate() {
            let hi = hex_digit(pair[0]);
            let lo = hex_digit(pair[1]);
            match (hi, lo) {
                (Some(hi), Some(lo)) => out[i] = (hi << 4) | lo,
                _ => return Err(Error::MalformedHash(format!("not hex: {s:?}"))),
            }
        }
        Ok(Hash(out))
    }

    /// Standard (padded) base64, as checkpoints and proofs carry hashes.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// Parses standard base64 of exactly 32 bytes.
    pub fn from_base64(s: &str) -> Result<Hash, Error> {
        let bytes = STANDARD
            .decode(s)
            .map_err(|e| Error::MalformedHash(format!("{s:?}: {e}")))?;
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| Error::MalformedHash(format!("{} bytes, want 32", b.len())))?;
        Ok(Hash(arr))
    }
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({self})")
    }
}

pub(crate) fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(&h.finalize());
    out
}

/// The hash of a log entry: SHA-256(0x00 || entry).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    Hash(sha256(&[&[0x00], entry]))
}

/// The hash of an interior node: SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    Hash(sha256(&[&[0x01], &left.0, &right.0]))
}

/// The root of the empty tree: SHA-256("").
pub fn empty_tree_hash() -> Hash {
    Hash(sha256(&[]))
}

/// The RFC 9162 Merkle Tree Hash of an in-memory list of leaf hashes.
/// Recursive and allocation-free; meant for tests and small trees, where
/// keeping stored hashes around is not worth it.
pub fn root_of_leaves(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_tree_hash(),
        1 => leaves[0],
        n => {
            let k = largest_power_of_two_below(n as u64) as usize;
            node_hash(&root_of_leaves(&leaves[..k]), &root_of_leaves(&leaves[k..]))
        }
    }
}

/// The largest power of two strictly below `n` (n >= 2): the RFC 9162 split point.
pub(crate) fn largest_power_of_two_below(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_display() {
        let h = leaf_hash(b"");
        // SHA-256(0x00): RFC 6962's empty leaf.
        assert_eq!(
            h.to_string(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        assert_eq!(Hash::from_hex(&h.to_string()), Ok(h));
        assert_eq!(Hash::from_hex(&h.to_string().to_uppercase()), Ok(h));
        assert!(Hash::from_hex("00").is_err());
        assert!(Hash::from_hex(&"g".repeat(64)).is_err());
        assert_eq!(Hash::from_base64(&h.to_base64()), Ok(h));
        assert!(Hash::from_base64("AAAA").is_err());
    }

    #[test]
    fn empty_tree() {
        assert_eq!(
            empty_tree_hash().to_string(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(root_of_leaves(&[]), empty_tree_hash());
    }

    #[test]
    fn split_points() {
        assert_eq!(largest_power_of_two_below(2), 1);
        assert_eq!(largest_power_of_two_below(3), 2);
        assert_eq!(largest_power_of_two_below(4), 2);
        assert_eq!(largest_power_of_two_below(5), 4);
        assert_eq!(largest_power_of_two_below(1 << 40), 1 << 39);
    }
}
