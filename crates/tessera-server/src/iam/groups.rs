//! IAM groups and their members.

use super::common::{Add, Remove, iso8601};
use super::entities::{
    DeleteEntity, EntityKind, EntityListing, GroupKind, ListEntities, RenameKind, UpdateEntity,
    UserKind, entity_access, found,
};
use super::entity_params::{token_error, user_xml};
use crate::action::members::{IamPath, Name, Page};
use crate::action::{Access, Action, Context, Empty, Encode, Listing, Target};
use crate::actions::{ActionSpec, R, spec};
use crate::{AppState, AwsError, params::Params, xml::Xml};
use std::fmt::Debug;
use std::future::Future;
use tessera_arn::Arn;
use tessera_store::{Group, OwnerKind, PolicyOwnerKind, Store, User};
use tessera_token::new_unique_id;

/// A group name (`groupNameType`).
type GroupName = Name<128>;
/// A user name that names an existing user (`existingUserNameType`).
type UserName = Name<128>;

fn group_arn(state: &AppState, group: &Group) -> String {
    Arn::group(
        state.partition(),
        &group.account_id,
        &group.path,
        &group.name,
    )
    .into_string()
}

/// The `Group` shape.
pub(super) fn group_xml(state: &AppState, group: &Group) -> Vec<Xml> {
    vec![
        Xml::text("Path", group.path.clone()),
        Xml::text("GroupName", group.name.clone()),
        Xml::text("GroupId", group.group_id.clone()),
        Xml::text("Arn", group_arn(state, group)),
        Xml::text("CreateDate", iso8601(group.created_at)),
    ]
}

impl EntityKind for GroupKind {
    type Entity = Group;
    type Name = GroupName;
    type Listed = Group;
    const OWNER: PolicyOwnerKind = PolicyOwnerKind::Group;
    const KIND: OwnerKind = OwnerKind::Group;
    const NAME_MEMBER: &'static str = "GroupName";
    const LISTED: &'static str = "Groups";
    const LIST: ActionSpec = spec("iam:ListGroups", R::None, &[]);
    const ARN: fn(&str, &str, &str, &str) -> Arn = Arn::group;
    const DELETE: ActionSpec = spec("iam:DeleteGroup", R::Group, &[]);

    fn id(group: &Group) -> &str {
        &group.group_id
    }

    async fn by_name(
        store: &dyn Store,
        account: &str,
        name: &str,
    ) -> Result<Option<Group>, AwsError> {
        Ok(store.group_by_name(account, name).await?)
    }

    /// A group is authorized on by its ARN alone.
    async fn target(state: &AppState, group: &Group) -> Result<Target, AwsError> {
        Ok(Target::named(group_arn(state, group)))
    }

    async fn list(
        ctx: &Context<'_>,
        prefix: &str,
        page: &Page,
    ) -> Result<Listing<Group>, AwsError> {
        let (after, limit) = (page.after.as_deref(), page.fetch_limit());
        let rows = ctx
            .store()
            .list_groups(ctx.account_id(), prefix, after, limit)
            .await?;
        Ok(page.finish(rows, |g| g.name.clone()))
    }

    fn listed_xml(state: &AppState, group: Group) -> Vec<Xml> {
        group_xml(state, &group)
    }

    async fn delete(ctx: &Context<'_>, name: &str) -> Result<(), AwsError> {
        Ok(ctx.store().delete_group(ctx.account_id(), name).await?)
    }
}

impl RenameKind for GroupKind {
    type NewName = GroupName;
    const NEW_NAME_MEMBER: &'static str = "NewGroupName";
    const UPDATE: ActionSpec = spec("iam:UpdateGroup", R::Group, &[]);

    fn name_and_path(group: &Group) -> (&str, &str) {
        (&group.name, &group.path)
    }

    async fn update(
        ctx: &Context<'_>,
        name: &str,
        new_name: Option<&str>,
        new_path: Option<&str>,
    ) -> Result<(), AwsError> {
        let store = ctx.store();
        store
            .update_group(ctx.account_id(), name, new_name, new_path)
            .await?;
        Ok(())
    }
}

