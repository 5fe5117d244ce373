//! Evaluation of one statement and one condition against a request.
//!
//! [`RequestContext`] carries everything a policy can look at: who calls
//! ([`Principal`]), the action, the resource and its account, and the
//! condition keys (names case-insensitive, values single or multi-valued
//! strings, typed by the operator that reads them). The time is a context
//! key like any other (`aws:CurrentTime`, `aws:EpochTime`), so evaluation
//! never reads a clock.

pub mod err;

pub use err::ContextError;

use crate::ast::pattern::NoVariables;
use crate::ast::{
    AwsPrincipal, BaseOperator, Condition, Effect, PrincipalSet, SetOperator, Statement,
    ValueMatcher, Variables,
};
use crate::value::{Number, parse_date};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::net::IpAddr;
use tessera_arn::{Arn, ArnKind};

/// FNV-1a: condition key names are short, and SipHash dominates lookups.
/// The number of keys is bounded by the request size, so flooding is moot.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type KeyMap = HashMap<String, ContextValue, BuildHasherDefault<Fnv>>;

/// What kind of principal makes the request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    /// The root user of its account.
    Root,
    /// An IAM user.
    User,
    /// A role session; `role_arn` is the role's full ARN (with path), so a
    /// policy naming the role matches all of its sessions.
    AssumedRole {
        /// `arn:aws:iam::ACCT:role/PATH/NAME`
        role_arn: String,
    },
    /// A `GetFederationToken` session, with the IAM user that created it.
    FederatedUser {
        /// The calling IAM user's ARN, when known.
        user_arn: Option<String>,
    },
    /// An unauthenticated `AssumeRoleWithWebIdentity` caller.
    WebIdentity {
        /// The OIDC provider (`accounts.google.com` or a provider ARN).
        provider: String,
    },
    /// An unauthenticated `AssumeRoleWithSAML` caller.
    Saml {
        /// The SAML provider ARN.
        provider: String,
    },
    /// An AWS service principal such as `ec2.amazonaws.com`.
    Service {
        /// The service principal name.
        name: String,
    },
    /// An anonymous caller.
    Anonymous,
}

/// The principal that makes the request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Principal {
    /// The principal's ARN (session ARN for role sessions; empty for
    /// service, federated-identity and anonymous callers).
    pub arn: String,
    /// The principal's account, for AWS principals.
    pub account: Option<String>,
    /// The kind of principal.
    pub kind: PrincipalKind,
    /// An S3 canonical user id, if the principal has one.
    pub canonical_user: Option<String>,
    /// The unique id of the IAM entity behind the principal: the user
    /// (`AIDA…`) of a user or of the user that created a federated-user
    /// session, the role (`AROA…`) of a role session. Principals bound to a
    /// unique id ([`AwsPrincipal::UniqueId`]) match on it.
    pub unique_id: Option<String>,
}

/// `arn`, if it is an ARN of `kind`.
fn arn_of_kind(arn: String, kind: ArnKind) -> Result<Arn, ContextError> {
    match Arn::parse(arn.as_str()) {
        Ok(parsed) if parsed.kind() == kind => Ok(parsed),
        _ => Err(ContextError::InvalidArn(arn)),
    }
}

impl Principal {
    /// The root user of `account` (partition `aws`).
    pub fn root(account: impl Into<String>) -> Principal {
        let account = account.into();
        Principal {
            arn: Arn::root("aws", &account).into_string(),
            account: Some(account),
            kind: PrincipalKind::Root,
            canonical_user: None,
            unique_id: None,
        }
    }

    /// An IAM user from its ARN (`arn:aws:iam::ACCT:user/PATH/NAME`).
    pub fn user(arn: impl Into<String>) -> Result<Principal, ContextError> {
        let arn = arn_of_kind(arn.into(), ArnKind::User)?;
        let account = arn.account().to_string();
        Ok(Principal {
            arn: arn.into_string(),
            account: Some(account),
            kind: PrincipalKind::User,
            canonical_user: None,
            unique_id: None,
        })
    }

