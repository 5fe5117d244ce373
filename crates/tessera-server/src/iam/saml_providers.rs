//! IAM SAML providers.

use super::common::{iso8601, request_tag_keys};
use super::provider_params::optional_tags;
use crate::action::members::{ArnText, SamlMetadataDocument, SamlProviderName, Tags};
use crate::action::{Access, Action, Context, Empty, Encode, Target};
use crate::actions::{ActionSpec, R, TAGGING, spec};
use crate::{AppState, AwsError, params::Params, xml::Xml};
use tessera_arn::Arn;
use tessera_federation::saml::IdpMetadata;
use tessera_store::SamlProvider;

/// Reads SAML 2.0 IdP metadata (an `EntityDescriptor` with an `entityID`
/// and an `IDPSSODescriptor` holding a signing certificate); any other
/// input is AWS's `InvalidInput`.
fn parse_saml_metadata(document: &str) -> Result<IdpMetadata, AwsError> {
    IdpMetadata::parse(document).map_err(|_| AwsError::invalid_input("Could not parse metadata"))
}

/// A metadata document as given, with its `validUntil` (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Metadata {
    pub document: String,
    pub valid_until: Option<i64>,
}

/// `SAMLMetadataDocument`, read as IdP metadata.
fn metadata_member(params: &Params) -> Result<Metadata, AwsError> {
    let document: String = params
        .required_member::<SamlMetadataDocument>("SAMLMetadataDocument")?
        .into();
    let valid_until = parse_saml_metadata(&document)?.valid_until;
    Ok(Metadata {
        document,
        valid_until,
    })
}

fn saml_not_found(provider_arn: &str) -> AwsError {
    AwsError::no_such_entity(format!("Manifest not found for arn {provider_arn}"))
}

/// The provider `arn` of the caller's account as stored, with its
/// [`Target`] (its tags, when it exists).
async fn find_provider(
    ctx: &Context<'_>,
    arn: &str,
) -> Result<(Target, Option<SamlProvider>), AwsError> {
    let provider = ctx.store().saml_provider(ctx.account_id(), arn).await?;
    let mut target = Target::named(arn);
    if let Some(provider) = &provider {
        target.tags = provider.tags.clone();
    }
    Ok((target, provider))
}

/// A provider's ARN, with the tags it was created with: the result of
/// `CreateSAMLProvider` and `UpdateSAMLProvider` (which has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SamlProviderArn {
    pub arn: String,
    pub tags: Vec<(String, String)>,
}

impl Encode for SamlProviderArn {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        let mut result = vec![Xml::text("SAMLProviderArn", self.arn)];
        result.extend(optional_tags(&self.tags));
        result
    }
}

/// A provider in `GetSAMLProvider`'s shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SamlProviderResult(pub SamlProvider);

impl Encode for SamlProviderResult {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        let provider = self.0;
        let mut result = vec![
            Xml::text("SAMLMetadataDocument", provider.metadata),
            Xml::text("CreateDate", iso8601(provider.created_at)),
        ];
        if let Some(valid_until) = provider.valid_until {
            result.push(Xml::text("ValidUntil", iso8601(valid_until)));
        }
        result.extend(optional_tags(&provider.tags));
        result
    }
}

/// The providers of `ListSAMLProviders`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SamlProviderList(pub Vec<SamlProvider>);

impl Encode for SamlProviderList {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        vec![crate::xml::members(
            "SAMLProviderList",
            self.0
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
        )]
    }
}

/// `CreateSAMLProvider`.
#[derive(Debug, Clone)]
pub(super) struct CreateSamlProvider {
    pub name: SamlProviderName,
    pub metadata: Metadata,
    pub tags: Tags,
}

