//! `AssumeRoleWithWebIdentity`: temporary credentials for a role, for the
//! holder of an OpenID Connect token. The request is unsigned; the token's
//! issuer must be an OIDC provider of the role's account, the token must
//! verify with the issuer's keys, and the role's trust policy alone decides,
//! with the provider as `Federated` principal and the token's claims as
//! condition keys (`HOST/PATH:aud`, `:sub`, `:amr`, `:oaud`).

use super::{
    assume_role::role_arn_parts,
    federated::{FederatedRequest, assume, session_tags, source_identity},
    inputs::{packed_percent, role_arn_param, session_name_param, session_policies},
};
use crate::{
    AppState, AwsError,
    params::{Params, check_length, check_sensitive_length},
    xml::Xml,
};
use tessera_federation::oidc::{Provider, unverified_issuer};
use tessera_policy::{ContextValue, Principal};

const ACTION: &str = "sts:AssumeRoleWithWebIdentity";

fn invalid_token(message: impl Into<String>) -> AwsError {
    AwsError::invalid_identity_token(message)
}

/// `AssumeRoleWithWebIdentity`.
pub(super) async fn assume_role_with_web_identity(
    state: &AppState,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let role_arn = role_arn_param(params)?;
    let session_name = session_name_param(params)?;
    let token = params.required("WebIdentityToken", "webIdentityToken")?;
    check_sensitive_length("webIdentityToken", token, 4, 20_000)?;
    if let Some(provider_id) = params.get("ProviderId") {
        check_length("providerId", provider_id, 4, 2048)?;
    }
    let requested = params.integer("DurationSeconds", "durationSeconds", 900, 43_200)?;
    let (policy, policy_arns, mut packed) = session_policies(params)?;
    let (account, path, name) = role_arn_parts(state, role_arn)?;
    let (account, name) = (account.as_str(), name.as_str());

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
    let (tags, transitive) = session_tags(&verified.session_tags, &verified.transitive_tag_keys)?;
    let source = source_identity(verified.source_identity.as_deref())?;
    packed += tags
        .iter()
        .map(|t| t.key.len() + t.value.len())
        .sum::<usize>();
    let packed_percent = packed_percent(packed)?;

    // The trust policy decides, with the token's claims as condition keys.
    let prefix = &provider.url;
    let mut keys: Vec<(String, ContextValue)> = vec![
        (format!("{prefix}:aud"), verified.audience.clone().into()),
        (format!("{prefix}:sub"), verified.subject.clone().into()),
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
    let issued = assume(
        state,
        FederatedRequest {
            action: ACTION,
            principal: Principal::web_identity(provider.arn.clone()),
            provider_arn: &provider.arn,
            account,
            role_path: &path,
            role_name: name,
            session_name,
            keys,
            tags,
            transitive,
            source: source.clone(),
            duration: requested,
            not_after: None,
            policy,
            policy_arns,
        },
    )
    .await?;

    let mut result = vec![
        issued.credentials,
        Xml::text("SubjectFromWebIdentityToken", verified.subject),
        issued.assumed_role_user,
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
