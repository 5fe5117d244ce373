//! Declared actions. Each STS and IAM action is a type: its declaration
//! ([`ActionSpec`]: name, resource type, condition keys), its typed input
//! (the type itself, decoded from Query parameters by typed [`members`]),
//! what it acts on ([`Action::access`]) and its typed output, which encodes
//! itself as XML ([`Encode`]).
//!
//! One runner ([`run`]) decodes, authorizes the declared action on the
//! resource the action names, runs it and encodes the result, so that no
//! action can forget its authorization and each name is written once.
//! [`call`] is the same without the Query and XML ends: actions are plain
//! functions over a [`Context`] and a typed input, tested as such.

pub mod members;
mod output;
#[cfg(test)]
pub mod testing;

pub use output::{Empty, Encode, Listing};

use crate::actions::ActionSpec;
use crate::{AppState, AwsError, Caller, authz, params::Params, xml::Xml};
use std::future::Future;
use tessera_policy::ContextValue;

/// A request's condition keys, as an action adds them.
pub type Keys = Vec<(String, ContextValue)>;

/// One action, declared once.
pub trait Action: Sized + Send + Sync {
    /// The declaration: name, resource type and condition keys.
    const SPEC: ActionSpec;
    /// The name, as in `Action=`: [`ActionSpec::name`].
    const NAME: &'static str = Self::SPEC.name();
    /// What [`Action::access`] found and [`Action::run`] acts on (the stored
    /// entity, say).
    type Found: Send;
    /// The result.
    type Output: Encode;

    /// Reads the input from the request's parameters.
    fn decode(params: &Params) -> Result<Self, AwsError>;

    /// Finds what the call acts on, and the access it needs to the declared
    /// action.
    fn access(
        &self,
        ctx: &Context<'_>,
    ) -> impl Future<Output = Result<(Access, Self::Found), AwsError>> + Send;

    /// Runs the call, once it is authorized.
    fn run(
        self,
        ctx: &Context<'_>,
        found: Self::Found,
    ) -> impl Future<Output = Result<Self::Output, AwsError>> + Send;
}

/// The caller and the state an action runs with.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The service state.
    pub state: &'a AppState,
    /// Who signed the request.
    pub caller: &'a Caller,
    /// The declaration of the action being run.
    pub spec: &'a ActionSpec,
}

impl<'a> Context<'a> {
    /// A context for `caller` running the action `spec` declares.
    pub fn new(state: &'a AppState, caller: &'a Caller, spec: &'a ActionSpec) -> Self {
        Self {
            state,
            caller,
            spec,
        }
    }

    /// The caller's account.
    pub fn account_id(&self) -> &'a str {
        self.caller.account_id()
    }

    /// The partition ARNs are written in.
    pub fn partition(&self) -> &'a str {
        self.state.partition()
    }

    /// The store.
    pub fn store(&self) -> &'a dyn tessera_store::Store {
        self.state.store()
    }

    /// The time now, as Unix seconds.
    pub fn now(&self) -> i64 {
        self.state.now().unix_timestamp()
    }

    /// Authorizes this action on a further resource, when one call acts on
    /// two (a rename: the new ARN as well as the old).
    pub async fn authorize_also(&self, target: &Target, keys: Keys) -> Result<(), AwsError> {
        Access::On {
            target: target.clone(),
            keys,
        }
        .check(self)
        .await
    }
}

/// A resource as stored, with what authorization reads of it: its ARN
/// (from its stored name and path), its tags and its permissions boundary.
/// A resource that does not exist is named by the ARN the request gives it,
/// with neither tags nor boundary, so that the answer reveals nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// The ARN.
    pub arn: String,
    /// The tags (`aws:ResourceTag/…`, `iam:ResourceTag/…`).
    pub tags: Vec<(String, String)>,
    /// The permissions boundary (`iam:PermissionsBoundary`).
    pub boundary: Option<String>,
}

impl Target {
    /// A resource known only by its ARN.
    pub fn named(arn: impl Into<String>) -> Self {
        Self {
            arn: arn.into(),
            ..Self::default()
        }
    }
}

