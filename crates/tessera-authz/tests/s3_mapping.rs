//! The S3 profile, table-driven from the S3 API reference: one row per
//! operation, path-style and virtual-hosted, with the IAM actions, ARNs,
//! owning accounts and condition keys the Service Authorization Reference
//! gives.

use http::{HeaderMap, HeaderName, HeaderValue};
use tessera_authz::{
    Access, MapError, Mapping, ResourceRequest, S3Config, ServiceConfig, Services, UriRule,
};

/// Path-style host.
const PS: &str = "s3.example.test";
/// The bucket `photos`, virtual-hosted.
const VH: &str = "photos.s3.example.test";
/// The profile's owner account.
const O: &str = "123456789012";
/// The owner of `reports`.
const R: &str = "210987654321";

struct Row {
    /// What the row is, as the S3 API reference names it.
    operation: &'static str,
    method: &'static str,
    host: &'static str,
    path: &'static str,
    query: &'static str,
    headers: &'static [(&'static str, &'static str)],
    want: &'static [Want],
}

/// An expected access: action, resource, account, keys.
struct Want(
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [(&'static str, &'static str)],
);

const fn row(
    operation: &'static str,
    method: &'static str,
    host: &'static str,
    path: &'static str,
    query: &'static str,
    headers: &'static [(&'static str, &'static str)],
    want: &'static [Want],
) -> Row {
    Row {
        operation,
        method,
        host,
        path,
        query,
        headers,
        want,
    }
}

