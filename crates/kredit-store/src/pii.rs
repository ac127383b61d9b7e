//! Protection of personal data at rest: AES-256-GCM field encryption and a
//! keyed hash for equality lookups.
//!
//! One 32-byte master key comes from configuration. Two working keys are
//! derived from it with HMAC-SHA256 under fixed labels, so the encryption
//! key and the lookup-hash key are never the same bytes. Each encrypted
//! value is `nonce (12 bytes) || ciphertext || tag (16 bytes)` with a fresh
//! random nonce, so equal plaintexts give different ciphertexts; the lookup
//! hash is what makes "find the user with this phone" possible.

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, Generate, KeyInit, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use thiserror::Error;

type HmacSha256 = Hmac<Sha256>;

const NONCE_LEN: usize = 12;
const ENCRYPTION_LABEL: &[u8] = b"kredit pii encryption v1";
const LOOKUP_LABEL: &[u8] = b"kredit pii lookup hash v1";

#[derive(Debug, Error, PartialEq, Eq)]
pub enum PiiKeyError {
    #[error("the PII key must be 32 bytes written as 64 hex digits or base64; got {0} bytes")]
    WrongLength(usize),
    #[error("the PII key is neither 64 hex digits nor base64")]
    NotEncoded,
}

#[derive(Debug, Error, PartialEq, Eq)]
#[error("an encrypted field could not be decrypted: wrong key or corrupted data")]
pub struct DecryptError;

/// The 32-byte master key. Its `Debug` output never shows the bytes.
#[derive(Clone)]
pub struct PiiKey([u8; 32]);

impl std::fmt::Debug for PiiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PiiKey(..)")
    }
}

impl PiiKey {
    /// Parses 64 hex digits or base64 (standard alphabet, padded).
    pub fn parse(encoded: &str) -> Result<Self, PiiKeyError> {
        let encoded = encoded.trim();
        let bytes = if encoded.len() == 64 && encoded.bytes().all(|b| b.is_ascii_hexdigit()) {
            decode_hex(encoded)
        } else {
            STANDARD
                .decode(encoded)
                .map_err(|_| PiiKeyError::NotEncoded)?
        };
        let array: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| PiiKeyError::WrongLength(bytes.len()))?;
        Ok(Self(array))
    }

    /// A fresh random key (for the development key file and tests).
    #[must_use]
    pub fn generate() -> Self {
        Self(aes_gcm::Key::<Aes256Gcm>::generate().into())
    }

    /// The key as 64 hex digits, for writing a development key file.
    #[must_use]
    pub fn to_hex(&self) -> String {
        encode_hex(&self.0)
    }

    fn derive(&self, label: &[u8]) -> [u8; 32] {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC accepts any key length");
        mac.update(label);
        mac.finalize().into_bytes().into()
    }
}

/// Encrypts, decrypts and lookup-hashes personal fields.
#[derive(Clone)]
pub struct PiiCipher {
    cipher: Aes256Gcm,
    lookup_key: [u8; 32],
}

impl std::fmt::Debug for PiiCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PiiCipher(..)")
    }
}

impl PiiCipher {
    #[must_use]
    pub fn new(key: &PiiKey) -> Self {
        let encryption_key = key.derive(ENCRYPTION_LABEL);
        Self {
            cipher: Aes256Gcm::new(&encryption_key.into()),
            lookup_key: key.derive(LOOKUP_LABEL),
        }
    }

    /// `nonce || ciphertext || tag` under a fresh random 96-bit nonce.
    #[must_use]
    pub fn encrypt(&self, plaintext: &str) -> Vec<u8> {
        let nonce = Nonce::<Aes256Gcm>::generate();
        let ciphertext = self
            .cipher
            .encrypt(&nonce, plaintext.as_bytes())
            .expect("AES-GCM encryption fails only for inputs over 64 GiB");
        let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    pub fn decrypt(&self, sealed: &[u8]) -> Result<String, DecryptError> {
        if sealed.len() < NONCE_LEN {
            return Err(DecryptError);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::<Aes256Gcm>::try_from(nonce).map_err(|_| DecryptError)?;
        let plaintext = self
            .cipher
            .decrypt(&nonce, ciphertext)
            .map_err(|_| DecryptError)?;
        String::from_utf8(plaintext).map_err(|_| DecryptError)
    }

    /// HMAC-SHA256 of the value as hex: equal inputs give equal hashes, and
    /// without the key the hash cannot be brute-forced over the small space
    /// of phone or ID numbers.
    #[must_use]
    pub fn lookup_hash(&self, value: &str) -> String {
        let mut mac =
            HmacSha256::new_from_slice(&self.lookup_key).expect("HMAC accepts any key length");
        mac.update(value.as_bytes());
        encode_hex(&mac.finalize().into_bytes())
    }
}

fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decodes an even-length string of ASCII hex digits (checked by the caller).
fn decode_hex(hex: &str) -> Vec<u8> {
    hex.as_bytes()
        .chunks(2)
        .map(|pair| {
            let digits = std::str::from_utf8(pair).expect("ASCII hex digits");
            u8::from_str_radix(digits, 16).expect("ASCII hex digits")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_fresh_nonces() {
        let cipher = PiiCipher::new(&PiiKey::generate());
        let first = cipher.encrypt("11010519491231002X");
        let second = cipher.encrypt("11010519491231002X");
        assert_ne!(first, second, "each value gets its own nonce");
        assert_eq!(cipher.decrypt(&first).unwrap(), "11010519491231002X");
        assert!(
            !first.windows(6).any(|w| w == b"110105"),
            "no plaintext in the ciphertext"
        );
    }

    #[test]
    fn tampering_and_wrong_keys_are_detected() {
        let cipher = PiiCipher::new(&PiiKey::generate());
        let mut sealed = cipher.encrypt("13812345678");
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert_eq!(cipher.decrypt(&sealed), Err(DecryptError));
        let other = PiiCipher::new(&PiiKey::generate());
        assert_eq!(other.decrypt(&cipher.encrypt("x")), Err(DecryptError));
        assert_eq!(cipher.decrypt(b"short"), Err(DecryptError));
    }

    #[test]
    fn lookup_hashes_are_keyed_and_deterministic() {
        let key = PiiKey::generate();
        let cipher = PiiCipher::new(&key);
        assert_eq!(
            cipher.lookup_hash("13812345678"),
            cipher.lookup_hash("13812345678")
        );
        assert_ne!(
            cipher.lookup_hash("13812345678"),
            cipher.lookup_hash("13812345679")
        );
        let other = PiiCipher::new(&PiiKey::generate());
        assert_ne!(
            cipher.lookup_hash("13812345678"),
            other.lookup_hash("13812345678")
        );
    }

    #[test]
    fn keys_parse_from_hex_or_base64_and_must_be_32_bytes() {
        let key = PiiKey::generate();
        let hex = key.to_hex();
        assert_eq!(PiiKey::parse(&hex).unwrap().0, key.0);
        assert_eq!(PiiKey::parse(&STANDARD.encode(key.0)).unwrap().0, key.0);
        assert_eq!(
            PiiKey::parse(&STANDARD.encode([0u8; 16])).unwrap_err(),
            PiiKeyError::WrongLength(16)
        );
        assert_eq!(
            PiiKey::parse("not a key!").unwrap_err(),
            PiiKeyError::NotEncoded
        );
        assert_eq!(format!("{key:?}"), "PiiKey(..)");
    }
}
