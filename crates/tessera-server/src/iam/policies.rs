//! IAM roles, managed policies and their versions, attachments, permission
//! boundaries and the policy simulator.

use super::bindings::{bind_principals, shown_bound_policy};
use super::common::{
    Page, Target, authorize, authorize_on, encode_policy_document, entity_target,
    entity_target_or_named, iso8601, parse_policy, path_param, path_prefix_param, request_tag_keys,
    tag_keys_param, tags_param, tags_xml, validate_name,
};
use crate::{
    AppState, AwsError, Caller,
    params::{Params, check_policy_characters},
    xml::{Xml, members},
};
use tessera_arn::{Arn, ArnKind};
use tessera_policy::{
    AuthorizationRequest, ContextValue, DecisionEffect, EvalOptions, Layer, Policy, PolicyKind,
    Principal, RequestContext, decide, evaluate_statement,
};
use tessera_store::{ManagedPolicy, OwnerKind, PolicyFilter, PolicyUsage, PolicyVersion, Role};

/// Runs `name` if this area serves it.
pub async fn dispatch(
    state: &AppState,
    caller: &Caller,
    name: &str,
    params: &Params,
) -> Option<Result<Vec<Xml>, AwsError>> {
    let (s, c, p) = (state, caller, params);
    Some(match name {
        "CreateRole" => create_role(s, c, p).await,
        "GetRole" => get_role(s, c, p).await,
        "ListRoles" => list_roles(s, c, p).await,
        "UpdateRole" => update_role(s, c, p).await,
        "UpdateAssumeRolePolicy" => update_assume_role_policy(s, c, p).await,
        "DeleteRole" => delete_role(s, c, p).await,
        "TagRole" => tag_role(s, c, p).await,
        "UntagRole" => untag_role(s, c, p).await,
        "ListRoleTags" => list_role_tags(s, c, p).await,
        "CreatePolicy" => create_policy(s, c, p).await,
        "GetPolicy" => get_policy(s, c, p).await,
        "ListPolicies" => list_policies(s, c, p).await,
        "DeletePolicy" => delete_policy(s, c, p).await,
        "CreatePolicyVersion" => create_policy_version(s, c, p).await,
        "GetPolicyVersion" => get_policy_version(s, c, p).await,
        "ListPolicyVersions" => list_policy_versions(s, c, p).await,
        "DeletePolicyVersion" => delete_policy_version(s, c, p).await,
        "SetDefaultPolicyVersion" => set_default_policy_version(s, c, p).await,
        "AttachUserPolicy" => attach(s, c, p, OwnerKind::User).await,
        "AttachGroupPolicy" => attach(s, c, p, OwnerKind::Group).await,
        "AttachRolePolicy" => attach(s, c, p, OwnerKind::Role).await,
        "DetachUserPolicy" => detach(s, c, p, OwnerKind::User).await,
        "DetachGroupPolicy" => detach(s, c, p, OwnerKind::Group).await,
        "DetachRolePolicy" => detach(s, c, p, OwnerKind::Role).await,
        "ListAttachedUserPolicies" => list_attached(s, c, p, OwnerKind::User).await,
        "ListAttachedGroupPolicies" => list_attached(s, c, p, OwnerKind::Group).await,
        "ListAttachedRolePolicies" => list_attached(s, c, p, OwnerKind::Role).await,
        "ListEntitiesForPolicy" => list_entities_for_policy(s, c, p).await,
        "PutUserPermissionsBoundary" => put_boundary(s, c, p, OwnerKind::User).await,
        "PutRolePermissionsBoundary" => put_boundary(s, c, p, OwnerKind::Role).await,
        "DeleteUserPermissionsBoundary" => delete_boundary(s, c, p, OwnerKind::User).await,
        "DeleteRolePermissionsBoundary" => delete_boundary(s, c, p, OwnerKind::Role).await,
        "SimulateCustomPolicy" => simulate_custom_policy(s, c, p).await,
        "SimulatePrincipalPolicy" => simulate_principal_policy(s, c, p).await,
        _ => return None,
    })
}

// ---------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------

/// The request member names of an entity kind: (parameter, member, max length, ARN kind).
fn entity_param(kind: OwnerKind) -> (&'static str, &'static str, usize, &'static str) {
    match kind {
        OwnerKind::User => ("UserName", "userName", 64, "user"),
        OwnerKind::Group => ("GroupName", "groupName", 128, "group"),
        OwnerKind::Role => ("RoleName", "roleName", 64, "role"),
    }
}

/// A required, validated entity name.
fn name_param(params: &Params, kind: OwnerKind) -> Result<&str, AwsError> {
    let (param, member, max, _) = entity_param(kind);
    let name = params.required(param, member)?;
    validate_name(member, name, max)?;
    Ok(name)
}

/// A required ARN member (20 to 2048 characters, `arn:` form).
fn arn_param<'a>(params: &'a Params, name: &str, member: &str) -> Result<&'a str, AwsError> {
    let value = params.required(name, member)?;
    check_arn(member, value)?;
    Ok(value)
}

fn check_arn(member: &str, value: &str) -> Result<(), AwsError> {
    let length = value.chars().count();
    if length < 20 {
        return Err(AwsError::constraint(
            member,
            Some(value),
            "Member must have length greater than or equal to 20",
        ));
    }
    if length > 2048 {
        return Err(AwsError::constraint(
            member,
            Some(value),
            "Member must have length less than or equal to 2048",
        ));
    }
    if Arn::parse(value).is_err() {
        return Err(AwsError::invalid_input(format!(
            "ARN {value} is not valid."
        )));
    }
    Ok(())
}

/// An optional description of at most 1000 characters.
fn description_param(params: &Params) -> Result<Option<&str>, AwsError> {
    let Some(value) = params.get("Description") else {
        return Ok(None);
    };
    if value.chars().count() > 1000 {
        return Err(AwsError::constraint(
            "description",
            Some(value),
            "Member must have length less than or equal to 1000",
        ));
    }
    Ok(Some(value))
}