#[rustfmt::skip]
const ROWS: &[Row] = &[
    // Service.
    row("ListBuckets", "GET", PS, "/", "", &[], &[Want("s3:ListAllMyBuckets", "*", None, &[])]),
    row("ListBuckets paged", "GET", PS, "/", "max-buckets=10&continuation-token=t&prefix=p&bucket-region=us-east-1", &[], &[
        Want("s3:ListAllMyBuckets", "*", None, &[]),
    ]),
    row("ListBuckets, other host", "GET", "localhost:9000", "/", "", &[], &[Want("s3:ListAllMyBuckets", "*", None, &[])]),
    // Listing.
    row("ListObjects path-style", "GET", PS, "/photos", "", &[], &[Want("s3:ListBucket", "arn:aws:s3:::photos", Some(O), &[])]),
    row("ListObjects path-style, slash", "GET", PS, "/photos/", "", &[], &[Want("s3:ListBucket", "arn:aws:s3:::photos", Some(O), &[])]),
    row("ListObjects virtual-hosted", "GET", VH, "/", "", &[], &[Want("s3:ListBucket", "arn:aws:s3:::photos", Some(O), &[])]),
    row("ListObjects with keys", "GET", PS, "/photos", "prefix=a%2Fb+c&delimiter=%2F&max-keys=100&marker=m&encoding-type=url", &[], &[
        Want("s3:ListBucket", "arn:aws:s3:::photos", Some(O), &[("s3:delimiter", "/"), ("s3:max-keys", "100"), ("s3:prefix", "a/b c")]),
    ]),
    row("ListObjectsV2", "GET", VH, "/", "list-type=2&prefix=2024%2F&start-after=x&continuation-token=t&fetch-owner=true", &[], &[
        Want("s3:ListBucket", "arn:aws:s3:::photos", Some(O), &[("s3:prefix", "2024/")]),
    ]),
    row("HeadBucket", "HEAD", PS, "/photos", "", &[], &[Want("s3:ListBucket", "arn:aws:s3:::photos", Some(O), &[])]),
    row("ListObjectVersions", "GET", PS, "/photos", "versions&prefix=p&delimiter=%2F&key-marker=k&version-id-marker=v&max-keys=5", &[], &[
        Want("s3:ListBucketVersions", "arn:aws:s3:::photos", Some(O), &[("s3:delimiter", "/"), ("s3:max-keys", "5"), ("s3:prefix", "p")]),
    ]),
    row("ListMultipartUploads", "GET", VH, "/", "uploads&prefix=p&max-uploads=3&key-marker=k&upload-id-marker=u", &[], &[
        Want("s3:ListBucketMultipartUploads", "arn:aws:s3:::photos", Some(O), &[]),
    ]),
    row("GetBucketLocation", "GET", PS, "/reports", "location", &[], &[Want("s3:GetBucketLocation", "arn:aws:s3:::reports", Some(R), &[])]),
    // Bucket lifecycle and configuration.
    row("CreateBucket", "PUT", PS, "/photos", "", &[], &[Want("s3:CreateBucket", "arn:aws:s3:::photos", Some(O), &[])]),
    row("CreateBucket with an ACL", "PUT", VH, "/", "", &[("x-amz-acl", "private")], &[
        Want("s3:CreateBucket", "arn:aws:s3:::photos", Some(O), &[("s3:x-amz-acl", "private")]),
        Want("s3:PutBucketAcl", "arn:aws:s3:::photos", Some(O), &[("s3:x-amz-acl", "private")]),
    ]),
    row("CreateBucket with Object Lock and ownership", "PUT", PS, "/photos", "", &[("x-amz-bucket-object-lock-enabled", "true"), ("x-amz-object-ownership", "BucketOwnerEnforced")], &[
        Want("s3:CreateBucket", "arn:aws:s3:::photos", Some(O), &[("s3:x-amz-object-ownership", "BucketOwnerEnforced")]),
        Want("s3:PutBucketObjectLockConfiguration", "arn:aws:s3:::photos", Some(O), &[]),
        Want("s3:PutBucketVersioning", "arn:aws:s3:::photos", Some(O), &[]),
        Want("s3:PutBucketOwnershipControls", "arn:aws:s3:::photos", Some(O), &[]),
    ]),
    row("CreateBucket without Object Lock", "PUT", PS, "/photos", "", &[("x-amz-bucket-object-lock-enabled", "false")], &[
        Want("s3:CreateBucket", "arn:aws:s3:::photos", Some(O), &[]),
    ]),
    row("DeleteBucket", "DELETE", PS, "/reports", "", &[], &[Want("s3:DeleteBucket", "arn:aws:s3:::reports", Some(R), &[])]),
    row("DeleteObjects", "POST", PS, "/photos", "delete", &[], &[
        Want("s3:DeleteObject", "arn:aws:s3:::photos/*", Some(O), &[]),
        Want("s3:DeleteObjectVersion", "arn:aws:s3:::photos/*", Some(O), &[]),
    ]),
    row("DeleteObjects, delete=", "POST", VH, "/", "delete=", &[], &[
        Want("s3:DeleteObject", "arn:aws:s3:::photos/*", Some(O), &[]),
        Want("s3:DeleteObjectVersion", "arn:aws:s3:::photos/*", Some(O), &[]),
    ]),
    row("DeleteObjects bypassing governance", "POST", PS, "/reports", "delete", &[("x-amz-bypass-governance-retention", "true")], &[
        Want("s3:DeleteObject", "arn:aws:s3:::reports/*", Some(R), &[]),
        Want("s3:DeleteObjectVersion", "arn:aws:s3:::reports/*", Some(R), &[]),
        Want("s3:BypassGovernanceRetention", "arn:aws:s3:::reports/*", Some(R), &[]),
    ]),
    row("GetBucketAcl", "GET", PS, "/photos", "acl", &[], &[Want("s3:GetBucketAcl", "arn:aws:s3:::photos", Some(O), &[])]),
    row("PutBucketAcl", "PUT", VH, "/", "acl", &[("x-amz-acl", "public-read"), ("x-amz-grant-write", "id=\"abc\"")], &[
        Want("s3:PutBucketAcl", "arn:aws:s3:::photos", Some(O), &[("s3:x-amz-acl", "public-read"), ("s3:x-amz-grant-write", "id=\"abc\"")]),
    ]),
    row("GetBucketPolicy", "GET", PS, "/photos", "policy", &[], &[Want("s3:GetBucketPolicy", "arn:aws:s3:::photos", Some(O), &[])]),
    row("PutBucketPolicy", "PUT", PS, "/photos", "policy", &[], &[Want("s3:PutBucketPolicy", "arn:aws:s3:::photos", Some(O), &[])]),
    row("DeleteBucketPolicy", "DELETE", VH, "/", "policy", &[], &[Want("s3:DeleteBucketPolicy", "arn:aws:s3:::photos", Some(O), &[])]),
    row("GetBucketTagging", "GET", PS, "/photos", "tagging", &[], &[Want("s3:GetBucketTagging", "arn:aws:s3:::photos", Some(O), &[])]),
    row("PutBucketTagging", "PUT", PS, "/photos", "tagging", &[], &[Want("s3:PutBucketTagging", "arn:aws:s3:::photos", Some(O), &[])]),
    row("DeleteBucketTagging", "DELETE", PS, "/photos", "tagging", &[], &[Want("s3:PutBucketTagging", "arn:aws:s3:::photos", Some(O), &[])]),
    row("GetBucketVersioning", "GET", PS, "/photos", "versioning", &[], &[Want("s3:GetBucketVersioning", "arn:aws:s3:::photos", Some(O), &[])]),
    row("PutBucketVersioning", "PUT", VH, "/", "versioning", &[], &[Want("s3:PutBucketVersioning", "arn:aws:s3:::photos", Some(O), &[])]),
    row("GetBucketCors", "GET", PS, "/photos", "cors", &[], &[Want("s3:GetBucketCORS", "arn:aws:s3:::photos", Some(O), &[])]),
    row("PutBucketCors", "PUT", PS, "/photos", "cors", &[], &[Want("s3:PutBucketCORS", "arn:aws:s3:::photos", Some(O), &[])]),
    row("DeleteBucketCors", "DELETE", PS, "/photos", "cors", &[], &[Want("s3:PutBucketCORS", "arn:aws:s3:::photos", Some(O), &[])]),
    row("GetBucketLifecycleConfiguration", "GET", PS, "/photos", "lifecycle", &[], &[
        Want("s3:GetLifecycleConfiguration", "arn:aws:s3:::photos", Some(O), &[]),
    ]),
    row("PutBucketLifecycleConfiguration", "PUT", PS, "/photos", "lifecycle", &[], &[
        Want("s3:PutLifecycleConfiguration", "arn:aws:s3:::photos", Some(O), &[]),
    ]),
    row("DeleteBucketLifecycle", "DELETE", PS, "/photos", "lifecycle", &[], &[
        Want("s3:PutLifecycleConfiguration", "arn:aws:s3:::photos", Some(O), &[]),
    ]),
    row("GetBucketWebsite", "GET", PS, "/photos", "website", &[], &[Want("s3:GetBucketWebsite", "arn:aws:s3:::photos", Some(O), &[])]),
    row("DeleteBucketWebsite", "DELETE", PS, "/photos", "website", &[], &[Want("s3:DeleteBucketWebsite", "arn:aws:s3:::photos", Some(O), &[])]),
    row("GetBucketEncryption", "GET", PS, "/photos", "encryption", &[], &[
        Want("s3:GetEncryptionConfiguration", "arn:aws:s3:::photos", Some(O), &[]),
    ]),
    row("PutPublicAccessBlock", "PUT", PS, "/photos", "publicAccessBlock", &[], &[
        Want("s3:PutBucketPublicAccessBlock", "arn:aws:s3:::photos", Some(O), &[]),
    ]),
    row("GetBucketPolicyStatus", "GET", PS, "/photos", "policyStatus", &[], &[Want("s3:GetBucketPolicyStatus", "arn:aws:s3:::photos", Some(O), &[])]),
    row("GetObjectLockConfiguration", "GET", PS, "/photos", "object-lock", &[], &[
        Want("s3:GetBucketObjectLockConfiguration", "arn:aws:s3:::photos", Some(O), &[]),
    ]),
    // Objects.
    row("GetObject path-style", "GET", PS, "/photos/cat.jpg", "", &[], &[Want("s3:GetObject", "arn:aws:s3:::photos/cat.jpg", Some(O), &[])]),
    row("GetObject virtual-hosted", "GET", VH, "/2024/cat.jpg", "", &[], &[Want("s3:GetObject", "arn:aws:s3:::photos/2024/cat.jpg", Some(O), &[])]),
    row("GetObject with response overrides and a part", "GET", PS, "/photos/cat.jpg", "response-content-type=image%2Fpng&response-content-disposition=inline&partNumber=2&x-id=GetObject", &[], &[
        Want("s3:GetObject", "arn:aws:s3:::photos/cat.jpg", Some(O), &[]),
    ]),
    row("GetObject presigned", "GET", VH, "/cat.jpg", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20250101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20250101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=abc&X-Amz-Security-Token=tok", &[], &[
        Want("s3:GetObject", "arn:aws:s3:::photos/cat.jpg", Some(O), &[]),
    ]),
    row("GetObject of a version", "GET", PS, "/reports/q1.csv", "versionId=3HL4kqtJlcpXroDTDmJ%2BrmSpXd3dIbrHY", &[], &[
        Want("s3:GetObjectVersion", "arn:aws:s3:::reports/q1.csv", Some(R), &[("s3:VersionId", "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY")]),
    ]),
    row("HeadObject", "HEAD", VH, "/cat.jpg", "", &[], &[Want("s3:GetObject", "arn:aws:s3:::photos/cat.jpg", Some(O), &[])]),
    row("HeadObject of a version", "HEAD", PS, "/photos/cat.jpg", "versionId=null", &[], &[
        Want("s3:GetObjectVersion", "arn:aws:s3:::photos/cat.jpg", Some(O), &[("s3:VersionId", "null")]),
    ]),
    row("GetObject, key with spaces", "GET", PS, "/photos/my%20cat%20photo.jpg", "", &[], &[
        Want("s3:GetObject", "arn:aws:s3:::photos/my cat photo.jpg", Some(O), &[]),
    ]),
    row("GetObject, unicode key", "GET", VH, "/%E7%8C%AB/%C3%A9t%C3%A9.jpg", "", &[], &[
        Want("s3:GetObject", "arn:aws:s3:::photos/\u{732b}/\u{e9}t\u{e9}.jpg", Some(O), &[]),
    ]),
    row("GetObject, key with '+'", "GET", PS, "/photos/a+b%2Bc", "", &[], &[Want("s3:GetObject", "arn:aws:s3:::photos/a+b+c", Some(O), &[])]),
    row("GetObject, key with '//'", "GET", PS, "/photos/a//b/", "", &[], &[Want("s3:GetObject", "arn:aws:s3:::photos/a//b/", Some(O), &[])]),
    row("GetObject, key starting with '/'", "GET", VH, "//x", "", &[], &[Want("s3:GetObject", "arn:aws:s3:::photos//x", Some(O), &[])]),
    row("GetObject, key with dot segments", "GET", PS, "/photos/a/../b/./c", "", &[], &[
        Want("s3:GetObject", "arn:aws:s3:::photos/a/../b/./c", Some(O), &[]),
    ]),
    row("GetObject, key with '*' and '?'", "GET", PS, "/photos/%2A%3F", "", &[], &[Want("s3:GetObject", "arn:aws:s3:::photos/*?", Some(O), &[])]),
    row("GetObject, bucket with dots", "GET", "my.photos.s3.example.test", "/k", "", &[], &[
        Want("s3:GetObject", "arn:aws:s3:::my.photos/k", Some(O), &[]),
    ]),
    row("GetObject, host case and port", "GET", "Photos.S3.Example.TEST:8443", "/k", "", &[], &[
        Want("s3:GetObject", "arn:aws:s3:::photos/k", Some(O), &[]),
    ]),
    row("GetObject, unknown host is path-style", "GET", "storage.internal", "/photos/k", "", &[], &[
        Want("s3:GetObject", "arn:aws:s3:::photos/k", Some(O), &[]),
    ]),
    row("PutObject", "PUT", PS, "/photos/cat.jpg", "", &[("content-type", "image/jpeg")], &[
        Want("s3:PutObject", "arn:aws:s3:::photos/cat.jpg", Some(O), &[]),
    ]),
    row("PutObject with encryption, class and ACL", "PUT", VH, "/cat.jpg", "x-id=PutObject", &[("x-amz-acl", "bucket-owner-full-control"), ("x-amz-server-side-encryption", "aws:kms"), ("x-amz-server-side-encryption-aws-kms-key-id", "k1"), ("x-amz-storage-class", "STANDARD_IA")], &[
        Want("s3:PutObject", "arn:aws:s3:::photos/cat.jpg", Some(O), &[("s3:x-amz-acl", "bucket-owner-full-control"), ("s3:x-amz-server-side-encryption", "aws:kms"), ("s3:x-amz-server-side-encryption-aws-kms-key-id", "k1"), ("s3:x-amz-storage-class", "STANDARD_IA")]),
        Want("s3:PutObjectAcl", "arn:aws:s3:::photos/cat.jpg", Some(O), &[("s3:x-amz-acl", "bucket-owner-full-control")]),
    ]),
    row("PutObject with tags and Object Lock", "PUT", PS, "/photos/k", "", &[("x-amz-tagging", "a=b"), ("x-amz-object-lock-mode", "GOVERNANCE"), ("x-amz-object-lock-retain-until-date", "2030-01-01T00:00:00Z"), ("x-amz-object-lock-legal-hold", "ON")], &[
        Want("s3:PutObject", "arn:aws:s3:::photos/k", Some(O), &[]),
        Want("s3:PutObjectTagging", "arn:aws:s3:::photos/k", Some(O), &[]),
        Want("s3:PutObjectRetention", "arn:aws:s3:::photos/k", Some(O), &[]),
        Want("s3:PutObjectLegalHold", "arn:aws:s3:::photos/k", Some(O), &[]),
    ]),
    row("CopyObject", "PUT", PS, "/photos/copy.csv", "", &[("x-amz-copy-source", "/reports/q1%20final.csv"), ("x-amz-metadata-directive", "REPLACE")], &[
        Want("s3:PutObject", "arn:aws:s3:::photos/copy.csv", Some(O), &[("s3:x-amz-copy-source", "reports/q1 final.csv"), ("s3:x-amz-metadata-directive", "REPLACE")]),
        Want("s3:GetObject", "arn:aws:s3:::reports/q1 final.csv", Some(R), &[]),
    ]),
    row("CopyObject of a version", "PUT", VH, "/copy", "", &[("x-amz-copy-source", "reports/a/b%2Bc?versionId=v%2B1")], &[
        Want("s3:PutObject", "arn:aws:s3:::photos/copy", Some(O), &[("s3:x-amz-copy-source", "reports/a/b+c")]),
        Want("s3:GetObjectVersion", "arn:aws:s3:::reports/a/b+c", Some(R), &[("s3:VersionId", "v+1")]),
    ]),
    row("DeleteObject", "DELETE", PS, "/photos/cat.jpg", "", &[], &[Want("s3:DeleteObject", "arn:aws:s3:::photos/cat.jpg", Some(O), &[])]),
    row("DeleteObject of a version, bypassing governance", "DELETE", VH, "/cat.jpg", "versionId=v1", &[("x-amz-bypass-governance-retention", "true")], &[
        Want("s3:DeleteObjectVersion", "arn:aws:s3:::photos/cat.jpg", Some(O), &[("s3:VersionId", "v1")]),
        Want("s3:BypassGovernanceRetention", "arn:aws:s3:::photos/cat.jpg", Some(O), &[]),
    ]),
    // Multipart uploads.
    row("CreateMultipartUpload", "POST", PS, "/photos/big.bin", "uploads", &[("x-amz-server-side-encryption", "AES256")], &[
        Want("s3:PutObject", "arn:aws:s3:::photos/big.bin", Some(O), &[("s3:x-amz-server-side-encryption", "AES256")]),
    ]),
    row("UploadPart", "PUT", VH, "/big.bin", "partNumber=1&uploadId=abc", &[], &[Want("s3:PutObject", "arn:aws:s3:::photos/big.bin", Some(O), &[])]),
    row("UploadPartCopy", "PUT", PS, "/photos/big.bin", "uploadId=abc&partNumber=2", &[("x-amz-copy-source", "reports/part.bin"), ("x-amz-copy-source-range", "bytes=0-99")], &[
        Want("s3:PutObject", "arn:aws:s3:::photos/big.bin", Some(O), &[("s3:x-amz-copy-source", "reports/part.bin")]),
        Want("s3:GetObject", "arn:aws:s3:::reports/part.bin", Some(R), &[]),
    ]),
    row("CompleteMultipartUpload", "POST", PS, "/photos/big.bin", "uploadId=abc", &[], &[
        Want("s3:PutObject", "arn:aws:s3:::photos/big.bin", Some(O), &[]),
    ]),
    row("AbortMultipartUpload", "DELETE", VH, "/big.bin", "uploadId=abc", &[], &[
        Want("s3:AbortMultipartUpload", "arn:aws:s3:::photos/big.bin", Some(O), &[]),
    ]),
    row("ListParts", "GET", PS, "/photos/big.bin", "uploadId=abc&max-parts=10&part-number-marker=3", &[], &[
        Want("s3:ListMultipartUploadParts", "arn:aws:s3:::photos/big.bin", Some(O), &[]),
    ]),
    // Object tags and ACLs.
    row("GetObjectTagging", "GET", PS, "/photos/k", "tagging", &[], &[Want("s3:GetObjectTagging", "arn:aws:s3:::photos/k", Some(O), &[])]),
    row("GetObjectTagging of a version", "GET", PS, "/photos/k", "tagging&versionId=v", &[], &[
        Want("s3:GetObjectVersionTagging", "arn:aws:s3:::photos/k", Some(O), &[("s3:VersionId", "v")]),
    ]),
    row("PutObjectTagging", "PUT", VH, "/k", "tagging", &[], &[Want("s3:PutObjectTagging", "arn:aws:s3:::photos/k", Some(O), &[])]),
    row("PutObjectTagging of a version", "PUT", VH, "/k", "versionId=v&tagging", &[], &[
        Want("s3:PutObjectVersionTagging", "arn:aws:s3:::photos/k", Some(O), &[("s3:VersionId", "v")]),
    ]),
    row("DeleteObjectTagging", "DELETE", PS, "/reports/k", "tagging", &[], &[Want("s3:DeleteObjectTagging", "arn:aws:s3:::reports/k", Some(R), &[])]),
    row("DeleteObjectTagging of a version", "DELETE", PS, "/reports/k", "tagging&versionId=v", &[], &[
        Want("s3:DeleteObjectVersionTagging", "arn:aws:s3:::reports/k", Some(R), &[("s3:VersionId", "v")]),
    ]),
    row("GetObjectAcl", "GET", PS, "/photos/k", "acl", &[], &[Want("s3:GetObjectAcl", "arn:aws:s3:::photos/k", Some(O), &[])]),
    row("GetObjectAcl of a version", "GET", PS, "/photos/k", "acl&versionId=v", &[], &[
        Want("s3:GetObjectVersionAcl", "arn:aws:s3:::photos/k", Some(O), &[("s3:VersionId", "v")]),
    ]),
    row("PutObjectAcl", "PUT", VH, "/k", "acl", &[("x-amz-acl", "private")], &[
        Want("s3:PutObjectAcl", "arn:aws:s3:::photos/k", Some(O), &[("s3:x-amz-acl", "private")]),
    ]),
    row("PutObjectAcl of a version", "PUT", VH, "/k", "acl&versionId=v", &[("x-amz-grant-read", "uri=\"http://acs.amazonaws.com/groups/global/AllUsers\"")], &[
        Want("s3:PutObjectVersionAcl", "arn:aws:s3:::photos/k", Some(O), &[("s3:VersionId", "v"), ("s3:x-amz-grant-read", "uri=\"http://acs.amazonaws.com/groups/global/AllUsers\"")]),
    ]),
];

