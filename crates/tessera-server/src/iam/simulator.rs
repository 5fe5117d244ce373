//! The policy simulator: `SimulateCustomPolicy` and
//! `SimulatePrincipalPolicy`.

use super::common::{Page, Target, authorize, authorize_on, entity_target, parse_policy};
use super::policy_params::arn_param;
use crate::{
    AppState, AwsError, Caller,
    params::Params,
    xml::{Xml, members},
};
use tessera_arn::{Arn, ArnKind};
use tessera_policy::{
    AuthorizationRequest, ContextValue, DecisionEffect, EvalOptions, Layer, Policy, PolicyKind,
    Principal, RequestContext, decide, evaluate_statement,
};
use tessera_store::OwnerKind;

/// Runs `name` if this area (the simulator) serves it.
pub(super) async fn dispatch(
    state: &AppState,
    caller: &Caller,
    name: &str,
    params: &Params,
) -> Option<Result<Vec<Xml>, AwsError>> {
    let (s, c, p) = (state, caller, params);
    Some(match name {
        "SimulateCustomPolicy" => simulate_custom_policy(s, c, p).await,
        "SimulatePrincipalPolicy" => simulate_principal_policy(s, c, p).await,
        _ => return None,
    })
}

/// A policy taking part in a simulation, with the ids the answer reports.
pub(super) struct SimPolicy {
    /// The id given to the evaluator (unique per simulation).
    key: String,
    /// `SourcePolicyId`.
    source_id: String,
    /// `SourcePolicyType`.
    source_type: &'static str,
    policy: Option<Policy>,
}

/// Parses the documents of `PolicyInputList` (or the boundary list).
pub(super) fn input_policies(params: &Params, list: &str) -> Result<Vec<SimPolicy>, AwsError> {
    params
        .list(list)
        .into_iter()
        .enumerate()
        .map(|(i, text)| {
            let policy = parse_policy(text, PolicyKind::inline_role())?;
            let id = format!("{list}.{}", i + 1);
            Ok(SimPolicy {
                key: id.clone(),
                source_id: id,
                source_type: "none",
                policy: Some(policy),
            })
        })
        .collect()
}

/// A stored policy (`NamedPolicy`) as the simulator reports it.
pub(super) fn stored_policy(id: &str, text: &str) -> SimPolicy {
    let (source_type, source_id) = if id.starts_with("arn:") {
        ("user-managed", id.rsplit('/').next().unwrap_or(id))
    } else {
        let kind = match id.split('/').next() {
            Some("user") => "user",
            Some("group") => "group",
            _ => "role",
        };
        (kind, id.rsplit('/').next().unwrap_or(id))
    };
    SimPolicy {
        key: id.to_string(),
        source_id: source_id.to_string(),
        source_type,
        policy: Policy::parse(text, PolicyKind::inline_role()).ok(),
    }
}

/// The optional `ResourcePolicy`, a resource-based policy of the resources.
pub(super) fn resource_policy_param(params: &Params) -> Result<Option<SimPolicy>, AwsError> {
    let Some(text) = params.get("ResourcePolicy") else {
        return Ok(None);
    };
    let policy = parse_policy(text, PolicyKind::resource())?;
    Ok(Some(SimPolicy {
        key: "ResourcePolicy".to_string(),
        source_id: "ResourcePolicy".to_string(),
        source_type: "resource",
        policy: Some(policy),
    }))
}

/// The account owning the resources: `ResourceOwner` (an account id or
/// `arn:…:iam::ACCOUNT:root`), else the caller's account.
pub(super) fn resource_owner_param(params: &Params, account_id: &str) -> Result<String, AwsError> {
    let Some(owner) = params.get("ResourceOwner") else {
        return Ok(account_id.to_string());
    };
    let account = if owner.starts_with("arn:") {
        owner.split(':').nth(4).unwrap_or_default()
    } else {
        owner
    };
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AwsError::invalid_input(format!(
            "Invalid ResourceOwner: {owner}"
        )));
    }
    Ok(account.to_string())
}