/// One group in IAM's `Group` shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct GroupResult(pub Group);

impl Encode for GroupResult {
    fn encode(self, state: &AppState) -> Vec<Xml> {
        vec![Xml::node("Group", group_xml(state, &self.0))]
    }
}

/// `GetGroup`'s result: the group and a page of its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct GroupMembers {
    /// The group.
    pub group: Group,
    /// A page of its members.
    pub users: Listing<User>,
}

impl Encode for GroupMembers {
    fn encode(self, state: &AppState) -> Vec<Xml> {
        let mut out = vec![Xml::node("Group", group_xml(state, &self.group))];
        out.extend(
            self.users
                .xml("Users", |user| user_xml(state, &user, false, None)),
        );
        out
    }
}

/// `CreateGroup`.
#[derive(Debug, Clone)]
pub(super) struct CreateGroup {
    pub name: GroupName,
    pub path: IamPath,
}

impl Action for CreateGroup {
    const SPEC: ActionSpec = spec("iam:CreateGroup", R::Group, &[]);
    type Found = Group;
    type Output = GroupResult;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: d.required("GroupName"),
            path: d.member("Path").unwrap_or_else(IamPath::root),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Group), AwsError> {
        let group = Group {
            group_id: new_unique_id("AGPA").map_err(token_error)?,
            account_id: ctx.account_id().to_string(),
            name: self.name.to_string(),
            path: self.path.to_string(),
            created_at: ctx.now(),
        };
        Ok((Access::on_arn(group_arn(ctx.state, &group)), group))
    }

    async fn run(self, ctx: &Context<'_>, group: Group) -> Result<GroupResult, AwsError> {
        ctx.store().create_group(&group).await?;
        Ok(GroupResult(group))
    }
}

/// `GetGroup`: the group and a page of its members.
#[derive(Debug, Clone)]
pub(super) struct GetGroup {
    pub name: GroupName,
    pub page: Page,
}

impl Action for GetGroup {
    const SPEC: ActionSpec = spec("iam:GetGroup", R::Group, &[]);
    type Found = Option<Group>;
    type Output = GroupMembers;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: d.required("GroupName"),
            page: d.read(Page::read(params)).unwrap_or_default(),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<Group>), AwsError> {
        entity_access::<GroupKind>(ctx, &self.name, Vec::new()).await
    }

    async fn run(self, ctx: &Context<'_>, group: Option<Group>) -> Result<GroupMembers, AwsError> {
        let group = found::<GroupKind>(group, &self.name)?;
        let rows = ctx
            .store()
            .group_members(
                &group.group_id,
                self.page.after.as_deref(),
                self.page.fetch_limit(),
            )
            .await?;
        let users = self.page.finish(rows, |u| u.name.clone());
        Ok(GroupMembers { group, users })
    }
}

/// A change of a group's members: [`Add`] (adding a member again changes
/// nothing) or [`Remove`] (removing a non-member changes nothing).
pub(super) trait MembershipChange: Debug + Clone + Default + Send + Sync + 'static {
    /// `AddUserToGroup` or `RemoveUserFromGroup`.
    const SPEC: ActionSpec;

    /// Adds the user `user` to the group `group`, or removes it.
    fn apply(
        &self,
        ctx: &Context<'_>,
        group: &str,
        user: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
}

impl MembershipChange for Add {
    const SPEC: ActionSpec = spec("iam:AddUserToGroup", R::Group, &[]);

    async fn apply(&self, ctx: &Context<'_>, group: &str, user: &str) -> Result<(), AwsError> {
        let store = ctx.store();
        Ok(store
            .add_user_to_group(ctx.account_id(), group, user, ctx.now())
            .await?)
    }
}

impl MembershipChange for Remove {
    const SPEC: ActionSpec = spec("iam:RemoveUserFromGroup", R::Group, &[]);

