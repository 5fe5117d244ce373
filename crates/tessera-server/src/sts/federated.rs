//! What `AssumeRoleWithWebIdentity` and `AssumeRoleWithSAML` share once the
//! identity provider's token has been verified: the IdP's session tags and
//! source identity checked as AWS checks them, the role's trust policy
//! deciding alone with the provider as `Federated` principal, and the
//! session issued.

use super::{
    Credentials,
    assume_role::{assumed_role_user, role_arn_of, role_session_claims, role_session_duration},
    inputs::{SessionPolicies, check_policy_arns, packed_percent, tags_packed},
    seal,
};
use crate::action::{SessionAccess, Trust};
use crate::{
    AppState, AwsError,
    authz::request_tag_keys,
    pattern::{has_reserved_prefix, is_tag_text, is_words},
    xml::Xml,
};
use tessera_policy::ContextValue;
use tessera_store::AssumableRole;
use tessera_token::SessionTag;

/// `IDPRejectedClaim`: the IdP asserted something that cannot be honoured.
pub(super) fn rejected_claim(message: impl Into<String>) -> AwsError {
    AwsError::idp_rejected_claim(message)
}

/// The IdP's session tags (SAML `PrincipalTag:*` attributes, the OIDC
/// `https://aws.amazon.com/tags` claim), checked as AWS checks requested
/// tags: at most 50, keys and values of the tag pattern, no key with the
/// reserved `aws:` prefix, no key twice (case-insensitively), and every
/// transitive key among them.
pub(super) fn session_tags(
    requested: &[(String, String)],
    transitive: &[String],
) -> Result<(Vec<SessionTag>, Vec<String>), AwsError> {
    if requested.len() > 50 {
        return Err(rejected_claim(
            "The token carries more than 50 session tags",
        ));
    }
    let mut tags: Vec<SessionTag> = Vec::with_capacity(requested.len());
    for (key, value) in requested {
        let valid = (1..=128).contains(&key.chars().count())
            && value.chars().count() <= 256
            && is_tag_text(key)
            && is_tag_text(value);
        if !valid {
            return Err(rejected_claim(format!(
                "The session tag {key} in the token is not a valid tag"
            )));
        }
        if has_reserved_prefix(key) {
            return Err(rejected_claim(format!(
                "The session tag {key} in the token uses the prefix 'aws:', which is reserved for AWS use"
            )));
        }
        if tags.iter().any(|t| t.key.eq_ignore_ascii_case(key)) {
            return Err(rejected_claim(format!(
                "Duplicate tag keys found: {key}. Tag keys are case insensitive."
            )));
        }
        tags.push(SessionTag {
            key: key.clone(),
            value: value.clone(),
        });
    }
    if let Some(key) = transitive
        .iter()
        .find(|k| !tags.iter().any(|t| t.key.eq_ignore_ascii_case(k)))
    {
        return Err(rejected_claim(format!(
            "The transitive tag key {key} is not among the token's session tags"
        )));
    }
    Ok((tags, transitive.to_vec()))
}

/// The IdP's source identity, checked as AWS checks `SourceIdentity`.
pub(super) fn source_identity(id: Option<&str>) -> Result<Option<String>, AwsError> {
    let Some(id) = id else {
        return Ok(None);
    };
    let valid = (2..=64).contains(&id.chars().count())
        && is_words(id, "+=,.@-")
        && !has_reserved_prefix(id);
    if valid {
        Ok(Some(id.to_string()))
    } else {
        Err(rejected_claim(
            "The source identity in the token is not valid",
        ))
    }
}

/// What the IdP's token asks of the session, checked: its session tags,
/// transitive keys and source identity, and the packed size of the
/// session's policies and tags.
#[derive(Debug)]
pub(super) struct IdpClaims {
    tags: Vec<SessionTag>,
    transitive: Vec<String>,
    source: Option<String>,
    packed_percent: Option<usize>,
}

