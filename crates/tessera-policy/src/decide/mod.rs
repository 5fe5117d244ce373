//! The layered AWS authorization decision and its explanation.
//!
//! Order, as the IAM User Guide's evaluation logic describes it:
//! 1. an applicable `Deny` in any policy (identity, resource-based,
//!    permission boundary, session) is an explicit deny;
//! 2. the root user is allowed in its own account (a role trust policy
//!    must still name it);
//! 3. same account: an allow from the identity path (identity policies,
//!    limited by every permission boundary and by the session policies)
//!    or from the resource-based policy is enough — a resource policy that
//!    names a user or a session directly is not limited by boundaries or
//!    session policies, one that names the role of a session is, one that
//!    names only the account delegates to the identity policies; a role
//!    trust policy must allow in every case;
//! 4. cross-account: both the identity path and the resource-based policy
//!    must allow;
//! 5. otherwise an implicit deny.

use crate::ast::{Effect, Policy};
use crate::eval::{EvalOptions, PrincipalKind, PrincipalMatch, RequestContext, evaluate_statement};
use serde::Serialize;
use std::fmt::{self, Write};

/// A policy with the id the explanation shows (a policy ARN, or
/// `user/NAME/inline/POLICYNAME`, …).
#[derive(Debug, Clone, Copy)]
pub struct PolicyRef<'a> {
    /// The id shown in explanations.
    pub id: &'a str,
    /// The policy.
    pub policy: &'a Policy,
}

/// What the resource-based policy is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ResourcePolicyKind {
    /// An ordinary resource-based policy: in the same account an allow in
    /// either it or the identity policies suffices.
    Resource,
    /// A role trust policy: it must allow the principal in every case.
    RoleTrust,
}

/// The resource-based policy of the request.
#[derive(Debug, Clone, Copy)]
pub struct ResourcePolicy<'a> {
    /// The id shown in explanations (e.g. the role ARN + `/trust-policy`).
    pub id: &'a str,
    /// The policy.
    pub policy: &'a Policy,
    /// Ordinary resource policy or role trust policy.
    pub kind: ResourcePolicyKind,
}

/// Everything [`decide`] needs: the request and the policies that apply.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest<'a> {
    /// The request.
    pub context: &'a RequestContext,
    /// The principal's identity policies (user's, its groups', role's).
    pub identity_policies: Vec<PolicyRef<'a>>,
    /// The resource-based policy (the role trust policy for `AssumeRole*`).
    pub resource_policy: Option<ResourcePolicy<'a>>,
    /// Permission boundaries; each one must allow.
    pub permission_boundaries: Vec<PolicyRef<'a>>,
    /// Session policies (inline and managed) of the principal's session;
    /// together they form one layer that must allow when present.
    pub session_policies: Vec<PolicyRef<'a>>,
}

impl<'a> AuthorizationRequest<'a> {
    /// A request with no policies yet.
    pub fn new(context: &'a RequestContext) -> Self {
        AuthorizationRequest {
            context,
            identity_policies: Vec::new(),
            resource_policy: None,
            permission_boundaries: Vec::new(),
            session_policies: Vec::new(),
        }
    }
    /// Adds an identity policy.
    pub fn identity(mut self, id: &'a str, policy: &'a Policy) -> Self {
        self.identity_policies.push(PolicyRef { id, policy });
        self
    }
    /// Sets an ordinary resource-based policy.
    pub fn resource(mut self, id: &'a str, policy: &'a Policy) -> Self {
        self.resource_policy = Some(ResourcePolicy {
            id,
            policy,
            kind: ResourcePolicyKind::Resource,
        });
        self
    }
    /// Sets the role trust policy.
    pub fn trust(mut self, id: &'a str, policy: &'a Policy) -> Self {
        self.resource_policy = Some(ResourcePolicy {
            id,
            policy,
            kind: ResourcePolicyKind::RoleTrust,
        });
        self
    }
    /// Adds a permission boundary.
    pub fn boundary(mut self, id: &'a str, policy: &'a Policy) -> Self {
        self.permission_boundaries.push(PolicyRef { id, policy });
        self
    }
    /// Adds a session policy.
    pub fn session(mut self, id: &'a str, policy: &'a Policy) -> Self {
        self.session_policies.push(PolicyRef { id, policy });
        self
    }

