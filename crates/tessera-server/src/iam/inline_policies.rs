//! Inline policies of users, groups and roles: each action is written once,
//! over the kind of entity that holds the policy ([`InlineKind`]).

use super::common::{CallOn, encode_policy_document, parse_policy};
use super::entities::{EntityKind, GroupKind, RoleKind, UserKind, entity_access, found};
use crate::action::members::{Name, Page, PolicyDocument};
use crate::action::{Access, Action, Context, Empty, Encode, Listing};
use crate::actions::{ActionSpec, BOUNDARY, R, spec};
use crate::{AppState, AwsError, params::Params, xml::Xml};
use std::marker::PhantomData;
use tessera_policy::PolicyKind;
use tessera_store::InlinePolicy;

/// A policy name (`policyNameType`).
type PolicyName = Name<128>;

/// A kind of entity that holds inline policies, with the declarations of
/// the actions on them.
pub(super) trait InlineKind: EntityKind {
    /// IAM's quota on all inline policies of one owner, in characters.
    const TOTAL_SIZE: usize;
    /// How a policy of this kind of owner is validated.
    const POLICY_KIND: PolicyKind;
    /// `Put…Policy`.
    const PUT_POLICY: ActionSpec;
    /// `Get…Policy`.
    const GET_POLICY: ActionSpec;
    /// `Delete…Policy`.
    const DELETE_POLICY: ActionSpec;
    /// `List…Policies`.
    const LIST_POLICIES: ActionSpec;
}

impl InlineKind for UserKind {
    const TOTAL_SIZE: usize = 2_048;
    const POLICY_KIND: PolicyKind = PolicyKind::inline_user();
    const PUT_POLICY: ActionSpec = spec("iam:PutUserPolicy", R::User, BOUNDARY);
    const GET_POLICY: ActionSpec = spec("iam:GetUserPolicy", R::User, &[]);
    const DELETE_POLICY: ActionSpec = spec("iam:DeleteUserPolicy", R::User, BOUNDARY);
    const LIST_POLICIES: ActionSpec = spec("iam:ListUserPolicies", R::User, &[]);
}

impl InlineKind for GroupKind {
    const TOTAL_SIZE: usize = 5_120;
    const POLICY_KIND: PolicyKind = PolicyKind::inline_group();
    const PUT_POLICY: ActionSpec = spec("iam:PutGroupPolicy", R::Group, &[]);
    const GET_POLICY: ActionSpec = spec("iam:GetGroupPolicy", R::Group, &[]);
    const DELETE_POLICY: ActionSpec = spec("iam:DeleteGroupPolicy", R::Group, &[]);
    const LIST_POLICIES: ActionSpec = spec("iam:ListGroupPolicies", R::Group, &[]);
}

impl InlineKind for RoleKind {
    const TOTAL_SIZE: usize = 10_240;
    const POLICY_KIND: PolicyKind = PolicyKind::inline_role();
    const PUT_POLICY: ActionSpec = spec("iam:PutRolePolicy", R::Role, BOUNDARY);
    const GET_POLICY: ActionSpec = spec("iam:GetRolePolicy", R::Role, &[]);
    const DELETE_POLICY: ActionSpec = spec("iam:DeleteRolePolicy", R::Role, BOUNDARY);
    const LIST_POLICIES: ActionSpec = spec("iam:ListRolePolicies", R::Role, &[]);
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
            Xml::text(K::NAME_MEMBER, self.policy.owner_name),
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

/// The owner of the inline policies a call is on, found to exist: its name
/// as the request gives it, and the entity as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Owner<K: InlineKind>(pub K::Name, pub K::Entity);

/// A call on the inline policies of the user, group or role the request
/// names (`UserName`, …, read before the call's own members): authorized on
/// it, then `NoSuchEntity` when it does not exist.
#[derive(Debug, Clone)]
pub(super) struct OnOwner<K: InlineKind, Op: CallOn<Owner<K>>> {
    pub owner: K::Name,
    pub op: Op,
}

impl<K: InlineKind, Op: CallOn<Owner<K>>> Action for OnOwner<K, Op> {
    const SPEC: ActionSpec = Op::SPEC;
    type Found = Option<K::Entity>;
    type Output = Op::Output;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        let owner = d.required(K::NAME_MEMBER);
        let op = d.read(Op::decode(params));
        d.finish(())?;
        Ok(Self {
            owner,
            op: op.ok_or_else(AwsError::internal)?,
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        entity_access::<K>(ctx, &self.owner, Vec::new()).await
    }

    async fn run(self, ctx: &Context<'_>, owner: Self::Found) -> Result<Op::Output, AwsError> {
        let entity = found::<K>(owner, &self.owner)?;
        self.op.run(ctx, Owner(self.owner, entity)).await
    }
}

/// `Put{User,Group,Role}Policy`: validated, stored as written.
#[derive(Debug, Clone)]
pub(super) struct PutInlinePolicy {
    pub policy_name: PolicyName,
    pub document: PolicyDocument,
}

impl<K: InlineKind> CallOn<Owner<K>> for PutInlinePolicy {
    const SPEC: ActionSpec = K::PUT_POLICY;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            policy_name: d.required("PolicyName"),
            document: d.required("PolicyDocument"),
        })
    }

    async fn run(
        self,
        ctx: &Context<'_>,
        Owner(owner, entity): Owner<K>,
    ) -> Result<Empty, AwsError> {
        K::modifiable(&entity)?;
        parse_policy(&self.document, K::POLICY_KIND)?;
        ctx.store()
            .put_inline_policy(
                ctx.account_id(),
                K::OWNER,
                &owner,
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
pub(super) struct GetInlinePolicy {
    pub policy_name: PolicyName,
}

impl<K: InlineKind> CallOn<Owner<K>> for GetInlinePolicy {
    const SPEC: ActionSpec = K::GET_POLICY;
    type Output = InlinePolicyResult<K>;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            policy_name: d.required("PolicyName"),
        })
    }

    async fn run(
        self,
        ctx: &Context<'_>,
        Owner(owner, _): Owner<K>,
    ) -> Result<InlinePolicyResult<K>, AwsError> {
        let policy = ctx
            .store()
            .inline_policy(ctx.account_id(), K::OWNER, &owner, &self.policy_name)
            .await?;
        Ok(InlinePolicyResult {
            policy,
            kind: PhantomData,
        })
    }
}

