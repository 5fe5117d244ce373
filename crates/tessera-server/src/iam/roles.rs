//! IAM roles: create, read, list, update, delete, tags.
//!
//! A trust policy is saved with the users and roles it names bound to their
//! unique ids ([`bind_principals`]), and read back with each shown by its
//! current ARN ([`shown_bound_policy`]).

use super::bindings::{bind_principals, shown_bound_policy};
use super::common::{encode_policy_document, iso8601, parse_policy, request_tag_keys, tags_xml};
use super::entities::{
    DeleteEntity, EntityKind, ListEntities, RoleKind, entity_access, find, found, not_found,
};
use super::entity_params::token_error;
use super::tagging::{ListTags, Tag, Taggable, Untag};
use crate::action::members::{
    ArnValue, IamPath, Integer, Name, Page, PolicyDocument, RoleDescription, Tags,
};
use crate::action::{Access, Action, Context, Empty, Encode, Listing, Target};
use crate::actions::{
    ActionSpec, BOUNDARY, PERMISSIONS_BOUNDARY, R, TAG_KEYS, TAGGING, TAGGING_BOUNDARY, spec,
};
use crate::{AppState, AwsError, params::Params, xml::Xml};
use tessera_arn::Arn;
use tessera_policy::PolicyKind;
use tessera_store::{OwnerKind, PolicyOwnerKind, Role, Store, TaggedKind};
use tessera_token::new_unique_id;

/// A role name (`roleNameType`).
pub(super) type RoleName = Name<64>;
/// `MaxSessionDuration` (`roleMaxSessionDurationType`), in seconds.
type MaxSessionDuration = Integer<3600, 43200>;

/// The ARN of a stored role.
fn role_arn(state: &AppState, role: &Role) -> String {
    Arn::role(state.partition(), &role.account_id, &role.path, &role.name).into_string()
}

/// The role's trust policy as IAM shows it.
pub(super) async fn shown_trust(ctx: &Context<'_>, role: &Role) -> Result<String, AwsError> {
    shown_bound_policy(
        ctx.state,
        &role.assume_role_policy,
        role.trust_bindings.as_deref(),
    )
    .await
}

/// The `Role` shape; `trust` is the trust policy as shown. Listings leave
/// out the boundary and tags (`tags` is `None`).
pub(super) fn role_xml(
    state: &AppState,
    role: &Role,
    trust: &str,
    tags: Option<&[(String, String)]>,
) -> Vec<Xml> {
    let mut out = vec![
        Xml::text("Path", role.path.clone()),
        Xml::text("RoleName", role.name.clone()),
        Xml::text("RoleId", role.role_id.clone()),
        Xml::text("Arn", role_arn(state, role)),
        Xml::text("CreateDate", iso8601(role.created_at)),
        Xml::text("AssumeRolePolicyDocument", encode_policy_document(trust)),
    ];
    if let Some(description) = &role.description {
        out.push(Xml::text("Description", description.clone()));
    }
    out.push(Xml::text(
        "MaxSessionDuration",
        role.max_session_duration.to_string(),
    ));
    if let Some(tags) = tags {
        if let Some(boundary) = &role.permissions_boundary {
            out.push(Xml::node(
                "PermissionsBoundary",
                vec![
                    Xml::text("PermissionsBoundaryType", "PermissionsBoundaryPolicy"),
                    Xml::text("PermissionsBoundaryArn", boundary.clone()),
                ],
            ));
        }
        if !tags.is_empty() {
            out.push(tags_xml(tags));
        }
    }
    out
}

/// One role in IAM's `Role` shape, with its boundary and tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RoleResult {
    /// The role as stored.
    pub role: Role,
    /// Its trust policy, as shown.
    pub trust: String,
    /// Its tags.
    pub tags: Vec<(String, String)>,
    /// Whether the shape ends with `RoleLastUsed`, as `GetRole`'s does.
    pub with_last_used: bool,
}

