//! Web identity tokens: the header read before anything else (so that
//! `none` and HMAC never reach a verifier), the signature checked with
//! `jsonwebtoken` for exactly one algorithm, and the claims checked against
//! the provider and a time passed in.

use super::{OidcError, keys::PublicKey, keys::key_kind};
use base64::Engine;
use jsonwebtoken::{Algorithm, Validation, errors::ErrorKind};
use serde_json::{Map, Value};

/// The clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
pub const LEEWAY: i64 = 60;
/// The longest lifetime a token may claim, in seconds: `exp` at most 24 hours
/// after `iat` (or after the time of verification when the token has no
/// `iat`). ID tokens usually live minutes to an hour and Kubernetes
/// service-account tokens for AWS at most a day; a longer-lived token is
/// nearly a standing credential, so it is refused.
pub const MAX_TOKEN_LIFETIME: i64 = 24 * 60 * 60;
/// The latest NumericDate accepted, 9999-12-31T23:59:59Z, in Unix seconds.
/// With 1970-01-01 as the earliest it bounds `exp`, `nbf` and `iat` to the
/// dates an RFC 3339 timestamp can show.
pub const MAX_NUMERIC_DATE: i64 = 253_402_300_799;
/// The claim that carries session tags.
pub const TAGS_CLAIM: &str = "https://aws.amazon.com/tags";
/// The claim that carries a source identity.
pub const SOURCE_IDENTITY_CLAIM: &str = "https://aws.amazon.com/source_identity";

/// The parts of a token's header that choose its verification key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHeader {
    /// The signature algorithm, one of the accepted ones.
    pub alg: Algorithm,
    /// The key id, if any.
    pub kid: Option<String>,
}

fn segments(token: &str) -> Result<[&str; 3], OidcError> {
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s), None) if !h.is_empty() && !p.is_empty() => Ok([h, p, s]),
        _ => Err(OidcError::invalid("The web identity token is not a JWT")),
    }
}

fn json_segment(segment: &str, what: &str) -> Result<Map<String, Value>, OidcError> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment.trim_end_matches('='))
        .map_err(|_| OidcError::invalid(format!("The token {what} is not base64url")))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(OidcError::invalid(format!(
            "The token {what} is not a JSON object"
        ))),
    }
}

/// Reads a token's header. `none`, HMAC and every algorithm outside
/// RS256/RS384/RS512/PS256/ES256/ES384 are refused here, as are headers
/// with critical extensions.
pub fn read_header(token: &str) -> Result<TokenHeader, OidcError> {
    let [header, _, _] = segments(token)?;
    let header = json_segment(header, "header")?;
    let Some(alg) = header.get("alg").and_then(Value::as_str) else {
        return Err(OidcError::invalid("The token header has no alg"));
    };
    if alg.eq_ignore_ascii_case("none") {
        return Err(OidcError::invalid("Unsigned tokens are not accepted"));
    }
    if alg.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("HS")) {
        return Err(OidcError::invalid(
            "Tokens signed with a shared secret (HMAC) are not accepted",
        ));
    }
    let accepted = alg
        .parse::<Algorithm>()
        .ok()
        .filter(|a| key_kind(*a).is_some());
    let Some(alg) = accepted else {
        return Err(OidcError::invalid(format!(
            "The signing algorithm {alg} is not accepted"
        )));
    };
    if header.contains_key("crit") {
        return Err(OidcError::invalid(
            "Tokens with critical header extensions are not accepted",
        ));
    }
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(kid.clone()),
        Some(_) => return Err(OidcError::invalid("The token header kid is not a string")),
    };
    Ok(TokenHeader { alg, kid })
}

/// The `iss` claim of a token whose signature is not yet checked: it only
/// chooses the provider (and so the keys) the token is verified with.
pub fn unverified_issuer(token: &str) -> Result<String, OidcError> {
    let [_, payload, _] = segments(token)?;
    json_segment(payload, "payload")?
        .get("iss")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| OidcError::invalid("The token has no iss claim"))
}

