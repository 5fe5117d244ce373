//! Authentication: from a request's SigV4 to a [`Caller`].
//!
//! Long-term keys are looked up in the store and their sealed secret opened
//! with the key ring; temporary keys are verified statelessly from their
//! session token. In both cases the signature is checked before anything
//! the credentials claim is believed.

use crate::{AppState, AwsError, Caller};
use tessera_sigv4::{Authentication, HttpRequest, SigningRules};
use tessera_store::{AccessKeyStatus, SessionOwner, Standing};
use tessera_token::{AccessKeyKind, SessionPrincipal, open_session_token, token_key_id};

/// How stale a long-term key's "last used" record may get before it is
/// written again (bounds store writes under load).
const LAST_USED_GRANULARITY: i64 = 60;

/// Authenticates a signed request to the STS or IAM API.
pub async fn authenticate(
    state: &AppState,
    request: &HttpRequest<'_>,
    auth: &Authentication,
) -> Result<Caller, AwsError> {
    authenticate_with(state, request, auth, &SigningRules::query_api()).await
}

/// Authenticates a request signed as `rules` describe (S3's canonical URI
/// and payload hash, another service's, or the Query APIs').
pub async fn authenticate_with(
    state: &AppState,
    request: &HttpRequest<'_>,
    auth: &Authentication,
    rules: &SigningRules,
) -> Result<Caller, AwsError> {
    let caller = match AccessKeyKind::of(&auth.access_key_id) {
        Some(AccessKeyKind::LongTerm) => long_term(state, request, auth, rules).await?,
        Some(AccessKeyKind::Temporary) => temporary(state, request, auth, rules).await?,
        None => return Err(AwsError::invalid_client_token_id()),
    };
    auth.check_time_with(state.now(), rules)?;
    check_revocation(state, &caller).await?;
    Ok(caller)
}

/// How long recording an access key's use may hold a request up.
const RECORD_USE_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(300);

async fn long_term(
    state: &AppState,
    request: &HttpRequest<'_>,
    auth: &Authentication,
    rules: &SigningRules,
) -> Result<Caller, AwsError> {
    if auth.security_token.is_some() {
        return Err(AwsError::invalid_client_token_id());
    }
    let record = state
        .store()
        .access_key(&auth.access_key_id)
        .await?
        .ok_or_else(AwsError::invalid_client_token_id)?;
    // A secret the key ring cannot open is the operator's problem (a lost
    // or foreign key ring, a damaged store), logged as such; to the client
    // the key is simply not valid.
    let secret = state
        .keys()
        .open_stored_secret(&record.access_key_id, &record.sealed_secret)
        .await
        .map_err(|error| {
            tracing::error!(
                %error,
                access_key_id = %record.access_key_id,
                key_id = ?tessera_token::sealed_secret_key_id(&record.sealed_secret),
                "the stored secret of an access key cannot be opened with the key ring"
            );
            AwsError::invalid_client_token_id()
        })?;
    state
        .signing_keys()
        .verify_with(request, auth, &secret, rules)?;
    if record.status != AccessKeyStatus::Active {
        return Err(AwsError::invalid_client_token_id());
    }
    let now = state.now().unix_timestamp();
    if record
        .last_used
        .as_ref()
        .is_none_or(|(at, _, _)| now - at >= LAST_USED_GRANULARITY)
    {
        // When a key was last used is for reports: a store that cannot
        // record it now, or not quickly, does not refuse or hold up the
        // request.
        let recorded = tokio::time::timeout(
            RECORD_USE_TIMEOUT,
            state.store().record_access_key_use(
                &record.access_key_id,
                now,
                &auth.scope.service,
                &auth.scope.region,
            ),
        )
        .await;
        if !matches!(recorded, Ok(Ok(()))) {
            tracing::warn!(access_key_id = %record.access_key_id, "the use of an access key was not recorded");
        }
    }
    match record.user_id {
        None => Ok(Caller::Root {
            account_id: record.account_id,
            access_key_id: record.access_key_id,
        }),
        Some(user_id) => {
            // A key whose user is gone authenticates nothing.
            let user = state
                .store()
                .user_by_id(&user_id)
                .await?
                .ok_or_else(AwsError::invalid_client_token_id)?;
            Ok(Caller::User {
                user: Box::new(user),
                access_key_id: record.access_key_id,
            })
        }
    }
}

async fn temporary(
    state: &AppState,
    request: &HttpRequest<'_>,
    auth: &Authentication,
    rules: &SigningRules,
) -> Result<Caller, AwsError> {
    let token = auth
        .security_token
        .as_deref()
        .ok_or_else(AwsError::invalid_client_token_id)?;
    let ring = match token_key_id(token) {
        Some(id) => state.keys().with_key(id).await,
        None => return Err(AwsError::invalid_client_token_id()),
    };
    let claims = open_session_token(&ring, token, &auth.access_key_id)
        .map_err(|_| AwsError::invalid_client_token_id())?;
    state
        .signing_keys()
        .verify_with(request, auth, &claims.secret_access_key, rules)?;
    if state.now().unix_timestamp() >= claims.expires_at {
        return Err(AwsError::expired_token());
    }
    Ok(Caller::Session(Box::new(claims)))
}

/// Refuses a session whose user, role or account no longer exists (its
/// credentials authenticate nothing, so a deleted principal's sessions can
/// neither act nor be trusted), and a session issued at or before a
/// revocation mark of its principal. One indexed read of the store on every
/// use, keyed by unique ids, so a deletion or revocation takes effect on
/// every node at once and a rename changes nothing.
pub async fn check_revocation(state: &AppState, caller: &Caller) -> Result<(), AwsError> {
    let Caller::Session(claims) = caller else {
        return Ok(());
    };
    let federated_id;
    let owner = match &claims.principal {
        SessionPrincipal::Root { account_id } => SessionOwner::Root { account_id },
        SessionPrincipal::User { user_id, .. } => SessionOwner::User { user_id },
        SessionPrincipal::AssumedRole { role_id, .. } => SessionOwner::Role { role_id },
        SessionPrincipal::FederatedUser {
            account_id,
            name,
            caller_id,
        } => {
            federated_id = federated_user_id(account_id, name);
            SessionOwner::FederatedUser {
                federated_id: &federated_id,
                creator_id: caller_id,
            }
        }
    };
    match state.store().session_standing(owner).await? {
        Standing::Gone => Err(AwsError::invalid_client_token_id()),
        Standing::Present {
            revoked_before: Some(before),
        } if claims.issued_at <= before => Err(AwsError::invalid_client_token_id()),
        Standing::Present { .. } => Ok(()),
    }
}

/// The unique id of a federated user, `ACCOUNT:NAME`, as `aws:userid`
/// gives it; its revocation marks are kept under it.
pub fn federated_user_id(account_id: &str, name: &str) -> String {
    format!("{account_id}:{name}")
}
