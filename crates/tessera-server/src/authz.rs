//! Authorization of every call through tessera-policy: the caller's
//! identity policies (and its groups'), its permissions boundary and its
//! session policies are loaded from the store and evaluated with AWS's
//! logic. Deny by default; a policy that cannot be read fails closed.

use crate::{AppState, AwsError, Caller, actions, request_env};
use std::sync::Arc;
use tessera_arn::Arn;
use tessera_policy::{AuthorizationRequest, Policy, PolicyKind, Principal, RequestContext, decide};
use tessera_store::{NamedPolicy, PrincipalBinding, PrincipalPolicies};
use tessera_token::{SessionClaims, SessionPrincipal};

/// What an account's root user may do, as a policy.
const ROOT_EQUIVALENT: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// The policies that bound what a caller may do, parsed.
#[derive(Debug, Default)]
struct CallerPolicies {
    identity: Vec<(String, Arc<Policy>)>,
    boundary: Option<(String, Option<Arc<Policy>>)>,
    session: Vec<(String, Option<Arc<Policy>>)>,
    /// The principal's own tags (a user's or role's), before session tags.
    tags: Vec<(String, String)>,
}

fn parse_named(state: &AppState, policy: &NamedPolicy, kind: PolicyKind) -> Option<Arc<Policy>> {
    parse_stored(state, &policy.id, &policy.document, kind)
}

/// The stored policy `document` (named `id` in the log) parsed as `kind`;
/// `None`, logged, if it does not parse.
fn parse_stored(
    state: &AppState,
    id: &str,
    document: &str,
    kind: PolicyKind,
) -> Option<Arc<Policy>> {
    match state.policies().parse(document, kind) {
        Ok(parsed) => Some(parsed),
        Err(error) => {
            tracing::error!(policy = %id, %error.message, "stored policy does not parse; it grants nothing");
            None
        }
    }
}

impl CallerPolicies {
    fn from_store(state: &AppState, stored: PrincipalPolicies) -> Self {
        let identity = stored
            .identity
            .iter()
            .filter_map(|p| {
                parse_named(state, p, PolicyKind::managed()).map(|parsed| (p.id.clone(), parsed))
            })
            .collect();
        let boundary = stored.boundary.as_ref().map(|b| {
            (
                b.id.clone(),
                parse_named(state, b, PolicyKind::permission_boundary()),
            )
        });
        Self {
            identity,
            boundary,
            session: Vec::new(),
            tags: stored.tags,
        }
    }

    /// Whether a boundary or session policy cannot be read (the request
    /// then fails closed).
    fn has_unreadable(&self) -> bool {
        self.boundary.as_ref().is_some_and(|(_, p)| p.is_none())
            || self.session.iter().any(|(_, p)| p.is_none())
    }

    /// `request` with these identity policies, boundary and session
    /// policies (the readable ones).
    fn layered<'a>(&'a self, mut request: AuthorizationRequest<'a>) -> AuthorizationRequest<'a> {
        for (id, policy) in &self.identity {
            request = request.identity(id, policy);
        }
        if let Some((id, Some(policy))) = &self.boundary {
            request = request.boundary(id, policy);
        }
        for (id, policy) in &self.session {
            if let Some(policy) = policy {
                request = request.session(id, policy);
            }
        }
        request
    }
}

/// The ARN that stands for the caller in policies and messages, and its
/// policy-language principal.
fn principal(state: &AppState, caller: &Caller) -> Result<Principal, AwsError> {
    let arn = caller.arn(state.partition());
    let invalid = |_| AwsError::internal();
    match caller {
        Caller::Root { account_id, .. } => Ok(Principal::root(account_id.clone())),
        Caller::User { user, .. } => Principal::user(arn)
            .map(|p| p.with_unique_id(user.user_id.clone()))
            .map_err(invalid),
        Caller::Session(claims) => match &claims.principal {
            SessionPrincipal::Root { account_id } => Ok(Principal::root(account_id.clone())),
            SessionPrincipal::User { user_id, .. } => Principal::user(arn)
                .map(|p| p.with_unique_id(user_id.clone()))
                .map_err(invalid),
            SessionPrincipal::AssumedRole { role_id, .. } => {
                let role_arn = caller
                    .role_arn(state.partition())
                    .ok_or_else(AwsError::internal)?;
                Principal::assumed_role(arn, role_arn)
                    .map(|p| p.with_unique_id(role_id.clone()))
                    .map_err(invalid)
            }
            SessionPrincipal::FederatedUser { .. } => {
                Principal::federated_user(arn, None).map_err(invalid)
            }
        },
    }
}

