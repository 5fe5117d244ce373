//! IAM access keys of users and of the root user.

use super::common::{CallOn, iso8601, user_target};
use super::entities::{UserKind, find};
use super::entity_params::{calling_user, root_arn, token_error};
use crate::action::members::{AccessKeyId, KeyStatus, Name, Page};
use crate::action::{Access, Action, Context, Empty, Encode, Listing, Target};
use crate::actions::{ActionSpec, R, spec};
use crate::{AppState, AwsError, params::Params, xml::Xml};
use tessera_arn::Arn;
use tessera_store::{
    AccessKeyRecord, AccessKeyStatus, PolicyOwnerKind, User, no_such_access_key, no_such_owner,
};
use tessera_token::{AccessKeyKind, new_access_key_id, new_secret_access_key};

/// A user name that names an existing user (`existingUserNameType`).
type UserName = Name<128>;

/// Whose access keys a call is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum KeyOwner {
    /// The account's root user.
    Root,
    /// An IAM user.
    User(User),
}

impl KeyOwner {
    /// The user's unique id; the root user has none.
    pub(super) fn user_id(&self) -> Option<&str> {
        match self {
            Self::Root => None,
            Self::User(user) => Some(&user.user_id),
        }
    }

    /// `UserName` of the key shapes; the root user's keys have none.
    pub(super) fn user_name(&self) -> Option<String> {
        match self {
            Self::Root => None,
            Self::User(user) => Some(user.name.clone()),
        }
    }
}

/// The user named by `UserName`, or else the caller itself (the root user
/// or an IAM user), with the access a call on its keys needs. A named user
/// that does not exist is `None`.
pub(super) async fn key_owner(
    ctx: &Context<'_>,
    name: Option<&str>,
) -> Result<(Access, Option<KeyOwner>), AwsError> {
    if let Some(name) = name {
        let (target, user) = find::<UserKind>(ctx, name).await?;
        return Ok((Access::on(target), user.map(KeyOwner::User)));
    }
    let account = ctx.account_id();
    if ctx.caller.is_root_of(account) {
        let access = Access::on_arn(root_arn(ctx.state, account));
        return Ok((access, Some(KeyOwner::Root)));
    }
    let user = calling_user(ctx.state, ctx.caller).await?;
    let target = user_target(ctx.state, &user).await?;
    Ok((Access::on(target), Some(KeyOwner::User(user))))
}

/// The owner [`key_owner`] found, or `NoSuchEntity` for the user `name`.
pub(super) fn found_owner(
    owner: Option<KeyOwner>,
    name: Option<&str>,
) -> Result<KeyOwner, AwsError> {
    let name = name.unwrap_or_default();
    owner.ok_or_else(|| no_such_owner(PolicyOwnerKind::User, name).into())
}

/// A call on the access keys (or signing certificates) of the user
/// `UserName` names (read after the call's own members), or else of the
/// caller itself: authorized on that owner, then `NoSuchEntity` for a named
/// user that does not exist.
#[derive(Debug, Clone)]
pub(super) struct OnKeys<Op: CallOn<KeyOwner>> {
    pub op: Op,
    pub user_name: Option<UserName>,
}

impl<Op: CallOn<KeyOwner>> Action for OnKeys<Op> {
    const SPEC: ActionSpec = Op::SPEC;
    type Found = Option<KeyOwner>;
    type Output = Op::Output;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        let op = d.read(Op::decode(params));
        let user_name = d.member("UserName");
        d.finish_nested(op, |op| Self { op, user_name })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<KeyOwner>), AwsError> {
        key_owner(ctx, self.user_name.as_deref()).await
    }

    async fn run(self, ctx: &Context<'_>, owner: Option<KeyOwner>) -> Result<Op::Output, AwsError> {
        let owner = found_owner(owner, self.user_name.as_deref())?;
        self.op.run(ctx, owner).await
    }
}

/// `UserName` (when the key has an owner), then `fields`.
pub(super) fn key_fields(
    user_name: Option<String>,
    fields: impl IntoIterator<Item = Xml>,
) -> Vec<Xml> {
    user_name
        .map(|name| Xml::text("UserName", name))
        .into_iter()
        .chain(fields)
        .collect()
}

