//! `GetAccountAuthorizationDetails`: every user, group, role and managed
//! policy of the account with what grants it permissions, in one listing
//! paged across the four lists (users, then groups, roles and policies).

use super::common::{encode_policy_document, iso8601, tags_xml};
use super::credential_reports::{PAGE, every};
use super::entity_params::user_xml;
use super::groups::group_xml;
use super::instance_profiles::ShownProfile;
use super::managed_policies::{Shown, policy_xml, version_xml};
use super::roles::shown_trust;
use crate::action::members::{EntityFilter, List, Page};
use crate::action::{Access, Action, Context, Encode, Listing};
use crate::actions::{ActionSpec, R, spec};
use crate::{
    AppState, AwsError,
    params::Params,
    xml::{Xml, members},
};
use tessera_arn::Arn;
use tessera_store::{
    Group, InlinePolicy, InstanceProfile, ManagedPolicy, OwnerKind, PolicyFilter, PolicyOwnerKind,
    PolicyVersion, Role, TAGS_PER_ENTITY, User,
};

/// The four lists, in the order the answer gives them and pages run
/// through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Users,
    Groups,
    Roles,
    Policies,
}

impl Section {
    const ALL: [Section; 4] = [
        Section::Users,
        Section::Groups,
        Section::Roles,
        Section::Policies,
    ];

    /// The marker's name of the section.
    fn noun(self) -> &'static str {
        match self {
            Section::Users => "user",
            Section::Groups => "group",
            Section::Roles => "role",
            Section::Policies => "policy",
        }
    }

    /// Whether `Filter` asks for the section (no filter asks for all).
    /// There are no AWS managed policies: `AWSManagedPolicy` adds none.
    fn wanted(self, filter: &[EntityFilter]) -> bool {
        filter.is_empty()
            || filter.iter().any(|f| {
                matches!(
                    (self, f),
                    (Section::Users, EntityFilter::User)
                        | (Section::Groups, EntityFilter::Group)
                        | (Section::Roles, EntityFilter::Role)
                        | (Section::Policies, EntityFilter::LocalManagedPolicy)
                )
            })
    }
}

/// One entity of the listing, as stored.
#[derive(Debug, Clone)]
enum Entry {
    User(User),
    Group(Group),
    Role(Role),
    Policy(ManagedPolicy),
}

impl Entry {
    /// Its key in a marker: its section and name.
    fn key(&self) -> String {
        let (section, name) = match self {
            Entry::User(u) => (Section::Users, &u.name),
            Entry::Group(g) => (Section::Groups, &g.name),
            Entry::Role(r) => (Section::Roles, &r.name),
            Entry::Policy(p) => (Section::Policies, &p.name),
        };
        format!("{}/{name}", section.noun())
    }
}

/// Where a page starts: the section, and the name after which it starts
/// there.
fn page_start(after: Option<&str>) -> Result<(Section, Option<&str>), AwsError> {
    let Some(after) = after else {
        return Ok((Section::Users, None));
    };
    let invalid = || AwsError::invalid_input("Invalid Marker.");
    let (noun, name) = after.split_once('/').ok_or_else(invalid)?;
    let section = Section::ALL
        .into_iter()
        .find(|s| s.noun() == noun)
        .ok_or_else(invalid)?;
    Ok((section, Some(name)))
}

/// An inline policy as a `PolicyDetail`.
fn inline_xml(policy: &InlinePolicy) -> Vec<Xml> {
    vec![
        Xml::text("PolicyName", policy.name.clone()),
        Xml::text("PolicyDocument", encode_policy_document(&policy.document)),
    ]
}

/// `AttachedManagedPolicies`.
fn attached_xml(attached: &[(String, String)]) -> Xml {
    members(
        "AttachedManagedPolicies",
        attached
            .iter()
            .map(|(name, arn)| {
                vec![
                    Xml::text("PolicyName", name.clone()),
                    Xml::text("PolicyArn", arn.clone()),
                ]
            })
            .collect(),
    )
}