    /// True if the principal is the root user of the resource's account.
    pub fn is_root_of_resource_account(&self) -> bool {
        let p = self.context.principal();
        p.kind == PrincipalKind::Root
            && match self.context.resource_account() {
                None => true,
                Some(r) => p.account.as_deref() == Some(r),
            }
    }
}

/// The final decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum DecisionEffect {
    /// Allowed.
    Allow,
    /// Denied by an applicable `Deny` statement.
    ExplicitDeny,
    /// Denied because nothing (or not every required layer) allowed it.
    ImplicitDeny,
}

impl fmt::Display for DecisionEffect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DecisionEffect::Allow => "Allow",
            DecisionEffect::ExplicitDeny => "ExplicitDeny",
            DecisionEffect::ImplicitDeny => "ImplicitDeny",
        })
    }
}

/// A kind of policy taking part in the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Layer {
    /// Identity-based policies.
    Identity,
    /// The resource-based policy (or role trust policy).
    ResourceBased,
    /// Permission boundaries.
    PermissionBoundary,
    /// Session policies.
    Session,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layer::Identity => "identity-based policies",
            Layer::ResourceBased => "resource-based policy",
            Layer::PermissionBoundary => "permission boundary",
            Layer::Session => "session policies",
        })
    }
}

/// What one layer said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum LayerOutcome {
    /// The request has no policy of this kind.
    NotPresent,
    /// The layer allows (for boundaries: every boundary allows).
    Allow,
    /// A `Deny` statement of this layer applies.
    ExplicitDeny,
    /// Policies are present but none allows.
    ImplicitDeny,
}

/// A statement that applied to the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchedStatement {
    /// The layer of its policy.
    pub layer: Layer,
    /// The policy id given in the request.
    pub policy_id: String,
    /// The statement's `Sid`, if it has one.
    pub sid: Option<String>,
    /// The statement's zero-based index in its policy.
    pub index: usize,
    /// The statement's effect.
    pub effect: Effect,
    /// How its `Principal` matched (resource-based policies).
    pub principal_match: Option<PrincipalMatch>,
}

impl fmt::Display for MatchedStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} statement ", self.effect)?;
        match &self.sid {
            Some(s) if !s.is_empty() => write!(f, "\"{s}\"")?,
            _ => write!(f, "#{}", self.index)?,
        }
        write!(f, " of {} ({})", self.policy_id, self.layer)
    }
}

/// What one layer did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerReport {
    /// The layer.
    pub layer: Layer,
    /// Its outcome.
    pub outcome: LayerOutcome,
    /// Every statement of the layer that applied.
    pub statements: Vec<MatchedStatement>,
}

/// Why the decision came out as it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum DecisionReason {
    /// A `Deny` statement applied.
    ExplicitDeny,
    /// The root user acts in its own account.
    RootUser,
    /// The identity policies allowed (within boundaries and session policies).
    IdentityPolicy,
    /// The resource-based policy allowed on its own.
    ResourcePolicy,
    /// Both the identity path and the resource-based policy allowed (cross
    /// account, or a trust policy that delegates to the account).
    IdentityAndResourcePolicy,
    /// No policy allowed the request.
    NoAllow,
    /// The identity policies allowed but a permission boundary did not.
    PermissionBoundary,
    /// The identity policies allowed but the session policies did not.
    SessionPolicy,
    /// The role trust policy does not allow this principal.
    TrustPolicy,
    /// Cross-account: the resource-based policy does not allow the principal.
    CrossAccountResourcePolicy,
    /// Cross-account: the principal's own policies do not allow the request.
    CrossAccountIdentityPolicy,
}

