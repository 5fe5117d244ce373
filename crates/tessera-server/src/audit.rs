//! The audit records of API calls and authorizer decisions: who (from the
//! authenticated caller), what (the action, its parameters and the answer's
//! elements, secrets hidden), and how it ended (the error code).

use crate::{Caller, error::AwsError, xml::Xml};
use serde::{Serialize, Serializer, ser::SerializeMap};
use serde_json::{Value, value::RawValue};
use tessera_arn::Arn;
use tessera_audit::{
    AuditRecord, HIDDEN, SessionContext, SessionIssuer, UserIdentity,
    redact::{Camel, is_secret_element, request_parameters},
};
use tessera_token::SessionPrincipal;

/// The record format's version.
const EVENT_VERSION: &str = "1.08";

/// What a record says of a request before its answer is known.
#[derive(Debug, Default)]
pub(crate) struct Trail {
    /// The API's event source (`sts.amazonaws.com`, …).
    pub source: String,
    /// The action, `-` when the request named none.
    pub action: String,
    /// The region of the credential scope.
    pub region: Option<String>,
    /// The access key that signed, even when it did not authenticate.
    pub access_key_id: Option<String>,
    /// The request's parameters, secrets hidden.
    pub parameters: Option<Value>,
    /// Who signed, once authenticated.
    pub caller: Option<Caller>,
    /// The account the request was for, when no caller says it (an
    /// unsigned assumption: the role's).
    pub recipient: Option<String>,
    /// The request's source address and `User-Agent`.
    pub source_ip: String,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
}

impl Trail {
    /// The parameters of `pairs` as the record shows them.
    pub(crate) fn set_parameters<'a>(
        &mut self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) {
        self.parameters = Some(request_parameters(pairs));
    }

    /// The record of this request, answered by `outcome`.
    pub(crate) fn record(
        self,
        partition: &str,
        now: i64,
        request_id: &str,
        outcome: Result<&[Xml], &AwsError>,
        read_only: bool,
        event_type: &'static str,
    ) -> AuditRecord {
        let (error_code, error_message, response_elements) = match outcome {
            Ok(result) if !read_only || issues_credentials(&self.action) => {
                (None, None, elements(result))
            }
            Ok(_) => (None, None, None),
            Err(error) => (
                Some(error.code.to_string()),
                Some(error.message.to_string()),
                None,
            ),
        };
        let user_identity = match &self.caller {
            Some(caller) => user_identity(caller, partition),
            None => UserIdentity {
                kind: "Unknown".into(),
                access_key_id: self.access_key_id.clone(),
                ..UserIdentity::default()
            },
        };
        let recipient_account_id = self
            .caller
            .as_ref()
            .map(|c| c.account_id().to_string())
            .or(self.recipient);
        AuditRecord {
            event_version: EVENT_VERSION,
            user_identity,
            event_time: crate::xml::iso8601(now),
            event_source: self.source,
            event_name: self.action,
            aws_region: self.region.unwrap_or_else(|| "us-east-1".to_string()),
            source_ip_address: self.source_ip,
            user_agent: self.user_agent,
            error_code,
            error_message,
            request_parameters: self.parameters,
            response_elements,
            request_id: request_id.to_string(),
            event_id: uuid::Uuid::new_v4().to_string(),
            read_only,
            event_type,
            recipient_account_id,
        }
    }
}

/// The STS actions that issue credentials: their records carry the issued
/// access key id, which links a session's later calls to its assumption.
fn issues_credentials(action: &str) -> bool {
    matches!(
        action,
        "AssumeRole"
            | "AssumeRoleWithWebIdentity"
            | "AssumeRoleWithSAML"
            | "GetSessionToken"
            | "GetFederationToken"
    )
}

/// Whether an action of the API only reads, as CloudTrail marks it: every
/// STS call, and IAM's `Get…`, `List…` and `Simulate…`.
pub(crate) fn read_only(source: &str, action: &str) -> bool {
    source == "sts.amazonaws.com"
        || ["Get", "List", "Simulate"]
            .iter()
            .any(|prefix| action.starts_with(prefix))
}

