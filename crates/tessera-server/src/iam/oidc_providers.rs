//! IAM OpenID Connect providers.

use super::common::{Add, Remove, iso8601, request_tag_keys, tags_xml};
use super::provider_params::{
    DeleteProvider, GetProvider, ListProviders, OidcKind, ProviderKind, optional_tags,
    provider_access, provider_target,
};
use super::tagging::{ListTags, Tag, Taggable, Untag};
use crate::action::members::{ArnText, ClientId, List, OidcUrl, Tags, Thumbprints};
use crate::action::{Access, Action, Context, Empty, Encode, Target};
use crate::actions::{ActionSpec, R, TAG_KEYS, TAGGING, spec};
use crate::{AppState, AwsError, params::Params, xml::Xml};
use std::fmt::Debug;
use std::future::Future;
use tessera_arn::Arn;
use tessera_store::{OidcProvider, TaggedKind};

/// Most client ids an OIDC provider may have.
const MAX_CLIENT_IDS: usize = 100;

/// The provider's URL without `https://` (and without a trailing `/`), or
/// AWS's `InvalidInput`.
fn oidc_url(url: &str) -> Result<String, AwsError> {
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

impl ProviderKind for OidcKind {
    type Provider = OidcProvider;
    const ARN_MEMBER: &'static str = "OpenIDConnectProviderArn";
    const LISTED: &'static str = "OpenIDConnectProviderList";
    const GET: ActionSpec = spec("iam:GetOpenIDConnectProvider", R::OidcProvider, &[]);
    const LIST: ActionSpec = spec("iam:ListOpenIDConnectProviders", R::None, &[]);
    const DELETE: ActionSpec = spec("iam:DeleteOpenIDConnectProvider", R::OidcProvider, &[]);
    const DELETE_IS_IDEMPOTENT: bool = true;

    async fn by_arn(ctx: &Context<'_>, arn: &str) -> Result<Option<OidcProvider>, AwsError> {
        Ok(ctx.store().oidc_provider(ctx.account_id(), arn).await?)
    }

    async fn all(ctx: &Context<'_>) -> Result<Vec<OidcProvider>, AwsError> {
        Ok(ctx.store().oidc_providers(ctx.account_id()).await?)
    }

    async fn delete(ctx: &Context<'_>, arn: &str) -> Result<(), AwsError> {
        Ok(ctx
            .store()
            .delete_oidc_provider(ctx.account_id(), arn)
            .await?)
    }

    fn tags(provider: &OidcProvider) -> &[(String, String)] {
        &provider.tags
    }

    fn not_found(arn: &str) -> AwsError {
        AwsError::no_such_entity(format!("OpenIDConnect Provider not found for arn {arn}"))
    }

    fn provider_xml(provider: OidcProvider) -> Vec<Xml> {
        let texts = |name, values: Vec<String>| {
            Xml::node(
                name,
                values.into_iter().map(|v| Xml::text("member", v)).collect(),
            )
        };
        let mut result = vec![
            Xml::text("Url", provider.url),
            texts("ClientIDList", provider.client_ids),
            texts("ThumbprintList", provider.thumbprints),
            Xml::text("CreateDate", iso8601(provider.created_at)),
        ];
        result.push(tags_xml(&provider.tags));
        result
    }

    fn listed_xml(provider: OidcProvider) -> Vec<Xml> {
        vec![Xml::text("Arn", provider.arn)]
    }
}

/// A created provider: its ARN and tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CreatedOidcProvider {
    pub arn: String,
    pub tags: Vec<(String, String)>,
}

impl Encode for CreatedOidcProvider {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        let mut result = vec![Xml::text("OpenIDConnectProviderArn", self.arn)];
        result.extend(optional_tags(&self.tags));
        result
    }
}

/// `CreateOpenIDConnectProvider`.
#[derive(Debug, Clone)]
pub(super) struct CreateOpenIdConnectProvider {
    /// The URL without `https://`, as [`oidc_url`] makes it.
    pub url: String,
    /// The client ids, each once, in the order given.
    pub client_ids: Vec<String>,
    pub thumbprints: Thumbprints,
    pub tags: Tags,
}

