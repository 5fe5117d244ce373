use thiserror::Error;

/// A store operation's failure.
#[derive(Debug, Error)]
pub enum StoreError {
    /// A uniqueness rule was violated: the entity exists already.
    #[error("{0}")]
    AlreadyExists(Existing),
    /// The entity does not exist.
    #[error("{0}")]
    NotFound(Missing),
    /// The entity is still in use.
    #[error("{0}")]
    Conflict(Conflict),
    /// A quota would be exceeded.
    #[error("{0}")]
    LimitExceeded(Quota),
    /// The database could not be opened, migrated or queried.
    #[error("database error: {0}")]
    Database(String),
    /// The database cannot be reached now (no connection within the
    /// pool's time, the connection lost); the same request may succeed
    /// later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
}

/// What does not exist.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Missing {
    /// A user, group or role of this name (`kind`: `user`, `group`, `role`).
    #[error("no {kind} named {name}")]
    Owner {
        /// `user`, `group` or `role`.
        kind: &'static str,
        /// The name.
        name: String,
    },
    /// An access key.
    #[error("no access key {0}")]
    AccessKey(String),
    /// An inline policy of a user, group or role.
    #[error("no inline policy {policy_name} of a {kind}")]
    InlinePolicy {
        /// `user`, `group` or `role`.
        kind: &'static str,
        /// The policy's name.
        policy_name: String,
    },
    /// A managed policy, by ARN.
    #[error("no policy {0}")]
    Policy(String),
    /// A managed policy that can be attached (or set as a boundary), by ARN.
    #[error("no attachable policy {0}")]
    AttachablePolicy(String),
    /// A version of a managed policy.
    #[error("no version {version_id} of policy {arn}")]
    PolicyVersion {
        /// The policy's ARN.
        arn: String,
        /// The version id.
        version_id: String,
    },
    /// An OIDC provider, by ARN.
    #[error("no OIDC provider {0}")]
    OidcProvider(String),
    /// A SAML provider, by ARN.
    #[error("no SAML provider {0}")]
    SamlProvider(String),
    /// A virtual MFA device, by serial number.
    #[error("no MFA device {0}")]
    MfaDevice(String),
    /// An MFA device enabled for the user, by serial number.
    #[error("no MFA device {0} of the user")]
    UserMfaDevice(String),
    /// The account alias.
    #[error("no account alias {0}")]
    AccountAlias(String),
    /// An instance profile of this name.
    #[error("no instance profile {0}")]
    InstanceProfile(String),
    /// A signing certificate of the user, by id.
    #[error("no signing certificate {0}")]
    SigningCertificate(String),
    /// An SSH public key of the user, by id.
    #[error("no SSH public key {0}")]
    SshPublicKey(String),
    /// A server certificate, by name.
    #[error("no server certificate {0}")]
    ServerCertificate(String),
    /// A sealed value (an access key's secret, an MFA seed, a server
    /// certificate's private key) of this owner.
    #[error("no sealed value for {0}")]
    SealedValue(String),
    /// The login profile of the user of this name.
    #[error("no login profile of user {0}")]
    LoginProfile(String),
    /// The password policy of the account of this id.
    #[error("no password policy in account {0}")]
    PasswordPolicy(String),
}

/// What exists already.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Existing {
    /// A user of this name.
    #[error("user {0} exists")]
    User(String),
    /// A group of this name.
    #[error("group {0} exists")]
    Group(String),
    /// A role of this name.
    #[error("role {0} exists")]
    Role(String),
    /// A managed policy of this name.
    #[error("policy {0} exists")]
    Policy(String),
    /// An OIDC provider of this URL (without its scheme).
    #[error("OIDC provider {0} exists")]
    OidcProvider(String),
    /// A SAML provider of this name.
    #[error("SAML provider {0} exists")]
    SamlProvider(String),
    /// A virtual MFA device of this path and name.
    #[error("the MFA device exists")]
    MfaDevice,
    /// The MFA device is enabled for a user already.
    #[error("the MFA device is in use")]
    MfaDeviceInUse,
    /// The account alias.
    #[error("account alias {0} exists")]
    AccountAlias(String),
    /// The login profile of the user of this name.
    #[error("the login profile of user {0} exists")]
    LoginProfile(String),
    /// A signing certificate of the account with the same body.
    #[error("the signing certificate exists")]
    SigningCertificate,
    /// An SSH public key of the user with the same key.
    #[error("the SSH public key exists")]
    SshPublicKey,
    /// A server certificate of this name.
    #[error("server certificate {0} exists")]
    ServerCertificate(String),
    /// An instance profile of this name.
    #[error("instance profile {0} exists")]
    InstanceProfile(String),
    /// Any other uniqueness rule, as the database reports it.
    #[error("{0} already exists")]
    Other(String),
}

