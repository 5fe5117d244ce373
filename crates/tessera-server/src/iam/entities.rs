//! IAM users, their access keys and tags, groups and membership, and the
//! inline policies of users, groups and roles.
//!
//! Every action validates its input, then authorizes `iam:<Action>` on the
//! entity's ARN (an entity that does not exist is named by the ARN it would
//! have at path `/`, so that a caller without permission learns nothing of
//! it), then acts.

use super::common::{
    Page, Target, authorize, authorize_on, encode_policy_document, entity_target_or_named, iso8601,
    parse_policy, path_param, path_prefix_param, request_tag_keys, tag_keys_param, tags_param,
    tags_xml, user_arn, user_target, validate_name, validate_path,
};
use crate::{
    AppState, AwsError, Caller,
    params::{Params, check_policy_characters},
    xml::{Xml, members},
};
use tessera_arn::{Arn, ArnKind};
use tessera_policy::{ContextValue, PolicyKind};
use tessera_store::{
    AccessKeyRecord, AccessKeyStatus, Group, PolicyOwner, PolicyOwnerKind, User,
    no_such_access_key, no_such_owner,
};
use tessera_token::{
    AccessKeyKind, SessionPrincipal, TokenError, new_access_key_id, new_secret_access_key,
    new_unique_id,
};

/// Runs `name` if this area serves it.
pub async fn dispatch(
    state: &AppState,
    caller: &Caller,
    name: &str,
    params: &Params,
) -> Option<Result<Vec<Xml>, AwsError>> {
    use PolicyOwnerKind::{Group as G, Role as R, User as U};
    let result = match name {
        "CreateUser" => create_user(state, caller, params).await,
        "GetUser" => get_user(state, caller, params).await,
        "ListUsers" => list_users(state, caller, params).await,
        "UpdateUser" => update_user(state, caller, params).await,
        "DeleteUser" => delete_user(state, caller, params).await,
        "TagUser" => tag_user(state, caller, params).await,
        "UntagUser" => untag_user(state, caller, params).await,
        "ListUserTags" => list_user_tags(state, caller, params).await,
        "CreateAccessKey" => create_access_key(state, caller, params).await,
        "ListAccessKeys" => list_access_keys(state, caller, params).await,
        "UpdateAccessKey" => update_access_key(state, caller, params).await,
        "DeleteAccessKey" => delete_access_key(state, caller, params).await,
        "GetAccessKeyLastUsed" => get_access_key_last_used(state, caller, params).await,
        "CreateGroup" => create_group(state, caller, params).await,
        "GetGroup" => get_group(state, caller, params).await,
        "ListGroups" => list_groups(state, caller, params).await,
        "UpdateGroup" => update_group(state, caller, params).await,
        "DeleteGroup" => delete_group(state, caller, params).await,
        "AddUserToGroup" => add_user_to_group(state, caller, params).await,
        "RemoveUserFromGroup" => remove_user_from_group(state, caller, params).await,
        "ListGroupsForUser" => list_groups_for_user(state, caller, params).await,
        "PutUserPolicy" => put_inline_policy(state, caller, params, U).await,
        "PutGroupPolicy" => put_inline_policy(state, caller, params, G).await,
        "PutRolePolicy" => put_inline_policy(state, caller, params, R).await,
        "GetUserPolicy" => get_inline_policy(state, caller, params, U).await,
        "GetGroupPolicy" => get_inline_policy(state, caller, params, G).await,
        "GetRolePolicy" => get_inline_policy(state, caller, params, R).await,
        "DeleteUserPolicy" => delete_inline_policy(state, caller, params, U).await,
        "DeleteGroupPolicy" => delete_inline_policy(state, caller, params, G).await,
        "DeleteRolePolicy" => delete_inline_policy(state, caller, params, R).await,
        "ListUserPolicies" => list_inline_policies(state, caller, params, U).await,
        "ListGroupPolicies" => list_inline_policies(state, caller, params, G).await,
        "ListRolePolicies" => list_inline_policies(state, caller, params, R).await,
        _ => return None,
    };
    Some(result)
}

// ---------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------

