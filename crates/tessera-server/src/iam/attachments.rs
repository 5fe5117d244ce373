//! Managed-policy attachments to users, groups and roles, and permissions
//! boundaries: each action is written once, over the kind of entity it acts
//! on ([`AttachKind`], [`BoundaryKind`]).

use super::common::{Add, Remove};
use super::entities::{EntityKind, GroupKind, RoleKind, UserKind, entity_access};
use crate::action::members::{
    ArnValue, EntityFilter, Member, Name, Page, PathPrefix, PolicyUsageFilter,
};
use crate::action::{Access, Action, Context, Empty, Encode, Listing, Target};
use crate::actions::{ATTACH, ActionSpec, BOUNDARY, PERMISSIONS_BOUNDARY, POLICY_ARN, R, spec};
use crate::{
    AppState, AwsError,
    params::Params,
    xml::{Xml, members},
};
use std::fmt::Debug;
use std::future::Future;
use std::ops::Deref;
use tessera_store::{
    EntitiesForPolicy, ManagedPolicy, Missing, OwnerKind, PolicyEntity, PolicyUsage,
};

/// A kind of entity managed policies are attached to, with the
/// declarations of the actions on its attachments. The store answers
/// `NoSuchEntity` for an unknown entity itself.
pub(super) trait AttachKind: EntityKind {
    /// `Attach…Policy`.
    const ATTACH: ActionSpec;
    /// `Detach…Policy`.
    const DETACH: ActionSpec;
    /// `ListAttached…Policies`.
    const LIST_ATTACHED: ActionSpec;
    /// The entity's name as these actions take it (a user's is
    /// `userNameType`, shorter than the name of an existing user elsewhere).
    type EntityName: Member + Deref<Target = str> + Debug + Clone + Send + Sync;
}

/// A kind of entity that has a permissions boundary, with the declarations
/// of the actions on it.
pub(super) trait BoundaryKind: AttachKind {
    /// `Put…PermissionsBoundary`.
    const PUT_BOUNDARY: ActionSpec;
    /// `Delete…PermissionsBoundary`.
    const DELETE_BOUNDARY: ActionSpec;
}

impl AttachKind for UserKind {
    const ATTACH: ActionSpec = spec("iam:AttachUserPolicy", R::User, ATTACH);
    const DETACH: ActionSpec = spec("iam:DetachUserPolicy", R::User, ATTACH);
    const LIST_ATTACHED: ActionSpec = spec("iam:ListAttachedUserPolicies", R::User, &[]);
    /// `userNameType`.
    type EntityName = Name<64>;
}

impl AttachKind for GroupKind {
    const ATTACH: ActionSpec = spec("iam:AttachGroupPolicy", R::Group, &[POLICY_ARN]);
    const DETACH: ActionSpec = spec("iam:DetachGroupPolicy", R::Group, &[POLICY_ARN]);
    const LIST_ATTACHED: ActionSpec = spec("iam:ListAttachedGroupPolicies", R::Group, &[]);
    /// `groupNameType`.
    type EntityName = Name<128>;
}

impl AttachKind for RoleKind {
    const ATTACH: ActionSpec = spec("iam:AttachRolePolicy", R::Role, ATTACH);
    const DETACH: ActionSpec = spec("iam:DetachRolePolicy", R::Role, ATTACH);
    const LIST_ATTACHED: ActionSpec = spec("iam:ListAttachedRolePolicies", R::Role, &[]);
    /// `roleNameType`.
    type EntityName = Name<64>;
}

impl BoundaryKind for UserKind {
    const PUT_BOUNDARY: ActionSpec = spec("iam:PutUserPermissionsBoundary", R::User, BOUNDARY);
    const DELETE_BOUNDARY: ActionSpec =
        spec("iam:DeleteUserPermissionsBoundary", R::User, BOUNDARY);
}

impl BoundaryKind for RoleKind {
    const PUT_BOUNDARY: ActionSpec = spec("iam:PutRolePermissionsBoundary", R::Role, BOUNDARY);
    const DELETE_BOUNDARY: ActionSpec =
        spec("iam:DeleteRolePermissionsBoundary", R::Role, BOUNDARY);
}