async fn load_policies(state: &AppState, caller: &Caller) -> Result<CallerPolicies, AwsError> {
    let mut policies = match caller {
        Caller::Root { .. } => CallerPolicies::default(),
        Caller::User { user, .. } => {
            CallerPolicies::from_store(state, state.store().policies_of_user(&user.user_id).await?)
        }
        Caller::Session(claims) => match &claims.principal {
            SessionPrincipal::Root { .. } => CallerPolicies::default(),
            SessionPrincipal::User { user_id, .. } => {
                CallerPolicies::from_store(state, state.store().policies_of_user(user_id).await?)
            }
            SessionPrincipal::AssumedRole { role_id, .. } => {
                CallerPolicies::from_store(state, state.store().policies_of_role(role_id).await?)
            }
            SessionPrincipal::FederatedUser { caller_id, .. } => {
                if caller_id.starts_with("AIDA") {
                    CallerPolicies::from_store(
                        state,
                        state.store().policies_of_user(caller_id).await?,
                    )
                } else {
                    // Asked for by the account's root user, who may do
                    // anything in its account: the session policies alone
                    // bound the federated user.
                    let root = NamedPolicy {
                        id: Arn::root(state.partition(), caller_id).into_string(),
                        document: ROOT_EQUIVALENT.to_string(),
                    };
                    CallerPolicies::from_store(
                        state,
                        PrincipalPolicies {
                            identity: vec![root],
                            ..PrincipalPolicies::default()
                        },
                    )
                }
            }
        },
    };
    if let Caller::Session(claims) = caller {
        // A federated user's principal tags are its session's tags alone.
        if matches!(claims.principal, SessionPrincipal::FederatedUser { .. }) {
            policies.tags.clear();
        }
        policies.session = session_policies(state, claims).await?;
        // A federated user without session policies has no permissions.
        if matches!(claims.principal, SessionPrincipal::FederatedUser { .. })
            && policies.session.is_empty()
        {
            policies
                .session
                .push(("no-session-policy".to_string(), None));
        }
    }
    Ok(policies)
}

/// A session's inline and managed session policies; one that cannot be
/// read or parsed is kept as `None`, which allows nothing.
async fn session_policies(
    state: &AppState,
    claims: &SessionClaims,
) -> Result<Vec<(String, Option<Arc<Policy>>)>, AwsError> {
    let mut session = Vec::new();
    for (index, document) in claims.session_policies.iter().enumerate() {
        let id = format!("session-policy/{index}");
        let parsed = parse_stored(state, &id, document, PolicyKind::session());
        session.push((id, parsed));
    }
    for arn in &claims.policy_arns {
        let document = state
            .store()
            .managed_policy_document(arn)
            .await?
            .unwrap_or_default();
        let parsed = parse_stored(state, arn, &document, PolicyKind::managed());
        session.push((arn.clone(), parsed));
    }
    Ok(session)
}

/// Whether a session comes from `GetSessionToken` (of a user or a root
/// user) without MFA: AWS lets such sessions call no IAM action.
fn is_session_token_without_mfa(claims: &SessionClaims) -> bool {
    matches!(
        claims.principal,
        SessionPrincipal::User { .. } | SessionPrincipal::Root { .. }
    ) && claims.mfa_authenticated_at.is_none()
}

/// Whether AWS refuses `action` to a `GetFederationToken` session whatever
/// its policies say: such sessions may call no IAM action and no STS action
/// but `GetCallerIdentity`.
fn is_refused_to_federated_users(action: &str) -> bool {
    let lower = action.to_ascii_lowercase();
    lower.starts_with("iam:") || (lower.starts_with("sts:") && lower != "sts:getcalleridentity")
}

