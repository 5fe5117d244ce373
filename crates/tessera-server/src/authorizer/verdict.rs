//! One decision for a resource server's request: authenticate it exactly
//! as the API does (under the service's signing rules), map it with its
//! service profile, and decide every access it needs with the caller's
//! identity, boundary and session policies and the resource's policy.

use super::{
    json::{CheckJson, PrincipalJson, StatementJson},
    original::OriginalRequest,
};
use crate::{
    AppState, AwsError, Caller, auth,
    authz::{self, LoadedCaller, ServiceAccess},
};
use std::collections::BTreeMap;
use tessera_authz::{Access, ResourceRequest, UriRule};
use tessera_policy::ContextValue;
use tessera_sigv4::{Authentication, AuthenticationForm, HttpRequest, SigV4Error, SigningRules};
use tessera_token::AccessKeyKind;

/// What is asked about a request.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// Map the request with the service profile of this name.
    Service(&'a str),
    /// Decide this action on this resource, with these condition keys.
    Explicit {
        /// `prefix:Name`; the prefix must be the credential scope's service.
        action: &'a str,
        /// The resource ARN.
        resource: &'a str,
        /// Condition keys to their values.
        context: &'a BTreeMap<String, Vec<String>>,
    },
}

/// How a request came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every access is allowed.
    Allowed,
    /// A policy (or the absence of one) denies an access.
    Denied,
    /// Authentication was presented but cannot be used.
    Unauthenticated,
    /// The service is unknown or the request cannot be mapped.
    Refused,
    /// The server could not decide (its store failed): fails closed.
    Failed,
}

/// The decision about one request, with what the answers show.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// How it came out.
    pub outcome: Outcome,
    /// Whether the service is S3 (its error shape and codes).
    pub s3: bool,
    /// The error of anything but [`Outcome::Allowed`].
    pub error: Option<AwsError>,
    /// Who signed (anonymous: ARN `*`), once authenticated.
    pub principal: Option<PrincipalJson>,
    /// The primary action and resource.
    pub primary: Option<(String, String)>,
    /// Every access evaluated.
    pub checks: Vec<CheckJson>,
    /// The statements that decided.
    pub statements: Vec<StatementJson>,
    /// The encoded explanation of a policy denial.
    pub encoded_message: Option<String>,
}

impl Verdict {
    /// A verdict reached before any policy was evaluated.
    pub(super) fn without_decision(outcome: Outcome, s3: bool, error: AwsError) -> Self {
        Self {
            outcome,
            s3,
            error: Some(error),
            principal: None,
            primary: None,
            checks: Vec::new(),
            statements: Vec::new(),
            encoded_message: None,
        }
    }
}

/// S3's codes and messages for authentication failures.
fn s3_authentication_error(error: AwsError, auth: Option<&Authentication>) -> AwsError {
    let temporary =
        auth.is_some_and(|a| AccessKeyKind::of(&a.access_key_id) == Some(AccessKeyKind::Temporary));
    match error.code.as_ref() {
        "InvalidClientTokenId" if temporary => AwsError::s3_invalid_token(),
        "InvalidClientTokenId" => AwsError::s3_invalid_access_key_id(),
        "ExpiredToken" => AwsError::s3_expired_token(),
        // The signature itself, not a malformed scope (which keeps its
        // message).
        _ if error == AwsError::from(SigV4Error::SignatureMismatch) => {
            AwsError::s3_signature_does_not_match()
        }
        _ => error,
    }
}

/// The time check first, so that its failure has S3's own code.
fn time_error(error: SigV4Error, s3: bool) -> AwsError {
    match error {
        SigV4Error::PresignedExpired if s3 => AwsError::s3_request_expired(),
        SigV4Error::SignatureExpired { .. } | SigV4Error::SignatureNotYetCurrent { .. } if s3 => {
            AwsError::s3_request_time_too_skewed()
        }
        other => other.into(),
    }
}

