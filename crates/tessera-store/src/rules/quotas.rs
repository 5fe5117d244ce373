//! How many of a thing one owner may have.

use crate::{OwnerKind, PolicyOwnerKind, Quota, StoreError};

/// The most long-term keys a user (or an account's root user) may have.
pub const ACCESS_KEYS_PER_USER: i64 = 2;
/// The most managed policies attached to one user, group or role.
pub const MAX_ATTACHED_POLICIES: i64 = 10;
/// The most versions a managed policy keeps.
pub const MAX_POLICY_VERSIONS: i64 = 5;
/// The most client ids an OIDC provider may have.
pub const CLIENT_IDS_PER_OIDC_PROVIDER: i64 = 100;
/// The most MFA devices a user may have enabled.
pub const MFA_DEVICES_PER_USER: i64 = 8;
/// The most signing certificates a user (or an account's root user) may have.
pub const SIGNING_CERTIFICATES_PER_USER: i64 = 2;
/// The most SSH public keys a user may have.
pub const SSH_PUBLIC_KEYS_PER_USER: i64 = 5;
/// The most server certificates an account may store.
pub const SERVER_CERTIFICATES_PER_ACCOUNT: i64 = 20;
/// The most roles an instance profile may hold.
pub const ROLES_PER_INSTANCE_PROFILE: i64 = 1;

/// A new access key for an owner that has `existing` keys.
pub(crate) fn new_access_key(existing: i64) -> Result<(), StoreError> {
    if existing >= ACCESS_KEYS_PER_USER {
        return Err(Quota::AccessKeysPerUser(ACCESS_KEYS_PER_USER).into());
    }
    Ok(())
}

/// One more managed policy attached to an entity of `kind` that has
/// `attached` already.
pub(crate) fn new_attachment(kind: OwnerKind, attached: i64) -> Result<(), StoreError> {
    if attached >= MAX_ATTACHED_POLICIES {
        return Err(Quota::AttachedPolicies(kind.quota_name(), MAX_ATTACHED_POLICIES).into());
    }
    Ok(())
}

/// One more version of a managed policy that has `versions`.
pub(crate) fn new_policy_version(versions: i64) -> Result<(), StoreError> {
    if versions >= MAX_POLICY_VERSIONS {
        return Err(Quota::PolicyVersions(MAX_POLICY_VERSIONS).into());
    }
    Ok(())
}

/// One more client id of an OIDC provider that has `existing`.
pub(crate) fn new_client_id(existing: i64) -> Result<(), StoreError> {
    if existing >= CLIENT_IDS_PER_OIDC_PROVIDER {
        return Err(Quota::ClientIdsPerOidcProvider(CLIENT_IDS_PER_OIDC_PROVIDER).into());
    }
    Ok(())
}

/// One more MFA device enabled for a user that has `enabled` already.
pub(crate) fn new_mfa_device(enabled: i64) -> Result<(), StoreError> {
    if enabled >= MFA_DEVICES_PER_USER {
        return Err(Quota::MfaDevicesPerUser(MFA_DEVICES_PER_USER).into());
    }
    Ok(())
}

/// A new signing certificate for an owner that has `existing` ones.
pub(crate) fn new_signing_certificate(existing: i64) -> Result<(), StoreError> {
    if existing >= SIGNING_CERTIFICATES_PER_USER {
        return Err(Quota::SigningCertificatesPerUser(SIGNING_CERTIFICATES_PER_USER).into());
    }
    Ok(())
}

/// A new SSH public key for a user that has `existing` ones.
pub(crate) fn new_ssh_public_key(existing: i64) -> Result<(), StoreError> {
    if existing >= SSH_PUBLIC_KEYS_PER_USER {
        return Err(Quota::SshPublicKeysPerUser(SSH_PUBLIC_KEYS_PER_USER).into());
    }
    Ok(())
}

