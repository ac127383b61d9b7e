//! Sealing and opening personal fields under their owner's data key.

use std::sync::Arc;
use std::time::Duration;

use kredit_store::keys::{NewDataKey, SYSTEM_OWNER, retained_owner, user_owner};
use kredit_store::pii::{DataKey, DataKeyId, PiiCipher, envelope_key_id};
use kredit_store::{Repository, StoreError, UserId};

use super::cache::KeyCache;
use super::provider::{KeyProvider, ProviderError};

/// How many unwrapped keys a process keeps, and for how long.
const CACHE_CAPACITY: usize = 20_000;
const CACHE_TTL: Duration = Duration::from_secs(300);

#[derive(Debug, thiserror::Error)]
pub enum PiiError {
    #[error(
        "an encrypted field could not be decrypted: wrong key, destroyed key or corrupted data"
    )]
    Decrypt,
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<PiiError> for crate::AppError {
    fn from(error: PiiError) -> Self {
        crate::AppError::internal(error)
    }
}

/// What a sealed value turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// The envelope format under a live data key.
    Envelope(String),
    /// Written before envelope encryption, under the master-derived key.
    Legacy(String),
    /// Sealed under a data key that was destroyed: unreadable for good.
    Shredded,
    /// Neither: wrong keys or corrupted data.
    Failed,
}

/// Seals and opens personal fields; see the module docs of `keys`.
pub struct Vault {
    master: PiiCipher,
    provider: Arc<dyn KeyProvider>,
    repository: Arc<dyn Repository>,
    cache: KeyCache,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(..)")
    }
}

impl Vault {
    #[must_use]
    pub fn new(
        master: PiiCipher,
        provider: Arc<dyn KeyProvider>,
        repository: Arc<dyn Repository>,
    ) -> Self {
        Self::with_cache(master, provider, repository, CACHE_CAPACITY)
    }

    /// With a cache of another size (0: none; benchmarks compare).
    #[must_use]
    pub fn with_cache(
        master: PiiCipher,
        provider: Arc<dyn KeyProvider>,
        repository: Arc<dyn Repository>,
        capacity: usize,
    ) -> Self {
        Self {
            master,
            provider,
            repository,
            cache: KeyCache::new(capacity, CACHE_TTL),
        }
    }

    pub fn provider(&self) -> &dyn KeyProvider {
        self.provider.as_ref()
    }

    /// The keyed lookup hash (HMAC-SHA256 under the fixed lookup key).
    #[must_use]
    pub fn lookup_hash(&self, value: &str) -> String {
        self.master.lookup_hash(value)
    }

    /// The master-key cipher (legacy values, lookup hashes).
    #[must_use]
    pub fn master(&self) -> &PiiCipher {
        &self.master
    }

    /// Seals `plaintext` under the user's data key (created on first use).
    pub async fn seal_for(&self, user: UserId, plaintext: &str) -> Result<Vec<u8>, PiiError> {
        Ok(self.data_key_for(user).await?.seal(plaintext))
    }

    /// Seals what an erasure keeps of a user, under a key of its own that
    /// the purge at the end of the retention period destroys.
    pub async fn seal_retained(&self, user: UserId, plaintext: &str) -> Result<Vec<u8>, PiiError> {
        Ok(self.owned_key(&retained_owner(user)).await?.seal(plaintext))
    }

    /// Forgets the cached keys of an owner whose keys a transaction of the
    /// caller's destroyed (an erasure, a purge).
    pub fn forget_destroyed(&self, owner: &str) {
        self.cache.forget_owner(owner);
    }

    /// Seals under the system's data key (the platform's own secrets).
    pub async fn seal_for_system(&self, plaintext: &str) -> Result<Vec<u8>, PiiError> {
        Ok(self.owned_key(SYSTEM_OWNER).await?.seal(plaintext))
    }

    /// A fresh data key for a user not inserted yet, and its wrapped form
    /// to insert with them ([`kredit_store::NewUser::data_key`]).
    pub async fn new_user_key(&self) -> Result<(Arc<DataKey>, NewDataKey), PiiError> {
        let key = DataKey::generate();
        let record = self.wrap_new(&key).await?;
        Ok((Arc::new(key), record))
    }

    pub async fn data_key_for(&self, user: UserId) -> Result<Arc<DataKey>, PiiError> {
        self.owned_key(&user_owner(user)).await
    }

    /// Opens a sealed value in either format.
    pub async fn open(&self, sealed: &[u8]) -> Result<String, PiiError> {
        match self.open_detailed(sealed).await? {
            Opened::Envelope(text) | Opened::Legacy(text) => Ok(text),
            Opened::Shredded | Opened::Failed => Err(PiiError::Decrypt),
        }
    }

