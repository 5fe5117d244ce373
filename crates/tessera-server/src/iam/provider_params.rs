//! What the identity-provider and MFA-device areas share.

use super::common::tags_xml;
use crate::{AwsError, xml::Xml};

pub(super) fn internal(error: impl std::fmt::Display) -> AwsError {
    tracing::error!(%error, "IAM provider action failed");
    AwsError::internal()
}

/// `Tags` in a response, only when there are any (as IAM omits empty lists
/// of optional tags).
pub(super) fn optional_tags(tags: &[(String, String)]) -> Option<Xml> {
    (!tags.is_empty()).then(|| tags_xml(tags))
}
