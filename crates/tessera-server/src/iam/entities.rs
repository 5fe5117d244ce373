//! The kinds of IAM entity (users, groups and roles), how one is found and
//! authorized on, and the actions written once over the kind they act on
//! ([`EntityKind`]): listing, renaming, deleting and tagging. Each area
//! declares its kind's actions where it implements these traits.

use crate::action::members::{IamPath, Member, Page, PathPrefix};
use crate::action::{Access, Action, Context, Empty, Encode, Keys, Listing, Target};
use crate::actions::ActionSpec;
use crate::{AppState, AwsError, params::Params, xml::Xml};
use std::fmt::Debug;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::Deref;
use tessera_arn::Arn;
use tessera_store::{OwnerKind, PolicyOwnerKind, Store, no_such_owner};

/// IAM users, as a kind of entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct UserKind;
/// IAM groups, as a kind of entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct GroupKind;
/// IAM roles, as a kind of entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct RoleKind;

/// A kind of entity: how one is stored, named and authorized on, with the
/// declarations of the actions every kind has.
pub(super) trait EntityKind: Debug + Clone + PartialEq + Eq + Send + Sync + 'static {
    /// The entity as stored.
    type Entity: Debug + Clone + PartialEq + Eq + Send + Sync;
    /// Its name, as the actions on an existing one take it
    /// (`existingUserNameType`, `groupNameType`, `roleNameType`).
    type Name: Member + Default + Deref<Target = str> + Debug + Clone + Send + Sync;
    /// What a page of `List…` shows of each entity.
    type Listed: Debug + Clone + PartialEq + Eq + Send;
    /// The kind, as the store knows the entities…
    const OWNER: PolicyOwnerKind;
    /// …and the holders of managed policies.
    const KIND: OwnerKind;
    /// The member that names the entity, in requests and results
    /// (`UserName`, …).
    const NAME_MEMBER: &'static str;
    /// The list of a `List…` result (`Users`, …).
    const LISTED: &'static str;
    /// `List{Users,Groups,Roles}`.
    const LIST: ActionSpec;
    /// `Delete{User,Group,Role}`.
    const DELETE: ActionSpec;
    /// The ARN of an entity, from its partition, account, path and name.
    const ARN: fn(&str, &str, &str, &str) -> Arn;

    /// The entity's unique id.
    fn id(entity: &Self::Entity) -> &str;
    /// The entity `name` of `account` as stored.
    fn by_name(
        store: &dyn Store,
        account: &str,
        name: &str,
    ) -> impl Future<Output = Result<Option<Self::Entity>, AwsError>> + Send;
    /// What authorization reads of a stored entity.
    fn target(
        state: &AppState,
        entity: &Self::Entity,
    ) -> impl Future<Output = Result<Target, AwsError>> + Send;
    /// The page of the entities of the caller's account whose path starts
    /// with `prefix`, by name, as `List…` shows them.
    fn list(
        ctx: &Context<'_>,
        prefix: &str,
        page: &Page,
    ) -> impl Future<Output = Result<Listing<Self::Listed>, AwsError>> + Send;
    /// One entity of a page of `List…`, in the kind's shape.
    fn listed_xml(state: &AppState, listed: Self::Listed) -> Vec<Xml>;
    /// Deletes the entity `name` of the caller's account (the store refuses
    /// while anything still refers to it).
    fn delete(ctx: &Context<'_>, name: &str) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// Refuses, with `UnmodifiableEntity`, a change to an entity that only
    /// the service it is linked to may make (a service-linked role's
    /// deletion, policies and trust).
    fn modifiable(_entity: &Self::Entity) -> Result<(), AwsError> {
        Ok(())
    }
}

/// A kind of entity that is renamed and moved (`Update{User,Group}`).
pub(super) trait RenameKind: EntityKind {
    /// The new name, as `Update…` takes it.
    type NewName: Member + Deref<Target = str> + Debug + Clone + Send + Sync;
    /// The member of the new name (`NewUserName`, …).
    const NEW_NAME_MEMBER: &'static str;
    /// `Update{User,Group}`.
    const UPDATE: ActionSpec;

    /// The entity's name and path, as stored.
    fn name_and_path(entity: &Self::Entity) -> (&str, &str);