/// The access a call needs to its declared action.
#[derive(Debug, Clone)]
pub enum Access {
    /// The caller's policies allow the action on `target`, a resource of
    /// the caller's account, with the request's condition `keys`.
    On {
        /// The resource.
        target: Target,
        /// The keys the request adds.
        keys: Keys,
    },
    /// The caller's policies allow the action on `target`, a resource of
    /// the caller's account, counting among them `grant`: an identity
    /// policy the account gives the caller besides its own (a password
    /// policy's `AllowUsersToChangePassword` lets every IAM user change its
    /// own password and read the policy). An explicit deny, a permissions
    /// boundary and session policies bound it as they bound the others.
    Granted {
        /// The resource.
        target: Target,
        /// The policy document the account grants, if any.
        grant: Option<String>,
    },
    /// The caller's policies allow the action on `target`, a resource of
    /// `account` (a service resource another account may own: across
    /// accounts, a request without a resource policy of its own is denied).
    Owned {
        /// The resource.
        target: Target,
        /// The account that owns it.
        account: String,
    },
    /// A new session of a role or a federated user: the action, and
    /// alongside it `sts:TagSession` and `sts:SetSourceIdentity` when the
    /// request sets session tags or a source identity.
    Session(SessionAccess),
    /// Nothing: AWS lets every caller make this call
    /// (`GetCallerIdentity`, `GetSessionToken`).
    Unconditional,
}

/// What a new session is authorized against: see [`Access::Session`].
#[derive(Debug, Clone)]
pub struct SessionAccess {
    /// The role's ARN as stored (as requested, for an unknown role), or the
    /// federated user's.
    pub resource: String,
    /// The account the session belongs to.
    pub account: String,
    /// The role's trust policy, and the principals it was bound to.
    pub trust: Option<Trust>,
    /// The role's tags.
    pub tags: Vec<(String, String)>,
    /// The keys the request sets.
    pub keys: Keys,
    /// The actions checked alongside (`sts:TagSession` when the request
    /// sets session tags, `sts:SetSourceIdentity` when it sets a source
    /// identity).
    pub alongside: Vec<&'static ActionSpec>,
}

/// A role's trust policy, as [`authz::Check::trust_policy`] reads it.
#[derive(Debug, Clone)]
pub struct Trust {
    /// The policy document.
    pub policy: String,
    /// The users and roles it was bound to when saved.
    pub bindings: Option<Vec<tessera_store::PrincipalBinding>>,
}

impl SessionAccess {
    /// The declared action and those checked alongside it.
    fn actions<'a>(&'a self, spec: &'a ActionSpec) -> impl Iterator<Item = &'a ActionSpec> {
        std::iter::once(spec).chain(self.alongside.iter().copied())
    }

    /// The check of `spec` (the trust policy's id is the role's ARN with
    /// `/trust-policy`).
    fn check<'a>(&'a self, spec: &'a ActionSpec, trust_id: &'a str) -> authz::Check<'a> {
        authz::Check {
            spec,
            resource: &self.resource,
            resource_account: &self.account,
            trust_policy: self.trust.as_ref().map(|t| (trust_id, t.policy.as_str())),
            trust_bindings: self.trust.as_ref().and_then(|t| t.bindings.as_deref()),
            resource_tags: &self.tags,
            resource_boundary: None,
            granted: None,
            keys: self.keys.clone(),
        }
    }

    fn trust_id(&self) -> String {
        format!("{}/trust-policy", self.resource)
    }
}

impl Access {
    /// The action on `target`, with no keys of the request's own.
    pub fn on(target: Target) -> Self {
        Self::On {
            target,
            keys: Vec::new(),
        }
    }

    /// The action on the resource `arn`, known only by it.
    pub fn on_arn(arn: impl Into<String>) -> Self {
        Self::on(Target::named(arn))
    }

    /// Decides this access for `ctx`'s caller and action.
    async fn check(self, ctx: &Context<'_>) -> Result<(), AwsError> {
        match self {
            Self::On { target, keys } => on(ctx, &target, ctx.account_id(), keys, None).await,
            Self::Granted { target, grant } => {
                let grant = grant.as_deref().map(|document| (ACCOUNT_GRANT, document));
                on(ctx, &target, ctx.account_id(), Vec::new(), grant).await
            }
            Self::Owned { target, account } => on(ctx, &target, &account, Vec::new(), None).await,
            Self::Session(session) => {
                let trust_id = session.trust_id();
                for spec in session.actions(ctx.spec) {
                    let check = session.check(spec, &trust_id);
                    authz::authorize_check(ctx.state, ctx.caller, &check).await?;
                }
                Ok(())
            }
            Self::Unconditional => Ok(()),
        }
    }
}

/// The id an account's grant ([`Access::Granted`]) goes by in decisions.
const ACCOUNT_GRANT: &str = "account-password-policy";

