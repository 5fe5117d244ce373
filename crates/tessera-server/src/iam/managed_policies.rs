//! IAM managed policies and their versions.

use super::common::{
    CallOn, Remove, encode_policy_document, iso8601, parse_policy, request_tag_keys, tags_xml,
};
use super::entity_params::token_error;
use super::tagging::{ListTags, Tag, Taggable, Untag};
use crate::action::members::{
    ArnValue, Description, Flag, Name, Page, PathPrefix, PolicyDocument, PolicyPath, PolicyScope,
    PolicyUsageFilter, Tags, VersionId,
};
use crate::action::{Access, Action, Context, Empty, Encode, Listing, Target};
use crate::actions::{ActionSpec, R, TAG_KEYS, TAGGING, spec};
use crate::{AppState, AwsError, params::Params, xml::Xml};
use std::fmt::Debug;
use std::future::Future;
use tessera_arn::Arn;
use tessera_policy::PolicyKind;
use tessera_store::{ManagedPolicy, PolicyFilter, PolicyUsage, PolicyVersion, TaggedKind};
use tessera_token::new_unique_id;

/// A managed policy's name (`policyNameType`).
type PolicyName = Name<128>;

/// Which answer a managed policy is shown in: AWS writes the `Policy` shape
/// differently in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shown {
    /// `ListPolicies`: neither description nor tags.
    Listed,
    /// `CreatePolicy`: no description, and tags only when there are some.
    Created,
    /// `GetPolicy`: the description, and the tags even when there are none.
    Read,
    /// `GetAccountAuthorizationDetails`: the description, no tags.
    Detailed,
}

pub(super) fn policy_xml(
    policy: &ManagedPolicy,
    shown: Shown,
    tags: &[(String, String)],
) -> Vec<Xml> {
    let mut out = vec![
        Xml::text("PolicyName", policy.name.clone()),
        Xml::text("PolicyId", policy.policy_id.clone()),
        Xml::text("Arn", policy.arn.clone()),
        Xml::text("Path", policy.path.clone()),
        Xml::text("DefaultVersionId", policy.default_version.clone()),
        Xml::text("AttachmentCount", policy.attachment_count.to_string()),
        Xml::text(
            "PermissionsBoundaryUsageCount",
            policy.boundary_usage_count.to_string(),
        ),
        Xml::text("IsAttachable", "true"),
    ];
    if matches!(shown, Shown::Read | Shown::Detailed)
        && let Some(text) = &policy.description
    {
        out.push(Xml::text("Description", text.clone()));
    }
    out.push(Xml::text("CreateDate", iso8601(policy.created_at)));
    out.push(Xml::text("UpdateDate", iso8601(policy.updated_at)));
    if shown == Shown::Read || (shown == Shown::Created && !tags.is_empty()) {
        out.push(tags_xml(tags));
    }
    out
}

pub(super) fn version_xml(version: &PolicyVersion, document: bool) -> Vec<Xml> {
    let mut out = Vec::with_capacity(4);
    if document {
        out.push(Xml::text(
            "Document",
            encode_policy_document(&version.document),
        ));
    }
    out.push(Xml::text("VersionId", version.version_id.clone()));
    out.push(Xml::text(
        "IsDefaultVersion",
        version.is_default.to_string(),
    ));
    out.push(Xml::text("CreateDate", iso8601(version.created_at)));
    out
}

/// The access to the managed policy `policy_arn` of the caller's account
/// (its ARN, with its tags when it exists), and the policy as stored.
async fn policy_access(
    ctx: &Context<'_>,
    policy_arn: &str,
) -> Result<(Access, Option<ManagedPolicy>), AwsError> {
    let (target, policy) = policy_target(ctx, policy_arn).await?;
    Ok((Access::on(target), policy))
}

/// The managed policy `policy_arn` of the caller's account as stored, with
/// its [`Target`]: its ARN, with its tags when it exists.
async fn policy_target(
    ctx: &Context<'_>,
    policy_arn: &str,
) -> Result<(Target, Option<ManagedPolicy>), AwsError> {
    let store = ctx.store();
    let policy = store.managed_policy(ctx.account_id(), policy_arn).await?;
    let mut target = Target::named(policy_arn);
    if let Some(policy) = &policy {
        target.tags = store
            .tags(&policy.policy_id, None, tessera_store::TAGS_PER_ENTITY)
            .await?;
    }
    Ok((target, policy))
}

