//! Request members shared by the actions that mint sessions: length and
//! pattern constraints, session tags, session policies and their packed size.

use crate::action::members::{Member, Scalar};
use crate::params::{check_length, check_policy_characters, check_sensitive_length};
use crate::pattern::{TAG_KEY, TAG_VALUE, has_reserved_prefix, is_tag_text, is_words};
use crate::{AppState, AwsError, Caller, params::Params};
use tessera_policy::PolicyKind;
use tessera_token::SessionPrincipal;
use tessera_token::SessionTag;

/// `RoleSessionName` (`roleSessionNameType`): 2 to 64 characters of
/// `[\w+=,.@-]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct SessionName(pub String);

impl Scalar for SessionName {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        check_length(member, value, 2, 64)?;
        pattern(member, value, "+=,.@-", "[\\w+=,.@-]*")?;
        Ok(Self(value.to_string()))
    }
}

/// `ExternalId` (`externalIdType`): 2 to 1,224 characters of
/// `[\w+=,.@:/-]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExternalId(pub String);

impl Scalar for ExternalId {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        check_length(member, value, 2, 1224)?;
        pattern(member, value, "+=,.@:/-", "[\\w+=,.@:\\/-]*")?;
        Ok(Self(value.to_string()))
    }
}

/// `SourceIdentity` (`sourceIdentityType`): 2 to 64 characters of
/// `[\w+=,.@-]`, not starting with AWS's reserved `aws:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceIdentity(pub String);

impl Scalar for SourceIdentity {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        check_length(member, value, 2, 64)?;
        pattern(member, value, "+=,.@-", "[\\w+=,.@-]*")?;
        if value.to_ascii_lowercase().starts_with("aws:") {
            return Err(AwsError::validation(
                "SourceIdentity cannot start with the reserved prefix 'aws:'.",
            ));
        }
        Ok(Self(value.to_string()))
    }
}

/// A member of `MIN..=MAX` characters that carries a credential (a web
/// identity token, a SAML assertion): its errors do not echo the value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Sensitive<const MIN: usize, const MAX: usize>(pub String);

impl<const MIN: usize, const MAX: usize> Scalar for Sensitive<MIN, MAX> {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        check_sensitive_length(member, value, MIN, MAX)?;
        Ok(Self(value.to_string()))
    }
}

/// A member of `MIN..=MAX` characters, as its model constrains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bounded<const MIN: usize, const MAX: usize>(pub String);

impl<const MIN: usize, const MAX: usize> Scalar for Bounded<MIN, MAX> {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        check_length(member, value, MIN, MAX)?;
        Ok(Self(value.to_string()))
    }
}

/// A federated user's `Name` (`userNameType` of STS): 2 to 32 characters
/// of `[\w+=,.@-]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct FederatedName(pub String);

impl Scalar for FederatedName {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        check_length(member, value, 2, 32)?;
        pattern(member, value, "+=,.@-", "[\\w+=,.@-]*")?;
        Ok(Self(value.to_string()))
    }
}

/// The packed size (session policies, policy ARNs and tags) that counts as
/// 100 %.
pub(super) const PACKED_LIMIT: usize = 4_096;

/// `PackedPolicySize`: the packed size as a percentage of the limit, or
/// `PackedPolicyTooLarge` past it.
pub(super) fn packed_percent(packed: usize) -> Result<usize, AwsError> {
    let percent = (packed * 100).div_ceil(PACKED_LIMIT);
    if percent > 100 {
        return Err(AwsError::packed_policy_too_large(format!(
            "Packed policy consumes {percent}% of allotted space, please use smaller policy."
        )));
    }
    Ok(percent)
}

/// botocore's `[\w<extra>]*` (`shown`): ASCII word characters and `extra`,
/// as AWS matches `\w`; a Unicode look-alike letter does not pass.
pub(super) fn pattern(member: &str, value: &str, extra: &str, shown: &str) -> Result<(), AwsError> {
    if is_words(value, extra) {
        Ok(())
    } else {
        Err(pattern_error(member, value, shown))
    }
}

fn pattern_error(member: &str, value: &str, shown: &str) -> AwsError {
    AwsError::constraint(
        member,
        Some(value),
        &format!("Member must satisfy regular expression pattern: {shown}"),
    )
}

/// Session tags of the request (`Tags`): at most 50, keys 1–128 and values
/// 0–256 characters of botocore's tag pattern, no key with AWS's reserved
/// `aws:` prefix, no key twice (regardless of case). STS words its errors
/// unlike IAM's [`Tags`](crate::action::members::Tags).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct SessionTags(pub Vec<SessionTag>);

impl Member for SessionTags {
    fn read(params: &Params, name: &str) -> Result<Option<Self>, AwsError> {
        let items = params.structures(name);
        if items.is_empty() {
            return Ok(None);
        }
        if items.len() > 50 {
            return Err(AwsError::constraint(
                "tags",
                None,
                "Member must have length less than or equal to 50",
            ));
        }
        let mut tags: Vec<SessionTag> = Vec::with_capacity(items.len());
        for item in items {
            let key = item.get("Key").ok_or_else(|| {
                AwsError::constraint("tags.member.key", None, "Member must not be null")
            })?;
            let value = item.get("Value").ok_or_else(|| {
                AwsError::constraint("tags.member.value", None, "Member must not be null")
            })?;
            check_length("tags.member.key", key, 1, 128)?;
            check_length("tags.member.value", value, 0, 256)?;
            if !is_tag_text(key) {
                return Err(pattern_error("tags.member.key", key, TAG_KEY));
            }
            if !is_tag_text(value) {
                return Err(pattern_error("tags.member.value", value, TAG_VALUE));
            }
            if has_reserved_prefix(key) {
                return Err(invalid_tag(format!(
                    "The tag key {key} uses the prefix 'aws:', which is reserved for AWS use."
                )));
            }
            if tags.iter().any(|t| t.key.eq_ignore_ascii_case(key)) {
                return Err(invalid_tag(
                    "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
                ));
            }
            tags.push(SessionTag {
                key: key.clone(),
                value: value.clone(),
            });
        }
        Ok(Some(Self(tags)))
    }
}

