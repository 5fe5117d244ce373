//! The table of the actions Tessera authorizes: for each, the type of
//! resource it acts on and the condition keys its requests carry, after
//! AWS's Service Authorization Reference. Besides these, every request
//! carries the global keys in [`GLOBAL_KEYS`].
//!
//! Each action type declares its own entry ([`crate::action::Action::SPEC`]);
//! [`actions`] gathers them. The table is data: the authorizer reads it to set the resource's tag
//! keys and to refuse a key an action does not declare, and
//! `tessera actions` prints it so that it can be held against the reference.

use serde::Serialize;

/// The kind of resource an action is authorized against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceType {
    /// `arn:…:iam::ACCOUNT:user/PATH/NAME`.
    User,
    /// `arn:…:iam::ACCOUNT:group/PATH/NAME`.
    Group,
    /// `arn:…:iam::ACCOUNT:role/PATH/NAME`.
    Role,
    /// `arn:…:iam::ACCOUNT:policy/PATH/NAME`.
    Policy,
    /// `arn:…:iam::ACCOUNT:oidc-provider/HOST/PATH`.
    OidcProvider,
    /// `arn:…:iam::ACCOUNT:saml-provider/NAME`.
    SamlProvider,
    /// `arn:…:iam::ACCOUNT:mfa/PATH/NAME`.
    Mfa,
    /// `arn:…:iam::ACCOUNT:server-certificate/PATH/NAME`.
    ServerCertificate,
    /// `arn:…:iam::ACCOUNT:instance-profile/PATH/NAME`.
    InstanceProfile,
    /// `arn:…:sts::ACCOUNT:federated-user/NAME`.
    FederatedUser,
    /// A resource of a service the authorizer protects (`[[authz.services]]`):
    /// an S3 bucket (`arn:…:s3:::BUCKET`) or a routes resource, owned by the
    /// account its service profile names.
    ServiceResource,
    /// None: the action is authorized against `*` (or a listing's path).
    None,
}

impl ResourceType {
    /// The condition keys every action on this type of resource carries.
    pub const fn condition_keys(self) -> &'static [&'static str] {
        match self {
            Self::User | Self::Role => &[RESOURCE_TAG, IAM_RESOURCE_TAG],
            Self::Policy
            | Self::OidcProvider
            | Self::SamlProvider
            | Self::Mfa
            | Self::ServerCertificate
            | Self::InstanceProfile => &[RESOURCE_TAG],
            Self::Group | Self::FederatedUser | Self::ServiceResource | Self::None => &[],
        }
    }
}

/// `aws:ResourceTag/${TagKey}`.
pub const RESOURCE_TAG: &str = "aws:ResourceTag/${TagKey}";
/// `iam:ResourceTag/${TagKey}`.
pub const IAM_RESOURCE_TAG: &str = "iam:ResourceTag/${TagKey}";
/// `aws:RequestTag/${TagKey}`.
pub const REQUEST_TAG: &str = "aws:RequestTag/${TagKey}";
/// `aws:TagKeys`.
pub const TAG_KEYS: &str = "aws:TagKeys";
/// `iam:PermissionsBoundary`.
pub const PERMISSIONS_BOUNDARY: &str = "iam:PermissionsBoundary";
/// `iam:PolicyARN`.
pub const POLICY_ARN: &str = "iam:PolicyARN";

/// The keys every authenticated request carries, whatever its action.
pub const GLOBAL_KEYS: &[&str] = &[
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:FederatedProvider",
    "aws:MultiFactorAuthAge",
    "aws:MultiFactorAuthPresent",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalTag/${TagKey}",
    "aws:PrincipalType",
    "aws:ResourceAccount",
    "aws:SecureTransport",
    "aws:SourceIdentity",
    "aws:SourceIp",
    "aws:TokenIssueTime",
    "aws:UserAgent",
    "aws:userid",
    "aws:username",
];

/// One action of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionSpec {
    /// `service:Action`, e.g. `iam:CreateUser`.
    pub action: &'static str,
    /// The resource it is authorized against.
    pub resource_type: ResourceType,
    /// The action's own condition keys (without its resource type's).
    pub condition_keys: &'static [&'static str],
    /// The actions this one is checked alongside, in the same request
    /// (`sts:TagSession` with a role assumption): their keys are present too.
    #[serde(serialize_with = "action_names")]
    pub accompanies: &'static [&'static ActionSpec],
}

impl ActionSpec {
    /// The action's name without its service: `CreateUser` of
    /// `iam:CreateUser`.
    pub const fn name(&self) -> &'static str {
        let bytes = self.action.as_bytes();
        let mut colon = 0;
        while colon < bytes.len() && bytes[colon] != b':' {
            colon += 1;
        }
        if colon == bytes.len() {
            return self.action;
        }
        self.action.split_at(colon + 1).1
    }

    /// Whether a request for this action carries `key` (a `${TagKey}`
    /// family matches any key of that prefix).
    pub fn carries(&self, key: &str) -> bool {
        let declared = |pattern: &&str| {
            if let Some(prefix) = pattern.strip_suffix("${TagKey}") {
                key.len() > prefix.len() && key[..prefix.len()].eq_ignore_ascii_case(prefix)
            } else if let Some(claim) = pattern.strip_prefix("${OidcProvider}:") {
                key.rsplit_once(':').is_some_and(|(provider, c)| {
                    c == claim
                        && !provider.is_empty()
                        && !["aws", "iam", "sts", "saml"]
                            .iter()
                            .any(|p| provider.eq_ignore_ascii_case(p))
                })
            } else {
                pattern.eq_ignore_ascii_case(key)
            }
        };
        self.condition_keys.iter().any(declared)
            || self.resource_type.condition_keys().iter().any(declared)
            || GLOBAL_KEYS.iter().any(declared)
            || self.accompanies.iter().any(|s| s.carries(key))
    }

    /// This action, checked alongside `actions` (see
    /// [`ActionSpec::accompanies`]).
    pub const fn alongside(self, actions: &'static [&'static ActionSpec]) -> Self {
        Self {
            accompanies: actions,
            ..self
        }
    }
}

fn action_names<S: serde::Serializer>(
    specs: &&'static [&'static ActionSpec],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(specs.iter().map(|s| s.action))
}

/// The declaration of `action` on `resource_type`, with its own
/// `condition_keys`.
pub(crate) const fn spec(
    action: &'static str,
    resource_type: ResourceType,
    condition_keys: &'static [&'static str],
) -> ActionSpec {
    ActionSpec {
        action,
        resource_type,
        condition_keys,
        accompanies: &[],
    }
}

pub(crate) use ResourceType as R;

/// The keys of an action that sets tags.
pub(crate) const TAGGING: &[&str] = &[REQUEST_TAG, TAG_KEYS];
/// The keys of an action that sets tags and a permissions boundary.
pub(crate) const TAGGING_BOUNDARY: &[&str] = &[REQUEST_TAG, TAG_KEYS, PERMISSIONS_BOUNDARY];
/// The key of an action on a user or role with a permissions boundary.
pub(crate) const BOUNDARY: &[&str] = &[PERMISSIONS_BOUNDARY];
/// The keys of attaching a policy to a user or role.
pub(crate) const ATTACH: &[&str] = &[PERMISSIONS_BOUNDARY, POLICY_ARN];
/// The keys of tagging a session.
pub(crate) const ROLE_SESSION: &[&str] = &[REQUEST_TAG, TAG_KEYS, "sts:TransitiveTagKeys"];
