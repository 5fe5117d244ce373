//! Inline policies of users, groups and roles.

use super::common::{Page, encode_policy_document, parse_policy};
use super::entity_params::{find_owner, listing, name_param, policy_document_param, text_members};
use crate::{AppState, AwsError, Caller, params::Params, xml::Xml};
use tessera_policy::PolicyKind;
use tessera_store::PolicyOwnerKind;

/// Runs `name` if this area (inline policies) serves it.
pub(super) async fn dispatch(
    state: &AppState,
    caller: &Caller,
    name: &str,
    params: &Params,
) -> Option<Result<Vec<Xml>, AwsError>> {
    use PolicyOwnerKind::{Group as G, Role as R, User as U};
    Some(match name {
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
    })
}

/// How an inline-policy action names its owner.
pub(super) struct OwnerParam {
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
pub(super) fn inline_names<'a>(
    params: &'a Params,
    owner: &OwnerParam,
) -> Result<(&'a str, &'a str), AwsError> {
    let owner_name = name_param(params, owner.param, owner.member, owner.max)?;
    let policy_name = name_param(params, "PolicyName", "policyName", 128)?;
    Ok((owner_name, policy_name))
}

/// `Put{User,Group,Role}Policy`: validated, stored as written.
pub(super) async fn put_inline_policy(
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
pub(super) async fn get_inline_policy(
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
pub(super) async fn delete_inline_policy(
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
pub(super) async fn list_inline_policies(
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
