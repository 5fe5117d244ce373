//! Query-protocol input: the parameters of the query string and of a
//! form-encoded body, in one list — taken only from bytes the request's
//! signature covers.

use crate::AwsError;
use tessera_sigv4::{Authentication, AuthenticationForm};

/// Whether a request's body carries parameters. Only bytes the signature
/// covers may, and no unsigned header may decide which of them do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyRule {
    /// A form body, as its `Content-Type` says: an unsigned request (its
    /// credential is a parameter) or a header signature that covers both
    /// the body and `Content-Type`.
    ByContentType,
    /// A header signature covers the body but not `Content-Type`: a
    /// non-empty body is form data whatever that header says, so that
    /// stripping or changing it cannot drop signed parameters.
    AlwaysForm,
    /// A presigned URL signs the query alone: the body is never read (and
    /// a presigned request with a body fails verification).
    Never,
}

impl BodyRule {
    /// The rule for a request authenticated by `auth` (`None`: unsigned).
    pub fn of(auth: Option<&Authentication>) -> Self {
        match auth {
            None => Self::ByContentType,
            Some(auth) => match auth.form {
                AuthenticationForm::Presigned { .. } => Self::Never,
                AuthenticationForm::Header
                    if auth.signed_headers.iter().any(|h| h == "content-type") =>
                {
                    Self::ByContentType
                }
                AuthenticationForm::Header => Self::AlwaysForm,
            },
        }
    }
}

/// A request's parameters, in the order received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Collects the query string's parameters and, as `rule` allows, the
    /// body's. A parameter given twice (in either place) is refused: which
    /// of two values counts would be a guess another reader may make
    /// differently.
    pub fn from_request(
        query: &str,
        content_type: Option<&str>,
        body: &[u8],
        rule: BodyRule,
    ) -> Result<Self, AwsError> {
        let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let is_form = || {
            content_type.is_some_and(|ct| {
                ct.split(';').next().is_some_and(|mime| {
                    mime.trim()
                        .eq_ignore_ascii_case("application/x-www-form-urlencoded")
                })
            })
        };
        let read_body = match rule {
            BodyRule::ByContentType => is_form(),
            BodyRule::AlwaysForm => !body.is_empty(),
            BodyRule::Never => false,
        };
        if read_body {
            if std::str::from_utf8(body).is_err() {
                return Err(AwsError::malformed_query_string(
                    "The request body is not valid UTF-8 form data.",
                ));
            }
            pairs.extend(form_urlencoded::parse(body).into_owned());
        }
        let mut names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        names.sort_unstable();
        if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(AwsError::invalid_query_parameter(format!(
                "The request must contain the parameter {} only once.",
                pair[0]
            )));
        }
        Ok(Self { pairs })
    }

    /// Every parameter, in the order received.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The value of parameter `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The values of a list member, `PREFIX.member.1`, `PREFIX.member.2`, …,
    /// in index order (the Query protocol's list encoding).
    pub fn list(&self, prefix: &str) -> Vec<&str> {
        let head = format!("{prefix}.member.");
        let mut items: Vec<(u32, &str)> = self
            .pairs
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(&head)
                    .and_then(|n| n.parse().ok())
                    .map(|n| (n, v.as_str()))
            })
            .collect();
        items.sort_by_key(|(n, _)| *n);
        items.into_iter().map(|(_, v)| v).collect()
    }

    /// A list of structures, `PREFIX.member.N.FIELD`: one map per index, in
    /// index order, holding the given fields that are present.
    pub fn structures(&self, prefix: &str) -> Vec<std::collections::BTreeMap<String, String>> {
        let head = format!("{prefix}.member.");
        let mut items: std::collections::BTreeMap<u32, std::collections::BTreeMap<String, String>> =
            std::collections::BTreeMap::new();
        for (k, v) in &self.pairs {
            if let Some((index, field)) =
                k.strip_prefix(&head).and_then(|rest| rest.split_once('.'))
                && let Ok(index) = index.parse::<u32>()
            {
                items
                    .entry(index)
                    .or_default()
                    .insert(field.to_string(), v.clone());
            }
        }
        items.into_values().collect()
    }

    /// An optional integer member within `min..=max`.
    pub fn integer(
        &self,
        name: &str,
        member: &str,
        min: i64,
        max: i64,
    ) -> Result<Option<i64>, AwsError> {
        let Some(text) = self.get(name) else {
            return Ok(None);
        };
        let value: i64 = text.trim().parse().map_err(|_| {
            AwsError::malformed_input(format!(
                "Invalid value for parameter {name}: '{text}' is not an integer."
            ))
        })?;
        if value < min {
            return Err(AwsError::constraint(
                member,
                Some(text),
                &format!("Member must have value greater than or equal to {min}"),
            ));
        }
        if value > max {
            return Err(AwsError::constraint(
                member,
                Some(text),
                &format!("Member must have value less than or equal to {max}"),
            ));
        }
        Ok(Some(value))
    }
}

