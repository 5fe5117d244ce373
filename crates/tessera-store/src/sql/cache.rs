//! This node's copy of the hot reads ([`crate::HotReadStore`]): what
//! authenticating and authorizing a request reads, kept until the store
//! changes, and never longer than [`TTL`].
//!
//! A committed write of this node empties the cache at once; a write of
//! another node or process empties it when [`super::watch`] sees the
//! store's change counter move (PostgreSQL notifies every listening node at
//! commit; the counter is also polled, in case a notification is lost).
//! While the database cannot be reached, what is kept keeps answering for
//! at most [`TTL`]; then the reads go to the database, and fail.

use crate::StoreError;
use std::{
    collections::HashMap,
    future::Future,
    sync::{
        Mutex, MutexGuard,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// The longest a read is kept, however quiet the store.
pub const TTL: Duration = Duration::from_secs(10);
/// Hot reads by whether this node's cache answered them (`hit`) or the
/// database did (`miss`).
pub const CACHE_REQUESTS: &str = "tessera_cache_requests_total";
/// The most entries one shelf keeps; a full shelf is emptied.
const CAPACITY: usize = 16_384;

/// What is kept of one kind of read, by key.
#[derive(Debug)]
pub(crate) struct Shelf<T> {
    entries: Mutex<HashMap<String, (Instant, T)>>,
}

impl<T> Default for Shelf<T> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<T> Shelf<T> {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, (Instant, T)>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The cache of one store.
#[derive(Debug, Default)]
pub(crate) struct HotCache {
    /// Counts the times the cache was emptied: a read begun before the
    /// latest emptying is not kept, since what it read may be outdated.
    generation: AtomicU64,
    pub(crate) access_keys: Shelf<Option<crate::AccessKeyRecord>>,
    pub(crate) users: Shelf<Option<crate::User>>,
    pub(crate) user_policies: Shelf<crate::PrincipalPolicies>,
    pub(crate) group_policies: Shelf<crate::PrincipalPolicies>,
    pub(crate) role_policies: Shelf<crate::PrincipalPolicies>,
    pub(crate) roles: Shelf<Option<crate::AssumableRole>>,
    pub(crate) documents: Shelf<Option<String>>,
    pub(crate) standings: Shelf<crate::Standing>,
}

impl HotCache {
    /// The value kept on `shelf` under `key`, or what `read` answers (kept
    /// unless the cache was emptied meanwhile).
    pub(crate) async fn get_or_read<T, F>(
        &self,
        shelf: &Shelf<T>,
        key: &str,
        read: F,
    ) -> Result<T, StoreError>
    where
        T: Clone,
        F: Future<Output = Result<T, StoreError>>,
    {
        if let Some((at, value)) = shelf.lock().get(key)
            && at.elapsed() < TTL
        {
            metrics::counter!(CACHE_REQUESTS, "result" => "hit").increment(1);
            return Ok(value.clone());
        }
        metrics::counter!(CACHE_REQUESTS, "result" => "miss").increment(1);
        let generation = self.generation.load(Ordering::Acquire);
        let started = Instant::now();
        let value = read.await;
        metrics::histogram!(crate::sql::QUERY_DURATION, "kind" => "read")
            .record(started.elapsed().as_secs_f64());
        let value = value?;
        let mut entries = shelf.lock();
        // Checked under the shelf's lock: an emptying that began after this
        // check empties this shelf after the entry is in.
        if self.generation.load(Ordering::Acquire) == generation {
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(key.to_string(), (Instant::now(), value.clone()));
        }
        Ok(value)
    }

    /// Records in a kept access key that it was just used, as the store
    /// now holds it: the next request does not record the use again.
    pub(crate) fn note_key_use(&self, access_key_id: &str, at: i64, service: &str, region: &str) {
        if let Some((_, Some(record))) = self.access_keys.lock().get_mut(access_key_id) {
            record.last_used = Some((at, service.to_string(), region.to_string()));
        }
    }

    /// Empties the cache: the store changed.
    pub(crate) fn clear(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.access_keys.lock().clear();
        self.users.lock().clear();
        self.user_policies.lock().clear();
        self.group_policies.lock().clear();
        self.role_policies.lock().clear();
        self.roles.lock().clear();
        self.documents.lock().clear();
        self.standings.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_read_is_kept_until_the_cache_is_emptied() {
        let cache = HotCache::default();
        let first = cache
            .get_or_read(&cache.documents, "p", async { Ok(Some("one".to_string())) })
            .await
            .expect("read");
        assert_eq!(first.as_deref(), Some("one"));
        let kept = cache
            .get_or_read(&cache.documents, "p", async { Ok(Some("two".to_string())) })
            .await
            .expect("kept");
        assert_eq!(kept.as_deref(), Some("one"));
        cache.clear();
        let fresh = cache
            .get_or_read(&cache.documents, "p", async { Ok(Some("two".to_string())) })
            .await
            .expect("fresh");
        assert_eq!(fresh.as_deref(), Some("two"));
    }

    #[tokio::test]
    async fn a_read_that_an_emptying_overtook_is_not_kept() {
        let cache = HotCache::default();
        let value = cache
            .get_or_read(&cache.documents, "p", async {
                cache.clear();
                Ok(Some("outdated".to_string()))
            })
            .await
            .expect("read");
        assert_eq!(value.as_deref(), Some("outdated"));
        let fresh = cache
            .get_or_read(&cache.documents, "p", async { Ok(Some("now".to_string())) })
            .await
            .expect("fresh");
        assert_eq!(fresh.as_deref(), Some("now"));
    }

    #[tokio::test]
    async fn a_failed_read_is_not_kept() {
        let cache = HotCache::default();
        let failed = cache
            .get_or_read(&cache.documents, "p", async {
                Err(StoreError::Unavailable("down".into()))
            })
            .await;
        assert!(matches!(failed, Err(StoreError::Unavailable(_))));
        let fresh = cache
            .get_or_read(&cache.documents, "p", async { Ok(None) })
            .await
            .expect("fresh");
        assert_eq!(fresh, None);
    }
}
