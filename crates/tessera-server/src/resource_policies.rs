//! Resource policies in memory: every stored resource policy (an S3
//! bucket's, a routes resource's), parsed and bound to the unique ids of the
//! users and roles it names, by resource ARN. The authorizer reads them on
//! its hot path without touching the store.
//!
//! The cache follows the store's generation: a refresh reads that one
//! counter and reloads only when it moved. [`spawn_resource_policy_refresh`]
//! refreshes every [`REFRESH_INTERVAL`], so a change made by another process
//! or node (`tessera resource-policy put`) is seen within a second; a write
//! through this process refreshes at once.

use crate::AppState;
use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::Duration,
};
use tessera_policy::{Policy, PolicyKind};
use tessera_store::{PrincipalBinding, ResourcePolicyRecord, Store, StoreError};

/// How often a running server looks at the store's generation.
pub const REFRESH_INTERVAL: Duration = Duration::from_millis(250);

/// A resource's policy, parsed and bound to its principals.
#[derive(Debug)]
pub struct LoadedResourcePolicy {
    /// The resource's ARN; also the policy's id in explanations.
    pub resource_arn: String,
    /// The account that owned the resource when the policy was saved.
    pub owner_account_id: String,
    /// The policy, its user and role principals bound to unique ids.
    pub policy: Arc<Policy>,
}

/// What the cache holds for a resource.
#[derive(Debug, Clone)]
pub enum ResourcePolicyLookup {
    /// The resource has no policy.
    Absent,
    /// The resource's policy.
    Policy(Arc<LoadedResourcePolicy>),
    /// The resource has a policy that cannot be read (its stored document
    /// no longer parses), or no policies have been loaded yet: it grants
    /// nothing, and the caller fails closed.
    Unreadable,
}

/// One stored policy as loaded: what it was loaded from, so that a reload
/// reuses it while it is unchanged, and the result (`None`: unreadable).
#[derive(Debug)]
struct Entry {
    record: ResourcePolicyRecord,
    loaded: Option<Arc<LoadedResourcePolicy>>,
}

#[derive(Debug, Default)]
struct Snapshot {
    /// The store's generation these entries reflect; `None` before the
    /// first load.
    generation: Option<i64>,
    entries: HashMap<String, Arc<Entry>>,
}

/// The resource policies of the store, in memory.
#[derive(Debug, Default)]
pub struct ResourcePolicyCache {
    snapshot: RwLock<Arc<Snapshot>>,
    /// Reloads run one at a time, so that snapshots are installed in the
    /// order they were read.
    reload: tokio::sync::Mutex<()>,
}

impl ResourcePolicyCache {
    /// The policy of the resource `resource_arn`, from memory alone.
    pub fn get(&self, resource_arn: &str) -> ResourcePolicyLookup {
        let snapshot = self.current();
        if snapshot.generation.is_none() {
            return ResourcePolicyLookup::Unreadable;
        }
        match snapshot.entries.get(resource_arn) {
            None => ResourcePolicyLookup::Absent,
            Some(entry) => match &entry.loaded {
                Some(loaded) => ResourcePolicyLookup::Policy(Arc::clone(loaded)),
                None => ResourcePolicyLookup::Unreadable,
            },
        }
    }

    /// The store generation the cache reflects; `None` before the first
    /// load.
    pub fn generation(&self) -> Option<i64> {
        self.current().generation
    }

    /// Reloads the policies if the store's generation moved since the last
    /// load; whether it reloaded. On an error the policies loaded before
    /// stay.
    pub async fn refresh(&self, store: &dyn Store) -> Result<bool, StoreError> {
        let _one_at_a_time = self.reload.lock().await;
        let generation = store.resource_policy_generation().await?;
        let previous = self.current();
        if previous.generation == Some(generation) {
            return Ok(false);
        }
        // Read after the generation: the policies are at least as new as
        // it, and a write landing in between moves the generation again,
        // so the next refresh reloads once more and nothing is missed.
        let records = store.resource_policies().await?;
        let entries = records
            .into_iter()
            .map(|record| {
                let entry = match previous.entries.get(&record.resource_arn) {
                    Some(old) if old.record == record => Arc::clone(old),
                    _ => Arc::new(Entry {
                        loaded: load(&record),
                        record,
                    }),
                };
                (entry.record.resource_arn.clone(), entry)
            })
            .collect();
        let snapshot = Arc::new(Snapshot {
            generation: Some(generation),
            entries,
        });
        *self
            .snapshot
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = snapshot;
        Ok(true)
    }