/// The keys the request's environment sets: `aws:SourceIp`,
/// `aws:UserAgent`, `aws:SecureTransport`.
fn with_environment(mut context: RequestContext) -> RequestContext {
    let env = request_env::current();
    let secure = env.as_ref().is_some_and(|env| env.secure);
    context = context.with_key("aws:SecureTransport", secure);
    if let Some(env) = env {
        if let Some(ip) = env.source_ip {
            context = context.with_key("aws:SourceIp", ip.to_string());
        }
        if let Some(agent) = env.user_agent {
            context = context.with_key("aws:UserAgent", agent);
        }
    }
    context
}

/// The request context of a call: principal, action, resource and the
/// global keys the caller's credentials establish. `own_tags` are the
/// tags of the caller's user or role; a session's tags take precedence.
fn context(
    state: &AppState,
    caller: &Caller,
    principal: Principal,
    action: &str,
    resource: &str,
    resource_account: &str,
    own_tags: &[(String, String)],
) -> RequestContext {
    let user_id = caller.user_id();
    let mut context = with_environment(
        RequestContext::new(principal, action, resource)
            .with_resource_account(resource_account)
            .with_current_time(state.now())
            .with_key("aws:userid", user_id)
            .with_key("aws:MultiFactorAuthPresent", false),
    );
    for (key, value) in own_tags {
        context = context.with_key(&format!("aws:PrincipalTag/{key}"), value.clone());
    }
    if let Caller::Session(claims) = caller {
        context = context
            .with_key("aws:TokenIssueTime", crate::xml::iso8601(claims.issued_at))
            .with_key(
                "aws:MultiFactorAuthPresent",
                claims.mfa_authenticated_at.is_some(),
            );
        if let Some(at) = claims.mfa_authenticated_at {
            context = context.with_key("aws:MultiFactorAuthAge", state.now().unix_timestamp() - at);
        }
        if let Some(source) = &claims.source_identity {
            context = context.with_key("aws:SourceIdentity", source.clone());
        }
        for tag in &claims.tags {
            context = context.with_key(&format!("aws:PrincipalTag/{}", tag.key), tag.value.clone());
        }
    }
    context
}

/// One authorization question: may the caller perform `action` on
/// `resource`, given the resource's own policy (a role's trust policy) and
/// the request's condition keys.
#[derive(Debug, Clone)]
pub struct Check<'a> {
    /// The declaration of the action, e.g. `sts:AssumeRole`.
    pub spec: &'a actions::ActionSpec,
    /// The resource ARN (or `*`).
    pub resource: &'a str,
    /// The account that owns the resource.
    pub resource_account: &'a str,
    /// The resource-based policy (id, document) — a role's trust policy.
    pub trust_policy: Option<(&'a str, &'a str)>,
    /// The users and roles the trust policy was bound to when saved; `None`
    /// binds none of the users and roles it names (they then match nobody).
    pub trust_bindings: Option<&'a [PrincipalBinding]>,
    /// The resource's tags, for `aws:ResourceTag/…` and `iam:ResourceTag/…`
    /// where the action's resource type carries them.
    pub resource_tags: &'a [(String, String)],
    /// The permissions boundary of the user or role acted on, for
    /// `iam:PermissionsBoundary` where the action declares it (a key in
    /// `keys` takes precedence: the boundary an action sets).
    pub resource_boundary: Option<&'a str>,
    /// An identity policy (id, document) the account grants the caller
    /// besides its own, evaluated with them.
    pub granted: Option<(&'a str, &'a str)>,
    /// Condition keys the request adds (`sts:ExternalId`, `aws:RequestTag/…`);
    /// each must be one the action declares ([`crate::actions`]).
    pub keys: Vec<(String, tessera_policy::ContextValue)>,
}

impl<'a> Check<'a> {
    /// A check with no resource policy and no extra keys.
    pub fn new(
        spec: &'a actions::ActionSpec,
        resource: &'a str,
        resource_account: &'a str,
    ) -> Self {
        Self {
            spec,
            resource,
            resource_account,
            trust_policy: None,
            trust_bindings: None,
            resource_tags: &[],
            resource_boundary: None,
            granted: None,
            keys: Vec::new(),
        }
    }

