//! The S3 REST profile.

mod address;
mod ops;
mod query;

use crate::config::{ConfigError, S3Config, is_account_id, is_service_name};
use crate::mapping::{MapError, Mapping, ResourceRequest, UriRule};
use std::collections::BTreeMap;
use tessera_arn::Arn;

pub(crate) use address::is_bucket_name;

/// A validated S3 profile.
#[derive(Debug, Clone)]
pub(crate) struct S3Profile {
    pub(crate) name: String,
    partition: String,
    /// Lower-case virtual-host suffixes.
    hosts: Vec<String>,
    owner_account: String,
    buckets: BTreeMap<String, String>,
}

impl S3Profile {
    /// Validates `config`: a service name, host names without ports,
    /// 12-digit account ids, valid bucket names.
    pub(crate) fn new(config: S3Config, partition: &str) -> Result<S3Profile, ConfigError> {
        let name = config.name;
        let fail = |why: String| ConfigError(format!("service {name:?}: {why}"));
        if !is_service_name(&name) {
            return Err(fail("the name must be non-empty [A-Za-z0-9._-]".into()));
        }
        if !is_account_id(&config.owner_account) {
            return Err(fail(format!(
                "owner-account {:?} is not a 12-digit account id",
                config.owner_account
            )));
        }
        let mut hosts = Vec::new();
        for host in config.hosts {
            let lower = host.to_ascii_lowercase();
            let ok = lower.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            });
            if !ok {
                return Err(fail(format!(
                    "host {host:?} is not a DNS name (without a port)"
                )));
            }
            hosts.push(lower);
        }
        for (bucket, account) in &config.buckets {
            if !is_bucket_name(bucket) {
                return Err(fail(format!("{bucket:?} is not a bucket name")));
            }
            if !is_account_id(account) {
                return Err(fail(format!(
                    "bucket {bucket:?}: {account:?} is not a 12-digit account id"
                )));
            }
        }
        Ok(S3Profile {
            name,
            partition: partition.to_string(),
            hosts,
            owner_account: config.owner_account,
            buckets: config.buckets,
        })
    }

    /// The account owning `bucket`.
    pub(crate) fn owner(&self, bucket: &str) -> &str {
        self.buckets.get(bucket).unwrap_or(&self.owner_account)
    }

    pub(crate) fn bucket_arn(&self, bucket: &str) -> String {
        Arn::new(&self.partition, "s3", "", "", bucket).into_string()
    }

    pub(crate) fn object_arn(&self, bucket: &str, key: &str) -> String {
        Arn::new(&self.partition, "s3", "", "", &format!("{bucket}/{key}")).into_string()
    }

    /// The bucket of `arn:P:s3:::bucket[/key]`.
    fn bucket_of(&self, arn: &str) -> Option<String> {
        let arn = Arn::parse(arn).ok()?;
        if arn.partition() != self.partition
            || arn.service() != "s3"
            || !arn.region().is_empty()
            || !arn.account().is_empty()
        {
            return None;
        }
        let resource = arn.resource();
        let bucket = resource
            .split_once('/')
            .map_or(resource, |(bucket, _)| bucket);
        is_bucket_name(bucket).then(|| bucket.to_string())
    }

    /// The owner of the bucket `arn` names or is in.
    pub(crate) fn owner_of(&self, arn: &str) -> Option<&str> {
        self.bucket_of(arn).map(|bucket| self.owner(&bucket))
    }

    /// The bucket, which holds the policy of itself and its objects.
    pub(crate) fn policy_holder(&self, arn: &str) -> Option<String> {
        self.bucket_of(arn).map(|bucket| self.bucket_arn(&bucket))
    }

    /// Maps an S3 REST request.
    pub(crate) fn map(&self, request: &ResourceRequest<'_>) -> Result<Mapping, MapError> {
        let target = address::locate(&self.hosts, request.host, request.path)?;
        let query = query::Query::parse(request.query)?;
        let plan = ops::Plan {
            profile: self,
            method: request.method,
            query: &query,
            headers: request.headers,
        };
        Ok(Mapping {
            accesses: plan.accesses(&target)?,
            signing_name: "s3".to_string(),
            uri_rule: UriRule::S3,
        })
    }
}