fn services() -> Services {
    let config = S3Config {
        name: "s3".into(),
        hosts: vec!["s3.example.test".into()],
        owner_account: O.into(),
        buckets: [("reports".to_string(), R.to_string())]
            .into_iter()
            .collect(),
    };
    Services::new(vec![ServiceConfig::S3(config)], "aws").expect("valid")
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("name");
        map.append(name, HeaderValue::from_str(value).expect("value"));
    }
    map
}

fn map(
    services: &Services,
    method: &str,
    host: &str,
    path: &str,
    query: &str,
    headers: &HeaderMap,
) -> Result<Mapping, MapError> {
    let request = ResourceRequest {
        method,
        host,
        path,
        query,
        headers,
        region: Some("us-east-1"),
    };
    services.map("s3", &request)
}

#[test]
fn operations() {
    assert!(ROWS.len() >= 45, "{} rows", ROWS.len());
    let services = services();
    for row in ROWS {
        let what = format!(
            "{} ({} {} {}?{})",
            row.operation, row.method, row.host, row.path, row.query
        );
        let mapping = map(
            &services,
            row.method,
            row.host,
            row.path,
            row.query,
            &headers(row.headers),
        )
        .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(mapping.signing_name, "s3", "{what}");
        assert_eq!(mapping.uri_rule, UriRule::S3, "{what}");
        let want: Vec<Access> = row
            .want
            .iter()
            .map(|Want(action, resource, account, keys)| Access {
                action: action.to_string(),
                resource: resource.to_string(),
                resource_account: account.map(str::to_string),
                keys: keys
                    .iter()
                    .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
                    .collect(),
            })
            .collect();
        assert_eq!(mapping.accesses, want, "{what}");
    }
}

