//! `AssumeRoleWithWebIdentity`: temporary credentials for a role, for the
//! holder of an OpenID Connect token. The request is unsigned; the token's
//! issuer must be an OIDC provider of the role's account, the token must
//! verify with the issuer's keys, and the role's trust policy alone decides,
//! with the provider as `Federated` principal and the token's claims as
//! condition keys (`HOST/PATH:aud`, `:sub`, `:amr`, `:oaud`).

use super::{
    assume_role::{DEFAULT_DURATION, parse_role_arn},
    credentials,
    inputs::{packed_percent, pattern, session_policies},
    new_claims,
};
use crate::{
    AppState, AwsError,
    authz::{Check, authorize_federated},
    params::{Params, check_length},
    xml::Xml,
};
use axum::http::StatusCode;
use tessera_federation::oidc::{Provider, VerifiedToken, unverified_issuer};
use tessera_policy::{ContextValue, Principal};
use tessera_token::{SessionPrincipal, SessionTag};

const ACTION: &str = "sts:AssumeRoleWithWebIdentity";

fn invalid_token(message: impl Into<String>) -> AwsError {
    AwsError::new(StatusCode::BAD_REQUEST, "InvalidIdentityToken", message)
}

fn rejected_claim(message: impl Into<String>) -> AwsError {
    AwsError::new(StatusCode::FORBIDDEN, "IDPRejectedClaim", message)
}

/// The token's length, checked without echoing the token.
fn check_token_length(token: &str) -> Result<(), AwsError> {
    let n = token.chars().count();
    let constraint = if n < 4 {
        "Member must have length greater than or equal to 4"
    } else if n > 20_000 {
        "Member must have length less than or equal to 20000"
    } else {
        return Ok(());
    };
    Err(AwsError::validation(format!(
        "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: {constraint}"
    )))
}