/// A role's optional description: at most 1000 characters of tab, line
/// breaks, printable ASCII and Latin-1.
fn role_description_param(params: &Params) -> Result<Option<&str>, AwsError> {
    let value = description_param(params)?;
    if let Some(text) = value
        && !text
            .chars()
            .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{a1}'..='\u{ff}'))
    {
        return Err(AwsError::constraint(
            "description",
            Some(text),
            "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*",
        ));
    }
    Ok(value)
}

/// A managed policy's path: `/` or `/segment/…/` of `[A-Za-z0-9.,+@=_-]`.
fn policy_path_param(params: &Params) -> Result<String, AwsError> {
    let path = path_param(params, "Path", "path")?;
    let valid = path == "/"
        || path[1..path.len() - 1].split('/').all(|segment| {
            !segment.is_empty()
                && segment
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".,+@=_-".contains(c))
        });
    if !valid {
        return Err(AwsError::constraint(
            "path",
            Some(&path),
            "Member must satisfy regular expression pattern: ((/[A-Za-z0-9\\.,\\+@=_-]+)*)/",
        ));
    }
    Ok(path)
}

/// A required policy document (1 to 131072 characters of the policy
/// character set).
fn document_param<'a>(params: &'a Params, name: &str, member: &str) -> Result<&'a str, AwsError> {
    let value = params.required(name, member)?;
    if value.is_empty() {
        return Err(AwsError::constraint(
            member,
            Some(value),
            "Member must have length greater than or equal to 1",
        ));
    }
    if value.chars().count() > 131_072 {
        return Err(AwsError::constraint(
            member,
            Some(value),
            "Member must have length less than or equal to 131072",
        ));
    }
    check_policy_characters(member, value)?;
    Ok(value)
}

/// An optional boolean member (`true` / `false`).
fn bool_param(params: &Params, name: &str) -> Result<bool, AwsError> {
    match params.get(name) {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(v) => Err(AwsError::malformed_input(format!(
            "Invalid value for parameter {name}: '{v}' is not a boolean."
        ))),
    }
}

/// A required version id `vN`.
fn version_param(params: &Params) -> Result<&str, AwsError> {
    let value = params.required("VersionId", "versionId")?;
    let valid = value
        .strip_prefix('v')
        .and_then(|rest| rest.split('.').next())
        .is_some_and(|n| {
            !n.is_empty() && !n.starts_with('0') && n.bytes().all(|b| b.is_ascii_digit())
        });
    if !valid {
        return Err(AwsError::constraint(
            "versionId",
            Some(value),
            "Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?",
        ));
    }
    Ok(value)
}

/// `PolicyUsageFilter`: `PermissionsPolicy` or `PermissionsBoundary`.
fn usage_param(params: &Params) -> Result<Option<PolicyUsage>, AwsError> {
    match params.get("PolicyUsageFilter") {
        None => Ok(None),
        Some("PermissionsPolicy") => Ok(Some(PolicyUsage::Permissions)),
        Some("PermissionsBoundary") => Ok(Some(PolicyUsage::Boundary)),
        Some(other) => Err(AwsError::constraint(
            "policyUsageFilter",
            Some(other),
            "Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]",
        )),
    }
}

fn new_id(prefix: &str) -> Result<String, AwsError> {
    tessera_token::new_unique_id(prefix).map_err(|error| {
        tracing::error!(%error, "unique id");
        AwsError::internal()
    })
}

// ---------------------------------------------------------------------------
// Roles
// ---------------------------------------------------------------------------

fn role_arn(state: &AppState, role: &Role) -> String {
    Arn::role(state.partition(), &role.account_id, &role.path, &role.name).into_string()
}

/// The `Role` shape; `trust` is the trust policy as shown
/// ([`shown_bound_policy`]).
fn role_xml(
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
            out.push(boundary_xml(boundary));
        }
        if !tags.is_empty() {
            out.push(tags_xml(tags));
        }
    }
    out
}

fn boundary_xml(policy_arn: &str) -> Xml {
    Xml::node(
        "PermissionsBoundary",
        vec![
            Xml::text("PermissionsBoundaryType", "PermissionsBoundaryPolicy"),
            Xml::text("PermissionsBoundaryArn", policy_arn),
        ],
    )
}

async fn find_role(state: &AppState, account_id: &str, name: &str) -> Result<Role, AwsError> {
    state
        .store()
        .role_by_name(account_id, name)
        .await?
        .ok_or_else(|| AwsError::no_such_entity(OwnerKind::Role.not_found(name)))
}

/// Authorizes `action` on the named user, group or role as stored (its
/// stored name, path, tags and boundary), or on the ARN the request names
/// when it does not exist.
async fn authorize_entity(
    state: &AppState,
    caller: &Caller,
    kind: OwnerKind,
    name: &str,
    action: &str,
) -> Result<(), AwsError> {
    authorize_entity_with(state, caller, kind, name, action, Vec::new()).await
}

/// [`authorize_entity`] with the request's condition `keys`.
async fn authorize_entity_with(
    state: &AppState,
    caller: &Caller,
    kind: OwnerKind,
    name: &str,
    action: &str,
    keys: Vec<(String, ContextValue)>,
) -> Result<(), AwsError> {
    let (_, _, _, noun) = entity_param(kind);
    let target = entity_target_or_named(state, caller.account_id(), noun, name).await?;
    authorize_on(state, caller, action, &target, keys).await
}

async fn create_role(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, OwnerKind::Role)?;
    let path = path_param(params, "Path", "path")?;
    let document = document_param(
        params,
        "AssumeRolePolicyDocument",
        "assumeRolePolicyDocument",
    )?;
    let description = role_description_param(params)?;
    let max_session = params
        .integer("MaxSessionDuration", "maxSessionDuration", 3600, 43200)?
        .unwrap_or(3600);
    let boundary = match params.get("PermissionsBoundary") {
        Some(value) => {
            check_arn("permissionsBoundary", value)?;
            Some(value.to_string())
        }
        None => None,
    };
    let tags = tags_param(params)?;
    let account_id = caller.account_id();
    let mut keys = request_tag_keys(&tags);
    if let Some(boundary) = &boundary {
        keys.push((
            "iam:PermissionsBoundary".to_string(),
            boundary.clone().into(),
        ));
    }
    authorize_on(
        state,
        caller,
        "CreateRole",
        &Target::named(Arn::role(state.partition(), account_id, &path, name).into_string()),
        keys,
    )
    .await?;
    let trust = parse_policy(document, PolicyKind::trust())?;
    let trust_bindings = bind_principals(state, &trust).await?;
    let role = Role {
        role_id: new_id("AROA")?,
        account_id: account_id.to_string(),
        name: name.to_string(),
        path,
        assume_role_policy: document.to_string(),
        description: description.map(str::to_string),
        max_session_duration: max_session,
        permissions_boundary: boundary,
        created_at: state.now().unix_timestamp(),
        last_used: None,
        trust_bindings: Some(trust_bindings),
    };
    state.store().create_role(&role, &tags).await?;
    Ok(vec![Xml::node(
        "Role",
        role_xml(state, &role, &role.assume_role_policy, Some(&tags)),
    )])
}

