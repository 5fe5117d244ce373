//! What the identity-provider, MFA-device and account areas share.

use super::common::tags_xml;
use crate::{AwsError, params::Params, params::check_length, xml::Xml};

/// A required ARN member (20 to 2048 characters).
pub(super) fn arn_param<'a>(
    params: &'a Params,
    name: &str,
    member: &str,
) -> Result<&'a str, AwsError> {
    let value = params.required(name, member)?;
    check_length(member, value, 20, 2048)?;
    Ok(value)
}

pub(super) fn internal(error: impl std::fmt::Display) -> AwsError {
    tracing::error!(%error, "IAM provider action failed");
    AwsError::internal()
}

/// `Tags` in a response, only when there are any (as IAM omits empty lists
/// of optional tags).
pub(super) fn optional_tags(tags: &[(String, String)]) -> Option<Xml> {
    (!tags.is_empty()).then(|| tags_xml(tags))
}
