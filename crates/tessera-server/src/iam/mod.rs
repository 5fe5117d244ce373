//! The IAM Query API (`Version=2010-05-08`): one module per area, each a set
//! of plain functions over the caller, the parameters and the store.

mod access_keys;
mod account;
mod attachments;
mod bindings;
mod common;
mod entity_params;
mod groups;
mod inline_policies;
mod managed_policies;
mod mfa_devices;
mod oidc_providers;
mod policy_params;
mod provider_params;
mod resource_policies;
mod roles;
mod saml_providers;
mod sessions;
mod simulator;
mod users;

use crate::{AppState, AwsError, Caller, params::Params, xml::Xml};

pub use bindings::bind_unbound_trust_policies;
pub use resource_policies::{
    MAX_RESOURCE_POLICY_BYTES, delete_resource_policy_as_operator, get_resource_policy_as_operator,
    put_resource_policy_as_operator,
};
pub use sessions::{is_revocable_principal, revoke_sessions_of};

/// The IAM API version.
pub const VERSION: &str = "2010-05-08";

/// The declarations of the IAM actions.
pub fn specs() -> impl Iterator<Item = &'static crate::actions::ActionSpec> {
    [users::SPECS].into_iter().flatten()
}

/// Runs IAM action `name`; `None` when no area serves it.
pub async fn dispatch(
    state: &AppState,
    caller: &Caller,
    name: &str,
    params: &Params,
) -> Option<Result<Vec<Xml>, AwsError>> {
    if let Some(result) = users::dispatch(state, caller, name, params).await {
        return Some(result);
    }
    if let Some(result) = access_keys::dispatch(state, caller, name, params).await {
        return Some(result);
    }
    if let Some(result) = groups::dispatch(state, caller, name, params).await {
        return Some(result);
    }
    if let Some(result) = inline_policies::dispatch(state, caller, name, params).await {
        return Some(result);
    }
    if let Some(result) = roles::dispatch(state, caller, name, params).await {
        return Some(result);
    }
    if let Some(result) = managed_policies::dispatch(state, caller, name, params).await {
        return Some(result);
    }
    if let Some(result) = attachments::dispatch(state, caller, name, params).await {
        return Some(result);
    }
    if let Some(result) = simulator::dispatch(state, caller, name, params).await {
        return Some(result);
    }
    if let Some(result) = oidc_providers::dispatch(state, caller, name, params).await {
        return Some(result);
    }
    if let Some(result) = saml_providers::dispatch(state, caller, name, params).await {
        return Some(result);
    }
    if let Some(result) = mfa_devices::dispatch(state, caller, name, params).await {
        return Some(result);
    }
    if let Some(result) = account::dispatch(state, caller, name, params).await {
        return Some(result);
    }
    if let Some(result) = resource_policies::dispatch(state, caller, name, params).await {
        return Some(result);
    }
    sessions::dispatch(state, caller, name, params).await
}
