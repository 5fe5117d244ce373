//! An S3 request's query: each parameter once, every name one the profile
//! knows.

use crate::decode::escapes_well_formed;
use crate::mapping::MapError;
use std::collections::BTreeMap;

/// Parameters that select an operation (subresources). At most one may be
/// given.
pub(crate) const SELECTORS: &[&str] = &[
    "accelerate",
    "acl",
    "cors",
    "delete",
    "encryption",
    "lifecycle",
    "location",
    "logging",
    "notification",
    "object-lock",
    "ownershipControls",
    "policy",
    "policyStatus",
    "publicAccessBlock",
    "requestPayment",
    "tagging",
    "uploadId",
    "uploads",
    "versioning",
    "versions",
    "website",
];

/// Selectors that take a value; the others are flags.
const SELECTORS_WITH_VALUE: &[&str] = &["uploadId"];

/// Parameters that modify an operation; each operation lists those it takes.
const ORDINARY: &[&str] = &[
    "bucket-region",
    "continuation-token",
    "delimiter",
    "encoding-type",
    "fetch-owner",
    "key-marker",
    "list-type",
    "marker",
    "max-buckets",
    "max-keys",
    "max-parts",
    "max-uploads",
    "part-number-marker",
    "partNumber",
    "prefix",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "start-after",
    "upload-id-marker",
    "version-id-marker",
    "versionId",
];

/// Parameters every operation accepts: a presigned URL's signature and the
/// SDKs' operation hint.
const ANYWHERE: &[&str] = &[
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-Security-Token",
    "X-Amz-Signature",
    "X-Amz-SignedHeaders",
    "x-id",
];

/// The decoded query.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query {
    params: BTreeMap<String, String>,
}

impl Query {
    /// Decodes `raw` (`application/x-www-form-urlencoded`), refusing a
    /// malformed escape, bytes that are not UTF-8, a repeated or unknown
    /// parameter, a value on a flag subresource, and two subresources.
    pub(crate) fn parse(raw: &str) -> Result<Query, MapError> {
        let unmappable = |why: String| Err(MapError::Unmappable(format!("query: {why}")));
        if !escapes_well_formed(raw)
            || percent_encoding::percent_decode_str(raw)
                .decode_utf8()
                .is_err()
        {
            return unmappable("not percent-encoded UTF-8".into());
        }
        let mut all: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, value) in form_urlencoded::parse(raw.as_bytes()) {
            all.entry(name.into_owned())
                .or_default()
                .push(value.into_owned());
        }
        // Checked by name, not in the order given: the outcome must not
        // depend on the order of the parameters.
        let mut params = BTreeMap::new();
        for (name, mut values) in all {
            if !(SELECTORS.contains(&name.as_str())
                || ORDINARY.contains(&name.as_str())
                || ANYWHERE.contains(&name.as_str()))
            {
                return unmappable(format!("unknown or unsupported parameter {name:?}"));
            }
            match (values.pop(), values.is_empty()) {
                (Some(value), true) => {
                    params.insert(name, value);
                }
                _ => return unmappable(format!("parameter {name:?} is repeated")),
            }
        }
        let query = Query { params };
        let selectors: Vec<&str> = query.names().filter(|n| SELECTORS.contains(n)).collect();
        if selectors.len() > 1 {
            return unmappable(format!("subresources {selectors:?} conflict"));
        }
        for name in selectors {
            let flag = !SELECTORS_WITH_VALUE.contains(&name);
            if flag && !query.params[name].is_empty() {
                return unmappable(format!("subresource {name:?} takes no value"));
            }
        }
        for name in ["uploadId", "versionId", "partNumber", "list-type"] {
            if query.get(name).is_some_and(str::is_empty) {
                return unmappable(format!("parameter {name:?} is empty"));
            }
        }
        Ok(query)
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        self.params.keys().map(String::as_str)
    }

    /// The subresource, if any.
    pub(crate) fn selector(&self) -> Option<&str> {
        self.names().find(|n| SELECTORS.contains(n))
    }

    /// The value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// Refuses an ordinary parameter the operation does not take.
    pub(crate) fn allow_only(&self, operation: &str, allowed: &[&str]) -> Result<(), MapError> {
        match self
            .names()
            .find(|n| ORDINARY.contains(n) && !allowed.contains(n))
        {
            Some(name) => Err(MapError::Unmappable(format!(
                "{operation} takes no parameter {name:?}"
            ))),
            None => Ok(()),
        }
    }
}
