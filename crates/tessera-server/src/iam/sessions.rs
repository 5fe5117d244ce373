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

use super::common::{iso8601, same_entity_arn};
use super::entities::entity_target;
use crate::action::members::Text;
use crate::action::{Access, Action, Context, Encode, Target};
use crate::actions::{ActionSpec, R, spec};
use crate::{AppState, AwsError, auth::federated_user_id, params::Params, xml::Xml};
use tessera_arn::{Arn, ArnKind};
use tessera_store::Store;

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

/// The principal `RevokeSessions` acts on: its unique id and target, as
/// [`resolve_revocable`] found it (`None` when it does not exist), and how
/// the request named it.
#[derive(Debug)]
pub struct Principal {
    found: Option<(String, Target)>,
    revocable: Revocable,
}

/// What `RevokeSessions` did: the principal's ARN as stored, and the time
/// up to which its sessions were issued (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    /// The principal's ARN as stored.
    pub principal_arn: String,
    /// Sessions issued up to this time no longer work.
    pub revoked_before: i64,
}

impl Encode for Revoked {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        vec![
            Xml::text("PrincipalArn", self.principal_arn),
            Xml::text("RevokedBefore", iso8601(self.revoked_before)),
        ]
    }
}

/// `RevokeSessions`: the sessions of a principal of the caller's account,
/// issued up to now.
#[derive(Debug, Clone)]
pub struct RevokeSessions {
    /// The principal's ARN, as given.
    pub principal_arn: Text,
}

impl Action for RevokeSessions {
    const SPEC: ActionSpec = spec("iam:RevokeSessions", R::None, &[]);
    type Found = Principal;
    type Output = Revoked;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            principal_arn: d.required("PrincipalArn"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Principal), AwsError> {
        let arn = &*self.principal_arn;
        let account = ctx.account_id();
        let revocable = Revocable::parse(ctx.partition(), arn)
            .filter(|r| r.account_id() == account)
            .ok_or_else(|| {
                AwsError::invalid_input(format!(
                    "PrincipalArn must be the ARN of a role, a user, a federated user or the root user of account {account}: {arn}"
                ))
            })?;
        let found = resolve_revocable(ctx.state, ctx.store(), &revocable, arn).await?;
        let target = found
            .as_ref()
            .map_or_else(|| Target::named(arn), |(_, target)| target.clone());
        Ok((Access::on(target), Principal { found, revocable }))
    }

    async fn run(self, ctx: &Context<'_>, principal: Principal) -> Result<Revoked, AwsError> {
        let (principal_id, target) = principal
            .found
            .ok_or_else(|| no_such_principal(&principal.revocable, &self.principal_arn))?;
        let now = ctx.now();
        ctx.store().revoke_sessions(&principal_id, now).await?;
        Ok(Revoked {
            principal_arn: target.arn,
            revoked_before: now,
        })
    }
}

crate::action::action_table!(RevokeSessions);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::members::Scalar;
    use crate::action::testing::Fixture;
    use tessera_store::User;

    fn revoke(arn: &str) -> RevokeSessions {
        RevokeSessions {
            principal_arn: Text::parse("principalArn", arn).expect("text"),
        }
    }

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

    #[tokio::test]
    async fn the_sessions_of_a_user_or_the_root_user_are_revoked() {
        let fx = Fixture::new().await;
        let account = fx.account_id.clone();
        let user = User {
            user_id: "AIDAAAAAAAAAAAAAAAAA1".to_string(),
            account_id: account.clone(),
            name: "Alice".to_string(),
            path: "/team/".to_string(),
            permissions_boundary: None,
            created_at: 0,
        };
        fx.state
            .store()
            .create_user(&user, &[])
            .await
            .expect("user");
        let revoked = fx
            .call(revoke(&format!("arn:aws:iam::{account}:user/team/alice")))
            .await
            .expect("revoked");
        assert_eq!(
            revoked,
            Revoked {
                principal_arn: format!("arn:aws:iam::{account}:user/team/Alice"),
                revoked_before: fx.state.now().unix_timestamp(),
            }
        );
        let root = format!("arn:aws:iam::{account}:root");
        let revoked = fx.call(revoke(&root)).await.expect("revoked");
        assert_eq!(revoked.principal_arn, root);
    }

    #[tokio::test]
    async fn an_unknown_principal_or_another_accounts_is_refused() {
        let fx = Fixture::new().await;
        let account = fx.account_id.clone();
        for (arn, message) in [
            (
                format!("arn:aws:iam::{account}:user/nobody"),
                "The user with name nobody cannot be found.".to_string(),
            ),
            (
                format!("arn:aws:iam::{account}:role/other/r"),
                "The role with name r cannot be found.".to_string(),
            ),
        ] {
            let error = fx.call(revoke(&arn)).await.expect_err("unknown");
            assert_eq!(
                (error.code.as_ref(), error.message),
                ("NoSuchEntity", message)
            );
        }
        let other = "arn:aws:iam::111122223333:root";
        let error = fx.call(revoke(other)).await.expect_err("other account");
        assert_eq!(
            (error.code.as_ref(), error.message),
            (
                "InvalidInput",
                format!(
                    "PrincipalArn must be the ARN of a role, a user, a federated user or the root user of account {account}: {other}"
                )
            )
        );
    }
}