/// A required name member, validated (1 to `max` of `[\w+=,.@-]`).
fn name_param<'a>(
    params: &'a Params,
    name: &str,
    member: &str,
    max: usize,
) -> Result<&'a str, AwsError> {
    let value = params.required(name, member)?;
    validate_name(member, value, max)?;
    Ok(value)
}

/// An optional name member, validated.
fn optional_name<'a>(
    params: &'a Params,
    name: &str,
    member: &str,
    max: usize,
) -> Result<Option<&'a str>, AwsError> {
    let value = params.get(name);
    if let Some(value) = value {
        validate_name(member, value, max)?;
    }
    Ok(value)
}

/// An optional `NewPath`, validated.
fn new_path_param(params: &Params) -> Result<Option<&str>, AwsError> {
    let value = params.get("NewPath");
    if let Some(value) = value {
        validate_path("newPath", value)?;
    }
    Ok(value)
}

/// `AccessKeyId`: 16 to 128 word characters.
fn access_key_id_param(params: &Params) -> Result<&str, AwsError> {
    let value = params.required("AccessKeyId", "accessKeyId")?;
    check_length("accessKeyId", value, 16, 128)?;
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(AwsError::constraint(
            "accessKeyId",
            Some(value),
            "Member must satisfy regular expression pattern: [\\w]+",
        ));
    }
    Ok(value)
}

/// `Ok` when `value` has `min..=max` characters, else AWS's constraint
/// error for the bound it breaks.
fn check_length(member: &str, value: &str, min: usize, max: usize) -> Result<(), AwsError> {
    let length = value.chars().count();
    let constraint = if length < min {
        format!("Member must have length greater than or equal to {min}")
    } else if length > max {
        format!("Member must have length less than or equal to {max}")
    } else {
        return Ok(());
    };
    Err(AwsError::constraint(member, Some(value), &constraint))
}

/// `PolicyDocument`: 1 to 131,072 characters of the policy character set.
fn policy_document_param(params: &Params) -> Result<&str, AwsError> {
    let document = params.required("PolicyDocument", "policyDocument")?;
    check_length("policyDocument", document, 1, 131_072)?;
    check_policy_characters("policyDocument", document)?;
    Ok(document)
}

/// A permissions boundary ARN: 20 to 2,048 characters naming a policy.
fn boundary_param(params: &Params) -> Result<Option<String>, AwsError> {
    let Some(value) = params.get("PermissionsBoundary") else {
        return Ok(None);
    };
    check_length("permissionsBoundary", value, 20, 2048)?;
    let valid = Arn::parse(value)
        .is_ok_and(|arn| arn.kind() == ArnKind::Policy && arn.resource().len() > "policy/".len());
    if !valid {
        return Err(AwsError::invalid_input(format!(
            "ARN {value} is not valid."
        )));
    }
    Ok(Some(value.to_string()))
}

fn token_error(error: TokenError) -> AwsError {
    tracing::error!(%error, "identifier or secret generation failed");
    AwsError::internal()
}

fn now(state: &AppState) -> i64 {
    state.now().unix_timestamp()
}

// ---------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------

fn group_arn(state: &AppState, group: &Group) -> String {
    Arn::group(
        state.partition(),
        &group.account_id,
        &group.path,
        &group.name,
    )
    .into_string()
}

fn root_arn(state: &AppState, account_id: &str) -> String {
    Arn::root(state.partition(), account_id).into_string()
}

/// The `User` shape. Listings leave out the boundary and tags, as IAM's do.
fn user_xml(
    state: &AppState,
    user: &User,
    boundary: bool,
    tags: Option<&[(String, String)]>,
) -> Vec<Xml> {
    let mut fields = vec![
        Xml::text("Path", user.path.clone()),
        Xml::text("UserName", user.name.clone()),
        Xml::text("UserId", user.user_id.clone()),
        Xml::text("Arn", user_arn(state, user)),
        Xml::text("CreateDate", iso8601(user.created_at)),
    ];
    if boundary && let Some(policy) = &user.permissions_boundary {
        fields.push(Xml::node(
            "PermissionsBoundary",
            vec![
                Xml::text("PermissionsBoundaryType", "PermissionsBoundaryPolicy"),
                Xml::text("PermissionsBoundaryArn", policy.clone()),
            ],
        ));
    }
    if let Some(tags) = tags.filter(|t| !t.is_empty()) {
        fields.push(tags_xml(tags));
    }
    fields
}