async fn get_role(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, OwnerKind::Role)?;
    authorize_entity(state, caller, OwnerKind::Role, name, "GetRole").await?;
    let role = find_role(state, caller.account_id(), name).await?;
    let tags = state.store().policy_area_tags(&role.role_id).await?;
    let trust = shown_bound_policy(
        state,
        &role.assume_role_policy,
        role.trust_bindings.as_deref(),
    )
    .await?;
    let mut fields = role_xml(state, &role, &trust, Some(&tags));
    let mut last_used = Vec::new();
    if let Some((at, region)) = &role.last_used {
        last_used.push(Xml::text("LastUsedDate", iso8601(*at)));
        last_used.push(Xml::text("Region", region.clone()));
    }
    fields.push(Xml::node("RoleLastUsed", last_used));
    Ok(vec![Xml::node("Role", fields)])
}

async fn list_roles(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let prefix = path_prefix_param(params)?;
    let page = Page::from_params(params)?;
    let account_id = caller.account_id();
    authorize(
        state,
        caller,
        "ListRoles",
        &Arn::role(state.partition(), account_id, &prefix, "").into_string(),
    )
    .await?;
    let rows = state
        .store()
        .list_roles(
            account_id,
            &prefix,
            page.after.as_deref(),
            page.fetch_limit(),
        )
        .await?;
    let (rows, tail) = page.finish(rows, |r| r.name.clone());
    let mut roles = Vec::with_capacity(rows.len());
    for role in &rows {
        let trust = shown_bound_policy(
            state,
            &role.assume_role_policy,
            role.trust_bindings.as_deref(),
        )
        .await?;
        roles.push(role_xml(state, role, &trust, None));
    }
    let mut out = vec![members("Roles", roles)];
    out.extend(tail);
    Ok(out)
}

async fn update_role(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, OwnerKind::Role)?;
    let description = role_description_param(params)?;
    let max_session = params.integer("MaxSessionDuration", "maxSessionDuration", 3600, 43200)?;
    authorize_entity(state, caller, OwnerKind::Role, name, "UpdateRole").await?;
    state
        .store()
        .update_role(caller.account_id(), name, description, max_session)
        .await?;
    Ok(Vec::new())
}

async fn update_assume_role_policy(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, OwnerKind::Role)?;
    let document = document_param(params, "PolicyDocument", "policyDocument")?;
    authorize_entity(
        state,
        caller,
        OwnerKind::Role,
        name,
        "UpdateAssumeRolePolicy",
    )
    .await?;
    find_role(state, caller.account_id(), name).await?;
    let trust = parse_policy(document, PolicyKind::trust())?;
    let bindings = bind_principals(state, &trust).await?;
    state
        .store()
        .update_assume_role_policy(caller.account_id(), name, document, &bindings)
        .await?;
    Ok(Vec::new())
}

async fn delete_role(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, OwnerKind::Role)?;
    authorize_entity(state, caller, OwnerKind::Role, name, "DeleteRole").await?;
    state.store().delete_role(caller.account_id(), name).await?;
    Ok(Vec::new())
}

async fn tag_role(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, OwnerKind::Role)?;
    let tags = tags_param(params)?;
    if tags.is_empty() {
        return Err(AwsError::constraint(
            "tags",
            None,
            "Member must not be null",
        ));
    }
    authorize_entity_with(
        state,
        caller,
        OwnerKind::Role,
        name,
        "TagRole",
        request_tag_keys(&tags),
    )
    .await?;
    state
        .store()
        .tag_role(caller.account_id(), name, &tags)
        .await?;
    Ok(Vec::new())
}

async fn untag_role(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, OwnerKind::Role)?;
    let keys = tag_keys_param(params)?;
    authorize_entity_with(
        state,
        caller,
        OwnerKind::Role,
        name,
        "UntagRole",
        vec![("aws:TagKeys".to_string(), keys.clone().into())],
    )
    .await?;
    state
        .store()
        .untag_role(caller.account_id(), name, &keys)
        .await?;
    Ok(Vec::new())
}

async fn list_role_tags(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, OwnerKind::Role)?;
    let page = Page::from_params(params)?;
    authorize_entity(state, caller, OwnerKind::Role, name, "ListRoleTags").await?;
    let role = find_role(state, caller.account_id(), name).await?;
    let tags: Vec<(String, String)> = state
        .store()
        .policy_area_tags(&role.role_id)
        .await?
        .into_iter()
        .filter(|(k, _)| {
            page.after
                .as_deref()
                .is_none_or(|after| k.to_ascii_lowercase() > after.to_ascii_lowercase())
        })
        .take(page.fetch_limit())
        .collect();
    let (tags, tail) = page.finish(tags, |(k, _)| k.clone());
    let mut out = vec![tags_xml(&tags)];
    out.extend(tail);
    Ok(out)
}

// ---------------------------------------------------------------------------
// Managed policies
// ---------------------------------------------------------------------------

fn policy_xml(policy: &ManagedPolicy, description: bool, tags: &[(String, String)]) -> Vec<Xml> {
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
    if description && let Some(text) = &policy.description {
        out.push(Xml::text("Description", text.clone()));
    }
    out.push(Xml::text("CreateDate", iso8601(policy.created_at)));
    out.push(Xml::text("UpdateDate", iso8601(policy.updated_at)));
    if !tags.is_empty() {
        out.push(tags_xml(tags));
    }
    out
}

