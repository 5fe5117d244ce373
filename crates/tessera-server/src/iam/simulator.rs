//! The policy simulator: `SimulateCustomPolicy` and
//! `SimulatePrincipalPolicy`.

use super::common::{parse_policy, same_entity_arn};
use super::entities::entity_target;
use crate::action::members::{ActionName, ArnValue, ContextEntryList, List, Page, Text, TextList};
use crate::action::{Access, Action, Context, Encode, Listing, Target};
use crate::actions::{ActionSpec, R, spec};
use crate::{
    AppState, AwsError,
    params::Params,
    xml::{Xml, members},
};
use tessera_arn::{Arn, ArnKind};
use tessera_policy::{
    AuthorizationRequest, ContextValue, DecisionEffect, EvalOptions, Layer, LayerOutcome, Policy,
    PolicyKind, Position, Principal, RequestContext, decide, evaluate_statement,
};
use tessera_store::OwnerKind;

/// A policy taking part in a simulation, with the ids the answer reports.
struct SimPolicy {
    /// The id given to the evaluator (unique per simulation).
    key: String,
    /// `SourcePolicyId`.
    source_id: String,
    /// `SourcePolicyType`.
    source_type: &'static str,
    policy: Option<Policy>,
}

/// Parses the documents of the list member `list` (`PolicyInputList` or
/// `PermissionsBoundaryPolicyInputList`).
fn input_policies(documents: &TextList, list: &str) -> Result<Vec<SimPolicy>, AwsError> {
    documents
        .0
        .iter()
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
fn stored_policy(id: &str, text: &str) -> SimPolicy {
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
        policy: Policy::parse_stored(text, PolicyKind::inline_role()).ok(),
    }
}

/// A principal from a user or role ARN (roles act as a session of the role).
fn principal_of(arn_text: &str) -> Result<Principal, AwsError> {
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

/// The account owning the resources: `ResourceOwner` (an account id or
/// `arn:…:iam::ACCOUNT:root`), else the caller's account.
fn resource_owner(owner: Option<&str>, account_id: &str) -> Result<String, AwsError> {
    let Some(owner) = owner else {
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

/// What both simulations are asked about, besides the policies: the
/// resources and their owner, the actions, the request's context and the
/// page of results.
#[derive(Debug, Clone, Default)]
pub(super) struct Scenario {
    /// `ResourcePolicy`, a resource-based policy of the resources.
    pub resource_policy: Option<Text>,
    /// `ResourceOwner`.
    pub resource_owner: Option<Text>,
    /// `ActionNames`.
    pub actions: List<ActionName>,
    /// `ResourceArns`; `*` when empty.
    pub resources: TextList,
    /// `ContextEntries`.
    pub context: ContextEntryList,
    /// `Marker` (the index of the last result returned) and `MaxItems`.
    pub page: Page,
}

impl Scenario {
    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            resource_policy: d.member("ResourcePolicy"),
            resource_owner: d.member("ResourceOwner"),
            actions: d.required("ActionNames"),
            resources: d.member("ResourceArns").unwrap_or_default(),
            context: d.member("ContextEntries").unwrap_or_default(),
            page: d.read(Page::read(params)).unwrap_or_default(),
        })
    }

    /// Evaluates every action on every resource for `principal` of
    /// `account_id`, and answers one page of results.
    fn simulate(
        self,
        principal: &Principal,
        account_id: &str,
        identity: &[SimPolicy],
        boundaries: &[SimPolicy],
    ) -> Result<Evaluations, AwsError> {
        let resource_policy = match &self.resource_policy {
            Some(text) => Some(SimPolicy {
                key: "ResourcePolicy".to_string(),
                source_id: "ResourcePolicy".to_string(),
                source_type: "resource",
                policy: Some(parse_policy(text, PolicyKind::resource())?),
            }),
            None => None,
        };
        let owner = resource_owner(self.resource_owner.as_deref(), account_id)?;
        let actions = &self.actions;
        let mut resources = self.resources.0;
        if resources.is_empty() {
            resources.push("*".to_string());
        }
        let start = match self.page.after.as_deref() {
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
            entries: &self.context.0,
            identity,
            boundaries,
            resource_policy: resource_policy.as_ref(),
        };
        let total = actions.len() * resources.len();
        let results: Vec<(usize, EvaluationResult)> = (start
            ..total.min(start + self.page.fetch_limit()))
            .map(|index| {
                let action = &actions[index / resources.len()];
                let resource = &resources[index % resources.len()];
                (index, simulation.evaluate(action, resource))
            })
            .collect();
        let page = self.page.finish(results, |(index, _)| index.to_string());
        Ok(Evaluations(page.map(|(_, result)| result)))
    }
}

