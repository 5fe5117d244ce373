use tessera_store::{
    AccessKeyRecord, AccessKeyStatus, Account, AccountStore, SqliteStore, StoreError,
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
        let store = SqliteStore::open(&path).await.expect("open");
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
    let store = SqliteStore::open(&path).await.expect("reopen");
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
    let store = SqliteStore::open(&dir.path().join("t.db"))
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
    let store = SqliteStore::open(&path).await.expect("open");
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
    let store = SqliteStore::open(&path).await.expect("open");
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
    let again = SqliteStore::open(&path).await.expect("reopen");
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
