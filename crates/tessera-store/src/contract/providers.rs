use super::fixtures::{group, managed_policy, mfa_device, role, user};
use super::{POLICY, account, conflict, existing, key, missing, quota, tagged, tags};
use crate::{
    AccountCounts, Conflict, Existing, MfaFilter, Missing, OidcProvider, OwnerKind, Quota,
    SamlProvider, Store, StoreError, TaggedKind,
};

fn oidc(account_id: &str, host: &str, client_ids: &[&str]) -> OidcProvider {
    OidcProvider {
        arn: format!("arn:aws:iam::{account_id}:oidc-provider/{host}"),
        account_id: account_id.to_string(),
        url: host.to_string(),
        client_ids: client_ids.iter().map(|c| c.to_string()).collect(),
        thumbprints: vec!["a".repeat(40), "b".repeat(40)],
        created_at: 1_700_000_080,
        tags: Vec::new(),
    }
}

fn saml(account_id: &str, name: &str) -> SamlProvider {
    SamlProvider {
        arn: format!("arn:aws:iam::{account_id}:saml-provider/{name}"),
        account_id: account_id.to_string(),
        name: name.to_string(),
        metadata: format!("<md name=\"{name}\"/>"),
        created_at: 1_700_000_090,
        valid_until: Some(1_800_000_000),
        tags: Vec::new(),
    }
}

/// OIDC providers with their client ids (in the order added, at most 100)
/// and thumbprints.
pub async fn oidc_providers(store: &dyn Store) {
    let acct = account(store, 9).await;
    let id = OidcProvider {
        tags: tags(&[("b", "2"), ("A", "1")]),
        ..oidc(&acct, "id.example/tenant", &["web", "cli", "web"])
    };
    store.create_oidc_provider(&id).await.expect("create");
    store
        .create_oidc_provider(&oidc(&acct, "auth.example", &[]))
        .await
        .expect("create");
    assert_eq!(
        existing(
            store
                .create_oidc_provider(&OidcProvider {
                    arn: format!("arn:aws:iam::{acct}:oidc-provider/again"),
                    ..oidc(&acct, "id.example/tenant", &[])
                })
                .await
        ),
        Existing::OidcProvider("id.example/tenant".into())
    );

    let read = store
        .oidc_provider(&acct, &id.arn)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read.client_ids, ["web", "cli"]);
    assert_eq!(read.thumbprints, id.thumbprints);
    assert_eq!(read.tags, tags(&[("A", "1"), ("b", "2")]));
    assert_eq!(
        (read.url.as_str(), read.created_at),
        ("id.example/tenant", 1_700_000_080)
    );
    assert_eq!(
        store
            .oidc_provider_by_url(&acct, "id.example/tenant")
            .await
            .expect("by url")
            .map(|p| p.arn),
        Some(id.arn.clone())
    );
    assert_eq!(
        store
            .oidc_provider_by_url(&acct, "other.example")
            .await
            .expect("by url"),
        None
    );
    // Only within the account.
    assert_eq!(
        store
            .oidc_provider("900000000001", &id.arn)
            .await
            .expect("read"),
        None
    );
    let arns: Vec<_> = store
        .oidc_providers(&acct)
        .await
        .expect("list")
        .into_iter()
        .map(|p| p.url)
        .collect();
    assert_eq!(arns, ["auth.example", "id.example/tenant"]);

    // Client ids: added once, in order; removed; at most 100.
    for client in ["api", "cli"] {
        store
            .add_oidc_client_id(&acct, &id.arn, client)
            .await
            .expect("add");
    }
    store
        .remove_oidc_client_id(&acct, &id.arn, "web")
        .await
        .expect("remove");
    store
        .remove_oidc_client_id(&acct, &id.arn, "absent")
        .await
        .expect("remove nothing");
    store
        .add_oidc_client_id(&acct, &id.arn, "web")
        .await
        .expect("add again");
    let read = store
        .oidc_provider(&acct, &id.arn)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read.client_ids, ["cli", "api", "web"]);
    // IAM's quota: 100 client ids.
    for n in read.client_ids.len()..100 {
        store
            .add_oidc_client_id(&acct, &id.arn, &format!("client-{n}"))
            .await
            .expect("add");
    }
    assert_eq!(
        quota(store.add_oidc_client_id(&acct, &id.arn, "one-more").await),
        Quota::ClientIdsPerOidcProvider(100)
    );
    store
        .add_oidc_client_id(&acct, &id.arn, "web")
        .await
        .expect("one present already is no new one");

    store
        .set_oidc_thumbprints(&acct, &id.arn, &["c".repeat(40)])
        .await
        .expect("thumbprints");
    let read = store
        .oidc_provider(&acct, &id.arn)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read.thumbprints, ["c".repeat(40)]);
    assert_eq!(read.client_ids.len(), 100);

    let nowhere = format!("arn:aws:iam::{acct}:oidc-provider/none");
    assert_eq!(
        missing(store.add_oidc_client_id(&acct, &nowhere, "x").await),
        Missing::OidcProvider(nowhere.clone())
    );
    assert_eq!(
        missing(store.remove_oidc_client_id(&acct, &nowhere, "x").await),
        Missing::OidcProvider(nowhere.clone())
    );
    assert_eq!(
        missing(store.set_oidc_thumbprints(&acct, &nowhere, &[]).await),
        Missing::OidcProvider(nowhere.clone())
    );
    assert_eq!(
        missing(store.add_oidc_client_id("900000000001", &id.arn, "x").await),
        Missing::OidcProvider(id.arn.clone())
    );

    store
        .delete_oidc_provider(&acct, &id.arn)
        .await
        .expect("delete");
    assert_eq!(
        store.oidc_provider(&acct, &id.arn).await.expect("gone"),
        None
    );
    assert_eq!(
        missing(store.delete_oidc_provider(&acct, &id.arn).await),
        Missing::OidcProvider(id.arn.clone())
    );
    // Created again, it starts with nothing of the old one.
    store
        .create_oidc_provider(&oidc(&acct, "id.example/tenant", &["new"]))
        .await
        .expect("create again");
    let fresh = store
        .oidc_provider(&acct, &id.arn)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(fresh.client_ids, ["new"]);
    assert_eq!(fresh.tags, []);
}