    /// A role session from its session ARN and the role's full ARN.
    pub fn assumed_role(
        session_arn: impl Into<String>,
        role_arn: impl Into<String>,
    ) -> Result<Principal, ContextError> {
        let arn = arn_of_kind(session_arn.into(), ArnKind::AssumedRole)?;
        let account = arn.account().to_string();
        Ok(Principal {
            arn: arn.into_string(),
            account: Some(account),
            kind: PrincipalKind::AssumedRole {
                role_arn: role_arn.into(),
            },
            canonical_user: None,
            unique_id: None,
        })
    }

    /// A federated-user session (`arn:aws:sts::ACCT:federated-user/NAME`).
    pub fn federated_user(
        arn: impl Into<String>,
        user_arn: Option<String>,
    ) -> Result<Principal, ContextError> {
        let arn = arn_of_kind(arn.into(), ArnKind::FederatedUser)?;
        let account = arn.account().to_string();
        Ok(Principal {
            arn: arn.into_string(),
            account: Some(account),
            kind: PrincipalKind::FederatedUser { user_arn },
            canonical_user: None,
            unique_id: None,
        })
    }

    /// An OIDC web-identity caller of `AssumeRoleWithWebIdentity`.
    pub fn web_identity(provider: impl Into<String>) -> Principal {
        Principal {
            arn: String::new(),
            account: None,
            kind: PrincipalKind::WebIdentity {
                provider: provider.into(),
            },
            canonical_user: None,
            unique_id: None,
        }
    }

    /// A SAML caller of `AssumeRoleWithSAML`.
    pub fn saml(provider_arn: impl Into<String>) -> Principal {
        Principal {
            arn: String::new(),
            account: None,
            kind: PrincipalKind::Saml {
                provider: provider_arn.into(),
            },
            canonical_user: None,
            unique_id: None,
        }
    }

    /// An AWS service principal.
    pub fn service(name: impl Into<String>) -> Principal {
        Principal {
            arn: String::new(),
            account: None,
            kind: PrincipalKind::Service {
                name: name.into().to_ascii_lowercase(),
            },
            canonical_user: None,
            unique_id: None,
        }
    }

    /// The principal with the unique id of its user or role.
    pub fn with_unique_id(mut self, unique_id: impl Into<String>) -> Principal {
        self.unique_id = Some(unique_id.into());
        self
    }

    /// An anonymous caller.
    pub fn anonymous() -> Principal {
        Principal {
            arn: String::new(),
            account: None,
            kind: PrincipalKind::Anonymous,
            canonical_user: None,
            unique_id: None,
        }
    }

    /// Infers the principal from its ARN: root, user, federated user, or an
    /// assumed-role session (whose role ARN is then taken without a path;
    /// use [`Principal::assumed_role`] to give the path).
    pub fn from_arn(arn: &str) -> Result<Principal, ContextError> {
        let parsed = Arn::parse(arn).map_err(|_| ContextError::InvalidArn(arn.to_string()))?;
        match parsed.kind() {
            ArnKind::Root => {
                let mut p = Principal::root(parsed.account());
                p.arn = parsed.into_string();
                Ok(p)
            }
            ArnKind::User => Principal::user(parsed),
            ArnKind::AssumedRole => match parsed.session_role() {
                Some(role_arn) => Principal::assumed_role(parsed, role_arn),
                None => Err(ContextError::InvalidArn(arn.to_string())),
            },
            ArnKind::FederatedUser => Principal::federated_user(parsed, None),
            _ => Err(ContextError::InvalidArn(arn.to_string())),
        }
    }

    /// Sets the canonical user id.
    pub fn with_canonical_user(mut self, id: impl Into<String>) -> Principal {
        self.canonical_user = Some(id.into());
        self
    }