/// Decides `ctx`'s action on `target`, a resource of `account`, with the
/// identity policy the account grants, if any.
async fn on(
    ctx: &Context<'_>,
    target: &Target,
    account: &str,
    keys: Keys,
    grant: Option<(&str, &str)>,
) -> Result<(), AwsError> {
    let mut check = authz::Check::new(ctx.spec, &target.arn, account);
    check.resource_tags = &target.tags;
    check.resource_boundary = target.boundary.as_deref();
    check.keys = keys;
    check.granted = grant;
    authz::authorize_check(ctx.state, ctx.caller, &check).await
}

/// Authorizes and runs `input` for `ctx`'s caller: [`Action::access`], the
/// check of the declared action, then [`Action::run`].
pub async fn call<A: Action>(ctx: &Context<'_>, input: A) -> Result<A::Output, AwsError> {
    let (access, found) = input.access(ctx).await?;
    access.check(ctx).await?;
    input.run(ctx, found).await
}

/// Decodes, authorizes, runs and encodes action `A` for `caller`: the
/// children of `<ActionResult>`.
pub async fn run<A: Action>(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let input = A::decode(params)?;
    let spec = A::SPEC;
    let ctx = Context::new(state, caller, &spec);
    Ok(call(&ctx, input).await?.encode(state))
}

/// An action AWS serves unsigned (`AssumeRoleWithWebIdentity`,
/// `AssumeRoleWithSAML`): a token in its input names who calls, once
/// verified, and the role's trust policy alone decides.
pub trait UnsignedAction: Sized + Send + Sync {
    /// The declaration.
    const SPEC: ActionSpec;
    /// The name, as in `Action=`.
    const NAME: &'static str = Self::SPEC.name();
    /// What [`UnsignedAction::access`] found.
    type Found: Send;
    /// The result.
    type Output: Encode;

    /// Reads the input from the request's parameters.
    fn decode(params: &Params) -> Result<Self, AwsError>;

    /// Verifies the token: the principal it proves, the session it asks
    /// for, and what [`UnsignedAction::run`] needs.
    fn access(
        &self,
        state: &AppState,
    ) -> impl Future<
        Output = Result<(tessera_policy::Principal, SessionAccess, Self::Found), AwsError>,
    > + Send;

    /// Issues the session, once the trust policy allows it.
    fn run(
        self,
        state: &AppState,
        found: Self::Found,
    ) -> impl Future<Output = Result<Self::Output, AwsError>> + Send;
}

/// [`call`] for an [`UnsignedAction`]: the trust policy decides the
/// declared action (and those alongside) for the verified principal.
pub async fn call_unsigned<A: UnsignedAction>(
    state: &AppState,
    input: A,
) -> Result<A::Output, AwsError> {
    let (principal, session, found) = input.access(state).await?;
    let trust_id = session.trust_id();
    let spec = A::SPEC;
    for spec in session.actions(&spec) {
        let check = session.check(spec, &trust_id);
        authz::authorize_federated(state, principal.clone(), &check).await?;
    }
    input.run(state, found).await
}

/// [`run`] for an [`UnsignedAction`].
pub async fn run_unsigned<A: UnsignedAction>(
    state: &AppState,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let input = A::decode(params)?;
    Ok(call_unsigned(state, input).await?.encode(state))
}

/// Declares the actions of one area: `SPECS`, their declarations, and
/// `dispatch`, which runs the one named (`None` when the area has none of
/// that name).
macro_rules! action_table {
    ($($action:ty),+ $(,)?) => {
        /// The declarations of this area's actions.
        pub(crate) const SPECS: &[$crate::actions::ActionSpec] =
            &[$(<$action as $crate::action::Action>::SPEC),+];

        /// Runs this area's action `name`.
        pub(crate) async fn dispatch(
            state: &$crate::AppState,
            caller: &$crate::Caller,
            name: &str,
            params: &$crate::params::Params,
        ) -> Option<Result<Vec<$crate::xml::Xml>, $crate::AwsError>> {
            Some(match name {
                $(<$action as $crate::action::Action>::NAME => {
                    $crate::action::run::<$action>(state, caller, params).await
                })+
                _ => return None,
            })
        }

        /// Decodes the input of this area's action `name` from `params`,
        /// as [`dispatch`] does before running it.
        pub(crate) fn decode(
            name: &str,
            params: &$crate::params::Params,
        ) -> Option<Result<(), $crate::AwsError>> {
            Some(match name {
                $(<$action as $crate::action::Action>::NAME => {
                    <$action as $crate::action::Action>::decode(params).map(drop)
                })+
                _ => return None,
            })
        }
    };
}
pub(crate) use action_table;
