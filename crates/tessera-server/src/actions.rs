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
            Self::Policy | Self::OidcProvider | Self::SamlProvider | Self::Mfa => &[RESOURCE_TAG],
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
    pub accompanies: &'static [&'static str],
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
            || self
                .accompanies
                .iter()
                .filter_map(|a| spec_of(a))
                .any(|s| s.carries(key))
    }
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

/// An action checked alongside the role assumptions (see
/// [`ActionSpec::accompanies`]).
const fn with_assumptions(
    action: &'static str,
    condition_keys: &'static [&'static str],
) -> ActionSpec {
    ActionSpec {
        action,
        resource_type: ResourceType::Role,
        condition_keys,
        accompanies: ASSUMPTIONS,
    }
}

const ASSUMPTIONS: &[&str] = &[
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:GetFederationToken",
];

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
const ROLE_SESSION: &[&str] = &[REQUEST_TAG, TAG_KEYS, "sts:TransitiveTagKeys"];

/// The actions checked alongside a role assumption or a federation token
/// ([`ActionSpec::accompanies`]); no request names them itself.
const ALONGSIDE: &[ActionSpec] = &[
    with_assumptions("sts:SetSourceIdentity", &["sts:SourceIdentity"]),
    with_assumptions("sts:TagSession", ROLE_SESSION),
];

/// Every action Tessera authorizes, sorted by name: the declarations of
/// the STS and IAM actions, and the actions checked alongside a role
/// assumption.
pub fn actions() -> &'static [ActionSpec] {
    static ACTIONS: std::sync::LazyLock<Vec<ActionSpec>> = std::sync::LazyLock::new(|| {
        let mut all: Vec<ActionSpec> = crate::iam::specs()
            .chain(crate::sts::SPECS)
            .chain(crate::sts::UNSIGNED_SPECS)
            .chain(ALONGSIDE)
            .copied()
            .collect();
        all.sort_by_key(|s| s.action.to_ascii_lowercase());
        all
    });
    &ACTIONS
}

/// The declaration of `action` (`service:Action`, case-insensitive).
pub fn spec_of(action: &str) -> Option<&'static ActionSpec> {
    let actions = actions();
    actions
        .binary_search_by(|s| {
            s.action
                .bytes()
                .map(|b| b.to_ascii_lowercase())
                .cmp(action.bytes().map(|b| b.to_ascii_lowercase()))
        })
        .ok()
        .map(|i| &actions[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for pair in actions().windows(2) {
            assert!(
                pair[0].action.to_ascii_lowercase() < pair[1].action.to_ascii_lowercase(),
                "{} before {}",
                pair[0].action,
                pair[1].action
            );
        }
        for spec in actions() {
            assert_eq!(spec_of(spec.action), Some(spec));
            assert_eq!(spec_of(&spec.action.to_ascii_uppercase()), Some(spec));
        }
        assert_eq!(spec_of("iam:PassRole"), None);
    }

    #[test]
    fn carries_declared_global_and_resource_keys() {
        let create = spec_of("iam:CreateUser").expect("declared");
        assert!(create.carries("aws:RequestTag/team"));
        assert!(create.carries("iam:PermissionsBoundary"));
        assert!(create.carries("aws:SourceIp"));
        assert!(create.carries("aws:PrincipalTag/team"));
        assert!(create.carries("iam:ResourceTag/team"));
        assert!(!create.carries("iam:PolicyARN"));
        assert!(!create.carries("aws:RequestTag/"));
        let web = spec_of("sts:AssumeRoleWithWebIdentity").expect("declared");
        assert!(web.carries("oidc.example.test/realms/x:aud"));
        assert!(!web.carries("aws:aud"));
        let tag = spec_of("sts:TagSession").expect("declared");
        assert!(tag.carries("sts:ExternalId"));
        let group = spec_of("iam:AttachGroupPolicy").expect("declared");
        assert!(group.carries("iam:PolicyARN"));
        assert!(!group.carries("aws:ResourceTag/team"));
    }
}
