//! `GetSessionToken`.

use super::{credentials, inputs::verify_mfa, new_claims};
use crate::{AppState, AwsError, Caller, params::Params, xml::Xml};
use tessera_token::SessionPrincipal;

/// The longest GetSessionToken session of an IAM user (36 hours).
const MAX_USER_SESSION: i64 = 129_600;
/// Root sessions are capped at one hour: longer requests get one hour.
const MAX_ROOT_SESSION: i64 = 3_600;
const DEFAULT_USER_SESSION: i64 = 43_200;

/// `GetSessionToken`: temporary credentials for a root user or IAM user.
pub(super) async fn get_session_token(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let requested = params.integer("DurationSeconds", "durationSeconds", 900, MAX_USER_SESSION)?;
    let principal = match caller {
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
    let duration = match principal {
        SessionPrincipal::Root { .. } => {
            requested.unwrap_or(MAX_ROOT_SESSION).min(MAX_ROOT_SESSION)
        }
        _ => requested.unwrap_or(DEFAULT_USER_SESSION),
    };
    let mfa = verify_mfa(state, caller, params).await?;
    let mut claims = new_claims(state, principal, duration)?;
    claims.mfa_authenticated_at = mfa;
    Ok(vec![credentials(state, &claims)?])
}
