//! Principals bound to unique ids: when a trust policy or a resource policy
//! is saved, each user or role it names is bound to that entity's unique
//! id, as IAM does. The policy then matches that entity alone, under
//! whatever name it has now, and nobody once it is deleted (a user or role
//! re-created with the same name is another entity). Reading the policy
//! back shows each bound principal by its current ARN, or by its unique id
//! once it is gone.

use crate::{AppState, AwsError};
use tessera_arn::{Arn, ArnKind};
use tessera_policy::{Policy, PolicyKind};
use tessera_store::{OwnerKind, PrincipalBinding, Store};

/// The unique id of the user or role `arn` names (name without regard to
/// case, path exactly), if it exists.
async fn resolve(
    store: &dyn Store,
    partition: &str,
    arn: &str,
) -> Result<Option<String>, AwsError> {
    let Ok(arn) = Arn::parse(arn) else {
        return Ok(None);
    };
    if arn.partition() != partition || arn.service() != "iam" || !arn.region().is_empty() {
        return Ok(None);
    }
    let kind = match arn.kind() {
        ArnKind::User => OwnerKind::User,
        ArnKind::Role => OwnerKind::Role,
        _ => return Ok(None),
    };
    let (Some(path), Some(name)) = (arn.path(), arn.name()) else {
        return Ok(None);
    };
    let account = arn.account();
    Ok(match store.entity_ref(account, kind, name).await? {
        Some((id, stored_path)) if stored_path == path => Some(id),
        _ => None,
    })
}

/// Binds every user and role `policy` names to its unique id; a principal
/// that names no existing user or role is refused with IAM's
/// `MalformedPolicyDocument` (`Invalid principal in policy`).
pub async fn bind_principals(
    state: &AppState,
    policy: &Policy,
) -> Result<Vec<PrincipalBinding>, AwsError> {
    let mut bindings = Vec::new();
    for arn in policy.named_entities() {
        let Some(unique_id) = resolve(state.store(), state.partition(), arn).await? else {
            return Err(AwsError::malformed_policy_document(format!(
                "Invalid principal in policy: \"AWS\":\"{arn}\""
            )));
        };
        bindings.push(PrincipalBinding {
            arn: arn.to_string(),
            unique_id,
        });
    }
    Ok(bindings)
}

/// Binds the trust policies of roles saved before binding existed, to the
/// entities that exist now; a principal that names none is bound to
/// nothing and matches nobody. Returns how many roles it bound.
pub async fn bind_unbound_trust_policies(
    store: &dyn Store,
    partition: &str,
) -> Result<usize, AwsError> {
    let roles = store.roles_without_bindings().await?;
    for role in &roles {
        let mut bindings = Vec::new();
        if let Ok(policy) = Policy::parse_stored(&role.assume_role_policy, PolicyKind::trust()) {
            for arn in policy.named_entities() {
                if let Some(unique_id) = resolve(store, partition, arn).await? {
                    bindings.push(PrincipalBinding {
                        arn: arn.to_string(),
                        unique_id,
                    });
                }
            }
        }
        store.set_trust_bindings(&role.role_id, &bindings).await?;
    }
    Ok(roles.len())
}

/// A trust policy (or a resource policy) as IAM shows it: each bound
/// principal by the ARN its entity has now, or by its unique id once the
/// entity is deleted.
pub async fn shown_bound_policy(
    state: &AppState,
    document: &str,
    bindings: Option<&[PrincipalBinding]>,
) -> Result<String, AwsError> {
    let mut shown = document.to_string();
    for binding in bindings.unwrap_or_default() {
        let now = match state.store().entity_by_id(&binding.unique_id).await? {
            Some(entity) => {
                let make = match entity.kind {
                    OwnerKind::User => Arn::user,
                    OwnerKind::Group => Arn::group,
                    OwnerKind::Role => Arn::role,
                };
                make(
                    state.partition(),
                    &entity.account_id,
                    &entity.path,
                    &entity.name,
                )
                .into_string()
            }
            None => binding.unique_id.clone(),
        };
        if now != binding.arn {
            let quoted = |text: &str| serde_json::Value::from(text).to_string();
            shown = shown.replace(&quoted(&binding.arn), &quoted(&now));
        }
    }
    Ok(shown)
}
