//! Resource-based policies of the resources of configured services (an S3
//! bucket's policy, a policy on a routes resource), by resource ARN, with a
//! generation that changes with every write so that a cache can tell
//! cheaply whether to reload.

use crate::{PrincipalBinding, StoreError};
use async_trait::async_trait;

/// A resource's policy as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePolicyRecord {
    /// The resource's ARN (the key).
    pub resource_arn: String,
    /// The account owning the resource when the policy was saved.
    pub owner_account_id: String,
    /// The policy, as written.
    pub document: String,
    /// The users and roles the policy names, bound to their unique ids when
    /// it was saved.
    pub principal_bindings: Vec<PrincipalBinding>,
    /// When the policy was last saved (Unix seconds).
    pub updated_at: i64,
}

/// Reads and writes of resource policies.
#[async_trait]
pub trait ResourcePolicyStore: Send + Sync {
    /// Saves the policy of `policy.resource_arn`, replacing any it has, and
    /// bumps the generation in the same transaction.
    async fn put_resource_policy(&self, policy: &ResourcePolicyRecord) -> Result<(), StoreError>;
    /// The policy of the resource `resource_arn`, if it has one.
    async fn resource_policy(
        &self,
        resource_arn: &str,
    ) -> Result<Option<ResourcePolicyRecord>, StoreError>;
    /// Deletes the policy of `resource_arn`; whether it had one. A deletion
    /// bumps the generation in the same transaction; deleting nothing
    /// leaves it as it was.
    async fn delete_resource_policy(&self, resource_arn: &str) -> Result<bool, StoreError>;
    /// Every resource policy, by resource ARN.
    async fn resource_policies(&self) -> Result<Vec<ResourcePolicyRecord>, StoreError>;
    /// The generation: it grows with every put and every deletion, and
    /// never goes back, so an unchanged value means unchanged policies.
    async fn resource_policy_generation(&self) -> Result<i64, StoreError>;
}
