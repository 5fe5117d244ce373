use crate::{
    AccessKeyRecord, AccountStore, AssumableRole, EntityStore, HotReadStore, PoliciesOfStore,
    PrincipalPolicies, RevocationStore, SessionOwner, SqliteStore, Standing, StoreError, User,
};
use async_trait::async_trait;

#[async_trait]
impl HotReadStore for SqliteStore {
    async fn signing_key(
        &self,
        access_key_id: &str,
    ) -> Result<Option<AccessKeyRecord>, StoreError> {
        self.access_key(access_key_id).await
    }

    async fn signing_user(&self, user_id: &str) -> Result<Option<User>, StoreError> {
        self.user_by_id(user_id).await
    }

    async fn user_policies(&self, user_id: &str) -> Result<PrincipalPolicies, StoreError> {
        self.policies_of_user(user_id).await
    }

    async fn role_policies(&self, role_id: &str) -> Result<PrincipalPolicies, StoreError> {
        self.policies_of_role(role_id).await
    }

    async fn role_to_assume(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<Option<AssumableRole>, StoreError> {
        self.assumable_role(account_id, name).await
    }

    async fn policy_document(&self, arn: &str) -> Result<Option<String>, StoreError> {
        self.managed_policy_document(arn).await
    }

    async fn owner_standing(&self, owner: SessionOwner<'_>) -> Result<Standing, StoreError> {
        self.session_standing(owner).await
    }
}
