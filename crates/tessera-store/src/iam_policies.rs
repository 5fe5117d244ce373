//! Roles, managed policies and their versions, attachments and permission
//! boundaries.

use crate::StoreError;
use async_trait::async_trait;

/// An IAM role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// The unique id (`AROA…`).
    pub role_id: String,
    /// The owning account.
    pub account_id: String,
    /// The name (unique per account regardless of case).
    pub name: String,
    /// The path, `/` by default.
    pub path: String,
    /// The trust policy, as written.
    pub assume_role_policy: String,
    /// The description, if any.
    pub description: Option<String>,
    /// The longest session of the role, in seconds.
    pub max_session_duration: i64,
    /// The ARN of the permissions boundary policy, if any.
    pub permissions_boundary: Option<String>,
    /// Creation time (Unix seconds).
    pub created_at: i64,
    /// When and in which region the role was last used.
    pub last_used: Option<(i64, String)>,
    /// The users and roles the trust policy names, bound to their unique
    /// ids when it was saved; `None` for a role saved before binding existed.
    pub trust_bindings: Option<Vec<PrincipalBinding>>,
}

/// A user or role a resource-based policy names as a principal, bound to
/// the entity's unique id when the policy was saved: the policy then means
/// that entity alone, whatever it is renamed to, and nobody once it is
/// deleted, even if an entity of the same name is created later.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PrincipalBinding {
    /// The ARN as the policy names it.
    pub arn: String,
    /// The entity's unique id (`AIDA…` or `AROA…`).
    pub unique_id: String,
}

/// The kind, account, path and name an entity has now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityName {
    /// User, group or role.
    pub kind: OwnerKind,
    /// The owning account.
    pub account_id: String,
    /// The path.
    pub path: String,
    /// The name, as stored.
    pub name: String,
}

/// The kind of entity a policy is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OwnerKind {
    /// An IAM user.
    User,
    /// An IAM group.
    Group,
    /// An IAM role.
    Role,
}

impl OwnerKind {
    /// The stored name: `User`, `Group` or `Role`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "User",
            Self::Group => "Group",
            Self::Role => "Role",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "User" => Some(Self::User),
            "Group" => Some(Self::Group),
            "Role" => Some(Self::Role),
            _ => None,
        }
    }

    /// AWS's quota name for attached policies (`PoliciesPerRole`, …).
    pub fn quota_name(self) -> &'static str {
        match self {
            Self::User => "PoliciesPerUser",
            Self::Group => "PoliciesPerGroup",
            Self::Role => "PoliciesPerRole",
        }
    }

    /// `user`, `group` or `role`.
    pub fn noun(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Group => "group",
            Self::Role => "role",
        }
    }

    /// AWS's `NoSuchEntity` text for a missing entity of this kind.
    pub fn not_found(self, name: &str) -> String {
        let kind = match self {
            Self::User => "user",
            Self::Group => "group",
            Self::Role => "role",
        };
        format!("The {kind} with name {name} cannot be found.")
    }
}

/// A customer managed policy with its usage counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedPolicy {
    /// `arn:PARTITION:iam::ACCOUNT:policy/PATH/NAME`.
    pub arn: String,
    /// The unique id (`ANPA…`).
    pub policy_id: String,
    /// The owning account.
    pub account_id: String,
    /// The name (unique per account regardless of case).
    pub name: String,
    /// The path, `/` by default.
    pub path: String,
    /// The description, if any.
    pub description: Option<String>,
    /// The default version id (`v1`, `v2`, …).
    pub default_version: String,
    /// Creation time (Unix seconds).
    pub created_at: i64,
    /// Time of the last change of versions (Unix seconds).
    pub updated_at: i64,
    /// Users, groups and roles the policy is attached to.
    pub attachment_count: i64,
    /// Users and roles that use it as permissions boundary.
    pub boundary_usage_count: i64,
}

/// One version of a managed policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersion {
    /// `v1`, `v2`, …
    pub version_id: String,
    /// The JSON document, as written.
    pub document: String,
    /// Whether this is the policy's default version.
    pub is_default: bool,
    /// Creation time (Unix seconds).
    pub created_at: i64,
}

/// A user, group or role a managed policy is attached to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyEntity {
    /// The kind of entity.
    pub kind: OwnerKind,
    /// Its name.
    pub name: String,
    /// Its unique id.
    pub id: String,
}

/// How a managed policy is used by an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyUsage {
    /// Attached as a permissions policy.
    Permissions,
    /// Set as the entity's permissions boundary.
    Boundary,
}

/// Filters of `ListPolicies`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyFilter {
    /// Only policies whose path starts with this.
    pub path_prefix: Option<String>,
    /// Only policies attached to at least one entity.
    pub only_attached: bool,
    /// Only policies used at least once in this way.
    pub usage: Option<PolicyUsage>,
}

