//! Service profiles as configured, and their validation.

use serde::Deserialize;
use std::collections::BTreeMap;

/// One `[[authz.services]]` table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ServiceConfig {
    /// The built-in S3 REST profile.
    S3(S3Config),
    /// Declarative routes.
    Routes(RoutesConfig),
}

/// The S3 profile: `kind = "s3"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct S3Config {
    /// What `X-Tessera-Service` names.
    pub name: String,
    /// Hosts under which buckets are addressed virtual-hosted style
    /// (`BUCKET.HOST`); any other host is path-style.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// The account owning buckets not listed in `buckets`.
    pub owner_account: String,
    /// Buckets owned by another account: bucket name to account id.
    #[serde(default)]
    pub buckets: BTreeMap<String, String>,
}

/// The routes profile: `kind = "routes"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RoutesConfig {
    /// What `X-Tessera-Service` names; also the signing name and the
    /// prefix of every action.
    pub name: String,
    /// The account owning the service's resources (`{account}`).
    pub owner_account: String,
    /// The region of `{region}` for a request that is not signed
    /// [default: us-east-1].
    #[serde(default)]
    pub region: Option<String>,
    /// The routes, tried in order; the first match wins.
    pub routes: Vec<RouteConfig>,
}

/// One route: a method, a path template and what it asks for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RouteConfig {
    /// The HTTP method, or `*` for any.
    pub method: String,
    /// The path template: literal segments and `{name}` placeholders, each
    /// matching one segment.
    pub path: String,
    /// The IAM action, `SERVICE:Name`.
    pub action: String,
    /// The resource ARN template: `{name}` from the path, `{region}`,
    /// `{account}`.
    pub resource: String,
}

/// Why the service profiles are not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("authz.services: {0}")]
pub struct ConfigError(pub String);

/// Whether `text` is a service name: non-empty `[A-Za-z0-9._-]`.
pub(crate) fn is_service_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Whether `text` is a 12-digit account id.
pub(crate) fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}