fn version_xml(version: &PolicyVersion, document: bool) -> Vec<Xml> {
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

fn policy_not_found(policy_arn: &str) -> AwsError {
    AwsError::no_such_entity(format!("Policy {policy_arn} was not found."))
}

/// Authorizes `action` on the managed policy `policy_arn` of the caller's
/// account, with its tags when it exists.
async fn authorize_policy(
    state: &AppState,
    caller: &Caller,
    action: &str,
    policy_arn: &str,
) -> Result<(), AwsError> {
    let mut target = Target::named(policy_arn);
    if let Some(policy) = state
        .store()
        .managed_policy(caller.account_id(), policy_arn)
        .await?
    {
        target.tags = state.store().policy_area_tags(&policy.policy_id).await?;
    }
    authorize_on(state, caller, action, &target, Vec::new()).await
}

async fn find_policy(
    state: &AppState,
    account_id: &str,
    policy_arn: &str,
) -> Result<ManagedPolicy, AwsError> {
    state
        .store()
        .managed_policy(account_id, policy_arn)
        .await?
        .ok_or_else(|| policy_not_found(policy_arn))
}

async fn create_policy(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = params.required("PolicyName", "policyName")?;
    validate_name("policyName", name, 128)?;
    let path = policy_path_param(params)?;
    let document = document_param(params, "PolicyDocument", "policyDocument")?;
    let description = description_param(params)?;
    let tags = tags_param(params)?;
    let account_id = caller.account_id();
    let policy_arn = Arn::policy(state.partition(), account_id, &path, name).into_string();
    authorize_on(
        state,
        caller,
        "CreatePolicy",
        &Target::named(policy_arn.clone()),
        request_tag_keys(&tags),
    )
    .await?;
    parse_policy(document, PolicyKind::managed())?;
    let now = state.now().unix_timestamp();
    let policy = ManagedPolicy {
        arn: policy_arn,
        policy_id: new_id("ANPA")?,
        account_id: account_id.to_string(),
        name: name.to_string(),
        path,
        description: description.map(str::to_string),
        default_version: "v1".to_string(),
        created_at: now,
        updated_at: now,
        attachment_count: 0,
        boundary_usage_count: 0,
    };
    state
        .store()
        .create_policy(&policy, document, &tags)
        .await?;
    Ok(vec![Xml::node("Policy", policy_xml(&policy, true, &tags))])
}

async fn get_policy(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let policy_arn = arn_param(params, "PolicyArn", "policyArn")?;
    authorize_policy(state, caller, "GetPolicy", policy_arn).await?;
    let policy = find_policy(state, caller.account_id(), policy_arn).await?;
    let tags = state.store().policy_area_tags(&policy.policy_id).await?;
    Ok(vec![Xml::node("Policy", policy_xml(&policy, true, &tags))])
}

async fn list_policies(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let scope = params.get("Scope").unwrap_or("All");
    if !matches!(scope, "All" | "AWS" | "Local") {
        return Err(AwsError::constraint(
            "scope",
            Some(scope),
            "Member must satisfy enum value set: [All, AWS, Local]",
        ));
    }
    let only_attached = bool_param(params, "OnlyAttached")?;
    let usage = usage_param(params)?;
    let prefix = path_prefix_param(params)?;
    let page = Page::from_params(params)?;
    let account_id = caller.account_id();
    authorize(
        state,
        caller,
        "ListPolicies",
        &Arn::policy(state.partition(), account_id, &prefix, "").into_string(),
    )
    .await?;
    // There are no AWS managed policies: the AWS scope is empty.
    let rows = if scope == "AWS" {
        Vec::new()
    } else {
        let filter = PolicyFilter {
            path_prefix: Some(prefix),
            only_attached,
            usage,
        };
        state
            .store()
            .list_policies(
                account_id,
                &filter,
                page.after.as_deref(),
                page.fetch_limit(),
            )
            .await?
    };
    let (rows, tail) = page.finish(rows, |p| p.name.clone());
    let mut out = vec![members(
        "Policies",
        rows.iter().map(|p| policy_xml(p, false, &[])).collect(),
    )];
    out.extend(tail);
    Ok(out)
}

async fn delete_policy(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let policy_arn = arn_param(params, "PolicyArn", "policyArn")?;
    authorize_policy(state, caller, "DeletePolicy", policy_arn).await?;
    state
        .store()
        .delete_policy(caller.account_id(), policy_arn)
        .await?;
    Ok(Vec::new())
}

async fn create_policy_version(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let policy_arn = arn_param(params, "PolicyArn", "policyArn")?;
    let document = document_param(params, "PolicyDocument", "policyDocument")?;
    let set_as_default = bool_param(params, "SetAsDefault")?;
    authorize_policy(state, caller, "CreatePolicyVersion", policy_arn).await?;
    find_policy(state, caller.account_id(), policy_arn).await?;
    parse_policy(document, PolicyKind::managed())?;
    let now = state.now().unix_timestamp();
    let version_id = state
        .store()
        .create_policy_version(
            caller.account_id(),
            policy_arn,
            document,
            set_as_default,
            now,
        )
        .await?;
    let version = PolicyVersion {
        version_id,
        document: document.to_string(),
        is_default: set_as_default,
        created_at: now,
    };
    Ok(vec![Xml::node(
        "PolicyVersion",
        version_xml(&version, false),
    )])
}

async fn get_policy_version(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let policy_arn = arn_param(params, "PolicyArn", "policyArn")?;
    let version_id = version_param(params)?;
    authorize_policy(state, caller, "GetPolicyVersion", policy_arn).await?;
    find_policy(state, caller.account_id(), policy_arn).await?;
    let version = state
        .store()
        .policy_version(caller.account_id(), policy_arn, version_id)
        .await?
        .ok_or_else(|| {
            AwsError::no_such_entity(format!(
                "Policy {policy_arn} version {version_id} does not exist or is not attachable."
            ))
        })?;
    Ok(vec![Xml::node(
        "PolicyVersion",
        version_xml(&version, true),
    )])
}

fn version_number(version_id: &str) -> u64 {
    version_id
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

async fn list_policy_versions(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let policy_arn = arn_param(params, "PolicyArn", "policyArn")?;
    let page = Page::from_params(params)?;
    authorize_policy(state, caller, "ListPolicyVersions", policy_arn).await?;
    find_policy(state, caller.account_id(), policy_arn).await?;
    // Newest first: a page continues with the versions older than the marker.
    let after = page.after.as_deref().map(version_number);
    let versions: Vec<PolicyVersion> = state
        .store()
        .policy_versions(caller.account_id(), policy_arn)
        .await?
        .into_iter()
        .filter(|v| after.is_none_or(|a| version_number(&v.version_id) < a))
        .take(page.fetch_limit())
        .collect();
    let (versions, tail) = page.finish(versions, |v| v.version_id.clone());
    let mut out = vec![members(
        "Versions",
        versions.iter().map(|v| version_xml(v, false)).collect(),
    )];
    out.extend(tail);
    Ok(out)
}

async fn delete_policy_version(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let policy_arn = arn_param(params, "PolicyArn", "policyArn")?;
    let version_id = version_param(params)?;
    authorize_policy(state, caller, "DeletePolicyVersion", policy_arn).await?;
    state
        .store()
        .delete_policy_version(caller.account_id(), policy_arn, version_id)
        .await?;
    Ok(Vec::new())
}

async fn set_default_policy_version(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let policy_arn = arn_param(params, "PolicyArn", "policyArn")?;
    let version_id = version_param(params)?;
    authorize_policy(state, caller, "SetDefaultPolicyVersion", policy_arn).await?;
    let now = state.now().unix_timestamp();
    state
        .store()
        .set_default_policy_version(caller.account_id(), policy_arn, version_id, now)
        .await?;
    Ok(Vec::new())
}

// ---------------------------------------------------------------------------
// Attachments and boundaries
// ---------------------------------------------------------------------------

fn action_name(verb: &str, kind: OwnerKind, noun: &str) -> String {
    format!("{verb}{}{noun}", kind.as_str())
}

async fn attach(
    state: &AppState,
    caller: &Caller,
    params: &Params,
    kind: OwnerKind,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, kind)?;
    let policy_arn = arn_param(params, "PolicyArn", "policyArn")?;
    let action = action_name("Attach", kind, "Policy");
    let keys = vec![("iam:PolicyARN".to_string(), policy_arn.into())];
    authorize_entity_with(state, caller, kind, name, &action, keys).await?;
    state
        .store()
        .attach_policy(caller.account_id(), kind, name, policy_arn)
        .await?;
    Ok(Vec::new())
}

async fn detach(
    state: &AppState,
    caller: &Caller,
    params: &Params,
    kind: OwnerKind,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, kind)?;
    let policy_arn = arn_param(params, "PolicyArn", "policyArn")?;
    let action = action_name("Detach", kind, "Policy");
    let keys = vec![("iam:PolicyARN".to_string(), policy_arn.into())];
    authorize_entity_with(state, caller, kind, name, &action, keys).await?;
    state
        .store()
        .detach_policy(caller.account_id(), kind, name, policy_arn)
        .await?;
    Ok(Vec::new())
}