    /// The value of `aws:PrincipalType` for this principal (AWS sets the key
    /// for `Account`, `User`, `AssumedRole`, `FederatedUser` and `Anonymous`;
    /// the other names are descriptive only).
    pub fn principal_type(&self) -> &'static str {
        match self.kind {
            PrincipalKind::Root => "Account",
            PrincipalKind::User => "User",
            PrincipalKind::AssumedRole { .. } => "AssumedRole",
            PrincipalKind::FederatedUser { .. } => "FederatedUser",
            PrincipalKind::WebIdentity { .. } => "WebIdentityUser",
            PrincipalKind::Saml { .. } => "SAMLUser",
            PrincipalKind::Service { .. } => "Service",
            PrincipalKind::Anonymous => "Anonymous",
        }
    }

    /// True for principals that authenticate with AWS credentials (root,
    /// users, role and federated-user sessions).
    pub fn is_aws(&self) -> bool {
        matches!(
            self.kind,
            PrincipalKind::Root
                | PrincipalKind::User
                | PrincipalKind::AssumedRole { .. }
                | PrincipalKind::FederatedUser { .. }
        )
    }

    /// The ARN `aws:PrincipalArn` reports: the role ARN for role sessions.
    pub fn principal_arn(&self) -> &str {
        match &self.kind {
            PrincipalKind::AssumedRole { role_arn } => role_arn,
            _ => &self.arn,
        }
    }
}

/// A condition key's value in the request: one string or several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextValue {
    /// A single-valued key.
    Single(String),
    /// A multi-valued key (e.g. `aws:TagKeys`); may be empty.
    Multi(Vec<String>),
}

impl From<&str> for ContextValue {
    fn from(s: &str) -> Self {
        ContextValue::Single(s.to_string())
    }
}
impl From<String> for ContextValue {
    fn from(s: String) -> Self {
        ContextValue::Single(s)
    }
}
impl From<bool> for ContextValue {
    fn from(b: bool) -> Self {
        ContextValue::Single(b.to_string())
    }
}
impl From<i64> for ContextValue {
    fn from(n: i64) -> Self {
        ContextValue::Single(n.to_string())
    }
}
impl From<Vec<String>> for ContextValue {
    fn from(v: Vec<String>) -> Self {
        ContextValue::Multi(v)
    }
}
impl From<Vec<&str>> for ContextValue {
    fn from(v: Vec<&str>) -> Self {
        ContextValue::Multi(v.into_iter().map(str::to_string).collect())
    }
}

/// Condition keys of a request; names are case-insensitive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextKeys {
    map: KeyMap,
}

impl ContextKeys {
    /// Sets a key (replacing any previous value).
    pub fn insert(&mut self, key: &str, value: impl Into<ContextValue>) {
        self.map.insert(key.to_ascii_lowercase(), value.into());
    }

    /// Removes a key.
    pub fn remove(&mut self, key: &str) {
        self.map.remove(&key.to_ascii_lowercase());
    }

    /// The values of a key (empty slice if the key is multi-valued and empty).
    pub fn get(&self, key: &str) -> Option<&[String]> {
        if key.bytes().any(|b| b.is_ascii_uppercase()) {
            self.get_lc(&key.to_ascii_lowercase())
        } else {
            self.get_lc(key)
        }
    }

    fn get_lc(&self, key_lc: &str) -> Option<&[String]> {
        self.map.get(key_lc).map(|v| match v {
            ContextValue::Single(s) => std::slice::from_ref(s),
            ContextValue::Multi(v) => v.as_slice(),
        })
    }

    fn contains(&self, key: &str) -> bool {
        self.map.contains_key(&key.to_ascii_lowercase())
    }

    /// Every key (lower-cased) with its values, sorted by key.
    pub fn iter(&self) -> Vec<(&str, &[String])> {
        let mut keys: Vec<(&str, &[String])> = self
            .map
            .iter()
            .map(|(k, v)| {
                let values = match v {
                    ContextValue::Single(s) => std::slice::from_ref(s),
                    ContextValue::Multi(v) => v.as_slice(),
                };
                (k.as_str(), values)
            })
            .collect();
        keys.sort_by_key(|(k, _)| *k);
        keys
    }
}

impl Variables for ContextKeys {
    fn variable(&self, key_lc: &str) -> Option<&str> {
        match self.map.get(key_lc)? {
            ContextValue::Single(s) => Some(s),
            // A multi-valued key cannot be a policy variable.
            ContextValue::Multi(_) => None,
        }
    }
}

/// Everything about one request that policies can look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    principal: Principal,
    action: String,
    action_lc: String,
    resource: String,
    resource_account: Option<String>,
    keys: ContextKeys,
}