/// Roles and managed policies.
#[async_trait]
pub trait PolicyStore: Send + Sync {
    /// Creates a role with its tags; its boundary policy must exist.
    async fn create_role(&self, role: &Role, tags: &[(String, String)]) -> Result<(), StoreError>;
    /// The role with this name in `account_id`.
    async fn role_by_name(&self, account_id: &str, name: &str) -> Result<Option<Role>, StoreError>;
    /// The roles of `account_id` whose path starts with `path_prefix` and
    /// whose name sorts after `after`, by name, at most `limit`.
    async fn list_roles(
        &self,
        account_id: &str,
        path_prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Role>, StoreError>;
    /// Changes a role's description and/or maximum session duration.
    async fn update_role(
        &self,
        account_id: &str,
        name: &str,
        description: Option<&str>,
        max_session_duration: Option<i64>,
    ) -> Result<(), StoreError>;
    /// Replaces a role's trust policy.
    async fn update_assume_role_policy(
        &self,
        account_id: &str,
        name: &str,
        document: &str,
        bindings: &[PrincipalBinding],
    ) -> Result<(), StoreError>;
    /// Deletes a role that has no inline and no attached policies, with its tags.
    async fn delete_role(&self, account_id: &str, name: &str) -> Result<(), StoreError>;
    /// Sets (or with `None` removes) the permissions boundary of a user or
    /// role; the policy must exist in the account.
    async fn set_permissions_boundary(
        &self,
        account_id: &str,
        kind: OwnerKind,
        name: &str,
        policy_arn: Option<&str>,
    ) -> Result<(), StoreError>;

    /// Creates a managed policy with its first (default) version `v1`.
    async fn create_policy(
        &self,
        policy: &ManagedPolicy,
        document: &str,
        tags: &[(String, String)],
    ) -> Result<(), StoreError>;
    /// The managed policy with this ARN in `account_id`.
    async fn managed_policy(
        &self,
        account_id: &str,
        arn: &str,
    ) -> Result<Option<ManagedPolicy>, StoreError>;
    /// Managed policies of `account_id` matching `filter`, by name after
    /// `after`, at most `limit`.
    async fn list_policies(
        &self,
        account_id: &str,
        filter: &PolicyFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ManagedPolicy>, StoreError>;
    /// Deletes a managed policy that is not in use and has only its default version.
    async fn delete_policy(&self, account_id: &str, arn: &str) -> Result<(), StoreError>;
    /// Adds a version (at most 5), optionally as default; returns its id.
    async fn create_policy_version(
        &self,
        account_id: &str,
        arn: &str,
        document: &str,
        set_as_default: bool,
        now: i64,
    ) -> Result<String, StoreError>;
    /// One version of a managed policy.
    async fn policy_version(
        &self,
        account_id: &str,
        arn: &str,
        version_id: &str,
    ) -> Result<Option<PolicyVersion>, StoreError>;
    /// Every version of a managed policy, newest first.
    async fn policy_versions(
        &self,
        account_id: &str,
        arn: &str,
    ) -> Result<Vec<PolicyVersion>, StoreError>;
    /// Deletes a version that is not the default.
    async fn delete_policy_version(
        &self,
        account_id: &str,
        arn: &str,
        version_id: &str,
    ) -> Result<(), StoreError>;
    /// Makes a version the default.
    async fn set_default_policy_version(
        &self,
        account_id: &str,
        arn: &str,
        version_id: &str,
        now: i64,
    ) -> Result<(), StoreError>;

    /// Attaches a managed policy to a user, group or role (at most 10 each;
    /// attaching twice changes nothing).
    async fn attach_policy(
        &self,
        account_id: &str,
        kind: OwnerKind,
        owner_name: &str,
        arn: &str,
    ) -> Result<(), StoreError>;
    /// Detaches a managed policy from a user, group or role.
    async fn detach_policy(
        &self,
        account_id: &str,
        kind: OwnerKind,
        owner_name: &str,
        arn: &str,
    ) -> Result<(), StoreError>;
    /// The managed policies attached to a user, group or role whose path
    /// starts with `path_prefix`, as (name, ARN) by name after `after`.
    async fn attached_policies(
        &self,
        account_id: &str,
        kind: OwnerKind,
        owner_name: &str,
        path_prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, String)>, StoreError>;
    /// The entities that use a managed policy as `query` says, ordered by
    /// kind then name.
    async fn entities_for_policy(
        &self,
        query: &EntitiesForPolicy<'_>,
    ) -> Result<Vec<PolicyEntity>, StoreError>;
    /// The user, group or role with this unique id, as it is named now.
    async fn entity_by_id(&self, unique_id: &str) -> Result<Option<EntityName>, StoreError>;
    /// Roles whose trust policy has not been bound yet.
    async fn roles_without_bindings(&self) -> Result<Vec<Role>, StoreError>;
    /// Records the bindings of a role's trust policy.
    async fn set_trust_bindings(
        &self,
        role_id: &str,
        bindings: &[PrincipalBinding],
    ) -> Result<(), StoreError>;
    /// The unique id and path of the user, group or role with this name,
    /// if it exists.
    async fn entity_ref(
        &self,
        account_id: &str,
        kind: OwnerKind,
        name: &str,
    ) -> Result<Option<(String, String)>, StoreError>;
}

/// Which entities [`PolicyStore::entities_for_policy`] lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntitiesForPolicy<'a> {
    /// The account.
    pub account_id: &'a str,
    /// The managed policy's ARN.
    pub arn: &'a str,
    /// Attached as a permissions policy, or set as a boundary.
    pub usage: PolicyUsage,
    /// Entities of this kind only, if given.
    pub kind: Option<OwnerKind>,
    /// Entities whose path starts with this.
    pub path_prefix: &'a str,
    /// `KIND/NAME` of the last entity of the previous page.
    pub after: Option<&'a str>,
    /// The most entities returned.
    pub limit: usize,
}
