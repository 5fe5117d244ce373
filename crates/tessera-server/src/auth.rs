//! Authentication: from a request's SigV4 to a [`Caller`].
//!
//! Long-term keys are looked up in the store and their sealed secret opened
//! with the key ring; temporary keys are verified statelessly from their
//! session token. In both cases the signature is checked before anything
//! the credentials claim is believed.

use crate::{AppState, AwsError, Caller};
use tessera_sigv4::{Authentication, HttpRequest};
use tessera_store::AccessKeyStatus;
use tessera_token::{AccessKeyKind, SessionPrincipal, open_session_token, token_key_id};

/// How stale a long-term key's "last used" record may get before it is
/// written again (bounds store writes under load).
const LAST_USED_GRANULARITY: i64 = 60;

/// Authenticates a signed request.
pub async fn authenticate(
    state: &AppState,
    request: &HttpRequest<'_>,
    auth: &Authentication,
) -> Result<Caller, AwsError> {
    let caller = match AccessKeyKind::of(&auth.access_key_id) {
        Some(AccessKeyKind::LongTerm) => long_term(state, request, auth).await?,
        Some(AccessKeyKind::Temporary) => temporary(state, request, auth)?,
        None => return Err(AwsError::invalid_client_token_id()),
    };
    auth.check_time(state.now())?;
    check_revocation(state, &caller).await?;
    Ok(caller)
}

async fn long_term(
    state: &AppState,
    request: &HttpRequest<'_>,
    auth: &Authentication,
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
        .map_err(|error| {
            tracing::error!(
                %error,
                access_key_id = %record.access_key_id,
                key_id = ?tessera_token::sealed_secret_key_id(&record.sealed_secret),
                "the stored secret of an access key cannot be opened with the key ring"
            );
            AwsError::invalid_client_token_id()
        })?;
    tessera_sigv4::verify(request, auth, &secret)?;
    if record.status != AccessKeyStatus::Active {
        return Err(AwsError::invalid_client_token_id());
    }
    let now = state.now().unix_timestamp();
    if record
        .last_used
        .as_ref()
        .is_none_or(|(at, _, _)| now - at >= LAST_USED_GRANULARITY)
    {
        state
            .store()
            .record_access_key_use(
                &record.access_key_id,
                now,
                &auth.scope.service,
                &auth.scope.region,
            )
            .await?;
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

fn temporary(
    state: &AppState,
    request: &HttpRequest<'_>,
    auth: &Authentication,
) -> Result<Caller, AwsError> {
    let token = auth
        .security_token
        .as_deref()
        .ok_or_else(AwsError::invalid_client_token_id)?;
    let ring = match token_key_id(token) {
        Some(id) => state.keys().with_key(id),
        None => return Err(AwsError::invalid_client_token_id()),
    };
    let claims = open_session_token(&ring, token, &auth.access_key_id)
        .map_err(|_| AwsError::invalid_client_token_id())?;
    tessera_sigv4::verify(request, auth, &claims.secret_access_key)?;
    if state.now().unix_timestamp() >= claims.expires_at {
        return Err(AwsError::expired_token());
    }
    Ok(Caller::Session(Box::new(claims)))
}

/// Refuses a session issued at or before a revocation mark of the role or
/// user it belongs to. Read from the store on every use, so a revocation
/// takes effect on every node at once.
pub async fn check_revocation(state: &AppState, caller: &Caller) -> Result<(), AwsError> {
    let Caller::Session(claims) = caller else {
        return Ok(());
    };
    let owner = session_owner_arn(state.partition(), &claims.principal);
    match state.store().sessions_revoked_before(&owner).await? {
        Some(before) if claims.issued_at <= before => Err(AwsError::invalid_client_token_id()),
        _ => Ok(()),
    }
}

/// The ARN whose revocation mark governs a session: the role of a role
/// session, the user (or root) of a user session, the federated user.
pub fn session_owner_arn(partition: &str, principal: &SessionPrincipal) -> String {
    match principal {
        SessionPrincipal::Root { account_id } => format!("arn:{partition}:iam::{account_id}:root"),
        SessionPrincipal::User {
            account_id,
            user_name,
            path,
            ..
        } => format!("arn:{partition}:iam::{account_id}:user{path}{user_name}"),
        SessionPrincipal::AssumedRole {
            account_id,
            role_name,
            role_path,
            ..
        } => format!("arn:{partition}:iam::{account_id}:role{role_path}{role_name}"),
        SessionPrincipal::FederatedUser {
            account_id, name, ..
        } => {
            format!("arn:{partition}:sts::{account_id}:federated-user/{name}")
        }
    }
}