    async fn apply(&self, ctx: &Context<'_>, group: &str, user: &str) -> Result<(), AwsError> {
        let store = ctx.store();
        Ok(store
            .remove_user_from_group(ctx.account_id(), group, user)
            .await?)
    }
}

/// `AddUserToGroup` and `RemoveUserFromGroup`.
#[derive(Debug, Clone)]
pub(super) struct GroupMembership<C: MembershipChange> {
    /// Adding the user or removing it.
    pub change: C,
    pub group: GroupName,
    pub user: UserName,
}

impl<C: MembershipChange> Action for GroupMembership<C> {
    const SPEC: ActionSpec = C::SPEC;
    type Found = Option<Group>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            change: C::default(),
            group: d.required("GroupName"),
            user: d.required("UserName"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<Group>), AwsError> {
        entity_access::<GroupKind>(ctx, &self.group, Vec::new()).await
    }

    async fn run(self, ctx: &Context<'_>, group: Option<Group>) -> Result<Empty, AwsError> {
        found::<GroupKind>(group, &self.group)?;
        self.change.apply(ctx, &self.group, &self.user).await?;
        Ok(Empty)
    }
}

/// `ListGroupsForUser`.
#[derive(Debug, Clone)]
pub(super) struct ListGroupsForUser {
    pub user: UserName,
    pub page: Page,
}

impl Action for ListGroupsForUser {
    const SPEC: ActionSpec = spec("iam:ListGroupsForUser", R::User, &[]);
    type Found = Option<User>;
    type Output = EntityListing<GroupKind>;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            user: d.required("UserName"),
            page: d.read(Page::read(params)).unwrap_or_default(),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<User>), AwsError> {
        entity_access::<UserKind>(ctx, &self.user, Vec::new()).await
    }

    async fn run(
        self,
        ctx: &Context<'_>,
        user: Option<User>,
    ) -> Result<EntityListing<GroupKind>, AwsError> {
        let user = found::<UserKind>(user, &self.user)?;
        let rows = ctx
            .store()
            .groups_for_user(
                &user.user_id,
                self.page.after.as_deref(),
                self.page.fetch_limit(),
            )
            .await?;
        Ok(EntityListing(self.page.finish(rows, |g| g.name.clone())))
    }
}

