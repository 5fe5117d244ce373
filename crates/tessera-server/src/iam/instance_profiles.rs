//! IAM instance profiles: create, read, list, delete, the role each holds
//! (one at most), the profiles of a role, tags.
//!
//! Putting a role in an instance profile passes it on: besides
//! `iam:AddRoleToInstanceProfile` on the profile, the caller needs
//! `iam:PassRole` on the role ([`PASS_ROLE`]), as in IAM.

use super::common::{iso8601, request_tag_keys, tags_xml};
use super::entities::{RoleKind, entity_access, find as find_entity, found as found_entity};
use super::entity_params::token_error;
use super::roles::{RoleName, role_xml, shown_trust};
use super::tagging::{ListTags, Tag, Taggable, Untag};
use crate::action::members::{IamPath, Name, Page, PathPrefix, Tags};
use crate::action::{Access, Action, Context, Empty, Encode, Listing, Target};
use crate::actions::{ActionSpec, R, TAG_KEYS, TAGGING, spec};
use crate::{AppState, AwsError, params::Params, xml::Xml};
use tessera_arn::Arn;
use tessera_store::{InstanceProfile, Missing, TaggedKind};
use tessera_token::new_unique_id;

/// An instance profile's name (`instanceProfileNameType`).
type ProfileName = Name<128>;

/// `iam:PassRole`, checked on the role that `AddRoleToInstanceProfile`
/// puts in a profile. The request names no service to pass it to, so
/// `iam:PassedToService` and `iam:AssociatedResourceArn` are absent.
pub(crate) const PASS_ROLE: ActionSpec = spec(
    "iam:PassRole",
    R::Role,
    &["iam:AssociatedResourceArn", "iam:PassedToService"],
)
.alongside(&[&<AddRoleToInstanceProfile as Action>::SPEC]);

/// IAM instance profiles, as a kind of tagged resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct InstanceProfileKind;

/// The ARN of a stored instance profile.
fn profile_arn(state: &AppState, profile: &InstanceProfile) -> String {
    Arn::instance_profile(
        state.partition(),
        &profile.account_id,
        &profile.path,
        &profile.name,
    )
    .into_string()
}

/// `NoSuchEntity` for the instance profile `name`, in IAM's words.
fn not_found(name: &str) -> AwsError {
    Missing::InstanceProfile(name.to_string()).into()
}

/// The instance profile `name` of the caller's account as stored, with its
/// [`Target`] (an unknown one is named by the ARN the request gives it, at
/// path `/`).
async fn find(
    ctx: &Context<'_>,
    name: &str,
) -> Result<(Target, Option<InstanceProfile>), AwsError> {
    let account = ctx.account_id();
    Ok(match ctx.store().instance_profile(account, name).await? {
        Some(profile) => {
            let target = Target {
                arn: profile_arn(ctx.state, &profile),
                tags: ctx
                    .store()
                    .tags(
                        &profile.instance_profile_id,
                        None,
                        tessera_store::TAGS_PER_ENTITY,
                    )
                    .await?,
                boundary: None,
            };
            (target, Some(profile))
        }
        None => {
            let arn = Arn::instance_profile(ctx.partition(), account, "/", name);
            (Target::named(arn.into_string()), None)
        }
    })
}

/// The access a call on the instance profile `name` needs, and the profile.
async fn access(
    ctx: &Context<'_>,
    name: &str,
) -> Result<(Access, Option<InstanceProfile>), AwsError> {
    let (target, profile) = find(ctx, name).await?;
    Ok((Access::on(target), profile))
}

/// The profile [`find`] found, or `NoSuchEntity`.
fn found(profile: Option<InstanceProfile>, name: &str) -> Result<InstanceProfile, AwsError> {
    profile.ok_or_else(|| not_found(name))
}

/// An instance profile as IAM shows it: its roles' trust policies as shown
/// and, where the call returns them, its tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ShownProfile {
    /// The profile as stored, with its roles.
    pub profile: InstanceProfile,
    /// The trust policy of each of its roles, as shown, in order.
    pub trusts: Vec<String>,
    /// Its tags (none in listings, which leave them out).
    pub tags: Vec<(String, String)>,
}

