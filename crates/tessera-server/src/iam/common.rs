//! What every IAM area shares: name and path validation, ARNs, pagination,
//! policy-document encoding, timestamps and the authorization call.

pub use crate::authz::request_tag_keys;
use crate::pattern::{TAG_KEY, TAG_VALUE, has_reserved_prefix, is_tag_text};
use crate::{AppState, AwsError, Caller, authz, params::Params, xml::Xml};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use tessera_arn::Arn;
use tessera_policy::ContextValue;

/// Checks `iam:<action>` on `resource` (an ARN in the caller's account).
pub async fn authorize(
    state: &AppState,
    caller: &Caller,
    action: &str,
    resource: &str,
) -> Result<(), AwsError> {
    authorize_on(state, caller, action, &Target::named(resource), Vec::new()).await
}

pub use crate::action::Target;

/// Checks `iam:<action>` on `target` with the request's condition `keys`;
/// the target's tags and boundary give the keys the action declares for
/// them.
pub async fn authorize_on(
    state: &AppState,
    caller: &Caller,
    action: &str,
    target: &Target,
    keys: Vec<(String, ContextValue)>,
) -> Result<(), AwsError> {
    let action = format!("iam:{action}");
    let mut check = authz::Check::new(&action, &target.arn, caller.account_id());
    check.resource_tags = &target.tags;
    check.resource_boundary = target.boundary.as_deref();
    check.keys = keys;
    authz::authorize_check(state, caller, &check).await
}

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

/// Validates an entity name: 1 to `max` characters of `[\w+=,.@-]`.
pub fn validate_name(member: &str, value: &str, max: usize) -> Result<(), AwsError> {
    if value.is_empty() || value.chars().count() > max {
        return Err(AwsError::constraint(
            member,
            Some(value),
            &format!("Member must have length less than or equal to {max}"),
        )
        .with_length_range(member, value, 1, max));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
    {
        return Err(AwsError::constraint(
            member,
            Some(value),
            "Member must satisfy regular expression pattern: [\\w+=,.@-]+",
        ));
    }
    Ok(())
}

/// Validates a path: `/`, or `/…/` of printable ASCII, at most 512 long.
pub fn validate_path(member: &str, value: &str) -> Result<(), AwsError> {
    if value.is_empty() || value.len() > 512 {
        return Err(AwsError::constraint(
            member,
            Some(value),
            "Member must have length less than or equal to 512",
        )
        .with_length_range(member, value, 1, 512));
    }
    let ok = value == "/"
        || (value.len() >= 2
            && value.starts_with('/')
            && value.ends_with('/')
            && value.bytes().all(|b| (0x21..=0x7e).contains(&b)));
    if !ok {
        return Err(AwsError::constraint(
            member,
            Some(value),
            "Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
        ));
    }
    Ok(())
}

/// The optional `Path` (or other path member), `/` when absent.
pub fn path_param(params: &Params, name: &str, member: &str) -> Result<String, AwsError> {
    let path = params.get(name).unwrap_or("/");
    validate_path(member, path)?;
    Ok(path.to_string())
}

impl AwsError {
    /// Uses AWS's "length greater than or equal to 1" wording for empty values.
    fn with_length_range(self, member: &str, value: &str, min: usize, _max: usize) -> Self {
        if value.chars().count() < min {
            AwsError::constraint(
                member,
                Some(value),
                &format!("Member must have length greater than or equal to {min}"),
            )
        } else {
            self
        }
    }
}

/// `Marker` / `MaxItems` of a List call. The marker is opaque to clients: it
/// carries the sort key of the last item returned, so a page is "the next
/// `MaxItems` items after that key" — stable while other items are inserted.
#[derive(Debug, Clone)]
pub struct Page {
    /// The sort key after which this page starts.
    pub after: Option<String>,
    /// How many items the page holds at most.
    pub max_items: usize,
}

impl Page {
    /// Reads `Marker` and `MaxItems` (1 to 1000, default 100).
    pub fn from_params(params: &Params) -> Result<Self, AwsError> {
        let max_items = params
            .integer("MaxItems", "maxItems", 1, 1000)?
            .unwrap_or(100) as usize;
        let after = match params.get("Marker") {
            None => None,
            Some(marker) => Some(
                URL_SAFE_NO_PAD
                    .decode(marker)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .ok_or_else(|| AwsError::invalid_input("Invalid Marker."))?,
            ),
        };
        Ok(Self { after, max_items })
    }

    /// How many rows to fetch: one more than a page, to know whether the
    /// listing is truncated.
    pub fn fetch_limit(&self) -> usize {
        self.max_items + 1
    }

    /// Cuts `rows` (fetched with [`Page::fetch_limit`], sorted by `key`) to
    /// the page and returns `IsTruncated` and, when truncated, `Marker`.
    pub fn finish<T>(&self, mut rows: Vec<T>, key: impl Fn(&T) -> String) -> (Vec<T>, Vec<Xml>) {
        let truncated = rows.len() > self.max_items;
        rows.truncate(self.max_items);
        let mut tail = vec![Xml::text("IsTruncated", truncated.to_string())];
        if truncated && let Some(last) = rows.last() {
            tail.push(Xml::text("Marker", URL_SAFE_NO_PAD.encode(key(last))));
        }
        (rows, tail)
    }
}

/// `Tags.member.N.Key/Value`, validated as IAM does (at most 50; key 1–128,
/// value 0–256 characters of botocore's tag pattern; no key with AWS's
/// reserved `aws:` prefix; no key twice, regardless of case).
pub fn tags_param(params: &Params) -> Result<Vec<(String, String)>, AwsError> {
    let items = params.structures("Tags");
    if items.len() > 50 {
        return Err(AwsError::limit_exceeded(
            "The number of tags has reached the maximum limit.",
        ));
    }
    let mut tags: Vec<(String, String)> = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let key_member = format!("tags.{}.member.key", index + 1);
        let value_member = format!("tags.{}.member.value", index + 1);
        let key = item
            .get("Key")
            .ok_or_else(|| AwsError::constraint(&key_member, None, "Member must not be null"))?;
        let value = item
            .get("Value")
            .ok_or_else(|| AwsError::constraint(&value_member, None, "Member must not be null"))?;
        if key.is_empty() || key.chars().count() > 128 {
            return Err(AwsError::constraint(
                &key_member,
                Some(key),
                "Member must have length less than or equal to 128",
            )
            .with_length_range(&key_member, key, 1, 128));
        }
        if value.chars().count() > 256 {
            return Err(AwsError::constraint(
                &value_member,
                Some(value),
                "Member must have length less than or equal to 256",
            ));
        }
        if !is_tag_text(key) {
            return Err(AwsError::constraint(
                &key_member,
                Some(key),
                &format!("Member must satisfy regular expression pattern: {TAG_KEY}"),
            ));
        }
        if !is_tag_text(value) {
            return Err(AwsError::constraint(
                &value_member,
                Some(value),
                &format!("Member must satisfy regular expression pattern: {TAG_VALUE}"),
            ));
        }
        if has_reserved_prefix(key) {
            return Err(AwsError::invalid_input(format!(
                "The tag key {key} uses the prefix 'aws:', which is reserved for AWS use."
            )));
        }
        if tags.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
            return Err(AwsError::invalid_input(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
            ));
        }
        tags.push((key.clone(), value.clone()));
    }
    Ok(tags)
}