/// `ContextEntries.member.N.{ContextKeyName, ContextKeyType, ContextKeyValues.member.M}`.
pub(super) fn context_entries(params: &Params) -> Result<Vec<(String, ContextValue)>, AwsError> {
    let mut entries = Vec::new();
    for entry in params.structures("ContextEntries") {
        let name = entry.get("ContextKeyName").ok_or_else(|| {
            AwsError::invalid_input("ContextKeyName is required for every context entry.")
        })?;
        let kind = entry
            .get("ContextKeyType")
            .map(String::as_str)
            .unwrap_or("string");
        const TYPES: [&str; 12] = [
            "string",
            "stringList",
            "numeric",
            "numericList",
            "boolean",
            "booleanList",
            "ip",
            "ipList",
            "binary",
            "binaryList",
            "date",
            "dateList",
        ];
        if !TYPES.contains(&kind) {
            return Err(AwsError::constraint(
                "contextEntries.member.contextKeyType",
                Some(kind),
                "Member must satisfy enum value set: [string, stringList, numeric, numericList, boolean, booleanList, ip, ipList, binary, binaryList, date, dateList]",
            ));
        }
        let mut values: Vec<(u32, String)> = entry
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("ContextKeyValues.member.")
                    .and_then(|n| n.parse().ok())
                    .map(|n| (n, v.clone()))
            })
            .collect();
        values.sort_by_key(|(n, _)| *n);
        let values: Vec<String> = values.into_iter().map(|(_, v)| v).collect();
        let value = if kind.ends_with("List") {
            ContextValue::Multi(values)
        } else {
            match values.into_iter().next() {
                Some(v) => ContextValue::Single(v),
                None => ContextValue::Multi(Vec::new()),
            }
        };
        entries.push((name.clone(), value));
    }
    Ok(entries)
}

/// `ActionNames` (required) and `ResourceArns` (`*` when absent).
pub(super) fn actions_and_resources(
    params: &Params,
) -> Result<(Vec<String>, Vec<String>), AwsError> {
    let actions: Vec<String> = params
        .list("ActionNames")
        .into_iter()
        .map(str::to_string)
        .collect();
    if actions.is_empty() {
        return Err(AwsError::constraint(
            "actionNames",
            None,
            "Member must not be null",
        ));
    }
    for action in &actions {
        let n = action.chars().count();
        if !(3..=128).contains(&n) {
            return Err(AwsError::constraint(
                "actionNames.member",
                Some(action),
                "Member must have length greater than or equal to 3",
            ));
        }
    }
    let mut resources: Vec<String> = params
        .list("ResourceArns")
        .into_iter()
        .map(str::to_string)
        .collect();
    if resources.is_empty() {
        resources.push("*".to_string());
    }
    Ok((actions, resources))
}

/// A principal from a user or role ARN (roles act as a session of the role).
pub(super) fn principal_of(arn_text: &str) -> Result<Principal, AwsError> {
    let invalid = || AwsError::invalid_input(format!("Invalid ARN: {arn_text}"));
    let arn = Arn::parse(arn_text).map_err(|_| invalid())?;
    match arn.kind() {
        ArnKind::User => Principal::user(arn).map_err(|_| invalid()),
        ArnKind::Role => {
            let name = arn.name().unwrap_or_default();
            let session = Arn::assumed_role(arn.partition(), arn.account(), name, "simulation");
            Principal::assumed_role(session, arn).map_err(|_| invalid())
        }
        _ => Err(invalid()),
    }
}

pub(super) fn position_xml(tag: &'static str, at: tessera_policy::Position) -> Xml {
    Xml::node(
        tag,
        vec![
            Xml::text("Line", at.line.to_string()),
            Xml::text("Column", at.column.to_string()),
        ],
    )
}

/// Evaluates every action on every resource and answers one page of
/// `EvaluationResults`.
pub(super) fn simulate(
    params: &Params,
    principal: &Principal,
    account_id: &str,
    identity: &[SimPolicy],
    boundaries: &[SimPolicy],
) -> Result<Vec<Xml>, AwsError> {
    let resource_policy = resource_policy_param(params)?;
    let owner = resource_owner_param(params, account_id)?;
    let (actions, resources) = actions_and_resources(params)?;
    let entries = context_entries(params)?;
    let page = Page::from_params(params)?;
    let start = match page.after.as_deref() {
        None => 0,
        Some(after) => {
            after
                .parse::<usize>()
                .map_err(|_| AwsError::invalid_input("Invalid Marker."))?
                + 1
        }
    };
    let simulation = Simulation {
        principal,
        owner: &owner,
        entries: &entries,
        identity,
        boundaries,
        resource_policy: resource_policy.as_ref(),
    };
    let mut results = Vec::new();
    let total = actions.len() * resources.len();
    for index in start..total.min(start + page.fetch_limit()) {
        let action = &actions[index / resources.len()];
        let resource = &resources[index % resources.len()];
        results.push((index, simulation.evaluate(action, resource)));
    }
    let (results, tail) = page.finish(results, |(index, _)| index.to_string());
    let mut out = vec![members(
        "EvaluationResults",
        results.into_iter().map(|(_, r)| r).collect(),
    )];
    out.extend(tail);
    Ok(out)
}

