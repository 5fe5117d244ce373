//! The reads that authenticating and authorizing a request makes, as one
//! small trait apart from the areas they belong to, so that a cache can
//! wrap exactly these: a type that keeps them for a while implements this
//! trait over another one, and forwards the rest of the store unchanged.
//!
//! A backend implements it by delegating to its area traits; each method
//! answers as the method it names does.

use crate::{
    AccessKeyRecord, AssumableRole, PrincipalPolicies, SessionOwner, Standing, StoreError, User,
};
use async_trait::async_trait;

/// The hot authorization reads.
#[async_trait]
pub trait HotReadStore: Send + Sync {
    /// The long-term access key a request is signed with
    /// ([`AccountStore::access_key`](crate::AccountStore::access_key)).
    async fn signing_key(&self, access_key_id: &str)
    -> Result<Option<AccessKeyRecord>, StoreError>;
    /// The user a key or session belongs to
    /// ([`EntityStore::user_by_id`](crate::EntityStore::user_by_id)).
    async fn signing_user(&self, user_id: &str) -> Result<Option<User>, StoreError>;
    /// A user's policies with its groups', its boundary and tags
    /// ([`PoliciesOfStore::policies_of_user`](crate::PoliciesOfStore::policies_of_user)).
    async fn user_policies(&self, user_id: &str) -> Result<PrincipalPolicies, StoreError>;
    /// A role's policies, boundary and tags
    /// ([`PoliciesOfStore::policies_of_role`](crate::PoliciesOfStore::policies_of_role)).
    async fn role_policies(&self, role_id: &str) -> Result<PrincipalPolicies, StoreError>;
    /// A role with its trust policy, for assuming it
    /// ([`PoliciesOfStore::assumable_role`](crate::PoliciesOfStore::assumable_role)).
    async fn role_to_assume(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<Option<AssumableRole>, StoreError>;
    /// The default version of a managed policy
    /// ([`PoliciesOfStore::managed_policy_document`](crate::PoliciesOfStore::managed_policy_document)).
    async fn policy_document(&self, arn: &str) -> Result<Option<String>, StoreError>;
    /// Whether a session's owner exists and the revocation mark that applies
    /// ([`RevocationStore::session_standing`](crate::RevocationStore::session_standing)).
    async fn owner_standing(&self, owner: SessionOwner<'_>) -> Result<Standing, StoreError>;
}
