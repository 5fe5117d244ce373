//! AWS Signature Version 4 request verification.
//!
//! The crate is pure: it reads a request (method, raw path, raw query, headers,
//! body), parses its SigV4 authentication — either the `Authorization` header
//! or the presigned query form — and verifies the signature against a secret
//! the caller looked up. Nothing here performs I/O or reads a clock.
//!
//! The flow mirrors the wire artefacts:
//! 1. [`parse`] finds and parses the authentication into an [`Authentication`];
//! 2. [`Authentication::check_time`] applies the allowed clock skew or the
//!    presigned expiry;
//! 3. [`verify`] recomputes the canonical request, the string to sign and the
//!    signature, and compares in constant time.
//!
//! [`verify`] and [`Authentication::check_time`] apply the Query-protocol
//! APIs' rules (STS, IAM). Requests to other services differ in the canonical
//! URI, the payload hash and the presigned lifetime; [`SigningRules`] names
//! them ([`SigningRules::query_api`], [`SigningRules::s3`],
//! [`SigningRules::service`], or a payload hash given explicitly) and
//! [`verify_with`] and [`Authentication::check_time_with`] apply them. S3's
//! `x-amz-content-sha256` is checked against the values S3 accepts and
//! reported by [`declared_payload_hash`]; for streaming uploads only the seed
//! signature is verified here, the chunks are the backend's to check.

// The modules' imports point one way, from the dispatch and the checks down
// to the shared parsers and types:
// - `signing_keys` (kept keys) -> `signing` (verification) -> `payload`, `canonical` -> `auth`, `rules`;
// - `request` (the `parse` dispatcher) -> `header`, `presigned` -> `credential`
//   (the components both forms share) -> `auth` -> `rules`;
// - at the bottom `http_request`, `query`, `amz_date`, `error`.
mod amz_date;
mod auth;
mod canonical;
mod credential;
mod error;
mod header;
mod http_request;
mod payload;
mod presigned;
mod query;
mod request;
mod rules;
mod signing;
mod signing_keys;

pub use amz_date::{format_amz_date, parse_amz_date};
pub use auth::{Authentication, AuthenticationForm, CredentialScope};
pub use canonical::{canonical_request, canonical_request_with, string_to_sign, uri_encode};
pub use error::SigV4Error;
pub use http_request::HttpRequest;
pub use payload::declared_payload_hash;
pub use request::parse;
pub use rules::{PayloadRule, PresignedLifetime, SigningRules, UriRule};
pub use signing::{check_presigned_body, signature, signing_key, verify, verify_with};
pub use signing_keys::SigningKeys;

/// The only algorithm SigV4 defines.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The terminator of a SigV4 credential scope.
pub const SCOPE_TERMINATOR: &str = "aws4_request";
/// The clock skew AWS tolerates between a signed request and the server.
pub const MAX_CLOCK_SKEW: time::Duration = time::Duration::minutes(15);
/// The longest lifetime of a presigned URL (seven days).
pub const MAX_PRESIGNED_EXPIRES: i64 = 604_800;