/// The packed size of session tags.
pub(super) fn tags_packed(tags: &[SessionTag]) -> usize {
    tags.iter().map(|t| t.key.len() + t.value.len()).sum()
}

/// STS's answer to session tags it cannot take: `InvalidParameterValue`.
pub(super) fn invalid_tag(message: impl Into<String>) -> AwsError {
    AwsError::invalid_parameter_value(message)
}

/// The session policy (`Policy`) and managed session policies
/// (`PolicyArns`), validated, with their packed size. Whether the managed
/// policies exist is [`check_policy_arns`]'s to say, once the caller may
/// have the session.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct SessionPolicies {
    /// The inline session policy.
    pub policy: Option<String>,
    /// The managed session policies' ARNs.
    pub arns: Vec<String>,
    /// Their packed size so far.
    pub packed: usize,
}

impl SessionPolicies {
    /// Reads `Policy` and `PolicyArns.member.N.arn`.
    pub(crate) fn read(params: &Params) -> Result<Self, AwsError> {
        let mut packed = 0;
        let policy = match params.get("Policy") {
            Some(document) => {
                check_length("policy", document, 1, 2048)?;
                check_policy_characters("policy", document)?;
                tessera_policy::Policy::parse(document, PolicyKind::session())?;
                packed += document.chars().filter(|c| !c.is_whitespace()).count();
                Some(document.to_string())
            }
            None => None,
        };
        let arns: Vec<String> = params
            .structures("PolicyArns")
            .into_iter()
            .filter_map(|item| item.get("arn").cloned())
            .collect();
        if arns.len() > 10 {
            return Err(AwsError::constraint(
                "policyArns",
                None,
                "Member must have length less than or equal to 10",
            ));
        }
        for arn in &arns {
            check_length("policyArns.member.arn", arn, 20, 2048)?;
            packed += arn.len();
        }
        Ok(Self {
            policy,
            arns,
            packed,
        })
    }
}

/// Checks that each managed session policy is one of `account`'s, the
/// account the session belongs to (the role's; the caller's for
/// `GetFederationToken`). Another account's policy is looked up nowhere and
/// answered exactly as a missing one; and the check runs only after the
/// caller has been allowed the session, so that it tells nobody else what
/// policies an account has.
pub(super) async fn check_policy_arns(
    state: &AppState,
    account: &str,
    arns: &[String],
) -> Result<(), AwsError> {
    for arn in arns {
        if state.store().managed_policy(account, arn).await?.is_none() {
            return Err(AwsError::no_such_entity(format!(
                "Policy {arn} does not exist or is not attachable."
            )));
        }
    }
    Ok(())
}

/// `SerialNumber` + `TokenCode`, both or neither: an MFA device's serial
/// (9 to 256 characters of `[\w+=/:,.@-]`) and a six-digit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MfaCode {
    /// The device's serial number or ARN.
    pub serial: String,
    /// The code.
    pub code: String,
}

impl MfaCode {
    /// Reads the pair; `None` when the request carries no MFA.
    pub(crate) fn read(params: &Params) -> Result<Option<Self>, AwsError> {
        let (serial, code) = match (params.get("SerialNumber"), params.get("TokenCode")) {
            (None, None) => return Ok(None),
            (Some(serial), Some(code)) => (serial, code),
            (None, Some(_)) => {
                return Err(AwsError::constraint(
                    "serialNumber",
                    None,
                    "Member must not be null",
                ));
            }
            (Some(_), None) => {
                return Err(AwsError::constraint(
                    "tokenCode",
                    None,
                    "Member must not be null",
                ));
            }
        };
        check_length("serialNumber", serial, 9, 256)?;
        pattern("serialNumber", serial, "+=/:,.@-", "[\\w+=/:,.@-]*")?;
        check_length("tokenCode", code, 6, 6)?;
        if !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AwsError::constraint(
                "tokenCode",
                Some(code),
                "Member must satisfy regular expression pattern: [\\d]*",
            ));
        }
        Ok(Some(Self {
            serial: serial.to_string(),
            code: code.to_string(),
        }))
    }
}

/// Checks `mfa` when given: the code must be a fresh TOTP code of the
/// calling IAM user's enabled MFA device. Returns the time of
/// authentication, or `None` when the request carries no MFA.
pub(super) async fn verify_mfa(
    state: &AppState,
    caller: &Caller,
    mfa: Option<&MfaCode>,
) -> Result<Option<i64>, AwsError> {
    let Some(MfaCode { serial, code }) = mfa else {
        return Ok(None);
    };
    let user_id = match caller {
        Caller::User { user, .. } => Some(user.user_id.as_str()),
        Caller::Session(claims) => match &claims.principal {
            SessionPrincipal::User { user_id, .. } => Some(user_id.as_str()),
            _ => None,
        },
        Caller::Root { .. } => None,
    };
    let now = state.now();
    let accepted = match user_id {
        Some(user_id) => {
            crate::mfa::verify_mfa_code(state, caller.account_id(), user_id, serial, code, now)
                .await?
        }
        None => false,
    };
    if accepted {
        Ok(Some(now.unix_timestamp()))
    } else {
        Err(AwsError::access_denied(
            "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
        ))
    }
}
