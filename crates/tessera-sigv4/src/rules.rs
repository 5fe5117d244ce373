//! What differs between services in how a request is signed: the canonical
//! URI, the payload hash and how long a presigned URL lives.

use crate::MAX_CLOCK_SKEW;

/// How a service signs: canonical URI, payload hash and presigned lifetime.
///
/// [`crate::verify`] and [`crate::Authentication::check_time`] use
/// [`SigningRules::query_api`]; [`crate::verify_with`] and
/// [`crate::Authentication::check_time_with`] take the rules to apply.
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