/// `PermissionsBoundary`, when one is set.
fn boundary_xml(boundary: Option<&String>) -> Option<Xml> {
    boundary.map(|arn| {
        Xml::node(
            "PermissionsBoundary",
            vec![
                Xml::text("PermissionsBoundaryType", "PermissionsBoundaryPolicy"),
                Xml::text("PermissionsBoundaryArn", arn.clone()),
            ],
        )
    })
}

/// A user with its inline policies, groups, attached policies and tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct UserDetail {
    pub user: User,
    pub inline: Vec<InlinePolicy>,
    pub groups: Vec<String>,
    pub attached: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
}

impl UserDetail {
    fn xml(self, state: &AppState) -> Vec<Xml> {
        let mut out = user_xml(state, &self.user, false, None);
        out.push(members(
            "UserPolicyList",
            self.inline.iter().map(inline_xml).collect(),
        ));
        out.push(Xml::node(
            "GroupList",
            self.groups
                .into_iter()
                .map(|name| Xml::text("member", name))
                .collect(),
        ));
        out.push(attached_xml(&self.attached));
        out.extend(boundary_xml(self.user.permissions_boundary.as_ref()));
        if !self.tags.is_empty() {
            out.push(tags_xml(&self.tags));
        }
        out
    }
}

/// A group with its inline and attached policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct GroupDetail {
    pub group: Group,
    pub inline: Vec<InlinePolicy>,
    pub attached: Vec<(String, String)>,
}

impl GroupDetail {
    fn xml(self, state: &AppState) -> Vec<Xml> {
        let mut out = group_xml(state, &self.group);
        out.push(members(
            "GroupPolicyList",
            self.inline.iter().map(inline_xml).collect(),
        ));
        out.push(attached_xml(&self.attached));
        out
    }
}

/// A role with its trust policy (as shown), instance profiles, inline and
/// attached policies and tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RoleDetail {
    pub role: Role,
    pub trust: String,
    pub profiles: Vec<ShownProfile>,
    pub inline: Vec<InlinePolicy>,
    pub attached: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
}

impl RoleDetail {
    fn xml(self, state: &AppState) -> Vec<Xml> {
        let role = &self.role;
        let arn = Arn::role(state.partition(), &role.account_id, &role.path, &role.name);
        let mut out = vec![
            Xml::text("Path", role.path.clone()),
            Xml::text("RoleName", role.name.clone()),
            Xml::text("RoleId", role.role_id.clone()),
            Xml::text("Arn", arn.into_string()),
            Xml::text("CreateDate", iso8601(role.created_at)),
            Xml::text(
                "AssumeRolePolicyDocument",
                encode_policy_document(&self.trust),
            ),
            members(
                "InstanceProfileList",
                self.profiles.into_iter().map(|p| p.xml(state)).collect(),
            ),
            members(
                "RolePolicyList",
                self.inline.iter().map(inline_xml).collect(),
            ),
            attached_xml(&self.attached),
        ];
        out.extend(boundary_xml(role.permissions_boundary.as_ref()));
        if !self.tags.is_empty() {
            out.push(tags_xml(&self.tags));
        }
        let mut last_used = Vec::new();
        if let Some((at, region)) = &role.last_used {
            last_used.push(Xml::text("LastUsedDate", iso8601(*at)));
            last_used.push(Xml::text("Region", region.clone()));
        }
        out.push(Xml::node("RoleLastUsed", last_used));
        out
    }
}

/// A managed policy with every version and its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PolicyDetail {
    pub policy: ManagedPolicy,
    /// Newest first.
    pub versions: Vec<PolicyVersion>,
}

impl PolicyDetail {
    fn xml(self) -> Vec<Xml> {
        let mut out = policy_xml(&self.policy, Shown::Detailed, &[]);
        out.push(members(
            "PolicyVersionList",
            self.versions.iter().map(|v| version_xml(v, true)).collect(),
        ));
        out
    }
}

