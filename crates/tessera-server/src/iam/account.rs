//! The account: its alias and summary.

use super::common::{Page, authorize};
use crate::{AppState, AwsError, Caller, params::Params, params::check_length, xml::Xml};

/// Runs `name` if this area (the account) serves it.
pub(super) async fn dispatch(
    state: &AppState,
    caller: &Caller,
    name: &str,
    params: &Params,
) -> Option<Result<Vec<Xml>, AwsError>> {
    let (_s, _c, _p) = (state, caller, params);
    Some(match name {
        "CreateAccountAlias" => create_account_alias(state, caller, params).await,
        "ListAccountAliases" => list_account_aliases(state, caller, params).await,
        "DeleteAccountAlias" => delete_account_alias(state, caller, params).await,
        "GetAccountSummary" => get_account_summary(state, caller).await,
        _ => return None,
    })
}

/// Validates an account alias: `^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`.
pub(super) fn validate_alias(alias: &str) -> Result<(), AwsError> {
    check_length("accountAlias", alias, 3, 63)?;
    let bytes = alias.as_bytes();
    let edge = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let ok = bytes.first().copied().is_some_and(edge)
        && bytes.last().copied().is_some_and(edge)
        && bytes.iter().all(|&b| edge(b) || b == b'-')
        && !alias.contains("--");
    if !ok {
        return Err(AwsError::constraint(
            "accountAlias",
            Some(alias),
            "Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$",
        ));
    }
    Ok(())
}

pub(super) async fn create_account_alias(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let alias = params.required("AccountAlias", "accountAlias")?;
    validate_alias(alias)?;
    authorize(state, caller, "CreateAccountAlias", "*").await?;
    state
        .store()
        .set_account_alias(caller.account_id(), alias)
        .await?;
    Ok(Vec::new())
}

pub(super) async fn list_account_aliases(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let page = Page::from_params(params)?;
    authorize(state, caller, "ListAccountAliases", "*").await?;
    let aliases: Vec<String> = state
        .store()
        .account_aliases(caller.account_id())
        .await?
        .into_iter()
        .filter(|a| page.after.as_ref().is_none_or(|after| a > after))
        .take(page.fetch_limit())
        .collect();
    let (aliases, tail) = page.finish(aliases, Clone::clone);
    let mut result = vec![Xml::node(
        "AccountAliases",
        aliases
            .into_iter()
            .map(|a| Xml::text("member", a))
            .collect(),
    )];
    result.extend(tail);
    Ok(result)
}

pub(super) async fn delete_account_alias(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let alias = params.required("AccountAlias", "accountAlias")?;
    validate_alias(alias)?;
    authorize(state, caller, "DeleteAccountAlias", "*").await?;
    state
        .store()
        .delete_account_alias(caller.account_id(), alias)
        .await?;
    Ok(Vec::new())
}

/// IAM's quotas, as `GetAccountSummary` reports them.
pub(super) const QUOTAS: &[(&str, i64)] = &[
    ("UsersQuota", 5000),
    ("GroupsQuota", 300),
    ("RolesQuota", 1000),
    ("PoliciesQuota", 1500),
    ("ServerCertificatesQuota", 20),
    ("InstanceProfilesQuota", 1000),
    ("AccessKeysPerUserQuota", 2),
    ("SigningCertificatesPerUserQuota", 2),
    ("GroupsPerUserQuota", 10),
    ("AttachedPoliciesPerUserQuota", 10),
    ("AttachedPoliciesPerGroupQuota", 10),
    ("AttachedPoliciesPerRoleQuota", 10),
    ("UserPolicySizeQuota", 2048),
    ("GroupPolicySizeQuota", 5120),
    ("RolePolicySizeQuota", 10240),
    ("PolicySizeQuota", 6144),
    ("AssumeRolePolicySizeQuota", 2048),
    ("VersionsPerPolicyQuota", 5),
    ("PolicyVersionsInUseQuota", 10000),
    ("GlobalEndpointTokenVersion", 1),
];

pub(super) async fn get_account_summary(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<Xml>, AwsError> {
    authorize(state, caller, "GetAccountSummary", "*").await?;
    let counts = state.store().account_counts(caller.account_id()).await?;
    let mut entries: Vec<(&str, i64)> = vec![
        ("Users", counts.users),
        ("Groups", counts.groups),
        ("Roles", counts.roles),
        ("Policies", counts.policies),
        ("PolicyVersionsInUse", counts.policy_versions_in_use),
        ("MFADevices", counts.mfa_devices),
        ("MFADevicesInUse", counts.mfa_devices_in_use),
        ("Providers", counts.providers),
        ("AccountMFAEnabled", 0),
        (
            "AccountAccessKeysPresent",
            i64::from(counts.root_access_keys > 0),
        ),
        ("AccountPasswordPresent", 0),
        ("AccountSigningCertificatesPresent", 0),
        ("ServerCertificates", 0),
        ("InstanceProfiles", 0),
    ];
    entries.extend_from_slice(QUOTAS);
    Ok(vec![Xml::node(
        "SummaryMap",
        entries
            .into_iter()
            .map(|(key, value)| {
                Xml::node(
                    "entry",
                    vec![Xml::text("key", key), Xml::text("value", value.to_string())],
                )
            })
            .collect(),
    )])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_follow_iams_pattern() {
        for good in ["abc", "a-b-c", "123", "my-company-2"] {
            assert!(validate_alias(good).is_ok(), "{good}");
        }
        for bad in ["ab", "-ab", "ab-", "a--b", "ABC", "a_b", &"a".repeat(64)] {
            assert!(validate_alias(bad).is_err(), "{bad}");
        }
    }
}
