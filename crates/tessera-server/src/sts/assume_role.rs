//! `AssumeRole`: temporary credentials for a role, after the caller's
//! identity policies and the role's trust policy both allow it (one of them
//! suffices in the same account, as AWS decides), with session policies,
//! session tags, source identity and role chaining as AWS defines them.

use super::{
    credentials,
    inputs::{
        check_policy_arns, invalid_tag, packed_percent, pattern, request_tags, role_arn_param,
        session_name_param, session_policies, trust_actions, verify_mfa,
    },
    new_claims,
};
use crate::{
    AppState, AwsError, Caller,
    authz::{Check, authorize_check, request_tag_keys},
    params::Params,
    params::check_length,
    xml::Xml,
};
use tessera_arn::{Arn, ArnKind};
use tessera_policy::ContextValue;
use tessera_store::AssumableRole;
use tessera_token::{SessionClaims, SessionPrincipal};

/// The trust policy an unknown role is checked with: it trusts nobody.
const TRUSTS_NOBODY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}"#;

/// A role session assuming another role lives at most one hour.
const CHAINED_MAX: i64 = 3_600;
const DEFAULT_DURATION: i64 = 3_600;

/// The account, path and name of a role ARN `arn:P:iam::ACCT:role/PATH/NAME`.
pub(super) fn parse_role_arn(partition: &str, arn: &str) -> Option<(String, String, String)> {
    let arn = Arn::parse(arn).ok()?;
    let account = arn.account();
    if arn.partition() != partition
        || !arn.region().is_empty()
        || arn.kind() != ArnKind::Role
        || account.len() != 12
        || !account.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let (path, name) = (arn.path()?, arn.name()?);
    (!name.is_empty()).then(|| (account.to_string(), path.to_string(), name.to_string()))
}

/// The length of a session of `role`: `requested`, which may not exceed the
/// role's `MaxSessionDuration`, or one hour.
pub(super) fn role_session_duration(
    role: &AssumableRole,
    requested: Option<i64>,
) -> Result<i64, AwsError> {
    match requested {
        Some(d) if d > role.max_session_duration => Err(AwsError::validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        )),
        Some(d) => Ok(d),
        None => Ok(DEFAULT_DURATION),
    }
}

/// New claims for a session of `role` named `session_name`, valid
/// `duration` seconds; the caller fills in the rest.
pub(super) fn role_session_claims(
    state: &AppState,
    role: &AssumableRole,
    session_name: &str,
    duration: i64,
) -> Result<SessionClaims, AwsError> {
    let principal = SessionPrincipal::AssumedRole {
        account_id: role.account_id.clone(),
        role_id: role.role_id.clone(),
        role_name: role.name.clone(),
        role_path: role.path.clone(),
        session_name: session_name.to_string(),
    };
    new_claims(state, principal, duration)
}

/// The ARN of `role` as stored.
pub(super) fn role_arn_of(state: &AppState, role: &AssumableRole) -> String {
    Arn::role(state.partition(), &role.account_id, &role.path, &role.name).into_string()
}

/// `<AssumedRoleUser>` for a session of `role` named `session_name`.
pub(super) fn assumed_role_user(state: &AppState, role: &AssumableRole, session_name: &str) -> Xml {
    let arn = Arn::assumed_role(
        state.partition(),
        &role.account_id,
        &role.name,
        session_name,
    );
    Xml::node(
        "AssumedRoleUser",
        vec![
            Xml::text("AssumedRoleId", format!("{}:{session_name}", role.role_id)),
            Xml::text("Arn", arn.into_string()),
        ],
    )
}

/// [`parse_role_arn`] in the server's partition, or the `ValidationError`
/// for an ARN that names no role.
pub(super) fn role_arn_parts(
    state: &AppState,
    role_arn: &str,
) -> Result<(String, String, String), AwsError> {
    parse_role_arn(state.partition(), role_arn)
        .ok_or_else(|| AwsError::validation(format!("{role_arn} is not a valid role ARN")))
}

/// `AssumeRole`'s parameters, validated in the order AWS checks them.
struct AssumeRoleInput<'a> {
    role_arn: &'a str,
    session_name: &'a str,
    requested: Option<i64>,
    external_id: Option<&'a str>,
    source_identity: Option<&'a str>,
    /// The tags the request sets.
    requested_tags: Vec<tessera_token::SessionTag>,
    /// The transitive tag keys the request names.
    transitive: Vec<String>,
    policy: Option<String>,
    policy_arns: Vec<String>,
    /// The packed size of the session policies so far.
    packed: usize,
}