/// One page of the account's authorization details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AuthorizationDetails {
    pub users: Vec<UserDetail>,
    pub groups: Vec<GroupDetail>,
    pub roles: Vec<RoleDetail>,
    pub policies: Vec<PolicyDetail>,
    pub truncated: bool,
    pub marker: Option<String>,
}

impl Encode for AuthorizationDetails {
    fn encode(self, state: &AppState) -> Vec<Xml> {
        let mut out = vec![
            members(
                "UserDetailList",
                self.users.into_iter().map(|u| u.xml(state)).collect(),
            ),
            members(
                "GroupDetailList",
                self.groups.into_iter().map(|g| g.xml(state)).collect(),
            ),
            members(
                "RoleDetailList",
                self.roles.into_iter().map(|r| r.xml(state)).collect(),
            ),
            members(
                "Policies",
                self.policies.into_iter().map(PolicyDetail::xml).collect(),
            ),
            Xml::text("IsTruncated", self.truncated.to_string()),
        ];
        out.extend(self.marker.map(|m| Xml::text("Marker", m)));
        out
    }
}

/// The inline policies of a user, group or role, by name.
async fn inline_policies(
    ctx: &Context<'_>,
    kind: PolicyOwnerKind,
    owner: &str,
) -> Result<Vec<InlinePolicy>, AwsError> {
    let store = ctx.store();
    let account = ctx.account_id();
    let names = every(
        move |after| async move {
            store
                .inline_policy_names(account, kind, owner, after.as_deref(), PAGE)
                .await
        },
        String::clone,
    )
    .await?;
    let mut policies = Vec::with_capacity(names.len());
    for name in names {
        policies.push(store.inline_policy(account, kind, owner, &name).await?);
    }
    Ok(policies)
}

/// The managed policies attached to a user, group or role, as (name, ARN)
/// by name.
async fn attached_policies(
    ctx: &Context<'_>,
    kind: OwnerKind,
    owner: &str,
) -> Result<Vec<(String, String)>, AwsError> {
    let store = ctx.store();
    let account = ctx.account_id();
    Ok(every(
        move |after| async move {
            store
                .attached_policies(account, kind, owner, "/", after.as_deref(), PAGE)
                .await
        },
        |(name, _): &(String, String)| name.clone(),
    )
    .await?)
}

impl UserDetail {
    async fn of(ctx: &Context<'_>, user: User) -> Result<Self, AwsError> {
        let store = ctx.store();
        let user_id = user.user_id.as_str();
        let groups = every(
            move |after| async move { store.groups_for_user(user_id, after.as_deref(), PAGE).await },
            |g: &Group| g.name.clone(),
        )
        .await?;
        Ok(Self {
            inline: inline_policies(ctx, PolicyOwnerKind::User, &user.name).await?,
            groups: groups.into_iter().map(|g| g.name).collect(),
            attached: attached_policies(ctx, OwnerKind::User, &user.name).await?,
            tags: store.tags(user_id, None, TAGS_PER_ENTITY).await?,
            user,
        })
    }
}

impl GroupDetail {
    async fn of(ctx: &Context<'_>, group: Group) -> Result<Self, AwsError> {
        Ok(Self {
            inline: inline_policies(ctx, PolicyOwnerKind::Group, &group.name).await?,
            attached: attached_policies(ctx, OwnerKind::Group, &group.name).await?,
            group,
        })
    }
}

