//! What differs between services in how a request is signed: the canonical
//! URI, the payload hash and how long a presigned URL lives.

use crate::{
    Authentication, AuthenticationForm, HttpRequest, MAX_CLOCK_SKEW, SigV4Error,
    canonical::{UNSIGNED_PAYLOAD, hex_sha256},
    request::query_pairs,
};

/// The header (and presigned query parameter) that declares the payload hash.
const CONTENT_SHA256: &str = "x-amz-content-sha256";

/// The non-hex payload hashes S3 accepts in `x-amz-content-sha256`.
const S3_LITERAL_PAYLOAD_HASHES: [&str; 4] = [
    UNSIGNED_PAYLOAD,
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
];

/// How a service signs: canonical URI, payload hash and presigned lifetime.
///
/// [`crate::verify`] and [`Authentication::check_time`] use
/// [`SigningRules::query_api`]; [`crate::verify_with`] and
/// [`Authentication::check_time_with`] take the rules to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningRules {
    /// How the canonical URI is built from the path.
    pub uri: UriRule,
    /// Where the payload hash comes from.
    pub payload: PayloadRule,
    /// How long a presigned URL stays valid.
    pub presigned: PresignedLifetime,
}

/// How the canonical URI is built from the path as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriRule {
    /// Normalised (empty, `.` and `..` segments resolved) and each segment
    /// encoded again on top of its wire encoding: every service but S3.
    Normalised,
    /// Kept as sent, each segment percent-decoded and encoded once (`/`,
    /// empty segments, `.` and `..` stay): S3.
    EncodedOnce,
}

/// Where the payload hash of the canonical request comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadRule {
    /// The SHA-256 of the body; a presigned URL may use `UNSIGNED-PAYLOAD`
    /// instead (the Query-protocol APIs, STS and IAM).
    Body,
    /// S3: the `x-amz-content-sha256` header, required in the header form
    /// and limited to the values S3 accepts (64 lower-case hex digits,
    /// `UNSIGNED-PAYLOAD` or one of the `STREAMING-…` forms). A presigned
    /// URL hashes as `UNSIGNED-PAYLOAD`, or as its signed
    /// `X-Amz-Content-Sha256` query parameter when it has one.
    ///
    /// For a streaming value the `Authorization` header carries the seed
    /// signature, which is what is verified here; the chunk signatures and
    /// the body are left to the backend that receives the body.
    ContentSha256Header,
    /// Any other service behind forward auth: the `x-amz-content-sha256`
    /// header taken literally when the client sent it, else the SHA-256 of
    /// the body (empty when a proxy forwards none). A presigned URL without
    /// either may also use `UNSIGNED-PAYLOAD`.
    ContentSha256HeaderOrBody,
    /// The payload hash as given by the caller (e.g. a JSON authorization
    /// call's `payloadSha256`), used literally for both forms.
    Given(String),
}

/// How long a presigned URL stays valid after its `X-Amz-Date`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PresignedLifetime {
    /// `X-Amz-Expires`, but never longer than this (STS: 15 minutes).
    Capped(time::Duration),
    /// The full `X-Amz-Expires` (at most seven days, checked when parsed).
    Expires,
}

impl SigningRules {
    /// The Query-protocol APIs (STS, IAM): normalised, double-encoded URI;
    /// the body's hash (or `UNSIGNED-PAYLOAD` when presigned); presigned
    /// URLs capped at 15 minutes.
    pub fn query_api() -> Self {
        Self {
            uri: UriRule::Normalised,
            payload: PayloadRule::Body,
            presigned: PresignedLifetime::Capped(MAX_CLOCK_SKEW),
        }
    }

    /// S3: URI kept and encoded once; payload hash from
    /// `x-amz-content-sha256`; presigned URLs valid for their full
    /// `X-Amz-Expires`.
    pub fn s3() -> Self {
        Self {
            uri: UriRule::EncodedOnce,
            payload: PayloadRule::ContentSha256Header,
            presigned: PresignedLifetime::Expires,
        }
    }

    /// Any other service behind forward auth: normalised URI; payload hash
    /// from `x-amz-content-sha256` when sent, else the body's; presigned
    /// URLs valid for their full `X-Amz-Expires`.
    pub fn service() -> Self {
        Self {
            uri: UriRule::Normalised,
            payload: PayloadRule::ContentSha256HeaderOrBody,
            presigned: PresignedLifetime::Expires,
        }
    }

