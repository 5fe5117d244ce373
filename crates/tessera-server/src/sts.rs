//! The STS actions, as plain functions over the caller and the parameters.

use crate::{AppState, AwsError, Caller, authz::authorize, params::Params, xml::Xml};
use tessera_token::{
    AccessKeyKind, SessionClaims, SessionPrincipal, account_of_access_key_id, new_access_key_id,
    new_secret_access_key, seal_session_token,
};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// The STS API version.
pub const VERSION: &str = "2011-06-15";

/// The STS actions Tessera serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)] // the wire names, more will follow
pub enum Action {
    /// `GetCallerIdentity`.
    GetCallerIdentity,
    /// `GetAccessKeyInfo`.
    GetAccessKeyInfo,
    /// `GetSessionToken`.
    GetSessionToken,
    /// `DecodeAuthorizationMessage`.
    DecodeAuthorizationMessage,
}

impl Action {
    /// The action named `name`, if served.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "GetCallerIdentity" => Some(Self::GetCallerIdentity),
            "GetAccessKeyInfo" => Some(Self::GetAccessKeyInfo),
            "GetSessionToken" => Some(Self::GetSessionToken),
            "DecodeAuthorizationMessage" => Some(Self::DecodeAuthorizationMessage),
            _ => None,
        }
    }

    /// Whether AWS serves the action without a signature.
    pub fn allows_anonymous(name: &str) -> bool {
        matches!(name, "AssumeRoleWithWebIdentity" | "AssumeRoleWithSAML")
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
        Action::GetCallerIdentity => Ok(get_caller_identity(state, caller)),
        Action::GetAccessKeyInfo => get_access_key_info(state, caller, params).await,
        Action::GetSessionToken => get_session_token(state, caller, params),
        Action::DecodeAuthorizationMessage => {
            decode_authorization_message(state, caller, params).await
        }
    }
}

/// `GetCallerIdentity`: needs no permission, as in AWS.
fn get_caller_identity(state: &AppState, caller: &Caller) -> Vec<Xml> {
    let (user_id, arn) = caller.identity(state.partition());
    vec![
        Xml::text("UserId", user_id),
        Xml::text("Account", caller.account_id()),
        Xml::text("Arn", arn),
    ]
}

/// `GetAccessKeyInfo`: the account that owns any `AKIA`/`ASIA` key id.
async fn get_access_key_info(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let key_id = params.required("AccessKeyId", "accessKeyId")?;
    if !(16..=128).contains(&key_id.len()) {
        return Err(AwsError::constraint(
            "accessKeyId",
            Some(key_id),
            "Member must have length between 16 and 128",
        ));
    }
    if !key_id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(AwsError::constraint(
            "accessKeyId",
            Some(key_id),
            "Member must satisfy regular expression pattern: [\\w]*",
        ));
    }
    authorize(
        state,
        caller,
        "sts:GetAccessKeyInfo",
        "*",
        caller.account_id(),
    )
    .await?;
    let stored = match AccessKeyKind::of(key_id) {
        Some(AccessKeyKind::LongTerm) => state
            .store()
            .access_key(key_id)
            .await?
            .map(|k| k.account_id),
        _ => None,
    };
    let account = stored
        .or_else(|| account_of_access_key_id(key_id))
        .ok_or_else(|| AwsError::validation(format!("The access key ID {key_id} is not valid.")))?;
    Ok(vec![Xml::text("Account", account)])
}

/// `DecodeAuthorizationMessage`: the JSON behind an encoded
/// authorization failure message of the caller's account.
async fn decode_authorization_message(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let encoded = params.required("EncodedMessage", "encodedMessage")?;
    if encoded.is_empty() || encoded.len() > 10_240 {
        return Err(AwsError::constraint(
            "encodedMessage",
            Some(encoded),
            "Member must have length less than or equal to 10240",
        ));
    }
    authorize(
        state,
        caller,
        "sts:DecodeAuthorizationMessage",
        "*",
        caller.account_id(),
    )
    .await?;
    let decoded = crate::authz::decode_authorization_message(state, caller.account_id(), encoded)
        .ok_or_else(|| {
        AwsError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "InvalidAuthorizationMessageException",
            "The provided authorization message is invalid.",
        )
    })?;
    Ok(vec![Xml::text("DecodedMessage", decoded)])
}

/// The longest GetSessionToken session of an IAM user (36 hours).
const MAX_USER_SESSION: i64 = 129_600;
/// Root sessions are capped at one hour: longer requests get one hour.
const MAX_ROOT_SESSION: i64 = 3_600;
const DEFAULT_USER_SESSION: i64 = 43_200;

/// `GetSessionToken`: temporary credentials for a root user or IAM user.
fn get_session_token(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let requested = params.integer("DurationSeconds", "durationSeconds", 900, MAX_USER_SESSION)?;
    let principal = match caller {
        Caller::Root { account_id, .. } => SessionPrincipal::Root {
            account_id: account_id.clone(),
        },
        Caller::User { user, .. } => SessionPrincipal::User {
            account_id: user.account_id.clone(),
            user_id: user.user_id.clone(),
            user_name: user.name.clone(),
            path: user.path.clone(),
        },
        Caller::Session(_) => {
            return Err(AwsError::access_denied(
                "Cannot call GetSessionToken with session credentials",
            ));
        }
    };
    let duration = match principal {
        SessionPrincipal::Root { .. } => {
            requested.unwrap_or(MAX_ROOT_SESSION).min(MAX_ROOT_SESSION)
        }
        _ => requested.unwrap_or(DEFAULT_USER_SESSION),
    };
    if params.get("SerialNumber").is_some() || params.get("TokenCode").is_some() {
        // No MFA device can be registered yet, so no code can be valid.
        return Err(AwsError::access_denied(
            "MultiFactorAuthentication failed with invalid MFA one time pass code.",
        ));
    }
    let now = state.now();
    let claims = SessionClaims {
        access_key_id: new_access_key_id(AccessKeyKind::Temporary, principal.account_id())
            .map_err(internal)?,
        secret_access_key: new_secret_access_key().map_err(internal)?,
        principal,
        issued_at: now.unix_timestamp(),
        expires_at: now.unix_timestamp() + duration,
        session_policies: Vec::new(),
        policy_arns: Vec::new(),
        tags: Vec::new(),
        transitive_tag_keys: Vec::new(),
        source_identity: None,
        mfa_authenticated_at: None,
        chain_depth: 0,
    };
    Ok(vec![credentials(state, &claims)?])
}

/// The `<Credentials>` element for a new session.
fn credentials(state: &AppState, claims: &SessionClaims) -> Result<Xml, AwsError> {
    let token = seal_session_token(&state.keys().current(), claims).map_err(internal)?;
    let expiration = OffsetDateTime::from_unix_timestamp(claims.expires_at).map_err(internal)?;
    Ok(Xml::node(
        "Credentials",
        vec![
            Xml::text("AccessKeyId", claims.access_key_id.clone()),
            Xml::text("SecretAccessKey", claims.secret_access_key.clone()),
            Xml::text("SessionToken", token),
            Xml::text("Expiration", iso8601(expiration)),
        ],
    ))
}

/// ISO 8601 in UTC with a `Z`, as AWS writes timestamps.
pub fn iso8601(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(at)
        .format(&Rfc3339)
        .unwrap_or_default()
}

fn internal(error: impl std::fmt::Display) -> AwsError {
    tracing::error!(%error, "failed to mint credentials");
    AwsError::internal()
}
