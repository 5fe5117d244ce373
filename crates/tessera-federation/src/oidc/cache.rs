//! Keys per issuer: fetched on first use, kept for a while, fetched again
//! when a token names a key id the cache does not hold — but at most once
//! per issuer every [`CachePolicy::min_interval`], so that a flood of
//! tokens with made-up key ids cannot hammer the identity provider. One
//! fetch per issuer is in flight at a time; concurrent requests wait for it.

use super::{OidcError, keys::KeySet};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

/// Fetches of an identity provider's discovery document and keys, by
/// result (`ok`, `error`).
pub const JWKS_FETCHES: &str = "tessera_jwks_fetches_total";

/// Where keys come from (HTTPS in production, a table in tests).
pub trait Fetch: Send + Sync {
    /// The key set of `issuer` (`https://…`, no trailing `/`).
    fn fetch(&self, issuer: &str) -> impl Future<Output = Result<KeySet, OidcError>> + Send;
}

/// How long keys are kept and how often an issuer may be asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachePolicy {
    /// Keys older than this are fetched again (seconds).
    pub ttl: i64,
    /// At most one fetch per issuer in this many seconds.
    pub min_interval: i64,
}

impl Default for CachePolicy {
    fn default() -> Self {
        Self {
            ttl: 3_600,
            min_interval: 5,
        }
    }
}

#[derive(Debug, Default)]
struct Slot {
    keys: Option<Arc<KeySet>>,
    fetched_at: i64,
    last_attempt: Option<i64>,
}

/// Verification keys per issuer.
#[derive(Debug)]
pub struct KeyCache<F> {
    fetcher: F,
    policy: CachePolicy,
    slots: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Slot>>>>,
}

