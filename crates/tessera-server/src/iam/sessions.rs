//! `RevokeSessions` (a Tessera extension of the IAM API): invalidates every
//! session of a role, a user, an account's root user or a federated user
//! issued up to now. Later sessions work.
//!
//! Request: `Action=RevokeSessions&Version=2010-05-08&PrincipalArn=ARN`,
//! signed for service `iam`, authorized as `iam:RevokeSessions` on the ARN.
//! Response: `<RevokeSessionsResult><PrincipalArn/><RevokedBefore/>`.
//!
//! Marks are kept by the principal's unique id, so the principal is
//! resolved first: a user or role by its name (without regard to case) and
//! exact path, `NoSuchEntity` when there is none. Revoking a user (or the
//! root user) also revokes the federated-user sessions it created.

use super::common::{Target, authorize_on, entity_target, iso8601, same_entity_arn};
use crate::{AppState, AwsError, Caller, auth::federated_user_id, params::Params, xml::Xml};
use tessera_arn::{Arn, ArnKind};
use tessera_store::Store;

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

/// A principal whose sessions can be revoked, as `arn` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocable {
    /// The root user of the account.
    Root {
        /// The account id.
        account_id: String,
    },
    /// A user (`user`) or role (`role`) named `name` at `path`.
    Entity {
        /// The account id.
        account_id: String,
        /// `user` or `role`.
        noun: &'static str,
        /// The name.
        name: String,
    },
    /// A federated user.
    FederatedUser {
        /// The account id.
        account_id: String,
        /// The federated user's name.
        name: String,
    },
}

impl Revocable {
    /// Reads `arn` in `partition`: `arn:P:iam::ACCT:root`, `…:user/PATH/NAME`,
    /// `…:role/PATH/NAME` or `arn:P:sts::ACCT:federated-user/NAME`.
    pub fn parse(partition: &str, arn: &str) -> Option<Self> {
        let arn = Arn::parse(arn).ok()?;
        let account = arn.account();
        if arn.partition() != partition
            || !arn.region().is_empty()
            || account.len() != 12
            || !account.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let account_id = account.to_string();
        let named = |noun| {
            let name = arn.name().filter(|name| !name.is_empty())?;
            Some(Self::Entity {
                account_id: account_id.clone(),
                noun,
                name: name.to_string(),
            })
        };
        match arn.kind() {
            ArnKind::Root => Some(Self::Root { account_id }),
            ArnKind::User => named("user"),
            ArnKind::Role => named("role"),
            ArnKind::FederatedUser => {
                let name = arn.name()?;
                ((2..=32).contains(&name.len())
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b)))
                .then(|| Self::FederatedUser {
                    account_id: account_id.clone(),
                    name: name.to_string(),
                })
            }
            _ => None,
        }
    }

    /// The account the principal belongs to.
    pub fn account_id(&self) -> &str {
        match self {
            Self::Root { account_id }
            | Self::Entity { account_id, .. }
            | Self::FederatedUser { account_id, .. } => account_id,
        }
    }
}

/// Whether `arn` names a role, a user, a federated user or the root user of
/// `account_id`.
pub fn is_revocable_principal(partition: &str, account_id: &str, arn: &str) -> bool {
    Revocable::parse(partition, arn).is_some_and(|r| r.account_id() == account_id)
}

/// The principal `arn` names, resolved in `store`: its unique id (the key
/// of its revocation marks) and its ARN as stored; `None` if it does not
/// exist.
pub async fn resolve_revocable(
    state: &AppState,
    store: &dyn Store,
    revocable: &Revocable,
    arn: &str,
) -> Result<Option<(String, Target)>, AwsError> {
    let account_exists = store.account(revocable.account_id()).await?.is_some();
    Ok(match revocable {
        _ if !account_exists => None,
        Revocable::Root { account_id } => Some((account_id.to_string(), Target::named(arn))),
        Revocable::FederatedUser { account_id, name } => {
            Some((federated_user_id(account_id, name), Target::named(arn)))
        }
        Revocable::Entity {
            account_id,
            noun,
            name,
        } => entity_target(state, account_id, noun, name)
            .await?
            .filter(|(_, target)| same_entity_arn(arn, &target.arn)),
    })
}

/// The `NoSuchEntity` answer for a principal that does not exist.
pub fn no_such_principal(revocable: &Revocable, arn: &str) -> AwsError {
    match revocable {
        Revocable::Entity { noun, name, .. } => {
            AwsError::no_such_entity(format!("The {noun} with name {name} cannot be found."))
        }
        _ => AwsError::no_such_entity(format!("The principal {arn} cannot be found.")),
    }
}

/// Revokes, as the operator, every session issued up to now of the
/// principal `arn` names (in any account of the store): what `tessera
/// sessions revoke` does. Returns the principal's ARN as stored;
/// `NoSuchEntity` when it does not exist.
pub async fn revoke_sessions_of(state: &AppState, arn: &str) -> Result<String, AwsError> {
    let revocable = Revocable::parse(state.partition(), arn).ok_or_else(|| {
        AwsError::invalid_input(format!(
            "{arn} is not the ARN of a role, a user, a federated user or an account's root user"
        ))
    })?;
    let (principal_id, target) = resolve_revocable(state, state.store(), &revocable, arn)
        .await?
        .ok_or_else(|| no_such_principal(&revocable, arn))?;
    state
        .store()
        .revoke_sessions(&principal_id, state.now().unix_timestamp())
        .await?;
    Ok(target.arn)
}

async fn revoke_sessions(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let arn = params.required("PrincipalArn", "principalArn")?;
    let revocable = Revocable::parse(state.partition(), arn)
        .filter(|r| r.account_id() == caller.account_id())
        .ok_or_else(|| {
            AwsError::invalid_input(format!(
                "PrincipalArn must be the ARN of a role, a user, a federated user or the root user of account {}: {arn}",
                caller.account_id()
            ))
        })?;
    let found = resolve_revocable(state, state.store(), &revocable, arn).await?;
    let target = found
        .as_ref()
        .map_or_else(|| Target::named(arn), |(_, target)| target.clone());
    authorize_on(state, caller, "RevokeSessions", &target, Vec::new()).await?;
    let (principal_id, target) = found.ok_or_else(|| no_such_principal(&revocable, arn))?;
    let now = state.now().unix_timestamp();
    state.store().revoke_sessions(&principal_id, now).await?;
    Ok(vec![
        Xml::text("PrincipalArn", target.arn),
        Xml::text("RevokedBefore", iso8601(now)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_users_federated_users_and_root_of_the_account() {
        let ok = [
            "arn:aws:iam::123456789012:role/r",
            "arn:aws:iam::123456789012:user/p/u",
            "arn:aws:iam::123456789012:root",
            "arn:aws:sts::123456789012:federated-user/bob",
        ];
        for arn in ok {
            assert!(is_revocable_principal("aws", "123456789012", arn), "{arn}");
        }
        let bad = [
            "arn:aws:iam::210987654321:role/r",
            "arn:aws:iam::123456789012:policy/p",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:sts::123456789012:assumed-role/r/s",
            "arn:aws:sts::123456789012:federated-user/b\u{0430}b",
            "arn:aws:sts::123456789012:federated-user/x",
            "role/r",
        ];
        for arn in bad {
            assert!(!is_revocable_principal("aws", "123456789012", arn), "{arn}");
        }
    }
}