/// AWS's length constraint for a member of `min..=max` characters.
pub fn check_length(member: &str, value: &str, min: usize, max: usize) -> Result<(), AwsError> {
    match length_constraint(value, min, max) {
        Some(constraint) => Err(AwsError::constraint(member, Some(value), &constraint)),
        None => Ok(()),
    }
}

/// Checks that a policy document holds only the characters AWS's models allow
/// (`policyDocumentType`, `sessionPolicyDocumentType`): tab, line feed,
/// carriage return and U+0020 to U+00FF. Anything else, such as a byte order
/// mark or a typographic quote, is a `ValidationError` before the document
/// is read as a policy.
pub fn check_policy_characters(member: &str, value: &str) -> Result<(), AwsError> {
    if value
        .chars()
        .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}'))
    {
        return Ok(());
    }
    Err(AwsError::constraint(
        member,
        Some(value),
        "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
    ))
}

/// [`check_length`] for a member that carries a credential (a web identity
/// token, a SAML assertion): the error does not echo the value.
pub fn check_sensitive_length(
    member: &str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), AwsError> {
    match length_constraint(value, min, max) {
        Some(constraint) => Err(AwsError::sensitive_constraint(member, &constraint)),
        None => Ok(()),
    }
}

/// The length constraint `value` breaks, if any.
fn length_constraint(value: &str, min: usize, max: usize) -> Option<String> {
    let n = value.chars().count();
    if n < min {
        Some(format!(
            "Member must have length greater than or equal to {min}"
        ))
    } else if n > max {
        Some(format!(
            "Member must have length less than or equal to {max}"
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_and_form_body_are_merged() {
        let p = Params::from_request(
            "Action=GetCallerIdentity",
            Some("application/x-www-form-urlencoded; charset=utf-8"),
            b"Version=2011-06-15&Name=a+b%2Bc",
            BodyRule::ByContentType,
        )
        .expect("params");
        assert_eq!(p.get("Action"), Some("GetCallerIdentity"));
        assert_eq!(p.get("Version"), Some("2011-06-15"));
        assert_eq!(p.get("Name"), Some("a b+c"));
    }

    #[test]
    fn other_bodies_are_not_parameters() {
        let p = Params::from_request(
            "",
            Some("application/json"),
            b"Action=X",
            BodyRule::ByContentType,
        )
        .expect("params");
        assert_eq!(p.get("Action"), None);
    }

    const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

    #[test]
    fn a_presigned_request_reads_only_its_query() {
        let p = Params::from_request(
            "Action=GetSessionToken&Version=2011-06-15",
            FORM,
            b"DurationSeconds=129600",
            BodyRule::Never,
        )
        .expect("params");
        assert_eq!(p.get("Action"), Some("GetSessionToken"));
        assert_eq!(p.get("DurationSeconds"), None);
    }

    #[test]
    fn an_unsigned_content_type_does_not_decide_what_the_body_is() {
        for content_type in [None, Some("text/plain"), FORM] {
            let p = Params::from_request(
                "",
                content_type,
                b"Action=AssumeRole&Policy=x",
                BodyRule::AlwaysForm,
            )
            .expect("params");
            assert_eq!(p.get("Policy"), Some("x"), "{content_type:?}");
        }
        let empty =
            Params::from_request("Action=X", None, b"", BodyRule::AlwaysForm).expect("params");
        assert_eq!(empty.get("Action"), Some("X"));
    }

    #[test]
    fn the_rule_follows_what_the_signature_covers() {
        let auth = |form, headers: &[&str]| Authentication {
            form,
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            scope: tessera_sigv4::CredentialScope {
                date: "20240101".into(),
                region: "us-east-1".into(),
                service: "sts".into(),
            },
            timestamp: time::OffsetDateTime::UNIX_EPOCH,
            amz_date: "20240101T000000Z".into(),
            signed_headers: headers.iter().map(|h| h.to_string()).collect(),
            signature: "0".repeat(64),
            security_token: None,
        };
        let header = AuthenticationForm::Header;
        let presigned = AuthenticationForm::Presigned { expires: 60 };
        assert_eq!(BodyRule::of(None), BodyRule::ByContentType);
        assert_eq!(
            BodyRule::of(Some(&auth(header, &["content-type", "host"]))),
            BodyRule::ByContentType
        );
        assert_eq!(
            BodyRule::of(Some(&auth(header, &["host", "x-amz-date"]))),
            BodyRule::AlwaysForm
        );
        assert_eq!(
            BodyRule::of(Some(&auth(presigned, &["content-type", "host"]))),
            BodyRule::Never
        );
    }

    #[test]
    fn a_parameter_given_twice_is_refused() {
        for (query, body) in [
            (
                "DurationSeconds=900",
                &b"Action=GetSessionToken&DurationSeconds=129600"[..],
            ),
            ("Action=A&Action=B", &b""[..]),
            ("", &b"Tags.member.1.Key=a&Tags.member.1.Key=b"[..]),
        ] {
            let error = Params::from_request(query, FORM, body, BodyRule::ByContentType)
                .expect_err("duplicate");
            assert_eq!(
                (error.code.as_ref(), error.status.as_u16()),
                ("InvalidQueryParameter", 400),
                "{query} {body:?}"
            );
        }
    }

    #[test]
    fn lists_and_structures_follow_their_indexes() {
        let p = Params::from_request(
            "L.member.2=b&L.member.1=a&Tags.member.1.Key=k1&Tags.member.1.Value=v1&Tags.member.2.Key=k2",
            None,
            b"",
            BodyRule::ByContentType,
        )
        .expect("params");
        assert_eq!(p.list("L"), vec!["a", "b"]);
        let tags = p.structures("Tags");
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[0].get("Key").map(String::as_str), Some("k1"));
        assert_eq!(tags[1].get("Value"), None);
    }

    #[test]
    fn integers_are_range_checked() {
        let p = Params::from_request("DurationSeconds=100", None, b"", BodyRule::ByContentType)
            .expect("params");
        let err = p
            .integer("DurationSeconds", "durationSeconds", 900, 129_600)
            .expect_err("too small");
        assert_eq!(
            err.message,
            "1 validation error detected: Value '100' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"
        );
    }

    #[test]
    fn sensitive_length_errors_do_not_echo_the_value() {
        assert!(check_sensitive_length("webIdentityToken", "abcd", 4, 20_000).is_ok());
        for bad in ["abc".to_string(), "x".repeat(20_001)] {
            let error = check_sensitive_length("webIdentityToken", &bad, 4, 20_000)
                .expect_err("too short or long");
            assert_eq!(error.code, "ValidationError");
            assert!(error.message.contains("'webIdentityToken'"));
            assert!(!error.message.contains("abc") && !error.message.contains("xxxx"));
        }
    }
}
