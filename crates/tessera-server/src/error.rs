//! AWS errors: code, message and HTTP status, mapped in one place.

use axum::http::StatusCode;
use std::borrow::Cow;
use tessera_federation::oidc::OidcError;
use tessera_sigv4::SigV4Error;
use tessera_store::StoreError;

/// An error as AWS returns it in `<ErrorResponse>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The AWS error code, e.g. `InvalidClientTokenId`.
    pub code: Cow<'static, str>,
    /// The human-readable message.
    pub message: String,
    /// The constraint violations a `ValidationError` reports, in the order
    /// its message gives them; empty for every other error.
    pub violations: Vec<Violation>,
}

/// One member constraint a request breaks, as a `ValidationError` reports
/// it: `Value 'x' at 'userName' failed to satisfy constraint: …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The value as the message shows it: `'x'`, `null`, or nothing for a
    /// member that carries a credential.
    pub shown: Option<String>,
    /// The member's name in AWS's messages (`userName`, `tags.1.member.key`).
    pub member: String,
    /// The constraint, in AWS's words.
    pub constraint: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.shown {
            Some(shown) => write!(f, "Value {shown} at '{}'", self.member)?,
            None => write!(f, "Value at '{}'", self.member)?,
        }
        write!(f, " failed to satisfy constraint: {}", self.constraint)
    }
}