impl fmt::Display for DecisionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DecisionReason::ExplicitDeny => "an applicable Deny statement overrides any Allow",
            DecisionReason::RootUser => "the root user is allowed in its own account",
            DecisionReason::IdentityPolicy => "allowed by the identity-based policies",
            DecisionReason::ResourcePolicy => "allowed by the resource-based policy",
            DecisionReason::IdentityAndResourcePolicy => {
                "allowed by both the identity-based and the resource-based policy"
            }
            DecisionReason::NoAllow => "no policy allows the request",
            DecisionReason::PermissionBoundary => {
                "the permission boundary does not allow the request"
            }
            DecisionReason::SessionPolicy => "the session policies do not allow the request",
            DecisionReason::TrustPolicy => "the role trust policy does not allow the principal",
            DecisionReason::CrossAccountResourcePolicy => {
                "cross-account access needs an allow in the resource-based policy"
            }
            DecisionReason::CrossAccountIdentityPolicy => {
                "cross-account access needs an allow in the principal's own policies"
            }
        })
    }
}

/// The result of [`decide`]: effect, reason, deciding statements and the
/// per-layer detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Allow, explicit deny or implicit deny.
    pub effect: DecisionEffect,
    /// Why.
    pub reason: DecisionReason,
    /// The statements that decided: the `Deny` statements for an explicit
    /// deny, the `Allow` statements that granted for an allow.
    pub statements: Vec<MatchedStatement>,
    /// What every layer did, in evaluation order.
    pub layers: Vec<LayerReport>,
}

impl Decision {
    /// True if the request is allowed.
    pub fn is_allowed(&self) -> bool {
        self.effect == DecisionEffect::Allow
    }

    /// The report of one layer.
    pub fn layer(&self, layer: Layer) -> Option<&LayerReport> {
        self.layers.iter().find(|l| l.layer == layer)
    }

    /// A human-readable explanation, several lines.
    pub fn explain(&self) -> String {
        let mut s = format!("{}: {}", self.effect, self.reason);
        for st in &self.statements {
            let _ = write!(s, "\n  decided by {st}");
        }
        for l in &self.layers {
            let _ = write!(s, "\n  {}: {:?}", l.layer, l.outcome);
        }
        s
    }
}

struct LayerEval {
    statements: Vec<MatchedStatement>,
    any_allow: bool,
    any_deny: bool,
    present: bool,
}

fn eval_policy(
    layer: Layer,
    pref: PolicyRef<'_>,
    ctx: &RequestContext,
    opts: EvalOptions,
    out: &mut LayerEval,
) -> bool {
    let mut allowed = false;
    out.present = true;
    for st in pref.policy.statements() {
        if let Some(m) = evaluate_statement(st, ctx, opts) {
            match m.effect {
                Effect::Allow => allowed = true,
                Effect::Deny => out.any_deny = true,
            }
            out.statements.push(MatchedStatement {
                layer,
                policy_id: pref.id.to_string(),
                sid: st.sid.clone(),
                index: st.index,
                effect: m.effect,
                principal_match: m.principal,
            });
        }
    }
    out.any_allow |= allowed;
    allowed
}

fn new_eval() -> LayerEval {
    LayerEval {
        statements: Vec::new(),
        any_allow: false,
        any_deny: false,
        present: false,
    }
}

fn report(layer: Layer, e: LayerEval, allows: bool) -> LayerReport {
    let outcome = if !e.present {
        LayerOutcome::NotPresent
    } else if e.any_deny {
        LayerOutcome::ExplicitDeny
    } else if allows {
        LayerOutcome::Allow
    } else {
        LayerOutcome::ImplicitDeny
    };
    LayerReport {
        layer,
        outcome,
        statements: e.statements,
    }
}

