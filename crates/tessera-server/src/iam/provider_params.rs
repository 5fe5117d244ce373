//! What the identity-provider and MFA-device areas share, and the actions
//! written once over the kind of identity provider they act on
//! ([`ProviderKind`]): reading, listing and deleting one.

use super::common::tags_xml;
use crate::action::members::ArnText;
use crate::action::{Access, Action, Context, Empty, Encode, Target};
use crate::actions::ActionSpec;
use crate::{AppState, AwsError, params::Params, xml::Xml};
use std::fmt::Debug;
use std::future::Future;
use std::marker::PhantomData;

pub(super) fn internal(error: impl std::fmt::Display) -> AwsError {
    tracing::error!(%error, "IAM provider action failed");
    AwsError::internal()
}

/// `Tags` in a response, only when there are any (as IAM omits empty lists
/// of optional tags).
pub(super) fn optional_tags(tags: &[(String, String)]) -> Option<Xml> {
    (!tags.is_empty()).then(|| tags_xml(tags))
}

/// OpenID Connect providers, as a kind of identity provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct OidcKind;
/// SAML providers, as a kind of identity provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct SamlKind;

/// A kind of identity provider: how one is stored and shown, with the
/// declarations of the actions every kind has.
pub(super) trait ProviderKind:
    Debug + Clone + PartialEq + Eq + Send + Sync + 'static
{
    /// The provider as stored.
    type Provider: Debug + Clone + PartialEq + Eq + Send + Sync;
    /// The member that names a provider by its ARN
    /// (`OpenIDConnectProviderArn`, `SAMLProviderArn`).
    const ARN_MEMBER: &'static str;
    /// The list of `List…Providers` (`OpenIDConnectProviderList`, …).
    const LISTED: &'static str;
    /// `Get…Provider`.
    const GET: ActionSpec;
    /// `List…Providers`.
    const LIST: ActionSpec;
    /// `Delete…Provider`.
    const DELETE: ActionSpec;

    /// The provider `arn` of the caller's account as stored.
    fn by_arn(
        ctx: &Context<'_>,
        arn: &str,
    ) -> impl Future<Output = Result<Option<Self::Provider>, AwsError>> + Send;
    /// Every provider of the caller's account.
    fn all(ctx: &Context<'_>)
    -> impl Future<Output = Result<Vec<Self::Provider>, AwsError>> + Send;
    /// Deletes the provider `arn` of the caller's account.
    fn delete(ctx: &Context<'_>, arn: &str) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// Whether deleting a provider that does not exist succeeds (AWS
    /// documents `DeleteOpenIDConnectProvider` as idempotent, and answers
    /// `DeleteSAMLProvider` of an unknown provider `NoSuchEntity`).
    const DELETE_IS_IDEMPOTENT: bool;
    /// The provider's tags.
    fn tags(provider: &Self::Provider) -> &[(String, String)];
    /// `NoSuchEntity`, in AWS's words for this kind, for the provider `arn`.
    fn not_found(arn: &str) -> AwsError;
    /// A provider in `Get…Provider`'s shape.
    fn provider_xml(provider: Self::Provider) -> Vec<Xml>;
    /// A provider as `List…Providers` lists it.
    fn listed_xml(provider: Self::Provider) -> Vec<Xml>;
}

/// The provider `arn` of the caller's account as stored, with the access a
/// call on it needs: to its ARN, with its tags when it exists.
pub(super) async fn provider_access<K: ProviderKind>(
    ctx: &Context<'_>,
    arn: &str,
) -> Result<(Access, Option<K::Provider>), AwsError> {
    let (target, provider) = provider_target::<K>(ctx, arn).await?;
    Ok((Access::on(target), provider))
}

/// The provider `arn` of the caller's account as stored, with its
/// [`Target`]: its ARN, with its tags when it exists.
pub(super) async fn provider_target<K: ProviderKind>(
    ctx: &Context<'_>,
    arn: &str,
) -> Result<(Target, Option<K::Provider>), AwsError> {
    let provider = K::by_arn(ctx, arn).await?;
    let mut target = Target::named(arn);
    if let Some(provider) = &provider {
        target.tags = K::tags(provider).to_vec();
    }
    Ok((target, provider))
}

/// A provider in `Get…Provider`'s shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ProviderResult<K: ProviderKind>(pub K::Provider);

impl<K: ProviderKind> Encode for ProviderResult<K> {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        K::provider_xml(self.0)
    }
}

/// The providers of `List…Providers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ProviderList<K: ProviderKind>(pub Vec<K::Provider>);

impl<K: ProviderKind> Encode for ProviderList<K> {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        let listed = self.0.into_iter().map(K::listed_xml).collect();
        vec![crate::xml::members(K::LISTED, listed)]
    }
}

/// `Get{OpenIDConnect,SAML}Provider`.
#[derive(Debug, Clone)]
pub(super) struct GetProvider<K: ProviderKind> {
    pub arn: ArnText,
    pub kind: PhantomData<K>,
}

impl<K: ProviderKind> Action for GetProvider<K> {
    const SPEC: ActionSpec = K::GET;
    type Found = Option<K::Provider>;
    type Output = ProviderResult<K>;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            arn: params.required_member(K::ARN_MEMBER)?,
            kind: PhantomData,
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        provider_access::<K>(ctx, &self.arn).await
    }

    async fn run(
        self,
        _ctx: &Context<'_>,
        provider: Self::Found,
    ) -> Result<ProviderResult<K>, AwsError> {
        let provider = provider.ok_or_else(|| K::not_found(&self.arn))?;
        Ok(ProviderResult(provider))
    }
}

/// `List{OpenIDConnect,SAML}Providers`: every provider of the account.
#[derive(Debug, Clone)]
pub(super) struct ListProviders<K: ProviderKind> {
    pub kind: PhantomData<K>,
}

impl<K: ProviderKind> Action for ListProviders<K> {
    const SPEC: ActionSpec = K::LIST;
    type Found = ();
    type Output = ProviderList<K>;

    fn decode(_params: &Params) -> Result<Self, AwsError> {
        Ok(Self { kind: PhantomData })
    }

    async fn access(&self, _ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        Ok((Access::on_arn("*"), ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<ProviderList<K>, AwsError> {
        Ok(ProviderList(K::all(ctx).await?))
    }
}

/// `Delete{OpenIDConnect,SAML}Provider`.
#[derive(Debug, Clone)]
pub(super) struct DeleteProvider<K: ProviderKind> {
    pub arn: ArnText,
    pub kind: PhantomData<K>,
}

impl<K: ProviderKind> Action for DeleteProvider<K> {
    const SPEC: ActionSpec = K::DELETE;
    type Found = Option<K::Provider>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            arn: params.required_member(K::ARN_MEMBER)?,
            kind: PhantomData,
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        provider_access::<K>(ctx, &self.arn).await
    }

    /// The store answers `NoSuchEntity` for an unknown provider, which is
    /// the answer unless the kind's deletion is idempotent.
    async fn run(self, ctx: &Context<'_>, found: Self::Found) -> Result<Empty, AwsError> {
        if found.is_none() && K::DELETE_IS_IDEMPOTENT {
            return Ok(Empty);
        }
        K::delete(ctx, &self.arn).await?;
        Ok(Empty)
    }
}