/// A new key, with the only copy of its secret any response holds.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct NewAccessKey {
    /// The owner's name; the root user's keys have none.
    pub user_name: Option<String>,
    /// The key as stored.
    pub key: AccessKeyRecord,
    /// The secret, in clear.
    pub secret: String,
}

impl std::fmt::Debug for NewAccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccessKey")
            .field("user_name", &self.user_name)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl Encode for NewAccessKey {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        let fields = key_fields(
            self.user_name,
            [
                Xml::text("AccessKeyId", self.key.access_key_id),
                Xml::text("Status", self.key.status.as_str()),
                Xml::text("SecretAccessKey", self.secret),
                Xml::text("CreateDate", iso8601(self.key.created_at)),
            ],
        );
        vec![Xml::node("AccessKey", fields)]
    }
}

/// `CreateAccessKey`: the only response that ever holds the secret.
#[derive(Debug, Clone)]
pub(super) struct CreateAccessKey;

impl CallOn<KeyOwner> for CreateAccessKey {
    const SPEC: ActionSpec = spec("iam:CreateAccessKey", R::User, &[]);
    type Output = NewAccessKey;

    fn decode(_params: &Params) -> Result<Self, AwsError> {
        Ok(Self)
    }

    async fn run(self, ctx: &Context<'_>, owner: KeyOwner) -> Result<NewAccessKey, AwsError> {
        let account = ctx.account_id();
        let access_key_id =
            new_access_key_id(AccessKeyKind::LongTerm, account).map_err(token_error)?;
        let secret = new_secret_access_key().map_err(token_error)?;
        let sealed_secret = ctx
            .state
            .keys()
            .seal_stored_secret(&access_key_id, &secret)
            .map_err(token_error)?;
        let key = AccessKeyRecord {
            access_key_id,
            account_id: account.to_string(),
            user_id: owner.user_id().map(str::to_string),
            sealed_secret,
            status: AccessKeyStatus::Active,
            created_at: ctx.now(),
            last_used: None,
        };
        ctx.store().create_access_key(&key).await?;
        Ok(NewAccessKey {
            user_name: owner.user_name(),
            key,
            secret,
        })
    }
}

/// A page of `ListAccessKeys`: the keys of one owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AccessKeyListing {
    /// The owner's name; the root user's keys have none.
    pub user_name: Option<String>,
    /// The keys.
    pub keys: Listing<AccessKeyRecord>,
}

impl Encode for AccessKeyListing {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        let user_name = self.user_name;
        self.keys.xml("AccessKeyMetadata", |key| {
            key_fields(
                user_name.clone(),
                [
                    Xml::text("AccessKeyId", key.access_key_id),
                    Xml::text("Status", key.status.as_str()),
                    Xml::text("CreateDate", iso8601(key.created_at)),
                ],
            )
        })
    }
}

/// `ListAccessKeys`.
#[derive(Debug, Clone)]
pub(super) struct ListAccessKeys {
    pub page: Page,
}

impl CallOn<KeyOwner> for ListAccessKeys {
    const SPEC: ActionSpec = spec("iam:ListAccessKeys", R::User, &[]);
    type Output = AccessKeyListing;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        Ok(Self {
            page: Page::read(params)?,
        })
    }

    async fn run(self, ctx: &Context<'_>, owner: KeyOwner) -> Result<AccessKeyListing, AwsError> {
        let rows = ctx
            .store()
            .access_keys_of(
                ctx.account_id(),
                owner.user_id(),
                self.page.after.as_deref(),
                self.page.fetch_limit(),
            )
            .await?;
        Ok(AccessKeyListing {
            user_name: owner.user_name(),
            keys: self.page.finish(rows, |k| k.access_key_id.clone()),
        })
    }
}

/// `UpdateAccessKey`: an inactive key fails authentication.
#[derive(Debug, Clone)]
pub(super) struct UpdateAccessKey {
    pub access_key_id: AccessKeyId,
    pub status: KeyStatus,
}

impl CallOn<KeyOwner> for UpdateAccessKey {
    const SPEC: ActionSpec = spec("iam:UpdateAccessKey", R::User, &[]);
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            access_key_id: d.required("AccessKeyId"),
            status: d.required("Status"),
        })
    }

    async fn run(self, ctx: &Context<'_>, owner: KeyOwner) -> Result<Empty, AwsError> {
        ctx.store()
            .set_access_key_status(
                ctx.account_id(),
                owner.user_id(),
                &self.access_key_id,
                self.status.0,
            )
            .await?;
        Ok(Empty)
    }
}