impl<F: Fetch> KeyCache<F> {
    /// A cache over `fetcher`.
    pub fn new(fetcher: F, policy: CachePolicy) -> Self {
        Self {
            fetcher,
            policy,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The fetcher.
    pub fn fetcher(&self) -> &F {
        &self.fetcher
    }

    fn slot(&self, issuer: &str) -> Arc<tokio::sync::Mutex<Slot>> {
        let mut slots = self
            .slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        slots.entry(issuer.to_string()).or_default().clone()
    }

    /// The keys of `issuer` at time `now` (Unix seconds). `wanted` says
    /// whether a key set holds the key the token needs; when the cached set
    /// does not (or is stale, or missing) the issuer is asked again, unless
    /// it was asked less than `min_interval` ago.
    pub async fn keys(
        &self,
        issuer: &str,
        now: i64,
        wanted: impl Fn(&KeySet) -> bool,
    ) -> Result<Arc<KeySet>, OidcError> {
        let slot = self.slot(issuer);
        let mut slot = slot.lock().await;
        let stale = slot.keys.is_none() || now.saturating_sub(slot.fetched_at) >= self.policy.ttl;
        let missing = slot.keys.as_deref().is_none_or(|k| !wanted(k));
        let may_ask = slot
            .last_attempt
            .is_none_or(|t| now.saturating_sub(t) >= self.policy.min_interval);
        if (stale || missing) && may_ask {
            slot.last_attempt = Some(now);
            let fetched = self.fetcher.fetch(issuer).await;
            let result = if fetched.is_ok() { "ok" } else { "error" };
            metrics::counter!(JWKS_FETCHES, "result" => result).increment(1);
            match fetched {
                Ok(keys) => {
                    slot.keys = Some(Arc::new(keys));
                    slot.fetched_at = now;
                }
                Err(error) if slot.keys.is_some() => {
                    tracing::warn!(%issuer, %error, "cannot refresh identity provider keys; keeping the cached ones");
                }
                Err(error) => return Err(error),
            }
        }
        slot.keys.clone().ok_or_else(|| {
            OidcError::Communication(
                "The identity provider's keys could not be fetched; try again later".to_string(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const JWKS: &str = include_str!("../../tests/fixtures/jwks.json");

    /// Serves the fixture key set, or only its first `limit` keys, or fails.
    #[derive(Default)]
    struct Table {
        calls: AtomicUsize,
        limit: Mutex<Option<usize>>,
        down: Mutex<bool>,
    }

    impl Fetch for Table {
        async fn fetch(&self, _issuer: &str) -> Result<KeySet, OidcError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            if *self.down.lock().expect("lock") {
                return Err(OidcError::Communication("down".into()));
            }
            let mut doc: serde_json::Value = serde_json::from_str(JWKS).expect("json");
            if let Some(limit) = *self.limit.lock().expect("lock") {
                doc["keys"].as_array_mut().expect("keys").truncate(limit);
            }
            KeySet::from_jwks(doc.to_string().as_bytes())
        }
    }

    fn has(kid: &'static str) -> impl Fn(&KeySet) -> bool {
        move |k| {
            !k.candidates(Some(kid), jsonwebtoken::Algorithm::RS256)
                .is_empty()
        }
    }

    const ISS: &str = "https://idp.example.com";

    #[tokio::test]
    async fn fetches_once_and_reuses() {
        let cache = KeyCache::new(Table::default(), CachePolicy::default());
        for t in 0..10 {
            cache.keys(ISS, 100 + t, has("rsa-a")).await.expect("keys");
        }
        assert_eq!(cache.fetcher().calls.load(Ordering::SeqCst), 1);
        // Past the TTL the keys are fetched again.
        cache
            .keys(ISS, 100 + 3_600, has("rsa-a"))
            .await
            .expect("keys");
        assert_eq!(cache.fetcher().calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn an_unknown_kid_refreshes_at_most_once_per_interval() {
        let table = Table::default();
        *table.limit.lock().expect("lock") = Some(1);
        let cache = KeyCache::new(table, CachePolicy::default());
        let keys = cache.keys(ISS, 100, has("rsa-a")).await.expect("keys");
        assert_eq!(keys.len(), 1);
        // The issuer rotates in rsa-b; a flood of tokens naming it (or
        // made-up ids) within the interval asks the issuer no more.
        *cache.fetcher().limit.lock().expect("lock") = None;
        for t in 0..50 {
            let keys = cache
                .keys(ISS, 101 + t % 3, has("rsa-b"))
                .await
                .expect("keys");
            assert!(!has("rsa-b")(&keys));
        }
        assert_eq!(cache.fetcher().calls.load(Ordering::SeqCst), 1);
        // After the interval, one refresh finds the new key.
        let keys = cache.keys(ISS, 105, has("rsa-b")).await.expect("keys");
        assert!(has("rsa-b")(&keys));
        assert_eq!(cache.fetcher().calls.load(Ordering::SeqCst), 2);
        for t in 0..20 {
            cache
                .keys(ISS, 106 + t, has("made-up"))
                .await
                .expect("keys");
        }
        // 106..=125: refreshes at 110, 115, 120, 125 only.
        assert_eq!(cache.fetcher().calls.load(Ordering::SeqCst), 6);
    }

    #[tokio::test]
    async fn an_unreachable_issuer_is_not_asked_on_every_request() {
        let table = Table::default();
        *table.down.lock().expect("lock") = true;
        let cache = KeyCache::new(table, CachePolicy::default());
        for t in 0..10 {
            let error = cache.keys(ISS, 100 + t % 2, has("rsa-a")).await;
            assert!(matches!(error, Err(OidcError::Communication(_))));
        }
        assert_eq!(cache.fetcher().calls.load(Ordering::SeqCst), 1);
        // Once it is back, cached keys survive a later outage.
        *cache.fetcher().down.lock().expect("lock") = false;
        cache.keys(ISS, 110, has("rsa-a")).await.expect("keys");
        *cache.fetcher().down.lock().expect("lock") = true;
        cache
            .keys(ISS, 110 + 3_600, has("rsa-a"))
            .await
            .expect("stale keys kept");
        assert_eq!(cache.fetcher().calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn issuers_are_cached_apart() {
        let cache = KeyCache::new(Table::default(), CachePolicy::default());
        cache.keys(ISS, 100, has("rsa-a")).await.expect("keys");
        cache
            .keys("https://other.example.com", 100, has("rsa-a"))
            .await
            .expect("keys");
        assert_eq!(cache.fetcher().calls.load(Ordering::SeqCst), 2);
    }
}
