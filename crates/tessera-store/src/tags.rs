//! Tags, one API for every entity that carries them.

use crate::StoreError;
use async_trait::async_trait;

/// An entity that carries tags, named as a request names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tagged<'a> {
    /// The kind of entity.
    pub kind: TaggedKind,
    /// Its account.
    pub account_id: &'a str,
    /// A user's, role's, server certificate's or instance profile's name (compared without
    /// regard to case), a managed policy's or identity provider's ARN, or
    /// an MFA device's serial number.
    pub name: &'a str,
}

/// The kinds of entity that carry tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaggedKind {
    /// An IAM user.
    User,
    /// An IAM role.
    Role,
    /// A customer managed policy.
    Policy,
    /// An OpenID Connect provider.
    OidcProvider,
    /// A SAML provider.
    SamlProvider,
    /// A virtual MFA device.
    MfaDevice,
    /// A server certificate.
    ServerCertificate,
    /// An instance profile.
    InstanceProfile,
}

/// Tags of users, roles, managed policies, identity providers, MFA
/// devices, server certificates and instance profiles.
#[async_trait]
pub trait TagStore: Send + Sync {
    /// The tags of the entity with unique id `owner_id` (a user's, role's,
    /// managed policy's, server certificate's or instance profile's; a
    /// provider's ARN; a device's serial), by key: those whose key sorts
    /// after `after`, at most `limit`.
    async fn tags(
        &self,
        owner_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, String)>, StoreError>;
    /// Adds or replaces tags of `owner` (at most 50 in all); `NotFound` if
    /// there is no such entity.
    async fn tag(&self, owner: Tagged<'_>, tags: &[(String, String)]) -> Result<(), StoreError>;
    /// Removes tags of `owner` by key; absent keys are ignored.
    async fn untag(&self, owner: Tagged<'_>, keys: &[String]) -> Result<(), StoreError>;
}
