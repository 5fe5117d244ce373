//! Console passwords: hashed with Argon2id into PHC strings (a new random
//! salt from the operating system each time), verified in constant time,
//! and held to the account's password policy — or, where the account has
//! none, to AWS's default one.
//!
//! Hashing is slow by design, so it runs on the blocking pool, never on
//! the request's own thread. Nothing here logs a password or puts one in
//! an error.

use crate::AwsError;
use crate::action::members::Password;
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use tessera_store::PasswordPolicy;

/// The characters IAM counts as symbols: `! @ # $ % ^ & * ( ) _ + - = [ ]
/// { } | '`.
pub const SYMBOLS: &str = "!@#$%^&*()_+-=[]{}|'";

/// The shortest password AWS's default password policy takes.
pub const DEFAULT_MINIMUM_LENGTH: usize = 8;

/// The rules a new password is held to.
#[derive(Debug, Clone, Copy)]
pub enum Rules<'a> {
    /// The account's password policy.
    Policy(&'a PasswordPolicy),
    /// AWS's default policy, for an account without one: at least
    /// [`DEFAULT_MINIMUM_LENGTH`] characters, three of the four kinds
    /// (upper case, lower case, digits, symbols), and not the account's
    /// name.
    Default {
        /// The account's name.
        account_name: &'a str,
    },
}

impl<'a> Rules<'a> {
    /// The account's policy if it has one, else AWS's default.
    pub fn of(policy: Option<&'a PasswordPolicy>, account_name: &'a str) -> Self {
        match policy {
            Some(policy) => Self::Policy(policy),
            None => Self::Default { account_name },
        }
    }

    /// How many of the user's latest passwords the new one may not be.
    pub fn reuse_prevention(&self) -> usize {
        match self {
            Self::Policy(policy) => policy
                .password_reuse_prevention
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(0),
            Self::Default { .. } => 0,
        }
    }

    /// Whether `password` keeps these rules (its history aside);
    /// `PasswordPolicyViolation` naming the first rule it breaks.
    pub fn check(&self, password: &str) -> Result<(), AwsError> {
        let kinds = Kinds::of(password);
        let length = password.chars().count();
        match self {
            Self::Policy(policy) => {
                let minimum = usize::try_from(policy.minimum_password_length).unwrap_or(0);
                let broken = if length < minimum {
                    Some(format!(
                        "Password should have a minimum length of {minimum}"
                    ))
                } else if policy.require_symbols && !kinds.symbol {
                    Some("Password should have at least one symbol".to_string())
                } else if policy.require_numbers && !kinds.number {
                    Some("Password should have at least one number".to_string())
                } else if policy.require_uppercase_characters && !kinds.uppercase {
                    Some("Password should have at least one uppercase letter".to_string())
                } else if policy.require_lowercase_characters && !kinds.lowercase {
                    Some("Password should have at least one lowercase letter".to_string())
                } else {
                    None
                };
                broken.map_or(Ok(()), |m| Err(AwsError::password_policy_violation(m)))
            }
            Self::Default { account_name } => {
                if length < DEFAULT_MINIMUM_LENGTH {
                    Err(AwsError::password_policy_violation(format!(
                        "Password should have a minimum length of {DEFAULT_MINIMUM_LENGTH}"
                    )))
                } else if kinds.count() < 3 {
                    Err(AwsError::password_policy_violation(
                        "Password should have at least three of the following: uppercase letters, lowercase letters, numbers and symbols",
                    ))
                } else if password == *account_name {
                    Err(AwsError::password_policy_violation(
                        "Password should not be the account name",
                    ))
                } else {
                    Ok(())
                }
            }
        }
    }
}

/// The kinds of character a password has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Kinds {
    uppercase: bool,
    lowercase: bool,
    number: bool,
    symbol: bool,
}

impl Kinds {
    fn of(password: &str) -> Self {
        let mut kinds = Self::default();
        for c in password.chars() {
            kinds.uppercase |= c.is_ascii_uppercase();
            kinds.lowercase |= c.is_ascii_lowercase();
            kinds.number |= c.is_ascii_digit();
            kinds.symbol |= SYMBOLS.contains(c);
        }
        kinds
    }

    fn count(self) -> usize {
        [self.uppercase, self.lowercase, self.number, self.symbol]
            .into_iter()
            .filter(|k| *k)
            .count()
    }
}

/// `PasswordPolicyViolation` for a password that is one of the user's
/// latest `n`.
pub fn reused(n: usize) -> AwsError {
    AwsError::password_policy_violation(format!(
        "Password should not be one of your {n} previous passwords"
    ))
}

fn hashing_failed(error: impl std::fmt::Display) -> AwsError {
    tracing::error!(%error, "password hashing failed");
    AwsError::internal()
}

/// The Argon2id PHC string of `password`, with a new random salt.
pub async fn hash(password: &Password) -> Result<String, AwsError> {
    let secret = password.secret().to_string();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(secret.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(hashing_failed)
    })
    .await
    .map_err(hashing_failed)?
}

