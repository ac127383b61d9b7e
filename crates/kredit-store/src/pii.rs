//! Protection of personal data at rest: the primitives of envelope
//! encryption and a keyed hash for equality lookups.
//!
//! Every personal field is sealed with AES-256-GCM under a **data key**
//! ([`DataKey`], random 256 bits, one per borrower or staff member, one for
//! the system's own secrets). A sealed value is
//! `0x01 || data-key id (16) || nonce (12) || ciphertext || tag (16)`; the
//! version byte and the key id are authenticated as associated data, so a
//! value cannot be moved under another key's header. Data keys are stored
//! only wrapped by a key-encryption key ([`Kek`], AES-256-GCM, the data-key
//! id as associated data); kredit_app::keys finds and unwraps them.
//!
//! Values written before envelope encryption are `nonce || ciphertext ||
//! tag` under a key derived from the configured master key (`PiiCipher`);
//! they still decrypt ([`PiiCipher::decrypt_legacy`]) until `kredit keys
//! rotate` has re-sealed them. A legacy value may happen to begin with the
//! version byte, so the format is never decided by that byte alone: the
//! reader tries the envelope and falls back to the legacy key, and GCM's
//! tag makes a wrong guess fail rather than return garbage.
//!
//! The lookup-hash key is derived from the master key too and never
//! rotates (docs/security.md, "Keys").

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, Generate, KeyInit, Nonce, Payload};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use thiserror::Error;

type HmacSha256 = Hmac<Sha256>;

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// The first byte of an envelope-format value.
pub const ENVELOPE_V1: u8 = 1;
pub const DATA_KEY_ID_LEN: usize = 16;
const HEADER_LEN: usize = 1 + DATA_KEY_ID_LEN;
const WRAP_LABEL: &[u8] = b"kredit data key v1";
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

/// The master key's two uses: decrypting legacy values and lookup hashes.
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

    /// A value in the format written before envelope encryption
    /// (`nonce || ciphertext || tag` under the master-derived key). Nothing
    /// writes it any more; tests and drills use it to stand for data an
    /// upgraded install still holds.
    #[must_use]
    pub fn encrypt_legacy(&self, plaintext: &str) -> Vec<u8> {
        let nonce = Nonce::<Aes256Gcm>::generate();
        let ciphertext = self
            .cipher
            .encrypt(&nonce, plaintext.as_bytes())
            .expect("AES-GCM encryption fails only for inputs over 64 GiB");
        [nonce.as_slice(), &ciphertext].concat()
    }

    pub fn decrypt_legacy(&self, sealed: &[u8]) -> Result<String, DecryptError> {
        let plaintext = open_gcm(&self.cipher, sealed, &[])?;
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

/// `nonce || ciphertext || tag` of `plaintext` under a fresh nonce.
fn seal_gcm(cipher: &Aes256Gcm, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
    let nonce = Nonce::<Aes256Gcm>::generate();
    let ciphertext = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .expect("AES-GCM encryption fails only for inputs over 64 GiB");
    [nonce.as_slice(), &ciphertext].concat()
}

fn open_gcm(cipher: &Aes256Gcm, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, DecryptError> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(DecryptError);
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::<Aes256Gcm>::try_from(nonce).map_err(|_| DecryptError)?;
    cipher
        .decrypt(
            &nonce,
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map_err(|_| DecryptError)
}

/// The id of a data key: 16 random bytes, shown as 32 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DataKeyId(pub [u8; DATA_KEY_ID_LEN]);

impl DataKeyId {
    #[must_use]
    pub fn generate() -> Self {
        let key = aes_gcm::Key::<Aes256Gcm>::generate();
        let mut id = [0u8; DATA_KEY_ID_LEN];
        id.copy_from_slice(&key[..DATA_KEY_ID_LEN]);
        Self(id)
    }

    #[must_use]
    pub fn to_hex(&self) -> String {
        encode_hex(&self.0)
    }

    #[must_use]
    pub fn from_hex(hex: &str) -> Option<Self> {
        if hex.len() != 2 * DATA_KEY_ID_LEN || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        decode_hex(hex).try_into().ok().map(Self)
    }
}

impl std::fmt::Debug for DataKeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataKeyId({})", self.to_hex())
    }
}

