//! IAM OpenID Connect providers.

use super::common::{Target, authorize, authorize_on, iso8601, request_tag_keys, tags_param};
use super::provider_params::{arn_param, optional_tags};
use crate::{
    AppState, AwsError, Caller,
    params::Params,
    params::check_length,
    xml::{Xml, members},
};
use tessera_arn::Arn;
use tessera_store::OidcProvider;

/// Runs `name` if this area (OIDC providers) serves it.
pub(super) async fn dispatch(
    state: &AppState,
    caller: &Caller,
    name: &str,
    params: &Params,
) -> Option<Result<Vec<Xml>, AwsError>> {
    let (_s, _c, _p) = (state, caller, params);
    Some(match name {
        "CreateOpenIDConnectProvider" => create_oidc_provider(state, caller, params).await,
        "GetOpenIDConnectProvider" => get_oidc_provider(state, caller, params).await,
        "ListOpenIDConnectProviders" => list_oidc_providers(state, caller).await,
        "DeleteOpenIDConnectProvider" => delete_oidc_provider(state, caller, params).await,
        "AddClientIDToOpenIDConnectProvider" => add_client_id(state, caller, params).await,
        "RemoveClientIDFromOpenIDConnectProvider" => remove_client_id(state, caller, params).await,
        "UpdateOpenIDConnectProviderThumbprint" => update_thumbprints(state, caller, params).await,
        _ => return None,
    })
}

/// Most thumbprints an OIDC provider may have.
pub(super) const MAX_THUMBPRINTS: usize = 5;
/// Most client ids an OIDC provider may have.
pub(super) const MAX_CLIENT_IDS: usize = 100;

/// The provider's URL without `https://` (and without a trailing `/`), or
/// AWS's `InvalidInput`.
pub(super) fn oidc_url(url: &str) -> Result<String, AwsError> {
    check_length("url", url, 1, 255)?;
    let invalid = || AwsError::invalid_input("Invalid Open ID Connect Provider URL");
    let rest = url
        .get(..8)
        .filter(|scheme| scheme.eq_ignore_ascii_case("https://"))
        .map(|_| &url[8..])
        .ok_or_else(invalid)?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let host = rest.split('/').next().unwrap_or_default();
    let bad_char = |c: char| c.is_whitespace() || c.is_control() || "?#\\\"<>{}|^`".contains(c);
    if host.is_empty() || rest.contains("//") || rest.chars().any(bad_char) {
        return Err(invalid());
    }
    Ok(rest.to_string())
}

pub(super) fn thumbprints_param(params: &Params) -> Result<Vec<String>, AwsError> {
    let list = params.list("ThumbprintList");
    if list.len() > MAX_THUMBPRINTS {
        return Err(AwsError::invalid_input(format!(
            "Thumbprint list must contain fewer than {} entries.",
            MAX_THUMBPRINTS + 1
        )));
    }
    for thumbprint in &list {
        if thumbprint.chars().count() != 40 {
            return Err(AwsError::validation(format!(
                "1 validation error detected: Value '[{}]' at 'thumbprintList' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 40, Member must have length greater than or equal to 40]",
                list.join(", ")
            )));
        }
        if !thumbprint.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(AwsError::invalid_input(format!(
                "Thumbprint {thumbprint} is not a valid hex string."
            )));
        }
    }
    Ok(list.into_iter().map(str::to_ascii_lowercase).collect())
}

pub(super) fn client_id(member: &str, value: &str) -> Result<(), AwsError> {
    check_length(member, value, 1, 255)
}

pub(super) async fn create_oidc_provider(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let url = oidc_url(params.required("Url", "url")?)?;
    let mut client_ids: Vec<String> = Vec::new();
    for id in params.list("ClientIDList") {
        client_id("clientIDList.member", id)?;
        if !client_ids.iter().any(|c| c == id) {
            client_ids.push(id.to_string());
        }
    }
    if client_ids.len() > MAX_CLIENT_IDS {
        return Err(AwsError::limit_exceeded(format!(
            "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {MAX_CLIENT_IDS}"
        )));
    }
    let thumbprints = thumbprints_param(params)?;
    let tags = tags_param(params)?;
    let account_id = caller.account_id();
    let provider_arn = Arn::oidc_provider(state.partition(), account_id, &url).into_string();
    authorize_on(
        state,
        caller,
        "CreateOpenIDConnectProvider",
        &Target::named(provider_arn.clone()),
        request_tag_keys(&tags),
    )
    .await?;
    state
        .store()
        .create_oidc_provider(&OidcProvider {
            arn: provider_arn.clone(),
            account_id: account_id.to_string(),
            url,
            client_ids,
            thumbprints,
            created_at: state.now().unix_timestamp(),
            tags: tags.clone(),
        })
        .await?;
    let mut result = vec![Xml::text("OpenIDConnectProviderArn", provider_arn)];
    result.extend(optional_tags(&tags));
    Ok(result)
}

