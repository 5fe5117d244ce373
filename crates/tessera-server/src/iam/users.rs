//! IAM users: create, read, list, update, delete, tags.

use super::common::{iso8601, request_tag_keys, user_arn, user_target};
use super::entity_params::{calling_user, root_arn, token_error, user_xml};
use crate::action::members::{BoundaryArn, IamPath, Name, Page, PathPrefix, TagKeys, Tags};
use crate::action::{Access, Action, Context, Empty, Encode, Listing, Target};
use crate::actions::{
    ActionSpec, PERMISSIONS_BOUNDARY, R, TAG_KEYS, TAGGING, TAGGING_BOUNDARY, spec,
};
use crate::{AppState, AwsError, params::Params, xml::Xml};
use tessera_arn::Arn;
use tessera_store::{PolicyOwnerKind, TAGS_PER_ENTITY, User, no_such_owner};
use tessera_token::new_unique_id;

/// A user name as `CreateUser` and `NewUserName` take it (`userNameType`).
type NewUserName = Name<64>;
/// A user name that names an existing user (`existingUserNameType`).
type UserName = Name<128>;

/// The user `name` of the caller's account as stored, with its [`Target`]
/// (an unknown user is named by the ARN the request gives it).
pub(super) async fn find_user(
    ctx: &Context<'_>,
    name: &str,
) -> Result<(Target, Option<User>), AwsError> {
    let account = ctx.account_id();
    let user = ctx.store().user_by_name(account, name).await?;
    let target = match &user {
        Some(user) => user_target(ctx.state, user).await?,
        None => Target::named(Arn::user(ctx.partition(), account, "/", name).into_string()),
    };
    Ok((target, user))
}

/// The user `find_user` found, or `NoSuchEntity`.
pub(super) fn found_user(user: Option<User>, name: &str) -> Result<User, AwsError> {
    user.ok_or_else(|| no_such_owner(PolicyOwnerKind::User, name).into())
}

/// One user in IAM's `User` shape, with its boundary and tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum UserResult {
    /// An IAM user.
    User(User, Vec<(String, String)>),
    /// The account's root user: only `UserId`, `Arn` and `CreateDate`.
    Root {
        /// The account.
        account_id: String,
        /// When the account was created.
        created_at: i64,
    },
}

impl Encode for UserResult {
    fn encode(self, state: &AppState) -> Vec<Xml> {
        let fields = match self {
            Self::User(user, tags) => user_xml(state, &user, true, Some(&tags)),
            Self::Root {
                account_id,
                created_at,
            } => vec![
                Xml::text("UserId", account_id.clone()),
                Xml::text("Arn", root_arn(state, &account_id)),
                Xml::text("CreateDate", iso8601(created_at)),
            ],
        };
        vec![Xml::node("User", fields)]
    }
}

/// A page of `ListUsers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct UserListing(pub Listing<User>);