    fn current(&self) -> Arc<Snapshot> {
        Arc::clone(
            &self
                .snapshot
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }
}

/// Parses a stored policy and binds it to its principals; `None`, logged,
/// when it no longer parses.
fn load(record: &ResourcePolicyRecord) -> Option<Arc<LoadedResourcePolicy>> {
    let parsed = match Policy::parse_stored(&record.document, PolicyKind::resource()) {
        Ok(parsed) => parsed,
        Err(error) => {
            tracing::error!(
                resource = %record.resource_arn,
                %error.message,
                "stored resource policy does not parse; it grants nothing"
            );
            return None;
        }
    };
    Some(Arc::new(LoadedResourcePolicy {
        resource_arn: record.resource_arn.clone(),
        owner_account_id: record.owner_account_id.clone(),
        policy: bound(Arc::new(parsed), &record.principal_bindings),
    }))
}

/// `policy` with each user and role it names replaced by the unique id it
/// was bound to when saved; one bound to none matches nobody.
pub(crate) fn bound(policy: Arc<Policy>, bindings: &[PrincipalBinding]) -> Arc<Policy> {
    if policy.named_entities().is_empty() {
        return policy;
    }
    Arc::new(policy.bind_principals(|arn| {
        bindings
            .iter()
            .find(|b| b.arn == arn)
            .map(|b| b.unique_id.as_str())
    }))
}

/// Loads the resource policies into `state`'s cache, then refreshes them
/// every [`REFRESH_INTERVAL`] in a task that ends once the state is no
/// longer used. Call before serving: when it returns, the cache is loaded.
pub async fn spawn_resource_policy_refresh(
    state: AppState,
) -> Result<tokio::task::JoinHandle<()>, StoreError> {
    state.resource_policies().refresh(state.store()).await?;
    let weak = Arc::downgrade(&state.inner);
    drop(state);
    Ok(tokio::spawn(async move {
        let mut interval = tokio::time::interval(REFRESH_INTERVAL);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        interval.tick().await;
        // Said once when the store stops answering, and once when it is back.
        let mut failing = false;
        loop {
            interval.tick().await;
            let Some(inner) = weak.upgrade() else {
                break;
            };
            let state = AppState { inner };
            let refreshed = state.resource_policies().refresh(state.store()).await;
            match (&refreshed, failing) {
                (Err(_), true) => continue,
                (Ok(_), true) => tracing::info!("resource policies refreshed again"),
                _ => {}
            }
            failing = refreshed.is_err();
            if let Err(error) = refreshed {
                tracing::warn!(%error, "cannot refresh resource policies; keeping those loaded");
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_store::{ResourcePolicyStore, SqlStore};

    const BUCKET: &str = "arn:aws:s3:::logs";

    fn record(document: &str, bindings: Vec<PrincipalBinding>) -> ResourcePolicyRecord {
        ResourcePolicyRecord {
            resource_arn: BUCKET.to_string(),
            owner_account_id: "111122223333".to_string(),
            document: document.to_string(),
            principal_bindings: bindings,
            updated_at: 0,
        }
    }

    fn allow(principal: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"s3:GetObject","Resource":"{BUCKET}/*"}}]}}"#
        )
    }

    async fn store() -> (SqlStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("dir");
        let store = SqlStore::open_sqlite(&dir.path().join("db.sqlite"))
            .await
            .expect("open");
        (store, dir)
    }

    fn loaded(cache: &ResourcePolicyCache) -> Arc<LoadedResourcePolicy> {
        match cache.get(BUCKET) {
            ResourcePolicyLookup::Policy(loaded) => loaded,
            other => panic!("not loaded: {other:?}"),
        }
    }