/// `DeleteAccessKey`.
#[derive(Debug, Clone)]
pub(super) struct DeleteAccessKey {
    pub access_key_id: AccessKeyId,
}

impl CallOn<KeyOwner> for DeleteAccessKey {
    const SPEC: ActionSpec = spec("iam:DeleteAccessKey", R::User, &[]);
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            access_key_id: d.required("AccessKeyId"),
        })
    }

    async fn run(self, ctx: &Context<'_>, owner: KeyOwner) -> Result<Empty, AwsError> {
        ctx.store()
            .delete_access_key(ctx.account_id(), owner.user_id(), &self.access_key_id)
            .await?;
        Ok(Empty)
    }
}

/// When and where a key was last used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct KeyLastUsed {
    /// The owner's name; the root user's keys have none.
    pub user_name: Option<String>,
    /// The last use (Unix seconds), service and region; `None` if never.
    pub last_used: Option<(i64, String, String)>,
}

impl Encode for KeyLastUsed {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        let last_used = match self.last_used {
            Some((at, service, region)) => vec![
                Xml::text("LastUsedDate", iso8601(at)),
                Xml::text("ServiceName", service),
                Xml::text("Region", region),
            ],
            None => vec![Xml::text("ServiceName", "N/A"), Xml::text("Region", "N/A")],
        };
        key_fields(self.user_name, [Xml::node("AccessKeyLastUsed", last_used)])
    }
}

/// `GetAccessKeyLastUsed`: `N/A` service and region for a key never used.
#[derive(Debug, Clone)]
pub(super) struct GetAccessKeyLastUsed {
    pub access_key_id: AccessKeyId,
}

impl Action for GetAccessKeyLastUsed {
    const SPEC: ActionSpec = spec("iam:GetAccessKeyLastUsed", R::User, &[]);
    /// The key, if the caller's account has it, and its owner.
    type Found = (Option<AccessKeyRecord>, Option<User>);
    type Output = KeyLastUsed;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            access_key_id: d.required("AccessKeyId"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        let account = ctx.account_id();
        let key = ctx
            .store()
            .access_key(&self.access_key_id)
            .await?
            .filter(|k| k.account_id == account);
        let owner = match key.as_ref().and_then(|k| k.user_id.as_deref()) {
            Some(user_id) => ctx.store().user_by_id(user_id).await?,
            None => None,
        };
        let target = match (&key, &owner) {
            (Some(_), Some(user)) => user_target(ctx.state, user).await?,
            (Some(_), None) => Target::named(root_arn(ctx.state, account)),
            (None, _) => Target::named(Arn::user(ctx.partition(), account, "/", "").into_string()),
        };
        Ok((Access::on(target), (key, owner)))
    }

    async fn run(
        self,
        _ctx: &Context<'_>,
        (key, owner): Self::Found,
    ) -> Result<KeyLastUsed, AwsError> {
        let key = key.ok_or_else(|| AwsError::from(no_such_access_key(&self.access_key_id)))?;
        Ok(KeyLastUsed {
            user_name: owner.map(|user| user.name),
            last_used: key.last_used,
        })
    }
}

