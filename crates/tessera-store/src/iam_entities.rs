//! Users, their access keys, groups and group membership, inline policies of
//! users, groups and roles, and tags of users.

use crate::StoreError;
use async_trait::async_trait;

/// An IAM user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The unique id (`AIDA…`).
    pub user_id: String,
    /// The owning account.
    pub account_id: String,
    /// The name (unique per account regardless of case).
    pub name: String,
    /// The path, `/` by default.
    pub path: String,
    /// The ARN of the permissions boundary policy, if any.
    pub permissions_boundary: Option<String>,
    /// Creation time (Unix seconds).
    pub created_at: i64,
}

/// Users, access keys, groups, inline policies and user tags.
#[async_trait]
pub trait EntityStore: Send + Sync {
    /// The user with this unique id.
    async fn user_by_id(&self, user_id: &str) -> Result<Option<User>, StoreError>;
    /// The user with this name in `account_id`.
    async fn user_by_name(&self, account_id: &str, name: &str) -> Result<Option<User>, StoreError>;
}