/// The OIDC provider named by `OpenIDConnectProviderArn`, after the
/// caller is authorized for `action` on it.
pub(super) async fn oidc_target<'a>(
    state: &AppState,
    caller: &Caller,
    params: &'a Params,
    action: &str,
) -> Result<&'a str, AwsError> {
    let provider_arn = arn_param(
        params,
        "OpenIDConnectProviderArn",
        "openIDConnectProviderArn",
    )?;
    let mut target = Target::named(provider_arn);
    if let Some(provider) = state
        .store()
        .oidc_provider(caller.account_id(), provider_arn)
        .await?
    {
        target.tags = provider.tags;
    }
    authorize_on(state, caller, action, &target, Vec::new()).await?;
    Ok(provider_arn)
}

pub(super) async fn get_oidc_provider(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let provider_arn = oidc_target(state, caller, params, "GetOpenIDConnectProvider").await?;
    let provider = state
        .store()
        .oidc_provider(caller.account_id(), provider_arn)
        .await?
        .ok_or_else(|| {
            AwsError::no_such_entity(format!(
                "OpenIDConnect Provider not found for arn {provider_arn}"
            ))
        })?;
    let mut result = vec![
        Xml::text("Url", provider.url),
        Xml::node(
            "ClientIDList",
            provider
                .client_ids
                .into_iter()
                .map(|c| Xml::text("member", c))
                .collect(),
        ),
        Xml::node(
            "ThumbprintList",
            provider
                .thumbprints
                .into_iter()
                .map(|t| Xml::text("member", t))
                .collect(),
        ),
        Xml::text("CreateDate", iso8601(provider.created_at)),
    ];
    result.extend(optional_tags(&provider.tags));
    Ok(result)
}

pub(super) async fn list_oidc_providers(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<Xml>, AwsError> {
    authorize(state, caller, "ListOpenIDConnectProviders", "*").await?;
    let providers = state.store().oidc_providers(caller.account_id()).await?;
    Ok(vec![members(
        "OpenIDConnectProviderList",
        providers
            .into_iter()
            .map(|p| vec![Xml::text("Arn", p.arn)])
            .collect(),
    )])
}

pub(super) async fn delete_oidc_provider(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let provider_arn = oidc_target(state, caller, params, "DeleteOpenIDConnectProvider").await?;
    state
        .store()
        .delete_oidc_provider(caller.account_id(), provider_arn)
        .await?;
    Ok(Vec::new())
}

pub(super) async fn add_client_id(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let id = params.required("ClientID", "clientID")?;
    client_id("clientID", id)?;
    let provider_arn =
        oidc_target(state, caller, params, "AddClientIDToOpenIDConnectProvider").await?;
    state
        .store()
        .add_oidc_client_id(caller.account_id(), provider_arn, id)
        .await?;
    Ok(Vec::new())
}

pub(super) async fn remove_client_id(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let id = params.required("ClientID", "clientID")?;
    client_id("clientID", id)?;
    let provider_arn = oidc_target(
        state,
        caller,
        params,
        "RemoveClientIDFromOpenIDConnectProvider",
    )
    .await?;
    state
        .store()
        .remove_oidc_client_id(caller.account_id(), provider_arn, id)
        .await?;
    Ok(Vec::new())
}

pub(super) async fn update_thumbprints(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let thumbprints = thumbprints_param(params)?;
    let provider_arn = oidc_target(
        state,
        caller,
        params,
        "UpdateOpenIDConnectProviderThumbprint",
    )
    .await?;
    state
        .store()
        .set_oidc_thumbprints(caller.account_id(), provider_arn, &thumbprints)
        .await?;
    Ok(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oidc_urls_lose_the_scheme_and_trailing_slash() {
        assert_eq!(
            oidc_url("https://example.com/a/").expect("valid"),
            "example.com/a"
        );
        assert_eq!(
            oidc_url("HTTPS://example.com").expect("valid"),
            "example.com"
        );
        for bad in [
            "http://example.com",
            "https://",
            "https://a b",
            "example.com",
            "https://a?x=1",
        ] {
            assert!(oidc_url(bad).is_err(), "{bad}");
        }
    }
}