/// The policy `policy_access` found, or `NoSuchEntity`.
fn found_policy(
    policy: Option<ManagedPolicy>,
    policy_arn: &str,
) -> Result<ManagedPolicy, AwsError> {
    policy.ok_or_else(|| not_found(policy_arn))
}

/// `NoSuchEntity` for the policy `policy_arn`.
fn not_found(policy_arn: &str) -> AwsError {
    AwsError::no_such_entity(format!("Policy {policy_arn} was not found."))
}

/// The number of a version id: 3 of `v3`.
fn version_number(version_id: &str) -> u64 {
    version_id
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The managed policy a call names: its ARN, and the policy as stored
/// (`None` when the caller's account has no such policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct NamedPolicy {
    pub arn: String,
    pub stored: Option<ManagedPolicy>,
}

/// A call on the managed policy `PolicyArn` names (read before the call's
/// own members), authorized on it.
#[derive(Debug, Clone)]
pub(super) struct OnPolicy<Op: CallOn<NamedPolicy>> {
    pub arn: ArnValue,
    pub op: Op,
}

impl<Op: CallOn<NamedPolicy>> Action for OnPolicy<Op> {
    const SPEC: ActionSpec = Op::SPEC;
    type Found = Option<ManagedPolicy>;
    type Output = Op::Output;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        let arn = d.required("PolicyArn");
        let op = d.read(Op::decode(params));
        d.finish_nested(op, |op| Self { arn, op })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        policy_access(ctx, &self.arn).await
    }

    async fn run(self, ctx: &Context<'_>, stored: Self::Found) -> Result<Op::Output, AwsError> {
        let arn = self.arn.into();
        self.op.run(ctx, NamedPolicy { arn, stored }).await
    }
}

/// One managed policy in IAM's `Policy` shape, with its description and
/// tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PolicyResult {
    /// The policy as stored.
    pub policy: ManagedPolicy,
    /// Its tags.
    pub tags: Vec<(String, String)>,
    /// The answer it is shown in.
    pub shown: Shown,
}

impl Encode for PolicyResult {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        vec![Xml::node(
            "Policy",
            policy_xml(&self.policy, self.shown, &self.tags),
        )]
    }
}

/// A page of `ListPolicies`: the `Policy` shape without description or
/// tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PolicyListing(pub Listing<ManagedPolicy>);

impl Encode for PolicyListing {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        self.0
            .xml("Policies", |p| policy_xml(&p, Shown::Listed, &[]))
    }
}

/// One version in IAM's `PolicyVersion` shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct VersionResult {
    /// The version.
    pub version: PolicyVersion,
    /// Whether the shape holds its `Document` (`GetPolicyVersion`'s does,
    /// `CreatePolicyVersion`'s does not).
    pub with_document: bool,
}

impl Encode for VersionResult {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        vec![Xml::node(
            "PolicyVersion",
            version_xml(&self.version, self.with_document),
        )]
    }
}

/// A page of `ListPolicyVersions`, newest first, without documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct VersionListing(pub Listing<PolicyVersion>);

impl Encode for VersionListing {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        self.0.xml("Versions", |v| version_xml(&v, false))
    }
}

/// `CreatePolicy`: a customer managed policy, its document as `v1`.
#[derive(Debug, Clone)]
pub(super) struct CreatePolicy {
    pub name: PolicyName,
    /// `/` when absent.
    pub path: Option<PolicyPath>,
    pub document: PolicyDocument,
    pub description: Option<Description>,
    pub tags: Tags,
}

