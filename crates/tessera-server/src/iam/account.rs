//! The account: its alias, its summary and its STS preferences.

use super::common::{Add, Remove};
use crate::action::members::{AccountAlias, Page, TokenVersion};
use crate::action::{Access, Action, Context, Empty, Encode, Listing};
use crate::actions::{ActionSpec, R, spec};
use crate::{AppState, AwsError, params::Params, xml::Xml};
use std::fmt::Debug;
use std::future::Future;
use tessera_store::AccountCounts;

/// The access every account action needs: the action on `*`.
fn on_account() -> (Access, ()) {
    (Access::on_arn("*"), ())
}

/// A change of the account's alias: [`Add`] sets it (the account has at
/// most one), [`Remove`] deletes it.
pub(super) trait AliasChange: Debug + Clone + Default + Send + Sync + 'static {
    /// `CreateAccountAlias` or `DeleteAccountAlias`.
    const SPEC: ActionSpec;

    /// Sets `alias` as the caller's account's alias, or deletes it.
    fn apply(
        &self,
        ctx: &Context<'_>,
        alias: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
}

impl AliasChange for Add {
    const SPEC: ActionSpec = spec("iam:CreateAccountAlias", R::None, &[]);

    async fn apply(&self, ctx: &Context<'_>, alias: &str) -> Result<(), AwsError> {
        Ok(ctx
            .store()
            .set_account_alias(ctx.account_id(), alias)
            .await?)
    }
}

impl AliasChange for Remove {
    const SPEC: ActionSpec = spec("iam:DeleteAccountAlias", R::None, &[]);

    async fn apply(&self, ctx: &Context<'_>, alias: &str) -> Result<(), AwsError> {
        Ok(ctx
            .store()
            .delete_account_alias(ctx.account_id(), alias)
            .await?)
    }
}

/// `CreateAccountAlias` and `DeleteAccountAlias`.
#[derive(Debug, Clone)]
pub(super) struct AccountAliasChange<C: AliasChange> {
    /// Setting the alias or deleting it.
    pub change: C,
    pub alias: AccountAlias,
}

impl<C: AliasChange> Action for AccountAliasChange<C> {
    const SPEC: ActionSpec = C::SPEC;
    type Found = ();
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            change: C::default(),
            alias: d.required("AccountAlias"),
        })
    }

    async fn access(&self, _ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        Ok(on_account())
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<Empty, AwsError> {
        self.change.apply(ctx, &self.alias).await?;
        Ok(Empty)
    }
}

/// A page of `ListAccountAliases`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AliasListing(pub Listing<String>);

impl Encode for AliasListing {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        self.0.texts("AccountAliases", |alias| alias)
    }
}

/// `ListAccountAliases`.
#[derive(Debug, Clone)]
pub(super) struct ListAccountAliases {
    pub page: Page,
}

impl Action for ListAccountAliases {
    const SPEC: ActionSpec = spec("iam:ListAccountAliases", R::None, &[]);
    type Found = ();
    type Output = AliasListing;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        Ok(Self {
            page: Page::read(params)?,
        })
    }

    async fn access(&self, _ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        Ok(on_account())
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<AliasListing, AwsError> {
        let page = &self.page;
        let aliases: Vec<String> = ctx
            .store()
            .account_aliases(ctx.account_id())
            .await?
            .into_iter()
            .filter(|a| page.after.as_ref().is_none_or(|after| a > after))
            .take(page.fetch_limit())
            .collect();
        Ok(AliasListing(page.finish(aliases, Clone::clone)))
    }
}

/// IAM's quotas, as `GetAccountSummary` reports them.
const QUOTAS: &[(&str, i64)] = &[
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
];

/// The global STS endpoint's token version of an account that never chose
/// one.
const DEFAULT_TOKEN_VERSION: i64 = 1;

/// `GetAccountSummary`'s `SummaryMap`: the account's counts, then IAM's
/// quotas, then the global endpoint's token version, in IAM's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AccountSummary(pub Vec<(&'static str, i64)>);

impl AccountSummary {
    /// The summary of an account with these counts and token version.
    pub fn of(counts: &AccountCounts, token_version: i64) -> Self {
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
            (
                "AccountSigningCertificatesPresent",
                i64::from(counts.root_signing_certificates > 0),
            ),
            ("ServerCertificates", counts.server_certificates),
            ("InstanceProfiles", counts.instance_profiles),
        ];
        entries.extend_from_slice(QUOTAS);
        entries.push(("GlobalEndpointTokenVersion", token_version));
        Self(entries)
    }
}

impl Encode for AccountSummary {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        vec![Xml::node(
            "SummaryMap",
            self.0
                .into_iter()
                .map(|(key, value)| {
                    Xml::node(
                        "entry",
                        vec![Xml::text("key", key), Xml::text("value", value.to_string())],
                    )
                })
                .collect(),
        )]
    }
}

/// `GetAccountSummary`.
#[derive(Debug, Clone)]
pub(super) struct GetAccountSummary;

