//! The authorizer's reads of principals' policies, kept for at most a
//! second: a resource server's every request needs them, and a change in
//! IAM reaches the authorizer within that second (as it reaches other
//! nodes). The STS and IAM API always read the store.

use std::{
    collections::HashMap,
    future::Future,
    sync::Mutex,
    time::{Duration, Instant},
};
use tessera_store::{PrincipalPolicies, StoreError};

/// How long a read is kept.
pub const TTL: Duration = Duration::from_secs(1);
const CAPACITY: usize = 8192;

/// What is kept, by key.
#[derive(Debug, Default)]
struct Kept<T> {
    entries: Mutex<HashMap<String, (Instant, T)>>,
}

impl<T: Clone> Kept<T> {
    async fn get_or_read<F>(&self, key: &str, read: F) -> Result<T, StoreError>
    where
        F: Future<Output = Result<T, StoreError>>,
    {
        let now = Instant::now();
        if let Some((at, value)) = self.lock().get(key)
            && now.duration_since(*at) < TTL
        {
            return Ok(value.clone());
        }
        let value = read.await?;
        let mut entries = self.lock();
        if entries.len() >= CAPACITY {
            entries.retain(|_, (at, _)| now.duration_since(*at) < TTL);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key.to_string(), (now, value.clone()));
        Ok(value)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, T)>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Reads of the store the authorizer may reuse for [`TTL`].
#[derive(Debug, Default)]
pub struct HotReads {
    users: Kept<PrincipalPolicies>,
    roles: Kept<PrincipalPolicies>,
    documents: Kept<Option<String>>,
}

impl HotReads {
    /// A user's policies, read at most once a second.
    pub async fn policies_of_user(
        &self,
        store: &dyn tessera_store::Store,
        user_id: &str,
    ) -> Result<PrincipalPolicies, StoreError> {
        self.users
            .get_or_read(user_id, store.policies_of_user(user_id))
            .await
    }

    /// A role's policies, read at most once a second.
    pub async fn policies_of_role(
        &self,
        store: &dyn tessera_store::Store,
        role_id: &str,
    ) -> Result<PrincipalPolicies, StoreError> {
        self.roles
            .get_or_read(role_id, store.policies_of_role(role_id))
            .await
    }

    /// A managed policy's default document, read at most once a second.
    pub async fn managed_policy_document(
        &self,
        store: &dyn tessera_store::Store,
        arn: &str,
    ) -> Result<Option<String>, StoreError> {
        self.documents
            .get_or_read(arn, store.managed_policy_document(arn))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_read_is_reused_within_the_ttl_only() {
        let kept: Kept<u32> = Kept::default();
        let first = kept.get_or_read("k", async { Ok(1) }).await.expect("read");
        let again = kept.get_or_read("k", async { Ok(2) }).await.expect("read");
        assert_eq!((first, again), (1, 1));
        if let Some((at, _)) = kept.lock().get_mut("k") {
            *at -= TTL;
        }
        let fresh = kept.get_or_read("k", async { Ok(3) }).await.expect("read");
        assert_eq!(fresh, 3);
        let failed = kept
            .get_or_read("other", async { Err(StoreError::Database("down".into())) })
            .await;
        assert!(failed.is_err());
        let after = kept
            .get_or_read("other", async { Ok(4) })
            .await
            .expect("read");
        assert_eq!(after, 4);
    }
}