/// Condition keys the credentials and the clock establish: a JSON call's
/// `context` may not set them (it would speak for the caller).
const ESTABLISHED_KEYS: &[&str] = &[
    "aws:currenttime",
    "aws:epochtime",
    "aws:federatedprovider",
    "aws:multifactorauthage",
    "aws:multifactorauthpresent",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalisawsservice",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalservicename",
    "aws:principaltype",
    "aws:sourceidentity",
    "aws:tokenissuetime",
    "aws:userid",
    "aws:username",
];

/// Whether a JSON call's `context` may set `key`.
fn settable(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    !(ESTABLISHED_KEYS.contains(&lower.as_str()) || lower.starts_with("aws:principaltag/"))
}

/// The account in an ARN's fifth field, if it is one.
fn arn_account(arn: &str) -> Option<&str> {
    let account = arn.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
}

/// The keys S3 sets from a request's authentication.
fn s3_authentication_keys(
    state: &AppState,
    auth: &Authentication,
    request: &OriginalRequest,
) -> Vec<(String, ContextValue)> {
    let (auth_type, payload) = match auth.form {
        AuthenticationForm::Header => (
            "REST-HEADER",
            tessera_sigv4::declared_payload_hash(&request.headers).map(str::to_string),
        ),
        AuthenticationForm::Presigned { .. } => {
            ("REST-QUERY-STRING", Some("UNSIGNED-PAYLOAD".to_string()))
        }
    };
    let age = (state.now() - auth.timestamp).whole_milliseconds().max(0);
    let mut keys = vec![
        ("s3:authType".to_string(), auth_type.into()),
        (
            "s3:signatureversion".to_string(),
            tessera_sigv4::ALGORITHM.into(),
        ),
        ("s3:signatureAge".to_string(), age.to_string().into()),
    ];
    if let Some(payload) = payload {
        keys.push(("s3:x-amz-content-sha256".to_string(), payload.into()));
    }
    keys
}

/// The global keys the request's environment sets.
fn environment_keys(request: &OriginalRequest) -> Vec<(String, ContextValue)> {
    let mut keys = vec![("aws:SecureTransport".to_string(), request.secure.into())];
    if let Some(ip) = request.source_ip {
        keys.push(("aws:SourceIp".to_string(), ip.to_string().into()));
    }
    for (header, key) in [("user-agent", "aws:UserAgent"), ("referer", "aws:Referer")] {
        if let Some(value) = request.headers.get(header).and_then(|v| v.to_str().ok()) {
            keys.push((key.to_string(), value.into()));
        }
    }
    keys
}

fn principal_json(state: &AppState, caller: &Caller) -> PrincipalJson {
    let (user_id, arn) = caller.identity(state.partition());
    let (session_tags, source_identity) = match caller {
        Caller::Session(claims) => (
            claims
                .tags
                .iter()
                .map(|t| (t.key.clone(), t.value.clone()))
                .collect(),
            claims.source_identity.clone(),
        ),
        _ => (BTreeMap::new(), None),
    };
    PrincipalJson {
        arn,
        account_id: Some(caller.account_id().to_string()),
        user_id: Some(user_id),
        session_tags,
        source_identity,
    }
}

fn anonymous_json() -> PrincipalJson {
    PrincipalJson {
        arn: "*".to_string(),
        account_id: None,
        user_id: None,
        session_tags: BTreeMap::new(),
        source_identity: None,
    }
}

/// The resource policy that governs `resource`: the ARN it is attached to
/// and the policy (`None` if it cannot be read). Memory only.
fn governing_policy(
    state: &AppState,
    resource: &str,
) -> Option<(String, Option<std::sync::Arc<tessera_policy::Policy>>)> {
    let holder = state.authz_services().policy_holder(resource)?;
    match state.resource_policies().get(&holder) {
        crate::ResourcePolicyLookup::Absent => None,
        crate::ResourcePolicyLookup::Policy(loaded) => Some((holder, Some(loaded.policy.clone()))),
        crate::ResourcePolicyLookup::Unreadable => Some((holder, None)),
    }
}

