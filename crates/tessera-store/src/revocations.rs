//! Revocation marks: "sessions of this principal issued at or before T are
//! invalid", keyed by the principal's unique id and checked, with the
//! principal's existence, on every use of temporary credentials.

use crate::StoreError;
use async_trait::async_trait;

/// Whose standing a session depends on, by unique id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionOwner<'a> {
    /// A session of an account's root user.
    Root {
        /// The account id.
        account_id: &'a str,
    },
    /// A session of an IAM user.
    User {
        /// The user's unique id.
        user_id: &'a str,
    },
    /// A role session.
    Role {
        /// The role's unique id.
        role_id: &'a str,
    },
    /// A federated-user session, created by an IAM user or a root user.
    FederatedUser {
        /// The federated user's id, `ACCOUNT:NAME`.
        federated_id: &'a str,
        /// The creating user's unique id, or the account id for its root.
        creator_id: &'a str,
    },
}

/// What a session's owner allows of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The user, role or account behind the session no longer exists.
    Gone,
    /// It exists; sessions issued at or before the mark, if any, are revoked.
    Present {
        /// The latest revocation mark that applies (Unix seconds).
        revoked_before: Option<i64>,
    },
}

/// Reads and writes of revocation marks.
#[async_trait]
pub trait RevocationStore: Send + Sync {
    /// Marks every session of the principal with this unique id (user
    /// `AIDA…`, role `AROA…`, account id for the root user, `ACCOUNT:NAME`
    /// for a federated user) issued at or before `before` (Unix seconds)
    /// invalid; a later mark replaces an earlier one, an earlier one never
    /// shortens a later one.
    async fn revoke_sessions(&self, principal_id: &str, before: i64) -> Result<(), StoreError>;
}
