//! An issuer's verification keys: the JSON Web Key Set of its `jwks_uri`,
//! kept to the keys that can verify an accepted algorithm.

use super::OidcError;
use jsonwebtoken::{Algorithm, DecodingKey, jwk::Jwk};
use serde_json::Value;

/// The kind of key an algorithm needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// An RSA key (`RS256`, `RS384`, `RS512`, `PS256`).
    Rsa,
    /// A P-256 key (`ES256`).
    P256,
    /// A P-384 key (`ES384`).
    P384,
}

/// The kind of key `alg` is verified with, for the accepted algorithms only.
pub fn key_kind(alg: Algorithm) -> Option<KeyKind> {
    match alg {
        Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512 | Algorithm::PS256 => {
            Some(KeyKind::Rsa)
        }
        Algorithm::ES256 => Some(KeyKind::P256),
        Algorithm::ES384 => Some(KeyKind::P384),
        _ => None,
    }
}

/// One verification key.
#[derive(Clone)]
pub struct PublicKey {
    kid: Option<String>,
    kind: KeyKind,
    /// The `alg` the key is restricted to, if the JWK names one.
    alg: Option<String>,
    pub(crate) key: DecodingKey,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicKey")
            .field("kid", &self.kid)
            .field("kind", &self.kind)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl PublicKey {
    /// The key id.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Whether the key may verify a signature made with `alg`.
    pub fn verifies(&self, alg: Algorithm) -> bool {
        key_kind(alg) == Some(self.kind)
            && self
                .alg
                .as_deref()
                .is_none_or(|named| Some(named) == algorithm_name(alg))
    }
}

fn algorithm_name(alg: Algorithm) -> Option<&'static str> {
    Some(match alg {
        Algorithm::RS256 => "RS256",
        Algorithm::RS384 => "RS384",
        Algorithm::RS512 => "RS512",
        Algorithm::PS256 => "PS256",
        Algorithm::ES256 => "ES256",
        Algorithm::ES384 => "ES384",
        _ => return None,
    })
}

/// An issuer's usable signing keys.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: Vec<PublicKey>,
}

impl KeySet {
    /// Reads a JWKS document. Keys that are not signing keys of an accepted
    /// type (encryption keys, symmetric keys, other curves) are left out; a
    /// document that is not a JWKS is an error.
    pub fn from_jwks(document: &[u8]) -> Result<Self, OidcError> {
        let value: Value = serde_json::from_slice(document).map_err(|e| {
            OidcError::Communication(format!("The identity provider's JWKS is not JSON: {e}"))
        })?;
        let Some(entries) = value.get("keys").and_then(Value::as_array) else {
            return Err(OidcError::Communication(
                "The identity provider's JWKS has no keys array".to_string(),
            ));
        };
        let keys = entries.iter().filter_map(Self::key).collect();
        Ok(Self { keys })
    }

    fn key(entry: &Value) -> Option<PublicKey> {
        let text = |name: &str| entry.get(name).and_then(Value::as_str);
        if text("use").is_some_and(|u| u != "sig") {
            return None;
        }
        let kind = match (text("kty")?, text("crv")) {
            ("RSA", _) => KeyKind::Rsa,
            ("EC", Some("P-256")) => KeyKind::P256,
            ("EC", Some("P-384")) => KeyKind::P384,
            _ => return None,
        };
        let jwk: Jwk = serde_json::from_value(entry.clone()).ok()?;
        let key = DecodingKey::from_jwk(&jwk).ok()?;
        Some(PublicKey {
            kid: text("kid").map(str::to_string),
            kind,
            alg: text("alg").map(str::to_string),
            key,
        })
    }

    /// The keys that may verify a token signed with `alg` under `kid`: the
    /// key of that id, or, for a token without `kid`, every key of the
    /// right type.
    pub fn candidates(&self, kid: Option<&str>, alg: Algorithm) -> Vec<&PublicKey> {
        self.keys
            .iter()
            .filter(|k| kid.is_none_or(|kid| k.kid() == Some(kid)) && k.verifies(alg))
            .collect()
    }

    /// The number of usable keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is usable.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWKS: &str = include_str!("../../tests/fixtures/jwks.json");

    #[test]
    fn reads_rsa_and_ec_keys() {
        let set = KeySet::from_jwks(JWKS.as_bytes()).expect("jwks");
        assert_eq!(set.len(), 4);
        assert_eq!(set.candidates(Some("rsa-a"), Algorithm::RS256).len(), 1);
        assert_eq!(set.candidates(Some("rsa-a"), Algorithm::PS256).len(), 1);
        assert!(set.candidates(Some("rsa-a"), Algorithm::ES256).is_empty());
        assert_eq!(set.candidates(Some("ec-256"), Algorithm::ES256).len(), 1);
        assert!(set.candidates(Some("ec-256"), Algorithm::ES384).is_empty());
        assert_eq!(set.candidates(Some("ec-384"), Algorithm::ES384).len(), 1);
        assert_eq!(set.candidates(None, Algorithm::RS512).len(), 2);
        assert!(set.candidates(Some("nope"), Algorithm::RS256).is_empty());
        // Symmetric algorithms never find a key.
        assert!(set.candidates(Some("rsa-a"), Algorithm::HS256).is_empty());
    }

    #[test]
    fn skips_unusable_keys() {
        let doc = br#"{"keys":[
            {"kty":"oct","k":"c2VjcmV0","kid":"h"},
            {"kty":"RSA","use":"enc","kid":"e","n":"AQAB","e":"AQAB"},
            {"kty":"EC","crv":"P-521","kid":"p","x":"AA","y":"AA"},
            {"kty":"OKP","crv":"X25519","kid":"x","x":"AA"},
            {"kty":"RSA","kid":"broken"}
        ]}"#;
        let set = KeySet::from_jwks(doc).expect("jwks");
        assert!(set.is_empty());
    }

    #[test]
    fn a_key_restricted_to_one_algorithm() {
        let mut doc: Value = serde_json::from_str(JWKS).expect("json");
        doc["keys"][0]["alg"] = "RS256".into();
        let set = KeySet::from_jwks(doc.to_string().as_bytes()).expect("jwks");
        assert_eq!(set.candidates(Some("rsa-a"), Algorithm::RS256).len(), 1);
        assert!(set.candidates(Some("rsa-a"), Algorithm::RS384).is_empty());
    }

    #[test]
    fn rejects_documents_that_are_not_key_sets() {
        for doc in [&b"nope"[..], b"{}", br#"{"keys":{}}"#] {
            assert!(matches!(
                KeySet::from_jwks(doc),
                Err(OidcError::Communication(_))
            ));
        }
    }
}
