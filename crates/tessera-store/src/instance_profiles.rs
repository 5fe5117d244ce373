//! Instance profiles: containers of at most one role each, which a role
//! may be in several of.
//!
//! Lists take `after` (the name of the last item of the previous page) and
//! a `limit`, and return the items whose name sorts after it regardless of
//! case, in that order.

use crate::{Role, StoreError};
use async_trait::async_trait;

/// An IAM instance profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceProfile {
    /// The unique id (`AIPA…`).
    pub instance_profile_id: String,
    /// The owning account.
    pub account_id: String,
    /// The name (unique per account regardless of case).
    pub name: String,
    /// The path, `/` by default.
    pub path: String,
    /// Creation time (Unix seconds).
    pub created_at: i64,
    /// The roles it holds (at most
    /// [`ROLES_PER_INSTANCE_PROFILE`](crate::ROLES_PER_INSTANCE_PROFILE)),
    /// as stored now. Ignored when the profile is created.
    pub roles: Vec<Role>,
}

/// Instance profiles and the roles they hold.
#[async_trait]
pub trait InstanceProfileStore: Send + Sync {
    /// Creates an instance profile, without roles, with its tags;
    /// `AlreadyExists` if its account has one of that name regardless of
    /// case.
    async fn create_instance_profile(
        &self,
        profile: &InstanceProfile,
        tags: &[(String, String)],
    ) -> Result<(), StoreError>;
    /// The instance profile `name` of `account_id` (regardless of case),
    /// with its roles.
    async fn instance_profile(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<Option<InstanceProfile>, StoreError>;
    /// The instance profiles of `account_id` whose path starts with
    /// `path_prefix` and whose name sorts after `after`, by name, at most
    /// `limit`, each with its roles.
    async fn list_instance_profiles(
        &self,
        account_id: &str,
        path_prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<InstanceProfile>, StoreError>;
    /// Deletes an instance profile that holds no role (`Conflict`
    /// otherwise), with its tags.
    async fn delete_instance_profile(&self, account_id: &str, name: &str)
    -> Result<(), StoreError>;
    /// Puts the role `role_name` in the instance profile `profile_name`;
    /// `NotFound` for either missing, `LimitExceeded` if the profile holds
    /// a role already (that one included).
    async fn add_role_to_instance_profile(
        &self,
        account_id: &str,
        profile_name: &str,
        role_name: &str,
        at: i64,
    ) -> Result<(), StoreError>;
    /// Takes the role `role_name` out of the instance profile
    /// `profile_name`; `NotFound` for the profile missing, or for a role
    /// the profile does not hold.
    async fn remove_role_from_instance_profile(
        &self,
        account_id: &str,
        profile_name: &str,
        role_name: &str,
    ) -> Result<(), StoreError>;
    /// The instance profiles that hold the role with unique id `role_id`,
    /// by name, after `after`, at most `limit`, each with its roles.
    async fn instance_profiles_for_role(
        &self,
        role_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<InstanceProfile>, StoreError>;
}