async fn list_attached(
    state: &AppState,
    caller: &Caller,
    params: &Params,
    kind: OwnerKind,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, kind)?;
    let prefix = path_prefix_param(params)?;
    let page = Page::from_params(params)?;
    let action = format!("ListAttached{}Policies", kind.as_str());
    authorize_entity(state, caller, kind, name, &action).await?;
    let rows = state
        .store()
        .attached_policies(
            caller.account_id(),
            kind,
            name,
            &prefix,
            page.after.as_deref(),
            page.fetch_limit(),
        )
        .await?;
    let (rows, tail) = page.finish(rows, |(name, _)| name.clone());
    let mut out = vec![members(
        "AttachedPolicies",
        rows.into_iter()
            .map(|(name, policy_arn)| {
                vec![
                    Xml::text("PolicyName", name),
                    Xml::text("PolicyArn", policy_arn),
                ]
            })
            .collect(),
    )];
    out.extend(tail);
    Ok(out)
}

async fn list_entities_for_policy(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let policy_arn = arn_param(params, "PolicyArn", "policyArn")?;
    let filter = params.get("EntityFilter");
    let kind = match filter {
        None | Some("LocalManagedPolicy") | Some("AWSManagedPolicy") => None,
        Some("User") => Some(OwnerKind::User),
        Some("Group") => Some(OwnerKind::Group),
        Some("Role") => Some(OwnerKind::Role),
        Some(other) => {
            return Err(AwsError::constraint(
                "entityFilter",
                Some(other),
                "Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]",
            ));
        }
    };
    let usage = usage_param(params)?.unwrap_or(PolicyUsage::Permissions);
    let prefix = path_prefix_param(params)?;
    let page = Page::from_params(params)?;
    authorize_policy(state, caller, "ListEntitiesForPolicy", policy_arn).await?;
    find_policy(state, caller.account_id(), policy_arn).await?;
    // Customer managed policies only: the AWS-managed filter lists nothing.
    let rows = if filter == Some("AWSManagedPolicy") {
        Vec::new()
    } else {
        state
            .store()
            .entities_for_policy(
                caller.account_id(),
                policy_arn,
                usage,
                kind,
                &prefix,
                page.after.as_deref(),
                page.fetch_limit(),
            )
            .await?
    };
    let (rows, tail) = page.finish(rows, |e| format!("{}/{}", e.kind.as_str(), e.name));
    let of = |wanted: OwnerKind, name_tag: &'static str, id_tag: &'static str| {
        rows.iter()
            .filter(|e| e.kind == wanted)
            .map(|e| {
                vec![
                    Xml::text(name_tag, e.name.clone()),
                    Xml::text(id_tag, e.id.clone()),
                ]
            })
            .collect::<Vec<_>>()
    };
    let mut out = vec![
        members("PolicyGroups", of(OwnerKind::Group, "GroupName", "GroupId")),
        members("PolicyUsers", of(OwnerKind::User, "UserName", "UserId")),
        members("PolicyRoles", of(OwnerKind::Role, "RoleName", "RoleId")),
    ];
    out.extend(tail);
    Ok(out)
}

