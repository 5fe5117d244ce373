//! Fuzzes web identity token handling: the header and issuer read before
//! any signature, JWKS documents, signature verification against a fixed
//! key, and the claims checks. Nothing may panic, and nothing may verify.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use tessera_federation::oidc::{
    Expected, KeySet, read_header, unverified_issuer,
    jwt::{check_claims, verify},
};

/// An RSA public key (RFC 7517 appendix A.1's example key).
const JWKS: &str = r#"{"keys":[{"kty":"RSA","kid":"2011-04-29","alg":"RS256","use":"sig","e":"AQAB","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}]}"#;

fuzz_target!(|data: &[u8]| {
    let keys = KeySet::from_jwks(JWKS.as_bytes()).expect("fixed JWKS");
    let _ = KeySet::from_jwks(data);
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let client_ids = ["app".to_string()];
    let expected = Expected { issuer: "https://idp.example.com", client_ids: &client_ids };
    let _ = unverified_issuer(token);
    if let Ok(header) = read_header(token) {
        for key in keys.candidates(header.kid.as_deref(), header.alg) {
            assert!(verify(token, &header, key, expected, 0).is_err());
        }
    }
    if let Ok(Value::Object(claims)) = serde_json::from_str::<Value>(token) {
        let claims: Map<String, Value> = claims;
        let _ = check_claims(&claims, expected, 1_767_225_600);
    }
});