/// What keeps an entity from being deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Conflict {
    /// The user has a login profile (a console password).
    #[error("the entity has a login profile")]
    HasLoginProfile,
    /// The user has access keys.
    #[error("the entity has access keys")]
    HasAccessKeys,
    /// The user, group or role has inline policies.
    #[error("the entity has inline policies")]
    HasInlinePolicies,
    /// The user, group or role has attached managed policies.
    #[error("the entity has attached policies")]
    HasAttachedPolicies,
    /// The user is in groups, or the group has members.
    #[error("the entity has group memberships")]
    HasGroupMembers,
    /// The user has an MFA device.
    #[error("the entity has an MFA device")]
    HasMfaDevice,
    /// The user has signing certificates.
    #[error("the entity has signing certificates")]
    HasSigningCertificates,
    /// The user has SSH public keys.
    #[error("the entity has SSH public keys")]
    HasSshPublicKeys,
    /// The managed policy is attached to entities.
    #[error("the policy is attached")]
    PolicyAttached,
    /// The managed policy has versions besides its default one.
    #[error("the policy has versions")]
    PolicyHasVersions,
    /// The policy version is the default one.
    #[error("the version is the default")]
    DefaultVersion,
    /// The MFA device is enabled for a user.
    #[error("the MFA device is in use")]
    MfaDeviceInUse,
    /// The instance profile holds a role, or the role is in an instance
    /// profile.
    #[error("the role is in an instance profile")]
    InstanceProfileRole,
}

/// A quota a write would exceed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Quota {
    /// Access keys per user.
    #[error("more than {0} access keys for a user")]
    AccessKeysPerUser(i64),
    /// The total size of a user's, group's or role's inline policies.
    #[error("inline policies of {owner_kind} {owner_name} beyond {max_bytes} bytes")]
    InlinePolicySize {
        /// `user`, `group` or `role`.
        owner_kind: &'static str,
        /// The owner's name.
        owner_name: String,
        /// The limit.
        max_bytes: usize,
    },
    /// Versions per managed policy.
    #[error("more than {0} versions of a managed policy")]
    PolicyVersions(i64),
    /// Managed policies attached to one user, group or role; the quota's
    /// name (`PoliciesPerUser`, …) and limit.
    #[error("more than {1} policies attached ({0})")]
    AttachedPolicies(&'static str, i64),
    /// Client ids of an OIDC provider.
    #[error("more than {0} client ids for an OIDC provider")]
    ClientIdsPerOidcProvider(i64),
    /// MFA devices per user.
    #[error("more than {0} MFA devices for a user")]
    MfaDevicesPerUser(i64),
    /// Tags of one entity.
    #[error("more tags than an entity may have")]
    Tags,
    /// Signing certificates per user.
    #[error("more than {0} signing certificates for a user")]
    SigningCertificatesPerUser(i64),
    /// SSH public keys per user.
    #[error("more than {0} SSH public keys for a user")]
    SshPublicKeysPerUser(i64),
    /// Server certificates per account.
    #[error("more than {0} server certificates in an account")]
    ServerCertificatesPerAccount(i64),
    /// Roles of one instance profile.
    #[error("more than {0} roles in an instance profile")]
    RolesPerInstanceProfile(i64),
}

impl From<Existing> for StoreError {
    fn from(existing: Existing) -> Self {
        Self::AlreadyExists(existing)
    }
}

impl From<Missing> for StoreError {
    fn from(missing: Missing) -> Self {
        Self::NotFound(missing)
    }
}

impl From<Conflict> for StoreError {
    fn from(conflict: Conflict) -> Self {
        Self::Conflict(conflict)
    }
}

impl From<Quota> for StoreError {
    fn from(quota: Quota) -> Self {
        Self::LimitExceeded(quota)
    }
}

/// The store's failures, by kind (`unavailable`, `database`); a rule a
/// request broke (an entity that exists, say) is not one.
pub const STORE_ERRORS: &str = "tessera_store_errors_total";

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &error
            && db.is_unique_violation()
        {
            return Self::AlreadyExists(Existing::Other(db.message().to_string()));
        }
        let (kind, mapped) = match error {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                ("unavailable", Self::Unavailable(error.to_string()))
            }
            other => ("database", Self::Database(other.to_string())),
        };
        metrics::counter!(STORE_ERRORS, "kind" => kind).increment(1);
        mapped
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        Self::Database(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_database_is_unavailable_not_broken() {
        for error in [sqlx::Error::PoolTimedOut, sqlx::Error::PoolClosed] {
            assert!(matches!(
                StoreError::from(error),
                StoreError::Unavailable(_)
            ));
        }
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(matches!(
            StoreError::from(sqlx::Error::Io(refused)),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            StoreError::from(sqlx::Error::RowNotFound),
            StoreError::Database(_)
        ));
    }
}
