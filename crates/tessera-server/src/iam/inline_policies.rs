//! Inline policies of users, groups and roles: each action is written once,
//! over the kind of entity that holds the policy ([`InlineKind`]).

use super::common::{encode_policy_document, entity_target_or_named, parse_policy};
use crate::action::members::{Member, Name, Page, PolicyDocument};
use crate::action::{Access, Action, Context, Empty, Encode, Listing};
use crate::actions::{ActionSpec, BOUNDARY, R, spec};
use crate::{AppState, AwsError, params::Params, xml::Xml};
use std::fmt::Debug;
use std::marker::PhantomData;
use std::ops::Deref;
use tessera_policy::PolicyKind;
use tessera_store::{InlinePolicy, PolicyOwner, PolicyOwnerKind, no_such_owner};

/// A policy name (`policyNameType`).
type PolicyName = Name<128>;

/// The kinds of entity that hold policies: users, groups and roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct UserKind;
/// See [`UserKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct GroupKind;
/// See [`UserKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct RoleKind;

/// A kind of entity that holds inline policies, with the declarations of
/// the actions on them.
pub(super) trait InlineKind: Debug + Clone + PartialEq + Send + Sync + 'static {
    /// The kind, as the store knows it.
    const KIND: PolicyOwnerKind;
    /// The member that names the owner, in requests and results
    /// (`UserName`, …).
    const OWNER_MEMBER: &'static str;
    /// IAM's quota on all inline policies of one owner, in characters.
    const TOTAL_SIZE: usize;
    /// How a policy of this kind of owner is validated.
    const POLICY_KIND: PolicyKind;
    /// `Put…Policy`.
    const PUT: ActionSpec;
    /// `Get…Policy`.
    const GET: ActionSpec;
    /// `Delete…Policy`.
    const DELETE: ActionSpec;
    /// `List…Policies`.
    const LIST: ActionSpec;
    /// The owner's name as these actions take it.
    type OwnerName: Member + Deref<Target = str> + Debug + Clone + Send + Sync;
}

impl InlineKind for UserKind {
    const KIND: PolicyOwnerKind = PolicyOwnerKind::User;
    const OWNER_MEMBER: &'static str = "UserName";
    const TOTAL_SIZE: usize = 2_048;
    const POLICY_KIND: PolicyKind = PolicyKind::inline_user();
    const PUT: ActionSpec = spec("iam:PutUserPolicy", R::User, BOUNDARY);
    const GET: ActionSpec = spec("iam:GetUserPolicy", R::User, &[]);
    const DELETE: ActionSpec = spec("iam:DeleteUserPolicy", R::User, BOUNDARY);
    const LIST: ActionSpec = spec("iam:ListUserPolicies", R::User, &[]);
    /// `existingUserNameType`.
    type OwnerName = Name<128>;
}

impl InlineKind for GroupKind {
    const KIND: PolicyOwnerKind = PolicyOwnerKind::Group;
    const OWNER_MEMBER: &'static str = "GroupName";
    const TOTAL_SIZE: usize = 5_120;
    const POLICY_KIND: PolicyKind = PolicyKind::inline_group();
    const PUT: ActionSpec = spec("iam:PutGroupPolicy", R::Group, &[]);
    const GET: ActionSpec = spec("iam:GetGroupPolicy", R::Group, &[]);
    const DELETE: ActionSpec = spec("iam:DeleteGroupPolicy", R::Group, &[]);
    const LIST: ActionSpec = spec("iam:ListGroupPolicies", R::Group, &[]);
    /// `groupNameType`.
    type OwnerName = Name<128>;
}

impl InlineKind for RoleKind {
    const KIND: PolicyOwnerKind = PolicyOwnerKind::Role;
    const OWNER_MEMBER: &'static str = "RoleName";
    const TOTAL_SIZE: usize = 10_240;
    const POLICY_KIND: PolicyKind = PolicyKind::inline_role();
    const PUT: ActionSpec = spec("iam:PutRolePolicy", R::Role, BOUNDARY);
    const GET: ActionSpec = spec("iam:GetRolePolicy", R::Role, &[]);
    const DELETE: ActionSpec = spec("iam:DeleteRolePolicy", R::Role, BOUNDARY);
    const LIST: ActionSpec = spec("iam:ListRolePolicies", R::Role, &[]);
    /// `roleNameType`.
    type OwnerName = Name<64>;
}

