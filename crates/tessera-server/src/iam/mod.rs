//! The IAM Query API (`Version=2010-05-08`): one module per area, each
//! declaring its actions (see [`crate::action`]).

mod access_keys;
mod account;
mod attachments;
mod authorization_details;
mod bindings;
mod common;
mod context_keys;
mod credential_reports;
mod entities;
mod entity_params;
mod groups;
mod inline_policies;
mod instance_profiles;
mod login_profiles;
mod managed_policies;
mod mfa_devices;
mod oidc_providers;
mod provider_params;
mod resource_policies;
mod roles;
mod saml_providers;
mod server_certificates;
mod service_linked_roles;
mod sessions;
mod signing_certificates;
mod simulator;
mod ssh_public_keys;
mod tagging;
mod users;

use crate::{AppState, AwsError, Caller, params::Params, xml::Xml};

pub use bindings::bind_unbound_trust_policies;
pub(crate) use instance_profiles::ALONGSIDE;
pub use resource_policies::{
    MAX_RESOURCE_POLICY_BYTES, delete_resource_policy_as_operator, get_resource_policy_as_operator,
    put_resource_policy_as_operator,
};
pub use sessions::{is_revocable_principal, revoke_sessions_of};

/// The IAM API version.
pub const VERSION: &str = "2010-05-08";

/// Declares the IAM areas once: [`specs`] lists their declarations, and
/// [`dispatch`] and [`decode`] ask each in turn for the action named.
macro_rules! areas {
    ($($area:ident),+ $(,)?) => {
        /// The declarations of the IAM actions.
        pub fn specs() -> impl Iterator<Item = &'static crate::actions::ActionSpec> {
            [$($area::SPECS),+].into_iter().flatten()
        }

        /// Runs IAM action `name`; `None` when no area serves it.
        pub async fn dispatch(
            state: &AppState,
            caller: &Caller,
            name: &str,
            params: &Params,
        ) -> Option<Result<Vec<Xml>, AwsError>> {
            $(
                if let Some(result) = $area::dispatch(state, caller, name, params).await {
                    return Some(result);
                }
            )+
            None
        }

        /// Decodes the input of IAM action `name` from `params`, as
        /// [`dispatch`] does before running it; `None` when no area serves
        /// it.
        pub fn decode(name: &str, params: &Params) -> Option<Result<(), AwsError>> {
            $(
                if let Some(result) = $area::decode(name, params) {
                    return Some(result);
                }
            )+
            None
        }
    };
}

areas!(
    users,
    access_keys,
    groups,
    inline_policies,
    roles,
    service_linked_roles,
    instance_profiles,
    managed_policies,
    attachments,
    simulator,
    oidc_providers,
    saml_providers,
    mfa_devices,
    signing_certificates,
    ssh_public_keys,
    server_certificates,
    account,
    login_profiles,
    resource_policies,
    sessions,
    credential_reports,
    authorization_details,
    context_keys,
);