/// What a token must be: from `issuer` (`https://…`), for one of
/// `client_ids`.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The issuer URL, with `https://`.
    pub issuer: &'a str,
    /// The audiences accepted.
    pub client_ids: &'a [String],
}

/// A verified token's claims, as AssumeRoleWithWebIdentity uses them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    /// `iss`.
    pub issuer: String,
    /// `sub`.
    pub subject: String,
    /// The client id the token is for (`azp` when it names a client id,
    /// else the `aud` value that does).
    pub audience: String,
    /// The `aud` values when the client id came from `azp` (`:oaud`).
    pub other_audiences: Vec<String>,
    /// `amr`, if any.
    pub amr: Vec<String>,
    /// `exp`.
    pub expires_at: i64,
    /// Session tags (`principal_tags` of the tags claim), in claim order.
    pub session_tags: Vec<(String, String)>,
    /// `transitive_tag_keys` of the tags claim.
    pub transitive_tag_keys: Vec<String>,
    /// The source identity claim, if any.
    pub source_identity: Option<String>,
}

/// Checks the signature of `token` with `key` for `header.alg` alone, then
/// its claims ([`check_claims`]).
pub fn verify(
    token: &str,
    header: &TokenHeader,
    key: &PublicKey,
    expected: Expected<'_>,
    now: i64,
) -> Result<VerifiedToken, OidcError> {
    check_claims(&verified_claims(token, header, key)?, expected, now)
}

/// The claims of `token` once its signature verifies with `key` for
/// `header.alg` alone; nothing else about the claims is checked.
pub fn verified_claims(
    token: &str,
    header: &TokenHeader,
    key: &PublicKey,
) -> Result<Map<String, Value>, OidcError> {
    if !key.verifies(header.alg) {
        return Err(OidcError::invalid(
            "The token's algorithm does not fit its key",
        ));
    }
    let mut validation = Validation::new(header.alg);
    validation.algorithms = vec![header.alg];
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, &validation)
        .map(|data| data.claims)
        .map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature => OidcError::invalid("The token signature is invalid"),
            ErrorKind::InvalidAlgorithm => {
                OidcError::invalid("The token's algorithm does not fit its key")
            }
            _ => OidcError::invalid(format!("The token cannot be read: {e}")),
        })
}

/// A NumericDate claim (RFC 7519, section 2: seconds since the epoch, which
/// need not be an integer) in whole seconds, rounded down. A value that is
/// not a number, or lies outside 1970-01-01 to [`MAX_NUMERIC_DATE`], is
/// refused rather than clamped, so that no `exp` can mean "never".
fn numeric_date(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, OidcError> {
    let Some(value) = claims.get(name) else {
        return Ok(None);
    };
    let seconds = match (value.as_i64(), value.as_f64()) {
        (Some(whole), _) => Some(whole),
        // `as` is exact here: the range check leaves integers below 2^53.
        (None, Some(real)) if (0.0..=MAX_NUMERIC_DATE as f64).contains(&real) => {
            Some(real.floor() as i64)
        }
        (None, Some(_)) => None,
        (None, None) => {
            return Err(OidcError::invalid(format!(
                "The token's {name} is not a number"
            )));
        }
    };
    match seconds {
        Some(s) if (0..=MAX_NUMERIC_DATE).contains(&s) => Ok(Some(s)),
        _ => Err(OidcError::invalid(format!(
            "The token's {name} is not a valid date"
        ))),
    }
}

fn strings(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => None,
    }
}