/// The statement of a policy that decided a simulated request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct MatchedStatement {
    /// `SourcePolicyId`.
    pub source_id: String,
    /// `SourcePolicyType`.
    pub source_type: &'static str,
    /// Where the statement starts in the policy's text.
    pub start: Position,
    /// Where it ends.
    pub end: Position,
}

/// One simulated request: an action on a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct EvaluationResult {
    /// `EvalActionName`.
    pub action: String,
    /// `EvalResourceName`.
    pub resource: String,
    /// `EvalDecision`.
    pub decision: DecisionEffect,
    /// The statements that decided.
    pub matched: Vec<MatchedStatement>,
    /// The condition keys the policies read that the request lacks.
    pub missing: Vec<String>,
    /// `AllowedByPermissionsBoundary`, when a boundary took part.
    pub allowed_by_boundary: Option<bool>,
}

fn position_xml(tag: &'static str, at: Position) -> Xml {
    Xml::node(
        tag,
        vec![
            Xml::text("Line", at.line.to_string()),
            Xml::text("Column", at.column.to_string()),
        ],
    )
}

impl EvaluationResult {
    fn xml(self) -> Vec<Xml> {
        let decision = match self.decision {
            DecisionEffect::Allow => "allowed",
            DecisionEffect::ExplicitDeny => "explicitDeny",
            DecisionEffect::ImplicitDeny => "implicitDeny",
        };
        let matched = self
            .matched
            .into_iter()
            .map(|st| {
                vec![
                    Xml::text("SourcePolicyId", st.source_id),
                    Xml::text("SourcePolicyType", st.source_type),
                    position_xml("StartPosition", st.start),
                    position_xml("EndPosition", st.end),
                ]
            })
            .collect();
        let mut out = vec![
            Xml::text("EvalActionName", self.action),
            Xml::text("EvalResourceName", self.resource),
            Xml::text("EvalDecision", decision),
            members("MatchedStatements", matched),
            Xml::node(
                "MissingContextValues",
                self.missing
                    .into_iter()
                    .map(|k| Xml::text("member", k))
                    .collect(),
            ),
        ];
        if let Some(allowed) = self.allowed_by_boundary {
            out.push(Xml::node(
                "PermissionsBoundaryDecisionDetail",
                vec![Xml::text(
                    "AllowedByPermissionsBoundary",
                    allowed.to_string(),
                )],
            ));
        }
        out
    }
}

/// A page of `EvaluationResults`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Evaluations(pub Listing<EvaluationResult>);

impl Encode for Evaluations {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        self.0.xml("EvaluationResults", EvaluationResult::xml)
    }
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

    /// `action` on `resource`.
    fn evaluate(&self, action: &str, resource: &str) -> EvaluationResult {
        // The simulator fills no condition key of its own: a statement
        // that needs one the request does not give lists it as missing.
        let mut ctx = RequestContext::without_keys(self.principal.clone(), action, resource)
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
        let allowed_by_boundary = decision
            .layer(Layer::PermissionBoundary)
            .filter(|_| !self.boundaries.is_empty())
            .map(|layer| !broken_boundary && matches!(layer.outcome, LayerOutcome::Allow));
        EvaluationResult {
            action: action.to_string(),
            resource: resource.to_string(),
            decision: effect,
            matched,
            missing: missing_context_keys(&ctx, self.policies()),
            allowed_by_boundary,
        }
    }

    /// The statements that decided, each with its policy's ids and its
    /// start and end in the policy's text.
    fn matched_statements(&self, decision: &tessera_policy::Decision) -> Vec<MatchedStatement> {
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
                Some(MatchedStatement {
                    source_id: source.source_id.clone(),
                    source_type: source.source_type,
                    start: statement.pos,
                    end: statement.end,
                })
            })
            .collect()
    }
}

/// Condition keys of the statements that match the action and resource
/// but that the request does not carry.
fn missing_context_keys<'a>(
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

/// `SimulateCustomPolicy`: the given policies, for the given caller.
#[derive(Debug, Clone)]
pub(super) struct SimulateCustomPolicy {
    /// `PolicyInputList`.
    pub policies: TextList,
    /// `PermissionsBoundaryPolicyInputList`.
    pub boundaries: TextList,
    /// `CallerArn`.
    pub caller_arn: Option<Text>,
    pub scenario: Scenario,
}