impl IdpClaims {
    /// Checks the IdP's session tags ([`session_tags`]), then its source
    /// identity ([`source_identity`]; `source` reads it from the token), then
    /// the packed size of the session `policies` and the tags.
    pub(super) fn check<'a>(
        requested: &[(String, String)],
        transitive: &[String],
        source: impl FnOnce() -> Result<Option<&'a str>, AwsError>,
        policies: &SessionPolicies,
    ) -> Result<Self, AwsError> {
        let (tags, transitive) = session_tags(requested, transitive)?;
        let source = source_identity(source()?)?;
        let packed = policies.packed + tags_packed(&tags);
        let percent = packed_percent(packed)?;
        Ok(Self {
            tags,
            transitive,
            source,
            packed_percent: (packed > 0).then_some(percent),
        })
    }
}

/// A federated request for a role, its IdP token verified.
pub(super) struct FederatedRequest<'a> {
    /// `sts:AssumeRoleWithWebIdentity` or `sts:AssumeRoleWithSAML`.
    pub action: &'static str,
    /// The provider's ARN (`aws:FederatedProvider`).
    pub provider_arn: &'a str,
    /// The role's ARN's parts: account, path and name.
    pub role: &'a (String, String, String),
    /// The session's name.
    pub session_name: &'a str,
    /// The provider's condition keys.
    pub keys: Vec<(String, ContextValue)>,
    /// What the token asks of the session.
    pub claims: IdpClaims,
    /// The duration asked for (`DurationSeconds`, or what the IdP set).
    pub duration: Option<i64>,
    /// A time the session may not outlive (SAML `SessionNotOnOrAfter`).
    pub not_after: Option<i64>,
    /// The session policies.
    pub policies: &'a SessionPolicies,
}

/// A federated session the trust policy is to decide on.
#[derive(Debug)]
pub(crate) struct Federation {
    role: AssumableRole,
    account: String,
    session_name: String,
    tags: Vec<SessionTag>,
    transitive: Vec<String>,
    source: Option<String>,
    duration: Option<i64>,
    not_after: Option<i64>,
    policy: Option<String>,
    policy_arns: Vec<String>,
    packed_percent: Option<usize>,
}

/// The session issued: its credentials and `AssumedRoleId`/`Arn`, with the
/// packed size of its policies and tags and its source identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Issued {
    pub credentials: Credentials,
    pub assumed_role: (String, String),
    /// `PackedPolicySize`, when the session has policies or tags.
    pub packed_percent: Option<usize>,
    pub source_identity: Option<String>,
}

/// The members of an answer that [`Issued`] gives.
pub(super) struct IssuedXml {
    /// `<Credentials>`.
    pub credentials: Xml,
    /// `<AssumedRoleUser>`.
    pub assumed_role_user: Xml,
    /// `<PackedPolicySize>`, when set.
    pub packed_policy_size: Option<Xml>,
    /// `<SourceIdentity>`, when set.
    pub source_identity: Option<Xml>,
}

impl Issued {
    /// The members of the answer, for it to put in its order.
    pub(super) fn xml(self) -> IssuedXml {
        let (id, arn) = self.assumed_role;
        IssuedXml {
            credentials: self.credentials.xml(),
            assumed_role_user: Xml::node(
                "AssumedRoleUser",
                vec![Xml::text("AssumedRoleId", id), Xml::text("Arn", arn)],
            ),
            packed_policy_size: self
                .packed_percent
                .map(|percent| Xml::text("PackedPolicySize", percent.to_string())),
            source_identity: self
                .source_identity
                .map(|source| Xml::text("SourceIdentity", source)),
        }
    }
}

