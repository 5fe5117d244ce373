//! Derived signing keys, kept. Deriving one costs four HMACs; a client
//! signs every request of a day for one region and service with the same
//! one, so a verifier keeps it by access key id and scope.
//!
//! A kept key is used only for the secret it was derived from: the secret
//! is kept beside it and compared in constant time on every use, so a
//! secret that changed (or a second credential presenting the same access
//! key id) never meets a key derived from another.

use crate::{
    SigV4Error, auth::Authentication, auth::CredentialScope, http_request::HttpRequest,
    rules::SigningRules, signing,
};
use ring::hmac;
use std::{
    collections::HashMap,
    sync::{Mutex, MutexGuard},
};
use subtle::ConstantTimeEq;

/// How many keys [`SigningKeys::default`] keeps; a full store starts over.
pub const DEFAULT_CAPACITY: usize = 8_192;

struct Kept {
    secret: Box<[u8]>,
    key: hmac::Key,
}

/// Signing keys by access key id and credential scope, bounded.
pub struct SigningKeys {
    capacity: usize,
    kept: Mutex<HashMap<String, Kept>>,
}

impl Default for SigningKeys {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeys")
            .field("capacity", &self.capacity)
            .field("kept", &self.lock().len())
            .finish()
    }
}

fn slot(access_key_id: &str, scope: &CredentialScope) -> String {
    let mut slot = String::with_capacity(
        access_key_id.len() + scope.date.len() + scope.region.len() + scope.service.len() + 3,
    );
    for part in [access_key_id, &scope.date, &scope.region, &scope.service] {
        if !slot.is_empty() {
            slot.push('/');
        }
        slot.push_str(part);
    }
    slot
}

impl SigningKeys {
    /// A store of at most `capacity` keys.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            kept: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Kept>> {
        self.kept.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The signing key of `secret` for `scope`: kept, or derived
    /// ([`signing::signing_key`]) and kept.
    pub fn key(&self, access_key_id: &str, secret: &str, scope: &CredentialScope) -> hmac::Key {
        let slot = slot(access_key_id, scope);
        if let Some(kept) = self.lock().get(&slot)
            && bool::from(kept.secret.ct_eq(secret.as_bytes()))
        {
            return kept.key.clone();
        }
        let key = signing::signing_key(secret, &scope.date, &scope.region, &scope.service);
        let mut kept = self.lock();
        if kept.len() >= self.capacity && !kept.contains_key(&slot) {
            kept.clear();
        }
        kept.insert(
            slot,
            Kept {
                secret: secret.as_bytes().into(),
                key: key.clone(),
            },
        );
        key
    }

    /// How many keys are kept.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no key is kept.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// [`crate::verify_with`], with the signing key from this store.
    pub fn verify_with(
        &self,
        request: &HttpRequest<'_>,
        auth: &Authentication,
        secret: &str,
        rules: &SigningRules,
    ) -> Result<(), SigV4Error> {
        signing::verify_with_key(request, auth, rules, || {
            self.key(&auth.access_key_id, secret, &auth.scope)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(date: &str) -> CredentialScope {
        CredentialScope {
            date: date.into(),
            region: "us-east-1".into(),
            service: "sts".into(),
        }
    }

    fn tag(key: &hmac::Key) -> Vec<u8> {
        hmac::sign(key, b"string to sign").as_ref().to_vec()
    }

    #[test]
    fn a_kept_key_is_the_derived_one() {
        let keys = SigningKeys::default();
        let derived = signing::signing_key("secret", "20260101", "us-east-1", "sts");
        let first = keys.key("AKIA1", "secret", &scope("20260101"));
        let again = keys.key("AKIA1", "secret", &scope("20260101"));
        assert_eq!(tag(&first), tag(&derived));
        assert_eq!(tag(&again), tag(&derived));
        assert_eq!(keys.len(), 1);
    }

    #[test]
    fn another_secret_under_the_same_access_key_id_gets_its_own_key() {
        let keys = SigningKeys::default();
        let first = keys.key("AKIA1", "secret", &scope("20260101"));
        let other = keys.key("AKIA1", "other", &scope("20260101"));
        let derived = signing::signing_key("other", "20260101", "us-east-1", "sts");
        assert_ne!(tag(&first), tag(&other));
        assert_eq!(tag(&other), tag(&derived));
    }

    #[test]
    fn each_scope_has_its_own_key_and_the_store_is_bounded() {
        let keys = SigningKeys::with_capacity(2);
        let day_one = keys.key("AKIA1", "secret", &scope("20260101"));
        let day_two = keys.key("AKIA1", "secret", &scope("20260102"));
        assert_ne!(tag(&day_one), tag(&day_two));
        assert_eq!(keys.len(), 2);
        keys.key("AKIA2", "secret", &scope("20260101"));
        assert_eq!(keys.len(), 1);
    }
}
