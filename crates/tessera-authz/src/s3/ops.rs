//! S3 operations: method, subresource and headers to the IAM actions the
//! Service Authorization Reference names, with their condition keys.

use super::S3Profile;
use super::address::{Target, is_bucket_name};
use super::query::Query;
use crate::decode::decode;
use crate::mapping::{Access, MapError};
use http::HeaderMap;

type Keys = Vec<(String, Vec<String>)>;

/// Headers of an object write whose `s3:` condition keys PutObject lists.
const OBJECT_WRITE_KEYS: &[&str] = &[
    "x-amz-acl",
    "x-amz-grant-full-control",
    "x-amz-grant-read",
    "x-amz-grant-read-acp",
    "x-amz-grant-write-acp",
    "x-amz-server-side-encryption",
    "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-storage-class",
];

/// Headers that set an ACL, and the keys the ACL actions list.
const ACL_KEYS: &[&str] = &[
    "x-amz-acl",
    "x-amz-grant-full-control",
    "x-amz-grant-read",
    "x-amz-grant-read-acp",
    "x-amz-grant-write",
    "x-amz-grant-write-acp",
];

/// CreateBucket's keys.
const CREATE_BUCKET_KEYS: &[&str] = &[
    "x-amz-acl",
    "x-amz-grant-full-control",
    "x-amz-grant-read",
    "x-amz-grant-read-acp",
    "x-amz-grant-write",
    "x-amz-grant-write-acp",
    "x-amz-object-ownership",
];

/// GetObject's and HeadObject's parameters besides `versionId`.
const GET_OBJECT_PARAMS: &[&str] = &[
    "partNumber",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "versionId",
];

/// Bucket configuration subresources: the actions of GET, PUT and DELETE.
const BUCKET_CONFIG: &[(&str, [Option<&str>; 3])] = &[
    (
        "accelerate",
        [
            Some("s3:GetAccelerateConfiguration"),
            Some("s3:PutAccelerateConfiguration"),
            None,
        ],
    ),
    (
        "acl",
        [Some("s3:GetBucketAcl"), Some("s3:PutBucketAcl"), None],
    ),
    (
        "cors",
        [
            Some("s3:GetBucketCORS"),
            Some("s3:PutBucketCORS"),
            Some("s3:PutBucketCORS"),
        ],
    ),
    (
        "encryption",
        [
            Some("s3:GetEncryptionConfiguration"),
            Some("s3:PutEncryptionConfiguration"),
            Some("s3:PutEncryptionConfiguration"),
        ],
    ),
    (
        "lifecycle",
        [
            Some("s3:GetLifecycleConfiguration"),
            Some("s3:PutLifecycleConfiguration"),
            Some("s3:PutLifecycleConfiguration"),
        ],
    ),
    ("location", [Some("s3:GetBucketLocation"), None, None]),
    (
        "logging",
        [
            Some("s3:GetBucketLogging"),
            Some("s3:PutBucketLogging"),
            None,
        ],
    ),
    (
        "notification",
        [
            Some("s3:GetBucketNotification"),
            Some("s3:PutBucketNotification"),
            None,
        ],
    ),
    (
        "object-lock",
        [
            Some("s3:GetBucketObjectLockConfiguration"),
            Some("s3:PutBucketObjectLockConfiguration"),
            None,
        ],
    ),
    (
        "ownershipControls",
        [
            Some("s3:GetBucketOwnershipControls"),
            Some("s3:PutBucketOwnershipControls"),
            Some("s3:PutBucketOwnershipControls"),
        ],
    ),
    (
        "policy",
        [
            Some("s3:GetBucketPolicy"),
            Some("s3:PutBucketPolicy"),
            Some("s3:DeleteBucketPolicy"),
        ],
    ),
    (
        "policyStatus",
        [Some("s3:GetBucketPolicyStatus"), None, None],
    ),
    (
        "publicAccessBlock",
        [
            Some("s3:GetBucketPublicAccessBlock"),
            Some("s3:PutBucketPublicAccessBlock"),
            Some("s3:PutBucketPublicAccessBlock"),
        ],
    ),
    (
        "requestPayment",
        [
            Some("s3:GetBucketRequestPayment"),
            Some("s3:PutBucketRequestPayment"),
            None,
        ],
    ),
    (
        "tagging",
        [
            Some("s3:GetBucketTagging"),
            Some("s3:PutBucketTagging"),
            Some("s3:PutBucketTagging"),
        ],
    ),
    (
        "versioning",
        [
            Some("s3:GetBucketVersioning"),
            Some("s3:PutBucketVersioning"),
            None,
        ],
    ),
    (
        "website",
        [
            Some("s3:GetBucketWebsite"),
            Some("s3:PutBucketWebsite"),
            Some("s3:DeleteBucketWebsite"),
        ],
    ),
];