async fn put_boundary(
    state: &AppState,
    caller: &Caller,
    params: &Params,
    kind: OwnerKind,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, kind)?;
    let policy_arn = arn_param(params, "PermissionsBoundary", "permissionsBoundary")?;
    let action = action_name("Put", kind, "PermissionsBoundary");
    let keys = vec![("iam:PermissionsBoundary".to_string(), policy_arn.into())];
    authorize_entity_with(state, caller, kind, name, &action, keys).await?;
    state
        .store()
        .set_permissions_boundary(caller.account_id(), kind, name, Some(policy_arn))
        .await?;
    Ok(Vec::new())
}

async fn delete_boundary(
    state: &AppState,
    caller: &Caller,
    params: &Params,
    kind: OwnerKind,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, kind)?;
    let action = action_name("Delete", kind, "PermissionsBoundary");
    authorize_entity(state, caller, kind, name, &action).await?;
    state
        .store()
        .set_permissions_boundary(caller.account_id(), kind, name, None)
        .await?;
    Ok(Vec::new())
}

// ---------------------------------------------------------------------------
// The policy simulator
// ---------------------------------------------------------------------------

/// A policy taking part in a simulation, with the ids the answer reports.
struct SimPolicy {
    /// The id given to the evaluator (unique per simulation).
    key: String,
    /// `SourcePolicyId`.
    source_id: String,
    /// `SourcePolicyType`.
    source_type: &'static str,
    text: String,
    policy: Option<Policy>,
}

/// Parses the documents of `PolicyInputList` (or the boundary list).
fn input_policies(params: &Params, list: &str) -> Result<Vec<SimPolicy>, AwsError> {
    params
        .list(list)
        .into_iter()
        .enumerate()
        .map(|(i, text)| {
            let policy = parse_policy(text, PolicyKind::inline_role())?;
            let id = format!("{list}.{}", i + 1);
            Ok(SimPolicy {
                key: id.clone(),
                source_id: id,
                source_type: "none",
                text: text.to_string(),
                policy: Some(policy),
            })
        })
        .collect()
}

/// A stored policy (`NamedPolicy`) as the simulator reports it.
fn stored_policy(id: &str, text: &str) -> SimPolicy {
    let (source_type, source_id) = if id.starts_with("arn:") {
        ("user-managed", id.rsplit('/').next().unwrap_or(id))
    } else {
        let kind = match id.split('/').next() {
            Some("user") => "user",
            Some("group") => "group",
            _ => "role",
        };
        (kind, id.rsplit('/').next().unwrap_or(id))
    };
    SimPolicy {
        key: id.to_string(),
        source_id: source_id.to_string(),
        source_type,
        text: text.to_string(),
        policy: Policy::parse(text, PolicyKind::inline_role()).ok(),
    }
}

/// The optional `ResourcePolicy`, a resource-based policy of the resources.
fn resource_policy_param(params: &Params) -> Result<Option<SimPolicy>, AwsError> {
    let Some(text) = params.get("ResourcePolicy") else {
        return Ok(None);
    };
    let policy = parse_policy(text, PolicyKind::resource())?;
    Ok(Some(SimPolicy {
        key: "ResourcePolicy".to_string(),
        source_id: "ResourcePolicy".to_string(),
        source_type: "resource",
        text: text.to_string(),
        policy: Some(policy),
    }))
}

/// The account owning the resources: `ResourceOwner` (an account id or
/// `arn:…:iam::ACCOUNT:root`), else the caller's account.
fn resource_owner_param(params: &Params, account_id: &str) -> Result<String, AwsError> {
    let Some(owner) = params.get("ResourceOwner") else {
        return Ok(account_id.to_string());
    };
    let account = if owner.starts_with("arn:") {
        owner.split(':').nth(4).unwrap_or_default()
    } else {
        owner
    };
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AwsError::invalid_input(format!(
            "Invalid ResourceOwner: {owner}"
        )));
    }
    Ok(account.to_string())
}

/// `ContextEntries.member.N.{ContextKeyName, ContextKeyType, ContextKeyValues.member.M}`.
fn context_entries(params: &Params) -> Result<Vec<(String, ContextValue)>, AwsError> {
    let mut entries = Vec::new();
    for entry in params.structures("ContextEntries") {
        let name = entry.get("ContextKeyName").ok_or_else(|| {
            AwsError::invalid_input("ContextKeyName is required for every context entry.")
        })?;
        let kind = entry
            .get("ContextKeyType")
            .map(String::as_str)
            .unwrap_or("string");
        const TYPES: [&str; 12] = [
            "string",
            "stringList",
            "numeric",
            "numericList",
            "boolean",
            "booleanList",
            "ip",
            "ipList",
            "binary",
            "binaryList",
            "date",
            "dateList",
        ];
        if !TYPES.contains(&kind) {
            return Err(AwsError::constraint(
                "contextEntries.member.contextKeyType",
                Some(kind),
                "Member must satisfy enum value set: [string, stringList, numeric, numericList, boolean, booleanList, ip, ipList, binary, binaryList, date, dateList]",
            ));
        }
        let mut values: Vec<(u32, String)> = entry
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("ContextKeyValues.member.")
                    .and_then(|n| n.parse().ok())
                    .map(|n| (n, v.clone()))
            })
            .collect();
        values.sort_by_key(|(n, _)| *n);
        let values: Vec<String> = values.into_iter().map(|(_, v)| v).collect();
        let value = if kind.ends_with("List") {
            ContextValue::Multi(values)
        } else {
            match values.into_iter().next() {
                Some(v) => ContextValue::Single(v),
                None => ContextValue::Multi(Vec::new()),
            }
        };
        entries.push((name.clone(), value));
    }
    Ok(entries)
}