impl ShownProfile {
    /// `profile`, its roles' trust policies read, with `tags`.
    pub(super) async fn of(
        ctx: &Context<'_>,
        profile: InstanceProfile,
        tags: Vec<(String, String)>,
    ) -> Result<Self, AwsError> {
        let mut trusts = Vec::with_capacity(profile.roles.len());
        for role in &profile.roles {
            trusts.push(shown_trust(ctx, role).await?);
        }
        Ok(Self {
            profile,
            trusts,
            tags,
        })
    }

    /// The `InstanceProfile` shape: each role as listings show roles, the
    /// tags when there are any.
    pub(super) fn xml(self, state: &AppState) -> Vec<Xml> {
        let profile = &self.profile;
        let roles = profile
            .roles
            .iter()
            .zip(&self.trusts)
            .map(|(role, trust)| role_xml(state, role, trust, None))
            .collect();
        let mut fields = vec![
            Xml::text("Path", profile.path.clone()),
            Xml::text("InstanceProfileName", profile.name.clone()),
            Xml::text("InstanceProfileId", profile.instance_profile_id.clone()),
            Xml::text("Arn", profile_arn(state, profile)),
            Xml::text("CreateDate", iso8601(profile.created_at)),
            crate::xml::members("Roles", roles),
        ];
        if !self.tags.is_empty() {
            fields.push(tags_xml(&self.tags));
        }
        fields
    }
}

/// The result of `CreateInstanceProfile` and `GetInstanceProfile`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ProfileResult(pub ShownProfile);

impl Encode for ProfileResult {
    fn encode(self, state: &AppState) -> Vec<Xml> {
        vec![Xml::node("InstanceProfile", self.0.xml(state))]
    }
}

/// A page of `ListInstanceProfiles` or `ListInstanceProfilesForRole`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ProfileListing(pub Listing<ShownProfile>);

impl Encode for ProfileListing {
    fn encode(self, state: &AppState) -> Vec<Xml> {
        self.0.xml("InstanceProfiles", |shown| shown.xml(state))
    }
}

/// The page `page` of `profiles` (fetched with [`Page::fetch_limit`]), as
/// listings show them.
async fn listing(
    ctx: &Context<'_>,
    page: &Page,
    profiles: Vec<InstanceProfile>,
) -> Result<ProfileListing, AwsError> {
    let page = page.finish(profiles, |p| p.name.clone());
    let mut items = Vec::with_capacity(page.items.len());
    for profile in page.items {
        items.push(ShownProfile::of(ctx, profile, Vec::new()).await?);
    }
    Ok(ProfileListing(Listing {
        items,
        truncated: page.truncated,
        marker: page.marker,
    }))
}

/// `CreateInstanceProfile`.
#[derive(Debug, Clone)]
pub(super) struct CreateInstanceProfile {
    pub name: ProfileName,
    pub path: IamPath,
    pub tags: Tags,
}