impl RoleDetail {
    async fn of(ctx: &Context<'_>, role: Role) -> Result<Self, AwsError> {
        let store = ctx.store();
        let role_id = role.role_id.as_str();
        let profiles = every(
            move |after| async move {
                store
                    .instance_profiles_for_role(role_id, after.as_deref(), PAGE)
                    .await
            },
            |p: &InstanceProfile| p.name.clone(),
        )
        .await?;
        let mut shown = Vec::with_capacity(profiles.len());
        for profile in profiles {
            shown.push(ShownProfile::of(ctx, profile, Vec::new()).await?);
        }
        Ok(Self {
            trust: shown_trust(ctx, &role).await?,
            profiles: shown,
            inline: inline_policies(ctx, PolicyOwnerKind::Role, &role.name).await?,
            attached: attached_policies(ctx, OwnerKind::Role, &role.name).await?,
            tags: store.tags(role_id, None, TAGS_PER_ENTITY).await?,
            role,
        })
    }
}

/// `GetAccountAuthorizationDetails`.
#[derive(Debug, Clone)]
pub(super) struct GetAccountAuthorizationDetails {
    /// `Filter`: the kinds of entity listed (all when empty).
    pub filter: List<EntityFilter>,
    /// `Marker` and `MaxItems`, counting the items of all four lists.
    pub page: Page,
}

