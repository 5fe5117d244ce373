//! The authenticated principal of a request.

use crate::auth::federated_user_id;
use tessera_arn::Arn;
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

    /// The caller's ARN in `partition`: the root user's, the user's, or the
    /// session's (`assumed-role/ROLE/SESSION`, `federated-user/NAME`).
    pub fn arn(&self, partition: &str) -> Arn {
        match self {
            Self::Root { account_id, .. } => Arn::root(partition, account_id),
            Self::User { user, .. } => user_arn(partition, user),
            Self::Session(claims) => session_arn(partition, &claims.principal),
        }
    }

    /// The caller's unique id as `aws:userid` and GetCallerIdentity give
    /// it: the account id for the root user, `AIDA…` for a user,
    /// `AROA…:SESSION` for a role session, `ACCOUNT:NAME` for a federated
    /// user.
    pub fn user_id(&self) -> String {
        match self {
            Self::Root { account_id, .. } => account_id.clone(),
            Self::User { user, .. } => user.user_id.clone(),
            Self::Session(claims) => match &claims.principal {
                SessionPrincipal::Root { account_id } => account_id.clone(),
                SessionPrincipal::User { user_id, .. } => user_id.clone(),
                SessionPrincipal::AssumedRole {
                    role_id,
                    session_name,
                    ..
                } => format!("{role_id}:{session_name}"),
                SessionPrincipal::FederatedUser {
                    account_id, name, ..
                } => federated_user_id(account_id, name),
            },
        }
    }

    /// `(UserId, Arn)` as GetCallerIdentity reports them.
    pub fn identity(&self, partition: &str) -> (String, String) {
        (self.user_id(), self.arn(partition).into_string())
    }

    /// The ARN of the role a role session acts for, with the role's path;
    /// `None` for other callers.
    pub fn role_arn(&self, partition: &str) -> Option<Arn> {
        match self {
            Self::Session(claims) => match &claims.principal {
                SessionPrincipal::AssumedRole {
                    account_id,
                    role_name,
                    role_path,
                    ..
                } => Some(Arn::role(partition, account_id, role_path, role_name)),
                _ => None,
            },
            _ => None,
        }
    }
}

/// The ARN of a stored user, `arn:P:iam::ACCOUNT:user/PATH/NAME`.
pub fn user_arn(partition: &str, user: &tessera_store::User) -> Arn {
    Arn::user(partition, &user.account_id, &user.path, &user.name)
}

/// The ARN of a session's principal, as GetCallerIdentity reports it.
pub fn session_arn(partition: &str, principal: &SessionPrincipal) -> Arn {
    match principal {
        SessionPrincipal::Root { account_id } => Arn::root(partition, account_id),
        SessionPrincipal::User {
            account_id,
            user_name,
            path,
            ..
        } => Arn::user(partition, account_id, path, user_name),
        SessionPrincipal::AssumedRole {
            account_id,
            role_name,
            session_name,
            ..
        } => Arn::assumed_role(partition, account_id, role_name, session_name),
        SessionPrincipal::FederatedUser {
            account_id, name, ..
        } => Arn::federated_user(partition, account_id, name),
    }
}
