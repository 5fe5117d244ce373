//! What keeps an entity from being deleted. Each backend reads what an
//! entity still has into one of these, and the first thing found, in the
//! order IAM checks them, is the conflict.

use crate::{Conflict, StoreError};

/// What a user still has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct UserDependents {
    /// A login profile.
    pub login_profile: bool,
    /// Access keys.
    pub access_keys: bool,
    /// Signing certificates.
    pub signing_certificates: bool,
    /// SSH public keys.
    pub ssh_public_keys: bool,
    /// Inline policies.
    pub inline_policies: bool,
    /// Attached managed policies.
    pub attached_policies: bool,
    /// Group memberships.
    pub groups: bool,
    /// An enabled MFA device.
    pub mfa_device: bool,
}

/// What a group still has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct GroupDependents {
    /// Members.
    pub members: bool,
    /// Inline policies.
    pub inline_policies: bool,
    /// Attached managed policies.
    pub attached_policies: bool,
}

/// What a role still has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RoleDependents {
    /// Inline policies.
    pub inline_policies: bool,
    /// Attached managed policies.
    pub attached_policies: bool,
    /// Instance profiles that hold it.
    pub instance_profiles: bool,
}

/// How a managed policy is still used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PolicyDependents {
    /// Users, groups and roles it is attached to.
    pub attachments: i64,
    /// Users and roles that have it as permissions boundary.
    pub boundary_uses: i64,
    /// Its versions, the default one included.
    pub versions: i64,
}

fn first(checks: &[(bool, Conflict)]) -> Result<(), StoreError> {
    match checks.iter().find(|(found, _)| *found) {
        Some((_, conflict)) => Err((*conflict).into()),
        None => Ok(()),
    }
}

/// A user may be deleted once it has no login profile, access keys,
/// signing certificates, SSH public keys, policies, groups or MFA device
/// (checked in the order IAM's documentation of `DeleteUser` lists them:
/// the credentials first).
pub(crate) fn delete_user(user: &UserDependents) -> Result<(), StoreError> {
    first(&[
        (user.login_profile, Conflict::HasLoginProfile),
        (user.access_keys, Conflict::HasAccessKeys),
        (user.signing_certificates, Conflict::HasSigningCertificates),
        (user.ssh_public_keys, Conflict::HasSshPublicKeys),
        (user.inline_policies, Conflict::HasInlinePolicies),
        (user.attached_policies, Conflict::HasAttachedPolicies),
        (user.groups, Conflict::HasGroupMembers),
        (user.mfa_device, Conflict::HasMfaDevice),
    ])
}

/// A group may be deleted once it has no members and no policies.
pub(crate) fn delete_group(group: &GroupDependents) -> Result<(), StoreError> {
    first(&[
        (group.members, Conflict::HasGroupMembers),
        (group.inline_policies, Conflict::HasInlinePolicies),
        (group.attached_policies, Conflict::HasAttachedPolicies),
    ])
}

/// A role may be deleted once it has no policies and no instance profile
/// holds it.
pub(crate) fn delete_role(role: &RoleDependents) -> Result<(), StoreError> {
    first(&[
        (role.inline_policies, Conflict::HasInlinePolicies),
        (role.attached_policies, Conflict::HasAttachedPolicies),
        (role.instance_profiles, Conflict::InstanceProfileRole),
    ])
}

/// An instance profile may be deleted once it holds no role.
pub(crate) fn delete_instance_profile(roles: i64) -> Result<(), StoreError> {
    first(&[(roles > 0, Conflict::InstanceProfileRole)])
}

/// A managed policy may be deleted once nothing uses it and it has its
/// default version only.
pub(crate) fn delete_policy(policy: &PolicyDependents) -> Result<(), StoreError> {
    first(&[
        (
            policy.attachments > 0 || policy.boundary_uses > 0,
            Conflict::PolicyAttached,
        ),
        (policy.versions > 1, Conflict::PolicyHasVersions),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conflict(result: Result<(), StoreError>) -> Option<Conflict> {
        match result {
            Ok(()) => None,
            Err(StoreError::Conflict(conflict)) => Some(conflict),
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_user_conflicts_by_what_is_checked_first() {
        assert_eq!(conflict(delete_user(&UserDependents::default())), None);
        let everything = UserDependents {
            login_profile: true,
            access_keys: true,
            signing_certificates: true,
            ssh_public_keys: true,
            inline_policies: true,
            attached_policies: true,
            groups: true,
            mfa_device: true,
        };
        assert_eq!(
            conflict(delete_user(&everything)),
            Some(Conflict::HasLoginProfile)
        );
        let keys = UserDependents {
            login_profile: false,
            ..everything
        };
        assert_eq!(conflict(delete_user(&keys)), Some(Conflict::HasAccessKeys));
        let credentials = UserDependents {
            access_keys: false,
            ..keys
        };
        assert_eq!(
            conflict(delete_user(&credentials)),
            Some(Conflict::HasSigningCertificates)
        );
        let later = UserDependents {
            login_profile: false,
            access_keys: false,
            signing_certificates: false,
            ssh_public_keys: false,
            inline_policies: false,
            ..everything
        };
        assert_eq!(
            conflict(delete_user(&later)),
            Some(Conflict::HasAttachedPolicies)
        );
        let mfa_only = UserDependents {
            mfa_device: true,
            ..UserDependents::default()
        };
        assert_eq!(
            conflict(delete_user(&mfa_only)),
            Some(Conflict::HasMfaDevice)
        );
    }

    #[test]
    fn groups_and_roles_conflict_by_members_then_policies() {
        let group = GroupDependents {
            members: true,
            inline_policies: true,
            attached_policies: false,
        };
        assert_eq!(
            conflict(delete_group(&group)),
            Some(Conflict::HasGroupMembers)
        );
        assert_eq!(conflict(delete_group(&GroupDependents::default())), None);
        let role = RoleDependents {
            inline_policies: false,
            attached_policies: true,
            instance_profiles: true,
        };
        assert_eq!(
            conflict(delete_role(&role)),
            Some(Conflict::HasAttachedPolicies)
        );
        let profiled = RoleDependents {
            attached_policies: false,
            ..role
        };
        assert_eq!(
            conflict(delete_role(&profiled)),
            Some(Conflict::InstanceProfileRole)
        );
        assert_eq!(conflict(delete_role(&RoleDependents::default())), None);
    }

    #[test]
    fn an_instance_profile_holding_a_role_stays() {
        assert_eq!(conflict(delete_instance_profile(0)), None);
        assert_eq!(
            conflict(delete_instance_profile(1)),
            Some(Conflict::InstanceProfileRole)
        );
    }

    #[test]
    fn a_policy_in_use_or_with_versions_stays() {
        let unused = PolicyDependents {
            attachments: 0,
            boundary_uses: 0,
            versions: 1,
        };
        assert_eq!(conflict(delete_policy(&unused)), None);
        let boundary = PolicyDependents {
            boundary_uses: 1,
            versions: 2,
            ..unused
        };
        assert_eq!(
            conflict(delete_policy(&boundary)),
            Some(Conflict::PolicyAttached)
        );
        let versions = PolicyDependents {
            versions: 2,
            ..unused
        };
        assert_eq!(
            conflict(delete_policy(&versions)),
            Some(Conflict::PolicyHasVersions)
        );
    }
}