impl AwsError {
    /// An error with any code and status.
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            violations: Vec::new(),
        }
    }

    /// `Sender` for the client's mistakes, `Receiver` for the server's.
    pub fn fault_type(&self) -> &'static str {
        if self.status.is_server_error() {
            "Receiver"
        } else {
            "Sender"
        }
    }

    /// A body over the limit (413).
    pub fn request_entity_too_large(max: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            format!("Request body must be at most {max} bytes."),
        )
    }

    /// Signed for another service than the one asked (403).
    pub fn wrong_signing_service(service: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            format!("Credential should be scoped to correct service: '{service}'."),
        )
    }

    /// A parameter value of the wrong type (400).
    pub fn malformed_input(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "MalformedInput", message)
    }

    /// A body that is not form data (400).
    pub fn malformed_query_string(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "MalformedQueryString", message)
    }

    /// A parameter given twice (400).
    pub fn invalid_query_parameter(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidQueryParameter", message)
    }

    /// STS: a parameter value it cannot take (400).
    pub fn invalid_parameter_value(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidParameterValue", message)
    }

    /// Session policies and tags beyond the packed size (400).
    pub fn packed_policy_too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "PackedPolicyTooLarge", message)
    }

    /// An MFA code that does not verify (403).
    pub fn invalid_authentication_code() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "InvalidAuthenticationCode",
            "Authentication code for device is not valid.",
        )
    }

    /// Federation: the identity provider's token is not acceptable (400).
    pub fn invalid_identity_token(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidIdentityToken", message)
    }

    /// Federation: the identity provider's token or session has expired (400).
    pub fn expired_token_exception(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ExpiredTokenException", message)
    }

    /// Federation: a claim the trust policy or STS refuses (403).
    pub fn idp_rejected_claim(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "IDPRejectedClaim", message)
    }

    /// `DecodeAuthorizationMessage` of a message it cannot open (400).
    pub fn invalid_authorization_message() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidAuthorizationMessageException",
            "The provided authorization message is invalid.",
        )
    }

    /// S3: a session token that cannot be used (400).
    pub fn s3_invalid_token() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidToken",
            "The provided token is malformed or otherwise invalid.",
        )
    }

    /// S3: an unknown access key (403).
    pub fn s3_invalid_access_key_id() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        )
    }

    /// S3: expired temporary credentials (400).
    pub fn s3_expired_token() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "ExpiredToken",
            "The provided token has expired.",
        )
    }

    /// S3: a signature that does not match (403).
    pub fn s3_signature_does_not_match() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
        )
    }

    /// S3: a presigned URL past its expiry (403).
    pub fn s3_request_expired() -> Self {
        Self::new(StatusCode::FORBIDDEN, "AccessDenied", "Request has expired")
    }

    /// S3: a request signed too far from the server's time (403).
    pub fn s3_request_time_too_skewed() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
        )
    }

    /// No signature at all on an action that needs one.
    pub fn missing_authentication_token() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "MissingAuthenticationToken",
            "Request is missing Authentication Token",
        )
    }

    /// Unknown or unusable access key id or security token.
    pub fn invalid_client_token_id() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        )
    }

    /// A session token past its expiry.
    pub fn expired_token() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "ExpiredToken",
            "The security token included in the request is expired",
        )
    }

    /// The `Action` parameter is absent.
    pub fn missing_action() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "MissingAction",
            "The request is missing an action or a required parameter.",
        )
    }

    /// No such action in this version of the API.
    pub fn invalid_action(action: &str, version: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidAction",
            format!("Could not find operation {action} for version {version}"),
        )
    }

    /// A required parameter is missing (`Version`).
    pub fn missing_parameter(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "MissingParameter",
            format!("The request must contain the parameter {name}"),
        )
    }

    /// A request member fails its constraint, in AWS's wording.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ValidationError", message)
    }

    /// A single member constraint violation: `1 validation error detected: …`.
    pub fn constraint(member: &str, value: Option<&str>, constraint: &str) -> Self {
        let shown = match value {
            Some(v) => format!("'{v}'"),
            None => "null".to_string(),
        };
        Self::violations(vec![Violation {
            shown: Some(shown),
            member: member.to_string(),
            constraint: constraint.to_string(),
        }])
    }

    /// A constraint violation of a member that carries a credential: the
    /// message does not show its value.
    pub fn sensitive_constraint(member: &str, constraint: &str) -> Self {
        Self::violations(vec![Violation {
            shown: None,
            member: member.to_string(),
            constraint: constraint.to_string(),
        }])
    }

    /// The `ValidationError` reporting `violations` together, as AWS does:
    /// `2 validation errors detected: …; …`.
    pub fn violations(violations: Vec<Violation>) -> Self {
        let count = violations.len();
        let listed: Vec<String> = violations.iter().map(ToString::to_string).collect();
        let plural = if count == 1 { "" } else { "s" };
        let mut error = Self::validation(format!(
            "{count} validation error{plural} detected: {}",
            listed.join("; ")
        ));
        error.violations = violations;
        error
    }

    /// The caller is not allowed to do this.
    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "AccessDenied", message)
    }

    /// IAM: the entity does not exist (404).
    pub fn no_such_entity(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NoSuchEntity", message)
    }

    /// IAM: an entity of that name exists (409).
    pub fn entity_already_exists(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "EntityAlreadyExists", message)
    }

    /// IAM: the entity is still in use (409).
    pub fn delete_conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "DeleteConflict", message)
    }

    /// IAM: a quota would be exceeded (409).
    pub fn limit_exceeded(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "LimitExceeded", message)
    }

    /// IAM: a password the account's password policy refuses (400).
    pub fn password_policy_violation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "PasswordPolicyViolation", message)
    }

    /// IAM: a caller of a kind the action does not serve (400).
    pub fn invalid_user_type(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidUserType", message)
    }

    /// IAM: the entity changed meanwhile; the same request may succeed
    /// when tried again (409).
    pub fn entity_temporarily_unmodifiable(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "EntityTemporarilyUnmodifiable",
            message,
        )
    }

    /// A policy document that does not parse or validate (400).
    pub fn malformed_policy_document(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "MalformedPolicyDocument", message)
    }

    /// IAM: the entity may be changed only by the service it is linked to
    /// (400).
    pub fn unmodifiable_entity(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "UnmodifiableEntity", message)
    }

    /// The service cannot answer now, for a temporary failure of its own
    /// (503); the same request may succeed later.
    pub fn service_unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server.",
        )
    }

    /// The caller sent more requests than its rate allows (400); every AWS
    /// SDK retries it with back-off.
    pub fn throttling() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Throttling", "Rate exceeded")
    }

    /// IAM: an invalid parameter value (400).
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidInput", message)
    }

    /// IAM: a certificate (or its chain or private key) that does not parse
    /// or validate, or has expired (400).
    pub fn malformed_certificate(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "MalformedCertificate", message)
    }

    /// IAM: a private key that is not the certificate's (400).
    pub fn key_pair_mismatch(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "KeyPairMismatch", message)
    }

    /// IAM: an SSH public key that is malformed or not acceptable (400).
    pub fn invalid_public_key(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidPublicKey", message)
    }

    /// IAM: an SSH public key in an encoding IAM does not read (400).
    pub fn unrecognized_public_key_encoding(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "UnrecognizedPublicKeyEncoding",
            message,
        )
    }

    /// The server failed; details are logged, never returned.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalFailure",
            "The request processing has failed because of an unknown error, exception or failure.",
        )
    }
}

