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

mod amz_date;
mod canonical;
mod error;
mod header;
mod presigned;
mod request;
mod signing;

pub use amz_date::{format_amz_date, parse_amz_date};
pub use canonical::{canonical_request, string_to_sign, uri_encode};
pub use error::SigV4Error;
pub use request::{Authentication, AuthenticationForm, CredentialScope, HttpRequest, parse};
pub use signing::{check_presigned_body, signature, signing_key, verify};

/// The only algorithm SigV4 defines.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The terminator of a SigV4 credential scope.
pub const SCOPE_TERMINATOR: &str = "aws4_request";
/// The clock skew AWS tolerates between a signed request and the server.
pub const MAX_CLOCK_SKEW: time::Duration = time::Duration::minutes(15);
/// The longest lifetime of a presigned URL (seven days).
pub const MAX_PRESIGNED_EXPIRES: i64 = 604_800;