/// A response's elements as JSON: names in camel case, `member` lists as
/// arrays, secrets hidden. Written straight from the elements, without an
/// intermediate JSON tree.
pub(crate) fn elements(result: &[Xml]) -> Option<Box<RawValue>> {
    serde_json::value::to_raw_value(&Elements(result)).ok()
}

/// Elements as a JSON object, each named in camel case.
struct Elements<'a>(&'a [Xml]);

/// One element's value: its text, an array of `member`s, or an object.
struct Element<'a>(&'a Xml);

impl Serialize for Elements<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for node in self.0 {
            let (Xml::Text(name, _) | Xml::Node(name, _)) = node;
            map.serialize_entry(&Camel(name), &Element(node))?;
        }
        map.end()
    }
}

impl Serialize for Element<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Xml::Text(name, _) | Xml::Node(name, _) if is_secret_element(name) => {
                serializer.serialize_str(HIDDEN)
            }
            Xml::Text(_, text) => serializer.serialize_str(text),
            Xml::Node(_, children)
                if !children.is_empty()
                    && children.iter().all(
                        |c| matches!(c, Xml::Text(n, _) | Xml::Node(n, _) if n == "member"),
                    ) =>
            {
                serializer.collect_seq(children.iter().map(Element))
            }
            Xml::Node(_, children) => Elements(children).serialize(serializer),
        }
    }
}

/// The `userIdentity` of an authenticated caller, as CloudTrail writes it.
pub(crate) fn user_identity(caller: &Caller, partition: &str) -> UserIdentity {
    let arn = caller.arn(partition).into_string();
    let base = UserIdentity {
        principal_id: Some(caller.user_id()),
        arn: Some(arn),
        account_id: Some(caller.account_id().to_string()),
        access_key_id: Some(caller.access_key_id().to_string()),
        ..UserIdentity::default()
    };
    match caller {
        Caller::Root { .. } => UserIdentity {
            kind: "Root".into(),
            ..base
        },
        Caller::User { user, .. } => UserIdentity {
            kind: "IAMUser".into(),
            user_name: Some(user.name.clone()),
            ..base
        },
        Caller::Session(claims) => {
            let mut context = SessionContext::new(
                crate::xml::iso8601(claims.issued_at),
                claims.mfa_authenticated_at.is_some(),
            );
            context.source_identity = claims.source_identity.clone();
            let (kind, issuer, user_name) = match &claims.principal {
                SessionPrincipal::Root { account_id } => (
                    "Root",
                    Some(SessionIssuer {
                        kind: "Root".into(),
                        principal_id: account_id.clone(),
                        arn: Arn::root(partition, account_id).to_string(),
                        account_id: account_id.clone(),
                        user_name: None,
                    }),
                    None,
                ),
                SessionPrincipal::User {
                    account_id,
                    user_id,
                    user_name,
                    path,
                } => (
                    "IAMUser",
                    Some(SessionIssuer {
                        kind: "IAMUser".into(),
                        principal_id: user_id.clone(),
                        arn: Arn::user(partition, account_id, path, user_name).to_string(),
                        account_id: account_id.clone(),
                        user_name: Some(user_name.clone()),
                    }),
                    Some(user_name.clone()),
                ),
                SessionPrincipal::AssumedRole {
                    account_id,
                    role_id,
                    role_name,
                    role_path,
                    ..
                } => (
                    "AssumedRole",
                    Some(SessionIssuer {
                        kind: "Role".into(),
                        principal_id: role_id.clone(),
                        arn: Arn::role(partition, account_id, role_path, role_name).to_string(),
                        account_id: account_id.clone(),
                        user_name: Some(role_name.clone()),
                    }),
                    None,
                ),
                SessionPrincipal::FederatedUser { .. } => ("FederatedUser", None, None),
            };
            context.session_issuer = issuer;
            UserIdentity {
                kind: kind.into(),
                user_name,
                session_context: Some(context),
                ..base
            }
        }
    }
}

