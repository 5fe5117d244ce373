use super::{account, existing, key};
use crate::{AccessKeyStatus, Account, Store};

/// Accounts with their root keys; key lookups and their last use.
pub async fn accounts_and_keys(store: &dyn Store) {
    store.ping().await.expect("the store answers");
    let id = account(store, 1).await;
    let found = store.account(&id).await.expect("account").expect("created");
    assert_eq!(found.name, "contract-1");
    assert_eq!(
        store
            .account_by_name("contract-1")
            .await
            .expect("by name")
            .map(|a| a.id),
        Some(id.clone())
    );
    assert_eq!(store.account("900000000099").await.expect("account"), None);
    assert_eq!(
        store.account_by_name("nobody").await.expect("by name"),
        None
    );

    // A second account of the same name writes nothing, its key neither.
    existing(
        store
            .create_account(
                &Account {
                    id: "900000000098".into(),
                    name: "contract-1".into(),
                    created_at: 1_700_000_000,
                },
                &key("AKIACLASH98", "900000000098", None),
            )
            .await,
    );
    assert_eq!(store.account("900000000098").await.expect("account"), None);
    assert_eq!(store.access_key("AKIACLASH98").await.expect("key"), None);
    let listed: Vec<_> = store
        .accounts()
        .await
        .expect("accounts")
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert!(listed.contains(&id), "{listed:?}");

    let root = store
        .access_key("AKIAROOT01")
        .await
        .expect("key")
        .expect("root key");
    assert_eq!(root.account_id, id);
    assert_eq!(root.user_id, None);
    assert_eq!(root.status, AccessKeyStatus::Active);
    assert_eq!(root.sealed_secret, "v1:secret-of-AKIAROOT01");
    assert_eq!(root.last_used, None);
    store
        .record_access_key_use("AKIAROOT01", 1_700_000_100, "sts", "eu-west-1")
        .await
        .expect("use");
    let used = store
        .access_key("AKIAROOT01")
        .await
        .expect("key")
        .expect("root key");
    assert_eq!(
        used.last_used,
        Some((1_700_000_100, "sts".into(), "eu-west-1".into()))
    );
    assert_eq!(store.access_key("AKIAMISSING").await.expect("key"), None);
}
