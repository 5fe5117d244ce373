//! The values the store keeps sealed by the key ring (access-key secrets,
//! MFA seeds, server certificates' private keys), read and replaced
//! together when the ring's key rotates.

use crate::StoreError;
use async_trait::async_trait;

/// What a sealed value is, and so what id it is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SealedKind {
    /// A long-term access key's secret, bound to its access key id.
    AccessKeySecret,
    /// A virtual MFA device's TOTP seed, bound to its serial number.
    MfaSeed,
    /// A server certificate's private key, bound to its unique id.
    ServerCertificateKey,
}

/// One sealed value of the store.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedValue {
    /// What it is.
    pub kind: SealedKind,
    /// The id it is bound to: the access key id, the serial number or the
    /// server certificate's unique id.
    pub owner: String,
    /// The sealed blob, as stored.
    pub sealed: String,
}

impl std::fmt::Debug for SealedValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedValue")
            .field("kind", &self.kind)
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

/// Access to every sealed value at once, for re-sealing.
#[async_trait]
pub trait SealedStore: Send + Sync {
    /// Begins a write transaction that holds the store's write lock from its
    /// start until it is committed or dropped (dropping rolls it back):
    /// nothing else writes meanwhile, so what it reads stays what is stored,
    /// and two transactions of this kind never interleave.
    async fn begin_sealed(&self) -> Result<Box<dyn SealedTransaction>, StoreError>;
}

/// A transaction begun by [`SealedStore::begin_sealed`].
#[async_trait]
pub trait SealedTransaction: Send {
    /// Every sealed value of the store.
    async fn sealed_values(&mut self) -> Result<Vec<SealedValue>, StoreError>;
    /// Replaces the sealed blob of the value `kind` bound to `owner`.
    async fn replace_sealed(
        &mut self,
        kind: SealedKind,
        owner: &str,
        sealed: &str,
    ) -> Result<(), StoreError>;
    /// Commits every replacement at once.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}
