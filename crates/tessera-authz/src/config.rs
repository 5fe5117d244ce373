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

/// The validated service profiles, by name.
#[derive(Debug, Clone, Default)]
pub struct Services {
    pub(crate) services: Vec<crate::mapping::Profile>,
}

impl Services {
    /// Validates the configured profiles, whose ARNs are in `partition`
    /// (`aws`, `aws-cn`, …): unique names, at most one profile per ARN
    /// service (one `s3`), 12-digit account ids, valid host and bucket
    /// names, well-formed route templates whose actions carry the service's
    /// prefix and whose resources are the service's ARNs (or `*`) using
    /// only known placeholders.
    pub fn new(configs: Vec<ServiceConfig>, partition: &str) -> Result<Services, ConfigError> {
        if !crate::decode::is_region_like(partition) {
            return Err(ConfigError(format!(
                "partition {partition:?} is not [a-z0-9-]+"
            )));
        }
        let mut services: Vec<crate::mapping::Profile> = Vec::new();
        for config in configs {
            let profile = crate::mapping::Profile::new(config, partition)?;
            if services.iter().any(|s| s.name() == profile.name()) {
                return Err(ConfigError(format!(
                    "two services are named {:?}",
                    profile.name()
                )));
            }
            if let Some(other) = services
                .iter()
                .find(|s| s.arn_service() == profile.arn_service())
            {
                return Err(ConfigError(format!(
                    "services {:?} and {:?} would both name resources arn:{partition}:{}:…",
                    other.name(),
                    profile.name(),
                    profile.arn_service()
                )));
            }
            services.push(profile);
        }
        Ok(Services { services })
    }

    /// The ARN whose resource policy governs `arn`: an S3 object's bucket,
    /// an S3 bucket itself, a routes service's resource itself; `None` for
    /// an ARN of no configured service.
    pub fn policy_holder(&self, arn: &str) -> Option<String> {
        self.services.iter().find_map(|p| p.policy_holder(arn))
    }

    /// Whether no service is configured.
    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
    }

    /// The signing name (the credential scope's service) of the service
    /// called `name`: `s3` for the S3 profile, the name for routes.
    pub fn signing_name(&self, name: &str) -> Option<&str> {
        self.profile(name).map(|p| p.signing_name())
    }

    /// The account that owns the resource `arn`, as the profile of its
    /// service names it (an S3 bucket's listed owner, else the profile's
    /// owner account); `None` for an ARN of no configured service.
    pub fn owner_of(&self, arn: &str) -> Option<&str> {
        self.services.iter().find_map(|p| p.owner_of(arn))
    }

    pub(crate) fn profile(&self, name: &str) -> Option<&crate::mapping::Profile> {
        self.services.iter().find(|p| p.name() == name)
    }
}

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
