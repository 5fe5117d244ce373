use tessera_store::{
    AccessKeyRecord, AccessKeyStatus, Account, AccountStore, HotReadStore, MfaDevice,
    PrincipalBinding, ProviderStore, ResourcePolicyRecord, ResourcePolicyStore, SealedKind,
    SealedStore, SqlStore, StoreError,
};

fn account(id: &str, name: &str) -> Account {
    Account {
        id: id.into(),
        name: name.into(),
        created_at: 1_700_000_000,
    }
}

fn root_key(id: &str, account_id: &str) -> AccessKeyRecord {
    AccessKeyRecord {
        access_key_id: id.into(),
        account_id: account_id.into(),
        user_id: None,
        sealed_secret: "v1:sealed".into(),
        status: AccessKeyStatus::Active,
        created_at: 1_700_000_000,
        last_used: None,
    }
}

#[tokio::test]
async fn accounts_and_keys_persist_across_reopen() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("tessera.db");
    {
        let store = SqlStore::open_sqlite(&path).await.expect("open");
        store
            .create_account(
                &account("123456789012", "tessera"),
                &root_key("AKIAONE", "123456789012"),
            )
            .await
            .expect("create");
        store
            .record_access_key_use("AKIAONE", 1_700_000_100, "sts", "us-east-1")
            .await
            .expect("use");
        store.close().await;
    }
    let store = SqlStore::open_sqlite(&path).await.expect("reopen");
    assert_eq!(
        store.account("123456789012").await.expect("read"),
        Some(account("123456789012", "tessera"))
    );
    assert_eq!(
        store
            .account_by_name("tessera")
            .await
            .expect("read")
            .map(|a| a.id),
        Some("123456789012".into())
    );
    let key = store
        .access_key("AKIAONE")
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(
        key.last_used,
        Some((1_700_000_100, "sts".into(), "us-east-1".into()))
    );
    assert_eq!(store.access_key("AKIAMISSING").await.expect("read"), None);
}

#[tokio::test]
async fn duplicate_account_name_writes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let store = SqlStore::open_sqlite(&dir.path().join("t.db"))
        .await
        .expect("open");
    store
        .create_account(
            &account("111111111111", "a"),
            &root_key("AKIAONE", "111111111111"),
        )
        .await
        .expect("create");
    let err = store
        .create_account(
            &account("222222222222", "a"),
            &root_key("AKIATWO", "222222222222"),
        )
        .await
        .expect_err("duplicate");
    assert!(matches!(err, StoreError::AlreadyExists(_)), "{err:?}");
    // The transaction rolled back: the second key was not written.
    assert_eq!(store.access_key("AKIATWO").await.expect("read"), None);
    assert_eq!(store.accounts().await.expect("list").len(), 1);
}

fn mfa_device(serial: &str, account_id: &str) -> MfaDevice {
    MfaDevice {
        serial_number: serial.into(),
        account_id: account_id.into(),
        sealed_seed: "v1:seed".into(),
        user: None,
        enabled_at: None,
        created_at: 1_700_000_000,
        last_used_step: None,
        tags: Vec::new(),
    }
}

#[tokio::test]
async fn sealed_values_are_replaced_together_or_not_at_all() {
    let dir = tempfile::tempdir().expect("dir");
    let store = SqlStore::open_sqlite(&dir.path().join("t.db"))
        .await
        .expect("open");
    store
        .create_account(
            &account("111111111111", "a"),
            &root_key("AKIAONE", "111111111111"),
        )
        .await
        .expect("create");
    let serial = "arn:aws:iam::111111111111:mfa/phone";
    store
        .create_mfa_device(&mfa_device(serial, "111111111111"))
        .await
        .expect("device");

    let mut tx = store.begin_sealed().await.expect("begin");
    let values = tx.sealed_values().await.expect("values");
    let found: Vec<_> = values
        .iter()
        .map(|v| (v.kind, v.owner.as_str(), v.sealed.as_str()))
        .collect();
    assert_eq!(
        found,
        vec![
            (SealedKind::AccessKeySecret, "AKIAONE", "v1:sealed"),
            (SealedKind::MfaSeed, serial, "v1:seed"),
        ]
    );
    tx.replace_sealed(SealedKind::AccessKeySecret, "AKIAONE", "v1:new")
        .await
        .expect("replace");
    assert!(
        tx.replace_sealed(
            SealedKind::MfaSeed,
            "arn:aws:iam::111111111111:mfa/none",
            "x"
        )
        .await
        .is_err()
    );
    // Dropped without a commit: nothing changed.
    drop(tx);
    let key = store
        .access_key("AKIAONE")
        .await
        .expect("read")
        .expect("key");
    assert_eq!(key.sealed_secret, "v1:sealed");

    let mut tx = store.begin_sealed().await.expect("begin");
    tx.replace_sealed(SealedKind::AccessKeySecret, "AKIAONE", "v1:new")
        .await
        .expect("replace");
    tx.replace_sealed(SealedKind::MfaSeed, serial, "v1:new-seed")
        .await
        .expect("replace");
    tx.commit().await.expect("commit");
    let key = store
        .access_key("AKIAONE")
        .await
        .expect("read")
        .expect("key");
    assert_eq!(key.sealed_secret, "v1:new");
    let device = store
        .mfa_device("111111111111", serial)
        .await
        .expect("read")
        .expect("device");
    assert_eq!(device.sealed_seed, "v1:new-seed");
}