/// A change of an entity's attached policies: [`Add`] attaches one,
/// [`Remove`] detaches it.
pub(super) trait AttachmentChange<K: AttachKind>:
    Debug + Clone + Default + Send + Sync + 'static
{
    /// `Attach…Policy` or `Detach…Policy`.
    const SPEC: ActionSpec;

    /// Attaches the policy `policy_arn` to the entity `name`, or detaches
    /// it.
    fn apply(
        &self,
        ctx: &Context<'_>,
        name: &str,
        policy_arn: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
}

impl<K: AttachKind> AttachmentChange<K> for Add {
    const SPEC: ActionSpec = K::ATTACH;

    async fn apply(&self, ctx: &Context<'_>, name: &str, policy_arn: &str) -> Result<(), AwsError> {
        let store = ctx.store();
        Ok(store
            .attach_policy(ctx.account_id(), K::KIND, name, policy_arn)
            .await?)
    }
}

impl<K: AttachKind> AttachmentChange<K> for Remove {
    const SPEC: ActionSpec = K::DETACH;

    async fn apply(&self, ctx: &Context<'_>, name: &str, policy_arn: &str) -> Result<(), AwsError> {
        let store = ctx.store();
        Ok(store
            .detach_policy(ctx.account_id(), K::KIND, name, policy_arn)
            .await?)
    }
}

/// `Attach{User,Group,Role}Policy` and `Detach{User,Group,Role}Policy`.
#[derive(Debug, Clone)]
pub(super) struct PolicyAttachment<K: AttachKind, C> {
    /// Attaching the policy or detaching it.
    pub change: C,
    pub name: K::EntityName,
    pub policy_arn: ArnValue,
}

impl<K: AttachKind, C: AttachmentChange<K>> Action for PolicyAttachment<K, C> {
    const SPEC: ActionSpec = C::SPEC;
    type Found = Option<K::Entity>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            change: C::default(),
            name: params.required_member(K::NAME_MEMBER)?,
            policy_arn: d.required("PolicyArn"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        let keys = vec![(POLICY_ARN.to_string(), self.policy_arn.to_string().into())];
        entity_access::<K>(ctx, &self.name, keys).await
    }

    async fn run(self, ctx: &Context<'_>, entity: Self::Found) -> Result<Empty, AwsError> {
        entity.as_ref().map_or(Ok(()), K::modifiable)?;
        self.change.apply(ctx, &self.name, &self.policy_arn).await?;
        Ok(Empty)
    }
}

/// An attached policy: its name and ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AttachedPolicy {
    /// The policy's name.
    pub name: String,
    /// The policy's ARN.
    pub arn: String,
}

/// A page of `ListAttached…Policies`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AttachedPolicies(pub Listing<AttachedPolicy>);

impl Encode for AttachedPolicies {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        self.0.xml("AttachedPolicies", |policy| {
            vec![
                Xml::text("PolicyName", policy.name),
                Xml::text("PolicyArn", policy.arn),
            ]
        })
    }
}

/// `ListAttached{User,Group,Role}Policies`.
#[derive(Debug, Clone)]
pub(super) struct ListAttachedPolicies<K: AttachKind> {
    pub name: K::EntityName,
    pub prefix: PathPrefix,
    pub page: Page,
}

impl<K: AttachKind> Action for ListAttachedPolicies<K> {
    const SPEC: ActionSpec = K::LIST_ATTACHED;
    type Found = Option<K::Entity>;
    type Output = AttachedPolicies;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: params.required_member(K::NAME_MEMBER)?,
            prefix: d.member("PathPrefix").unwrap_or_else(PathPrefix::root),
            page: d.read(Page::read(params)).unwrap_or_default(),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        entity_access::<K>(ctx, &self.name, Vec::new()).await
    }

    async fn run(self, ctx: &Context<'_>, _: Self::Found) -> Result<AttachedPolicies, AwsError> {
        let rows = ctx
            .store()
            .attached_policies(
                ctx.account_id(),
                K::KIND,
                &self.name,
                &self.prefix,
                self.page.after.as_deref(),
                self.page.fetch_limit(),
            )
            .await?;
        let rows = rows
            .into_iter()
            .map(|(name, arn)| AttachedPolicy { name, arn })
            .collect();
        Ok(AttachedPolicies(
            self.page.finish(rows, |policy| policy.name.clone()),
        ))
    }
}

/// A page of `ListEntitiesForPolicy`: the groups, users and roles, ordered
/// by kind then name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PolicyEntities(pub Listing<PolicyEntity>);

