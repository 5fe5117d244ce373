//! The entity model and its persistence.
//!
//! [`Store`] is the interface the server uses; [`SqlStore`] implements it
//! over SQLite (the embedded default) or PostgreSQL. Every write is committed before the call returns.

mod certificates;
#[cfg(any(test, feature = "contract"))]
pub mod contract;
mod credential_reports;
mod error;
mod hot_reads;
mod iam_entities;
mod iam_policies;
mod iam_providers;
mod instance_profiles;
mod login_profiles;
mod model;
mod policies_of;
mod resource_policies;
mod revocations;
mod rules;
mod sealed;
mod service_roles;
mod sql;
mod tags;
#[cfg(any(test, feature = "contract"))]
pub mod test_database;

pub use certificates::{CertificateStore, ServerCertificate, SigningCertificate, SshPublicKey};
pub use credential_reports::{CredentialReport, CredentialReportStore};
pub use error::{Conflict, Existing, Missing, Quota, StoreError};
pub use hot_reads::HotReadStore;
pub use iam_entities::*;
pub use iam_policies::*;
pub use iam_providers::*;
pub use instance_profiles::{InstanceProfile, InstanceProfileStore};
pub use login_profiles::{
    LoginProfile, LoginProfileChange, LoginProfileStore, NewPassword, PasswordPolicy,
};
pub use model::{AccessKeyRecord, AccessKeyStatus, Account};
pub use policies_of::*;
pub use resource_policies::{ResourcePolicyRecord, ResourcePolicyStore};
pub use revocations::{RevocationStore, SessionOwner, Standing};
pub use rules::{
    ACCESS_KEYS_PER_USER, CLIENT_IDS_PER_OIDC_PROVIDER, MAX_ATTACHED_POLICIES, MAX_POLICY_VERSIONS,
    MFA_DEVICES_PER_USER, PASSWORDS_REMEMBERED, ROLES_PER_INSTANCE_PROFILE,
    SERVER_CERTIFICATES_PER_ACCOUNT, SIGNING_CERTIFICATES_PER_USER, SSH_PUBLIC_KEYS_PER_USER,
    TAGS_PER_ENTITY,
};
pub use sealed::{
    KeyRingStore, RingKeyRecord, SealedKind, SealedStore, SealedTransaction, SealedValue,
};
pub use service_roles::{DeletionStatus, DeletionTask, ServiceRoleStore};
pub use sql::{Backend, CONNECT_TIMEOUT, SqlStore};
pub use tags::{TagStore, Tagged, TaggedKind};

use async_trait::async_trait;

/// Everything the server reads and writes: one trait per area, so that each
/// stays small, and the hot authorization reads ([`HotReadStore`]) apart
/// again so that a cache can wrap them. A backend implements them all.
pub trait Store:
    AccountStore
    + EntityStore
    + PolicyStore
    + ProviderStore
    + LoginProfileStore
    + CertificateStore
    + CredentialReportStore
    + InstanceProfileStore
    + ServiceRoleStore
    + ResourcePolicyStore
    + RevocationStore
    + SealedStore
    + KeyRingStore
    + TagStore
    + HotReadStore
    + Send
    + Sync
    + std::fmt::Debug
{
}

impl<T> Store for T where
    T: AccountStore
        + EntityStore
        + PolicyStore
        + ProviderStore
        + LoginProfileStore
        + CertificateStore
        + CredentialReportStore
        + InstanceProfileStore
        + ServiceRoleStore
        + ResourcePolicyStore
        + RevocationStore
        + SealedStore
        + KeyRingStore
        + TagStore
        + HotReadStore
        + Send
        + Sync
        + std::fmt::Debug
{
}

/// Accounts and their long-term access keys.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates an account together with its root access key, atomically.
    async fn create_account(
        &self,
        account: &Account,
        root_key: &AccessKeyRecord,
    ) -> Result<(), StoreError>;
    /// Creates the store's first account with its root key, in one write,
    /// unless the store holds an account already (another node
    /// bootstrapped first): whether it did.
    async fn create_first_account(
        &self,
        account: &Account,
        root_key: &AccessKeyRecord,
    ) -> Result<bool, StoreError>;
    /// The account with this id.
    async fn account(&self, account_id: &str) -> Result<Option<Account>, StoreError>;
    /// The account with this name.
    async fn account_by_name(&self, name: &str) -> Result<Option<Account>, StoreError>;
    /// Every account, oldest first.
    async fn accounts(&self) -> Result<Vec<Account>, StoreError>;
    /// Whether the database answers a query (for readiness checks).
    async fn ping(&self) -> Result<(), StoreError>;
    /// Records that a key was used (for `GetAccessKeyLastUsed`).
    async fn record_access_key_use(
        &self,
        access_key_id: &str,
        at: i64,
        service: &str,
        region: &str,
    ) -> Result<(), StoreError>;
}