    /// These rules with the payload hash given explicitly.
    pub fn with_payload_hash(self, payload_hash: impl Into<String>) -> Self {
        Self {
            payload: PayloadRule::Given(payload_hash.into()),
            ..self
        }
    }
}

/// The `x-amz-content-sha256` header as sent, if it is text: the value of
/// S3's condition key `s3:x-amz-content-sha256`.
///
/// Under [`SigningRules::s3`] a header-form request that passed
/// [`crate::verify_with`] was signed with exactly this payload hash. A
/// presigned request does not hash its payload with it; there the value is
/// covered only when the header is among the signed headers.
pub fn declared_payload_hash(headers: &http::HeaderMap) -> Option<&str> {
    headers.get(CONTENT_SHA256)?.to_str().ok()
}

/// Whether S3 accepts `value` as an `x-amz-content-sha256`.
fn is_s3_payload_hash(value: &str) -> bool {
    (value.len() == 64
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        || S3_LITERAL_PAYLOAD_HASHES.contains(&value)
}

/// The single `x-amz-content-sha256` header, `Ok(None)` when absent.
fn content_sha256_header(headers: &http::HeaderMap) -> Result<Option<&str>, SigV4Error> {
    let mut values = headers.get_all(CONTENT_SHA256).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(SigV4Error::InvalidContentSha256);
    }
    first
        .to_str()
        .map(Some)
        .map_err(|_| SigV4Error::InvalidContentSha256)
}

/// The single `X-Amz-Content-Sha256` query parameter, `Ok(None)` when absent.
fn content_sha256_param(query: &str) -> Result<Option<String>, SigV4Error> {
    let mut values = query_pairs(query)
        .into_iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(CONTENT_SHA256))
        .map(|(_, v)| v);
    let first = values.next();
    if values.next().is_some() {
        return Err(SigV4Error::InvalidContentSha256);
    }
    Ok(first)
}

fn checked_s3(value: &str) -> Result<String, SigV4Error> {
    if is_s3_payload_hash(value) {
        Ok(value.to_string())
    } else {
        Err(SigV4Error::InvalidContentSha256)
    }
}

/// The payload hashes the signature may have been computed with; the
/// signature verifies if it matches any of them.
pub(crate) fn payload_candidates(
    rule: &PayloadRule,
    request: &HttpRequest<'_>,
    auth: &Authentication,
) -> Result<Vec<String>, SigV4Error> {
    let presigned = matches!(auth.form, AuthenticationForm::Presigned { .. });
    let body_or_unsigned = || {
        let mut candidates = vec![hex_sha256(request.body)];
        if presigned {
            candidates.push(UNSIGNED_PAYLOAD.to_string());
        }
        candidates
    };
    Ok(match rule {
        PayloadRule::Body => body_or_unsigned(),
        PayloadRule::Given(hash) => vec![hash.clone()],
        PayloadRule::ContentSha256Header if presigned => {
            match content_sha256_param(request.query)? {
                Some(value) => vec![checked_s3(&value)?],
                None => vec![UNSIGNED_PAYLOAD.to_string()],
            }
        }
        PayloadRule::ContentSha256Header => match content_sha256_header(request.headers)? {
            Some(value) => vec![checked_s3(value)?],
            None => return Err(SigV4Error::MissingContentSha256),
        },
        PayloadRule::ContentSha256HeaderOrBody => {
            let param = if presigned {
                content_sha256_param(request.query)?
            } else {
                None
            };
            match param {
                Some(value) => vec![value],
                None => match content_sha256_header(request.headers)? {
                    Some(value) => vec![value.to_string()],
                    None => body_or_unsigned(),
                },
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_payload_hash_values() {
        assert!(is_s3_payload_hash(&"0a".repeat(32)));
        assert!(is_s3_payload_hash("UNSIGNED-PAYLOAD"));
        assert!(is_s3_payload_hash("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"));
        assert!(is_s3_payload_hash("STREAMING-UNSIGNED-PAYLOAD-TRAILER"));
        assert!(is_s3_payload_hash(
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
        ));
        assert!(!is_s3_payload_hash(&"0A".repeat(32)));
        assert!(!is_s3_payload_hash(&"0a".repeat(31)));
        assert!(!is_s3_payload_hash(&format!("{}g", "0".repeat(63))));
        assert!(!is_s3_payload_hash(
            "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"
        ));
        assert!(!is_s3_payload_hash("unsigned-payload"));
        assert!(!is_s3_payload_hash(""));
    }
}