    /// Sets the keys of the action's declaration (`spec`) that come from the
    /// resource and the request: the resource's tags, and the keys the
    /// request adds, after checking that the action declares each of them.
    fn apply(&self, spec: &actions::ActionSpec, context: &mut RequestContext) {
        let tag_keys = spec.resource_type.condition_keys();
        for (key, value) in self.resource_tags {
            for family in tag_keys {
                if let Some(prefix) = family.strip_suffix("${TagKey}") {
                    context.set_key(&format!("{prefix}{key}"), value.clone());
                }
            }
        }
        if let Some(boundary) = self.resource_boundary
            && spec.condition_keys.contains(&actions::PERMISSIONS_BOUNDARY)
        {
            context.set_key(actions::PERMISSIONS_BOUNDARY, boundary.to_string());
        }
        for (key, value) in &self.keys {
            if !spec.carries(key) {
                tracing::error!(action = spec.action, key = %key, "condition key not declared for the action");
                debug_assert!(false, "{key} is not declared for {}", spec.action);
            }
            context.set_key(key, value.clone());
        }
    }
}

/// Parses a trust policy and binds it to its principals' unique ids;
/// `None` if it cannot be parsed.
fn bound_trust_policy(
    state: &AppState,
    id: &str,
    document: &str,
    bindings: Option<&[PrincipalBinding]>,
) -> Option<Arc<Policy>> {
    let parsed = parse_stored(state, id, document, PolicyKind::trust())?;
    Some(crate::resource_policies::bound(
        parsed,
        bindings.unwrap_or_default(),
    ))
}

/// A tag a request sets: an IAM tag or a session tag.
pub trait RequestTag {
    /// The tag's key.
    fn key(&self) -> &str;
    /// The tag's value.
    fn value(&self) -> &str;
}

impl RequestTag for (String, String) {
    fn key(&self) -> &str {
        &self.0
    }
    fn value(&self) -> &str {
        &self.1
    }
}

impl RequestTag for tessera_token::SessionTag {
    fn key(&self) -> &str {
        &self.key
    }
    fn value(&self) -> &str {
        &self.value
    }
}

/// `aws:RequestTag/…` and `aws:TagKeys` of a request that sets `tags`
/// (none when it sets none).
pub fn request_tag_keys<T: RequestTag>(tags: &[T]) -> Vec<(String, tessera_policy::ContextValue)> {
    if tags.is_empty() {
        return Vec::new();
    }
    let mut keys: Vec<(String, tessera_policy::ContextValue)> = tags
        .iter()
        .map(|t| (format!("aws:RequestTag/{}", t.key()), t.value().into()))
        .collect();
    keys.push((
        "aws:TagKeys".to_string(),
        tags.iter()
            .map(|t| t.key().to_string())
            .collect::<Vec<_>>()
            .into(),
    ));
    keys
}

/// Decides a [`Check`] for `caller`; `AccessDenied` with AWS's message and
/// an encoded explanation when it is not allowed.
pub async fn authorize_check(
    state: &AppState,
    caller: &Caller,
    check: &Check<'_>,
) -> Result<(), AwsError> {
    let (spec, resource) = (check.spec, check.resource);
    let action = spec.action;
    if let Caller::Session(claims) = caller {
        let refusal = if is_session_token_without_mfa(claims)
            && action.to_ascii_lowercase().starts_with("iam:")
        {
            Some("sessions from GetSessionToken without MFA cannot call the IAM API")
        } else if matches!(claims.principal, SessionPrincipal::FederatedUser { .. })
            && is_refused_to_federated_users(action)
        {
            Some(
                "sessions from GetFederationToken cannot call the IAM API or STS actions other than GetCallerIdentity",
            )
        } else {
            None
        };
        if let Some(reason) = refusal {
            let arn = caller.arn(state.partition());
            return Err(AwsError::access_denied(format!(
                "User: {arn} is not authorized to perform: {action} on resource: {resource} with an explicit deny: {reason}"
            )));
        }
    }
    let principal = principal(state, caller)?;
    let policies = load_policies(state, caller).await?;
    let mut context = context(
        state,
        caller,
        principal,
        action,
        resource,
        check.resource_account,
        &policies.tags,
    );
    check.apply(spec, &mut context);
    let trust = check.trust_policy.map(|(id, document)| {
        (
            id,
            bound_trust_policy(state, id, document, check.trust_bindings),
        )
    });
    let granted = check.granted.and_then(|(id, document)| {
        parse_stored(state, id, document, PolicyKind::managed()).map(|policy| (id, policy))
    });
    // Unreadable boundary, session or trust policies make the request fail closed.
    let unreadable = policies.has_unreadable() || trust.as_ref().is_some_and(|(_, p)| p.is_none());
    let mut request = policies.layered(AuthorizationRequest::new(&context));
    if let Some((id, policy)) = &granted {
        request = request.identity(id, policy);
    }
    if let Some((id, Some(policy))) = &trust {
        request = request.trust(id, policy);
    }
    let decision = decide(&request);
    if decision.is_allowed() && !unreadable {
        return Ok(());
    }
    Err(AwsError::access_denied(denial_message(
        state, caller, &context, &decision,
    )))
}

