//! IAM users: create, read, list, update, delete, tags.

use super::common::{
    Page, Target, authorize, authorize_on, iso8601, path_param, path_prefix_param,
    request_tag_keys, tag_keys_param, tags_param, tags_xml, user_arn, user_target,
};
use super::entity_params::{
    boundary_param, calling_user, find_user, find_user_with, listing, name_param, new_path_param,
    now, optional_name, root_arn, token_error, user_xml,
};
use crate::{
    AppState, AwsError, Caller,
    params::Params,
    xml::{Xml, members},
};
use tessera_arn::Arn;
use tessera_store::User;
use tessera_token::new_unique_id;

/// Runs `name` if this area (users) serves it.
pub(super) async fn dispatch(
    state: &AppState,
    caller: &Caller,
    name: &str,
    params: &Params,
) -> Option<Result<Vec<Xml>, AwsError>> {
    Some(match name {
        "CreateUser" => create_user(state, caller, params).await,
        "GetUser" => get_user(state, caller, params).await,
        "ListUsers" => list_users(state, caller, params).await,
        "UpdateUser" => update_user(state, caller, params).await,
        "DeleteUser" => delete_user(state, caller, params).await,
        "TagUser" => tag_user(state, caller, params).await,
        "UntagUser" => untag_user(state, caller, params).await,
        "ListUserTags" => list_user_tags(state, caller, params).await,
        _ => return None,
    })
}

/// `CreateUser`.
pub(super) async fn create_user(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, "UserName", "userName", 64)?;
    let path = path_param(params, "Path", "path")?;
    let boundary = boundary_param(params)?;
    let tags = tags_param(params)?;
    let user = User {
        user_id: new_unique_id("AIDA").map_err(token_error)?,
        account_id: caller.account_id().to_string(),
        name: name.to_string(),
        path,
        permissions_boundary: boundary,
        created_at: now(state),
    };
    let mut keys = request_tag_keys(&tags);
    if let Some(boundary) = &user.permissions_boundary {
        keys.push(("iam:PermissionsBoundary".into(), boundary.clone().into()));
    }
    authorize_on(
        state,
        caller,
        "CreateUser",
        &Target::named(user_arn(state, &user)),
        keys,
    )
    .await?;
    state.store().create_user(&user, &tags).await?;
    Ok(vec![Xml::node(
        "User",
        user_xml(state, &user, true, Some(&tags)),
    )])
}

/// `GetUser`: the named user, or the caller (the root user's own shape has
/// only `UserId`, `Arn` and `CreateDate`, as in IAM).
pub(super) async fn get_user(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let user = match optional_name(params, "UserName", "userName", 128)? {
        Some(name) => find_user(state, caller, "GetUser", name).await?,
        None => {
            let account = caller.account_id();
            if caller.is_root_of(account) {
                let root = root_arn(state, account);
                authorize(state, caller, "GetUser", &root).await?;
                let created = state
                    .store()
                    .account(account)
                    .await?
                    .map(|a| a.created_at)
                    .unwrap_or_default();
                return Ok(vec![Xml::node(
                    "User",
                    vec![
                        Xml::text("UserId", account),
                        Xml::text("Arn", root),
                        Xml::text("CreateDate", iso8601(created)),
                    ],
                )]);
            }
            let user = calling_user(state, caller).await?;
            authorize_on(
                state,
                caller,
                "GetUser",
                &user_target(state, &user).await?,
                Vec::new(),
            )
            .await?;
            user
        }
    };
    let tags = state
        .store()
        .user_tags(&user.user_id, None, tessera_store::TAGS_PER_ENTITY)
        .await?;
    Ok(vec![Xml::node(
        "User",
        user_xml(state, &user, true, Some(&tags)),
    )])
}

/// `ListUsers`.
pub(super) async fn list_users(
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
        "ListUsers",
        &Arn::user(state.partition(), account, &prefix, "").into_string(),
    )
    .await?;
    let rows = state
        .store()
        .list_users(account, &prefix, page.after.as_deref(), page.fetch_limit())
        .await?;
    let (rows, tail) = page.finish(rows, |u| u.name.clone());
    let users = rows
        .iter()
        .map(|u| user_xml(state, u, false, None))
        .collect();
    Ok(listing(members("Users", users), tail))
}

/// `UpdateUser`: `NewUserName` and/or `NewPath`.
pub(super) async fn update_user(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, "UserName", "userName", 128)?;
    let new_name = optional_name(params, "NewUserName", "newUserName", 64)?;
    let new_path = new_path_param(params)?;
    let user = find_user(state, caller, "UpdateUser", name).await?;
    if new_name.is_some() || new_path.is_some() {
        // A rename or move needs the permission on the new ARN as well.
        let renamed = User {
            name: new_name.unwrap_or(&user.name).to_string(),
            path: new_path.unwrap_or(&user.path).to_string(),
            ..user.clone()
        };
        authorize(state, caller, "UpdateUser", &user_arn(state, &renamed)).await?;
    }
    state
        .store()
        .update_user(caller.account_id(), name, new_name, new_path)
        .await?;
    Ok(Vec::new())
}

/// `DeleteUser`: refused while the user has keys, policies, groups or an
/// MFA device.
pub(super) async fn delete_user(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, "UserName", "userName", 128)?;
    find_user(state, caller, "DeleteUser", name).await?;
    state.store().delete_user(caller.account_id(), name).await?;
    Ok(Vec::new())
}

/// `TagUser`.
pub(super) async fn tag_user(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, "UserName", "userName", 128)?;
    let tags = tags_param(params)?;
    if tags.is_empty() {
        return Err(AwsError::constraint(
            "tags",
            None,
            "Member must not be null",
        ));
    }
    find_user_with(state, caller, "TagUser", name, request_tag_keys(&tags)).await?;
    state
        .store()
        .tag_user(caller.account_id(), name, &tags)
        .await?;
    Ok(Vec::new())
}

/// `UntagUser`.
pub(super) async fn untag_user(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, "UserName", "userName", 128)?;
    let keys = tag_keys_param(params)?;
    find_user_with(
        state,
        caller,
        "UntagUser",
        name,
        vec![("aws:TagKeys".into(), keys.clone().into())],
    )
    .await?;
    state
        .store()
        .untag_user(caller.account_id(), name, &keys)
        .await?;
    Ok(Vec::new())
}

/// `ListUserTags`.
pub(super) async fn list_user_tags(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = name_param(params, "UserName", "userName", 128)?;
    let page = Page::from_params(params)?;
    let user = find_user(state, caller, "ListUserTags", name).await?;
    let rows = state
        .store()
        .user_tags(&user.user_id, page.after.as_deref(), page.fetch_limit())
        .await?;
    let (rows, tail) = page.finish(rows, |(k, _)| k.clone());
    Ok(listing(tags_xml(&rows), tail))
}