impl std::fmt::Display for DataKeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// The data-key id an envelope-format value names, if it has the shape of
/// one (a legacy value may too: only decryption tells them apart).
#[must_use]
pub fn envelope_key_id(sealed: &[u8]) -> Option<DataKeyId> {
    if sealed.len() < HEADER_LEN + NONCE_LEN + TAG_LEN || sealed[0] != ENVELOPE_V1 {
        return None;
    }
    sealed[1..HEADER_LEN].try_into().ok().map(DataKeyId)
}

/// An unwrapped data key. Its bytes never leave this type except to be
/// wrapped ([`Kek::wrap`]); `Debug` shows only the id.
#[derive(Clone)]
pub struct DataKey {
    id: DataKeyId,
    bytes: [u8; 32],
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataKey({})", self.id)
    }
}

impl DataKey {
    /// A fresh random data key with a fresh random id.
    #[must_use]
    pub fn generate() -> Self {
        Self::from_bytes(
            DataKeyId::generate(),
            aes_gcm::Key::<Aes256Gcm>::generate().into(),
        )
    }

    #[must_use]
    pub fn from_bytes(id: DataKeyId, bytes: [u8; 32]) -> Self {
        Self {
            id,
            bytes,
            cipher: Aes256Gcm::new(&bytes.into()),
        }
    }

    #[must_use]
    pub fn id(&self) -> DataKeyId {
        self.id
    }

    /// `0x01 || key id || nonce || ciphertext || tag`, the header
    /// authenticated.
    #[must_use]
    pub fn seal(&self, plaintext: &str) -> Vec<u8> {
        let header = self.header();
        let body = seal_gcm(&self.cipher, plaintext.as_bytes(), &header);
        [header.as_slice(), &body].concat()
    }

    /// Opens a value this key sealed; any other value fails.
    pub fn open(&self, sealed: &[u8]) -> Result<String, DecryptError> {
        if envelope_key_id(sealed) != Some(self.id) {
            return Err(DecryptError);
        }
        let (header, body) = sealed.split_at(HEADER_LEN);
        let plaintext = open_gcm(&self.cipher, body, header)?;
        String::from_utf8(plaintext).map_err(|_| DecryptError)
    }

    fn header(&self) -> [u8; HEADER_LEN] {
        let mut header = [0u8; HEADER_LEN];
        header[0] = ENVELOPE_V1;
        header[1..].copy_from_slice(&self.id.0);
        header
    }
}

/// A key-encryption key: wraps and unwraps data keys. The local key file
/// holds these; a KMS or HSM would keep them inside and only answer wrap
/// and unwrap calls.
#[derive(Clone)]
pub struct Kek {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kek(..)")
    }
}

impl Kek {
    #[must_use]
    pub fn new(key: &PiiKey) -> Self {
        Self {
            cipher: Aes256Gcm::new(&key.0.into()),
        }
    }

    /// `nonce || wrapped key || tag`, bound to the data key's id (and the
    /// KEK's id, so a wrapped key copied under another KEK's name fails).
    #[must_use]
    pub fn wrap(&self, kek_id: &str, key: &DataKey) -> Vec<u8> {
        seal_gcm(&self.cipher, &key.bytes, &wrap_aad(kek_id, key.id))
    }

    pub fn unwrap(
        &self,
        kek_id: &str,
        id: DataKeyId,
        wrapped: &[u8],
    ) -> Result<DataKey, DecryptError> {
        let bytes = open_gcm(&self.cipher, wrapped, &wrap_aad(kek_id, id))?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| DecryptError)?;
        Ok(DataKey::from_bytes(id, bytes))
    }
}