/// What, method, host, path, query, headers.
type Case = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

#[test]
fn unmappable_requests() {
    #[rustfmt::skip]
    let cases: &[Case] = &[
        ("unknown subresource", "GET", PS, "/photos", "inventory", &[]),
        ("unknown subresource on an object", "GET", PS, "/photos/k", "restore", &[]),
        ("unknown parameter", "GET", PS, "/photos/k", "foo=bar", &[]),
        ("subresource in another case", "GET", PS, "/photos/k", "ACL", &[]),
        ("header hoisted into the query", "PUT", PS, "/photos/k", "x-amz-acl=public-read", &[]),
        ("unknown X-Amz- parameter", "GET", PS, "/photos/k", "X-Amz-Foo=1", &[]),
        ("two subresources", "GET", PS, "/photos", "acl&policy", &[]),
        ("tagging and acl", "PUT", PS, "/photos/k", "tagging&acl", &[]),
        ("uploads and uploadId", "POST", PS, "/photos/k", "uploads&uploadId=u", &[]),
        ("repeated parameter", "GET", PS, "/photos", "prefix=a&prefix=b", &[]),
        ("repeated versionId", "GET", PS, "/photos/k", "versionId=a&versionId=b", &[]),
        ("repeated flag", "GET", PS, "/photos", "acl&acl", &[]),
        ("value on a flag", "GET", PS, "/photos", "acl=x", &[]),
        ("empty versionId", "GET", PS, "/photos/k", "versionId=", &[]),
        ("empty uploadId", "DELETE", PS, "/photos/k", "uploadId=", &[]),
        ("list-type 1", "GET", PS, "/photos", "list-type=1", &[]),
        ("v1 marker in a v2 listing", "GET", PS, "/photos", "list-type=2&marker=m", &[]),
        ("v2 parameter in a v1 listing", "GET", PS, "/photos", "start-after=x", &[]),
        ("versionId on a bucket", "GET", PS, "/photos", "versionId=v", &[]),
        ("versionId on PutObject", "PUT", PS, "/photos/k", "versionId=v", &[]),
        ("partNumber on PutObject", "PUT", PS, "/photos/k", "partNumber=1", &[]),
        ("UploadPart without partNumber", "PUT", PS, "/photos/k", "uploadId=u", &[]),
        ("listing parameter on GetObject", "GET", PS, "/photos/k", "prefix=p", &[]),
        ("query not UTF-8", "GET", PS, "/photos", "prefix=%FF", &[]),
        ("malformed query escape", "GET", PS, "/photos", "prefix=%G1", &[]),
        ("bucket in upper case", "GET", PS, "/Photos/k", "", &[]),
        ("bucket too short", "GET", PS, "/ab", "", &[]),
        ("bucket too long", "GET", PS, "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "", &[]),
        ("bucket with underscore", "GET", PS, "/my_bucket", "", &[]),
        ("bucket as an IP address", "GET", PS, "/192.168.0.1/k", "", &[]),
        ("bucket with '..'", "GET", PS, "/a..b", "", &[]),
        ("bucket percent-encoded", "GET", PS, "/ph%6Ftos/k", "", &[]),
        ("empty bucket", "GET", PS, "//k", "", &[]),
        ("virtual-hosted bad bucket", "GET", "my_bucket.s3.example.test", "/k", "", &[]),
        ("virtual-hosted reserved prefix", "GET", "xn--abc.s3.example.test", "/", "", &[]),
        ("path without '/'", "GET", PS, "photos/k", "", &[]),
        ("key not UTF-8", "GET", PS, "/photos/%FF", "", &[]),
        ("malformed key escape", "GET", PS, "/photos/a%2", "", &[]),
        ("POST object (browser upload)", "POST", PS, "/photos", "", &[]),
        ("POST on an object", "POST", PS, "/photos/k", "", &[]),
        ("PATCH", "PATCH", PS, "/photos/k", "", &[]),
        ("lower-case method", "get", PS, "/photos/k", "", &[]),
        ("HEAD /", "HEAD", PS, "/", "", &[]),
        ("PUT /", "PUT", PS, "/", "", &[]),
        ("subresource on the service", "GET", PS, "/", "acl", &[]),
        ("DELETE ?versioning", "DELETE", PS, "/photos", "versioning", &[]),
        ("POST ?acl", "POST", PS, "/photos", "acl", &[]),
        ("HEAD ?acl", "HEAD", PS, "/photos/k", "acl", &[]),
        ("bucket subresource on an object", "GET", PS, "/photos/k", "policy", &[]),
        ("uploads on an object GET", "GET", PS, "/photos/k", "uploads", &[]),
        ("copy source on GET", "GET", PS, "/photos/k", "", &[("x-amz-copy-source", "reports/k")]),
        ("copy source on a bucket", "PUT", PS, "/photos", "", &[("x-amz-copy-source", "reports/k")]),
        ("copy source on PutObjectTagging", "PUT", PS, "/photos/k", "tagging", &[("x-amz-copy-source", "reports/k")]),
        ("copy source without a key", "PUT", PS, "/photos/k", "", &[("x-amz-copy-source", "reports")]),
        ("copy source with an empty key", "PUT", PS, "/photos/k", "", &[("x-amz-copy-source", "/reports/")]),
        ("copy source bad bucket", "PUT", PS, "/photos/k", "", &[("x-amz-copy-source", "Reports/k")]),
        ("copy source access point", "PUT", PS, "/photos/k", "", &[("x-amz-copy-source", "arn:aws:s3:us-east-1:123456789012:accesspoint/ap/object/k")]),
        ("copy source other parameter", "PUT", PS, "/photos/k", "", &[("x-amz-copy-source", "reports/k?foo=1")]),
        ("copy source two versions", "PUT", PS, "/photos/k", "", &[("x-amz-copy-source", "reports/k?versionId=a&versionId=b")]),
        ("copy source empty version", "PUT", PS, "/photos/k", "", &[("x-amz-copy-source", "reports/k?versionId=")]),
        ("copy source not UTF-8", "PUT", PS, "/photos/k", "", &[("x-amz-copy-source", "reports/%FF")]),
        ("repeated x-amz-acl", "PUT", PS, "/photos/k", "", &[("x-amz-acl", "private"), ("x-amz-acl", "public-read")]),
        ("repeated copy source", "PUT", PS, "/photos/k", "", &[("x-amz-copy-source", "reports/a"), ("x-amz-copy-source", "reports/b")]),
    ];
    let services = services();
    for (what, method, host, path, query, pairs) in cases {
        match map(&services, method, host, path, query, &headers(pairs)) {
            Err(MapError::Unmappable(_)) => {}
            other => panic!("{what}: {other:?}"),
        }
    }
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-amz-acl",
        HeaderValue::from_bytes(b"caf\xc3\xa9").expect("value"),
    );
    assert!(matches!(
        map(&services, "PUT", PS, "/photos/k", "", &headers),
        Err(MapError::Unmappable(_))
    ));
}