impl RequestContext {
    /// A request by `principal` for `action` (e.g. `sts:AssumeRole`) on
    /// `resource` (an ARN, or `*`). Fills `aws:PrincipalArn`,
    /// `aws:PrincipalAccount`, `aws:PrincipalType` and (for users)
    /// `aws:username` from the principal; set keys afterwards to override.
    /// Everything else (`aws:userid`, `aws:SourceIp`, `aws:CurrentTime`,
    /// tags, `sts:*` and federation keys…) is the caller's to set.
    pub fn new(
        principal: Principal,
        action: impl Into<String>,
        resource: impl Into<String>,
    ) -> RequestContext {
        let action = action.into();
        let mut keys = ContextKeys::default();
        if principal.is_aws() {
            keys.insert("aws:PrincipalArn", principal.principal_arn().to_string());
            if let Some(a) = &principal.account {
                keys.insert("aws:PrincipalAccount", a.clone());
            }
        }
        if principal.is_aws() || principal.kind == PrincipalKind::Anonymous {
            keys.insert("aws:PrincipalType", principal.principal_type());
        }
        if principal.kind == PrincipalKind::User
            && let Some(name) = principal.arn.rsplit('/').next()
        {
            keys.insert("aws:username", name.to_string());
        }
        RequestContext {
            action_lc: action.to_lowercase(),
            action,
            resource: resource.into(),
            resource_account: None,
            principal,
            keys,
        }
    }

    /// A request by `principal` for `action` on `resource` that carries no
    /// condition key until the caller sets one: the policy simulator's,
    /// whose keys are only those its request gives.
    pub fn without_keys(
        principal: Principal,
        action: impl Into<String>,
        resource: impl Into<String>,
    ) -> RequestContext {
        let mut context = RequestContext::new(principal, action, resource);
        context.keys = ContextKeys::default();
        context
    }

    /// Sets the account that owns the resource (decides same- vs cross-account).
    pub fn with_resource_account(mut self, account: impl Into<String>) -> RequestContext {
        self.resource_account = Some(account.into());
        self
    }

    /// Sets a condition key.
    pub fn with_key(mut self, key: &str, value: impl Into<ContextValue>) -> RequestContext {
        self.keys.insert(key, value);
        self
    }

    /// Sets a condition key.
    pub fn set_key(&mut self, key: &str, value: impl Into<ContextValue>) {
        self.keys.insert(key, value);
    }

    /// Sets `aws:CurrentTime` (ISO 8601, UTC) and `aws:EpochTime` from `now`.
    pub fn with_current_time(mut self, now: time::OffsetDateTime) -> RequestContext {
        let utc = now.to_offset(time::UtcOffset::UTC);
        let iso = utc
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        self.keys.insert("aws:CurrentTime", iso);
        self.keys.insert("aws:EpochTime", utc.unix_timestamp());
        self
    }

    /// The principal.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }
    /// The action as given.
    pub fn action(&self) -> &str {
        &self.action
    }
    /// The resource ARN.
    pub fn resource(&self) -> &str {
        &self.resource
    }
    /// The resource's account, if known.
    pub fn resource_account(&self) -> Option<&str> {
        self.resource_account.as_deref()
    }
    /// The condition keys.
    pub fn keys(&self) -> &ContextKeys {
        &self.keys
    }
    /// True if the condition key is present.
    pub fn has_key(&self, key: &str) -> bool {
        self.keys.contains(key)
    }
}

/// How a `Principal` element matched the request's principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum PrincipalMatch {
    /// `"*"` or `{"AWS": "*"}`.
    Everyone,
    /// The principal itself: user ARN, session ARN, federated-user ARN,
    /// service, identity provider, or (for the root user) its account.
    Direct,
    /// The role whose session makes the request.
    ViaRole,
    /// The IAM user that created the federated-user session.
    ViaUser,
    /// The principal's account (`123456789012` / `arn:…:root`): access is
    /// delegated to the account's identity policies.
    ViaAccount,
    /// A `NotPrincipal` element that does not exclude the principal.
    NotPrincipal,
}

impl PrincipalMatch {
    fn rank(self) -> u8 {
        match self {
            PrincipalMatch::Everyone | PrincipalMatch::Direct => 3,
            PrincipalMatch::ViaRole | PrincipalMatch::ViaUser => 2,
            PrincipalMatch::ViaAccount | PrincipalMatch::NotPrincipal => 1,
        }
    }
}