/// Whether `password` is the one any of `hashes` (PHC strings) was made
/// from; a hash that cannot be read matches nothing.
pub async fn matches_any(password: &Password, hashes: Vec<String>) -> Result<bool, AwsError> {
    let secret = password.secret().to_string();
    tokio::task::spawn_blocking(move || {
        let argon2 = Argon2::default();
        hashes.iter().any(|hash| {
            argon2
                .verify_password(secret.as_bytes(), hash.as_str())
                .is_ok()
        })
    })
    .await
    .map_err(hashing_failed)
}

/// Whether `password` is the one `hash` was made from.
pub async fn verify(password: &Password, hash: &str) -> Result<bool, AwsError> {
    matches_any(password, vec![hash.to_string()]).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::members::Scalar;

    fn password(text: &str) -> Password {
        Password::parse("password", text).expect("valid password")
    }

    fn policy() -> PasswordPolicy {
        PasswordPolicy {
            minimum_password_length: 10,
            require_symbols: true,
            require_numbers: true,
            require_uppercase_characters: true,
            require_lowercase_characters: true,
            allow_users_to_change_password: false,
            max_password_age: None,
            password_reuse_prevention: Some(3),
            hard_expiry: None,
        }
    }

    fn violation(rules: Rules<'_>, password: &str) -> Option<String> {
        match rules.check(password) {
            Ok(()) => None,
            Err(error) => {
                assert_eq!(
                    (error.code.as_ref(), error.status.as_u16()),
                    ("PasswordPolicyViolation", 400)
                );
                assert!(!error.message.contains(password), "{}", error.message);
                Some(error.message)
            }
        }
    }

    #[test]
    fn a_policy_names_the_first_rule_broken() {
        let policy = policy();
        let rules = Rules::Policy(&policy);
        assert_eq!(
            violation(rules, "Ab1!").as_deref(),
            Some("Password should have a minimum length of 10")
        );
        assert_eq!(
            violation(rules, "Abcdefghij1").as_deref(),
            Some("Password should have at least one symbol")
        );
        assert_eq!(
            violation(rules, "Abcdefghij!").as_deref(),
            Some("Password should have at least one number")
        );
        assert_eq!(
            violation(rules, "abcdefghi1!").as_deref(),
            Some("Password should have at least one uppercase letter")
        );
        assert_eq!(
            violation(rules, "ABCDEFGHI1!").as_deref(),
            Some("Password should have at least one lowercase letter")
        );
        assert_eq!(violation(rules, "Abcdefgh1'"), None);
        assert_eq!(rules.reuse_prevention(), 3);
        // Only IAM's symbols count, and only ASCII letters and digits.
        assert!(violation(rules, "Abcdefgh1~").is_some());
        assert!(violation(rules, "Àbcdefgh1!").is_some());
    }

    #[test]
    fn without_a_policy_the_default_one_applies() {
        let rules = Rules::of(None, "Example-Corp1");
        assert_eq!(rules.reuse_prevention(), 0);
        assert_eq!(
            violation(rules, "Ab1!Ab1").as_deref(),
            Some("Password should have a minimum length of 8")
        );
        assert!(violation(rules, "abcdefgh12").is_some(), "two kinds");
        assert_eq!(violation(rules, "abcdefgh1!"), None);
        assert_eq!(violation(rules, "ABCDEFGH1a"), None);
        assert!(
            violation(rules, "Example-Corp1").is_some(),
            "the account name"
        );
    }

    #[tokio::test]
    async fn hashes_are_salted_phc_strings_that_verify() {
        let secret = password("correct horse battery staple");
        let first = hash(&secret).await.expect("hash");
        let second = hash(&secret).await.expect("hash");
        assert!(first.starts_with("$argon2id$v=19$"), "{first}");
        assert_ne!(first, second, "a new salt each time");
        assert!(!first.contains("correct horse"));
        assert!(verify(&secret, &first).await.expect("verify"));
        assert!(verify(&secret, &second).await.expect("verify"));
        let other = password("correct horse battery stapler");
        assert!(!verify(&other, &first).await.expect("verify"));
        assert!(!verify(&secret, "not a hash").await.expect("verify"));
        assert!(
            matches_any(&secret, vec!["garbage".into(), second])
                .await
                .expect("verify")
        );
        assert!(!matches_any(&secret, Vec::new()).await.expect("verify"));
    }

    #[test]
    fn a_password_is_never_shown() {
        let secret = password("s3cret\tpass");
        assert_eq!(format!("{secret:?}"), "Password(…)");
        for bad in ["", &"x".repeat(129), "naïve€"] {
            let error = Password::parse("newPassword", bad).expect_err("invalid");
            assert_eq!(error.code, "ValidationError");
            assert!(
                error
                    .message
                    .starts_with("1 validation error detected: Value at 'newPassword'"),
                "{}",
                error.message
            );
            assert!(!error.message.contains("xxxx") && !error.message.contains("naïve"));
        }
    }
}