impl From<SigV4Error> for AwsError {
    fn from(error: SigV4Error) -> Self {
        let message = error.to_string();
        match error {
            SigV4Error::Incomplete(_) | SigV4Error::UnsupportedAlgorithm(_) => {
                Self::new(StatusCode::BAD_REQUEST, "IncompleteSignature", message)
            }
            SigV4Error::BadScope(_)
            | SigV4Error::SignatureExpired { .. }
            | SigV4Error::SignatureNotYetCurrent { .. }
            | SigV4Error::PresignedExpired
            | SigV4Error::SignatureMismatch => {
                Self::new(StatusCode::FORBIDDEN, "SignatureDoesNotMatch", message)
            }
            SigV4Error::InvalidContentSha256 => {
                Self::new(StatusCode::BAD_REQUEST, "InvalidArgument", message)
            }
            SigV4Error::MissingContentSha256 => {
                Self::new(StatusCode::BAD_REQUEST, "InvalidRequest", message)
            }
        }
    }
}

impl From<tessera_policy::PolicyError> for AwsError {
    /// A document that does not parse: `MalformedPolicyDocument`,
    /// `LimitExceeded` or `PackedPolicyTooLarge` with the parser's message.
    fn from(error: tessera_policy::PolicyError) -> Self {
        use tessera_policy::PolicyErrorCode;
        match error.code {
            PolicyErrorCode::LimitExceeded => Self::limit_exceeded(error.message),
            PolicyErrorCode::PackedPolicyTooLarge => Self::packed_policy_too_large(error.message),
            PolicyErrorCode::MalformedPolicyDocument => {
                Self::malformed_policy_document(error.message)
            }
        }
    }
}

impl From<tessera_store::Conflict> for AwsError {
    /// IAM's `DeleteConflict` (409) with its message for what keeps an
    /// entity from being deleted.
    fn from(conflict: tessera_store::Conflict) -> Self {
        use tessera_store::Conflict;
        let message = match conflict {
            Conflict::HasLoginProfile => "Cannot delete entity, must delete login profile first.",
            Conflict::HasAccessKeys => "Cannot delete entity, must delete access keys first.",
            Conflict::HasInlinePolicies => "Cannot delete entity, must delete policies first.",
            Conflict::HasAttachedPolicies => {
                "Cannot delete entity, must detach all policies first."
            }
            Conflict::HasGroupMembers => {
                "Cannot delete entity, must remove users from group first."
            }
            Conflict::HasMfaDevice => "Cannot delete entity, must delete MFA device first.",
            Conflict::HasSigningCertificates => {
                "Cannot delete entity, must delete signing certificates first."
            }
            Conflict::HasSshPublicKeys => {
                "Cannot delete entity, must delete SSH public keys first."
            }
            Conflict::PolicyAttached => "Cannot delete a policy attached to entities.",
            Conflict::PolicyHasVersions => {
                "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy."
            }
            Conflict::DefaultVersion => "Cannot delete the default version of a policy.",
            Conflict::MfaDeviceInUse => "MFA Device is already in use.",
            Conflict::InstanceProfileRole => {
                "Cannot delete entity, must remove roles from instance profile first."
            }
        };
        Self::delete_conflict(message)
    }
}

