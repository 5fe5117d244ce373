//! `RevokeSessions` (a Tessera extension of the IAM API): invalidates every
//! session of a role or user issued up to now. Later sessions work.
//!
//! Request: `Action=RevokeSessions&Version=2010-05-08&PrincipalArn=ARN`,
//! signed for service `iam`, authorized as `iam:RevokeSessions` on the ARN.
//! Response: `<RevokeSessionsResult><PrincipalArn/><RevokedBefore/>`.

use super::common::{authorize, iso8601};
use crate::{AppState, AwsError, Caller, params::Params, xml::Xml};

/// Runs `name` if it is `RevokeSessions`.
pub async fn dispatch(
    state: &AppState,
    caller: &Caller,
    name: &str,
    params: &Params,
) -> Option<Result<Vec<Xml>, AwsError>> {
    match name {
        "RevokeSessions" => Some(revoke_sessions(state, caller, params).await),
        _ => None,
    }
}

/// Whether `arn` names a role, a user or the root user of `account_id`.
pub fn is_revocable_principal(partition: &str, account_id: &str, arn: &str) -> bool {
    let prefix = format!("arn:{partition}:iam::{account_id}:");
    match arn.strip_prefix(&prefix) {
        Some("root") => true,
        Some(rest) => {
            (rest.starts_with("role/") || rest.starts_with("user/"))
                && !rest.ends_with('/')
                && rest.len() > 5
        }
        None => false,
    }
}

async fn revoke_sessions(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let arn = params.required("PrincipalArn", "principalArn")?;
    if !is_revocable_principal(state.partition(), caller.account_id(), arn) {
        return Err(AwsError::invalid_input(format!(
            "PrincipalArn must be the ARN of a role, a user or the root user of account {}: {arn}",
            caller.account_id()
        )));
    }
    authorize(state, caller, "RevokeSessions", arn).await?;
    let now = state.now().unix_timestamp();
    state.store().revoke_sessions(arn, now).await?;
    Ok(vec![
        Xml::text("PrincipalArn", arn),
        Xml::text("RevokedBefore", iso8601(now)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_roles_users_and_root_of_the_account() {
        let ok = [
            "arn:aws:iam::123456789012:role/r",
            "arn:aws:iam::123456789012:user/p/u",
            "arn:aws:iam::123456789012:root",
        ];
        for arn in ok {
            assert!(is_revocable_principal("aws", "123456789012", arn), "{arn}");
        }
        let bad = [
            "arn:aws:iam::210987654321:role/r",
            "arn:aws:iam::123456789012:policy/p",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:sts::123456789012:assumed-role/r/s",
            "role/r",
        ];
        for arn in bad {
            assert!(!is_revocable_principal("aws", "123456789012", arn), "{arn}");
        }
    }
}
