//! IAM SAML providers.

use super::common::{iso8601, request_tag_keys, tags_xml};
use super::provider_params::{
    DeleteProvider, GetProvider, ListProviders, ProviderKind, SamlKind, optional_tags,
    provider_access, provider_target,
};
use super::tagging::{ListTags, Tag, Taggable, Untag};
use crate::action::members::{ArnText, SamlMetadataDocument, SamlProviderName, Tags};
use crate::action::{Access, Action, Context, Encode, Target};
use crate::actions::{ActionSpec, R, TAG_KEYS, TAGGING, spec};
use crate::{AppState, AwsError, params::Params, xml::Xml};
use tessera_arn::Arn;
use tessera_federation::saml::IdpMetadata;
use tessera_store::{SamlProvider, TaggedKind};

/// Reads SAML 2.0 IdP metadata (an `EntityDescriptor` with an `entityID`
/// and an `IDPSSODescriptor` holding a signing certificate); any other
/// input is AWS's `InvalidInput`.
fn parse_saml_metadata(document: &str) -> Result<IdpMetadata, AwsError> {
    IdpMetadata::parse(document).map_err(|_| AwsError::invalid_input("Could not parse metadata"))
}

/// A metadata document as given, with its `validUntil` (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
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

impl ProviderKind for SamlKind {
    type Provider = SamlProvider;
    const ARN_MEMBER: &'static str = "SAMLProviderArn";
    const LISTED: &'static str = "SAMLProviderList";
    const GET: ActionSpec = spec("iam:GetSAMLProvider", R::SamlProvider, &[]);
    const LIST: ActionSpec = spec("iam:ListSAMLProviders", R::None, &[]);
    const DELETE: ActionSpec = spec("iam:DeleteSAMLProvider", R::SamlProvider, &[]);
    const DELETE_IS_IDEMPOTENT: bool = false;

    async fn by_arn(ctx: &Context<'_>, arn: &str) -> Result<Option<SamlProvider>, AwsError> {
        Ok(ctx.store().saml_provider(ctx.account_id(), arn).await?)
    }

    async fn all(ctx: &Context<'_>) -> Result<Vec<SamlProvider>, AwsError> {
        Ok(ctx.store().saml_providers(ctx.account_id()).await?)
    }

    async fn delete(ctx: &Context<'_>, arn: &str) -> Result<(), AwsError> {
        Ok(ctx
            .store()
            .delete_saml_provider(ctx.account_id(), arn)
            .await?)
    }

    fn tags(provider: &SamlProvider) -> &[(String, String)] {
        &provider.tags
    }

    fn not_found(arn: &str) -> AwsError {
        AwsError::no_such_entity(format!("Manifest not found for arn {arn}"))
    }

    fn provider_xml(provider: SamlProvider) -> Vec<Xml> {
        let mut result = vec![
            Xml::text("SAMLMetadataDocument", provider.metadata),
            Xml::text("CreateDate", iso8601(provider.created_at)),
        ];
        if let Some(valid_until) = provider.valid_until {
            result.push(Xml::text("ValidUntil", iso8601(valid_until)));
        }
        result.push(tags_xml(&provider.tags));
        result
    }

    fn listed_xml(provider: SamlProvider) -> Vec<Xml> {
        let mut entry = vec![Xml::text("Arn", provider.arn)];
        if let Some(valid_until) = provider.valid_until {
            entry.push(Xml::text("ValidUntil", iso8601(valid_until)));
        }
        entry.push(Xml::text("CreateDate", iso8601(provider.created_at)));
        entry
    }
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
        let d = params.decoder();
        d.finish(Self {
            name: d.required("Name"),
            metadata: d.read(metadata_member(params)).unwrap_or_default(),
            tags: d.member("Tags").unwrap_or_default(),
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

/// `UpdateSAMLProvider`: replaces the metadata document.
#[derive(Debug, Clone)]
pub(super) struct UpdateSamlProvider {
    pub arn: ArnText,
    pub metadata: Metadata,
}

impl Action for UpdateSamlProvider {
    const SPEC: ActionSpec = spec("iam:UpdateSAMLProvider", R::SamlProvider, &[]);
    type Found = Option<SamlProvider>;
    type Output = SamlProviderArn;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            arn: d.required("SAMLProviderArn"),
            metadata: d.read(metadata_member(params)).unwrap_or_default(),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        provider_access::<SamlKind>(ctx, &self.arn).await
    }

    async fn run(self, ctx: &Context<'_>, _: Self::Found) -> Result<SamlProviderArn, AwsError> {
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

impl Taggable for SamlKind {
    type Key = ArnText;
    type Stored = SamlProvider;
    const KEY_MEMBER: &'static str = "SAMLProviderArn";
    const TAGGED: TaggedKind = TaggedKind::SamlProvider;
    const TAG: ActionSpec = spec("iam:TagSAMLProvider", R::SamlProvider, TAGGING);
    const UNTAG: ActionSpec = spec("iam:UntagSAMLProvider", R::SamlProvider, &[TAG_KEYS]);
    const LIST_TAGS: ActionSpec = spec("iam:ListSAMLProviderTags", R::SamlProvider, &[]);

    async fn find(
        ctx: &Context<'_>,
        arn: &str,
    ) -> Result<(Target, Option<SamlProvider>), AwsError> {
        provider_target::<Self>(ctx, arn).await
    }

    /// A provider's tags are kept under its ARN.
    fn owner_id(provider: &SamlProvider) -> &str {
        &provider.arn
    }

    fn not_found(arn: &str) -> AwsError {
        <Self as ProviderKind>::not_found(arn)
    }
}

crate::action::action_table!(
    CreateSamlProvider,
    GetProvider<SamlKind>,
    ListProviders<SamlKind>,
    UpdateSamlProvider,
    DeleteProvider<SamlKind>,
    Tag<SamlKind>,
    Untag<SamlKind>,
    ListTags<SamlKind>,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::members::Scalar;
    use crate::action::testing::Fixture;
    use crate::iam::provider_params::ProviderResult;
    use base64::{Engine, engine::general_purpose::STANDARD};
    use std::marker::PhantomData;
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

        let ProviderResult(read) = fx
            .call(GetProvider::<SamlKind> {
                arn: arn(&expected),
                kind: PhantomData,
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
        let listed = fx
            .call(ListProviders::<SamlKind> { kind: PhantomData })
            .await
            .expect("list")
            .0;
        let entries: Vec<_> = listed
            .iter()
            .map(|p| (p.arn.as_str(), p.valid_until))
            .collect();
        assert_eq!(
            entries,
            vec![(expected.as_str(), metadata(2031).valid_until)]
        );

        fx.call(DeleteProvider::<SamlKind> {
            arn: arn(&expected),
            kind: PhantomData,
        })
        .await
        .expect("deleted");
        let error = fx
            .call(GetProvider::<SamlKind> {
                arn: arn(&expected),
                kind: PhantomData,
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
