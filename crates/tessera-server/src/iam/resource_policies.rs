//! `PutResourcePolicy`, `GetResourcePolicy` and `DeleteResourcePolicy`
//! (Tessera extensions of the IAM API): the resource-based policy of a
//! resource of a configured service (`[[authz.services]]`: an S3 bucket's
//! policy, a policy on a routes resource), which the authorizer evaluates
//! with the caller's own policies.
//!
//! Requests, signed for service `iam`:
//! * `Action=PutResourcePolicy&ResourceArn=ARN&PolicyDocument=JSON`;
//! * `Action=GetResourcePolicy&ResourceArn=ARN`, answering
//!   `<GetResourcePolicyResult><ResourceArn/><PolicyDocument/>` with the
//!   document URL-encoded, as IAM returns documents;
//! * `Action=DeleteResourcePolicy&ResourceArn=ARN`.
//!
//! Each is authorized as `iam:<Action>` on the resource ARN, in the account
//! that owns the resource (its service profile says which): only that
//! account's principals may manage its policy, since another account's
//! caller needs a resource policy to be allowed and these actions are
//! decided without one. The policy's user and role principals are bound to
//! their unique ids when it is saved, as in trust policies.

use super::bindings::{bind_principals, shown_bound_policy};
use super::common::{encode_policy_document, parse_policy};
use crate::{
    AppState, AwsError, Caller, authz,
    params::{Params, check_length, check_policy_characters},
    xml::Xml,
};
use tessera_policy::PolicyKind;
use tessera_store::ResourcePolicyRecord;

/// The largest resource policy, in bytes: S3's limit for bucket policies
/// (20 KB).
pub const MAX_RESOURCE_POLICY_BYTES: usize = 20_480;

/// Runs `name` if it is one of the resource-policy actions.
pub async fn dispatch(
    state: &AppState,
    caller: &Caller,
    name: &str,
    params: &Params,
) -> Option<Result<Vec<Xml>, AwsError>> {
    match name {
        "PutResourcePolicy" => Some(put_resource_policy(state, caller, params).await),
        "GetResourcePolicy" => Some(get_resource_policy(state, caller, params).await),
        "DeleteResourcePolicy" => Some(delete_resource_policy(state, caller, params).await),
        _ => None,
    }
}

/// `ResourceArn`: 1 to 2,048 characters.
fn resource_arn_param(params: &Params) -> Result<&str, AwsError> {
    let arn = params.required("ResourceArn", "resourceArn")?;
    check_length("resourceArn", arn, 1, 2048)?;
    Ok(arn)
}

/// Checks a resource policy document before it is read as a policy: 1 to
/// [`MAX_RESOURCE_POLICY_BYTES`] bytes of the policy character set, or
/// AWS's `ValidationError` for the `policyDocument` member.
pub fn check_resource_policy_document(document: &str) -> Result<(), AwsError> {
    const MEMBER: &str = "policyDocument";
    if document.is_empty() {
        return Err(AwsError::constraint(
            MEMBER,
            Some(document),
            "Member must have length greater than or equal to 1",
        ));
    }
    if document.len() > MAX_RESOURCE_POLICY_BYTES {
        return Err(AwsError::constraint(
            MEMBER,
            Some(document),
            &format!("Member must have length less than or equal to {MAX_RESOURCE_POLICY_BYTES}"),
        ));
    }
    check_policy_characters(MEMBER, document)
}

/// The account owning `arn`, a resource of a configured service.
///
/// An ARN no configured service owns names no resource Tessera knows. IAM
/// answers an ARN it cannot resolve to a resource at all (a
/// `PermissionsBoundary` or `PolicyArn` that names no policy) with
/// `InvalidInput` "ARN … is not valid.", and keeps `NoSuchEntity` for a
/// resource it knows that lacks what is asked; this is the former.
fn resource_owner(state: &AppState, arn: &str) -> Result<String, AwsError> {
    state
        .authz_services()
        .owner_of(arn)
        .map(str::to_string)
        .ok_or_else(|| AwsError::invalid_input(format!("ARN {arn} is not valid.")))
}

/// The `NoSuchEntity` answer for a resource without a policy.
fn no_such_policy(arn: &str) -> AwsError {
    AwsError::no_such_entity(format!(
        "The resource policy of resource {arn} cannot be found."
    ))
}