/// AWS's message for a denial of `caller`'s request, with the encoded
/// explanation only the caller's account can decode.
pub(crate) fn denial_message(
    state: &AppState,
    caller: &Caller,
    context: &RequestContext,
    decision: &tessera_policy::Decision,
) -> String {
    let (user_id, arn) = caller.identity(state.partition());
    let mut message = format!(
        "User: {arn} is not authorized to perform: {} on resource: {}",
        context.action(),
        context.resource()
    );
    let explanation = authorization_message(caller, &user_id, &arn, context, decision);
    match state
        .keys()
        .current()
        .seal_message(explanation.to_string().as_bytes())
    {
        Ok(encoded) => {
            message.push_str(". Encoded authorization failure message: ");
            message.push_str(&encoded);
        }
        Err(error) => tracing::error!(%error, "cannot encode the authorization message"),
    }
    message
}

/// A caller with its principal and policies loaded, for several decisions
/// about one request.
#[derive(Debug)]
pub(crate) struct LoadedCaller<'a> {
    caller: &'a Caller,
    principal: Principal,
    policies: CallerPolicies,
}

impl<'a> LoadedCaller<'a> {
    /// Loads `caller`'s principal and policies.
    pub(crate) async fn load(state: &AppState, caller: &'a Caller) -> Result<Self, AwsError> {
        Ok(Self {
            caller,
            principal: principal(state, caller)?,
            policies: load_policies(state, caller).await?,
        })
    }

    /// The caller.
    pub(crate) fn caller(&self) -> &'a Caller {
        self.caller
    }
}

/// One access a resource server's request needs (tessera-authz's mapping),
/// with the resource's policy as held in memory.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ServiceAccess<'a> {
    /// The action, e.g. `s3:GetObject`.
    pub action: &'a str,
    /// The resource ARN.
    pub resource: &'a str,
    /// The account owning the resource.
    pub resource_account: &'a str,
    /// The resource policy: the ARN it is attached to, and the policy, or
    /// `None` when the stored document cannot be read (fails closed).
    pub resource_policy: Option<(&'a str, Option<&'a Policy>)>,
    /// Condition keys of the request and its environment.
    pub keys: &'a [(String, tessera_policy::ContextValue)],
}

/// A decision about one [`ServiceAccess`], with the context it was made in.
#[derive(Debug)]
pub(crate) struct Evaluation {
    /// Whether the access is allowed (an unreadable policy never allows).
    pub allowed: bool,
    /// The decision and its explanation.
    pub decision: tessera_policy::Decision,
    /// The request context.
    pub context: RequestContext,
}

/// Decides a resource server's access for `caller` (`None`: an anonymous
/// request, which only a resource policy can allow), with AWS's logic.
pub(crate) fn evaluate_access(
    state: &AppState,
    caller: Option<&LoadedCaller<'_>>,
    access: &ServiceAccess<'_>,
) -> Evaluation {
    let mut context = match caller {
        Some(loaded) => context(
            state,
            loaded.caller,
            loaded.principal.clone(),
            access.action,
            access.resource,
            access.resource_account,
            &loaded.policies.tags,
        ),
        None => RequestContext::new(Principal::anonymous(), access.action, access.resource)
            .with_resource_account(access.resource_account)
            .with_current_time(state.now()),
    };
    for (key, value) in access.keys {
        context.set_key(key, value.clone());
    }
    let mut unreadable = access
        .resource_policy
        .is_some_and(|(_, policy)| policy.is_none());
    let mut request = AuthorizationRequest::new(&context);
    if let Some(loaded) = caller {
        unreadable |= loaded.policies.has_unreadable();
        request = loaded.policies.layered(request);
    }
    if let Some((id, Some(policy))) = access.resource_policy {
        request = request.resource(id, policy);
    }
    let decision = decide(&request);
    Evaluation {
        allowed: decision.is_allowed() && !unreadable,
        decision,
        context,
    }
}

