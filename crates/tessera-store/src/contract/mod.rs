//! The store contract: what every backend does, exercised through the
//! traits alone. A backend's test opens a fresh, empty store and calls
//! [`run_all`]; each area can also be run by itself. A failed expectation
//! panics, naming what was expected.
//!
//! Every area works in accounts of its own, so the areas do not see each
//! other's entities; none of them needs the store to be empty but for the
//! account ids it uses (`9000000000NN`), except [`bootstrap`], which runs
//! first, on a store no node has bootstrapped.

mod accounts;
mod authorization;
mod bootstrap;
mod certificates;
mod credential_reports;
mod entities;
mod fixtures;
mod instance_profiles;
mod login_profiles;
mod policies;
mod providers;
mod service_roles;

pub use accounts::accounts_and_keys;
pub use authorization::{hot_reads, policies_of, resource_policies, revocations, sealed_values};
pub use bootstrap::bootstrap;
pub use certificates::{server_certificates, signing_certificates, ssh_public_keys};
pub use credential_reports::credential_reports;
pub use entities::{access_keys, groups, inline_policies, users};
pub use instance_profiles::instance_profiles;
pub use login_profiles::{login_profiles, password_policies};
pub use policies::{attachments, managed_policies, roles};
pub use providers::{
    account_aliases_and_counts, mfa_devices, oidc_providers, saml_providers,
    tags_of_policies_providers_and_devices,
};
pub use service_roles::service_roles;

use crate::{
    AccessKeyRecord, AccessKeyStatus, Account, Conflict, Existing, Missing, Quota, Store,
    StoreError, Tagged, TaggedKind,
};

/// Runs every area of the contract on `store`, a fresh store.
pub async fn run_all(store: &dyn Store) {
    bootstrap(store).await;
    accounts_and_keys(store).await;
    users(store).await;
    access_keys(store).await;
    groups(store).await;
    inline_policies(store).await;
    roles(store).await;
    managed_policies(store).await;
    attachments(store).await;
    policies_of(store).await;
    oidc_providers(store).await;
    saml_providers(store).await;
    mfa_devices(store).await;
    account_aliases_and_counts(store).await;
    resource_policies(store).await;
    revocations(store).await;
    sealed_values(store).await;
    hot_reads(store).await;
    tags_of_policies_providers_and_devices(store).await;
    login_profiles(store).await;
    password_policies(store).await;
    signing_certificates(store).await;
    ssh_public_keys(store).await;
    server_certificates(store).await;
    instance_profiles(store).await;
    service_roles(store).await;
    credential_reports(store).await;
}

/// The account `9000000000NN` with its root key `AKIAROOTNN`.
async fn account(store: &dyn Store, n: u8) -> String {
    let id = format!("9000000000{n:02}");
    store
        .create_account(
            &Account {
                id: id.clone(),
                name: format!("contract-{n}"),
                created_at: 1_700_000_000,
            },
            &key(&format!("AKIAROOT{n:02}"), &id, None),
        )
        .await
        .expect("create account");
    id
}

fn key(access_key_id: &str, account_id: &str, user_id: Option<&str>) -> AccessKeyRecord {
    AccessKeyRecord {
        access_key_id: access_key_id.to_string(),
        account_id: account_id.to_string(),
        user_id: user_id.map(str::to_string),
        sealed_secret: format!("v1:secret-of-{access_key_id}"),
        status: AccessKeyStatus::Active,
        created_at: 1_700_000_001,
        last_used: None,
    }
}

fn tag(key: &str, value: &str) -> (String, String) {
    (key.to_string(), value.to_string())
}

/// The user or role `name` of `account_id`, as tags name it.
fn tagged<'a>(kind: TaggedKind, account_id: &'a str, name: &'a str) -> Tagged<'a> {
    Tagged {
        kind,
        account_id,
        name,
    }
}

fn tags(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| tag(k, v)).collect()
}

const POLICY: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;

#[track_caller]
fn missing<T: std::fmt::Debug>(result: Result<T, StoreError>) -> Missing {
    match result {
        Err(StoreError::NotFound(missing)) => missing,
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[track_caller]
fn existing<T: std::fmt::Debug>(result: Result<T, StoreError>) -> Existing {
    match result {
        Err(StoreError::AlreadyExists(existing)) => existing,
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
}

#[track_caller]
fn conflict<T: std::fmt::Debug>(result: Result<T, StoreError>) -> Conflict {
    match result {
        Err(StoreError::Conflict(conflict)) => conflict,
        other => panic!("expected Conflict, got {other:?}"),
    }
}

#[track_caller]
fn quota<T: std::fmt::Debug>(result: Result<T, StoreError>) -> Quota {
    match result {
        Err(StoreError::LimitExceeded(quota)) => quota,
        other => panic!("expected LimitExceeded, got {other:?}"),
    }
}

fn owner(kind: &'static str, name: &str) -> Missing {
    Missing::Owner {
        kind,
        name: name.to_string(),
    }
}
