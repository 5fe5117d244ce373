//! The authenticated principal of a request.

use tessera_token::{SessionClaims, SessionPrincipal};

/// Who signed a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// An account's root user, with a long-term key.
    Root {
        /// The account id.
        account_id: String,
        /// The key that signed.
        access_key_id: String,
    },
    /// An IAM user, with one of its long-term keys.
    User {
        /// The user as stored.
        user: Box<tessera_store::User>,
        /// The key that signed.
        access_key_id: String,
    },
    /// Temporary credentials; the claims come from the verified token.
    Session(Box<SessionClaims>),
}

impl Caller {
    /// The caller's account.
    pub fn account_id(&self) -> &str {
        match self {
            Self::Root { account_id, .. } => account_id,
            Self::User { user, .. } => &user.account_id,
            Self::Session(claims) => claims.principal.account_id(),
        }
    }

    /// The access key id that signed the request.
    pub fn access_key_id(&self) -> &str {
        match self {
            Self::Root { access_key_id, .. } | Self::User { access_key_id, .. } => access_key_id,
            Self::Session(claims) => &claims.access_key_id,
        }
    }

    /// Whether the caller acts as the root user of `account_id` (with its own
    /// key or a session of it).
    pub fn is_root_of(&self, account_id: &str) -> bool {
        let root_account = match self {
            Self::Root { account_id, .. } => Some(account_id),
            Self::User { .. } => None,
            Self::Session(claims) => match &claims.principal {
                SessionPrincipal::Root { account_id } => Some(account_id),
                _ => None,
            },
        };
        root_account.is_some_and(|a| a == account_id)
    }

    /// `(UserId, Arn)` as GetCallerIdentity reports them.
    pub fn identity(&self, partition: &str) -> (String, String) {
        let root = |account_id: &str| {
            (
                account_id.to_string(),
                format!("arn:{partition}:iam::{account_id}:root"),
            )
        };
        match self {
            Self::Root { account_id, .. } => root(account_id),
            Self::User { user, .. } => (
                user.user_id.clone(),
                format!(
                    "arn:{partition}:iam::{}:user{}{}",
                    user.account_id, user.path, user.name
                ),
            ),
            Self::Session(claims) => match &claims.principal {
                SessionPrincipal::Root { account_id } => root(account_id),
                SessionPrincipal::User {
                    account_id,
                    user_id,
                    user_name,
                    path,
                } => (
                    user_id.clone(),
                    format!("arn:{partition}:iam::{account_id}:user{path}{user_name}"),
                ),
                SessionPrincipal::AssumedRole {
                    account_id,
                    role_id,
                    role_name,
                    session_name,
                    ..
                } => (
                    format!("{role_id}:{session_name}"),
                    format!(
                        "arn:{partition}:sts::{account_id}:assumed-role/{role_name}/{session_name}"
                    ),
                ),
                SessionPrincipal::FederatedUser {
                    account_id, name, ..
                } => (
                    format!("{account_id}:{name}"),
                    format!("arn:{partition}:sts::{account_id}:federated-user/{name}"),
                ),
            },
        }
    }
}