/// The token's session tags, checked as AWS checks requested tags.
fn session_tags(token: &VerifiedToken) -> Result<(Vec<SessionTag>, Vec<String>), AwsError> {
    if token.session_tags.len() > 50 {
        return Err(rejected_claim(
            "The token carries more than 50 session tags",
        ));
    }
    let mut tags: Vec<SessionTag> = Vec::with_capacity(token.session_tags.len());
    for (key, value) in &token.session_tags {
        let key_ok = (1..=128).contains(&key.chars().count())
            && key
                .chars()
                .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c));
        if !key_ok || value.chars().count() > 256 {
            return Err(rejected_claim(format!(
                "The session tag {key} in the token is not a valid tag"
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
    if let Some(key) = token
        .transitive_tag_keys
        .iter()
        .find(|k| !tags.iter().any(|t| t.key.eq_ignore_ascii_case(k)))
    {
        return Err(rejected_claim(format!(
            "The transitive tag key {key} is not among the token's session tags"
        )));
    }
    Ok((tags, token.transitive_tag_keys.clone()))
}

fn source_identity(token: &VerifiedToken) -> Result<Option<String>, AwsError> {
    let Some(id) = &token.source_identity else {
        return Ok(None);
    };
    let valid = (2..=64).contains(&id.chars().count())
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || "_+=,.@-".contains(c))
        && !id.to_ascii_lowercase().starts_with("aws:");
    if valid {
        Ok(Some(id.clone()))
    } else {
        Err(rejected_claim(
            "The source identity in the token is not valid",
        ))
    }
}

/// `AssumeRoleWithWebIdentity`.
pub(super) async fn assume_role_with_web_identity(
    state: &AppState,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let role_arn = params.required("RoleArn", "roleArn")?;
    check_length("roleArn", role_arn, 20, 2048)?;
    let session_name = params.required("RoleSessionName", "roleSessionName")?;
    check_length("roleSessionName", session_name, 2, 64)?;
    pattern("roleSessionName", session_name, "+=,.@-", "[\\w+=,.@-]*")?;
    let token = params.required("WebIdentityToken", "webIdentityToken")?;
    check_token_length(token)?;
    if let Some(provider_id) = params.get("ProviderId") {
        check_length("providerId", provider_id, 4, 2048)?;
    }
    let requested = params.integer("DurationSeconds", "durationSeconds", 900, 43_200)?;
    let (policy, policy_arns, mut packed) = session_policies(state, params).await?;
    let (account, path, name) = parse_role_arn(state.partition(), role_arn)
        .ok_or_else(|| AwsError::validation(format!("{role_arn} is not a valid role ARN")))?;

    // The issuer chooses the provider, in the role's account.
    let issuer = unverified_issuer(token)?;
    let no_provider = || {
        invalid_token(format!(
            "No OpenIDConnect provider found in your account for {issuer}"
        ))
    };
    let url = issuer
        .strip_prefix("https://")
        .map(|rest| rest.strip_suffix('/').unwrap_or(rest))
        .filter(|url| !url.is_empty())
        .ok_or_else(no_provider)?;
    let provider = state
        .store()
        .oidc_provider_by_url(account, url)
        .await?
        .ok_or_else(no_provider)?;
    let verified = state
        .oidc()
        .verify(
            token,
            Provider {
                url: &provider.url,
                client_ids: &provider.client_ids,
            },
            state.now().unix_timestamp(),
        )
        .await?;
    let (tags, transitive) = session_tags(&verified)?;
    let source = source_identity(&verified)?;
    packed += tags
        .iter()
        .map(|t| t.key.len() + t.value.len())
        .sum::<usize>();
    let packed_percent = packed_percent(packed)?;

    // The trust policy decides, with the token's claims as condition keys.
    let denied = || AwsError::access_denied(format!("Not authorized to perform {ACTION}"));
    let role = state
        .store()
        .assumable_role(account, name)
        .await?
        .filter(|r| r.path == path)
        .ok_or_else(denied)?;
    let prefix = &provider.url;
    let mut keys: Vec<(String, ContextValue)> = vec![
        (format!("{prefix}:aud"), verified.audience.clone().into()),
        (format!("{prefix}:sub"), verified.subject.clone().into()),
        ("aws:FederatedProvider".into(), provider.arn.clone().into()),
        ("sts:RoleSessionName".into(), session_name.into()),
    ];
    if !verified.amr.is_empty() {
        keys.push((format!("{prefix}:amr"), verified.amr.clone().into()));
    }
    if !verified.other_audiences.is_empty() {
        keys.push((
            format!("{prefix}:oaud"),
            verified.other_audiences.clone().into(),
        ));
    }
    for tag in &tags {
        keys.push((
            format!("aws:RequestTag/{}", tag.key),
            tag.value.clone().into(),
        ));
    }
    if !tags.is_empty() {
        keys.push((
            "aws:TagKeys".into(),
            tags.iter()
                .map(|t| t.key.clone())
                .collect::<Vec<_>>()
                .into(),
        ));
    }
    if !transitive.is_empty() {
        keys.push(("sts:TransitiveTagKeys".into(), transitive.clone().into()));
    }
    if let Some(id) = &source {
        keys.push(("sts:SourceIdentity".into(), id.clone().into()));
    }
    let trust_id = format!("{role_arn}/trust-policy");
    let mut actions = vec![ACTION];
    if !tags.is_empty() {
        actions.push("sts:TagSession");
    }
    if source.is_some() {
        actions.push("sts:SetSourceIdentity");
    }
    for action in actions {
        let check = Check {
            action,
            resource: role_arn,
            resource_account: account,
            trust_policy: Some((&trust_id, &role.trust_policy)),
            keys: keys.clone(),
        };
        authorize_federated(state, Principal::web_identity(provider.arn.clone()), &check).await?;
    }

    let duration = match requested {
        Some(d) if d > role.max_session_duration => {
            return Err(AwsError::validation(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ));
        }
        Some(d) => d,
        None => DEFAULT_DURATION,
    };
    let principal = SessionPrincipal::AssumedRole {
        account_id: role.account_id.clone(),
        role_id: role.role_id.clone(),
        role_name: role.name.clone(),
        role_path: role.path.clone(),
        session_name: session_name.to_string(),
    };
    let mut claims = new_claims(state, principal, duration)?;
    claims.session_policies = policy.into_iter().collect();
    claims.policy_arns = policy_arns;
    claims.tags = tags;
    claims.transitive_tag_keys = transitive;
    claims.source_identity = source.clone();

    let mut result = vec![
        credentials(state, &claims)?,
        Xml::text("SubjectFromWebIdentityToken", verified.subject),
        Xml::node(
            "AssumedRoleUser",
            vec![
                Xml::text("AssumedRoleId", format!("{}:{session_name}", role.role_id)),
                Xml::text(
                    "Arn",
                    format!(
                        "arn:{}:sts::{}:assumed-role/{}/{session_name}",
                        state.partition(),
                        role.account_id,
                        role.name
                    ),
                ),
            ],
        ),
        Xml::text("Provider", provider.arn),
        Xml::text("Audience", verified.audience),
    ];
    if packed > 0 {
        result.push(Xml::text("PackedPolicySize", packed_percent.to_string()));
    }
    if let Some(source) = source {
        result.push(Xml::text("SourceIdentity", source));
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(tags: &[(&str, &str)], transitive: &[&str], source: Option<&str>) -> VerifiedToken {
        VerifiedToken {
            issuer: "https://idp.example.com".into(),
            subject: "alice".into(),
            audience: "app".into(),
            other_audiences: Vec::new(),
            amr: Vec::new(),
            expires_at: 0,
            session_tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            transitive_tag_keys: transitive.iter().map(|k| k.to_string()).collect(),
            source_identity: source.map(str::to_string),
        }
    }

    #[test]
    fn token_length_errors_do_not_echo_the_token() {
        assert!(check_token_length("abcd").is_ok());
        for bad in ["abc".to_string(), "x".repeat(20_001)] {
            let error = check_token_length(&bad).expect_err("too short or long");
            assert_eq!(error.code, "ValidationError");
            assert!(!error.message.contains("abc") && !error.message.contains("xxxx"));
        }
    }

    #[test]
    fn session_tags_follow_aws_rules() {
        let (tags, transitive) =
            session_tags(&token(&[("team", "blue")], &["TEAM"], None)).expect("valid");
        assert_eq!(tags.len(), 1);
        assert_eq!(transitive, vec!["TEAM".to_string()]);
        for bad in [
            token(&[("team", "a"), ("Team", "b")], &[], None),
            token(&[("", "a")], &[], None),
            token(&[("bad*key", "a")], &[], None),
            token(&[("team", "a")], &["other"], None),
        ] {
            let error = session_tags(&bad).expect_err("invalid");
            assert_eq!(
                (error.code.as_ref(), error.status),
                ("IDPRejectedClaim", StatusCode::FORBIDDEN)
            );
        }
    }

    #[test]
    fn source_identity_follows_aws_rules() {
        assert_eq!(
            source_identity(&token(&[], &[], Some("alice@example.com"))).expect("valid"),
            Some("alice@example.com".to_string())
        );
        assert_eq!(source_identity(&token(&[], &[], None)).expect("none"), None);
        for bad in ["a", "aws:me", "no spaces"] {
            assert!(
                source_identity(&token(&[], &[], Some(bad))).is_err(),
                "{bad}"
            );
        }
    }
}