/// What every layer of a request said.
struct Layers {
    identity: LayerEval,
    boundary: LayerEval,
    /// Every boundary allows (or there is none).
    boundary_allow: bool,
    session: LayerEval,
    /// The session policies allow (or there are none).
    session_allow: bool,
    resource: LayerEval,
    resource_kind: Option<ResourcePolicyKind>,
}

fn evaluate_layers(req: &AuthorizationRequest<'_>) -> Layers {
    let ctx = req.context;
    let opts = EvalOptions {
        principal_has_boundary: !req.permission_boundaries.is_empty(),
    };
    let mut identity = new_eval();
    for p in &req.identity_policies {
        eval_policy(Layer::Identity, *p, ctx, opts, &mut identity);
    }
    let mut boundary = new_eval();
    let mut boundary_allow = true;
    for p in &req.permission_boundaries {
        boundary_allow &= eval_policy(Layer::PermissionBoundary, *p, ctx, opts, &mut boundary);
    }
    let mut session = new_eval();
    for p in &req.session_policies {
        eval_policy(Layer::Session, *p, ctx, opts, &mut session);
    }
    let session_allow = !session.present || session.any_allow;
    let mut resource = new_eval();
    let mut resource_kind = None;
    if let Some(rp) = &req.resource_policy {
        resource_kind = Some(rp.kind);
        let pref = PolicyRef {
            id: rp.id,
            policy: rp.policy,
        };
        eval_policy(Layer::ResourceBased, pref, ctx, opts, &mut resource);
    }
    Layers {
        identity,
        boundary,
        boundary_allow,
        session,
        session_allow,
        resource,
        resource_kind,
    }
}

/// The strongest way an Allow statement of the resource policy named the
/// principal.
fn strongest_resource_match(resource: &LayerEval) -> Option<PrincipalMatch> {
    resource
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
        .filter_map(|s| s.principal_match.or(Some(PrincipalMatch::Direct)))
        .max_by_key(|m| match m {
            PrincipalMatch::Everyone | PrincipalMatch::Direct | PrincipalMatch::NotPrincipal => 3,
            PrincipalMatch::ViaRole | PrincipalMatch::ViaUser => 2,
            PrincipalMatch::ViaAccount => 1,
        })
}

/// The facts the decision rests on.
struct Facts {
    explicit_deny: bool,
    is_root: bool,
    /// The principal is an AWS principal (not a service, identity-provider
    /// or anonymous caller).
    is_aws: bool,
    same_account: bool,
    /// The resource policy is a role trust policy.
    trust: bool,
    resource_match: Option<PrincipalMatch>,
    identity_allow: bool,
    boundary_allow: bool,
    session_allow: bool,
}

impl Facts {
    fn of(req: &AuthorizationRequest<'_>, layers: &Layers) -> Self {
        let ctx = req.context;
        let principal = ctx.principal();
        let is_root = principal.kind == PrincipalKind::Root;
        Facts {
            explicit_deny: layers.identity.any_deny
                || layers.boundary.any_deny
                || layers.session.any_deny
                || layers.resource.any_deny,
            is_root,
            is_aws: principal.is_aws(),
            same_account: match (principal.account.as_deref(), ctx.resource_account()) {
                (_, None) => true,
                (Some(a), Some(r)) => a == r,
                (None, Some(_)) => false,
            },
            trust: layers.resource_kind == Some(ResourcePolicyKind::RoleTrust),
            resource_match: strongest_resource_match(&layers.resource),
            identity_allow: layers.identity.any_allow || is_root,
            boundary_allow: layers.boundary_allow,
            session_allow: layers.session_allow,
        }
    }

    /// The identity policies allow, within every boundary and the session
    /// policies.
    fn identity_path(&self) -> bool {
        self.identity_allow && self.boundary_allow && self.session_allow
    }