impl Action for CreateOpenIdConnectProvider {
    const SPEC: ActionSpec = spec("iam:CreateOpenIDConnectProvider", R::OidcProvider, TAGGING);
    type Found = String;
    type Output = CreatedOidcProvider;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        let url = d.required::<OidcUrl>("Url");
        let listed: List<ClientId> = d.member("ClientIDList").unwrap_or_default();
        let thumbprints = d.member("ThumbprintList").unwrap_or_default();
        let tags = d.member("Tags").unwrap_or_default();
        // Every member's constraints are reported together, before the
        // URL is read and the client ids counted.
        d.finish(())?;
        let url = oidc_url(&url)?;
        let mut client_ids: Vec<String> = Vec::new();
        for id in listed.0 {
            if !client_ids.iter().any(|c| c.as_str() == &*id) {
                client_ids.push(id.into());
            }
        }
        if client_ids.len() > MAX_CLIENT_IDS {
            return Err(AwsError::limit_exceeded(format!(
                "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {MAX_CLIENT_IDS}"
            )));
        }
        Ok(Self {
            url,
            client_ids,
            thumbprints,
            tags,
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, String), AwsError> {
        let arn = Arn::oidc_provider(ctx.partition(), ctx.account_id(), &self.url).into_string();
        let target = Target::named(arn.clone());
        let keys = request_tag_keys(&self.tags);
        Ok((Access::On { target, keys }, arn))
    }

    async fn run(self, ctx: &Context<'_>, arn: String) -> Result<CreatedOidcProvider, AwsError> {
        ctx.store()
            .create_oidc_provider(&OidcProvider {
                arn: arn.clone(),
                account_id: ctx.account_id().to_string(),
                url: self.url,
                client_ids: self.client_ids,
                thumbprints: self.thumbprints.0,
                created_at: ctx.now(),
                tags: self.tags.0.clone(),
            })
            .await?;
        Ok(CreatedOidcProvider {
            arn,
            tags: self.tags.0,
        })
    }
}

/// A change of a provider's client ids: [`Add`] adds one, [`Remove`]
/// removes it.
pub(super) trait ClientIdChange: Debug + Clone + Default + Send + Sync + 'static {
    /// `AddClientIDToOpenIDConnectProvider` or
    /// `RemoveClientIDFromOpenIDConnectProvider`.
    const SPEC: ActionSpec;

    /// Adds `client_id` to the provider `arn`, or removes it.
    fn apply(
        &self,
        ctx: &Context<'_>,
        arn: &str,
        client_id: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
}

impl ClientIdChange for Add {
    const SPEC: ActionSpec = spec(
        "iam:AddClientIDToOpenIDConnectProvider",
        R::OidcProvider,
        &[],
    );

    async fn apply(&self, ctx: &Context<'_>, arn: &str, client_id: &str) -> Result<(), AwsError> {
        let store = ctx.store();
        Ok(store
            .add_oidc_client_id(ctx.account_id(), arn, client_id)
            .await?)
    }
}

impl ClientIdChange for Remove {
    const SPEC: ActionSpec = spec(
        "iam:RemoveClientIDFromOpenIDConnectProvider",
        R::OidcProvider,
        &[],
    );

    async fn apply(&self, ctx: &Context<'_>, arn: &str, client_id: &str) -> Result<(), AwsError> {
        let store = ctx.store();
        Ok(store
            .remove_oidc_client_id(ctx.account_id(), arn, client_id)
            .await?)
    }
}

/// `AddClientIDToOpenIDConnectProvider` and
/// `RemoveClientIDFromOpenIDConnectProvider`.
#[derive(Debug, Clone)]
pub(super) struct OidcClientId<C: ClientIdChange> {
    /// Adding the client id or removing it.
    pub change: C,
    pub client_id: ClientId,
    pub arn: ArnText,
}

impl<C: ClientIdChange> Action for OidcClientId<C> {
    const SPEC: ActionSpec = C::SPEC;
    type Found = Option<OidcProvider>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            change: C::default(),
            client_id: d.required("ClientID"),
            arn: d.required("OpenIDConnectProviderArn"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        provider_access::<OidcKind>(ctx, &self.arn).await
    }

