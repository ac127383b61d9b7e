//! Envelope encryption of personal data (docs/security.md, "Keys").
//!
//! - [`KeyProvider`]: the port to whoever holds the key-encryption keys
//!   (KEKs): a local key file by default, a KMS or HSM in a larger install.
//!   It wraps and unwraps data keys and never hands out a KEK.
//! - [`Vault`]: what use cases seal and open personal fields with. It finds
//!   or creates the owner's data key, keeps unwrapped keys in a small
//!   bounded cache, and still opens values written before envelope
//!   encryption.
//! - [`rotation`]: `kredit keys rotate`, `status` and `check`.

mod cache;
mod provider;
pub mod rotation;
mod vault;

pub use provider::{KekEntry, KeyProvider, LocalKeyring, ProviderError};
pub use vault::{Opened, PiiError, Vault};
