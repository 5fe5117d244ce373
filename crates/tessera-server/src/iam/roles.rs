//! IAM roles: create, read, list, update, delete, tags.

use super::bindings::{bind_principals, shown_bound_policy};
use super::common::{
    Page, Target, authorize, authorize_on, encode_policy_document, iso8601, parse_policy,
    path_param, path_prefix_param, request_tag_keys, tag_keys_param, tags_param, tags_xml,
};
use super::policy_params::{
    authorize_entity, authorize_entity_with, boundary_xml, check_arn, document_param, name_param,
    new_id, role_description_param,
};
use crate::{
    AppState, AwsError, Caller,
    params::Params,
    xml::{Xml, members},
};
use tessera_arn::Arn;
use tessera_policy::PolicyKind;
use tessera_store::{OwnerKind, Role};

/// Runs `name` if this area (roles) serves it.
pub(super) async fn dispatch(
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
        _ => return None,
    })
}

pub(super) fn role_arn(state: &AppState, role: &Role) -> String {
    Arn::role(state.partition(), &role.account_id, &role.path, &role.name).into_string()
}

/// The `Role` shape; `trust` is the trust policy as shown
/// ([`shown_bound_policy`]).
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
            out.push(boundary_xml(boundary));
        }
        if !tags.is_empty() {
            out.push(tags_xml(tags));
        }
    }
    out
}

pub(super) async fn find_role(
    state: &AppState,
    account_id: &str,
    name: &str,
) -> Result<Role, AwsError> {
    state
        .store()
        .role_by_name(account_id, name)
        .await?
        .ok_or_else(|| AwsError::no_such_entity(OwnerKind::Role.not_found(name)))
}

pub(super) async fn create_role(
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

pub(super) async fn get_role(
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

pub(super) async fn list_roles(
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

pub(super) async fn update_role(
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

pub(super) async fn update_assume_role_policy(
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

pub(super) async fn delete_role(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, OwnerKind::Role)?;
    authorize_entity(state, caller, OwnerKind::Role, name, "DeleteRole").await?;
    state.store().delete_role(caller.account_id(), name).await?;
    Ok(Vec::new())
}

pub(super) async fn tag_role(
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

pub(super) async fn untag_role(
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

pub(super) async fn list_role_tags(
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