/// The `Group` shape.
fn group_xml(state: &AppState, group: &Group) -> Vec<Xml> {
    vec![
        Xml::text("Path", group.path.clone()),
        Xml::text("GroupName", group.name.clone()),
        Xml::text("GroupId", group.group_id.clone()),
        Xml::text("Arn", group_arn(state, group)),
        Xml::text("CreateDate", iso8601(group.created_at)),
    ]
}

/// `<name><member>text</member>…</name>`.
fn text_members(name: &'static str, values: Vec<String>) -> Xml {
    Xml::node(
        name,
        values.into_iter().map(|v| Xml::text("member", v)).collect(),
    )
}

/// A list element followed by `IsTruncated` and `Marker`.
fn listing(list: Xml, tail: Vec<Xml>) -> Vec<Xml> {
    let mut out = Vec::with_capacity(1 + tail.len());
    out.push(list);
    out.extend(tail);
    out
}

// ---------------------------------------------------------------------------
// Lookups with authorization
// ---------------------------------------------------------------------------

/// The user `name` of the caller's account, once `action` is authorized on
/// its ARN.
async fn find_user(
    state: &AppState,
    caller: &Caller,
    action: &str,
    name: &str,
) -> Result<User, AwsError> {
    find_user_with(state, caller, action, name, Vec::new()).await
}

/// [`find_user`] with the request's condition `keys`.
async fn find_user_with(
    state: &AppState,
    caller: &Caller,
    action: &str,
    name: &str,
    keys: Vec<(String, ContextValue)>,
) -> Result<User, AwsError> {
    let account = caller.account_id();
    let user = state.store().user_by_name(account, name).await?;
    let target = match &user {
        Some(user) => user_target(state, user).await?,
        None => Target::named(Arn::user(state.partition(), account, "/", name).into_string()),
    };
    authorize_on(state, caller, action, &target, keys).await?;
    user.ok_or_else(|| no_such_owner(PolicyOwnerKind::User, name).into())
}

/// The group `name` of the caller's account, once `action` is authorized.
async fn find_group(
    state: &AppState,
    caller: &Caller,
    action: &str,
    name: &str,
) -> Result<Group, AwsError> {
    let account = caller.account_id();
    let group = state.store().group_by_name(account, name).await?;
    let resource = match &group {
        Some(group) => group_arn(state, group),
        None => Arn::group(state.partition(), account, "/", name).into_string(),
    };
    authorize(state, caller, action, &resource).await?;
    group.ok_or_else(|| no_such_owner(PolicyOwnerKind::Group, name).into())
}

/// The user, group or role `name`, once `action` is authorized on it as
/// stored.
async fn find_owner(
    state: &AppState,
    caller: &Caller,
    action: &str,
    kind: PolicyOwnerKind,
    name: &str,
) -> Result<PolicyOwner, AwsError> {
    let account = caller.account_id();
    let owner = state.store().policy_owner(account, kind, name).await?;
    let target = entity_target_or_named(state, account, kind.noun(), name).await?;
    authorize_on(state, caller, action, &target, Vec::new()).await?;
    owner.ok_or_else(|| no_such_owner(kind, name).into())
}

/// Whose access keys an action is about.
enum KeyOwner {
    /// The account's root user.
    Root,
    /// An IAM user.
    User(User),
}

impl KeyOwner {
    fn user_id(&self) -> Option<&str> {
        match self {
            Self::Root => None,
            Self::User(user) => Some(&user.user_id),
        }
    }

    /// `UserName` of the key shapes; the root user's keys have none.
    fn name_xml(&self) -> Option<Xml> {
        match self {
            Self::Root => None,
            Self::User(user) => Some(Xml::text("UserName", user.name.clone())),
        }
    }
}

