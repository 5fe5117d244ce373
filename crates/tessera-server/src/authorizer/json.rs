//! The JSON call, `POST /v1/authorize`: its request and answer shapes
//! (published in `docs/authorizer.openapi.yaml`).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The body of `POST /v1/authorize`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthorizeJson {
    /// The service profile that maps the request.
    pub service: Option<String>,
    /// Instead of `service`: the action to decide, `prefix:Name`.
    pub action: Option<String>,
    /// With `action`: the resource ARN.
    pub resource: Option<String>,
    /// With `action`: condition keys to their values.
    #[serde(default)]
    pub context: BTreeMap<String, Vec<String>>,
    /// The client's signed request.
    pub request: RequestJson,
}

/// The client's request in a JSON call.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestJson {
    /// The method.
    pub method: String,
    /// The host the client addressed (else the `host` header).
    pub host: Option<String>,
    /// The path and query exactly as sent.
    pub uri: String,
    /// The client's headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The hex SHA-256 of the body, when the caller knows it.
    pub payload_sha256: Option<String>,
    /// The client's address (`aws:SourceIp`).
    pub source_ip: Option<String>,
    /// `https` when the client used TLS (`aws:SecureTransport`).
    pub scheme: Option<String>,
}

/// The answer of `POST /v1/authorize`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerJson {
    /// `Allow` or `Deny`.
    pub decision: &'static str,
    /// Who signed, when authentication succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<PrincipalJson>,
    /// The primary action.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The primary resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// Every action and resource evaluated, with its decision.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckJson>,
    /// The statements that decided.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matched_statements: Vec<StatementJson>,
    /// A policy denial's explanation, for `DecodeAuthorizationMessage`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoded_message: Option<String>,
    /// Why the request could not be authenticated or mapped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorJson>,
}

/// The principal of an answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrincipalJson {
    /// As GetCallerIdentity gives it; `*` for an anonymous request.
    pub arn: String,
    /// The account; `null` for an anonymous request.
    pub account_id: Option<String>,
    /// `aws:userid`; `null` for an anonymous request.
    pub user_id: Option<String>,
    /// The session's tags.
    pub session_tags: BTreeMap<String, String>,
    /// The session's source identity, or `null`.
    pub source_identity: Option<String>,
}

/// One evaluated access.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckJson {
    /// The action.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// The account owning the resource.
    pub resource_account: String,
    /// `Allow` or `Deny`.
    pub decision: &'static str,
    /// `Allow`, `ExplicitDeny` or `ImplicitDeny`.
    pub effect: String,
    /// Why.
    pub reason: String,
}

/// A statement that applied.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementJson {
    /// The policy's id (an ARN, or `user/NAME/inline/POLICY`, …).
    pub policy: String,
    /// Identity, ResourceBased, PermissionBoundary or Session.
    pub layer: String,
    /// The statement's `Sid`, or its index.
    pub statement_id: String,
    /// `Allow` or `Deny`.
    pub effect: String,
    /// The action of the check it applied to.
    pub action: String,
}

/// An error of an answer.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorJson {
    /// AWS's error code.
    pub code: String,
    /// AWS's message.
    pub message: String,
}