impl Action for CreateInstanceProfile {
    const SPEC: ActionSpec = spec("iam:CreateInstanceProfile", R::InstanceProfile, TAGGING);
    type Found = ();
    type Output = ProfileResult;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: d.required("InstanceProfileName"),
            path: d.member("Path").unwrap_or_else(IamPath::root),
            tags: d.member("Tags").unwrap_or_default(),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        let arn = Arn::instance_profile(ctx.partition(), ctx.account_id(), &self.path, &self.name);
        let target = Target::named(arn.into_string());
        let keys = request_tag_keys(&self.tags);
        Ok((Access::On { target, keys }, ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<ProfileResult, AwsError> {
        let profile = InstanceProfile {
            instance_profile_id: new_unique_id("AIPA").map_err(token_error)?,
            account_id: ctx.account_id().to_string(),
            name: self.name.into(),
            path: self.path.into(),
            created_at: ctx.now(),
            roles: Vec::new(),
        };
        ctx.store()
            .create_instance_profile(&profile, &self.tags)
            .await?;
        Ok(ProfileResult(ShownProfile {
            profile,
            trusts: Vec::new(),
            tags: self.tags.0,
        }))
    }
}

/// `GetInstanceProfile`: the profile with its role and tags.
#[derive(Debug, Clone)]
pub(super) struct GetInstanceProfile {
    pub name: ProfileName,
}

impl Action for GetInstanceProfile {
    const SPEC: ActionSpec = spec("iam:GetInstanceProfile", R::InstanceProfile, &[]);
    type Found = Option<InstanceProfile>;
    type Output = ProfileResult;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: d.required("InstanceProfileName"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        access(ctx, &self.name).await
    }

    async fn run(self, ctx: &Context<'_>, profile: Self::Found) -> Result<ProfileResult, AwsError> {
        let profile = found(profile, &self.name)?;
        let tags = ctx
            .store()
            .tags(
                &profile.instance_profile_id,
                None,
                tessera_store::TAGS_PER_ENTITY,
            )
            .await?;
        Ok(ProfileResult(ShownProfile::of(ctx, profile, tags).await?))
    }
}

/// `ListInstanceProfiles`: the profiles under a path, by name.
#[derive(Debug, Clone)]
pub(super) struct ListInstanceProfiles {
    pub prefix: PathPrefix,
    pub page: Page,
}

impl Action for ListInstanceProfiles {
    const SPEC: ActionSpec = spec("iam:ListInstanceProfiles", R::None, &[]);
    type Found = ();
    type Output = ProfileListing;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            prefix: d.member("PathPrefix").unwrap_or_else(PathPrefix::root),
            page: d.read(Page::read(params)).unwrap_or_default(),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        let arn = Arn::instance_profile(ctx.partition(), ctx.account_id(), &self.prefix, "");
        Ok((Access::on_arn(arn.into_string()), ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<ProfileListing, AwsError> {
        let (after, limit) = (self.page.after.as_deref(), self.page.fetch_limit());
        let profiles = ctx
            .store()
            .list_instance_profiles(ctx.account_id(), &self.prefix, after, limit)
            .await?;
        listing(ctx, &self.page, profiles).await
    }
}

/// `DeleteInstanceProfile`: refused while the profile holds a role.
#[derive(Debug, Clone)]
pub(super) struct DeleteInstanceProfile {
    pub name: ProfileName,
}

impl Action for DeleteInstanceProfile {
    const SPEC: ActionSpec = spec("iam:DeleteInstanceProfile", R::InstanceProfile, &[]);
    type Found = Option<InstanceProfile>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: d.required("InstanceProfileName"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        access(ctx, &self.name).await
    }

    async fn run(self, ctx: &Context<'_>, profile: Self::Found) -> Result<Empty, AwsError> {
        found(profile, &self.name)?;
        ctx.store()
            .delete_instance_profile(ctx.account_id(), &self.name)
            .await?;
        Ok(Empty)
    }
}

/// `AddRoleToInstanceProfile`: authorized on the profile, and with
/// [`PASS_ROLE`] on the role.
#[derive(Debug, Clone)]
pub(super) struct AddRoleToInstanceProfile {
    pub name: ProfileName,
    pub role: RoleName,
}

impl Action for AddRoleToInstanceProfile {
    const SPEC: ActionSpec = spec("iam:AddRoleToInstanceProfile", R::InstanceProfile, &[]);
    type Found = Option<InstanceProfile>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: d.required("InstanceProfileName"),
            role: d.required("RoleName"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        access(ctx, &self.name).await
    }

    async fn run(self, ctx: &Context<'_>, profile: Self::Found) -> Result<Empty, AwsError> {
        found(profile, &self.name)?;
        let (target, role) = find_entity::<RoleKind>(ctx, &self.role).await?;
        found_entity::<RoleKind>(role, &self.role)?;
        let pass_role = PASS_ROLE;
        Context::new(ctx.state, ctx.caller, &pass_role)
            .authorize_also(&target, Vec::new())
            .await?;
        ctx.store()
            .add_role_to_instance_profile(ctx.account_id(), &self.name, &self.role, ctx.now())
            .await?;
        Ok(Empty)
    }
}

/// `RemoveRoleFromInstanceProfile`.
#[derive(Debug, Clone)]
pub(super) struct RemoveRoleFromInstanceProfile {
    pub name: ProfileName,
    pub role: RoleName,
}

impl Action for RemoveRoleFromInstanceProfile {
    const SPEC: ActionSpec = spec("iam:RemoveRoleFromInstanceProfile", R::InstanceProfile, &[]);
    type Found = Option<InstanceProfile>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: d.required("InstanceProfileName"),
            role: d.required("RoleName"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        access(ctx, &self.name).await
    }

    /// The store answers `NoSuchEntity` for a role the profile does not
    /// hold.
    async fn run(self, ctx: &Context<'_>, profile: Self::Found) -> Result<Empty, AwsError> {
        found(profile, &self.name)?;
        ctx.store()
            .remove_role_from_instance_profile(ctx.account_id(), &self.name, &self.role)
            .await?;
        Ok(Empty)
    }
}

/// `ListInstanceProfilesForRole`: the profiles that hold a role, by name;
/// authorized on the role.
#[derive(Debug, Clone)]
pub(super) struct ListInstanceProfilesForRole {
    pub role: RoleName,
    pub page: Page,
}

impl Action for ListInstanceProfilesForRole {
    const SPEC: ActionSpec = spec("iam:ListInstanceProfilesForRole", R::Role, &[]);
    type Found = Option<tessera_store::Role>;
    type Output = ProfileListing;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            role: d.required("RoleName"),
            page: d.read(Page::read(params)).unwrap_or_default(),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        entity_access::<RoleKind>(ctx, &self.role, Vec::new()).await
    }

    async fn run(self, ctx: &Context<'_>, role: Self::Found) -> Result<ProfileListing, AwsError> {
        let role = found_entity::<RoleKind>(role, &self.role)?;
        let (after, limit) = (self.page.after.as_deref(), self.page.fetch_limit());
        let profiles = ctx
            .store()
            .instance_profiles_for_role(&role.role_id, after, limit)
            .await?;
        listing(ctx, &self.page, profiles).await
    }
}

impl Taggable for InstanceProfileKind {
    type Key = ProfileName;
    type Stored = InstanceProfile;
    const KEY_MEMBER: &'static str = "InstanceProfileName";
    const TAGGED: TaggedKind = TaggedKind::InstanceProfile;
    const TAG: ActionSpec = spec("iam:TagInstanceProfile", R::InstanceProfile, TAGGING);
    const UNTAG: ActionSpec = spec("iam:UntagInstanceProfile", R::InstanceProfile, &[TAG_KEYS]);
    const LIST_TAGS: ActionSpec = spec("iam:ListInstanceProfileTags", R::InstanceProfile, &[]);

    async fn find(
        ctx: &Context<'_>,
        name: &str,
    ) -> Result<(Target, Option<InstanceProfile>), AwsError> {
        find(ctx, name).await
    }

    fn owner_id(profile: &InstanceProfile) -> &str {
        &profile.instance_profile_id
    }

    fn not_found(name: &str) -> AwsError {
        not_found(name)
    }
}

/// The actions checked alongside this area's.
pub(crate) const ALONGSIDE: &[ActionSpec] = &[PASS_ROLE];

crate::action::action_table!(
    CreateInstanceProfile,
    GetInstanceProfile,
    ListInstanceProfiles,
    DeleteInstanceProfile,
    AddRoleToInstanceProfile,
    RemoveRoleFromInstanceProfile,
    ListInstanceProfilesForRole,
    Tag<InstanceProfileKind>,
    Untag<InstanceProfileKind>,
    ListTags<InstanceProfileKind>,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::members::PolicyDocument;
    use crate::action::members::Scalar;
    use crate::iam::entities::DeleteEntity;
    use crate::iam::roles::CreateRole;

    const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

    fn name(text: &str) -> ProfileName {
        Name::parse("instanceProfileName", text).expect("valid name")
    }

    fn role_name(text: &str) -> RoleName {
        Name::parse("roleName", text).expect("valid name")
    }

    fn create(profile: &str, path: &str) -> CreateInstanceProfile {
        CreateInstanceProfile {
            name: name(profile),
            path: IamPath::parse("path", path).expect("path"),
            tags: Tags(vec![("team".into(), "blue".into())]),
        }
    }

    fn get(profile: &str) -> GetInstanceProfile {
        GetInstanceProfile {
            name: name(profile),
        }
    }

    fn add(profile: &str, role: &str) -> AddRoleToInstanceProfile {
        AddRoleToInstanceProfile {
            name: name(profile),
            role: role_name(role),
        }
    }

    fn remove(profile: &str, role: &str) -> RemoveRoleFromInstanceProfile {
        RemoveRoleFromInstanceProfile {
            name: name(profile),
            role: role_name(role),
        }
    }

    fn list(prefix: &str, after: Option<String>, max_items: usize) -> ListInstanceProfiles {
        ListInstanceProfiles {
            prefix: PathPrefix::parse("pathPrefix", prefix).expect("prefix"),
            page: Page { after, max_items },
        }
    }

    async fn create_role(fx: &Fixture, role: &str) {
        fx.call(CreateRole {
            name: role_name(role),
            path: IamPath::root(),
            trust: PolicyDocument::parse("assumeRolePolicyDocument", TRUST).expect("document"),
            description: None,
            max_session: None,
            boundary: None,
            tags: Tags::default(),
        })
        .await
        .expect("role");
    }

    fn error_of<T: std::fmt::Debug>(result: Result<T, AwsError>) -> (String, String) {
        let error = result.expect_err("an error");
        (error.code.to_string(), error.message)
    }

    use crate::action::testing::Fixture;

    #[tokio::test]
    async fn a_created_profile_is_read_back_by_any_case_with_its_tags() {
        let fx = Fixture::new().await;
        let ProfileResult(created) = fx.call(create("Web", "/app/")).await.expect("created");
        let id = &created.profile.instance_profile_id;
        assert!(id.starts_with("AIPA") && id.len() == 21, "{id}");
        assert_eq!(
            profile_arn(&fx.state, &created.profile),
            format!("arn:aws:iam::{}:instance-profile/app/Web", fx.account_id)
        );
        let ProfileResult(read) = fx.call(get("WEB")).await.expect("read");
        assert_eq!(read, created);
        assert_eq!(
            error_of(fx.call(create("wEB", "/")).await),
            (
                "EntityAlreadyExists".into(),
                "Instance Profile wEB already exists.".into()
            )
        );
        assert_eq!(
            error_of(fx.call(get("none")).await),
            (
                "NoSuchEntity".into(),
                "Instance Profile none cannot be found.".into()
            )
        );
        // Roles is always there, empty or not; tags only when there are any.
        let xml = format!("{:?}", ProfileResult(read).encode(&fx.state));
        assert!(xml.contains(r#"Node("Roles", [])"#), "{xml}");
        assert!(xml.contains(r#"Node("Tags""#), "{xml}");
    }

    #[tokio::test]
    async fn a_profile_holds_one_role_and_neither_is_deleted_while_it_does() {
        let fx = Fixture::new().await;
        fx.call(create("web", "/")).await.expect("created");
        create_role(&fx, "worker").await;
        create_role(&fx, "other").await;
        assert_eq!(
            error_of(fx.call(add("web", "ghost")).await),
            (
                "NoSuchEntity".into(),
                "The role with name ghost cannot be found.".into()
            )
        );
        assert_eq!(
            error_of(fx.call(add("none", "worker")).await),
            (
                "NoSuchEntity".into(),
                "Instance Profile none cannot be found.".into()
            )
        );
        fx.call(add("web", "worker")).await.expect("added");
        for role in ["other", "worker"] {
            assert_eq!(
                error_of(fx.call(add("web", role)).await),
                (
                    "LimitExceeded".into(),
                    "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1".into()
                )
            );
        }
        let ProfileResult(read) = fx.call(get("web")).await.expect("read");
        let roles: Vec<_> = read.profile.roles.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            (roles, read.trusts.clone()),
            (vec!["worker"], vec![TRUST.to_string()])
        );
        let xml = format!("{:?}", ProfileResult(read).encode(&fx.state));
        assert!(xml.contains(r#"Text("RoleName", "worker")"#), "{xml}");

        let conflict = (
            "DeleteConflict".to_string(),
            "Cannot delete entity, must remove roles from instance profile first.".to_string(),
        );
        let delete = || DeleteInstanceProfile { name: name("web") };
        assert_eq!(error_of(fx.call(delete()).await), conflict);
        let delete_role = DeleteEntity::<RoleKind> {
            name: role_name("worker"),
        };
        assert_eq!(error_of(fx.call(delete_role.clone()).await), conflict);

        let for_role = |role: &str| ListInstanceProfilesForRole {
            role: role_name(role),
            page: Page::default(),
        };
        let listed = fx.call(for_role("WORKER")).await.expect("listed").0;
        let names: Vec<_> = listed
            .items
            .iter()
            .map(|p| p.profile.name.as_str())
            .collect();
        assert_eq!(names, ["web"]);
        assert!(
            fx.call(for_role("other"))
                .await
                .expect("listed")
                .0
                .items
                .is_empty()
        );
        assert_eq!(
            error_of(fx.call(for_role("ghost")).await),
            (
                "NoSuchEntity".into(),
                "The role with name ghost cannot be found.".into()
            )
        );

        assert_eq!(
            error_of(fx.call(remove("web", "other")).await),
            (
                "NoSuchEntity".into(),
                "The role with name other cannot be found.".into()
            )
        );
        fx.call(remove("WEB", "Worker")).await.expect("removed");
        fx.call(delete_role).await.expect("the role goes");
        fx.call(delete()).await.expect("the profile goes");
        assert_eq!(
            error_of(fx.call(delete()).await),
            (
                "NoSuchEntity".into(),
                "Instance Profile web cannot be found.".into()
            )
        );
    }

    #[tokio::test]
    async fn profiles_are_listed_by_name_under_a_path_a_page_at_a_time() {
        let fx = Fixture::new().await;
        for (profile, path) in [("c", "/x/"), ("A", "/"), ("b", "/x/y/")] {
            fx.call(create(profile, path)).await.expect("created");
        }
        let names = |listing: &ProfileListing| -> Vec<String> {
            listing
                .0
                .items
                .iter()
                .map(|p| p.profile.name.clone())
                .collect()
        };
        let first = fx.call(list("/", None, 2)).await.expect("listed");
        assert_eq!(
            (names(&first), first.0.truncated),
            (vec!["A".into(), "b".into()], true)
        );
        // Listings leave the tags out.
        assert!(first.0.items.iter().all(|p| p.tags.is_empty()));
        let after = Page::read(&crate::action::testing::params(&[(
            "Marker",
            first.0.marker.as_deref().expect("marker"),
        )]))
        .expect("page")
        .after;
        let second = fx.call(list("/", after, 2)).await.expect("listed");
        assert_eq!(
            (names(&second), second.0.truncated),
            (vec!["c".into()], false)
        );
        let under = fx.call(list("/x/", None, 10)).await.expect("listed");
        assert_eq!(names(&under), ["b", "c"]);
    }

    #[tokio::test]
    async fn tags_are_put_removed_and_listed() {
        let fx = Fixture::new().await;
        fx.call(create("web", "/")).await.expect("created");
        fx.call(Tag::<InstanceProfileKind> {
            key: name("WEB"),
            tags: Tags(vec![("env".into(), "prod".into())]),
        })
        .await
        .expect("tagged");
        fx.call(Untag::<InstanceProfileKind> {
            key: name("web"),
            keys: crate::action::members::TagKeys(vec!["TEAM".into()]),
        })
        .await
        .expect("untagged");
        let listed = fx
            .call(ListTags::<InstanceProfileKind> {
                key: name("web"),
                page: Page::default(),
            })
            .await
            .expect("listed")
            .0;
        assert_eq!(listed.items, [("env".to_string(), "prod".to_string())]);
        let error = fx
            .call(ListTags::<InstanceProfileKind> {
                key: name("none"),
                page: Page::default(),
            })
            .await;
        assert_eq!(
            error_of(error),
            (
                "NoSuchEntity".into(),
                "Instance Profile none cannot be found.".into()
            )
        );
    }

    #[test]
    fn a_name_is_of_the_model_s_pattern_and_length() {
        assert!(ProfileName::parse("instanceProfileName", &"a".repeat(128)).is_ok());
        let long = ProfileName::parse("instanceProfileName", &"a".repeat(129));
        assert_eq!(error_of(long).0, "ValidationError");
        let bad = ProfileName::parse("instanceProfileName", "web server");
        assert_eq!(
            error_of(bad).1,
            "1 validation error detected: Value 'web server' at 'instanceProfileName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
        );
    }
}