/// The owner `name` of kind `K` as stored, with the access a call on its
/// policies needs (an unknown owner is named by the ARN the request gives
/// it).
async fn find_owner<K: InlineKind>(
    ctx: &Context<'_>,
    name: &str,
) -> Result<(Access, Option<PolicyOwner>), AwsError> {
    let account = ctx.account_id();
    let owner = ctx.store().policy_owner(account, K::KIND, name).await?;
    let target = entity_target_or_named(ctx.state, account, K::KIND.noun(), name).await?;
    Ok((Access::on(target), owner))
}

/// The owner `find_owner` found, or `NoSuchEntity`.
fn found_owner<K: InlineKind>(owner: Option<PolicyOwner>, name: &str) -> Result<(), AwsError> {
    match owner {
        Some(_) => Ok(()),
        None => Err(no_such_owner(K::KIND, name).into()),
    }
}

/// An inline policy as `Get…Policy` returns it: its document URL-encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct InlinePolicyResult<K> {
    /// The policy, as stored.
    pub policy: InlinePolicy,
    kind: PhantomData<K>,
}

impl<K: InlineKind> Encode for InlinePolicyResult<K> {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        vec![
            Xml::text(K::OWNER_MEMBER, self.policy.owner_name),
            Xml::text("PolicyName", self.policy.name),
            Xml::text(
                "PolicyDocument",
                encode_policy_document(&self.policy.document),
            ),
        ]
    }
}

/// A page of `List…Policies`: policy names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PolicyNames(pub Listing<String>);

impl Encode for PolicyNames {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        self.0.texts("PolicyNames", |name| name)
    }
}

/// `Put{User,Group,Role}Policy`: validated, stored as written.
#[derive(Debug, Clone)]
pub(super) struct PutInlinePolicy<K: InlineKind> {
    pub owner: K::OwnerName,
    pub policy_name: PolicyName,
    pub document: PolicyDocument,
}

