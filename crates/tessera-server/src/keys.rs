//! The key ring as a running node holds it: read from the store, where it
//! is kept sealed by the master key, and read again when it changes there
//! (`tessera keys rotate`, on any node or from the CLI).
//!
//! A node looks at the store's ring every [`REFRESH`], so a rotation
//! reaches every node within it; and when a token or a stored secret names
//! a key the node does not hold yet (another node minted with a key this
//! one has not read), it reads the ring at once: for a client's token at
//! most every [`FORCED_REFRESH`], so that a flood of forged tokens cannot
//! turn into a flood of reads.

use std::{
    sync::{Arc, Mutex, RwLock, Weak},
    time::{Duration, Instant},
};
use tessera_store::{KeyRingStore, RingKeyRecord, StoreError};
use tessera_token::{KeyRing, MasterKey, SealedRingKey, TokenError, sealed_secret_key_id};

/// How often a node reads the ring from the store.
pub const REFRESH: Duration = Duration::from_millis(250);
/// How often a client's token naming an unknown key may make the node read
/// the ring.
const FORCED_REFRESH: Duration = Duration::from_millis(100);

/// Where a ring comes from, and how to open it.
struct Source {
    store: Arc<dyn KeyRingStore>,
    master: MasterKey,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source").finish_non_exhaustive()
    }
}

/// Why the ring could not be read from the store.
#[derive(Debug, thiserror::Error)]
pub enum RingError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The ring would not open, or holds no active key.
    #[error(transparent)]
    Token(#[from] TokenError),
}

/// The store's rows as the master key opens them.
pub fn sealed_ring_keys(records: &[RingKeyRecord]) -> Vec<SealedRingKey> {
    records
        .iter()
        .map(|record| SealedRingKey {
            id: u32::try_from(record.id).unwrap_or(u32::MAX),
            sealed_material: record.sealed_material.clone(),
            created_at: record.created_at,
            retired_at: record.retired_at,
        })
        .collect()
}

/// The ring's keys sealed as the store keeps them.
pub fn ring_key_records(sealed: &[SealedRingKey]) -> Vec<RingKeyRecord> {
    sealed
        .iter()
        .map(|key| RingKeyRecord {
            id: i64::from(key.id),
            sealed_material: key.sealed_material.clone(),
            created_at: key.created_at,
            retired_at: key.retired_at,
        })
        .collect()
}

/// What tells one state of the ring from another: its keys' ids and
/// retirement times.
fn shape_of_ring(ring: &KeyRing) -> Vec<(i64, Option<i64>)> {
    ring.keys()
        .iter()
        .map(|key| (i64::from(key.id), key.retired_at))
        .collect()
}

fn shape_of_records(records: &[RingKeyRecord]) -> Vec<(i64, Option<i64>)> {
    records.iter().map(|key| (key.id, key.retired_at)).collect()
}

/// A shared key ring that follows the store.
#[derive(Debug)]
pub struct KeyRingHandle {
    source: Option<Source>,
    ring: RwLock<Arc<KeyRing>>,
    forced: Mutex<Option<Instant>>,
}

impl KeyRingHandle {
    /// A handle over a ring held only in memory (tests).
    pub fn in_memory(ring: KeyRing) -> Self {
        Self {
            source: None,
            ring: RwLock::new(Arc::new(ring)),
            forced: Mutex::new(None),
        }
    }

    /// The ring the store keeps, opened with `master`.
    pub async fn open(store: Arc<dyn KeyRingStore>, master: MasterKey) -> Result<Self, RingError> {
        let records = store.ring_keys().await?;
        let ring = master.open_ring(&sealed_ring_keys(&records))?;
        Ok(Self {
            source: Some(Source { store, master }),
            ring: RwLock::new(Arc::new(ring)),
            forced: Mutex::new(None),
        })
    }

