//! Console passwords: the login profiles of IAM users, the hashes of their
//! previous passwords, and each account's password policy.
//!
//! The store sees passwords only as hashes (PHC strings that the server
//! computes); it never holds one in clear, and its values' `Debug` leaves
//! the hashes out.

use crate::StoreError;
use async_trait::async_trait;

/// A user's login profile: its console password and how it may be used.
#[derive(Clone, PartialEq, Eq)]
pub struct LoginProfile {
    /// The user's unique id.
    pub user_id: String,
    /// The user's name as stored.
    pub user_name: String,
    /// The password's hash (an Argon2id PHC string).
    pub password_hash: String,
    /// Whether the user must set a new password at its next sign-in.
    pub password_reset_required: bool,
    /// The longest console session of the user, in seconds, when set.
    pub max_signin_session_duration: Option<i64>,
    /// When the profile was created (Unix seconds).
    pub created_at: i64,
    /// When its password was last set (Unix seconds).
    pub password_changed_at: i64,
}

impl std::fmt::Debug for LoginProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginProfile")
            .field("user_id", &self.user_id)
            .field("user_name", &self.user_name)
            .field("password_reset_required", &self.password_reset_required)
            .field(
                "max_signin_session_duration",
                &self.max_signin_session_duration,
            )
            .field("created_at", &self.created_at)
            .field("password_changed_at", &self.password_changed_at)
            .finish_non_exhaustive()
    }
}

/// A new password, hashed, and when it was set.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword {
    /// The password's hash (an Argon2id PHC string).
    pub hash: String,
    /// When it is set (Unix seconds).
    pub at: i64,
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewPassword")
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

/// What an update of a login profile changes; `None` leaves a setting as
/// it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginProfileChange {
    /// A new password (remembered in the user's password history).
    pub password: Option<NewPassword>,
    /// Whether the user must set a new password at its next sign-in.
    pub password_reset_required: Option<bool>,
    /// The longest console session: `Some(None)` clears it.
    pub max_signin_session_duration: Option<Option<i64>>,
    /// Applies the change only while the current password's hash is this
    /// one (a user changing its own password, having proved the old one).
    pub replacing: Option<String>,
}

/// An account's password policy, as `UpdateAccountPasswordPolicy` sets it
/// (every setting at once; unset ones take their defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// The fewest characters a password may have (6 to 128).
    pub minimum_password_length: i64,
    /// Whether a password needs one of `! @ # $ % ^ & * ( ) _ + - = [ ] { } | '`.
    pub require_symbols: bool,
    /// Whether a password needs a digit.
    pub require_numbers: bool,
    /// Whether a password needs a letter from `A` to `Z`.
    pub require_uppercase_characters: bool,
    /// Whether a password needs a letter from `a` to `z`.
    pub require_lowercase_characters: bool,
    /// Whether every IAM user may change its own password.
    pub allow_users_to_change_password: bool,
    /// How many days a password is valid, when passwords expire.
    pub max_password_age: Option<i64>,
    /// How many previous passwords a user may not use again, when set.
    pub password_reuse_prevention: Option<i64>,
    /// Whether an expired password can only be reset by an administrator,
    /// when set.
    pub hard_expiry: Option<bool>,
}

/// Login profiles, password histories and password policies.
#[async_trait]
pub trait LoginProfileStore: Send + Sync {
    /// The login profile of the user `user_name` of `account_id`:
    /// `NotFound` for an unknown user, and for a user without one.
    async fn login_profile(
        &self,
        account_id: &str,
        user_name: &str,
    ) -> Result<LoginProfile, StoreError>;
    /// Gives the user `user_name` a login profile with `password`
    /// (remembered in its password history); `AlreadyExists` if it has
    /// one. Returns the profile as stored.
    async fn create_login_profile(
        &self,
        account_id: &str,
        user_name: &str,
        password: &NewPassword,
        password_reset_required: bool,
        max_signin_session_duration: Option<i64>,
    ) -> Result<LoginProfile, StoreError>;
    /// Changes the user's login profile (`NotFound` without one). With
    /// [`LoginProfileChange::replacing`] set, changes nothing and answers
    /// `false` when the current password's hash is another.
    async fn update_login_profile(
        &self,
        account_id: &str,
        user_name: &str,
        change: &LoginProfileChange,
    ) -> Result<bool, StoreError>;
    /// Deletes the user's login profile (`NotFound` without one); its
    /// password history stays with the user.
    async fn delete_login_profile(
        &self,
        account_id: &str,
        user_name: &str,
    ) -> Result<(), StoreError>;
    /// The hashes of the user's latest passwords, the current one first,
    /// at most `limit` (and at most
    /// [`PASSWORDS_REMEMBERED`](crate::PASSWORDS_REMEMBERED)).
    async fn password_history(
        &self,
        account_id: &str,
        user_name: &str,
        limit: usize,
    ) -> Result<Vec<String>, StoreError>;

    /// The account's password policy, if it has one.
    async fn password_policy(&self, account_id: &str)
    -> Result<Option<PasswordPolicy>, StoreError>;
    /// Sets the account's password policy, replacing any.
    async fn set_password_policy(
        &self,
        account_id: &str,
        policy: &PasswordPolicy,
    ) -> Result<(), StoreError>;
    /// Deletes the account's password policy (`NotFound` without one).
    async fn delete_password_policy(&self, account_id: &str) -> Result<(), StoreError>;
}