/// The sealed explanation of a denial, in the JSON shape AWS's
/// `DecodeAuthorizationMessage` returns, wrapped with the caller's account
/// (only that account may decode it).
fn authorization_message(
    caller: &Caller,
    user_id: &str,
    arn: &str,
    context: &RequestContext,
    decision: &tessera_policy::Decision,
) -> serde_json::Value {
    use serde_json::json;
    // Another account's resource policy (a role's trust policy) is that
    // account's business: its statements are left out of the explanation,
    // so the message reads the same whether such a role exists or not.
    let foreign = context.resource_account() != Some(caller.account_id());
    let shown: Vec<&tessera_policy::MatchedStatement> = decision
        .statements
        .iter()
        .filter(|s| !(foreign && s.layer == tessera_policy::Layer::ResourceBased))
        .collect();
    let statements: Vec<serde_json::Value> = shown
        .iter()
        .map(|s| {
            json!({
                "statementId": s.sid.clone().unwrap_or_else(|| s.index.to_string()),
                "effect": s.effect.to_string().to_uppercase(),
                "policy": s.policy_id,
                "layer": format!("{:?}", s.layer),
            })
        })
        .collect();
    let conditions: Vec<serde_json::Value> = context
        .keys()
        .iter()
        .into_iter()
        .map(|(key, values)| {
            json!({
                "key": key,
                "values": {"items": values.iter().map(|v| json!({"value": v})).collect::<Vec<_>>()},
            })
        })
        .collect();
    let explicit_deny = shown
        .iter()
        .any(|s| s.effect == tessera_policy::Effect::Deny);
    json!({
        "account": caller.account_id(),
        "message": {
            "allowed": false,
            "explicitDeny": explicit_deny,
            "matchedStatements": {"items": statements},
            "failures": {"items": []},
            "context": {
                "principal": {"id": user_id, "arn": arn},
                "action": context.action(),
                "resource": context.resource(),
                "conditions": {"items": conditions},
            },
        },
    })
}

/// Opens an encoded authorization message for a caller of `account_id`:
/// the JSON `DecodeAuthorizationMessage` returns, or `None` if the message
/// is altered, foreign, or about another account.
pub async fn decode_authorization_message(
    state: &AppState,
    account_id: &str,
    encoded: &str,
) -> Option<String> {
    let encoded = encoded.trim();
    // Sealed by another process after a rotation: reload the ring first.
    let ring = state
        .keys()
        .with_key(tessera_token::sealed_message_key_id(encoded)?)
        .await;
    let plain = ring.open_message(encoded).ok()?;
    let wrapper: serde_json::Value = serde_json::from_slice(&plain).ok()?;
    if wrapper.get("account")?.as_str()? != account_id {
        return None;
    }
    Some(wrapper.get("message")?.to_string())
}

/// Decides a [`Check`] for a caller without AWS credentials (an identity
/// provider's user): the role's trust policy alone can allow it. Fails
/// closed when there is no trust policy or it cannot be parsed; a denial is
/// `AccessDenied` with AWS's `Not authorized to perform ACTION`.
pub async fn authorize_federated(
    state: &AppState,
    principal: Principal,
    check: &Check<'_>,
) -> Result<(), AwsError> {
    let spec = check.spec;
    let denied = || AwsError::access_denied(format!("Not authorized to perform {}", spec.action));
    let Some((id, document)) = check.trust_policy else {
        return Err(denied());
    };
    let Some(trust) = bound_trust_policy(state, id, document, check.trust_bindings) else {
        return Err(denied());
    };
    let mut context = with_environment(
        RequestContext::new(principal, spec.action, check.resource)
            .with_resource_account(check.resource_account)
            .with_current_time(state.now()),
    );
    check.apply(spec, &mut context);
    let request = AuthorizationRequest::new(&context).trust(id, &trust);
    if decide(&request).is_allowed() {
        Ok(())
    } else {
        Err(denied())
    }
}