/// A statement that applies to the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementMatch {
    /// The statement's effect.
    pub effect: Effect,
    /// How its `Principal`/`NotPrincipal` matched, if it has one.
    pub principal: Option<PrincipalMatch>,
}

/// Facts about the request that change how statements apply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvalOptions {
    /// The principal has a permission boundary: AWS then applies every
    /// `Deny` + `NotPrincipal` statement to it.
    pub principal_has_boundary: bool,
}

/// Evaluates one statement: `Some` if it applies (action, resource,
/// principal and every condition match), with its effect.
pub fn evaluate_statement(
    st: &Statement,
    ctx: &RequestContext,
    opts: EvalOptions,
) -> Option<StatementMatch> {
    let hit = st
        .actions
        .patterns
        .iter()
        .any(|p| p.matches(&ctx.action_lc, &NoVariables));
    if hit == st.actions.negated {
        return None;
    }
    if let Some(r) = &st.resources {
        let hit = r
            .patterns
            .iter()
            .any(|p| p.matches(&ctx.resource, &ctx.keys));
        if hit == r.negated {
            return None;
        }
    }
    let principal = match &st.principals {
        None => None,
        Some(ps) if !ps.negated => Some(match_principal(ps, &ctx.principal)?),
        Some(ps) => {
            if not_principal_applies(ps, &ctx.principal, st.effect, opts) {
                Some(PrincipalMatch::NotPrincipal)
            } else {
                return None;
            }
        }
    };
    if !st
        .conditions
        .iter()
        .all(|c| condition_holds(c, ctx, st.effect))
    {
        return None;
    }
    Some(StatementMatch {
        effect: st.effect,
        principal,
    })
}

fn better(cur: Option<PrincipalMatch>, new: PrincipalMatch) -> Option<PrincipalMatch> {
    match cur {
        Some(c) if c.rank() >= new.rank() => Some(c),
        _ => Some(new),
    }
}