/// A new server certificate for an account that has `existing` ones.
pub(crate) fn new_server_certificate(existing: i64) -> Result<(), StoreError> {
    if existing >= SERVER_CERTIFICATES_PER_ACCOUNT {
        return Err(Quota::ServerCertificatesPerAccount(SERVER_CERTIFICATES_PER_ACCOUNT).into());
    }
    Ok(())
}

/// One more role in an instance profile that holds `roles` already.
pub(crate) fn new_instance_profile_role(roles: i64) -> Result<(), StoreError> {
    if roles >= ROLES_PER_INSTANCE_PROFILE {
        return Err(Quota::RolesPerInstanceProfile(ROLES_PER_INSTANCE_PROFILE).into());
    }
    Ok(())
}

/// A policy's size as IAM's quotas count it: characters, white space aside.
pub(crate) fn policy_size(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

/// The inline policy `document` put beside the owner's `others` (every
/// inline policy of the owner but the one being replaced): all of them
/// together within `max_total_size`.
pub(crate) fn inline_policies_size(
    kind: PolicyOwnerKind,
    owner_name: &str,
    others: &[String],
    document: &str,
    max_total_size: usize,
) -> Result<(), StoreError> {
    let total: usize = others
        .iter()
        .map(String::as_str)
        .chain([document])
        .map(policy_size)
        .sum();
    if total > max_total_size {
        return Err(Quota::InlinePolicySize {
            owner_kind: kind.noun(),
            owner_name: owner_name.to_string(),
            max_bytes: max_total_size,
        }
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(result: Result<(), StoreError>) -> Option<Quota> {
        match result {
            Ok(()) => None,
            Err(StoreError::LimitExceeded(quota)) => Some(quota),
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_quota_allows_up_to_its_limit() {
        assert_eq!(quota(new_access_key(1)), None);
        assert_eq!(quota(new_access_key(2)), Some(Quota::AccessKeysPerUser(2)));
        assert_eq!(quota(new_attachment(OwnerKind::Role, 9)), None);
        assert_eq!(
            quota(new_attachment(OwnerKind::Role, 10)),
            Some(Quota::AttachedPolicies("PoliciesPerRole", 10))
        );
        assert_eq!(quota(new_policy_version(4)), None);
        assert_eq!(quota(new_policy_version(5)), Some(Quota::PolicyVersions(5)));
        assert_eq!(quota(new_client_id(99)), None);
        assert_eq!(
            quota(new_client_id(100)),
            Some(Quota::ClientIdsPerOidcProvider(100))
        );
        assert_eq!(quota(new_mfa_device(7)), None);
        assert_eq!(quota(new_mfa_device(8)), Some(Quota::MfaDevicesPerUser(8)));
        assert_eq!(quota(new_signing_certificate(1)), None);
        assert_eq!(
            quota(new_signing_certificate(2)),
            Some(Quota::SigningCertificatesPerUser(2))
        );
        assert_eq!(quota(new_ssh_public_key(4)), None);
        assert_eq!(
            quota(new_ssh_public_key(5)),
            Some(Quota::SshPublicKeysPerUser(5))
        );
        assert_eq!(quota(new_server_certificate(19)), None);
        assert_eq!(
            quota(new_server_certificate(20)),
            Some(Quota::ServerCertificatesPerAccount(20))
        );
        assert_eq!(quota(new_instance_profile_role(0)), None);
        assert_eq!(
            quota(new_instance_profile_role(1)),
            Some(Quota::RolesPerInstanceProfile(1))
        );
    }

    #[test]
    fn inline_policies_are_counted_without_white_space() {
        let others = vec!["{ \"a\" : 1 }".to_string()];
        // 7 + 4 characters besides white space.
        assert_eq!(
            quota(inline_policies_size(
                PolicyOwnerKind::User,
                "alice",
                &others,
                "{\n}  {}",
                11
            )),
            None
        );
        assert_eq!(
            quota(inline_policies_size(
                PolicyOwnerKind::User,
                "alice",
                &others,
                "{\n}  {}",
                10
            )),
            Some(Quota::InlinePolicySize {
                owner_kind: "user",
                owner_name: "alice".to_string(),
                max_bytes: 10,
            })
        );
    }
}