    async fn run(self, ctx: &Context<'_>, _: Self::Found) -> Result<Empty, AwsError> {
        self.change.apply(ctx, &self.arn, &self.client_id).await?;
        Ok(Empty)
    }
}

/// `UpdateOpenIDConnectProviderThumbprint`: replaces the thumbprints.
#[derive(Debug, Clone)]
pub(super) struct UpdateOpenIdConnectProviderThumbprint {
    pub thumbprints: Thumbprints,
    pub arn: ArnText,
}

impl Action for UpdateOpenIdConnectProviderThumbprint {
    const SPEC: ActionSpec = spec(
        "iam:UpdateOpenIDConnectProviderThumbprint",
        R::OidcProvider,
        &[],
    );
    type Found = Option<OidcProvider>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            thumbprints: d.member("ThumbprintList").unwrap_or_default(),
            arn: d.required("OpenIDConnectProviderArn"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        provider_access::<OidcKind>(ctx, &self.arn).await
    }

    async fn run(self, ctx: &Context<'_>, _: Self::Found) -> Result<Empty, AwsError> {
        ctx.store()
            .set_oidc_thumbprints(ctx.account_id(), &self.arn, &self.thumbprints)
            .await?;
        Ok(Empty)
    }
}

impl Taggable for OidcKind {
    type Key = ArnText;
    type Stored = OidcProvider;
    const KEY_MEMBER: &'static str = "OpenIDConnectProviderArn";
    const TAGGED: TaggedKind = TaggedKind::OidcProvider;
    const TAG: ActionSpec = spec("iam:TagOpenIDConnectProvider", R::OidcProvider, TAGGING);
    const UNTAG: ActionSpec = spec(
        "iam:UntagOpenIDConnectProvider",
        R::OidcProvider,
        &[TAG_KEYS],
    );
    const LIST_TAGS: ActionSpec = spec("iam:ListOpenIDConnectProviderTags", R::OidcProvider, &[]);

    async fn find(
        ctx: &Context<'_>,
        arn: &str,
    ) -> Result<(Target, Option<OidcProvider>), AwsError> {
        provider_target::<Self>(ctx, arn).await
    }

    /// A provider's tags are kept under its ARN.
    fn owner_id(provider: &OidcProvider) -> &str {
        &provider.arn
    }