fn wrap_aad(kek_id: &str, id: DataKeyId) -> Vec<u8> {
    [WRAP_LABEL, &id.0, kek_id.as_bytes()].concat()
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

    use proptest::prelude::*;

    #[test]
    fn round_trip_with_fresh_nonces() {
        let key = DataKey::generate();
        let first = key.seal("11010519491231002X");
        let second = key.seal("11010519491231002X");
        assert_ne!(first, second, "each value gets its own nonce");
        assert_eq!(key.open(&first).unwrap(), "11010519491231002X");
        assert_eq!(first[0], ENVELOPE_V1);
        assert_eq!(envelope_key_id(&first), Some(key.id()));
        assert!(
            !first.windows(6).any(|w| w == b"110105"),
            "no plaintext in the ciphertext"
        );
    }

    #[test]
    fn tampering_and_wrong_keys_are_detected() {
        let key = DataKey::generate();
        let mut sealed = key.seal("13812345678");
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert_eq!(key.open(&sealed), Err(DecryptError));
        assert_eq!(DataKey::generate().open(&key.seal("x")), Err(DecryptError));
        assert_eq!(key.open(b"short"), Err(DecryptError));
    }

    #[test]
    fn legacy_values_still_decrypt_and_are_not_envelopes() {
        let cipher = PiiCipher::new(&PiiKey::generate());
        let legacy = cipher.encrypt_legacy("13812345678");
        assert_eq!(cipher.decrypt_legacy(&legacy).unwrap(), "13812345678");
        let key = DataKey::generate();
        assert_eq!(key.open(&legacy), Err(DecryptError));
        assert_eq!(cipher.decrypt_legacy(&key.seal("x")), Err(DecryptError));
        let other = PiiCipher::new(&PiiKey::generate());
        assert_eq!(other.decrypt_legacy(&legacy), Err(DecryptError));
    }

    #[test]
    fn a_legacy_value_starting_with_the_version_byte_is_still_legacy() {
        // One legacy value in 256 begins with 0x01; it must still decrypt
        // under the legacy key and fail as an envelope.
        let cipher = PiiCipher::new(&PiiKey::generate());
        let legacy = std::iter::repeat_with(|| cipher.encrypt_legacy("11010519491231002X"))
            .find(|sealed| sealed[0] == ENVELOPE_V1)
            .expect("one in 256 nonces starts with 0x01");
        let id = envelope_key_id(&legacy).expect("looks like an envelope");
        let unrelated = DataKey::from_bytes(id, [9; 32]);
        assert_eq!(unrelated.open(&legacy), Err(DecryptError));
        assert_eq!(
            cipher.decrypt_legacy(&legacy).unwrap(),
            "11010519491231002X"
        );
    }

    #[test]
    fn wrapped_keys_are_bound_to_their_id_and_kek() {
        let kek = Kek::new(&PiiKey::generate());
        let key = DataKey::generate();
        let wrapped = kek.wrap("kek-1", &key);
        let unwrapped = kek.unwrap("kek-1", key.id(), &wrapped).unwrap();
        assert_eq!(unwrapped.open(&key.seal("张三")).unwrap(), "张三");
        // Swapped associated data: another key id, another KEK id.
        assert!(
            kek.unwrap("kek-1", DataKeyId::generate(), &wrapped)
                .is_err()
        );
        assert!(kek.unwrap("kek-2", key.id(), &wrapped).is_err());
        // The wrong KEK, tampered bytes.
        assert!(
            Kek::new(&PiiKey::generate())
                .unwrap("kek-1", key.id(), &wrapped)
                .is_err()
        );
        let mut tampered = wrapped.clone();
        tampered[20] ^= 0x80;
        assert!(kek.unwrap("kek-1", key.id(), &tampered).is_err());
        assert!(!wrapped.windows(8).any(|w| w == &key.bytes[..8]));
    }

    #[test]
    fn data_key_ids_print_and_parse_as_hex() {
        let id = DataKeyId::generate();
        assert_eq!(DataKeyId::from_hex(&id.to_hex()), Some(id));
        assert_eq!(DataKeyId::from_hex("zz"), None);
        assert_eq!(format!("{:?}", DataKey::generate()).len(), 8 + 32 + 1);
    }

    proptest! {
        #[test]
        fn envelopes_round_trip_and_reject_any_flipped_bit(
            text in "\\PC{0,40}",
            flip in any::<prop::sample::Index>(),
            bit in 0u8..8,
        ) {
            let key = DataKey::generate();
            let sealed = key.seal(&text);
            prop_assert_eq!(key.open(&sealed).unwrap(), text);
            let mut tampered = sealed.clone();
            let at = flip.index(tampered.len());
            tampered[at] ^= 1 << bit;
            prop_assert!(key.open(&tampered).is_err());
        }

        #[test]
        fn a_value_sealed_under_one_key_never_opens_under_another_header(
            text in "[0-9]{11}",
        ) {
            let first = DataKey::generate();
            let second = DataKey::from_bytes(DataKeyId::generate(), first.bytes);
            let mut moved = first.seal(&text);
            // Same key bytes, another id in the header: the header is
            // authenticated, so moving a value between keys fails.
            moved[1..HEADER_LEN].copy_from_slice(&second.id().0);
            prop_assert!(second.open(&moved).is_err());
        }
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
