//! `GetSessionToken`.

use super::inputs::{MfaCode, verify_mfa};
use super::{Credentials, new_claims, seal};
use crate::action::members::Integer;
use crate::action::{Access, Action, Context, Encode};
use crate::actions::{ActionSpec, R, spec};
use crate::{AppState, AwsError, Caller, params::Params, xml::Xml};
use tessera_token::SessionPrincipal;

/// The longest GetSessionToken session of an IAM user (36 hours).
const MAX_USER_SESSION: i64 = 129_600;
/// Root sessions are capped at one hour: longer requests get one hour.
const MAX_ROOT_SESSION: i64 = 3_600;
const DEFAULT_USER_SESSION: i64 = 43_200;

/// `GetSessionToken`: temporary credentials for a root user or IAM user.
/// It needs no permission: as in AWS, policies do not govern it.
#[derive(Debug, Clone)]
pub(crate) struct GetSessionToken {
    pub duration: Option<Integer<900, MAX_USER_SESSION>>,
    pub mfa: Option<MfaCode>,
}

/// The new session's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SessionToken(pub Credentials);

impl Encode for SessionToken {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        vec![self.0.xml()]
    }
}

impl Action for GetSessionToken {
    const SPEC: ActionSpec = spec("sts:GetSessionToken", R::None, &[]);
    type Found = SessionPrincipal;
    type Output = SessionToken;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            duration: d.member("DurationSeconds"),
            mfa: d.read(MfaCode::read(params)).flatten(),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, SessionPrincipal), AwsError> {
        let principal = match ctx.caller {
            Caller::Root { account_id, .. } => SessionPrincipal::Root {
                account_id: account_id.clone(),
            },
            Caller::User { user, .. } => SessionPrincipal::User {
                account_id: user.account_id.clone(),
                user_id: user.user_id.clone(),
                user_name: user.name.clone(),
                path: user.path.clone(),
            },
            Caller::Session(_) => {
                return Err(AwsError::access_denied(
                    "Cannot call GetSessionToken with session credentials",
                ));
            }
        };
        Ok((Access::Unconditional, principal))
    }

    async fn run(
        self,
        ctx: &Context<'_>,
        principal: SessionPrincipal,
    ) -> Result<SessionToken, AwsError> {
        let requested = self.duration.map(|d| d.0);
        let duration = match principal {
            SessionPrincipal::Root { .. } => {
                requested.unwrap_or(MAX_ROOT_SESSION).min(MAX_ROOT_SESSION)
            }
            _ => requested.unwrap_or(DEFAULT_USER_SESSION),
        };
        let mfa = verify_mfa(ctx.state, ctx.caller, self.mfa.as_ref()).await?;
        let mut claims = new_claims(ctx.state, principal, duration)?;
        claims.mfa_authenticated_at = mfa;
        Ok(SessionToken(seal(ctx.state, &claims)?))
    }
}
