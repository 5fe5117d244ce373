//! IAM groups and their members.

use super::common::{Page, authorize, path_param, path_prefix_param};
use super::entity_params::{
    find_group, find_user, group_arn, group_xml, listing, name_param, new_path_param, now,
    optional_name, token_error, user_xml,
};
use crate::{
    AppState, AwsError, Caller,
    params::Params,
    xml::{Xml, members},
};
use tessera_arn::Arn;
use tessera_store::Group;
use tessera_token::new_unique_id;

/// Runs `name` if this area (groups) serves it.
pub(super) async fn dispatch(
    state: &AppState,
    caller: &Caller,
    name: &str,
    params: &Params,
) -> Option<Result<Vec<Xml>, AwsError>> {
    Some(match name {
        "CreateGroup" => create_group(state, caller, params).await,
        "GetGroup" => get_group(state, caller, params).await,
        "ListGroups" => list_groups(state, caller, params).await,
        "UpdateGroup" => update_group(state, caller, params).await,
        "DeleteGroup" => delete_group(state, caller, params).await,
        "AddUserToGroup" => add_user_to_group(state, caller, params).await,
        "RemoveUserFromGroup" => remove_user_from_group(state, caller, params).await,
        "ListGroupsForUser" => list_groups_for_user(state, caller, params).await,
        _ => return None,
    })
}

/// `CreateGroup`.
pub(super) async fn create_group(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, "GroupName", "groupName", 128)?;
    let path = path_param(params, "Path", "path")?;
    let group = Group {
        group_id: new_unique_id("AGPA").map_err(token_error)?,
        account_id: caller.account_id().to_string(),
        name: name.to_string(),
        path,
        created_at: now(state),
    };
    authorize(state, caller, "CreateGroup", &group_arn(state, &group)).await?;
    state.store().create_group(&group).await?;
    Ok(vec![Xml::node("Group", group_xml(state, &group))])
}

/// `GetGroup`: the group and a page of its members.
pub(super) async fn get_group(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, "GroupName", "groupName", 128)?;
    let page = Page::from_params(params)?;
    let group = find_group(state, caller, "GetGroup", name).await?;
    let rows = state
        .store()
        .group_members(&group.group_id, page.after.as_deref(), page.fetch_limit())
        .await?;
    let (rows, tail) = page.finish(rows, |u| u.name.clone());
    let users = rows
        .iter()
        .map(|u| user_xml(state, u, false, None))
        .collect();
    let mut out = vec![Xml::node("Group", group_xml(state, &group))];
    out.extend(listing(members("Users", users), tail));
    Ok(out)
}

/// `ListGroups`.
pub(super) async fn list_groups(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let prefix = path_prefix_param(params)?;
    let page = Page::from_params(params)?;
    let account = caller.account_id();
    authorize(
        state,
        caller,
        "ListGroups",
        &Arn::group(state.partition(), account, &prefix, "").into_string(),
    )
    .await?;
    let rows = state
        .store()
        .list_groups(account, &prefix, page.after.as_deref(), page.fetch_limit())
        .await?;
    let (rows, tail) = page.finish(rows, |g| g.name.clone());
    let groups = rows.iter().map(|g| group_xml(state, g)).collect();
    Ok(listing(members("Groups", groups), tail))
}

/// `UpdateGroup`: `NewGroupName` and/or `NewPath`.
pub(super) async fn update_group(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, "GroupName", "groupName", 128)?;
    let new_name = optional_name(params, "NewGroupName", "newGroupName", 128)?;
    let new_path = new_path_param(params)?;
    let group = find_group(state, caller, "UpdateGroup", name).await?;
    if new_name.is_some() || new_path.is_some() {
        // A rename or move needs the permission on the new ARN as well.
        let moved = Arn::group(
            state.partition(),
            &group.account_id,
            new_path.unwrap_or(&group.path),
            new_name.unwrap_or(&group.name),
        )
        .into_string();
        authorize(state, caller, "UpdateGroup", &moved).await?;
    }
    state
        .store()
        .update_group(caller.account_id(), name, new_name, new_path)
        .await?;
    Ok(Vec::new())
}

/// `DeleteGroup`: refused while it has members or policies.
pub(super) async fn delete_group(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, "GroupName", "groupName", 128)?;
    find_group(state, caller, "DeleteGroup", name).await?;
    state
        .store()
        .delete_group(caller.account_id(), name)
        .await?;
    Ok(Vec::new())
}

/// `AddUserToGroup` (adding a member again changes nothing).
pub(super) async fn add_user_to_group(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let group = name_param(params, "GroupName", "groupName", 128)?;
    let user = name_param(params, "UserName", "userName", 128)?;
    find_group(state, caller, "AddUserToGroup", group).await?;
    state
        .store()
        .add_user_to_group(caller.account_id(), group, user, now(state))
        .await?;
    Ok(Vec::new())
}

/// `RemoveUserFromGroup` (removing a non-member changes nothing).
pub(super) async fn remove_user_from_group(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let group = name_param(params, "GroupName", "groupName", 128)?;
    let user = name_param(params, "UserName", "userName", 128)?;
    find_group(state, caller, "RemoveUserFromGroup", group).await?;
    state
        .store()
        .remove_user_from_group(caller.account_id(), group, user)
        .await?;
    Ok(Vec::new())
}

/// `ListGroupsForUser`.
pub(super) async fn list_groups_for_user(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, "UserName", "userName", 128)?;
    let page = Page::from_params(params)?;
    let user = find_user(state, caller, "ListGroupsForUser", name).await?;
    let rows = state
        .store()
        .groups_for_user(&user.user_id, page.after.as_deref(), page.fetch_limit())
        .await?;
    let (rows, tail) = page.finish(rows, |g| g.name.clone());
    let groups = rows.iter().map(|g| group_xml(state, g)).collect();
    Ok(listing(members("Groups", groups), tail))
}
