//! The KEK port and its local implementation.

use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kredit_store::pii::{DataKey, DataKeyId, Kek, PiiKey};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProviderError {
    #[error("no key-encryption key {0:?} is available (is the key file up to date?)")]
    UnknownKek(String),
    #[error("a data key could not be unwrapped by KEK {0:?}: wrong key or corrupted data")]
    Unwrap(String),
    #[error("the key provider failed: {0}")]
    Unavailable(String),
}

/// Whoever holds the key-encryption keys. A KMS or HSM adapter implements
/// the same four calls (docs/security.md, "KeyProvider"): the KEK's bytes
/// never have to leave it, and every call may be a network round trip,
/// hence async. Both calls must authenticate the data-key id (and the KEK
/// id) as associated data, so a wrapped key moved to another row fails.
#[async_trait]
pub trait KeyProvider: Send + Sync {
    /// The KEK new data keys go under when the database names none yet:
    /// the newest the provider holds.
    fn current_kek(&self) -> Result<String, ProviderError>;
    /// Every KEK it can unwrap with.
    fn kek_ids(&self) -> Vec<String>;
    async fn wrap(&self, kek_id: &str, key: &DataKey) -> Result<Vec<u8>, ProviderError>;
    async fn unwrap(
        &self,
        kek_id: &str,
        id: DataKeyId,
        wrapped: &[u8],
    ) -> Result<DataKey, ProviderError>;
}

/// One KEK of a key file.
#[derive(Clone)]
pub struct KekEntry {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub key: PiiKey,
}

type Reload = dyn Fn() -> Result<Vec<KekEntry>, String> + Send + Sync;

/// KEKs held in memory: read from the local key file (kredit-server's
/// `kek_file`) or generated for tests. Asked for a KEK it does not hold, it
/// reloads its source once, so a running server picks up a KEK added to the
/// file for a rotation without a restart.
pub struct LocalKeyring {
    keks: RwLock<Vec<(KekEntry, Kek)>>,
    reload: Option<Box<Reload>>,
}

impl LocalKeyring {
    #[must_use]
    pub fn new(entries: Vec<KekEntry>) -> Self {
        Self {
            keks: RwLock::new(Self::prepare(entries)),
            reload: None,
        }
    }

    /// Reloads with `reload` when asked for a KEK it does not hold.
    #[must_use]
    pub fn reloading(
        entries: Vec<KekEntry>,
        reload: impl Fn() -> Result<Vec<KekEntry>, String> + Send + Sync + 'static,
    ) -> Self {
        Self {
            keks: RwLock::new(Self::prepare(entries)),
            reload: Some(Box::new(reload)),
        }
    }

    /// One fresh KEK, for tests and a first development start.
    #[must_use]
    pub fn generate() -> Arc<Self> {
        Arc::new(Self::new(vec![KekEntry {
            id: "kek-test".into(),
            created_at: Utc::now(),
            key: PiiKey::generate(),
        }]))
    }

    /// Adds a KEK (tests stand for an edited key file with it).
    pub fn add(&self, entry: KekEntry) {
        let mut keks = self.keks.write().expect("keyring lock");
        let mut entries: Vec<KekEntry> = keks.iter().map(|(entry, _)| entry.clone()).collect();
        entries.push(entry);
        *keks = Self::prepare(entries);
    }

    fn prepare(mut entries: Vec<KekEntry>) -> Vec<(KekEntry, Kek)> {
        entries.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        entries
            .into_iter()
            .map(|entry| {
                let kek = Kek::new(&entry.key);
                (entry, kek)
            })
            .collect()
    }

    fn find(&self, kek_id: &str) -> Option<Kek> {
        let keks = self.keks.read().expect("keyring lock");
        keks.iter()
            .find(|(entry, _)| entry.id == kek_id)
            .map(|(_, kek)| kek.clone())
    }

    fn kek(&self, kek_id: &str) -> Result<Kek, ProviderError> {
        if let Some(kek) = self.find(kek_id) {
            return Ok(kek);
        }
        if let Some(reload) = &self.reload {
            let entries = reload().map_err(ProviderError::Unavailable)?;
            *self.keks.write().expect("keyring lock") = Self::prepare(entries);
            if let Some(kek) = self.find(kek_id) {
                return Ok(kek);
            }
        }
        Err(ProviderError::UnknownKek(kek_id.to_owned()))
    }
}

#[async_trait]
impl KeyProvider for LocalKeyring {
    fn current_kek(&self) -> Result<String, ProviderError> {
        let keks = self.keks.read().expect("keyring lock");
        keks.last()
            .map(|(entry, _)| entry.id.clone())
            .ok_or_else(|| ProviderError::Unavailable("the key file holds no KEK".into()))
    }

    fn kek_ids(&self) -> Vec<String> {
        let keks = self.keks.read().expect("keyring lock");
        keks.iter().map(|(entry, _)| entry.id.clone()).collect()
    }

    async fn wrap(&self, kek_id: &str, key: &DataKey) -> Result<Vec<u8>, ProviderError> {
        Ok(self.kek(kek_id)?.wrap(kek_id, key))
    }

    async fn unwrap(
        &self,
        kek_id: &str,
        id: DataKeyId,
        wrapped: &[u8],
    ) -> Result<DataKey, ProviderError> {
        self.kek(kek_id)?
            .unwrap(kek_id, id, wrapped)
            .map_err(|_| ProviderError::Unwrap(kek_id.to_owned()))
    }
}
