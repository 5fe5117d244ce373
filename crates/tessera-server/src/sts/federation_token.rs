//! `GetFederationToken`: a custom federation broker's way to hand out
//! temporary credentials. The federated user's permissions are the calling
//! user's narrowed by the session policies passed here; with none it has no
//! permissions at all.

use super::{
    credentials,
    inputs::{check_policy_arns, packed_percent, pattern, request_tags, session_policies},
    new_claims,
};
use crate::{
    AppState, AwsError, Caller,
    authz::{Check, authorize_check, request_tag_keys},
    params::Params,
    params::check_length,
    xml::Xml,
};
use tessera_arn::Arn;
use tessera_token::SessionPrincipal;

const MAX_DURATION: i64 = 129_600;
const DEFAULT_DURATION: i64 = 43_200;
/// Root's federation tokens last at most one hour.
const MAX_ROOT_DURATION: i64 = 3_600;

/// `GetFederationToken`.
pub(super) async fn get_federation_token(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = params.required("Name", "name")?;
    check_length("name", name, 2, 32)?;
    pattern("name", name, "+=,.@-", "[\\w+=,.@-]*")?;
    let requested = params.integer("DurationSeconds", "durationSeconds", 900, MAX_DURATION)?;
    let tags = request_tags(params)?;
    let (policy, policy_arns, mut packed) = session_policies(params)?;
    packed += tags
        .iter()
        .map(|t| t.key.len() + t.value.len())
        .sum::<usize>();
    let percent = packed_percent(packed)?;

    let (caller_id, duration) = match caller {
        Caller::Root { account_id, .. } => (
            account_id.clone(),
            requested
                .unwrap_or(MAX_ROOT_DURATION)
                .min(MAX_ROOT_DURATION),
        ),
        Caller::User { user, .. } => (user.user_id.clone(), requested.unwrap_or(DEFAULT_DURATION)),
        Caller::Session(_) => {
            return Err(AwsError::access_denied(
                "Cannot call GetFederationToken with session credentials",
            ));
        }
    };
    let account = caller.account_id().to_string();
    let arn = Arn::federated_user(state.partition(), &account, name).into_string();
    let mut check = Check::new("sts:GetFederationToken", &arn, &account);
    check.keys = request_tag_keys(&tags);
    authorize_check(state, caller, &check).await?;
    if !tags.is_empty() {
        let tag_session = Check {
            action: "sts:TagSession",
            ..check.clone()
        };
        authorize_check(state, caller, &tag_session).await?;
    }
    check_policy_arns(state, &account, &policy_arns).await?;

    let principal = SessionPrincipal::FederatedUser {
        account_id: account.clone(),
        name: name.to_string(),
        caller_id,
    };
    let mut claims = new_claims(state, principal, duration)?;
    claims.session_policies = policy.into_iter().collect();
    claims.policy_arns = policy_arns;
    claims.tags = tags;

    let mut result = vec![
        credentials(state, &claims)?,
        Xml::node(
            "FederatedUser",
            vec![
                Xml::text("FederatedUserId", format!("{account}:{name}")),
                Xml::text("Arn", arn),
            ],
        ),
    ];
    if packed > 0 {
        result.push(Xml::text("PackedPolicySize", percent.to_string()));
    }
    Ok(result)
}