    /// The resource policy allows on its own: it names the principal
    /// directly, or names its role (or its IAM user) within the boundaries
    /// and session policies.
    fn resource_alone(&self) -> bool {
        match self.resource_match {
            Some(
                PrincipalMatch::Everyone | PrincipalMatch::Direct | PrincipalMatch::NotPrincipal,
            ) => true,
            Some(PrincipalMatch::ViaRole | PrincipalMatch::ViaUser) => {
                self.boundary_allow && self.session_allow
            }
            Some(PrincipalMatch::ViaAccount) | None => false,
        }
    }
}

/// An outcome, and which layers' Allow statements granted it
/// (identity path, resource policy).
type Outcome = (DecisionEffect, DecisionReason, bool, bool);

const fn denied(reason: DecisionReason) -> Outcome {
    (DecisionEffect::ImplicitDeny, reason, false, false)
}

/// The outcome, in the order of the evaluation logic.
fn outcome(f: &Facts) -> Outcome {
    if f.explicit_deny {
        (
            DecisionEffect::ExplicitDeny,
            DecisionReason::ExplicitDeny,
            false,
            false,
        )
    } else if f.is_root && f.same_account && !f.trust {
        (
            DecisionEffect::Allow,
            DecisionReason::RootUser,
            false,
            false,
        )
    } else if !f.is_aws {
        // Services, identity-provider callers and anonymous callers have no
        // identity policies: only the resource-based policy can allow.
        if f.resource_match.is_some() {
            (
                DecisionEffect::Allow,
                DecisionReason::ResourcePolicy,
                false,
                true,
            )
        } else if f.trust {
            denied(DecisionReason::TrustPolicy)
        } else {
            denied(DecisionReason::NoAllow)
        }
    } else if f.same_account {
        same_account_outcome(f)
    } else {
        cross_account_outcome(f)
    }
}

fn same_account_outcome(f: &Facts) -> Outcome {
    if f.trust && f.resource_match.is_none() {
        denied(DecisionReason::TrustPolicy)
    } else if f.resource_alone() {
        (
            DecisionEffect::Allow,
            DecisionReason::ResourcePolicy,
            false,
            true,
        )
    } else if f.identity_path() {
        if f.trust {
            (
                DecisionEffect::Allow,
                DecisionReason::IdentityAndResourcePolicy,
                true,
                true,
            )
        } else {
            (
                DecisionEffect::Allow,
                DecisionReason::IdentityPolicy,
                true,
                false,
            )
        }
    } else {
        // A grant through the role (or the federated user's IAM user)
        // failed only because a boundary or session policy limited it.
        let via_role = matches!(
            f.resource_match,
            Some(PrincipalMatch::ViaRole | PrincipalMatch::ViaUser)
        );
        let identity = via_role || f.identity_allow;
        denied(implicit_reason(identity, f.boundary_allow, f.session_allow))
    }
}

fn cross_account_outcome(f: &Facts) -> Outcome {
    if !f.identity_path() {
        let r = implicit_reason(f.identity_allow, f.boundary_allow, f.session_allow);
        if r == DecisionReason::NoAllow && f.resource_match.is_some() {
            denied(DecisionReason::CrossAccountIdentityPolicy)
        } else {
            denied(r)
        }
    } else if f.resource_match.is_none() {
        denied(if f.trust {
            DecisionReason::TrustPolicy
        } else {
            DecisionReason::CrossAccountResourcePolicy
        })
    } else {
        (
            DecisionEffect::Allow,
            DecisionReason::IdentityAndResourcePolicy,
            true,
            true,
        )
    }
}

