//! IAM managed policies and their versions.

use super::common::{
    Page, Target, authorize, authorize_on, encode_policy_document, iso8601, parse_policy,
    path_prefix_param, request_tag_keys, tags_param, tags_xml, validate_name,
};
use super::policy_params::{
    arn_param, bool_param, description_param, document_param, new_id, policy_path_param,
    usage_param, version_param,
};
use crate::{
    AppState, AwsError, Caller,
    params::Params,
    xml::{Xml, members},
};
use tessera_arn::Arn;
use tessera_policy::PolicyKind;
use tessera_store::{ManagedPolicy, PolicyFilter, PolicyVersion};

/// Runs `name` if this area (managed policies) serves it.
pub(super) async fn dispatch(
    state: &AppState,
    caller: &Caller,
    name: &str,
    params: &Params,
) -> Option<Result<Vec<Xml>, AwsError>> {
    let (s, c, p) = (state, caller, params);
    Some(match name {
        "CreatePolicy" => create_policy(s, c, p).await,
        "GetPolicy" => get_policy(s, c, p).await,
        "ListPolicies" => list_policies(s, c, p).await,
        "DeletePolicy" => delete_policy(s, c, p).await,
        "CreatePolicyVersion" => create_policy_version(s, c, p).await,
        "GetPolicyVersion" => get_policy_version(s, c, p).await,
        "ListPolicyVersions" => list_policy_versions(s, c, p).await,
        "DeletePolicyVersion" => delete_policy_version(s, c, p).await,
        "SetDefaultPolicyVersion" => set_default_policy_version(s, c, p).await,
        _ => return None,
    })
}

pub(super) fn policy_xml(
    policy: &ManagedPolicy,
    description: bool,
    tags: &[(String, String)],
) -> Vec<Xml> {
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

pub(super) fn version_xml(version: &PolicyVersion, document: bool) -> Vec<Xml> {
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

pub(super) fn policy_not_found(policy_arn: &str) -> AwsError {
    AwsError::no_such_entity(format!("Policy {policy_arn} was not found."))
}

/// Authorizes `action` on the managed policy `policy_arn` of the caller's
/// account, with its tags when it exists.
pub(super) async fn authorize_policy(
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

pub(super) async fn find_policy(
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

pub(super) async fn create_policy(
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

pub(super) async fn get_policy(
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

pub(super) async fn list_policies(
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

pub(super) async fn delete_policy(
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

pub(super) async fn create_policy_version(
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

pub(super) async fn get_policy_version(
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

pub(super) fn version_number(version_id: &str) -> u64 {
    version_id
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

pub(super) async fn list_policy_versions(
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

pub(super) async fn delete_policy_version(
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

pub(super) async fn set_default_policy_version(
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
