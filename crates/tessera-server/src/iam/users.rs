//! IAM users: create, read, list, update, delete, tags.

use super::common::{iso8601, request_tag_keys, user_arn, user_target};
use super::entities::{
    DeleteEntity, EntityKind, ListEntities, RenameKind, UpdateEntity, UserKind, find, found,
    not_found,
};
use super::entity_params::{calling_user, root_arn, token_error, user_xml};
use super::tagging::{ListTags, Tag, Taggable, Untag};
use crate::action::members::{BoundaryArn, IamPath, Name, Page, Tags};
use crate::action::{Access, Action, Context, Encode, Listing, Target};
use crate::actions::{
    ActionSpec, PERMISSIONS_BOUNDARY, R, TAG_KEYS, TAGGING, TAGGING_BOUNDARY, spec,
};
use crate::{AppState, AwsError, params::Params, xml::Xml};
use tessera_arn::Arn;
use tessera_store::{OwnerKind, PolicyOwnerKind, Store, TAGS_PER_ENTITY, TaggedKind, User};
use tessera_token::new_unique_id;

/// A user name as `CreateUser` and `NewUserName` take it (`userNameType`).
type NewUserName = Name<64>;
/// A user name that names an existing user (`existingUserNameType`).
type UserName = Name<128>;

impl EntityKind for UserKind {
    type Entity = User;
    type Name = UserName;
    type Listed = User;
    const OWNER: PolicyOwnerKind = PolicyOwnerKind::User;
    const KIND: OwnerKind = OwnerKind::User;
    const NAME_MEMBER: &'static str = "UserName";
    const LISTED: &'static str = "Users";
    const LIST: ActionSpec = spec("iam:ListUsers", R::None, &[]);
    const ARN: fn(&str, &str, &str, &str) -> Arn = Arn::user;
    const DELETE: ActionSpec = spec("iam:DeleteUser", R::User, &[]);

    fn id(user: &User) -> &str {
        &user.user_id
    }

    async fn by_name(
        store: &dyn Store,
        account: &str,
        name: &str,
    ) -> Result<Option<User>, AwsError> {
        Ok(store.user_by_name(account, name).await?)
    }

    async fn target(state: &AppState, user: &User) -> Result<Target, AwsError> {
        user_target(state, user).await
    }

    async fn list(ctx: &Context<'_>, prefix: &str, page: &Page) -> Result<Listing<User>, AwsError> {
        let (after, limit) = (page.after.as_deref(), page.fetch_limit());
        let rows = ctx
            .store()
            .list_users(ctx.account_id(), prefix, after, limit)
            .await?;
        Ok(page.finish(rows, |u| u.name.clone()))
    }

    fn listed_xml(state: &AppState, user: User) -> Vec<Xml> {
        user_xml(state, &user, false, None)
    }

    async fn delete(ctx: &Context<'_>, name: &str) -> Result<(), AwsError> {
        Ok(ctx.store().delete_user(ctx.account_id(), name).await?)
    }
}

impl RenameKind for UserKind {
    type NewName = NewUserName;
    const NEW_NAME_MEMBER: &'static str = "NewUserName";
    const UPDATE: ActionSpec = spec("iam:UpdateUser", R::User, &[]);

    fn name_and_path(user: &User) -> (&str, &str) {
        (&user.name, &user.path)
    }

    async fn update(
        ctx: &Context<'_>,
        name: &str,
        new_name: Option<&str>,
        new_path: Option<&str>,
    ) -> Result<(), AwsError> {
        let store = ctx.store();
        store
            .update_user(ctx.account_id(), name, new_name, new_path)
            .await?;
        Ok(())
    }
}

impl Taggable for UserKind {
    type Key = UserName;
    type Stored = User;
    const KEY_MEMBER: &'static str = "UserName";
    const TAGGED: TaggedKind = TaggedKind::User;
    const TAG: ActionSpec = spec("iam:TagUser", R::User, TAGGING);
    const UNTAG: ActionSpec = spec("iam:UntagUser", R::User, &[TAG_KEYS]);
    const LIST_TAGS: ActionSpec = spec("iam:ListUserTags", R::User, &[]);

    async fn find(ctx: &Context<'_>, name: &str) -> Result<(Target, Option<User>), AwsError> {
        find::<Self>(ctx, name).await
    }