crate::action::action_table!(
    CreateGroup,
    GetGroup,
    ListEntities<GroupKind>,
    UpdateEntity<GroupKind>,
    DeleteEntity<GroupKind>,
    GroupMembership<Add>,
    GroupMembership<Remove>,
    ListGroupsForUser,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::members::{PathPrefix, Scalar, Tags};
    use crate::action::testing::Fixture;
    use crate::iam::users::CreateUser;
    use std::marker::PhantomData;

    fn name<const MAX: usize>(text: &str) -> Name<MAX> {
        Name::parse("groupName", text).expect("valid name")
    }

    fn create(group: &str) -> CreateGroup {
        CreateGroup {
            name: name(group),
            path: IamPath::root(),
        }
    }

    async fn create_user(fx: &Fixture, user: &str) {
        fx.call(CreateUser {
            name: name(user),
            path: IamPath::root(),
            boundary: None,
            tags: Tags::default(),
        })
        .await
        .expect("user created");
    }

    fn get(group: &str) -> GetGroup {
        GetGroup {
            name: name(group),
            page: Page::default(),
        }
    }

    #[tokio::test]
    async fn a_created_group_is_read_back_with_its_members() {
        let fx = Fixture::new().await;
        let GroupResult(created) = fx.call(create("admins")).await.expect("created");
        assert!(created.group_id.starts_with("AGPA"));
        assert_eq!(
            (created.name.as_str(), created.path.as_str()),
            ("admins", "/")
        );
        create_user(&fx, "alice").await;
        let add = GroupMembership {
            change: Add,
            group: name("admins"),
            user: name("alice"),
        };
        fx.call(add.clone()).await.expect("added");
        fx.call(add).await.expect("added again");
        let read = fx.call(get("ADMINS")).await.expect("read");
        assert_eq!(read.group, created);
        let members: Vec<_> = read.users.items.iter().map(|u| u.name.as_str()).collect();
        assert_eq!((members, read.users.truncated), (vec!["alice"], false));
        let groups = fx
            .call(ListGroupsForUser {
                user: name("alice"),
                page: Page::default(),
            })
            .await
            .expect("listed")
            .0;
        assert_eq!(groups.items, vec![created]);
        fx.call(GroupMembership {
            change: Remove,
            group: name("admins"),
            user: name("alice"),
        })
        .await
        .expect("removed");
        assert!(
            fx.call(get("admins"))
                .await
                .expect("read")
                .users
                .items
                .is_empty()
        );
    }

    #[tokio::test]
    async fn a_group_name_is_unique_regardless_of_case() {
        let fx = Fixture::new().await;
        fx.call(create("devs")).await.expect("created");
        let error = fx.call(create("DEVS")).await.expect_err("taken");
        assert_eq!(
            (error.code.as_ref(), error.status.as_u16()),
            ("EntityAlreadyExists", 409)
        );
    }

    #[tokio::test]
    async fn an_unknown_group_is_no_such_entity() {
        let fx = Fixture::new().await;
        let error = fx
            .call(DeleteEntity::<GroupKind> {
                name: name("nobody"),
            })
            .await
            .expect_err("unknown");
        assert_eq!(
            (
                error.code.as_ref(),
                error.status.as_u16(),
                error.message.as_str()
            ),
            (
                "NoSuchEntity",
                404,
                "The group with name nobody cannot be found."
            )
        );
    }

    #[tokio::test]
    async fn groups_are_listed_a_page_at_a_time() {
        let fx = Fixture::new().await;
        for group in ["g1", "g2", "g3"] {
            fx.call(create(group)).await.expect("created");
        }
        let list = |after: Option<String>| ListEntities::<GroupKind> {
            kind: PhantomData,
            prefix: PathPrefix::root(),
            page: Page {
                after,
                max_items: 2,
            },
        };
        let first = fx.call(list(None)).await.expect("page").0;
        let names: Vec<_> = first.items.iter().map(|g| g.name.as_str()).collect();
        assert_eq!((names, first.truncated), (vec!["g1", "g2"], true));
        assert!(first.marker.is_some());
        let after = first.items.last().map(|g| g.name.clone());
        let second = fx.call(list(after)).await.expect("page").0;
        let names: Vec<_> = second.items.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(
            (names, second.truncated, second.marker),
            (vec!["g3"], false, None)
        );
    }

    #[tokio::test]
    async fn a_group_is_renamed_and_moved_then_deleted() {
        let fx = Fixture::new().await;
        fx.call(create("old")).await.expect("created");
        fx.call(UpdateEntity::<GroupKind> {
            name: name("old"),
            new_name: Some(name("new")),
            new_path: Some(IamPath::parse("newPath", "/team/").expect("valid path")),
        })
        .await
        .expect("updated");
        let read = fx.call(get("new")).await.expect("read").group;
        assert_eq!((read.name.as_str(), read.path.as_str()), ("new", "/team/"));
        let error = fx.call(get("old")).await.expect_err("renamed away");
        assert_eq!(error.code.as_ref(), "NoSuchEntity");
        fx.call(DeleteEntity::<GroupKind> { name: name("new") })
            .await
            .expect("deleted");
        let error = fx.call(get("new")).await.expect_err("deleted");
        assert_eq!(error.code.as_ref(), "NoSuchEntity");
    }

    #[tokio::test]
    async fn a_group_with_members_is_not_deleted() {
        let fx = Fixture::new().await;
        fx.call(create("busy")).await.expect("created");
        create_user(&fx, "bob").await;
        fx.call(GroupMembership {
            change: Add,
            group: name("busy"),
            user: name("bob"),
        })
        .await
        .expect("added");
        let error = fx
            .call(DeleteEntity::<GroupKind> { name: name("busy") })
            .await
            .expect_err("has members");
        assert_eq!(
            (error.code.as_ref(), error.status.as_u16()),
            ("DeleteConflict", 409)
        );
    }
}
