//! The reads that authenticating and authorizing a request makes, as one
//! small trait apart from the areas they belong to, so that a cache can
//! wrap exactly these: a type that keeps them for a while implements this
//! trait over another one, and forwards the rest of the store unchanged.

use crate::{
    AccessKeyRecord, AssumableRole, PrincipalPolicies, SessionOwner, Standing, StoreError, User,
};
use async_trait::async_trait;

/// The hot authorization reads.
#[async_trait]
pub trait HotReadStore: Send + Sync {
    /// The long-term access key with this id.
    async fn access_key(&self, access_key_id: &str) -> Result<Option<AccessKeyRecord>, StoreError>;
    /// The user with this unique id.
    async fn user_by_id(&self, user_id: &str) -> Result<Option<User>, StoreError>;
    /// The policies of the user with this unique id, with its groups'.
    async fn policies_of_user(&self, user_id: &str) -> Result<PrincipalPolicies, StoreError>;
    /// The policies of the group with this unique id.
    async fn policies_of_group(&self, group_id: &str) -> Result<PrincipalPolicies, StoreError>;
    /// The policies of the role with this unique id.
    async fn policies_of_role(&self, role_id: &str) -> Result<PrincipalPolicies, StoreError>;
    /// The role `name` of `account_id`, for role assumption.
    async fn assumable_role(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<Option<AssumableRole>, StoreError>;
    /// The default version's document of the managed policy `arn`.
    async fn managed_policy_document(&self, arn: &str) -> Result<Option<String>, StoreError>;
    /// The standing of a session's owner: whether it exists, and the latest
    /// revocation mark that applies (a federated user's own mark, or its
    /// creator's).
    async fn session_standing(&self, owner: SessionOwner<'_>) -> Result<Standing, StoreError>;
}