impl Action for CreatePolicy {
    const SPEC: ActionSpec = spec("iam:CreatePolicy", R::Policy, TAGGING);
    /// The new policy's ARN.
    type Found = String;
    type Output = PolicyResult;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: d.required("PolicyName"),
            path: d.member("Path"),
            document: d.required("PolicyDocument"),
            description: d.member("Description"),
            tags: d.member("Tags").unwrap_or_default(),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, String), AwsError> {
        let path = self.path.as_deref().unwrap_or("/");
        let arn = Arn::policy(ctx.partition(), ctx.account_id(), path, &self.name).into_string();
        let keys = request_tag_keys(&self.tags);
        let target = Target::named(arn.clone());
        Ok((Access::On { target, keys }, arn))
    }

    async fn run(self, ctx: &Context<'_>, arn: String) -> Result<PolicyResult, AwsError> {
        parse_policy(&self.document, PolicyKind::managed())?;
        let now = ctx.now();
        let policy = ManagedPolicy {
            arn,
            policy_id: new_unique_id("ANPA").map_err(token_error)?,
            account_id: ctx.account_id().to_string(),
            name: self.name.into(),
            path: self.path.map_or_else(|| "/".to_string(), String::from),
            description: self.description.map(String::from),
            default_version: "v1".to_string(),
            created_at: now,
            updated_at: now,
            attachment_count: 0,
            boundary_usage_count: 0,
        };
        ctx.store()
            .create_policy(&policy, &self.document, &self.tags)
            .await?;
        Ok(PolicyResult {
            policy,
            tags: self.tags.0,
            shown: Shown::Created,
        })
    }
}

/// `GetPolicy`.
#[derive(Debug, Clone)]
pub(super) struct GetPolicy;

impl CallOn<NamedPolicy> for GetPolicy {
    const SPEC: ActionSpec = spec("iam:GetPolicy", R::Policy, &[]);
    type Output = PolicyResult;

    fn decode(_params: &Params) -> Result<Self, AwsError> {
        Ok(Self)
    }

    async fn run(self, ctx: &Context<'_>, policy: NamedPolicy) -> Result<PolicyResult, AwsError> {
        let policy = found_policy(policy.stored, &policy.arn)?;
        let tags = ctx
            .store()
            .tags(&policy.policy_id, None, tessera_store::TAGS_PER_ENTITY)
            .await?;
        Ok(PolicyResult {
            policy,
            tags,
            shown: Shown::Read,
        })
    }
}

/// `ListPolicies`. There are no AWS managed policies: the `AWS` scope is
/// empty.
#[derive(Debug, Clone)]
pub(super) struct ListPolicies {
    pub scope: PolicyScope,
    pub only_attached: bool,
    pub usage: Option<PolicyUsage>,
    pub prefix: PathPrefix,
    pub page: Page,
}

impl Action for ListPolicies {
    const SPEC: ActionSpec = spec("iam:ListPolicies", R::None, &[]);
    type Found = ();
    type Output = PolicyListing;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            scope: d.member("Scope").unwrap_or_default(),
            only_attached: d.member::<Flag>("OnlyAttached").unwrap_or_default().0,
            usage: d
                .member::<PolicyUsageFilter>("PolicyUsageFilter")
                .map(|filter| filter.0),
            prefix: d.member("PathPrefix").unwrap_or_else(PathPrefix::root),
            page: d.read(Page::read(params)).unwrap_or_default(),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        let arn = Arn::policy(ctx.partition(), ctx.account_id(), &self.prefix, "");
        Ok((Access::on_arn(arn.into_string()), ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<PolicyListing, AwsError> {
        let rows = if self.scope == PolicyScope::Aws {
            Vec::new()
        } else {
            let filter = PolicyFilter {
                path_prefix: Some(self.prefix.into()),
                only_attached: self.only_attached,
                usage: self.usage,
            };
            ctx.store()
                .list_policies(
                    ctx.account_id(),
                    &filter,
                    self.page.after.as_deref(),
                    self.page.fetch_limit(),
                )
                .await?
        };
        Ok(PolicyListing(self.page.finish(rows, |p| p.name.clone())))
    }
}

/// `DeletePolicy`: the store answers `NoSuchEntity` for an unknown policy.
#[derive(Debug, Clone)]
pub(super) struct DeletePolicy;

impl CallOn<NamedPolicy> for DeletePolicy {
    const SPEC: ActionSpec = spec("iam:DeletePolicy", R::Policy, &[]);
    type Output = Empty;

    fn decode(_params: &Params) -> Result<Self, AwsError> {
        Ok(Self)
    }

    async fn run(self, ctx: &Context<'_>, policy: NamedPolicy) -> Result<Empty, AwsError> {
        ctx.store()
            .delete_policy(ctx.account_id(), &policy.arn)
            .await?;
        Ok(Empty)
    }
}

/// `CreatePolicyVersion`.
#[derive(Debug, Clone)]
pub(super) struct CreatePolicyVersion {
    pub document: PolicyDocument,
    pub set_as_default: bool,
}

impl CallOn<NamedPolicy> for CreatePolicyVersion {
    const SPEC: ActionSpec = spec("iam:CreatePolicyVersion", R::Policy, &[]);
    type Output = VersionResult;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            document: d.required("PolicyDocument"),
            set_as_default: d.member::<Flag>("SetAsDefault").unwrap_or_default().0,
        })
    }

    async fn run(self, ctx: &Context<'_>, policy: NamedPolicy) -> Result<VersionResult, AwsError> {
        found_policy(policy.stored, &policy.arn)?;
        parse_policy(&self.document, PolicyKind::managed())?;
        let now = ctx.now();
        let version_id = ctx
            .store()
            .create_policy_version(
                ctx.account_id(),
                &policy.arn,
                &self.document,
                self.set_as_default,
                now,
            )
            .await?;
        Ok(VersionResult {
            version: PolicyVersion {
                version_id,
                document: self.document.into(),
                is_default: self.set_as_default,
                created_at: now,
            },
            with_document: false,
        })
    }
}