/// SAML providers: unique names regardless of case, listed by name,
/// metadata replaced, deleted with their tags.
pub async fn saml_providers(store: &dyn Store) {
    let acct = account(store, 10).await;
    let corp = SamlProvider {
        tags: tags(&[("k", "v")]),
        ..saml(&acct, "Corp")
    };
    store.create_saml_provider(&corp).await.expect("create");
    store
        .create_saml_provider(&saml(&acct, "azure"))
        .await
        .expect("create");
    assert_eq!(
        existing(
            store
                .create_saml_provider(&SamlProvider {
                    arn: format!("arn:aws:iam::{acct}:saml-provider/CORP"),
                    ..saml(&acct, "CORP")
                })
                .await
        ),
        Existing::SamlProvider("CORP".into())
    );
    assert_eq!(
        store.saml_provider(&acct, &corp.arn).await.expect("read"),
        Some(corp.clone())
    );
    assert_eq!(
        store
            .saml_provider("900000000001", &corp.arn)
            .await
            .expect("read"),
        None
    );
    let names: Vec<_> = store
        .saml_providers(&acct)
        .await
        .expect("list")
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["azure", "Corp"]);

    store
        .update_saml_provider(&acct, &corp.arn, "<md v=\"2\"/>", None)
        .await
        .expect("update");
    let updated = store
        .saml_provider(&acct, &corp.arn)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(
        (updated.metadata.as_str(), updated.valid_until),
        ("<md v=\"2\"/>", None)
    );
    let nowhere = format!("arn:aws:iam::{acct}:saml-provider/none");
    assert_eq!(
        missing(
            store
                .update_saml_provider(&acct, &nowhere, "<md/>", None)
                .await
        ),
        Missing::SamlProvider(nowhere.clone())
    );
    store
        .delete_saml_provider(&acct, &corp.arn)
        .await
        .expect("delete");
    assert_eq!(
        missing(store.delete_saml_provider(&acct, &corp.arn).await),
        Missing::SamlProvider(corp.arn.clone())
    );
    store
        .create_saml_provider(&saml(&acct, "corp"))
        .await
        .expect("the name is free again");
    let again = store
        .saml_provider(&acct, &format!("arn:aws:iam::{acct}:saml-provider/corp"))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(again.tags, []);
}