/// Decides `target` for `request`.
pub async fn authorize(state: &AppState, target: Target<'_>, request: &OriginalRequest) -> Verdict {
    let services = state.authz_services();
    let http_request = HttpRequest {
        method: &request.method,
        path: &request.path,
        query: &request.query,
        headers: &request.headers,
        body: &[],
    };
    let parsed = tessera_sigv4::parse(&http_request);
    let region = parsed
        .as_ref()
        .ok()
        .and_then(Option::as_ref)
        .map(|a| a.scope.region.as_str());

    let (accesses, signing_name, s3) = match target {
        Target::Service(name) => {
            let resource_request = ResourceRequest {
                method: &request.method,
                host: &request.host,
                path: &request.path,
                query: &request.query,
                headers: &request.headers,
                region,
            };
            match services.map(name, &resource_request) {
                Ok(mapping) => {
                    let s3 = mapping.uri_rule == UriRule::S3;
                    (mapping.accesses, mapping.signing_name, s3)
                }
                Err(error) => {
                    let s3 = services.signing_name(name) == Some("s3");
                    return Verdict::without_decision(
                        Outcome::Refused,
                        s3,
                        AwsError::access_denied(error.to_string()),
                    );
                }
            }
        }
        Target::Explicit {
            action,
            resource,
            context,
        } => {
            let Some((prefix, name)) = action.split_once(':') else {
                return Verdict::without_decision(
                    Outcome::Refused,
                    false,
                    AwsError::validation(format!("{action:?} is not an action (prefix:Name)")),
                );
            };
            if prefix.is_empty() || name.is_empty() || resource.is_empty() {
                return Verdict::without_decision(
                    Outcome::Refused,
                    false,
                    AwsError::validation("action and resource must not be empty"),
                );
            }
            if let Some(key) = context.keys().find(|key| !settable(key)) {
                return Verdict::without_decision(
                    Outcome::Refused,
                    false,
                    AwsError::validation(format!(
                        "context may not set {key}: the credentials establish it"
                    )),
                );
            }
            let account = services
                .owner_of(resource)
                .or_else(|| arn_account(resource))
                .map(str::to_string);
            let access = Access {
                action: action.to_string(),
                resource: resource.to_string(),
                resource_account: account,
                keys: context
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            };
            let s3 = prefix.eq_ignore_ascii_case("s3");
            (vec![access], prefix.to_ascii_lowercase(), s3)
        }
    };
    let primary = accesses
        .first()
        .map(|a| (a.action.clone(), a.resource.clone()));
    let unauthenticated = |error: AwsError, auth: Option<&Authentication>| {
        let error = if s3 {
            s3_authentication_error(error, auth)
        } else {
            error
        };
        let mut verdict = Verdict::without_decision(Outcome::Unauthenticated, s3, error);
        verdict.primary = primary.clone();
        verdict
    };

    let authentication = match parsed {
        Err(error) => return unauthenticated(error.into(), None),
        Ok(authentication) => authentication,
    };
    let caller = match &authentication {
        None => None,
        Some(auth) => {
            if auth.scope.service != signing_name {
                return unauthenticated(AwsError::wrong_signing_service(&signing_name), Some(auth));
            }
            let rules = match (&request.payload_sha256, s3) {
                (_, true) => SigningRules::s3(),
                (Some(hash), false) => SigningRules::service().with_payload_hash(hash.clone()),
                (None, false) => SigningRules::service(),
            };
            if let Err(error) = auth.check_time_with(state.now(), &rules) {
                return unauthenticated(time_error(error, s3), Some(auth));
            }
            match auth::authenticate_with(state, &http_request, auth, &rules).await {
                Ok(caller) => Some(caller),
                Err(error) if error.status.is_server_error() => {
                    return Verdict::without_decision(Outcome::Failed, s3, error);
                }
                Err(error) => return unauthenticated(error, Some(auth)),
            }
        }
    };
    let loaded = match &caller {
        Some(caller) => match LoadedCaller::load(state, caller).await {
            Ok(loaded) => Some(loaded),
            Err(error) => return Verdict::without_decision(Outcome::Failed, s3, error),
        },
        None => None,
    };

    let mut common = environment_keys(request);
    if let Some(auth) = &authentication
        && s3
    {
        common.extend(s3_authentication_keys(state, auth, request));
    }
    let mut verdict = Verdict {
        outcome: Outcome::Allowed,
        s3,
        error: None,
        principal: Some(match &caller {
            Some(caller) => principal_json(state, caller),
            None => anonymous_json(),
        }),
        primary,
        checks: Vec::with_capacity(accesses.len()),
        statements: Vec::new(),
        encoded_message: None,
    };
    for access in &accesses {
        let resource_account = match (&access.resource_account, &caller) {
            (Some(account), _) => account.as_str(),
            (None, Some(caller)) => caller.account_id(),
            (None, None) => "",
        };
        let held = governing_policy(state, &access.resource);
        let mut keys = common.clone();
        keys.extend(
            access
                .keys
                .iter()
                .map(|(key, values)| (key.clone(), ContextValue::from(values.clone()))),
        );
        let service_access = ServiceAccess {
            action: &access.action,
            resource: &access.resource,
            resource_account,
            resource_policy: held
                .as_ref()
                .map(|(id, policy)| (id.as_str(), policy.as_deref())),
            keys: &keys,
        };
        let evaluation = authz::evaluate_access(state, loaded.as_ref(), &service_access);
        for statement in &evaluation.decision.statements {
            verdict.statements.push(StatementJson {
                policy: statement.policy_id.clone(),
                layer: format!("{:?}", statement.layer),
                statement_id: statement
                    .sid
                    .clone()
                    .unwrap_or_else(|| statement.index.to_string()),
                effect: statement.effect.to_string(),
                action: access.action.clone(),
            });
        }
        verdict.checks.push(CheckJson {
            action: access.action.clone(),
            resource: access.resource.clone(),
            resource_account: resource_account.to_string(),
            decision: if evaluation.allowed { "Allow" } else { "Deny" },
            effect: if evaluation.allowed {
                "Allow".to_string()
            } else {
                match evaluation.decision.effect {
                    tessera_policy::DecisionEffect::ExplicitDeny => "ExplicitDeny".to_string(),
                    _ => "ImplicitDeny".to_string(),
                }
            },
            reason: evaluation.decision.reason.to_string(),
        });
        if !evaluation.allowed && verdict.outcome == Outcome::Allowed {
            verdict.outcome = Outcome::Denied;
            let message = match &loaded {
                Some(loaded) => authz::denial_message(
                    state,
                    loaded.caller(),
                    &evaluation.context,
                    &evaluation.decision,
                ),
                None if s3 => "Access Denied".to_string(),
                None => format!(
                    "Anonymous is not authorized to perform: {} on resource: {}",
                    access.action, access.resource
                ),
            };
            verdict.encoded_message = message
                .split_once("Encoded authorization failure message: ")
                .map(|(_, encoded)| encoded.to_string());
            verdict.error = Some(AwsError::access_denied(message));
        }
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_context_cannot_speak_for_the_caller() {
        for key in [
            "aws:PrincipalArn",
            "AWS:userid",
            "aws:PrincipalTag/team",
            "aws:CurrentTime",
        ] {
            assert!(!settable(key), "{key}");
        }
        for key in [
            "aws:SourceIp",
            "aws:RequestTag/team",
            "orders:Channel",
            "s3:prefix",
        ] {
            assert!(settable(key), "{key}");
        }
    }
}