/// `ActionNames` (required) and `ResourceArns` (`*` when absent).
fn actions_and_resources(params: &Params) -> Result<(Vec<String>, Vec<String>), AwsError> {
    let actions: Vec<String> = params
        .list("ActionNames")
        .into_iter()
        .map(str::to_string)
        .collect();
    if actions.is_empty() {
        return Err(AwsError::constraint(
            "actionNames",
            None,
            "Member must not be null",
        ));
    }
    for action in &actions {
        let n = action.chars().count();
        if !(3..=128).contains(&n) {
            return Err(AwsError::constraint(
                "actionNames.member",
                Some(action),
                "Member must have length greater than or equal to 3",
            ));
        }
    }
    let mut resources: Vec<String> = params
        .list("ResourceArns")
        .into_iter()
        .map(str::to_string)
        .collect();
    if resources.is_empty() {
        resources.push("*".to_string());
    }
    Ok((actions, resources))
}

/// A principal from a user or role ARN (roles act as a session of the role).
fn principal_of(arn_text: &str) -> Result<Principal, AwsError> {
    let invalid = || AwsError::invalid_input(format!("Invalid ARN: {arn_text}"));
    let arn = Arn::parse(arn_text).map_err(|_| invalid())?;
    match arn.kind() {
        ArnKind::User => Principal::user(arn).map_err(|_| invalid()),
        ArnKind::Role => {
            let name = arn.name().unwrap_or_default();
            let session = Arn::assumed_role(arn.partition(), arn.account(), name, "simulation");
            Principal::assumed_role(session, arn).map_err(|_| invalid())
        }
        _ => Err(invalid()),
    }
}

/// Line and column (both from 1) just past the statement that starts at
/// `start` in `text`, found by matching its braces outside strings.
fn statement_end(text: &str, start: (u32, u32)) -> Option<(u32, u32)> {
    let (mut line, mut column) = (1u32, 1u32);
    let (mut depth, mut started, mut in_string, mut escaped) = (0u32, false, false, false);
    for c in text.chars() {
        if !started && (line, column) == start {
            started = true;
        }
        if started {
            if in_string {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_string = false,
                    _ => {}
                }
            } else {
                match c {
                    '"' => in_string = true,
                    '{' | '[' => depth += 1,
                    '}' | ']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return Some((line, column + 1));
                        }
                    }
                    _ => {}
                }
            }
        }
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    None
}

fn position_xml(tag: &'static str, (line, column): (u32, u32)) -> Xml {
    Xml::node(
        tag,
        vec![
            Xml::text("Line", line.to_string()),
            Xml::text("Column", column.to_string()),
        ],
    )
}

/// Evaluates every action on every resource and answers one page of
/// `EvaluationResults`.
fn simulate(
    params: &Params,
    principal: &Principal,
    account_id: &str,
    identity: &[SimPolicy],
    boundaries: &[SimPolicy],
) -> Result<Vec<Xml>, AwsError> {
    let resource_policy = resource_policy_param(params)?;
    let owner = resource_owner_param(params, account_id)?;
    let (actions, resources) = actions_and_resources(params)?;
    let entries = context_entries(params)?;
    let page = Page::from_params(params)?;
    let start = match page.after.as_deref() {
        None => 0,
        Some(after) => {
            after
                .parse::<usize>()
                .map_err(|_| AwsError::invalid_input("Invalid Marker."))?
                + 1
        }
    };
    // A boundary that cannot be read allows nothing.
    let broken_boundary = boundaries.iter().any(|b| b.policy.is_none());
    let mut results = Vec::new();
    let total = actions.len() * resources.len();
    for index in start..total.min(start + page.fetch_limit()) {
        let action = &actions[index / resources.len()];
        let resource = &resources[index % resources.len()];
        let mut ctx = RequestContext::new(principal.clone(), action.clone(), resource.clone())
            .with_resource_account(owner.clone());
        for (key, value) in &entries {
            ctx.set_key(key, value.clone());
        }
        let mut request = AuthorizationRequest::new(&ctx);
        for p in identity {
            if let Some(policy) = &p.policy {
                request = request.identity(&p.key, policy);
            }
        }
        for p in boundaries {
            if let Some(policy) = &p.policy {
                request = request.boundary(&p.key, policy);
            }
        }
        if let Some(p) = &resource_policy
            && let Some(policy) = &p.policy
        {
            request = request.resource(&p.key, policy);
        }
        let decision = decide(&request);
        let effect = if broken_boundary && decision.effect == DecisionEffect::Allow {
            DecisionEffect::ImplicitDeny
        } else {
            decision.effect
        };
        let matched: Vec<Vec<Xml>> = if effect == decision.effect {
            decision
                .statements
                .iter()
                .filter_map(|st| {
                    let source = identity
                        .iter()
                        .chain(boundaries)
                        .chain(&resource_policy)
                        .find(|p| p.key == st.policy_id)?;
                    let pos = source
                        .policy
                        .as_ref()?
                        .document()
                        .statement
                        .as_ref()?
                        .value
                        .as_slice()
                        .get(st.index)?
                        .pos;
                    let begin = (pos.line, pos.column);
                    let mut fields = vec![
                        Xml::text("SourcePolicyId", source.source_id.clone()),
                        Xml::text("SourcePolicyType", source.source_type),
                        position_xml("StartPosition", begin),
                    ];
                    if let Some(end) = statement_end(&source.text, begin) {
                        fields.push(position_xml("EndPosition", end));
                    }
                    Some(fields)
                })
                .collect()
        } else {
            Vec::new()
        };
        let missing = missing_context_keys(
            &ctx,
            identity.iter().chain(boundaries).chain(&resource_policy),
        );
        let mut result = vec![
            Xml::text("EvalActionName", action.clone()),
            Xml::text("EvalResourceName", resource.clone()),
            Xml::text(
                "EvalDecision",
                match effect {
                    DecisionEffect::Allow => "allowed",
                    DecisionEffect::ExplicitDeny => "explicitDeny",
                    DecisionEffect::ImplicitDeny => "implicitDeny",
                },
            ),
            members("MatchedStatements", matched),
        ];
        result.push(Xml::node(
            "MissingContextValues",
            missing
                .into_iter()
                .map(|k| Xml::text("member", k))
                .collect(),
        ));
        if let Some(layer) = decision.layer(Layer::PermissionBoundary)
            && !boundaries.is_empty()
        {
            let allowed =
                !broken_boundary && matches!(layer.outcome, tessera_policy::LayerOutcome::Allow);
            result.push(Xml::node(
                "PermissionsBoundaryDecisionDetail",
                vec![Xml::text(
                    "AllowedByPermissionsBoundary",
                    allowed.to_string(),
                )],
            ));
        }
        results.push((index, result));
    }
    let (results, tail) = page.finish(results, |(index, _)| index.to_string());
    let mut out = vec![members(
        "EvaluationResults",
        results.into_iter().map(|(_, r)| r).collect(),
    )];
    out.extend(tail);
    Ok(out)
}