impl Action for CreateSamlProvider {
    const SPEC: ActionSpec = spec("iam:CreateSAMLProvider", R::SamlProvider, TAGGING);
    type Found = String;
    type Output = SamlProviderArn;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        Ok(Self {
            name: params.required_member("Name")?,
            metadata: metadata_member(params)?,
            tags: params.member("Tags")?.unwrap_or_default(),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, String), AwsError> {
        let arn = Arn::saml_provider(ctx.partition(), ctx.account_id(), &self.name).into_string();
        let target = Target::named(arn.clone());
        let keys = request_tag_keys(&self.tags);
        Ok((Access::On { target, keys }, arn))
    }

    async fn run(self, ctx: &Context<'_>, arn: String) -> Result<SamlProviderArn, AwsError> {
        ctx.store()
            .create_saml_provider(&SamlProvider {
                arn: arn.clone(),
                account_id: ctx.account_id().to_string(),
                name: self.name.into(),
                metadata: self.metadata.document,
                created_at: ctx.now(),
                valid_until: self.metadata.valid_until,
                tags: self.tags.0.clone(),
            })
            .await?;
        Ok(SamlProviderArn {
            arn,
            tags: self.tags.0,
        })
    }
}

/// `GetSAMLProvider`.
#[derive(Debug, Clone)]
pub(super) struct GetSamlProvider {
    pub arn: ArnText,
}

impl Action for GetSamlProvider {
    const SPEC: ActionSpec = spec("iam:GetSAMLProvider", R::SamlProvider, &[]);
    type Found = Option<SamlProvider>;
    type Output = SamlProviderResult;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        Ok(Self {
            arn: params.required_member("SAMLProviderArn")?,
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<SamlProvider>), AwsError> {
        let (target, provider) = find_provider(ctx, &self.arn).await?;
        Ok((Access::on(target), provider))
    }

    async fn run(
        self,
        _ctx: &Context<'_>,
        provider: Option<SamlProvider>,
    ) -> Result<SamlProviderResult, AwsError> {
        let provider = provider.ok_or_else(|| saml_not_found(&self.arn))?;
        Ok(SamlProviderResult(provider))
    }
}

/// `ListSAMLProviders`: every provider of the account.
#[derive(Debug, Clone)]
pub(super) struct ListSamlProviders;

impl Action for ListSamlProviders {
    const SPEC: ActionSpec = spec("iam:ListSAMLProviders", R::None, &[]);
    type Found = ();
    type Output = SamlProviderList;

    fn decode(_params: &Params) -> Result<Self, AwsError> {
        Ok(Self)
    }

