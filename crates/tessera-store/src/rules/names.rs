//! Names of users, groups, roles, managed policies, SAML providers,
//! instance profiles and inline policies are unique per owner regardless of
//! case, and so are the keys of an entity's tags. IAM's names are ASCII
//! (`[\w+=,.@-]`); tag keys may be any letters, and only ASCII letters are
//! folded, as SQLite's `lower()` and `NOCASE` fold them.

use crate::{Existing, StoreError};

/// The key a name is unique by: its ASCII letters in lower case.
pub(crate) fn name_key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// A uniqueness violation reported by the database means that `existing`
/// exists; other errors pass through.
pub(crate) fn exists_as(existing: Existing) -> impl FnOnce(StoreError) -> StoreError {
    move |error| match error {
        StoreError::AlreadyExists(_) => StoreError::AlreadyExists(existing),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ascii_letters_are_folded() {
        assert_eq!(name_key("Alice+Ops@Example.COM"), "alice+ops@example.com");
        assert_eq!(name_key("Ärger-É"), "Ärger-É");
    }

    #[test]
    fn a_uniqueness_violation_becomes_what_exists() {
        let mapped = exists_as(Existing::User("bob".into()))(StoreError::AlreadyExists(
            Existing::Other("UNIQUE constraint failed".into()),
        ));
        assert!(matches!(mapped, StoreError::AlreadyExists(Existing::User(n)) if n == "bob"));
        let passed = exists_as(Existing::User("bob".into()))(StoreError::Database("x".into()));
        assert!(matches!(passed, StoreError::Database(_)));
    }
}