    /// Renames and/or moves the entity `name` of the caller's account.
    fn update(
        ctx: &Context<'_>,
        name: &str,
        new_name: Option<&str>,
        new_path: Option<&str>,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
}

/// The entity `name` of kind `K` in `account` as stored, with its
/// [`Target`].
async fn stored<K: EntityKind>(
    state: &AppState,
    account: &str,
    name: &str,
) -> Result<Option<(K::Entity, Target)>, AwsError> {
    match K::by_name(state.store(), account, name).await? {
        Some(entity) => {
            let target = K::target(state, &entity).await?;
            Ok(Some((entity, target)))
        }
        None => Ok(None),
    }
}

/// The user, group or role (`noun`) `name` of `account_id` as stored: its
/// unique id and [`Target`].
pub(super) async fn entity_target(
    state: &AppState,
    account_id: &str,
    noun: &str,
    name: &str,
) -> Result<Option<(String, Target)>, AwsError> {
    async fn of<K: EntityKind>(
        state: &AppState,
        account_id: &str,
        name: &str,
    ) -> Result<Option<(String, Target)>, AwsError> {
        let found = stored::<K>(state, account_id, name).await?;
        Ok(found.map(|(entity, target)| (K::id(&entity).to_string(), target)))
    }
    match noun {
        "user" => of::<UserKind>(state, account_id, name).await,
        "role" => of::<RoleKind>(state, account_id, name).await,
        _ => of::<GroupKind>(state, account_id, name).await,
    }
}

/// The entity `name` of kind `K` in the caller's account as stored, with
/// its [`Target`] (an unknown entity is named by the ARN the request gives
/// it, at path `/`).
pub(super) async fn find<K: EntityKind>(
    ctx: &Context<'_>,
    name: &str,
) -> Result<(Target, Option<K::Entity>), AwsError> {
    let account = ctx.account_id();
    Ok(match stored::<K>(ctx.state, account, name).await? {
        Some((entity, target)) => (target, Some(entity)),
        None => {
            let arn = (K::ARN)(ctx.partition(), account, "/", name);
            (Target::named(arn.into_string()), None)
        }
    })
}

/// The access a call on the entity `name` needs (to it as [`find`] finds
/// it, with the request's `keys`), and the entity as stored.
pub(super) async fn entity_access<K: EntityKind>(
    ctx: &Context<'_>,
    name: &str,
    keys: Keys,
) -> Result<(Access, Option<K::Entity>), AwsError> {
    let (target, entity) = find::<K>(ctx, name).await?;
    Ok((Access::On { target, keys }, entity))
}

/// The entity [`find`] found, or `NoSuchEntity`.
pub(super) fn found<K: EntityKind>(
    entity: Option<K::Entity>,
    name: &str,
) -> Result<K::Entity, AwsError> {
    entity.ok_or_else(|| not_found::<K>(name))
}

/// `NoSuchEntity`, in AWS's words, for the entity `name` of kind `K`.
pub(super) fn not_found<K: EntityKind>(name: &str) -> AwsError {
    no_such_owner(K::OWNER, name).into()
}

/// A page of `List{Users,Groups,Roles}` (and of `ListGroupsForUser`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct EntityListing<K: EntityKind>(pub Listing<K::Listed>);

impl<K: EntityKind> Encode for EntityListing<K> {
    fn encode(self, state: &AppState) -> Vec<Xml> {
        self.0.xml(K::LISTED, |listed| K::listed_xml(state, listed))
    }
}

/// A page of an entity's tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TagListing(pub Listing<(String, String)>);

impl Encode for TagListing {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        self.0.xml("Tags", |(key, value)| {
            vec![Xml::text("Key", key), Xml::text("Value", value)]
        })
    }
}

/// `List{Users,Groups,Roles}`.
#[derive(Debug, Clone)]
pub(super) struct ListEntities<K: EntityKind> {
    pub kind: PhantomData<K>,
    pub prefix: PathPrefix,
    pub page: Page,
}

impl<K: EntityKind> Action for ListEntities<K> {
    const SPEC: ActionSpec = K::LIST;
    type Found = ();
    type Output = EntityListing<K>;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            kind: PhantomData,
            prefix: d.member("PathPrefix").unwrap_or_else(PathPrefix::root),
            page: d.read(Page::read(params)).unwrap_or_default(),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        let arn = (K::ARN)(ctx.partition(), ctx.account_id(), &self.prefix, "");
        Ok((Access::on_arn(arn.into_string()), ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<EntityListing<K>, AwsError> {
        Ok(EntityListing(K::list(ctx, &self.prefix, &self.page).await?))
    }
}

/// `Update{User,Group}`: the new name and/or the new path.
#[derive(Debug, Clone)]
pub(super) struct UpdateEntity<K: RenameKind> {
    pub name: K::Name,
    pub new_name: Option<K::NewName>,
    pub new_path: Option<IamPath>,
}

impl<K: RenameKind> Action for UpdateEntity<K> {
    const SPEC: ActionSpec = K::UPDATE;
    type Found = Option<K::Entity>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: params.required_member(K::NAME_MEMBER)?,
            new_name: params.member(K::NEW_NAME_MEMBER)?,
            new_path: d.member("NewPath"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        entity_access::<K>(ctx, &self.name, Vec::new()).await
    }

    async fn run(self, ctx: &Context<'_>, entity: Self::Found) -> Result<Empty, AwsError> {
        let entity = found::<K>(entity, &self.name)?;
        let (new_name, new_path) = (self.new_name.as_deref(), self.new_path.as_deref());
        if new_name.is_some() || new_path.is_some() {
            // A rename or move needs the permission on the new ARN as well.
            let (name, path) = K::name_and_path(&entity);
            let arn = (K::ARN)(
                ctx.partition(),
                ctx.account_id(),
                new_path.unwrap_or(path),
                new_name.unwrap_or(name),
            );
            let target = Target::named(arn.into_string());
            ctx.authorize_also(&target, Vec::new()).await?;
        }
        K::update(ctx, &self.name, new_name, new_path).await?;
        Ok(Empty)
    }
}

/// `Delete{User,Group,Role}`: refused while the entity has keys, policies,
/// members or an MFA device.
#[derive(Debug, Clone)]
pub(super) struct DeleteEntity<K: EntityKind> {
    pub name: K::Name,
}

impl<K: EntityKind> Action for DeleteEntity<K> {
    const SPEC: ActionSpec = K::DELETE;
    type Found = Option<K::Entity>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: params.required_member(K::NAME_MEMBER)?,
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        entity_access::<K>(ctx, &self.name, Vec::new()).await
    }

    async fn run(self, ctx: &Context<'_>, entity: Self::Found) -> Result<Empty, AwsError> {
        K::modifiable(&found::<K>(entity, &self.name)?)?;
        K::delete(ctx, &self.name).await?;
        Ok(Empty)
    }
}
