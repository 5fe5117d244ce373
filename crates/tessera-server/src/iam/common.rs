//! What every IAM area shares: calls on a common subject, the changes of a
//! set, the target of a user, ARNs, policy-document encoding and parsing,
//! tags and timestamps.

use crate::action::{Context, Encode};
use crate::actions::ActionSpec;
pub use crate::authz::request_tag_keys;
use crate::{AppState, AwsError, params::Params, xml::Xml};
use std::fmt::Debug;
use std::future::Future;

pub use crate::action::Target;

/// What a call does with what it acts on, `S`: its declaration, its own
/// members and its run. An area whose calls act on the same thing (the
/// keys of one owner, one managed policy, the inline policies of one
/// entity) reads, finds and authorizes it once, in one action over these.
pub trait CallOn<S>: Debug + Clone + Send + Sync + 'static {
    /// The declaration.
    const SPEC: ActionSpec;
    /// The result.
    type Output: Encode;

    /// Reads the call's own members.
    fn decode(params: &Params) -> Result<Self, AwsError>;

    /// Runs the call on `on`, once it is authorized.
    fn run(
        self,
        ctx: &Context<'_>,
        on: S,
    ) -> impl Future<Output = Result<Self::Output, AwsError>> + Send;
}

/// The two changes an action makes to a set: adding to it and removing
/// from it (a group's members, a provider's client ids, an entity's
/// attached policies, the account's alias).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Add;
/// See [`Add`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Remove;

pub use crate::xml::iso8601;

/// A policy document as IAM returns it: URL-encoded (RFC 3986).
pub fn encode_policy_document(document: &str) -> String {
    tessera_sigv4::uri_encode(document)
}

/// `<Tags><member><Key/><Value/></member>…</Tags>`.
pub fn tags_xml(tags: &[(String, String)]) -> Xml {
    crate::xml::members(
        "Tags",
        tags.iter()
            .map(|(k, v)| vec![Xml::text("Key", k.clone()), Xml::text("Value", v.clone())])
            .collect(),
    )
}

/// Parses and validates a policy document of `kind`, as IAM answers a bad
/// one: `MalformedPolicyDocument` (400) or `LimitExceeded` (409) with AWS's
/// message.
pub fn parse_policy(
    document: &str,
    kind: tessera_policy::PolicyKind,
) -> Result<tessera_policy::Policy, AwsError> {
    Ok(tessera_policy::Policy::parse(document, kind)?)
}

/// The [`Target`] of a stored user.
pub async fn user_target(state: &AppState, user: &tessera_store::User) -> Result<Target, AwsError> {
    Ok(Target {
        arn: user_arn(state, user),
        tags: state
            .store()
            .tags(&user.user_id, None, tessera_store::TAGS_PER_ENTITY)
            .await?,
        boundary: user.permissions_boundary.clone(),
    })
}

/// Whether `given` names the entity whose stored ARN is `stored`: the same
/// account, kind and path exactly, and the same name without regard to
/// case (IAM names are unique regardless of case).
pub fn same_entity_arn(given: &str, stored: &str) -> bool {
    match (given.rsplit_once('/'), stored.rsplit_once('/')) {
        (Some((given_prefix, given_name)), Some((stored_prefix, stored_name))) => {
            given_prefix == stored_prefix && given_name.eq_ignore_ascii_case(stored_name)
        }
        _ => false,
    }
}

/// The ARN of a user.
pub fn user_arn(state: &AppState, user: &tessera_store::User) -> String {
    crate::caller::user_arn(state.partition(), user).into_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{BodyRule, Params};

    fn tags(pairs: &[(&str, &str)]) -> Result<Vec<(String, String)>, AwsError> {
        let query: Vec<String> = pairs
            .iter()
            .enumerate()
            .flat_map(|(i, (k, v))| {
                [
                    format!("Tags.member.{}.Key={}", i + 1, tessera_sigv4::uri_encode(k)),
                    format!(
                        "Tags.member.{}.Value={}",
                        i + 1,
                        tessera_sigv4::uri_encode(v)
                    ),
                ]
            })
            .collect();
        let params = Params::from_request(&query.join("&"), None, b"", BodyRule::ByContentType)
            .expect("params");
        let tags = params.member::<crate::action::members::Tags>("Tags")?;
        Ok(tags.unwrap_or_default().0)
    }

    #[test]
    fn tags_follow_the_tag_pattern() {
        let ok = tags(&[
            ("Équipe", "bleu clair"),
            ("チーム", ""),
            ("a:b/c=d+e-f@g_h.", "٣"),
        ])
        .expect("valid");
        assert_eq!(ok.len(), 3);
        let error = tags(&[("ok", "v"), ("bad*key", "v")]).expect_err("pattern");
        assert_eq!(
            (
                error.code.as_ref(),
                error.status.as_u16(),
                error.message.as_str()
            ),
            (
                "ValidationError",
                400,
                "1 validation error detected: Value 'bad*key' at 'tags.2.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+"
            )
        );
        let error = tags(&[("k", "tab\there")]).expect_err("pattern");
        assert!(
            error.message.contains("at 'tags.1.member.value'")
                && error.message.ends_with("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*"),
            "{}",
            error.message
        );
    }

    #[test]
    fn the_aws_prefix_is_reserved() {
        for key in ["aws:team", "AWS:team", "Aws:"] {
            let error = tags(&[(key, "v")]).expect_err("reserved");
            assert_eq!(
                (error.code.as_ref(), error.status.as_u16()),
                ("InvalidInput", 400),
                "{key}"
            );
        }
        assert!(tags(&[("aws-team", "v"), ("team:aws:", "aws:v")]).is_ok());
    }
}