impl Action for SimulateCustomPolicy {
    const SPEC: ActionSpec = spec("iam:SimulateCustomPolicy", R::None, &[]);
    type Found = ();
    type Output = Evaluations;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            policies: d.required("PolicyInputList"),
            boundaries: d
                .member("PermissionsBoundaryPolicyInputList")
                .unwrap_or_default(),
            caller_arn: d.member("CallerArn"),
            scenario: d.read(Scenario::decode(params)).unwrap_or_default(),
        })
    }

    async fn access(&self, _ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        Ok((Access::on_arn("*"), ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<Evaluations, AwsError> {
        let identity = input_policies(&self.policies, "PolicyInputList")?;
        let boundaries = input_policies(&self.boundaries, "PermissionsBoundaryPolicyInputList")?;
        let account_id = ctx.account_id();
        // The simulated caller is CallerArn. Without it the policies alone
        // are simulated, for a caller of the account that the request
        // context knows nothing of (no `aws:username`, no principal keys:
        // the simulator fills none). A resource policy needs a caller for
        // its Principal element.
        let principal = match &self.caller_arn {
            Some(caller_arn) => principal_of(caller_arn)?,
            None if self.scenario.resource_policy.is_some() => {
                return Err(AwsError::invalid_input(
                    "CallerArn is required when a ResourcePolicy is given.",
                ));
            }
            None => Principal::user(
                Arn::user(ctx.partition(), account_id, "/", "simulated-caller").into_string(),
            )
            .map_err(|_| AwsError::internal())?,
        };
        self.scenario
            .simulate(&principal, account_id, &identity, &boundaries)
    }
}

/// The user, group or role `SimulatePrincipalPolicy` is about.
#[derive(Debug)]
pub(super) struct PolicySource {
    kind: OwnerKind,
    /// The name in `PolicySourceArn`.
    name: String,
    /// Who is simulated: the user, a session of the role, or a member of
    /// the group.
    principal: Principal,
    /// The entity's unique id and target, when it exists.
    found: Option<(String, Target)>,
}

/// `SimulatePrincipalPolicy`: the policies of a user, group or role of the
/// caller's account, with any given ones.
#[derive(Debug, Clone)]
pub(super) struct SimulatePrincipalPolicy {
    /// `PolicySourceArn`.
    pub source: ArnValue,
    /// `PolicyInputList`, added to the entity's policies.
    pub policies: TextList,
    /// `PermissionsBoundaryPolicyInputList`, in place of the entity's
    /// boundary.
    pub boundaries: TextList,
    /// `CallerArn`.
    pub caller_arn: Option<Text>,
    pub scenario: Scenario,
}

impl Action for SimulatePrincipalPolicy {
    const SPEC: ActionSpec = spec("iam:SimulatePrincipalPolicy", R::User, &[]);
    type Found = PolicySource;
    type Output = Evaluations;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            source: d.required("PolicySourceArn"),
            policies: d.member("PolicyInputList").unwrap_or_default(),
            boundaries: d
                .member("PermissionsBoundaryPolicyInputList")
                .unwrap_or_default(),
            caller_arn: d.member("CallerArn"),
            scenario: d.read(Scenario::decode(params)).unwrap_or_default(),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, PolicySource), AwsError> {
        let source = self.source.as_ref();
        let account_id = ctx.account_id();
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
        let name = resource.rsplit('/').next().unwrap_or_default().to_string();
        // The entity as stored, found by its name and exact path in the
        // caller's account; authorization names it by its stored ARN, or by
        // the ARN given when there is no such entity.
        let found = match principal.account.as_deref() == Some(account_id) {
            true => entity_target(ctx.state, account_id, noun, &name)
                .await?
                .filter(|(_, target)| same_entity_arn(source, &target.arn)),
            false => None,
        };
        let target = match &found {
            Some((_, target)) => target.clone(),
            None => Target::named(source),
        };
        let source = PolicySource {
            kind,
            name,
            principal,
            found,
        };
        Ok((Access::on(target), source))
    }

    async fn run(self, ctx: &Context<'_>, source: PolicySource) -> Result<Evaluations, AwsError> {
        let PolicySource {
            kind,
            name,
            principal,
            found,
        } = source;
        let Some((unique_id, target)) = found else {
            return Err(AwsError::no_such_entity(kind.not_found(&name)));
        };
        let principal = match kind {
            OwnerKind::Group => principal,
            _ => principal_of(&target.arn)?,
        };
        let store = ctx.store();
        let policies = match kind {
            OwnerKind::Group => store.policies_of_group(&unique_id).await?,
            OwnerKind::User => store.policies_of_user(&unique_id).await?,
            OwnerKind::Role => store.policies_of_role(&unique_id).await?,
        };
        let mut identity: Vec<SimPolicy> = policies
            .identity
            .iter()
            .map(|p| stored_policy(&p.id, &p.document))
            .collect();
        identity.extend(input_policies(&self.policies, "PolicyInputList")?);
        let mut boundaries =
            input_policies(&self.boundaries, "PermissionsBoundaryPolicyInputList")?;
        if boundaries.is_empty()
            && let Some(boundary) = &policies.boundary
        {
            boundaries.push(stored_policy(&boundary.id, &boundary.document));
        }
        let principal = match &self.caller_arn {
            Some(caller_arn) => principal_of(caller_arn)?,
            None => principal,
        };
        self.scenario
            .simulate(&principal, ctx.account_id(), &identity, &boundaries)
    }
}

crate::action::action_table!(SimulateCustomPolicy, SimulatePrincipalPolicy);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::members::Scalar;
    use crate::action::testing::Fixture;

    const ALLOW_S3: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    const DENY_DELETE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#;
    const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

    fn texts(items: &[&str]) -> TextList {
        TextList(items.iter().map(ToString::to_string).collect())
    }

    fn scenario(actions: &[&str], resources: &[&str], page: Page) -> Scenario {
        Scenario {
            resource_policy: None,
            resource_owner: None,
            actions: List(
                actions
                    .iter()
                    .map(|a| ActionName::parse("actionNames.member", a).expect("valid"))
                    .collect(),
            ),
            resources: texts(resources),
            context: ContextEntryList::default(),
            page,
        }
    }

    fn custom(policies: &[&str], actions: &[&str]) -> SimulateCustomPolicy {
        SimulateCustomPolicy {
            policies: texts(policies),
            boundaries: TextList::default(),
            caller_arn: None,
            scenario: scenario(actions, &[], Page::default()),
        }
    }

    fn decisions(results: &Listing<EvaluationResult>) -> Vec<DecisionEffect> {
        results.items.iter().map(|r| r.decision).collect()
    }

    #[tokio::test]
    async fn custom_policies_decide_each_action() {
        let fx = Fixture::new().await;
        let input = custom(
            &[ALLOW_S3, DENY_DELETE],
            &["s3:GetObject", "s3:DeleteBucket", "ec2:RunInstances"],
        );
        let results = fx.call(input).await.expect("simulated").0;
        assert_eq!(
            decisions(&results),
            vec![
                DecisionEffect::Allow,
                DecisionEffect::ExplicitDeny,
                DecisionEffect::ImplicitDeny
            ]
        );
        let sources: Vec<_> = results
            .items
            .iter()
            .flat_map(|r| {
                r.matched
                    .iter()
                    .map(|m| (m.source_id.as_str(), m.source_type))
            })
            .collect();
        assert_eq!(
            sources,
            vec![("PolicyInputList.1", "none"), ("PolicyInputList.2", "none")]
        );
        assert!(results.items.iter().all(|r| r.resource == "*"));
        assert_eq!(results.items[0].allowed_by_boundary, None);
    }

    #[tokio::test]
    async fn the_simulator_fills_no_key_of_its_own() {
        let fx = Fixture::new().await;
        let own = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:username":"alice"}}}]}"#;
        let results = fx
            .call(custom(&[own], &["s3:GetObject"]))
            .await
            .expect("simulated")
            .0;
        assert_eq!(decisions(&results), vec![DecisionEffect::ImplicitDeny]);
        assert_eq!(results.items[0].missing, vec!["aws:username".to_string()]);

        let mut given = custom(&[own], &["s3:GetObject"]);
        given.scenario.context =
            ContextEntryList(vec![("aws:username".into(), ContextValue::from("alice"))]);
        let results = fx.call(given).await.expect("simulated").0;
        assert_eq!(decisions(&results), vec![DecisionEffect::Allow]);
        assert!(results.items[0].missing.is_empty());

        let mut with_resource_policy = custom(&[own], &["s3:GetObject"]);
        with_resource_policy.scenario.resource_policy = Some(
            Text::parse(
                "resourcePolicy",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}"#,
            )
            .expect("text"),
        );
        let error = fx.call(with_resource_policy).await.expect_err("no caller");
        assert_eq!(error.code.as_ref(), "InvalidInput");
    }

    #[tokio::test]
    async fn a_boundary_limits_and_a_malformed_policy_is_refused() {
        let fx = Fixture::new().await;
        let all = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        let input = SimulateCustomPolicy {
            boundaries: texts(&[ALLOW_S3]),
            ..custom(&[all], &["s3:GetObject", "iam:CreateUser"])
        };
        let results = fx.call(input).await.expect("simulated").0;
        assert_eq!(
            decisions(&results),
            vec![DecisionEffect::Allow, DecisionEffect::ImplicitDeny]
        );
        assert_eq!(
            results
                .items
                .iter()
                .map(|r| r.allowed_by_boundary)
                .collect::<Vec<_>>(),
            vec![Some(true), Some(false)]
        );
        let error = fx
            .call(custom(&["{"], &["s3:GetObject"]))
            .await
            .expect_err("malformed");
        assert_eq!(error.code.as_ref(), "MalformedPolicyDocument");
    }

    #[tokio::test]
    async fn results_are_paged_over_actions_and_resources() {
        let fx = Fixture::new().await;
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let input = SimulateCustomPolicy {
                scenario: scenario(
                    &["s3:GetObject", "s3:PutObject"],
                    &["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"],
                    Page {
                        after: after.take(),
                        max_items: 3,
                    },
                ),
                ..custom(&[ALLOW_S3], &[])
            };
            let page = fx.call(input).await.expect("simulated").0;
            seen.extend(
                page.items
                    .iter()
                    .map(|r| format!("{} {}", r.action, r.resource)),
            );
            if !page.truncated {
                break;
            }
            after = Some((seen.len() - 1).to_string());
        }
        assert_eq!(
            seen,
            vec![
                "s3:GetObject arn:aws:s3:::a/*",
                "s3:GetObject arn:aws:s3:::b/*",
                "s3:PutObject arn:aws:s3:::a/*",
                "s3:PutObject arn:aws:s3:::b/*",
            ]
        );
    }

    #[tokio::test]
    async fn a_principal_is_simulated_with_its_own_policies() {
        let fx = Fixture::new().await;
        let role = super::super::roles::CreateRole {
            name: Scalar::parse("roleName", "sim").expect("name"),
            path: crate::action::members::IamPath::root(),
            trust: Scalar::parse("assumeRolePolicyDocument", TRUST).expect("trust"),
            description: None,
            max_session: None,
            boundary: None,
            tags: crate::action::members::Tags::default(),
        };
        let role = fx.call(role).await.expect("role").role;
        let policy = super::super::managed_policies::CreatePolicy {
            name: Scalar::parse("policyName", "s3").expect("name"),
            path: None,
            document: Scalar::parse("policyDocument", ALLOW_S3).expect("document"),
            description: None,
            tags: crate::action::members::Tags::default(),
        };
        let policy = fx.call(policy).await.expect("policy").policy;
        fx.state
            .store()
            .attach_policy(&fx.account_id, OwnerKind::Role, "sim", &policy.arn)
            .await
            .expect("attached");
        let source_arn = format!("arn:aws:iam::{}:role/sim", fx.account_id);
        let simulate = |source: &str| SimulatePrincipalPolicy {
            source: ArnValue::parse("policySourceArn", source).expect("ARN"),
            policies: TextList::default(),
            boundaries: TextList::default(),
            caller_arn: None,
            scenario: scenario(&["s3:GetObject", "iam:CreateUser"], &[], Page::default()),
        };
        let results = fx.call(simulate(&source_arn)).await.expect("simulated").0;
        assert_eq!(
            decisions(&results),
            vec![DecisionEffect::Allow, DecisionEffect::ImplicitDeny]
        );
        assert_eq!(
            results.items[0]
                .matched
                .iter()
                .map(|m| (m.source_id.as_str(), m.source_type))
                .collect::<Vec<_>>(),
            vec![("s3", "user-managed")]
        );
        assert_eq!(role.name, "sim");
        let missing = format!("arn:aws:iam::{}:role/none", fx.account_id);
        let error = fx.call(simulate(&missing)).await.expect_err("unknown");
        assert_eq!(
            (error.code.as_ref(), error.message.as_str()),
            ("NoSuchEntity", "The role with name none cannot be found.")
        );
        let elsewhere = fx
            .call(simulate("arn:aws:iam::999999999999:user/alice"))
            .await
            .expect_err("another account");
        assert_eq!(error.code.as_ref(), elsewhere.code.as_ref());
        let error = fx
            .call(simulate(&format!(
                "arn:aws:iam::{}:policy/p",
                fx.account_id
            )))
            .await
            .expect_err("not a principal");
        assert_eq!(error.code.as_ref(), "InvalidInput");
    }

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
