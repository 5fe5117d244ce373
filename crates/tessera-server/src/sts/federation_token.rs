//! `GetFederationToken`: a custom federation broker's way to hand out
//! temporary credentials. The federated user's permissions are the calling
//! user's narrowed by the session policies passed here; with none it has no
//! permissions at all.

use super::{
    Credentials,
    inputs::{
        FederatedName, SessionPolicies, SessionTags, check_policy_arns, packed_percent, tags_packed,
    },
    new_claims, seal,
};
use crate::action::members::Integer;
use crate::action::{Access, Action, Context, Encode, SessionAccess};
use crate::actions::{ActionSpec, R, TAGGING, spec};
use crate::{AppState, AwsError, Caller, authz::request_tag_keys, params::Params, xml::Xml};
use tessera_arn::Arn;
use tessera_token::SessionPrincipal;

const MAX_DURATION: i64 = 129_600;
const DEFAULT_DURATION: i64 = 43_200;
/// Root's federation tokens last at most one hour.
const MAX_ROOT_DURATION: i64 = 3_600;

/// `GetFederationToken`.
#[derive(Debug, Clone)]
pub(crate) struct GetFederationToken {
    pub name: FederatedName,
    pub duration: Option<Integer<900, MAX_DURATION>>,
    pub tags: SessionTags,
    pub policies: SessionPolicies,
}

/// The federated user's session: `<Credentials>`, `<FederatedUser>` and
/// `PackedPolicySize` when session policies or tags were passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FederatedSession {
    pub credentials: Credentials,
    /// `FederatedUserId` and `Arn`.
    pub federated_user: (String, String),
    pub packed_percent: Option<usize>,
}

impl Encode for FederatedSession {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        let (id, arn) = self.federated_user;
        let mut result = vec![
            self.credentials.xml(),
            Xml::node(
                "FederatedUser",
                vec![Xml::text("FederatedUserId", id), Xml::text("Arn", arn)],
            ),
        ];
        if let Some(percent) = self.packed_percent {
            result.push(Xml::text("PackedPolicySize", percent.to_string()));
        }
        result
    }
}

/// Who asks, and for how long.
#[derive(Debug)]
pub(crate) struct Broker {
    caller_id: String,
    duration: i64,
    arn: String,
    packed_percent: usize,
}

impl Action for GetFederationToken {
    const SPEC: ActionSpec = spec("sts:GetFederationToken", R::FederatedUser, TAGGING);
    type Found = Broker;
    type Output = FederatedSession;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: d.required("Name"),
            duration: d.member("DurationSeconds"),
            tags: d.member("Tags").unwrap_or_default(),
            policies: d.read(SessionPolicies::read(params)).unwrap_or_default(),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Broker), AwsError> {
        let packed = self.policies.packed + tags_packed(&self.tags.0);
        let packed_percent = packed_percent(packed)?;
        let requested = self.duration.map(|d| d.0);
        let (caller_id, duration) = match ctx.caller {
            Caller::Root { account_id, .. } => (
                account_id.clone(),
                requested
                    .unwrap_or(MAX_ROOT_DURATION)
                    .min(MAX_ROOT_DURATION),
            ),
            Caller::User { user, .. } => {
                (user.user_id.clone(), requested.unwrap_or(DEFAULT_DURATION))
            }
            Caller::Session(_) => {
                return Err(AwsError::access_denied(
                    "Cannot call GetFederationToken with session credentials",
                ));
            }
        };
        let account = ctx.account_id().to_string();
        let arn = Arn::federated_user(ctx.partition(), &account, &self.name.0).into_string();
        let access = SessionAccess {
            resource: arn.clone(),
            account,
            trust: None,
            tags: Vec::new(),
            keys: request_tag_keys(&self.tags.0),
            alongside: super::alongside(!self.tags.0.is_empty(), false),
        };
        let broker = Broker {
            caller_id,
            duration,
            arn,
            packed_percent,
        };
        Ok((Access::Session(access), broker))
    }

    async fn run(self, ctx: &Context<'_>, broker: Broker) -> Result<FederatedSession, AwsError> {
        let account = ctx.account_id().to_string();
        check_policy_arns(ctx.state, &account, &self.policies.arns).await?;
        let packed = self.policies.packed + tags_packed(&self.tags.0);
        let name = self.name.0;
        let principal = SessionPrincipal::FederatedUser {
            account_id: account.clone(),
            name: name.clone(),
            caller_id: broker.caller_id,
        };
        let mut claims = new_claims(ctx.state, principal, broker.duration)?;
        claims.session_policies = self.policies.policy.into_iter().collect();
        claims.policy_arns = self.policies.arns;
        claims.tags = self.tags.0;
        Ok(FederatedSession {
            credentials: seal(ctx.state, &claims)?,
            federated_user: (format!("{account}:{name}"), broker.arn),
            packed_percent: (packed > 0).then_some(broker.packed_percent),
        })
    }
}