impl Encode for PolicyEntities {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        let Listing {
            items,
            truncated,
            marker,
        } = self.0;
        let of = |kind: OwnerKind, name_tag: &'static str, id_tag: &'static str| {
            items
                .iter()
                .filter(|e| e.kind == kind)
                .map(|e| {
                    vec![
                        Xml::text(name_tag, e.name.clone()),
                        Xml::text(id_tag, e.id.clone()),
                    ]
                })
                .collect()
        };
        let mut out = vec![
            members("PolicyGroups", of(OwnerKind::Group, "GroupName", "GroupId")),
            members("PolicyUsers", of(OwnerKind::User, "UserName", "UserId")),
            members("PolicyRoles", of(OwnerKind::Role, "RoleName", "RoleId")),
            Xml::text("IsTruncated", truncated.to_string()),
        ];
        out.extend(marker.map(|marker| Xml::text("Marker", marker)));
        out
    }
}

/// `ListEntitiesForPolicy`: customer managed policies only, so the
/// AWS-managed filter lists nothing.
#[derive(Debug, Clone)]
pub(super) struct ListEntitiesForPolicy {
    pub policy_arn: ArnValue,
    pub filter: Option<EntityFilter>,
    pub usage: PolicyUsage,
    pub prefix: PathPrefix,
    pub page: Page,
}

impl Action for ListEntitiesForPolicy {
    const SPEC: ActionSpec = spec("iam:ListEntitiesForPolicy", R::Policy, &[]);
    type Found = Option<ManagedPolicy>;
    type Output = PolicyEntities;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            policy_arn: d.required("PolicyArn"),
            filter: d.member("EntityFilter"),
            usage: d
                .member::<PolicyUsageFilter>("PolicyUsageFilter")
                .map_or(PolicyUsage::Permissions, |usage| usage.0),
            prefix: d.member("PathPrefix").unwrap_or_else(PathPrefix::root),
            page: d.read(Page::read(params)).unwrap_or_default(),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<ManagedPolicy>), AwsError> {
        let policy = ctx
            .store()
            .managed_policy(ctx.account_id(), &self.policy_arn)
            .await?;
        let mut target = Target::named(self.policy_arn.to_string());
        if let Some(policy) = &policy {
            target.tags = ctx
                .store()
                .tags(&policy.policy_id, None, tessera_store::TAGS_PER_ENTITY)
                .await?;
        }
        Ok((Access::on(target), policy))
    }

    async fn run(
        self,
        ctx: &Context<'_>,
        policy: Option<ManagedPolicy>,
    ) -> Result<PolicyEntities, AwsError> {
        if policy.is_none() {
            return Err(Missing::Policy(self.policy_arn.into()).into());
        }
        let kind = match self.filter {
            Some(EntityFilter::User) => Some(OwnerKind::User),
            Some(EntityFilter::Group) => Some(OwnerKind::Group),
            Some(EntityFilter::Role) => Some(OwnerKind::Role),
            None | Some(EntityFilter::LocalManagedPolicy | EntityFilter::AwsManagedPolicy) => None,
        };
        let rows = if self.filter == Some(EntityFilter::AwsManagedPolicy) {
            Vec::new()
        } else {
            ctx.store()
                .entities_for_policy(&EntitiesForPolicy {
                    account_id: ctx.account_id(),
                    arn: &self.policy_arn,
                    usage: self.usage,
                    kind,
                    path_prefix: &self.prefix,
                    after: self.page.after.as_deref(),
                    limit: self.page.fetch_limit(),
                })
                .await?
        };
        Ok(PolicyEntities(self.page.finish(rows, |e| {
            format!("{}/{}", e.kind.as_str(), e.name)
        })))
    }
}

/// `Put{User,Role}PermissionsBoundary`.
#[derive(Debug, Clone)]
pub(super) struct PutPermissionsBoundary<K: BoundaryKind> {
    pub name: K::EntityName,
    pub boundary: ArnValue,
}

impl<K: BoundaryKind> Action for PutPermissionsBoundary<K> {
    const SPEC: ActionSpec = K::PUT_BOUNDARY;
    type Found = Option<K::Entity>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: params.required_member(K::NAME_MEMBER)?,
            boundary: d.required("PermissionsBoundary"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        let keys = vec![(
            PERMISSIONS_BOUNDARY.to_string(),
            self.boundary.to_string().into(),
        )];
        entity_access::<K>(ctx, &self.name, keys).await
    }

