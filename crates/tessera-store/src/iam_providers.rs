//! OIDC and SAML providers, virtual MFA devices and account aliases.

use crate::{StoreError, User};
use async_trait::async_trait;

/// An IAM OpenID Connect identity provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcProvider {
    /// `arn:aws:iam::ACCT:oidc-provider/HOST/PATH`.
    pub arn: String,
    /// The owning account.
    pub account_id: String,
    /// The issuer URL without `https://`.
    pub url: String,
    /// The audiences allowed, in the order added.
    pub client_ids: Vec<String>,
    /// Server certificate thumbprints (40 hex characters each), in order.
    pub thumbprints: Vec<String>,
    /// Creation time (Unix seconds).
    pub created_at: i64,
    /// Tags, in key order.
    pub tags: Vec<(String, String)>,
}

/// An IAM SAML 2.0 identity provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlProvider {
    /// `arn:aws:iam::ACCT:saml-provider/NAME`.
    pub arn: String,
    /// The owning account.
    pub account_id: String,
    /// The name (unique per account regardless of case).
    pub name: String,
    /// The IdP's SAML metadata document, as given.
    pub metadata: String,
    /// Creation time (Unix seconds).
    pub created_at: i64,
    /// The metadata's `validUntil`, if it has one (Unix seconds).
    pub valid_until: Option<i64>,
    /// Tags, in key order.
    pub tags: Vec<(String, String)>,
}

/// A virtual MFA device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaDevice {
    /// `arn:aws:iam::ACCT:mfa/PATH/NAME`.
    pub serial_number: String,
    /// The owning account.
    pub account_id: String,
    /// The TOTP seed, sealed by the key ring.
    pub sealed_seed: String,
    /// The user the device is enabled for, if any.
    pub user: Option<User>,
    /// When it was enabled (Unix seconds), if it is.
    pub enabled_at: Option<i64>,
    /// Creation time (Unix seconds).
    pub created_at: i64,
    /// The last TOTP time step accepted (a code is never accepted twice).
    pub last_used_step: Option<i64>,
    /// Tags, in key order.
    pub tags: Vec<(String, String)>,
}

/// Which virtual MFA devices a listing returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfaFilter<'a> {
    /// Every device of the account.
    Any,
    /// Devices enabled for some user.
    Assigned,
    /// Devices enabled for no user.
    Unassigned,
    /// Devices enabled for the user with this unique id.
    User(&'a str),
}

/// Counts of an account's entities, for `GetAccountSummary`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountCounts {
    /// IAM users.
    pub users: i64,
    /// Groups.
    pub groups: i64,
    /// Roles.
    pub roles: i64,
    /// Customer managed policies.
    pub policies: i64,
    /// Versions of managed policies that are attached somewhere.
    pub policy_versions_in_use: i64,
    /// Virtual MFA devices.
    pub mfa_devices: i64,
    /// Virtual MFA devices enabled for a user.
    pub mfa_devices_in_use: i64,
    /// OIDC and SAML providers.
    pub providers: i64,
    /// Access keys of the root user.
    pub root_access_keys: i64,
    /// Signing certificates of the root user.
    pub root_signing_certificates: i64,
    /// Server certificates.
    pub server_certificates: i64,
    /// Instance profiles.
    pub instance_profiles: i64,
}

