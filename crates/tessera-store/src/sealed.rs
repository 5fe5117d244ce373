//! The key ring, which the store keeps sealed by a master key it never
//! sees, and the values the store keeps sealed by the ring (access-key
//! secrets, MFA seeds, server certificates' private keys), read and
//! replaced together when the ring's key rotates.

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

/// One key of the key ring, as the store keeps it: its material sealed by
/// the master key, which only the nodes hold.
#[derive(Clone, PartialEq, Eq)]
pub struct RingKeyRecord {
    /// The key's id.
    pub id: i64,
    /// Its material, sealed by the master key.
    pub sealed_material: String,
    /// When it was created (Unix seconds).
    pub created_at: i64,
    /// When a newer key replaced it for minting (Unix seconds); `None` for
    /// the active key.
    pub retired_at: Option<i64>,
}

impl std::fmt::Debug for RingKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RingKeyRecord")
            .field("id", &self.id)
            .field("created_at", &self.created_at)
            .field("retired_at", &self.retired_at)
            .finish_non_exhaustive()
    }
}

/// The key ring every node of the store shares.
#[async_trait]
pub trait KeyRingStore: Send + Sync {
    /// The ring's keys, by id; empty before the first node bootstraps.
    async fn ring_keys(&self) -> Result<Vec<RingKeyRecord>, StoreError>;
    /// Installs the first ring, in one write, unless the store holds one
    /// already (another node bootstrapped first): whether it did.
    async fn install_ring(&self, keys: &[RingKeyRecord]) -> Result<bool, StoreError>;
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
    /// The ring's keys, by id, as this transaction sees them.
    async fn ring_keys(&mut self) -> Result<Vec<RingKeyRecord>, StoreError>;
    /// Replaces the whole ring.
    async fn replace_ring(&mut self, keys: &[RingKeyRecord]) -> Result<(), StoreError>;
    /// Commits every replacement at once.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}