impl Action for GetAccountAuthorizationDetails {
    const SPEC: ActionSpec = spec("iam:GetAccountAuthorizationDetails", R::None, &[]);
    type Found = ();
    type Output = AuthorizationDetails;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            filter: d.member("Filter").unwrap_or_default(),
            page: d.read(Page::read(params)).unwrap_or_default(),
        })
    }

    async fn access(&self, _ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        Ok((Access::on_arn("*"), ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<AuthorizationDetails, AwsError> {
        let store = ctx.store();
        let account = ctx.account_id();
        let (start, after) = page_start(self.page.after.as_deref())?;
        let limit = self.page.fetch_limit();
        let mut entries: Vec<Entry> = Vec::new();
        for section in Section::ALL {
            let need = limit.saturating_sub(entries.len());
            if section < start || !section.wanted(&self.filter) || need == 0 {
                continue;
            }
            let after = if section == start { after } else { None };
            match section {
                Section::Users => entries.extend(
                    store
                        .list_users(account, "/", after, need)
                        .await?
                        .into_iter()
                        .map(Entry::User),
                ),
                Section::Groups => entries.extend(
                    store
                        .list_groups(account, "/", after, need)
                        .await?
                        .into_iter()
                        .map(Entry::Group),
                ),
                Section::Roles => entries.extend(
                    store
                        .list_roles(account, "/", after, need)
                        .await?
                        .into_iter()
                        .map(Entry::Role),
                ),
                Section::Policies => entries.extend(
                    store
                        .list_policies(account, &PolicyFilter::default(), after, need)
                        .await?
                        .into_iter()
                        .map(Entry::Policy),
                ),
            }
        }
        let Listing {
            items,
            truncated,
            marker,
        } = self.page.finish(entries, Entry::key);
        let mut details = AuthorizationDetails {
            users: Vec::new(),
            groups: Vec::new(),
            roles: Vec::new(),
            policies: Vec::new(),
            truncated,
            marker,
        };
        for entry in items {
            match entry {
                Entry::User(user) => details.users.push(UserDetail::of(ctx, user).await?),
                Entry::Group(group) => details.groups.push(GroupDetail::of(ctx, group).await?),
                Entry::Role(role) => details.roles.push(RoleDetail::of(ctx, role).await?),
                Entry::Policy(policy) => {
                    let versions = store.policy_versions(account, &policy.arn).await?;
                    details.policies.push(PolicyDetail { policy, versions });
                }
            }
        }
        Ok(details)
    }
}

crate::action::action_table!(GetAccountAuthorizationDetails);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Caller;
    use crate::action::members::Scalar;
    use crate::action::testing::Fixture;

    const DOC: &str =
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#;
    const TRUST: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}"#;

    fn details(
        filter: &[&str],
        max_items: usize,
        after: Option<String>,
    ) -> GetAccountAuthorizationDetails {
        GetAccountAuthorizationDetails {
            filter: List(
                filter
                    .iter()
                    .map(|f| EntityFilter::parse("filter.member", f).expect("filter"))
                    .collect(),
            ),
            page: Page { after, max_items },
        }
    }

    /// The marker's key, as the next request reads it.
    fn after(marker: &Option<String>) -> Option<String> {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        marker
            .as_ref()
            .map(|m| String::from_utf8(URL_SAFE_NO_PAD.decode(m).expect("base64")).expect("utf-8"))
    }

    /// Two users (alice in group devs, with an inline and an attached
    /// policy, a boundary and a tag), a group, a role in an instance
    /// profile, and a managed policy with two versions.
    async fn account(fx: &Fixture) -> String {
        let store = fx.state.store();
        let acct = fx.account_id.clone();
        let policy_arn = format!("arn:aws:iam::{acct}:policy/mp");
        store
            .create_policy(
                &ManagedPolicy {
                    arn: policy_arn.clone(),
                    policy_id: "ANPADETAILSMP".into(),
                    account_id: acct.clone(),
                    name: "mp".into(),
                    path: "/".into(),
                    description: Some("shared".into()),
                    default_version: "v1".into(),
                    created_at: 1,
                    updated_at: 1,
                    attachment_count: 0,
                    boundary_usage_count: 0,
                },
                DOC,
                &[],
            )
            .await
            .expect("policy");
        store
            .create_policy_version(&acct, &policy_arn, DOC, true, 2)
            .await
            .expect("v2");
        for (id, name) in [("AIDADETAILSALICE", "alice"), ("AIDADETAILSBOB", "bob")] {
            let user = User {
                user_id: id.into(),
                account_id: acct.clone(),
                name: name.into(),
                path: "/".into(),
                permissions_boundary: (name == "alice").then(|| policy_arn.clone()),
                created_at: 1,
            };
            store
                .create_user(&user, &[("team".into(), name.into())])
                .await
                .expect("user");
        }
        store
            .put_inline_policy(&acct, PolicyOwnerKind::User, "alice", "own", DOC, 2048)
            .await
            .expect("inline");
        store
            .attach_policy(&acct, OwnerKind::User, "alice", &policy_arn)
            .await
            .expect("attach");
        store
            .create_group(&Group {
                group_id: "AGPADETAILSDEVS".into(),
                account_id: acct.clone(),
                name: "devs".into(),
                path: "/".into(),
                created_at: 1,
            })
            .await
            .expect("group");
        store
            .add_user_to_group(&acct, "devs", "alice", 2)
            .await
            .expect("member");
        store
            .put_inline_policy(&acct, PolicyOwnerKind::Group, "devs", "g", DOC, 5120)
            .await
            .expect("inline");
        let role = Role {
            role_id: "AROADETAILSWEB".into(),
            account_id: acct.clone(),
            name: "web".into(),
            path: "/".into(),
            assume_role_policy: TRUST.into(),
            description: None,
            max_session_duration: 3600,
            permissions_boundary: None,
            created_at: 1,
            last_used: None,
            trust_bindings: Some(Vec::new()),
        };
        store.create_role(&role, &[]).await.expect("role");
        store
            .create_instance_profile(
                &InstanceProfile {
                    instance_profile_id: "AIPADETAILSWEB".into(),
                    account_id: acct.clone(),
                    name: "web-profile".into(),
                    path: "/".into(),
                    created_at: 1,
                    roles: Vec::new(),
                },
                &[],
            )
            .await
            .expect("profile");
        store
            .add_role_to_instance_profile(&acct, "web-profile", "web", 2)
            .await
            .expect("added");
        store
            .attach_policy(&acct, OwnerKind::Role, "web", &policy_arn)
            .await
            .expect("attach");
        policy_arn
    }

    #[tokio::test]
    async fn every_entity_is_detailed() {
        let fx = Fixture::new().await;
        let policy_arn = account(&fx).await;
        let all = fx.call(details(&[], 100, None)).await.expect("details");
        assert!(!all.truncated && all.marker.is_none());
        let names: Vec<_> = all.users.iter().map(|u| u.user.name.as_str()).collect();
        assert_eq!(names, ["alice", "bob"]);
        let alice = &all.users[0];
        assert_eq!(alice.groups, ["devs"]);
        assert_eq!(alice.inline.len(), 1);
        assert_eq!(alice.attached, [("mp".to_string(), policy_arn.clone())]);
        assert_eq!(alice.tags, [("team".to_string(), "alice".to_string())]);
        assert_eq!(all.groups[0].inline[0].name, "g");
        let web = &all.roles[0];
        assert_eq!(web.profiles.len(), 1);
        assert_eq!(web.profiles[0].profile.name, "web-profile");
        assert_eq!(web.trust, TRUST);
        assert_eq!(all.policies[0].versions.len(), 2);

        let xml = format!("{:?}", all.clone().encode(&fx.state));
        for expected in [
            "UserDetailList",
            "UserPolicyList",
            "GroupList",
            "PermissionsBoundaryPolicy",
            "GroupDetailList",
            "GroupPolicyList",
            "RoleDetailList",
            "InstanceProfileList",
            "RoleLastUsed",
            "PolicyVersionList",
            "shared",
            // Documents are URL-encoded.
            "%7B%22Version%22",
        ] {
            assert!(xml.contains(expected), "{expected} in {xml}");
        }
    }

    #[tokio::test]
    async fn pages_run_across_the_lists_and_filters_choose_them() {
        let fx = Fixture::new().await;
        account(&fx).await;
        // Five items: two users, a group, a role, a policy; two a page.
        let mut seen = Vec::new();
        let mut marker = None;
        for _ in 0..3 {
            let page = fx
                .call(details(&[], 2, after(&marker)))
                .await
                .expect("page");
            seen.extend(page.users.iter().map(|u| format!("user {}", u.user.name)));
            seen.extend(
                page.groups
                    .iter()
                    .map(|g| format!("group {}", g.group.name)),
            );
            seen.extend(page.roles.iter().map(|r| format!("role {}", r.role.name)));
            seen.extend(
                page.policies
                    .iter()
                    .map(|p| format!("policy {}", p.policy.name)),
            );
            marker = page.marker.clone();
            assert_eq!(page.truncated, marker.is_some());
        }
        assert_eq!(
            seen,
            [
                "user alice",
                "user bob",
                "group devs",
                "role web",
                "policy mp"
            ]
        );
        assert!(marker.is_none());

        let roles = fx
            .call(details(&["Role", "LocalManagedPolicy"], 100, None))
            .await
            .expect("filtered");
        assert!(roles.users.is_empty() && roles.groups.is_empty());
        assert_eq!((roles.roles.len(), roles.policies.len()), (1, 1));
        let aws = fx
            .call(details(&["AWSManagedPolicy"], 100, None))
            .await
            .expect("filtered");
        assert!(aws.policies.is_empty() && aws.users.is_empty());

        let error = fx
            .call(details(&[], 10, Some("nothing".into())))
            .await
            .expect_err("marker");
        assert_eq!(error.code, "InvalidInput");
        let error = GetAccountAuthorizationDetails::decode(&crate::action::testing::params(&[(
            "Filter.member.1",
            "Users",
        )]))
        .expect_err("enum");
        assert_eq!(error.code, "ValidationError");
    }

    #[tokio::test]
    async fn a_user_without_permission_is_denied() {
        let fx = Fixture::new().await;
        account(&fx).await;
        let bob = fx
            .state
            .store()
            .user_by_name(&fx.account_id, "bob")
            .await
            .expect("read")
            .expect("bob");
        let caller = Caller::User {
            user: Box::new(bob),
            access_key_id: "AKIABOB".into(),
        };
        let error = fx
            .call_as(&caller, details(&[], 100, None))
            .await
            .expect_err("denied");
        assert_eq!(error.code, "AccessDenied");
        assert!(error.message.contains("iam:GetAccountAuthorizationDetails"));
    }
}
