//! The STS actions, as plain functions over the caller and the parameters.

mod assume_role;
mod decode;
mod federated;
mod federation_token;
mod identity;
mod inputs;
mod saml;
mod session_token;
mod web_identity;

use crate::{AppState, AwsError, Caller, params::Params, xml::Xml};
use tessera_token::{
    AccessKeyKind, SessionClaims, new_access_key_id, new_secret_access_key, seal_session_token,
};
use time::OffsetDateTime;

/// The STS API version.
pub const VERSION: &str = "2011-06-15";

/// The STS actions Tessera serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `GetCallerIdentity`.
    GetCallerIdentity,
    /// `GetAccessKeyInfo`.
    GetAccessKeyInfo,
    /// `GetSessionToken`.
    GetSessionToken,
    /// `DecodeAuthorizationMessage`.
    DecodeAuthorizationMessage,
    /// `AssumeRole`.
    AssumeRole,
    /// `GetFederationToken`.
    GetFederationToken,
    /// `AssumeRoleWithWebIdentity` (unsigned).
    AssumeRoleWithWebIdentity,
    /// `AssumeRoleWithSAML` (unsigned).
    AssumeRoleWithSaml,
}

impl Action {
    /// The action named `name`, if served.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "GetCallerIdentity" => Some(Self::GetCallerIdentity),
            "GetAccessKeyInfo" => Some(Self::GetAccessKeyInfo),
            "GetSessionToken" => Some(Self::GetSessionToken),
            "DecodeAuthorizationMessage" => Some(Self::DecodeAuthorizationMessage),
            "AssumeRole" => Some(Self::AssumeRole),
            "GetFederationToken" => Some(Self::GetFederationToken),
            "AssumeRoleWithWebIdentity" => Some(Self::AssumeRoleWithWebIdentity),
            "AssumeRoleWithSAML" => Some(Self::AssumeRoleWithSaml),
            _ => None,
        }
    }

    /// Whether AWS serves the action named `name` without a signature: the
    /// actions that are [`Action::is_anonymous`].
    pub fn allows_anonymous(name: &str) -> bool {
        Self::from_name(name).is_some_and(Self::is_anonymous)
    }

    /// Whether the action ignores who signed the request: the credentials
    /// it hands out come from a token in the parameters.
    pub fn is_anonymous(self) -> bool {
        matches!(
            self,
            Self::AssumeRoleWithWebIdentity | Self::AssumeRoleWithSaml
        )
    }
}

/// Runs an action that needs no caller ([`Action::is_anonymous`]); any
/// other action is `MissingAuthenticationToken`.
pub async fn dispatch_anonymous(
    state: &AppState,
    action: Action,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    match action {
        Action::AssumeRoleWithWebIdentity => {
            web_identity::assume_role_with_web_identity(state, params).await
        }
        Action::AssumeRoleWithSaml => saml::assume_role_with_saml(state, params).await,
        _ => Err(AwsError::missing_authentication_token()),
    }
}

/// Runs `action` for `caller`; returns the children of `<ActionResult>`.
pub async fn dispatch(
    state: &AppState,
    caller: &Caller,
    action: Action,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    match action {
        Action::GetCallerIdentity => Ok(identity::get_caller_identity(state, caller)),
        Action::GetAccessKeyInfo => identity::get_access_key_info(state, caller, params).await,
        Action::GetSessionToken => session_token::get_session_token(state, caller, params).await,
        Action::DecodeAuthorizationMessage => {
            decode::decode_authorization_message(state, caller, params).await
        }
        Action::AssumeRole => assume_role::assume_role(state, caller, params).await,
        Action::GetFederationToken => {
            federation_token::get_federation_token(state, caller, params).await
        }
        Action::AssumeRoleWithWebIdentity | Action::AssumeRoleWithSaml => {
            dispatch_anonymous(state, action, params).await
        }
    }
}

/// New temporary credentials for `principal`, valid `duration` seconds from
/// now; the caller fills in the rest of the claims.
pub(super) fn new_claims(
    state: &AppState,
    principal: tessera_token::SessionPrincipal,
    duration: i64,
) -> Result<SessionClaims, AwsError> {
    let now = state.now().unix_timestamp();
    Ok(SessionClaims {
        access_key_id: new_access_key_id(AccessKeyKind::Temporary, principal.account_id())
            .map_err(internal)?,
        secret_access_key: new_secret_access_key().map_err(internal)?,
        principal,
        issued_at: now,
        expires_at: now + duration,
        session_policies: Vec::new(),
        policy_arns: Vec::new(),
        tags: Vec::new(),
        transitive_tag_keys: Vec::new(),
        source_identity: None,
        mfa_authenticated_at: None,
        chain_depth: 0,
    })
}

/// The `<Credentials>` element for a new session.
pub(super) fn credentials(state: &AppState, claims: &SessionClaims) -> Result<Xml, AwsError> {
    let token = seal_session_token(&state.keys().current(), claims).map_err(internal)?;
    let expiration = OffsetDateTime::from_unix_timestamp(claims.expires_at)
        .map_err(internal)?
        .unix_timestamp();
    Ok(Xml::node(
        "Credentials",
        vec![
            Xml::text("AccessKeyId", claims.access_key_id.clone()),
            Xml::text("SecretAccessKey", claims.secret_access_key.clone()),
            Xml::text("SessionToken", token),
            Xml::text("Expiration", crate::xml::iso8601(expiration)),
        ],
    ))
}

pub(super) fn internal(error: impl std::fmt::Display) -> AwsError {
    tracing::error!(%error, "failed to mint credentials");
    AwsError::internal()
}
