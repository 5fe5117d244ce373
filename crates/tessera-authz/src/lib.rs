//! tessera-authz: what a request to a resource server asks for, in IAM's
//! terms.
//!
//! A service profile ([`ServiceConfig`], from the `[[authz.services]]`
//! tables of the configuration file) says how a service's HTTP requests map
//! to IAM actions, resource ARNs and condition keys:
//! * `kind = "s3"`: the S3 REST API, path-style and virtual-hosted;
//! * `kind = "routes"`: declarative method and path templates.
//!
//! The crate is pure: it maps, the server authenticates and decides.
//! [`Services::map`] turns a [`ResourceRequest`] into a [`Mapping`]: every
//! [`Access`] that must be allowed (CopyObject needs two), and how the
//! request was signed ([`UriRule`]). [`Services::owner_of`] and
//! [`Services::policy_holder`] say who owns a resource and which ARN its
//! resource policy is attached to.
//!
//! Mapping fails closed: a request the profile does not know, or one a
//! backend might read differently (a repeated query parameter or header,
//! two subresources, an unknown parameter, dot or empty path segments for
//! routes, an invalid bucket name), is [`MapError::Unmappable`].
//!
//! S3 specifics:
//! * DeleteObjects (`POST /bucket?delete`) lists its keys in the body, which
//!   forward authorization never sees: it needs `s3:DeleteObject` on
//!   `arn:P:s3:::bucket/*`.
//! * CopyObject and UploadPartCopy need `s3:PutObject` on the destination,
//!   then `s3:GetObject` (`s3:GetObjectVersion`) on the source.
//! * Headers that ask for more add the accesses S3 checks for them: an ACL
//!   on PutObject (`s3:PutObjectAcl`) or CreateBucket (`s3:PutBucketAcl`),
//!   `x-amz-tagging` (`s3:PutObjectTagging`), Object Lock settings,
//!   `x-amz-bypass-governance-retention` (`s3:BypassGovernanceRetention`).
//! * Condition keys are the request's own (`s3:prefix`, `s3:x-amz-acl`,
//!   `s3:VersionId`, …); the server adds the signature and global keys.

mod config;
mod decode;
mod mapping;
mod routes;
mod s3;
mod services;
mod template;

pub use config::{ConfigError, RouteConfig, RoutesConfig, S3Config, ServiceConfig};
pub use mapping::{Access, MapError, Mapping, ResourceRequest, UriRule};
pub use services::Services;