/// Virtual MFA devices: created, listed by assignment a page at a time,
/// enabled for one user (at most eight per user), each TOTP step accepted
/// once, deactivated, and deleted only when enabled for nobody.
pub async fn mfa_devices(store: &dyn Store) {
    let acct = account(store, 11).await;
    let ann = "AIDACONTRACT11ANN";
    store
        .create_user(&user(&acct, ann, "ann", "/"), &[])
        .await
        .expect("user");
    let phone = crate::MfaDevice {
        tags: tags(&[("kind", "phone")]),
        ..mfa_device(&acct, "phone")
    };
    store.create_mfa_device(&phone).await.expect("create");
    let key = mfa_device(&acct, "key");
    store.create_mfa_device(&key).await.expect("create");
    assert_eq!(
        existing(store.create_mfa_device(&mfa_device(&acct, "key")).await),
        Existing::MfaDevice
    );
    assert_eq!(
        store
            .mfa_device(&acct, &phone.serial_number)
            .await
            .expect("read"),
        Some(phone.clone())
    );
    assert_eq!(
        store
            .mfa_device("900000000001", &phone.serial_number)
            .await
            .expect("read"),
        None
    );

    // Enabling records the step; a device is enabled for one user at a time.
    store
        .enable_mfa_device(&acct, &phone.serial_number, ann, 1_700_000_100, 500)
        .await
        .expect("enable");
    let enabled = store
        .mfa_device(&acct, &phone.serial_number)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(enabled.user.as_ref().map(|u| u.user_id.as_str()), Some(ann));
    assert_eq!(enabled.user.as_ref().map(|u| u.name.as_str()), Some("ann"));
    assert_eq!(
        (enabled.enabled_at, enabled.last_used_step),
        (Some(1_700_000_100), Some(500))
    );
    assert_eq!(
        existing(
            store
                .enable_mfa_device(&acct, &phone.serial_number, ann, 0, 1)
                .await
        ),
        Existing::MfaDeviceInUse
    );
    let nowhere = format!("arn:aws:iam::{acct}:mfa/none");
    assert_eq!(
        missing(store.enable_mfa_device(&acct, &nowhere, ann, 0, 1).await),
        Missing::MfaDevice(nowhere.clone())
    );

    // Only later steps, only while enabled.
    assert!(
        !store
            .accept_mfa_step(&phone.serial_number, 500)
            .await
            .expect("step")
    );
    assert!(
        !store
            .accept_mfa_step(&phone.serial_number, 499)
            .await
            .expect("step")
    );
    assert!(
        store
            .accept_mfa_step(&phone.serial_number, 501)
            .await
            .expect("step")
    );
    assert!(
        !store
            .accept_mfa_step(&phone.serial_number, 501)
            .await
            .expect("step")
    );
    assert!(
        !store
            .accept_mfa_step(&key.serial_number, 1)
            .await
            .expect("step")
    );
    assert!(!store.accept_mfa_step(&nowhere, 1).await.expect("step"));

    // Listings.
    let serials = |devices: Vec<crate::MfaDevice>| -> Vec<String> {
        devices.into_iter().map(|d| d.serial_number).collect()
    };
    assert_eq!(
        serials(
            store
                .mfa_devices(&acct, MfaFilter::Any, None, 10)
                .await
                .expect("list")
        ),
        [key.serial_number.clone(), phone.serial_number.clone()]
    );
    assert_eq!(
        serials(
            store
                .mfa_devices(&acct, MfaFilter::Any, Some(&key.serial_number), 10)
                .await
                .expect("list")
        ),
        vec![phone.serial_number.clone()]
    );
    assert_eq!(
        serials(
            store
                .mfa_devices(&acct, MfaFilter::Any, None, 1)
                .await
                .expect("list")
        ),
        vec![key.serial_number.clone()]
    );
    assert_eq!(
        serials(
            store
                .mfa_devices(&acct, MfaFilter::Assigned, None, 10)
                .await
                .expect("list")
        ),
        vec![phone.serial_number.clone()]
    );
    assert_eq!(
        serials(
            store
                .mfa_devices(&acct, MfaFilter::Unassigned, None, 10)
                .await
                .expect("list")
        ),
        vec![key.serial_number.clone()]
    );
    let of_ann = store
        .mfa_devices(&acct, MfaFilter::User(ann), None, 10)
        .await
        .expect("list");
    assert_eq!(of_ann.len(), 1);
    assert_eq!(of_ann[0].tags, tags(&[("kind", "phone")]));

    // Deleting and deactivating.
    assert_eq!(
        conflict(store.delete_mfa_device(&acct, &phone.serial_number).await),
        Conflict::MfaDeviceInUse
    );
    assert_eq!(
        missing(
            store
                .deactivate_mfa_device(&acct, &phone.serial_number, "AIDAOTHER")
                .await
        ),
        Missing::UserMfaDevice(phone.serial_number.clone())
    );
    store
        .deactivate_mfa_device(&acct, &phone.serial_number, ann)
        .await
        .expect("deactivate");
    let free = store
        .mfa_device(&acct, &phone.serial_number)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!((free.user, free.enabled_at), (None, None));
    store
        .delete_mfa_device(&acct, &phone.serial_number)
        .await
        .expect("delete");
    assert_eq!(
        missing(store.delete_mfa_device(&acct, &phone.serial_number).await),
        Missing::MfaDevice(phone.serial_number.clone())
    );
    store
        .create_mfa_device(&mfa_device(&acct, "phone"))
        .await
        .expect("create again");
    assert_eq!(
        store
            .mfa_device(&acct, &phone.serial_number)
            .await
            .expect("read")
            .map(|d| d.tags),
        Some(Vec::new())
    );

    // At most eight enabled for one user.
    // IAM's quota: 8 devices.
    for n in 0..8 {
        let device = mfa_device(&acct, &format!("token-{n}"));
        store.create_mfa_device(&device).await.expect("create");
        store
            .enable_mfa_device(&acct, &device.serial_number, ann, 0, 1)
            .await
            .expect("enable");
    }
    assert_eq!(
        quota(
            store
                .enable_mfa_device(&acct, &key.serial_number, ann, 0, 1)
                .await
        ),
        Quota::MfaDevicesPerUser(8)
    );
    assert_eq!(
        store
            .mfa_device(&acct, &key.serial_number)
            .await
            .expect("read")
            .and_then(|d| d.user),
        None
    );
}