/// `GetPolicyVersion`.
#[derive(Debug, Clone)]
pub(super) struct GetPolicyVersion {
    pub version_id: VersionId,
}

impl CallOn<NamedPolicy> for GetPolicyVersion {
    const SPEC: ActionSpec = spec("iam:GetPolicyVersion", R::Policy, &[]);
    type Output = VersionResult;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            version_id: d.required("VersionId"),
        })
    }

    async fn run(self, ctx: &Context<'_>, policy: NamedPolicy) -> Result<VersionResult, AwsError> {
        found_policy(policy.stored, &policy.arn)?;
        let (arn, version_id) = (&policy.arn, &self.version_id);
        let version = ctx
            .store()
            .policy_version(ctx.account_id(), arn, version_id)
            .await?
            .ok_or_else(|| {
                AwsError::no_such_entity(format!(
                    "Policy {arn} version {version_id} does not exist or is not attachable."
                ))
            })?;
        Ok(VersionResult {
            version,
            with_document: true,
        })
    }
}

/// `ListPolicyVersions`: newest first; a page continues with the versions
/// older than the marker's.
#[derive(Debug, Clone)]
pub(super) struct ListPolicyVersions {
    pub page: Page,
}

impl CallOn<NamedPolicy> for ListPolicyVersions {
    const SPEC: ActionSpec = spec("iam:ListPolicyVersions", R::Policy, &[]);
    type Output = VersionListing;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        Ok(Self {
            page: Page::read(params)?,
        })
    }

    async fn run(self, ctx: &Context<'_>, policy: NamedPolicy) -> Result<VersionListing, AwsError> {
        found_policy(policy.stored, &policy.arn)?;
        let after = self.page.after.as_deref().map(version_number);
        let versions: Vec<PolicyVersion> = ctx
            .store()
            .policy_versions(ctx.account_id(), &policy.arn)
            .await?
            .into_iter()
            .filter(|v| after.is_none_or(|a| version_number(&v.version_id) < a))
            .take(self.page.fetch_limit())
            .collect();
        Ok(VersionListing(
            self.page.finish(versions, |v| v.version_id.clone()),
        ))
    }
}

/// A change of a policy's versions: [`Remove`] deletes one (not the
/// default), [`MakeDefault`] makes it the default.
pub(super) trait VersionChange: Debug + Clone + Default + Send + Sync + 'static {
    /// `DeletePolicyVersion` or `SetDefaultPolicyVersion`.
    const SPEC: ActionSpec;

    /// Deletes the version `version_id` of the policy `arn`, or makes it the
    /// default.
    fn apply(
        &self,
        ctx: &Context<'_>,
        arn: &str,
        version_id: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
}

/// Making a version the default, as [`VersionChange`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct MakeDefault;

impl VersionChange for Remove {
    const SPEC: ActionSpec = spec("iam:DeletePolicyVersion", R::Policy, &[]);