#[cfg(unix)]
fn mode_of(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// The database file and its `-wal` and `-shm` companions.
#[cfg(unix)]
fn database_files(db: &std::path::Path) -> [std::path::PathBuf; 3] {
    let with = |suffix: &str| {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        std::path::PathBuf::from(name)
    };
    [db.to_path_buf(), with("-wal"), with("-shm")]
}

#[cfg(unix)]
#[tokio::test]
async fn database_files_are_private() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("tessera.db");
    let store = SqlStore::open_sqlite(&path).await.expect("open");
    store
        .create_account(
            &account("111111111111", "a"),
            &root_key("AKIAONE", "111111111111"),
        )
        .await
        .expect("create");
    // While the store is open and has written, all three files exist.
    for file in database_files(&path) {
        assert_eq!(mode_of(&file), 0o600, "{}", file.display());
    }
    store.close().await;
}

#[cfg(unix)]
#[tokio::test]
async fn an_existing_database_is_made_private_when_opened() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("tessera.db");
    let store = SqlStore::open_sqlite(&path).await.expect("open");
    store
        .create_account(
            &account("111111111111", "a"),
            &root_key("AKIAONE", "111111111111"),
        )
        .await
        .expect("create");
    // As an older release left them: readable by everyone.
    for file in database_files(&path) {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }
    let again = SqlStore::open_sqlite(&path).await.expect("reopen");
    store.close().await;
    again
        .record_access_key_use("AKIAONE", 1_700_000_100, "sts", "us-east-1")
        .await
        .expect("write");
    for file in database_files(&path) {
        assert_eq!(mode_of(&file), 0o600, "{}", file.display());
    }
    again.close().await;
}

fn bucket_policy(bucket: &str, document: &str, at: i64) -> ResourcePolicyRecord {
    ResourcePolicyRecord {
        resource_arn: format!("arn:aws:s3:::{bucket}"),
        owner_account_id: "111111111111".into(),
        document: document.into(),
        principal_bindings: vec![PrincipalBinding {
            arn: "arn:aws:iam::222222222222:user/alice".into(),
            unique_id: "AIDAALICE".into(),
        }],
        updated_at: at,
    }
}

#[tokio::test]
async fn resource_policies_are_put_replaced_listed_and_deleted() {
    let dir = tempfile::tempdir().expect("dir");
    let store = SqlStore::open_sqlite(&dir.path().join("t.db"))
        .await
        .expect("open");
    assert_eq!(store.resource_policies().await.expect("list"), Vec::new());
    assert_eq!(
        store
            .resource_policy("arn:aws:s3:::logs")
            .await
            .expect("read"),
        None
    );
    let logs = bucket_policy("logs", "{\"v\":1}", 10);
    store.put_resource_policy(&logs).await.expect("put");
    let mut data = bucket_policy("data", "{\"v\":2}", 11);
    data.principal_bindings.clear();
    store.put_resource_policy(&data).await.expect("put");
    assert_eq!(
        store
            .resource_policy("arn:aws:s3:::logs")
            .await
            .expect("read"),
        Some(logs.clone())
    );
    // Listed by ARN.
    assert_eq!(
        store.resource_policies().await.expect("list"),
        vec![data.clone(), logs.clone()]
    );

    // A put replaces the whole row.
    let replaced = ResourcePolicyRecord {
        owner_account_id: "333333333333".into(),
        document: "{\"v\":3}".into(),
        principal_bindings: Vec::new(),
        updated_at: 12,
        ..logs.clone()
    };
    store.put_resource_policy(&replaced).await.expect("replace");
    assert_eq!(
        store
            .resource_policy("arn:aws:s3:::logs")
            .await
            .expect("read"),
        Some(replaced)
    );
    assert_eq!(store.resource_policies().await.expect("list").len(), 2);

    assert!(
        store
            .delete_resource_policy("arn:aws:s3:::logs")
            .await
            .expect("delete")
    );
    assert!(
        !store
            .delete_resource_policy("arn:aws:s3:::logs")
            .await
            .expect("delete again")
    );
    assert_eq!(store.resource_policies().await.expect("list"), vec![data]);
}

#[tokio::test]
async fn the_resource_policy_generation_moves_with_every_change_and_is_shared() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("t.db");
    let store = SqlStore::open_sqlite(&path).await.expect("open");
    // Another process on the same database.
    let other = SqlStore::open_sqlite(&path).await.expect("open again");
    let start = store
        .resource_policy_generation()
        .await
        .expect("generation");

    store
        .put_resource_policy(&bucket_policy("logs", "{}", 1))
        .await
        .expect("put");
    let after_put = other
        .resource_policy_generation()
        .await
        .expect("generation");
    assert!(after_put > start, "{after_put} > {start}");

    // The same content saved again is still a write.
    other
        .put_resource_policy(&bucket_policy("logs", "{}", 1))
        .await
        .expect("put again");
    let after_second_put = store
        .resource_policy_generation()
        .await
        .expect("generation");
    assert!(after_second_put > after_put);

    // Deleting nothing changes nothing.
    assert!(
        !store
            .delete_resource_policy("arn:aws:s3:::none")
            .await
            .expect("delete")
    );
    assert_eq!(
        store
            .resource_policy_generation()
            .await
            .expect("generation"),
        after_second_put
    );

    assert!(
        other
            .delete_resource_policy("arn:aws:s3:::logs")
            .await
            .expect("delete")
    );
    let after_delete = store
        .resource_policy_generation()
        .await
        .expect("generation");
    assert!(after_delete > after_second_put);

    // It never goes back, even when the policies are as they were.
    store.close().await;
    other.close().await;
    let reopened = SqlStore::open_sqlite(&path).await.expect("reopen");
    assert_eq!(
        reopened
            .resource_policy_generation()
            .await
            .expect("generation"),
        after_delete
    );
    assert_eq!(
        reopened.resource_policies().await.expect("list"),
        Vec::new()
    );
}