/// Condition keys of the statements that match the action and resource
/// but that the request does not carry.
fn missing_context_keys<'a>(
    ctx: &RequestContext,
    policies: impl Iterator<Item = &'a SimPolicy>,
) -> Vec<String> {
    let mut missing: Vec<String> = Vec::new();
    for p in policies {
        let Some(policy) = &p.policy else { continue };
        for st in policy.statements() {
            if st.conditions.is_empty() {
                continue;
            }
            let mut bare = st.clone();
            bare.conditions.clear();
            if evaluate_statement(&bare, ctx, EvalOptions::default()).is_none() {
                continue;
            }
            for condition in &st.conditions {
                if !condition.operator.if_exists
                    && !ctx.has_key(&condition.key)
                    && !missing
                        .iter()
                        .any(|m| m.eq_ignore_ascii_case(&condition.key))
                {
                    missing.push(condition.key.clone());
                }
            }
        }
    }
    missing
}

async fn simulate_custom_policy(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    if params.list("PolicyInputList").is_empty() {
        return Err(AwsError::constraint(
            "policyInputList",
            None,
            "Member must not be null",
        ));
    }
    authorize(state, caller, "SimulateCustomPolicy", "*").await?;
    let identity = input_policies(params, "PolicyInputList")?;
    let boundaries = input_policies(params, "PermissionsBoundaryPolicyInputList")?;
    let account_id = caller.account_id();
    // The simulated caller: CallerArn, else the calling user; the root user
    // would be allowed everything, so it is simulated as a plain user.
    let principal = match params.get("CallerArn") {
        Some(caller_arn) => principal_of(caller_arn)?,
        None => match caller {
            Caller::User { .. } => principal_of(caller.arn(state.partition()).as_str())?,
            _ => Principal::user(
                Arn::user(state.partition(), account_id, "/", "simulated-user").into_string(),
            )
            .map_err(|_| AwsError::internal())?,
        },
    };
    simulate(params, &principal, account_id, &identity, &boundaries)
}

async fn simulate_principal_policy(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let source = arn_param(params, "PolicySourceArn", "policySourceArn")?;
    let account_id = caller.account_id();
    let source_arn = Arn::parse(source)
        .map_err(|_| AwsError::invalid_input(format!("ARN {source} is not valid.")))?;
    let resource = source_arn.resource();
    let (noun, kind) = if resource.starts_with("group/") {
        ("group", OwnerKind::Group)
    } else if resource.starts_with("user/") {
        ("user", OwnerKind::User)
    } else {
        ("role", OwnerKind::Role)
    };
    // A group is simulated as one of its members: a user of the account.
    let principal = if kind == OwnerKind::Group {
        let member = Arn::user(
            source_arn.partition(),
            source_arn.account(),
            "/",
            "simulated-group-member",
        );
        principal_of(member.as_str())?
    } else {
        principal_of(source)?
    };
    let name = resource.rsplit('/').next().unwrap_or_default();
    // The entity as stored, found by its name and exact path in the caller's
    // account; authorization names it by its stored ARN, or by the ARN given
    // when there is no such entity.
    let found = match principal.account.as_deref() == Some(account_id) {
        true => entity_target(state, account_id, noun, name)
            .await?
            .filter(|(_, target)| super::common::same_entity_arn(source, &target.arn)),
        false => None,
    };
    let target = match &found {
        Some((_, target)) => target.clone(),
        None => Target::named(source),
    };
    authorize_on(
        state,
        caller,
        "SimulatePrincipalPolicy",
        &target,
        Vec::new(),
    )
    .await?;
    let Some((unique_id, target)) = found else {
        return Err(AwsError::no_such_entity(kind.not_found(name)));
    };
    let principal = match kind {
        OwnerKind::Group => principal,
        _ => principal_of(&target.arn)?,
    };
    let policies = match kind {
        OwnerKind::Group => state.store().policies_of_group(&unique_id).await?,
        OwnerKind::User => state.store().policies_of_user(&unique_id).await?,
        OwnerKind::Role => state.store().policies_of_role(&unique_id).await?,
    };
    let mut identity: Vec<SimPolicy> = policies
        .identity
        .iter()
        .map(|p| stored_policy(&p.id, &p.document))
        .collect();
    identity.extend(input_policies(params, "PolicyInputList")?);
    let mut boundaries: Vec<SimPolicy> =
        input_policies(params, "PermissionsBoundaryPolicyInputList")?;
    if boundaries.is_empty()
        && let Some(boundary) = &policies.boundary
    {
        boundaries.push(stored_policy(&boundary.id, &boundary.document));
    }
    let principal = match params.get("CallerArn") {
        Some(caller_arn) => principal_of(caller_arn)?,
        None => principal,
    };
    simulate(params, &principal, account_id, &identity, &boundaries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_ends_after_its_closing_brace() {
        let text = "{\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"}\"}]\n}";
        assert_eq!(statement_end(text, (2, 17)), Some((2, 51)));
    }

    #[test]
    fn version_ids_are_checked() {
        for good in ["v1", "v12", "v3.a-b"] {
            let p = Params::from_request(
                &format!("VersionId={good}"),
                None,
                b"",
                crate::params::BodyRule::ByContentType,
            )
            .expect("p");
            assert!(version_param(&p).is_ok(), "{good}");
        }
        for bad in ["1", "v0", "v", "vx", "v01"] {
            let p = Params::from_request(
                &format!("VersionId={bad}"),
                None,
                b"",
                crate::params::BodyRule::ByContentType,
            )
            .expect("p");
            assert!(version_param(&p).is_err(), "{bad}");
        }
    }
}