/// What every evaluation of one simulation shares.
struct Simulation<'a> {
    principal: &'a Principal,
    owner: &'a str,
    entries: &'a [(String, ContextValue)],
    identity: &'a [SimPolicy],
    boundaries: &'a [SimPolicy],
    resource_policy: Option<&'a SimPolicy>,
}

impl Simulation<'_> {
    /// The simulation's policies, in the order the answer names them.
    fn policies(&self) -> impl Iterator<Item = &SimPolicy> {
        self.identity
            .iter()
            .chain(self.boundaries)
            .chain(self.resource_policy)
    }

    /// One `EvaluationResults` member: `action` on `resource`.
    fn evaluate(&self, action: &str, resource: &str) -> Vec<Xml> {
        let mut ctx = RequestContext::new(self.principal.clone(), action, resource)
            .with_resource_account(self.owner);
        for (key, value) in self.entries {
            ctx.set_key(key, value.clone());
        }
        let mut request = AuthorizationRequest::new(&ctx);
        for p in self.identity {
            if let Some(policy) = &p.policy {
                request = request.identity(&p.key, policy);
            }
        }
        for p in self.boundaries {
            if let Some(policy) = &p.policy {
                request = request.boundary(&p.key, policy);
            }
        }
        if let Some(p) = self.resource_policy
            && let Some(policy) = &p.policy
        {
            request = request.resource(&p.key, policy);
        }
        let decision = decide(&request);
        // A boundary that cannot be read allows nothing.
        let broken_boundary = self.boundaries.iter().any(|b| b.policy.is_none());
        let effect = if broken_boundary && decision.effect == DecisionEffect::Allow {
            DecisionEffect::ImplicitDeny
        } else {
            decision.effect
        };
        let matched = if effect == decision.effect {
            self.matched_statements(&decision)
        } else {
            Vec::new()
        };
        let missing = missing_context_keys(&ctx, self.policies());
        let mut result = vec![
            Xml::text("EvalActionName", action),
            Xml::text("EvalResourceName", resource),
            Xml::text(
                "EvalDecision",
                match effect {
                    DecisionEffect::Allow => "allowed",
                    DecisionEffect::ExplicitDeny => "explicitDeny",
                    DecisionEffect::ImplicitDeny => "implicitDeny",
                },
            ),
            members("MatchedStatements", matched),
        ];
        result.push(Xml::node(
            "MissingContextValues",
            missing
                .into_iter()
                .map(|k| Xml::text("member", k))
                .collect(),
        ));
        if let Some(layer) = decision.layer(Layer::PermissionBoundary)
            && !self.boundaries.is_empty()
        {
            let allowed =
                !broken_boundary && matches!(layer.outcome, tessera_policy::LayerOutcome::Allow);
            result.push(Xml::node(
                "PermissionsBoundaryDecisionDetail",
                vec![Xml::text(
                    "AllowedByPermissionsBoundary",
                    allowed.to_string(),
                )],
            ));
        }
        result
    }

    /// The statements that decided, each with its policy's ids and its
    /// start and end in the policy's text.
    fn matched_statements(&self, decision: &tessera_policy::Decision) -> Vec<Vec<Xml>> {
        decision
            .statements
            .iter()
            .filter_map(|st| {
                let source = self.policies().find(|p| p.key == st.policy_id)?;
                let statement = source
                    .policy
                    .as_ref()?
                    .document()
                    .statement
                    .as_ref()?
                    .value
                    .as_slice()
                    .get(st.index)?;
                Some(vec![
                    Xml::text("SourcePolicyId", source.source_id.clone()),
                    Xml::text("SourcePolicyType", source.source_type),
                    position_xml("StartPosition", statement.pos),
                    position_xml("EndPosition", statement.end),
                ])
            })
            .collect()
    }
}

/// Condition keys of the statements that match the action and resource
/// but that the request does not carry.
pub(super) fn missing_context_keys<'a>(
    ctx: &RequestContext,
    policies: impl Iterator<Item = &'a SimPolicy>,
) -> Vec<String> {
    let mut missing: Vec<String> = Vec::new();
    for p in policies {
        let Some(policy) = &p.policy else { continue };
        for st in policy.statements() {
            if st.conditions.is_empty() {
                continue;
            }
            let mut bare = st.clone();
            bare.conditions.clear();
            if evaluate_statement(&bare, ctx, EvalOptions::default()).is_none() {
                continue;
            }
            for condition in &st.conditions {
                if !condition.operator.if_exists
                    && !ctx.has_key(&condition.key)
                    && !missing
                        .iter()
                        .any(|m| m.eq_ignore_ascii_case(&condition.key))
                {
                    missing.push(condition.key.clone());
                }
            }
        }
    }
    missing
}