    fn owner_id(entity: &User) -> &str {
        <Self as EntityKind>::id(entity)
    }

    fn not_found(name: &str) -> AwsError {
        not_found::<Self>(name)
    }
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
        let d = params.decoder();
        d.finish(Self {
            name: d.required("UserName"),
            path: d.member("Path").unwrap_or_else(IamPath::root),
            boundary: d.member("PermissionsBoundary"),
            tags: d.member("Tags").unwrap_or_default(),
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
        let d = params.decoder();
        d.finish(Self {
            name: d.member("UserName"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Subject), AwsError> {
        if let Some(name) = &self.name {
            let (target, user) = find::<UserKind>(ctx, name).await?;
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
            Subject::User(user) => {
                found::<UserKind>(user, self.name.as_deref().unwrap_or_default())?
            }
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
            .tags(&user.user_id, None, TAGS_PER_ENTITY)
            .await?;
        Ok(UserResult::User(user, tags))
    }
}

crate::action::action_table!(
    CreateUser,
    GetUser,
    ListEntities<UserKind>,
    UpdateEntity<UserKind>,
    DeleteEntity<UserKind>,
    Tag<UserKind>,
    Untag<UserKind>,
    ListTags<UserKind>,
);

#[cfg(test)]
mod tests {
    use super::super::entities::EntityListing;
    use super::*;
    use crate::action::Listing;
    use crate::action::members::{PathPrefix, TagKeys};
    use crate::action::testing::{Fixture, params};
    use std::marker::PhantomData;

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
            .call(DeleteEntity::<UserKind> {
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
        let list = |after: Option<String>| ListEntities::<UserKind> {
            kind: PhantomData,
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
        fx.call(UpdateEntity::<UserKind> {
            name: name("carol"),
            new_name: Some(name("dave")),
            new_path: None,
        })
        .await
        .expect("renamed");
        fx.call(Untag::<UserKind> {
            key: name("dave"),
            keys: TagKeys(vec!["team".into()]),
        })
        .await
        .expect("untagged");
        let tags = fx
            .call(ListTags::<UserKind> {
                key: name("dave"),
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

    /// A page of `ListUsers` as a client asks for it: `pairs` decoded as the
    /// runner decodes them.
    async fn list_users(fx: &Fixture, pairs: &[(&str, &str)]) -> Listing<User> {
        let input = ListEntities::<UserKind>::decode(&params(pairs)).expect("decoded");
        fx.call(input).await.expect("listed").0
    }

    #[tokio::test]
    async fn pages_are_stable_under_inserts() {
        use crate::action::members::Scalar;
        let fx = Fixture::new().await;
        for user in ["b1", "d1", "f1", "h1"] {
            fx.call(create(user)).await.expect("created");
        }
        fx.call(CreateUser {
            path: IamPath::parse("path", "/x/y/").expect("path"),
            ..create("j1")
        })
        .await
        .expect("created");
        let (mut seen, mut marker, mut inserted) = (Vec::new(), None::<String>, 0);
        for page in 0.. {
            let mut pairs = vec![("MaxItems", "1")];
            if let Some(m) = &marker {
                pairs.push(("Marker", m));
            }
            let listing = list_users(&fx, &pairs).await;
            assert!(listing.items.len() <= 1, "{listing:?}");
            seen.extend(listing.items.iter().map(|u| u.name.clone()));
            if !listing.truncated {
                assert_eq!(listing.marker, None);
                break;
            }
            marker = listing.marker;
            if page == 0 {
                // One before the marker (never shown), one after it (shown).
                fx.call(create("a0")).await.expect("created");
                fx.call(create("g0")).await.expect("created");
                inserted += 2;
            }
        }
        assert_eq!(inserted, 2);
        assert_eq!(seen, ["b1", "d1", "f1", "g0", "h1", "j1"]);

        let under_x = list_users(&fx, &[("PathPrefix", "/x/")]).await;
        let names: Vec<_> = under_x.items.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["j1"]);
        let xml = format!("{:?}", EntityListing::<UserKind>(under_x).encode(&fx.state));
        assert!(!xml.contains("\"Tags\""), "listings leave out tags: {xml}");
        let first = list_users(&fx, &[("MaxItems", "3")]).await;
        let names: Vec<_> = first.items.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["a0", "b1", "d1"]);
        assert!(first.truncated);
    }
}