    #[tokio::test]
    async fn nothing_is_known_before_the_first_load() {
        let (store, _dir) = store().await;
        let cache = ResourcePolicyCache::default();
        assert!(matches!(
            cache.get(BUCKET),
            ResourcePolicyLookup::Unreadable
        ));
        assert_eq!(cache.generation(), None);
        assert!(cache.refresh(&store).await.expect("refresh"));
        assert!(matches!(cache.get(BUCKET), ResourcePolicyLookup::Absent));
        // Nothing moved: no reload.
        assert!(!cache.refresh(&store).await.expect("refresh"));
    }

    #[tokio::test]
    async fn a_refresh_follows_the_store_generation() {
        let (store, _dir) = store().await;
        let cache = ResourcePolicyCache::default();
        cache.refresh(&store).await.expect("load");
        let document = allow("111122223333");
        store
            .put_resource_policy(&record(&document, Vec::new()))
            .await
            .expect("put");
        // Memory only: unseen until a refresh.
        assert!(matches!(cache.get(BUCKET), ResourcePolicyLookup::Absent));
        assert!(cache.refresh(&store).await.expect("refresh"));
        let first = loaded(&cache);
        assert_eq!(first.resource_arn, BUCKET);
        assert_eq!(first.owner_account_id, "111122223333");
        assert_eq!(first.policy.statements().len(), 1);

        // An unchanged policy is kept as parsed when another one changes.
        let other = ResourcePolicyRecord {
            resource_arn: "arn:aws:s3:::other".to_string(),
            ..record(&document, Vec::new())
        };
        store.put_resource_policy(&other).await.expect("put");
        assert!(cache.refresh(&store).await.expect("refresh"));
        assert!(Arc::ptr_eq(&first, &loaded(&cache)));

        assert!(store.delete_resource_policy(BUCKET).await.expect("delete"));
        assert!(cache.refresh(&store).await.expect("refresh"));
        assert!(matches!(cache.get(BUCKET), ResourcePolicyLookup::Absent));
        assert!(matches!(
            cache.get("arn:aws:s3:::other"),
            ResourcePolicyLookup::Policy(_)
        ));
    }

    #[tokio::test]
    async fn principals_are_bound_to_the_saved_unique_ids() {
        let (store, _dir) = store().await;
        let alice = "arn:aws:iam::111122223333:user/alice";
        let bob = "arn:aws:iam::111122223333:user/bob";
        let document = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":["{alice}","{bob}"]}},"Action":"s3:GetObject","Resource":"{BUCKET}/*"}}]}}"#
        );
        let bindings = vec![PrincipalBinding {
            arn: alice.to_string(),
            unique_id: "AIDAALICE".to_string(),
        }];
        store
            .put_resource_policy(&record(&document, bindings))
            .await
            .expect("put");
        let cache = ResourcePolicyCache::default();
        cache.refresh(&store).await.expect("load");
        let bound = loaded(&cache);
        // Bound principals no longer name entities by ARN; bob, bound to
        // none, matches nobody.
        assert!(bound.policy.named_entities().is_empty());
        let unbound = Policy::parse(&document, PolicyKind::resource()).expect("parses");
        assert_eq!(unbound.named_entities(), [alice, bob]);
        assert_ne!(bound.policy.as_ref(), &unbound);
    }

    #[tokio::test]
    async fn a_stored_document_that_does_not_parse_is_unreadable() {
        let (store, _dir) = store().await;
        store
            .put_resource_policy(&record("{not json", Vec::new()))
            .await
            .expect("put");
        let cache = ResourcePolicyCache::default();
        cache.refresh(&store).await.expect("load");
        assert!(matches!(
            cache.get(BUCKET),
            ResourcePolicyLookup::Unreadable
        ));
        assert!(matches!(
            cache.get("arn:aws:s3:::other"),
            ResourcePolicyLookup::Absent
        ));
        // Repaired, it is read again.
        store
            .put_resource_policy(&record(&allow("*"), Vec::new()))
            .await
            .expect("put");
        cache.refresh(&store).await.expect("refresh");
        loaded(&cache);
    }
}
