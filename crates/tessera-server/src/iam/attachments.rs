//! Managed-policy attachments to users, groups and roles, and permissions
//! boundaries.

use super::common::{Page, path_prefix_param};
use super::policy_params::{
    arn_param, authorize_entity, authorize_entity_with, name_param, usage_param,
};
use crate::{
    AppState, AwsError, Caller,
    params::Params,
    xml::{Xml, members},
};
use tessera_store::{OwnerKind, PolicyUsage};

use super::managed_policies::{authorize_policy, find_policy};

/// Runs `name` if this area (attachments and boundaries) serves it.
pub(super) async fn dispatch(
    state: &AppState,
    caller: &Caller,
    name: &str,
    params: &Params,
) -> Option<Result<Vec<Xml>, AwsError>> {
    let (s, c, p) = (state, caller, params);
    Some(match name {
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
        _ => return None,
    })
}

pub(super) fn action_name(verb: &str, kind: OwnerKind, noun: &str) -> String {
    format!("{verb}{}{noun}", kind.as_str())
}

pub(super) async fn attach(
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

pub(super) async fn detach(
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

pub(super) async fn list_attached(
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

pub(super) async fn list_entities_for_policy(
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
            .entities_for_policy(&tessera_store::EntitiesForPolicy {
                account_id: caller.account_id(),
                arn: policy_arn,
                usage,
                kind,
                path_prefix: &prefix,
                after: page.after.as_deref(),
                limit: page.fetch_limit(),
            })
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

pub(super) async fn put_boundary(
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

pub(super) async fn delete_boundary(
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