impl Action for GetAccountSummary {
    const SPEC: ActionSpec = spec("iam:GetAccountSummary", R::None, &[]);
    type Found = ();
    type Output = AccountSummary;

    fn decode(_params: &Params) -> Result<Self, AwsError> {
        Ok(Self)
    }

    async fn access(&self, _ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        Ok(on_account())
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<AccountSummary, AwsError> {
        let counts = ctx.store().account_counts(ctx.account_id()).await?;
        let version = ctx
            .store()
            .global_endpoint_token_version(ctx.account_id())
            .await?;
        Ok(AccountSummary::of(
            &counts,
            version.unwrap_or(DEFAULT_TOKEN_VERSION),
        ))
    }
}

/// `SetSecurityTokenServicePreferences`: the token version of the global
/// STS endpoint. Tessera's session tokens are valid at every endpoint it
/// serves, whichever version is chosen; the choice is kept and reported
/// by `GetAccountSummary`, as IAM does.
#[derive(Debug, Clone)]
pub(super) struct SetSecurityTokenServicePreferences {
    pub version: TokenVersion,
}

impl Action for SetSecurityTokenServicePreferences {
    const SPEC: ActionSpec = spec("iam:SetSecurityTokenServicePreferences", R::None, &[]);
    type Found = ();
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            version: d.required("GlobalEndpointTokenVersion"),
        })
    }

    async fn access(&self, _ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        Ok(on_account())
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<Empty, AwsError> {
        ctx.store()
            .set_global_endpoint_token_version(ctx.account_id(), self.version.0)
            .await?;
        Ok(Empty)
    }
}

crate::action::action_table!(
    AccountAliasChange<Add>,
    ListAccountAliases,
    AccountAliasChange<Remove>,
    GetAccountSummary,
    SetSecurityTokenServicePreferences,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::members::Scalar;
    use crate::action::testing::Fixture;

    fn alias(text: &str) -> Result<AccountAlias, AwsError> {
        AccountAlias::parse("accountAlias", text)
    }

    #[test]
    fn aliases_follow_iams_pattern() {
        for good in ["abc", "a-b-c", "123", "my-company-2"] {
            assert!(alias(good).is_ok(), "{good}");
        }
        for bad in ["ab", "-ab", "ab-", "a--b", "ABC", "a_b", &"a".repeat(64)] {
            assert!(alias(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn the_alias_is_set_replaced_listed_and_deleted() {
        let fx = Fixture::new().await;
        let list = || ListAccountAliases {
            page: Page::default(),
        };
        assert!(fx.call(list()).await.expect("list").0.items.is_empty());
        for name in ["first", "second"] {
            fx.call(AccountAliasChange {
                change: Add,
                alias: alias(name).expect("alias"),
            })
            .await
            .expect("set");
        }
        let listed = fx.call(list()).await.expect("list").0;
        assert_eq!(
            (listed.items, listed.truncated, listed.marker),
            (vec!["second".to_string()], false, None)
        );
        let error = fx
            .call(AccountAliasChange {
                change: Remove,
                alias: alias("first").expect("alias"),
            })
            .await
            .expect_err("not the alias");
        assert_eq!(error.code.as_ref(), "NoSuchEntity");
        fx.call(AccountAliasChange {
            change: Remove,
            alias: alias("second").expect("alias"),
        })
        .await
        .expect("deleted");
        assert!(fx.call(list()).await.expect("list").0.items.is_empty());
    }

    fn value(summary: &AccountSummary, key: &str) -> Option<i64> {
        summary.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    #[tokio::test]
    async fn the_summary_counts_the_account_then_gives_the_quotas() {
        let fx = Fixture::new().await;
        let summary = fx.call(GetAccountSummary).await.expect("summary");
        assert_eq!(summary.0.first(), Some(&("Users", 0)));
        assert_eq!(value(&summary, "Providers"), Some(0));
        assert_eq!(value(&summary, "UsersQuota"), Some(5000));
        assert_eq!(summary.0.last(), Some(&("GlobalEndpointTokenVersion", 1)));
        assert_eq!(summary.0.len(), 15 + QUOTAS.len());
    }

    #[tokio::test]
    async fn the_token_version_is_kept_and_summarised() {
        let fx = Fixture::new().await;
        let set = |text: &str| SetSecurityTokenServicePreferences {
            version: TokenVersion::parse("GlobalEndpointTokenVersion", text).expect("version"),
        };
        fx.call(set("v2Token")).await.expect("set");
        let summary = fx.call(GetAccountSummary).await.expect("summary");
        assert_eq!(value(&summary, "GlobalEndpointTokenVersion"), Some(2));
        fx.call(set("v1Token")).await.expect("set");
        let summary = fx.call(GetAccountSummary).await.expect("summary");
        assert_eq!(value(&summary, "GlobalEndpointTokenVersion"), Some(1));
        let error = TokenVersion::parse("GlobalEndpointTokenVersion", "v3Token")
            .expect_err("not a version");
        assert_eq!(error.code.as_ref(), "ValidationError");
    }
}