#[test]
fn ownership_and_policy_holders() {
    let services = services();
    assert_eq!(services.owner_of("arn:aws:s3:::photos"), Some(O));
    assert_eq!(services.owner_of("arn:aws:s3:::photos/a/b"), Some(O));
    assert_eq!(services.owner_of("arn:aws:s3:::reports/x"), Some(R));
    assert_eq!(
        services
            .policy_holder("arn:aws:s3:::reports/x/y")
            .as_deref(),
        Some("arn:aws:s3:::reports")
    );
    assert_eq!(
        services.policy_holder("arn:aws:s3:::reports").as_deref(),
        Some("arn:aws:s3:::reports")
    );
    for foreign in [
        "arn:aws-cn:s3:::photos",
        "arn:aws:s3:us-east-1:123456789012:accesspoint/ap",
        "arn:aws:s3:::Bad_Bucket/k",
        "arn:aws:orders:us-east-1:123456789012:order/1",
        "*",
    ] {
        assert_eq!(services.owner_of(foreign), None, "{foreign}");
        assert_eq!(services.policy_holder(foreign), None, "{foreign}");
    }
    assert_eq!(services.signing_name("s3"), Some("s3"));
}

#[test]
fn other_partitions() {
    let config = S3Config {
        name: "objects".into(),
        hosts: Vec::new(),
        owner_account: O.into(),
        buckets: Default::default(),
    };
    let services = Services::new(vec![ServiceConfig::S3(config)], "aws-cn").expect("valid");
    let headers = HeaderMap::new();
    let request = ResourceRequest {
        method: "GET",
        host: "photos.s3.example.test",
        path: "/photos/k",
        query: "",
        headers: &headers,
        region: None,
    };
    let mapping = services.map("objects", &request).expect("maps");
    assert_eq!(mapping.signing_name, "s3");
    assert_eq!(mapping.accesses[0].resource, "arn:aws-cn:s3:::photos/k");
    assert_eq!(
        services
            .policy_holder("arn:aws-cn:s3:::photos/k")
            .as_deref(),
        Some("arn:aws-cn:s3:::photos")
    );
    assert_eq!(services.owner_of("arn:aws:s3:::photos"), None);
}
