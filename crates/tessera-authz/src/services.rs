//! The validated service profiles, and the dispatch to each kind's mapping.

use crate::config::{ConfigError, ServiceConfig};
use crate::mapping::{MapError, Mapping, ResourceRequest};
use crate::routes::RoutesProfile;
use crate::s3::S3Profile;

/// The validated service profiles, by name.
#[derive(Debug, Clone, Default)]
pub struct Services {
    pub(crate) services: Vec<Profile>,
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
        let mut services: Vec<Profile> = Vec::new();
        for config in configs {
            let profile = Profile::new(config, partition)?;
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

    pub(crate) fn profile(&self, name: &str) -> Option<&Profile> {
        self.services.iter().find(|p| p.name() == name)
    }
}

/// A validated profile.
#[derive(Debug, Clone)]
pub(crate) enum Profile {
    S3(S3Profile),
    Routes(RoutesProfile),
}

impl Profile {
    /// Validates `config`; its ARNs are in `partition`.
    pub(crate) fn new(config: ServiceConfig, partition: &str) -> Result<Profile, ConfigError> {
        Ok(match config {
            ServiceConfig::S3(c) => Profile::S3(S3Profile::new(c, partition)?),
            ServiceConfig::Routes(c) => Profile::Routes(RoutesProfile::new(c, partition)?),
        })
    }

    pub(crate) fn name(&self) -> &str {
        match self {
            Profile::S3(p) => &p.name,
            Profile::Routes(p) => &p.name,
        }
    }

    pub(crate) fn signing_name(&self) -> &str {
        match self {
            Profile::S3(_) => "s3",
            Profile::Routes(p) => &p.name,
        }
    }

    /// The service field of the ARNs this profile's resources have.
    pub(crate) fn arn_service(&self) -> &str {
        self.signing_name()
    }

    pub(crate) fn owner_of(&self, arn: &str) -> Option<&str> {
        match self {
            Profile::S3(p) => p.owner_of(arn),
            Profile::Routes(p) => p.owner_of(arn),
        }
    }

    pub(crate) fn policy_holder(&self, arn: &str) -> Option<String> {
        match self {
            Profile::S3(p) => p.policy_holder(arn),
            Profile::Routes(p) => p.policy_holder(arn),
        }
    }

    fn map(&self, request: &ResourceRequest<'_>) -> Result<Mapping, MapError> {
        match self {
            Profile::S3(p) => p.map(request),
            Profile::Routes(p) => p.map(request),
        }
    }
}

impl Services {
    /// Maps a request to the service called `service`: every access it
    /// needs, or why it cannot be mapped (the authorizer then denies).
    pub fn map(&self, service: &str, request: &ResourceRequest<'_>) -> Result<Mapping, MapError> {
        self.profile(service)
            .ok_or_else(|| MapError::UnknownService(service.to_string()))?
            .map(request)
    }
}