pub(super) async fn simulate_custom_policy(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    if params.list("PolicyInputList").is_empty() {
        return Err(AwsError::constraint(
            "policyInputList",
            None,
            "Member must not be null",
        ));
    }
    authorize(state, caller, "SimulateCustomPolicy", "*").await?;
    let identity = input_policies(params, "PolicyInputList")?;
    let boundaries = input_policies(params, "PermissionsBoundaryPolicyInputList")?;
    let account_id = caller.account_id();
    // The simulated caller: CallerArn, else the calling user; the root user
    // would be allowed everything, so it is simulated as a plain user.
    let principal = match params.get("CallerArn") {
        Some(caller_arn) => principal_of(caller_arn)?,
        None => match caller {
            Caller::User { .. } => principal_of(caller.arn(state.partition()).as_str())?,
            _ => Principal::user(
                Arn::user(state.partition(), account_id, "/", "simulated-user").into_string(),
            )
            .map_err(|_| AwsError::internal())?,
        },
    };
    simulate(params, &principal, account_id, &identity, &boundaries)
}

pub(super) async fn simulate_principal_policy(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let source = arn_param(params, "PolicySourceArn", "policySourceArn")?;
    let account_id = caller.account_id();
    let source_arn = Arn::parse(source)
        .map_err(|_| AwsError::invalid_input(format!("ARN {source} is not valid.")))?;
    let resource = source_arn.resource();
    let (noun, kind) = if resource.starts_with("group/") {
        ("group", OwnerKind::Group)
    } else if resource.starts_with("user/") {
        ("user", OwnerKind::User)
    } else {
        ("role", OwnerKind::Role)
    };
    // A group is simulated as one of its members: a user of the account.
    let principal = if kind == OwnerKind::Group {
        let member = Arn::user(
            source_arn.partition(),
            source_arn.account(),
            "/",
            "simulated-group-member",
        );
        principal_of(member.as_str())?
    } else {
        principal_of(source)?
    };
    let name = resource.rsplit('/').next().unwrap_or_default();
    // The entity as stored, found by its name and exact path in the caller's
    // account; authorization names it by its stored ARN, or by the ARN given
    // when there is no such entity.
    let found = match principal.account.as_deref() == Some(account_id) {
        true => entity_target(state, account_id, noun, name)
            .await?
            .filter(|(_, target)| super::common::same_entity_arn(source, &target.arn)),
        false => None,
    };
    let target = match &found {
        Some((_, target)) => target.clone(),
        None => Target::named(source),
    };
    authorize_on(
        state,
        caller,
        "SimulatePrincipalPolicy",
        &target,
        Vec::new(),
    )
    .await?;
    let Some((unique_id, target)) = found else {
        return Err(AwsError::no_such_entity(kind.not_found(name)));
    };
    let principal = match kind {
        OwnerKind::Group => principal,
        _ => principal_of(&target.arn)?,
    };
    let policies = match kind {
        OwnerKind::Group => state.store().policies_of_group(&unique_id).await?,
        OwnerKind::User => state.store().policies_of_user(&unique_id).await?,
        OwnerKind::Role => state.store().policies_of_role(&unique_id).await?,
    };
    let mut identity: Vec<SimPolicy> = policies
        .identity
        .iter()
        .map(|p| stored_policy(&p.id, &p.document))
        .collect();
    identity.extend(input_policies(params, "PolicyInputList")?);
    let mut boundaries: Vec<SimPolicy> =
        input_policies(params, "PermissionsBoundaryPolicyInputList")?;
    if boundaries.is_empty()
        && let Some(boundary) = &policies.boundary
    {
        boundaries.push(stored_policy(&boundary.id, &boundary.document));
    }
    let principal = match params.get("CallerArn") {
        Some(caller_arn) => principal_of(caller_arn)?,
        None => principal,
    };
    simulate(params, &principal, account_id, &identity, &boundaries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_ends_after_its_closing_brace() {
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::a}b\"}]\n}";
        let policy = Policy::parse(text, PolicyKind::managed()).expect("policy");
        let statement = &policy
            .document()
            .statement
            .as_ref()
            .expect("statements")
            .value
            .as_slice()[0];
        assert_eq!((statement.pos.line, statement.pos.column), (3, 17));
        assert_eq!((statement.end.line, statement.end.column), (3, 94));
    }
}