impl Encode for UserListing {
    fn encode(self, state: &AppState) -> Vec<Xml> {
        self.0
            .xml("Users", |user| user_xml(state, &user, false, None))
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

/// `CreateUser`.
#[derive(Debug, Clone)]
pub(super) struct CreateUser {
    pub name: NewUserName,
    pub path: IamPath,
    pub boundary: Option<BoundaryArn>,
    pub tags: Tags,
}

impl Action for CreateUser {
    const SPEC: ActionSpec = spec("iam:CreateUser", R::User, TAGGING_BOUNDARY);
    type Found = User;
    type Output = UserResult;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        Ok(Self {
            name: params.required_member("UserName")?,
            path: params.member("Path")?.unwrap_or_else(IamPath::root),
            boundary: params.member("PermissionsBoundary")?,
            tags: params.member("Tags")?.unwrap_or_default(),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, User), AwsError> {
        let user = User {
            user_id: new_unique_id("AIDA").map_err(token_error)?,
            account_id: ctx.account_id().to_string(),
            name: self.name.to_string(),
            path: self.path.to_string(),
            permissions_boundary: self.boundary.as_ref().map(ToString::to_string),
            created_at: ctx.now(),
        };
        let mut keys = request_tag_keys(&self.tags);
        if let Some(boundary) = &user.permissions_boundary {
            keys.push((PERMISSIONS_BOUNDARY.into(), boundary.clone().into()));
        }
        let target = Target::named(user_arn(ctx.state, &user));
        Ok((Access::On { target, keys }, user))
    }

    async fn run(self, ctx: &Context<'_>, user: User) -> Result<UserResult, AwsError> {
        ctx.store().create_user(&user, &self.tags).await?;
        Ok(UserResult::User(user, self.tags.0))
    }
}

/// Who `GetUser` is about.
#[derive(Debug)]
pub(super) enum Subject {
    /// A user, or `None` when no user has the name asked for.
    User(Option<User>),
    /// The caller, the account's root user.
    Root,
}

/// `GetUser`: the named user, or the caller.
#[derive(Debug, Clone)]
pub(super) struct GetUser {
    pub name: Option<UserName>,
}

impl Action for GetUser {
    const SPEC: ActionSpec = spec("iam:GetUser", R::User, &[]);
    type Found = Subject;
    type Output = UserResult;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        Ok(Self {
            name: params.member("UserName")?,
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Subject), AwsError> {
        if let Some(name) = &self.name {
            let (target, user) = find_user(ctx, name).await?;
            return Ok((Access::on(target), Subject::User(user)));
        }
        let account = ctx.account_id();
        if ctx.caller.is_root_of(account) {
            return Ok((Access::on_arn(root_arn(ctx.state, account)), Subject::Root));
        }
        let user = calling_user(ctx.state, ctx.caller).await?;
        let target = user_target(ctx.state, &user).await?;
        Ok((Access::on(target), Subject::User(Some(user))))
    }

    async fn run(self, ctx: &Context<'_>, subject: Subject) -> Result<UserResult, AwsError> {
        let user = match subject {
            Subject::User(user) => found_user(user, self.name.as_deref().unwrap_or_default())?,
            Subject::Root => {
                let account_id = ctx.account_id().to_string();
                let created_at = ctx
                    .store()
                    .account(&account_id)
                    .await?
                    .map(|a| a.created_at)
                    .unwrap_or_default();
                return Ok(UserResult::Root {
                    account_id,
                    created_at,
                });
            }
        };
        let tags = ctx
            .store()
            .user_tags(&user.user_id, None, TAGS_PER_ENTITY)
            .await?;
        Ok(UserResult::User(user, tags))
    }
}

/// `ListUsers`.
#[derive(Debug, Clone)]
pub(super) struct ListUsers {
    pub prefix: PathPrefix,
    pub page: Page,
}

impl Action for ListUsers {
    const SPEC: ActionSpec = spec("iam:ListUsers", R::None, &[]);
    type Found = ();
    type Output = UserListing;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        Ok(Self {
            prefix: params
                .member("PathPrefix")?
                .unwrap_or_else(PathPrefix::root),
            page: Page::read(params)?,
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        let arn = Arn::user(ctx.partition(), ctx.account_id(), &self.prefix, "");
        Ok((Access::on_arn(arn.into_string()), ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<UserListing, AwsError> {
        let rows = ctx
            .store()
            .list_users(
                ctx.account_id(),
                &self.prefix,
                self.page.after.as_deref(),
                self.page.fetch_limit(),
            )
            .await?;
        Ok(UserListing(self.page.finish(rows, |u| u.name.clone())))
    }
}

/// `UpdateUser`: `NewUserName` and/or `NewPath`.
#[derive(Debug, Clone)]
pub(super) struct UpdateUser {
    pub name: UserName,
    pub new_name: Option<NewUserName>,
    pub new_path: Option<IamPath>,
}

impl Action for UpdateUser {
    const SPEC: ActionSpec = spec("iam:UpdateUser", R::User, &[]);
    type Found = Option<User>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        Ok(Self {
            name: params.required_member("UserName")?,
            new_name: params.member("NewUserName")?,
            new_path: params.member("NewPath")?,
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<User>), AwsError> {
        let (target, user) = find_user(ctx, &self.name).await?;
        Ok((Access::on(target), user))
    }

    async fn run(self, ctx: &Context<'_>, user: Option<User>) -> Result<Empty, AwsError> {
        let user = found_user(user, &self.name)?;
        let (new_name, new_path) = (self.new_name.as_deref(), self.new_path.as_deref());
        if new_name.is_some() || new_path.is_some() {
            // A rename or move needs the permission on the new ARN as well.
            let renamed = User {
                name: new_name.unwrap_or(&user.name).to_string(),
                path: new_path.unwrap_or(&user.path).to_string(),
                ..user.clone()
            };
            let target = Target::named(user_arn(ctx.state, &renamed));
            ctx.authorize_also(&target, Vec::new()).await?;
        }
        ctx.store()
            .update_user(ctx.account_id(), &self.name, new_name, new_path)
            .await?;
        Ok(Empty)
    }
}

/// `DeleteUser`: refused while the user has keys, policies, groups or an
/// MFA device.
#[derive(Debug, Clone)]
pub(super) struct DeleteUser {
    pub name: UserName,
}

impl Action for DeleteUser {
    const SPEC: ActionSpec = spec("iam:DeleteUser", R::User, &[]);
    type Found = Option<User>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        Ok(Self {
            name: params.required_member("UserName")?,
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<User>), AwsError> {
        let (target, user) = find_user(ctx, &self.name).await?;
        Ok((Access::on(target), user))
    }

    async fn run(self, ctx: &Context<'_>, user: Option<User>) -> Result<Empty, AwsError> {
        found_user(user, &self.name)?;
        ctx.store()
            .delete_user(ctx.account_id(), &self.name)
            .await?;
        Ok(Empty)
    }
}

/// `TagUser`.
#[derive(Debug, Clone)]
pub(super) struct TagUser {
    pub name: UserName,
    pub tags: Tags,
}

impl Action for TagUser {
    const SPEC: ActionSpec = spec("iam:TagUser", R::User, TAGGING);
    type Found = Option<User>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        Ok(Self {
            name: params.required_member("UserName")?,
            tags: params.required_member("Tags")?,
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<User>), AwsError> {
        let (target, user) = find_user(ctx, &self.name).await?;
        let keys = request_tag_keys(&self.tags);
        Ok((Access::On { target, keys }, user))
    }

    async fn run(self, ctx: &Context<'_>, user: Option<User>) -> Result<Empty, AwsError> {
        found_user(user, &self.name)?;
        ctx.store()
            .tag_user(ctx.account_id(), &self.name, &self.tags)
            .await?;
        Ok(Empty)
    }
}

/// `UntagUser`.
#[derive(Debug, Clone)]
pub(super) struct UntagUser {
    pub name: UserName,
    pub keys: TagKeys,
}

impl Action for UntagUser {
    const SPEC: ActionSpec = spec("iam:UntagUser", R::User, &[TAG_KEYS]);
    type Found = Option<User>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        Ok(Self {
            name: params.required_member("UserName")?,
            keys: params.required_member("TagKeys")?,
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<User>), AwsError> {
        let (target, user) = find_user(ctx, &self.name).await?;
        let keys = vec![(TAG_KEYS.into(), self.keys.0.clone().into())];
        Ok((Access::On { target, keys }, user))
    }

    async fn run(self, ctx: &Context<'_>, user: Option<User>) -> Result<Empty, AwsError> {
        found_user(user, &self.name)?;
        ctx.store()
            .untag_user(ctx.account_id(), &self.name, &self.keys)
            .await?;
        Ok(Empty)
    }
}

/// `ListUserTags`.
#[derive(Debug, Clone)]
pub(super) struct ListUserTags {
    pub name: UserName,
    pub page: Page,
}

impl Action for ListUserTags {
    const SPEC: ActionSpec = spec("iam:ListUserTags", R::User, &[]);
    type Found = Option<User>;
    type Output = TagListing;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        Ok(Self {
            name: params.required_member("UserName")?,
            page: Page::read(params)?,
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<User>), AwsError> {
        let (target, user) = find_user(ctx, &self.name).await?;
        Ok((Access::on(target), user))
    }

    async fn run(self, ctx: &Context<'_>, user: Option<User>) -> Result<TagListing, AwsError> {
        let user = found_user(user, &self.name)?;
        let rows = ctx
            .store()
            .user_tags(
                &user.user_id,
                self.page.after.as_deref(),
                self.page.fetch_limit(),
            )
            .await?;
        Ok(TagListing(self.page.finish(rows, |(k, _)| k.clone())))
    }
}

crate::action::action_table!(
    CreateUser,
    GetUser,
    ListUsers,
    UpdateUser,
    DeleteUser,
    TagUser,
    UntagUser,
    ListUserTags,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::testing::Fixture;

    fn name<const MAX: usize>(text: &str) -> Name<MAX> {
        use crate::action::members::Scalar;
        Name::parse("userName", text).expect("valid name")
    }

    fn create(user: &str) -> CreateUser {
        CreateUser {
            name: name(user),
            path: IamPath::root(),
            boundary: None,
            tags: Tags(vec![("team".into(), "blue".into())]),
        }
    }

    #[tokio::test]
    async fn a_created_user_is_read_back_with_its_tags() {
        let fx = Fixture::new().await;
        let UserResult::User(created, tags) = fx.call(create("alice")).await.expect("created")
        else {
            panic!("a user");
        };
        assert_eq!(
            (created.name.as_str(), created.path.as_str()),
            ("alice", "/")
        );
        assert!(created.user_id.starts_with("AIDA"));
        assert_eq!(tags, vec![("team".to_string(), "blue".to_string())]);
        let read = fx
            .call(GetUser {
                name: Some(name("ALICE")),
            })
            .await
            .expect("read");
        assert_eq!(read, UserResult::User(created, tags));
    }

    #[tokio::test]
    async fn get_user_without_a_name_is_the_root_user_for_root() {
        let fx = Fixture::new().await;
        let read = fx.call(GetUser { name: None }).await.expect("read");
        assert!(
            matches!(&read, UserResult::Root { account_id, .. } if *account_id == fx.account_id),
            "{read:?}"
        );
    }

    #[tokio::test]
    async fn an_unknown_user_is_no_such_entity() {
        let fx = Fixture::new().await;
        let error = fx
            .call(DeleteUser {
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
                "The user with name nobody cannot be found."
            )
        );
    }

    #[tokio::test]
    async fn a_name_is_unique_regardless_of_case() {
        let fx = Fixture::new().await;
        fx.call(create("bob")).await.expect("created");
        let error = fx.call(create("BOB")).await.expect_err("taken");
        assert_eq!(
            (error.code.as_ref(), error.status.as_u16()),
            ("EntityAlreadyExists", 409)
        );
    }

    #[tokio::test]
    async fn users_are_listed_a_page_at_a_time() {
        let fx = Fixture::new().await;
        for user in ["u1", "u2", "u3"] {
            fx.call(create(user)).await.expect("created");
        }
        let list = |after: Option<String>| ListUsers {
            prefix: PathPrefix::root(),
            page: Page {
                after,
                max_items: 2,
            },
        };
        let first = fx.call(list(None)).await.expect("page").0;
        let names: Vec<_> = first.items.iter().map(|u| u.name.as_str()).collect();
        assert_eq!((names, first.truncated), (vec!["u1", "u2"], true));
        let after = first.items.last().map(|u| u.name.clone());
        let second = fx.call(list(after)).await.expect("page").0;
        let names: Vec<_> = second.items.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(
            (names, second.truncated, second.marker),
            (vec!["u3"], false, None)
        );
    }

    #[tokio::test]
    async fn rename_and_untag() {
        let fx = Fixture::new().await;
        fx.call(create("carol")).await.expect("created");
        fx.call(UpdateUser {
            name: name("carol"),
            new_name: Some(name("dave")),
            new_path: None,
        })
        .await
        .expect("renamed");
        fx.call(UntagUser {
            name: name("dave"),
            keys: TagKeys(vec!["team".into()]),
        })
        .await
        .expect("untagged");
        let tags = fx
            .call(ListUserTags {
                name: name("dave"),
                page: Page::default(),
            })
            .await
            .expect("tags")
            .0;
        assert!(tags.items.is_empty() && !tags.truncated);
        let error = fx
            .call(GetUser {
                name: Some(name("carol")),
            })
            .await
            .expect_err("renamed away");
        assert_eq!(error.code.as_ref(), "NoSuchEntity");
    }
}
