//! The table of the actions Tessera authorizes: for each, the type of
//! resource it acts on and the condition keys its requests carry, after
//! AWS's Service Authorization Reference. Besides these, every request
//! carries the global keys in [`GLOBAL_KEYS`].
//!
//! The table is data: the authorizer reads it to set the resource's tag
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

/// Keys of several actions.
pub(crate) const TAGGING: &[&str] = &[REQUEST_TAG, TAG_KEYS];
/// Keys of several actions.
pub(crate) const TAGGING_BOUNDARY: &[&str] = &[REQUEST_TAG, TAG_KEYS, PERMISSIONS_BOUNDARY];
/// Keys of several actions.
pub(crate) const BOUNDARY: &[&str] = &[PERMISSIONS_BOUNDARY];
/// Keys of several actions.
pub(crate) const ATTACH: &[&str] = &[PERMISSIONS_BOUNDARY, POLICY_ARN];
/// Keys of several actions.
pub(crate) const ROLE_SESSION: &[&str] = &[REQUEST_TAG, TAG_KEYS, "sts:TransitiveTagKeys"];

/// The declarations no action type carries yet.
const UNDECLARED: &[ActionSpec] = &[
    spec(
        "iam:AddClientIDToOpenIDConnectProvider",
        R::OidcProvider,
        &[],
    ),
    spec("iam:AddUserToGroup", R::Group, &[]),
    spec("iam:AttachGroupPolicy", R::Group, &[POLICY_ARN]),
    spec("iam:AttachRolePolicy", R::Role, ATTACH),
    spec("iam:AttachUserPolicy", R::User, ATTACH),
    spec("iam:CreateAccessKey", R::User, &[]),
    spec("iam:CreateAccountAlias", R::None, &[]),
    spec("iam:CreateGroup", R::Group, &[]),
    spec("iam:CreateOpenIDConnectProvider", R::OidcProvider, TAGGING),
    spec("iam:CreatePolicy", R::Policy, TAGGING),
    spec("iam:CreatePolicyVersion", R::Policy, &[]),
    spec("iam:CreateRole", R::Role, TAGGING_BOUNDARY),
    spec("iam:CreateSAMLProvider", R::SamlProvider, TAGGING),
    spec("iam:CreateVirtualMFADevice", R::Mfa, TAGGING),
    spec("iam:DeactivateMFADevice", R::User, &[]),
    spec("iam:DeleteAccessKey", R::User, &[]),
    spec("iam:DeleteAccountAlias", R::None, &[]),
    spec("iam:DeleteGroup", R::Group, &[]),
    spec("iam:DeleteGroupPolicy", R::Group, &[]),
    spec("iam:DeleteOpenIDConnectProvider", R::OidcProvider, &[]),
    spec("iam:DeletePolicy", R::Policy, &[]),
    spec("iam:DeletePolicyVersion", R::Policy, &[]),
    spec("iam:DeleteResourcePolicy", R::ServiceResource, &[]),
    spec("iam:DeleteRole", R::Role, BOUNDARY),
    spec("iam:DeleteRolePermissionsBoundary", R::Role, BOUNDARY),
    spec("iam:DeleteRolePolicy", R::Role, BOUNDARY),
    spec("iam:DeleteSAMLProvider", R::SamlProvider, &[]),
    spec("iam:DeleteUserPermissionsBoundary", R::User, BOUNDARY),
    spec("iam:DeleteUserPolicy", R::User, BOUNDARY),
    spec("iam:DeleteVirtualMFADevice", R::Mfa, &[]),
    spec("iam:DetachGroupPolicy", R::Group, &[POLICY_ARN]),
    spec("iam:DetachRolePolicy", R::Role, ATTACH),
    spec("iam:DetachUserPolicy", R::User, ATTACH),
    spec("iam:EnableMFADevice", R::User, &[]),
    spec("iam:GetAccessKeyLastUsed", R::User, &[]),
    spec("iam:GetAccountSummary", R::None, &[]),
    spec("iam:GetGroup", R::Group, &[]),
    spec("iam:GetGroupPolicy", R::Group, &[]),
    spec("iam:GetOpenIDConnectProvider", R::OidcProvider, &[]),
    spec("iam:GetPolicy", R::Policy, &[]),
    spec("iam:GetPolicyVersion", R::Policy, &[]),
    spec("iam:GetResourcePolicy", R::ServiceResource, &[]),
    spec("iam:GetRole", R::Role, BOUNDARY),
    spec("iam:GetRolePolicy", R::Role, &[]),
    spec("iam:GetSAMLProvider", R::SamlProvider, &[]),
    spec("iam:GetUserPolicy", R::User, &[]),
    spec("iam:ListAccessKeys", R::User, &[]),
    spec("iam:ListAccountAliases", R::None, &[]),
    spec("iam:ListAttachedGroupPolicies", R::Group, &[]),
    spec("iam:ListAttachedRolePolicies", R::Role, &[]),
    spec("iam:ListAttachedUserPolicies", R::User, &[]),
    spec("iam:ListEntitiesForPolicy", R::Policy, &[]),
    spec("iam:ListGroupPolicies", R::Group, &[]),
    spec("iam:ListGroups", R::None, &[]),
    spec("iam:ListGroupsForUser", R::User, &[]),
    spec("iam:ListMFADevices", R::User, &[]),
    spec("iam:ListOpenIDConnectProviders", R::None, &[]),
    spec("iam:ListPolicies", R::None, &[]),
    spec("iam:ListPolicyVersions", R::Policy, &[]),
    spec("iam:ListRolePolicies", R::Role, &[]),
    spec("iam:ListRoles", R::None, &[]),
    spec("iam:ListRoleTags", R::Role, &[]),
    spec("iam:ListSAMLProviders", R::None, &[]),
    spec("iam:ListUserPolicies", R::User, &[]),
    spec("iam:ListVirtualMFADevices", R::None, &[]),
    spec("iam:PutGroupPolicy", R::Group, &[]),
    spec("iam:PutResourcePolicy", R::ServiceResource, &[]),
    spec("iam:PutRolePermissionsBoundary", R::Role, BOUNDARY),
    spec("iam:PutRolePolicy", R::Role, BOUNDARY),
    spec("iam:PutUserPermissionsBoundary", R::User, BOUNDARY),
    spec("iam:PutUserPolicy", R::User, BOUNDARY),
    spec(
        "iam:RemoveClientIDFromOpenIDConnectProvider",
        R::OidcProvider,
        &[],
    ),
    spec("iam:RemoveUserFromGroup", R::Group, &[]),
    spec("iam:RevokeSessions", R::None, &[]),
    spec("iam:SetDefaultPolicyVersion", R::Policy, &[]),
    spec("iam:SimulateCustomPolicy", R::None, &[]),
    spec("iam:SimulatePrincipalPolicy", R::User, &[]),
    spec("iam:TagRole", R::Role, TAGGING),
    spec("iam:UntagRole", R::Role, &[TAG_KEYS]),
    spec("iam:UpdateAccessKey", R::User, &[]),
    spec("iam:UpdateAssumeRolePolicy", R::Role, BOUNDARY),
    spec("iam:UpdateGroup", R::Group, &[]),
    spec(
        "iam:UpdateOpenIDConnectProviderThumbprint",
        R::OidcProvider,
        &[],
    ),
    spec("iam:UpdateRole", R::Role, BOUNDARY),
    spec("iam:UpdateSAMLProvider", R::SamlProvider, &[]),
    with_assumptions("sts:SetSourceIdentity", &["sts:SourceIdentity"]),
    with_assumptions("sts:TagSession", ROLE_SESSION),
];

/// Every action Tessera authorizes, sorted by name: the declarations of
/// the STS and IAM actions, and the actions checked alongside a role
/// assumption.
pub fn actions() -> &'static [ActionSpec] {
    static ACTIONS: std::sync::LazyLock<Vec<ActionSpec>> = std::sync::LazyLock::new(|| {
        let declared: Vec<ActionSpec> = crate::iam::specs()
            .chain(crate::sts::SPECS)
            .chain(crate::sts::UNSIGNED_SPECS)
            .copied()
            .collect();
        let undeclared = UNDECLARED
            .iter()
            .filter(|u| !declared.iter().any(|d| d.action == u.action));
        let mut all: Vec<ActionSpec> = declared.iter().chain(undeclared).copied().collect();
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
