//! Signing-key derivation, the signature, and constant-time verification.

use crate::{
    SigV4Error,
    auth::{Authentication, AuthenticationForm},
    canonical::{canonical_request_with, string_to_sign},
    http_request::HttpRequest,
    payload::payload_candidates,
    rules::SigningRules,
};
use ring::hmac;
use subtle::ConstantTimeEq;

fn hmac_sha256(key: &[u8], data: &[u8]) -> hmac::Tag {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
}

/// Derives the signing key: HMAC chain over date, region, service and
/// `aws4_request`, starting from `"AWS4" + secret`.
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> hmac::Key {
    let k_secret = format!("AWS4{secret}");
    let k_date = hmac_sha256(k_secret.as_bytes(), date.as_bytes());
    let k_region = hmac_sha256(k_date.as_ref(), region.as_bytes());
    let k_service = hmac_sha256(k_region.as_ref(), service.as_bytes());
    let k_signing = hmac_sha256(k_service.as_ref(), crate::SCOPE_TERMINATOR.as_bytes());
    hmac::Key::new(hmac::HMAC_SHA256, k_signing.as_ref())
}

/// The lower-case hex signature of `string_to_sign` under `key`.
pub fn signature(key: &hmac::Key, string_to_sign: &str) -> String {
    hex::encode(hmac::sign(key, string_to_sign.as_bytes()))
}

/// Verifies `auth`'s signature over `request` with the signer's `secret`,
/// as the Query-protocol APIs sign ([`SigningRules::query_api`]).
///
/// The comparison is constant-time. A presigned URL may hash its payload as
/// the (empty) body or as `UNSIGNED-PAYLOAD`; both are accepted because
/// clients differ. `UNSIGNED-PAYLOAD` leaves the body uncovered: a caller
/// that takes anything from the body must first refuse a presigned request
/// that has one ([`check_presigned_body`]). The header form always hashes
/// the body as received.
pub fn verify(
    request: &HttpRequest<'_>,
    auth: &Authentication,
    secret: &str,
) -> Result<(), SigV4Error> {
    verify_with(request, auth, secret, &SigningRules::query_api())
}

/// Verifies `auth`'s signature over `request` with the signer's `secret`
/// under `rules` (canonical URI and payload hash; the presigned lifetime is
/// [`Authentication::check_time_with`]'s).
///
/// The comparison is constant-time. Under [`SigningRules::s3`] an
/// unacceptable or (header form) missing `x-amz-content-sha256` is refused
/// before any signature is computed. For the `STREAMING-…` payload hashes
/// only the seed signature is verified: chunk signatures, trailers and the
/// body remain for the backend that receives the body to check.
pub fn verify_with(
    request: &HttpRequest<'_>,
    auth: &Authentication,
    secret: &str,
    rules: &SigningRules,
) -> Result<(), SigV4Error> {
    verify_with_key(request, auth, rules, || {
        signing_key(
            secret,
            &auth.scope.date,
            &auth.scope.region,
            &auth.scope.service,
        )
    })
}

/// [`verify_with`] with the signing key `key` gives (called once the
/// payload hash is acceptable).
pub(crate) fn verify_with_key(
    request: &HttpRequest<'_>,
    auth: &Authentication,
    rules: &SigningRules,
    key: impl FnOnce() -> hmac::Key,
) -> Result<(), SigV4Error> {
    let candidates = payload_candidates(&rules.payload, request, auth)?;
    let key = key();
    let mut matched = subtle::Choice::from(0);
    for payload_hash in &candidates {
        let creq = canonical_request_with(request, auth, payload_hash, rules.uri);
        let expected = signature(&key, &string_to_sign(auth, &creq));
        matched |= expected.as_bytes().ct_eq(auth.signature.as_bytes());
    }
    if bool::from(matched) {
        Ok(())
    } else {
        Err(SigV4Error::SignatureMismatch)
    }
}

/// Refuses a presigned request that carries a body, for an API that reads
/// parameters from bodies (the Query protocol; not S3's presigned uploads).
///
/// A presigned URL signs the query string; its payload hash may be
/// `UNSIGNED-PAYLOAD`, so body bytes would be read without being signed.
/// Presigners of Query-protocol calls (botocore's `SigV4QueryAuth`) move
/// every parameter into the query and send no body, so a body means the
/// request is not the one that was signed: `SignatureDoesNotMatch`, as for
/// any other change.
pub fn check_presigned_body(
    request: &HttpRequest<'_>,
    auth: &Authentication,
) -> Result<(), SigV4Error> {
    match auth.form {
        AuthenticationForm::Presigned { .. } if !request.body.is_empty() => {
            Err(SigV4Error::SignatureMismatch)
        }
        _ => Ok(()),
    }
}