/// Checks `iam:<action>` on the resource `arn` of account `owner`.
async fn authorize(
    state: &AppState,
    caller: &Caller,
    action: &str,
    arn: &str,
    owner: &str,
) -> Result<(), AwsError> {
    authz::authorize(state, caller, &format!("iam:{action}"), arn, owner).await
}

/// Validates `document` as a resource policy, binds its principals and
/// saves it as the policy of `arn` (owned by `owner`); the cache sees it at
/// once.
async fn save(state: &AppState, arn: &str, owner: &str, document: &str) -> Result<(), AwsError> {
    let policy = parse_policy(document, PolicyKind::resource())?;
    let principal_bindings = bind_principals(state, &policy).await?;
    state
        .store()
        .put_resource_policy(&ResourcePolicyRecord {
            resource_arn: arn.to_string(),
            owner_account_id: owner.to_string(),
            document: document.to_string(),
            principal_bindings,
            updated_at: state.now().unix_timestamp(),
        })
        .await?;
    refresh_cache(state).await;
    Ok(())
}

/// Reloads the cache after a write; on failure the refresh task catches up.
async fn refresh_cache(state: &AppState) {
    if let Err(error) = state.resource_policies().refresh(state.store()).await {
        tracing::warn!(%error, "cannot reload resource policies after a write; the next refresh will");
    }
}

/// The policy of `arn` as IAM shows it (bound principals by their current
/// ARNs), or `NoSuchEntity`.
async fn shown(state: &AppState, arn: &str) -> Result<String, AwsError> {
    let record = state
        .store()
        .resource_policy(arn)
        .await?
        .ok_or_else(|| no_such_policy(arn))?;
    shown_bound_policy(state, &record.document, Some(&record.principal_bindings)).await
}

/// Deletes the policy of `arn`, or `NoSuchEntity`.
async fn delete(state: &AppState, arn: &str) -> Result<(), AwsError> {
    if !state.store().delete_resource_policy(arn).await? {
        return Err(no_such_policy(arn));
    }
    refresh_cache(state).await;
    Ok(())
}

/// Saves, as the operator, the policy of `arn` (a resource of a configured
/// service): what `tessera resource-policy put` does. No IAM authorization;
/// the document is checked and its principals bound as for
/// `PutResourcePolicy`.
pub async fn put_resource_policy_as_operator(
    state: &AppState,
    arn: &str,
    document: &str,
) -> Result<(), AwsError> {
    let owner = resource_owner(state, arn)?;
    check_resource_policy_document(document)?;
    save(state, arn, &owner, document).await
}

/// The policy of `arn`, as the operator reads it (`tessera resource-policy
/// get`): the JSON document, bound principals shown by their current ARNs;
/// `NoSuchEntity` when the resource has none.
pub async fn get_resource_policy_as_operator(
    state: &AppState,
    arn: &str,
) -> Result<String, AwsError> {
    resource_owner(state, arn)?;
    shown(state, arn).await
}

/// Deletes, as the operator, the policy of `arn` (`tessera resource-policy
/// delete`); `NoSuchEntity` when the resource has none.
pub async fn delete_resource_policy_as_operator(
    state: &AppState,
    arn: &str,
) -> Result<(), AwsError> {
    resource_owner(state, arn)?;
    delete(state, arn).await
}

async fn put_resource_policy(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let arn = resource_arn_param(params)?;
    let document = params.required("PolicyDocument", "policyDocument")?;
    check_resource_policy_document(document)?;
    let owner = resource_owner(state, arn)?;
    authorize(state, caller, "PutResourcePolicy", arn, &owner).await?;
    save(state, arn, &owner, document).await?;
    Ok(Vec::new())
}

async fn get_resource_policy(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let arn = resource_arn_param(params)?;
    let owner = resource_owner(state, arn)?;
    authorize(state, caller, "GetResourcePolicy", arn, &owner).await?;
    let document = shown(state, arn).await?;
    Ok(vec![
        Xml::text("ResourceArn", arn),
        Xml::text("PolicyDocument", encode_policy_document(&document)),
    ])
}

async fn delete_resource_policy(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let arn = resource_arn_param(params)?;
    let owner = resource_owner(state, arn)?;
    authorize(state, caller, "DeleteResourcePolicy", arn, &owner).await?;
    delete(state, arn).await?;
    Ok(Vec::new())
}