impl Encode for RoleResult {
    fn encode(self, state: &AppState) -> Vec<Xml> {
        let mut fields = role_xml(state, &self.role, &self.trust, Some(&self.tags));
        if self.with_last_used {
            let mut last_used = Vec::new();
            if let Some((at, region)) = self.role.last_used {
                last_used.push(Xml::text("LastUsedDate", iso8601(at)));
                last_used.push(Xml::text("Region", region));
            }
            fields.push(Xml::node("RoleLastUsed", last_used));
        }
        vec![Xml::node("Role", fields)]
    }
}

impl EntityKind for RoleKind {
    type Entity = Role;
    type Name = RoleName;
    /// A role with its trust policy as shown.
    type Listed = (Role, String);
    const OWNER: PolicyOwnerKind = PolicyOwnerKind::Role;
    const KIND: OwnerKind = OwnerKind::Role;
    const NAME_MEMBER: &'static str = "RoleName";
    const LISTED: &'static str = "Roles";
    const LIST: ActionSpec = spec("iam:ListRoles", R::None, &[]);
    const ARN: fn(&str, &str, &str, &str) -> Arn = Arn::role;
    const DELETE: ActionSpec = spec("iam:DeleteRole", R::Role, BOUNDARY);

    fn id(role: &Role) -> &str {
        &role.role_id
    }

    async fn by_name(
        store: &dyn Store,
        account: &str,
        name: &str,
    ) -> Result<Option<Role>, AwsError> {
        Ok(store.role_by_name(account, name).await?)
    }

    /// A role is authorized on with its tags and boundary.
    async fn target(state: &AppState, role: &Role) -> Result<Target, AwsError> {
        Ok(Target {
            arn: role_arn(state, role),
            tags: state
                .store()
                .tags(&role.role_id, None, tessera_store::TAGS_PER_ENTITY)
                .await?,
            boundary: role.permissions_boundary.clone(),
        })
    }

    async fn list(
        ctx: &Context<'_>,
        prefix: &str,
        page: &Page,
    ) -> Result<Listing<(Role, String)>, AwsError> {
        let (after, limit) = (page.after.as_deref(), page.fetch_limit());
        let rows = ctx
            .store()
            .list_roles(ctx.account_id(), prefix, after, limit)
            .await?;
        let page = page.finish(rows, |r| r.name.clone());
        let mut items = Vec::with_capacity(page.items.len());
        for role in page.items {
            let trust = shown_trust(ctx, &role).await?;
            items.push((role, trust));
        }
        Ok(Listing {
            items,
            truncated: page.truncated,
            marker: page.marker,
        })
    }

    fn listed_xml(state: &AppState, (role, trust): (Role, String)) -> Vec<Xml> {
        role_xml(state, &role, &trust, None)
    }

    async fn delete(ctx: &Context<'_>, name: &str) -> Result<(), AwsError> {
        Ok(ctx.store().delete_role(ctx.account_id(), name).await?)
    }

    /// A service-linked role is changed only through its own actions.
    fn modifiable(role: &Role) -> Result<(), AwsError> {
        if is_service_linked(role) {
            return Err(AwsError::unmodifiable_entity(format!(
                "Cannot perform the operation on the protected role '{}' - this role is only modifiable by AWS",
                role.name
            )));
        }
        Ok(())
    }
}

/// The path under which service-linked roles live, and only they.
pub(super) const SERVICE_ROLE_PATH: &str = "/aws-service-role/";

/// Whether `role` is a service-linked role.
pub(super) fn is_service_linked(role: &Role) -> bool {
    role.path.starts_with(SERVICE_ROLE_PATH)
}

impl Taggable for RoleKind {
    type Key = RoleName;
    type Stored = Role;
    const KEY_MEMBER: &'static str = "RoleName";
    const TAGGED: TaggedKind = TaggedKind::Role;
    const TAG: ActionSpec = spec("iam:TagRole", R::Role, TAGGING);
    const UNTAG: ActionSpec = spec("iam:UntagRole", R::Role, &[TAG_KEYS]);
    const LIST_TAGS: ActionSpec = spec("iam:ListRoleTags", R::Role, &[]);

    async fn find(ctx: &Context<'_>, name: &str) -> Result<(Target, Option<Role>), AwsError> {
        find::<Self>(ctx, name).await
    }