/// An action without and with `versionId`.
type Versioned = (&'static str, &'static str);

/// Object subresources with plain and versioned actions for GET, PUT and
/// DELETE.
const OBJECT_SUB: &[(&str, [Option<Versioned>; 3])] = &[
    (
        "acl",
        [
            Some(("s3:GetObjectAcl", "s3:GetObjectVersionAcl")),
            Some(("s3:PutObjectAcl", "s3:PutObjectVersionAcl")),
            None,
        ],
    ),
    (
        "tagging",
        [
            Some(("s3:GetObjectTagging", "s3:GetObjectVersionTagging")),
            Some(("s3:PutObjectTagging", "s3:PutObjectVersionTagging")),
            Some(("s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging")),
        ],
    ),
];

fn unmappable<T>(why: impl Into<String>) -> Result<T, MapError> {
    Err(MapError::Unmappable(why.into()))
}

/// The one value of header `name`, refusing a repeated or unreadable one.
fn header<'h>(headers: &'h HeaderMap, name: &str) -> Result<Option<&'h str>, MapError> {
    let mut values = headers.get_all(name).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return unmappable(format!("header {name} is repeated"));
    }
    value
        .to_str()
        .map(Some)
        .map_err(|_| MapError::Unmappable(format!("header {name} is not visible ASCII")))
}

/// `s3:NAME` for each header `NAME` of `names` the request carries.
fn header_keys(headers: &HeaderMap, names: &[&str]) -> Result<Keys, MapError> {
    let mut keys = Vec::new();
    for name in names {
        if let Some(value) = header(headers, name)? {
            keys.push((format!("s3:{name}"), vec![value.to_string()]));
        }
    }
    Ok(keys)
}

/// Whether a boolean header is given and not `false`.
fn header_set(headers: &HeaderMap, name: &str) -> Result<bool, MapError> {
    Ok(header(headers, name)?.is_some_and(|v| !v.trim().eq_ignore_ascii_case("false")))
}