impl From<tessera_store::Missing> for AwsError {
    /// IAM's `NoSuchEntity` (404) with its message.
    fn from(missing: tessera_store::Missing) -> Self {
        use tessera_store::Missing;
        Self::no_such_entity(match missing {
            Missing::Owner { kind, name } => {
                format!("The {kind} with name {name} cannot be found.")
            }
            Missing::AccessKey(id) => format!("The Access Key with id {id} cannot be found."),
            Missing::InlinePolicy { kind, policy_name } => {
                format!("The {kind} policy with name {policy_name} cannot be found.")
            }
            Missing::Policy(arn) => format!("Policy {arn} was not found."),
            Missing::AttachablePolicy(arn) => {
                format!("Policy {arn} does not exist or is not attachable.")
            }
            Missing::PolicyVersion { arn, version_id } => {
                format!("Policy {arn} version {version_id} does not exist or is not attachable.")
            }
            Missing::OidcProvider(arn) => format!("OpenIDConnect Provider not found for arn {arn}"),
            Missing::SamlProvider(arn) => format!("Manifest not found for arn {arn}"),
            Missing::MfaDevice(serial) => {
                format!("VirtualMFADevice with serial number {serial} doesn't exist.")
            }
            Missing::UserMfaDevice(serial) => {
                format!("MFA Device with serial number {serial} does not exist.")
            }
            Missing::AccountAlias(alias) => format!("The account alias {alias} cannot be found."),
            Missing::SigningCertificate(id) => {
                format!("The Certificate with id {id} cannot be found.")
            }
            Missing::SshPublicKey(id) => format!("The Public Key with id {id} cannot be found."),
            Missing::ServerCertificate(name) => {
                format!("The Server Certificate with name {name} cannot be found.")
            }
            Missing::InstanceProfile(name) => format!("Instance Profile {name} cannot be found."),
            Missing::SealedValue(owner) => format!("no sealed value for {owner}"),
            Missing::LoginProfile(user) => {
                format!("Login Profile for User {user} cannot be found.")
            }
            Missing::PasswordPolicy(account) => {
                format!("The Password Policy with domain name {account} cannot be found.")
            }
        })
    }
}

impl From<tessera_store::Existing> for AwsError {
    /// IAM's `EntityAlreadyExists` (409) with its message; a certificate or
    /// SSH public key uploaded twice is `DuplicateCertificate` (409) or
    /// `DuplicateSSHPublicKey` (400).
    fn from(existing: tessera_store::Existing) -> Self {
        use tessera_store::Existing;
        Self::entity_already_exists(match existing {
            Existing::SigningCertificate => {
                return Self::new(
                    StatusCode::CONFLICT,
                    "DuplicateCertificate",
                    "The request was rejected because the same certificate is associated with an IAM user in the account.",
                );
            }
            Existing::SshPublicKey => {
                return Self::new(
                    StatusCode::BAD_REQUEST,
                    "DuplicateSSHPublicKey",
                    "The request was rejected because the SSH public key is already associated with the specified IAM user.",
                );
            }
            Existing::ServerCertificate(name) => {
                format!("The Server Certificate with name {name} already exists.")
            }
            Existing::User(name) => format!("User with name {name} already exists."),
            Existing::Group(name) => format!("Group with name {name} already exists."),
            Existing::Role(name) => format!("Role with name {name} already exists."),
            Existing::Policy(name) => {
                format!("A policy called {name} already exists. Duplicate names are not allowed.")
            }
            Existing::OidcProvider(url) => {
                format!("Provider with url https://{url} already exists.")
            }
            Existing::SamlProvider(name) => format!("Provider with name {name} already exists."),
            Existing::MfaDevice => {
                "MFADevice entity at the same path and name already exists.".to_string()
            }
            Existing::MfaDeviceInUse => "MFA Device is already in use.".to_string(),
            Existing::AccountAlias(alias) => format!("The account alias {alias} already exists."),
            Existing::LoginProfile(user) => {
                format!("Login Profile for user {user} already exists.")
            }
            Existing::InstanceProfile(name) => format!("Instance Profile {name} already exists."),
            Existing::Other(message) => format!("{message} already exists"),
        })
    }
}

