use thiserror::Error;

/// Why a request's SigV4 authentication was refused.
///
/// Each variant maps to exactly one AWS error code in the server; messages
/// follow AWS's wording and never contain secrets.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SigV4Error {
    /// The authentication is present but incomplete or unparsable
    /// (AWS: `IncompleteSignature`, 400).
    #[error("{0}")]
    Incomplete(String),
    /// The request names an algorithm other than `AWS4-HMAC-SHA256`
    /// (AWS: `IncompleteSignature`, 400).
    #[error("Unsupported AWS 'algorithm': '{0}'")]
    UnsupportedAlgorithm(String),
    /// The credential scope is malformed (AWS: `SignatureDoesNotMatch` /
    /// `IncompleteSignature` depending on the part).
    #[error("{0}")]
    BadScope(String),
    /// The request is signed too far in the past (AWS: `SignatureDoesNotMatch`).
    #[error("Signature expired: {signed} is now earlier than {earliest} ({now} - 15 min.)")]
    SignatureExpired {
        /// The request's `X-Amz-Date`.
        signed: String,
        /// The earliest accepted time.
        earliest: String,
        /// The server's time.
        now: String,
    },
    /// The request is signed too far in the future (AWS: `SignatureDoesNotMatch`).
    #[error("Signature not yet current: {signed} is still later than {latest} ({now} + 15 min.)")]
    SignatureNotYetCurrent {
        /// The request's `X-Amz-Date`.
        signed: String,
        /// The latest accepted time.
        latest: String,
        /// The server's time.
        now: String,
    },
    /// A presigned URL used after `X-Amz-Date + X-Amz-Expires`.
    #[error("Request has expired")]
    PresignedExpired,
    /// The signature does not match (AWS: `SignatureDoesNotMatch`, 403).
    #[error(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    )]
    SignatureMismatch,
    /// S3: `x-amz-content-sha256` is not a value S3 accepts (S3:
    /// `InvalidArgument`, 400).
    #[error(
        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value."
    )]
    InvalidContentSha256,
    /// S3: a header-signed request without `x-amz-content-sha256` (S3:
    /// `InvalidRequest`, 400).
    #[error("Missing required header for this request: x-amz-content-sha256")]
    MissingContentSha256,
}