    fn not_found(arn: &str) -> AwsError {
        <Self as ProviderKind>::not_found(arn)
    }
}

crate::action::action_table!(
    CreateOpenIdConnectProvider,
    GetProvider<OidcKind>,
    ListProviders<OidcKind>,
    DeleteProvider<OidcKind>,
    Tag<OidcKind>,
    Untag<OidcKind>,
    ListTags<OidcKind>,
    OidcClientId<Add>,
    OidcClientId<Remove>,
    UpdateOpenIdConnectProviderThumbprint,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::members::Scalar;
    use crate::action::testing::Fixture;
    use crate::iam::provider_params::ProviderResult;
    use std::marker::PhantomData;

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

    const THUMBPRINT: &str = "9E99A48A9960B14926BB7F3B02E22DA2B0AB7280";

    fn arn(text: &str) -> ArnText {
        ArnText::parse("openIDConnectProviderArn", text).expect("valid ARN")
    }

    fn params(query: &str) -> Params {
        Params::from_request(query, None, b"", crate::params::BodyRule::ByContentType)
            .expect("params")
    }

    fn create(url: &str) -> CreateOpenIdConnectProvider {
        CreateOpenIdConnectProvider {
            url: oidc_url(url).expect("url"),
            client_ids: vec!["app".into()],
            thumbprints: Thumbprints(vec![THUMBPRINT.to_ascii_lowercase()]),
            tags: Tags(vec![("team".into(), "blue".into())]),
        }
    }

    #[test]
    fn client_ids_are_kept_once_each_and_thumbprints_lower_cased() {
        let input = CreateOpenIdConnectProvider::decode(&params(&format!(
            "Url=https://idp.example.com/&ClientIDList.member.1=a&ClientIDList.member.2=b&ClientIDList.member.3=a&ThumbprintList.member.1={THUMBPRINT}"
        )))
        .expect("decoded");
        assert_eq!(input.url, "idp.example.com");
        assert_eq!(input.client_ids, vec!["a", "b"]);
        assert_eq!(input.thumbprints.0, vec![THUMBPRINT.to_ascii_lowercase()]);
        let error = CreateOpenIdConnectProvider::decode(&params(
            "Url=https://idp.example.com&ClientIDList.member.1=",
        ))
        .expect_err("empty client id");
        assert!(
            error.message.contains("at 'clientIDList.member'"),
            "{}",
            error.message
        );
        let error = CreateOpenIdConnectProvider::decode(&params(
            "Url=https://idp.example.com&ThumbprintList.member.1=abc",
        ))
        .expect_err("short thumbprint");
        assert_eq!(
            error.message,
            "1 validation error detected: Value '[abc]' at 'thumbprintList' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 40, Member must have length greater than or equal to 40]"
        );
    }

    #[tokio::test]
    async fn a_created_provider_is_read_listed_updated_and_deleted() {
        let fx = Fixture::new().await;
        let created = fx
            .call(create("https://idp.example.com/"))
            .await
            .expect("created");
        let expected = format!(
            "arn:aws:iam::{}:oidc-provider/idp.example.com",
            fx.account_id
        );
        assert_eq!(created.arn, expected);
        assert_eq!(created.tags, vec![("team".into(), "blue".into())]);
        let error = fx
            .call(create("https://idp.example.com"))
            .await
            .expect_err("exists");
        assert_eq!(error.code.as_ref(), "EntityAlreadyExists");

        fx.call(OidcClientId {
            change: Add,
            client_id: ClientId::parse("clientID", "other").expect("id"),
            arn: arn(&expected),
        })
        .await
        .expect("added");
        fx.call(OidcClientId {
            change: Remove,
            client_id: ClientId::parse("clientID", "app").expect("id"),
            arn: arn(&expected),
        })
        .await
        .expect("removed");
        fx.call(UpdateOpenIdConnectProviderThumbprint {
            thumbprints: Thumbprints(vec!["0".repeat(40)]),
            arn: arn(&expected),
        })
        .await
        .expect("updated");
        let ProviderResult(read) = fx
            .call(GetProvider::<OidcKind> {
                arn: arn(&expected),
                kind: PhantomData,
            })
            .await
            .expect("read");
        assert_eq!(read.url, "idp.example.com");
        assert_eq!(read.client_ids, vec!["other"]);
        assert_eq!(read.thumbprints, vec!["0".repeat(40)]);

        let listed = fx
            .call(ListProviders::<OidcKind> { kind: PhantomData })
            .await
            .expect("list")
            .0;
        let arns: Vec<_> = listed.iter().map(|p| p.arn.as_str()).collect();
        assert_eq!(arns, vec![expected.as_str()]);

        fx.call(DeleteProvider::<OidcKind> {
            arn: arn(&expected),
            kind: PhantomData,
        })
        .await
        .expect("deleted");
        let error = fx
            .call(GetProvider::<OidcKind> {
                arn: arn(&expected),
                kind: PhantomData,
            })
            .await
            .expect_err("gone");
        assert_eq!(
            (error.code.as_ref(), error.message),
            (
                "NoSuchEntity",
                format!("OpenIDConnect Provider not found for arn {expected}")
            )
        );
    }
}