impl From<tessera_store::Quota> for AwsError {
    /// IAM's `LimitExceeded` (409) with its message for a quota.
    fn from(quota: tessera_store::Quota) -> Self {
        use tessera_store::Quota;
        Self::limit_exceeded(match quota {
            Quota::AccessKeysPerUser(n) => {
                format!("Cannot exceed quota for AccessKeysPerUser: {n}")
            }
            Quota::InlinePolicySize {
                owner_kind,
                owner_name,
                max_bytes,
            } => format!(
                "Maximum policy size of {max_bytes} bytes exceeded for {owner_kind} {owner_name}"
            ),
            Quota::PolicyVersions(n) => format!(
                "A managed policy can have up to {n} versions. Before you create a new version, you must delete an existing version."
            ),
            Quota::AttachedPolicies(name, n) => format!("Cannot exceed quota for {name}: {n}"),
            Quota::ClientIdsPerOidcProvider(n) => {
                format!("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {n}")
            }
            Quota::MfaDevicesPerUser(n) => {
                format!("Cannot exceed quota for MFADevicesPerUser: {n}")
            }
            Quota::Tags => "The number of tags has reached the maximum limit.".to_string(),
            Quota::SigningCertificatesPerUser(n) => {
                format!("Cannot exceed quota for CertificatesPerUser: {n}")
            }
            Quota::SshPublicKeysPerUser(n) => {
                format!("Cannot exceed quota for PublicKeysPerUser: {n}")
            }
            Quota::ServerCertificatesPerAccount(n) => {
                format!("Cannot exceed quota for ServerCertificatesPerAccount: {n}")
            }
            Quota::RolesPerInstanceProfile(n) => {
                format!("Cannot exceed quota for InstanceSessionsPerInstanceProfile: {n}")
            }
        })
    }
}

impl From<StoreError> for AwsError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(missing) => Self::from(missing),
            StoreError::Conflict(conflict) => Self::from(conflict),
            StoreError::LimitExceeded(quota) => Self::from(quota),
            StoreError::AlreadyExists(existing) => Self::from(existing),
            StoreError::Database(_) => {
                tracing::error!(%error, "store failure");
                Self::internal()
            }
            StoreError::Unavailable(_) => {
                tracing::error!(%error, "store unavailable");
                Self::service_unavailable()
            }
        }
    }
}

impl From<OidcError> for AwsError {
    fn from(error: OidcError) -> Self {
        match error {
            OidcError::InvalidToken(message) => {
                Self::new(StatusCode::BAD_REQUEST, "InvalidIdentityToken", message)
            }
            OidcError::Expired(message) => {
                Self::new(StatusCode::BAD_REQUEST, "ExpiredTokenException", message)
            }
            OidcError::Communication(message) => {
                Self::new(StatusCode::BAD_REQUEST, "IDPCommunicationError", message)
            }
            OidcError::RejectedClaim(message) => {
                Self::new(StatusCode::FORBIDDEN, "IDPRejectedClaim", message)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unavailable_store_is_a_503_for_the_receiver() {
        let error = AwsError::from(StoreError::Unavailable("connection refused".into()));
        assert_eq!(
            (error.status, error.code.as_ref(), error.fault_type()),
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "Receiver"
            )
        );
        assert!(!error.message.contains("refused"), "{}", error.message);
        let broken = AwsError::from(StoreError::Database("no such table".into()));
        assert_eq!(broken.status, StatusCode::INTERNAL_SERVER_ERROR);
    }
}