crate::action::action_table!(
    OnKeys<CreateAccessKey>,
    OnKeys<ListAccessKeys>,
    OnKeys<UpdateAccessKey>,
    OnKeys<DeleteAccessKey>,
    GetAccessKeyLastUsed,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::members::{IamPath, Scalar, Tags};
    use crate::action::testing::Fixture;
    use crate::iam::users::CreateUser;

    fn user_name(text: &str) -> UserName {
        Name::parse("userName", text).expect("valid name")
    }

    fn key_id(text: &str) -> AccessKeyId {
        AccessKeyId::parse("accessKeyId", text).expect("valid id")
    }

    async fn with_user(name: &str) -> Fixture {
        let fx = Fixture::new().await;
        fx.call(CreateUser {
            name: Name::parse("userName", name).expect("valid name"),
            path: IamPath::root(),
            boundary: None,
            tags: Tags::default(),
        })
        .await
        .expect("user created");
        fx
    }

    fn of<Op: CallOn<KeyOwner>>(user: Option<&str>, op: Op) -> OnKeys<Op> {
        let user_name = user.map(user_name);
        OnKeys { op, user_name }
    }

    fn list(user: Option<&str>) -> OnKeys<ListAccessKeys> {
        let page = Page::default();
        of(user, ListAccessKeys { page })
    }

    #[tokio::test]
    async fn a_users_key_is_listed_without_its_secret() {
        let fx = with_user("alice").await;
        let created = fx
            .call(of(Some("alice"), CreateAccessKey))
            .await
            .expect("created");
        assert_eq!(created.user_name.as_deref(), Some("alice"));
        assert!(created.key.access_key_id.starts_with("AKIA"));
        assert_eq!(created.key.status, AccessKeyStatus::Active);
        assert_eq!(created.secret.len(), 40);
        let listed = fx.call(list(Some("alice"))).await.expect("listed");
        assert_eq!(listed.user_name.as_deref(), Some("alice"));
        let ids: Vec<_> = listed.keys.items.iter().map(|k| &k.access_key_id).collect();
        assert_eq!(ids, vec![&created.key.access_key_id]);
        assert!(!listed.keys.truncated);
        let xml = format!("{:?}", listed.encode(&fx.state));
        assert!(!xml.contains(&created.secret), "{xml}");
    }

    #[tokio::test]
    async fn without_a_user_name_the_root_user_owns_the_key() {
        let fx = Fixture::new().await;
        let created = fx.call(of(None, CreateAccessKey)).await.expect("created");
        assert_eq!((created.user_name, created.key.user_id), (None, None));
        let listed = fx.call(list(None)).await.expect("listed");
        assert_eq!(listed.user_name, None);
        assert!(
            listed
                .keys
                .items
                .iter()
                .any(|k| k.access_key_id == created.key.access_key_id)
        );
    }

    #[tokio::test]
    async fn a_key_is_deactivated_then_deleted() {
        let fx = with_user("bob").await;
        let id = fx
            .call(of(Some("bob"), CreateAccessKey))
            .await
            .expect("created")
            .key
            .access_key_id;
        fx.call(of(
            Some("bob"),
            UpdateAccessKey {
                access_key_id: key_id(&id),
                status: KeyStatus(AccessKeyStatus::Inactive),
            },
        ))
        .await
        .expect("deactivated");
        let listed = fx.call(list(Some("bob"))).await.expect("listed");
        assert_eq!(listed.keys.items[0].status, AccessKeyStatus::Inactive);
        fx.call(of(
            Some("bob"),
            DeleteAccessKey {
                access_key_id: key_id(&id),
            },
        ))
        .await
        .expect("deleted");
        let listed = fx.call(list(Some("bob"))).await.expect("listed");
        assert!(listed.keys.items.is_empty());
        let error = fx
            .call(GetAccessKeyLastUsed {
                access_key_id: key_id(&id),
            })
            .await
            .expect_err("deleted");
        assert_eq!(
            (error.code.as_ref(), error.message),
            (
                "NoSuchEntity",
                format!("The Access Key with id {id} cannot be found.")
            )
        );
    }

    #[tokio::test]
    async fn a_key_never_used_has_no_last_use() {
        let fx = with_user("carol").await;
        let id = fx
            .call(of(Some("carol"), CreateAccessKey))
            .await
            .expect("created")
            .key
            .access_key_id;
        let used = fx
            .call(GetAccessKeyLastUsed {
                access_key_id: key_id(&id),
            })
            .await
            .expect("read");
        assert_eq!(
            used,
            KeyLastUsed {
                user_name: Some("carol".into()),
                last_used: None
            }
        );
    }

    #[tokio::test]
    async fn the_keys_of_an_unknown_user_are_no_such_entity() {
        let fx = Fixture::new().await;
        let error = fx.call(list(Some("nobody"))).await.expect_err("unknown");
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

    #[test]
    fn a_status_is_active_or_inactive() {
        let read = |value: &str| KeyStatus::parse("status", value);
        assert_eq!(
            read("Inactive").expect("valid").0,
            AccessKeyStatus::Inactive
        );
        let expired = read("Expired").expect_err("IAM's own");
        assert_eq!(expired.code.as_ref(), "InvalidInput");
        let other = read("Paused").expect_err("not a status");
        assert_eq!(other.code.as_ref(), "ValidationError");
    }
}