/// `Delete{User,Group,Role}Policy`.
#[derive(Debug, Clone)]
pub(super) struct DeleteInlinePolicy {
    pub policy_name: PolicyName,
}

impl<K: InlineKind> CallOn<Owner<K>> for DeleteInlinePolicy {
    const SPEC: ActionSpec = K::DELETE_POLICY;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            policy_name: d.required("PolicyName"),
        })
    }

    async fn run(
        self,
        ctx: &Context<'_>,
        Owner(owner, entity): Owner<K>,
    ) -> Result<Empty, AwsError> {
        K::modifiable(&entity)?;
        ctx.store()
            .delete_inline_policy(ctx.account_id(), K::OWNER, &owner, &self.policy_name)
            .await?;
        Ok(Empty)
    }
}

/// `List{User,Group,Role}Policies`: the names, in order.
#[derive(Debug, Clone)]
pub(super) struct ListInlinePolicies {
    pub page: Page,
}

impl<K: InlineKind> CallOn<Owner<K>> for ListInlinePolicies {
    const SPEC: ActionSpec = K::LIST_POLICIES;
    type Output = PolicyNames;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        Ok(Self {
            page: Page::read(params)?,
        })
    }

    async fn run(
        self,
        ctx: &Context<'_>,
        Owner(owner, _): Owner<K>,
    ) -> Result<PolicyNames, AwsError> {
        let names = ctx
            .store()
            .inline_policy_names(
                ctx.account_id(),
                K::OWNER,
                &owner,
                self.page.after.as_deref(),
                self.page.fetch_limit(),
            )
            .await?;
        Ok(PolicyNames(self.page.finish(names, String::clone)))
    }
}

crate::action::action_table!(
    OnOwner<UserKind, PutInlinePolicy>,
    OnOwner<GroupKind, PutInlinePolicy>,
    OnOwner<RoleKind, PutInlinePolicy>,
    OnOwner<UserKind, GetInlinePolicy>,
    OnOwner<GroupKind, GetInlinePolicy>,
    OnOwner<RoleKind, GetInlinePolicy>,
    OnOwner<UserKind, DeleteInlinePolicy>,
    OnOwner<GroupKind, DeleteInlinePolicy>,
    OnOwner<RoleKind, DeleteInlinePolicy>,
    OnOwner<UserKind, ListInlinePolicies>,
    OnOwner<GroupKind, ListInlinePolicies>,
    OnOwner<RoleKind, ListInlinePolicies>,
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

    fn on<K: InlineKind, Op: CallOn<Owner<K>>>(owner: K::Name, op: Op) -> OnOwner<K, Op> {
        OnOwner { owner, op }
    }

    fn get<K: InlineKind>(owner: K::Name, policy: &str) -> OnOwner<K, GetInlinePolicy> {
        let policy_name = name(policy);
        on(owner, GetInlinePolicy { policy_name })
    }

    fn put<K: InlineKind<Name = Name<128>>>(
        owner: &str,
        policy: &str,
    ) -> OnOwner<K, PutInlinePolicy> {
        let policy_name = name(policy);
        let document = document(DOCUMENT);
        on(
            name(owner),
            PutInlinePolicy {
                policy_name,
                document,
            },
        )
    }

    fn list<K: InlineKind<Name = Name<128>>>(owner: &str) -> OnOwner<K, ListInlinePolicies> {
        let page = Page::default();
        on(name(owner), ListInlinePolicies { page })
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
            .call(get::<UserKind>(name("ALICE"), "p1"))
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
        fx.call(on::<UserKind, _>(
            name("alice"),
            DeleteInlinePolicy {
                policy_name: name("p1"),
            },
        ))
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
            .call(get::<GroupKind>(name("devs"), "p"))
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
        let page = |after: Option<String>| {
            on::<UserKind, _>(
                name("bob"),
                ListInlinePolicies {
                    page: Page {
                        after,
                        max_items: 2,
                    },
                },
            )
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
            .call(on::<RoleKind, _>(
                name("nobody"),
                PutInlinePolicy {
                    policy_name: name("p"),
                    document: document("not a policy"),
                },
            ))
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
            .call(on::<UserKind, _>(
                name("carol"),
                PutInlinePolicy {
                    policy_name: name("p"),
                    document: document("{}"),
                },
            ))
            .await
            .expect_err("malformed");
        assert_eq!(error.code.as_ref(), "MalformedPolicyDocument");
        let error = fx
            .call(get::<UserKind>(name("carol"), "p"))
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