fn utc(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

/// Checks verified claims against the provider at time `now` (Unix
/// seconds): `iss`, `exp`, `nbf`, `iat` (each a valid date, checked within
/// [`LEEWAY`]), the lifetime (at most [`MAX_TOKEN_LIFETIME`]), `aud` or
/// `azp`, `sub`, and the shape of the AWS session claims.
pub fn check_claims(
    claims: &Map<String, Value>,
    expected: Expected<'_>,
    now: i64,
) -> Result<VerifiedToken, OidcError> {
    let issuer = claims.get("iss").and_then(Value::as_str).unwrap_or("");
    if issuer.strip_suffix('/').unwrap_or(issuer) != expected.issuer {
        return Err(OidcError::invalid("Incorrect token issuer"));
    }
    let Some(expires_at) = numeric_date(claims, "exp")? else {
        return Err(OidcError::invalid("The token has no exp claim"));
    };
    if now > expires_at.saturating_add(LEEWAY) {
        return Err(OidcError::Expired(format!(
            "Token expired: current date/time {} must be before the expiration date/time {}",
            utc(now),
            utc(expires_at)
        )));
    }
    if let Some(nbf) = numeric_date(claims, "nbf")?
        && nbf > now.saturating_add(LEEWAY)
    {
        return Err(OidcError::invalid(format!(
            "Token is not valid before {}",
            utc(nbf)
        )));
    }
    let issued_at = numeric_date(claims, "iat")?;
    if let Some(iat) = issued_at
        && iat > now.saturating_add(LEEWAY)
    {
        return Err(OidcError::invalid("Token issued in the future"));
    }
    if expires_at.saturating_sub(issued_at.unwrap_or(now)) > MAX_TOKEN_LIFETIME {
        return Err(OidcError::invalid(format!(
            "The token's lifetime exceeds {} hours",
            MAX_TOKEN_LIFETIME / 3600
        )));
    }

    let aud = match claims.get("aud") {
        None => Vec::new(),
        Some(value) => strings(value)
            .ok_or_else(|| OidcError::invalid("The token's aud is not a string or a list"))?,
    };
    let azp = claims.get("azp").and_then(Value::as_str);
    let is_client = |id: &str| expected.client_ids.iter().any(|c| c == id);
    let (audience, other_audiences) = match azp.filter(|a| is_client(a)) {
        Some(azp) => (azp.to_string(), aud),
        None => match aud.iter().find(|a| is_client(a)) {
            Some(a) => (a.clone(), Vec::new()),
            None => return Err(OidcError::invalid("Incorrect token audience")),
        },
    };

    let subject = match claims.get("sub").and_then(Value::as_str) {
        Some(sub) if !sub.is_empty() => sub.to_string(),
        _ => return Err(OidcError::invalid("The token has no sub claim")),
    };
    let amr = claims.get("amr").and_then(strings).unwrap_or_default();

    let (session_tags, transitive_tag_keys) = match claims.get(TAGS_CLAIM) {
        None => (Vec::new(), Vec::new()),
        Some(value) => session_tags(value)?,
    };
    let source_identity = match claims.get(SOURCE_IDENTITY_CLAIM) {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            return Err(OidcError::RejectedClaim(
                "The source identity claim is not a string".to_string(),
            ));
        }
    };
    Ok(VerifiedToken {
        issuer: issuer.to_string(),
        subject,
        audience,
        other_audiences,
        amr,
        expires_at,
        session_tags,
        transitive_tag_keys,
        source_identity,
    })
}

/// Session tags, key and value.
type Tags = Vec<(String, String)>;

