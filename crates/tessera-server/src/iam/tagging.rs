//! Tags of everything that carries them (users, roles, managed policies,
//! identity providers, MFA devices): one `Tag…`, `Untag…` and `List…Tags`
//! action, written once over what is tagged ([`Taggable`]).

use super::common::request_tag_keys;
use super::entities::TagListing;
use crate::action::members::{Member, Page, TagKeys, Tags};
use crate::action::{Access, Action, Context, Empty, Keys, Target};
use crate::actions::{ActionSpec, TAG_KEYS};
use crate::{AwsError, params::Params};
use std::fmt::Debug;
use std::future::Future;
use std::ops::Deref;
use tessera_store::{Tagged, TaggedKind};

/// Something that carries tags: how a request names it, how it is found
/// and authorized, and where the store keeps its tags.
pub(super) trait Taggable: Debug + Clone + Send + Sync + 'static {
    /// How a request names it (`UserName`, `PolicyArn`, `SerialNumber`, …).
    type Key: Member + Deref<Target = str> + Debug + Clone + Send + Sync;
    /// It, as stored.
    type Stored: Send;
    /// The member that names it.
    const KEY_MEMBER: &'static str;
    /// The kind, as the store's tags know it.
    const TAGGED: TaggedKind;
    /// `Tag…`.
    const TAG: ActionSpec;
    /// `Untag…`.
    const UNTAG: ActionSpec;
    /// `List…Tags`.
    const LIST_TAGS: ActionSpec;

    /// The one `key` names in the caller's account as stored, with its
    /// [`Target`] (an unknown one is named as the request names it).
    fn find(
        ctx: &Context<'_>,
        key: &str,
    ) -> impl Future<Output = Result<(Target, Option<Self::Stored>), AwsError>> + Send;
    /// The id the store keeps its tags under.
    fn owner_id(stored: &Self::Stored) -> &str;
    /// `NoSuchEntity`, in AWS's words for this kind, for `key`.
    fn not_found(key: &str) -> AwsError;
}

/// The access a call on `key` needs (to it as found, with the request's
/// `keys`), and it as stored.
async fn access<S: Taggable>(
    ctx: &Context<'_>,
    key: &str,
    keys: Keys,
) -> Result<(Access, Option<S::Stored>), AwsError> {
    let (target, stored) = S::find(ctx, key).await?;
    Ok((Access::On { target, keys }, stored))
}

/// It, as [`access`] found it, or `NoSuchEntity`.
fn found<S: Taggable>(stored: Option<S::Stored>, key: &str) -> Result<S::Stored, AwsError> {
    stored.ok_or_else(|| S::not_found(key))
}

/// `key` of kind `S` in the caller's account, as the store's tags name it.
fn tagged<'a, S: Taggable>(ctx: &Context<'a>, key: &'a str) -> Tagged<'a> {
    Tagged {
        kind: S::TAGGED,
        account_id: ctx.account_id(),
        name: key,
    }
}

/// `Tag{User,Role,Policy,OpenIDConnectProvider,SAMLProvider,MFADevice}`.
#[derive(Debug, Clone)]
pub(super) struct Tag<S: Taggable> {
    pub key: S::Key,
    pub tags: Tags,
}

impl<S: Taggable> Action for Tag<S> {
    const SPEC: ActionSpec = S::TAG;
    type Found = Option<S::Stored>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            key: params.required_member(S::KEY_MEMBER)?,
            tags: d.required("Tags"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        access::<S>(ctx, &self.key, request_tag_keys(&self.tags)).await
    }

    async fn run(self, ctx: &Context<'_>, stored: Self::Found) -> Result<Empty, AwsError> {
        found::<S>(stored, &self.key)?;
        ctx.store()
            .tag(tagged::<S>(ctx, &self.key), &self.tags)
            .await?;
        Ok(Empty)
    }
}

/// `Untag{User,Role,Policy,OpenIDConnectProvider,SAMLProvider,MFADevice}`.
#[derive(Debug, Clone)]
pub(super) struct Untag<S: Taggable> {
    pub key: S::Key,
    pub keys: TagKeys,
}

impl<S: Taggable> Action for Untag<S> {
    const SPEC: ActionSpec = S::UNTAG;
    type Found = Option<S::Stored>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            key: params.required_member(S::KEY_MEMBER)?,
            keys: d.required("TagKeys"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        let keys = vec![(TAG_KEYS.into(), self.keys.0.clone().into())];
        access::<S>(ctx, &self.key, keys).await
    }

    async fn run(self, ctx: &Context<'_>, stored: Self::Found) -> Result<Empty, AwsError> {
        found::<S>(stored, &self.key)?;
        ctx.store()
            .untag(tagged::<S>(ctx, &self.key), &self.keys)
            .await?;
        Ok(Empty)
    }
}

/// `List{User,Role,Policy,OpenIDConnectProvider,SAMLProvider,MFADevice}Tags`.
#[derive(Debug, Clone)]
pub(super) struct ListTags<S: Taggable> {
    pub key: S::Key,
    pub page: Page,
}

impl<S: Taggable> Action for ListTags<S> {
    const SPEC: ActionSpec = S::LIST_TAGS;
    type Found = Option<S::Stored>;
    type Output = TagListing;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            key: params.required_member(S::KEY_MEMBER)?,
            page: d.read(Page::read(params)).unwrap_or_default(),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        access::<S>(ctx, &self.key, Vec::new()).await
    }

    async fn run(self, ctx: &Context<'_>, stored: Self::Found) -> Result<TagListing, AwsError> {
        let stored = found::<S>(stored, &self.key)?;
        let (after, limit) = (self.page.after.as_deref(), self.page.fetch_limit());
        let rows = ctx.store().tags(S::owner_id(&stored), after, limit).await?;
        Ok(TagListing(self.page.finish(rows, |(k, _)| k.clone())))
    }
}