    async fn access(&self, _ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        Ok((Access::on_arn("*"), ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<SamlProviderList, AwsError> {
        let providers = ctx.store().saml_providers(ctx.account_id()).await?;
        Ok(SamlProviderList(providers))
    }
}

/// `UpdateSAMLProvider`: replaces the metadata document.
#[derive(Debug, Clone)]
pub(super) struct UpdateSamlProvider {
    pub arn: ArnText,
    pub metadata: Metadata,
}

impl Action for UpdateSamlProvider {
    const SPEC: ActionSpec = spec("iam:UpdateSAMLProvider", R::SamlProvider, &[]);
    type Found = ();
    type Output = SamlProviderArn;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        Ok(Self {
            arn: params.required_member("SAMLProviderArn")?,
            metadata: metadata_member(params)?,
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        let (target, _) = find_provider(ctx, &self.arn).await?;
        Ok((Access::on(target), ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<SamlProviderArn, AwsError> {
        ctx.store()
            .update_saml_provider(
                ctx.account_id(),
                &self.arn,
                &self.metadata.document,
                self.metadata.valid_until,
            )
            .await?;
        Ok(SamlProviderArn {
            arn: self.arn.into(),
            tags: Vec::new(),
        })
    }
}

/// `DeleteSAMLProvider`.
#[derive(Debug, Clone)]
pub(super) struct DeleteSamlProvider {
    pub arn: ArnText,
}

impl Action for DeleteSamlProvider {
    const SPEC: ActionSpec = spec("iam:DeleteSAMLProvider", R::SamlProvider, &[]);
    type Found = ();
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        Ok(Self {
            arn: params.required_member("SAMLProviderArn")?,
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        let (target, _) = find_provider(ctx, &self.arn).await?;
        Ok((Access::on(target), ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<Empty, AwsError> {
        ctx.store()
            .delete_saml_provider(ctx.account_id(), &self.arn)
            .await?;
        Ok(Empty)
    }
}

crate::action::action_table!(
    CreateSamlProvider,
    GetSamlProvider,
    ListSamlProviders,
    UpdateSamlProvider,
    DeleteSamlProvider,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::members::Scalar;
    use crate::action::testing::Fixture;
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

    /// Metadata long enough for the model (1,000 characters), valid until
    /// `year`.
    fn metadata(year: u32) -> Metadata {
        let cert = STANDARD.encode([7u8; 800]);
        let document = format!(
            r#"<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/saml" validUntil="{year}-01-01T00:00:00Z"><IDPSSODescriptor><KeyDescriptor><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{cert}</X509Certificate></X509Data></KeyInfo></KeyDescriptor></IDPSSODescriptor></EntityDescriptor>"#
        );
        let valid_until = parse_saml_metadata(&document)
            .expect("metadata")
            .valid_until;
        Metadata {
            document,
            valid_until,
        }
    }

    fn arn(text: &str) -> ArnText {
        ArnText::parse("sAMLProviderArn", text).expect("valid ARN")
    }

    fn create(name: &str) -> CreateSamlProvider {
        CreateSamlProvider {
            name: SamlProviderName::parse("name", name).expect("name"),
            metadata: metadata(2030),
            tags: Tags(vec![("team".into(), "blue".into())]),
        }
    }

    #[test]
    fn a_short_document_is_refused_without_being_echoed() {
        let params = Params::from_request(
            "Name=idp&SAMLMetadataDocument=%3Cshort%3E",
            None,
            b"",
            crate::params::BodyRule::ByContentType,
        )
        .expect("params");
        let error = CreateSamlProvider::decode(&params).expect_err("short");
        assert_eq!(
            error.message,
            "1 validation error detected: Value null at 'sAMLMetadataDocument' failed to satisfy constraint: Member must have length greater than or equal to 1000"
        );
    }

    #[tokio::test]
    async fn a_created_provider_is_read_listed_updated_and_deleted() {
        let fx = Fixture::new().await;
        let created = fx.call(create("idp")).await.expect("created");
        let expected = format!("arn:aws:iam::{}:saml-provider/idp", fx.account_id);
        assert_eq!(
            created,
            SamlProviderArn {
                arn: expected.clone(),
                tags: vec![("team".into(), "blue".into())],
            }
        );
        let error = fx.call(create("idp")).await.expect_err("exists");
        assert_eq!(error.code.as_ref(), "EntityAlreadyExists");

        let SamlProviderResult(read) = fx
            .call(GetSamlProvider {
                arn: arn(&expected),
            })
            .await
            .expect("read");
        assert_eq!(read.metadata, metadata(2030).document);
        assert_eq!(read.valid_until, metadata(2030).valid_until);
        assert_eq!(read.tags, vec![("team".into(), "blue".into())]);

        let updated = fx
            .call(UpdateSamlProvider {
                arn: arn(&expected),
                metadata: metadata(2031),
            })
            .await
            .expect("updated");
        assert_eq!(
            updated,
            SamlProviderArn {
                arn: expected.clone(),
                tags: Vec::new(),
            }
        );
        let listed = fx.call(ListSamlProviders).await.expect("list").0;
        let entries: Vec<_> = listed
            .iter()
            .map(|p| (p.arn.as_str(), p.valid_until))
            .collect();
        assert_eq!(
            entries,
            vec![(expected.as_str(), metadata(2031).valid_until)]
        );

        fx.call(DeleteSamlProvider {
            arn: arn(&expected),
        })
        .await
        .expect("deleted");
        let error = fx
            .call(GetSamlProvider {
                arn: arn(&expected),
            })
            .await
            .expect_err("gone");
        assert_eq!(
            (error.code.as_ref(), error.message),
            (
                "NoSuchEntity",
                format!("Manifest not found for arn {expected}")
            )
        );
    }
}