/// The tags claim: `{"principal_tags": {"K": ["V"]}, "transitive_tag_keys": ["K"]}`
/// (a tag value may also be a plain string).
fn session_tags(value: &Value) -> Result<(Tags, Vec<String>), OidcError> {
    let rejected = |what: &str| OidcError::RejectedClaim(format!("The session tags claim {what}"));
    let Value::Object(claim) = value else {
        return Err(rejected("is not an object"));
    };
    let mut tags = Vec::new();
    if let Some(principal) = claim.get("principal_tags") {
        let Value::Object(principal) = principal else {
            return Err(rejected("has principal_tags that are not an object"));
        };
        for (key, value) in principal {
            let value = match strings(value).as_deref() {
                Some([one]) => one.clone(),
                _ => return Err(rejected("has a tag whose value is not one string")),
            };
            tags.push((key.clone(), value));
        }
    }
    let transitive = match claim.get("transitive_tag_keys") {
        None => Vec::new(),
        Some(value) => strings(value).ok_or_else(|| rejected("has invalid transitive_tag_keys"))?,
    };
    Ok((tags, transitive))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oidc::keys::KeySet;
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    const JWKS: &str = include_str!("../../tests/fixtures/jwks.json");
    const RSA_A: &str = include_str!("../../tests/fixtures/rsa-a.pem");
    const RSA_A_PUBLIC: &str = include_str!("../../tests/fixtures/rsa-a.pub.pem");
    const RSA_B: &str = include_str!("../../tests/fixtures/rsa-b.pem");
    const EC_256: &str = include_str!("../../tests/fixtures/ec-256.pem");
    const EC_384: &str = include_str!("../../tests/fixtures/ec-384.pem");
    const ISSUER: &str = "https://idp.example.com/tenant";
    const NOW: i64 = 1_800_000_000;

    fn clients() -> Vec<String> {
        vec!["client-1".to_string(), "client-2".to_string()]
    }

    fn claims() -> Value {
        json!({
            "iss": ISSUER, "sub": "user-1", "aud": "client-1",
            "iat": NOW - 10, "nbf": NOW - 10, "exp": NOW + 600,
        })
    }

    fn sign(alg: Algorithm, kid: Option<&str>, pem: &str, claims: &Value) -> String {
        let key = match alg {
            Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(pem.as_bytes()),
            _ => EncodingKey::from_rsa_pem(pem.as_bytes()),
        }
        .expect("test key");
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_string);
        encode(&header, claims, &key).expect("sign")
    }

    fn unsigned(header: &Value, claims: &Value, signature: &[u8]) -> String {
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        format!(
            "{}.{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes()),
            b64(signature)
        )
    }

    /// Verifies as the verifier does: header first, then the keys.
    fn check(token: &str, now: i64) -> Result<VerifiedToken, OidcError> {
        let header = read_header(token)?;
        let keys = KeySet::from_jwks(JWKS.as_bytes()).expect("jwks");
        let clients = clients();
        let expected = Expected {
            issuer: ISSUER,
            client_ids: &clients,
        };
        let mut last = OidcError::invalid("no key");
        for key in keys.candidates(header.kid.as_deref(), header.alg) {
            match verify(token, &header, key, expected, now) {
                Ok(verified) => return Ok(verified),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn invalid(result: Result<VerifiedToken, OidcError>) -> String {
        match result {
            Err(OidcError::InvalidToken(message)) => message,
            other => panic!("expected InvalidToken, got {other:?}"),
        }
    }

    #[test]
    fn every_accepted_algorithm_verifies() {
        for (alg, kid, pem) in [
            (Algorithm::RS256, "rsa-a", RSA_A),
            (Algorithm::RS384, "rsa-a", RSA_A),
            (Algorithm::RS512, "rsa-b", RSA_B),
            (Algorithm::PS256, "rsa-b", RSA_B),
            (Algorithm::ES256, "ec-256", EC_256),
            (Algorithm::ES384, "ec-384", EC_384),
        ] {
            let token = sign(alg, Some(kid), pem, &claims());
            let verified = check(&token, NOW).unwrap_or_else(|e| panic!("{alg:?}: {e}"));
            assert_eq!(verified.subject, "user-1");
            assert_eq!(verified.audience, "client-1");
            assert_eq!(verified.issuer, ISSUER);
            assert_eq!(verified.expires_at, NOW + 600);
        }
    }

    #[test]
    fn a_token_without_kid_is_tried_with_each_key_of_its_type() {
        let token = sign(Algorithm::RS256, None, RSA_B, &claims());
        assert!(check(&token, NOW).is_ok());
    }

    #[test]
    fn a_signature_by_another_key_is_refused() {
        let token = sign(Algorithm::RS256, Some("rsa-a"), RSA_B, &claims());
        assert_eq!(
            invalid(check(&token, NOW)),
            "The token signature is invalid"
        );
        let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
        let forged = unsigned(
            &json!({"alg":"RS256","kid":"rsa-a"}),
            &json!({"iss": ISSUER, "sub": "admin", "aud": "client-1", "exp": NOW + 600}),
            b"",
        );
        parts[1] = forged.split('.').nth(1).unwrap_or_default().to_string();
        assert_eq!(
            invalid(check(&parts.join("."), NOW)),
            "The token signature is invalid"
        );
    }

    #[test]
    fn none_and_hmac_are_refused_before_any_key_is_looked_at() {
        let none = unsigned(&json!({"alg": "none"}), &claims(), b"");
        assert_eq!(
            invalid(read_header(&none).map(|_| unreachable_token())),
            "Unsigned tokens are not accepted"
        );
        let none_upper = unsigned(&json!({"alg": "NONE", "kid": "rsa-a"}), &claims(), b"");
        assert!(read_header(&none_upper).is_err());
        // HS256 keyed with the RSA public key, the classic confusion attack.
        let hmac = encode(
            &Header::new(Algorithm::HS256),
            &claims(),
            &EncodingKey::from_secret(RSA_A_PUBLIC.as_bytes()),
        )
        .expect("sign");
        assert_eq!(
            invalid(check(&hmac, NOW)),
            "Tokens signed with a shared secret (HMAC) are not accepted"
        );
        for alg in ["HS384", "HS512", "hs256"] {
            let token = unsigned(&json!({"alg": alg, "kid": "rsa-a"}), &claims(), b"x");
            assert!(read_header(&token).is_err(), "{alg}");
        }
    }

    fn unreachable_token() -> VerifiedToken {
        panic!("the header was accepted")
    }

    #[test]
    fn other_algorithms_are_refused() {
        for alg in ["PS384", "PS512", "EdDSA", "ES512", "RSA-OAEP", ""] {
            let token = unsigned(&json!({"alg": alg}), &claims(), b"x");
            assert!(
                invalid(read_header(&token).map(|_| unreachable_token())).contains("not accepted")
                    || alg.is_empty(),
                "{alg}"
            );
        }
        let crit = unsigned(
            &json!({"alg": "RS256", "kid": "rsa-a", "crit": ["exp"]}),
            &claims(),
            b"x",
        );
        assert!(read_header(&crit).is_err());
    }

    #[test]
    fn an_algorithm_that_does_not_fit_the_key_is_refused() {
        // ES256 header naming an RSA key id: no candidate key.
        let keys = KeySet::from_jwks(JWKS.as_bytes()).expect("jwks");
        assert!(keys.candidates(Some("rsa-a"), Algorithm::ES256).is_empty());
        // An ES384 signature presented as ES256 with the P-256 key.
        let token = sign(Algorithm::ES384, Some("ec-256"), EC_384, &claims());
        assert!(check(&token, NOW).is_err());
    }

    #[test]
    fn malformed_tokens_are_invalid() {
        for token in [
            "",
            "a.b",
            "a.b.c.d",
            "!!.!!.!!",
            "e30.e30.",
            "bnVsbA.bnVsbA.x",
        ] {
            assert!(read_header(token).is_err(), "{token}");
        }
        assert!(unverified_issuer("e30.e30.x").is_err());
        let token = sign(Algorithm::RS256, Some("rsa-a"), RSA_A, &claims());
        assert_eq!(unverified_issuer(&token).expect("iss"), ISSUER);
    }

    #[test]
    fn expiry_is_checked_with_a_small_leeway() {
        let token = sign(Algorithm::RS256, Some("rsa-a"), RSA_A, &claims());
        assert!(check(&token, NOW + 600 + LEEWAY).is_ok());
        match check(&token, NOW + 600 + LEEWAY + 1) {
            Err(OidcError::Expired(message)) => assert!(message.starts_with("Token expired")),
            other => panic!("{other:?}"),
        }
        let mut no_exp = claims();
        no_exp.as_object_mut().expect("object").remove("exp");
        let token = sign(Algorithm::RS256, Some("rsa-a"), RSA_A, &no_exp);
        assert_eq!(invalid(check(&token, NOW)), "The token has no exp claim");
    }

    #[test]
    fn tokens_from_the_future_are_invalid() {
        let mut future = claims();
        future["nbf"] = json!(NOW + LEEWAY + 5);
        let token = sign(Algorithm::RS256, Some("rsa-a"), RSA_A, &future);
        assert!(invalid(check(&token, NOW)).starts_with("Token is not valid before"));
        assert!(check(&token, NOW + 10).is_ok());
        let mut issued = claims();
        issued["iat"] = json!(NOW + LEEWAY + 5);
        let token = sign(Algorithm::RS256, Some("rsa-a"), RSA_A, &issued);
        assert_eq!(invalid(check(&token, NOW)), "Token issued in the future");
        let mut text = claims();
        text["exp"] = json!("tomorrow");
        let token = sign(Algorithm::RS256, Some("rsa-a"), RSA_A, &text);
        assert_eq!(
            invalid(check(&token, NOW)),
            "The token's exp is not a number"
        );
    }

    #[test]
    fn numeric_dates_out_of_range_are_refused() {
        // 1e300 once read as i64::MAX: a token that never expires.
        for (claim, value) in [
            ("exp", json!(1e300)),
            ("exp", json!(u64::MAX)),
            ("exp", json!(MAX_NUMERIC_DATE + 1)),
            ("exp", json!(-1)),
            ("nbf", json!(-1e300)),
            ("nbf", json!(1e300)),
            ("iat", json!(-5)),
            ("iat", json!(1e19)),
        ] {
            let mut bad = claims();
            bad[claim] = value.clone();
            let token = sign(Algorithm::RS256, Some("rsa-a"), RSA_A, &bad);
            assert_eq!(
                invalid(check(&token, NOW)),
                format!("The token's {claim} is not a valid date"),
                "{claim}: {value}"
            );
        }
    }

    #[test]
    fn fractional_and_zero_numeric_dates_are_read() {
        let mut fractional = claims();
        fractional["exp"] = json!(NOW as f64 + 600.75);
        fractional["iat"] = json!(NOW as f64 - 10.5);
        // Some IdPs (Keycloak) write "nbf": 0.
        fractional["nbf"] = json!(0);
        let token = sign(Algorithm::RS256, Some("rsa-a"), RSA_A, &fractional);
        let verified = check(&token, NOW).expect("fractional dates");
        assert_eq!(verified.expires_at, NOW + 600);
    }

    #[test]
    fn lifetimes_over_a_day_are_refused() {
        let lifetime = |exp: i64, iat: Option<i64>| {
            let mut c = claims();
            c["exp"] = json!(exp);
            match iat {
                Some(iat) => c["iat"] = json!(iat),
                None => {
                    c.as_object_mut().expect("object").remove("iat");
                }
            }
            check(&sign(Algorithm::RS256, Some("rsa-a"), RSA_A, &c), NOW)
        };
        let too_long = "The token's lifetime exceeds 24 hours";
        // exp − iat decides when iat is present …
        assert!(lifetime(NOW - 10 + MAX_TOKEN_LIFETIME, Some(NOW - 10)).is_ok());
        assert_eq!(
            invalid(lifetime(NOW - 9 + MAX_TOKEN_LIFETIME, Some(NOW - 10))),
            too_long
        );
        // … even when the token is still young by the clock;
        assert_eq!(invalid(lifetime(NOW + 600, Some(0))), too_long);
        // exp − now otherwise.
        assert!(lifetime(NOW + MAX_TOKEN_LIFETIME, None).is_ok());
        assert_eq!(
            invalid(lifetime(NOW + MAX_TOKEN_LIFETIME + 1, None)),
            too_long
        );
        assert_eq!(invalid(lifetime(MAX_NUMERIC_DATE, None)), too_long);
    }

    #[test]
    fn the_issuer_must_be_the_provider() {
        for iss in [
            "https://idp.example.com",
            "http://idp.example.com/tenant",
            "https://evil.example.com/tenant",
        ] {
            let mut other = claims();
            other["iss"] = json!(iss);
            let token = sign(Algorithm::RS256, Some("rsa-a"), RSA_A, &other);
            assert_eq!(
                invalid(check(&token, NOW)),
                "Incorrect token issuer",
                "{iss}"
            );
        }
        let mut slash = claims();
        slash["iss"] = json!(format!("{ISSUER}/"));
        let token = sign(Algorithm::RS256, Some("rsa-a"), RSA_A, &slash);
        assert!(check(&token, NOW).is_ok());
    }

    #[test]
    fn the_audience_must_be_a_client_id() {
        let mut other = claims();
        other["aud"] = json!("someone-else");
        let token = sign(Algorithm::RS256, Some("rsa-a"), RSA_A, &other);
        assert_eq!(invalid(check(&token, NOW)), "Incorrect token audience");

        other["aud"] = json!(["someone-else", "client-2"]);
        let token = sign(Algorithm::RS256, Some("rsa-a"), RSA_A, &other);
        let verified = check(&token, NOW).expect("list audience");
        assert_eq!(verified.audience, "client-2");
        assert!(verified.other_audiences.is_empty());

        // azp names the client; aud is then the "other audience".
        other["aud"] = json!("backend");
        other["azp"] = json!("client-1");
        let token = sign(Algorithm::RS256, Some("rsa-a"), RSA_A, &other);
        let verified = check(&token, NOW).expect("azp");
        assert_eq!(verified.audience, "client-1");
        assert_eq!(verified.other_audiences, vec!["backend".to_string()]);

        other.as_object_mut().expect("object").remove("aud");
        other["azp"] = json!("nobody");
        let token = sign(Algorithm::RS256, Some("rsa-a"), RSA_A, &other);
        assert_eq!(invalid(check(&token, NOW)), "Incorrect token audience");
    }

    #[test]
    fn the_subject_is_required() {
        let mut no_sub = claims();
        no_sub.as_object_mut().expect("object").remove("sub");
        let token = sign(Algorithm::RS256, Some("rsa-a"), RSA_A, &no_sub);
        assert_eq!(invalid(check(&token, NOW)), "The token has no sub claim");
    }

    #[test]
    fn session_claims_are_read() {
        let mut tagged = claims();
        tagged["amr"] = json!(["pwd", "mfa"]);
        tagged[TAGS_CLAIM] = json!({
            "principal_tags": {"team": ["blue"], "level": "3"},
            "transitive_tag_keys": ["team"],
        });
        tagged[SOURCE_IDENTITY_CLAIM] = json!("alice");
        let token = sign(Algorithm::ES256, Some("ec-256"), EC_256, &tagged);
        let verified = check(&token, NOW).expect("tagged");
        assert_eq!(verified.amr, vec!["pwd".to_string(), "mfa".to_string()]);
        assert!(
            verified
                .session_tags
                .contains(&("team".into(), "blue".into()))
        );
        assert!(
            verified
                .session_tags
                .contains(&("level".into(), "3".into()))
        );
        assert_eq!(verified.transitive_tag_keys, vec!["team".to_string()]);
        assert_eq!(verified.source_identity.as_deref(), Some("alice"));

        tagged[TAGS_CLAIM] = json!({"principal_tags": {"team": ["a", "b"]}});
        let token = sign(Algorithm::ES256, Some("ec-256"), EC_256, &tagged);
        assert!(matches!(
            check(&token, NOW),
            Err(OidcError::RejectedClaim(_))
        ));
    }
}