/// How a `Principal` element matches `p`, or `None`.
pub fn match_principal(set: &PrincipalSet, p: &Principal) -> Option<PrincipalMatch> {
    if set.any {
        return Some(PrincipalMatch::Everyone);
    }
    let mut best = None;
    for a in &set.aws {
        match a {
            AwsPrincipal::Any if p.is_aws() => best = better(best, PrincipalMatch::Everyone),
            AwsPrincipal::Account(acct) if p.is_aws() && p.account.as_deref() == Some(acct) => {
                let m = if p.kind == PrincipalKind::Root {
                    PrincipalMatch::Direct
                } else {
                    PrincipalMatch::ViaAccount
                };
                best = better(best, m);
            }
            AwsPrincipal::UniqueId(id) if p.is_aws() && p.unique_id.as_ref() == Some(id) => {
                match &p.kind {
                    PrincipalKind::User => best = better(best, PrincipalMatch::Direct),
                    PrincipalKind::AssumedRole { .. } => {
                        best = better(best, PrincipalMatch::ViaRole)
                    }
                    PrincipalKind::FederatedUser { .. } => {
                        best = better(best, PrincipalMatch::ViaUser)
                    }
                    _ => {}
                }
            }
            AwsPrincipal::Arn(arn) if p.is_aws() => {
                if *arn == p.arn {
                    best = better(best, PrincipalMatch::Direct);
                } else {
                    match &p.kind {
                        PrincipalKind::AssumedRole { role_arn } if role_arn == arn => {
                            best = better(best, PrincipalMatch::ViaRole);
                        }
                        PrincipalKind::FederatedUser {
                            user_arn: Some(user),
                        } if user == arn => best = better(best, PrincipalMatch::ViaUser),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    match &p.kind {
        PrincipalKind::Service { name } if set.services.iter().any(|s| s == name) => {
            best = better(best, PrincipalMatch::Direct);
        }
        PrincipalKind::WebIdentity { provider } | PrincipalKind::Saml { provider }
            if set.federated.iter().any(|f| f == provider) =>
        {
            best = better(best, PrincipalMatch::Direct);
        }
        _ => {}
    }
    if let Some(c) = &p.canonical_user
        && set.canonical_users.iter().any(|u| u == c)
    {
        best = better(best, PrincipalMatch::Direct);
    }
    best
}

/// Whether a `NotPrincipal` statement applies to `p`: it does unless every
/// identity of the principal (its ARN, its role's ARN, its account) is listed.
/// An `Allow` with `NotPrincipal` never applies: validation refuses it, and a
/// statement built some other way must not grant everyone not listed.
fn not_principal_applies(
    set: &PrincipalSet,
    p: &Principal,
    effect: Effect,
    opts: EvalOptions,
) -> bool {
    if set.any || effect == Effect::Allow {
        return false;
    }
    if effect == Effect::Deny
        && opts.principal_has_boundary
        && matches!(
            p.kind,
            PrincipalKind::User | PrincipalKind::AssumedRole { .. }
        )
    {
        return true;
    }
    let aws_any = p.is_aws() && set.aws.contains(&AwsPrincipal::Any);
    let arn_listed = |arn: &str| {
        aws_any
            || set
                .aws
                .iter()
                .any(|a| matches!(a, AwsPrincipal::Arn(x) if x == arn))
    };
    let entity_listed = || {
        p.unique_id.as_ref().is_some_and(|id| {
            set.aws
                .iter()
                .any(|a| matches!(a, AwsPrincipal::UniqueId(x) if x == id))
        })
    };
    let account_listed = || {
        aws_any
            || p.account.as_ref().is_some_and(|acct| {
                set.aws
                    .iter()
                    .any(|a| matches!(a, AwsPrincipal::Account(x) if x == acct))
            })
    };
    let all_listed = match &p.kind {
        PrincipalKind::Root => account_listed(),
        PrincipalKind::User => (arn_listed(&p.arn) || entity_listed()) && account_listed(),
        PrincipalKind::FederatedUser { .. } => arn_listed(&p.arn) && account_listed(),
        PrincipalKind::AssumedRole { role_arn } => {
            arn_listed(&p.arn) && (arn_listed(role_arn) || entity_listed()) && account_listed()
        }
        PrincipalKind::Service { name } => set.services.iter().any(|s| s == name),
        PrincipalKind::WebIdentity { provider } | PrincipalKind::Saml { provider } => {
            set.federated.iter().any(|f| f == provider)
        }
        PrincipalKind::Anonymous => false,
    };
    !all_listed
}

/// Evaluates one condition (one operator, one key, its values ORed) as it
/// applies to an `Allow` statement.
///
/// A value the operator cannot read (a number, date or `Null` value that
/// does not parse) never makes a condition of an `Allow` hold; in a `Deny`
/// statement it never keeps the condition from holding. Either way such a
/// value can only narrow access, never widen it.
pub fn evaluate_condition(c: &Condition, ctx: &RequestContext) -> bool {
    condition_holds(c, ctx, Effect::Allow)
}

fn condition_holds(c: &Condition, ctx: &RequestContext, effect: Effect) -> bool {
    let op = c.operator;
    // Counting an unreadable value as matching makes a positive operator
    // more likely to hold and a negated one less likely: choose whichever
    // is restrictive for this statement.
    let unreadable_matches = c.unreadable && ((effect == Effect::Allow) == op.base.is_negated());
    // For the set operators a key that resolves to an empty data set (no
    // values, or only empty strings) counts as absent.
    let values = ctx
        .keys
        .get_lc(&c.key_lc)
        .filter(|v| !v.is_empty() && (op.set.is_none() || v.iter().any(|s| !s.is_empty())));
    if op.base == BaseOperator::Null {
        let absent = values.is_none();
        return unreadable_matches
            || c.values
                .iter()
                .any(|v| matches!(v, ValueMatcher::Null(Some(b)) if *b == absent));
    }
    let negated = op.base.is_negated();
    let Some(values) = values else {
        if op.if_exists {
            return true;
        }
        return match op.set {
            Some(SetOperator::ForAllValues) => true,
            Some(SetOperator::ForAnyValue) => false,
            None => negated,
        };
    };
    let matches = |v: &String| unreadable_matches || matches_any(c, v, ctx);
    match op.set {
        None => values.iter().any(matches) != negated,
        Some(SetOperator::ForAllValues) => values.iter().all(|v| matches(v) != negated),
        Some(SetOperator::ForAnyValue) => values.iter().any(|v| matches(v) != negated),
    }
}

fn ordering_ok(op: BaseOperator, ord: Option<Ordering>) -> bool {
    use BaseOperator::*;
    let Some(ord) = ord else {
        return false;
    };
    match op {
        NumericEquals | NumericNotEquals | DateEquals | DateNotEquals => ord == Ordering::Equal,
        NumericLessThan | DateLessThan => ord == Ordering::Less,
        NumericLessThanEquals | DateLessThanEquals => ord != Ordering::Greater,
        NumericGreaterThan | DateGreaterThan => ord == Ordering::Greater,
        NumericGreaterThanEquals | DateGreaterThanEquals => ord != Ordering::Less,
        _ => false,
    }
}

/// Whether the context value `v` matches any of the condition's values
/// under the positive form of the operator.
fn matches_any(c: &Condition, v: &str, ctx: &RequestContext) -> bool {
    use BaseOperator::*;
    let op = c.operator.base;
    match op {
        StringEqualsIgnoreCase | StringNotEqualsIgnoreCase | Bool => {
            let lc: Cow<'_, str> = if v.chars().any(char::is_uppercase) {
                Cow::Owned(v.to_lowercase())
            } else {
                Cow::Borrowed(v)
            };
            c.values
                .iter()
                .any(|pv| matches!(pv, ValueMatcher::Text(p) if p.matches(&lc, &ctx.keys)))
        }
        StringEquals | StringNotEquals | StringLike | StringNotLike => c
            .values
            .iter()
            .any(|pv| matches!(pv, ValueMatcher::Text(p) if p.matches(v, &ctx.keys))),
        ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => {
            // The context value must itself be an ARN.
            if !v.starts_with("arn:") {
                return false;
            }
            c.values
                .iter()
                .any(|pv| matches!(pv, ValueMatcher::Arn(p) if p.matches(v, &ctx.keys)))
        }
        NumericEquals
        | NumericNotEquals
        | NumericLessThan
        | NumericLessThanEquals
        | NumericGreaterThan
        | NumericGreaterThanEquals => {
            let Some(n) = Number::parse(v) else {
                return false;
            };
            c.values.iter().any(|pv| match pv {
                ValueMatcher::Number(Some(p)) => ordering_ok(op, n.compare(*p)),
                _ => false,
            })
        }
        DateEquals
        | DateNotEquals
        | DateLessThan
        | DateLessThanEquals
        | DateGreaterThan
        | DateGreaterThanEquals => {
            let Some(d) = parse_date(v) else {
                return false;
            };
            c.values.iter().any(|pv| match pv {
                ValueMatcher::Date(Some(p)) => ordering_ok(op, Some(d.cmp(p))),
                _ => false,
            })
        }
        IpAddress | NotIpAddress => {
            let Ok(ip) = v.trim().parse::<IpAddr>() else {
                return false;
            };
            c.values.iter().any(|pv| match pv {
                ValueMatcher::Ip(cidr) => cidr.contains(&ip),
                _ => false,
            })
        }
        BinaryEquals => c
            .values
            .iter()
            .any(|pv| matches!(pv, ValueMatcher::Binary(b) if b == v)),
        Null => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Policy, PolicyKind};

    #[test]
    fn not_principal_never_allows() {
        // Validation refuses Allow with NotPrincipal; a statement made
        // otherwise (here: a valid Deny turned into an Allow) still grants
        // nothing.
        let policy = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}}"#,
            PolicyKind::resource(),
        )
        .expect("a Deny with NotPrincipal is valid");
        let mut statement = policy.statements()[0].clone();
        let bob = Principal::user("arn:aws:iam::444455556666:user/bob").expect("principal");
        let ctx = RequestContext::new(bob, "s3:GetObject", "arn:aws:s3:::b/k");
        let opts = EvalOptions::default();
        assert!(evaluate_statement(&statement, &ctx, opts).is_some());
        statement.effect = Effect::Allow;
        assert_eq!(evaluate_statement(&statement, &ctx, opts), None);
    }
}
