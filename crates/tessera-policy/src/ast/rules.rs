//! IAM's checks of the resources an identity-based policy names, as its
//! validator answers them when the policy is written.
//!
//! IAM reads a resource as an ARN whenever it has a colon: the first
//! segment stands for `arn` whatever it says, and missing trailing segments
//! stand for `*` (so `a:b` reads as `arn:b:*:*:*:*`, which its messages
//! show). The partition must be one AWS has, the service must be named
//! without wildcards, and IAM and S3 resources have rules of their own.

/// The partitions AWS has.
const PARTITIONS: [&str; 8] = [
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// The resource types an IAM resource path may start with.
const IAM_RESOURCE_TYPES: [&str; 13] = [
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
];

/// IAM's message for an IAM resource of no IAM resource type.
pub(super) const IAM_PATH_MESSAGE: &str = "IAM resource path must either be \"*\" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.";

/// IAM's message for a resource whose service is missing or has wildcards.
pub(super) const VENDOR_MESSAGE: &str =
    "Resource vendor must be fully qualified and cannot contain regexes.";

/// Whether IAM's legacy parser refuses `text`: an ARN of a known partition
/// with four or five segments (`arn:aws:s3::bucket`), or with an empty
/// service (`arn:aws::x`). Three segments (`arn:aws:svc`) it takes.
pub(super) fn fails_legacy_parsing(text: &str) -> bool {
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() < 3 || !PARTITIONS.contains(&parts[1]) {
        return false;
    }
    matches!(parts.len(), 4 | 5) || parts[2].is_empty()
}

/// IAM's message for a resource it refuses, `None` for one it takes.
pub(super) fn resource_error(text: &str) -> Option<String> {
    if text == "*" {
        return None;
    }
    if !text.contains(':') {
        return Some(format!("Resource {text} must be in ARN format or \"*\"."));
    }
    let written: Vec<&str> = text.split(':').collect();
    let mut parts = written.clone();
    parts[0] = "arn";
    while parts.len() < 6 {
        parts.push("*");
    }
    let partition = parts[1];
    if !PARTITIONS.contains(&partition) {
        let shown = parts.join(":");
        return Some(format!(
            "Partition \"{partition}\" is not valid for resource \"{shown}\"."
        ));
    }
    let vendor = parts[2];
    if vendor.is_empty() || vendor.contains(['*', '?']) {
        return Some(VENDOR_MESSAGE.to_string());
    }
    let region = written.get(3).copied().unwrap_or_default();
    let account = written.get(4).copied().unwrap_or_default();
    match vendor {
        "iam" => {
            if !region.is_empty() {
                return Some(format!(
                    "IAM resource {text} cannot contain region information."
                ));
            }
            let path = parts[5..].join(":");
            if path != "*" && !IAM_RESOURCE_TYPES.iter().any(|t| path.starts_with(t)) {
                return Some(IAM_PATH_MESSAGE.to_string());
            }
        }
        // A bucket or object ARN has neither region nor account; access
        // points, jobs and the like have both.
        "s3" if !region.is_empty() && account.is_empty() => {
            return Some(format!(
                "Resource {text} can not contain region information."
            ));
        }
        _ => {}
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_parsing() {
        for bad in [
            "arn:aws:s3::example_bucket",
            "arn:aws::fdsasf",
            "arn:aws::::example_bucket",
            "arn:aws:",
        ] {
            assert!(fails_legacy_parsing(bad), "{bad}");
        }
        for good in [
            "arn:aws:fdsasf",
            "arn:aws",
            "arn:error:s3::example_bucket",
            "arn:aws:s3:::b",
            "*",
        ] {
            assert!(!fails_legacy_parsing(good), "{good}");
        }
    }

    #[test]
    fn resources() {
        assert_eq!(
            resource_error("a:b:cadfsdf").as_deref(),
            Some("Partition \"b\" is not valid for resource \"arn:b:cadfsdf:*:*:*\".")
        );
        assert_eq!(
            resource_error("aws:s3:::example_bucket").as_deref(),
            Some("Partition \"s3\" is not valid for resource \"arn:s3:::example_bucket:*\".")
        );
        assert_eq!(resource_error("arn:aws").as_deref(), Some(VENDOR_MESSAGE));
        assert_eq!(
            resource_error("arn:aws:iam:::example_bucket").as_deref(),
            Some(IAM_PATH_MESSAGE)
        );
        for good in [
            "arn:aws:fdsasf",
            "arn:aws:iam:::user/u",
            "arn:aws:iam::*:user/${aws:username}",
            "arn:aws:iam::111122223333:*",
            "arn:aws-cn:iam::111122223333:role/r",
            "arn:aws:s3:us-west-2:123456789012:accesspoint/ap",
            "arn:aws:ec2:us-east-1::x",
        ] {
            assert_eq!(resource_error(good), None, "{good}");
        }
    }
}