/// Account aliases (one per account, unique across accounts) and the
/// counts of an account's entities.
pub async fn account_aliases_and_counts(store: &dyn Store) {
    let acct = account(store, 12).await;
    let other = account(store, 13).await;
    assert_eq!(
        store.account_aliases(&acct).await.expect("aliases"),
        Vec::<String>::new()
    );
    store
        .set_account_alias(&acct, "contract-alias")
        .await
        .expect("set");
    store
        .set_account_alias(&acct, "contract-alias-2")
        .await
        .expect("replace");
    assert_eq!(
        store.account_aliases(&acct).await.expect("aliases"),
        ["contract-alias-2"]
    );
    assert_eq!(
        existing(store.set_account_alias(&other, "contract-alias-2").await),
        Existing::AccountAlias("contract-alias-2".into())
    );
    assert_eq!(
        store.account_aliases(&other).await.expect("aliases"),
        Vec::<String>::new()
    );
    assert_eq!(
        missing(store.delete_account_alias(&acct, "contract-alias").await),
        Missing::AccountAlias("contract-alias".into())
    );
    store
        .delete_account_alias(&acct, "contract-alias-2")
        .await
        .expect("delete");
    assert_eq!(
        store.account_aliases(&acct).await.expect("aliases"),
        Vec::<String>::new()
    );
    store
        .set_account_alias(&other, "contract-alias-2")
        .await
        .expect("free again");

    assert_eq!(
        store.account_counts(&acct).await.expect("counts"),
        AccountCounts {
            root_access_keys: 1,
            ..AccountCounts::default()
        }
    );
    for (id, name) in [("AIDACONTRACT12A", "a"), ("AIDACONTRACT12B", "b")] {
        store
            .create_user(&user(&acct, id, name, "/"), &[])
            .await
            .expect("user");
    }
    store
        .create_group(&group(&acct, "AGPACONTRACT12", "g", "/"))
        .await
        .expect("group");
    store
        .create_role(&role(&acct, "AROACONTRACT12", "r"), &[])
        .await
        .expect("role");
    let attached = managed_policy(&acct, "Attached", "/");
    store
        .create_policy(&attached, POLICY, &[])
        .await
        .expect("policy");
    store
        .create_policy(&managed_policy(&acct, "Loose", "/"), POLICY, &[])
        .await
        .expect("policy");
    for (kind, name) in [(OwnerKind::User, "a"), (OwnerKind::Role, "r")] {
        store
            .attach_policy(&acct, kind, name, &attached.arn)
            .await
            .expect("attach");
    }
    let device = mfa_device(&acct, "d");
    store.create_mfa_device(&device).await.expect("device");
    store
        .create_mfa_device(&mfa_device(&acct, "e"))
        .await
        .expect("device");
    store
        .enable_mfa_device(&acct, &device.serial_number, "AIDACONTRACT12A", 0, 1)
        .await
        .expect("enable");
    store
        .create_oidc_provider(&oidc(&acct, "counts.example", &[]))
        .await
        .expect("oidc");
    store
        .create_saml_provider(&saml(&acct, "counts"))
        .await
        .expect("saml");
    store
        .create_access_key(&key("AKIACONTRACT12ROOT", &acct, None))
        .await
        .expect("root key");
    store
        .create_access_key(&key("AKIACONTRACT12A", &acct, Some("AIDACONTRACT12A")))
        .await
        .expect("user key");
    assert_eq!(
        store.account_counts(&acct).await.expect("counts"),
        AccountCounts {
            users: 2,
            groups: 1,
            roles: 1,
            policies: 2,
            policy_versions_in_use: 1,
            mfa_devices: 2,
            mfa_devices_in_use: 1,
            providers: 2,
            root_access_keys: 2,
            instance_profiles: 0,
        }
    );
    assert_eq!(
        store.account_counts(&other).await.expect("counts"),
        AccountCounts {
            root_access_keys: 1,
            ..AccountCounts::default()
        }
    );
}

