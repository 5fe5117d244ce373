//! What the IAM areas of roles, managed policies, attachments and the
//! simulator share: their parameters, and authorization on an entity.

use super::common::{authorize_on, entity_target_or_named, path_param, validate_name};
use crate::{
    AppState, AwsError, Caller,
    params::{Params, check_policy_characters},
    xml::Xml,
};
use tessera_arn::Arn;
use tessera_policy::ContextValue;
use tessera_store::{OwnerKind, PolicyUsage};

// ---------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------

/// The request member names of an entity kind: (parameter, member, max length, ARN kind).
pub(super) fn entity_param(kind: OwnerKind) -> (&'static str, &'static str, usize, &'static str) {
    match kind {
        OwnerKind::User => ("UserName", "userName", 64, "user"),
        OwnerKind::Group => ("GroupName", "groupName", 128, "group"),
        OwnerKind::Role => ("RoleName", "roleName", 64, "role"),
    }
}

/// A required, validated entity name.
pub(super) fn name_param(params: &Params, kind: OwnerKind) -> Result<&str, AwsError> {
    let (param, member, max, _) = entity_param(kind);
    let name = params.required(param, member)?;
    validate_name(member, name, max)?;
    Ok(name)
}

/// A required ARN member (20 to 2048 characters, `arn:` form).
pub(super) fn arn_param<'a>(
    params: &'a Params,
    name: &str,
    member: &str,
) -> Result<&'a str, AwsError> {
    let value = params.required(name, member)?;
    check_arn(member, value)?;
    Ok(value)
}

pub(super) fn check_arn(member: &str, value: &str) -> Result<(), AwsError> {
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
pub(super) fn description_param(params: &Params) -> Result<Option<&str>, AwsError> {
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
pub(super) fn role_description_param(params: &Params) -> Result<Option<&str>, AwsError> {
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
pub(super) fn policy_path_param(params: &Params) -> Result<String, AwsError> {
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
pub(super) fn document_param<'a>(
    params: &'a Params,
    name: &str,
    member: &str,
) -> Result<&'a str, AwsError> {
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
pub(super) fn bool_param(params: &Params, name: &str) -> Result<bool, AwsError> {
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
pub(super) fn version_param(params: &Params) -> Result<&str, AwsError> {
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
pub(super) fn usage_param(params: &Params) -> Result<Option<PolicyUsage>, AwsError> {
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

pub(super) fn new_id(prefix: &str) -> Result<String, AwsError> {
    tessera_token::new_unique_id(prefix).map_err(|error| {
        tracing::error!(%error, "unique id");
        AwsError::internal()
    })
}

pub(super) fn boundary_xml(policy_arn: &str) -> Xml {
    Xml::node(
        "PermissionsBoundary",
        vec![
            Xml::text("PermissionsBoundaryType", "PermissionsBoundaryPolicy"),
            Xml::text("PermissionsBoundaryArn", policy_arn),
        ],
    )
}

/// Authorizes `action` on the named user, group or role as stored (its
/// stored name, path, tags and boundary), or on the ARN the request names
/// when it does not exist.
pub(super) async fn authorize_entity(
    state: &AppState,
    caller: &Caller,
    kind: OwnerKind,
    name: &str,
    action: &str,
) -> Result<(), AwsError> {
    authorize_entity_with(state, caller, kind, name, action, Vec::new()).await
}

/// [`authorize_entity`] with the request's condition `keys`.
pub(super) async fn authorize_entity_with(
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

#[cfg(test)]
mod tests {
    use super::*;

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
