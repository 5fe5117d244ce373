//! Roles, managed policies and their versions, attachments and permission
//! boundaries.

use async_trait::async_trait;

/// Roles and managed policies.
#[async_trait]
pub trait PolicyStore: Send + Sync {}