impl<'a> AssumeRoleInput<'a> {
    fn read(params: &'a Params) -> Result<Self, AwsError> {
        let role_arn = role_arn_param(params)?;
        let session_name = session_name_param(params)?;
        let requested = params.integer("DurationSeconds", "durationSeconds", 900, 43_200)?;
        let external_id = params.get("ExternalId");
        if let Some(id) = external_id {
            check_length("externalId", id, 2, 1224)?;
            pattern("externalId", id, "+=,.@:/-", "[\\w+=,.@:\\/-]*")?;
        }
        let source_identity = params.get("SourceIdentity");
        if let Some(id) = source_identity {
            check_length("sourceIdentity", id, 2, 64)?;
            pattern("sourceIdentity", id, "+=,.@-", "[\\w+=,.@-]*")?;
            if id.to_ascii_lowercase().starts_with("aws:") {
                return Err(AwsError::validation(
                    "SourceIdentity cannot start with the reserved prefix 'aws:'.",
                ));
            }
        }
        let requested_tags = request_tags(params)?;
        let transitive: Vec<String> = params
            .list("TransitiveTagKeys")
            .into_iter()
            .map(str::to_string)
            .collect();
        if transitive
            .iter()
            .any(|k| !requested_tags.iter().any(|t| t.key.eq_ignore_ascii_case(k)))
        {
            return Err(invalid_tag(
                "The specified transitive tag key must be included in the requested tags.",
            ));
        }
        let (policy, policy_arns, packed) = session_policies(params)?;
        Ok(Self {
            role_arn,
            session_name,
            requested,
            external_id,
            source_identity,
            requested_tags,
            transitive,
            policy,
            policy_arns,
            packed,
        })
    }

    /// The condition keys the request sets for the trust policy.
    fn trust_keys(&self, state: &AppState, mfa: Option<i64>) -> Vec<(String, ContextValue)> {
        let mut keys: Vec<(String, ContextValue)> =
            vec![("sts:RoleSessionName".into(), self.session_name.into())];
        if let Some(at) = mfa {
            keys.push(("aws:MultiFactorAuthPresent".into(), true.into()));
            keys.push((
                "aws:MultiFactorAuthAge".into(),
                (state.now().unix_timestamp() - at).into(),
            ));
        }
        if let Some(id) = self.external_id {
            keys.push(("sts:ExternalId".into(), id.into()));
        }
        if let Some(id) = self.source_identity {
            keys.push(("sts:SourceIdentity".into(), id.into()));
        }
        keys.extend(request_tag_keys(&self.requested_tags));
        if !self.transitive.is_empty() {
            keys.push((
                "sts:TransitiveTagKeys".into(),
                self.transitive.clone().into(),
            ));
        }
        keys
    }
}

/// The caller's session, if it has one, and whether assuming the role
/// chains roles; root users and federated users may not assume roles.
fn calling_session<'c>(
    state: &AppState,
    caller: &'c Caller,
    role_arn: &str,
) -> Result<(Option<&'c SessionClaims>, bool), AwsError> {
    let root = || AwsError::access_denied("Roles may not be assumed by root accounts.");
    match caller {
        Caller::Root { .. } => Err(root()),
        Caller::User { .. } => Ok((None, false)),
        Caller::Session(claims) => match claims.principal {
            SessionPrincipal::Root { .. } => Err(root()),
            SessionPrincipal::User { .. } => Ok((Some(claims.as_ref()), false)),
            SessionPrincipal::AssumedRole { .. } => Ok((Some(claims.as_ref()), true)),
            SessionPrincipal::FederatedUser { .. } => {
                let arn = caller.arn(state.partition());
                Err(AwsError::access_denied(format!(
                    "User: {arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
                )))
            }
        },
    }
}

/// What a new session inherits from the calling one: its transitive tags
/// (added to `tags` and `transitive_keys`) and its source identity, which
/// the request may repeat but not change.
fn carry_over(
    previous: &SessionClaims,
    tags: &mut Vec<tessera_token::SessionTag>,
    transitive_keys: &mut Vec<String>,
    source: &mut Option<String>,
) -> Result<(), AwsError> {
    for tag in previous.tags.iter().filter(|t| {
        previous
            .transitive_tag_keys
            .iter()
            .any(|k| k.eq_ignore_ascii_case(&t.key))
    }) {
        if tags.iter().any(|t| t.key.eq_ignore_ascii_case(&tag.key)) {
            return Err(invalid_tag(
                "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.",
            ));
        }
        tags.push(tag.clone());
        transitive_keys.push(tag.key.clone());
    }
    if let Some(earlier) = &previous.source_identity {
        if source.as_ref().is_some_and(|s| s != earlier) {
            return Err(AwsError::invalid_input(
                "The source identity set earlier in the role chain cannot be changed.",
            ));
        }
        *source = Some(earlier.clone());
    }
    Ok(())
}

