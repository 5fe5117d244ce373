//! The rows the SQL layer reads, each named as its queries select it
//! (`#[derive(sqlx::FromRow)]` reads a row by column name, on any
//! database), and the model value each becomes.

use crate::{
    AccessKeyRecord, AccessKeyStatus, Account, EntityName, Group, InstanceProfile, LoginProfile,
    ManagedPolicy, MfaDevice, OwnerKind, PasswordPolicy, PolicyEntity, PolicyVersion,
    PrincipalBinding, ResourcePolicyRecord, Role, SamlProvider, ServerCertificate,
    SigningCertificate, SshPublicKey, StoreError, User,
};

/// A yes or no as SQL answers it: SQLite answers a comparison, `EXISTS` or
/// a flag column with an integer, PostgreSQL with a boolean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Flag(pub(crate) bool);

impl sqlx::Type<sqlx::Any> for Flag {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <bool as sqlx::Type<sqlx::Any>>::type_info()
    }

    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        let kind = ty.kind();
        kind == sqlx::any::AnyTypeInfoKind::Bool || kind.is_integer()
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Any> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        match <bool as sqlx::Decode<sqlx::Any>>::decode(value.clone()) {
            Ok(flag) => Ok(Self(flag)),
            Err(_) => Ok(Self(<i64 as sqlx::Decode<sqlx::Any>>::decode(value)? != 0)),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccountRow {
    id: String,
    name: String,
    created_at: i64,
}

impl From<AccountRow> for Account {
    fn from(row: AccountRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            created_at: row.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccessKeyRow {
    access_key_id: String,
    account_id: String,
    user_id: Option<String>,
    sealed_secret: String,
    status: String,
    created_at: i64,
    last_used_at: Option<i64>,
    last_used_service: Option<String>,
    last_used_region: Option<String>,
}

impl TryFrom<AccessKeyRow> for AccessKeyRecord {
    type Error = StoreError;

    fn try_from(row: AccessKeyRow) -> Result<Self, StoreError> {
        Ok(Self {
            status: AccessKeyStatus::parse(&row.status).ok_or_else(|| {
                StoreError::Database(format!("unknown key status {:?}", row.status))
            })?,
            access_key_id: row.access_key_id,
            account_id: row.account_id,
            user_id: row.user_id,
            sealed_secret: row.sealed_secret,
            created_at: row.created_at,
            last_used: match (
                row.last_used_at,
                row.last_used_service,
                row.last_used_region,
            ) {
                (Some(at), Some(service), Some(region)) => Some((at, service, region)),
                _ => None,
            },
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    user_id: String,
    account_id: String,
    name: String,
    path: String,
    permissions_boundary: Option<String>,
    created_at: i64,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        Self {
            user_id: row.user_id,
            account_id: row.account_id,
            name: row.name,
            path: row.path,
            permissions_boundary: row.permissions_boundary,
            created_at: row.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct GroupRow {
    group_id: String,
    account_id: String,
    name: String,
    path: String,
    created_at: i64,
}

impl From<GroupRow> for Group {
    fn from(row: GroupRow) -> Self {
        Self {
            group_id: row.group_id,
            account_id: row.account_id,
            name: row.name,
            path: row.path,
            created_at: row.created_at,
        }
    }
}

/// A login profile, with its user's name.
#[derive(sqlx::FromRow)]
pub(crate) struct LoginProfileRow {
    user_id: String,
    user_name: String,
    password_hash: String,
    password_reset_required: Flag,
    max_signin_session_duration: Option<i64>,
    created_at: i64,
    password_changed_at: i64,
}

impl From<LoginProfileRow> for LoginProfile {
    fn from(row: LoginProfileRow) -> Self {
        Self {
            user_id: row.user_id,
            user_name: row.user_name,
            password_hash: row.password_hash,
            password_reset_required: row.password_reset_required.0,
            max_signin_session_duration: row.max_signin_session_duration,
            created_at: row.created_at,
            password_changed_at: row.password_changed_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PasswordPolicyRow {
    minimum_password_length: i64,
    require_symbols: Flag,
    require_numbers: Flag,
    require_uppercase_characters: Flag,
    require_lowercase_characters: Flag,
    allow_users_to_change_password: Flag,
    max_password_age: Option<i64>,
    password_reuse_prevention: Option<i64>,
    hard_expiry: Option<Flag>,
}

impl From<PasswordPolicyRow> for PasswordPolicy {
    fn from(row: PasswordPolicyRow) -> Self {
        Self {
            minimum_password_length: row.minimum_password_length,
            require_symbols: row.require_symbols.0,
            require_numbers: row.require_numbers.0,
            require_uppercase_characters: row.require_uppercase_characters.0,
            require_lowercase_characters: row.require_lowercase_characters.0,
            allow_users_to_change_password: row.allow_users_to_change_password.0,
            max_password_age: row.max_password_age,
            password_reuse_prevention: row.password_reuse_prevention,
            hard_expiry: row.hard_expiry.map(|f| f.0),
        }
    }
}

/// A user, group or role found by name: its unique id, name and path.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct EntityRef {
    pub id: String,
    pub name: String,
    pub path: String,
}

#[derive(sqlx::FromRow)]
pub(crate) struct RoleRow {
    role_id: String,
    account_id: String,
    name: String,
    path: String,
    assume_role_policy: String,
    description: Option<String>,
    max_session_duration: i64,
    permissions_boundary: Option<String>,
    created_at: i64,
    last_used_at: Option<i64>,
    last_used_region: Option<String>,
    trust_bindings: Option<String>,
}

impl TryFrom<RoleRow> for Role {
    type Error = StoreError;

    fn try_from(row: RoleRow) -> Result<Self, StoreError> {
        Ok(Self {
            trust_bindings: row
                .trust_bindings
                .as_deref()
                .map(|text| bindings_from_json(text, "trust bindings of a role"))
                .transpose()?,
            role_id: row.role_id,
            account_id: row.account_id,
            name: row.name,
            path: row.path,
            assume_role_policy: row.assume_role_policy,
            description: row.description,
            max_session_duration: row.max_session_duration,
            permissions_boundary: row.permissions_boundary,
            created_at: row.created_at,
            last_used: row
                .last_used_at
                .map(|at| (at, row.last_used_region.unwrap_or_default())),
        })
    }
}

/// An instance profile without its roles.
#[derive(sqlx::FromRow)]
pub(crate) struct InstanceProfileRow {
    pub instance_profile_id: String,
    account_id: String,
    name: String,
    path: String,
    created_at: i64,
}

impl InstanceProfileRow {
    /// The profile, holding `roles`.
    pub(crate) fn with_roles(self, roles: Vec<Role>) -> InstanceProfile {
        InstanceProfile {
            instance_profile_id: self.instance_profile_id,
            account_id: self.account_id,
            name: self.name,
            path: self.path,
            created_at: self.created_at,
            roles,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PolicyRow {
    arn: String,
    policy_id: String,
    account_id: String,
    name: String,
    path: String,
    description: Option<String>,
    default_version: String,
    created_at: i64,
    updated_at: i64,
    attachment_count: i64,
    boundary_usage_count: i64,
}

impl From<PolicyRow> for ManagedPolicy {
    fn from(row: PolicyRow) -> Self {
        Self {
            arn: row.arn,
            policy_id: row.policy_id,
            account_id: row.account_id,
            name: row.name,
            path: row.path,
            description: row.description,
            default_version: row.default_version,
            created_at: row.created_at,
            updated_at: row.updated_at,
            attachment_count: row.attachment_count,
            boundary_usage_count: row.boundary_usage_count,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct VersionRow {
    version_id: String,
    document: String,
    is_default: Flag,
    created_at: i64,
}

impl From<VersionRow> for PolicyVersion {
    fn from(row: VersionRow) -> Self {
        Self {
            version_id: row.version_id,
            document: row.document,
            is_default: row.is_default.0,
            created_at: row.created_at,
        }
    }
}

fn owner_kind(kind: &str) -> Result<OwnerKind, StoreError> {
    OwnerKind::parse(kind).ok_or_else(|| StoreError::Database(format!("unknown kind {kind:?}")))
}

#[derive(sqlx::FromRow)]
pub(crate) struct PolicyEntityRow {
    kind: String,
    name: String,
    id: String,
}

impl TryFrom<PolicyEntityRow> for PolicyEntity {
    type Error = StoreError;

    fn try_from(row: PolicyEntityRow) -> Result<Self, StoreError> {
        Ok(Self {
            kind: owner_kind(&row.kind)?,
            name: row.name,
            id: row.id,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct EntityNameRow {
    kind: String,
    account_id: String,
    path: String,
    name: String,
}

impl TryFrom<EntityNameRow> for EntityName {
    type Error = StoreError;

    fn try_from(row: EntityNameRow) -> Result<Self, StoreError> {
        Ok(Self {
            kind: owner_kind(&row.kind)?,
            account_id: row.account_id,
            path: row.path,
            name: row.name,
        })
    }
}

/// An OIDC provider's own row; its client ids, thumbprints and tags are
/// read beside it.
#[derive(sqlx::FromRow)]
pub(crate) struct OidcRow {
    pub arn: String,
    pub account_id: String,
    pub url: String,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
pub(crate) struct SamlRow {
    arn: String,
    account_id: String,
    name: String,
    metadata: String,
    created_at: i64,
    valid_until: Option<i64>,
}

impl SamlRow {
    /// The provider's ARN, which its tags are kept by.
    pub(crate) fn arn(&self) -> &str {
        &self.arn
    }

    /// The provider, with its tags.
    pub(crate) fn with_tags(self, tags: Vec<(String, String)>) -> SamlProvider {
        SamlProvider {
            arn: self.arn,
            account_id: self.account_id,
            name: self.name,
            metadata: self.metadata,
            created_at: self.created_at,
            valid_until: self.valid_until,
            tags,
        }
    }
}

/// A virtual MFA device with the user it is enabled for, if any (the
/// `u_…` columns, NULL when there is none).
#[derive(sqlx::FromRow)]
pub(crate) struct MfaRow {
    serial_number: String,
    account_id: String,
    sealed_seed: String,
    user_id: Option<String>,
    enabled_at: Option<i64>,
    created_at: i64,
    last_used_step: Option<i64>,
    u_name: Option<String>,
    u_path: Option<String>,
    u_boundary: Option<String>,
    u_created_at: Option<i64>,
}

impl MfaRow {
    /// The device's serial number, which its tags are kept by.
    pub(crate) fn serial_number(&self) -> &str {
        &self.serial_number
    }

    /// The device, with its tags.
    pub(crate) fn with_tags(self, tags: Vec<(String, String)>) -> MfaDevice {
        let user = match (self.user_id, self.u_name) {
            (Some(user_id), Some(name)) => Some(User {
                user_id,
                account_id: self.account_id.clone(),
                name,
                path: self.u_path.unwrap_or_default(),
                permissions_boundary: self.u_boundary,
                created_at: self.u_created_at.unwrap_or_default(),
            }),
            _ => None,
        };
        MfaDevice {
            serial_number: self.serial_number,
            account_id: self.account_id,
            sealed_seed: self.sealed_seed,
            user,
            enabled_at: self.enabled_at,
            created_at: self.created_at,
            last_used_step: self.last_used_step,
            tags,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ResourcePolicyRow {
    resource_arn: String,
    owner_account_id: String,
    document: String,
    principal_bindings: String,
    updated_at: i64,
}

impl TryFrom<ResourcePolicyRow> for ResourcePolicyRecord {
    type Error = StoreError;

    fn try_from(row: ResourcePolicyRow) -> Result<Self, StoreError> {
        Ok(Self {
            principal_bindings: bindings_from_json(
                &row.principal_bindings,
                "principal bindings of a resource policy",
            )?,
            resource_arn: row.resource_arn,
            owner_account_id: row.owner_account_id,
            document: row.document,
            updated_at: row.updated_at,
        })
    }
}

/// Principal bindings as stored: a JSON list of `{"arn", "unique_id"}`.
pub(crate) fn bindings_from_json(
    text: &str,
    what: &str,
) -> Result<Vec<PrincipalBinding>, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Database(format!("{what}: {e}")))
}

/// Principal bindings to store.
pub(crate) fn bindings_to_json(
    bindings: &[PrincipalBinding],
    what: &str,
) -> Result<String, StoreError> {
    serde_json::to_string(bindings).map_err(|e| StoreError::Database(format!("{what}: {e}")))
}

fn status(text: &str) -> Result<AccessKeyStatus, StoreError> {
    AccessKeyStatus::parse(text)
        .ok_or_else(|| StoreError::Database(format!("unknown credential status {text:?}")))
}

#[derive(sqlx::FromRow)]
pub(crate) struct SigningCertificateRow {
    certificate_id: String,
    account_id: String,
    user_id: Option<String>,
    body: String,
    fingerprint: String,
    status: String,
    uploaded_at: i64,
}

impl TryFrom<SigningCertificateRow> for SigningCertificate {
    type Error = StoreError;

    fn try_from(row: SigningCertificateRow) -> Result<Self, StoreError> {
        Ok(Self {
            status: status(&row.status)?,
            certificate_id: row.certificate_id,
            account_id: row.account_id,
            user_id: row.user_id,
            body: row.body,
            fingerprint: row.fingerprint,
            uploaded_at: row.uploaded_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SshPublicKeyRow {
    ssh_public_key_id: String,
    account_id: String,
    user_id: String,
    body: String,
    fingerprint: String,
    status: String,
    uploaded_at: i64,
}

impl TryFrom<SshPublicKeyRow> for SshPublicKey {
    type Error = StoreError;

    fn try_from(row: SshPublicKeyRow) -> Result<Self, StoreError> {
        Ok(Self {
            status: status(&row.status)?,
            ssh_public_key_id: row.ssh_public_key_id,
            account_id: row.account_id,
            user_id: row.user_id,
            body: row.body,
            fingerprint: row.fingerprint,
            uploaded_at: row.uploaded_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ServerCertificateRow {
    server_certificate_id: String,
    account_id: String,
    name: String,
    path: String,
    body: String,
    chain: Option<String>,
    sealed_private_key: String,
    expiration: i64,
    uploaded_at: i64,
}

impl ServerCertificateRow {
    /// The unique id its tags are kept under.
    pub(crate) fn id(&self) -> &str {
        &self.server_certificate_id
    }

    pub(crate) fn with_tags(self, tags: Vec<(String, String)>) -> ServerCertificate {
        ServerCertificate {
            server_certificate_id: self.server_certificate_id,
            account_id: self.account_id,
            name: self.name,
            path: self.path,
            body: self.body,
            chain: self.chain,
            sealed_private_key: self.sealed_private_key,
            expiration: self.expiration,
            uploaded_at: self.uploaded_at,
            tags,
        }
    }
}