    async fn apply(&self, ctx: &Context<'_>, arn: &str, version_id: &str) -> Result<(), AwsError> {
        let store = ctx.store();
        Ok(store
            .delete_policy_version(ctx.account_id(), arn, version_id)
            .await?)
    }
}

impl VersionChange for MakeDefault {
    const SPEC: ActionSpec = spec("iam:SetDefaultPolicyVersion", R::Policy, &[]);

    async fn apply(&self, ctx: &Context<'_>, arn: &str, version_id: &str) -> Result<(), AwsError> {
        let store = ctx.store();
        Ok(store
            .set_default_policy_version(ctx.account_id(), arn, version_id, ctx.now())
            .await?)
    }
}

/// `DeletePolicyVersion` and `SetDefaultPolicyVersion`: the store answers
/// `NoSuchEntity` for an unknown policy or version.
#[derive(Debug, Clone)]
pub(super) struct ChangeVersion<C: VersionChange> {
    /// Deleting the version or making it the default.
    pub change: C,
    pub version_id: VersionId,
}

impl<C: VersionChange> CallOn<NamedPolicy> for ChangeVersion<C> {
    const SPEC: ActionSpec = C::SPEC;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            change: C::default(),
            version_id: d.required("VersionId"),
        })
    }

    async fn run(self, ctx: &Context<'_>, policy: NamedPolicy) -> Result<Empty, AwsError> {
        let (arn, version_id) = (&policy.arn, &self.version_id);
        self.change.apply(ctx, arn, version_id).await?;
        Ok(Empty)
    }
}

/// Managed policies, as things that carry tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct ManagedPolicies;

impl Taggable for ManagedPolicies {
    type Key = ArnValue;
    type Stored = ManagedPolicy;
    const KEY_MEMBER: &'static str = "PolicyArn";
    const TAGGED: TaggedKind = TaggedKind::Policy;
    const TAG: ActionSpec = spec("iam:TagPolicy", R::Policy, TAGGING);
    const UNTAG: ActionSpec = spec("iam:UntagPolicy", R::Policy, &[TAG_KEYS]);
    const LIST_TAGS: ActionSpec = spec("iam:ListPolicyTags", R::Policy, &[]);

    async fn find(
        ctx: &Context<'_>,
        arn: &str,
    ) -> Result<(Target, Option<ManagedPolicy>), AwsError> {
        policy_target(ctx, arn).await
    }

    fn owner_id(policy: &ManagedPolicy) -> &str {
        &policy.policy_id
    }

    fn not_found(arn: &str) -> AwsError {
        not_found(arn)
    }
}

