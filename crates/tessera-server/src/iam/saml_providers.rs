//! IAM SAML providers.

use super::common::{Target, authorize, authorize_on, iso8601, request_tag_keys, tags_param};
use super::provider_params::{arn_param, optional_tags};
use crate::{
    AppState, AwsError, Caller,
    params::Params,
    params::check_length,
    xml::{Xml, members},
};
use tessera_arn::Arn;
use tessera_federation::saml::IdpMetadata;
use tessera_store::SamlProvider;

/// Runs `name` if this area (SAML providers) serves it.
pub(super) async fn dispatch(
    state: &AppState,
    caller: &Caller,
    name: &str,
    params: &Params,
) -> Option<Result<Vec<Xml>, AwsError>> {
    let (_s, _c, _p) = (state, caller, params);
    Some(match name {
        "CreateSAMLProvider" => create_saml_provider(state, caller, params).await,
        "GetSAMLProvider" => get_saml_provider(state, caller, params).await,
        "ListSAMLProviders" => list_saml_providers(state, caller).await,
        "UpdateSAMLProvider" => update_saml_provider(state, caller, params).await,
        "DeleteSAMLProvider" => delete_saml_provider(state, caller, params).await,
        _ => return None,
    })
}

/// Reads SAML 2.0 IdP metadata (an `EntityDescriptor` with an `entityID`
/// and an `IDPSSODescriptor` holding a signing certificate); any other
/// input is AWS's `InvalidInput`.
pub(super) fn parse_saml_metadata(document: &str) -> Result<IdpMetadata, AwsError> {
    IdpMetadata::parse(document).map_err(|_| AwsError::invalid_input("Could not parse metadata"))
}

/// `SAMLMetadataDocument` (1000 to 10,000,000 characters), parsed. The
/// length error does not echo the document back.
pub(super) fn metadata_param(params: &Params) -> Result<(&str, IdpMetadata), AwsError> {
    const MEMBER: &str = "sAMLMetadataDocument";
    let document = params.required("SAMLMetadataDocument", MEMBER)?;
    let n = document.chars().count();
    if n < 1000 {
        return Err(AwsError::constraint(
            MEMBER,
            None,
            "Member must have length greater than or equal to 1000",
        ));
    }
    if n > 10_000_000 {
        return Err(AwsError::constraint(
            MEMBER,
            None,
            "Member must have length less than or equal to 10000000",
        ));
    }
    Ok((document, parse_saml_metadata(document)?))
}

pub(super) fn saml_name(name: &str) -> Result<(), AwsError> {
    check_length("name", name, 1, 128)?;
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    {
        return Err(AwsError::constraint(
            "name",
            Some(name),
            "Member must satisfy regular expression pattern: [\\w._-]+",
        ));
    }
    Ok(())
}

pub(super) fn saml_not_found(provider_arn: &str) -> AwsError {
    AwsError::no_such_entity(format!("Manifest not found for arn {provider_arn}"))
}

pub(super) async fn create_saml_provider(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = params.required("Name", "name")?;
    saml_name(name)?;
    let (document, metadata) = metadata_param(params)?;
    let tags = tags_param(params)?;
    let account_id = caller.account_id();
    let provider_arn = Arn::saml_provider(state.partition(), account_id, name).into_string();
    authorize_on(
        state,
        caller,
        "CreateSAMLProvider",
        &Target::named(provider_arn.clone()),
        request_tag_keys(&tags),
    )
    .await?;
    state
        .store()
        .create_saml_provider(&SamlProvider {
            arn: provider_arn.clone(),
            account_id: account_id.to_string(),
            name: name.to_string(),
            metadata: document.to_string(),
            created_at: state.now().unix_timestamp(),
            valid_until: metadata.valid_until,
            tags: tags.clone(),
        })
        .await?;
    let mut result = vec![Xml::text("SAMLProviderArn", provider_arn)];
    result.extend(optional_tags(&tags));
    Ok(result)
}

