//! What the users, access keys, groups and inline-policy areas share:
//! their parameters, response shapes and authorized lookups.

use super::common::{
    Target, authorize, authorize_on, entity_target_or_named, iso8601, tags_xml, user_arn,
    user_target, validate_name, validate_path,
};
use crate::{
    AppState, AwsError, Caller,
    params::{Params, check_policy_characters},
    xml::Xml,
};
use tessera_arn::{Arn, ArnKind};
use tessera_policy::ContextValue;
use tessera_store::{Group, PolicyOwner, PolicyOwnerKind, User, no_such_owner};
use tessera_token::{SessionPrincipal, TokenError};

/// A required name member, validated (1 to `max` of `[\w+=,.@-]`).
pub(super) fn name_param<'a>(
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
pub(super) fn optional_name<'a>(
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
pub(super) fn new_path_param(params: &Params) -> Result<Option<&str>, AwsError> {
    let value = params.get("NewPath");
    if let Some(value) = value {
        validate_path("newPath", value)?;
    }
    Ok(value)
}

/// `AccessKeyId`: 16 to 128 word characters.
pub(super) fn access_key_id_param(params: &Params) -> Result<&str, AwsError> {
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
pub(super) fn check_length(
    member: &str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), AwsError> {
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
pub(super) fn policy_document_param(params: &Params) -> Result<&str, AwsError> {
    let document = params.required("PolicyDocument", "policyDocument")?;
    check_length("policyDocument", document, 1, 131_072)?;
    check_policy_characters("policyDocument", document)?;
    Ok(document)
}

/// A permissions boundary ARN: 20 to 2,048 characters naming a policy.
pub(super) fn boundary_param(params: &Params) -> Result<Option<String>, AwsError> {
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

pub(super) fn token_error(error: TokenError) -> AwsError {
    tracing::error!(%error, "identifier or secret generation failed");
    AwsError::internal()
}

pub(super) fn now(state: &AppState) -> i64 {
    state.now().unix_timestamp()
}

pub(super) fn group_arn(state: &AppState, group: &Group) -> String {
    Arn::group(
        state.partition(),
        &group.account_id,
        &group.path,
        &group.name,
    )
    .into_string()
}

pub(super) fn root_arn(state: &AppState, account_id: &str) -> String {
    Arn::root(state.partition(), account_id).into_string()
}

/// The `User` shape. Listings leave out the boundary and tags, as IAM's do.
pub(super) fn user_xml(
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
pub(super) fn group_xml(state: &AppState, group: &Group) -> Vec<Xml> {
    vec![
        Xml::text("Path", group.path.clone()),
        Xml::text("GroupName", group.name.clone()),
        Xml::text("GroupId", group.group_id.clone()),
        Xml::text("Arn", group_arn(state, group)),
        Xml::text("CreateDate", iso8601(group.created_at)),
    ]
}

/// `<name><member>text</member>…</name>`.
pub(super) fn text_members(name: &'static str, values: Vec<String>) -> Xml {
    Xml::node(
        name,
        values.into_iter().map(|v| Xml::text("member", v)).collect(),
    )
}

/// A list element followed by `IsTruncated` and `Marker`.
pub(super) fn listing(list: Xml, tail: Vec<Xml>) -> Vec<Xml> {
    let mut out = Vec::with_capacity(1 + tail.len());
    out.push(list);
    out.extend(tail);
    out
}

/// The user `name` of the caller's account, once `action` is authorized on
/// its ARN.
pub(super) async fn find_user(
    state: &AppState,
    caller: &Caller,
    action: &str,
    name: &str,
) -> Result<User, AwsError> {
    find_user_with(state, caller, action, name, Vec::new()).await
}

/// [`find_user`] with the request's condition `keys`.
pub(super) async fn find_user_with(
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
pub(super) async fn find_group(
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
pub(super) async fn find_owner(
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
pub(super) enum KeyOwner {
    /// The account's root user.
    Root,
    /// An IAM user.
    User(User),
}

impl KeyOwner {
    pub(super) fn user_id(&self) -> Option<&str> {
        match self {
            Self::Root => None,
            Self::User(user) => Some(&user.user_id),
        }
    }

    /// `UserName` of the key shapes; the root user's keys have none.
    pub(super) fn name_xml(&self) -> Option<Xml> {
        match self {
            Self::Root => None,
            Self::User(user) => Some(Xml::text("UserName", user.name.clone())),
        }
    }
}

/// The user named by `UserName`, or else the caller itself (the root user
/// or an IAM user), once `action` is authorized on it.
pub(super) async fn key_owner(
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
pub(super) async fn calling_user(state: &AppState, caller: &Caller) -> Result<User, AwsError> {
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

pub(super) fn non_user_credentials() -> AwsError {
    AwsError::validation("Must specify userName when calling with non-User credentials")
}