    /// Starts reading the ring from the store every [`REFRESH`], for as
    /// long as the handle lives.
    pub fn follow(self: &Arc<Self>) {
        if self.source.is_none() {
            return;
        }
        let handle: Weak<Self> = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(REFRESH);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let Some(handle) = handle.upgrade() else {
                    return;
                };
                handle.reload().await;
            }
        });
    }

    /// The ring as last read.
    pub fn current(&self) -> Arc<KeyRing> {
        self.ring
            .read()
            .map(|r| Arc::clone(&r))
            .unwrap_or_else(|p| Arc::clone(&p.into_inner()))
    }

    /// Reads the ring from the store, and keeps it when it changed. A
    /// store that cannot be reached, or a ring that will not open (logged),
    /// leaves the ring as it was.
    pub async fn reload(&self) {
        let Some(source) = &self.source else { return };
        let records = match source.store.ring_keys().await {
            Ok(records) => records,
            Err(error) => {
                tracing::debug!(%error, "key ring not read; keeping the loaded ring");
                return;
            }
        };
        if shape_of_records(&records) == shape_of_ring(&self.current()) {
            return;
        }
        match source.master.open_ring(&sealed_ring_keys(&records)) {
            Ok(ring) => {
                let active = ring.active_id().ok();
                *self.ring.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(ring);
                tracing::info!(active_key = ?active, "key ring reloaded");
            }
            Err(error) => {
                tracing::error!(%error, "the store's key ring does not open; keeping the loaded ring")
            }
        }
    }

    /// The ring, read again first if it lacks key `id` (a client's token
    /// minted by another node after a rotation); at most every
    /// [`FORCED_REFRESH`].
    pub async fn with_key(&self, id: u32) -> Arc<KeyRing> {
        let ring = self.current();
        if ring.contains(id) || self.source.is_none() {
            return ring;
        }
        {
            let mut forced = self.forced.lock().unwrap_or_else(|p| p.into_inner());
            if forced.is_some_and(|at| at.elapsed() < FORCED_REFRESH) {
                return ring;
            }
            *forced = Some(Instant::now());
        }
        self.reload().await;
        self.current()
    }

    /// Opens a secret sealed by [`KeyRing::seal_secret`] and kept in the
    /// store (an access key's secret, an MFA seed) for `owner`. When it names
    /// a key the ring lacks (another node rotated the ring and re-sealed
    /// the store), the ring is read from the store first: the store is
    /// trusted, so this is not rate-limited.
    pub async fn open_stored_secret(
        &self,
        owner: &str,
        sealed: &str,
    ) -> Result<String, TokenError> {
        if let Some(id) = sealed_secret_key_id(sealed)
            && !self.current().contains(id)
        {
            self.reload().await;
        }
        self.current().open_secret(owner, sealed)
    }

    /// Seals a secret to be kept in the store for `owner`, under the active
    /// key of the ring as last read. A rotation meanwhile loses nothing: a
    /// retired key stays in the ring while any stored value names it.
    pub fn seal_stored_secret(&self, owner: &str, secret: &str) -> Result<String, TokenError> {
        self.current().seal_secret(owner, secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_store::{SealedStore, SqlStore};
    use time::macros::datetime;

    const NOW: time::OffsetDateTime = datetime!(2026-01-01 00:00 UTC);

    /// A store with a one-key ring, sealed by a master key, and a handle on
    /// it (without the periodic refresh).
    async fn store_and_handle() -> (tempfile::TempDir, SqlStore, Arc<KeyRingHandle>) {
        let dir = tempfile::tempdir().expect("dir");
        let store = SqlStore::open_sqlite(&dir.path().join("t.db"))
            .await
            .expect("store");
        let master = MasterKey::generate().expect("master");
        let ring = KeyRing::generate(NOW).expect("ring");
        let records = ring_key_records(&master.seal_ring(&ring).expect("seal"));
        assert!(store.install_ring(&records).await.expect("install"));
        let handle = KeyRingHandle::open(Arc::new(store.clone()), master)
            .await
            .expect("open");
        (dir, store, Arc::new(handle))
    }

    /// Adds a key to the stored ring, as `tessera keys rotate` on another
    /// node does, and returns the rotated ring.
    async fn rotate(store: &SqlStore, handle: &KeyRingHandle) -> KeyRing {
        let source = handle.source.as_ref().expect("a store");
        let mut tx = store.begin_sealed().await.expect("begin");
        let mut ring = source
            .master
            .open_ring(&sealed_ring_keys(&tx.ring_keys().await.expect("ring")))
            .expect("open");
        ring.add_key(NOW).expect("add");
        tx.replace_ring(&ring_key_records(
            &source.master.seal_ring(&ring).expect("seal"),
        ))
        .await
        .expect("replace");
        tx.commit().await.expect("commit");
        ring
    }

    #[tokio::test]
    async fn a_rotation_elsewhere_is_followed_within_the_refresh() {
        let (_dir, store, handle) = store_and_handle().await;
        handle.follow();
        assert_eq!(handle.current().active_id().expect("active"), 1);
        rotate(&store, &handle).await;
        tokio::time::sleep(REFRESH * 3).await;
        assert_eq!(handle.current().active_id().expect("active"), 2);
    }

    #[tokio::test]
    async fn a_key_the_handle_lacks_is_read_at_once() {
        let (_dir, store, handle) = store_and_handle().await;
        let rotated = rotate(&store, &handle).await;
        let sealed = rotated.seal_secret("AKIAX", "s3cr3t").expect("seal");
        // A stored secret naming key 2: read at once, not rate-limited.
        assert_eq!(
            handle
                .open_stored_secret("AKIAX", &sealed)
                .await
                .expect("open"),
            "s3cr3t"
        );
        assert!(handle.open_stored_secret("AKIAY", &sealed).await.is_err());
        assert_eq!(handle.current().active_id().expect("active"), 2);
        // A token naming a key no ring has: one read, then none for a while.
        assert!(!handle.with_key(9).await.contains(9));
        assert!(!handle.with_key(9).await.contains(9));
    }

    #[tokio::test]
    async fn a_ring_sealed_by_another_master_key_is_not_taken() {
        let (_dir, store, handle) = store_and_handle().await;
        let other = MasterKey::generate().expect("other");
        let foreign = ring_key_records(
            &other
                .seal_ring(&KeyRing::generate(NOW).expect("ring"))
                .expect("seal"),
        );
        let mut tx = store.begin_sealed().await.expect("begin");
        tx.replace_ring(&foreign).await.expect("replace");
        tx.commit().await.expect("commit");
        let before = handle.current().active_id().expect("active");
        handle.reload().await;
        assert_eq!(handle.current().active_id().expect("active"), before);
        assert!(matches!(
            KeyRingHandle::open(Arc::new(store.clone()), MasterKey::generate().expect("m")).await,
            Err(RingError::Token(TokenError::MasterKeyMismatch))
        ));
    }
}