/// The user named by `UserName`, or else the caller itself (the root user
/// or an IAM user), once `action` is authorized on it.
async fn key_owner(
    state: &AppState,
    caller: &Caller,
    action: &str,
    params: &Params,
) -> Result<KeyOwner, AwsError> {
    if let Some(name) = optional_name(params, "UserName", "userName", 128)? {
        return Ok(KeyOwner::User(
            find_user(state, caller, action, name).await?,
        ));
    }
    let account = caller.account_id();
    if caller.is_root_of(account) {
        authorize(state, caller, action, &root_arn(state, account)).await?;
        return Ok(KeyOwner::Root);
    }
    let user = calling_user(state, caller).await?;
    authorize_on(
        state,
        caller,
        action,
        &user_target(state, &user).await?,
        Vec::new(),
    )
    .await?;
    Ok(KeyOwner::User(user))
}

/// The IAM user behind a caller that is one (its key or its session).
async fn calling_user(state: &AppState, caller: &Caller) -> Result<User, AwsError> {
    let user_id = match caller {
        Caller::User { user, .. } => &user.user_id,
        Caller::Session(claims) => match &claims.principal {
            SessionPrincipal::User { user_id, .. } => user_id,
            _ => return Err(non_user_credentials()),
        },
        Caller::Root { .. } => return Err(non_user_credentials()),
    };
    state
        .store()
        .user_by_id(user_id)
        .await?
        .ok_or_else(|| AwsError::no_such_entity("The user of these credentials no longer exists."))
}

fn non_user_credentials() -> AwsError {
    AwsError::validation("Must specify userName when calling with non-User credentials")
}

// ---------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------