    fn owner_id(entity: &Role) -> &str {
        <Self as EntityKind>::id(entity)
    }

    fn not_found(name: &str) -> AwsError {
        not_found::<Self>(name)
    }
}

/// `CreateRole`: the trust policy is bound to the entities it names.
#[derive(Debug, Clone)]
pub(super) struct CreateRole {
    pub name: RoleName,
    pub path: IamPath,
    pub trust: PolicyDocument,
    pub description: Option<RoleDescription>,
    pub max_session: Option<MaxSessionDuration>,
    pub boundary: Option<ArnValue>,
    pub tags: Tags,
}

impl Action for CreateRole {
    const SPEC: ActionSpec = spec("iam:CreateRole", R::Role, TAGGING_BOUNDARY);
    type Found = ();
    type Output = RoleResult;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: d.required("RoleName"),
            path: d.member("Path").unwrap_or_else(IamPath::root),
            trust: d.required("AssumeRolePolicyDocument"),
            description: d.member("Description"),
            max_session: d.member("MaxSessionDuration"),
            boundary: d.member("PermissionsBoundary"),
            tags: d.member("Tags").unwrap_or_default(),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        let arn = Arn::role(ctx.partition(), ctx.account_id(), &self.path, &self.name);
        let mut keys = request_tag_keys(&self.tags);
        if let Some(boundary) = &self.boundary {
            keys.push((PERMISSIONS_BOUNDARY.into(), boundary.to_string().into()));
        }
        let target = Target::named(arn.into_string());
        Ok((Access::On { target, keys }, ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<RoleResult, AwsError> {
        if self.path.starts_with(SERVICE_ROLE_PATH) {
            return Err(AwsError::invalid_input(format!(
                "Path prefix '{SERVICE_ROLE_PATH}' can only be used for AWS Service linked Roles"
            )));
        }
        let trust = parse_policy(&self.trust, PolicyKind::trust())?;
        let trust_bindings = bind_principals(ctx.state, &trust).await?;
        let role = Role {
            role_id: new_unique_id("AROA").map_err(token_error)?,
            account_id: ctx.account_id().to_string(),
            name: self.name.into(),
            path: self.path.into(),
            assume_role_policy: self.trust.into(),
            description: self.description.map(String::from),
            max_session_duration: self.max_session.map_or(3600, |n| n.0),
            permissions_boundary: self.boundary.map(String::from),
            created_at: ctx.now(),
            last_used: None,
            trust_bindings: Some(trust_bindings),
        };
        ctx.store().create_role(&role, &self.tags).await?;
        Ok(RoleResult {
            trust: role.assume_role_policy.clone(),
            role,
            tags: self.tags.0,
            with_last_used: false,
        })
    }
}

/// `GetRole`.
#[derive(Debug, Clone)]
pub(super) struct GetRole {
    pub name: RoleName,
}

impl Action for GetRole {
    const SPEC: ActionSpec = spec("iam:GetRole", R::Role, BOUNDARY);
    type Found = Option<Role>;
    type Output = RoleResult;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: d.required("RoleName"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<Role>), AwsError> {
        entity_access::<RoleKind>(ctx, &self.name, Vec::new()).await
    }

    async fn run(self, ctx: &Context<'_>, role: Option<Role>) -> Result<RoleResult, AwsError> {
        let role = found::<RoleKind>(role, &self.name)?;
        let tags = ctx
            .store()
            .tags(&role.role_id, None, tessera_store::TAGS_PER_ENTITY)
            .await?;
        let trust = shown_trust(ctx, &role).await?;
        Ok(RoleResult {
            role,
            trust,
            tags,
            with_last_used: true,
        })
    }
}

/// `UpdateRole`: `Description` and/or `MaxSessionDuration`.
#[derive(Debug, Clone)]
pub(super) struct UpdateRole {
    pub name: RoleName,
    pub description: Option<RoleDescription>,
    pub max_session: Option<MaxSessionDuration>,
}

impl Action for UpdateRole {
    const SPEC: ActionSpec = spec("iam:UpdateRole", R::Role, BOUNDARY);
    type Found = Option<Role>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: d.required("RoleName"),
            description: d.member("Description"),
            max_session: d.member("MaxSessionDuration"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<Role>), AwsError> {
        entity_access::<RoleKind>(ctx, &self.name, Vec::new()).await
    }

    /// The store answers `NoSuchEntity` for an unknown role.
    async fn run(self, ctx: &Context<'_>, _: Option<Role>) -> Result<Empty, AwsError> {
        ctx.store()
            .update_role(
                ctx.account_id(),
                &self.name,
                self.description.as_deref(),
                self.max_session.map(|n| n.0),
            )
            .await?;
        Ok(Empty)
    }
}

/// `UpdateAssumeRolePolicy`: the new trust policy is bound to the entities
/// it names.
#[derive(Debug, Clone)]
pub(super) struct UpdateAssumeRolePolicy {
    pub name: RoleName,
    pub document: PolicyDocument,
}

impl Action for UpdateAssumeRolePolicy {
    const SPEC: ActionSpec = spec("iam:UpdateAssumeRolePolicy", R::Role, BOUNDARY);
    type Found = Option<Role>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: d.required("RoleName"),
            document: d.required("PolicyDocument"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<Role>), AwsError> {
        entity_access::<RoleKind>(ctx, &self.name, Vec::new()).await
    }

    async fn run(self, ctx: &Context<'_>, role: Option<Role>) -> Result<Empty, AwsError> {
        RoleKind::modifiable(&found::<RoleKind>(role, &self.name)?)?;
        let trust = parse_policy(&self.document, PolicyKind::trust())?;
        let bindings = bind_principals(ctx.state, &trust).await?;
        ctx.store()
            .update_assume_role_policy(ctx.account_id(), &self.name, &self.document, &bindings)
            .await?;
        Ok(Empty)
    }
}

/// `UpdateRoleDescription`: the description alone, answered with the role
/// as it now is. A service-linked role's description may be changed too.
#[derive(Debug, Clone)]
pub(super) struct UpdateRoleDescription {
    pub name: RoleName,
    pub description: RoleDescription,
}

impl Action for UpdateRoleDescription {
    const SPEC: ActionSpec = spec("iam:UpdateRoleDescription", R::Role, BOUNDARY);
    type Found = Option<Role>;
    type Output = RoleResult;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: d.required("RoleName"),
            description: d.required("Description"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<Role>), AwsError> {
        entity_access::<RoleKind>(ctx, &self.name, Vec::new()).await
    }

    async fn run(self, ctx: &Context<'_>, role: Option<Role>) -> Result<RoleResult, AwsError> {
        let role = found::<RoleKind>(role, &self.name)?;
        ctx.store()
            .update_role(ctx.account_id(), &self.name, Some(&self.description), None)
            .await?;
        let tags = ctx
            .store()
            .tags(&role.role_id, None, tessera_store::TAGS_PER_ENTITY)
            .await?;
        let trust = shown_trust(ctx, &role).await?;
        Ok(RoleResult {
            role: Role {
                description: Some(self.description.into()),
                ..role
            },
            trust,
            tags,
            with_last_used: true,
        })
    }
}

crate::action::action_table!(
    CreateRole,
    GetRole,
    ListEntities<RoleKind>,
    UpdateRole,
    UpdateRoleDescription,
    UpdateAssumeRolePolicy,
    DeleteEntity<RoleKind>,
    Tag<RoleKind>,
    Untag<RoleKind>,
    ListTags<RoleKind>,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::members::{PathPrefix, Scalar, TagKeys};
    use crate::action::testing::{Fixture, params};
    use std::marker::PhantomData;
    use tessera_store::User;

    const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

    fn name(text: &str) -> RoleName {
        Name::parse("roleName", text).expect("valid name")
    }

    fn document(text: &str) -> PolicyDocument {
        PolicyDocument::parse("assumeRolePolicyDocument", text).expect("valid document")
    }

    fn create(role: &str) -> CreateRole {
        CreateRole {
            name: name(role),
            path: IamPath::root(),
            trust: document(TRUST),
            description: None,
            max_session: None,
            boundary: None,
            tags: Tags(vec![("team".into(), "blue".into())]),
        }
    }

    fn list_tags(role: &str, after: Option<String>, max_items: usize) -> ListTags<RoleKind> {
        ListTags {
            key: name(role),
            page: Page { after, max_items },
        }
    }

    #[tokio::test]
    async fn a_created_role_is_read_back_with_its_tags() {
        let fx = Fixture::new().await;
        let created = fx.call(create("worker")).await.expect("created");
        assert!(created.role.role_id.starts_with("AROA"));
        assert_eq!(
            (
                created.role.max_session_duration,
                created.trust.as_str(),
                created.with_last_used
            ),
            (3600, TRUST, false)
        );
        let read = fx
            .call(GetRole {
                name: name("WORKER"),
            })
            .await
            .expect("read");
        assert_eq!(
            read,
            RoleResult {
                with_last_used: true,
                ..created
            }
        );
    }

    #[tokio::test]
    async fn a_name_is_unique_regardless_of_case() {
        let fx = Fixture::new().await;
        fx.call(create("builder")).await.expect("created");
        let error = fx.call(create("BUILDER")).await.expect_err("taken");
        assert_eq!(
            (error.code.as_ref(), error.status.as_u16()),
            ("EntityAlreadyExists", 409)
        );
    }

    #[tokio::test]
    async fn an_unknown_role_is_no_such_entity() {
        let fx = Fixture::new().await;
        let error = fx
            .call(GetRole {
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
                "The role with name nobody cannot be found."
            )
        );
        let error = fx
            .call(UpdateAssumeRolePolicy {
                name: name("nobody"),
                document: document(TRUST),
            })
            .await
            .expect_err("unknown");
        assert_eq!(error.code.as_ref(), "NoSuchEntity");
    }

    #[tokio::test]
    async fn a_trust_policy_names_users_that_exist() {
        let fx = Fixture::new().await;
        let alice = format!("arn:aws:iam::{}:user/alice", fx.account_id);
        let naming = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{alice}"}},"Action":"sts:AssumeRole"}}]}}"#
        );
        let error = fx
            .call(CreateRole {
                trust: document(&naming),
                ..create("assumed")
            })
            .await
            .expect_err("no such user");
        assert_eq!(
            (error.code.as_ref(), error.message.as_str()),
            (
                "MalformedPolicyDocument",
                format!("Invalid principal in policy: \"AWS\":\"{alice}\"").as_str()
            )
        );
        let user = User {
            user_id: "AIDAALICE".into(),
            account_id: fx.account_id.clone(),
            name: "alice".into(),
            path: "/".into(),
            permissions_boundary: None,
            created_at: 0,
        };
        fx.state
            .store()
            .create_user(&user, &[])
            .await
            .expect("user");
        let created = fx
            .call(CreateRole {
                trust: document(&naming),
                ..create("assumed")
            })
            .await
            .expect("created");
        let bindings = created.role.trust_bindings.expect("bound");
        assert_eq!(
            bindings
                .iter()
                .map(|b| (b.arn.as_str(), b.unique_id.as_str()))
                .collect::<Vec<_>>(),
            vec![(alice.as_str(), "AIDAALICE")]
        );
        // Once the user is gone, the trust policy shows its unique id.
        fx.state
            .store()
            .delete_user(&fx.account_id, "alice")
            .await
            .expect("deleted");
        let read = fx
            .call(GetRole {
                name: name("assumed"),
            })
            .await
            .expect("read");
        assert!(
            read.trust.contains("\"AIDAALICE\"") && !read.trust.contains(&alice),
            "{}",
            read.trust
        );
    }

    #[tokio::test]
    async fn roles_are_listed_a_page_at_a_time() {
        let fx = Fixture::new().await;
        for role in ["r1", "r2", "r3"] {
            fx.call(create(role)).await.expect("created");
        }
        let list = |after: Option<String>| ListEntities::<RoleKind> {
            kind: PhantomData,
            prefix: PathPrefix::root(),
            page: Page {
                after,
                max_items: 2,
            },
        };
        let first = fx.call(list(None)).await.expect("page").0;
        let names: Vec<_> = first.items.iter().map(|(r, _)| r.name.as_str()).collect();
        assert_eq!((names, first.truncated), (vec!["r1", "r2"], true));
        assert!(first.items.iter().all(|(_, trust)| trust == TRUST));
        let after = first.items.last().map(|(r, _)| r.name.clone());
        let second = fx.call(list(after)).await.expect("page").0;
        let names: Vec<_> = second.items.iter().map(|(r, _)| r.name.as_str()).collect();
        assert_eq!(
            (names, second.truncated, second.marker),
            (vec!["r3"], false, None)
        );
    }

    #[tokio::test]
    async fn update_tag_untag_and_delete() {
        let fx = Fixture::new().await;
        fx.call(create("svc")).await.expect("created");
        fx.call(UpdateRole {
            name: name("svc"),
            description: Some(RoleDescription::parse("description", "runs jobs").expect("ok")),
            max_session: Some(Integer(7200)),
        })
        .await
        .expect("updated");
        fx.call(Tag::<RoleKind> {
            key: name("svc"),
            tags: Tags(vec![
                ("Alpha".into(), "1".into()),
                ("zeta".into(), "2".into()),
            ]),
        })
        .await
        .expect("tagged");
        let first = fx.call(list_tags("svc", None, 2)).await.expect("tags").0;
        let keys: Vec<_> = first.items.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!((keys, first.truncated), (vec!["Alpha", "team"], true));
        let after = Some("team".to_string());
        let second = fx.call(list_tags("svc", after, 2)).await.expect("tags").0;
        let keys: Vec<_> = second.items.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!((keys, second.truncated), (vec!["zeta"], false));
        fx.call(Untag::<RoleKind> {
            key: name("svc"),
            keys: TagKeys(vec!["team".into(), "zeta".into()]),
        })
        .await
        .expect("untagged");
        let read = fx.call(GetRole { name: name("svc") }).await.expect("read");
        assert_eq!(
            (
                read.role.description.as_deref(),
                read.role.max_session_duration,
                read.tags
            ),
            (
                Some("runs jobs"),
                7200,
                vec![("Alpha".to_string(), "1".to_string())]
            )
        );
        fx.call(DeleteEntity::<RoleKind> { name: name("svc") })
            .await
            .expect("deleted");
        let error = fx
            .call(DeleteEntity::<RoleKind> { name: name("svc") })
            .await
            .expect_err("gone");
        assert_eq!(error.code.as_ref(), "NoSuchEntity");
    }

    #[tokio::test]
    async fn role_pages_are_stable_under_inserts() {
        let fx = Fixture::new().await;
        let list = async |pairs: &[(&str, &str)]| {
            let input = ListEntities::<RoleKind>::decode(&params(pairs))?;
            Ok::<_, AwsError>(fx.call(input).await?.0)
        };
        for role in ["b", "d", "f", "h"] {
            fx.call(create(role)).await.expect("created");
        }
        let (mut seen, mut marker, mut inserted) = (Vec::new(), None::<String>, false);
        loop {
            let mut pairs = vec![("MaxItems", "1")];
            if let Some(m) = &marker {
                pairs.push(("Marker", m));
            }
            let listing = list(&pairs).await.expect("listed");
            seen.extend(listing.items.iter().map(|(role, _)| role.name.clone()));
            if !inserted {
                // Inserted behind and ahead of the walk.
                fx.call(create("a")).await.expect("created");
                fx.call(create("e")).await.expect("created");
                inserted = true;
            }
            if !listing.truncated {
                break;
            }
            marker = listing.marker;
        }
        assert_eq!(seen, ["b", "d", "e", "f", "h"]);
        let none = list(&[("PathPrefix", "/nothing/")]).await.expect("listed");
        assert!(none.items.is_empty());
        let error = list(&[("Marker", "!!")]).await.expect_err("bad marker");
        assert_eq!(
            (error.code.as_ref(), error.status.as_u16()),
            ("InvalidInput", 400)
        );
    }
}
