//! What every IAM area shares: the targets of users, groups and roles,
//! ARNs, policy-document encoding and parsing, tags and timestamps.

pub use crate::authz::request_tag_keys;
use crate::{AppState, AwsError, xml::Xml};
use tessera_arn::Arn;

pub use crate::action::Target;

/// The user, group or role (`noun`) `name` of `account_id` as stored: its
/// unique id and [`Target`].
pub async fn entity_target(
    state: &AppState,
    account_id: &str,
    noun: &str,
    name: &str,
) -> Result<Option<(String, Target)>, AwsError> {
    let store = state.store();
    Ok(match noun {
        "user" => match store.user_by_name(account_id, name).await? {
            Some(user) => Some((user.user_id.clone(), user_target(state, &user).await?)),
            None => None,
        },
        "role" => match store.role_by_name(account_id, name).await? {
            Some(role) => Some((
                role.role_id.clone(),
                Target {
                    arn: Arn::role(state.partition(), &role.account_id, &role.path, &role.name)
                        .into_string(),
                    tags: store.policy_area_tags(&role.role_id).await?,
                    boundary: role.permissions_boundary.clone(),
                },
            )),
            None => None,
        },
        _ => match store.group_by_name(account_id, name).await? {
            Some(group) => Some((
                group.group_id.clone(),
                Target::named(
                    Arn::group(
                        state.partition(),
                        &group.account_id,
                        &group.path,
                        &group.name,
                    )
                    .into_string(),
                ),
            )),
            None => None,
        },
    })
}

/// [`entity_target`], or the ARN the request names (at path `/`) when the
/// entity does not exist.
pub async fn entity_target_or_named(
    state: &AppState,
    account_id: &str,
    noun: &str,
    name: &str,
) -> Result<Target, AwsError> {
    Ok(match entity_target(state, account_id, noun, name).await? {
        Some((_, target)) => target,
        None => {
            let partition = state.partition();
            Target::named(match noun {
                "user" => Arn::user(partition, account_id, "/", name),
                "role" => Arn::role(partition, account_id, "/", name),
                _ => Arn::group(partition, account_id, "/", name),
            })
        }
    })
}

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
            .user_tags(&user.user_id, None, tessera_store::TAGS_PER_ENTITY)
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