    /// Opens and says which format it was. The envelope is tried first when
    /// the value names a data key this database has; otherwise, or if that
    /// fails, the legacy key (see kredit_store::pii on why both).
    pub async fn open_detailed(&self, sealed: &[u8]) -> Result<Opened, PiiError> {
        let mut shredded = false;
        if let Some(id) = envelope_key_id(sealed) {
            match self.key_by_id(id).await? {
                KeyLookup::Live(key) => {
                    if let Ok(text) = key.open(sealed) {
                        return Ok(Opened::Envelope(text));
                    }
                }
                KeyLookup::Destroyed => shredded = true,
                KeyLookup::Unknown => {}
            }
        }
        Ok(match self.master.decrypt_legacy(sealed) {
            Ok(text) => Opened::Legacy(text),
            Err(_) if shredded => Opened::Shredded,
            Err(_) => Opened::Failed,
        })
    }

    /// Crypto-shredding: destroys every data key of the user, so nothing
    /// sealed for them decrypts again (other processes' caches forget it
    /// within the cache's time to live). Returns how many keys were live.
    pub async fn destroy_user_keys(&self, user: UserId) -> Result<u64, PiiError> {
        let owner = user_owner(user);
        let destroyed = self
            .repository
            .keys()
            .destroy_data_keys(&owner, kredit_store::now())
            .await?;
        self.cache.forget_owner(&owner);
        Ok(destroyed)
    }

    /// Unwraps a stored data key (no cache: `kredit keys check` proves the
    /// stored form).
    pub async fn unwrap_record(
        &self,
        id: DataKeyId,
        kek_id: &str,
        wrapped: &[u8],
    ) -> Result<DataKey, ProviderError> {
        self.provider.unwrap(kek_id, id, wrapped).await
    }

    /// The owner's live key, created (and wrapped under the active KEK) if
    /// there is none. Two processes creating one at once: the unique index
    /// on live owners lets one win, the other reads the winner's.
    async fn owned_key(&self, owner: &str) -> Result<Arc<DataKey>, PiiError> {
        if let Some(key) = self.cache.get_by_owner(owner) {
            return Ok(key);
        }
        let store = self.repository.keys();
        for _ in 0..2 {
            if let Some(record) = store.live_data_key(owner).await? {
                let key = Arc::new(self.unwrap_stored(&record)?.await?);
                self.cache.insert(Some(owner), key.clone());
                return Ok(key);
            }
            let key = DataKey::generate();
            let new = self.wrap_new(&key).await?;
            match store.insert_data_key(&new, owner).await {
                Ok(()) => {
                    let key = Arc::new(key);
                    self.cache.insert(Some(owner), key.clone());
                    return Ok(key);
                }
                Err(StoreError::Conflict) => {}
                Err(error) => return Err(error.into()),
            }
        }
        Err(StoreError::Invariant(format!("no live data key for {owner} after a conflict")).into())
    }

    fn unwrap_stored<'a>(
        &'a self,
        record: &'a kredit_store::keys::DataKeyRecord,
    ) -> Result<impl Future<Output = Result<DataKey, ProviderError>> + 'a, PiiError> {
        let id = DataKeyId::from_hex(&record.id)
            .ok_or_else(|| StoreError::Invariant(format!("data key id {:?}", record.id)))?;
        let (Some(kek), Some(wrapped)) = (&record.kek_id, &record.wrapped) else {
            return Err(PiiError::Decrypt);
        };
        Ok(self.provider.unwrap(kek, id, wrapped))
    }

    /// Wraps a new key under the database's active KEK (the provider's
    /// newest on a database that has none yet). Reading the active KEK from
    /// the database, not from this process's key file, is what lets a
    /// rotation switch every server at once: a key created while it runs is
    /// wrapped under the new KEK already.
    async fn wrap_new(&self, key: &DataKey) -> Result<NewDataKey, PiiError> {
        let store = self.repository.keys();
        let kek = match store.active_kek().await? {
            Some(kek) => kek,
            None => {
                let kek = self.provider.current_kek()?;
                store.activate_kek(&kek, kredit_store::now()).await?;
                kek
            }
        };
        Ok(NewDataKey {
            id: key.id().to_hex(),
            wrapped: self.provider.wrap(&kek, key).await?,
            kek_id: kek,
            created_at: kredit_store::now(),
        })
    }

    async fn key_by_id(&self, id: DataKeyId) -> Result<KeyLookup, PiiError> {
        if let Some(key) = self.cache.get(id) {
            return Ok(KeyLookup::Live(key));
        }
        let Some(record) = self.repository.keys().data_key(&id.to_hex()).await? else {
            return Ok(KeyLookup::Unknown);
        };
        if record.destroyed_at.is_some() {
            self.cache.forget(id);
            return Ok(KeyLookup::Destroyed);
        }
        let key = Arc::new(self.unwrap_stored(&record)?.await?);
        self.cache.insert(Some(&record.owner), key.clone());
        Ok(KeyLookup::Live(key))
    }
}

enum KeyLookup {
    Live(Arc<DataKey>),
    Destroyed,
    Unknown,
}