/// The role asked for and the access the trust policy is to allow; an
/// unknown role is denied at once.
pub(super) async fn prepare(
    state: &AppState,
    request: FederatedRequest<'_>,
) -> Result<(SessionAccess, Federation), AwsError> {
    let FederatedRequest {
        action,
        provider_arn,
        role: (account, role_path, role_name),
        session_name,
        mut keys,
        claims:
            IdpClaims {
                tags,
                transitive,
                source,
                packed_percent,
            },
        duration,
        not_after,
        policies,
    } = request;
    let denied = || AwsError::access_denied(format!("Not authorized to perform {action}"));
    let role = state
        .store()
        .assumable_role(account, role_name)
        .await?
        .filter(|r| &r.path == role_path)
        .ok_or_else(denied)?;

    keys.push(("aws:FederatedProvider".into(), provider_arn.into()));
    keys.push(("sts:RoleSessionName".into(), session_name.into()));
    keys.extend(request_tag_keys(&tags));
    if !transitive.is_empty() {
        keys.push(("sts:TransitiveTagKeys".into(), transitive.clone().into()));
    }
    if let Some(id) = &source {
        keys.push(("sts:SourceIdentity".into(), id.clone().into()));
    }
    let access = SessionAccess {
        resource: role_arn_of(state, &role),
        account: account.to_string(),
        trust: Some(Trust {
            policy: role.trust_policy.clone(),
            bindings: role.trust_bindings.clone(),
        }),
        tags: role.tags.clone(),
        keys,
        alongside: super::alongside(!tags.is_empty(), source.is_some()),
    };
    let federation = Federation {
        role,
        account: account.to_string(),
        session_name: session_name.to_string(),
        tags,
        transitive,
        source,
        duration,
        not_after,
        policy: policies.policy.clone(),
        policy_arns: policies.arns.clone(),
        packed_percent,
    };
    Ok((access, federation))
}

/// Issues the session the trust policy allowed.
pub(super) async fn issue(state: &AppState, federation: Federation) -> Result<Issued, AwsError> {
    let Federation {
        role,
        account,
        session_name,
        tags,
        transitive,
        source,
        duration,
        not_after,
        policy,
        policy_arns,
        packed_percent,
    } = federation;
    check_policy_arns(state, &account, &policy_arns).await?;
    let mut duration = role_session_duration(&role, duration)?;
    if let Some(end) = not_after {
        duration = duration.min(end - state.now().unix_timestamp());
        if duration <= 0 {
            return Err(AwsError::expired_token_exception(
                "Token is expired: the identity provider's session has ended",
            ));
        }
    }
    let mut claims = role_session_claims(state, &role, &session_name, duration)?;
    claims.session_policies = policy.into_iter().collect();
    claims.policy_arns = policy_arns;
    claims.tags = tags;
    claims.transitive_tag_keys = transitive;
    claims.source_identity = source.clone();
    Ok(Issued {
        credentials: seal(state, &claims)?,
        assumed_role: assumed_role_user(state, &role, &session_name),
        packed_percent,
        source_identity: source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn session_tags_follow_aws_rules() {
        let (tags_ok, transitive) =
            session_tags(&tags(&[("team", "blue")]), &["TEAM".to_string()]).expect("valid");
        assert_eq!(tags_ok.len(), 1);
        assert_eq!(transitive, vec!["TEAM".to_string()]);
        for (bad, transitive) in [
            (tags(&[("team", "a"), ("Team", "b")]), vec![]),
            (tags(&[("", "a")]), vec![]),
            (tags(&[("bad*key", "a")]), vec![]),
            (tags(&[("team", "a")]), vec!["other".to_string()]),
            (tags(&[("aws:team", "a")]), vec![]),
            (tags(&[("AWS:Team", "a")]), vec![]),
            (tags(&[("te\tam", "a")]), vec![]),
            (tags(&[("team", "a*b")]), vec![]),
            (tags(&[("Ⓐ", "a")]), vec![]),
        ] {
            let error = session_tags(&bad, &transitive).expect_err("invalid");
            assert_eq!(
                (error.code.as_ref(), error.status),
                ("IDPRejectedClaim", axum::http::StatusCode::FORBIDDEN)
            );
        }
    }

    #[test]
    fn session_tags_take_unicode_letters() {
        let (ok, _) =
            session_tags(&tags(&[("équipe", "bleu clair"), ("チーム", "青")]), &[]).expect("valid");
        assert_eq!(ok.len(), 2);
    }

    #[test]
    fn source_identity_follows_aws_rules() {
        assert_eq!(
            source_identity(Some("alice@example.com")).expect("valid"),
            Some("alice@example.com".to_string())
        );
        assert_eq!(source_identity(None).expect("none"), None);
        for bad in [
            "a",
            "aws:me",
            "AWS:me",
            "no spaces",
            "\u{0430}lice",
            "bob\u{FF21}",
        ] {
            assert!(source_identity(Some(bad)).is_err(), "{bad}");
        }
    }
}
