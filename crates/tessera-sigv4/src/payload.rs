//! The payload hash a signature may have been computed with, as the rules
//! say where it comes from, and the `x-amz-content-sha256` a request declares.

use crate::{
    SigV4Error,
    auth::{Authentication, AuthenticationForm},
    canonical::{UNSIGNED_PAYLOAD, hex_sha256},
    http_request::HttpRequest,
    query::query_pairs,
    rules::PayloadRule,
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

/// The `x-amz-content-sha256` header as sent, if it is text: the value of
/// S3's condition key `s3:x-amz-content-sha256`.
///
/// Under [`crate::SigningRules::s3`] a header-form request that passed
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
