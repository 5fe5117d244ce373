//! Users, their access keys, groups and group membership, inline policies of
//! users, groups and roles, and tags of users.
//!
//! Lists take `after` (the sort key of the last item of the previous page)
//! and a `limit`, and return the items whose key sorts after it, in key
//! order: a page is stable while other items are inserted.

use crate::{AccessKeyRecord, AccessKeyStatus, StoreError};
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

/// An IAM group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The unique id (`AGPA…`).
    pub group_id: String,
    /// The owning account.
    pub account_id: String,
    /// The name (unique per account regardless of case).
    pub name: String,
    /// The path, `/` by default.
    pub path: String,
    /// Creation time (Unix seconds).
    pub created_at: i64,
}

/// What an inline policy is embedded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyOwnerKind {
    /// An IAM user.
    User,
    /// An IAM group.
    Group,
    /// An IAM role.
    Role,
}

impl PolicyOwnerKind {
    /// The kind as the schema spells it (`User`, `Group`, `Role`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "User",
            Self::Group => "Group",
            Self::Role => "Role",
        }
    }

    /// The kind as IAM's messages and ARNs spell it (`user`, `group`, `role`).
    pub fn noun(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Group => "group",
            Self::Role => "role",
        }
    }
}

/// A user, group or role that holds inline policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyOwner {
    /// Its kind.
    pub kind: PolicyOwnerKind,
    /// Its unique id.
    pub id: String,
    /// Its name as stored.
    pub name: String,
    /// Its path.
    pub path: String,
}

/// An inline policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlinePolicy {
    /// The owner's name as stored.
    pub owner_name: String,
    /// The policy's name as stored.
    pub name: String,
    /// The JSON document as written.
    pub document: String,
}

/// No user, group or role of this name.
pub fn no_such_owner(kind: PolicyOwnerKind, name: &str) -> StoreError {
    StoreError::NotFound(crate::Missing::Owner {
        kind: kind.noun(),
        name: name.to_string(),
    })
}

/// No access key of this id.
pub fn no_such_access_key(access_key_id: &str) -> StoreError {
    StoreError::NotFound(crate::Missing::AccessKey(access_key_id.to_string()))
}

/// Users, access keys, groups, inline policies and user tags.
#[async_trait]
pub trait EntityStore: Send + Sync {
    /// The user with this name in `account_id`.
    async fn user_by_name(&self, account_id: &str, name: &str) -> Result<Option<User>, StoreError>;
    /// Creates a user with its tags. The permissions boundary, when set,
    /// must name an existing managed policy.
    async fn create_user(&self, user: &User, tags: &[(String, String)]) -> Result<(), StoreError>;
    /// Users of `account_id` whose path starts with `path_prefix`, by name.
    async fn list_users(
        &self,
        account_id: &str,
        path_prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<User>, StoreError>;
    /// Renames and/or moves a user; returns it as updated.
    async fn update_user(
        &self,
        account_id: &str,
        name: &str,
        new_name: Option<&str>,
        new_path: Option<&str>,
    ) -> Result<User, StoreError>;
    /// Deletes a user that has no login profile, access keys, policies,
    /// groups or MFA device (`Conflict` otherwise), with its tags and
    /// password history.
    async fn delete_user(&self, account_id: &str, name: &str) -> Result<(), StoreError>;
    /// Stores a new long-term key, refusing a third key of one user
    /// (`user_id` `None`: the account's root user).
    async fn create_access_key(&self, key: &AccessKeyRecord) -> Result<(), StoreError>;
    /// The keys of a user (or of the root user), by key id.
    async fn access_keys_of(
        &self,
        account_id: &str,
        user_id: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<AccessKeyRecord>, StoreError>;
    /// Activates or deactivates a key of a user (or of the root user).
    async fn set_access_key_status(
        &self,
        account_id: &str,
        user_id: Option<&str>,
        access_key_id: &str,
        status: AccessKeyStatus,
    ) -> Result<(), StoreError>;
    /// Deletes a key of a user (or of the root user).
    async fn delete_access_key(
        &self,
        account_id: &str,
        user_id: Option<&str>,
        access_key_id: &str,
    ) -> Result<(), StoreError>;

    /// Creates a group.
    async fn create_group(&self, group: &Group) -> Result<(), StoreError>;
    /// The group with this name in `account_id`.
    async fn group_by_name(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<Option<Group>, StoreError>;
    /// Groups of `account_id` whose path starts with `path_prefix`, by name.
    async fn list_groups(
        &self,
        account_id: &str,
        path_prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Group>, StoreError>;
    /// Renames and/or moves a group; returns it as updated.
    async fn update_group(
        &self,
        account_id: &str,
        name: &str,
        new_name: Option<&str>,
        new_path: Option<&str>,
    ) -> Result<Group, StoreError>;
    /// Deletes a group without members or policies (`Conflict` otherwise).
    async fn delete_group(&self, account_id: &str, name: &str) -> Result<(), StoreError>;
    /// Makes a user a member of a group (nothing if it is one already).
    async fn add_user_to_group(
        &self,
        account_id: &str,
        group_name: &str,
        user_name: &str,
        at: i64,
    ) -> Result<(), StoreError>;
    /// Removes a user from a group (nothing if it is not a member).
    async fn remove_user_from_group(
        &self,
        account_id: &str,
        group_name: &str,
        user_name: &str,
    ) -> Result<(), StoreError>;
    /// Members of a group (by unique id), by name.
    async fn group_members(
        &self,
        group_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<User>, StoreError>;
    /// Groups a user (by unique id) belongs to, by name.
    async fn groups_for_user(
        &self,
        user_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Group>, StoreError>;

    /// The user, group or role named `name` in `account_id`.
    async fn policy_owner(
        &self,
        account_id: &str,
        kind: PolicyOwnerKind,
        name: &str,
    ) -> Result<Option<PolicyOwner>, StoreError>;
    /// Adds or replaces an inline policy of a user, group or role, keeping
    /// the owner's inline policies within `max_total_size` characters (white
    /// space not counted) in all.
    async fn put_inline_policy(
        &self,
        account_id: &str,
        kind: PolicyOwnerKind,
        owner_name: &str,
        policy_name: &str,
        document: &str,
        max_total_size: usize,
    ) -> Result<(), StoreError>;
    /// An inline policy of a user, group or role.
    async fn inline_policy(
        &self,
        account_id: &str,
        kind: PolicyOwnerKind,
        owner_name: &str,
        policy_name: &str,
    ) -> Result<InlinePolicy, StoreError>;
    /// Deletes an inline policy of a user, group or role.
    async fn delete_inline_policy(
        &self,
        account_id: &str,
        kind: PolicyOwnerKind,
        owner_name: &str,
        policy_name: &str,
    ) -> Result<(), StoreError>;
    /// Names of the inline policies of a user, group or role, in order.
    async fn inline_policy_names(
        &self,
        account_id: &str,
        kind: PolicyOwnerKind,
        owner_name: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError>;
}