crate::action::action_table!(
    CreatePolicy,
    OnPolicy<GetPolicy>,
    ListPolicies,
    OnPolicy<DeletePolicy>,
    OnPolicy<CreatePolicyVersion>,
    OnPolicy<GetPolicyVersion>,
    OnPolicy<ListPolicyVersions>,
    OnPolicy<ChangeVersion<Remove>>,
    OnPolicy<ChangeVersion<MakeDefault>>,
    Tag<ManagedPolicies>,
    Untag<ManagedPolicies>,
    ListTags<ManagedPolicies>,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::members::{Scalar, TagKeys};
    use crate::action::testing::Fixture;

    const ALLOW_S3: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    const ALLOW_ALL: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

    fn document(text: &str) -> PolicyDocument {
        PolicyDocument::parse("policyDocument", text).expect("valid document")
    }

    fn arn(text: &str) -> ArnValue {
        ArnValue::parse("policyArn", text).expect("valid ARN")
    }

    fn version(text: &str) -> VersionId {
        VersionId::parse("versionId", text).expect("valid version id")
    }

    fn on<Op: CallOn<NamedPolicy>>(policy_arn: &str, op: Op) -> OnPolicy<Op> {
        OnPolicy {
            arn: arn(policy_arn),
            op,
        }
    }

    fn create(name: &str) -> CreatePolicy {
        CreatePolicy {
            name: Name::parse("policyName", name).expect("valid name"),
            path: None,
            document: document(ALLOW_S3),
            description: Some(Description::parse("description", "s3").expect("ok")),
            tags: Tags(vec![("team".into(), "blue".into())]),
        }
    }

    fn list(after: Option<String>, max_items: usize) -> ListPolicies {
        ListPolicies {
            scope: PolicyScope::All,
            only_attached: false,
            usage: None,
            prefix: PathPrefix::root(),
            page: Page { after, max_items },
        }
    }

    #[tokio::test]
    async fn a_created_policy_is_read_back_with_its_tags() {
        let fx = Fixture::new().await;
        let created = fx.call(create("reader")).await.expect("created");
        let expected = format!("arn:aws:iam::{}:policy/reader", fx.account_id);
        assert_eq!(
            (
                created.policy.arn.as_str(),
                created.policy.default_version.as_str(),
                created.policy.description.as_deref()
            ),
            (expected.as_str(), "v1", Some("s3"))
        );
        assert!(created.policy.policy_id.starts_with("ANPA"));
        let read = fx.call(on(&expected, GetPolicy)).await.expect("read");
        assert_eq!((&read.policy, &read.tags), (&created.policy, &created.tags));
        assert_eq!((created.shown, read.shown), (Shown::Created, Shown::Read));
    }

    #[tokio::test]
    async fn an_unknown_policy_is_no_such_entity() {
        let fx = Fixture::new().await;
        let missing = format!("arn:aws:iam::{}:policy/none", fx.account_id);
        let error = fx.call(on(&missing, GetPolicy)).await.expect_err("unknown");
        assert_eq!(
            (
                error.code.as_ref(),
                error.status.as_u16(),
                error.message.clone()
            ),
            (
                "NoSuchEntity",
                404,
                format!("Policy {missing} was not found.")
            )
        );
        let error = fx
            .call(on(
                &missing,
                CreatePolicyVersion {
                    document: document(ALLOW_ALL),
                    set_as_default: false,
                },
            ))
            .await
            .expect_err("unknown");
        assert_eq!(error.code.as_ref(), "NoSuchEntity");
    }

    #[tokio::test]
    async fn a_name_is_unique_and_a_document_must_be_a_policy() {
        let fx = Fixture::new().await;
        fx.call(create("writer")).await.expect("created");
        let error = fx.call(create("WRITER")).await.expect_err("taken");
        assert_eq!(
            (error.code.as_ref(), error.status.as_u16()),
            ("EntityAlreadyExists", 409)
        );
        let error = fx
            .call(CreatePolicy {
                document: document("{"),
                ..create("broken")
            })
            .await
            .expect_err("malformed");
        assert_eq!(error.code.as_ref(), "MalformedPolicyDocument");
    }

    #[tokio::test]
    async fn policies_are_listed_a_page_at_a_time() {
        let fx = Fixture::new().await;
        for name in ["p1", "p2", "p3"] {
            fx.call(create(name)).await.expect("created");
        }
        let first = fx.call(list(None, 2)).await.expect("page").0;
        let names: Vec<_> = first.items.iter().map(|p| p.name.as_str()).collect();
        assert_eq!((names, first.truncated), (vec!["p1", "p2"], true));
        let after = first.items.last().map(|p| p.name.clone());
        let second = fx.call(list(after, 2)).await.expect("page").0;
        let names: Vec<_> = second.items.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            (names, second.truncated, second.marker),
            (vec!["p3"], false, None)
        );
        let aws = fx
            .call(ListPolicies {
                scope: PolicyScope::Aws,
                ..list(None, 100)
            })
            .await
            .expect("page")
            .0;
        assert!(aws.items.is_empty() && !aws.truncated);
        let attached = fx
            .call(ListPolicies {
                only_attached: true,
                ..list(None, 100)
            })
            .await
            .expect("page")
            .0;
        assert!(attached.items.is_empty());
    }

    #[tokio::test]
    async fn versions_are_created_listed_and_made_default() {
        let fx = Fixture::new().await;
        let policy = fx.call(create("versioned")).await.expect("created").policy;
        let created = fx
            .call(on(
                &policy.arn,
                CreatePolicyVersion {
                    document: document(ALLOW_ALL),
                    set_as_default: false,
                },
            ))
            .await
            .expect("version");
        assert_eq!(
            (
                created.version.version_id.as_str(),
                created.version.is_default,
                created.with_document
            ),
            ("v2", false, false)
        );
        let first = fx
            .call(on(
                &policy.arn,
                ListPolicyVersions {
                    page: Page {
                        after: None,
                        max_items: 1,
                    },
                },
            ))
            .await
            .expect("versions")
            .0;
        let ids: Vec<_> = first.items.iter().map(|v| v.version_id.as_str()).collect();
        assert_eq!((ids, first.truncated), (vec!["v2"], true));
        let second = fx
            .call(on(
                &policy.arn,
                ListPolicyVersions {
                    page: Page {
                        after: Some("v2".into()),
                        max_items: 1,
                    },
                },
            ))
            .await
            .expect("versions")
            .0;
        let ids: Vec<_> = second.items.iter().map(|v| v.version_id.as_str()).collect();
        assert_eq!((ids, second.truncated), (vec!["v1"], false));
        fx.call(on(
            &policy.arn,
            ChangeVersion {
                change: MakeDefault,
                version_id: version("v2"),
            },
        ))
        .await
        .expect("default");
        let read = fx
            .call(on(
                &policy.arn,
                GetPolicyVersion {
                    version_id: version("v2"),
                },
            ))
            .await
            .expect("read");
        assert_eq!(
            (
                read.version.document.as_str(),
                read.version.is_default,
                read.with_document
            ),
            (ALLOW_ALL, true, true)
        );
        fx.call(on(
            &policy.arn,
            ChangeVersion {
                change: Remove,
                version_id: version("v1"),
            },
        ))
        .await
        .expect("deleted");
        let error = fx
            .call(on(
                &policy.arn,
                GetPolicyVersion {
                    version_id: version("v1"),
                },
            ))
            .await
            .expect_err("gone");
        assert_eq!(
            (error.code.as_ref(), error.message.clone()),
            (
                "NoSuchEntity",
                format!(
                    "Policy {} version v1 does not exist or is not attachable.",
                    policy.arn
                )
            )
        );
        fx.call(on(&policy.arn, DeletePolicy))
            .await
            .expect("deleted");
        let error = fx.call(on(&policy.arn, GetPolicy)).await.expect_err("gone");
        assert_eq!(error.code.as_ref(), "NoSuchEntity");
    }

    #[test]
    fn version_ids_are_checked() {
        for good in ["v1", "v12", "v3.a-b"] {
            assert!(VersionId::parse("versionId", good).is_ok(), "{good}");
        }
        for bad in ["1", "v0", "v", "vx", "v01"] {
            assert!(VersionId::parse("versionId", bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn policies_are_tagged_untagged_and_their_tags_listed() {
        let fx = Fixture::new().await;
        let created = fx.call(create("tagged")).await.expect("created");
        let policy_arn = created.policy.arn.clone();
        let tags = |pairs: &[(&str, &str)]| {
            Tags(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        };
        fx.call(Tag::<ManagedPolicies> {
            key: arn(&policy_arn),
            tags: tags(&[("TEAM", "red"), ("env", "prod")]),
        })
        .await
        .expect("tagged");
        let listed = |after: Option<String>, max_items: usize| ListTags::<ManagedPolicies> {
            key: arn(&policy_arn),
            page: Page { after, max_items },
        };
        let first = fx.call(listed(None, 1)).await.expect("listed").0;
        assert_eq!(first.items, [("env".to_string(), "prod".to_string())]);
        assert!(first.truncated);
        let rest = fx
            .call(listed(Some("env".into()), 10))
            .await
            .expect("listed")
            .0;
        // The key given last replaces the one of the same name in any case.
        assert_eq!(rest.items, [("TEAM".to_string(), "red".to_string())]);
        fx.call(Untag::<ManagedPolicies> {
            key: arn(&policy_arn),
            keys: TagKeys(vec!["team".into(), "absent".into()]),
        })
        .await
        .expect("untagged");
        let left = fx.call(listed(None, 10)).await.expect("listed").0;
        assert_eq!(left.items, [("env".to_string(), "prod".to_string())]);
        let read = fx.call(on(&policy_arn, GetPolicy)).await.expect("read");
        assert_eq!(read.tags, left.items);

        let unknown = format!("arn:aws:iam::{}:policy/none", fx.account_id);
        let error = fx
            .call(Tag::<ManagedPolicies> {
                key: arn(&unknown),
                tags: tags(&[("a", "b")]),
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
                format!("Policy {unknown} was not found.").as_str()
            )
        );
    }
}
