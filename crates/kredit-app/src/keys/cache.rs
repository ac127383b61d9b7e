//! Unwrapped data keys kept in memory, so a request does not unwrap its
//! borrower's key every time (a store read and, with a KMS, a network call).
//!
//! Bounded two ways: at most `capacity` keys (when full, about an eighth is
//! dropped, chosen by the hash map's random order: cheaper than an LRU's
//! bookkeeping on every hit and as good for a working set of active
//! borrowers), and each entry for at most `ttl`, so a key destroyed by
//! another process (crypto-shredding) is gone from this one's memory too
//! within that time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kredit_store::pii::{DataKey, DataKeyId};

pub(crate) struct KeyCache {
    capacity: usize,
    ttl: Duration,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    by_id: HashMap<DataKeyId, (Arc<DataKey>, Instant)>,
    by_owner: HashMap<String, DataKeyId>,
}

impl KeyCache {
    pub(crate) fn new(capacity: usize, ttl: Duration) -> Self {
        Self {
            capacity,
            ttl,
            inner: Mutex::new(Inner::default()),
        }
    }

    pub(crate) fn get(&self, id: DataKeyId) -> Option<Arc<DataKey>> {
        let inner = self.inner.lock().expect("key cache lock");
        inner
            .by_id
            .get(&id)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(key, _)| key.clone())
    }

    pub(crate) fn get_by_owner(&self, owner: &str) -> Option<Arc<DataKey>> {
        let id = *self
            .inner
            .lock()
            .expect("key cache lock")
            .by_owner
            .get(owner)?;
        self.get(id)
    }

    pub(crate) fn insert(&self, owner: Option<&str>, key: Arc<DataKey>) {
        if self.capacity == 0 {
            return;
        }
        let mut inner = self.inner.lock().expect("key cache lock");
        if inner.by_id.len() >= self.capacity {
            let drop_count = (self.capacity / 8).max(1);
            let victims: Vec<DataKeyId> = inner.by_id.keys().take(drop_count).copied().collect();
            for id in &victims {
                inner.by_id.remove(id);
            }
            inner.by_owner.retain(|_, id| !victims.contains(id));
        }
        if let Some(owner) = owner {
            inner.by_owner.insert(owner.to_owned(), key.id());
        }
        inner.by_id.insert(key.id(), (key, Instant::now()));
    }

    /// Forgets the owner's keys (after destroying them).
    pub(crate) fn forget_owner(&self, owner: &str) {
        let mut inner = self.inner.lock().expect("key cache lock");
        if let Some(id) = inner.by_owner.remove(owner) {
            inner.by_id.remove(&id);
        }
    }

    pub(crate) fn forget(&self, id: DataKeyId) {
        let mut inner = self.inner.lock().expect("key cache lock");
        inner.by_id.remove(&id);
        inner.by_owner.retain(|_, owned| *owned != id);
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.inner.lock().expect("key cache lock").by_id.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_holds_more_than_its_capacity() {
        let cache = KeyCache::new(16, Duration::from_secs(60));
        for n in 0..100 {
            cache.insert(Some(&format!("user:{n}")), Arc::new(DataKey::generate()));
            assert!(cache.len() <= 16);
        }
        let key = Arc::new(DataKey::generate());
        cache.insert(Some("user:x"), key.clone());
        assert_eq!(cache.get(key.id()).unwrap().id(), key.id());
        assert_eq!(cache.get_by_owner("user:x").unwrap().id(), key.id());
        cache.forget_owner("user:x");
        assert!(cache.get(key.id()).is_none());
    }

    #[test]
    fn entries_expire() {
        let cache = KeyCache::new(16, Duration::ZERO);
        let key = Arc::new(DataKey::generate());
        cache.insert(None, key.clone());
        assert!(cache.get(key.id()).is_none());
    }
}