/// Authorizes `action` on the SAML provider `provider_arn`, with its tags
/// when it exists.
pub(super) async fn authorize_saml(
    state: &AppState,
    caller: &Caller,
    action: &str,
    provider_arn: &str,
) -> Result<(), AwsError> {
    let mut target = Target::named(provider_arn);
    if let Some(provider) = state
        .store()
        .saml_provider(caller.account_id(), provider_arn)
        .await?
    {
        target.tags = provider.tags;
    }
    authorize_on(state, caller, action, &target, Vec::new()).await
}

pub(super) async fn get_saml_provider(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let provider_arn = arn_param(params, "SAMLProviderArn", "sAMLProviderArn")?;
    authorize_saml(state, caller, "GetSAMLProvider", provider_arn).await?;
    let provider = state
        .store()
        .saml_provider(caller.account_id(), provider_arn)
        .await?
        .ok_or_else(|| saml_not_found(provider_arn))?;
    let mut result = vec![
        Xml::text("SAMLMetadataDocument", provider.metadata),
        Xml::text("CreateDate", iso8601(provider.created_at)),
    ];
    if let Some(valid_until) = provider.valid_until {
        result.push(Xml::text("ValidUntil", iso8601(valid_until)));
    }
    result.extend(optional_tags(&provider.tags));
    Ok(result)
}

pub(super) async fn list_saml_providers(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<Xml>, AwsError> {
    authorize(state, caller, "ListSAMLProviders", "*").await?;
    let providers = state.store().saml_providers(caller.account_id()).await?;
    Ok(vec![members(
        "SAMLProviderList",
        providers
            .into_iter()
            .map(|p| {
                let mut entry = vec![Xml::text("Arn", p.arn)];
                if let Some(valid_until) = p.valid_until {
                    entry.push(Xml::text("ValidUntil", iso8601(valid_until)));
                }
                entry.push(Xml::text("CreateDate", iso8601(p.created_at)));
                entry
            })
            .collect(),
    )])
}

pub(super) async fn update_saml_provider(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let provider_arn = arn_param(params, "SAMLProviderArn", "sAMLProviderArn")?;
    let (document, metadata) = metadata_param(params)?;
    authorize_saml(state, caller, "UpdateSAMLProvider", provider_arn).await?;
    state
        .store()
        .update_saml_provider(
            caller.account_id(),
            provider_arn,
            document,
            metadata.valid_until,
        )
        .await?;
    Ok(vec![Xml::text("SAMLProviderArn", provider_arn)])
}

pub(super) async fn delete_saml_provider(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let provider_arn = arn_param(params, "SAMLProviderArn", "sAMLProviderArn")?;
    authorize_saml(state, caller, "DeleteSAMLProvider", provider_arn).await?;
    state
        .store()
        .delete_saml_provider(caller.account_id(), provider_arn)
        .await?;
    Ok(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::{Engine, engine::general_purpose::STANDARD};
    use time::macros::datetime;

    #[test]
    fn saml_metadata_needs_an_idp_signing_certificate() {
        let cert = STANDARD.encode([1u8; 32]);
        let doc = |key_use: &str| {
            format!(
                r#"<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/saml" validUntil="2030-01-01T00:00:00Z"><IDPSSODescriptor><KeyDescriptor{key_use}><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{cert}</X509Certificate></X509Data></KeyInfo></KeyDescriptor></IDPSSODescriptor></EntityDescriptor>"#
            )
        };
        let parsed = parse_saml_metadata(&doc("")).expect("no use = signing");
        assert_eq!(
            parsed.valid_until,
            Some(datetime!(2030-01-01 0:00 UTC).unix_timestamp())
        );
        assert!(parse_saml_metadata(&doc(r#" use="signing""#)).is_ok());
        assert!(parse_saml_metadata(&doc(r#" use="encryption""#)).is_err());
        let sp = doc("").replace("IDPSSODescriptor", "SPSSODescriptor");
        assert!(parse_saml_metadata(&sp).is_err());
        let not_base64 = doc("").replace(&cert, "not base64!");
        assert!(parse_saml_metadata(&not_base64).is_err());
        let two_roots = format!("{}{}", doc(""), doc(""));
        assert!(parse_saml_metadata(&two_roots).is_err());
        assert!(parse_saml_metadata("<EntityDescriptor>").is_err());
    }
}