/// `TagKeys.member.N` of an Untag call: 1 to 50 keys of 1 to 128 characters.
pub fn tag_keys_param(params: &Params) -> Result<Vec<String>, AwsError> {
    let keys: Vec<String> = params
        .list("TagKeys")
        .into_iter()
        .map(str::to_string)
        .collect();
    if keys.is_empty() {
        return Err(AwsError::constraint(
            "tagKeys",
            None,
            "Member must not be null",
        ));
    }
    if keys.len() > 50 {
        return Err(AwsError::constraint(
            "tagKeys",
            None,
            "Member must have length less than or equal to 50",
        ));
    }
    if let Some(key) = keys
        .iter()
        .find(|k| k.is_empty() || k.chars().count() > 128)
    {
        return Err(AwsError::constraint(
            "tagKeys.member",
            Some(key),
            "Member must have length less than or equal to 128",
        ));
    }
    Ok(keys)
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

/// `PathPrefix` (`/` when absent): `/` then printable ASCII, 1 to 512 long.
pub fn path_prefix_param(params: &Params) -> Result<String, AwsError> {
    let prefix = params.get("PathPrefix").unwrap_or("/");
    if prefix.is_empty() || prefix.len() > 512 {
        return Err(AwsError::constraint(
            "pathPrefix",
            Some(prefix),
            "Member must have length less than or equal to 512",
        ));
    }
    if !prefix.starts_with('/') || !prefix.bytes().all(|b| (0x21..=0x7f).contains(&b)) {
        return Err(AwsError::constraint(
            "pathPrefix",
            Some(prefix),
            "Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*",
        ));
    }
    Ok(prefix.to_string())
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
    use crate::params::BodyRule;

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
        tags_param(&params)
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