/// Identity providers, MFA devices and account aliases.
#[async_trait]
pub trait ProviderStore: Send + Sync {
    /// Creates an OIDC provider with its client ids, thumbprints and tags,
    /// atomically; `AlreadyExists` (AWS's text) for a URL already present.
    async fn create_oidc_provider(&self, provider: &OidcProvider) -> Result<(), StoreError>;
    /// The OIDC provider with this ARN in `account_id`.
    async fn oidc_provider(
        &self,
        account_id: &str,
        arn: &str,
    ) -> Result<Option<OidcProvider>, StoreError>;
    /// The OIDC provider of `account_id` for issuer `url` (without
    /// `https://`), with its client ids: what web-identity federation trusts.
    async fn oidc_provider_by_url(
        &self,
        account_id: &str,
        url: &str,
    ) -> Result<Option<OidcProvider>, StoreError>;
    /// Every OIDC provider of `account_id`, by ARN.
    async fn oidc_providers(&self, account_id: &str) -> Result<Vec<OidcProvider>, StoreError>;
    /// Deletes an OIDC provider and everything it owns.
    async fn delete_oidc_provider(&self, account_id: &str, arn: &str) -> Result<(), StoreError>;
    /// Adds a client id (no effect if present; at most 100).
    async fn add_oidc_client_id(
        &self,
        account_id: &str,
        arn: &str,
        client_id: &str,
    ) -> Result<(), StoreError>;
    /// Removes a client id (no effect if absent).
    async fn remove_oidc_client_id(
        &self,
        account_id: &str,
        arn: &str,
        client_id: &str,
    ) -> Result<(), StoreError>;
    /// Replaces the thumbprint list.
    async fn set_oidc_thumbprints(
        &self,
        account_id: &str,
        arn: &str,
        thumbprints: &[String],
    ) -> Result<(), StoreError>;

    /// Creates a SAML provider with its tags, atomically.
    async fn create_saml_provider(&self, provider: &SamlProvider) -> Result<(), StoreError>;
    /// The SAML provider with this ARN in `account_id`.
    async fn saml_provider(
        &self,
        account_id: &str,
        arn: &str,
    ) -> Result<Option<SamlProvider>, StoreError>;
    /// Every SAML provider of `account_id`, by name.
    async fn saml_providers(&self, account_id: &str) -> Result<Vec<SamlProvider>, StoreError>;
    /// Replaces a SAML provider's metadata.
    async fn update_saml_provider(
        &self,
        account_id: &str,
        arn: &str,
        metadata: &str,
        valid_until: Option<i64>,
    ) -> Result<(), StoreError>;
    /// Deletes a SAML provider and its tags.
    async fn delete_saml_provider(&self, account_id: &str, arn: &str) -> Result<(), StoreError>;

    /// Creates a virtual MFA device with its tags, atomically.
    async fn create_mfa_device(&self, device: &MfaDevice) -> Result<(), StoreError>;
    /// The MFA device with this serial number in `account_id`.
    async fn mfa_device(
        &self,
        account_id: &str,
        serial_number: &str,
    ) -> Result<Option<MfaDevice>, StoreError>;
    /// Up to `limit` devices matching `filter` with serial number after
    /// `after`, ordered by serial number.
    async fn mfa_devices(
        &self,
        account_id: &str,
        filter: MfaFilter<'_>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<MfaDevice>, StoreError>;
    /// Enables an unassigned device for a user, recording `step` as used
    /// (the later of the two codes); `AlreadyExists` if it is in use.
    async fn enable_mfa_device(
        &self,
        account_id: &str,
        serial_number: &str,
        user_id: &str,
        at: i64,
        step: i64,
    ) -> Result<(), StoreError>;
    /// Disables a device enabled for `user_id`.
    async fn deactivate_mfa_device(
        &self,
        account_id: &str,
        serial_number: &str,
        user_id: &str,
    ) -> Result<(), StoreError>;
    /// Deletes a device that is not enabled (`Conflict` otherwise).
    async fn delete_mfa_device(
        &self,
        account_id: &str,
        serial_number: &str,
    ) -> Result<(), StoreError>;
    /// Records TOTP time step `step` as used by a device, atomically, if it
    /// is later than every step accepted before; `false` if it is not (a
    /// replayed or older code).
    async fn accept_mfa_step(&self, serial_number: &str, step: i64) -> Result<bool, StoreError>;

    /// Sets the account's alias (replacing any previous one);
    /// `AlreadyExists` if another account holds it.
    async fn set_account_alias(&self, account_id: &str, alias: &str) -> Result<(), StoreError>;
    /// The account's aliases (zero or one).
    async fn account_aliases(&self, account_id: &str) -> Result<Vec<String>, StoreError>;
    /// Removes the account's alias `alias`.
    async fn delete_account_alias(&self, account_id: &str, alias: &str) -> Result<(), StoreError>;

    /// Counts of the account's entities.
    async fn account_counts(&self, account_id: &str) -> Result<AccountCounts, StoreError>;
}