/// Tags of managed policies, identity providers and MFA devices, kept under
/// the policy's unique id, the provider's ARN and the device's serial.
pub async fn tags_of_policies_providers_and_devices(store: &dyn Store) {
    let acct = account(store, 20).await;
    let policy = managed_policy(&acct, "Tagged", "/");
    store
        .create_policy(&policy, POLICY, &tags(&[("team", "blue")]))
        .await
        .expect("policy");
    let provider = oidc(&acct, "tags.example.com", &["app"]);
    store.create_oidc_provider(&provider).await.expect("oidc");
    let idp = saml(&acct, "TaggedIdp");
    store.create_saml_provider(&idp).await.expect("saml");
    let device = mfa_device(&acct, "tagged");
    store.create_mfa_device(&device).await.expect("device");
    for (kind, name, owner_id) in [
        (
            TaggedKind::Policy,
            policy.arn.as_str(),
            policy.policy_id.as_str(),
        ),
        (
            TaggedKind::OidcProvider,
            provider.arn.as_str(),
            provider.arn.as_str(),
        ),
        (TaggedKind::SamlProvider, idp.arn.as_str(), idp.arn.as_str()),
        (
            TaggedKind::MfaDevice,
            device.serial_number.as_str(),
            device.serial_number.as_str(),
        ),
    ] {
        let owner = tagged(kind, &acct, name);
        store
            .tag(owner, &tags(&[("TEAM", "red"), ("env", "prod")]))
            .await
            .expect("tag");
        assert_eq!(
            store.tags(owner_id, None, 10).await.expect("tags"),
            tags(&[("env", "prod"), ("TEAM", "red")]),
            "{kind:?}"
        );
        store.untag(owner, &["team".into()]).await.expect("untag");
        assert_eq!(
            store.tags(owner_id, None, 10).await.expect("tags"),
            tags(&[("env", "prod")]),
            "{kind:?}"
        );
        let gone = format!("{name}-gone");
        let missing_owner = tagged(kind, &acct, &gone);
        let expected = match kind {
            TaggedKind::Policy => Missing::Policy(gone.clone()),
            TaggedKind::OidcProvider => Missing::OidcProvider(gone.clone()),
            TaggedKind::SamlProvider => Missing::SamlProvider(gone.clone()),
            _ => Missing::MfaDevice(gone.clone()),
        };
        assert_eq!(
            missing(store.tag(missing_owner, &tags(&[("a", "b")])).await),
            expected
        );
        // Another account's entity is not found either.
        let other = tagged(kind, "900000000099", name);
        assert!(matches!(
            store.untag(other, &["env".into()]).await,
            Err(StoreError::NotFound(_))
        ));
    }
}