    async fn run(self, ctx: &Context<'_>, entity: Self::Found) -> Result<Empty, AwsError> {
        entity.as_ref().map_or(Ok(()), K::modifiable)?;
        ctx.store()
            .set_permissions_boundary(ctx.account_id(), K::KIND, &self.name, Some(&self.boundary))
            .await?;
        Ok(Empty)
    }
}

/// `Delete{User,Role}PermissionsBoundary`.
#[derive(Debug, Clone)]
pub(super) struct DeletePermissionsBoundary<K: BoundaryKind> {
    pub name: K::EntityName,
}

impl<K: BoundaryKind> Action for DeletePermissionsBoundary<K> {
    const SPEC: ActionSpec = K::DELETE_BOUNDARY;
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
        entity.as_ref().map_or(Ok(()), K::modifiable)?;
        ctx.store()
            .set_permissions_boundary(ctx.account_id(), K::KIND, &self.name, None)
            .await?;
        Ok(Empty)
    }
}

crate::action::action_table!(
    PolicyAttachment<UserKind, Add>,
    PolicyAttachment<GroupKind, Add>,
    PolicyAttachment<RoleKind, Add>,
    PolicyAttachment<UserKind, Remove>,
    PolicyAttachment<GroupKind, Remove>,
    PolicyAttachment<RoleKind, Remove>,
    ListAttachedPolicies<UserKind>,
    ListAttachedPolicies<GroupKind>,
    ListAttachedPolicies<RoleKind>,
    ListEntitiesForPolicy,
    PutPermissionsBoundary<UserKind>,
    PutPermissionsBoundary<RoleKind>,
    DeletePermissionsBoundary<UserKind>,
    DeletePermissionsBoundary<RoleKind>,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::members::{IamPath, Scalar, Tags};
    use crate::action::testing::Fixture;
    use crate::iam::groups::CreateGroup;
    use crate::iam::users::{CreateUser, GetUser, UserResult};

    const DOCUMENT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;

    fn name<const MAX: usize>(text: &str) -> Name<MAX> {
        Name::parse("name", text).expect("valid name")
    }

    fn arn(text: &str) -> ArnValue {
        ArnValue::parse("policyArn", text).expect("valid ARN")
    }

    /// A fixture with the user `alice`, the group `devs` and the managed
    /// policies `p1` and `p2`, whose ARNs it returns.
    async fn fixture() -> (Fixture, Vec<String>) {
        let fx = Fixture::new().await;
        fx.call(CreateUser {
            name: name("alice"),
            path: IamPath::root(),
            boundary: None,
            tags: Tags::default(),
        })
        .await
        .expect("user created");
        fx.call(CreateGroup {
            name: name("devs"),
            path: IamPath::root(),
        })
        .await
        .expect("group created");
        let mut arns = Vec::new();
        for (index, policy) in ["p1", "p2"].into_iter().enumerate() {
            let arn = format!("arn:aws:iam::{}:policy/{policy}", fx.account_id);
            let managed = ManagedPolicy {
                arn: arn.clone(),
                policy_id: format!("ANPAEXAMPLE{index}"),
                account_id: fx.account_id.clone(),
                name: policy.to_string(),
                path: "/".to_string(),
                description: None,
                default_version: "v1".to_string(),
                created_at: 0,
                updated_at: 0,
                attachment_count: 0,
                boundary_usage_count: 0,
            };
            fx.state
                .store()
                .create_policy(&managed, DOCUMENT, &[])
                .await
                .expect("policy created");
            arns.push(arn);
        }
        (fx, arns)
    }

    fn entities(policy_arn: &str, filter: Option<EntityFilter>) -> ListEntitiesForPolicy {
        ListEntitiesForPolicy {
            policy_arn: arn(policy_arn),
            filter,
            usage: PolicyUsage::Permissions,
            prefix: PathPrefix::root(),
            page: Page::default(),
        }
    }

    #[tokio::test]
    async fn attached_policies_are_listed_then_detached() {
        let (fx, arns) = fixture().await;
        for policy_arn in arns.iter().rev() {
            fx.call(PolicyAttachment::<UserKind, _> {
                change: Add,
                name: name("alice"),
                policy_arn: arn(policy_arn),
            })
            .await
            .expect("attached");
        }
        let list = |after: Option<String>| ListAttachedPolicies::<UserKind> {
            name: name("alice"),
            prefix: PathPrefix::root(),
            page: Page {
                after,
                max_items: 1,
            },
        };
        let first = fx.call(list(None)).await.expect("listed").0;
        assert_eq!(
            (first.items, first.truncated),
            (
                vec![AttachedPolicy {
                    name: "p1".into(),
                    arn: arns[0].clone()
                }],
                true
            )
        );
        let second = fx.call(list(Some("p1".into()))).await.expect("listed").0;
        let names: Vec<_> = second.items.iter().map(|p| p.name.as_str()).collect();
        assert_eq!((names, second.truncated), (vec!["p2"], false));
        fx.call(PolicyAttachment::<UserKind, _> {
            change: Remove,
            name: name("alice"),
            policy_arn: arn(&arns[0]),
        })
        .await
        .expect("detached");
        let left = fx.call(list(None)).await.expect("listed").0;
        assert_eq!(left.items.len(), 1);
        assert_eq!(left.items[0].name, "p2");
    }

    #[tokio::test]
    async fn the_entities_of_a_policy_are_listed_by_kind() {
        let (fx, arns) = fixture().await;
        fx.call(PolicyAttachment::<UserKind, _> {
            change: Add,
            name: name("alice"),
            policy_arn: arn(&arns[0]),
        })
        .await
        .expect("attached");
        fx.call(PolicyAttachment::<GroupKind, _> {
            change: Add,
            name: name("devs"),
            policy_arn: arn(&arns[0]),
        })
        .await
        .expect("attached");
        let all = fx.call(entities(&arns[0], None)).await.expect("listed").0;
        let kinds: Vec<_> = all
            .items
            .iter()
            .map(|e| (e.kind, e.name.as_str()))
            .collect();
        assert_eq!(
            kinds,
            vec![(OwnerKind::Group, "devs"), (OwnerKind::User, "alice")]
        );
        let users = fx
            .call(entities(&arns[0], Some(EntityFilter::User)))
            .await
            .expect("listed")
            .0;
        assert_eq!(users.items.len(), 1);
        let aws = fx
            .call(entities(&arns[0], Some(EntityFilter::AwsManagedPolicy)))
            .await
            .expect("listed")
            .0;
        assert!(aws.items.is_empty() && !aws.truncated);
        let xml = PolicyEntities(all).encode(&fx.state);
        let names: Vec<_> = xml
            .iter()
            .map(|x| match x {
                Xml::Text(name, _) | Xml::Node(name, _) => name.to_string(),
            })
            .collect();
        assert_eq!(
            names,
            ["PolicyGroups", "PolicyUsers", "PolicyRoles", "IsTruncated"]
        );
    }

    #[tokio::test]
    async fn an_unknown_policy_or_entity_is_no_such_entity() {
        let (fx, arns) = fixture().await;
        let missing = format!("arn:aws:iam::{}:policy/nothing", fx.account_id);
        let error = fx
            .call(entities(&missing, None))
            .await
            .expect_err("unknown policy");
        assert_eq!(
            (error.code.as_ref(), error.message),
            ("NoSuchEntity", format!("Policy {missing} was not found."))
        );
        let error = fx
            .call(PolicyAttachment::<GroupKind, _> {
                change: Add,
                name: name("nobody"),
                policy_arn: arn(&arns[0]),
            })
            .await
            .expect_err("unknown group");
        assert_eq!(
            (error.code.as_ref(), error.message.as_str()),
            (
                "NoSuchEntity",
                "The group with name nobody cannot be found."
            )
        );
    }

    #[tokio::test]
    async fn a_boundary_is_put_and_deleted() {
        let (fx, arns) = fixture().await;
        fx.call(PutPermissionsBoundary::<UserKind> {
            name: name("alice"),
            boundary: arn(&arns[1]),
        })
        .await
        .expect("put");
        let boundary = || async {
            match fx
                .call(GetUser {
                    name: Some(name("alice")),
                })
                .await
                .expect("read")
            {
                UserResult::User(user, _) => user.permissions_boundary,
                UserResult::Root { .. } => panic!("a user"),
            }
        };
        assert_eq!(boundary().await, Some(arns[1].clone()));
        let used = fx
            .call(ListEntitiesForPolicy {
                usage: PolicyUsage::Boundary,
                ..entities(&arns[1], None)
            })
            .await
            .expect("listed")
            .0;
        assert_eq!(used.items.len(), 1);
        fx.call(DeletePermissionsBoundary::<UserKind> {
            name: name("alice"),
        })
        .await
        .expect("deleted");
        assert_eq!(boundary().await, None);
    }
}