impl<K: InlineKind> Action for PutInlinePolicy<K> {
    const SPEC: ActionSpec = K::PUT;
    type Found = Option<PolicyOwner>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        Ok(Self {
            owner: params.required_member(K::OWNER_MEMBER)?,
            policy_name: params.required_member("PolicyName")?,
            document: params.required_member("PolicyDocument")?,
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<PolicyOwner>), AwsError> {
        find_owner::<K>(ctx, &self.owner).await
    }

    async fn run(self, ctx: &Context<'_>, owner: Option<PolicyOwner>) -> Result<Empty, AwsError> {
        found_owner::<K>(owner, &self.owner)?;
        parse_policy(&self.document, K::POLICY_KIND)?;
        ctx.store()
            .put_inline_policy(
                ctx.account_id(),
                K::KIND,
                &self.owner,
                &self.policy_name,
                &self.document,
                K::TOTAL_SIZE,
            )
            .await?;
        Ok(Empty)
    }
}

/// `Get{User,Group,Role}Policy`.
#[derive(Debug, Clone)]
pub(super) struct GetInlinePolicy<K: InlineKind> {
    pub owner: K::OwnerName,
    pub policy_name: PolicyName,
}

impl<K: InlineKind> Action for GetInlinePolicy<K> {
    const SPEC: ActionSpec = K::GET;
    type Found = Option<PolicyOwner>;
    type Output = InlinePolicyResult<K>;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        Ok(Self {
            owner: params.required_member(K::OWNER_MEMBER)?,
            policy_name: params.required_member("PolicyName")?,
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<PolicyOwner>), AwsError> {
        find_owner::<K>(ctx, &self.owner).await
    }

    async fn run(
        self,
        ctx: &Context<'_>,
        owner: Option<PolicyOwner>,
    ) -> Result<InlinePolicyResult<K>, AwsError> {
        found_owner::<K>(owner, &self.owner)?;
        let policy = ctx
            .store()
            .inline_policy(ctx.account_id(), K::KIND, &self.owner, &self.policy_name)
            .await?;
        Ok(InlinePolicyResult {
            policy,
            kind: PhantomData,
        })
    }
}

/// `Delete{User,Group,Role}Policy`.
#[derive(Debug, Clone)]
pub(super) struct DeleteInlinePolicy<K: InlineKind> {
    pub owner: K::OwnerName,
    pub policy_name: PolicyName,
}

impl<K: InlineKind> Action for DeleteInlinePolicy<K> {
    const SPEC: ActionSpec = K::DELETE;
    type Found = Option<PolicyOwner>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        Ok(Self {
            owner: params.required_member(K::OWNER_MEMBER)?,
            policy_name: params.required_member("PolicyName")?,
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<PolicyOwner>), AwsError> {
        find_owner::<K>(ctx, &self.owner).await
    }

    async fn run(self, ctx: &Context<'_>, owner: Option<PolicyOwner>) -> Result<Empty, AwsError> {
        found_owner::<K>(owner, &self.owner)?;
        ctx.store()
            .delete_inline_policy(ctx.account_id(), K::KIND, &self.owner, &self.policy_name)
            .await?;
        Ok(Empty)
    }
}

/// `List{User,Group,Role}Policies`: the names, in order.
#[derive(Debug, Clone)]
pub(super) struct ListInlinePolicies<K: InlineKind> {
    pub owner: K::OwnerName,
    pub page: Page,
}

impl<K: InlineKind> Action for ListInlinePolicies<K> {
    const SPEC: ActionSpec = K::LIST;
    type Found = Option<PolicyOwner>;
    type Output = PolicyNames;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        Ok(Self {
            owner: params.required_member(K::OWNER_MEMBER)?,
            page: Page::read(params)?,
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<PolicyOwner>), AwsError> {
        find_owner::<K>(ctx, &self.owner).await
    }

    async fn run(
        self,
        ctx: &Context<'_>,
        owner: Option<PolicyOwner>,
    ) -> Result<PolicyNames, AwsError> {
        found_owner::<K>(owner, &self.owner)?;
        let names = ctx
            .store()
            .inline_policy_names(
                ctx.account_id(),
                K::KIND,
                &self.owner,
                self.page.after.as_deref(),
                self.page.fetch_limit(),
            )
            .await?;
        Ok(PolicyNames(self.page.finish(names, String::clone)))
    }
}

crate::action::action_table!(
    PutInlinePolicy<UserKind>,
    PutInlinePolicy<GroupKind>,
    PutInlinePolicy<RoleKind>,
    GetInlinePolicy<UserKind>,
    GetInlinePolicy<GroupKind>,
    GetInlinePolicy<RoleKind>,
    DeleteInlinePolicy<UserKind>,
    DeleteInlinePolicy<GroupKind>,
    DeleteInlinePolicy<RoleKind>,
    ListInlinePolicies<UserKind>,
    ListInlinePolicies<GroupKind>,
    ListInlinePolicies<RoleKind>,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::members::{IamPath, Scalar, Tags};
    use crate::action::testing::Fixture;
    use crate::iam::groups::CreateGroup;
    use crate::iam::users::CreateUser;

    const DOCUMENT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;

    fn name<const MAX: usize>(text: &str) -> Name<MAX> {
        Name::parse("name", text).expect("valid name")
    }

    fn document(text: &str) -> PolicyDocument {
        PolicyDocument::parse("policyDocument", text).expect("valid document")
    }

    fn put<K: InlineKind<OwnerName = Name<128>>>(owner: &str, policy: &str) -> PutInlinePolicy<K> {
        PutInlinePolicy {
            owner: name(owner),
            policy_name: name(policy),
            document: document(DOCUMENT),
        }
    }

    fn list<K: InlineKind<OwnerName = Name<128>>>(owner: &str) -> ListInlinePolicies<K> {
        ListInlinePolicies {
            owner: name(owner),
            page: Page::default(),
        }
    }

    async fn with_user(user: &str) -> Fixture {
        let fx = Fixture::new().await;
        fx.call(CreateUser {
            name: name(user),
            path: IamPath::root(),
            boundary: None,
            tags: Tags::default(),
        })
        .await
        .expect("user created");
        fx
    }

    #[tokio::test]
    async fn a_users_policy_is_read_back_listed_and_deleted() {
        let fx = with_user("alice").await;
        for policy in ["p2", "p1"] {
            fx.call(put::<UserKind>("alice", policy))
                .await
                .expect("put");
        }
        let read = fx
            .call(GetInlinePolicy::<UserKind> {
                owner: name("ALICE"),
                policy_name: name("p1"),
            })
            .await
            .expect("read");
        assert_eq!(
            read.policy,
            InlinePolicy {
                owner_name: "alice".into(),
                name: "p1".into(),
                document: DOCUMENT.into(),
            }
        );
        let names = fx.call(list::<UserKind>("alice")).await.expect("listed").0;
        assert_eq!(
            (names.items, names.truncated),
            (vec!["p1".into(), "p2".into()], false)
        );
        fx.call(DeleteInlinePolicy::<UserKind> {
            owner: name("alice"),
            policy_name: name("p1"),
        })
        .await
        .expect("deleted");
        let names = fx.call(list::<UserKind>("alice")).await.expect("listed").0;
        assert_eq!(names.items, vec!["p2".to_string()]);
    }

    #[tokio::test]
    async fn the_result_names_the_owner_by_its_kind() {
        let fx = Fixture::new().await;
        fx.call(CreateGroup {
            name: name("devs"),
            path: IamPath::root(),
        })
        .await
        .expect("group created");
        fx.call(put::<GroupKind>("devs", "p")).await.expect("put");
        let read = fx
            .call(GetInlinePolicy::<GroupKind> {
                owner: name("devs"),
                policy_name: name("p"),
            })
            .await
            .expect("read");
        let xml = read.encode(&fx.state);
        assert_eq!(xml[0], Xml::text("GroupName", "devs"));
        assert_eq!(
            xml[2],
            Xml::text("PolicyDocument", encode_policy_document(DOCUMENT))
        );
    }

    #[tokio::test]
    async fn policies_are_listed_a_page_at_a_time() {
        let fx = with_user("bob").await;
        for policy in ["a", "b", "c"] {
            fx.call(put::<UserKind>("bob", policy)).await.expect("put");
        }
        let page = |after: Option<String>| ListInlinePolicies::<UserKind> {
            owner: name("bob"),
            page: Page {
                after,
                max_items: 2,
            },
        };
        let first = fx.call(page(None)).await.expect("page").0;
        assert_eq!(
            (first.items.clone(), first.truncated),
            (vec!["a".into(), "b".into()], true)
        );
        let second = fx.call(page(Some("b".into()))).await.expect("page").0;
        assert_eq!(
            (second.items, second.truncated, second.marker),
            (vec!["c".to_string()], false, None)
        );
    }

    #[tokio::test]
    async fn an_unknown_owner_is_no_such_entity_before_the_document_is_read() {
        let fx = Fixture::new().await;
        let error = fx
            .call(PutInlinePolicy::<RoleKind> {
                owner: name("nobody"),
                policy_name: name("p"),
                document: document("not a policy"),
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
                "The role with name nobody cannot be found."
            )
        );
    }

    #[tokio::test]
    async fn a_bad_document_or_a_missing_policy_is_refused() {
        let fx = with_user("carol").await;
        let error = fx
            .call(PutInlinePolicy::<UserKind> {
                owner: name("carol"),
                policy_name: name("p"),
                document: document("{}"),
            })
            .await
            .expect_err("malformed");
        assert_eq!(error.code.as_ref(), "MalformedPolicyDocument");
        let error = fx
            .call(GetInlinePolicy::<UserKind> {
                owner: name("carol"),
                policy_name: name("p"),
            })
            .await
            .expect_err("missing");
        assert_eq!(
            (error.code.as_ref(), error.message.as_str()),
            (
                "NoSuchEntity",
                "The user policy with name p cannot be found."
            )
        );
    }
}
