//! Revocation marks: "sessions of this principal issued at or before T are
//! invalid", checked on every use of temporary credentials.

use crate::StoreError;
use async_trait::async_trait;

/// Reads and writes of revocation marks.
#[async_trait]
pub trait RevocationStore: Send + Sync {
    /// Marks every session of `principal_arn` (a role or user ARN) issued at
    /// or before `before` (Unix seconds) invalid; a later mark replaces an
    /// earlier one, an earlier one never shortens a later one.
    async fn revoke_sessions(&self, principal_arn: &str, before: i64) -> Result<(), StoreError>;
    /// The revocation mark of `principal_arn`, if any.
    async fn sessions_revoked_before(&self, principal_arn: &str)
    -> Result<Option<i64>, StoreError>;
}
