//! X.509 signing certificates and SSH public keys of users, and the
//! account's server certificates.
//!
//! Lists take `after` (the sort key of the last item of the previous page)
//! and a `limit`, and return the items whose key sorts after it, in key
//! order.

use crate::{AccessKeyStatus, StoreError};
use async_trait::async_trait;

/// An X.509 signing certificate of a user or of the account's root user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningCertificate {
    /// The certificate id (32 characters of `A-Z2-7`).
    pub certificate_id: String,
    /// The owning account.
    pub account_id: String,
    /// The owning user's unique id, or `None` for the account's root user.
    pub user_id: Option<String>,
    /// The PEM body, as uploaded.
    pub body: String,
    /// What tells two uploads of one certificate apart from others: the
    /// SHA-256 of its DER encoding, in hex. Unique per account.
    pub fingerprint: String,
    /// Active or inactive.
    pub status: AccessKeyStatus,
    /// Upload time (Unix seconds).
    pub uploaded_at: i64,
}

/// An SSH public key of a user (an RSA key, for CodeCommit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshPublicKey {
    /// The key id (`APKA…`).
    pub ssh_public_key_id: String,
    /// The owning account.
    pub account_id: String,
    /// The owning user's unique id.
    pub user_id: String,
    /// The key in OpenSSH's one-line form (`ssh-rsa AAAA…`), however it was
    /// uploaded.
    pub body: String,
    /// The MD5 fingerprint of the key, colon-separated hex. Unique per user.
    pub fingerprint: String,
    /// Active or inactive.
    pub status: AccessKeyStatus,
    /// Upload time (Unix seconds).
    pub uploaded_at: i64,
}

/// A server certificate of an account, with its private key sealed.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerCertificate {
    /// The unique id (`ASCA…`).
    pub server_certificate_id: String,
    /// The owning account.
    pub account_id: String,
    /// The name (unique per account regardless of case).
    pub name: String,
    /// The path, `/` by default.
    pub path: String,
    /// The PEM certificate, as uploaded.
    pub body: String,
    /// The PEM certificate chain, as uploaded.
    pub chain: Option<String>,
    /// The private key, sealed by the key ring, bound to the unique id.
    pub sealed_private_key: String,
    /// The certificate's `notAfter` (Unix seconds).
    pub expiration: i64,
    /// Upload time (Unix seconds).
    pub uploaded_at: i64,
    /// Tags, in key order.
    pub tags: Vec<(String, String)>,
}

impl std::fmt::Debug for ServerCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerCertificate")
            .field("server_certificate_id", &self.server_certificate_id)
            .field("account_id", &self.account_id)
            .field("name", &self.name)
            .field("path", &self.path)
            .field("expiration", &self.expiration)
            .field("uploaded_at", &self.uploaded_at)
            .field("tags", &self.tags)
            .finish_non_exhaustive()
    }
}

/// Signing certificates, SSH public keys and server certificates.
#[async_trait]
pub trait CertificateStore: Send + Sync {
    /// Stores a signing certificate, refusing a third one of its owner
    /// (`LimitExceeded`) and one whose fingerprint another certificate of
    /// the account has (`AlreadyExists`).
    async fn upload_signing_certificate(
        &self,
        certificate: &SigningCertificate,
    ) -> Result<(), StoreError>;
    /// The signing certificates of a user (or of the root user), by id.
    async fn signing_certificates(
        &self,
        account_id: &str,
        user_id: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<SigningCertificate>, StoreError>;
    /// Activates or deactivates a signing certificate of a user (or of the
    /// root user).
    async fn set_signing_certificate_status(
        &self,
        account_id: &str,
        user_id: Option<&str>,
        certificate_id: &str,
        status: AccessKeyStatus,
    ) -> Result<(), StoreError>;
    /// Deletes a signing certificate of a user (or of the root user).
    async fn delete_signing_certificate(
        &self,
        account_id: &str,
        user_id: Option<&str>,
        certificate_id: &str,
    ) -> Result<(), StoreError>;

    /// Stores an SSH public key, refusing a sixth one of its user
    /// (`LimitExceeded`) and one the user has already (`AlreadyExists`).
    async fn upload_ssh_public_key(&self, key: &SshPublicKey) -> Result<(), StoreError>;
    /// The SSH public key `ssh_public_key_id` of a user.
    async fn ssh_public_key(
        &self,
        account_id: &str,
        user_id: &str,
        ssh_public_key_id: &str,
    ) -> Result<Option<SshPublicKey>, StoreError>;
    /// The SSH public keys of a user, by id.
    async fn ssh_public_keys(
        &self,
        account_id: &str,
        user_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<SshPublicKey>, StoreError>;
    /// Activates or deactivates an SSH public key of a user.
    async fn set_ssh_public_key_status(
        &self,
        account_id: &str,
        user_id: &str,
        ssh_public_key_id: &str,
        status: AccessKeyStatus,
    ) -> Result<(), StoreError>;
    /// Deletes an SSH public key of a user.
    async fn delete_ssh_public_key(
        &self,
        account_id: &str,
        user_id: &str,
        ssh_public_key_id: &str,
    ) -> Result<(), StoreError>;

    /// Stores a server certificate with its tags, atomically; `AlreadyExists`
    /// for a name the account has (regardless of case), `LimitExceeded`
    /// beyond the account's quota.
    async fn create_server_certificate(
        &self,
        certificate: &ServerCertificate,
    ) -> Result<(), StoreError>;
    /// The server certificate `name` (regardless of case) of `account_id`.
    async fn server_certificate(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<Option<ServerCertificate>, StoreError>;
    /// Server certificates of `account_id` whose path starts with
    /// `path_prefix`, by name (their tags left out).
    async fn server_certificates(
        &self,
        account_id: &str,
        path_prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ServerCertificate>, StoreError>;
    /// Renames and/or moves a server certificate; returns it as updated.
    async fn update_server_certificate(
        &self,
        account_id: &str,
        name: &str,
        new_name: Option<&str>,
        new_path: Option<&str>,
    ) -> Result<ServerCertificate, StoreError>;
    /// Deletes a server certificate and its tags.
    async fn delete_server_certificate(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<(), StoreError>;
}
