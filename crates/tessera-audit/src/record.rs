//! One audit record, shaped like CloudTrail's (`eventVersion` 1.08).

use serde::Serialize;
use serde_json::{Value, value::RawValue};

/// One call or decision.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    /// The record format's version, CloudTrail's.
    pub event_version: &'static str,
    /// Who made the request.
    pub user_identity: UserIdentity,
    /// When (ISO 8601, UTC, seconds).
    pub event_time: String,
    /// `sts.amazonaws.com`, `iam.amazonaws.com`, or the authorizer's
    /// service name.
    pub event_source: String,
    /// The action.
    pub event_name: String,
    /// The region the request was signed for (`us-east-1` when unsigned).
    pub aws_region: String,
    /// The source address (the client's, behind trusted proxies).
    #[serde(rename = "sourceIPAddress")]
    pub source_ip_address: String,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
    /// The AWS error code of the response, if it was an error.
    pub error_code: Option<String>,
    /// Its message.
    pub error_message: Option<String>,
    /// The request's parameters, secrets hidden.
    pub request_parameters: Option<Value>,
    /// What the response held, secrets hidden, as JSON written once (see
    /// [`serde_json::value::to_raw_value`]); for the calls that issue
    /// credentials, the issued access key id.
    pub response_elements: Option<Box<RawValue>>,
    /// The request id the response carried.
    #[serde(rename = "requestID")]
    pub request_id: String,
    /// This record's own id.
    #[serde(rename = "eventID")]
    pub event_id: String,
    /// Whether the action only reads.
    pub read_only: bool,
    /// `AwsApiCall`, or `AwsServiceEvent` for an authorizer decision.
    pub event_type: &'static str,
    /// The account the request was for.
    pub recipient_account_id: Option<String>,
}

/// The `userIdentity` element.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIdentity {
    /// `Root`, `IAMUser`, `AssumedRole`, `FederatedUser`,
    /// `WebIdentityUser`, `SAMLUser`, or `Unknown` for a request that did
    /// not authenticate.
    #[serde(rename = "type")]
    pub kind: String,
    /// The unique id: the account id (root), `AIDA…`, `AROA…:SESSION`,
    /// `ACCOUNT:NAME`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    /// The principal's ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// Its account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The access key that signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    /// An IAM user's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// Temporary credentials: how they were obtained.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_context: Option<SessionContext>,
}

/// The `sessionContext` of temporary credentials.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionContext {
    /// The entity whose credentials these are (a role, a user, the root).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_issuer: Option<SessionIssuer>,
    /// `mfaAuthenticated` and `creationDate`.
    pub attributes: SessionAttributes,
    /// The session's source identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_identity: Option<String>,
}

/// The `sessionContext.attributes` element.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionAttributes {
    /// When the credentials were issued (ISO 8601).
    pub creation_date: String,
    /// `"true"` or `"false"`, as CloudTrail writes it.
    pub mfa_authenticated: String,
}

/// The `sessionContext.sessionIssuer` element.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionIssuer {
    /// `Role`, `IAMUser` or `Root`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its unique id.
    pub principal_id: String,
    /// Its ARN.
    pub arn: String,
    /// Its account.
    pub account_id: String,
    /// Its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
}

impl SessionContext {
    /// A context issued at `creation_date`, with or without MFA.
    pub fn new(creation_date: String, mfa_authenticated: bool) -> Self {
        Self {
            session_issuer: None,
            attributes: SessionAttributes {
                creation_date,
                mfa_authenticated: mfa_authenticated.to_string(),
            },
            source_identity: None,
        }
    }
}

impl AuditRecord {
    /// The record as one line of JSON, with its newline.
    pub fn to_line(&self) -> Vec<u8> {
        // Room for a record with credentials in it, so that it is written
        // without growing.
        let mut line = Vec::with_capacity(2048);
        if serde_json::to_writer(&mut line, self).is_err() {
            line.clear();
            line.extend_from_slice(b"{}");
        }
        line.push(b'\n');
        line
    }
}