/// Whether any of `names` is given.
fn any_header(headers: &HeaderMap, names: &[&str]) -> Result<bool, MapError> {
    for name in names {
        if header(headers, name)?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A parsed `x-amz-copy-source`.
struct CopySource {
    bucket: String,
    key: String,
    version: Option<String>,
}

impl CopySource {
    /// `[/]bucket/key[?versionId=v]`, percent-encoded.
    fn parse(raw: &str) -> Result<CopySource, MapError> {
        let bad = || {
            MapError::Unmappable(format!(
                "x-amz-copy-source {raw:?} is not bucket/key[?versionId=id]"
            ))
        };
        let raw_rest = raw.strip_prefix('/').unwrap_or(raw);
        let (path, version) = match raw_rest.split_once('?') {
            None => (raw_rest, None),
            Some((path, query)) => {
                let value = query.strip_prefix("versionId=").ok_or_else(bad)?;
                let value = decode(value)
                    .filter(|v| !v.is_empty() && !value.contains('&'))
                    .ok_or_else(bad)?;
                (path, Some(value))
            }
        };
        let path = decode(path).ok_or_else(bad)?;
        let (bucket, key) = path.split_once('/').ok_or_else(bad)?;
        if !is_bucket_name(bucket) || key.is_empty() {
            return Err(bad());
        }
        Ok(CopySource {
            bucket: bucket.to_string(),
            key: key.to_string(),
            version,
        })
    }

    /// The `s3:x-amz-copy-source` value: `bucket/key`, decoded, so that
    /// one source has one spelling.
    fn key_value(&self) -> String {
        format!("{}/{}", self.bucket, self.key)
    }
}

/// The `s3:VersionId` key, when a version is named.
fn version_keys(version: Option<&str>) -> Keys {
    version
        .map(|v| vec![("s3:VersionId".to_string(), vec![v.to_string()])])
        .unwrap_or_default()
}

/// One operation's accesses, built against the profile.
pub(crate) struct Plan<'a> {
    pub(crate) profile: &'a S3Profile,
    pub(crate) method: &'a str,
    pub(crate) query: &'a Query,
    pub(crate) headers: &'a HeaderMap,
}

impl Plan<'_> {
    /// Every access the request needs, the primary one first.
    pub(crate) fn accesses(&self, target: &Target) -> Result<Vec<Access>, MapError> {
        let copy = header(self.headers, "x-amz-copy-source")?;
        let copying_allowed = self.method == "PUT"
            && matches!(target, Target::Object { .. })
            && matches!(self.query.selector(), None | Some("uploadId"));
        if copy.is_some() && !copying_allowed {
            return unmappable("x-amz-copy-source is only read by CopyObject and UploadPartCopy");
        }
        match target {
            Target::Service => self.service(),
            Target::Bucket(bucket) => self.bucket(bucket),
            Target::Object { bucket, key } => self.object(bucket, key, copy),
        }
    }

    fn access(&self, action: &str, bucket: &str, key: Option<&str>, keys: Keys) -> Access {
        let p = self.profile;
        let resource = match key {
            Some(key) => p.object_arn(bucket, key),
            None => p.bucket_arn(bucket),
        };
        Access {
            action: action.to_string(),
            resource,
            resource_account: Some(p.owner(bucket).to_string()),
            keys,
        }
    }

    /// ListBuckets (`GET /`).
    fn service(&self) -> Result<Vec<Access>, MapError> {
        if self.method != "GET" || self.query.selector().is_some() {
            return unmappable(format!("{} / is not an S3 operation", self.method));
        }
        self.query.allow_only(
            "ListBuckets",
            &[
                "bucket-region",
                "continuation-token",
                "max-buckets",
                "prefix",
            ],
        )?;
        Ok(vec![Access {
            action: "s3:ListAllMyBuckets".into(),
            resource: "*".into(),
            resource_account: None,
            keys: Vec::new(),
        }])
    }

    fn bucket(&self, bucket: &str) -> Result<Vec<Access>, MapError> {
        let q = self.query;
        let one = |action: &str, keys: Keys| Ok(vec![self.access(action, bucket, None, keys)]);
        match (self.method, q.selector()) {
            ("GET", None) => {
                let (operation, params): (&str, &[&str]) = match q.get("list-type") {
                    None => (
                        "ListObjects",
                        &["delimiter", "encoding-type", "marker", "max-keys", "prefix"],
                    ),
                    Some("2") => (
                        "ListObjectsV2",
                        &[
                            "continuation-token",
                            "delimiter",
                            "encoding-type",
                            "fetch-owner",
                            "list-type",
                            "max-keys",
                            "prefix",
                            "start-after",
                        ],
                    ),
                    Some(other) => return unmappable(format!("list-type {other:?} is not 2")),
                };
                q.allow_only(operation, params)?;
                one("s3:ListBucket", self.list_keys())
            }
            ("HEAD", None) => {
                q.allow_only("HeadBucket", &[])?;
                one("s3:ListBucket", Vec::new())
            }
            ("PUT", None) => self.create_bucket(bucket),
            ("DELETE", None) => {
                q.allow_only("DeleteBucket", &[])?;
                one("s3:DeleteBucket", Vec::new())
            }
            ("POST", Some("delete")) => self.delete_objects(bucket),
            ("GET", Some("versions")) => {
                q.allow_only(
                    "ListObjectVersions",
                    &[
                        "delimiter",
                        "encoding-type",
                        "key-marker",
                        "max-keys",
                        "prefix",
                        "version-id-marker",
                    ],
                )?;
                one("s3:ListBucketVersions", self.list_keys())
            }
            ("GET", Some("uploads")) => {
                q.allow_only(
                    "ListMultipartUploads",
                    &[
                        "delimiter",
                        "encoding-type",
                        "key-marker",
                        "max-uploads",
                        "prefix",
                        "upload-id-marker",
                    ],
                )?;
                one("s3:ListBucketMultipartUploads", Vec::new())
            }
            (method, Some(sub)) => {
                let slot = match method {
                    "GET" => 0,
                    "PUT" => 1,
                    "DELETE" => 2,
                    _ => {
                        return unmappable(format!(
                            "{method} ?{sub} is not an S3 bucket operation"
                        ));
                    }
                };
                let action = BUCKET_CONFIG
                    .iter()
                    .find(|(name, _)| *name == sub)
                    .and_then(|(_, actions)| actions[slot])
                    .ok_or_else(|| {
                        MapError::Unmappable(format!(
                            "{method} ?{sub} is not an S3 bucket operation"
                        ))
                    })?;
                q.allow_only(action, &[])?;
                let keys = if action == "s3:PutBucketAcl" {
                    header_keys(self.headers, ACL_KEYS)?
                } else {
                    Vec::new()
                };
                one(action, keys)
            }
            (method, None) => unmappable(format!("{method} on a bucket is not an S3 operation")),
        }
    }

    /// `s3:delimiter`, `s3:max-keys` and `s3:prefix` from a listing's query.
    fn list_keys(&self) -> Keys {
        ["delimiter", "max-keys", "prefix"]
            .into_iter()
            .filter_map(|name| {
                Some((
                    format!("s3:{name}"),
                    vec![self.query.get(name)?.to_string()],
                ))
            })
            .collect()
    }

    /// CreateBucket, and what its headers need besides: `s3:PutBucketAcl`
    /// for an ACL, `s3:PutBucketObjectLockConfiguration` and
    /// `s3:PutBucketVersioning` for Object Lock,
    /// `s3:PutBucketOwnershipControls` for an ownership setting.
    fn create_bucket(&self, bucket: &str) -> Result<Vec<Access>, MapError> {
        self.query.allow_only("CreateBucket", &[])?;
        let h = self.headers;
        let mut accesses = vec![self.access(
            "s3:CreateBucket",
            bucket,
            None,
            header_keys(h, CREATE_BUCKET_KEYS)?,
        )];
        if any_header(h, ACL_KEYS)? {
            accesses.push(self.access("s3:PutBucketAcl", bucket, None, header_keys(h, ACL_KEYS)?));
        }
        if header_set(h, "x-amz-bucket-object-lock-enabled")? {
            accesses.push(self.access(
                "s3:PutBucketObjectLockConfiguration",
                bucket,
                None,
                Vec::new(),
            ));
            accesses.push(self.access("s3:PutBucketVersioning", bucket, None, Vec::new()));
        }
        if header(h, "x-amz-object-ownership")?.is_some() {
            accesses.push(self.access("s3:PutBucketOwnershipControls", bucket, None, Vec::new()));
        }
        Ok(accesses)
    }

    /// DeleteObjects (`POST /bucket?delete`): the keys and version ids are
    /// in the body, which forward authorization never sees, so it needs
    /// what deleting any object and any version of the bucket needs:
    /// `s3:DeleteObject` and `s3:DeleteObjectVersion` on `bucket/*`, and
    /// `s3:BypassGovernanceRetention` there too when it asks to bypass.
    fn delete_objects(&self, bucket: &str) -> Result<Vec<Access>, MapError> {
        self.query.allow_only("DeleteObjects", &[])?;
        let mut accesses = vec![
            self.access("s3:DeleteObject", bucket, Some("*"), Vec::new()),
            self.access("s3:DeleteObjectVersion", bucket, Some("*"), Vec::new()),
        ];
        if header_set(self.headers, "x-amz-bypass-governance-retention")? {
            accesses.push(self.access(
                "s3:BypassGovernanceRetention",
                bucket,
                Some("*"),
                Vec::new(),
            ));
        }
        Ok(accesses)
    }

    fn object(&self, bucket: &str, key: &str, copy: Option<&str>) -> Result<Vec<Access>, MapError> {
        let q = self.query;
        let version = q.get("versionId");
        let versioned = |plain: &str, with_version: &str| {
            let action = if version.is_some() {
                with_version
            } else {
                plain
            };
            vec![self.access(action, bucket, Some(key), version_keys(version))]
        };
        match (self.method, q.selector()) {
            ("GET" | "HEAD", None) => {
                q.allow_only("GetObject", GET_OBJECT_PARAMS)?;
                Ok(versioned("s3:GetObject", "s3:GetObjectVersion"))
            }
            ("PUT", None) => {
                q.allow_only("PutObject", &[])?;
                self.put_object(bucket, key, copy)
            }
            ("DELETE", None) => {
                q.allow_only("DeleteObject", &["versionId"])?;
                let mut accesses = versioned("s3:DeleteObject", "s3:DeleteObjectVersion");
                if header_set(self.headers, "x-amz-bypass-governance-retention")? {
                    accesses.push(self.access(
                        "s3:BypassGovernanceRetention",
                        bucket,
                        Some(key),
                        Vec::new(),
                    ));
                }
                Ok(accesses)
            }
            ("POST", Some("uploads")) => {
                q.allow_only("CreateMultipartUpload", &[])?;
                self.put_object(bucket, key, None)
            }
            ("PUT", Some("uploadId")) => {
                q.allow_only("UploadPart", &["partNumber"])?;
                if q.get("partNumber").is_none() {
                    return unmappable("PUT ?uploadId without partNumber is not an S3 operation");
                }
                let Some(copy) = copy else {
                    return Ok(vec![self.access(
                        "s3:PutObject",
                        bucket,
                        Some(key),
                        Vec::new(),
                    )]);
                };
                let source = CopySource::parse(copy)?;
                let keys = vec![("s3:x-amz-copy-source".to_string(), vec![source.key_value()])];
                Ok(vec![
                    self.access("s3:PutObject", bucket, Some(key), keys),
                    self.source_access(&source),
                ])
            }
            ("POST", Some("uploadId")) => {
                q.allow_only("CompleteMultipartUpload", &[])?;
                Ok(vec![self.access(
                    "s3:PutObject",
                    bucket,
                    Some(key),
                    Vec::new(),
                )])
            }
            ("DELETE", Some("uploadId")) => {
                q.allow_only("AbortMultipartUpload", &[])?;
                Ok(vec![self.access(
                    "s3:AbortMultipartUpload",
                    bucket,
                    Some(key),
                    Vec::new(),
                )])
            }
            ("GET", Some("uploadId")) => {
                q.allow_only("ListParts", &["max-parts", "part-number-marker"])?;
                Ok(vec![self.access(
                    "s3:ListMultipartUploadParts",
                    bucket,
                    Some(key),
                    Vec::new(),
                )])
            }
            (method, Some(sub)) => {
                let slot = match method {
                    "GET" => 0,
                    "PUT" => 1,
                    "DELETE" => 2,
                    _ => {
                        return unmappable(format!(
                            "{method} ?{sub} is not an S3 object operation"
                        ));
                    }
                };
                let (plain, with_version) = OBJECT_SUB
                    .iter()
                    .find(|(name, _)| *name == sub)
                    .and_then(|(_, actions)| actions[slot])
                    .ok_or_else(|| {
                        MapError::Unmappable(format!(
                            "{method} ?{sub} is not an S3 object operation"
                        ))
                    })?;
                q.allow_only(plain, &["versionId"])?;
                let mut accesses = versioned(plain, with_version);
                if plain == "s3:PutObjectAcl" {
                    for access in &mut accesses {
                        access.keys.extend(header_keys(self.headers, ACL_KEYS)?);
                    }
                }
                Ok(accesses)
            }
            (method, None) => unmappable(format!("{method} on an object is not an S3 operation")),
        }
    }

    /// PutObject, CopyObject (with a copy source) and
    /// CreateMultipartUpload: `s3:PutObject` on the destination, then for a
    /// copy `s3:GetObject` (or `s3:GetObjectVersion`) on the source, then
    /// what the headers need besides: `s3:PutObjectAcl` for an ACL,
    /// `s3:PutObjectTagging` for tags, `s3:PutObjectRetention` and
    /// `s3:PutObjectLegalHold` for Object Lock settings.
    fn put_object(
        &self,
        bucket: &str,
        key: &str,
        copy: Option<&str>,
    ) -> Result<Vec<Access>, MapError> {
        let h = self.headers;
        let mut keys = header_keys(h, OBJECT_WRITE_KEYS)?;
        let source = copy.map(CopySource::parse).transpose()?;
        if let Some(source) = &source {
            keys.push(("s3:x-amz-copy-source".to_string(), vec![source.key_value()]));
            keys.extend(header_keys(h, &["x-amz-metadata-directive"])?);
        }
        let mut accesses = vec![self.access("s3:PutObject", bucket, Some(key), keys)];
        if let Some(source) = &source {
            accesses.push(self.source_access(source));
        }
        if any_header(h, ACL_KEYS)? {
            accesses.push(self.access(
                "s3:PutObjectAcl",
                bucket,
                Some(key),
                header_keys(h, ACL_KEYS)?,
            ));
        }
        if header(h, "x-amz-tagging")?.is_some() {
            accesses.push(self.access("s3:PutObjectTagging", bucket, Some(key), Vec::new()));
        }
        if any_header(
            h,
            &[
                "x-amz-object-lock-mode",
                "x-amz-object-lock-retain-until-date",
            ],
        )? {
            accesses.push(self.access("s3:PutObjectRetention", bucket, Some(key), Vec::new()));
        }
        if header(h, "x-amz-object-lock-legal-hold")?.is_some() {
            accesses.push(self.access("s3:PutObjectLegalHold", bucket, Some(key), Vec::new()));
        }
        Ok(accesses)
    }

    /// Reading a copy's source.
    fn source_access(&self, source: &CopySource) -> Access {
        let version = source.version.as_deref();
        let action = if version.is_some() {
            "s3:GetObjectVersion"
        } else {
            "s3:GetObject"
        };
        self.access(
            action,
            &source.bucket,
            Some(&source.key),
            version_keys(version),
        )
    }
}