/// `AssumeRole`.
pub(super) async fn assume_role(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let input = AssumeRoleInput::read(params)?;
    let (role_arn, session_name) = (input.role_arn, input.session_name);

    // Who may assume roles, and what a chain carries over.
    let (caller_session, chained) = calling_session(state, caller, role_arn)?;
    let mut tags = input.requested_tags.clone();
    let mut transitive_keys = input.transitive.clone();
    let mut source = input.source_identity.map(str::to_string);
    if let Some(previous) = caller_session {
        carry_over(previous, &mut tags, &mut transitive_keys, &mut source)?;
    }
    if chained && input.requested.is_some_and(|d| d > CHAINED_MAX) {
        return Err(AwsError::validation(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        ));
    }
    let packed = input.packed
        + tags
            .iter()
            .map(|t| t.key.len() + t.value.len())
            .sum::<usize>();
    let packed_percent = packed_percent(packed)?;

    // The role. An unknown role goes through the same checks with a trust
    // policy that trusts nobody, so that it is denied exactly like a
    // forbidden one and role names do not leak.
    let (account, path, name) = role_arn_parts(state, role_arn)?;
    let (account, name) = (account.as_str(), name.as_str());
    let role = state
        .store()
        .assumable_role(account, name)
        .await?
        .filter(|r| r.path == path);
    let trust_policy = role
        .as_ref()
        .map_or(TRUSTS_NOBODY, |r| r.trust_policy.as_str());

    let mfa = verify_mfa(state, caller, params).await?;
    let keys = input.trust_keys(state, mfa);
    // The role is decided on as stored (its stored name, path and tags); an
    // unknown one by the ARN the request names.
    let resource = role
        .as_ref()
        .map_or_else(|| role_arn.to_string(), |r| role_arn_of(state, r));
    let trust_id = format!("{resource}/trust-policy");
    let tagging = !input.requested_tags.is_empty() || !input.transitive.is_empty();
    for action in trust_actions("sts:AssumeRole", tagging, input.source_identity.is_some()) {
        let check = Check {
            action,
            resource: &resource,
            resource_account: account,
            trust_policy: Some((&trust_id, trust_policy)),
            trust_bindings: role.as_ref().and_then(|r| r.trust_bindings.as_deref()),
            resource_tags: role.as_ref().map_or(&[][..], |r| &r.tags[..]),
            resource_boundary: None,
            keys: keys.clone(),
        };
        authorize_check(state, caller, &check).await?;
    }
    check_policy_arns(state, account, &input.policy_arns).await?;
    let Some(role) = role else {
        // Unreachable: nobody is trusted by an unknown role.
        return Err(AwsError::access_denied(format!(
            "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
            caller.arn(state.partition())
        )));
    };

    let duration = role_session_duration(&role, input.requested)?;
    let mut claims = role_session_claims(state, &role, session_name, duration)?;
    claims.session_policies = input.policy.into_iter().collect();
    claims.policy_arns = input.policy_arns;
    claims.tags = tags;
    claims.transitive_tag_keys = transitive_keys;
    claims.source_identity = source.clone();
    claims.mfa_authenticated_at = mfa;
    claims.chain_depth = caller_session.map_or(0, |c| c.chain_depth.saturating_add(1));

    let mut result = vec![
        credentials(state, &claims)?,
        assumed_role_user(state, &role, session_name),
    ];
    if packed > 0 {
        result.push(Xml::text("PackedPolicySize", packed_percent.to_string()));
    }
    if let Some(source) = source {
        result.push(Xml::text("SourceIdentity", source));
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::parse_role_arn;

    #[test]
    fn role_arns() {
        assert_eq!(
            parse_role_arn("aws", "arn:aws:iam::123456789012:role/admin"),
            Some(("123456789012".into(), "/".into(), "admin".into()))
        );
        assert_eq!(
            parse_role_arn("aws", "arn:aws:iam::123456789012:role/a/b/admin"),
            Some(("123456789012".into(), "/a/b/".into(), "admin".into()))
        );
        for bad in [
            "arn:aws:iam::123456789012:user/admin",
            "arn:aws:iam::12345:role/x",
            "arn:aws:iam::123456789012:role/",
            "role/x",
        ] {
            assert_eq!(parse_role_arn("aws", bad), None, "{bad}");
        }
    }
}