/// Decides a request with AWS's layered evaluation logic.
pub fn decide(req: &AuthorizationRequest<'_>) -> Decision {
    let layers = evaluate_layers(req);
    let facts = Facts::of(req, &layers);
    let (effect, reason, use_identity, use_resource) = outcome(&facts);

    let mut granting: Vec<MatchedStatement> = Vec::new();
    let mut denying: Vec<MatchedStatement> = Vec::new();
    let mut take = |e: &LayerEval, use_allows: bool| {
        for s in &e.statements {
            match s.effect {
                Effect::Deny => denying.push(s.clone()),
                Effect::Allow if use_allows => granting.push(s.clone()),
                Effect::Allow => {}
            }
        }
    };
    take(&layers.identity, use_identity);
    take(&layers.boundary, use_identity);
    take(&layers.session, use_identity);
    take(&layers.resource, use_resource);

    let identity_allows = layers.identity.any_allow;
    let resource_allows = layers.resource.any_allow;
    let layers = vec![
        report(Layer::Identity, layers.identity, identity_allows),
        report(Layer::ResourceBased, layers.resource, resource_allows),
        report(
            Layer::PermissionBoundary,
            layers.boundary,
            layers.boundary_allow,
        ),
        report(Layer::Session, layers.session, layers.session_allow),
    ];
    let statements = match effect {
        DecisionEffect::ExplicitDeny => denying,
        DecisionEffect::Allow => granting,
        DecisionEffect::ImplicitDeny => Vec::new(),
    };
    Decision {
        effect,
        reason,
        statements,
        layers,
    }
}

fn implicit_reason(identity: bool, boundary: bool, session: bool) -> DecisionReason {
    if !identity {
        DecisionReason::NoAllow
    } else if !boundary {
        DecisionReason::PermissionBoundary
    } else if !session {
        DecisionReason::SessionPolicy
    } else {
        DecisionReason::NoAllow
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PolicyKind, Principal};

    fn policy(text: &str, kind: PolicyKind) -> Policy {
        Policy::parse(text, kind).expect("valid policy")
    }

    #[test]
    fn explanation_names_policy_and_sid() {
        let p = policy(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:Get*","Resource":"*"},{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::secret/*"}]}"#,
            PolicyKind::managed(),
        );
        let user = Principal::user("arn:aws:iam::111122223333:user/alice").expect("user");
        let ctx = RequestContext::new(user.clone(), "s3:GetObject", "arn:aws:s3:::public/x");
        let d = decide(
            &AuthorizationRequest::new(&ctx).identity("arn:aws:iam::111122223333:policy/p", &p),
        );
        assert!(d.is_allowed());
        assert_eq!(d.reason, DecisionReason::IdentityPolicy);
        assert!(
            d.explain()
                .contains("Allow statement \"Read\" of arn:aws:iam::111122223333:policy/p")
        );

        let ctx = RequestContext::new(user, "s3:GetObject", "arn:aws:s3:::secret/x");
        let d = decide(&AuthorizationRequest::new(&ctx).identity("p", &p));
        assert_eq!(d.effect, DecisionEffect::ExplicitDeny);
        assert_eq!(d.statements.len(), 1);
        assert_eq!(d.statements[0].index, 1);
        assert!(d.explain().contains("Deny statement #1 of p"));
        assert_eq!(
            d.layer(Layer::Identity).map(|l| l.outcome),
            Some(LayerOutcome::ExplicitDeny)
        );
        assert_eq!(
            d.layer(Layer::Session).map(|l| l.outcome),
            Some(LayerOutcome::NotPresent)
        );
    }

    #[test]
    fn root_of_resource_account() {
        let ctx = RequestContext::new(Principal::root("111122223333"), "iam:ListUsers", "*")
            .with_resource_account("111122223333");
        assert!(AuthorizationRequest::new(&ctx).is_root_of_resource_account());
        let other = RequestContext::new(Principal::root("444455556666"), "iam:ListUsers", "*")
            .with_resource_account("111122223333");
        assert!(!AuthorizationRequest::new(&other).is_root_of_resource_account());
    }

    #[test]
    fn decision_serializes_for_the_simulator() {
        let ctx = RequestContext::new(Principal::root("111122223333"), "iam:ListUsers", "*");
        let d = decide(&AuthorizationRequest::new(&ctx));
        let json = serde_json::to_string(&d).expect("serializes");
        assert!(json.contains("\"effect\":\"Allow\""));
        assert!(json.contains("\"reason\":\"RootUser\""));
    }
}