/// `CreateUser`.
async fn create_user(
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
async fn get_user(
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
async fn list_users(
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
async fn update_user(
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
async fn delete_user(
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
async fn tag_user(
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
async fn untag_user(
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
async fn list_user_tags(
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

// ---------------------------------------------------------------------------
// Access keys
// ---------------------------------------------------------------------------

/// `CreateAccessKey`: the only response that ever holds the secret.
async fn create_access_key(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let owner = key_owner(state, caller, "CreateAccessKey", params).await?;
    let account = caller.account_id();
    let access_key_id = new_access_key_id(AccessKeyKind::LongTerm, account).map_err(token_error)?;
    let secret = new_secret_access_key().map_err(token_error)?;
    let sealed_secret = state
        .keys()
        .seal_stored_secret(&access_key_id, &secret)
        .map_err(token_error)?;
    let record = AccessKeyRecord {
        access_key_id,
        account_id: account.to_string(),
        user_id: owner.user_id().map(str::to_string),
        sealed_secret,
        status: AccessKeyStatus::Active,
        created_at: now(state),
        last_used: None,
    };
    state.store().create_access_key(&record).await?;
    let mut fields: Vec<Xml> = owner.name_xml().into_iter().collect();
    fields.extend([
        Xml::text("AccessKeyId", record.access_key_id.clone()),
        Xml::text("Status", record.status.as_str()),
        Xml::text("SecretAccessKey", secret),
        Xml::text("CreateDate", iso8601(record.created_at)),
    ]);
    Ok(vec![Xml::node("AccessKey", fields)])
}

/// `ListAccessKeys`.
async fn list_access_keys(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let page = Page::from_params(params)?;
    let owner = key_owner(state, caller, "ListAccessKeys", params).await?;
    let rows = state
        .store()
        .access_keys_of(
            caller.account_id(),
            owner.user_id(),
            page.after.as_deref(),
            page.fetch_limit(),
        )
        .await?;
    let (rows, tail) = page.finish(rows, |k| k.access_key_id.clone());
    let keys = rows
        .iter()
        .map(|key| {
            let mut fields: Vec<Xml> = owner.name_xml().into_iter().collect();
            fields.extend([
                Xml::text("AccessKeyId", key.access_key_id.clone()),
                Xml::text("Status", key.status.as_str()),
                Xml::text("CreateDate", iso8601(key.created_at)),
            ]);
            fields
        })
        .collect();
    Ok(listing(members("AccessKeyMetadata", keys), tail))
}

/// `Status`: `Active` or `Inactive` (`Expired` is IAM's own to set).
fn status_param(params: &Params) -> Result<AccessKeyStatus, AwsError> {
    let value = params.required("Status", "status")?;
    match value {
        "Expired" => Err(AwsError::invalid_input(
            "The status of an access key can only be set to Active or Inactive.",
        )),
        other => AccessKeyStatus::parse(other).ok_or_else(|| {
            AwsError::constraint(
                "status",
                Some(other),
                "Member must satisfy enum value set: [Active, Inactive, Expired]",
            )
        }),
    }
}

/// `UpdateAccessKey`: an inactive key fails authentication.
async fn update_access_key(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let access_key_id = access_key_id_param(params)?;
    let status = status_param(params)?;
    let owner = key_owner(state, caller, "UpdateAccessKey", params).await?;
    state
        .store()
        .set_access_key_status(caller.account_id(), owner.user_id(), access_key_id, status)
        .await?;
    Ok(Vec::new())
}

/// `DeleteAccessKey`.
async fn delete_access_key(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let access_key_id = access_key_id_param(params)?;
    let owner = key_owner(state, caller, "DeleteAccessKey", params).await?;
    state
        .store()
        .delete_access_key(caller.account_id(), owner.user_id(), access_key_id)
        .await?;
    Ok(Vec::new())
}

/// `GetAccessKeyLastUsed`: `N/A` service and region for a key never used.
async fn get_access_key_last_used(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let access_key_id = access_key_id_param(params)?;
    let account = caller.account_id();
    let key = state
        .store()
        .access_key(access_key_id)
        .await?
        .filter(|k| k.account_id == account);
    let owner = match key.as_ref().and_then(|k| k.user_id.as_deref()) {
        Some(user_id) => state.store().user_by_id(user_id).await?,
        None => None,
    };
    let target = match (&key, &owner) {
        (Some(_), Some(user)) => user_target(state, user).await?,
        (Some(_), None) => Target::named(root_arn(state, account)),
        (None, _) => Target::named(Arn::user(state.partition(), account, "/", "").into_string()),
    };
    authorize_on(state, caller, "GetAccessKeyLastUsed", &target, Vec::new()).await?;
    let key = key.ok_or_else(|| AwsError::from(no_such_access_key(access_key_id)))?;
    let last_used = match &key.last_used {
        Some((at, service, region)) => vec![
            Xml::text("LastUsedDate", iso8601(*at)),
            Xml::text("ServiceName", service.clone()),
            Xml::text("Region", region.clone()),
        ],
        None => vec![Xml::text("ServiceName", "N/A"), Xml::text("Region", "N/A")],
    };
    let mut out: Vec<Xml> = owner
        .map(|user| Xml::text("UserName", user.name))
        .into_iter()
        .collect();
    out.push(Xml::node("AccessKeyLastUsed", last_used));
    Ok(out)
}

// ---------------------------------------------------------------------------
// Groups
// ---------------------------------------------------------------------------

/// `CreateGroup`.
async fn create_group(
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
async fn get_group(
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
async fn list_groups(
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
async fn update_group(
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
async fn delete_group(
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
async fn add_user_to_group(
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
async fn remove_user_from_group(
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
async fn list_groups_for_user(
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

// ---------------------------------------------------------------------------
// Inline policies
// ---------------------------------------------------------------------------

/// How an inline-policy action names its owner.
struct OwnerParam {
    /// `User`, `Group` or `Role` in the action's name.
    kind: PolicyOwnerKind,
    /// The parameter and result member (`UserName`, …).
    param: &'static str,
    /// The member in validation messages (`userName`, …).
    member: &'static str,
    /// The longest name accepted.
    max: usize,
}

impl OwnerParam {
    fn of(kind: PolicyOwnerKind) -> Self {
        match kind {
            PolicyOwnerKind::User => Self {
                kind,
                param: "UserName",
                member: "userName",
                max: 128,
            },
            PolicyOwnerKind::Group => Self {
                kind,
                param: "GroupName",
                member: "groupName",
                max: 128,
            },
            PolicyOwnerKind::Role => Self {
                kind,
                param: "RoleName",
                member: "roleName",
                max: 64,
            },
        }
    }

    /// `{verb}UserPolicy`, `{verb}GroupPolicy`, … (`ListUserPolicies`, …).
    fn action(&self, verb: &str) -> String {
        let suffix = if verb == "List" { "Policies" } else { "Policy" };
        format!("{verb}{}{suffix}", self.kind.as_str())
    }

    /// IAM's quota on all inline policies of one owner, in characters.
    fn total_size(&self) -> usize {
        match self.kind {
            PolicyOwnerKind::User => 2_048,
            PolicyOwnerKind::Group => 5_120,
            PolicyOwnerKind::Role => 10_240,
        }
    }

    fn policy_kind(&self) -> PolicyKind {
        match self.kind {
            PolicyOwnerKind::User => PolicyKind::inline_user(),
            PolicyOwnerKind::Group => PolicyKind::inline_group(),
            PolicyOwnerKind::Role => PolicyKind::inline_role(),
        }
    }
}

/// The owner name and policy name of an inline-policy action.
fn inline_names<'a>(
    params: &'a Params,
    owner: &OwnerParam,
) -> Result<(&'a str, &'a str), AwsError> {
    let owner_name = name_param(params, owner.param, owner.member, owner.max)?;
    let policy_name = name_param(params, "PolicyName", "policyName", 128)?;
    Ok((owner_name, policy_name))
}

/// `Put{User,Group,Role}Policy`: validated, stored as written.
async fn put_inline_policy(
    state: &AppState,
    caller: &Caller,
    params: &Params,
    kind: PolicyOwnerKind,
) -> Result<Vec<Xml>, AwsError> {
    let owner = OwnerParam::of(kind);
    let (owner_name, policy_name) = inline_names(params, &owner)?;
    let document = policy_document_param(params)?;
    let action = owner.action("Put");
    find_owner(state, caller, &action, kind, owner_name).await?;
    parse_policy(document, owner.policy_kind())?;
    state
        .store()
        .put_inline_policy(
            caller.account_id(),
            kind,
            owner_name,
            policy_name,
            document,
            owner.total_size(),
        )
        .await?;
    Ok(Vec::new())
}

/// `Get{User,Group,Role}Policy`: the document URL-encoded, as IAM returns it.
async fn get_inline_policy(
    state: &AppState,
    caller: &Caller,
    params: &Params,
    kind: PolicyOwnerKind,
) -> Result<Vec<Xml>, AwsError> {
    let owner = OwnerParam::of(kind);
    let (owner_name, policy_name) = inline_names(params, &owner)?;
    let action = owner.action("Get");
    find_owner(state, caller, &action, kind, owner_name).await?;
    let policy = state
        .store()
        .inline_policy(caller.account_id(), kind, owner_name, policy_name)
        .await?;
    Ok(vec![
        Xml::text(owner.param, policy.owner_name),
        Xml::text("PolicyName", policy.name),
        Xml::text("PolicyDocument", encode_policy_document(&policy.document)),
    ])
}

/// `Delete{User,Group,Role}Policy`.
async fn delete_inline_policy(
    state: &AppState,
    caller: &Caller,
    params: &Params,
    kind: PolicyOwnerKind,
) -> Result<Vec<Xml>, AwsError> {
    let owner = OwnerParam::of(kind);
    let (owner_name, policy_name) = inline_names(params, &owner)?;
    let action = owner.action("Delete");
    find_owner(state, caller, &action, kind, owner_name).await?;
    state
        .store()
        .delete_inline_policy(caller.account_id(), kind, owner_name, policy_name)
        .await?;
    Ok(Vec::new())
}

/// `List{User,Group,Role}Policies`: the names, in order.
async fn list_inline_policies(
    state: &AppState,
    caller: &Caller,
    params: &Params,
    kind: PolicyOwnerKind,
) -> Result<Vec<Xml>, AwsError> {
    let owner = OwnerParam::of(kind);
    let owner_name = name_param(params, owner.param, owner.member, owner.max)?;
    let page = Page::from_params(params)?;
    let action = owner.action("List");
    find_owner(state, caller, &action, kind, owner_name).await?;
    let names = state
        .store()
        .inline_policy_names(
            caller.account_id(),
            kind,
            owner_name,
            page.after.as_deref(),
            page.fetch_limit(),
        )
        .await?;
    let (names, tail) = page.finish(names, String::clone);
    Ok(listing(text_members("PolicyNames", names), tail))
}