/// The record of an authorizer decision: the service as its source, the
/// action's name (`s3:GetObject` → `GetObject`), the resource as its
/// parameter, and the error of a refusal.
pub(crate) fn decision_record(
    state: &crate::AppState,
    request_id: &str,
    service: Option<&str>,
    verdict: &crate::authorizer::Verdict,
    (source_ip, user_agent): (Option<std::net::IpAddr>, Option<String>),
) -> AuditRecord {
    let (action, resource) = verdict
        .primary
        .as_ref()
        .map_or(("-", None), |(a, r)| (a.as_str(), Some(r.as_str())));
    let name = action.split_once(':').map_or(action, |(_, name)| name);
    let user_identity = match &verdict.principal {
        Some(principal) => UserIdentity {
            kind: identity_kind(&principal.arn).into(),
            principal_id: principal.user_id.clone(),
            arn: Some(principal.arn.clone()),
            account_id: principal.account_id.clone(),
            ..UserIdentity::default()
        },
        None => UserIdentity {
            kind: "Unknown".into(),
            ..UserIdentity::default()
        },
    };
    let allowed = verdict.outcome == crate::authorizer::Outcome::Allowed;
    let error = verdict.error.as_ref().filter(|_| !allowed);
    AuditRecord {
        event_version: EVENT_VERSION,
        recipient_account_id: user_identity.account_id.clone(),
        user_identity,
        event_time: crate::xml::iso8601(state.now().unix_timestamp()),
        event_source: service.unwrap_or("-").to_string(),
        event_name: name.to_string(),
        aws_region: "us-east-1".to_string(),
        source_ip_address: source_ip.map_or_else(|| "-".to_string(), |ip| ip.to_string()),
        user_agent,
        error_code: error.map(|e| e.code.to_string()),
        error_message: error.map(|e| e.message.to_string()),
        request_parameters: resource
            .map(|r| serde_json::json!({ "action": action, "resource": r })),
        response_elements: None,
        request_id: request_id.to_string(),
        event_id: uuid::Uuid::new_v4().to_string(),
        read_only: ["Get", "List", "Head", "Describe"]
            .iter()
            .any(|prefix| name.starts_with(prefix)),
        event_type: "AwsApiCall",
    }
}

/// The `userIdentity.type` an ARN is of.
fn identity_kind(arn: &str) -> &'static str {
    if arn == "*" {
        "AWSAccount"
    } else if arn.ends_with(":root") {
        "Root"
    } else if arn.contains(":assumed-role/") {
        "AssumedRole"
    } else if arn.contains(":federated-user/") {
        "FederatedUser"
    } else {
        "IAMUser"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn issued_credentials_show_their_key_id_and_hide_their_secrets() {
        let result = vec![
            Xml::node(
                "Credentials",
                vec![
                    Xml::text("AccessKeyId", "ASIAEXAMPLE"),
                    Xml::text("SecretAccessKey", "very-secret"),
                    Xml::text("SessionToken", "token-bytes"),
                    Xml::text("Expiration", "2026-01-01T01:00:00Z"),
                ],
            ),
            Xml::node(
                "AssumedRoleUser",
                vec![Xml::text(
                    "Arn",
                    "arn:aws:sts::111122223333:assumed-role/r/s",
                )],
            ),
        ];
        let parse = |raw: Option<Box<RawValue>>| -> Value {
            serde_json::from_str(raw.expect("written").get()).expect("JSON")
        };
        let shown = parse(elements(&result));
        assert_eq!(
            shown,
            json!({
                "credentials": {
                    "accessKeyId": "ASIAEXAMPLE",
                    "secretAccessKey": HIDDEN,
                    "sessionToken": HIDDEN,
                    "expiration": "2026-01-01T01:00:00Z",
                },
                "assumedRoleUser": {"arn": "arn:aws:sts::111122223333:assumed-role/r/s"},
            })
        );
        let lists = parse(elements(&[Xml::node(
            "Users",
            vec![
                Xml::node("member", vec![Xml::text("UserName", "a")]),
                Xml::node("member", vec![Xml::text("UserName", "b")]),
            ],
        )]));
        assert_eq!(
            lists,
            json!({"users": [{"userName": "a"}, {"userName": "b"}]})
        );
    }

    #[test]
    fn reading_actions_are_marked_read_only() {
        assert!(read_only("sts.amazonaws.com", "AssumeRole"));
        assert!(read_only("iam.amazonaws.com", "ListUsers"));
        assert!(!read_only("iam.amazonaws.com", "CreateUser"));
    }
}
